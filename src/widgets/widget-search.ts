/**
 * The missions a widget shows for a visitor's filters: the widget's scope (its diffuseur's diffusion
 * rules, the annonceurs chosen, its rules, "moderated only"), the visitor's filters from the page's
 * URL, the page of results and facet counts. Facets are disjunctive: a facet's counts ignore that
 * facet's own filter, so the visitor sees what each other choice would give.
 */
import type { WidgetRow } from "../db/schema.ts";
import type { Condition, EngineQuery, EngineResult, FacetBucket, FacetField, Scope, SearchEngine } from "../search/engine.ts";
import { invalidParam, numberParam, type RawQuery } from "../search/query.ts";
import type { DiffuseurView } from "../search/visibility.ts";
import { distanceKmOf, widgetScopes, type WidgetType } from "./widget-config.ts";

/** Cards per page: a grid of 6; a carousel scrolls through one longer list. */
export const PAGE_SIZE = { page: 6, carousel: { benevolat: 25, volontariat: 40 } } as const;
const MAX_VALUES = 50;
const MAX_TEXT = 200;
const MAX_PAGE = 10_000;
/** Values listed per facet at most, largest first (a catalogue has thousands of organisations). */
export const MAX_FACET_VALUES = 30;
/** Departments are all listed (about a hundred): a visitor looks for its own. */
const MAX_DEPARTMENTS = 200;

/** Longest duration offered by the « Durée maximale » filter, in months. */
export const MAX_DURATION_MONTHS = 12;

export interface Place {
  lat: number;
  lon: number;
  label: string;
}

/** What the visitor chose, as read from the page's URL. */
export interface WidgetFilters {
  domain: string[];
  department: string[];
  organization: string[];
  /** Volontariat: schedules, the organisation's key actions, the public served. */
  schedule?: string[];
  action?: string[];
  beneficiary?: string[];
  /** `yes`: à distance; `no`: sur place. */
  remote?: "yes" | "no";
  minor?: "yes" | "no";
  accessibility?: true;
  /** `FR`: in France; `NOT_FR`: abroad (today's values). */
  country?: "FR" | "NOT_FR";
  /** First day (YYYY-MM-DD): missions starting from then. */
  start?: string;
  /** Longest duration, in months. */
  duration?: number;
  /** The visitor's place (a widget with a fixed place ignores it). */
  place?: Place;
  /** 1-based. */
  page: number;
}

/** Filters that are lists of values, each a facet (checkboxes with counts). */
export const LIST_FILTERS = ["domain", "department", "organization", "schedule", "action", "beneficiary"] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];
export type FacetName = ListFilter | "remote";

export interface WidgetResult {
  total: number;
  hits: EngineResult["hits"];
  page: number;
  pageCount: number;
  pageSize: number;
  /** The facets of the widget's type (see FACETS_OF_TYPE). */
  facets: Partial<Record<FacetName, FacetBucket[]>>;
  /** The place searched around, when there is one (the widget's or the visitor's). */
  place?: Place & { distanceKm: number; fixed: boolean };
}

function one(raw: RawQuery, name: string): string | undefined {
  const v = raw[name];
  const value = (Array.isArray(v) ? v.at(-1) : v)?.trim();
  if (value && value.length > MAX_TEXT) throw invalidParam(name, `${MAX_TEXT} caractères au plus`);
  return value || undefined;
}

function list(raw: RawQuery, name: string): string[] {
  const v = raw[name];
  if (v === undefined) return [];
  const values = [...new Set((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s && s !== "none"))];
  if (values.length > MAX_VALUES) throw invalidParam(name, `${MAX_VALUES} valeurs au plus`);
  if (values.some((s) => s.length > MAX_TEXT)) throw invalidParam(name, `valeur trop longue (${MAX_TEXT} caractères au plus)`);
  return values;
}

function yesNo(raw: RawQuery, name: string): "yes" | "no" | undefined {
  const v = one(raw, name);
  if (v === undefined) return undefined;
  if (v !== "yes" && v !== "no") throw invalidParam(name, "yes ou no attendu");
  return v;
}

/**
 * The visitor's filters from the page's query string (400 naming the parameter when one is wrong).
 * `lat`/`lon` with `city` (the place's label) give the place; `from` (today's offset) is read when
 * `page` is absent.
 */
export function parseWidgetFilters(raw: RawQuery, pageSize: number): WidgetFilters {
  const filters: WidgetFilters = { domain: list(raw, "domain"), department: list(raw, "department"), organization: list(raw, "organization"), page: 1 };
  for (const name of ["schedule", "action", "beneficiary"] as const) {
    const values = list(raw, name);
    if (values.length) filters[name] = values;
  }
  const remote = yesNo(raw, "remote");
  if (remote) filters.remote = remote;
  const minor = yesNo(raw, "minor");
  if (minor) filters.minor = minor;
  const accessibility = one(raw, "accessibility");
  if (accessibility !== undefined) {
    if (accessibility !== "reducedMobilityAccessible") throw invalidParam("accessibility", "reducedMobilityAccessible attendu");
    filters.accessibility = true;
  }
  const country = one(raw, "country");
  if (country !== undefined) {
    if (country !== "FR" && country !== "NOT_FR") throw invalidParam("country", "FR ou NOT_FR attendu");
    filters.country = country;
  }
  const start = one(raw, "start");
  if (start !== undefined) {
    const day = start.slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw invalidParam("start", "date AAAA-MM-JJ attendue");
    filters.start = day;
  }
  const duration = one(raw, "duration");
  if (duration !== undefined) {
    const months = Number(duration);
    if (!Number.isInteger(months) || months < 1 || months > MAX_DURATION_MONTHS) throw invalidParam("duration", `nombre de mois entre 1 et ${MAX_DURATION_MONTHS} attendu`);
    filters.duration = months;
  }
  const lat = numberParam(raw, "lat", -90, 90);
  const lon = numberParam(raw, "lon", -180, 180);
  if ((lat === undefined) !== (lon === undefined)) throw invalidParam(lat === undefined ? "lat" : "lon", "lat et lon vont ensemble");
  if (lat !== undefined && lon !== undefined) filters.place = { lat, lon, label: one(raw, "city") ?? "Ma position" };
  const page = one(raw, "page");
  const from = one(raw, "from");
  if (page !== undefined) {
    const n = Number(page);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw invalidParam("page", `entier entre 1 et ${MAX_PAGE} attendu`);
    filters.page = n;
  } else if (from !== undefined) {
    const n = Number(from);
    if (!Number.isInteger(n) || n < 0) throw invalidParam("from", "entier positif attendu");
    filters.page = Math.min(MAX_PAGE, Math.floor(n / pageSize) + 1);
  }
  return filters;
}

export function pageSizeOf(widget: Pick<WidgetRow, "style" | "type">): number {
  return widget.style === "page" ? PAGE_SIZE.page : PAGE_SIZE.carousel[widget.type as WidgetType];
}

const parisHour = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", hourCycle: "h23" });

/** The instant a Paris day begins (UTC+1 in winter, UTC+2 in summer). */
export function parisMidnight(day: string): number {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  return utcMidnight - Number(parisHour.format(utcMidnight)) * 3_600_000;
}

/** « À distance »: the missions possible or only remotely; « sur place »: all but the remote-only ones (a mission without the field is on site). */
const REMOTE_VALUES = ["possible", "full"];
const ON_SITE: Condition = { field: "remote", operator: "is_not", value: "full" };

/**
 * The widget's scopes, the same list object while the diffuseur's view and the widget are unchanged:
 * the engine keeps the visible missions of a list between queries.
 */
const scopeLists = new WeakMap<DiffuseurView, Map<string, Scope[]>>();
function scopesOf(view: DiffuseurView, widget: WidgetRow, onSite: boolean): Scope[] {
  let lists = scopeLists.get(view);
  if (!lists) {
    lists = new Map();
    scopeLists.set(view, lists);
  }
  const key = `${widget.id}\u0000${new Date(widget.updated_at).getTime()}\u0000${onSite}`;
  let scopes = lists.get(key);
  if (!scopes) {
    scopes = widgetScopes(view.scopes, widget).map((scope) => (onSite ? { ...scope, conditions: [...scope.conditions, ON_SITE] } : scope));
    if (lists.size >= 100) lists.delete(lists.keys().next().value as string);
    lists.set(key, scopes);
  }
  return scopes;
}

/** The engine query of a widget and filters, without the filters of `without` (for its facet). */
function engineQuery(engine: SearchEngine, widget: WidgetRow, view: DiffuseurView, filters: WidgetFilters, onlyIds: ReadonlySet<string> | undefined, without?: FacetName): Omit<EngineQuery, "skip" | "limit"> {
  const q: Omit<EngineQuery, "skip" | "limit"> = { scopes: scopesOf(view, widget, without !== "remote" && filters.remote === "no"), onlyIds };
  for (const name of LIST_FILTERS) {
    const values = filters[name];
    if (name !== without && values?.length) q[ENGINE_FILTER[name]] = values;
  }
  if (without !== "remote" && filters.remote === "yes") q.remote = REMOTE_VALUES;
  if (filters.minor) q.openToMinors = filters.minor === "yes";
  if (filters.accessibility) q.reducedMobilityAccessible = true;
  // An address in France, or one abroad (any other country the catalogue has; none: nothing).
  if (filters.country === "FR") q.country = ["FR"];
  if (filters.country === "NOT_FR") q.country = engine.countries().filter((c) => c !== "FR").concat("\u0000none");
  if (filters.start) q.startAt = { op: "gt", value: parisMidnight(filters.start) - 1 };
  if (filters.duration) q.maxDurationMonths = filters.duration;
  const place = placeOf(widget, filters);
  if (place) {
    q.geo = { lat: place.lat, lon: place.lon, distanceKm: place.distanceKm };
    q.sort = "distance";
  }
  return q;
}

/** The widget's fixed place, else the visitor's. */
export function placeOf(widget: Pick<WidgetRow, "location" | "distance">, filters: Pick<WidgetFilters, "place">): WidgetResult["place"] {
  const distanceKm = distanceKmOf(widget.distance);
  if (widget.location) return { ...widget.location, distanceKm, fixed: true };
  return filters.place ? { ...filters.place, distanceKm, fixed: false } : undefined;
}

/** « Sur place » / « à distance » counts from the counts per remote value and the total. */
function remoteBuckets(buckets: readonly FacetBucket[], total: number): FacetBucket[] {
  const count = (key: string) => buckets.find((b) => b.key === key)?.doc_count ?? 0;
  return [
    { key: "no", doc_count: total - count("full") },
    { key: "yes", doc_count: count("possible") + count("full") },
  ].filter((b) => b.doc_count > 0);
}

/** The engine's filter and facet behind each of the widget's. */
const ENGINE_FILTER = {
  domain: "domain",
  department: "departmentName",
  organization: "organizationName",
  schedule: "schedule",
  action: "organizationActions",
  beneficiary: "organizationBeneficiaries",
} as const satisfies Record<ListFilter, keyof EngineQuery>;
const FACET_FIELD: Record<FacetName, FacetField> = {
  domain: "domains",
  department: "departmentName",
  organization: "organizations",
  schedule: "schedule",
  action: "actions",
  beneficiary: "beneficiaries",
  remote: "remote",
};

/** The facets a widget shows, by type. */
export const FACETS_OF_TYPE: Readonly<Record<WidgetType, readonly FacetName[]>> = {
  benevolat: ["domain", "department", "organization", "remote"],
  volontariat: ["domain", "schedule", "action", "beneficiary"],
};

const bucketsOf = (name: FacetName, r: EngineResult): FacetBucket[] =>
  name === "remote" ? remoteBuckets(r.facets?.remote ?? [], r.total) : (r.facets?.[FACET_FIELD[name]] ?? []);

const isActive = (name: FacetName, f: WidgetFilters): boolean => (name === "remote" ? f.remote !== undefined : (f[name]?.length ?? 0) > 0);

/**
 * One page of the widget's missions for these filters, with the facets. `moderatedIds`: the
 * missions a moderator accepted or published, read only when the widget shows those alone.
 */
export function searchWidget(engine: SearchEngine, view: DiffuseurView, widget: WidgetRow, filters: WidgetFilters, moderatedIds: () => ReadonlySet<string>): WidgetResult {
  const onlyIds = onlyIdsOf(view, widget, moderatedIds);
  const pageSize = pageSizeOf(widget);
  const base = engineQuery(engine, widget, view, filters, onlyIds);
  const pageCountOf = (total: number) => Math.max(1, Math.ceil(total / pageSize));
  const names = FACETS_OF_TYPE[widget.type as WidgetType];
  const facetFields = names.map((name) => FACET_FIELD[name]);
  const facetLimits = {
    organizations: { size: MAX_FACET_VALUES, keep: filters.organization },
    departmentName: { size: MAX_DEPARTMENTS, keep: filters.department },
    schedule: { size: MAX_FACET_VALUES, keep: filters.schedule },
    actions: { size: MAX_FACET_VALUES, keep: filters.action },
    beneficiaries: { size: MAX_FACET_VALUES, keep: filters.beneficiary },
  };
  let result = engine.search({ ...base, skip: (filters.page - 1) * pageSize, limit: pageSize, facets: true, facetFields, facetLimits });
  let page = filters.page;
  // A page past the end (results changed since the link was made) shows the last one.
  if (result.total > 0 && result.hits.length === 0) {
    page = pageCountOf(result.total);
    result = engine.search({ ...base, skip: (page - 1) * pageSize, limit: pageSize, facets: true, facetFields, facetLimits });
  }
  const facets: WidgetResult["facets"] = {};
  for (const name of names) {
    const counted = isActive(name, filters) ? engine.search({ ...engineQuery(engine, widget, view, filters, onlyIds, name), skip: 0, limit: 0, facets: true, facetFields: [FACET_FIELD[name]], facetLimits }) : result;
    facets[name] = bucketsOf(name, counted);
  }
  const place = placeOf(widget, filters);
  return { total: result.total, hits: result.hits, page, pageCount: pageCountOf(result.total), pageSize, facets, ...(place ? { place } : {}) };
}

/** The missions a moderator diffuseur accepted, narrowed to the moderated ones when the widget asks. */
function onlyIdsOf(view: DiffuseurView, widget: WidgetRow, moderatedIds: () => ReadonlySet<string>): ReadonlySet<string> | undefined {
  if (!widget.moderated_only) return view.onlyIds;
  const moderated = moderatedIds();
  const own = view.onlyIds;
  return own ? new Set([...own].filter((id) => moderated.has(id))) : moderated;
}

/** No visitor filter: the widget as configured. */
const NO_FILTERS: WidgetFilters = { domain: [], department: [], organization: [], page: 1 };

/** Whether the widget shows this mission (whatever the visitor's filters and place). */
export function widgetShows(engine: SearchEngine, view: DiffuseurView, widget: WidgetRow, missionId: string, moderatedIds: () => ReadonlySet<string>): boolean {
  const onlyIds = onlyIdsOf(view, widget, moderatedIds);
  if (onlyIds && !onlyIds.has(missionId)) return false;
  const query = engineQuery(engine, { ...widget, location: null }, view, NO_FILTERS, new Set([missionId]));
  return engine.search({ ...query, skip: 0, limit: 1 }).total > 0;
}

/** The number of missions the configuration shows, before any visitor filter (the widget's place applies). */
export function countWidget(engine: SearchEngine, view: DiffuseurView, widget: WidgetRow, moderatedIds: () => ReadonlySet<string>): number {
  return engine.search({ ...engineQuery(engine, widget, view, NO_FILTERS, onlyIdsOf(view, widget, moderatedIds)), skip: 0, limit: 0 }).total;
}
