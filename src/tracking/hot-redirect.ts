/**
 * The hot path of `GET /r/:missionId/:publisherId`, the link every API diffuseur hands out: answered
 * straight from the Node request, before Fastify's routing, hooks, validation and reply machinery
 * (measured: they cost more than the redirect's own work). It serves only the common case — a clean
 * link whose mission and publishers are in the link cache, a visitor that is not a bot and is under
 * the per-address limit — with exactly the answer and the click of the Fastify route
 * (redirect-routes.ts, `apiLinkClick`). Anything else returns false and goes through Fastify, which
 * also fills the cache: the first click of a mission never takes this path.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestIdOf } from "../http/request-id.ts";
import { apiLinkClick } from "./redirect-routes.ts";
import type { Tracking } from "./tracking.ts";
import { clientAddress, visitorOf } from "./visitor.ts";

/** `/r/<mission uuid>/<clean publisher id>`, optionally `?tags=…` and nothing else. */
const API_LINK = /^\/r\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([A-Za-z0-9-]{1,64})\/?(?:\?tags=([^&#]*))?$/i;
/** The route's `tags` schema: longer values are refused there. */
const MAX_TAGS_PARAM = 2000;

export interface HotRedirect {
  /** Answers the request and returns true, or returns false to leave it to Fastify. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** From now on every request goes through Fastify (which answers 503 while the app closes). */
  stop(): void;
  /** Requests answered here so far. */
  served(): number;
}

export function hotRedirect(tracking: Tracking): HotRedirect {
  let serving = true;
  let served = 0;
  return {
    stop: () => {
      serving = false;
    },
    served: () => served,
    handle(req, res) {
      if (!serving || req.method !== "GET") return false;
      const url = req.url;
      // "/r/" then a UUID: the cheapest tests first, most requests of the service are not links.
      if (!url || url.length < 41 || url.charCodeAt(1) !== 114 /* r */ || url.charCodeAt(2) !== 47 /* / */) return false;
      const match = API_LINK.exec(url);
      if (!match) return false;
      const mission = tracking.targets.cachedMission(match[1]!.toLowerCase());
      const diffuseur = tracking.targets.cachedPublisher(match[2]!);
      if (!mission || !diffuseur) return false;
      const annonceur = tracking.targets.cachedPublisher(mission.publisherId);
      if (annonceur === undefined) return false;
      const destination = mission.destination;
      if (!destination) return false;
      const tags = match[3] === undefined ? undefined : decodeTags(match[3]);
      if (tags === null) return false;
      const who = visitorOf(req, tracking.keys.fingerprint);
      if (!who) return false;
      const location = tracking.limit.allow(clientAddress(req))
        ? apiLinkClick(tracking, { mission, destination, diffuseur, annonceur }, who, tags)
        : destination.toString();
      res.writeHead(302, {
        location,
        "cache-control": "no-store",
        "access-control-allow-origin": "*",
        "x-request-id": requestIdOf(req.headers),
        "content-length": "0",
      });
      res.end();
      served += 1;
      return true;
    },
  };
}

/** A `tags` query value as the router would decode it; null when it is too long or cannot be decoded. */
function decodeTags(raw: string): string | null {
  if (raw.length > MAX_TAGS_PARAM) return null;
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return null;
  }
}
