/** Annonceur mission API: create, conflict, restore, partial update, delete, mymission, ownership. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let a: { id: string; apiKey: string };
let b: { id: string; apiKey: string };

const body = (clientId: string, extra: Record<string, unknown> = {}) => ({
  clientId,
  title: "Aide aux devoirs pour collégiens",
  description: "<p>Accompagner des élèves de <strong>5e</strong> :</p><ul><li>maths</li><li>français</li></ul>",
  applicationUrl: "https://asso.example/missions/1?ref=api",
  startAt: "2026-09-01T08:00:00Z",
  endAt: "2027-06-30",
  domain: "education",
  activities: ["soutien-scolaire", "Animation, Valorisation"],
  tags: ["école", "jeunesse", "école"],
  audience: ["Jeunes / enfants"],
  remote: "no",
  places: 3,
  openToMinors: false,
  reducedMobilityAccessible: true,
  addresses: [
    { street: "10 rue de la République", postalCode: "01000", city: "Bourg-en-Bresse", country: "FR" },
    { street: "Cours Napoléon", postalCode: "20000", city: "Ajaccio", country: "France", location: { lat: 41.9267, lon: 8.7369 } },
  ],
  organizationClientId: "org-42",
  organizationName: "Association Réussir Ensemble",
  organizationRNA: "W011002233",
  organizationSiren: "012345678",
  organizationReseaux: ["Réseau national de l'entraide scolaire"],
  ...extra,
});

beforeAll(async () => {
  server = await startTestServer();
  a = await server.partner({ annonceur: true });
  b = await server.partner({ annonceur: true });
});
afterAll(async () => server?.close());

describe("POST /v2/mission", () => {
  it("creates the mission and answers the v2 mission in today's shape", async () => {
    const res = await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body("create-1") });
    expect(res.status).toBe(201);
    expect(res.body.ok).toBe(true);
    const m = res.body.data;
    expect(Object.keys(m).slice(0, 10)).toEqual([
      "id",
      "clientId",
      "publisherId",
      "statusCode",
      "statusComment",
      "createdAt",
      "updatedAt",
      "deletedAt",
      "title",
      "description",
    ]);
    expect(m.clientId).toBe("create-1");
    expect(m.publisherId).toBe(a.id);
    expect(m.statusCode).toBe("ACCEPTED");
    expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.description).toContain("<strong>5e</strong>");
    expect(m.activities).toEqual(["Soutien scolaire", "Animation, Valorisation"]);
    expect(m.tags).toEqual(["école", "jeunesse"]);
    expect(m.places).toBe(3);
    expect(m.startAt).toBe("2026-09-01T08:00:00.000Z");
    expect(m.endAt).toBe("2027-06-30T00:00:00.000Z");
    expect(m.openToMinors).toBe(false);
    expect(m.reducedMobilityAccessible).toBe(true);
    expect(m.organizationClientId).toBe("org-42");
    expect(m.organizationRNA).toBe("W011002233");
    expect(m.organizationSiren).toBe("012345678");
    expect(m.organizationReseaux).toEqual(["Réseau national de l'entraide scolaire"]);
  });

  it("normalises addresses offline: leading zeros, Corsica, coordinates given or resolved", async () => {
    const res = await server.request("/v0/mymission/create-1", { apiKey: a.apiKey });
    const [bourg, ajaccio] = res.body.data.addresses;
    expect(bourg).toMatchObject({
      postalCode: "01000",
      departmentCode: "01",
      departmentName: "Ain",
      region: "Auvergne-Rhône-Alpes",
      country: "FR",
      geolocStatus: "ENRICHED_BY_API",
    });
    expect(bourg.location.lat).toBeCloseTo(46.2, 1);
    expect(bourg.geoPoint).toEqual({ type: "Point", coordinates: [bourg.location.lon, bourg.location.lat] });
    expect(ajaccio).toMatchObject({
      postalCode: "20000",
      departmentCode: "2A",
      departmentName: "Corse-du-Sud",
      region: "Corse",
      country: "FR",
      location: { lat: 41.9267, lon: 8.7369 },
      geolocStatus: "ENRICHED_BY_PUBLISHER",
    });
  });

  it("accepts a numeric postal code and restores its leading zero", async () => {
    const res = await server.request("/v2/mission", {
      method: "POST",
      apiKey: a.apiKey,
      json: body("zip-number", { addresses: [{ postalCode: 1000, city: "Bourg-en-Bresse", country: "FR" }] }),
    });
    expect(res.status).toBe(201);
    expect(res.body.data.addresses[0]).toMatchObject({ postalCode: "01000", departmentCode: "01", country: "FR" });
  });

  it("reads an address without a country as French when its place is, leading zero restored", async () => {
    const res = await server.request("/v2/mission", {
      method: "POST",
      apiKey: a.apiKey,
      json: body("zip-no-country", { addresses: [{ postalCode: 1000, city: "Bourg-en-Bresse" }, { city: "Bastia" }, { postalCode: "1000", city: "Bruxelles" }] }),
    });
    expect(res.status).toBe(201);
    const [bourg, bastia, brussels] = res.body.data.addresses;
    expect(bourg).toMatchObject({ postalCode: "01000", departmentCode: "01", departmentName: "Ain", country: "FR", geolocStatus: "ENRICHED_BY_API" });
    expect(bastia).toMatchObject({ departmentCode: "2B", departmentName: "Haute-Corse", region: "Corse", country: "FR" });
    expect(brussels).toMatchObject({ postalCode: "1000", departmentCode: null, country: null });
  });

  it("stores sanitized HTML and derives the plain text", async () => {
    const res = await server.request("/v2/mission", {
      method: "POST",
      apiKey: a.apiKey,
      json: body("xss-1", { description: '<p onclick="steal()">Bonjour</p><script>alert(1)</script><a href="javascript:alert(1)">lien</a>' }),
    });
    expect(res.status).toBe(201);
    const detail = await server.request("/v0/mymission/xss-1", { apiKey: a.apiKey });
    expect(detail.body.data.descriptionHtml).not.toMatch(/script|onclick|javascript:/i);
    expect(detail.body.data.descriptionHtml).toContain("Bonjour");
    expect(detail.body.data.description).toContain("Bonjour");
    expect(detail.body.data.description).not.toContain("<");
  });

  it("answers 409 for a live clientId", async () => {
    const res = await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body("create-1") });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ ok: false, code: "RESSOURCE_ALREADY_EXIST" });
    expect(res.body.message).toContain("create-1");
  });

  it("lets two annonceurs use the same clientId", async () => {
    const res = await server.request("/v2/mission", { method: "POST", apiKey: b.apiKey, json: body("create-1") });
    expect(res.status).toBe(201);
    expect(res.body.data.publisherId).toBe(b.id);
  });

  it("restores a deleted clientId with the same internal id", async () => {
    const first = await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body("restore-1") });
    await server.request("/v2/mission/restore-1", { method: "DELETE", apiKey: a.apiKey });
    const again = await server.request("/v2/mission", {
      method: "POST",
      apiKey: a.apiKey,
      json: body("restore-1", { title: "Aide aux devoirs, nouvelle saison" }),
    });
    expect(again.status).toBe(201);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(again.body.data.deletedAt).toBeNull();
    expect(again.body.data.title).toBe("Aide aux devoirs, nouvelle saison");
    const events = await server.database.db
      .selectFrom("mission_event")
      .select("type")
      .where("mission_id", "=", first.body.data.id)
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.type)).toEqual(["create", "delete", "restore"]);
  });

  it("applies the publisher's mission type when the body has none", async () => {
    const sc = await server.partner({ annonceur: true, missionType: "volontariat_service_civique" });
    const res = await server.request("/v2/mission", { method: "POST", apiKey: sc.apiKey, json: body("type-1") });
    expect(res.body.data.type).toBe("volontariat_service_civique");
  });

  it.each([
    [{ title: undefined }, "title"],
    [{ title: 42 }, "title"],
    [{ places: "3" }, "places"],
    [{ tags: "a,b" }, "tags"],
    [{ clientId: "" }, "clientId"],
    [{ places: "trois" }, "places"],
    [{ openToMinors: "peut-être" }, "openToMinors"],
    [{ startAt: "31/02/2026" }, "startAt"],
    [{ endAt: "demain" }, "endAt"],
    [{ postedAt: -1e15 }, "postedAt"],
    [{ addresses: [{ location: { lat: 123, lon: 2 } }] }, "addresses[0].location.lat"],
    [{ type: "stage" }, "type"],
    [{ organizationName: undefined, organizationRNA: "W011002233" }, "organizationName"],
  ])("rejects %j with 400 INVALID_BODY naming %s", async (override, field) => {
    const json: Record<string, unknown> = { ...body("invalid-x"), ...override };
    for (const [k, v] of Object.entries(override)) if (v === undefined) delete json[k];
    const res = await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("INVALID_BODY");
    expect(res.body.message).toContain(field);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it.each([
    ["2026-09-01", "2026-09-01T00:00:00.000Z"],
    ["2026-09-01T09:30:00+02:00", "2026-09-01T07:30:00.000Z"],
    ["01/09/2026", "2026-09-01T00:00:00.000Z"],
    ["Tue, 01 Sep 2026 10:00:00 GMT", "2026-09-01T10:00:00.000Z"],
    [1788253200000, "2026-09-01T09:00:00.000Z"],
    [1788253200, "2026-09-01T09:00:00.000Z"],
  ])("reads the date %j as %s (coerced like today, day before month)", async (startAt, iso) => {
    const res = await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body(`date-${String(startAt).replace(/\W/g, "")}`, { startAt }) });
    expect(res.status).toBe(201);
    expect(res.body.data.startAt).toBe(iso);
  });

  it("reads day and month in the annonceur's order (dateOrder mdy, the legacy reading)", async () => {
    const us = await server.partner({ annonceur: true });
    await server.database.db.updateTable("publisher").set({ feed_date_order: "mdy" }).where("id", "=", us.id).execute();
    const res = await server.request("/v2/mission", { method: "POST", apiKey: us.apiKey, json: body("date-us", { startAt: "09/01/2026", endAt: "12/31/2026" }) });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ startAt: "2026-09-01T00:00:00.000Z", endAt: "2026-12-31T00:00:00.000Z" });
  });

  it("refuses mission writes from a partner that is not an annonceur", async () => {
    const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    const res = await server.request("/v2/mission", { method: "POST", apiKey: diffuseur.apiKey, json: body("nope") });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("FORBIDDEN");
  });
});

describe("PUT /v2/mission/:clientId", () => {
  it("changes only the fields sent", async () => {
    await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body("put-1") });
    const res = await server.request("/v2/mission/put-1", { method: "PUT", apiKey: a.apiKey, json: { places: 7, schedule: "Le mercredi après-midi" } });
    expect(res.status).toBe(200);
    expect(res.body.data.places).toBe(7);
    expect(res.body.data.schedule).toBe("Le mercredi après-midi");
    expect(res.body.data.title).toBe("Aide aux devoirs pour collégiens");
    expect(res.body.data.addresses).toHaveLength(2);
    expect(res.body.data.organizationName).toBe("Association Réussir Ensemble");
    const events = await server.database.db
      .selectFrom("mission_event")
      .select(["type", "changes"])
      .where("mission_id", "=", res.body.data.id)
      .where("type", "=", "update")
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]?.changes).toMatchObject({ places: { previous: 3, current: 7 } });
  });

  it("replaces the address set and keeps the ids of addresses that stay", async () => {
    const before = await server.request("/v0/mymission/put-1", { apiKey: a.apiKey });
    const bourg = before.body.data.addresses[0];
    const res = await server.request("/v2/mission/put-1", {
      method: "PUT",
      apiKey: a.apiKey,
      json: {
        addresses: [
          { street: "10 rue de la République", postalCode: "01000", city: "Bourg-en-Bresse", country: "FR" },
          { postalCode: "97400", city: "Saint-Denis", country: "FR" },
        ],
      },
    });
    expect(res.body.data.addresses).toHaveLength(2);
    expect(res.body.data.addresses[0].id).toBe(bourg.id);
    expect(res.body.data.addresses[1]).toMatchObject({ departmentCode: "974", departmentName: "La Réunion" });
  });

  it("clears a field sent as null", async () => {
    const res = await server.request("/v2/mission/put-1", { method: "PUT", apiKey: a.apiKey, json: { schedule: null, openToMinors: null } });
    expect(res.body.data.schedule).toBeNull();
    expect(res.body.data.openToMinors).toBeNull();
  });

  it("answers 404 for another annonceur's mission, an unknown one and a deleted one", async () => {
    await server.request("/v2/mission", { method: "POST", apiKey: b.apiKey, json: body("b-only") });
    const other = await server.request("/v2/mission/b-only", { method: "PUT", apiKey: a.apiKey, json: { places: 1 } });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe("NOT_FOUND");
    const unknown = await server.request("/v2/mission/nope", { method: "PUT", apiKey: a.apiKey, json: { places: 1 } });
    expect(unknown.status).toBe(404);
    await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body("gone-1") });
    await server.request("/v2/mission/gone-1", { method: "DELETE", apiKey: a.apiKey });
    const deleted = await server.request("/v2/mission/gone-1", { method: "PUT", apiKey: a.apiKey, json: { places: 1 } });
    expect(deleted.status).toBe(404);
    const untouched = await server.request("/v0/mymission/b-only", { apiKey: b.apiKey });
    expect(untouched.body.data.places).toBe(3);
  });
});

describe("DELETE /v2/mission/:clientId", () => {
  it("soft-deletes idempotently, keeping the first deletion date", async () => {
    await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body("del-1") });
    const first = await server.request("/v2/mission/del-1", { method: "DELETE", apiKey: a.apiKey });
    expect(first.status).toBe(200);
    expect(first.body.data.clientId).toBe("del-1");
    const second = await server.request("/v2/mission/del-1", { method: "DELETE", apiKey: a.apiKey });
    expect(second.status).toBe(200);
    expect(second.body.data.deletedAt).toBe(first.body.data.deletedAt);
    const detail = await server.request("/v0/mymission/del-1", { apiKey: a.apiKey });
    expect(detail.status).toBe(200);
    expect(detail.body.data.deletedAt).toBe(first.body.data.deletedAt);
    const list = await server.request("/v0/mymission?limit=10000", { apiKey: a.apiKey });
    expect(list.body.data.map((m: { clientId: string }) => m.clientId)).not.toContain("del-1");
  });

  it("answers 404 for another annonceur's mission and leaves it alone", async () => {
    const res = await server.request("/v2/mission/b-only", { method: "DELETE", apiKey: a.apiKey });
    expect(res.status).toBe(404);
    const still = await server.request("/v0/mymission/b-only", { apiKey: b.apiKey });
    expect(still.body.data.deletedAt).toBeNull();
  });
});

describe("GET /v0/mymission", () => {
  it("lists my live accepted missions in today's v0 shape, newest start first, paginated", async () => {
    const c = await server.partner({ annonceur: true });
    for (const [id, start] of [["p-1", "2026-01-01"], ["p-2", "2026-03-01"], ["p-3", "2026-02-01"]] as const) {
      await server.request("/v2/mission", { method: "POST", apiKey: c.apiKey, json: body(id, { startAt: start }) });
    }
    const page = await server.request("/v0/mymission?limit=2&skip=0", { apiKey: c.apiKey });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ ok: true, total: 3, limit: 2, skip: 0 });
    expect(page.body.data.map((m: { clientId: string }) => m.clientId)).toEqual(["p-2", "p-3"]);
    const next = await server.request("/v0/mymission?limit=2&skip=2", { apiKey: c.apiKey });
    expect(next.body.data.map((m: { clientId: string }) => m.clientId)).toEqual(["p-1"]);

    const m = page.body.data[0];
    expect(m._id).toBe(m.id);
    expect(m.activity).toBe("Animation, Valorisation, Soutien scolaire");
    expect(m.openToMinors).toBe("no");
    expect(m.reducedMobilityAccessible).toBe("yes");
    expect(m.applicationUrl).toBe("https://asso.example/missions/1?ref=api");
    expect(m.city).toBe("Bourg-en-Bresse");
    expect(m.postalCode).toBe("01000");
    expect(m.departmentCode).toBe("01");
    expect(m.publisherName).toMatch(/^Partenaire test/);
    expect(m.duration).toBe(15);
    expect(Object.keys(m).slice(0, 14)).toEqual([
      "_id",
      "id",
      "clientId",
      "publisherId",
      "activity",
      "address",
      "city",
      "country",
      "departmentCode",
      "departmentName",
      "region",
      "location",
      "postalCode",
      "addresses",
    ]);
  });

  it("never shows another annonceur's missions", async () => {
    const list = await server.request("/v0/mymission?limit=10000", { apiKey: b.apiKey });
    expect(list.body.data.length).toBeGreaterThan(0);
    expect(list.body.data.every((m: { publisherId: string }) => m.publisherId === b.id)).toBe(true);
    const detail = await server.request("/v0/mymission/put-1", { apiKey: b.apiKey });
    expect(detail.status).toBe(404);
  });

  it("validates limit and skip", async () => {
    for (const q of ["limit=10001", "limit=-1", "skip=-2", "limit=abc"]) {
      const res = await server.request(`/v0/mymission?${q}`, { apiKey: a.apiKey });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("INVALID_QUERY");
      expect(res.body.message).toMatch(/limit|skip/);
    }
  });

  it("shows a refused mission with stats in the detail", async () => {
    await server.request("/v2/mission", { method: "POST", apiKey: a.apiKey, json: body("refused-1", { title: "Solo" }) });
    const res = await server.request("/v0/mymission/refused-1", { apiKey: a.apiKey });
    expect(res.status).toBe(200);
    expect(res.body.data.statusCode).toBe("REFUSED");
    expect(res.body.data.stats).toEqual({ clicks: [], applications: [], accounts: [] });
  });
});
