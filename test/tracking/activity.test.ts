import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };
let diffuseur: { id: string; apiKey: string };
let stranger: { id: string; apiKey: string };
let missionId: string;

async function click(): Promise<string> {
  const res = await fetch(`${server.url}/r/${missionId}/${diffuseur.id}`, { redirect: "manual", headers: { "user-agent": "Mozilla/5.0 Firefox/130.0" } });
  const id = new URL(res.headers.get("location")!).searchParams.get("apiengagement_id")!;
  await server.app.tracking.queue.flush();
  return id;
}

beforeAll(async () => {
  server = await startTestServer();
  annonceur = await server.partner({ annonceur: true });
  diffuseur = await server.partner({ annonceur: false, diffuseur: true });
  stranger = await server.partner({ annonceur: true, diffuseur: true });
  await server.allow(diffuseur.id, annonceur.id);
  const res = await server.request("/v2/mission", {
    method: "POST",
    apiKey: annonceur.apiKey,
    json: {
      clientId: "act-1",
      title: "Accompagner des seniors isolés",
      description: "Rendre visite à des personnes âgées de votre quartier, une fois par semaine.",
      applicationUrl: "https://asso.example.org/candidater",
      domain: "solidarite-insertion",
      addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
    },
  });
  missionId = res.body.data.id;
});
afterAll(async () => server?.close());

describe("POST /v2/activity", () => {
  it("annonceur with a clickId: attributed to the click's diffuseur, readable right away", async () => {
    const clickId = await click();
    const res = await server.request("/v2/activity", { method: "POST", apiKey: annonceur.apiKey, json: { clickId, missionClientId: "act-1", tag: "crm" } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      type: "apply",
      clickId,
      fromPublisherId: diffuseur.id,
      toPublisherId: annonceur.id,
      missionId,
      missionClientId: "act-1",
      status: "PENDING",
      tag: "crm",
      isHuman: true,
      attributed: true,
    });
    const read = await server.request(`/v2/activity/${res.body.data.id}`, { apiKey: annonceur.apiKey });
    expect(read.body.data).toEqual(res.body.data);
    // The diffuseur sees it too; nobody else does.
    expect((await server.request(`/v2/activity/${res.body.data.id}`, { apiKey: diffuseur.apiKey })).status).toBe(200);
    expect((await server.request(`/v2/activity/${res.body.data.id}`, { apiKey: stranger.apiKey })).status).toBe(404);
  });

  it("refuses a click that does not lead to the caller's missions, an unknown click or mission", async () => {
    const clickId = await click();
    expect((await server.request("/v2/activity", { method: "POST", apiKey: stranger.apiKey, json: { clickId } })).status).toBe(403);
    expect((await server.request("/v2/activity", { method: "POST", apiKey: annonceur.apiKey, json: { clickId: "00000000-0000-7000-8000-000000000000" } })).status).toBe(404);
    expect((await server.request("/v2/activity", { method: "POST", apiKey: annonceur.apiKey, json: { missionClientId: "inconnue" } })).status).toBe(404);
  });

  it("diffuseur with a missionId it diffuses; 403 for a mission it may not show", async () => {
    const res = await server.request("/v2/activity", { method: "POST", apiKey: diffuseur.apiKey, json: { missionId, type: "account" } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ type: "account", fromPublisherId: diffuseur.id, toPublisherId: annonceur.id, source: "server" });
    const denied = await server.request("/v2/activity", { method: "POST", apiKey: stranger.apiKey, json: { missionId } });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain("Mission non accessible");
  });

  it("400 with a French message for missing or conflicting ids", async () => {
    for (const json of [{}, { clickId: "a", missionId: "b" }, { missionId: "b", missionClientId: "c" }, { type: "view", clickId: "a" }]) {
      const res = await server.request("/v2/activity", { method: "POST", apiKey: annonceur.apiKey, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
  });
});

describe("GET|PUT /v2/activity/:id", () => {
  it("finds by clientEventId (409 when ambiguous without type) and lets only the annonceur change the status", async () => {
    const clickId = await click();
    const url = (type: string) => `${server.url}/r/${type}?view=${clickId}&clientEventId=dossier-7`;
    const headers = { "user-agent": "Mozilla/5.0 Firefox/130.0" };
    expect((await fetch(url("apply"), { headers })).status).toBe(200);
    expect((await fetch(url("account"), { headers })).status).toBe(200);
    await server.app.tracking.queue.flush();
    expect((await server.request("/v2/activity/dossier-7", { apiKey: annonceur.apiKey })).status).toBe(409);
    const apply = await server.request("/v2/activity/dossier-7?type=apply", { apiKey: annonceur.apiKey });
    expect(apply.body.data).toMatchObject({ type: "apply", clientEventId: "dossier-7", fromPublisherId: diffuseur.id });

    const put = await server.request(`/v2/activity/${apply.body.data.id}`, { method: "PUT", apiKey: annonceur.apiKey, json: { status: "VALIDATED" } });
    expect(put.body.data.status).toBe("VALIDATED");
    expect((await server.request(`/v2/activity/${apply.body.data.id}`, { method: "PUT", apiKey: diffuseur.apiKey, json: { status: "REFUSED" } })).status).toBe(403);
    expect((await server.request(`/v2/activity/${apply.body.data.id}`, { method: "PUT", apiKey: stranger.apiKey, json: { status: "REFUSED" } })).status).toBe(404);
    expect((await server.request(`/v2/activity/${apply.body.data.id}`, { method: "PUT", apiKey: annonceur.apiKey, json: { status: "DONE" } })).status).toBe(400);
    expect((await server.request("/v2/activity/inconnu", { apiKey: annonceur.apiKey })).status).toBe(404);
  });
});
