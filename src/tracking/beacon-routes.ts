/**
 * Beacons (no key, CORS *), with today's parameters: impressions, conversions sent by jstag.js
 * (`/r/apply`, `/r/account`) and the human confirmation. Every request is answered, quickly: 200
 * with the event id, or 204 for what is ignored (bot, duplicate, unknown click, unknown parameter)
 * — today some of these hang until a timeout.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { sql } from "kysely";
import { cleanIdParam } from "./link-targets.ts";
import type { TrackingContext } from "./redirect-routes.ts";
import { clientAddress, visitorOf } from "./visitor.ts";
import { findClick, withinAttributionWindow } from "./recent-clicks.ts";
import { verifyTrackingToken } from "./tracking-token.ts";
import { recordEvent } from "./tracking.ts";

/** Conversions of the same click and type closer than this are one conversion. */
const DEDUP_WINDOW_MS = 5 * 60_000;
const CONVERSION_KEYS = { apply: ["view", "mission", "publisher", "url", "clientEventId", "customAttributes"], account: ["view", "mission", "publisher", "url", "clientEventId"] };
const MAX_PARAM = 256;
const MAX_CUSTOM_ATTRIBUTES = 4096;

type ConversionQuery = Partial<Record<"view" | "mission" | "publisher" | "url" | "clientEventId" | "customAttributes", string>>;

const ignored = (reply: FastifyReply) => reply.code(204).send();

export async function beaconRoutes(app: FastifyInstance, ctx: TrackingContext): Promise<void> {
  const db = ctx.db;
  /** Conversions answered in the last minutes, by `click:type` and `annonceur:type:clientEventId`. */
  const recentConversions = new Map<string, number>();
  const remember = (key: string, now: number) => {
    if (recentConversions.size >= 100_000) recentConversions.delete(recentConversions.keys().next().value as string);
    recentConversions.set(key, now);
  };
  const seenRecently = (key: string, now: number) => {
    const at = recentConversions.get(key);
    return at !== undefined && now - at < DEDUP_WINDOW_MS;
  };

  // Past the per-address limit, a beacon is refused (429) before anything is read or recorded.
  app.addHook("onRequest", async (request, reply) => ctx.limit.admitBeacon(clientAddress(request.raw), reply));

  app.get<{ Params: { missionId: string; publisherId: string }; Querystring: { tracker?: string; sourceId?: string; requestId?: string } }>(
    "/r/impression/:missionId/:publisherId",
    {
      schema: {
        tags: ["Suivi"],
        summary: "Impression d'une mission (balise)",
        description:
          "Compte une mission affichée par un diffuseur (jstag.js `tracker_counter`, widget). 200 avec l'identifiant de l'événement, 204 pour un robot, 404 si la mission ou le diffuseur est inconnu.",
        params: { type: "object", properties: { missionId: { type: "string", maxLength: 200 }, publisherId: { type: "string", maxLength: 200 } }, required: ["missionId", "publisherId"] },
        querystring: {
          type: "object",
          properties: { tracker: { type: "string", maxLength: 32 }, sourceId: { type: "string", maxLength: MAX_PARAM }, requestId: { type: "string", maxLength: MAX_PARAM } },
        },
      },
    },
    async (request, reply) => {
      const who = visitorOf(request.raw, ctx.keys.fingerprint);
      if (!who) return ignored(reply);
      const mission = await ctx.targets.mission(cleanIdParam(request.params.missionId));
      if (!mission) return reply.code(404).send({ ok: false, code: "NOT_FOUND", message: "Mission inconnue" });
      const diffuseur = await ctx.targets.publisher(cleanIdParam(request.params.publisherId));
      if (!diffuseur) return reply.code(404).send({ ok: false, code: "NOT_FOUND", message: "Diffuseur inconnu" });
      const { tracker, sourceId, requestId } = request.query;
      const id = recordEvent(ctx, "impression", {
        source: sourceId ? "widget" : "jstag",
        source_id: sourceId || null,
        request_id: requestId || null,
        tags: tracker ? [tracker] : [],
        from_publisher_id: diffuseur.id,
        to_publisher_id: mission.publisherId,
        mission_id: mission.id,
        mission_client_id: mission.clientId,
        ...who,
      });
      return reply.send({ ok: true, id, data: { _id: id, type: "print" } });
    },
  );

  for (const type of ["apply", "account"] as const) {
    app.get<{ Querystring: ConversionQuery }>(
      `/r/${type}`,
      {
        schema: {
          tags: ["Suivi"],
          summary: type === "apply" ? "Candidature (balise jstag.js)" : "Création de compte (balise jstag.js)",
          description:
            "Envoyée par jstag.js sur la page de l'annonceur : `view` est l'`apiengagement_id` du clic. 200 `{ok, id}` pour une conversion enregistrée ; 204 pour ce qui est ignoré : robot, paramètre inconnu, clic inconnu, doublon (même clic et même type en moins de 5 minutes, ou `clientEventId` déjà reçu). Une conversion sur un clic plus ancien que la fenêtre d'attribution de l'annonceur (30 jours par défaut) est enregistrée sans lui être attribuée.",
          // `url` (the page, sent whole by jstag v1) is not stored: no length limit but the request's own.
          querystring: { type: "object", properties: Object.fromEntries(CONVERSION_KEYS[type].map((key) => [key, key === "url" ? { type: "string" } : { type: "string", maxLength: key === "customAttributes" ? MAX_CUSTOM_ATTRIBUTES : MAX_PARAM }])) },
        },
      },
      async (request, reply) => {
        if (Object.keys(request.query).some((key) => !CONVERSION_KEYS[type].includes(key))) return ignored(reply);
        // An empty value (`clientEventId=`) is an absent one: kept as "", it would make the
        // annonceur's next conversion with an empty clientEventId a duplicate, dropped at insert.
        const query: ConversionQuery = Object.fromEntries(Object.entries(request.query).filter(([, value]) => value !== ""));
        let customAttributes: object | null = null;
        if (query.customAttributes !== undefined) {
          try {
            const parsed: unknown = JSON.parse(query.customAttributes);
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return ignored(reply);
            customAttributes = parsed;
          } catch {
            return ignored(reply);
          }
        }
        const who = visitorOf(request.raw, ctx.keys.fingerprint);
        if (!who || !query.view) return ignored(reply);
        const click = await findClick(db, ctx.recentClicks, query.view);
        if (!click) return ignored(reply);
        const now = Date.now();
        const annonceurId = click.to_publisher_id ?? (query.publisher ? cleanIdParam(query.publisher) : null);
        const clickKey = `${click.id}:${type}`;
        const clientEventKey = query.clientEventId ? `${annonceurId}:${type}:${query.clientEventId}` : null;
        if (seenRecently(clickKey, now) || (clientEventKey && seenRecently(clientEventKey, now))) return ignored(reply);
        const since = new Date(now - DEDUP_WINDOW_MS);
        const duplicate = await db
          .selectFrom("tracking_event")
          .select("id")
          .where("type", "=", type)
          .where((eb) =>
            eb.or([
              eb.and([eb("click_id", "=", click.id), eb("created_at", ">", since)]),
              ...(query.clientEventId && annonceurId ? [eb.and([eb("to_publisher_id", "=", annonceurId), eb("client_event_id", "=", query.clientEventId)])] : []),
            ]),
          )
          .limit(1)
          .executeTakeFirst();
        if (duplicate) return ignored(reply);
        remember(clickKey, now);
        if (clientEventKey) remember(clientEventKey, now);

        const mission = query.mission && annonceurId ? await ctx.targets.missionByClientId(annonceurId, query.mission) : null;
        const annonceur = annonceurId ? await ctx.targets.publisher(annonceurId) : null;
        const id = recordEvent(ctx, type, {
          source: click.source,
          source_id: click.source_id ?? null,
          from_publisher_id: click.from_publisher_id ?? null,
          to_publisher_id: annonceurId,
          mission_id: mission?.id ?? click.mission_id ?? null,
          mission_client_id: mission?.clientId ?? click.mission_client_id ?? null,
          click_id: click.id,
          client_event_id: query.clientEventId ?? null,
          custom_attributes: customAttributes,
          attributed: withinAttributionWindow(click, annonceur?.attributionWindowDays, now),
          status: "PENDING",
          ...who,
        });
        return reply.send({ ok: true, id });
      },
    );
  }

  app.get<{ Params: { clickId: string }; Querystring: { token?: string } }>(
    "/r/:clickId/confirm-human",
    {
      schema: {
        tags: ["Suivi"],
        summary: "Confirmation qu'un visiteur est humain",
        description:
          "Appelée par jstag.js à la première interaction sur la page de l'annonceur. Le jeton `apiengagement_tracking_token` du clic est vérifié (403 s'il est faux ou expiré) ; sans jeton, accepté comme aujourd'hui. 404 pour un clic inconnu.",
        params: { type: "object", properties: { clickId: { type: "string", maxLength: 200 } }, required: ["clickId"] },
        querystring: { type: "object", properties: { token: { type: "string", maxLength: 2048 } } },
      },
    },
    async (request, reply) => {
      const click = await findClick(db, ctx.recentClicks, request.params.clickId);
      if (!click) return reply.code(404).send({ ok: false, code: "NOT_FOUND", message: "Clic inconnu" });
      const token = request.query.token;
      if (token !== undefined && !verifyTrackingToken(token, click.id, ctx.keys.token)) {
        return reply.code(403).send({ ok: false, code: "FORBIDDEN", message: "Jeton de suivi invalide ou expiré" });
      }
      if (click.is_human) return reply.send({ ok: true, alreadyUpdated: true });
      // Still queued: the flag goes with the insert; already written: an update (after the flush,
      // for a click whose batch is being written right now).
      click.is_human = true;
      const update = () =>
        sql`UPDATE tracking_event SET is_human = true, updated_at = now() WHERE id = ${click.id}::uuid AND NOT is_human`.execute(db);
      if (Number((await update()).numAffectedRows ?? 0) === 0) {
        await ctx.queue.flush();
        await update();
      }
      return reply.send({ ok: true });
    },
  );
}
