/**
 * Value normalisers shared by the JSON API and the XML feed import. Pure, no I/O, never throw.
 *
 * Deliberate difference with the legacy importer: an unrecognised `remote` or `compensationUnit` is
 * NOT silently mapped to a default ("no" / null). It is returned as sent (lower-cased for the unit) so
 * that moderation rules 10 and 17 refuse the mission with a message the annonceur can act on, instead
 * of publishing it with a wrong value.
 */
import { removeAccents } from "../../taxonomy/slug.ts";
import type { CompensationUnit, RemoteValue } from "./enums.ts";

/** Lower-cased, trimmed, accent-free key for keyword lookups. */
function keyOf(v: string): string {
  return removeAccents(v.trim().toLowerCase());
}

const REMOTE_BY_KEYWORD: ReadonlyMap<string, RemoteValue> = new Map<string, RemoteValue>([
  ["", "no"],
  ["no", "no"],
  ["non", "no"],
  ["false", "no"],
  ["0", "no"],
  ["possible", "possible"],
  ["yes", "possible"],
  ["oui", "possible"],
  ["true", "possible"],
  ["1", "possible"],
  ["partiel", "possible"],
  ["partielle", "possible"],
  ["hybride", "possible"],
  ["full", "full"],
  ["total", "full"],
  ["100", "full"],
  ["remote", "full"],
  ["local", "local"],
]);

/**
 * Remote-work value, case-insensitive:
 * `no/non/false/0/""` → "no"; `possible/yes/oui/true/1/partiel/partielle/hybride` → "possible";
 * `full/total/100/remote` → "full"; `local` → "local". Booleans and the numbers 0, 1, 100 are read
 * like their string forms.
 *
 * `null`/`undefined` (absent) → `null`, so the caller applies its own default (a PUT leaves the
 * stored value alone). Anything else is returned unchanged (as a string) so that moderation rule 10
 * refuses it; the legacy XML import mapped it to "no" instead.
 */
export function normalizeRemote(v: unknown): RemoteValue | (string & {}) | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v ? "possible" : "no";
  if (typeof v !== "string" && typeof v !== "number") return null;
  const raw = String(v);
  return REMOTE_BY_KEYWORD.get(keyOf(raw)) ?? raw;
}

const TRUE_WORDS: ReadonlySet<string> = new Set(["yes", "true", "1", "oui"]);
const FALSE_WORDS: ReadonlySet<string> = new Set(["no", "false", "0", "non"]);

/**
 * Boolean flag (`openToMinors`, `reducedMobilityAccessible`, `closeToTransport`, `snu`…),
 * case-insensitive: `yes/true/1/oui` → true; `no/false/0/non` → false; real booleans pass through;
 * anything else (absent, "", "peut-être") → `null` (unknown).
 *
 * Differs from the legacy importer on purpose: there "oui" and every unknown value meant false.
 */
export function parseBoolean(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v !== "string" && typeof v !== "number") return null;
  const key = keyOf(String(v));
  if (TRUE_WORDS.has(key)) return true;
  if (FALSE_WORDS.has(key)) return false;
  return null;
}

const UNIT_BY_KEYWORD: ReadonlyMap<string, CompensationUnit> = new Map<string, CompensationUnit>([
  ["hour", "hour"],
  ["hours", "hour"],
  ["heure", "hour"],
  ["heures", "hour"],
  ["day", "day"],
  ["days", "day"],
  ["jour", "day"],
  ["jours", "day"],
  ["month", "month"],
  ["months", "month"],
  ["mois", "month"],
  ["year", "year"],
  ["years", "year"],
  ["an", "year"],
  ["ans", "year"],
  ["annee", "year"],
  ["annees", "year"],
]);

/**
 * Compensation unit, case- and accent-insensitive: `hour/heure/heures` → hour, `day/jour/jours` → day,
 * `month/mois` → month, `year/an/ans/année/années` → year (English plurals are accepted too).
 * Absent or blank → `null`. Anything else → the value trimmed and lower-cased, so that moderation
 * rule 17 refuses it (the legacy importer stored null and accepted the mission).
 */
export function normalizeCompensationUnit(v: unknown): CompensationUnit | (string & {}) | null {
  if (typeof v !== "string" && typeof v !== "number") return null;
  const trimmed = String(v).trim().toLowerCase();
  if (trimmed === "") return null;
  return UNIT_BY_KEYWORD.get(keyOf(trimmed)) ?? trimmed;
}

/**
 * Compensation type: trimmed and lower-cased (`"Gross"` → "gross"). Absent or blank → `null`.
 * No translation: a value other than gross/net is refused by moderation rule 18.
 */
export function normalizeCompensationType(v: unknown): string | null {
  if (typeof v !== "string" && typeof v !== "number") return null;
  const value = String(v).trim().toLowerCase();
  return value === "" ? null : value;
}

/**
 * Free-text list (tags, audience, softSkills, requirements, romeSkills, keyActions…):
 * - an array: each string (or number) item, as a whole;
 * - a string: split on commas (so, in that form, an item cannot contain a comma);
 * - a number: its string form.
 * Items are trimmed; empty items and exact duplicates are dropped; order of first appearance is kept.
 * Anything else (null, objects…) gives `[]`.
 */
export function cleanStringList(v: unknown): string[] {
  let items: unknown[];
  if (Array.isArray(v)) items = v;
  else if (typeof v === "string") items = v.split(",");
  else if (typeof v === "number") items = [v];
  else return [];
  const out = new Set<string>();
  for (const item of items) {
    if (typeof item !== "string" && typeof item !== "number") continue;
    const value = String(item).trim();
    if (value !== "") out.add(value);
  }
  return [...out];
}

function isValidDate(d: Date | null | undefined): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

/**
 * Mission duration in calendar months, read in UTC and ignoring the day of the month (legacy rule):
 * 2025-01-31 → 2025-02-01 is 1; 2025-09-01 → 2026-06-30 is 9; same month is 0.
 * `null` without an end date, with an invalid date, or when the end is before the start month.
 */
export function monthsBetween(start: Date | null | undefined, end: Date | null | undefined): number | null {
  if (!isValidDate(start) || !isValidDate(end)) return null;
  const months =
    (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + (end.getUTCMonth() - start.getUTCMonth());
  return months < 0 ? null : months;
}
