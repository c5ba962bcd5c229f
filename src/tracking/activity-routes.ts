/**
 * `/v2/activity`: conversions declared by a partner's server instead of jstag.js, then their status.
 * Unlike today, an activity is only ever read or changed by one of its two partners.
 */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { uuidv7 } from "../db/uuid7.ts";
import type { TrackingEventRow } from "../db/schema.ts";
import { badRequest, HttpError, notFound } from "../http/errors.ts";
import { currentPublisher } from "../http/auth.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { writeEvents } from "./event-store.ts";
import { isUuid } from "./link-targets.ts";
import { findClick, withinAttributionWindow } from "./recent-clicks.ts";
import type { NewTrackingEvent } from "./event-queue.ts";
import type { TrackingContext } from "./redirect-routes.ts";

const ConversionType = Type.Union([Type.Literal("apply"), Type.Literal("account")]);
const Status = Type.Union(["PENDING", "VALIDATED", "CANCELED", "REFUSED", "CARRIED_OUT"].map((s) => Type.Literal(s)));

const CreateBody = Type.Object(
  {
    type: Type.Optional(ConversionType),
    clickId: Type.Optional(Type.String({ maxLength: 64, description: "L'`apiengagement_id` reçu dans l'URL" })),
    missionId: Type.Optional(Type.String({ maxLength: 64, description: "Identifiant d'une mission que vous diffusez (diffuseurs)" })),
    missionClientId: Type.Optional(Type.String({ maxLength: 256, description: "Votre `clientId` de mission (annonceurs)" })),
    tag: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object({ status: Status, type: Type.Optional(ConversionType) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ maxLength: 256, description: "Identifiant de l'activité, ou votre clientEventId" }) });
const TypeQuery = Type.Object({ type: Type.Optional(ConversionType) });

const Activity = Type.Object(
  {
    _id: Type.String(),
    id: Type.String(),
    type: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    status: Type.Union([Type.String(), Type.Null()]),
    source: Type.String(),
    sourceId: Type.Union([Type.String(), Type.Null()]),
    clickId: Type.Union([Type.String(), Type.Null()]),
    clientEventId: Type.Union([Type.String(), Type.Null()]),
    fromPublisherId: Type.Union([Type.String(), Type.Null()]),
    toPublisherId: Type.Union([Type.String(), Type.Null()]),
    missionId: Type.Union([Type.String(), Type.Null()]),
    missionClientId: Type.Union([Type.String(), Type.Null()]),
    tag: Type.String(),
    tags: Type.Array(Type.String()),
    customAttributes: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    isBot: Type.Boolean(),
    isHuman: Type.Boolean(),
    attributed: Type.Boolean({ description: "Faux pour une conversion arrivée après la fenêtre d'attribution du clic" }),
  },
  { additionalProperties: true },
);
const ActivityResponse = Type.Object({ ok: Type.Literal(true), data: Activity });

function toActivity(row: TrackingEventRow) {
  return {
    _id: row.id,
    id: row.id,
    type: row.type,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    status: row.status,
    source: row.source,
    sourceId: row.source_id,
    clickId: row.click_id,
    clientEventId: row.client_event_id,
    fromPublisherId: row.from_publisher_id,
    toPublisherId: row.to_publisher_id,
    missionId: row.mission_id,
    missionClientId: row.mission_client_id,
    tag: row.tags[0] ?? "",
    tags: row.tags,
    customAttributes: (row.custom_attributes as Record<string, unknown> | null) ?? null,
    isBot: row.is_bot,
    isHuman: row.is_human,
    attributed: row.attributed,
  };
}

export async function activityRoutes(app: FastifyInstance, ctx: TrackingContext): Promise<void> {
  const { db } = ctx;

  /** The caller's activity by id (either side), else by its clientEventId (annonceur side). */
  async function findActivity(callerId: string, id: string, type: "apply" | "account" | undefined): Promise<TrackingEventRow> {
    if (isUuid(id)) {
      const row = await db
        .selectFrom("tracking_event")
        .selectAll()
        .where("id", "=", id.toLowerCase())
        .where("type", "in", ["apply", "account"])
        .where((eb) => eb.or([eb("to_publisher_id", "=", callerId), eb("from_publisher_id", "=", callerId)]))
        .executeTakeFirst();
      if (row) return row;
    }
    let query = db.selectFrom("tracking_event").selectAll().where("to_publisher_id", "=", callerId).where("client_event_id", "=", id);
    query = type ? query.where("type", "=", type) : query.where("type", "in", ["apply", "account"]);
    const rows = await query.limit(2).execute();
    if (rows.length > 1) throw new HttpError(409, "INVALID_PARAMS", "clientEventId ambigu (candidature et compte) : précisez type=apply ou type=account");
    if (!rows[0]) throw notFound("Activité introuvable");
    return rows[0];
  }

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v2/activity",
    {
      onRequest: ctx.requireApiKey,
      schema: {
        tags: ["Suivi"],
        summary: "Déclarer une candidature ou une création de compte depuis votre serveur",
        description:
          "Annonceur : `clickId` (l'`apiengagement_id` reçu ; le clic doit mener à vos missions) et/ou `missionClientId` (votre mission). Diffuseur : `missionId` d'une mission que vous diffusez. `clickId` et `missionId` s'excluent.",
        security: API_KEY_SECURITY,
        body: CreateBody,
        response: { 200: ActivityResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const caller = currentPublisher(request);
      const { clickId, missionId, missionClientId, tag } = request.body;
      const type = request.body.type ?? "apply";
      if (!clickId && !missionId && !missionClientId) {
        throw badRequest("INVALID_BODY", "Donnez clickId, missionId ou missionClientId", [{ field: "clickId", message: "un des trois identifiants est obligatoire" }]);
      }
      if (clickId && missionId) throw badRequest("INVALID_BODY", "clickId et missionId s'excluent", [{ field: "missionId", message: "à retirer avec clickId" }]);
      if (missionId && missionClientId) {
        throw badRequest("INVALID_BODY", "missionId et missionClientId ne se combinent pas sans clickId", [{ field: "missionClientId", message: "à retirer avec missionId" }]);
      }
      const now = new Date();
      const event: NewTrackingEvent = { id: uuidv7(), type, created_at: now, updated_at: now, source: "server", status: "PENDING", is_human: true, tags: tag ? [tag] : [] };

      if (clickId) {
        const click = await findClick(db, ctx.recentClicks, clickId);
        if (!click) throw notFound("Clic introuvable");
        if (click.to_publisher_id !== caller.id) throw new HttpError(403, "FORBIDDEN", "Ce clic ne mène pas à vos missions");
        const annonceur = await ctx.targets.publisher(caller.id);
        Object.assign(event, {
          click_id: click.id,
          source: click.source,
          source_id: click.source_id,
          from_publisher_id: click.from_publisher_id,
          to_publisher_id: caller.id,
          mission_id: click.mission_id,
          mission_client_id: click.mission_client_id,
          attributed: withinAttributionWindow(click, annonceur?.attributionWindowDays, now.getTime()),
        });
      }
      if (missionClientId) {
        const mission = await ctx.targets.missionByClientId(caller.id, missionClientId);
        if (!mission) throw notFound(`Mission introuvable : ${missionClientId}`);
        Object.assign(event, { mission_id: mission.id, mission_client_id: mission.clientId, to_publisher_id: caller.id });
        if (!clickId) event.from_publisher_id = caller.id;
      }
      if (missionId) {
        const mission = isUuid(missionId)
          ? await db.selectFrom("mission").select(["id", "publisher_id", "client_id"]).where("id", "=", missionId.toLowerCase())
              .where("status_code", "=", "ACCEPTED").where("deleted_at", "is", null).executeTakeFirst()
          : undefined;
        if (!mission) throw notFound("Mission introuvable");
        if (mission.publisher_id !== caller.id && !(await ctx.catalog.canDiffuse(caller.id, mission.id))) {
          throw new HttpError(403, "FORBIDDEN", "Mission non accessible : vous ne la diffusez pas");
        }
        Object.assign(event, { mission_id: mission.id, mission_client_id: mission.client_id, from_publisher_id: caller.id, to_publisher_id: mission.publisher_id });
      }

      // Written now, not queued: the partner may read it back right away.
      await writeEvents(db, [event]);
      const row = await db.selectFrom("tracking_event").selectAll().where("id", "=", event.id).executeTakeFirstOrThrow();
      return { ok: true as const, data: toActivity(row) };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof TypeQuery> }>(
    "/v2/activity/:id",
    {
      onRequest: ctx.requireApiKey,
      schema: {
        tags: ["Suivi"],
        summary: "Consulter une de vos activités",
        description: "Par son identifiant (si vous en êtes l'annonceur ou le diffuseur), ou par votre `clientEventId` (annonceur) ; 409 si ce clientEventId désigne une candidature et un compte sans `type`.",
        security: API_KEY_SECURITY,
        params: IdParams,
        querystring: TypeQuery,
        response: { 200: ActivityResponse, ...errorResponses(400, 401, 404, 409, 429) },
      },
    },
    async (request) => {
      const row = await findActivity(currentPublisher(request).id, request.params.id, request.query.type);
      return { ok: true as const, data: toActivity(row) };
    },
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateBody> }>(
    "/v2/activity/:id",
    {
      onRequest: ctx.requireApiKey,
      schema: {
        tags: ["Suivi"],
        summary: "Changer le statut d'une de vos activités",
        description: "Réservé à l'annonceur qui a reçu la conversion (par exemple `VALIDATED` quand la candidature est retenue).",
        security: API_KEY_SECURITY,
        params: IdParams,
        body: UpdateBody,
        response: { 200: ActivityResponse, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const caller = currentPublisher(request);
      const row = await findActivity(caller.id, request.params.id, request.body.type);
      if (row.to_publisher_id !== caller.id) throw new HttpError(403, "FORBIDDEN", "Seul l'annonceur qui a reçu cette activité peut changer son statut");
      const updated = await db
        .updateTable("tracking_event")
        .set({ status: request.body.status, updated_at: new Date() })
        .where("id", "=", row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ok: true as const, data: toActivity(updated) };
    },
  );
}
