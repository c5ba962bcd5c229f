import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };
let stranger: { id: string; apiKey: string };
let diffuseur: { id: string; apiKey: string };
let other: { id: string; apiKey: string };
let noRight: { id: string; apiKey: string };

beforeAll(async () => {
  server = await startTestServer();
  annonceur = await server.partner({ annonceur: true });
  stranger = await server.partner({ annonceur: true });
  diffuseur = await server.partner({ annonceur: false, widget: true });
  other = await server.partner({ annonceur: false, widget: true });
  noRight = await server.partner({ annonceur: false, campaign: true });
  await server.allow(diffuseur.id, annonceur.id);
  await server.allow(other.id, annonceur.id);
  await server.publish(annonceur, "w-lyon", { domain: "sport", addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }] });
  await server.publish(annonceur, "w-paris", { domain: "culture-loisirs", addresses: [{ postalCode: "75011", city: "Paris", country: "FR" }] });
  await server.publish(annonceur, "w-remote", { domain: "sport", remote: "full", addresses: [] });
  await server.publish(stranger, "w-stranger", {});
});
afterAll(async () => server?.close());

const create = (json: unknown, apiKey = diffuseur.apiKey) => server.request("/v2/widgets", { method: "POST", apiKey, json });

describe("/v2/widgets", () => {
  it("creates a widget with today's defaults, then lists, reads, updates and deletes it", async () => {
    const res = await create({ name: "Mairie de Lyon" });
    expect(res.status, res.text).toBe(201);
    const widget = res.body.data;
    expect(widget).toMatchObject({
      name: "Mairie de Lyon",
      type: "benevolat",
      style: "page",
      color: "#000091",
      publishers: [],
      rules: [],
      location: null,
      distance: "25km",
      moderatedOnly: false,
      jvaModeration: false,
      active: true,
      fromPublisherId: diffuseur.id,
      pageUrl: `${server.config.publicUrl}/w/${widget.id}`,
    });
    expect(widget._id).toBe(widget.id);
    expect((await server.request("/v2/widgets", { apiKey: diffuseur.apiKey })).body).toMatchObject({ total: 1, data: [{ id: widget.id }] });
    expect((await server.request(`/v2/widgets/${widget.id}`, { apiKey: diffuseur.apiKey })).body.data).toEqual(widget);

    const put = await server.request(`/v2/widgets/${widget.id}`, {
      method: "PUT",
      apiKey: diffuseur.apiKey,
      json: { style: "carousel", color: "#C9191E", jvaModeration: true, location: { lat: 45.76, lon: 4.84, label: "Lyon" }, distance: "10km", publishers: [annonceur.id], url: "https://www.lyon.fr/benevolat" },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.data).toMatchObject({ name: "Mairie de Lyon", style: "carousel", color: "#c9191e", moderatedOnly: true, jvaModeration: true, location: { lat: 45.76, lon: 4.84, label: "Lyon" }, distance: "10km", publishers: [annonceur.id], url: "https://www.lyon.fr/benevolat" });
    expect(Date.parse(put.body.data.updatedAt)).toBeGreaterThanOrEqual(Date.parse(widget.updatedAt));

    expect((await server.request(`/v2/widgets/${widget.id}`, { method: "DELETE", apiKey: diffuseur.apiKey })).status).toBe(200);
    expect((await server.request(`/v2/widgets/${widget.id}`, { apiKey: diffuseur.apiKey })).status).toBe(404);
    expect((await server.request("/v2/widgets", { apiKey: diffuseur.apiKey })).body.total).toBe(0);
  });

  it("keeps each diffuseur to its own widgets", async () => {
    const mine = (await create({ name: "Le mien" })).body.data;
    for (const [method, path] of [
      ["GET", `/v2/widgets/${mine.id}`],
      ["PUT", `/v2/widgets/${mine.id}`],
      ["DELETE", `/v2/widgets/${mine.id}`],
      ["GET", `/v2/widgets/${mine.id}/preview-count`],
      ["GET", `/v2/widgets/${mine.id}/embed`],
    ] as const) {
      const res = await server.request(path, { method, apiKey: other.apiKey, ...(method === "PUT" ? { json: { active: false } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await server.request("/v2/widgets", { apiKey: other.apiKey })).body.data.map((w: { id: string }) => w.id)).not.toContain(mine.id);
    // Same name for another diffuseur: fine; twice for the same one (any case): 409.
    expect((await create({ name: "Le mien" }, other.apiKey)).status).toBe(201);
    const twice = await create({ name: "LE MIEN" });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toContain("Le mien".toUpperCase());
    expect((await server.request(`/v2/widgets/${mine.id}`, { apiKey: diffuseur.apiKey })).body.data.active).toBe(true);
  });

  it("needs the widget right and a key", async () => {
    const res = await create({ name: "Sans droit" }, noRight.apiKey);
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/widgets/);
    expect((await server.request("/v2/widgets")).status).toBe(401);
  });

  it("checks every field and says what to fix, in French", async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: "ab" }, "name"],
      [{ name: "Couleur", color: "rouge" }, "color"],
      [{ name: "Distance", distance: "loin" }, "distance"],
      [{ name: "Annonceur", publishers: [stranger.id] }, "publishers"],
      [{ name: "Règle", rules: [{ field: "title", operator: "contains", value: "x" }] }, "rules[0].field"],
      [{ name: "Opérateur", rules: [{ field: "domain", operator: "starts_with", value: "x" }] }, "rules[0].operator"],
      [{ name: "Valeur", rules: [{ field: "domain", operator: "is", value: " " }] }, "rules[0].value"],
      [{ name: "Mineurs", rules: [{ field: "openToMinors", operator: "is", value: "peut-être" }] }, "rules[0].value"],
      [{ name: "Adresse", url: "javascript:alert(1)" }, "url"],
      [{ name: "Lieu", location: { lat: 91, lon: 0, label: "Nulle part" } }, "location"],
      [{ name: "Type", type: "sapeurs" }, "type"],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(body)).toContain(field);
    }
    const rules = await create({ name: "Règles", rules: [{ field: "title", operator: "contains", value: "x" }] });
    expect(rules.body.message).toMatch(/champ « title » non pris en charge/);
    expect(rules.body.message).toMatch(/organizationName/);
    const refused = await create({ name: "Refusé", publishers: [stranger.id] });
    expect(refused.body.message).toContain("règles de diffusion");
  });
});

describe("/v2/widgets/:id/preview-count", () => {
  it("counts what the configuration shows, now", async () => {
    const widget = (await create({ name: "Compteur" })).body.data;
    const count = async () => (await server.request(`/v2/widgets/${widget.id}/preview-count`, { apiKey: diffuseur.apiKey })).body.data.count;
    // The diffuseur may show the annonceur's 3 missions, not the stranger's.
    expect(await count()).toBe(3);
    const put = (json: unknown) => server.request(`/v2/widgets/${widget.id}`, { method: "PUT", apiKey: diffuseur.apiKey, json });
    await put({ rules: [{ field: "domain", operator: "is", value: "sport" }] });
    expect(await count()).toBe(2);
    await put({ rules: [{ field: "domain", operator: "is", value: "sport" }, { field: "remote", operator: "is", value: "full", combinator: "and" }] });
    expect(await count()).toBe(1);
    await put({ rules: [{ field: "domain", operator: "is", value: "culture-loisirs", position: 1 }, { field: "remote", operator: "is", value: "full", combinator: "or", position: 2 }] });
    expect(await count()).toBe(2);
    await put({ rules: [], location: { lat: 48.8566, lon: 2.3522, label: "Paris" }, distance: "20km" });
    expect(await count()).toBe(1);
    await put({ location: null, type: "volontariat" });
    expect(await count()).toBe(0);
    // A new mission is counted at once.
    await put({ type: "benevolat" });
    await server.publish(annonceur, "w-new", {});
    expect(await count()).toBe(4);
  });
});

describe("/v2/widgets/:id/embed", () => {
  it("gives an iframe and a resize listener that trusts only the widget's own frame and origin", async () => {
    const widget = (await create({ name: "Intégration", style: "carousel" })).body.data;
    const res = await server.request(`/v2/widgets/${widget.id}/embed`, { apiKey: diffuseur.apiKey });
    expect(res.status).toBe(200);
    const { url, html } = res.body.data;
    expect(url).toBe(`${server.config.publicUrl}/w/${widget.id}`);
    expect(html).toContain(`<iframe id="engagement-widget-${widget.id}" src="${url}"`);
    expect(html).toContain('title="Trouver une mission de bénévolat"');
    expect(html).toContain('allow="geolocation"');
    expect(html).toContain("height:686px");
    expect(html).toContain(`e.origin!==${JSON.stringify(new URL(server.config.publicUrl).origin)}`);
    expect(html).toContain("e.source!==f.contentWindow");
    expect(html).toContain('"api-engagement-widget"');
  });
});
