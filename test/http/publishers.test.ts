/**
 * Black-box tests of `GET /v0/publisher` and `GET /v0/publisher/:id`: the diffuseurs that diffuse my
 * missions (reference: legacy-api.md §5.5).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeDiffusion } from "../../src/diffusion/repository.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const LEGACY_FIELDS = ["_id", "name", "category", "url", "logo", "description", "widget", "api", "campaign", "annonceur"];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

type Partner = { id: string; name: string; apiKey: string };

async function world() {
  const tag = randomBytes(4).toString("hex");
  const me = await server.partner({ name: `Annonceur ${tag}`, annonceur: true });
  const other = await server.partner({ name: `Autre annonceur ${tag}`, annonceur: true });
  // Created out of alphabetical order on purpose.
  const zulu = await server.partner({ name: `Zulu ${tag}`, annonceur: false, diffuseur: true });
  const alpha = await server.partner({
    name: `Alpha ${tag}`,
    annonceur: false,
    diffuseur: true,
    widget: true,
    category: "Associations",
    url: `https://alpha-${tag}.example.org`,
    logo: `https://alpha-${tag}.example.org/logo.png`,
    description: "Plateforme de bénévolat de proximité",
  });
  const mike = await server.partner({ name: `Mike ${tag}`, annonceur: true, diffuseur: false, campaign: true });
  const stranger = await server.partner({ name: `Bravo ${tag}`, annonceur: false, diffuseur: true });
  const reverse = await server.partner({ name: `Charlie ${tag}`, annonceur: false, diffuseur: true });
  const othersOnly = await server.partner({ name: `Delta ${tag}`, annonceur: false, diffuseur: true });
  await server.allow(zulu.id, me.id);
  await server.allow(alpha.id, me.id);
  await server.allow(mike.id, me.id);
  // The opposite direction: "me" diffuses reverse's missions. reverse does not diffuse mine.
  await server.allow(me.id, reverse.id);
  await server.allow(othersOnly.id, other.id);
  return { tag, me, other, zulu, alpha, mike, stranger, reverse, othersOnly };
}

async function list(owner: Partner) {
  const res = await server.request("/v0/publisher", { apiKey: owner.apiKey });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  return res.body as { ok: boolean; total: number; data: Record<string, unknown>[] };
}

function expectNotFound(res: { status: number; headers: Headers; body: any }) {
  expect(res.status).toBe(404);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  expect(res.body.ok).toBe(false);
  expect(res.body.code).toBe("NOT_FOUND");
  expect(typeof res.body.message).toBe("string");
  expect(res.body.message.length).toBeGreaterThan(0);
}

describe("GET /v0/publisher", () => {
  it("returns exactly the diffuseurs granted for me, sorted by name, with the legacy fields", async () => {
    const w = await world();
    const body = await list(w.me);
    expect(body.ok).toBe(true);
    expect(body.total).toBe(3);
    expect(body.data).toHaveLength(3);
    expect(body.data.map((p) => p._id)).toEqual([w.alpha.id, w.mike.id, w.zulu.id]);
    for (const item of body.data) expect(Object.keys(item)).toEqual(LEGACY_FIELDS);

    expect(body.data[0]).toEqual({
      _id: w.alpha.id,
      name: `Alpha ${w.tag}`,
      category: "Associations",
      url: `https://alpha-${w.tag}.example.org`,
      logo: `https://alpha-${w.tag}.example.org/logo.png`,
      description: "Plateforme de bénévolat de proximité",
      widget: true,
      api: true,
      campaign: false,
      annonceur: false,
    });
    expect(body.data[1]).toEqual({
      _id: w.mike.id,
      name: `Mike ${w.tag}`,
      category: null,
      url: null,
      logo: null,
      description: "",
      widget: false,
      api: false,
      campaign: true,
      annonceur: true,
    });
    expect(body.data[2]).toMatchObject({ _id: w.zulu.id, name: `Zulu ${w.tag}`, api: true, widget: false, campaign: false, annonceur: false });
    expect(body.data[0]!._id).toMatch(/^[0-9a-f]{24}$/);

    // not the stranger, not the partner I diffuse (wrong direction), not the other annonceur's diffuseur
    const ids = body.data.map((p) => p._id);
    for (const absent of [w.stranger.id, w.reverse.id, w.othersOnly.id, w.me.id]) expect(ids).not.toContain(absent);
  });

  it("lists the other annonceur's diffuseurs to that annonceur only", async () => {
    const w = await world();
    const body = await list(w.other);
    expect(body.total).toBe(1);
    expect(body.data.map((p) => p._id)).toEqual([w.othersOnly.id]);
    // the reverse partner is diffused by "me": "me" appears in reverse's list
    const reverseBody = await list(w.reverse);
    expect(reverseBody.data.map((p) => p._id)).toEqual([w.me.id]);
    expect(reverseBody.data[0]).toMatchObject({ name: `Annonceur ${w.tag}`, annonceur: true, api: false });
  });

  it("answers an empty list when nobody diffuses me", async () => {
    const lonely = await server.partner();
    expect(await list(lonely)).toEqual({ ok: true, total: 0, data: [] });
  });

  it("drops a revoked right immediately, and shows it again once granted back", async () => {
    const w = await world();
    const revoked = await revokeDiffusion(server.database.db, w.zulu.id, w.me.id);
    expect(revoked).toBe(true);
    const after = await list(w.me);
    expect(after.total).toBe(2);
    expect(after.data.map((p) => p._id)).toEqual([w.alpha.id, w.mike.id]);
    expectNotFound(await server.request(`/v0/publisher/${w.zulu.id}`, { apiKey: w.me.apiKey }));

    await server.allow(w.zulu.id, w.me.id);
    const back = await list(w.me);
    expect(back.total).toBe(3);
    expect(back.data.map((p) => p._id)).toEqual([w.alpha.id, w.mike.id, w.zulu.id]);
  });

  it("drops a deleted publisher", async () => {
    const w = await world();
    await server.database.db.updateTable("publisher").set({ deleted_at: new Date() }).where("id", "=", w.alpha.id).execute();
    const after = await list(w.me);
    expect(after.total).toBe(2);
    expect(after.data.map((p) => p._id)).toEqual([w.mike.id, w.zulu.id]);
    expectNotFound(await server.request(`/v0/publisher/${w.alpha.id}`, { apiKey: w.me.apiKey }));
  });
});

describe("GET /v0/publisher/:id", () => {
  it("returns one of my diffuseurs with the same fields as the list", async () => {
    const w = await world();
    const listed = (await list(w.me)).data.find((p) => p._id === w.alpha.id);
    const res = await server.request(`/v0/publisher/${w.alpha.id}`, { apiKey: w.me.apiKey });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(Object.keys(res.body.data)).toEqual(LEGACY_FIELDS);
    expect(res.body.data).toEqual(listed);
    expect(res.body.data).toMatchObject({ _id: w.alpha.id, api: true, widget: true });

    const mike = await server.request(`/v0/publisher/${w.mike.id}`, { apiKey: w.me.apiKey });
    expect(mike.status).toBe(200);
    expect(mike.body.data).toMatchObject({ _id: w.mike.id, api: false, campaign: true, annonceur: true });
  });

  it("answers 404 NOT_FOUND for a partner that does not diffuse me, and for an unknown id", async () => {
    const w = await world();
    for (const id of [w.stranger.id, w.reverse.id, w.othersOnly.id, w.me.id, randomBytes(12).toString("hex"), "inconnu"]) {
      expectNotFound(await server.request(`/v0/publisher/${id}`, { apiKey: w.me.apiKey }));
    }
    // the other annonceur cannot read my diffuseur either
    expectNotFound(await server.request(`/v0/publisher/${w.alpha.id}`, { apiKey: w.other.apiKey }));
  });
});
