/**
 * `GET /v2/warnings`: the calling partner's own warnings (warnings-job.ts), live ones first, then
 * those resolved in the last 30 days, each with a French title and message written from its figures.
 */
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { type Static, Type } from "typebox";
import type { WarningRow } from "../db/schema.ts";
import { currentPublisher } from "../http/auth.ts";
import type { RouteContext } from "../http/app.ts";
import { NDate } from "../http/json-schema.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { describeWarning } from "./warning-messages.ts";
import { PARTNER_WARNING_TYPES } from "./warning-rules.ts";

/** Resolved warnings stay listed this long. */
export const RESOLVED_KEPT_DAYS = 30;

const Query = Type.Object({
  status: Type.Optional(
    Type.Union([Type.Literal("live"), Type.Literal("resolved"), Type.Literal("all")], {
      description: `live : en cours ; resolved : résolues depuis ${RESOLVED_KEPT_DAYS} jours ; all (défaut) : les deux, en cours d'abord`,
    }),
  ),
});

const WarningSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    type: Type.Union(
      PARTNER_WARNING_TYPES.map((t) => Type.Literal(t)),
      {
        description:
          "empty_feed : le dernier import du flux n'a produit aucune mission ; feed_error : les derniers imports du flux ont échoué ; " +
          "low_acceptance : moins de la moitié des missions en ligne sont acceptées (à partir de 20 missions) ; " +
          "no_conversion : des redirections sur 7 jours mais aucune candidature ni création de compte (suivi probablement absent) ; " +
          "suspected_bot_traffic : des visiteurs qui cliquent beaucoup sur vos liens sans jamais candidater (robots probables)",
      },
    ),
    title: Type.String({ description: "Titre en français" }),
    message: Type.String({ description: "Explication en français, avec les chiffres de la dernière vérification" }),
    subject: Type.String({ description: "Ce dont il s'agit dans ce type d'alerte ; vide quand le type n'a qu'une alerte par partenaire" }),
    details: Type.Record(Type.String(), Type.Unknown(), { description: "Les chiffres de la dernière vérification (selon le type)" }),
    occurrences: Type.Integer({ minimum: 1, description: "Nombre de vérifications (une par heure) qui ont constaté la situation" }),
    firstSeenAt: Type.String({ format: "date-time" }),
    lastSeenAt: Type.String({ format: "date-time", description: "Dernière vérification qui l'a constatée" }),
    resolvedAt: NDate("Première vérification qui ne l'a plus constatée ; null tant que l'alerte est en cours"),
  },
  { title: "Alerte" },
);

function toWarning(row: WarningRow) {
  const details = (row.details ?? {}) as Record<string, unknown>;
  return {
    id: row.id,
    type: row.type,
    ...describeWarning(row.type, details),
    subject: row.subject,
    details,
    occurrences: row.occurrences,
    firstSeenAt: new Date(row.first_seen_at).toISOString(),
    lastSeenAt: new Date(row.last_seen_at).toISOString(),
    resolvedAt: row.resolved_at ? new Date(row.resolved_at).toISOString() : null,
  };
}

export async function warningRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { db } = ctx;

  app.get<{ Querystring: Static<typeof Query> }>(
    "/v2/warnings",
    {
      onRequest: ctx.requireApiKey,
      schema: {
        tags: ["Alertes"],
        summary: "Mes alertes",
        description:
          "Ce que le service a remarqué sur votre compte et qui mérite votre attention : flux vide ou en erreur, missions refusées en nombre, " +
          `redirections sans aucune candidature, robots probables. Vérifié chaque heure ; une alerte reste en cours tant que la situation dure, puis est résolue. ` +
          `Les alertes en cours d'abord (la plus récemment constatée en premier), puis celles résolues depuis ${RESOLVED_KEPT_DAYS} jours.`,
        security: API_KEY_SECURITY,
        querystring: Query,
        response: {
          200: Type.Object({ ok: Type.Literal(true), total: Type.Integer(), data: Type.Array(WarningSchema) }),
          ...errorResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const status = request.query.status ?? "all";
      const since = new Date(Date.now() - RESOLVED_KEPT_DAYS * 86_400_000);
      let query = db
        .selectFrom("warning")
        .selectAll()
        .where("publisher_id", "=", publisher.id)
        .where("type", "in", [...PARTNER_WARNING_TYPES]);
      if (status === "live") query = query.where("resolved_at", "is", null);
      else if (status === "resolved") query = query.where("resolved_at", ">=", since);
      else query = query.where((eb) => eb.or([eb("resolved_at", "is", null), eb("resolved_at", ">=", since)]));
      const rows = await query
        .orderBy(sql`resolved_at IS NOT NULL`)
        .orderBy(sql`COALESCE(resolved_at, last_seen_at)`, "desc")
        .orderBy("id", "desc")
        .execute();
      return { ok: true as const, total: rows.length, data: rows.map(toWarning) };
    },
  );
}
