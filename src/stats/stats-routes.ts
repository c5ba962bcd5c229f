/**
 * `GET /v2/stats` (API key): what the calling partner generated (side diffuseur) or received (side
 * annonceur), as JSON or CSV; `GET /public/stats`: national figures, no partner detail.
 * A partner only ever reads events where it is the side it asked for: every filter narrows that.
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { currentPublisher } from "../http/auth.ts";
import { badRequest } from "../http/errors.ts";
import type { RouteContext } from "../http/app.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { csvLines, type Separator } from "./stats-csv.ts";
import { addDays, daysBetween, defaultInterval, type Interval, MAX_RANGE_DAYS, parisToday, parseDay } from "./stats-period.ts";
import { DEFAULT_INCLUDES, INCLUDES, type StatsRequest, statsReport } from "./stats-report.ts";
import { publicStats } from "./public-stats.ts";
import { CHANNELS, DIMENSIONS, type Dimension, EVENT_TYPES, type EventType, type Side } from "./stats-store.ts";

const DAY_PATTERN = "^\\d{4}-\\d{2}-\\d{2}$";
const LIST = { type: "string", maxLength: 2000 } as const;
const MAX_IDS = 100;

const StatsQuery = Type.Object(
  {
    side: Type.Optional(Type.Union([Type.Literal("diffuseur"), Type.Literal("annonceur")], { description: "`diffuseur` : les événements que vous avez générés ; `annonceur` : ceux que vos missions ont reçus. Par défaut : diffuseur si vous l'êtes, sinon annonceur" })),
    from: Type.Optional(Type.String({ pattern: DAY_PATTERN, description: "Premier jour (AAAA-MM-JJ, heure de Paris), inclus. Par défaut : 29 jours avant `to`" })),
    to: Type.Optional(Type.String({ pattern: DAY_PATTERN, description: "Dernier jour (AAAA-MM-JJ, heure de Paris), inclus. Par défaut : aujourd'hui" })),
    type: Type.Optional(Type.String({ ...LIST, description: "Types d'événements comptés, séparés par des virgules : impression, click, account, apply (par défaut : tous)" })),
    channel: Type.Optional(Type.String({ ...LIST, description: `Moyens de diffusion retenus : ${CHANNELS.join(", ")}` })),
    partner: Type.Optional(Type.String({ ...LIST, description: "Partenaires de l'autre côté (identifiants), séparés par des virgules" })),
    source: Type.Optional(Type.String({ ...LIST, description: "Identifiants de widgets ou de campagnes" })),
    mission: Type.Optional(Type.String({ ...LIST, description: "Identifiants de missions" })),
    groupBy: Type.Optional(Type.String({ ...LIST, description: `Répartitions demandées, séparées par des virgules : ${DIMENSIONS.join(", ")}` })),
    include: Type.Optional(
      Type.String({
        ...LIST,
        description:
          "Parties calculées en plus des répartitions : `totals`, `series`, `missions` (missions ayant reçu au moins une redirection / une candidature : à demander, c'est le chiffre le plus coûteux). Par défaut : totals,series",
      }),
    ),
    interval: Type.Optional(Type.Union([Type.Literal("day"), Type.Literal("week"), Type.Literal("month")], { description: "Pas de la série : par jour sous 61 jours, par mois au-delà, par défaut" })),
    split: Type.Optional(Type.Literal("partner", { description: "Série répartie par partenaire : les `top` premiers, les autres regroupés dans « Autres »" })),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: "Lignes par répartition" })),
    format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("csv")], { description: "`csv` (ou `Accept: text/csv`) : export de la première répartition demandée, sinon de la série" })),
    separator: Type.Optional(Type.Union([Type.Literal(","), Type.Literal(";")], { description: "Séparateur du CSV ; avec `;` les décimales prennent une virgule (tableurs en français)" })),
  },
  { additionalProperties: false },
);
type StatsQueryType = Static<typeof StatsQuery>;

const MetricsSchema = {
  impressions: Type.Optional(Type.Integer()),
  clicks: Type.Optional(Type.Integer({ description: "Redirections" })),
  accounts: Type.Optional(Type.Integer({ description: "Créations de compte" })),
  applications: Type.Optional(Type.Integer({ description: "Candidatures" })),
  conversionRate: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: "Candidatures ÷ redirections (null sans redirection)" })),
};
const StatsResponse = Type.Object({
  ok: Type.Literal(true),
  data: Type.Object({
    side: Type.String(),
    publisherId: Type.String(),
    from: Type.String(),
    to: Type.String(),
    timezone: Type.Literal("Europe/Paris"),
    interval: Type.String(),
    totals: Type.Optional(
      Type.Object({
        ...MetricsSchema,
        missionsWithClick: Type.Optional(Type.Integer({ description: "Missions ayant reçu au moins une redirection (include=missions)" })),
        missionsWithApplication: Type.Optional(Type.Integer({ description: "Missions ayant reçu au moins une candidature (include=missions)" })),
        partners: Type.Optional(Type.Integer({ description: "Partenaires de l'autre côté ayant au moins un événement" })),
      }),
    ),
    series: Type.Optional(Type.Array(
      Type.Object({
        period: Type.String({ description: "Premier jour de la période" }),
        ...MetricsSchema,
        partners: Type.Optional(Type.Array(Type.Object({ id: Type.Union([Type.String(), Type.Null()]), name: Type.String(), ...MetricsSchema }))),
      }),
    )),
    breakdowns: Type.Record(Type.String(), Type.Array(Type.Object({ key: Type.String(), label: Type.String(), ...MetricsSchema }))),
  }),
});

/** A comma list (repeated keys already joined by the query parser) of allowed values; 400 naming the parameter otherwise. */
function enumList<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined) return undefined;
  const values = [...new Set(raw.split(",").map((v) => v.trim()).filter(Boolean))];
  const wrong = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (wrong.length) throw badRequest("INVALID_QUERY", `${name} : valeur inconnue ${wrong.map((w) => `« ${w} »`).join(", ")}`, [{ field: name, message: `valeurs possibles : ${allowed.join(", ")}` }]);
  return values as T[];
}

function idList(name: string, raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const values = [...new Set(raw.split(",").map((v) => v.trim()).filter(Boolean))];
  if (values.length > MAX_IDS || values.some((v) => v.length > 64)) throw badRequest("INVALID_QUERY", `${name} : au plus ${MAX_IDS} identifiants de 64 caractères`, [{ field: name, message: "liste trop longue" }]);
  return values;
}

function dayParam(name: string, raw: string | undefined, fallback: string): string {
  if (raw === undefined) return fallback;
  const day = parseDay(raw);
  if (!day) throw badRequest("INVALID_QUERY", `${name} : « ${raw} » n'est pas une date (AAAA-MM-JJ)`, [{ field: name, message: "date invalide" }]);
  return day;
}

type PublisherRights = { id: string; is_annonceur: boolean; has_api_rights: boolean; has_widget_rights: boolean; has_campaign_rights: boolean };

/** A partner that only publishes sees what it received; any other what it generated. */
function defaultSide(p: PublisherRights): Side {
  const diffuseur = p.has_api_rights || p.has_widget_rights || p.has_campaign_rights;
  return p.is_annonceur && !diffuseur ? "annonceur" : "diffuseur";
}

/** The request of a partner, its parameters checked (400 naming the wrong one). */
export function statsRequestOf(query: StatsQueryType, publisher: PublisherRights, today: string): StatsRequest {
  const side: Side = query.side ?? defaultSide(publisher);
  const to = dayParam("to", query.to, today);
  const from = dayParam("from", query.from, addDays(to, -29));
  if (from > to) throw badRequest("INVALID_QUERY", "from doit précéder to", [{ field: "from", message: `${from} est après ${to}` }]);
  if (daysBetween(from, to) > MAX_RANGE_DAYS) throw badRequest("INVALID_QUERY", `Période trop longue : ${MAX_RANGE_DAYS} jours au plus`, [{ field: "from", message: "rapprochez from de to" }]);
  const interval: Interval = query.interval ?? defaultInterval(from, to);
  return {
    scope: { side, publisherId: publisher.id },
    filters: {
      from,
      to,
      types: enumList("type", query.type, EVENT_TYPES) ?? [...EVENT_TYPES],
      channels: enumList("channel", query.channel, CHANNELS),
      partners: idList("partner", query.partner),
      sources: idList("source", query.source),
      missions: idList("mission", query.mission),
    },
    interval,
    groupBy: enumList("groupBy", query.groupBy, DIMENSIONS) ?? ([] as Dimension[]),
    splitByPartner: query.split === "partner",
    top: query.top ?? 5,
    limit: query.limit ?? 100,
    include: new Set(enumList("include", query.include, INCLUDES) ?? DEFAULT_INCLUDES),
  };
}

const wantsCsv = (request: FastifyRequest<{ Querystring: StatsQueryType }>) =>
  request.query.format === "csv" || (request.query.format === undefined && /\btext\/csv\b/.test(request.headers.accept ?? ""));

export async function statsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { db } = ctx;

  app.get<{ Querystring: StatsQueryType }>(
    "/v2/stats",
    {
      onRequest: ctx.requireApiKey,
      schema: {
        tags: ["Statistiques"],
        summary: "Vos statistiques : impressions, redirections, créations de compte, candidatures",
        description:
          "Chiffres exacts, hors robots (un robot repéré plus tard sort aussi des chiffres passés), à jour quelques secondes après chaque événement. Jours de Paris. `side=diffuseur` : ce que vous avez généré, par annonceur ; `side=annonceur` : ce que vos missions ont reçu, par diffuseur. Totaux, série (quotidienne sous 61 jours, mensuelle au-delà, éventuellement par partenaire avec « Autres »), répartitions (`groupBy`). Une conversion arrivée après la fenêtre d'attribution n'est pas comptée. `format=csv` pour un export.",
        security: API_KEY_SECURITY,
        querystring: StatsQuery,
        response: { 200: StatsResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const publisher = currentPublisher(request);
      const stats = statsRequestOf(request.query, publisher, parisToday());
      const csv = wantsCsv(request);
      // An export is one table: the first breakdown, else the series.
      if (csv) stats.include = new Set(stats.groupBy.length ? [] : ["series"]);
      const report = await statsReport(db, stats);
      if (csv) return sendCsv(reply, stats, report, request.query.separator ?? ",");
      return reply.send({
        ok: true,
        data: { side: stats.scope.side, publisherId: publisher.id, from: stats.filters.from, to: stats.filters.to, timezone: "Europe/Paris", interval: stats.interval, ...report },
      });
    },
  );

  const PublicQuery = Type.Object(
    {
      from: Type.Optional(Type.String({ pattern: "^\\d{4}-\\d{2}$", description: "Premier mois (AAAA-MM). Par défaut : 11 mois avant `to`" })),
      to: Type.Optional(Type.String({ pattern: "^\\d{4}-\\d{2}$", description: "Dernier mois (AAAA-MM). Par défaut : le mois en cours" })),
    },
    { additionalProperties: false },
  );
  app.get<{ Querystring: Static<typeof PublicQuery> }>(
    "/public/stats",
    {
      schema: {
        tags: ["Statistiques"],
        summary: "Chiffres nationaux ouverts",
        description: "Pour une page de statistiques publique : redirections, candidatures… par mois ; missions en ligne par domaine et par département ; nombre de partenaires actifs. Aucun détail propre à un partenaire. Mis en cache 5 minutes.",
        querystring: PublicQuery,
      },
    },
    async (request, reply) => {
      const today = parisToday();
      const to = request.query.to ?? today.slice(0, 7);
      const from = request.query.from ?? addDays(`${to}-01`, -330).slice(0, 7);
      if (!parseDay(`${from}-01`) || !parseDay(`${to}-01`) || from > to) {
        throw badRequest("INVALID_QUERY", "from et to : deux mois AAAA-MM, from avant to", [{ field: "from", message: `${from} … ${to}` }]);
      }
      if (daysBetween(`${from}-01`, `${to}-01`) > MAX_RANGE_DAYS) throw badRequest("INVALID_QUERY", "Période trop longue", [{ field: "from", message: "dix ans au plus" }]);
      reply.header("cache-control", "public, max-age=300");
      return reply.send({ ok: true, data: await publicStats(db, from, to) });
    },
  );
}

function sendCsv(reply: FastifyReply, stats: StatsRequest, report: Awaited<ReturnType<typeof statsReport>>, separator: Separator) {
  const lines = csvLines(report, { side: stats.scope.side, types: stats.filters.types, groupBy: stats.groupBy, separator });
  // A spreadsheet set to French opens `;` files: the byte order mark makes it read them as UTF-8.
  const body = Readable.from((function* () {
    if (separator === ";") yield "\uFEFF";
    yield* lines;
  })());
  const name = `statistiques-${stats.scope.side}-${stats.filters.from}-${stats.filters.to}${stats.groupBy[0] ? `-par-${stats.groupBy[0]}` : ""}.csv`;
  return reply
    .header("content-type", "text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${name}"`)
    .send(body);
}
