/**
 * Query string of `/v0/mission` and `/v0/mission/search` → a validated search request (pure).
 *
 * Parsing follows today's service — comma lists and repeated keys, `gt:`/`lt:` dates, `distance`
 * with km or m, legacy `from`/`size` — except that an invalid value is a 400 naming the parameter
 * (today: ignored, or a 500 for `remote`).
 */
import { badRequest } from "../http/errors.ts";
import { MISSION_TYPE_VALUES } from "../missions/schemas.ts";
import type { EngineQuery } from "./engine.ts";

export type RawQuery = Record<string, string | string[] | undefined>;

export const REMOTE_VALUES = ["no", "possible", "full", "local"] as const;
export const SORT_VALUES = ["startAt", "distance", "createdAt", "updatedAt", "relevance"] as const;
export const MAX_LIMIT = 10_000;
const DEFAULT_LIMIT = 25;
const DEFAULT_DISTANCE_KM = 50;
const MAX_TEXT = 500;
const MAX_VALUES = 200;

export interface SearchRequest {
  filters: Omit<EngineQuery, "scopes" | "onlyIds" | "skip" | "limit" | "facets" | "sort">;
  sort: NonNullable<EngineQuery["sort"]>;
  skip: number;
  limit: number;
  /** Position given (for `_distance`). */
  position?: { lat: number; lon: number };
  updatedSince?: Date;
  includeDeleted: boolean;
}

const invalid = (param: string, message: string) =>
  badRequest("INVALID_QUERY", `Paramètre « ${param} » invalide : ${message}`, [{ field: param, message }]);

function first(raw: RawQuery, name: string): string | undefined {
  const v = raw[name];
  const value = Array.isArray(v) ? v[v.length - 1] : v;
  return value === undefined ? undefined : value.trim();
}

/** One value, repeated keys, or comma-separated lists; trimmed, empties dropped. */
export function multi(raw: RawQuery, name: string): string[] | undefined {
  const v = raw[name];
  if (v === undefined) return undefined;
  const values = (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (values.length > MAX_VALUES) throw invalid(name, `au plus ${MAX_VALUES} valeurs`);
  if (values.some((s) => s.length > MAX_TEXT)) throw invalid(name, `valeur trop longue (${MAX_TEXT} caractères au plus)`);
  return values.length ? values : undefined;
}

function integer(raw: RawQuery, name: string, min: number, max: number): number | undefined {
  const v = first(raw, name);
  if (v === undefined || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw invalid(name, `entier attendu (reçu « ${v} »)`);
  const n = Number(v);
  if (n < min || n > max) throw invalid(name, `doit être compris entre ${min} et ${max}`);
  return n;
}

function number(raw: RawQuery, name: string, min: number, max: number): number | undefined {
  const v = first(raw, name);
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw invalid(name, `nombre attendu (reçu « ${v} »)`);
  if (n < min || n > max) throw invalid(name, `doit être compris entre ${min} et ${max}`);
  return n;
}

/** `true/yes/1` → true, `false/no/0` → false. */
function boolean(raw: RawQuery, name: string): boolean | undefined {
  const v = first(raw, name)?.toLowerCase();
  if (v === undefined || v === "") return undefined;
  if (["true", "yes", "1"].includes(v)) return true;
  if (["false", "no", "0"].includes(v)) return false;
  throw invalid(name, `true ou false attendu (reçu « ${v} »)`);
}

function enumValues<T extends string>(raw: RawQuery, name: string, allowed: readonly T[]): T[] | undefined {
  const values = multi(raw, name);
  if (!values) return undefined;
  const wrong = values.filter((v) => !allowed.includes(v as T));
  if (wrong.length) throw invalid(name, `valeurs possibles : ${allowed.join(", ")} (reçu « ${wrong.join(", ")} »)`);
  return values as T[];
}

/** Days in a month (1-12) of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function date(param: string, text: string): number {
  const trimmed = text.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(trimmed);
  if (match) {
    // Date.parse takes any day up to 31 and rolls over (2025-02-30 → 2 March): refused here.
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      throw invalid(param, `date inexistante dans le calendrier (reçu « ${text} »)`);
    }
  }
  const ms = match ? Date.parse(match[4] === undefined ? `${trimmed}T00:00:00Z` : trimmed) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(param, `date ISO 8601 attendue, par exemple 2025-09-01 (reçu « ${text} »)`);
  return ms;
}

/** `gt:<date>` / `lt:<date>` (today's syntax), also `>`/`<` as in the published docs. */
function dateComparison(raw: RawQuery, name: string): { op: "gt" | "lt"; value: number } | undefined {
  const v = first(raw, name);
  if (v === undefined || v === "") return undefined;
  const match = /^(gt:|lt:|>|<)(.+)$/.exec(v);
  if (!match) throw invalid(name, `« gt:<date> » ou « lt:<date> » attendu (reçu « ${v} »)`);
  const op = match[1] === "gt:" || match[1] === ">" ? "gt" : "lt";
  return { op, value: date(name, match[2] as string) };
}

/** `50km` (default), `500m`, a plain number of km; `0` means 10 km as today. */
export function parseDistance(text: string | undefined): number {
  if (text === undefined || text === "") return DEFAULT_DISTANCE_KM;
  const match = /^(\d+(?:\.\d+)?)\s*(km|m)?$/i.exec(text.trim());
  if (!match) throw invalid("distance", `distance attendue, par exemple 25km ou 800m (reçu « ${text} »)`);
  const value = Number(match[1]);
  const km = match[2]?.toLowerCase() === "m" ? value / 1000 : value;
  if (km === 0) return 10;
  if (km > 20_000) throw invalid("distance", "20000km au plus");
  return km;
}

/** For other query strings that speak the same way (the widget pages'). */
export { invalid as invalidParam, number as numberParam };

export function parseSearchQuery(raw: RawQuery): SearchRequest {
  const limitParam = integer(raw, "limit", 0, MAX_LIMIT);
  const size = integer(raw, "size", 0, MAX_LIMIT);
  // Legacy: `size` is read when `limit` is absent (and, as today, when limit=10000 is given explicitly).
  const limit = size !== undefined && (limitParam === undefined || limitParam === MAX_LIMIT) ? size : (limitParam ?? DEFAULT_LIMIT);
  const skipParam = integer(raw, "skip", 0, Number.MAX_SAFE_INTEGER);
  const from = integer(raw, "from", 0, Number.MAX_SAFE_INTEGER);
  const skip = skipParam ? skipParam : (from ?? 0);

  // `text` is the legacy name of `keywords` on /search; accepted on both routes.
  const keywordsRaw = first(raw, "keywords") || first(raw, "text");
  if (keywordsRaw && keywordsRaw.length > MAX_TEXT) throw invalid("keywords", `${MAX_TEXT} caractères au plus`);

  const lat = number(raw, "lat", -90, 90);
  const lon = number(raw, "lon", -180, 180);
  if ((lat === undefined) !== (lon === undefined)) throw invalid(lat === undefined ? "lat" : "lon", "lat et lon vont ensemble");
  // Today a zero coordinate disables the position (kept: lat=0&lon=0 is a common "unknown" value).
  const position = lat && lon ? { lat, lon } : undefined;
  const distanceKm = parseDistance(first(raw, "distance"));

  const sort = (first(raw, "sort") || "startAt") as SearchRequest["sort"];
  if (!SORT_VALUES.includes(sort)) throw invalid("sort", `valeurs possibles : ${SORT_VALUES.join(", ")}`);
  if (sort === "distance" && !position) throw invalid("sort", "le tri par distance demande lat et lon");

  const snu = first(raw, "snu");
  if (snu !== undefined && snu !== "" && snu !== "true" && snu !== "false") throw invalid("snu", "true ou false attendu");

  const updatedSinceText = first(raw, "updatedSince");
  const updatedSince = updatedSinceText ? new Date(date("updatedSince", updatedSinceText)) : undefined;
  const includeDeleted = boolean(raw, "includeDeleted") ?? false;
  if (includeDeleted && !updatedSince) throw invalid("includeDeleted", "s'utilise avec updatedSince");

  const filters: SearchRequest["filters"] = {
    domain: multi(raw, "domain"),
    activity: multi(raw, "activity"),
    type: enumValues(raw, "type", MISSION_TYPE_VALUES),
    remote: enumValues(raw, "remote", REMOTE_VALUES),
    city: multi(raw, "city"),
    departmentName: multi(raw, "departmentName"),
    country: multi(raw, "country"),
    clientId: multi(raw, "clientId"),
    publisher: multi(raw, "publisher"),
    organizationRNA: multi(raw, "organizationRNA"),
    organizationStatusJuridique: multi(raw, "organizationStatusJuridique"),
    openToMinors: boolean(raw, "openToMinors"),
    reducedMobilityAccessible: boolean(raw, "reducedMobilityAccessible"),
    snu: snu === "true" ? true : undefined,
    startAt: dateComparison(raw, "startAt"),
    createdAt: dateComparison(raw, "createdAt"),
    updatedSince: updatedSince?.getTime(),
    keywords: keywordsRaw || undefined,
    geo: position ? { ...position, distanceKm } : undefined,
  };
  for (const key of Object.keys(filters) as (keyof typeof filters)[]) if (filters[key] === undefined) delete filters[key];
  return { filters, sort, skip, limit, position, updatedSince, includeDeleted };
}
