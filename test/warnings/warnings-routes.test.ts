/**
 * GET /v2/warnings over HTTP: a partner's own warnings only, live first then resolved in the last
 * 30 days, with French title and message; status filter; authentication; OpenAPI.
 *
 * Live warnings come from real conditions (failed imports) and a run of the job limited to this
 * file's partners; resolved ones, which no run touches again, are written as history rows.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/db/uuid7.ts";
import { runWarningsJob } from "../../src/warnings/warnings-job.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let a: { id: string; name: string; apiKey: string };
let b: { id: string; name: string; apiKey: string };
const DAY = 86_400_000;
const ids: Record<string, string> = {};

async function failedImports(publisherId: string) {
  const now = Date.now();
  await server.database.db
    .insertInto("feed_import")
    .values(
      [3, 2, 1].map((h) => ({
        id: randomUUID(),
        publisher_id: publisherId,
        status: "FAILED" as const,
        trigger: "schedule" as const,
        source: "https://flux.example/missions.xml",
        started_at: new Date(now - h * 3_600_000),
        heartbeat_at: new Date(now - h * 3_600_000),
        finished_at: new Date(now - h * 3_600_000 + 5_000),
        error_code: "HTTP_STATUS",
        error: "Le serveur du flux a répondu 500",
      })),
    )
    .execute();
}

async function history(publisherId: string, type: string, resolvedDaysAgo: number, details: Record<string, unknown>): Promise<string> {
  const resolvedAt = new Date(Date.now() - resolvedDaysAgo * DAY);
  const id = uuidv7(resolvedAt.getTime());
  await server.database.db
    .insertInto("warning")
    .values({
      id,
      publisher_id: publisherId,
      type,
      subject: type === "suspected_bot" ? "ab".repeat(32) : "",
      details: JSON.stringify(details),
      occurrences: 4,
      first_seen_at: new Date(resolvedAt.getTime() - 4 * 3_600_000),
      last_seen_at: new Date(resolvedAt.getTime() - 3_600_000),
      resolved_at: resolvedAt,
    })
    .execute();
  return id;
}

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
  a = await server.partner({ feedUrl: "https://flux.a.example/missions.xml" });
  b = await server.partner({ feedUrl: "https://flux.b.example/missions.xml", diffuseur: true });
  await failedImports(a.id);
  await failedImports(b.id);
  await runWarningsJob(server.database.db, undefined, new Date(), { wait: true, publisherIds: [a.id, b.id] });
  ids.emptyFeed = await history(a.id, "empty_feed", 5, { importId: randomUUID(), importedAt: new Date(Date.now() - 6 * DAY).toISOString(), received: 0, skipped: 0, missions: 0, resolution: "cleared" });
  ids.oldFeedError = await history(a.id, "feed_error", 10, { failures: 5, threshold: 3, since: new Date(Date.now() - 11 * DAY).toISOString(), lastFailureAt: new Date(Date.now() - 10 * DAY).toISOString(), importId: randomUUID(), errorCode: "TIMEOUT", error: "Le flux n'a pas répondu", resolution: "cleared" });
  // Beyond 30 days: no longer listed.
  ids.tooOld = await history(a.id, "low_acceptance", 40, { missions: 30, accepted: 3, refused: 27, acceptedPercent: 10, thresholdPercent: 50, topRefusalReason: null, topRefusalReasonMissions: 0 });
  // Per-fingerprint warnings are for the operators, not for the partner.
  ids.internal = await history(a.id, "suspected_bot", 1, { clicks: 250, resolution: "blocked" });
  ids.ofB = await history(b.id, "no_conversion", 2, { clicks: 80, conversions: 0, days: 7, since: new Date(Date.now() - 9 * DAY).toISOString(), until: new Date(Date.now() - 2 * DAY).toISOString() });
});
afterAll(async () => server?.close());

it("lists the partner's live warnings first, then those resolved in the last 30 days, in French with the figures", async () => {
  const res = await server.request("/v2/warnings", { apiKey: a.apiKey });
  expect(res.status).toBe(200);
  expect(res.body.ok).toBe(true);
  expect(res.body.total).toBe(3);
  const [live, recent, older] = res.body.data;
  expect(live).toEqual({
    id: expect.any(String),
    type: "feed_error",
    title: "Flux en erreur",
    message: expect.stringContaining("Les 3 derniers imports de votre flux ont échoué"),
    subject: "",
    details: expect.objectContaining({ failures: 3, threshold: 3, errorCode: "HTTP_STATUS", error: "Le serveur du flux a répondu 500" }),
    occurrences: expect.any(Number),
    firstSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    lastSeenAt: expect.any(String),
    resolvedAt: null,
  });
  expect(live.message).toContain("« Le serveur du flux a répondu 500 »");
  expect(live.occurrences).toBeGreaterThanOrEqual(1);
  expect(recent).toMatchObject({ id: ids.emptyFeed, type: "empty_feed", title: "Flux vide", occurrences: 4, resolvedAt: expect.any(String) });
  expect(recent.message).toContain("n'y a trouvé aucune mission");
  expect(older).toMatchObject({ id: ids.oldFeedError, type: "feed_error", resolvedAt: expect.any(String) });
  expect(older.message).toContain("Les 5 derniers imports");
  expect(older.message).toContain("« Le flux n'a pas répondu »");
  const listed = res.body.data.map((w: { id: string }) => w.id);
  for (const hidden of [ids.tooOld, ids.internal, ids.ofB]) expect(listed).not.toContain(hidden);
});

it("status=live, status=resolved, status=all", async () => {
  const list = async (status: string) => (await server.request(`/v2/warnings?status=${status}`, { apiKey: a.apiKey })).body;
  const live = await list("live");
  expect(live.data.map((w: { type: string; resolvedAt: string | null }) => [w.type, w.resolvedAt])).toEqual([["feed_error", null]]);
  expect(live.total).toBe(1);
  expect((await list("resolved")).data.map((w: { id: string }) => w.id)).toEqual([ids.emptyFeed, ids.oldFeedError]);
  expect((await list("all")).data.map((w: { id: string }) => w.id)).toEqual((await server.request("/v2/warnings", { apiKey: a.apiKey })).body.data.map((w: { id: string }) => w.id));

  const bad = await server.request("/v2/warnings?status=ouvertes", { apiKey: a.apiKey });
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ ok: false, code: "INVALID_QUERY" });
  expect(bad.body.message).toContain("status");
});

it("a partner only ever sees its own warnings", async () => {
  const res = await server.request("/v2/warnings", { headers: { apikey: b.apiKey } });
  expect(res.status).toBe(200);
  expect(res.body.data.map((w: { type: string }) => w.type)).toEqual(["feed_error", "no_conversion"]);
  const ofA = (await server.request("/v2/warnings", { apiKey: a.apiKey })).body.data.map((w: { id: string }) => w.id);
  for (const w of res.body.data) expect(ofA).not.toContain(w.id);
  expect(res.body.data[1].message).toContain("80 redirections en 7 jours");

  const stranger = await server.partner({ annonceur: false, diffuseur: true });
  const none = await server.request("/v2/warnings?status=all", { apiKey: stranger.apiKey });
  expect(none.body).toEqual({ ok: true, total: 0, data: [] });
});

it("answers 401 without a valid API key", async () => {
  const missing = await server.request("/v2/warnings");
  expect(missing.status).toBe(401);
  expect(missing.body).toMatchObject({ ok: false, code: "UNAUTHORIZED", message: expect.stringContaining("Clé API manquante") });
  const wrong = await server.request("/v2/warnings", { apiKey: "ae_pas-une-vraie-cle" });
  expect(wrong.status).toBe(401);
  expect(wrong.body.code).toBe("UNAUTHORIZED");
});

it("is documented in the OpenAPI document", async () => {
  const doc = (await server.request("/openapi.json")).body;
  const op = doc.paths["/v2/warnings"].get;
  expect(op.tags).toEqual(["Alertes"]);
  expect(op.summary).toBe("Mes alertes");
  expect(op.security).toEqual([{ ApiKeyAuth: [] }, { LegacyApiKeyAuth: [] }]);
  expect(op.parameters.map((p: { name: string; in: string }) => [p.name, p.in])).toEqual([["status", "query"]]);
  const item = op.responses["200"].content["application/json"].schema.properties.data.items;
  expect(Object.keys(item.properties)).toEqual(["id", "type", "title", "message", "subject", "details", "occurrences", "firstSeenAt", "lastSeenAt", "resolvedAt"]);
  expect(op.responses["401"]).toBeDefined();
});
