/**
 * Who made a tracking request, as every event of it records it, read from the raw Node request so
 * that the Fastify routes and the redirect hot path (hot-redirect.ts) compute exactly the same
 * values. Behind the one reverse proxy the service expects (see `trustProxy` in http/app.ts), the
 * client is the last `X-Forwarded-For` entry and the host the last `X-Forwarded-Host` entry.
 */
import type { IncomingMessage } from "node:http";
import { isbot } from "isbot";
import { fingerprint, storedReferer } from "./fingerprint.ts";

const MAX_USER_AGENT = 512;

/** The last non-empty entry of a comma-separated header, trimmed; undefined when there is none. */
function lastEntry(header: string | string[] | undefined): string | undefined {
  if (typeof header !== "string") return undefined;
  const entries = header.split(",");
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const entry = entries[i]!.trim();
    if (entry !== "") return entry;
  }
  return undefined;
}

/** The client's address: the proxy's last `X-Forwarded-For` entry, else the socket's peer. */
export function clientAddress(raw: IncomingMessage): string {
  return lastEntry(raw.headers["x-forwarded-for"]) ?? raw.socket?.remoteAddress ?? "";
}

/** The host name the client asked for, without its port. */
export function requestHostname(raw: IncomingMessage): string {
  const host = lastEntry(raw.headers["x-forwarded-host"]) ?? raw.headers.host ?? "";
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Recent user agents: isbot's verdict (its pattern is long) and the one copy of the agent that
 * events keep, cut to its stored length. A handful of agents make most traffic: events waiting to
 * be written then share a long-lived string instead of each holding its request's own.
 */
const agents = new Map<string, { bot: boolean; stored: string }>();

function knownAgent(userAgent: string): { bot: boolean; stored: string } {
  let agent = agents.get(userAgent);
  if (agent === undefined) {
    agent = { bot: isbot(userAgent), stored: userAgent.slice(0, MAX_USER_AGENT) };
    if (agents.size >= 5000) agents.clear();
    agents.set(userAgent, agent);
  }
  return agent;
}

export interface Visitor {
  fingerprint: string;
  referer: string | null;
  user_agent: string | null;
  host: string | null;
  origin: string | null;
}

/** What every event of a request shares; null for a bot (redirected or answered, never recorded). */
export function visitorOf(raw: IncomingMessage, fingerprintKey: string): Visitor | null {
  const headers = raw.headers;
  const userAgent = headers["user-agent"];
  const agent = userAgent ? knownAgent(userAgent) : null;
  if (agent?.bot) return null;
  const referer = headers.referer;
  return {
    fingerprint: fingerprint(fingerprintKey, clientAddress(raw), userAgent, referer),
    referer: storedReferer(referer),
    user_agent: agent ? agent.stored : null,
    host: requestHostname(raw).slice(0, 255) || null,
    origin: typeof headers.origin === "string" ? headers.origin.slice(0, 255) : null,
  };
}
