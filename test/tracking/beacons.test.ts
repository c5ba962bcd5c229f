import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signTrackingToken } from "../../src/tracking/tracking-token.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };
let diffuseur: { id: string };
const BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

async function publish(clientId: string): Promise<string> {
  return server.publish(annonceur, clientId);
}

async function get(path: string, userAgent = BROWSER) {
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`, { redirect: "manual", headers: { "user-agent": userAgent }, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started, headers: res.headers };
}

/** A click through the API link; returns its id and token. */
async function click(missionId: string) {
  const res = await get(`/r/${missionId}/${diffuseur.id}`);
  const location = new URL(res.headers.get("location")!);
  return { id: location.searchParams.get("apiengagement_id")!, token: location.searchParams.get("apiengagement_tracking_token")! };
}

const events = async (type: string, clickId: string) => {
  await server.app.tracking.queue.flush();
  return server.database.db.selectFrom("tracking_event").selectAll().where("type", "=", type as never).where("click_id", "=", clickId).execute();
};

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
  annonceur = await server.partner({ annonceur: true });
  diffuseur = await server.partner({ annonceur: false, diffuseur: true });
});
afterAll(async () => server?.close());

describe("/r/apply and /r/account (jstag.js conversions)", () => {
  it("records an application attributed to the click's diffuseur, with the annonceur's mission and custom attributes", async () => {
    const missionId = await publish("conv-1");
    const { id } = await click(missionId);
    const attrs = encodeURIComponent(JSON.stringify({ formation: "BAFA" }));
    const res = await get(`/r/apply?view=${id}&mission=conv-1&publisher=${annonceur.id}&url=https%3A%2F%2Fasso.example.org%2Fmerci&clientEventId=cand-1&customAttributes=${attrs}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, id: expect.any(String) });
    const [apply] = await events("apply", id);
    expect(apply).toMatchObject({
      id: res.body.id,
      source: "api",
      from_publisher_id: diffuseur.id,
      to_publisher_id: annonceur.id,
      mission_id: missionId,
      mission_client_id: "conv-1",
      client_event_id: "cand-1",
      custom_attributes: { formation: "BAFA" },
      attributed: true,
      status: "PENDING",
    });
  });

  it("answers 204 quickly, never hangs: unknown or missing click, bot, unknown parameter, invalid customAttributes", async () => {
    const missionId = await publish("conv-204");
    const { id } = await click(missionId);
    for (const path of [
      "/r/apply",
      "/r/apply?view=00000000-0000-7000-8000-000000000000",
      "/r/account?view=pas-un-identifiant",
      `/r/apply?view=${id}&inconnu=1`,
      `/r/apply?view=${id}&customAttributes=%5B1%5D`,
      `/r/apply?view=${id}&customAttributes=%7Bcass%C3%A9`,
      `/r/account?view=${id}&customAttributes=%7B%7D`,
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(204);
      expect(res.ms, path).toBeLessThan(2000);
    }
    expect((await get(`/r/apply?view=${id}`, "Googlebot/2.1 (+http://www.google.com/bot.html)")).status).toBe(204);
    expect(await events("apply", id)).toHaveLength(0);
  });

  it("deduplicates: same click and type within 5 minutes, and a clientEventId already received", async () => {
    const missionId = await publish("conv-dedup");
    const first = await click(missionId);
    expect((await get(`/r/apply?view=${first.id}`)).status).toBe(200);
    expect((await get(`/r/apply?view=${first.id}`)).status).toBe(204);
    expect((await get(`/r/account?view=${first.id}`)).status).toBe(200);
    const second = await click(missionId);
    expect((await get(`/r/apply?view=${second.id}&clientEventId=dossier-42`)).status).toBe(200);
    const third = await click(missionId);
    expect((await get(`/r/apply?view=${third.id}&clientEventId=dossier-42`)).status).toBe(204);
    expect(await events("apply", first.id)).toHaveLength(1);
    expect(await events("apply", third.id)).toHaveLength(0);
  });

  it("records but does not attribute a conversion on a click older than the annonceur's window", async () => {
    const missionId = await publish("conv-window");
    const { id } = await click(missionId);
    await server.app.tracking.queue.flush();
    // The click was 31 days ago (and no longer in memory: a restart).
    await server.database.db.updateTable("tracking_event").set({ created_at: new Date(Date.now() - 31 * 86_400_000) }).where("id", "=", id).execute();
    const restarted = server.app.tracking.recentClicks as unknown as { clicks: Map<string, unknown> };
    restarted.clicks.delete(id);
    expect((await get(`/r/apply?view=${id}`)).status).toBe(200);
    expect(await events("apply", id)).toMatchObject([{ attributed: false, from_publisher_id: diffuseur.id }]);
  });
});

describe("/r/impression/:missionId/:publisherId", () => {
  it("counts an impression for the diffuseur: 200 with its id; 204 for a bot; 404 for unknown mission or diffuseur", async () => {
    const missionId = await publish("print-1");
    const res = await get(`/r/impression/${missionId}/${diffuseur.id}?tracker=pixel&requestId=req-1`);
    expect(res.status).toBe(200);
    await server.app.tracking.queue.flush();
    const row = await server.database.db.selectFrom("tracking_event").selectAll().where("id", "=", res.body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: "impression", source: "jstag", tags: ["pixel"], request_id: "req-1", from_publisher_id: diffuseur.id, to_publisher_id: annonceur.id });
    expect((await get(`/r/impression/${missionId}/${diffuseur.id}`, "Googlebot/2.1")).status).toBe(204);
    expect((await get(`/r/impression/00000000-0000-7000-8000-000000000000/${diffuseur.id}`)).status).toBe(404);
    expect((await get(`/r/impression/${missionId}/ffffffffffffffffffffffff`)).status).toBe(404);
  });
});

describe("/r/:clickId/confirm-human", () => {
  it("marks the click human with a valid token (or none, as today); 403 for a wrong token; 404 for an unknown click", async () => {
    const missionId = await publish("human-1");
    const { id, token } = await click(missionId);
    expect((await get(`/r/${id}/confirm-human?token=${signTrackingToken(id, "x".repeat(40))}`)).status).toBe(403);
    expect((await get(`/r/${id}/confirm-human?token=${token}`)).body).toEqual({ ok: true });
    expect((await get(`/r/${id}/confirm-human?token=${token}`)).body).toEqual({ ok: true, alreadyUpdated: true });
    await server.app.tracking.queue.flush();
    const row = await server.database.db.selectFrom("tracking_event").select("is_human").where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.is_human).toBe(true);
    const other = await click(missionId);
    expect((await get(`/r/${other.id}/confirm-human`)).status).toBe(200);
    expect((await get("/r/00000000-0000-7000-8000-000000000000/confirm-human")).status).toBe(404);
  });
});

describe("GET /v0/mymission/:clientId/stats", () => {
  it("counts clicks, applications and accounts per diffuseur, bots excluded, for the mission's annonceur only", async () => {
    const missionId = await publish("stats-1");
    const first = await click(missionId);
    await click(missionId);
    await get(`/r/${missionId}/${diffuseur.id}`, "Googlebot/2.1 (+http://www.google.com/bot.html)");
    expect((await get(`/r/apply?view=${first.id}`)).status).toBe(200);
    expect((await get(`/r/account?view=${first.id}`)).status).toBe(200);
    await server.app.tracking.queue.flush();
    const res = await server.request("/v0/mymission/stats-1/stats", { apiKey: annonceur.apiKey });
    expect(res.status).toBe(200);
    const bucket = (count: number) => [{ key: diffuseur.id, name: expect.any(String), doc_count: count }];
    expect(res.body).toEqual({ ok: true, data: { clicks: bucket(2), applications: bucket(1), accounts: bucket(1) } });
    const detail = await server.request("/v0/mymission/stats-1", { apiKey: annonceur.apiKey });
    expect(detail.body.data.stats).toEqual(res.body.data);
    const other = await server.partner({ annonceur: true });
    expect((await server.request("/v0/mymission/stats-1/stats", { apiKey: other.apiKey })).status).toBe(404);
  });
});
