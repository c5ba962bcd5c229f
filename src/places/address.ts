/**
 * Address normalisation for mission addresses (feeds and the push API), offline.
 *
 * French addresses are completed from the reference data of `communes.ts` (department, region,
 * town-centre coordinates); other countries keep their raw values. No network call is made, so this
 * runs inline during an import. See {@link normalizeAddress} for the rules.
 */
import {
  findCommune,
  findDepartment,
  findDepartmentByName,
  communesByName,
  communesByPostalCode,
  isKnownPostalCode,
  normalizeDepartmentCode,
  type Commune,
  type Department,
} from "./communes.ts";
import { normalizeCountry } from "./countries.ts";
import { isValidLatLon, type LatLon } from "./geo.ts";
import { departmentCodeFromPostalCodeSyntax, normalizeFrenchPostalCode } from "./postal-code.ts";

export interface AddressInput {
  street?: string | null;
  postalCode?: string | number | null;
  city?: string | null;
  departmentCode?: string | null;
  departmentName?: string | null;
  region?: string | null;
  country?: string | null;
  location?: { lat: number; lon: number } | null;
}

export type GeolocStatus = "ENRICHED_BY_PUBLISHER" | "ENRICHED_BY_API" | "NOT_FOUND" | "NO_DATA";

export interface NormalizedAddress {
  street: string | null;
  postalCode: string | null;
  city: string | null;
  departmentCode: string | null;
  departmentName: string | null;
  region: string | null;
  country: string | null;
  lat: number | null;
  lon: number | null;
  geolocStatus: GeolocStatus;
}

/**
 * ISO 3166-1 codes of French overseas departments and collectivities. INSEE treats them as French
 * departments (971…988) and so does this service: an address in "GP" or "Réunion" is stored with
 * country "FR" and its department code, so department filters and facets work for it.
 */
const FRENCH_OVERSEAS_COUNTRY_CODES: ReadonlySet<string> = new Set([
  "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF",
]);

/** Trims; empty or blank → `null`; numbers are written in base 10. */
function clean(value: string | number | null | undefined): string | null {
  if (value == null) return null;
  const text = String(value).trim();
  return text === "" ? null : text;
}

/**
 * The publisher's coordinates when usable: finite, lat in [-90, 90], lon in [-180, 180]. Numeric
 * strings (XML feeds) are accepted. (0, 0) is treated as "no coordinates": it is the usual
 * placeholder of exports that have none, and no mission takes place in the Gulf of Guinea.
 */
function publisherLocation(location: AddressInput["location"]): LatLon | null {
  if (location == null || typeof location !== "object") return null;
  const toNumber = (v: unknown) =>
    typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  const point = { lat: toNumber(location.lat), lon: toNumber(location.lon) };
  if (!isValidLatLon(point)) return null;
  if (point.lat === 0 && point.lon === 0) return null;
  return point;
}

/**
 * An address without a country is read as French when its place is French: a postal code La Poste
 * knows (a 5-digit one as given, or a shorter one that lost its leading zero in a spreadsheet, `1000`
 * → `01000`, when the city is one of its communes: `1000` alone may be Brussels), or, without a postal code, a city that
 * is the name of a French commune. Foreign addresses are expected to say their country.
 */
function isFrenchPlace(postalCode: string | number | null | undefined, city: string | null): boolean {
  const text = postalCode == null ? "" : typeof postalCode === "number" ? (Number.isInteger(postalCode) ? String(postalCode) : "") : postalCode.trim();
  if (text === "") return city !== null && communesByName(city).length > 0;
  if (/^\d{5}$/.test(text)) return isKnownPostalCode(text);
  if (!/^\d{1,4}$/.test(text)) return false;
  if (city === null) return false;
  const named = communesByName(city);
  return communesByPostalCode(text).some((c) => named.includes(c));
}

/**
 * Normalises one address.
 *
 * All fields: strings trimmed, `""` → `null`; country through `normalizeCountry` ("France" → "FR",
 * overseas ISO codes such as "GP"/"RE" → "FR"); no country but a known 5-digit French postal code →
 * "FR" (also a shorter code that lost its leading zero, or a city that is a French commune, see
 * `isFrenchPlace`); `location` kept only when valid (then `geolocStatus` is `ENRICHED_BY_PUBLISHER`).
 *
 * French addresses:
 * - postal code as 5-character text, leading zeros kept (`1000` → `"01000"`), `null` when unusable;
 * - commune resolved from the postal code, then the city name (accents/case ignored);
 * - department: the given `departmentCode` when it exists ("1" → "01", "2a" → "2A"); else the
 *   commune's (20000 → 2A, 20200 → 2B, 97400 → 974); else the given `departmentName`; else the
 *   postal code's syntax (CEDEX codes); department name and region then come from the reference
 *   data, overriding the caller's spelling (the caller's values are kept when nothing resolves);
 * - city as given, else the commune's name; postal code filled in when the address has none and
 *   the commune has exactly one;
 * - coordinates: the publisher's, else the commune's town centre (`ENRICHED_BY_API`), else
 *   `NOT_FOUND` when there was a city or postal code to look up, `NO_DATA` when there was neither.
 *
 * Other countries (or no country): raw values, trimmed; status `ENRICHED_BY_PUBLISHER`, or
 * `NOT_FOUND`/`NO_DATA` as above (no lookup is attempted).
 *
 * Never throws on odd input.
 */
export function normalizeAddress(input: AddressInput): NormalizedAddress {
  const street = clean(input.street);
  const city = clean(input.city);
  const location = publisherLocation(input.location);

  let country = normalizeCountry(input.country);
  if (country && FRENCH_OVERSEAS_COUNTRY_CODES.has(country)) country = "FR";
  if (!country && isFrenchPlace(input.postalCode, city)) country = "FR";

  const hasSomethingToLookUp = city !== null || clean(input.postalCode) !== null;
  const statusWithoutCoordinates: GeolocStatus = hasSomethingToLookUp ? "NOT_FOUND" : "NO_DATA";

  if (country !== "FR") {
    return {
      street,
      postalCode: clean(input.postalCode),
      city,
      departmentCode: clean(input.departmentCode),
      departmentName: clean(input.departmentName),
      region: clean(input.region),
      country,
      lat: location?.lat ?? null,
      lon: location?.lon ?? null,
      geolocStatus: location ? "ENRICHED_BY_PUBLISHER" : statusWithoutCoordinates,
    };
  }

  let postalCode = normalizeFrenchPostalCode(input.postalCode);
  const givenDepartmentCode = normalizeDepartmentCode(clean(input.departmentCode));
  const commune: Commune | null =
    postalCode || city ? findCommune({ postalCode, city, departmentCode: givenDepartmentCode }) : null;

  const department: Department | null =
    (givenDepartmentCode ? findDepartment(givenDepartmentCode) : null) ??
    (commune ? findDepartment(commune.departmentCode) : null) ??
    findDepartmentByName(clean(input.departmentName)) ??
    (postalCode ? findDepartment(departmentCodeFromPostalCodeSyntax(postalCode)) : null);

  if (!postalCode && commune && commune.postalCodes.length === 1) postalCode = commune.postalCodes[0]!;

  let lat: number | null = null;
  let lon: number | null = null;
  let geolocStatus: GeolocStatus = statusWithoutCoordinates;
  if (location) {
    ({ lat, lon } = location);
    geolocStatus = "ENRICHED_BY_PUBLISHER";
  } else if (commune && commune.lat !== null && commune.lon !== null) {
    lat = commune.lat;
    lon = commune.lon;
    geolocStatus = "ENRICHED_BY_API";
  }

  return {
    street,
    postalCode,
    city: city ?? commune?.name ?? null,
    departmentCode: department?.code ?? null,
    departmentName: department?.name ?? clean(input.departmentName),
    region: department?.regionName ?? clean(input.region),
    country,
    lat,
    lon,
    geolocStatus,
  };
}
