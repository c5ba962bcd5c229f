/**
 * Diffuseur search, black box: `_distance` and distance sort of the remote=local missions kept
 * outside the circle, ETags that never come back to an earlier value, impossible calendar dates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeDiffusion } from "../../src/diffusion/repository.ts";
import { haversineKm } from "../../src/search/engine-geo.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
type Partner = { id: string; name: string; apiKey: string };
const PARIS = { lat: 48.8566, lon: 2.3522 };

/** Point at `km` from Paris towards `bearingDeg` (spherical Earth, R = 6371 km). */
function fromParis(km: number, bearingDeg: number) {
  const δ = km / 6371;
  const θ = (bearingDeg * Math.PI) / 180;
  const φ1 = (PARIS.lat * Math.PI) / 180;
  const λ1 = (PARIS.lon * Math.PI) / 180;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
  const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return { lat: Math.round(((φ2 * 180) / Math.PI) * 1e6) / 1e6, lon: Math.round(((λ2 * 180) / Math.PI) * 1e6) / 1e6 };
}

const at = (km: number, bearingDeg: number, city = "Ailleurs") => ({ city, country: "FR", location: fromParis(km, bearingDeg) });

const mission = (clientId: string, extra: Record<string, unknown> = {}) => ({
  clientId,
  title: `Mission ${clientId}`,
  description: "Accompagner des personnes dans leurs démarches quotidiennes.",
  applicationUrl: `https://asso.example/${clientId}`,
  domain: "solidarite-insertion",
  remote: "no",
  startAt: "2026-06-01T00:00:00Z",
  ...extra,
});

async function post(p: Partner, body: Record<string, unknown>) {
  const res = await server.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: body });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; clientId: string; addresses: { location: { lat: number; lon: number } | null }[] };
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("_distance of remote=local missions", () => {
  let a: Partner;
  let d: Partner;
  /** Expected km to the nearest address, by clientId (undefined: no coordinates). */
  const expected = new Map<string, number | undefined>();

  beforeAll(async () => {
    a = await server.partner({ annonceur: true });
    d = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(d.id, a.id);
    const missions: [string, Record<string, unknown>][] = [
      ["near-no", { addresses: [at(5, 0)], startAt: "2026-01-01T00:00:00Z" }],
      ["local-inside", { remote: "local", addresses: [at(3, 90)], startAt: "2026-02-01T00:00:00Z" }],
      ["local-80", { remote: "local", addresses: [at(80, 180)], startAt: "2026-03-01T00:00:00Z" }],
      ["local-two", { remote: "local", addresses: [at(400, 200), at(40, 270, "Mantes")], startAt: "2026-04-01T00:00:00Z" }],
      ["local-250", { remote: "local", addresses: [at(250, 45)], startAt: "2026-05-01T00:00:00Z" }],
      ["local-nocoords", { remote: "local", addresses: [{ city: "Bruxelles", country: "BE" }], startAt: "2026-06-01T00:00:00Z" }],
      ["possible-far", { remote: "possible", addresses: [at(60, 0)], startAt: "2026-07-01T00:00:00Z" }],
    ];
    for (const [clientId, fields] of missions) {
      const created = await post(a, mission(clientId, fields));
      const points = created.addresses.map((x) => x.location).filter((l): l is { lat: number; lon: number } => l !== null);
      expected.set(clientId, points.length ? Math.min(...points.map((p) => haversineKm(PARIS.lat, PARIS.lon, p.lat, p.lon))) : undefined);
    }
  });

  const search = (query: string) => server.request(`/v0/mission/search?lat=${PARIS.lat}&lon=${PARIS.lon}&${query}`, { apiKey: d.apiKey });
  type Hit = { clientId: string; _distance?: number };

  it("gives every hit with coordinates its nearest address's distance, local missions outside the circle included", async () => {
    const res = await search("distance=25km&limit=100");
    expect(res.status).toBe(200);
    const hits = res.body.hits as Hit[];
    expect(hits.map((h) => h.clientId).sort()).toEqual(["local-250", "local-80", "local-inside", "local-nocoords", "local-two", "near-no"]);
    for (const h of hits) {
      const km = expected.get(h.clientId);
      if (km === undefined) {
        expect(h._distance, h.clientId).toBeUndefined();
        expect("_distance" in h, h.clientId).toBe(false);
      } else {
        expect(h._distance, h.clientId).toBeCloseTo(km, 2);
        // Same rounding as every _distance: metres.
        expect(h._distance, h.clientId).toBe(Math.round(km * 1000) / 1000);
      }
    }
    const byId = new Map(hits.map((h) => [h.clientId, h._distance]));
    expect(byId.get("local-two")).toBeCloseTo(40, 1);
    expect(byId.get("local-80")).toBeCloseTo(80, 1);
    expect(byId.get("local-250")).toBeCloseTo(250, 1);
  });

  it("gives them on every page of the default sort, and with an address filter the bypass ignores", async () => {
    for (let skip = 0; skip < 6; skip++) {
      const [hit] = (await search(`distance=25km&limit=1&skip=${skip}`)).body.hits as Hit[];
      expect(hit, String(skip)).toBeDefined();
      if (hit!.clientId !== "local-nocoords") expect(hit!._distance, hit!.clientId).toBeCloseTo(expected.get(hit!.clientId)!, 2);
    }
    const filtered = (await search("distance=25km&limit=100&city=Nulle-part")).body.hits as Hit[];
    expect(filtered.map((h) => h.clientId).sort()).toEqual(["local-250", "local-80", "local-inside", "local-nocoords", "local-two"]);
    expect(filtered.find((h) => h.clientId === "local-two")?._distance).toBeCloseTo(40, 1);
    const onlyLocal = (await search("distance=25km&limit=100&remote=local")).body.hits as Hit[];
    expect(onlyLocal.find((h) => h.clientId === "local-250")?._distance).toBeCloseTo(250, 1);
  });

  it("sorts by that distance, missions without coordinates last, across pages", async () => {
    const order = ["local-inside", "near-no", "local-two", "local-80", "local-250", "local-nocoords"];
    const res = await search("distance=25km&sort=distance&limit=100");
    expect((res.body.hits as Hit[]).map((h) => h.clientId)).toEqual(order);
    const page = await search("distance=25km&sort=distance&limit=2&skip=2");
    expect((page.body.hits as Hit[]).map((h) => h.clientId)).toEqual(order.slice(2, 4));
    expect(page.body.total).toBe(order.length);
    const list = await server.request(`/v0/mission?lat=${PARIS.lat}&lon=${PARIS.lon}&distance=25km&sort=distance&limit=100`, { apiKey: d.apiKey });
    expect((list.body.data as Hit[]).map((m) => m.clientId)).toEqual(order);
  });

  it("still leaves local missions out when remote excludes them", async () => {
    const res = await search("distance=25km&remote=no&limit=100");
    expect((res.body.hits as Hit[]).map((h) => h.clientId)).toEqual(["near-no"]);
  });
});

describe("ETag", () => {
  let d: Partner;
  let a: Partner;
  let b: Partner;
  const seen: string[] = [];
  const path = "/v0/mission?limit=100";

  /** The diffuseur's current ETag, checked to be new; every earlier one now gives a 200. */
  async function newTag(step: string): Promise<string> {
    const res = await server.request(path, { apiKey: d.apiKey });
    expect(res.status).toBe(200);
    const tag = res.headers.get("etag") as string;
    expect(tag, step).toMatch(/^W\/".+"$/);
    expect(seen, `${step}: ETag ${tag} already given`).not.toContain(tag);
    for (const old of seen) {
      const again = await server.request(path, { apiKey: d.apiKey, headers: { "If-None-Match": old } });
      expect(again.status, `${step}: If-None-Match ${old}`).toBe(200);
    }
    const same = await server.request(path, { apiKey: d.apiKey, headers: { "If-None-Match": tag } });
    expect(same.status, `${step}: unchanged`).toBe(304);
    seen.push(tag);
    return tag;
  }

  const total = async () => (await server.request(path, { apiKey: d.apiKey })).body.total as number;

  beforeAll(async () => {
    d = await server.partner({ annonceur: false, diffuseur: true });
    a = await server.partner({ annonceur: true });
    b = await server.partner({ annonceur: true });
    await post(a, mission("etag-a1"));
    await post(a, mission("etag-a2"));
  });

  it("never comes back to an earlier value through add-right / publish / remove-right / deletion", async () => {
    await newTag("start");
    await server.allow(d.id, a.id);
    await newTag("right on A");
    expect(await total()).toBe(2);
    await post(a, mission("etag-a3"));
    await newTag("A publishes");
    await server.allow(d.id, b.id);
    await newTag("right on B");
    await revokeDiffusion(server.database.db, d.id, a.id);
    await newTag("right on A removed");
    expect(await total()).toBe(0);
    await server.allow(d.id, a.id);
    await newTag("right on A again");
    expect(await total()).toBe(3);
    // Annonceur A deleted: it leaves the view (a sum of versions went down here).
    await server.database.db.updateTable("publisher").set({ deleted_at: new Date() }).where("id", "=", a.id).execute();
    await newTag("A deleted");
    expect(await total()).toBe(0);
    // B publishing again and again must not bring back a tag of the time A was shown.
    for (let i = 0; i < 6; i++) {
      await post(b, mission(`etag-b${i}`));
      await newTag(`B publishes #${i}`);
    }
    await server.database.db.updateTable("publisher").set({ deleted_at: null }).where("id", "=", a.id).execute();
    await newTag("A restored");
    expect(await total()).toBe(9);
    await revokeDiffusion(server.database.db, d.id, b.id);
    await newTag("right on B removed");
    expect(await total()).toBe(3);
  });

  it("stays the same (304) when only annonceurs outside the view change", async () => {
    const tag = seen.at(-1) as string;
    await post(b, mission("etag-b-outside"));
    const res = await server.request(path, { apiKey: d.apiKey, headers: { "If-None-Match": tag } });
    expect(res.status).toBe(304);
  });

  it("changes when a mission of the view is deleted from the database", async () => {
    const tag = seen.at(-1) as string;
    await server.database.db.deleteFrom("mission").where("publisher_id", "=", a.id).where("client_id", "=", "etag-a3").execute();
    const res = await server.request(path, { apiKey: d.apiKey, headers: { "If-None-Match": tag } });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(seen).not.toContain(res.headers.get("etag"));
  });
});

describe("impossible calendar dates", () => {
  let d: Partner;
  beforeAll(async () => {
    d = await server.partner({ annonceur: true, diffuseur: true });
    await post(d, mission("dates-own"));
  });
  const get = (query: string) => server.request(`/v0/mission?${query}`, { apiKey: d.apiKey });

  it.each([
    ["createdAt=lt:2025-02-30", "createdAt"],
    ["createdAt=gt:2025-02-29", "createdAt"],
    ["startAt=lt:2025-02-30", "startAt"],
    ["startAt=gt:2025-04-31T00:00:00Z", "startAt"],
    ["startAt=lt:2025-13-01", "startAt"],
    ["createdAt=gt:2100-02-29", "createdAt"],
    ["updatedSince=2025-09-31", "updatedSince"],
  ])("%s is a 400 naming %s, in French", async (query, param) => {
    for (const route of ["/v0/mission", "/v0/mission/search"]) {
      const res = await server.request(`${route}?${query}`, { apiKey: d.apiKey });
      expect(res.status, `${route}?${query}`).toBe(400);
      expect(res.body.code).toBe("INVALID_QUERY");
      expect(res.body.message).toContain(`« ${param} »`);
      expect(res.body.message).toContain("date inexistante");
    }
  });

  it("keeps accepting valid dates and date-times", async () => {
    for (const query of [
      "createdAt=lt:2024-02-29",
      "createdAt=gt:2000-02-29",
      "startAt=gt:2025-02-28",
      "startAt=lt:2030-04-30T23:59:59Z",
      "createdAt=gt:2025-01-31T10:00:00%2B02:00",
      "startAt=%3E2025-12-31",
    ]) {
      const res = await get(query);
      expect(res.status, `${query}: ${res.text}`).toBe(200);
    }
    expect((await get("createdAt=gt:2000-02-29")).body.total).toBe(1);
    expect((await get("createdAt=lt:2024-02-29")).body.total).toBe(0);
    expect((await get("startAt=gt:2026-05-31")).body.total).toBe(1);
    expect((await get("startAt=lt:2026-05-31")).body.total).toBe(0);
  });
});
