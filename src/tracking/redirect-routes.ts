/**
 * Tracked links (no key, CORS *): `/r/:missionId/:publisherId` (the applicationUrl handed to API
 * diffuseurs), `/r/seo/:missionId`, `/r/notrack/:missionId`. Each answers a 302 at once; the click
 * is queued and written in the next batch (event-queue.ts), never awaited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isbot } from "isbot";
import type { RouteContext } from "../http/app.ts";
import type { EventQueue } from "./event-queue.ts";
import { fingerprint, storedReferer } from "./fingerprint.ts";
import { cleanIdParam, type LinkTargets } from "./link-targets.ts";
import { parseDestination, trackedUrl } from "./tracked-url.ts";
import type { RecentClicks } from "./recent-clicks.ts";
import type { TrackingKeys } from "./secrets.ts";
import { signTrackingToken } from "./tracking-token.ts";
import { type EventFields, recordEvent } from "./tracking.ts";

export interface TrackingContext extends RouteContext {
  queue: EventQueue;
  targets: LinkTargets;
  keys: TrackingKeys;
  recentClicks: RecentClicks;
}

const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 100;
const MAX_USER_AGENT = 512;

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

  const visitor = (request: FastifyRequest) => visitorOf(request, ctx.keys.fingerprint);

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
      const destination = parseDestination(mission?.applicationUrl);
      if (!mission || !destination) return redirect(reply, fallback);
      const diffuseur = await ctx.targets.publisher(cleanIdParam(request.params.publisherId));
      const annonceur = await ctx.targets.publisher(mission.publisherId);
      const who = visitor(request);
      // An unknown diffuseur cannot be credited: the visitor still reaches the mission.
      if (!who || !diffuseur) return redirect(reply, destination.toString());
      const clickId = click({
        source: "api",
        from_publisher_id: diffuseur.id,
        to_publisher_id: mission.publisherId,
        mission_id: mission.id,
        mission_client_id: mission.clientId,
        tags: parseTags(request.query.tags),
        ...who,
      });
      return redirect(
        reply,
        trackedUrl(destination, {
          clickId,
          token: signTrackingToken(clickId, ctx.keys.token),
          campaign: { prefix: annonceur?.trackingPrefix ?? "utm", source: "api_engagement", medium: "api", campaign: diffuseur.slug },
        }),
      );
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
      const destination = parseDestination(mission?.applicationUrl);
      if (!mission || !destination) return redirect(reply, fallback);
      const who = visitor(request);
      if (!who) return redirect(reply, destination.toString());
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
      const destination = parseDestination(mission?.applicationUrl);
      return redirect(reply, destination ? destination.toString() : fallback);
    },
  );
}

/** isbot's verdicts on recent user agents: its pattern is long, and a handful of agents make most traffic. */
const botVerdicts = new Map<string, boolean>();

function isBotAgent(userAgent: string): boolean {
  let verdict = botVerdicts.get(userAgent);
  if (verdict === undefined) {
    verdict = isbot(userAgent);
    if (botVerdicts.size >= 5000) botVerdicts.clear();
    botVerdicts.set(userAgent, verdict);
  }
  return verdict;
}

/** A tracked link's answer: a 302 that no browser or proxy may keep (each visit is a new click). */
export function redirect(reply: FastifyReply, url: string) {
  return reply.header("cache-control", "no-store").redirect(url, 302);
}

/** What every event of a request shares; null for a bot (redirected or answered, never recorded). */
export function visitorOf(request: FastifyRequest, fingerprintKey: string) {
  const userAgent = request.headers["user-agent"];
  if (userAgent && isBotAgent(userAgent)) return null;
  const referer = request.headers.referer;
  return {
    fingerprint: fingerprint(fingerprintKey, request.ip, userAgent, referer),
    referer: storedReferer(referer),
    user_agent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
    host: request.hostname.slice(0, 255) || null,
    origin: typeof request.headers.origin === "string" ? request.headers.origin.slice(0, 255) : null,
  };
}

/** `?tags=a,b`: trimmed, non-empty, at most 10 of 100 characters. */
export function parseTags(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(",")
    .map((tag) => tag.trim().slice(0, MAX_TAG_LENGTH))
    .filter((tag) => tag !== "")
    .slice(0, MAX_TAGS);
}
