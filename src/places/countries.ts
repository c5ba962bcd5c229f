/**
 * Country handling: ISO 3166-1 alpha-2 codes and French/English country names.
 *
 * Data comes from `i18n-iso-countries` (codes and the `fr`/`en` name lists). The index is built on
 * first use (~250 codes, a few hundred names; well under a millisecond of work after the JSON loads).
 */
import { createRequire } from "node:module";
import { foldText } from "./text.ts";

const require = createRequire(import.meta.url);

type CodesRow = [alpha2: string, alpha3: string, numeric: string, ...rest: string[]];
interface LocaleFile {
  locale: string;
  countries: Record<string, string | string[]>;
}

interface CountryIndex {
  /** Upper-case alpha-2 codes. */
  alpha2: Set<string>;
  /** Upper-case alpha-3 code → alpha-2. */
  alpha3: Map<string, string>;
  /** Folded name (French or English, official or common) → alpha-2. */
  names: Map<string, string>;
}

/**
 * Spellings seen in partner data that the package's name lists do not carry. Keys are folded with
 * {@link foldText}; values are alpha-2 codes.
 */
const EXTRA_NAMES: Readonly<Record<string, string>> = {
  "republique francaise": "FR",
  "france metropolitaine": "FR",
  "metropole": "FR",
  "la france": "FR",
  "etats unis": "US",
  "usa": "US",
  "grande bretagne": "GB",
  "angleterre": "GB",
  "royaume uni": "GB",
  "la reunion": "RE",
  "ile de la reunion": "RE",
  "cote d ivoire": "CI",
  "pays bas": "NL",
  "hollande": "NL",
  "suisse": "CH",
  "belgique": "BE",
  "allemagne": "DE",
  "espagne": "ES",
  "italie": "IT",
  "luxembourg": "LU",
  "maroc": "MA",
  "tunisie": "TN",
  "algerie": "DZ",
  "senegal": "SN",
  "canada": "CA",
  "quebec": "CA",
};

let index: CountryIndex | null = null;

function loadIndex(): CountryIndex {
  if (index) return index;
  const codes = require("i18n-iso-countries/codes.json") as CodesRow[];
  const alpha2 = new Set<string>();
  const alpha3 = new Map<string, string>();
  for (const [a2, a3] of codes) {
    alpha2.add(a2);
    alpha3.set(a3, a2);
  }
  const names = new Map<string, string>();
  for (const locale of ["fr", "en"]) {
    const file = require(`i18n-iso-countries/langs/${locale}.json`) as LocaleFile;
    for (const [code, value] of Object.entries(file.countries)) {
      for (const name of Array.isArray(value) ? value : [value]) {
        const key = foldText(name);
        // The first locale wins on conflicts, so French spellings keep their French meaning.
        if (key && !names.has(key)) names.set(key, code);
      }
    }
  }
  for (const [key, code] of Object.entries(EXTRA_NAMES)) names.set(key, code);
  index = { alpha2, alpha3, names };
  return index;
}

/** `true` when `code` is an ISO 3166-1 alpha-2 code (case-sensitive: "FR" yes, "fr" no). */
export function isCountryCode(code: string): boolean {
  return loadIndex().alpha2.has(code);
}

/**
 * Normalises a country as written by a partner into an ISO 3166-1 alpha-2 code.
 *
 * - `null`/`undefined`/blank → `null`;
 * - alpha-2 in any case ("fr", "Fr") → "FR"; alpha-3 ("FRA", "bel") → "FR"/"BE";
 * - a French or English name, accents and case ignored ("France", "FRANCE", "République française",
 *   "Belgique", "Belgium", "États-Unis") → its code;
 * - anything else → the trimmed input, unchanged, so that moderation can refuse it with the value
 *   the partner sent.
 */
export function normalizeCountry(input: string | null | undefined): string | null {
  if (input == null) return null;
  const trimmed = String(input).trim();
  if (!trimmed) return null;
  const { alpha2, alpha3, names } = loadIndex();
  const upper = trimmed.toUpperCase();
  if (upper.length === 2 && alpha2.has(upper)) return upper;
  if (upper.length === 3 && alpha3.has(upper)) return alpha3.get(upper)!;
  const byName = names.get(foldText(trimmed));
  if (byName) return byName;
  return trimmed;
}
