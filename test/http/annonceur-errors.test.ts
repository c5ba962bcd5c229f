/**
 * Black-box error paths of the annonceur write API (legacy-api.md §2.4, §2.6, §5.2, §5.3):
 * - PUT /v2/mission/:clientId: wrong field types (400 INVALID_BODY naming the field, nothing written),
 *   unknown clientId (404), invalid path parameter (400/414 INVALID_PARAMS, malformed URL);
 * - DELETE /v2/mission/:clientId: never-existing clientId (404), already deleted (200, idempotent);
 * - per-annonceur rate limit (429 TOO_MANY_REQUESTS + X-RateLimit-*) on POST/PUT/DELETE /v2/mission,
 *   which does not affect another annonceur;
 * - API keys: the last use is recorded on the key, and a key revoked by `engagement publisher key ID`
 *   answers 401 JSON.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiKey } from "../../src/publishers/api-keys.ts";
import { lastJson, runCli } from "../support/cli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const mission = (clientId: string, extra: Record<string, unknown> = {}) => ({
  clientId,
  title: "Accompagner des seniors isolés",
  description: "Rendre visite à des personnes âgées de votre quartier, une fois par semaine.",
  applicationUrl: "https://example.org/candidater",
  domain: "solidarite-insertion",
  places: 2,
  addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
  ...extra,
});

const notFoundMessage = (clientId: string) => `Aucune mission avec le clientId « ${clientId} » parmi vos missions`;

let server: TestServer;
let annonceur: { id: string; apiKey: string };

beforeAll(async () => {
  server = await startTestServer();
  annonceur = await server.partner({ annonceur: true });
});
afterAll(async () => server?.close());

async function create(owner: { apiKey: string }, clientId: string, extra: Record<string, unknown> = {}) {
  const res = await server.request("/v2/mission", { method: "POST", apiKey: owner.apiKey, json: mission(clientId, extra) });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

function expectError(res: { status: number; headers: Headers; body: any }, status: number, code: string, message: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.body.ok).toBe(false);
  expect(res.body.code).toBe(code);
  expect(res.body.message).toBe(message);
}

describe("PUT /v2/mission/:clientId errors", () => {
  it.each([
    ["places", "trois", "Le champ « places » doit être un entier ou null"],
    ["places", 2.5, "Le champ « places » doit être un entier ou null"],
    ["title", 42, "Le champ « title » doit être une chaîne de caractères"],
    ["title", null, "Le champ « title » doit être une chaîne de caractères"],
    ["openToMinors", "oui", "Le champ « openToMinors » doit être un booléen (true ou false) ou null"],
    ["tags", "jeunesse", "Le champ « tags » doit être un tableau ou null"],
    ["compensationAmount", "10", "Le champ « compensationAmount » doit être un nombre ou null"],
    ["addresses", [{ city: 69 }], "Le champ « addresses[0].city » doit être une chaîne de caractères ou null"],
  ])("answers 400 INVALID_BODY naming %s for a wrong type (%j) and changes nothing", async (field, value, message) => {
    const clientId = `put-type-${field}-${JSON.stringify(value).replace(/\W+/g, "")}`;
    const before = await create(annonceur, clientId);
    const res = await server.request(`/v2/mission/${clientId}`, { method: "PUT", apiKey: annonceur.apiKey, json: { [field]: value, schedule: "Le lundi" } });
    expectError(res, 400, "INVALID_BODY", message);
    const expectedField = message.match(/« (.+?) »/)![1];
    expect(res.body.errors).toEqual([{ field: expectedField, message }]);

    const after = await server.request(`/v0/mymission/${clientId}`, { apiKey: annonceur.apiKey });
    expect(after.status).toBe(200);
    expect(after.body.data.schedule).toBeNull();
    expect(after.body.data.places).toBe(2);
    expect(after.body.data.updatedAt).toBe(before.updatedAt);
    const events = await server.database.db.selectFrom("mission_event").select("type").where("mission_id", "=", before.id).execute();
    expect(events.map((e) => e.type)).toEqual(["create"]);
  });

  it("lists every wrong field at once, joined in the message", async () => {
    await create(annonceur, "put-many");
    const res = await server.request("/v2/mission/put-many", { method: "PUT", apiKey: annonceur.apiKey, json: { places: "x", closeToTransport: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("INVALID_BODY");
    expect(res.body.errors).toEqual([
      { field: "places", message: "Le champ « places » doit être un entier ou null" },
      { field: "closeToTransport", message: "Le champ « closeToTransport » doit être un booléen (true ou false) ou null" },
    ]);
    expect(res.body.message).toBe(res.body.errors.map((e: { message: string }) => e.message).join(" ; "));
  });

  it("answers 400 INVALID_BODY for a body that is not a JSON object", async () => {
    await create(annonceur, "put-array");
    const res = await server.request("/v2/mission/put-array", { method: "PUT", apiKey: annonceur.apiKey, json: ["title"] });
    expectError(res, 400, "INVALID_BODY", "Le champ « corps de la requête » doit être un objet");
  });

  it("answers 404 NOT_FOUND for a clientId I never created, with the decoded clientId in the message", async () => {
    const res = await server.request("/v2/mission/jamais-cree", { method: "PUT", apiKey: annonceur.apiKey, json: { places: 3 } });
    expectError(res, 404, "NOT_FOUND", notFoundMessage("jamais-cree"));
    expect(Object.keys(res.body).sort()).toEqual(["code", "message", "ok"]);

    const accented = "mission été n°1";
    const encoded = await server.request(`/v2/mission/${encodeURIComponent(accented)}`, { method: "PUT", apiKey: annonceur.apiKey, json: { places: 3 } });
    expectError(encoded, 404, "NOT_FOUND", notFoundMessage(accented));
    // Nothing was created by the update.
    const stored = await server.database.db
      .selectFrom("mission")
      .select("id")
      .where("publisher_id", "=", annonceur.id)
      .where("client_id", "in", ["jamais-cree", accented])
      .execute();
    expect(stored).toEqual([]);
  });

  it("validates the body before looking the mission up (400, not 404, for an unknown clientId)", async () => {
    const res = await server.request("/v2/mission/jamais-cree-2", { method: "PUT", apiKey: annonceur.apiKey, json: { places: "x" } });
    expectError(res, 400, "INVALID_BODY", "Le champ « places » doit être un entier ou null");
  });

  it("reaches a mission whose clientId needs URL encoding", async () => {
    const clientId = "Mission d'été / Lyon #2";
    await create(annonceur, clientId);
    const res = await server.request(`/v2/mission/${encodeURIComponent(clientId)}`, { method: "PUT", apiKey: annonceur.apiKey, json: { places: 5 } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.clientId).toBe(clientId);
    expect(res.body.data.places).toBe(5);
  });

  it("answers INVALID_PARAMS for an invalid path parameter (too long, malformed encoding), 404 for an empty one", async () => {
    for (const method of ["PUT", "DELETE"] as const) {
      const json = method === "PUT" ? { places: 3 } : undefined;
      const long = await server.request(`/v2/mission/${"a".repeat(201)}`, { method, apiKey: annonceur.apiKey, json });
      expectError(long, 400, "INVALID_PARAMS", "Le champ « clientId » ne doit pas dépasser 200 caractères");
      expect(long.body.errors).toEqual([{ field: "clientId", message: "Le champ « clientId » ne doit pas dépasser 200 caractères" }]);

      const veryLong = await server.request(`/v2/mission/${"a".repeat(600)}`, { method, apiKey: annonceur.apiKey, json });
      expectError(veryLong, 414, "INVALID_PARAMS", "Un paramètre du chemin est trop long");

      const malformed = await server.request("/v2/mission/%E0%A4%A", { method, apiKey: annonceur.apiKey, json });
      expectError(malformed, 400, "INVALID_PARAMS", "L'URL de la requête est mal formée");

      const empty = await server.request("/v2/mission/", { method, apiKey: annonceur.apiKey, json });
      expectError(empty, 404, "NOT_FOUND", `Route introuvable : ${method} /v2/mission/`);
    }
    // A 200-character clientId is still valid (404 because it does not exist).
    const limit = await server.request(`/v2/mission/${"a".repeat(200)}`, { method: "PUT", apiKey: annonceur.apiKey, json: { places: 3 } });
    expectError(limit, 404, "NOT_FOUND", notFoundMessage("a".repeat(200)));
  });
});

describe("DELETE /v2/mission/:clientId errors", () => {
  it("answers 404 NOT_FOUND for a clientId that never existed", async () => {
    const res = await server.request("/v2/mission/jamais-existe", { method: "DELETE", apiKey: annonceur.apiKey });
    expectError(res, 404, "NOT_FOUND", notFoundMessage("jamais-existe"));
    expect(Object.keys(res.body).sort()).toEqual(["code", "message", "ok"]);
    const accented = "supprimée ?";
    const encoded = await server.request(`/v2/mission/${encodeURIComponent(accented)}`, { method: "DELETE", apiKey: annonceur.apiKey });
    expectError(encoded, 404, "NOT_FOUND", notFoundMessage(accented));
  });

  it("answers 200 with the original deletedAt for an already deleted mission, without a second delete event", async () => {
    const created = await create(annonceur, "del-twice");
    const first = await server.request("/v2/mission/del-twice", { method: "DELETE", apiKey: annonceur.apiKey });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ok: true, data: { clientId: "del-twice", deletedAt: first.body.data.deletedAt } });
    expect(Number.isNaN(Date.parse(first.body.data.deletedAt))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 2; i += 1) {
      const again = await server.request("/v2/mission/del-twice", { method: "DELETE", apiKey: annonceur.apiKey });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ ok: true, data: { clientId: "del-twice", deletedAt: first.body.data.deletedAt } });
    }
    const events = await server.database.db.selectFrom("mission_event").select("type").where("mission_id", "=", created.id).orderBy("created_at").execute();
    expect(events.map((e) => e.type)).toEqual(["create", "delete"]);
    const row = await server.database.db.selectFrom("mission").select("deleted_at").where("id", "=", created.id).executeTakeFirstOrThrow();
    expect(row.deleted_at?.toISOString()).toBe(first.body.data.deletedAt);
  });
});

describe("rate limit on the write routes", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ rateLimit: { enabled: true, publisherMax: 3, ipMax: 100, trackingIpMax: 120, widgetIpMax: 600, windowMs: 60_000 } }, { loadIndex: false });
  });
  afterAll(async () => limited?.close());

  const TOO_MANY = /^Trop de requêtes : la limite est de 3 requêtes par 60 secondes\. Réessayez dans \d+ s\.$/;

  function expectLimitHeaders(res: { headers: Headers }, remaining: string) {
    expect(res.headers.get("x-ratelimit-limit")).toBe("3");
    expect(res.headers.get("x-ratelimit-remaining")).toBe(remaining);
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    expect(Number.isInteger(reset)).toBe(true);
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);
  }

  function expectTooMany(res: { status: number; headers: Headers; body: any }, what: string) {
    expect(res.status, what).toBe(429);
    expect(res.headers.get("content-type"), what).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort(), what).toEqual(["code", "message", "ok"]);
    expect(res.body.ok, what).toBe(false);
    expect(res.body.code, what).toBe("TOO_MANY_REQUESTS");
    expect(res.body.message, what).toMatch(TOO_MANY);
    expectLimitHeaders(res, "0");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  }

  it("answers 429 on POST, PUT and DELETE beyond the limit, without writing; another annonceur is not affected", async () => {
    const a = await limited.partner({ annonceur: true });
    const b = await limited.partner({ annonceur: true });
    const db = limited.database.db;

    const post1 = await limited.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: mission("rl-1") });
    expect(post1.status).toBe(201);
    expectLimitHeaders(post1, "2");
    const post2 = await limited.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: mission("rl-2") });
    expect(post2.status).toBe(201);
    expectLimitHeaders(post2, "1");
    const put1 = await limited.request("/v2/mission/rl-1", { method: "PUT", apiKey: a.apiKey, json: { places: 4 } });
    expect(put1.status).toBe(200);
    expectLimitHeaders(put1, "0");

    // Over the limit: each write route answers 429 and writes nothing.
    expectTooMany(await limited.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: mission("rl-3") }), "POST");
    expectTooMany(await limited.request("/v2/mission/rl-2", { method: "PUT", apiKey: a.apiKey, json: { places: 9 } }), "PUT");
    expectTooMany(await limited.request("/v2/mission/rl-2", { method: "DELETE", apiKey: a.apiKey }), "DELETE");
    // The limit is checked before the body and the mission: 429, not 400 or 404.
    expectTooMany(await limited.request("/v2/mission/rl-2", { method: "PUT", apiKey: a.apiKey, json: { places: "x" } }), "PUT invalid body");
    expectTooMany(await limited.request("/v2/mission/inconnue", { method: "DELETE", apiKey: a.apiKey }), "DELETE unknown");
    // The legacy header and another key of the same annonceur share its counter.
    expectTooMany(await limited.request("/v2/mission", { method: "POST", headers: { apikey: a.apiKey }, json: mission("rl-4") }), "POST apikey header");
    const secondKey = await createApiKey(db, a.id, "second");
    expectTooMany(await limited.request("/v2/mission", { method: "POST", apiKey: secondKey, json: mission("rl-5") }), "POST second key");

    const rows = await db.selectFrom("mission").select(["client_id", "places", "deleted_at"]).where("publisher_id", "=", a.id).orderBy("client_id").execute();
    expect(rows).toEqual([
      { client_id: "rl-1", places: 4, deleted_at: null },
      { client_id: "rl-2", places: 2, deleted_at: null },
    ]);

    // Another annonceur has its own counter, on every write route.
    const bPost = await limited.request("/v2/mission", { method: "POST", apiKey: b.apiKey, json: mission("rl-1") });
    expect(bPost.status).toBe(201);
    expectLimitHeaders(bPost, "2");
    const bPut = await limited.request("/v2/mission/rl-1", { method: "PUT", apiKey: b.apiKey, json: { places: 6 } });
    expect(bPut.status).toBe(200);
    expectLimitHeaders(bPut, "1");
    const bDelete = await limited.request("/v2/mission/rl-1", { method: "DELETE", apiKey: b.apiKey });
    expect(bDelete.status).toBe(200);
    expectLimitHeaders(bDelete, "0");
    expectTooMany(await limited.request("/v2/mission", { method: "POST", apiKey: b.apiKey, json: mission("rl-2") }), "b over its own limit");

    // ... and A is still blocked.
    expectTooMany(await limited.request("/v2/mission/rl-1", { method: "DELETE", apiKey: a.apiKey }), "A still blocked");
    const aMission = await db.selectFrom("mission").select("deleted_at").where("publisher_id", "=", a.id).where("client_id", "=", "rl-1").executeTakeFirstOrThrow();
    expect(aMission.deleted_at).toBeNull();
  });

  it("lets writes through again once the window has passed", async () => {
    const short = await startTestServer({ rateLimit: { enabled: true, publisherMax: 1, ipMax: 100, trackingIpMax: 120, widgetIpMax: 600, windowMs: 1000 } }, { loadIndex: false });
    try {
      const p = await short.partner({ annonceur: true });
      expect((await short.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: mission("win-1") })).status).toBe(201);
      const blocked = await short.request("/v2/mission/win-1", { method: "DELETE", apiKey: p.apiKey });
      expect(blocked.status).toBe(429);
      expect(blocked.body.code).toBe("TOO_MANY_REQUESTS");
      expect(blocked.body.message).toMatch(/^Trop de requêtes : la limite est de 1 requêtes par 1 secondes\. Réessayez dans 1 s\.$/);
      expect(blocked.headers.get("retry-after")).toBe("1");
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const after = await short.request("/v2/mission/win-1", { method: "DELETE", apiKey: p.apiKey });
      expect(after.status, after.text).toBe(200);
      expect(after.headers.get("x-ratelimit-remaining")).toBe("0");
    } finally {
      await short.close();
    }
  });
});

describe("API key use and revocation", () => {
  const { databaseUrl, dataDir } = inject("database");
  const cliEnv = { DATABASE_URL: databaseUrl, DATA_DIR: dataDir };

  async function keyRows(publisherId: string) {
    return server.database.db
      .selectFrom("api_key")
      .select(["id", "name", "last_used_at", "revoked_at", "created_at"])
      .where("publisher_id", "=", publisherId)
      .orderBy("created_at")
      .execute();
  }

  /** The key's use is recorded off the request path: wait for it. */
  async function waitForUse(publisherId: string, keyId: string): Promise<Date> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const row = (await keyRows(publisherId)).find((k) => k.id === keyId);
      if (row?.last_used_at) return row.last_used_at;
      if (Date.now() > deadline) throw new Error(`last_used_at of key ${keyId} never set`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("records when a key was last used, at most once a minute", async () => {
    const p = await server.partner({ annonceur: true });
    const [key] = await keyRows(p.id);
    expect(key?.last_used_at).toBeNull();

    const before = Date.now();
    const res = await server.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: mission("use-1") });
    expect(res.status).toBe(201);
    const used = await waitForUse(p.id, key!.id);
    expect(used.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(used.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    // A second use within the minute does not rewrite the row.
    expect((await server.request("/v0/mymission", { apiKey: p.apiKey })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await keyRows(p.id))[0]?.last_used_at?.getTime()).toBe(used.getTime());

    // Operators see it in `engagement publisher list`.
    const listed = await runCli(["publisher", "list"], cliEnv);
    expect(listed.code, listed.stderr).toBe(0);
    const entry = listed.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .find((x: { id: string }) => x.id === p.id);
    expect(entry.keys).toHaveLength(1);
    expect(new Date(entry.keys[0].lastUsedAt).getTime()).toBe(used.getTime());
  });

  it("records the use of a key sent in the legacy `apikey` header, and not on a refused request", async () => {
    const p = await server.partner({ annonceur: true });
    const [key] = await keyRows(p.id);
    // A wrong key (a prefix of the real one) records nothing.
    expect((await server.request("/v0/mymission", { headers: { apikey: p.apiKey.slice(0, -2) } })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await keyRows(p.id))[0]?.last_used_at).toBeNull();

    expect((await server.request("/v0/mymission", { headers: { apikey: p.apiKey } })).status).toBe(200);
    const used = await waitForUse(p.id, key!.id);
    expect(Date.now() - used.getTime()).toBeLessThan(10_000);
  });

  it("refuses a key rotated away by `engagement publisher key ID` with 401 JSON, on reads and writes", async () => {
    const p = await server.partner({ annonceur: true });
    await create(p, "rot-1");
    const [oldKey] = await keyRows(p.id);
    const oldUse = await waitForUse(p.id, oldKey!.id);

    const rotated = await runCli(["publisher", "key", p.id], cliEnv);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { id, apiKey: newKey, revoked } = lastJson(rotated);
    expect(id).toBe(p.id);
    expect(revoked).toBe(1);
    expect(newKey).toMatch(/^ae_/);

    const unauthorized = { ok: false, code: "UNAUTHORIZED", message: "Clé API invalide ou révoquée : vérifiez la valeur de l'en-tête x-api-key." };
    const refused = [
      await server.request("/v0/mymission", { apiKey: p.apiKey }),
      await server.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: mission("rot-2") }),
      await server.request("/v2/mission/rot-1", { method: "PUT", apiKey: p.apiKey, json: { places: 8 } }),
      await server.request("/v2/mission/rot-1", { method: "DELETE", apiKey: p.apiKey }),
      await server.request("/v0/mymission", { headers: { apikey: p.apiKey } }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.body).toEqual(unauthorized);
    }

    // The new key works and nothing was written with the old one.
    const mine = await server.request("/v0/mymission/rot-1", { apiKey: newKey });
    expect(mine.status).toBe(200);
    expect(mine.body.data.places).toBe(2);
    expect(mine.body.data.deletedAt).toBeNull();
    expect((await server.request("/v0/mymission/rot-2", { apiKey: newKey })).status).toBe(404);

    const keys = await keyRows(p.id);
    expect(keys).toHaveLength(2);
    const [revokedRow, newRow] = keys;
    expect(revokedRow?.id).toBe(oldKey!.id);
    expect(revokedRow?.revoked_at).not.toBeNull();
    // Refused attempts with the revoked key are not recorded as uses.
    expect(revokedRow?.last_used_at?.getTime()).toBe(oldUse.getTime());
    expect(newRow?.name).toBe("rotation");
    expect(newRow?.revoked_at).toBeNull();
    const newUse = await waitForUse(p.id, newRow!.id);
    expect(Date.now() - newUse.getTime()).toBeLessThan(10_000);
  });
});
