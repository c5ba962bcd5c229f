/**
 * The Fastify application: cross-cutting behaviour (request ids, CORS, errors, docs, auth, rate
 * limits) and one plugin per capability. Nothing here knows about a particular route's business.
 */
import http from "node:http";
import cors from "@fastify/cors";
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from "fastify";
import type { Config } from "../config.ts";
import type { Db } from "../db/connection.ts";
import { diffusionRoutes } from "../diffusion/routes.ts";
import { FEED_SHARED_SCHEMAS, feedRoutes } from "../feeds/routes.ts";
import { missionRoutes } from "../missions/routes.ts";
import { MISSION_SHARED_SCHEMAS } from "../missions/schemas.ts";
import { organizationRoutes } from "../organizations/routes.ts";
import { PartnerSchema, publisherRoutes } from "../publishers/routes.ts";
import { CatalogIndex } from "../search/catalog-index.ts";
import { searchRoutes } from "../search/routes.ts";
import { SEARCH_SHARED_SCHEMAS } from "../search/schemas.ts";
import { activityRoutes } from "../tracking/activity-routes.ts";
import { beaconRoutes } from "../tracking/beacon-routes.ts";
import { campaignRoutes } from "../tracking/campaign-routes.ts";
import { redirectRoutes } from "../tracking/redirect-routes.ts";
import { statsRoutes } from "../stats/stats-routes.ts";
import { type HotRedirect, hotRedirect } from "../tracking/hot-redirect.ts";
import { jstagRoutes } from "../tracking/jstag-routes.ts";
import { createTracking, type Tracking } from "../tracking/tracking.ts";
import { warningRoutes } from "../warnings/warnings-routes.ts";
import { widgetPageRoutes } from "../widgets/widget-page-routes.ts";
import { widgetRoutes } from "../widgets/widget-routes.ts";
import { apiKeyGuard } from "./auth.ts";
import { CORS_OPTIONS } from "./cors.ts";
import { HttpError, errorHandler, notFoundHandler, notFoundOrBadRequest } from "./errors.ts";
import { createValidatorCompiler } from "./validation.ts";
import { healthRoutes } from "./health.ts";
import { registerDocs } from "./openapi.ts";
import { createLimiter, type Limiter, MemoryStore, RedisStore } from "./rate-limit.ts";
import { requestIdOf } from "./request-id.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  /** Overrides the logger (tests pass false). */
  logger?: FastifyServerOptions["logger"];
}

/** Shared by every capability plugin. */
export interface RouteContext {
  db: Db;
  config: Config;
  /** The live catalogue for diffuseur searches. */
  catalog: CatalogIndex;
  requireApiKey: (request: FastifyRequest, reply: import("fastify").FastifyReply) => Promise<void>;
  /** Request counters per key and window (rate limits). */
  limiter: Limiter;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Requests whose handler has not produced its response yet (see `trackInFlight`). */
    inFlight: { count: () => number; drained: (timeoutMs: number) => Promise<void> };
    catalog: CatalogIndex;
    tracking: Tracking;
    hotRedirect: HotRedirect;
  }
}

/**
 * Counts requests from arrival until their handler hands over a payload (onSend runs even when the
 * client has gone away), so that a stop can wait for them before closing the database.
 */
function trackInFlight(app: FastifyInstance) {
  let count = 0;
  app.addHook("onRequest", async () => {
    count += 1;
  });
  app.addHook("onSend", async (_request, _reply, payload) => {
    count -= 1;
    return payload;
  });
  app.decorate("inFlight", {
    count: () => count,
    drained: async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    },
  });
}

/**
 * `curl -d @mission.json URL` labels its body `application/x-www-form-urlencoded`: no route takes
 * forms, so a body that is JSON is read as JSON (with the same parser and limits); anything else is
 * a 415 that says which header to send.
 */
function acceptJsonSentAsForm(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (request, body, done) => {
    const text = String(body);
    if (/^\s*[[{]/.test(text)) return parseJson(request, text, done);
    done(new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "Type de contenu non pris en charge : envoyez du JSON avec l'en-tête Content-Type: application/json"), undefined);
  });
}

export async function buildApp({ config, db, logger }: AppDeps): Promise<FastifyInstance> {
  let hot: HotRedirect | undefined;
  const options: FastifyServerOptions = {
    logger: logger ?? {
      level: config.logLevel,
      redact: { paths: ["req.headers['x-api-key']", "req.headers.apikey", "req.headers.authorization"], censor: "[masqué]" },
    },
    bodyLimit: config.bodyLimit,
    // One reverse proxy in front: the client is the last X-Forwarded-For hop it added.
    trustProxy: (_address: string, hop: number) => hop < 1,
    genReqId: (req) => requestIdOf(req.headers),
    // The redirect hot path answers the most frequent tracked links before Fastify; everything
    // else goes to Fastify. Its server is made as Fastify makes its own.
    serverFactory: (handler, opts) => {
      const timeouts = opts as { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number };
      const server = http.createServer((req, res) => {
        if (!hot?.handle(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = timeouts.keepAliveTimeout ?? 72_000;
      server.requestTimeout = timeouts.requestTimeout ?? 0;
      server.setTimeout(timeouts.connectionTimeout ?? 0);
      return server;
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Errors raised by the router itself (malformed URL, oversized path parameter) use the same envelope.
    frameworkErrors: (error, request, reply) => {
      reply.header("x-request-id", request.id);
      return notFoundOrBadRequest(error, reply);
    },
  };
  const app = Fastify(options);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  trackInFlight(app);

  await app.register(cors, CORS_OPTIONS);

  app.setValidatorCompiler(createValidatorCompiler(() => app.getSchemas()));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  acceptJsonSentAsForm(app);
  await registerDocs(app, config);
  for (const schema of [...MISSION_SHARED_SCHEMAS, ...SEARCH_SHARED_SCHEMAS, ...FEED_SHARED_SCHEMAS, PartnerSchema]) app.addSchema(schema);

  const limiter = createLimiter({
    store: config.redisUrl ? new RedisStore(config.redisUrl) : new MemoryStore(),
    windowMs: config.rateLimit.windowMs,
    enabled: config.rateLimit.enabled,
    log: app.log,
  });
  app.addHook("onClose", async () => limiter.close());

  const catalog = new CatalogIndex(db, app.log);
  app.decorate("catalog", catalog);
  const ctx: RouteContext = { db, config, catalog, limiter, requireApiKey: apiKeyGuard(db, (key) => catalog.authenticate(key), limiter, config.rateLimit) };
  await app.register(healthRoutes, ctx);
  await app.register(missionRoutes, ctx);
  await app.register(publisherRoutes, ctx);
  await app.register(diffusionRoutes, ctx);
  await app.register(organizationRoutes, ctx);
  await app.register(searchRoutes, ctx);
  await app.register(feedRoutes, ctx);

  const tracking = await createTracking(db, config, app.log);
  app.decorate("tracking", tracking);
  // Registered after the routes' hooks: runs before the database is closed by the caller.
  app.addHook("onClose", async () => tracking.queue.close());
  hot = hotRedirect(tracking);
  app.decorate("hotRedirect", hot);
  app.addHook("preClose", async () => hot?.stop());
  // Thousands of redirects and beacons a second: each is recorded as an event, not logged twice
  // (request received, response sent); warnings and errors are still logged.
  await app.register(redirectRoutes, { ...ctx, ...tracking, logLevel: "warn" });
  await app.register(beaconRoutes, { ...ctx, ...tracking, logLevel: "warn" });
  await app.register(activityRoutes, { ...ctx, ...tracking });
  await app.register(campaignRoutes, { ...ctx, ...tracking });
  await app.register(jstagRoutes, { logLevel: "warn" });
  await app.register(warningRoutes, ctx);
  await app.register(statsRoutes, ctx);
  await app.register(widgetRoutes, ctx);
  await app.register(widgetPageRoutes, ctx);
  return app;
}
