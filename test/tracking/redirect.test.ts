import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyTrackingToken } from "../../src/tracking/tracking-token.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; name: string; apiKey: string };
let mtmAnnonceur: { id: string; name: string; apiKey: string };
let diffuseur: { id: string; name: string; apiKey: string };

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

async function publish(owner: { apiKey: string }, clientId: string, applicationUrl = "https://asso.example.org/candidater?ref=api"): Promise<string> {
  return server.publish(owner, clientId, { applicationUrl });
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

  it("answers a link's first click (router, cache filled) and the next ones (hot path) alike", async () => {
    const missionId = await publish(annonceur, "click-hot");
    const headers = {
      "user-agent": BROWSER,
      referer: "https://mairie.example.fr/agenda?page=2",
      origin: "https://mairie.example.fr",
      "x-forwarded-for": "203.0.113.7, 198.51.100.23",
      "x-forwarded-host": "api.engagement.example",
      "x-request-id": "essai-42",
    };
    const path = `/r/${missionId}/${diffuseur.id}?tags=newsletter,%C3%A9t%C3%A9`;
    const servedBefore = server.app.hotRedirect.served();
    const first = await follow(path, headers);
    const second = await follow(path, headers);
    expect(server.app.hotRedirect.served() - servedBefore).toBe(1);

    const names = (h: Headers) => [...h.keys()].filter((name) => name !== "date").sort();
    expect(names(second.headers)).toEqual(names(first.headers));
    for (const name of names(first.headers).filter((n) => n !== "location")) {
      expect(second.headers.get(name), name).toBe(first.headers.get(name));
    }
    const withoutClick = (location: string) => {
      const url = new URL(location);
      url.searchParams.delete("apiengagement_id");
      url.searchParams.delete("apiengagement_tracking_token");
      return url.toString();
    };
    expect(second.status).toBe(first.status);
    expect(withoutClick(second.location)).toBe(withoutClick(first.location));

    await server.app.tracking.queue.flush();
    const events = await clicks({ missionId });
    expect(events).toHaveLength(2);
    const recorded = ({ id: _id, created_at: _c, updated_at: _u, ...rest }: Record<string, unknown>) => rest;
    expect(recorded(events[1]!)).toEqual(recorded(events[0]!));
    expect(events[0]).toMatchObject({ host: "api.engagement.example", origin: "https://mairie.example.fr", tags: ["newsletter", "été"] });
    // The client is the proxy's last X-Forwarded-For entry: another address, another fingerprint.
    await follow(path, { ...headers, "x-forwarded-for": "203.0.113.7, 198.51.100.24" });
    await server.app.tracking.queue.flush();
    expect((await clicks({ missionId }))[2]!.fingerprint).not.toBe(events[0]!.fingerprint);
  });

  it("answers with CORS * for any origin, without the exposed headers no script can read on a redirect", async () => {
    const missionId = await publish(annonceur, "click-cors");
    // The first click goes through the router, the next through the hot path.
    for (let i = 0; i < 2; i += 1) {
      const res = await follow(`/r/${missionId}/${diffuseur.id}`, { "user-agent": BROWSER, origin: "https://n-importe-ou.example" });
      expect(res.status).toBe(302);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.has("access-control-expose-headers")).toBe(false);
    }
    const served = server.app.hotRedirect.served();
    await follow(`/r/${missionId}/${diffuseur.id}`);
    expect(server.app.hotRedirect.served()).toBe(served + 1);
  });
});

describe("GET /r/widget/:missionId?widgetId=&requestId=", () => {
  async function widget(name: string, values: { deleted?: boolean; active?: boolean } = {}) {
    const id = crypto.randomUUID();
    await server.database.db
      .insertInto("widget")
      .values({ id, diffuseur_id: diffuseur.id, name, active: values.active ?? true, deleted_at: values.deleted ? new Date() : null, url: null })
      .execute();
    return id;
  }

  it("credits the click to the widget's diffuseur, utm_medium=widget and utm_campaign=<widget name>, with a token", async () => {
    const missionId = await publish(mtmAnnonceur, "widget-1");
    const widgetId = await widget(`Widget Bénévolat Lyon ${Date.now()}`);
    const res = await follow(`/r/widget/${missionId}?widgetId=${widgetId}&requestId=req-123`);
    const location = new URL(res.location);
    expect(location.origin + location.pathname).toBe("https://asso.example.org/candidater");
    expect(location.searchParams.get("mtm_medium")).toBe("widget");
    expect(location.searchParams.get("mtm_campaign")).toMatch(/^widget-benevolat-lyon-\d+$/);
    const clickId = location.searchParams.get("apiengagement_id")!;
    expect(verifyTrackingToken(location.searchParams.get("apiengagement_tracking_token")!, clickId, server.app.tracking.keys.token)).toBe(true);
    await server.app.tracking.queue.flush();
    expect(await clicks({ missionId })).toMatchObject([
      { id: clickId, source: "widget", source_id: widgetId, request_id: "req-123", from_publisher_id: diffuseur.id, to_publisher_id: mtmAnnonceur.id },
    ]);
  });

  it("still counts an inactive widget's clicks; without a known widget, redirects and records nothing", async () => {
    const missionId = await publish(annonceur, "widget-2");
    const inactive = await widget(`Widget en pause ${Date.now()}`, { active: false });
    const deleted = await widget(`Widget supprimé ${Date.now()}`, { deleted: true });
    expect((await follow(`/r/widget/${missionId}?widgetId=${inactive}`)).location).toContain("utm_medium=widget");
    for (const query of ["", `?widgetId=${deleted}`, "?widgetId=inconnu", "?widgetId="]) {
      expect((await follow(`/r/widget/${missionId}${query}`)).location, query).toBe("https://asso.example.org/candidater?ref=api");
    }
    expect((await follow(`/r/widget/00000000-0000-7000-8000-000000000000?widgetId=${inactive}`)).location).toBe(server.config.tracking.fallbackUrl);
    await server.app.tracking.queue.flush();
    expect(await clicks({ missionId })).toMatchObject([{ source_id: inactive }]);
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

describe("per-address limit on tracked links", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ rateLimit: { ...server.config.rateLimit, enabled: true, trackingIpMax: 3 } }, { loadIndex: false });
  });
  afterAll(async () => limited?.close());

  it("past the limit, still sends the visitor to the mission but records nothing; other addresses are not affected", async () => {
    const owner = await limited.partner({ annonceur: true });
    const sender = await limited.partner({ annonceur: false, diffuseur: true });
    const missionId = await limited.publish(owner, "limit-1", { applicationUrl: "https://asso.example.org/candidater?ref=api" });
    const go = async (address: string) => {
      const r = await fetch(`${limited.url}/r/${missionId}/${sender.id}`, { redirect: "manual", headers: { "user-agent": BROWSER, "x-forwarded-for": address } });
      return r.headers.get("location") ?? "";
    };
    const locations = [];
    for (let i = 0; i < 5; i += 1) locations.push(await go("203.0.113.50"));
    expect(locations.map((l) => l.includes("apiengagement_id="))).toEqual([true, true, true, false, false]);
    expect(locations[4]).toBe("https://asso.example.org/candidater?ref=api");
    expect(await go("203.0.113.51")).toContain("apiengagement_id=");
    await limited.app.tracking.queue.flush();
    const rows = await limited.database.db.selectFrom("tracking_event").select("id").where("mission_id", "=", missionId).execute();
    expect(rows).toHaveLength(4);

    // Beacons past the limit are refused with a 429 that says when to come back.
    const beacon = () => fetch(`${limited.url}/r/impression/${missionId}/${sender.id}?tracker=pixel`, { headers: { "user-agent": BROWSER, "x-forwarded-for": "203.0.113.60" } });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await beacon()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await beacon();
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ ok: false, code: "TOO_MANY_REQUESTS", message: expect.stringContaining("Trop de requêtes de suivi") });
  });
});
