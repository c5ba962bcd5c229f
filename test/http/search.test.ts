/**
 * Diffuseur read API, black box: visibility, every filter, geo radius, sorts, facets over the whole
 * result, legacy JSON shape, immediate effect of writes and rule changes, tombstones, ETag.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeDiffusion } from "../../src/diffusion/repository.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
type Partner = { id: string; name: string; apiKey: string };
let a1: Partner;
let a2: Partner;
let a3: Partner;
let d: Partner;
const PARIS = { lat: 48.8566, lon: 2.3522 };

/** Point at `km` from `from` towards `bearingDeg` (spherical Earth, R = 6371 km). */
function destination(from: { lat: number; lon: number }, km: number, bearingDeg: number) {
  const R = 6371;
  const δ = km / R;
  const θ = (bearingDeg * Math.PI) / 180;
  const φ1 = (from.lat * Math.PI) / 180;
  const λ1 = (from.lon * Math.PI) / 180;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
  const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return { lat: (φ2 * 180) / Math.PI, lon: (λ2 * 180) / Math.PI };
}

const mission = (clientId: string, extra: Record<string, unknown> = {}) => ({
  clientId,
  title: `Mission ${clientId} solidaire`,
  description: "Accompagner des personnes dans leurs démarches quotidiennes.",
  applicationUrl: `https://asso.example/${clientId}`,
  domain: "solidarite-insertion",
  remote: "no",
  startAt: "2026-06-01T00:00:00Z",
  addresses: [{ street: "1 rue de Rivoli", postalCode: "75004", city: "Paris", country: "FR", location: PARIS }],
  organizationClientId: "org-generic",
  organizationName: "Entraide Générale",
  ...extra,
});

const ids = (list: { clientId: string }[]) => list.map((m) => m.clientId).sort();

async function post(p: Partner, body: Record<string, unknown>) {
  const res = await server.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: body });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; clientId: string };
}

const get = (path: string, apiKey = d.apiKey) => server.request(path, { apiKey });

beforeAll(async () => {
  server = await startTestServer();
  a1 = await server.partner({ annonceur: true, name: `Annonceur Un ${Date.now()}` });
  a2 = await server.partner({ annonceur: true, name: `Annonceur Deux ${Date.now()}` });
  a3 = await server.partner({ annonceur: true, name: `Annonceur Trois ${Date.now()}` });
  d = await server.partner({ annonceur: false, diffuseur: true });
  await server.allow(d.id, a1.id);
  await server.allow(d.id, a2.id);

  await post(a1, mission("paris-edu", {
    domain: "education",
    activities: ["soutien-scolaire", "animation"],
    type: "benevolat",
    openToMinors: true,
    reducedMobilityAccessible: false,
    startAt: "2026-09-01T00:00:00Z",
    organizationClientId: "org-rna",
    organizationName: "Réussite Éducative",
    organizationRNA: "W751234567",
    organizationStatusJuridique: "Association",
  }));
  await post(a1, mission("lyon-jardin", {
    title: "Jardinage partagé au cœur de Lyon",
    description: "Nous cultivons un potager avec des habitants du quartier ; les bénévoles jardinent le samedi.",
    domain: "environnement",
    remote: "possible",
    startAt: "2026-10-01T00:00:00Z",
    addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
    organizationClientId: "org-reseau",
    organizationName: "Les Jardins Partagés",
    organizationReseaux: ["Réseau Vert"],
  }));
  await post(a1, mission("two-addresses", {
    domain: "sport",
    startAt: "2026-08-01T00:00:00Z",
    addresses: [
      { postalCode: "13008", city: "Marseille", country: "FR" },
      { postalCode: "78000", city: "Versailles", country: "FR" },
    ],
  }));
  await post(a1, mission("local-toulouse", { remote: "local", domain: "sante", addresses: [{ postalCode: "31000", city: "Toulouse", country: "FR" }] }));
  await post(a1, mission("inside-24.9", { domain: "culture-loisirs", addresses: [{ city: "Test", location: destination(PARIS, 24.9, 45) }] }));
  await post(a1, mission("outside-25.1", { domain: "culture-loisirs", addresses: [{ city: "Test", location: destination(PARIS, 25.1, 45) }] }));
  await post(a1, mission("diagonal-30", { domain: "culture-loisirs", addresses: [{ city: "Test", location: destination(PARIS, 30, 45) }] }));
  await post(a2, mission("a2-paris", { domain: "education", type: "volontariat_service_civique", snu: true, startAt: "2026-07-01T00:00:00Z" }));
  await post(a3, mission("a3-hidden"));
  await post(a1, mission("refused", { title: "Seul" }));
  await post(a1, mission("deleted"));
  await server.request("/v2/mission/deleted", { method: "DELETE", apiKey: a1.apiKey });
});
afterAll(async () => server?.close());

const VISIBLE = ["a2-paris", "diagonal-30", "inside-24.9", "local-toulouse", "lyon-jardin", "outside-25.1", "paris-edu", "two-addresses"];

describe("visibility", () => {
  it("lists the live accepted missions of the annonceurs the diffuseur may show, and nothing else", async () => {
    const res = await get("/v0/mission?limit=100");
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(VISIBLE.length);
    expect(ids(res.body.data)).toEqual(VISIBLE);
  });

  it("answers 404 by id for another annonceur's, a refused and a deleted mission", async () => {
    for (const clientId of ["a3-hidden", "refused", "deleted"]) {
      const owner = clientId === "a3-hidden" ? a3 : a1;
      const mine = await server.request(`/v0/mymission/${clientId}`, { apiKey: owner.apiKey });
      const res = await get(`/v0/mission/${mine.body.data.id}`);
      expect(res.status, clientId).toBe(404);
      expect(res.body.code).toBe("NOT_FOUND");
    }
  });

  it("shows a diffuseur without any right only its own missions", async () => {
    const lone = await server.partner({ annonceur: true, diffuseur: true });
    await post(lone, mission("lone-own"));
    const res = await get("/v0/mission", lone.apiKey);
    expect(ids(res.body.data)).toEqual(["lone-own"]);
  });
});

describe("legacy JSON", () => {
  it("has today's fields in today's order with today's types", async () => {
    const res = await get("/v0/mission?clientId=paris-edu");
    const m = res.body.data[0];
    expect(Object.keys(m)).toEqual([
      "_id", "clientId", "addresses", "audience", "compensationAmount", "compensationUnit", "compensationType", "closeToTransport",
      "createdAt", "deletedAt", "description", "descriptionHtml", "domain", "domainLogo", "duration", "endAt", "lastSyncAt", "metadata",
      "openToMinors", "organizationActions", "organizationBeneficiaries", "organizationCity", "organizationClientId",
      "organizationDescription", "organizationFullAddress", "organizationId", "organizationLogo", "organizationName",
      "organizationPostCode", "organizationRNA", "organizationReseaux", "organizationSiren", "organizationStatusJuridique",
      "organizationType", "organizationUrl", "postedAt", "priority", "publisherId", "publisherName", "publisherUrl", "publisherLogo",
      "reducedMobilityAccessible", "remote", "requirements", "romeSkills", "schedule", "snu", "snuPlaces", "soft_skills", "softSkills",
      "startAt", "statusCode", "statusComment", "tags", "tasks", "title", "type", "places", "updatedAt", "activity", "applicationUrl", "id",
      "address", "city", "postalCode", "departmentCode", "departmentName", "country", "location", "deleted", "statusCommentHistoric",
    ]);
    expect(m._id).toBe(m.id);
    expect(m.openToMinors).toBe("yes");
    expect(m.reducedMobilityAccessible).toBe("no");
    expect(m.activity).toBe("Animation, Soutien scolaire");
    expect(m.applicationUrl).toBe(`${server.config.publicUrl}/r/${m.id}/${d.id}`);
    expect(m.publisherId).toBe(a1.id);
    expect(m.publisherName).toBe(a1.name);
    expect(m).toMatchObject({ city: "Paris", postalCode: "75004", departmentCode: "75", departmentName: "Paris", country: "FR", location: PARIS });
    expect(m.deleted).toBe(false);
    expect(m.statusCommentHistoric).toEqual([]);
    expect(m.statusCode).toBe("ACCEPTED");
  });

  it("mounts the same answers on /v2/mission for GET", async () => {
    const v0 = await get("/v0/mission?domain=education");
    const v2 = await get("/v2/mission?domain=education");
    expect(v2.body).toEqual(v0.body);
    const one = await get(`/v2/mission/${v0.body.data[0].id}`);
    expect(one.body.data).toEqual(v0.body.data[0]);
    const search = await get("/v2/mission/search?domain=education");
    expect(search.body.total).toBe(v0.body.total);
  });
});

describe("filters", () => {
  it.each([
    ["domain=education", ["a2-paris", "paris-edu"]],
    ["domain=education,sport", ["a2-paris", "paris-edu", "two-addresses"]],
    ["domain=education&domain=sport", ["a2-paris", "paris-edu", "two-addresses"]],
    ["activity=Soutien%20scolaire", ["paris-edu"]],
    ["type=volontariat_service_civique", ["a2-paris"]],
    ["remote=possible,local", ["local-toulouse", "lyon-jardin"]],
    ["city=Versailles", ["two-addresses"]],
    ["city=versailles", []],
    ["departmentName=Rh%C3%B4ne", ["lyon-jardin"]],
    ["country=FR&city=Lyon", ["lyon-jardin"]],
    ["clientId=paris-edu,lyon-jardin", ["lyon-jardin", "paris-edu"]],
    ["publisher=PUBLISHER_A2", ["a2-paris"]],
    ["publisher=PUBLISHER_A3", []],
    ["organizationRNA=W751234567", ["paris-edu"]],
    ["organizationStatusJuridique=Association", ["paris-edu"]],
    ["openToMinors=yes", ["paris-edu"]],
    ["reducedMobilityAccessible=false", ["paris-edu"]],
    ["snu=true", ["a2-paris"]],
    ["startAt=gt:2026-08-15", ["lyon-jardin", "paris-edu"]],
    ["startAt=lt:2026-07-15", ["a2-paris", "diagonal-30", "inside-24.9", "local-toulouse", "outside-25.1"]],
    ["keywords=jardiner", ["lyon-jardin"]],
    ["keywords=POTAGER%20benevoles", ["lyon-jardin"]],
    ["text=Jardinage", ["lyon-jardin"]],
    ["keywords=R%C3%A9ussite%20%C3%A9ducative", ["paris-edu"]],
    ["keywords=lyon", ["lyon-jardin"]],
  ])("%s", async (query, expected) => {
    const q = query.replace("PUBLISHER_A2", a2.id).replace("PUBLISHER_A3", a3.id);
    const res = await get(`/v0/mission?limit=100&${q}`);
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it("createdAt compares with the creation date", async () => {
    const past = await get("/v0/mission?createdAt=lt:2000-01-01");
    expect(past.body.total).toBe(0);
    const recent = await get("/v0/mission?createdAt=gt:2000-01-01&limit=100");
    expect(recent.body.total).toBe(VISIBLE.length);
  });

  it.each([
    ["type=stage", "type"],
    ["remote=sometimes", "remote"],
    ["limit=10001", "limit"],
    ["limit=abc", "limit"],
    ["skip=-1", "skip"],
    ["openToMinors=peut-etre", "openToMinors"],
    ["snu=oui", "snu"],
    ["startAt=2026-01-01", "startAt"],
    ["startAt=gt:hier", "startAt"],
    ["lat=48.8", "lon"],
    ["lat=200&lon=2", "lat"],
    ["lat=48.8&lon=2.3&distance=loin", "distance"],
    ["sort=price", "sort"],
    ["sort=distance", "sort"],
    ["includeDeleted=true", "includeDeleted"],
    ["updatedSince=yesterday", "updatedSince"],
  ])("%s is a 400 naming %s", async (query, param) => {
    const res = await get(`/v0/mission?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("INVALID_QUERY");
    expect(res.body.message).toContain(param);
  });

  it("paginates with limit/skip and the legacy from/size", async () => {
    const all = (await get("/v0/mission?limit=100")).body.data.map((m: { clientId: string }) => m.clientId);
    const page = await get("/v0/mission?limit=3&skip=2");
    expect(page.body).toMatchObject({ limit: 3, skip: 2, total: VISIBLE.length });
    expect(page.body.data.map((m: { clientId: string }) => m.clientId)).toEqual(all.slice(2, 5));
    const legacy = await get("/v0/mission?size=3&from=2");
    expect(legacy.body.data.map((m: { clientId: string }) => m.clientId)).toEqual(all.slice(2, 5));
    const dflt = await get("/v0/mission");
    expect(dflt.body.limit).toBe(25);
  });
});

describe("geo", () => {
  it("is a true circle on any address, keeps remote=local missions, and measures the nearest address", async () => {
    const res = await get(`/v0/mission/search?lat=${PARIS.lat}&lon=${PARIS.lon}&distance=25km&limit=100`);
    expect(res.status).toBe(200);
    expect(ids(res.body.hits)).toEqual(["a2-paris", "inside-24.9", "local-toulouse", "paris-edu", "two-addresses"]);
    const byId = Object.fromEntries(res.body.hits.map((h: { clientId: string; _distance?: number }) => [h.clientId, h._distance]));
    expect(byId["paris-edu"]).toBeCloseTo(0, 1);
    expect(byId["inside-24.9"]).toBeCloseTo(24.9, 1);
    expect(byId["two-addresses"]).toBeGreaterThan(10);
    expect(byId["two-addresses"]).toBeLessThan(25);
    expect(byId["local-toulouse"]).toBeCloseTo(588.19, 1); // kept by the remote=local bypass, measured to its address (Toulouse)
  });

  it("leaves remote=local missions out when remote excludes them; m suffix means metres", async () => {
    const res = await get(`/v0/mission?lat=${PARIS.lat}&lon=${PARIS.lon}&distance=25000m&remote=no&limit=100`);
    expect(ids(res.body.data)).toEqual(["a2-paris", "inside-24.9", "paris-edu", "two-addresses"]);
  });

  it("sorts by distance", async () => {
    const res = await get(`/v0/mission/search?lat=${PARIS.lat}&lon=${PARIS.lon}&distance=40km&sort=distance&remote=no&limit=100`);
    const distances = res.body.hits.map((h: { _distance: number }) => h._distance);
    expect(distances).toEqual([...distances].sort((x: number, y: number) => x - y));
    expect(res.body.hits.at(-1).clientId).toBe("diagonal-30");
  });
});

describe("search, facets, sorts", () => {
  it("computes facets over the whole result, not the page", async () => {
    const res = await get("/v0/mission/search?limit=1");
    expect(res.body.total).toBe(VISIBLE.length);
    expect(res.body.hits).toHaveLength(1);
    const count = (facet: { key: string; doc_count: number }[], key: string) => facet.find((b) => b.key === key)?.doc_count;
    expect(count(res.body.facets.domains, "culture-loisirs")).toBe(3);
    expect(count(res.body.facets.domains, "education")).toBe(2);
    expect(count(res.body.facets.publishers, a1.id)).toBe(7);
    expect(count(res.body.facets.publishers, a2.id)).toBe(1);
    expect(count(res.body.facets.remote, "no")).toBe(6);
    expect(count(res.body.facets.departmentName, "Bouches-du-Rhône")).toBe(1);
    expect(count(res.body.facets.activities, "Soutien scolaire")).toBe(1);
    expect(count(res.body.facets.type, "volontariat_service_civique")).toBe(1);
    expect(Object.keys(res.body.facets)).toEqual(["departmentName", "activities", "domains", "publishers", "remote", "type"]);
    expect(res.body.hits[0]._distance).toBeUndefined();
  });

  it("sorts by start date (default, newest first) and by creation or update", async () => {
    const byStart = (await get("/v0/mission?limit=3")).body.data.map((m: { clientId: string }) => m.clientId);
    expect(byStart).toEqual(["lyon-jardin", "paris-edu", "two-addresses"]);
    const created = (await get("/v0/mission?limit=100&sort=createdAt")).body.data.map((m: { createdAt: string }) => m.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    await server.request("/v2/mission/two-addresses", { method: "PUT", apiKey: a1.apiKey, json: { schedule: "Le dimanche" } });
    const updated = (await get("/v0/mission?limit=1&sort=updatedAt")).body.data[0];
    expect(updated.clientId).toBe("two-addresses");
  });

  it("ranks by relevance: a title match before a description-only match", async () => {
    await post(a2, mission("title-match", { title: "Atelier potager pour enfants", description: "Des ateliers au jardin." }));
    await post(a2, mission("description-match", { title: "Animation de quartier", description: "Nous entretenons aussi un petit potager." }));
    const res = await get("/v0/mission?keywords=potager&sort=relevance&limit=10");
    const order = res.body.data.map((m: { clientId: string }) => m.clientId);
    expect(order[0]).toBe("title-match");
    expect(order.slice(1).sort()).toEqual(["description-match", "lyon-jardin"]);
  });
});

describe("freshness", () => {
  it("shows a new mission, an update and a deletion on the very next request", async () => {
    const created = await post(a1, mission("fresh-1", { domain: "animaux" }));
    expect((await get(`/v0/mission/${created.id}`)).status).toBe(200);
    await server.request("/v2/mission/fresh-1", { method: "PUT", apiKey: a1.apiKey, json: { title: "Promener les chiens du refuge" } });
    expect((await get(`/v0/mission/${created.id}`)).body.data.title).toBe("Promener les chiens du refuge");
    expect((await get("/v0/mission?keywords=refuge")).body.data.map((m: { clientId: string }) => m.clientId)).toEqual(["fresh-1"]);
    await server.request("/v2/mission/fresh-1", { method: "DELETE", apiKey: a1.apiKey });
    expect((await get(`/v0/mission/${created.id}`)).status).toBe(404);
  });

  it("applies diffusion-rule changes on the very next request", async () => {
    await server.allow(d.id, a3.id);
    expect((await get("/v0/mission?clientId=a3-hidden")).body.total).toBe(1);
    await revokeDiffusion(server.database.db, d.id, a3.id);
    expect((await get("/v0/mission?clientId=a3-hidden")).body.total).toBe(0);
  });

  it("applies an organisation exclusion set by the annonceur at once", async () => {
    const put = await server.request("/v0/myorganization/org-reseau", { method: "PUT", apiKey: a1.apiKey, json: { publisherIds: [] } });
    expect(put.status).toBe(200);
    expect((await get("/v0/mission?clientId=lyon-jardin")).body.total).toBe(0);
    await server.request("/v0/myorganization/org-reseau", { method: "PUT", apiKey: a1.apiKey, json: { publisherIds: [d.id] } });
    expect((await get("/v0/mission?clientId=lyon-jardin")).body.total).toBe(1);
  });

  it("applies a network exclusion rule at once", async () => {
    const rule = await server.request("/v0/diffusion-rule", {
      method: "POST",
      apiKey: a1.apiKey,
      json: { publisherIds: [d.id], field: "publisherOrganization.parentOrganizations", operator: "does_not_contain", value: "Réseau Vert" },
    });
    expect(rule.status).toBe(201);
    expect((await get("/v0/mission?clientId=lyon-jardin")).body.total).toBe(0);
    await server.request(`/v0/diffusion-rule/${rule.body.data[0].id}`, { method: "DELETE", apiKey: a1.apiKey });
    expect((await get("/v0/mission?clientId=lyon-jardin")).body.total).toBe(1);
  });
});

describe("moderator diffuseur", () => {
  it("sees only the missions it accepted, with its title", async () => {
    const moderator = await server.partner({ annonceur: false, diffuseur: true, moderator: true });
    await server.allow(moderator.id, a1.id);
    expect((await get("/v0/mission", moderator.apiKey)).body.total).toBe(0);
    const target = (await server.request("/v0/mymission/paris-edu", { apiKey: a1.apiKey })).body.data;
    await server.database.db
      .insertInto("mission_moderation_status")
      .values({ mission_id: target.id, publisher_id: moderator.id, status: "ACCEPTED", title: "Titre relu par le modérateur", comment: null, note: null })
      .execute();
    const res = await get("/v0/mission", moderator.apiKey);
    expect(res.body.total).toBe(1);
    expect(res.body.data[0].title).toBe("Titre relu par le modérateur");
    await server.database.db.updateTable("mission_moderation_status").set({ status: "REFUSED" }).where("publisher_id", "=", moderator.id).execute();
    expect((await get(`/v0/mission/${target.id}`, moderator.apiKey)).status).toBe(404);
  });
});

describe("incremental sync", () => {
  it("returns changes since a date and tombstones for what left the diffuseur's view", async () => {
    // Earlier tests changed rules of the same annonceurs: start after them.
    await new Promise((r) => setTimeout(r, 50));
    const since = new Date().toISOString();
    const changed = await post(a1, mission("sync-new"));
    const gone = await post(a1, mission("sync-gone"));
    await server.request("/v2/mission/sync-gone", { method: "DELETE", apiKey: a1.apiKey });
    await server.allow(d.id, a3.id);
    await revokeDiffusion(server.database.db, d.id, a3.id);

    const res = await get(`/v0/mission?updatedSince=${encodeURIComponent(since)}&includeDeleted=true&limit=1000`);
    expect(res.status).toBe(200);
    const live = res.body.data.filter((m: { deleted: boolean }) => !m.deleted);
    const tombstones = res.body.data.filter((m: { deleted: boolean }) => m.deleted);
    expect(live.map((m: { id: string }) => m.id)).toContain(changed.id);
    expect(live.every((m: { updatedAt: string }) => m.updatedAt > since)).toBe(true);
    const hidden = (await server.request("/v0/mymission/a3-hidden", { apiKey: a3.apiKey })).body.data.id;
    expect(tombstones.map((t: { id: string }) => t.id).sort()).toEqual([gone.id, hidden].sort());
    for (const t of tombstones) {
      expect(Object.keys(t)).toEqual(["_id", "id", "deleted", "deletedAt"]);
      expect(t.deletedAt > since).toBe(true);
    }
    expect(res.body.total).toBe(res.body.data.length);

    const withoutDeleted = await get(`/v0/mission?updatedSince=${encodeURIComponent(since)}&limit=1000`);
    expect(withoutDeleted.body.data.some((m: { deleted: boolean }) => m.deleted)).toBe(false);
  });
});

describe("ETag", () => {
  it("answers 304 when nothing changed and 200 with a new ETag after a change", async () => {
    const first = await get("/v0/mission?domain=sport");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await server.request("/v0/mission?domain=sport", { apiKey: d.apiKey, headers: { "If-None-Match": etag as string } });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    // A change of an annonceur this diffuseur does not show leaves its answers (and ETags) alone.
    await post(a3, mission("etag-unrelated", { domain: "sport" }));
    const unrelated = await server.request("/v0/mission?domain=sport", { apiKey: d.apiKey, headers: { "If-None-Match": etag as string } });
    expect(unrelated.status).toBe(304);
    await server.request("/v2/mission/two-addresses", { method: "PUT", apiKey: a1.apiKey, json: { places: 9 } });
    const changed = await server.request("/v0/mission?domain=sport", { apiKey: d.apiKey, headers: { "If-None-Match": etag as string } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    const detail = await get(`/v0/mission/${first.body.data[0].id}`);
    const detail304 = await server.request(`/v0/mission/${first.body.data[0].id}`, {
      apiKey: d.apiKey,
      headers: { "If-None-Match": detail.headers.get("etag") as string },
    });
    expect(detail304.status).toBe(304);
  });
});
