/**
 * Diffuseur read API: `GET /v0/mission`, `/v0/mission/search`, `/v0/mission/:id`, also mounted on
 * `/v2/mission` for GET. Visibility and filters are answered by the in-memory index (kept fresh from
 * the database before each request); the page's missions come from a coherent cache of records
 * (read from the database on a miss) and are rendered from pre-serialised fragments.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { currentPublisher } from "../http/auth.ts";
import type { RouteContext } from "../http/app.ts";
import { notFound } from "../http/errors.ts";
import { API_KEY_SECURITY, errorResponses, keepFieldOrder } from "../http/openapi.ts";
import { AnswerCache } from "./answer-cache.ts";
import type { EngineResult, FacetField } from "./engine.ts";
import { parseSearchQuery, type RawQuery, type SearchRequest } from "./query.ts";
import { OutputBuffers } from "./output-buffers.ts";
import { envelope, MissionRenderer, type RenderedMission } from "./render.ts";
import { LIST_QUERY_PARAMS, MissionIdParams, SEARCH_QUERY_PARAMS } from "./schemas.ts";
import { type Tombstone, type ViewChanges, tombstoneCandidates, viewChangesSince } from "./sync-changes.ts";
import type { DiffuseurView } from "./visibility.ts";
import { notModified } from "../http/conditional.ts";

const V0_FACETS: readonly FacetField[] = ["domains", "activities", "departmentName", "publishers", "remote", "type"];

/** Phase durations of a request, sent as a `Server-Timing` header (visible in browsers' dev tools). */
class Timing {
  private last = performance.now();
  private readonly parts: string[] = [];
  mark(name: string) {
    const now = performance.now();
    this.parts.push(`${name};dur=${(now - this.last).toFixed(1)}`);
    this.last = now;
  }
  header() {
    return this.parts.join(", ");
  }
}

/**
 * ETag of an answer: the catalogue state of this process (bumped by every applied change), the
 * diffuseur and the request URL. Equal tags mean equal bodies, so a matching If-None-Match is
 * answered 304 before any search is run.
 */
function etagOf(stateTag: string, diffuseurId: string, url: string): string {
  return `W/"${stateTag}.${createHash("sha1").update(`${diffuseurId} ${url}`).digest("base64url").slice(0, 16)}"`;
}

const outputBuffers = new OutputBuffers();

/**
 * `{"facets": …}` of a /search answer, as bytes, made once per engine answer (answers are reused for
 * identical requests; the facets are ~20 KB of JSON).
 */
const facetsTails = new WeakMap<EngineResult, Buffer>();
function facetsTail(result: EngineResult): Buffer {
  let bytes = facetsTails.get(result);
  if (!bytes) {
    const f = result.facets;
    const facets = {
      departmentName: f?.departmentName ?? [],
      activities: f?.activities ?? [],
      domains: f?.domains ?? [],
      publishers: f?.publishers ?? [],
      remote: f?.remote ?? [],
      type: f?.type ?? [],
    };
    bytes = Buffer.from(JSON.stringify({ facets }));
    facetsTails.set(result, bytes);
  }
  return bytes;
}

function sendJson(reply: FastifyReply, pieces: Buffer[], timing: Timing) {
  timing.mark("render");
  const payload = outputBuffers.join(pieces, reply.raw);
  return reply.header("Server-Timing", timing.header()).type("application/json; charset=utf-8").send(payload);
}

export async function searchRoutes(app: FastifyInstance, { db, config, requireApiKey, catalog }: RouteContext) {
  const renderer = new MissionRenderer(config.publicUrl);

  /**
   * The diffuseur's view of the catalogue as of this request, and the ETag of the answer. Returns
   * undefined after answering 304 when the client already has this answer.
   */
  async function prepare(request: FastifyRequest, reply: FastifyReply): Promise<{ view: DiffuseurView; timing: Timing } | undefined> {
    const timing = new Timing();
    const diffuseur = currentPublisher(request);
    // The API-key check (onRequest) brought the catalogue up to date for this request — except
    // while the index is still loading, when it asked the database directly: wait for the load,
    // which reads everything committed before it ends.
    if (!catalog.loaded) await catalog.ready();
    const view = catalog.view(diffuseur.id);
    if (!view) throw notFound("Partenaire inconnu");
    timing.mark("fresh");
    const etag = etagOf(catalog.stateTag(view), diffuseur.id, request.url);
    reply.header("ETag", etag).header("Cache-Control", "private, no-cache");
    if (notModified(request, etag)) {
      reply.status(304).send();
      return undefined;
    }
    return { view, timing };
  }

  /**
   * Answers of the engine for identical requests of one diffuseur, valid until the catalogue changes
   * (the state tag is part of the key). Widgets and sites ask the same questions over and over.
   */
  const answers = new AnswerCache<EngineResult>(2000);

  function cachedRun(view: DiffuseurView, req: SearchRequest, facets: boolean): EngineResult {
    const key = JSON.stringify([catalog.stateTag(view), view.diffuseur.id, req.filters, req.sort, req.skip, req.limit, facets]);
    return answers.get(key, () => run(view, req, facets));
  }

  function run(view: DiffuseurView, req: SearchRequest, facets: boolean, onlyIds?: ReadonlySet<string>): EngineResult {
    let only = view.onlyIds;
    if (onlyIds) only = only ? new Set([...onlyIds].filter((id) => only?.has(id))) : onlyIds;
    return catalog.engine.search({
      ...req.filters,
      scopes: view.scopes,
      onlyIds: only,
      sort: req.sort,
      skip: req.skip,
      limit: req.limit,
      facets,
      // The facets of the v0 answer (the engine also counts others, for widgets).
      facetFields: V0_FACETS,
    });
  }

  /** The page's missions rendered for this diffuseur (with `_distance` when asked). */
  async function page(view: DiffuseurView, hits: EngineResult["hits"], withDistance = false): Promise<RenderedMission[]> {
    const records = await catalog.records.get(hits.map((h) => h.id));
    const distance = new Map(hits.map((h) => [h.id, h.distanceKm]));
    return records
      .filter((r) => r.mission.deleted_at === null && r.mission.status_code === "ACCEPTED")
      .map((r) =>
        renderer.render(r, view.diffuseur.id, {
          titleOverride: view.titles?.get(r.mission.id),
          remoteAsParis: view.diffuseur.remoteAsParis,
          distanceKm: withDistance ? distance.get(r.mission.id) : undefined,
        }),
      );
  }

  /**
   * A sync request (`updatedSince`): the view's changes since then become part of the filter, so a
   * mission that became visible (a right given, an exclusion lifted, a moderator's acceptance) is
   * returned although its row did not change.
   */
  async function withViewChanges(view: DiffuseurView, req: SearchRequest): Promise<{ req: SearchRequest; changes?: ViewChanges }> {
    if (!req.updatedSince) return { req };
    const changes = await viewChangesSince(db, view.diffuseur.id, view.annonceurs, req.updatedSince);
    const changedSince = { publishers: [...changes.annonceurs.keys()], ids: new Set(changes.missions.keys()) };
    return { req: { ...req, filters: { ...req.filters, changedSince } }, changes };
  }

  /** The engine's answer; sync requests depend on the view's history, so they are not cached. */
  function answer(view: DiffuseurView, req: SearchRequest, facets: boolean): EngineResult {
    return req.updatedSince ? run(view, req, facets) : cachedRun(view, req, facets);
  }

  /** Live matches then tombstones, as one list paginated by skip/limit. */
  async function withTombstones(view: DiffuseurView, req: SearchRequest, changes: ViewChanges): Promise<{ total: number; items: (RenderedMission | string)[] }> {
    const since = req.updatedSince as Date;
    const all = run(view, { ...req, skip: 0, limit: Number.MAX_SAFE_INTEGER }, false);
    const candidates = await tombstoneCandidates(db, view.diffuseur.id, view.annonceurs, changes, since);
    const stillVisible = new Set(
      run(view, { ...req, filters: {}, skip: 0, limit: Number.MAX_SAFE_INTEGER }, false, new Set(candidates.map((c) => c.id))).hits.map((h) => h.id),
    );
    const tombstones: Tombstone[] = candidates
      .filter((c) => !stillVisible.has(c.id))
      .map((c) => ({ _id: c.id, id: c.id, deleted: true as const, deletedAt: c.changed_at.toISOString() }));
    const live = await page(view, all.hits.slice(req.skip, req.skip + req.limit));
    const tombstoneStart = Math.max(0, req.skip - all.hits.length);
    const room = Math.max(0, req.limit - live.length);
    const dead = tombstones.slice(tombstoneStart, tombstoneStart + room).map((t) => JSON.stringify(t));
    return { total: all.total + tombstones.length, items: [...live, ...dead] };
  }

  const listSchema = {
    tags: ["Missions (diffuseurs)"],
    security: API_KEY_SECURITY,
    querystring: LIST_QUERY_PARAMS,
    response: {
      200: Type.Object({
        ok: Type.Literal(true),
        total: Type.Integer({ description: "Nombre exact de missions correspondantes (et de suppressions, avec includeDeleted)" }),
        data: Type.Array(
          Type.Union([
            Type.Ref("MissionLegacy"),
            Type.Object(
              { _id: Type.String(), id: Type.String(), deleted: Type.Literal(true), deletedAt: Type.String({ format: "date-time" }) },
              { title: "Suppression (includeDeleted=true)" },
            ),
          ]),
        ),
        limit: Type.Integer(),
        skip: Type.Integer(),
      }),
      304: Type.Null({ description: "Inchangé depuis l'ETag envoyé dans If-None-Match" }),
      ...errorResponses(400, 401, 429),
    },
  };

  const list = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = parseSearchQuery(request.query as RawQuery);
    const prepared = await prepare(request, reply);
    if (!prepared) return reply;
    const { view, timing } = prepared;
    const { req, changes } = await withViewChanges(view, parsed);
    const head = { ok: true };
    if (req.includeDeleted && changes) {
      const { total, items } = await withTombstones(view, req, changes);
      timing.mark("index+db");
      return sendJson(reply, envelope({ ...head, total }, "data", items, { limit: req.limit, skip: req.skip }), timing);
    }
    const result = answer(view, req, false);
    timing.mark("index");
    const items = await page(view, result.hits);
    timing.mark("db");
    return sendJson(reply, envelope({ ...head, total: result.total }, "data", items, { limit: req.limit, skip: req.skip }), timing);
  };

  const searchSchema = {
    tags: ["Missions (diffuseurs)"],
    security: API_KEY_SECURITY,
    querystring: SEARCH_QUERY_PARAMS,
    response: {
      200: Type.Object({
        ok: Type.Literal(true),
        total: Type.Integer(),
        hits: Type.Array(Type.Ref("MissionLegacy")),
        facets: Type.Ref("SearchFacets"),
      }),
      304: Type.Null({ description: "Inchangé depuis l'ETag envoyé dans If-None-Match" }),
      ...errorResponses(400, 401, 429),
    },
  };

  const search = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = parseSearchQuery(request.query as RawQuery);
    const prepared = await prepare(request, reply);
    if (!prepared) return reply;
    const { view, timing } = prepared;
    const { req } = await withViewChanges(view, parsed);
    const result = answer(view, req, true);
    timing.mark("index");
    const hits = await page(view, result.hits, req.position !== undefined);
    timing.mark("db");
    return sendJson(reply, envelope({ ok: true, total: result.total }, "hits", hits, facetsTail(result)), timing);
  };

  const detailSchema = {
    tags: ["Missions (diffuseurs)"],
    summary: "Consulter une mission diffusable",
    description: "Une mission que vous pouvez diffuser (acceptée, non supprimée, autorisée par les règles de diffusion) ; 404 sinon.",
    security: API_KEY_SECURITY,
    params: MissionIdParams,
    response: {
      200: Type.Object({ ok: Type.Literal(true), data: Type.Ref("MissionLegacy") }),
      304: Type.Null({ description: "Inchangé depuis l'ETag envoyé dans If-None-Match" }),
      ...errorResponses(400, 401, 404, 429),
    },
  };

  const detail = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const prepared = await prepare(request, reply);
    if (!prepared) return reply;
    const { view, timing } = prepared;
    const result = run(view, { filters: {}, sort: "startAt", skip: 0, limit: 1, includeDeleted: false }, false, new Set([request.params.id]));
    const [mission] = result.total ? await page(view, result.hits) : [];
    if (!mission) {
      reply.removeHeader("ETag");
      throw notFound("Mission introuvable ou non diffusable par votre compte");
    }
    return sendJson(reply, [Buffer.from(`{"ok":true,"data":`), ...mission, Buffer.from("}")], timing);
  };

  for (const prefix of ["/v0/mission", "/v2/mission"]) {
    const legacyAlias = prefix === "/v2/mission";
    app.get(
      prefix,
      {
        ...keepFieldOrder,
        onRequest: requireApiKey,
        schema: {
          ...listSchema,
          hide: legacyAlias,
          summary: "Lister les missions diffusables",
          description:
            "Les missions que vous pouvez diffuser, filtrées et triées (par défaut : date de début décroissante). Les règles de diffusion et les modifications des annonceurs s'appliquent dès la requête suivante. Avec `updatedSince` (et `includeDeleted=true`), sert à la synchronisation incrémentale.",
        },
      },
      list,
    );
    app.get(
      `${prefix}/search`,
      {
        ...keepFieldOrder,
        onRequest: requireApiKey,
        schema: {
          ...searchSchema,
          hide: legacyAlias,
          summary: "Rechercher des missions (avec facettes)",
          description:
            "Comme la liste, avec `hits`, `_distance` (km jusqu'à l'adresse la plus proche) quand `lat`/`lon` sont donnés, et des facettes calculées sur l'ensemble des résultats.",
        },
      },
      search,
    );
    app.get<{ Params: { id: string } }>(
      `${prefix}/:id`,
      { ...keepFieldOrder, onRequest: requireApiKey, schema: { ...detailSchema, hide: legacyAlias } },
      detail,
    );
  }
}
