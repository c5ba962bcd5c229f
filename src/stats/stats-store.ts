/**
 * Reads the statistics tables: counts of events grouped by any of the dimensions, for one side of one
 * partner (or the whole service), over a range of Paris days; and always the deltas not folded yet
 * (stat_pending), in the same statement.
 * A partner's question that needs no dimension but the channel or the other partner is answered by
 * the per-side tables (migration 011), read as whole months, weeks and days; any other by the tables
 * of both partners (migration 010): whole months from the monthly tables, the days at the edges from
 * the daily ones, the mission-level tables when a dimension or a filter needs the mission.
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { PREPARED } from "../db/prepared-statements.ts";
import { addDays, coverRange, type Interval, nextMonth, type RangeParts, splitRange } from "./stats-period.ts";

export const EVENT_TYPES = ["impression", "click", "account", "apply"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const CHANNELS = ["api", "widget", "campaign", "seo", "jstag", "server"] as const;
export type Channel = (typeof CHANNELS)[number];
export const DIMENSIONS = ["partner", "channel", "source", "mission", "domain", "department"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export type Side = "diffuseur" | "annonceur";

/** Whose events: one side of a partner, or every event of the service (public figures). */
export type Scope = { side: Side; publisherId: string } | { side: "all" };

export interface Filters {
  from: string;
  to: string;
  types?: readonly EventType[];
  channels?: readonly string[];
  /** Partners on the other side. */
  partners?: readonly string[];
  /** Widget or campaign ids. */
  sources?: readonly string[];
  missions?: readonly string[];
}

export interface Grouping {
  /** The series' period, when the counts are per period. */
  interval?: Interval;
  dimensions?: readonly Dimension[];
}

/** One group's count of one type. `period` and the dimensions are set when grouped by them. */
export interface CountRow {
  period?: string;
  partner?: string;
  channel?: string;
  /** With `source`: "widget:<id>" or "campaign:<id>" ("" without). */
  source?: string;
  mission?: string;
  domain?: string;
  department?: string;
  type: EventType;
  n: number;
}

const MISSION_DIMENSIONS: ReadonlySet<Dimension> = new Set(["mission", "domain", "department"]);

/** The column of the other side's partner. */
const partnerColumn = (scope: Scope) => (scope.side === "annonceur" ? "from_publisher_id" : "to_publisher_id");
/** The column of the partner whose side it is. */
const ownColumn = (scope: Scope & { side: Side }) => (scope.side === "diffuseur" ? "from_publisher_id" : "to_publisher_id");

function dimensionSql(dimension: Dimension, scope: Scope): RawBuilder<unknown> {
  switch (dimension) {
    case "partner":
      return sql.raw(`s.${scope.side === "all" ? "to_publisher_id" : partnerColumn(scope)}`);
    case "channel":
      return sql.raw("s.source");
    case "source":
      return sql.raw("CASE WHEN s.source_id = '' THEN '' ELSE s.source || ':' || s.source_id END");
    case "mission":
      return sql.raw("s.mission_id");
    case "domain":
      return sql.raw("coalesce(m.domain, '')");
    case "department":
      return sql.raw("coalesce(a.department_name, '')");
  }
}

/** The period as a date (grouping by a date is several times cheaper than by its text). */
function periodDateSql(interval: Interval | null): RawBuilder<unknown> {
  if (interval === null) return sql`NULL::date`;
  if (interval === "day") return sql.raw("s.d");
  return sql.raw(`date_trunc('${interval}', s.d)::date`);
}

/** A period key grouped as a date, written YYYY-MM-DD. */
const periodOut = (key: string) => (key === "period" ? sql`to_char(period, 'YYYY-MM-DD') AS period` : sql.id(key));

/** The rows of the tables that answer `parts`, restricted to the scope and filters. */
function source(scope: Scope, filters: Filters, parts: RangeParts, byMission: boolean): RawBuilder<unknown> {
  const conditions = (dateColumn: string) => {
    const list: RawBuilder<unknown>[] = [];
    if (scope.side !== "all") list.push(sql`${sql.raw(ownColumn(scope))} = ${scope.publisherId}`);
    if (filters.types?.length) list.push(sql`type = ANY(${[...filters.types]}::text[])`);
    if (filters.channels?.length) list.push(sql`source = ANY(${[...filters.channels]}::text[])`);
    if (filters.partners?.length && scope.side !== "all") list.push(sql`${sql.raw(partnerColumn(scope))} = ANY(${[...filters.partners]}::text[])`);
    if (filters.sources?.length) list.push(sql`source_id = ANY(${[...filters.sources]}::text[])`);
    if (filters.missions?.length) list.push(sql`mission_id = ANY(${[...filters.missions]}::text[])`);
    return (from: string, to: string) => sql.join([...list, sql`${sql.raw(dateColumn)} BETWEEN ${from}::date AND ${to}::date`], sql` AND `);
  };
  const columns = `from_publisher_id, to_publisher_id, source, source_id, ${byMission ? "mission_id" : "'' AS mission_id"}, type, n`;
  const daily = byMission ? "stat_mission_daily" : "stat_daily";
  const monthly = byMission ? "stat_mission_monthly" : "stat_monthly";
  // The deltas not folded yet (stat_pending) are added in the same statement: one snapshot.
  const selects = parts.days.flatMap(({ from, to }) => [
    sql`SELECT day AS d, ${sql.raw(columns)} FROM ${sql.table(daily)} WHERE ${conditions("day")(from, to)}`,
    sql`SELECT day AS d, ${sql.raw(columns)} FROM stat_pending WHERE ${conditions("day")(from, to)}`,
  ]);
  if (parts.months) {
    const { from, to } = parts.months;
    selects.push(sql`SELECT month AS d, ${sql.raw(columns)} FROM ${sql.table(monthly)} WHERE ${conditions("month")(from, to)}`);
    selects.push(sql`SELECT date_trunc('month', day)::date AS d, ${sql.raw(columns)} FROM stat_pending WHERE ${conditions("day")(from, addDays(nextMonth(to), -1))}`);
  }
  return sql.join(selects, sql` UNION ALL `);
}

/** Counts per group and type (groups whose count is 0 left out). */
export async function countEvents(db: Db, scope: Scope, filters: Filters, grouping: Grouping = {}): Promise<CountRow[]> {
  const dimensions = grouping.dimensions ?? [];
  const table = scope.side !== "all" ? perSideTable(filters, dimensions) : null;
  if (scope.side !== "all" && table) return countPerSide(db, scope, filters, grouping, table);
  const byMission = dimensions.some((d) => MISSION_DIMENSIONS.has(d)) || Boolean(filters.missions?.length);
  const parts = splitRange(filters.from, filters.to, grouping.interval ?? null);
  const keys: Array<[string, RawBuilder<unknown>]> = [];
  if (grouping.interval) keys.push(["period", periodDateSql(grouping.interval)]);
  for (const dimension of dimensions) keys.push([dimension, dimensionSql(dimension, scope)]);
  const joins = [
    ...(dimensions.includes("domain") || dimensions.includes("department") ? [sql`LEFT JOIN mission m ON m.id = s.mission_id`] : []),
    ...(dimensions.includes("department") ? [sql`LEFT JOIN mission_address a ON a.mission_id = m.id AND a.position = 0`] : []),
  ];
  const selected = keys.map(([name, expression]) => (name === "period" ? sql`to_char(${expression}, 'YYYY-MM-DD') AS period` : sql`${expression} AS ${sql.id(name)}`));
  const groupBy = [...keys.map(([, expression]) => expression), sql.raw("s.type")];
  const { rows } = await sql<Record<string, string> & { type: EventType; n: string }>`
    SELECT ${sql.join([...selected, sql.raw("s.type"), sql.raw("sum(s.n)::bigint AS n")])}
    FROM (${source(scope, filters, parts, byMission)}) s ${sql.join(joins, sql` `)}
    GROUP BY ${sql.join(groupBy)}
    HAVING sum(s.n) <> 0
  `.execute(db);
  return rows.map((row) => ({ ...row, n: Number(row.n) }));
}

/** Whether only the range and the types narrow the question (the bitmaps of stat_reach then answer it). */
const unfiltered = (filters: Filters) => !filters.channels?.length && !filters.partners?.length && !filters.sources?.length && !filters.missions?.length;

export interface Reached {
  /** Missions with at least one event of each type asked. */
  missions: Partial<Record<"click" | "apply", number>>;
  /** Partners on the other side with at least one event of the types asked, when asked. */
  partners?: number;
}

/**
 * Missions with at least one event of each of `missionTypes` (click, apply), and, with `withPartners`,
 * partners on the other side with at least one event: from the bitmaps of stat_reach in one
 * statement when only the range and the types narrow the question (all the types, for partners),
 * else from the rows.
 */
export async function countReach(db: Db, scope: Scope, filters: Filters, missionTypes: ReadonlyArray<"click" | "apply">, withPartners: boolean): Promise<Reached> {
  const bitmaps = scope.side !== "all" && unfiltered(filters);
  const partnerBitmap = bitmaps && withPartners && EVENT_TYPES.every((t) => typesOf(filters).includes(t));
  const reaches: Reach[] = [...(bitmaps ? missionTypes.map((type) => ({ kind: "m", type }) as const) : []), ...(partnerBitmap ? [{ kind: "p", type: "" } as const] : [])];
  const [counts, missions, partners] = await Promise.all([
    reaches.length && scope.side !== "all" ? countReached(db, scope, filters, reaches) : new Map<string, number>(),
    bitmaps ? undefined : Promise.all(missionTypes.map(async (type) => [type, await countMissions(db, scope, filters, type)] as const)),
    withPartners && !partnerBitmap ? countEvents(db, scope, filters, { dimensions: ["partner"] }).then(partnersIn) : undefined,
  ]);
  return {
    missions: missions ? Object.fromEntries(missions) : Object.fromEntries(missionTypes.map((type) => [type, counts.get(`m${type}`) ?? 0])),
    ...(withPartners ? { partners: partners ?? counts.get("p") ?? 0 } : {}),
  };
}

/** Partners on the other side with a positive count in rows grouped by partner. */
export function partnersIn(rows: readonly CountRow[]): number {
  const sums = new Map<string, number>();
  for (const row of rows) if (row.partner) sums.set(row.partner, (sums.get(row.partner) ?? 0) + row.n);
  return [...sums.values()].filter((n) => n > 0).length;
}

/** How many missions have a positive count of `type`, from the mission tables of both partners (any filter). */
async function countMissions(db: Db, scope: Scope, filters: Filters, type: EventType): Promise<number> {
  const parts = splitRange(filters.from, filters.to, null);
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM (
      SELECT s.mission_id FROM (${source(scope, { ...filters, types: [type] }, parts, true)}) s
      WHERE s.mission_id <> '' GROUP BY s.mission_id HAVING sum(s.n) > 0
    ) x
  `.execute(db);
  return Number(rows[0]?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------------
// Per-side tables (migration 011_stats_by_side.sql)

type PerSideTable = "stat_by_channel" | "stat_by_partner";
const SIDE_CODE = { diffuseur: "d", annonceur: "a" } as const;
const TYPE_COLUMN: Readonly<Record<EventType, string>> = { impression: "impressions", click: "clicks", account: "accounts", apply: "applications" };

/** The per-side table that answers, when one does: the dimensions and filters are the channel alone, or the other partner alone. */
function perSideTable(filters: Filters, dimensions: readonly Dimension[]): PerSideTable | null {
  const needs = new Set<Dimension>(dimensions);
  if (filters.channels?.length) needs.add("channel");
  if (filters.partners?.length) needs.add("partner");
  if (filters.sources?.length) needs.add("source");
  if (filters.missions?.length) needs.add("mission");
  if ([...needs].every((d) => d === "channel")) return "stat_by_channel";
  if ([...needs].every((d) => d === "partner")) return "stat_by_partner";
  return null;
}

/** The stored periods covering the range, as arrays for `unnest`. */
function unitsSql(filters: Filters, interval: Interval | null): RawBuilder<unknown> {
  const units = coverRange(filters.from, filters.to, interval);
  return sql`unnest(${units.map((u) => u.grain)}::"char"[], ${units.map((u) => u.period)}::date[], ${units.map((u) => u.bucket || null)}::date[]) AS u(grain, period, bucket)`;
}

/** Group keys: the series period, the other partner, the channel. */
type Key = "period" | "partner" | "channel";

/**
 * The partner's id as an initial subquery rather than a parameter: a plan never depends on its value,
 * so the plan of a prepared statement is made once and reused (with the value in sight, PostgreSQL
 * estimates a large partner's rows apart and keeps planning each execution anew).
 */
const partnerParameter = (scope: Scope & { side: Side }) => sql`(SELECT ${scope.publisherId}::text)`;

/** The per-side table's rows of one stored period (the `u` of unitsSql), looked up one period at a time (OFFSET 0 keeps the planner from reading all the partner's periods instead). */
function unitRows(scope: Scope & { side: Side }, table: PerSideTable, conditions: readonly RawBuilder<unknown>[] = []): RawBuilder<unknown> {
  return sql`CROSS JOIN LATERAL (
      SELECT * FROM ${sql.table(table)} c
      WHERE c.publisher_id = ${partnerParameter(scope)} AND c.side = ${sql.lit(SIDE_CODE[scope.side])} AND c.grain = u.grain AND c.period = u.period ${sql.join(conditions, sql` `)}
      OFFSET 0) c`;
}

/**
 * A stored count read as int4, so that it is summed as int8 rather than numeric (summing the 5,400
 * rows of a large partner's year by partner takes 1.5 ms instead of 2.5); a count of one partner,
 * period and channel or other partner stays far below 2^31, and would fail loudly above.
 */
const storedCount = (type: EventType) => sql`c.${sql.raw(TYPE_COLUMN[type])}::int4`;
/** The same of a pending delta (stat_pending has a row per type). */
const pendingCount = (type: EventType) => sql`CASE WHEN type = ${type} THEN n::int4 ELSE 0 END`;

/**
 * The rows of one side of a partner, one column per group key and per event type asked: those of
 * the per-side table over the periods covering the range, and the pending deltas.
 */
function perSideRows(scope: Scope & { side: Side }, filters: Filters, interval: Interval | null, table: PerSideTable, keys: readonly Key[]): RawBuilder<unknown> {
  const types = typesOf(filters);
  const otherColumn = partnerColumn(scope);
  const stored: Record<Key, string> = { period: "u.bucket", partner: "c.other_id", channel: "c.channel" };
  const pendingKey: Record<Key, RawBuilder<unknown>> = { period: periodDateSql(interval), partner: sql.raw(otherColumn), channel: sql.raw("source") };
  const storedFilters = [
    ...(filters.channels?.length ? [sql`AND c.channel = ANY(${[...filters.channels]}::text[])`] : []),
    ...(filters.partners?.length ? [sql`AND c.other_id = ANY(${[...filters.partners]}::text[])`] : []),
  ];
  const pendingFilters = [
    ...(filters.channels?.length ? [sql`AND source = ANY(${[...filters.channels]}::text[])`] : []),
    ...(filters.partners?.length ? [sql`AND ${sql.raw(otherColumn)} = ANY(${[...filters.partners]}::text[])`] : []),
  ];
  return sql`
    SELECT ${sql.join([...keys.map((k) => sql`${sql.raw(stored[k])} AS ${sql.id(k)}`), ...types.map((t) => sql`${storedCount(t)} AS ${sql.id(t)}`)])}
    FROM ${unitsSql(filters, interval)} ${unitRows(scope, table, storedFilters)}
    UNION ALL
    SELECT ${sql.join([...keys.map((k) => sql`${pendingKey[k]} AS ${sql.id(k)}`), ...types.map((t) => sql`${pendingCount(t)} AS ${sql.id(t)}`)])}
    FROM ${pendingRows(scope, filters, pendingFilters)}`;
}

/** The deltas not folded yet of one side of a partner over the range (`d` the day), as a FROM item `s`. */
function pendingRows(scope: Scope & { side: Side }, filters: Filters, conditions: readonly RawBuilder<unknown>[] = []): RawBuilder<unknown> {
  return sql`(SELECT day AS d, * FROM stat_pending
      WHERE ${sql.raw(ownColumn(scope))} = ${partnerParameter(scope)} AND day BETWEEN ${filters.from}::date AND ${filters.to}::date
        AND type = ANY(${[...typesOf(filters)]}::text[]) ${sql.join(conditions, sql` `)}) s`;
}

/** The same rows from the tables of both partners (any filter), for a series split by partner. */
function bothPartnersRows(scope: Scope, filters: Filters, interval: Interval | null): RawBuilder<unknown> {
  const parts = splitRange(filters.from, filters.to, interval);
  const types = typesOf(filters);
  return sql`
    SELECT ${periodDateSql(interval)} AS period, ${dimensionSql("partner", scope)} AS partner,
           ${sql.join(types.map((t) => sql`CASE WHEN s.type = ${t} THEN s.n ELSE 0 END AS ${sql.id(t)}`))}
    FROM (${source(scope, filters, parts, Boolean(filters.missions?.length))}) s`;
}

const typesOf = (filters: Filters): readonly EventType[] => (filters.types?.length ? filters.types : EVENT_TYPES);

/** Rows of one count column per type turned into one row per type with a non-zero count. */
function countRows(rows: ReadonlyArray<Record<string, string | null>>, types: readonly EventType[], keys: readonly Key[]): CountRow[] {
  const counts: CountRow[] = [];
  for (const row of rows) {
    for (const type of types) {
      const n = Number(row[type] ?? 0);
      if (n === 0) continue;
      const count: CountRow = { type, n };
      for (const key of keys) count[key] = row[key] ?? undefined;
      counts.push(count);
    }
  }
  return counts;
}

async function countPerSide(db: Db, scope: Scope & { side: Side }, filters: Filters, grouping: Grouping, table: PerSideTable): Promise<CountRow[]> {
  const types = typesOf(filters);
  const keys: Key[] = [...(grouping.interval ? (["period"] as const) : []), ...((grouping.dimensions ?? []) as Key[])];
  const names = keys.map((k) => sql.id(k));
  const { rows } = await sql<Record<string, string>>`${PREPARED}
    SELECT ${sql.join([...keys.map(periodOut), ...types.map((t) => sql`sum(${sql.id(t)})::bigint AS ${sql.id(t)}`)])}
    FROM (${perSideRows(scope, filters, grouping.interval ?? null, table, keys)}) x
    ${names.length ? sql`GROUP BY ${sql.join(names)}` : sql``}
  `.execute(db);
  return countRows(rows, types, keys);
}

export interface SplitSeries {
  /** Counts over the whole range (no key). */
  totals: CountRow[];
  /** Partners on the other side with a positive count over the range. */
  partnerCount: number;
  /** The `top` partners, largest first. */
  top: string[];
  /** Their names, read in the same statement. */
  names: Map<string, string>;
  /** Counts per period and partner: the `top` ones, the others together (partner undefined). */
  cells: CountRow[];
}

/**
 * A series split by partner: the `top` partners ranked by `rankBy` (then by all the types asked,
 * then by id), the others together ("Autres"), in one statement that returns a few hundred rows
 * whatever the number of partners. Ranking is that of the breakdowns (stats-report `ranked`).
 * Without a filter on partners, the rows are read once, summed per partner; the cells are then those
 * of the top partners alone, looked up per period, and "Autres" each period's total (stat_by_channel)
 * minus them. With one, or from the tables of both partners, the rows are summed per partner, then
 * per period and top partner (the others together).
 */
export async function countSplitSeries(db: Db, scope: Scope & { side: Side }, filters: Filters, interval: Interval, top: number, rankBy: EventType): Promise<SplitSeries> {
  const types = typesOf(filters);
  const table = perSideTable(filters, ["partner"]);
  const fromTops = table === "stat_by_partner" && !filters.partners?.length;
  const sums = sql.join(types.map((t) => sql`sum(${sql.id(t)})::bigint AS ${sql.id(t)}`));
  const columns = sql.join(types.map((t) => sql.id(t)));
  const allTypes = sql.join(types.map((t) => sql.id(t)), sql` + `);
  const ranking = sql`
    p AS MATERIALIZED (SELECT partner, ${sums} FROM r GROUP BY partner HAVING ${sql.join(types.map((t) => sql`sum(${sql.id(t)}) <> 0`), sql` OR `)}),
    top AS MATERIALIZED (
      SELECT t.partner, t.rank, publisher.name FROM (
        SELECT partner, row_number() OVER (ORDER BY ${sql.id(rankBy)} DESC, ${allTypes} DESC, partner) AS rank FROM p ORDER BY rank LIMIT ${top}
      ) t LEFT JOIN publisher ON publisher.id = t.partner)`;
  // The top partners' totals, then the range's totals and the number of partners with a positive count (in `rank`).
  const partnerRows = sql`
      SELECT 'p' AS part, NULL AS period, p.partner, ${columns}, top.rank, top.name FROM top JOIN p USING (partner)
      UNION ALL
      SELECT 't', NULL, NULL, ${sums}, count(*) FILTER (WHERE ${allTypes} > 0), NULL FROM p`;
  let query: RawBuilder<Record<string, string | null> & { part: "p" | "t" | "c"; rank: string | null; name: string | null }>;
  if (fromTops) {
    const otherColumn = sql.raw(partnerColumn(scope));
    const stored = sql.join(types.map((t) => sql`${storedCount(t)} AS ${sql.id(t)}`));
    const pending = sql.join(types.map((t) => sql`${pendingCount(t)} AS ${sql.id(t)}`));
    const period = periodDateSql(interval);
    query = sql`${PREPARED}
      WITH u AS MATERIALIZED (SELECT * FROM ${unitsSql(filters, interval)}),
      r AS (
        SELECT c.other_id AS partner, ${stored} FROM u ${unitRows(scope, "stat_by_partner")}
        UNION ALL
        SELECT ${otherColumn}, ${pending} FROM ${pendingRows(scope, filters)}
      ),
      ${ranking},
      cells AS (
        SELECT u.bucket AS period, top.partner, ${stored} FROM u CROSS JOIN top ${unitRows(scope, "stat_by_partner", [sql`AND c.other_id = top.partner`])}
        UNION ALL
        SELECT u.bucket, NULL, ${stored} FROM u ${unitRows(scope, "stat_by_channel")}
        UNION ALL
        SELECT ${period}, NULL, ${pending} FROM ${pendingRows(scope, filters)}
        UNION ALL
        SELECT ${period}, ${otherColumn}, ${pending} FROM ${pendingRows(scope, filters, [sql`AND ${otherColumn} IN (SELECT partner FROM top)`])}
      )
      ${partnerRows}
      UNION ALL
      SELECT 'c', to_char(period, 'YYYY-MM-DD'), partner, ${sums}, NULL, NULL FROM cells GROUP BY period, partner`;
  } else {
    const rows = table ? perSideRows(scope, filters, interval, table, ["period", "partner"]) : bothPartnersRows(scope, filters, interval);
    query = sql`
      WITH r AS MATERIALIZED (${rows}),
      ${ranking}
      ${partnerRows}
      UNION ALL
      SELECT 'c', to_char(r.period, 'YYYY-MM-DD'), top.partner, ${sums}, NULL, NULL FROM r LEFT JOIN top USING (partner) GROUP BY r.period, top.partner`;
  }
  const { rows: result } = await query.execute(db);
  const ranked = result.filter((r) => r.part === "p").sort((a, b) => Number(a.rank) - Number(b.rank));
  const totals = result.filter((r) => r.part === "t");
  const cells = countRows(result.filter((r) => r.part === "c"), types, ["period", "partner"]);
  return {
    totals: countRows(totals, types, []),
    partnerCount: Number(totals[0]?.rank ?? 0),
    top: ranked.map((r) => r.partner ?? ""),
    names: new Map(ranked.flatMap((r) => (r.partner && r.name !== null ? [[r.partner, r.name] as const] : []))),
    cells: fromTops ? othersAsRemainder(cells) : cells,
  };
}

/** Cells of the top partners and each period's total (partner undefined) turned into cells of the top partners and of the others. */
export function othersAsRemainder(cells: readonly CountRow[]): CountRow[] {
  const others = new Map<string, CountRow>();
  for (const cell of cells) {
    const key = `${cell.period}\u0000${cell.type}`;
    const other = others.get(key) ?? { period: cell.period, type: cell.type, n: 0 };
    other.n += cell.partner === undefined ? cell.n : -cell.n;
    others.set(key, other);
  }
  return [...cells.filter((c) => c.partner !== undefined), ...[...others.values()].filter((c) => c.n !== 0)];
}

/** An array of fixed words (never user input), written in the statement's text. */
const literals = (words: readonly string[]) => sql`ARRAY[${sql.join(words.map((w) => sql.lit(w)))}]`;

/** What a count of items reached is about: missions ("m") with a positive count of one type, or partners ("p", type "") with a positive count of any. */
export interface Reach {
  kind: "m" | "p";
  type: "click" | "apply" | "";
}

/**
 * Items reached over the range, for each of `reaches`: the bits set in the OR of the covering
 * periods' bitmaps (stat_reach), plus the items of deltas not folded yet that no bitmap holds, in
 * one statement. A bot flag not folded yet leaves its items counted until the next fold (a second
 * or so). Counts keyed `${kind}${type}`.
 */
async function countReached(db: Db, scope: Scope & { side: Side }, filters: Filters, reaches: readonly Reach[]): Promise<Map<string, number>> {
  // The side written in the text (two statements): as a parameter, its estimate keeps the plan from being reused.
  const side = sql.lit(SIDE_CODE[scope.side]);
  const own = sql.raw(ownColumn(scope));
  const other = sql.raw(partnerColumn(scope));
  const missionTypes = reaches.filter((r) => r.kind === "m").map((r) => r.type);
  // What is counted is written in the text, not passed as parameters: each combination is its own
  // prepared statement, whose generic plan is then as good as a custom one (it is used).
  const kinds = literals(reaches.map((r) => r.kind));
  const types = literals(reaches.map((r) => r.type));
  const inRange = sql`${own} = ${partnerParameter(scope)} AND day BETWEEN ${filters.from}::date AND ${filters.to}::date`;
  // The deltas not folded yet of the kinds asked (a statement per combination of kinds: prepared, each has its own plan).
  const pending = [
    ...(missionTypes.length
      ? [sql`SELECT 'm'::"char" AS kind, type, mission_id AS item FROM stat_pending WHERE ${inRange} AND type = ANY(${literals(missionTypes)}::text[]) AND mission_id <> '' GROUP BY type, mission_id HAVING sum(n) > 0`]
      : []),
    ...(reaches.some((r) => r.kind === "p") ? [sql`SELECT 'p'::"char" AS kind, '' AS type, ${other} AS item FROM stat_pending WHERE ${inRange} AND ${other} <> '' GROUP BY ${other} HAVING sum(n) > 0`] : []),
  ];
  const { rows } = await sql<{ kind: string; type: string; n: string }>`${PREPARED}
    WITH r AS MATERIALIZED (
      -- Concatenating reads each bitmap out of its TOAST storage once, not once per use.
      SELECT x.kind, x.type, x.items || B'' AS items FROM ${unitsSql(filters, null)}
      CROSS JOIN LATERAL (
        SELECT kind, type, items FROM stat_reach x
        WHERE x.publisher_id = ${partnerParameter(scope)} AND x.side = ${side} AND x.grain = u.grain AND x.period = u.period
          -- A filter on the few bitmaps of the period (as an index condition, the plan is costed too high to be reused).
          AND x.kind::text || x.type = ANY(${literals(reaches.map((r) => r.kind + r.type))})
        OFFSET 0) x
    ),
    -- Bitmaps of different lengths (items numbered since) are padded to the longest with the zeros of one bitmap parsed once.
    z AS MATERIALIZED (SELECT kind, type, max(length(items)) AS n, repeat('0', max(length(items)))::varbit AS zeros FROM r GROUP BY kind, type),
    bits AS MATERIALIZED (SELECT r.kind, r.type, bit_or(r.items || substring(z.zeros FROM 1 FOR z.n - length(r.items))) AS b FROM r JOIN z USING (kind, type) GROUP BY r.kind, r.type),
    pending AS (${sql.join(pending, sql` UNION ALL `)})
    SELECT t.kind, t.type, coalesce(bit_count(bits.b), 0) + (
      SELECT count(*) FROM pending p
      LEFT JOIN stat_reach_ordinal o ON o.publisher_id = ${partnerParameter(scope)} AND o.side = ${side} AND o.kind = p.kind AND o.item_id = p.item
      WHERE p.kind = t.kind AND p.type = t.type AND (o.ordinal IS NULL OR bits.b IS NULL OR o.ordinal >= length(bits.b) OR get_bit(bits.b, o.ordinal) = 0)
    ) AS n
    FROM unnest(${kinds}::"char"[], ${types}::text[]) AS t(kind, type)
    LEFT JOIN bits ON bits.kind = t.kind AND bits.type = t.type
  `.execute(db);
  return new Map(rows.map((row) => [`${row.kind}${row.type}`, Number(row.n)]));
}
