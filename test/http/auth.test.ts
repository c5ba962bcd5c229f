/**
 * Black-box tests of the cross-cutting HTTP behaviour: API-key authentication on every partner route,
 * error envelope, request ids, CORS, body parsing limits, rate limits, health and documentation
 * (reference: legacy-api.md §2, §3.1, §12, §13; design principles in DESIGN.md).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, hashApiKey, revokeApiKeys } from "../../src/publishers/api-keys.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const missionBody = (clientId: string) => ({
  clientId,
  title: "Aide aux devoirs pour collégiens",
  description: "Accompagner des élèves de collège dans leurs devoirs, deux soirs par semaine.",
  applicationUrl: "https://example.org/candidater",
  domain: "education",
  addresses: [{ street: "10 rue de la République", postalCode: "69001", city: "Lyon", country: "FR" }],
});

interface RouteCase {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** Path as documented in OpenAPI. */
  openapiPath: string;
  json?: unknown;
  /** Error statuses the OpenAPI document must list for this operation (besides 401 and 429). */
  documentedErrors: number[];
}

/** Every partner route. Bodies are valid, so that only authentication can fail. */
const ROUTES: RouteCase[] = [
  { method: "POST", path: "/v2/mission", openapiPath: "/v2/mission", json: missionBody("auth-m-1"), documentedErrors: [400, 409, 413, 415] },
  { method: "PUT", path: "/v2/mission/x", openapiPath: "/v2/mission/{clientId}", json: { title: "Nouveau titre de mission" }, documentedErrors: [400, 404, 413, 415] },
  { method: "DELETE", path: "/v2/mission/x", openapiPath: "/v2/mission/{clientId}", documentedErrors: [404] },
  { method: "GET", path: "/v0/mymission", openapiPath: "/v0/mymission", documentedErrors: [400] },
  { method: "GET", path: "/v0/mymission/x", openapiPath: "/v0/mymission/{clientId}", documentedErrors: [404] },
  { method: "GET", path: "/v0/publisher", openapiPath: "/v0/publisher", documentedErrors: [] },
  { method: "GET", path: "/v0/publisher/x", openapiPath: "/v0/publisher/{id}", documentedErrors: [404] },
  { method: "GET", path: "/v0/diffusion-rule", openapiPath: "/v0/diffusion-rule", documentedErrors: [400] },
  {
    method: "POST",
    path: "/v0/diffusion-rule",
    openapiPath: "/v0/diffusion-rule",
    json: { publisherIds: ["000000000000000000000000"], field: "publisherOrganization.clientId", operator: "is_not", value: "x" },
    documentedErrors: [400, 403, 409, 413, 415],
  },
  { method: "DELETE", path: "/v0/diffusion-rule/x", openapiPath: "/v0/diffusion-rule/{id}", documentedErrors: [403, 404] },
  { method: "GET", path: "/v0/myorganization/x", openapiPath: "/v0/myorganization/{organizationClientId}", documentedErrors: [404] },
  { method: "PUT", path: "/v0/myorganization/x", openapiPath: "/v0/myorganization/{organizationClientId}", json: { publisherIds: [] }, documentedErrors: [400] },
  { method: "GET", path: "/v0/mymission/x/stats", openapiPath: "/v0/mymission/{clientId}/stats", documentedErrors: [404] },
  { method: "POST", path: "/v2/activity", openapiPath: "/v2/activity", json: { missionClientId: "x" }, documentedErrors: [400, 403, 404] },
  { method: "GET", path: "/v2/activity/x", openapiPath: "/v2/activity/{id}", documentedErrors: [404, 409] },
  { method: "PUT", path: "/v2/activity/x", openapiPath: "/v2/activity/{id}", json: { status: "VALIDATED" }, documentedErrors: [400, 403, 404, 409] },
  { method: "POST", path: "/v2/campaigns", openapiPath: "/v2/campaigns", json: { name: "c", url: "https://a.example", toPublisherId: "x" }, documentedErrors: [400, 403, 409] },
  { method: "GET", path: "/v2/campaigns", openapiPath: "/v2/campaigns", documentedErrors: [403] },
  { method: "GET", path: "/v2/campaigns/x", openapiPath: "/v2/campaigns/{id}", documentedErrors: [403, 404] },
  { method: "PUT", path: "/v2/campaigns/x", openapiPath: "/v2/campaigns/{id}", json: { active: false }, documentedErrors: [400, 403, 404, 409] },
  { method: "DELETE", path: "/v2/campaigns/x", openapiPath: "/v2/campaigns/{id}", documentedErrors: [403, 404] },
];

const label = (r: RouteCase) => `${r.method} ${r.path}`;

let server: TestServer;
beforeAll(async () => {
  // Failed authentications count against the per-IP limit (all test requests come from 127.0.0.1):
  // this file sends hundreds of them on purpose, so that budget is raised here and tested on its own below.
  server = await startTestServer({ rateLimit: { enabled: true, publisherMax: 600, ipMax: 100_000, trackingIpMax: 100_000, widgetIpMax: 600, windowMs: 60_000 } });
});
afterAll(async () => server?.close());

async function call(s: TestServer, route: RouteCase, headers: Record<string, string> = {}) {
  return s.request(route.path, { method: route.method, headers, json: route.json });
}

function expectUnauthorized(res: { status: number; headers: Headers; body: any }, what: string) {
  expect(res.status, what).toBe(401);
  expect(res.headers.get("content-type"), what).toMatch(/^application\/json/);
  expect(Object.keys(res.body).sort(), what).toEqual(["code", "message", "ok"]);
  expect(res.body.ok, what).toBe(false);
  expect(res.body.code, what).toBe("UNAUTHORIZED");
  expect(typeof res.body.message, what).toBe("string");
  expect(res.body.message.length, what).toBeGreaterThan(0);
}

describe("API-key authentication", () => {
  it("answers 401 JSON UNAUTHORIZED on every partner route without a key", async () => {
    for (const route of ROUTES) expectUnauthorized(await call(server, route), `${label(route)} without key`);
  });

  it("answers 401 with an empty or blank key", async () => {
    for (const route of ROUTES) {
      expectUnauthorized(await call(server, route, { "x-api-key": "   " }), `${label(route)} blank key`);
    }
  });

  it("answers 401 on every partner route with a wrong key, in either header", async () => {
    const real = await server.partner();
    const wrongKeys = ["ae_not-a-real-key", real.apiKey.slice(0, -1), `${real.apiKey}x`, "x".repeat(5000)];
    for (const route of ROUTES) {
      for (const key of wrongKeys) {
        expectUnauthorized(await call(server, route, { "x-api-key": key }), `${label(route)} x-api-key ${key.slice(0, 12)}`);
      }
      expectUnauthorized(await call(server, route, { apikey: "ae_not-a-real-key" }), `${label(route)} apikey wrong`);
    }
  });

  it("accepts a valid key on every partner route (no 401)", async () => {
    const p = await server.partner({ annonceur: true });
    for (const route of ROUTES) {
      const res = await call(server, route, { "x-api-key": p.apiKey });
      expect(res.status, label(route)).not.toBe(401);
      expect(res.status, label(route)).toBeLessThan(500);
      expect(typeof res.body?.ok, label(route)).toBe("boolean");
    }
  });

  it("accepts the legacy `apikey` header exactly like `x-api-key`", async () => {
    const annonceur = await server.partner({ annonceur: true });
    const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(diffuseur.id, annonceur.id);
    const viaModern = await server.request("/v0/publisher", { headers: { "x-api-key": annonceur.apiKey } });
    const viaLegacy = await server.request("/v0/publisher", { headers: { apikey: annonceur.apiKey } });
    expect(viaModern.status).toBe(200);
    expect(viaLegacy.status).toBe(200);
    expect(viaLegacy.body).toEqual(viaModern.body);
    expect(viaLegacy.body.data.map((p: { _id: string }) => p._id)).toEqual([diffuseur.id]);

    const created = await server.request("/v2/mission", { method: "POST", headers: { apikey: annonceur.apiKey }, json: missionBody("legacy-header") });
    expect(created.status, created.text).toBe(201);
    const mine = await server.request("/v0/mymission/legacy-header", { headers: { apikey: annonceur.apiKey } });
    expect(mine.status).toBe(200);
    expect(mine.body.data.clientId).toBe("legacy-header");
    expect(mine.body.data.publisherId).toBe(annonceur.id);
  });

  it("tries both headers, as today: a wrong x-api-key with a valid apikey authenticates", async () => {
    const annonceur = await server.partner({ annonceur: true });
    const res = await server.request("/v0/mymission", { headers: { "x-api-key": "ae_wrong", apikey: annonceur.apiKey } });
    expect(res.status).toBe(200);
    const both = await server.request("/v0/mymission", { headers: { "x-api-key": "ae_wrong", apikey: "ae_also-wrong" } });
    expect(both.status).toBe(401);
  });

  it("refuses a revoked key on every route while the new key works", async () => {
    const db = server.database.db;
    const p = await server.partner({ annonceur: true });
    const newKey = await createApiKey(db, p.id, "rotation");
    // before revocation, both keys work
    expect((await server.request("/v0/publisher", { apiKey: p.apiKey })).status).toBe(200);
    expect((await server.request("/v0/publisher", { apiKey: newKey })).status).toBe(200);

    const revoked = await revokeApiKeys(db, p.id, hashApiKey(newKey));
    expect(revoked).toBe(1);
    for (const route of ROUTES) {
      expectUnauthorized(await call(server, route, { "x-api-key": p.apiKey }), `${label(route)} revoked key`);
      expectUnauthorized(await call(server, route, { apikey: p.apiKey }), `${label(route)} revoked key (apikey)`);
    }
    const ok = await server.request("/v0/publisher", { apiKey: newKey });
    expect(ok.status).toBe(200);
    expect(ok.body.ok).toBe(true);

    // revoking everything leaves no way in
    expect(await revokeApiKeys(db, p.id)).toBe(1);
    expectUnauthorized(await server.request("/v0/publisher", { apiKey: newKey }), "all keys revoked");
  });

  it("refuses the key of a deleted publisher", async () => {
    const p = await server.partner({ annonceur: true });
    expect((await server.request("/v0/mymission", { apiKey: p.apiKey })).status).toBe(200);
    await server.database.db.updateTable("publisher").set({ deleted_at: new Date() }).where("id", "=", p.id).execute();
    for (const route of ROUTES) {
      expectUnauthorized(await call(server, route, { "x-api-key": p.apiKey }), `${label(route)} deleted publisher`);
    }
  });

  // The key is checked in `onRequest`, before body parsing and validation: a request without a key
  // gets 401 whatever its body, as with today's service (passport authenticates first).
  it("checks the key before validating the request (401, not 400, for an invalid body without key)", async () => {
    // Legacy: passport authenticates before any validation; a caller without a key learns nothing about the body.
    const invalid: RouteCase[] = [
      { ...ROUTES[0]!, json: { title: 42 } },
      { ...ROUTES[8]!, json: { publisherIds: [] } },
      { ...ROUTES[11]!, json: {} },
      { ...ROUTES[3]!, path: "/v0/mymission?limit=abc" },
    ];
    for (const route of invalid) expectUnauthorized(await call(server, route), `${label(route)} invalid input, no key`);
  });
});

describe("errors, request ids, CORS", () => {
  it("answers 404 JSON NOT_FOUND for an unknown route", async () => {
    for (const [method, path] of [["GET", "/v0/nope"], ["POST", "/v3/mission"], ["GET", "/definitely/not/here?x=1"], ["DELETE", "/v0/publisher"]] as const) {
      const res = await server.request(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.body.ok).toBe(false);
      expect(res.body.code).toBe("NOT_FOUND");
      expect(typeof res.body.message).toBe("string");
      expect(res.body.message.length).toBeGreaterThan(0);
    }
  });

  // Ids up to 200 characters are accepted in bodies, so they must be reachable in paths too
  // (Fastify's default router limit is 100 characters).
  it("keeps the error envelope (and reaches the route) for a 101..200-character path id", async () => {
    const p = await server.partner({ annonceur: true });
    const clientId = "c".repeat(150);
    const created = await server.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: missionBody(clientId) });
    expect(created.status, created.text).toBe(201);
    const res = await server.request(`/v0/mymission/${clientId}`, { apiKey: p.apiKey, headers: { "x-request-id": "long-param" } });
    expect(res.headers.get("x-request-id")).toBe("long-param");
    expect(res.status).toBe(200);
    expect(res.body.data.clientId).toBe(clientId);
  });

  it("answers 404 JSON for a long unknown publisher id (under the router limit)", async () => {
    const p = await server.partner({ annonceur: true });
    const res = await server.request(`/v0/publisher/${"x".repeat(90)}`, { apiKey: p.apiKey });
    expect(res.status).toBe(404);
    expect(res.body.ok).toBe(false);
    expect(res.body.code).toBe("NOT_FOUND");
  });

  it("echoes a valid x-request-id and generates a UUID otherwise", async () => {
    const sent = `test-${Date.now()}.abc:42`;
    const echoed = await server.request("/health", { headers: { "x-request-id": sent } });
    expect(echoed.headers.get("x-request-id")).toBe(sent);

    const generated = await server.request("/health");
    expect(generated.headers.get("x-request-id")).toMatch(UUID);
    const other = await server.request("/health");
    expect(other.headers.get("x-request-id")).toMatch(UUID);
    expect(other.headers.get("x-request-id")).not.toBe(generated.headers.get("x-request-id"));

    // an unusable id (too long, or with characters that do not belong in a log line) is replaced
    for (const bad of ["x".repeat(300), "a b<script>"]) {
      const res = await server.request("/health", { headers: { "x-request-id": bad } });
      expect(res.headers.get("x-request-id")).toMatch(UUID);
    }

    // on errors too
    const unauthorized = await server.request("/v0/publisher", { headers: { "x-request-id": sent } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("x-request-id")).toBe(sent);
    const notFound = await server.request("/v0/nope");
    expect(notFound.headers.get("x-request-id")).toMatch(UUID);
  });

  it("answers the CORS preflight of a partner route from any origin, allowing x-api-key", async () => {
    const res = await fetch(`${server.url}/v0/mymission`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://partner.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-api-key",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/\s*,\s*/);
    expect(allowed).toContain("x-api-key");
    expect(allowed).toContain("apikey");
    expect((res.headers.get("access-control-allow-methods") ?? "").toUpperCase()).toContain("GET");

    const put = await fetch(`${server.url}/v0/myorganization/x`, {
      method: "OPTIONS",
      headers: { Origin: "https://partner.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type, apikey" },
    });
    expect(put.status).toBe(204);
    expect((put.headers.get("access-control-allow-methods") ?? "").toUpperCase()).toContain("PUT");
  });

  it("adds CORS headers to real responses, errors included", async () => {
    const p = await server.partner();
    const ok = await server.request("/v0/publisher", { apiKey: p.apiKey, headers: { Origin: "https://partner.example" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    expect((ok.headers.get("access-control-expose-headers") ?? "").toLowerCase()).toContain("x-request-id");
    const denied = await server.request("/v0/publisher", { headers: { Origin: "https://partner.example" } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers 400 INVALID_BODY to malformed JSON", async () => {
    const p = await server.partner({ annonceur: true });
    for (const [method, path] of [["POST", "/v2/mission"], ["PUT", "/v0/myorganization/org-1"], ["POST", "/v0/diffusion-rule"]] as const) {
      const res = await server.request(path, {
        method,
        apiKey: p.apiKey,
        headers: { "content-type": "application/json" },
        body: '{"clientId": "abc", "title": ',
      });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.ok).toBe(false);
      expect(res.body.code).toBe("INVALID_BODY");
      expect(typeof res.body.message).toBe("string");
      expect(res.body.message.length).toBeGreaterThan(0);
    }
    // nothing was created
    const mine = await server.request("/v0/mymission/abc", { apiKey: p.apiKey });
    expect(mine.status).toBe(404);
  });
});

describe("per-IP limit on failed authentications", () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ rateLimit: { enabled: true, publisherMax: 100, ipMax: 3, trackingIpMax: 120, widgetIpMax: 600, windowMs: 60_000 } });
  });
  afterAll(async () => guarded?.close());

  it("answers 429 after too many bad keys from one IP, while a valid key keeps working", async () => {
    const p = await guarded.partner();
    for (let i = 0; i < 3; i += 1) {
      const res = await guarded.request("/v0/publisher", { apiKey: `ae_wrong-${i}` });
      expect(res.status, `bad key ${i + 1}`).toBe(401);
      expect(res.body.code).toBe("UNAUTHORIZED");
    }
    const blocked = await guarded.request("/v0/publisher", { apiKey: "ae_wrong-again" });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe("TOO_MANY_REQUESTS");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const noKey = await guarded.request("/v0/publisher");
    expect(noKey.status).toBe(429);

    const ok = await guarded.request("/v0/publisher", { apiKey: p.apiKey });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ratelimit-limit")).toBe("100");
  });
});

describe("body size limit", () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ bodyLimit: 2048 });
  });
  afterAll(async () => small?.close());

  it("answers 413 PAYLOAD_TOO_LARGE beyond the limit and accepts a body under it", async () => {
    const p = await small.partner({ annonceur: true });
    const big = await small.request("/v2/mission", {
      method: "POST",
      apiKey: p.apiKey,
      json: { ...missionBody("too-big"), description: "Une description beaucoup trop longue. ".repeat(200) },
    });
    expect(big.status).toBe(413);
    expect(big.body.ok).toBe(false);
    expect(big.body.code).toBe("PAYLOAD_TOO_LARGE");
    expect(typeof big.body.message).toBe("string");
    expect(big.body.message.length).toBeGreaterThan(0);
    expect((await small.request("/v0/mymission/too-big", { apiKey: p.apiKey })).status).toBe(404);

    const fits = await small.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: missionBody("fits") });
    expect(fits.status, fits.text).toBe(201);
  });
});

describe("rate limit per key", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ rateLimit: { enabled: true, publisherMax: 3, ipMax: 100, trackingIpMax: 120, widgetIpMax: 600, windowMs: 60_000 } });
  });
  afterAll(async () => limited?.close());

  it("answers 429 TOO_MANY_REQUESTS on the 4th request of one key, with X-RateLimit-* and Retry-After", async () => {
    const first = await limited.partner();
    const second = await limited.partner();
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await limited.request("/v0/publisher", { apiKey: first.apiKey });
      expect(res.status, `request ${i + 1}`).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBe("3");
      remaining.push(res.headers.get("x-ratelimit-remaining"));
      const reset = Number(res.headers.get("x-ratelimit-reset"));
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const blocked = await limited.request("/v0/publisher", { apiKey: first.apiKey });
    expect(blocked.status).toBe(429);
    expect(blocked.body.ok).toBe(false);
    expect(blocked.body.code).toBe("TOO_MANY_REQUESTS");
    expect(typeof blocked.body.message).toBe("string");
    expect(blocked.body.message.length).toBeGreaterThan(0);
    expect(blocked.headers.get("x-ratelimit-limit")).toBe("3");
    expect(blocked.headers.get("x-ratelimit-remaining")).toBe("0");
    const reset = Number(blocked.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // the limit holds on every partner route for that key, whichever header carries it
    expect((await limited.request("/v0/mymission", { apiKey: first.apiKey })).status).toBe(429);
    expect((await limited.request("/v0/diffusion-rule", { headers: { apikey: first.apiKey } })).status).toBe(429);

    // another partner's key has its own counter
    const other = await limited.request("/v0/publisher", { apiKey: second.apiKey });
    expect(other.status).toBe(200);
    expect(other.headers.get("x-ratelimit-limit")).toBe("3");
    expect(other.headers.get("x-ratelimit-remaining")).toBe("2");

    // health checks are not behind the partner limit
    expect((await limited.request("/health")).status).toBe(200);
  });
});

describe("service routes and documentation", () => {
  it("GET /health answers 200 {ok:true, status:'up'}", async () => {
    const res = await server.request("/health");
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.status).toBe("up");
    expect(Number.isNaN(Date.parse(res.body.startedAt))).toBe(false);
  });

  it("GET /ready answers 200 when the database is reachable and the search index loaded", async () => {
    const res = await server.request("/ready");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, database: "up", searchIndex: "ready" });
  });

  it("GET /ready answers 503 while the search index is loading", async () => {
    const cold = await startTestServer({}, { loadIndex: false });
    try {
      const res = await cold.request("/ready");
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ ok: false, code: "SERVICE_UNAVAILABLE", database: "up", searchIndex: "loading" });
      // Writes do not wait for the index; a search waits for it and sees what was written before.
      const annonceur = await cold.partner({ annonceur: true, diffuseur: true });
      const created = await cold.request("/v2/mission", { method: "POST", apiKey: annonceur.apiKey, json: missionBody("cold-start") });
      expect(created.status, created.text).toBe(201);
      const listed = await cold.request("/v0/mission?clientId=cold-start", { apiKey: annonceur.apiKey });
      expect(listed.status).toBe(200);
      expect(listed.body.total).toBe(1);
      expect((await cold.request("/ready")).status).toBe(200);
    } finally {
      await cold.close();
    }
  });

  it("GET / answers plain text", async () => {
    const res = await server.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/API Engagement is running since/);
  });

  it("GET /openapi.json is OpenAPI 3.1 and documents every partner route with its errors and both key headers", async () => {
    const res = await server.request("/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info?.title).toBe("string");

    const schemes = doc.components?.securitySchemes ?? {};
    const byHeader = Object.fromEntries(
      Object.entries(schemes as Record<string, { type: string; in: string; name: string }>).map(([key, s]) => [s.name, { key, ...s }]),
    );
    for (const header of ["x-api-key", "apikey"]) {
      expect(byHeader[header], header).toBeDefined();
      expect(byHeader[header]!.type).toBe("apiKey");
      expect(byHeader[header]!.in).toBe("header");
    }

    for (const route of ROUTES) {
      const operation = doc.paths?.[route.openapiPath]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.openapiPath}`).toBeDefined();
      const statuses = Object.keys(operation.responses ?? {});
      for (const status of [401, 429, ...route.documentedErrors]) {
        expect(statuses, `${route.method} ${route.openapiPath} documents ${status}`).toContain(String(status));
      }
      expect(statuses.some((s) => /^2\d\d$/.test(s)), `${route.method} ${route.openapiPath} success`).toBe(true);
      // the operation accepts either key header
      const securityKeys = (operation.security ?? []).flatMap((req: Record<string, unknown>) => Object.keys(req));
      expect(securityKeys, `${route.method} ${route.openapiPath} security`).toContain(byHeader["x-api-key"]!.key);
      expect(securityKeys, `${route.method} ${route.openapiPath} security`).toContain(byHeader.apikey!.key);
    }
    for (const path of ["/", "/health", "/ready"]) expect(doc.paths?.[path]?.get, `GET ${path}`).toBeDefined();
    expect(Object.keys(doc.paths["/"].get.responses["200"].content)).toEqual(["text/plain"]);
  });

  it("GET /docs answers an HTML page", async () => {
    const res = await fetch(`${server.url}/docs`, { redirect: "follow" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html.toLowerCase()).toContain("<html");
  });
});
