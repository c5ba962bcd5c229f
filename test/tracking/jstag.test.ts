/**
 * jstag.js over HTTP: the script as served (headers, ETag, it parses), and the beacons accepting
 * exactly what today's v1 copies send — self-hosted copies cannot be updated (legacy-api.md §7.4,
 * §7.6): URLSearchParams-encoded queries, optional keys omitted, empty values, `undefined` and
 * `null` pasted into impression paths, long page URLs.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };
let diffuseur: { id: string };
const BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const SOURCE = fs.readFileSync(new URL("../../src/tracking/jstag/jstag.js", import.meta.url), "utf8");

async function publish(clientId: string): Promise<string> {
  return server.publish(annonceur, clientId, { title: "Animer un atelier numérique", applicationUrl: "https://www.asso.example.org/candidater" });
}

/** A GET as a browser on the annonceur's page sends it (fetch from another origin). */
async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    redirect: "manual",
    headers: { "user-agent": BROWSER, origin: "https://www.asso.example.org", referer: "https://www.asso.example.org/", ...headers },
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

async function click(missionId: string) {
  const res = await get(`/r/${missionId}/${diffuseur.id}`);
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location")!);
  return { id: location.searchParams.get("apiengagement_id")!, landing: location.toString() };
}

async function eventById(id: string) {
  await server.app.tracking.queue.flush();
  return server.database.db.selectFrom("tracking_event").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The query of today's v1 script: URLSearchParams, keys appended only when truthy. */
function v1Query(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.append(key, value);
  return query.toString();
}

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
  annonceur = await server.partner({ annonceur: true });
  diffuseur = await server.partner({ annonceur: false, diffuseur: true });
});
afterAll(async () => server?.close());

describe("GET /jstag.js and /jstag.v1.js", () => {
  it("serves the script for any site: JavaScript, CORS, CORP, nosniff, one hour of cache, a strong ETag", async () => {
    for (const path of ["/jstag.js", "/jstag.v1.js"]) {
      const res = await fetch(`${server.url}${path}`, { headers: { origin: "https://www.asso.example.org" } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
      expect(res.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]{16,}"$/);
      expect(await res.text()).toBe(SOURCE);
    }
  });

  it("is a script that parses, with its version in the header comment", async () => {
    const res = await fetch(`${server.url}/jstag.js`);
    const source = await res.text();
    expect(() => new Function(source)).not.toThrow();
    expect(source.slice(0, 300)).toMatch(/jstag v1\.\d+\.\d+ — self-hosted copies keep working/);
  });

  it("answers 304 to If-None-Match with its ETag (strong or weak, in a list), 200 otherwise; HEAD has no body", async () => {
    const first = await fetch(`${server.url}/jstag.js`);
    const etag = first.headers.get("etag")!;
    expect((await fetch(`${server.url}/jstag.v1.js`)).headers.get("etag")).toBe(etag);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"autre", ${etag}`]) {
      const res = await fetch(`${server.url}/jstag.js`, { headers: { "if-none-match": ifNoneMatch } });
      expect(res.status, ifNoneMatch).toBe(304);
      expect(await res.text()).toBe("");
      expect(res.headers.get("etag")).toBe(etag);
      expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
    }
    expect((await fetch(`${server.url}/jstag.js`, { headers: { "if-none-match": '"ancienne-version"' } })).status).toBe(200);
    const head = await fetch(`${server.url}/jstag.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("is documented in /docs under Suivi", async () => {
    const doc = (await server.request("/openapi.json")).body;
    for (const path of ["/jstag.js", "/jstag.v1.js"]) {
      expect(doc.paths[path]?.get?.tags, path).toEqual(["Suivi"]);
      expect(doc.paths[path].get.summary).toMatch(/jstag/);
      expect(Object.keys(doc.paths[path].get.responses)).toEqual(expect.arrayContaining(["200", "304"]));
    }
  });
});

describe("what today's v1 copies send is accepted", () => {
  it("/r/apply as v1 sends it: view, page url, publisher, mission; then with clientEventId and customAttributes", async () => {
    const missionId = await publish("v1-apply");
    const plain = await click(missionId);
    const res = await get(`/r/apply?${v1Query({ view: plain.id, url: plain.landing, publisher: annonceur.id, mission: "v1-apply" })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await eventById(res.body.id)).toMatchObject({
      type: "apply",
      click_id: plain.id,
      from_publisher_id: diffuseur.id,
      to_publisher_id: annonceur.id,
      mission_id: missionId,
      mission_client_id: "v1-apply",
      client_event_id: null,
      custom_attributes: null,
    });

    const full = await click(missionId);
    const attributes = JSON.stringify({ formation: "BAFA", "âge": 19, nested: { ok: true } });
    const withAll = await get(
      `/r/apply?${v1Query({ view: full.id, url: `${full.landing}#formulaire`, publisher: annonceur.id, mission: "v1-apply", clientEventId: "dossier 42/é", customAttributes: attributes })}`,
    );
    expect(withAll.status).toBe(200);
    expect(await eventById(withAll.body.id)).toMatchObject({ click_id: full.id, client_event_id: "dossier 42/é", custom_attributes: { formation: "BAFA", "âge": 19, nested: { ok: true } } });
  });

  it("/r/account as v1 sends it, with and without clientEventId; the oldest copies send only view, url, publisher, mission", async () => {
    const missionId = await publish("v1-account");
    const first = await click(missionId);
    const res = await get(`/r/account?${v1Query({ view: first.id, url: first.landing, publisher: annonceur.id, mission: "v1-account", clientEventId: "compte-7" })}`);
    expect(res.status).toBe(200);
    expect(await eventById(res.body.id)).toMatchObject({ type: "account", click_id: first.id, from_publisher_id: diffuseur.id, client_event_id: "compte-7", mission_client_id: "v1-account" });
    const second = await click(missionId);
    const oldest = await get(`/r/account?${v1Query({ view: second.id, url: "https://www.asso.example.org/inscription", publisher: annonceur.id })}`);
    expect(oldest.status).toBe(200);
    expect(await eventById(oldest.body.id)).toMatchObject({ click_id: second.id, mission_id: missionId });
  });

  it("empty values count as absent: two conversions with `clientEventId=` are both kept, `customAttributes=` drops nothing", async () => {
    const missionId = await publish("v1-empty");
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { id, landing } = await click(missionId);
      const res = await get(`/r/apply?view=${id}&url=${encodeURIComponent(landing)}&publisher=${annonceur.id}&mission=v1-empty&clientEventId=&customAttributes=`);
      expect(res.status, `conversion ${i + 1}`).toBe(200);
      ids.push(res.body.id);
    }
    const { id } = await click(missionId);
    const account = await get(`/r/account?view=${id}&url=&publisher=&mission=&clientEventId=`);
    expect(account.status).toBe(200);
    ids.push(account.body.id);
    for (const eventId of ids) expect(await eventById(eventId), eventId).toMatchObject({ client_event_id: null, custom_attributes: null, from_publisher_id: diffuseur.id, to_publisher_id: annonceur.id });
  });

  it("`undefined` pasted as a value: an unknown mission clientId falls back to the click's mission", async () => {
    const missionId = await publish("v1-undefined");
    const { id } = await click(missionId);
    const res = await get(`/r/apply?view=${id}&url=undefined&publisher=undefined&mission=undefined`);
    expect(res.status).toBe(200);
    expect(await eventById(res.body.id)).toMatchObject({ mission_id: missionId, to_publisher_id: annonceur.id, from_publisher_id: diffuseur.id });
  });

  it("a long page URL (v1 sends location.href whole) does not lose the conversion", async () => {
    const missionId = await publish("v1-long");
    const { id, landing } = await click(missionId);
    const url = `${landing}&gclid=${"x".repeat(6000)}`;
    const res = await get(`/r/apply?${v1Query({ view: id, url, publisher: annonceur.id, mission: "v1-long" })}`);
    expect(res.status).toBe(200);
    expect(await eventById(res.body.id)).toMatchObject({ click_id: id, mission_client_id: "v1-long" });
  });

  it("impressions: pixel with sourceId and requestId, with them empty, link; `null`/`undefined` ids answer 404 at once", async () => {
    const missionId = await publish("v1-print");
    const widget = await get(`/r/impression/${missionId}/${diffuseur.id}?tracker=pixel&sourceId=widget-9&requestId=req-9`);
    expect(widget.status).toBe(200);
    expect(await eventById(widget.body.id)).toMatchObject({ type: "impression", source: "widget", source_id: "widget-9", request_id: "req-9", tags: ["pixel"], from_publisher_id: diffuseur.id, to_publisher_id: annonceur.id });
    const empty = await get(`/r/impression/${missionId}/${diffuseur.id}?tracker=pixel&sourceId=&requestId=`);
    expect(empty.status).toBe(200);
    expect(await eventById(empty.body.id)).toMatchObject({ source: "jstag", source_id: null, request_id: null, tags: ["pixel"] });
    const link = await get(`/r/impression/${missionId}/${diffuseur.id}?tracker=link`);
    expect(link.status).toBe(200);
    expect(await eventById(link.body.id)).toMatchObject({ source: "jstag", tags: ["link"], from_publisher_id: diffuseur.id });
    // v1 splits a link's href on "/": a link with a query gives "<publisher>?tags=x?tracker=link".
    const withQuery = await get(`/r/impression/${missionId}/${diffuseur.id}?tags=ete?tracker=link`);
    expect(withQuery.status).toBe(200);
    expect(await eventById(withQuery.body.id)).toMatchObject({ from_publisher_id: diffuseur.id, mission_id: missionId });
    for (const path of [`/r/impression/${missionId}/undefined?tracker=pixel`, `/r/impression/null/${diffuseur.id}?tracker=pixel`, "/r/impression/null/undefined?tracker=pixel"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
  });

  it("confirm-human as older v1 copies call it (cookie id, no token), and as v1.1 does (with the token)", async () => {
    const missionId = await publish("v1-human");
    const old = await click(missionId);
    expect((await get(`/r/${old.id}/confirm-human`)).body).toEqual({ ok: true });
    const current = await click(missionId);
    const token = new URL(current.landing).searchParams.get("apiengagement_tracking_token")!;
    expect((await get(`/r/${current.id}/confirm-human?token=${encodeURIComponent(token)}`)).body).toEqual({ ok: true });
    expect(await eventById(old.id)).toMatchObject({ is_human: true });
    expect(await eventById(current.id)).toMatchObject({ is_human: true });
  });
});
