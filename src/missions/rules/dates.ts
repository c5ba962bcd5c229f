/**
 * Dates of a mission (`postedAt`, `startAt`, `endAt`), from an XML feed or the JSON API. Pure, no
 * I/O, never throws.
 *
 * Accepted, after trimming:
 * - ISO 8601 date or date-time: `2025-09-01`, `2025-09-01T09:00`, `2025-09-01T09:00:00.123Z`,
 *   `2025-09-01 09:00:00+02:00`, `…+0200`. Without a zone the time is UTC (as today); a date alone is 00:00 UTC.
 * - Day/month/year `1/9/2025`, `01/09/2025`, `01-09-2025`, `01.09.2025`, optionally followed by
 *   ` HH:MM` or ` HH:MM:SS` (UTC). `order` decides which number is the day: `dmy` (French, the
 *   default) or `mdy` (the legacy reading, `01/11/2025` = 11 January).
 * - Unix time: 10 digits = seconds, 13 digits = milliseconds.
 * - RFC 2822 / HTTP dates: `Fri, 10 Mar 2020 22:49:39 GMT`, `10 March 2020 22:49 +0100`.
 *
 * Refused: impossible calendar dates (31/02/2025, 2025-13-01), impossible times (25:00), years
 * outside 1900–2100, and anything else. Differences with the legacy `new Date(string)`: no US order
 * by default, no Unix seconds read as milliseconds, no silent acceptance of V8's lenient formats.
 */

export type DateOrder = "dmy" | "mdy";

export type MissionDateResult = { ok: true; date: Date } | { ok: false; message: string } | null;

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;

/** French list of the accepted formats, for error messages. */
export function acceptedFormats(order: DateOrder): string {
  const example = order === "mdy" ? "09/01/2025 (mois/jour/année)" : "01/09/2025 (jour/mois/année)";
  return `formats acceptés : 2025-09-01, 2025-09-01T09:00:00Z ou ${example}`;
}

const fail = (message: string) => ({ ok: false as const, message });

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes to subtract to get UTC (`+02:00` → 120). */
  offsetMinutes: number;
}

/** Builds the UTC date, or an error message when a part is out of its calendar range. */
function build(p: Parts, order: DateOrder | null): { ok: true; date: Date } | { ok: false; message: string } {
  const orderHint = order === null ? "" : order === "mdy" ? " (lue comme mois/jour/année)" : " (lue comme jour/mois/année)";
  if (p.year < MIN_YEAR || p.year > MAX_YEAR) return fail(`l'année doit être comprise entre ${MIN_YEAR} et ${MAX_YEAR}`);
  if (p.month < 1 || p.month > 12) return fail(`le mois ${p.month} n'existe pas${orderHint}`);
  const daysInMonth = new Date(Date.UTC(p.year, p.month, 0)).getUTCDate();
  if (p.day < 1 || p.day > daysInMonth) return fail(`cette date n'existe pas${orderHint}`);
  if (p.hour > 23 || p.minute > 59 || p.second > 59) return fail("cette heure n'existe pas");
  const time = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond) - p.offsetMinutes * 60_000;
  return { ok: true, date: new Date(time) };
}

/** `Z`, `±hh:mm`, `±hhmm` or `±hh` → offset in minutes; `null` when malformed. */
function zoneOffset(zone: string | undefined): number | null {
  if (zone === undefined || zone === "" || /^z$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? "0");
  if (hours > 23 || minutes > 59) return null;
  return (m[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function parseIso(m: RegExpExecArray) {
  const offset = zoneOffset(m[8]);
  if (offset === null) return fail("fuseau horaire illisible");
  return build(
    {
      year: Number(m[1]),
      month: Number(m[2]),
      day: Number(m[3]),
      hour: Number(m[4] ?? "0"),
      minute: Number(m[5] ?? "0"),
      second: Number(m[6] ?? "0"),
      millisecond: Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3)),
      offsetMinutes: offset,
    },
    null,
  );
}

const NUMERIC_DATE = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$/i;

function parseNumericDate(m: RegExpExecArray, order: DateOrder) {
  const first = Number(m[1]);
  const second = Number(m[3]);
  return build(
    {
      year: Number(m[4]),
      month: order === "mdy" ? first : second,
      day: order === "mdy" ? second : first,
      hour: Number(m[5] ?? "0"),
      minute: Number(m[6] ?? "0"),
      second: Number(m[7] ?? "0"),
      millisecond: 0,
      offsetMinutes: 0,
    },
    order,
  );
}

const MONTHS: ReadonlyMap<string, number> = new Map([
  ["jan", 1], ["january", 1],
  ["feb", 2], ["february", 2],
  ["mar", 3], ["march", 3],
  ["apr", 4], ["april", 4],
  ["may", 5],
  ["jun", 6], ["june", 6],
  ["jul", 7], ["july", 7],
  ["aug", 8], ["august", 8],
  ["sep", 9], ["sept", 9], ["september", 9],
  ["oct", 10], ["october", 10],
  ["nov", 11], ["november", 11],
  ["dec", 12], ["december", 12],
]);

/** RFC 822/2822 zone names (obsolete North-American ones included), in minutes east of UTC. */
const NAMED_ZONES: ReadonlyMap<string, number> = new Map([
  ["gmt", 0], ["ut", 0], ["utc", 0], ["z", 0],
  ["est", -300], ["edt", -240], ["cst", -360], ["cdt", -300],
  ["mst", -420], ["mdt", -360], ["pst", -480], ["pdt", -420],
]);

const RFC_2822 =
  /^(?:[a-z]{3,9},?\s+)?(\d{1,2})\s+([a-z]{3,9})\.?\s+(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?:\s+([a-z]{1,3}|[+-]\d{4}|[+-]\d{2}:\d{2}))?$/i;

function parseRfc2822(m: RegExpExecArray) {
  const month = MONTHS.get((m[2] ?? "").toLowerCase());
  if (month === undefined) return null;
  const zone = m[7];
  const offset = zone === undefined ? 0 : (NAMED_ZONES.get(zone.toLowerCase()) ?? zoneOffset(zone));
  if (offset === null) return fail("fuseau horaire illisible");
  return build(
    {
      year: Number(m[3]),
      month,
      day: Number(m[1]),
      hour: Number(m[4] ?? "0"),
      minute: Number(m[5] ?? "0"),
      second: Number(m[6] ?? "0"),
      millisecond: 0,
      offsetMinutes: offset,
    },
    null,
  );
}

/**
 * Unix time: a number of 10 digits is seconds (feeds send them so), any other is milliseconds (as
 * JavaScript sends them); the year must be within the accepted range.
 */
export function dateFromUnixTime(value: number): { ok: true; date: Date } | { ok: false; message: string } {
  const ms = Number.isInteger(value) && value >= 1e9 && value < 1e10 ? value * 1000 : value;
  const year = new Date(ms).getUTCFullYear();
  if (!Number.isFinite(ms) || year < MIN_YEAR || year > MAX_YEAR) {
    return fail(`l'année doit être comprise entre ${MIN_YEAR} et ${MAX_YEAR}`);
  }
  return { ok: true, date: new Date(ms) };
}

/**
 * Reads one mission date. `null` when the text is empty (no date given), `{ ok: false, message }` when
 * it cannot be read: `message` is French, says why, and is meant to follow
 * `Date illisible pour <champ> : « <texte> » ; `.
 */
export function parseMissionDate(text: string, order: DateOrder): MissionDateResult {
  try {
    const value = typeof text === "string" ? text.trim() : "";
    if (value === "") return null;
    const dateOrder: DateOrder = order === "mdy" ? "mdy" : "dmy";

    if (/^\d{10}$|^\d{13}$/.test(value)) return dateFromUnixTime(Number(value));

    const iso = ISO.exec(value);
    if (iso) return parseIso(iso);

    const numeric = NUMERIC_DATE.exec(value);
    if (numeric) return parseNumericDate(numeric, dateOrder);

    const rfc = RFC_2822.exec(value);
    if (rfc) {
      const result = parseRfc2822(rfc);
      if (result) return result;
    }
    return fail(acceptedFormats(dateOrder));
  } catch {
    return fail(acceptedFormats(order === "mdy" ? "mdy" : "dmy"));
  }
}
