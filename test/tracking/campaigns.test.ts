import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };
let diffuseur: { id: string; apiKey: string };
let other: { id: string; apiKey: string };
const BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Safari/537.36";

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
  annonceur = await server.partner({ annonceur: true });
  diffuseur = await server.partner({ annonceur: false, campaign: true });
  other = await server.partner({ annonceur: false, campaign: true });
});
afterAll(async () => server?.close());

const create = (json: unknown, apiKey = diffuseur.apiKey) => server.request("/v2/campaigns", { method: "POST", apiKey, json });

describe("/v2/campaigns", () => {
  it("creates a campaign with default trackers and a tracked link; lists, reads, updates and deletes it", async () => {
    const res = await create({ name: "Newsletter de mars", url: "https://asso.example.org/benevoles", toPublisherId: annonceur.id });
    expect(res.status, res.text).toBe(201);
    const campaign = res.body.data;
    expect(campaign).toMatchObject({
      name: "Newsletter de mars",
      fromPublisherId: diffuseur.id,
      toPublisherId: annonceur.id,
      active: true,
      trackers: [
        { key: "utm_source", value: "api_engagement" },
        { key: "utm_medium", value: "campaign" },
        { key: "utm_campaign", value: "newsletter-de-mars" },
      ],
      link: `${server.config.publicUrl}/r/campaign/${campaign.id}`,
    });
    expect((await server.request("/v2/campaigns", { apiKey: diffuseur.apiKey })).body).toMatchObject({ total: 1, data: [{ id: campaign.id }] });
    const put = await server.request(`/v2/campaigns/${campaign.id}`, { method: "PUT", apiKey: diffuseur.apiKey, json: { active: false, trackers: [{ key: "mtm_campaign", value: "mars" }] } });
    expect(put.body.data).toMatchObject({ active: false, trackers: [{ key: "mtm_campaign", value: "mars" }], name: "Newsletter de mars" });
    expect((await server.request(`/v2/campaigns/${campaign.id}`, { method: "DELETE", apiKey: diffuseur.apiKey })).status).toBe(200);
    expect((await server.request(`/v2/campaigns/${campaign.id}`, { apiKey: diffuseur.apiKey })).status).toBe(404);
  });

  it("keeps each diffuseur to its own campaigns, names unique per diffuseur, rights and inputs checked", async () => {
    const mine = (await create({ name: "Affiche", url: "https://asso.example.org", toPublisherId: annonceur.id })).body.data;
    expect((await create({ name: "affiche", url: "https://asso.example.org", toPublisherId: annonceur.id })).status).toBe(409);
    expect((await create({ name: "Affiche", url: "https://asso.example.org", toPublisherId: annonceur.id }, other.apiKey)).status).toBe(201);
    expect((await server.request(`/v2/campaigns/${mine.id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await server.request(`/v2/campaigns/${mine.id}`, { method: "PUT", apiKey: other.apiKey, json: { active: false } })).status).toBe(404);
    expect((await create({ name: "X", url: "javascript:alert(1)", toPublisherId: annonceur.id })).status).toBe(400);
    expect((await create({ name: "Y", url: "https://a.example", toPublisherId: diffuseur.id })).status).toBe(400);
    expect((await create({ name: "Z", url: "https://a.example", toPublisherId: annonceur.id }, annonceur.apiKey)).status).toBe(403);
  });
});

describe("/r/campaign/:id and /r/impression/campaign/:id", () => {
  it("records the click and redirects with the campaign's trackers and apiengagement_id", async () => {
    const campaign = (await create({ name: "Réseaux sociaux", url: "https://asso.example.org/agir?x=1", toPublisherId: annonceur.id, trackers: [{ key: "utm_source", value: "mairie" }] })).body.data;
    const res = await fetch(`${server.url}/r/campaign/${campaign.id}`, { redirect: "manual", headers: { "user-agent": BROWSER } });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(location.searchParams.get("x")).toBe("1");
    expect(location.searchParams.get("utm_source")).toBe("mairie");
    const clickId = location.searchParams.get("apiengagement_id")!;
    await server.app.tracking.queue.flush();
    const row = await server.database.db.selectFrom("tracking_event").selectAll().where("id", "=", clickId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: "click", source: "campaign", source_id: campaign.id, from_publisher_id: diffuseur.id, to_publisher_id: annonceur.id });

    const print = await fetch(`${server.url}/r/impression/campaign/${campaign.id}`, { headers: { "user-agent": BROWSER } });
    expect(print.status).toBe(200);
    expect((await fetch(`${server.url}/r/impression/campaign/inconnue`, { headers: { "user-agent": BROWSER } })).status).toBe(404);
    const unknown = await fetch(`${server.url}/r/campaign/inconnue`, { redirect: "manual", headers: { "user-agent": BROWSER } });
    expect(unknown.headers.get("location")).toBe(server.config.tracking.fallbackUrl);
  });
});
