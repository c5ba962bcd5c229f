/**
 * The widget's pages as server-rendered HTML (pure: data in, markup out): the list with its filters,
 * facet counts, cards and paging, and a mission's detail. Everything works as plain links and a GET
 * form; widget.js only makes it smoother (no full reload, place suggestions, geolocation, resize
 * messages, impressions when a card is seen).
 */
import type { WidgetRow } from "../db/schema.ts";
import type { MissionRecord } from "../missions/records.ts";
import type { FacetBucket } from "../search/engine.ts";
import { domainLabel } from "../taxonomy/domains.ts";
import { type Html, html, trusted } from "./html.ts";
import { normalizeColor, textOnColor, DEFAULT_COLOR } from "./widget-config.ts";
import { LIST_FILTERS, type ListFilter, MAX_DURATION_MONTHS, MAX_FACET_VALUES, type WidgetFilters, type WidgetResult } from "./widget-search.ts";

export interface PageContext {
  widget: WidgetRow;
  /** Paths and URLs the page links to. */
  assets: { css: string; js: string };
  /** `${PUBLIC_URL}`: the tracked redirects are absolute (they open in a new tab). */
  publicUrl: string;
  /** Identifies this rendering: carried by the clicks and impressions of its cards. */
  requestId: string;
  /** Preview: clicks through /r/notrack, no impression. */
  notrack: boolean;
  /** CSP nonce of the page's one inline style (the accent colour). */
  nonce: string;
}

export interface Card {
  record: MissionRecord;
  title: string;
  distanceKm?: number;
}

const isVolontariat = (widget: WidgetRow) => widget.type === "volontariat";
const heading = (widget: WidgetRow) => (isVolontariat(widget) ? "Trouver une mission de volontariat" : "Trouver une mission de bénévolat");
const plural = (n: number, one: string, many: string) => `${n.toLocaleString("fr-FR")} ${n > 1 ? many : one}`;

/** Query string of a filter state (page 1 unless given), with notrack kept. */
export function stateQuery(filters: WidgetFilters, notrack: boolean, page = 1): string {
  const params = new URLSearchParams();
  for (const key of LIST_FILTERS) if (filters[key]?.length) params.set(key, (filters[key] as string[]).join(","));
  if (filters.remote) params.set("remote", filters.remote);
  if (filters.minor) params.set("minor", filters.minor);
  if (filters.accessibility) params.set("accessibility", "reducedMobilityAccessible");
  if (filters.country) params.set("country", filters.country);
  if (filters.start) params.set("start", filters.start);
  if (filters.duration) params.set("duration", String(filters.duration));
  if (filters.place) {
    params.set("lat", String(filters.place.lat));
    params.set("lon", String(filters.place.lon));
    params.set("city", filters.place.label);
  }
  if (page > 1) params.set("page", String(page));
  if (notrack) params.set("notrack", "1");
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The accent colour and what is readable on it and in it (links on white need 4.5:1). */
function accentStyle(color: string): string {
  const accent = normalizeColor(color) ?? DEFAULT_COLOR;
  const on = textOnColor(accent);
  // On white, the accent itself is readable as text only when white would not be readable on it.
  const text = on === "#ffffff" ? accent : "#161616";
  return `:root{--accent:${accent};--on-accent:${on};--accent-text:${text}}`;
}

function layout(ctx: PageContext, title: string, body: Html): string {
  return `<!doctype html>${html`<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><meta name="description" content="${heading(ctx.widget)} près de chez vous : missions proposées par les associations et organismes publics."><meta name="robots" content="${ctx.notrack ? "noindex" : "index,follow"}"><link rel="stylesheet" href="${ctx.assets.css}"><style nonce="${ctx.nonce}">${trusted(accentStyle(ctx.widget.color))}</style></head><body>${body}<script src="${ctx.assets.js}" defer></script></body></html>`}`;
}

// ——— list ———

/** A short stable id for a value (its checkbox keeps its id when the list is re-ordered). */
function valueId(value: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

function checkboxFacet(name: ListFilter, legend: string, buckets: readonly FacetBucket[], chosen: readonly string[], label: (key: string) => string, max = MAX_FACET_VALUES): Html | null {
  // Chosen values stay listed (count 0 when nothing else matches) so that they can be unticked.
  const keys = new Map(buckets.slice(0, max).map((b) => [b.key, b.doc_count]));
  for (const key of chosen) if (!keys.has(key)) keys.set(key, buckets.find((b) => b.key === key)?.doc_count ?? 0);
  if (keys.size === 0) return null;
  const open = chosen.length > 0;
  return html`<details class="w-facet"${open ? trusted(" open") : ""}><summary>${legend}${chosen.length ? html` <span class="w-chosen">(${chosen.length})</span>` : ""}</summary><fieldset><legend class="w-sr">${legend}</legend><ul>${[...keys].map(
    ([key, n]) => html`<li><input type="checkbox" id="f-${name}-${valueId(key)}" name="${name}" value="${key}"${chosen.includes(key) ? trusted(" checked") : ""}><label for="f-${name}-${valueId(key)}">${label(key)} <span class="w-n">(${n.toLocaleString("fr-FR")})</span></label></li>`,
  )}</ul></fieldset></details>`;
}

function placeField(result: WidgetResult): Html {
  const place = result.place;
  if (place?.fixed) return html`<p class="w-fixed-place">Missions autour de ${place.label} (${Math.round(place.distanceKm)} km)</p>`;
  return html`<div class="w-place"><label for="w-place-input">Ville ou code postal</label><div class="w-place-row"><input id="w-place-input" name="place" type="text" autocomplete="off" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="w-place-list" value="${place?.label ?? ""}" placeholder="Ex. : Lyon ou 69003"><button type="button" class="w-locate w-js" hidden>Autour de moi</button></div><ul id="w-place-list" role="listbox" aria-label="Suggestions de lieux" hidden></ul>${place ? html`<input type="hidden" name="lat" value="${place.lat}"><input type="hidden" name="lon" value="${place.lon}"><input type="hidden" name="city" value="${place.label}">` : ""}</div>`;
}

function selectField(name: string, label: string, options: ReadonlyArray<[string, string]>, value: string | undefined): Html {
  return html`<div class="w-select"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">Tous</option>${options.map(([v, text]) => html`<option value="${v}"${v === value ? trusted(" selected") : ""}>${text}</option>`)}</select></div>`;
}

function filtersForm(ctx: PageContext, filters: WidgetFilters, result: WidgetResult): Html {
  const f = result.facets;
  const remoteCount = (key: string) => f.remote?.find((b) => b.key === key)?.doc_count ?? 0;
  const facet = (name: ListFilter, legend: string, label: (key: string) => string = (k) => k, max?: number) => checkboxFacet(name, legend, f[name] ?? [], filters[name] ?? [], label, max);
  const common = [placeField(result), facet("domain", isVolontariat(ctx.widget) ? "Thèmes" : "Domaines", (k) => domainLabel(k) ?? k)];
  const specific = isVolontariat(ctx.widget)
    ? [
        html`<div class="w-select"><label for="f-start">À partir du</label><input id="f-start" type="date" name="start" value="${filters.start ?? ""}"></div>`,
        selectField("duration", "Durée maximale", Array.from({ length: MAX_DURATION_MONTHS - 5 }, (_, i) => [String(i + 6), `${i + 6} mois`] as [string, string]), filters.duration ? String(filters.duration) : undefined),
        selectField("minor", "Accès aux mineurs", [["yes", "Ouvert aux mineurs"], ["no", "Réservé aux majeurs"]], filters.minor),
        selectField("country", "France ou étranger", [["FR", "En France"], ["NOT_FR", "À l'étranger"]], filters.country),
        html`<div class="w-check"><input type="checkbox" id="f-accessibility" name="accessibility" value="reducedMobilityAccessible"${filters.accessibility ? trusted(" checked") : ""}><label for="f-accessibility">Accessible aux personnes à mobilité réduite</label></div>`,
        facet("schedule", "Horaires"),
        facet("action", "Actions clés"),
        facet("beneficiary", "Public bénéficiaire"),
      ]
    : [
        selectField("remote", "Sur place ou à distance", [["no", `Sur place (${remoteCount("no").toLocaleString("fr-FR")})`], ["yes", `À distance (${remoteCount("yes").toLocaleString("fr-FR")})`]], filters.remote),
        // Every department (about a hundred): a visitor looks for its own.
        facet("department", "Départements", undefined, 200),
        facet("organization", "Organisations"),
      ];
  return html`<form id="w-filters" class="w-filters" method="get" action="/w/${ctx.widget.id}" role="search" aria-label="Filtrer les missions">${ctx.notrack ? html`<input type="hidden" name="notrack" value="1">` : ""}${common}${specific}<div class="w-actions"><button type="submit" class="w-btn">Voir les missions</button><a class="w-reset" href="/w/${ctx.widget.id}${ctx.notrack ? "?notrack=1" : ""}">Réinitialiser</a></div></form>`;
}

/** « 3 km », « 800 m ». */
function distanceText(km: number): string {
  return km < 1 ? `${Math.max(100, Math.round((km * 1000) / 100) * 100)} m` : `${km < 10 ? km.toFixed(1).replace(".", ",") : Math.round(km)} km`;
}

/** Where the mission happens, as a card says it. */
export function placeLabel(record: MissionRecord, distanceKm?: number): string {
  if (record.mission.remote === "full") return "À distance";
  const cities = [...new Set(record.addresses.map((a) => (a.country && a.country !== "FR" ? `${a.city ?? ""} - ${a.country}` : (a.city ?? "")).trim()).filter(Boolean))];
  if (cities.length === 0) return "Lieu non précisé";
  const shown = cities.length > 3 ? `${cities.slice(0, 3).join(", ")} et ${cities.length - 3} autres lieux` : cities.join(", ");
  return distanceKm !== undefined ? `${shown} · à ${distanceText(distanceKm)}` : shown;
}

function startText(record: MissionRecord, now: number): string {
  const start = record.mission.start_at;
  if (!start || new Date(start).getTime() <= now) return "Dès que possible";
  return `À partir du ${new Date(start).toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Paris" })}`;
}

/** The tracked link of the apply button (or the untracked one of a preview). */
export function applyUrl(ctx: Pick<PageContext, "publicUrl" | "widget" | "requestId" | "notrack">, missionId: string): string {
  if (ctx.notrack) return `${ctx.publicUrl}/r/notrack/${encodeURIComponent(missionId)}`;
  return `${ctx.publicUrl}/r/widget/${encodeURIComponent(missionId)}?widgetId=${encodeURIComponent(ctx.widget.id)}&requestId=${encodeURIComponent(ctx.requestId)}`;
}

/** The beacon counting the card shown (relative: same origin as the page). */
function impressionPath(ctx: PageContext, missionId: string): string {
  return `/r/impression/${encodeURIComponent(missionId)}/${encodeURIComponent(ctx.widget.diffuseur_id)}?tracker=widget&sourceId=${encodeURIComponent(ctx.widget.id)}&requestId=${encodeURIComponent(ctx.requestId)}`;
}

function card(ctx: PageContext, item: Card, state: string, position: { index: number; count: number } | null): Html {
  const m = item.record.mission;
  const domain = m.domain ? (domainLabel(m.domain) ?? m.domain) : null;
  const places = m.places && m.places > 0 ? plural(m.places, isVolontariat(ctx.widget) ? "volontaire recherché" : "bénévole recherché", isVolontariat(ctx.widget) ? "volontaires recherchés" : "bénévoles recherchés") : null;
  const titleId = `t-${m.id}`;
  const carousel = position ? html` aria-roledescription="diapositive" aria-label="${position.index + 1} sur ${position.count}"` : "";
  return html`<li class="w-card"${carousel}${ctx.notrack ? "" : html` data-impression="${impressionPath(ctx, m.id)}"`}><article aria-labelledby="${titleId}">${domain ? html`<p class="w-badge">${domain}</p>` : ""}<h2 class="w-card-title" id="${titleId}"><a href="/w/${ctx.widget.id}/mission/${m.id}${state}">${item.title}</a></h2>${item.record.organization?.name ? html`<p class="w-org">${item.record.organization.name}</p>` : ""}<p class="w-where"><span class="w-sr">Lieu : </span>${placeLabel(item.record, item.distanceKm)}</p>${isVolontariat(ctx.widget) ? html`<p class="w-when">${startText(item.record, Date.now())}${m.duration ? ` · ${m.duration} mois` : ""}</p>` : ""}${places ? html`<p class="w-places">${places}</p>` : ""}<p class="w-card-apply"><a class="w-btn w-btn-secondary" href="${applyUrl(ctx, m.id)}" target="_blank" rel="noopener">Candidater<span class="w-sr"> à la mission « ${item.title} » (nouvelle fenêtre)</span></a></p></article>${ctx.notrack ? "" : html`<noscript><img class="w-pixel" src="${impressionPath(ctx, m.id)}" alt="" width="1" height="1"></noscript>`}</li>`;
}

/** Page numbers shown: first, last, current ±1, and gaps (null). */
export function pageNumbers(current: number, count: number): Array<number | null> {
  const wanted = new Set([1, count, current - 1, current, current + 1].filter((p) => p >= 1 && p <= count));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: Array<number | null> = [];
  sorted.forEach((p, i) => {
    if (i > 0 && p - (sorted[i - 1] as number) > 1) out.push(p - (sorted[i - 1] as number) === 2 ? p - 1 : null);
    out.push(p);
  });
  return out;
}

function pagination(ctx: PageContext, filters: WidgetFilters, result: WidgetResult): Html | null {
  if (result.pageCount <= 1) return null;
  const href = (p: number) => `/w/${ctx.widget.id}${stateQuery(filters, ctx.notrack, p)}`;
  const { page, pageCount } = result;
  return html`<nav class="w-pages" aria-label="Pagination"><ul>${page > 1 ? html`<li><a class="w-page-prev" data-page="prev" href="${href(page - 1)}">Précédente</a></li>` : ""}${pageNumbers(page, pageCount).map((p) =>
    p === null ? html`<li class="w-gap" aria-hidden="true">…</li>` : html`<li><a data-page="${p}" href="${href(p)}"${p === page ? trusted(' aria-current="page"') : ""} aria-label="Page ${p}${p === page ? " (page actuelle)" : ""}">${p}</a></li>`,
  )}${page < pageCount ? html`<li><a class="w-page-next" data-page="next" href="${href(page + 1)}">Suivante</a></li>` : ""}</ul></nav>`;
}

function results(ctx: PageContext, filters: WidgetFilters, result: WidgetResult, cards: readonly Card[]): Html {
  const state = stateQuery(filters, ctx.notrack, result.page);
  const count = result.total === 0 ? "Aucune mission" : plural(result.total, "mission", "missions");
  const where = result.place ? ` autour de ${result.place.label}` : "";
  if (cards.length === 0) {
    return html`<div id="w-results" class="w-results"><p id="w-count" class="w-count" role="status" tabindex="-1">${count}${where}</p><p class="w-empty">Aucune mission ne correspond à vos critères de recherche.</p></div>`;
  }
  if (ctx.widget.style === "carousel") {
    return html`<div id="w-results" class="w-results"><p id="w-count" class="w-count" role="status" tabindex="-1">${count}${where}</p><section class="w-carousel" aria-roledescription="carrousel" aria-label="Missions"><div class="w-carousel-controls w-js" hidden><button type="button" class="w-prev" aria-controls="w-track">Missions précédentes</button><button type="button" class="w-next" aria-controls="w-track">Missions suivantes</button></div><ul id="w-track" class="w-track" aria-live="off">${cards.map((c, index) => card(ctx, c, state, { index, count: cards.length }))}</ul><p class="w-sr w-carousel-status" aria-live="polite"></p></section></div>`;
  }
  return html`<div id="w-results" class="w-results"><p id="w-count" class="w-count" role="status" tabindex="-1">${count}${where}${result.pageCount > 1 ? html`<span class="w-sr">, page ${result.page} sur ${result.pageCount}</span>` : ""}</p><ul class="w-grid" aria-label="Missions">${cards.map((c) => card(ctx, c, state, null))}</ul>${pagination(ctx, filters, result)}</div>`;
}

function footer(): Html {
  return html`<footer class="w-footer"><p>Missions proposées par <a href="https://api-engagement.beta.gouv.fr" target="_blank" rel="noopener">API Engagement<span class="w-sr"> (nouvelle fenêtre)</span></a>, service public de l'engagement.</p></footer>`;
}

export function listPage(ctx: PageContext, filters: WidgetFilters, result: WidgetResult, cards: readonly Card[], notice?: string): string {
  const title = `${heading(ctx.widget)}${result.page > 1 ? ` – page ${result.page}` : ""}`;
  const body = html`<main class="w w-${ctx.widget.style}" data-widget="${ctx.widget.id}"><h1 class="w-title">${heading(ctx.widget)}</h1>${filtersForm(ctx, filters, result)}${notice ? html`<p class="w-notice" role="alert">${notice}</p>` : ""}${results(ctx, filters, result, cards)}${footer()}</main>`;
  return layout(ctx, title, body);
}

// ——— detail ———

export function detailPage(ctx: PageContext, filters: WidgetFilters, item: Card, descriptionHtml: string, page: number): string {
  const m = item.record.mission;
  const back = `/w/${ctx.widget.id}${stateQuery(filters, ctx.notrack, page)}`;
  const domain = m.domain ? (domainLabel(m.domain) ?? m.domain) : null;
  const facts: Array<[string, string]> = [];
  if (item.record.organization?.name) facts.push(["Organisation", item.record.organization.name]);
  facts.push(["Lieu", placeLabel(item.record, item.distanceKm)]);
  facts.push(["Début", startText(item.record, Date.now())]);
  if (m.duration) facts.push(["Durée", `${m.duration} mois`]);
  if (m.places && m.places > 0) facts.push(["Places", m.places.toLocaleString("fr-FR")]);
  if (m.open_to_minors !== null) facts.push(["Mineurs", m.open_to_minors ? "Ouvert aux mineurs" : "Réservé aux majeurs"]);
  if (m.reduced_mobility_accessible) facts.push(["Accessibilité", "Accessible aux personnes à mobilité réduite"]);
  const body = html`<main class="w w-detail" data-widget="${ctx.widget.id}"><p class="w-back"><a href="${back}">Retour aux missions</a></p><article>${domain ? html`<p class="w-badge">${domain}</p>` : ""}<h1 class="w-title">${item.title}</h1><dl class="w-facts">${facts.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl><div class="w-description">${trusted(descriptionHtml)}</div><p><a class="w-btn" href="${applyUrl(ctx, m.id)}" target="_blank" rel="noopener">Candidater<span class="w-sr"> à la mission « ${item.title} » (nouvelle fenêtre)</span></a></p></article>${footer()}</main>`;
  return layout(ctx, `${item.title} – ${heading(ctx.widget)}`, body);
}

/** A page that says what went wrong (unknown or inactive widget, mission gone). */
export function messagePage(ctx: Pick<PageContext, "assets" | "nonce">, title: string, message: string): string {
  const widget = { color: DEFAULT_COLOR, type: "benevolat" } as WidgetRow;
  return layout({ ...ctx, widget, notrack: true } as PageContext, title, html`<main class="w"><h1 class="w-title">${title}</h1><p>${message}</p></main>`);
}
