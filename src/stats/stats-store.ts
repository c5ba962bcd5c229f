/**
 * Reads the statistics tables (migration 010_stats.sql): counts of events grouped by any of the
 * dimensions, for one side of one partner (or the whole service), over a range of Paris days.
 * Whole months come from the monthly tables, the days at the edges from the daily ones; the
 * mission-level tables only when a dimension or a filter needs the mission; and always the deltas
 * not folded yet (stat_pending).
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { addDays, type Interval, nextMonth, type RangeParts, splitRange } from "./stats-period.ts";

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

function periodSql(interval: Interval): RawBuilder<unknown> {
  if (interval === "day") return sql.raw("to_char(s.d, 'YYYY-MM-DD')");
  if (interval === "week") return sql.raw("to_char(date_trunc('week', s.d), 'YYYY-MM-DD')");
  return sql.raw("to_char(date_trunc('month', s.d), 'YYYY-MM-DD')");
}

/** The rows of the tables that answer `parts`, restricted to the scope and filters. */
function source(scope: Scope, filters: Filters, parts: RangeParts, byMission: boolean): RawBuilder<unknown> {
  const conditions = (dateColumn: string) => {
    const list: RawBuilder<unknown>[] = [];
    if (scope.side === "diffuseur") list.push(sql`from_publisher_id = ${scope.publisherId}`);
    if (scope.side === "annonceur") list.push(sql`to_publisher_id = ${scope.publisherId}`);
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
  const byMission = dimensions.some((d) => MISSION_DIMENSIONS.has(d)) || Boolean(filters.missions?.length);
  const parts = splitRange(filters.from, filters.to, grouping.interval ?? null);
  const keys: Array<[string, RawBuilder<unknown>]> = [];
  if (grouping.interval) keys.push(["period", periodSql(grouping.interval)]);
  for (const dimension of dimensions) keys.push([dimension, dimensionSql(dimension, scope)]);
  const joins = [
    ...(dimensions.includes("domain") || dimensions.includes("department") ? [sql`LEFT JOIN mission m ON m.id = s.mission_id`] : []),
    ...(dimensions.includes("department") ? [sql`LEFT JOIN mission_address a ON a.mission_id = m.id AND a.position = 0`] : []),
  ];
  const selected = keys.map(([name, expression]) => sql`${expression} AS ${sql.id(name)}`);
  const groupBy = [...keys.map(([, expression]) => expression), sql.raw("s.type")];
  const { rows } = await sql<Record<string, string> & { type: EventType; n: string }>`
    SELECT ${sql.join([...selected, sql.raw("s.type"), sql.raw("sum(s.n)::bigint AS n")])}
    FROM (${source(scope, filters, parts, byMission)}) s ${sql.join(joins, sql` `)}
    GROUP BY ${sql.join(groupBy)}
    HAVING sum(s.n) <> 0
  `.execute(db);
  return rows.map((row) => ({ ...row, n: Number(row.n) }));
}

/** How many missions, or partners on the other side, have a positive count (of `type` when given). */
export async function countDistinct(db: Db, scope: Scope, filters: Filters, dimension: "mission" | "partner", type?: EventType): Promise<number> {
  const byMission = dimension === "mission" || Boolean(filters.missions?.length);
  const parts = splitRange(filters.from, filters.to, null);
  const column = dimensionSql(dimension, scope);
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM (
      SELECT ${column} FROM (${source(scope, { ...filters, types: type ? [type] : filters.types }, parts, byMission)}) s
      WHERE ${column} <> '' GROUP BY ${column} HAVING sum(s.n) > 0
    ) x
  `.execute(db);
  return Number(rows[0]?.n ?? 0);
}
