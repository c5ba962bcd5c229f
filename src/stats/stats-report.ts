/**
 * A partner's statistics as the dashboard shows them: totals, a series over time (optionally split
 * by partner, the smallest ones in "Autres") and breakdowns by dimension, each with labels.
 */
import type { Db } from "../db/connection.ts";
import { domainLabel } from "../taxonomy/domains.ts";
import { type Interval, periodsOf } from "./stats-period.ts";
import { type CountRow, countDistinct, countEvents, type Dimension, type EventType, EVENT_TYPES, type Filters, type Scope } from "./stats-store.ts";

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

/** The metric that orders partners and breakdown rows: redirections when asked, else the first type asked. */
export function rankingMetric(types: readonly EventType[]): keyof Metrics {
  return METRIC_OF[types.includes("click") ? "click" : types[0] ?? "click"];
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
  if (dimension === "partner" && ids.length) {
    for (const p of await db.selectFrom("publisher").select(["id", "name"]).where("id", "in", ids).execute()) labels.set(p.id, p.name);
  } else if (dimension === "source" && ids.length) {
    const bare = ids.map((k) => k.slice(k.indexOf(":") + 1));
    for (const w of await db.selectFrom("widget").select(["id", "name"]).where("id", "in", bare).execute()) labels.set(`widget:${w.id}`, w.name);
    for (const c of await db.selectFrom("campaign").select(["id", "name"]).where("id", "in", bare).execute()) labels.set(`campaign:${c.id}`, c.name);
  } else if (dimension === "mission" && ids.length) {
    for (const m of await db.selectFrom("mission").select(["id", "title"]).where("id", "in", ids).execute()) labels.set(m.id, m.title);
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

function ranked(groups: Map<string, Metrics>, types: readonly EventType[]): Array<[string, Metrics]> {
  const metric = rankingMetric(types);
  return [...groups].sort((a, b) => ((b[1][metric] as number) ?? 0) - ((a[1][metric] as number) ?? 0) || total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]));
}

async function series(db: Db, request: StatsRequest): Promise<SeriesPoint[]> {
  const { scope, filters, interval } = request;
  const types = filters.types;
  const rows = await countEvents(db, scope, filters, { interval, dimensions: request.splitByPartner ? ["partner"] : [] });
  const byPeriod = sumBy(rows, types, (r) => r.period ?? "");
  const points: SeriesPoint[] = periodsOf(filters.from, filters.to, interval).map((period) => ({ period, ...finishMetrics({ ...(byPeriod.get(period) ?? emptyMetrics(types)) }, types) }));
  if (!request.splitByPartner) return points;

  const top = ranked(sumBy(rows, types, (r) => r.partner ?? ""), types).slice(0, request.top).map(([id]) => id);
  const names = await labelsOf(db, "partner", top);
  const topSet = new Set(top);
  const cells = sumBy(rows, types, (r) => `${r.period}\u0000${topSet.has(r.partner ?? "") ? r.partner : "\u0001"}`);
  for (const point of points) {
    point.partners = [...top, "\u0001"].flatMap((id) => {
      const metrics = cells.get(`${point.period}\u0000${id}`);
      if (id === "\u0001" && !metrics) return [];
      return [{ id: id === "\u0001" ? null : id, name: id === "\u0001" ? "Autres" : (names.get(id) ?? id), ...finishMetrics({ ...(metrics ?? emptyMetrics(types)) }, types) }];
    });
  }
  return points;
}

async function breakdown(db: Db, request: StatsRequest, dimension: Dimension): Promise<BreakdownRow[]> {
  const types = request.filters.types;
  const rows = await countEvents(db, request.scope, request.filters, { dimensions: [dimension] });
  const groups = ranked(sumBy(rows, types, (r) => r[dimension] ?? ""), types).slice(0, request.limit);
  const labels = await labelsOf(db, dimension, groups.map(([key]) => key));
  return groups.map(([key, metrics]) => ({ key, label: labels.get(key) ?? key, ...finishMetrics({ ...metrics }, types) }));
}

export async function statsReport(db: Db, request: StatsRequest): Promise<StatsReport> {
  const { scope, filters, include } = request;
  const types = filters.types;
  const missions = include.has("missions");
  const [totalRows, missionsWithClick, missionsWithApplication, partners, points, breakdowns] = await Promise.all([
    include.has("totals") ? countEvents(db, scope, filters) : undefined,
    missions && types.includes("click") ? countDistinct(db, scope, filters, "mission", "click") : undefined,
    missions && types.includes("apply") ? countDistinct(db, scope, filters, "mission", "apply") : undefined,
    include.has("totals") ? countDistinct(db, scope, filters, "partner") : undefined,
    include.has("series") ? series(db, request) : undefined,
    Promise.all(request.groupBy.map(async (dimension) => [dimension, await breakdown(db, request, dimension)] as const)),
  ]);
  const report: StatsReport = { breakdowns: Object.fromEntries(breakdowns) };
  const totals: NonNullable<StatsReport["totals"]> = totalRows
    ? { ...finishMetrics({ ...(sumBy(totalRows, types, () => "").get("") ?? emptyMetrics(types)) }, types), partners }
    : {};
  if (missionsWithClick !== undefined) totals.missionsWithClick = missionsWithClick;
  if (missionsWithApplication !== undefined) totals.missionsWithApplication = missionsWithApplication;
  if (Object.keys(totals).length > 0) report.totals = totals;
  if (points) report.series = points;
  return report;
}
