/**
 * The widget's public pages (no key: they are embedded in partners' sites): `GET /w/:widgetId` (the
 * list, first page of results in the HTML), `GET /w/:widgetId/mission/:missionId` (a mission),
 * `GET /w/places?q=` (place suggestions), `GET /w/assets/*` (the stylesheet and script, named by
 * their content: cached for good). Any site may frame them (`frame-ancestors *`, no
 * X-Frame-Options); scripts are limited to this origin's own by the Content-Security-Policy.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import zlib from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { WidgetRow } from "../db/schema.ts";
import type { RouteContext } from "../http/app.ts";
import { HttpError } from "../http/errors.ts";
import { sanitizeMissionHtml } from "../missions/rules/text.ts";
import type { RawQuery } from "../search/query.ts";
import { searchPlaces } from "./place-search.ts";
import { type Card, detailPage, listPage, messagePage, type PageContext } from "./widget-page.ts";
import { AnswerCache } from "../search/answer-cache.ts";
import type { DiffuseurView } from "../search/visibility.ts";
import { pageSizeOf, parseWidgetFilters, searchWidget, widgetShows, type WidgetFilters, type WidgetResult } from "./widget-search.ts";

interface Asset {
  path: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  br: Buffer;
}

function loadAsset(file: string, type: string): Asset {
  const body = fs.readFileSync(new URL(`./assets/${file}`, import.meta.url));
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  const [name, ext] = file.split(".") as [string, string];
  return {
    path: `/w/assets/${name}.${hash}.${ext}`,
    type,
    body,
    gzip: zlib.gzipSync(body, { level: 9 }),
    br: zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
  };
}

const ID = { type: "string", maxLength: 64 } as const;

function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors *",
  ].join("; ");
}

/** Sends a body compressed as the client accepts (brotli, else gzip). */
function sendCompressed(request: FastifyRequest, reply: FastifyReply, body: Buffer | string, precompressed?: { gzip: Buffer; br: Buffer }) {
  const accepted = String(request.headers["accept-encoding"] ?? "");
  reply.header("vary", "accept-encoding");
  if (/\bbr\b/.test(accepted)) return reply.header("content-encoding", "br").send(precompressed?.br ?? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }));
  if (/\bgzip\b/.test(accepted)) return reply.header("content-encoding", "gzip").send(precompressed?.gzip ?? zlib.gzipSync(body, { level: 6 }));
  return reply.send(body);
}

/**
 * The visitor's place from a typed `place` (no script: the form sends the text): the commune it
 * names, kept as is when it is the place already shown. An empty `place` clears it.
 */
function withTypedPlace(raw: RawQuery, filters: WidgetFilters): { filters: WidgetFilters; notice?: string } {
  const typed = typeof raw.place === "string" ? raw.place.trim() : undefined;
  if (typed === undefined) return { filters };
  if (typed === "") return { filters: { ...filters, place: undefined } };
  if (filters.place && filters.place.label === typed) return { filters };
  const hit = searchPlaces(typed, 1)[0];
  if (!hit) return { filters: { ...filters, place: undefined }, notice: `Lieu « ${typed.slice(0, 100)} » introuvable : essayez un nom de commune ou un code postal.` };
  return { filters: { ...filters, place: { lat: hit.lat, lon: hit.lon, label: hit.label } } };
}

export async function widgetPageRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { db, catalog, config } = ctx;
  const css = loadAsset("widget.css", "text/css; charset=utf-8");
  const js = loadAsset("widget.js", "text/javascript; charset=utf-8");
  const assets = { css: css.path, js: js.path };

  // Public pages: counted per visitor's address (assets excepted, cached by browsers anyway).
  app.addHook("onRequest", async (request, reply) => {
    if (!request.url.startsWith("/w/assets/")) await ctx.limiter.consume(`widget-ip:${request.ip}`, config.rateLimit.widgetIpMax, reply);
  });

  app.get<{ Params: { file: string } }>(
    "/w/assets/:file",
    { schema: { hide: true, params: { type: "object", properties: { file: { type: "string", maxLength: 100 } }, required: ["file"] } } },
    async (request, reply) => {
      const asset = [css, js].find((a) => a.path === `/w/assets/${request.params.file}`);
      if (!asset) throw new HttpError(404, "NOT_FOUND", "Fichier introuvable");
      reply.header("content-type", asset.type).header("cache-control", "public, max-age=31536000, immutable").header("access-control-allow-origin", "*");
      return sendCompressed(request, reply, asset.body, asset);
    },
  );

  app.get<{ Querystring: { q?: string } }>(
    "/w/places",
    {
      schema: {
        tags: ["Widgets"],
        summary: "Lieux suggérés au visiteur d'un widget",
        description: "Communes dont le nom (ou le code postal) commence par `q`, les plus peuplées d'abord, avec leurs coordonnées. Données de référence hors ligne.",
        querystring: { type: "object", properties: { q: { type: "string", maxLength: 100 } } },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "public, max-age=86400");
      return { ok: true, data: searchPlaces(request.query.q ?? "") };
    },
  );

  /** The widget, when it exists and is active. */
  const activeWidget = async (id: string): Promise<WidgetRow | undefined> => {
    const row = await db.selectFrom("widget").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
    return row?.active ? row : undefined;
  };

  const sendPage = (request: FastifyRequest, reply: FastifyReply, nonce: string, status: number, page: string) => {
    reply
      .code(status)
      .header("content-type", "text/html; charset=utf-8")
      .header("content-security-policy", contentSecurityPolicy(nonce))
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "strict-origin-when-cross-origin")
      .header("cache-control", "no-cache");
    return sendCompressed(request, reply, page);
  };

  /** The widget's page context and view, or a French error page. */
  const open = async (request: FastifyRequest, reply: FastifyReply, widgetId: string) => {
    const nonce = randomBytes(12).toString("base64");
    // The widget and the catalogue's latest changes, read at once.
    const [widget] = await Promise.all([activeWidget(widgetId), catalog.fresh()]);
    if (!widget) {
      await sendPage(request, reply, nonce, 404, messagePage({ assets, nonce }, "Widget introuvable", "Ce widget n'existe pas ou n'est plus actif. Le site qui l'affiche peut contacter l'équipe API Engagement."));
      return undefined;
    }
    const view = catalog.view(widget.diffuseur_id);
    const raw = request.query as RawQuery;
    const notrack = raw.notrack !== undefined && raw.notrack !== "0" && raw.notrack !== "false";
    const page: PageContext = { widget, assets, publicUrl: config.publicUrl, requestId: request.id, notrack, nonce };
    let filters: WidgetFilters;
    let notice: string | undefined;
    try {
      ({ filters, notice } = withTypedPlace(raw, parseWidgetFilters(raw, pageSizeOf(widget))));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      await sendPage(request, reply, nonce, 400, messagePage({ assets, nonce }, "Adresse incorrecte", `${error.message}. Revenez à la liste des missions du widget.`));
      return undefined;
    }
    return { page, view, filters, notice };
  };

  const moderatedIds = () => catalog.moderatedIds();

  /**
   * Results of identical pages (same widget configuration, same filters), valid until the catalogue
   * changes for the widget's diffuseur (its state tag is part of the key): every visitor of a
   * partner's page asks for the same first page.
   */
  const results = new AnswerCache<WidgetResult>(2000);
  const cachedSearch = (view: DiffuseurView, widget: WidgetRow, filters: WidgetFilters): WidgetResult => {
    const search = () => searchWidget(catalog.engine, view, widget, filters, moderatedIds);
    // A moderator's decisions are not in the diffuseur's state tag: "moderated only" is always searched.
    if (widget.moderated_only) return search();
    return results.get(JSON.stringify([catalog.stateTag(view), widget.id, new Date(widget.updated_at).getTime(), filters]), search);
  };

  app.get<{ Params: { widgetId: string } }>(
    "/w/:widgetId",
    {
      schema: {
        tags: ["Widgets"],
        summary: "La page du widget (HTML)",
        description:
          "Ce qu'affiche l'iframe du widget : filtres, nombre de résultats, premières missions et pagination, rendus côté serveur (lisibles sans JavaScript et par les moteurs de recherche). Paramètres : `domain`, `department`, `organization` (listes séparées par des virgules), `remote` (yes : à distance, no : sur place), `minor`, `accessibility`, `start`, `duration` (volontariat), `lat`, `lon`, `city` ou `place` (commune ou code postal), `page`, `notrack=1` (aperçu : rien n'est compté).",
        params: { type: "object", properties: { widgetId: ID }, required: ["widgetId"] },
      },
    },
    async (request, reply) => {
      const opened = await open(request, reply, request.params.widgetId);
      if (!opened) return reply;
      const { page, view, filters, notice } = opened;
      const result = view ? cachedSearch(view, page.widget, filters) : { total: 0, hits: [], page: 1, pageCount: 1, pageSize: 6, facets: { domain: [], department: [], organization: [], remote: [] } };
      const records = await catalog.records.get(result.hits.map((h) => h.id));
      const byId = new Map(records.map((r) => [r.mission.id, r]));
      const cards: Card[] = result.hits.flatMap((hit) => {
        const record = byId.get(hit.id);
        if (!record || record.mission.deleted_at !== null || record.mission.status_code !== "ACCEPTED") return [];
        return [{ record, title: view?.titles?.get(hit.id) ?? record.mission.title, ...(hit.distanceKm !== undefined ? { distanceKm: hit.distanceKm } : {}) }];
      });
      return sendPage(request, reply, page.nonce, 200, listPage(page, { ...filters, page: result.page }, result, cards, notice));
    },
  );

  app.get<{ Params: { widgetId: string; missionId: string } }>(
    "/w/:widgetId/mission/:missionId",
    {
      schema: {
        tags: ["Widgets"],
        summary: "Une mission dans le widget (HTML)",
        description: "La description complète (assainie) et le bouton de candidature suivi. Les paramètres de la liste sont gardés pour le retour.",
        params: { type: "object", properties: { widgetId: ID, missionId: ID }, required: ["widgetId", "missionId"] },
      },
    },
    async (request, reply) => {
      const opened = await open(request, reply, request.params.widgetId);
      if (!opened) return reply;
      const { page, view, filters } = opened;
      const missionId = request.params.missionId;
      const shown = view ? widgetShows(catalog.engine, view, page.widget, missionId, moderatedIds) : false;
      const [record] = shown ? await catalog.records.get([missionId]) : [];
      if (!record || record.mission.deleted_at !== null || record.mission.status_code !== "ACCEPTED") {
        return sendPage(request, reply, page.nonce, 404, messagePage({ assets, nonce: page.nonce }, "Mission introuvable", "Cette mission n'est plus proposée. Revenez à la liste des missions."));
      }
      const item: Card = { record, title: view?.titles?.get(missionId) ?? record.mission.title };
      const description = sanitizeMissionHtml(record.mission.description_html || "");
      return sendPage(request, reply, page.nonce, 200, detailPage(page, filters, item, description, filters.page));
    },
  );

  // Today's embed codes point at the widget host with `?widget=<id>`.
  app.get<{ Querystring: { widget?: string } }>(
    "/w",
    { schema: { hide: true, querystring: { type: "object", properties: { widget: ID } } } },
    async (request, reply) => {
      const id = request.query.widget;
      if (!id) throw new HttpError(400, "INVALID_QUERY", "Paramètre « widget » manquant : l'identifiant du widget");
      const rest = new URLSearchParams(request.query as Record<string, string>);
      rest.delete("widget");
      const query = rest.toString();
      return reply.redirect(`/w/${encodeURIComponent(id)}${query ? `?${query}` : ""}`, 301);
    },
  );
}
