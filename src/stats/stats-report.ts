/**
 * A partner's statistics as the dashboard shows them: totals, a series over time (optionally split
 * by partner, the smallest ones in "Autres") and breakdowns by dimension, each with labels.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { PREPARED } from "../db/prepared-statements.ts";
import { domainLabel } from "../taxonomy/domains.ts";
import { type Interval, periodsOf } from "./stats-period.ts";
import {
  type CountRow,
  countEvents,
  countReach,
  countSplitSeries,
  type Dimension,
  type EventType,
  EVENT_TYPES,
  type Filters,
  partnersIn,
  type Scope,
  type SplitSeries,
} from "./stats-store.ts";

/** Metric names by event type, as the API and the exports write them. */
export const METRIC_OF: Readonly<Record<EventType, "impressions" | "clicks" | "accounts" | "applications">> = {
  impression: "impressions",
  click: "clicks",
  account: "accounts",
  apply: "applications",
};

export type Metrics = Partial<Record<"impressions" | "clicks" | "accounts" | "applications", number>> & { conversionRate?: number | null };

export interface StatsRequest {
  scope: Scope & { side: "diffuseur" | "annonceur" };
  filters: Filters & { types: readonly EventType[] };
  interval: Interval;
  groupBy: readonly Dimension[];
  /** Series split by partner: the `top` largest, the others together. */
  splitByPartner: boolean;
  top: number;
  /** Rows per breakdown. */
  limit: number;
  /** Parts computed besides the breakdowns: missions reached are counted only when asked (one row per mission and month to read). */
  include: ReadonlySet<Include>;
}

export const INCLUDES = ["totals", "series", "missions"] as const;
export type Include = (typeof INCLUDES)[number];
export const DEFAULT_INCLUDES: readonly Include[] = ["totals", "series"];

export interface SeriesPoint extends Metrics {
  period: string;
  partners?: Array<Metrics & { id: string | null; name: string }>;
}

export interface BreakdownRow extends Metrics {
  key: string;
  label: string;
}

export interface StatsReport {
  totals?: Metrics & { missionsWithClick?: number; missionsWithApplication?: number; partners?: number };
  series?: SeriesPoint[];
  breakdowns: Partial<Record<Dimension, BreakdownRow[]>>;
}

/** Conversion rate: applications ÷ redirections, 4 decimals; null without redirections. */
export function conversionRate(applications: number, clicks: number): number | null {
  return clicks > 0 ? Math.round((applications / clicks) * 10_000) / 10_000 : null;
}

/** Zero metrics for the types asked (a metric not asked is absent), with the conversion rate when both its types are asked. */
export function emptyMetrics(types: readonly EventType[]): Metrics {
  const metrics: Metrics = {};
  for (const type of types) metrics[METRIC_OF[type]] = 0;
  return metrics;
}

export function finishMetrics<T extends Metrics>(metrics: T, types: readonly EventType[]): T {
  if (types.includes("click") && types.includes("apply")) metrics.conversionRate = conversionRate(metrics.applications ?? 0, metrics.clicks ?? 0);
  return metrics;
}

/** Rows grouped by `keyOf`, each group's metrics summed; in first-seen order. */
export function sumBy(rows: readonly CountRow[], types: readonly EventType[], keyOf: (row: CountRow) => string): Map<string, Metrics> {
  const groups = new Map<string, Metrics>();
  for (const row of rows) {
    const key = keyOf(row);
    let metrics = groups.get(key);
    if (!metrics) {
      metrics = emptyMetrics(types);
      groups.set(key, metrics);
    }
    const name = METRIC_OF[row.type];
    if (name in metrics) metrics[name] = (metrics[name] ?? 0) + row.n;
  }
  return groups;
}

/** The type that orders partners and breakdown rows: redirections when asked, else the first type asked. */
export function rankingType(types: readonly EventType[]): EventType {
  return types.includes("click") ? "click" : (types[0] ?? "click");
}

export function rankingMetric(types: readonly EventType[]): keyof Metrics {
  return METRIC_OF[rankingType(types)];
}

const total = (metrics: Metrics) => (metrics.impressions ?? 0) + (metrics.clicks ?? 0) + (metrics.accounts ?? 0) + (metrics.applications ?? 0);

export const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  api: "API",
  widget: "Widget",
  campaign: "Campagne",
  seo: "Référencement",
  jstag: "Balise jstag.js",
  server: "Serveur de l'annonceur",
};

/** Labels of the keys of a breakdown (names of partners, widgets, campaigns, missions…). */
async function labelsOf(db: Db, dimension: Dimension, keys: string[]): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  const ids = keys.filter((k) => k !== "");
  // One prepared statement per table whatever the number of keys (an array parameter).
  const names = async (table: "publisher" | "widget" | "campaign" | "mission", column: "name" | "title", list: string[]) =>
    (await sql<{ id: string; label: string }>`${PREPARED}SELECT id, ${sql.ref(column)} AS label FROM ${sql.table(table)} WHERE id = ANY(${list}::text[])`.execute(db)).rows;
  if (dimension === "partner" && ids.length) {
    for (const p of await names("publisher", "name", ids)) labels.set(p.id, p.label);
  } else if (dimension === "source" && ids.length) {
    const bare = ids.map((k) => k.slice(k.indexOf(":") + 1));
    for (const w of await names("widget", "name", bare)) labels.set(`widget:${w.id}`, w.label);
    for (const c of await names("campaign", "name", bare)) labels.set(`campaign:${c.id}`, c.label);
  } else if (dimension === "mission" && ids.length) {
    for (const m of await names("mission", "title", ids)) labels.set(m.id, m.label);
  }
  for (const key of keys) {
    if (labels.has(key)) continue;
    if (dimension === "channel") labels.set(key, CHANNEL_LABELS[key] ?? key);
    else if (dimension === "domain") labels.set(key, key === "" ? "Non renseigné" : (domainLabel(key) ?? key));
    else if (dimension === "department") labels.set(key, key === "" ? "Non renseigné" : key);
    else labels.set(key, key === "" ? "Aucun" : key);
  }
  return labels;
}

/** Largest first: by the ranking metric, then all the types asked, then key (byte order, as countSplitSeries ranks in SQL). */
function ranked(groups: Map<string, Metrics>, types: readonly EventType[]): Array<[string, Metrics]> {
  const metric = rankingMetric(types);
  return [...groups].sort((a, b) => ((b[1][metric] as number) ?? 0) - ((a[1][metric] as number) ?? 0) || total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The series' points from counts per period, and per partner (the `top` ones, named, the others undefined) when split. */
function seriesPoints(request: StatsRequest, rows: readonly CountRow[], split?: Pick<SplitSeries, "top" | "names">): SeriesPoint[] {
  const { filters, interval } = request;
  const types = filters.types;
  const byPeriod = sumBy(rows, types, (r) => r.period ?? "");
  const points: SeriesPoint[] = periodsOf(filters.from, filters.to, interval).map((period) => ({ period, ...finishMetrics({ ...(byPeriod.get(period) ?? emptyMetrics(types)) }, types) }));
  if (!split) return points;

  const { top, names } = split;
  const cells = sumBy(rows, types, (r) => `${r.period}\u0000${r.partner ?? "\u0001"}`);
  for (const point of points) {
    point.partners = [...top, "\u0001"].flatMap((id) => {
      const metrics = cells.get(`${point.period}\u0000${id}`);
      if (id === "\u0001" && !metrics) return [];
      return [{ id: id === "\u0001" ? null : id, name: id === "\u0001" ? "Autres" : (names.get(id) ?? id), ...finishMetrics({ ...(metrics ?? emptyMetrics(types)) }, types) }];
    });
  }
  return points;
}

async function breakdown(db: Db, request: StatsRequest, dimension: Dimension, rows: readonly CountRow[]): Promise<BreakdownRow[]> {
  const types = request.filters.types;
  const groups = ranked(sumBy(rows, types, (r) => r[dimension] ?? ""), types).slice(0, request.limit);
  const labels = await labelsOf(db, dimension, groups.map(([key]) => key));
  return groups.map(([key, metrics]) => ({ key, label: labels.get(key) ?? key, ...finishMetrics({ ...metrics }, types) }));
}

export async function statsReport(db: Db, request: StatsRequest): Promise<StatsReport> {
  const { scope, filters, include } = request;
  const types = filters.types;
  const wantsTotals = include.has("totals");
  // Counts by partner are read once for the partners involved and the partner breakdown.
  let partnerRows: Promise<CountRow[]> | undefined;
  const byPartner = () => (partnerRows ??= countEvents(db, scope, filters, { dimensions: ["partner"] }));
  const split = include.has("series") && request.splitByPartner ? countSplitSeries(db, scope, filters, request.interval, request.top, rankingType(types)) : undefined;
  const seriesRows = include.has("series") && !split ? countEvents(db, scope, filters, { interval: request.interval }) : undefined;
  const reachedTypes = include.has("missions") ? (["click", "apply"] as const).filter((t) => types.includes(t)) : [];
  // The partners involved come with the partner counts when those are read anyway, else with the missions reached.
  const partnersFromRows = !wantsTotals ? undefined : split ? split.then((s) => s.partnerCount) : request.groupBy.includes("partner") ? byPartner().then(partnersIn) : undefined;
  const reach = reachedTypes.length || (wantsTotals && !partnersFromRows) ? countReach(db, scope, filters, reachedTypes, wantsTotals && !partnersFromRows) : undefined;
  const [totalRows, reached, partners, points, breakdowns] = await Promise.all([
    // The totals are the sum of the series when there is one.
    wantsTotals ? (split ? split.then((s) => s.totals) : (seriesRows ?? countEvents(db, scope, filters))) : undefined,
    reach,
    partnersFromRows ?? reach?.then((r) => r.partners),
    split
      ? split.then((s) => seriesPoints(request, s.cells, s))
      : seriesRows?.then((rows) => seriesPoints(request, rows)),
    Promise.all(
      request.groupBy.map(async (dimension) => {
        const rows = await (dimension === "partner" ? byPartner() : countEvents(db, scope, filters, { dimensions: [dimension] }));
        return [dimension, await breakdown(db, request, dimension, rows)] as const;
      }),
    ),
  ]);
  const report: StatsReport = { breakdowns: Object.fromEntries(breakdowns) };
  const totals: NonNullable<StatsReport["totals"]> = totalRows
    ? { ...finishMetrics({ ...(sumBy(totalRows, types, () => "").get("") ?? emptyMetrics(types)) }, types), partners }
    : {};
  if (reached?.missions.click !== undefined) totals.missionsWithClick = reached.missions.click;
  if (reached?.missions.apply !== undefined) totals.missionsWithApplication = reached.missions.apply;
  if (Object.keys(totals).length > 0) report.totals = totals;
  if (points) report.series = points;
  return report;
}
