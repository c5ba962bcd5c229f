/**
 * Tracked links (no key, CORS *): `/r/:missionId/:publisherId` (the applicationUrl handed to API
 * diffuseurs), `/r/widget/:missionId`, `/r/seo/:missionId`, `/r/notrack/:missionId`. Each answers a 302 at once; the click
 * is queued and written in the next batch (event-queue.ts), never awaited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RouteContext } from "../http/app.ts";
import { REDIRECT_EXPOSES_NO_HEADERS } from "../http/cors.ts";
import type { EventQueue } from "./event-queue.ts";
import { cleanIdParam, type LinkTargets, type MissionTarget, type PublisherTarget } from "./link-targets.ts";
import { type Campaign, trackedUrl } from "./tracked-url.ts";
import type { RecentClicks } from "./recent-clicks.ts";
import type { TrackingKeys } from "./secrets.ts";
import { signTrackingToken } from "./tracking-token.ts";
import type { VisitLimit } from "./visit-limit.ts";
import { type EventFields, recordEvent, type Tracking } from "./tracking.ts";
import { clientAddress, type Visitor, visitorOf } from "./visitor.ts";

export interface TrackingContext extends RouteContext {
  queue: EventQueue;
  targets: LinkTargets;
  keys: TrackingKeys;
  recentClicks: RecentClicks;
  limit: VisitLimit;
}

const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 100;

const redirectSchema = (summary: string, description: string, params: Record<string, unknown>, query?: Record<string, unknown>) => ({
  tags: ["Suivi"],
  summary,
  description,
  params: { type: "object", properties: params, required: Object.keys(params) },
  ...(query ? { querystring: { type: "object", properties: query } } : {}),
  response: { 302: { type: "null", description: "Redirection vers la page de candidature (ou l'adresse de repli)" } },
});

export async function redirectRoutes(app: FastifyInstance, ctx: TrackingContext): Promise<void> {
  const fallback = ctx.config.tracking.fallbackUrl;

  // A visitor always gets somewhere: when a link's target cannot be read (database unreachable and
  // not in memory), the fallback page rather than an error.
  app.setErrorHandler(async (error, request, reply) => {
    request.log.warn({ err: error, url: request.url }, "lien suivi : cible illisible, redirection de repli");
    return redirect(reply, fallback);
  });

  const visitor = (request: FastifyRequest) => visitorOf(request.raw, ctx.keys.fingerprint);

  const click = (fields: EventFields): string => recordEvent(ctx, "click", fields);

  app.get<{ Params: { missionId: string; publisherId: string }; Querystring: { tags?: string } }>(
    "/r/:missionId/:publisherId",
    {
      schema: redirectSchema(
        "Lien de candidature d'un diffuseur (API)",
        "Le lien `applicationUrl` des missions données aux diffuseurs. Enregistre le clic (sauf robots) et redirige vers la page de candidature de l'annonceur avec `apiengagement_id`, `apiengagement_tracking_token` et `utm_source=api_engagement`, `utm_medium=api`, `utm_campaign=<nom du diffuseur>` (ou `mtm_*` selon le réglage de l'annonceur). Une mission supprimée redirige toujours vers sa dernière adresse.",
        { missionId: { type: "string", maxLength: 200 }, publisherId: { type: "string", maxLength: 200 } },
        { tags: { type: "string", maxLength: 2000, description: "Étiquettes du clic, séparées par des virgules" } },
      ),
    },
    async (request, reply) => {
      const mission = await ctx.targets.mission(request.params.missionId);
      const destination = mission?.destination;
      if (!mission || !destination) return redirect(reply, fallback);
      const diffuseur = await ctx.targets.publisher(cleanIdParam(request.params.publisherId));
      const annonceur = await ctx.targets.publisher(mission.publisherId);
      const who = visitor(request);
      // An unknown diffuseur cannot be credited: the visitor still reaches the mission.
      if (!who || !diffuseur || !ctx.limit.allow(clientAddress(request.raw))) return redirect(reply, destination.toString());
      return redirect(reply, apiLinkClick(ctx, { mission, destination, diffuseur, annonceur }, who, request.query.tags));
    },
  );

  app.get<{ Params: { missionId: string }; Querystring: { widgetId?: string; requestId?: string } }>(
    "/r/widget/:missionId",
    {
      schema: redirectSchema(
        "Lien de candidature d'un widget",
        "Le lien des cartes d'un widget. Enregistre le clic pour le diffuseur du widget (sauf robots) et redirige vers la page de candidature avec `apiengagement_id`, `apiengagement_tracking_token` et `utm_source=api_engagement`, `utm_medium=widget`, `utm_campaign=<nom du widget>` (ou `mtm_*` selon le réglage de l'annonceur). Sans widget connu, redirige sans enregistrer.",
        { missionId: { type: "string", maxLength: 200 } },
        {
          widgetId: { type: "string", maxLength: 200, description: "Identifiant du widget" },
          requestId: { type: "string", maxLength: 200, description: "Identifiant de la recherche qui a affiché la carte" },
        },
      ),
    },
    async (request, reply) => {
      const mission = await ctx.targets.mission(cleanIdParam(request.params.missionId));
      const destination = mission?.destination;
      if (!mission || !destination) return redirect(reply, fallback);
      const widget = request.query.widgetId ? await ctx.targets.widget(cleanIdParam(request.query.widgetId)) : null;
      const who = visitor(request);
      if (!who || !widget || !ctx.limit.allow(clientAddress(request.raw))) return redirect(reply, destination.toString());
      const annonceur = await ctx.targets.publisher(mission.publisherId);
      const requestId = request.query.requestId ? cleanIdParam(request.query.requestId) : "";
      const fields = {
        source: "widget" as const,
        source_id: widget.id,
        request_id: requestId || null,
        from_publisher_id: widget.diffuseurId,
        to_publisher_id: mission.publisherId,
        mission_id: mission.id,
        mission_client_id: mission.clientId,
        ...who,
      };
      const campaign = { prefix: annonceur?.trackingPrefix ?? "utm", source: "api_engagement", medium: "widget", campaign: widget.slug } as const;
      return redirect(reply, clickThrough(ctx, destination, fields, campaign));
    },
  );

  app.get<{ Params: { missionId: string } }>(
    "/r/seo/:missionId",
    {
      schema: redirectSchema(
        "Lien de candidature depuis les pages publiques (référencement)",
        "Enregistre le clic (source `seo`) et redirige avec `apiengagement_id` et `utm_source=api_engagement`, `utm_medium=google`, `utm_campaign=seo` (toujours `utm_*`, sans jeton, comme aujourd'hui).",
        { missionId: { type: "string", maxLength: 200 } },
      ),
    },
    async (request, reply) => {
      const mission = await ctx.targets.mission(cleanIdParam(request.params.missionId));
      const destination = mission?.destination;
      if (!mission || !destination) return redirect(reply, fallback);
      const who = visitor(request);
      if (!who || !ctx.limit.allow(clientAddress(request.raw))) return redirect(reply, destination.toString());
      const clickId = click({ source: "seo", to_publisher_id: mission.publisherId, mission_id: mission.id, mission_client_id: mission.clientId, ...who });
      return redirect(reply, trackedUrl(destination, { clickId, campaign: { prefix: "utm", source: "api_engagement", medium: "google", campaign: "seo" } }));
    },
  );

  app.get<{ Params: { missionId: string } }>(
    "/r/notrack/:missionId",
    {
      schema: redirectSchema(
        "Lien de candidature sans suivi",
        "Redirige vers la page de candidature telle quelle, sans rien enregistrer (aperçus, tests).",
        { missionId: { type: "string", maxLength: 200 } },
      ),
    },
    async (request, reply) => {
      const mission = await ctx.targets.mission(cleanIdParam(request.params.missionId));
      const destination = mission?.destination;
      return redirect(reply, destination ? destination.toString() : fallback);
    },
  );
}

/**
 * A tracked link's answer: a 302 that no browser or proxy may keep (each visit is a new click),
 * with no list of exposed headers (see cors.ts).
 */
export function redirect(reply: FastifyReply, url: string) {
  reply.removeHeader(REDIRECT_EXPOSES_NO_HEADERS);
  return reply.header("cache-control", "no-store").redirect(url, 302);
}

export interface ApiLinkTargets {
  mission: MissionTarget;
  destination: URL;
  diffuseur: PublisherTarget;
  /** The mission's owner; null when it has been deleted since (its links still work). */
  annonceur: PublisherTarget | null;
}

/** Records a click and returns its destination with the click id, its signed token and the campaign parameters. */
function clickThrough(tracking: Pick<Tracking, "queue" | "recentClicks" | "keys">, destination: URL, fields: EventFields, campaign: Campaign): string {
  const clickId = recordEvent(tracking, "click", fields);
  return trackedUrl(destination, { clickId, token: signTrackingToken(clickId, tracking.keys.token), campaign });
}

/**
 * Records the click of an API diffusion link (`/r/:missionId/:publisherId`) and returns where the
 * visitor goes. Shared by the Fastify route and the hot path (hot-redirect.ts).
 */
export function apiLinkClick(tracking: Pick<Tracking, "queue" | "recentClicks" | "keys">, targets: ApiLinkTargets, who: Visitor, tags: string | undefined): string {
  const { mission, diffuseur, annonceur } = targets;
  const fields = {
    source: "api" as const,
    from_publisher_id: diffuseur.id,
    to_publisher_id: mission.publisherId,
    mission_id: mission.id,
    mission_client_id: mission.clientId,
    tags: parseTags(tags),
    ...who,
  };
  return clickThrough(tracking, targets.destination, fields, { prefix: annonceur?.trackingPrefix ?? "utm", source: "api_engagement", medium: "api", campaign: diffuseur.slug });
}

const NO_TAGS: string[] = [];

/** `?tags=a,b`: trimmed, non-empty, at most 10 of 100 characters. */
export function parseTags(raw: string | undefined): string[] {
  if (!raw) return NO_TAGS;
  return raw
    .split(",")
    .map((tag) => tag.trim().slice(0, MAX_TAG_LENGTH))
    .filter((tag) => tag !== "")
    .slice(0, MAX_TAGS);
}
