import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyTrackingToken } from "../../src/tracking/tracking-token.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; name: string; apiKey: string };
let mtmAnnonceur: { id: string; name: string; apiKey: string };
let diffuseur: { id: string; name: string; apiKey: string };

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

const mission = (clientId: string, applicationUrl = "https://asso.example.org/candidater?ref=api") => ({
  clientId,
  title: "Accompagner des seniors isolés",
  description: "Rendre visite à des personnes âgées de votre quartier, une fois par semaine.",
  applicationUrl,
  domain: "solidarite-insertion",
  addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
});

async function publish(owner: { apiKey: string }, clientId: string, applicationUrl?: string): Promise<string> {
  const res = await server.request("/v2/mission", { method: "POST", apiKey: owner.apiKey, json: mission(clientId, applicationUrl) });
  expect(res.status, res.text).toBeLessThan(300);
  return res.body.data.id as string;
}

/** GET without following the redirect. */
async function follow(path: string, headers: Record<string, string> = { "user-agent": BROWSER }) {
  const res = await fetch(`${server.url}${path}`, { redirect: "manual", headers });
  return { status: res.status, location: res.headers.get("location") ?? "", headers: res.headers };
}

async function clicks(where: { missionId?: string } = {}) {
  let query = server.database.db.selectFrom("tracking_event").selectAll().where("type", "=", "click");
  if (where.missionId) query = query.where("mission_id", "=", where.missionId);
  return query.orderBy("created_at").execute();
}

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
  annonceur = await server.partner({ annonceur: true });
  mtmAnnonceur = await server.partner({ annonceur: true, trackingPrefix: "mtm" });
  diffuseur = await server.partner({ annonceur: false, diffuseur: true, name: `Mairie de Saint-Étienne ${Date.now()}` });
});
afterAll(async () => server?.close());

describe("GET /r/:missionId/:publisherId", () => {
  it("302s to the application URL with its own query, the click id, a signed token and utm_* parameters, then records the click", async () => {
    const missionId = await publish(annonceur, "click-1");
    const res = await follow(`/r/${missionId}/${diffuseur.id}?tags=newsletter, été ,`, { "user-agent": BROWSER, referer: "https://mairie.example.fr/agenda?q=secret" });
    expect(res.status).toBe(302);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const location = new URL(res.location);
    expect(location.origin + location.pathname).toBe("https://asso.example.org/candidater");
    expect(location.searchParams.get("ref")).toBe("api");
    const clickId = location.searchParams.get("apiengagement_id")!;
    expect(clickId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(verifyTrackingToken(location.searchParams.get("apiengagement_tracking_token")!, clickId, server.app.tracking.keys.token)).toBe(true);
    expect(location.searchParams.get("utm_source")).toBe("api_engagement");
    expect(location.searchParams.get("utm_medium")).toBe("api");
    expect(location.searchParams.get("utm_campaign")).toMatch(/^mairie-de-saint-etienne-\d+$/);

    await server.app.tracking.queue.flush();
    const [event] = await clicks({ missionId });
    expect(event).toMatchObject({
      id: clickId,
      type: "click",
      source: "api",
      from_publisher_id: diffuseur.id,
      to_publisher_id: annonceur.id,
      mission_client_id: "click-1",
      tags: ["newsletter", "été"],
      referer: "https://mairie.example.fr/agenda",
      user_agent: BROWSER,
      is_bot: false,
    });
    // A keyed hash, never the address itself.
    expect(event!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const { host: _host, ...rest } = event!; // host is the service's own name (here a loopback address)
    expect(JSON.stringify(rest)).not.toContain("127.0.0.1");
  });

  it("uses mtm_* when the annonceur's setting says so", async () => {
    const missionId = await publish(mtmAnnonceur, "click-mtm");
    const location = new URL((await follow(`/r/${missionId}/${diffuseur.id}`)).location);
    expect(location.searchParams.get("mtm_source")).toBe("api_engagement");
    expect(location.searchParams.get("mtm_medium")).toBe("api");
    expect(location.searchParams.has("utm_source")).toBe(false);
  });

  it("still redirects a deleted mission to its last URL, and records the click", async () => {
    const missionId = await publish(annonceur, "click-deleted", "https://asso.example.org/ancienne-offre");
    const del = await server.request("/v2/mission/click-deleted", { method: "DELETE", apiKey: annonceur.apiKey });
    expect(del.status).toBeLessThan(300);
    const res = await follow(`/r/${missionId}/${diffuseur.id}`);
    expect(res.location).toMatch(/^https:\/\/asso\.example\.org\/ancienne-offre\?apiengagement_id=/);
    await server.app.tracking.queue.flush();
    expect(await clicks({ missionId })).toHaveLength(1);
  });

  it("sends an unknown or malformed mission to the configured fallback, recording nothing", async () => {
    for (const path of ["/r/00000000-0000-7000-8000-000000000000/" + diffuseur.id, "/r/not-a-mission/" + diffuseur.id, "/r/%27%20OR%201=1/x"]) {
      const res = await follow(path);
      expect(res.status, path).toBe(302);
      expect(res.location).toBe(server.config.tracking.fallbackUrl);
    }
  });

  it("cleans the publisher id like today (cut at the first character outside [A-Za-z0-9-])", async () => {
    const missionId = await publish(annonceur, "click-clean");
    const res = await follow(`/r/${missionId}/${diffuseur.id}%22%3E`);
    expect(new URL(res.location).searchParams.get("utm_medium")).toBe("api");
    await server.app.tracking.queue.flush();
    expect((await clicks({ missionId }))[0]?.from_publisher_id).toBe(diffuseur.id);
  });

  it("redirects an unknown diffuseur's visitor to the mission without crediting anyone", async () => {
    const missionId = await publish(annonceur, "click-unknown-diffuseur");
    const res = await follow(`/r/${missionId}/ffffffffffffffffffffffff`);
    expect(res.location).toBe("https://asso.example.org/candidater?ref=api");
    await server.app.tracking.queue.flush();
    expect(await clicks({ missionId })).toHaveLength(0);
  });

  it("redirects bots (isbot, curl included) without recording them", async () => {
    const missionId = await publish(annonceur, "click-bot");
    for (const agent of ["Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0"]) {
      const res = await follow(`/r/${missionId}/${diffuseur.id}`, { "user-agent": agent });
      expect(res.status).toBe(302);
      expect(res.location).toBe("https://asso.example.org/candidater?ref=api");
    }
    await server.app.tracking.queue.flush();
    expect(await clicks({ missionId })).toHaveLength(0);
  });

  it("flags clicks from a blocked fingerprint as bots", async () => {
    const missionId = await publish(annonceur, "click-blocked");
    await follow(`/r/${missionId}/${diffuseur.id}`, { "user-agent": BROWSER, referer: "https://bloque.example/" });
    await server.app.tracking.queue.flush();
    const [first] = await clicks({ missionId });
    await server.database.db.insertInto("bot_fingerprint").values({ fingerprint: first!.fingerprint!, reason: "test" }).execute();
    await follow(`/r/${missionId}/${diffuseur.id}`, { "user-agent": BROWSER, referer: "https://bloque.example/" });
    await server.app.tracking.queue.flush();
    const events = await clicks({ missionId });
    expect(events.map((e) => e.is_bot)).toEqual([false, true]);
  });

  it("answers with CORS * for any origin", async () => {
    const missionId = await publish(annonceur, "click-cors");
    const res = await follow(`/r/${missionId}/${diffuseur.id}`, { "user-agent": BROWSER, origin: "https://n-importe-ou.example" });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("GET /r/seo/:missionId and /r/notrack/:missionId", () => {
  it("seo: records a click from the public pages, utm_medium=google, no token", async () => {
    const missionId = await publish(mtmAnnonceur, "click-seo");
    const location = new URL((await follow(`/r/seo/${missionId}`)).location);
    expect(location.searchParams.get("utm_medium")).toBe("google");
    expect(location.searchParams.get("utm_campaign")).toBe("seo");
    expect(location.searchParams.has("apiengagement_tracking_token")).toBe(false);
    await server.app.tracking.queue.flush();
    expect(await clicks({ missionId })).toMatchObject([{ source: "seo", id: location.searchParams.get("apiengagement_id"), from_publisher_id: null }]);
  });

  it("notrack: the raw application URL, nothing recorded; unknown mission → fallback", async () => {
    const missionId = await publish(annonceur, "click-notrack", "asso.example.org/sans-protocole");
    expect((await follow(`/r/notrack/${missionId}`)).location).toBe("https://asso.example.org/sans-protocole");
    expect((await follow("/r/notrack/inconnue")).location).toBe(server.config.tracking.fallbackUrl);
    await server.app.tracking.queue.flush();
    expect(await clicks({ missionId })).toHaveLength(0);
  });
});
