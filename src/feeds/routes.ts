/**
 * Annonceur routes of the feed import: the feed setting (`GET|PUT /v2/publisher/feed`), the import
 * history (`GET /v2/imports`, `GET /v2/imports/:id`) and the validator (`POST /v2/feed/validate`),
 * which runs a full import of an uploaded XML or of a URL without writing anything.
 */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import type { FeedImportRow, PublisherRow } from "../db/schema.ts";
import { requireAnnonceur } from "../http/auth.ts";
import type { RouteContext } from "../http/app.ts";
import { badRequest, HttpError, notFound } from "../http/errors.ts";
import { NStr } from "../http/json-schema.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { findImport, importProblems, listImports } from "./history.ts";
import { runImport } from "./import.ts";
import { checkFeedUrl } from "./network-guard.ts";
import { formatBytes } from "./byte-size.ts";

const FeedSettingsSchema = Type.Object(
  {
    url: NStr("Adresse du flux XML (http ou https)"),
    username: NStr("Identifiant HTTP Basic"),
    hasPassword: Type.Boolean({ description: "Un mot de passe HTTP Basic est enregistré (il n'est jamais renvoyé)" }),
    dateOrder: Type.Union([Type.Literal("dmy"), Type.Literal("mdy")], {
      description: "Lecture des dates 01/02/2025 : dmy = 1er février (défaut), mdy = 2 janvier (lecture historique)",
    }),
  },
  { $id: "FeedSettings", title: "Réglages du flux" },
);

const FeedSettingsBody = Type.Object(
  {
    url: NStr({ maxLength: 2000, description: "Adresse du flux ; null retire le flux (plus d'import planifié)" }),
    username: Type.Optional(NStr({ maxLength: 200 })),
    password: Type.Optional(NStr({ maxLength: 200, description: "Mot de passe HTTP Basic ; absent = inchangé, null = retiré" })),
    dateOrder: Type.Optional(Type.Union([Type.Literal("dmy"), Type.Literal("mdy")])),
  },
  { additionalProperties: false },
);

const Counts = Type.Object({
  received: Type.Integer({ description: "Éléments <mission> lus" }),
  missions: Type.Integer({ description: "Missions distinctes (clientId) du flux" }),
  created: Type.Integer(),
  updated: Type.Integer({ description: "Missions modifiées, restaurées comprises" }),
  restored: Type.Integer({ description: "Missions supprimées qui reviennent dans le flux" }),
  unchanged: Type.Integer(),
  deleted: Type.Integer({ description: "Missions absentes du flux, supprimées" }),
  refused: Type.Integer({ description: "Missions du flux enregistrées refusées (non diffusées)" }),
  skipped: Type.Integer({ description: "Missions illisibles, ignorées (leur version précédente est conservée)" }),
  warnings: Type.Integer({ description: "Valeurs ignorées ou devinées" }),
  pendingDeletions: Type.Integer({ description: "Suppressions suspendues par la protection contre les baisses brutales" }),
});

const ProblemSchema = Type.Object(
  {
    clientId: NStr(),
    line: Type.Union([Type.Integer(), Type.Null()], { description: "Ligne dans le flux" }),
    field: NStr("Élément du flux concerné"),
    outcome: Type.Union([Type.Literal("refused"), Type.Literal("skipped"), Type.Literal("warning")], {
      description: "refused : mission enregistrée mais refusée ; skipped : mission ignorée ; warning : valeur ignorée",
    }),
    message: Type.String(),
  },
  { $id: "FeedProblem", title: "Problème du flux" },
);

const ImportSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal("RUNNING"), Type.Literal("SUCCESS"), Type.Literal("FAILED")]),
    trigger: Type.Union([Type.Literal("schedule"), Type.Literal("cli"), Type.Literal("api")]),
    source: NStr(),
    startedAt: Type.String({ format: "date-time" }),
    finishedAt: NStr({ format: "date-time" }),
    notModified: Type.Boolean({ description: "Flux inchangé depuis le dernier import (HTTP 304) : rien à faire" }),
    bytes: Type.Integer(),
    counts: Counts,
    missionCount: Type.Union([Type.Integer(), Type.Null()], { description: "Missions en ligne après l'import (acceptées et refusées)" }),
    refusedMissionCount: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
    warning: NStr(),
  },
  { $id: "FeedImport", title: "Import de flux" },
);

const ReportSchema = Type.Object({
  status: Type.Union([Type.Literal("SUCCESS"), Type.Literal("FAILED")]),
  source: NStr(),
  durationMs: Type.Integer(),
  bytes: Type.Integer(),
  counts: Counts,
  missionCount: Type.Union([Type.Integer(), Type.Null()], { description: "Missions en ligne si l'import était fait" }),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  warning: NStr(),
  problems: Type.Array(Type.Ref("FeedProblem")),
  problemTotal: Type.Integer({ description: "Nombre total de problèmes (la liste est limitée à 10 000)" }),
});

const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  skip: Type.Integer({ minimum: 0, default: 0 }),
});
const DetailQuery = Type.Object({
  limit: Type.Integer({ minimum: 0, maximum: 10_000, default: 1000, description: "Problèmes renvoyés" }),
  skip: Type.Integer({ minimum: 0, default: 0 }),
  outcome: Type.Optional(Type.Union([Type.Literal("refused"), Type.Literal("skipped"), Type.Literal("warning")])),
});
const IdParams = Type.Object({ id: Type.String({ format: "uuid" }) });
const ValidateUrlBody = Type.Object({ url: Type.String({ maxLength: 2000 }) }, { additionalProperties: false });

/** Shared schemas, registered at the application root with the others. */
export const FEED_SHARED_SCHEMAS = [FeedSettingsSchema, ProblemSchema, ImportSchema];

/** The feed URL, normalised, or a 400 saying what is wrong with it. */
function acceptedFeedUrl(url: string): string {
  const checked = checkFeedUrl(url);
  if (!checked.ok) throw badRequest("INVALID_BODY", checked.message, [{ field: "url", message: checked.message }]);
  return checked.url.toString();
}

function settingsJson(p: PublisherRow) {
  return { url: p.feed_url, username: p.feed_username, hasPassword: Boolean(p.feed_password), dateOrder: p.feed_date_order };
}

function importJson(row: FeedImportRow) {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    source: row.source,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    notModified: row.not_modified,
    bytes: Number(row.bytes),
    counts: {
      received: row.received_count,
      missions: row.feed_mission_count,
      created: row.created_count,
      updated: row.updated_count,
      restored: row.restored_count,
      unchanged: row.unchanged_count,
      deleted: row.deleted_count,
      refused: row.refused_count,
      skipped: row.skipped_count,
      warnings: row.warning_count,
      pendingDeletions: row.pending_deletion_count,
    },
    missionCount: row.mission_count,
    refusedMissionCount: row.refused_stock_count,
    error: row.error_code ? { code: row.error_code, message: row.error ?? "" } : null,
    warning: row.warning,
  };
}

/** Stops reading an uploaded body past `max` bytes with a 413. */
async function* limited(body: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > max) {
      throw new HttpError(413, "PAYLOAD_TOO_LARGE", `Le flux envoyé dépasse ${formatBytes(max)} : validez-le plutôt par son adresse ({"url": …})`);
    }
    yield chunk;
  }
}

export async function feedRoutes(app: FastifyInstance, { db, config, requireApiKey }: RouteContext) {
  // XML bodies are handed to the route as a stream: the validator parses them as they arrive.
  app.addContentTypeParser(["application/xml", "text/xml"], (_request, payload, done) => done(null, payload));

  app.get(
    "/v2/publisher/feed",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Flux"],
        summary: "Consulter les réglages de mon flux",
        security: API_KEY_SECURITY,
        response: { 200: Type.Object({ ok: Type.Literal(true), data: Type.Ref("FeedSettings") }), ...errorResponses(401, 403, 429) },
      },
    },
    async (request) => ({ ok: true, data: settingsJson(requireAnnonceur(request)) }),
  );

  app.put<{ Body: Static<typeof FeedSettingsBody> }>(
    "/v2/publisher/feed",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Flux"],
        summary: "Régler mon flux XML",
        description:
          "Adresse du flux XML importé chaque heure, identifiants HTTP Basic éventuels et lecture des dates. L'adresse doit être publique (http ou https, sans identifiants dans l'URL). Vérifiez un flux avant de le brancher avec `POST /v2/feed/validate`.",
        security: API_KEY_SECURITY,
        body: FeedSettingsBody,
        response: { 200: Type.Object({ ok: Type.Literal(true), data: Type.Ref("FeedSettings") }), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const publisher = requireAnnonceur(request);
      const { url, username, password, dateOrder } = request.body;
      let feedUrl: string | null = null;
      if (url !== null && url.trim() !== "") {
        feedUrl = acceptedFeedUrl(url);
      }
      const updated = await db
        .updateTable("publisher")
        .set({
          feed_url: feedUrl,
          ...(username !== undefined ? { feed_username: username?.trim() || null } : {}),
          ...(password !== undefined ? { feed_password: password || null } : {}),
          ...(dateOrder !== undefined ? { feed_date_order: dateOrder } : {}),
          updated_at: new Date(),
        })
        .where("id", "=", publisher.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ok: true, data: settingsJson(updated) };
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/v2/imports",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Flux"],
        summary: "Historique de mes imports",
        description: "Un import par passage, du plus récent au plus ancien, avec ses compteurs.",
        security: API_KEY_SECURITY,
        querystring: ListQuery,
        response: {
          200: Type.Object({ ok: Type.Literal(true), total: Type.Integer(), data: Type.Array(Type.Ref("FeedImport")) }),
          ...errorResponses(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const publisher = requireAnnonceur(request);
      const { rows, total } = await listImports(db, publisher.id, request.query.limit, request.query.skip);
      return { ok: true, total, data: rows.map(importJson) };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof DetailQuery> }>(
    "/v2/imports/:id",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Flux"],
        summary: "Détail d'un import et ses problèmes",
        description:
          "L'import et la liste de ses problèmes, mission par mission (clientId, ligne du flux, élément, message). Les listes des 30 derniers imports sont conservées.",
        security: API_KEY_SECURITY,
        params: IdParams,
        querystring: DetailQuery,
        response: {
          200: Type.Object({
            ok: Type.Literal(true),
            data: Type.Intersect([Type.Ref("FeedImport"), Type.Object({ problems: Type.Array(Type.Ref("FeedProblem")), problemTotal: Type.Integer() })]),
          }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const publisher = requireAnnonceur(request);
      const row = await findImport(db, publisher.id, request.params.id);
      if (!row) throw notFound("Import introuvable parmi les vôtres");
      const { limit, skip, outcome } = request.query;
      const problems = await importProblems(db, row.id, limit, skip, outcome);
      return {
        ok: true,
        data: {
          ...importJson(row),
          problems: problems.rows.map((p) => ({ clientId: p.client_id, line: p.line, field: p.field, outcome: p.outcome, message: p.message })),
          problemTotal: problems.total,
        },
      };
    },
  );

  app.post(
    "/v2/feed/validate",
    {
      onRequest: requireApiKey,
      bodyLimit: config.feeds.validateMaxBytes,
      schema: {
        tags: ["Flux"],
        summary: "Vérifier un flux sans l'importer",
        description:
          "Lit un flux comme un import le ferait, avec vos missions actuelles, et renvoie le rapport complet (créations, modifications, suppressions, refus et leurs raisons), sans rien écrire. Envoyez le XML (Content-Type: application/xml) ou `{\"url\": …}` en JSON ; 50 Mo au plus dans les deux cas (un flux plus gros se vérifie avec `engagement import --dry-run`).",
        security: API_KEY_SECURITY,
        body: {
          "x-documentation-only": true,
          oneOf: [ValidateUrlBody, { type: "string", description: "Le flux XML (application/xml)" }],
        },
        response: { 200: Type.Object({ ok: Type.Literal(true), data: ReportSchema }), ...errorResponses(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      const publisher = requireAnnonceur(request);
      const body = request.body as unknown;
      let source: { kind: "url"; url: string } | { kind: "body"; body: AsyncIterable<Buffer>; label: string };
      if (body && typeof body === "object" && Symbol.asyncIterator in body) {
        source = { kind: "body", body: limited(body as AsyncIterable<Buffer>, config.feeds.validateMaxBytes), label: "envoi" };
      } else if (body && typeof body === "object" && typeof (body as { url?: unknown }).url === "string") {
        source = { kind: "url", url: acceptedFeedUrl((body as { url: string }).url) };
      } else {
        throw badRequest("INVALID_BODY", 'Envoyez le flux XML (Content-Type: application/xml) ou {"url": "https://…"} en JSON', [
          { field: "url", message: "adresse du flux ou XML attendu" },
        ]);
      }
      // A validation runs inside a request: the feed it reads (uploaded or fetched) is capped like an upload.
      const feeds = { ...config.feeds, maxBytes: Math.min(config.feeds.maxBytes, config.feeds.validateMaxBytes) };
      const report = await runImport({ db, feeds, log: request.log }, publisher, { trigger: "api", source, dryRun: true });
      return {
        ok: true,
        data: {
          status: report.status,
          source: report.source,
          durationMs: report.durationMs,
          bytes: report.bytes,
          counts: { ...report.counts, missions: report.counts.feedMissions },
          missionCount: report.missionCount,
          error: report.errorCode ? { code: report.errorCode, message: report.error ?? "" } : null,
          warning: report.warning,
          problems: report.problems ?? [],
          problemTotal: report.problemTotal ?? 0,
        },
      };
    },
  );
}
