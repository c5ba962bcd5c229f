/**
 * Annonceur mission routes: `POST /v2/mission`, `PUT|DELETE /v2/mission/:clientId`,
 * `GET /v0/mymission`, `GET /v0/mymission/:clientId`.
 */
import type { FastifyInstance } from "fastify";
import type { SelectQueryBuilder } from "kysely";
import { type Static, Type } from "typebox";
import type { Database } from "../db/schema.ts";
import { currentPublisher, requireAnnonceur } from "../http/auth.ts";
import type { RouteContext } from "../http/app.ts";
import { API_KEY_SECURITY, errorResponses, keepFieldOrder } from "../http/openapi.ts";
import { createMission, deleteMission, missionNotFound, updateMission } from "./publish.ts";
import { missionStats } from "../tracking/mission-stats.ts";
import { findOwnMission, selectRecords } from "./records.ts";
import { ClientIdParams, CreateMissionBody, UpdateMissionBody } from "./schemas.ts";
import { toMissionV2, toMyMission } from "./serializers.ts";

const MissionV2Response = Type.Object({ ok: Type.Literal(true), data: Type.Ref("MissionV2") });

const MyMissionListQuery = Type.Object({
  limit: Type.Integer({ minimum: 0, maximum: 10_000, default: 50, description: "Nombre de résultats (défaut 50, max 10 000)" }),
  skip: Type.Integer({ minimum: 0, default: 0, description: "Décalage" }),
});

/** The annonceur's live (ACCEPTED, not deleted) missions. */
function liveOf<Q extends SelectQueryBuilder<Database, "mission", object>>(query: Q, publisherId: string): Q {
  return query.where("publisher_id", "=", publisherId).where("deleted_at", "is", null).where("status_code", "=", "ACCEPTED") as Q;
}

export async function missionRoutes(app: FastifyInstance, { db, requireApiKey }: RouteContext) {
  app.post<{ Body: Static<typeof CreateMissionBody> }>(
    "/v2/mission",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Missions"],
        summary: "Créer une mission",
        description:
          "Crée une mission. La modération automatique s'applique : une mission qui ne passe pas une règle est tout de même créée (201) avec `statusCode: \"REFUSED\"` et la raison dans `statusComment`. Recréer un `clientId` supprimé restaure la mission.",
        security: API_KEY_SECURITY,
        body: CreateMissionBody,
        response: { 201: MissionV2Response, ...errorResponses(400, 401, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const publisher = requireAnnonceur(request);
      const { record } = await createMission(db, publisher, request.body);
      return reply.status(201).send({ ok: true, data: toMissionV2(record) });
    },
  );

  app.put<{ Params: Static<typeof ClientIdParams>; Body: Static<typeof UpdateMissionBody> }>(
    "/v2/mission/:clientId",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Missions"],
        summary: "Modifier une mission",
        description:
          "Mise à jour partielle : seuls les champs envoyés changent. `addresses` remplace l'ensemble des adresses. La modération automatique est rejouée sur la mission complète.",
        security: API_KEY_SECURITY,
        params: ClientIdParams,
        body: UpdateMissionBody,
        response: { 200: MissionV2Response, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request) => {
      const publisher = requireAnnonceur(request);
      const record = await updateMission(db, publisher, request.params.clientId, request.body);
      return { ok: true, data: toMissionV2(record) };
    },
  );

  app.delete<{ Params: Static<typeof ClientIdParams> }>(
    "/v2/mission/:clientId",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Missions"],
        summary: "Supprimer une mission",
        description: "Suppression douce et idempotente : une mission déjà supprimée répond avec sa date de suppression d'origine.",
        security: API_KEY_SECURITY,
        params: ClientIdParams,
        response: {
          200: Type.Object({
            ok: Type.Literal(true),
            data: Type.Object({ clientId: Type.String(), deletedAt: Type.String({ format: "date-time" }) }),
          }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const publisher = requireAnnonceur(request);
      return { ok: true, data: await deleteMission(db, publisher, request.params.clientId) };
    },
  );

  app.get<{ Querystring: Static<typeof MyMissionListQuery> }>(
    "/v0/mymission",
    {
      ...keepFieldOrder,
      onRequest: requireApiKey,
      schema: {
        tags: ["Mes missions"],
        summary: "Lister mes missions",
        description: "Vos missions acceptées et non supprimées, visibles dès leur publication, triées par date de début décroissante.",
        security: API_KEY_SECURITY,
        querystring: MyMissionListQuery,
        response: {
          200: Type.Object({
            ok: Type.Literal(true),
            total: Type.Integer(),
            limit: Type.Integer(),
            skip: Type.Integer(),
            data: Type.Array(Type.Ref("MyMission")),
          }),
          ...errorResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const { limit, skip } = request.query;
      const [records, count] = await Promise.all([
        selectRecords(db, (q) =>
          liveOf(q, publisher.id)
            .orderBy("start_at", (ob) => ob.desc().nullsFirst())
            .orderBy("mission.id")
            .limit(limit)
            .offset(skip),
        ),
        liveOf(db.selectFrom("mission"), publisher.id)
          .select((eb) => eb.fn.countAll<number>().as("total"))
          .executeTakeFirstOrThrow(),
      ]);
      return { ok: true, total: count.total, limit, skip, data: records.map(toMyMission) };
    },
  );

  app.get<{ Params: Static<typeof ClientIdParams> }>(
    "/v0/mymission/:clientId",
    {
      ...keepFieldOrder,
      onRequest: requireApiKey,
      schema: {
        tags: ["Mes missions"],
        summary: "Consulter une de mes missions",
        description:
          "Une de vos missions, quel que soit son statut (refusée, supprimée), avec ses statistiques par diffuseur (clics et candidatures).",
        security: API_KEY_SECURITY,
        params: ClientIdParams,
        response: {
          200: Type.Object({
            ok: Type.Literal(true),
            data: Type.Ref("MyMission"),
          }),
          ...errorResponses(400, 401, 404, 429),
        },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const record = await findOwnMission(db, publisher.id, request.params.clientId);
      if (!record) throw missionNotFound(request.params.clientId);
      return { ok: true, data: { ...toMyMission(record), stats: await missionStats(db, record.mission.id) } };
    },
  );

  app.get<{ Params: Static<typeof ClientIdParams> }>(
    "/v0/mymission/:clientId/stats",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Mes missions"],
        summary: "Statistiques d'une de mes missions",
        description:
          "Clics, candidatures et créations de compte par diffuseur depuis la publication, robots exclus ; un événement compte dans les 200 ms qui le suivent. `accounts` est un ajout (absent aujourd'hui).",
        security: API_KEY_SECURITY,
        params: ClientIdParams,
        response: {
          200: Type.Object({ ok: Type.Literal(true), data: Type.Ref("MissionStats") }),
          ...errorResponses(400, 401, 404, 429),
        },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const record = await findOwnMission(db, publisher.id, request.params.clientId);
      if (!record) throw missionNotFound(request.params.clientId);
      return { ok: true, data: await missionStats(db, record.mission.id) };
    },
  );
}
