/**
 * Feed import end to end: a local web server serves feeds, the import runs against the run's real
 * database, and the results are read through the database, the annonceur API and the diffuseur API.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedConfig, loadConfig } from "../../src/config.ts";
import type { PublisherRow } from "../../src/db/schema.ts";
import { ImportBusyError } from "../../src/feeds/history.ts";
import { type ImportOptions, runImport } from "../../src/feeds/import.ts";
import { importAllFeeds, startFeedScheduler } from "../../src/feeds/schedule.ts";
import { type FeedServer, startFeedServer } from "../support/feed-server.ts";
import { feedMission, feedXml } from "../support/feed-xml.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const REFERENCE_FEEDS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/reference/feeds");
const hasReferenceFeeds = fs.existsSync(REFERENCE_FEEDS);

let server: TestServer;
let web: FeedServer;
let feeds: FeedConfig;
let pathCounter = 0;

beforeAll(async () => {
  // The validator fetches from this machine's loopback: allowed as FEED_ALLOW_PRIVATE_NETWORKS=true would.
  server = await startTestServer({ feeds: { ...loadConfig({}).feeds, allowPrivateNetworks: true, validateMaxBytes: 200_000 } });
  web = await startFeedServer();
  feeds = { ...server.config.feeds, allowPrivateNetworks: true, connectTimeoutMs: 1000, totalTimeoutMs: 1500, maxBytes: 1_000_000 };
});
afterAll(async () => {
  await web?.close();
  await server?.close();
});

const db = () => server.database.db;

/** A new annonceur whose feed is served at a fresh path with `body`. */
async function annonceur(body?: string, settings: Partial<PublisherRow> = {}) {
  const partner = await server.partner({ annonceur: true });
  const feedPath = `/feed-${++pathCounter}.xml`;
  if (body !== undefined) web.set(feedPath, { body });
  await db().updateTable("publisher").set({ feed_url: web.url(feedPath), ...settings }).where("id", "=", partner.id).execute();
  return { ...partner, feedPath };
}

async function publisherRow(id: string) {
  return db().selectFrom("publisher").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

async function importNow(id: string, options: Partial<ImportOptions> = {}, config: Partial<FeedConfig> = {}) {
  return runImport({ db: db(), feeds: { ...feeds, ...config } }, await publisherRow(id), { trigger: "cli", ...options });
}

async function liveMissions(id: string) {
  return db().selectFrom("mission").selectAll().where("publisher_id", "=", id).where("deleted_at", "is", null).orderBy("client_id").execute();
}

async function problemsOf(importId: string) {
  return db().selectFrom("feed_import_problem").selectAll().where("import_id", "=", importId).orderBy("position").execute();
}

const missions = (n: number, extra: (i: number) => Record<string, any> = () => ({})) =>
  Array.from({ length: n }, (_, i) => feedMission(`m-${String(i).padStart(3, "0")}`, extra(i)));

describe("reference feeds", () => {
  it.skipIf(!hasReferenceFeeds)("imports correct-feed.xml: one accepted mission with its two French addresses", async () => {
    const a = await annonceur(fs.readFileSync(path.join(REFERENCE_FEEDS, "correct-feed.xml"), "utf8"));
    const report = await importNow(a.id);
    expect(report).toMatchObject({ status: "SUCCESS", error: null });
    expect(report.counts).toMatchObject({ received: 1, feedMissions: 1, created: 1, refused: 0, skipped: 0 });
    const [mission] = await liveMissions(a.id);
    expect(mission).toMatchObject({ client_id: "32132143", status_code: "ACCEPTED", title: "Titre de la mission", remote: "full", places: 2 });
    expect(mission!.start_at!.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(mission!.end_at!.toISOString()).toBe("2025-01-11T00:00:00.000Z");
    const addresses = await db().selectFrom("mission_address").selectAll().where("mission_id", "=", mission!.id).orderBy("position").execute();
    expect(addresses.map((x) => [x.postal_code, x.city, x.department_code, x.location_lat])).toEqual([
      ["75004", "Paris", "75", 48.8541],
      ["45000", "Orléans", "45", 47.8951],
    ]);
    const org = await db().selectFrom("publisher_organization").selectAll().where("id", "=", mission!.organization_id!).executeTakeFirstOrThrow();
    expect(org).toMatchObject({ client_id: "123312321", rna: "W922000733", siren: "332737394", name: "Mon asso" });
    expect(report.missionCount).toBe(1);
  });

  it.skipIf(!hasReferenceFeeds)("imports invalid-compensation-feed.xml: the mission is stored refused with the reason", async () => {
    const a = await annonceur(fs.readFileSync(path.join(REFERENCE_FEEDS, "invalid-compensation-feed.xml"), "utf8"));
    const report = await importNow(a.id);
    expect(report.counts).toMatchObject({ created: 1, refused: 1 });
    const [mission] = await liveMissions(a.id);
    expect(mission).toMatchObject({ status_code: "REFUSED", status_comment: "Montant de la compensation invalide (nombre positif attendu)" });
    const problems = await problemsOf(report.id!);
    expect(problems).toEqual([
      expect.objectContaining({ client_id: "INVALID_COMPENSATION", outcome: "refused", field: "compensationAmount", message: "Montant de la compensation invalide (nombre positif attendu)" }),
    ]);
  });

  it.skipIf(!hasReferenceFeeds)("imports invalid-address-feed.xml: the address is resolved offline from the city", async () => {
    const a = await annonceur(fs.readFileSync(path.join(REFERENCE_FEEDS, "invalid-address-feed.xml"), "utf8"));
    const report = await importNow(a.id);
    expect(report.counts).toMatchObject({ created: 1, refused: 0 });
    const [mission] = await liveMissions(a.id);
    const [address] = await db().selectFrom("mission_address").selectAll().where("mission_id", "=", mission!.id).execute();
    expect(address).toMatchObject({ city: "Grenoble", department_code: "38", country: "FR" });
    expect(address!.location_lat).toBeCloseTo(45.19, 1);
  });

  it.skipIf(!hasReferenceFeeds)("imports missing-logo-feed.xml: the organisation gets the annonceur's default logo", async () => {
    const a = await annonceur(fs.readFileSync(path.join(REFERENCE_FEEDS, "missing-logo-feed.xml"), "utf8"), {
      default_mission_logo: "https://annonceur.example/logo.png",
    });
    await importNow(a.id);
    const [mission] = await liveMissions(a.id);
    const org = await db().selectFrom("publisher_organization").selectAll().where("id", "=", mission!.organization_id!).executeTakeFirstOrThrow();
    expect(org.logo).toBe("https://annonceur.example/logo.png");
  });
});

describe("writes", () => {
  it("creates, leaves unchanged missions alone, updates, deletes and restores", async () => {
    const a = await annonceur(feedXml(missions(5)));
    const first = await importNow(a.id);
    expect(first.counts).toMatchObject({ created: 5, updated: 0, unchanged: 0, deleted: 0 });
    const before = await liveMissions(a.id);
    const events = async () => (await db().selectFrom("mission_event").select("id").where("mission_id", "in", before.map((m) => m.id)).execute()).length;
    const eventsBefore = await events();

    const again = await importNow(a.id);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 5, deleted: 0 });
    expect((await liveMissions(a.id)).map((m) => m.updated_at.getTime())).toEqual(before.map((m) => m.updated_at.getTime()));
    expect(await events()).toBe(eventsBefore);

    // One title changed, one mission gone.
    const changed = missions(5, (i) => (i === 1 ? { title: "Un tout autre titre" } : {})).filter((_, i) => i !== 4);
    web.set(a.feedPath, { body: feedXml(changed) });
    const third = await importNow(a.id);
    expect(third.counts).toMatchObject({ created: 0, updated: 1, unchanged: 3, deleted: 1 });
    const live = await liveMissions(a.id);
    expect(live.map((m) => m.client_id)).toEqual(["m-000", "m-001", "m-002", "m-003"]);
    expect(live[1]!.title).toBe("Un tout autre titre");

    // The deleted mission comes back: restored under the same id.
    web.set(a.feedPath, { body: feedXml(missions(5)) });
    const fourth = await importNow(a.id);
    expect(fourth.counts).toMatchObject({ created: 0, updated: 2, restored: 1, deleted: 0 });
    const restored = (await liveMissions(a.id)).find((m) => m.client_id === "m-004");
    expect(restored?.id).toBe(before.find((m) => m.client_id === "m-004")?.id);
  });

  it("makes an imported mission visible to an allowed diffuseur on the next request", async () => {
    const a = await annonceur(feedXml([feedMission("visible-1", { title: "Collecte alimentaire au marché couvert" })]));
    const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(diffuseur.id, a.id);
    await importNow(a.id);
    const res = await server.request(`/v0/mission?publisher=${a.id}`, { apiKey: diffuseur.apiKey });
    expect(res.status).toBe(200);
    expect(res.body.data.map((m: any) => m.clientId)).toEqual(["visible-1"]);
  });

  it("writes a mission changed through the API again at the next import, even if the feed did not change", async () => {
    const a = await annonceur(feedXml([feedMission("api-1")]));
    await importNow(a.id);
    const put = await server.request("/v2/mission/api-1", { method: "PUT", apiKey: a.apiKey, json: { title: "Titre modifié par l'API" } });
    expect(put.status).toBe(200);
    const report = await importNow(a.id);
    expect(report.counts).toMatchObject({ updated: 1, unchanged: 0 });
    expect((await liveMissions(a.id))[0]!.title).toBe("Mission de test api-1");
  });
});

describe("faults: a clear French error and no mission lost", () => {
  async function withMissions() {
    const a = await annonceur(feedXml(missions(3)));
    await importNow(a.id);
    return a;
  }

  const cases: [string, (a: { feedPath: string }) => void, string, RegExp][] = [
    ["timeout", (a) => web.set(a.feedPath, { hang: true }), "TIMEOUT", /durée maximale|cessé de répondre/],
    ["HTTP 500", (a) => web.set(a.feedPath, { status: 500, body: "boom" }), "HTTP_ERROR", /500/],
    ["oversize", (a) => web.set(a.feedPath, { body: feedXml(missions(1)).replace("</source>", `<pad>${"x".repeat(1_100_000)}</pad></source>`) }), "TOO_LARGE", /Mo|volumineux|taille/i],
    ["malformed XML", (a) => web.set(a.feedPath, { body: feedXml(missions(3)).replace("</title>", "") }), "MALFORMED", /XML mal formé ligne \d+/],
    ["empty feed", (a) => web.set(a.feedPath, { body: '<?xml version="1.0"?><source></source>' }), "EMPTY", /aucune <mission>/],
    ["wrong root", (a) => web.set(a.feedPath, { body: '<?xml version="1.0"?><missions><mission><clientId>1</clientId></mission></missions>' }), "WRONG_ROOT", /<missions>/],
    ["not XML", (a) => web.set(a.feedPath, { body: '{"missions": []}' }), "NOT_XML", /pas un document XML/],
  ];

  it.each(cases)("%s", async (_name, breakIt, code, message) => {
    const a = await withMissions();
    breakIt(a);
    const report = await importNow(a.id);
    expect(report.status).toBe("FAILED");
    expect(report.errorCode).toBe(code);
    expect(report.error).toMatch(message);
    expect(report.counts.deleted).toBe(0);
    expect(await liveMissions(a.id)).toHaveLength(3);
    const row = await db().selectFrom("feed_import").selectAll().where("id", "=", report.id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "FAILED", error_code: code });
  });

  it("redirect to a private address", async () => {
    const a = await withMissions();
    web.set(a.feedPath, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data" } });
    const report = await importNow(a.id, { addressPolicy: (ip) => ip === "127.0.0.1" }, { allowPrivateNetworks: false });
    expect(report).toMatchObject({ status: "FAILED", errorCode: "UNSAFE_URL" });
    expect(report.error).toMatch(/169\.254\.169\.254/);
    expect(await liveMissions(a.id)).toHaveLength(3);
  });

  it("a feed on a private address is refused unless FEED_ALLOW_PRIVATE_NETWORKS", async () => {
    const a = await withMissions();
    const report = await importNow(a.id, {}, { allowPrivateNetworks: false });
    expect(report).toMatchObject({ status: "FAILED", errorCode: "UNSAFE_URL" });
    expect(report.error).toMatch(/FEED_ALLOW_PRIVATE_NETWORKS/);
  });

  it("gzip-encoded feed", async () => {
    const a = await annonceur();
    web.set(a.feedPath, { body: feedXml(missions(2)), gzip: true });
    const report = await importNow(a.id);
    expect(report).toMatchObject({ status: "SUCCESS" });
    expect(report.counts.created).toBe(2);
  });

  it("304 Not Modified: a success with nothing to do", async () => {
    const a = await annonceur();
    web.set(a.feedPath, { body: feedXml(missions(2)), etag: '"v1"' });
    expect((await importNow(a.id)).counts.created).toBe(2);
    const second = await importNow(a.id);
    expect(second).toMatchObject({ status: "SUCCESS", notModified: true, missionCount: 2 });
    expect(second.counts).toMatchObject({ received: 0, deleted: 0 });
    expect(web.requests.at(-1)?.headers["if-none-match"]).toBe('"v1"');
    expect(await liveMissions(a.id)).toHaveLength(2);
  });
});

describe("today's quirks, fixed", () => {
  it("keeps text as text: leading zeros of clientId, postal code and SIREN", async () => {
    const a = await annonceur(
      feedXml([
        feedMission("00123", {
          addresses: [{ address: { postalCode: "01000", city: "Bourg-en-Bresse", country: "FR" } }],
          organizationClientId: "",
          organizationSiren: "012345678",
        }),
      ]),
    );
    await importNow(a.id);
    const [mission] = await liveMissions(a.id);
    expect(mission!.client_id).toBe("00123");
    const [address] = await db().selectFrom("mission_address").selectAll().where("mission_id", "=", mission!.id).execute();
    expect(address!.postal_code).toBe("01000");
    expect(address!.department_code).toBe("01");
    const org = await db().selectFrom("publisher_organization").selectAll().where("id", "=", mission!.organization_id!).executeTakeFirstOrThrow();
    expect(org).toMatchObject({ siren: "012345678", client_id: "012345678" });
  });

  it("reads slash dates day/month by default, month/day when the annonceur's setting says so", async () => {
    const xml = feedXml([feedMission("d-1", { startAt: "01/02/2026", endAt: "15/03/2026" })]);
    const french = await annonceur(xml);
    await importNow(french.id);
    expect((await liveMissions(french.id))[0]!.start_at!.toISOString()).toBe("2026-02-01T00:00:00.000Z");

    const us = await annonceur(feedXml([feedMission("d-1", { startAt: "01/02/2026", endAt: "03/15/2026" })]), { feed_date_order: "mdy" });
    await importNow(us.id);
    const [mission] = await liveMissions(us.id);
    expect(mission!.start_at!.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(mission!.end_at!.toISOString()).toBe("2026-03-15T00:00:00.000Z");
  });

  it("reports a numeric or missing title instead of dropping the mission", async () => {
    const noTitle = feedMission("t-2");
    delete noTitle.title;
    const a = await annonceur(feedXml([feedMission("t-1", { title: "2024" }), noTitle]));
    const report = await importNow(a.id);
    expect(report.counts).toMatchObject({ created: 2, refused: 2, skipped: 0 });
    const live = await liveMissions(a.id);
    expect(live.map((m) => [m.client_id, m.status_code, m.status_comment])).toEqual([
      ["t-1", "REFUSED", "Le titre est trop court (1 seul mot)"],
      ["t-2", "REFUSED", "Titre manquant"],
    ]);
    const problems = await problemsOf(report.id!);
    expect(problems.map((p) => [p.client_id, p.outcome, p.field])).toEqual([
      ["t-1", "refused", "title"],
      ["t-2", "refused", "title"],
    ]);
  });

  it("understands oui/non", async () => {
    const a = await annonceur(feedXml([feedMission("b-1", { openToMinors: "oui", reducedMobilityAccessible: "non", remote: "oui" })]));
    await importNow(a.id);
    expect((await liveMissions(a.id))[0]).toMatchObject({ open_to_minors: true, reduced_mobility_accessible: false, remote: "possible" });
  });

  it("one bad value refuses or skips that mission only, never the whole import", async () => {
    const noOrg = feedMission("bad-3");
    delete noOrg.organizationClientId;
    delete noOrg.organizationName;
    const a = await annonceur(
      feedXml([
        feedMission("ok-1"),
        feedMission("bad-1", { places: "abc" }),
        feedMission("bad-2", { startAt: "2026/31/12" }),
        noOrg,
        feedMission("bad-4", { compensationType: "brut-ish" }),
        feedMission("ok-1", { title: "Doublon du premier" }),
        feedMission(""),
      ]),
    );
    const report = await importNow(a.id);
    expect(report.status).toBe("SUCCESS");
    expect(report.counts).toMatchObject({ received: 7, feedMissions: 5, created: 4, refused: 2, skipped: 3 });
    const live = await liveMissions(a.id);
    expect(live.map((m) => [m.client_id, m.status_code])).toEqual([
      ["bad-1", "REFUSED"],
      ["bad-2", "ACCEPTED"],
      ["bad-4", "REFUSED"],
      ["ok-1", "ACCEPTED"],
    ]);
    expect(live.find((m) => m.client_id === "ok-1")!.title).toBe("Mission de test ok-1");
    const problems = await problemsOf(report.id!);
    const byClient = (id: string | null) => problems.filter((p) => p.client_id === id).map((p) => [p.outcome, p.field]);
    expect(byClient("bad-1")).toEqual([["refused", "places"]]);
    expect(byClient("bad-2")).toEqual([["warning", "startAt"]]);
    expect(byClient("bad-3")).toEqual([["skipped", "organizationClientId"]]);
    expect(byClient("bad-4")).toEqual([["refused", "compensationType"]]);
    expect(byClient("ok-1")).toEqual([["skipped", "clientId"]]);
    expect(byClient(null)).toEqual([["skipped", "clientId"]]);
    for (const p of problems) expect(p.message.length).toBeGreaterThan(10);
  });

  it("keeps the stored version of a mission that can no longer be read", async () => {
    const a = await annonceur(feedXml([feedMission("keep-1"), feedMission("keep-2")]));
    await importNow(a.id);
    const unreadable = feedMission("keep-2");
    delete unreadable.organizationClientId;
    delete unreadable.organizationName;
    web.set(a.feedPath, { body: feedXml([feedMission("keep-1"), unreadable]) });
    const report = await importNow(a.id);
    expect(report.counts).toMatchObject({ skipped: 1, deleted: 0 });
    expect((await liveMissions(a.id)).map((m) => m.client_id)).toEqual(["keep-1", "keep-2"]);
  });
});

describe("safety nets", () => {
  it("holds the deletions of a feed that lost more than half of its missions until confirmed", async () => {
    const a = await annonceur(feedXml(missions(10)));
    await importNow(a.id);
    web.set(a.feedPath, { body: feedXml(missions(4)) });
    for (let i = 0; i < 2; i += 1) {
      const held = await importNow(a.id);
      expect(held).toMatchObject({ status: "SUCCESS" });
      expect(held.counts).toMatchObject({ deleted: 0, pendingDeletions: 6 });
      expect(held.warning).toMatch(/--confirm-deletions/);
      expect(await liveMissions(a.id)).toHaveLength(10);
    }
    const confirmed = await importNow(a.id, { confirmDeletions: true });
    expect(confirmed.counts).toMatchObject({ deleted: 6, pendingDeletions: 0 });
    expect(await liveMissions(a.id)).toHaveLength(4);
    // The new size is the new reference: a small change deletes at once.
    web.set(a.feedPath, { body: feedXml(missions(3)) });
    expect((await importNow(a.id)).counts.deleted).toBe(1);
  });

  it("withdraws the missions only once every import has failed for 7 days, and brings them back after", async () => {
    const a = await annonceur(feedXml(missions(3)));
    await importNow(a.id);
    web.set(a.feedPath, { status: 503, body: "maintenance" });
    const failed = await importNow(a.id);
    expect(failed.counts.deleted).toBe(0);
    expect(await liveMissions(a.id)).toHaveLength(3);

    // Age the history: the success 10 days ago, the first failure 8 days ago.
    const day = 86_400_000;
    await db().updateTable("feed_import").set({ started_at: new Date(Date.now() - 10 * day) }).where("publisher_id", "=", a.id).where("status", "=", "SUCCESS").execute();
    await db().updateTable("feed_import").set({ started_at: new Date(Date.now() - 8 * day) }).where("id", "=", failed.id!).execute();
    const withdrawn = await importNow(a.id);
    expect(withdrawn).toMatchObject({ status: "FAILED" });
    expect(withdrawn.counts.deleted).toBe(3);
    expect(withdrawn.warning).toMatch(/7 jours/);
    expect(await liveMissions(a.id)).toHaveLength(0);

    web.set(a.feedPath, { body: feedXml(missions(3)) });
    const back = await importNow(a.id);
    expect(back.counts).toMatchObject({ restored: 3, created: 0 });
    expect(await liveMissions(a.id)).toHaveLength(3);
  });

  it("runs one import of a publisher at a time", async () => {
    const a = await annonceur(feedXml(missions(50)));
    const results = await Promise.allSettled([importNow(a.id), importNow(a.id)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ImportBusyError);
  });

  it("imports each feed once when two instances run the schedule at the same time", async () => {
    const a = await annonceur(feedXml(missions(20)));
    const deps = { db: db(), feeds };
    const [one, two] = await Promise.all([importAllFeeds(deps, { trigger: "schedule", skipRecent: true }), importAllFeeds(deps, { trigger: "schedule", skipRecent: true })]);
    const mine = [...one, ...two].filter((o) => o.publisherId === a.id);
    expect(mine.filter((o) => o.report)).toHaveLength(1);
    const runs = await db().selectFrom("feed_import").select("id").where("publisher_id", "=", a.id).execute();
    expect(runs).toHaveLength(1);
  });
});

describe("schedule", () => {
  it("imports the feeds on its cron schedule, and stops cleanly", async () => {
    const a = await annonceur(feedXml(missions(2)));
    const scheduler = startFeedScheduler({ db: db(), feeds: { ...feeds, schedule: "* * * * * *" } });
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await liveMissions(a.id)).length < 2) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await scheduler.stop();
    }
    expect(await liveMissions(a.id)).toHaveLength(2);
    const runs = await db().selectFrom("feed_import").selectAll().where("publisher_id", "=", a.id).execute();
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([["schedule", "SUCCESS"]]);
  });
});

describe("annonceur API", () => {
  it("sets the feed, refusing unsafe addresses with a French message", async () => {
    const a = await server.partner({ annonceur: true });
    const ok = await server.request("/v2/publisher/feed", { method: "PUT", apiKey: a.apiKey, json: { url: "https://asso.example/flux.xml", username: "u", password: "p", dateOrder: "mdy" } });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({ url: "https://asso.example/flux.xml", username: "u", hasPassword: true, dateOrder: "mdy" });
    expect(JSON.stringify(ok.body)).not.toContain('"p"');
    for (const url of ["ftp://asso.example/flux.xml", "https://user:pass@asso.example/flux.xml", "pas une url"]) {
      const bad = await server.request("/v2/publisher/feed", { method: "PUT", apiKey: a.apiKey, json: { url } });
      expect(bad.status).toBe(400);
      expect(bad.body.ok).toBe(false);
      expect(bad.body.message).toMatch(/[a-zé]/);
    }
    const got = await server.request("/v2/publisher/feed", { apiKey: a.apiKey });
    expect(got.body.data.url).toBe("https://asso.example/flux.xml");
  });

  it("lists my imports and their problems, and nobody else's", async () => {
    const a = await annonceur(feedXml([feedMission("p-1"), feedMission("p-2", { domain: "inconnu" })]));
    const report = await importNow(a.id);
    const list = await server.request("/v2/imports", { apiKey: a.apiKey });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.data[0]).toMatchObject({ id: report.id, status: "SUCCESS", counts: { created: 2, refused: 1, missions: 2 }, missionCount: 2, error: null });
    const detail = await server.request(`/v2/imports/${report.id}`, { apiKey: a.apiKey });
    expect(detail.body.data.problems).toEqual([
      { clientId: "p-2", line: expect.any(Number), field: "domain", outcome: "refused", message: 'Domaine non valide : "inconnu"' },
    ]);
    expect(detail.body.data.problemTotal).toBe(1);

    const other = await server.partner({ annonceur: true });
    expect((await server.request(`/v2/imports/${report.id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await server.request("/v2/imports", { apiKey: other.apiKey })).body.total).toBe(0);
    const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    expect((await server.request("/v2/imports", { apiKey: diffuseur.apiKey })).status).toBe(403);
  });

  it("validates a feed without writing anything, with the same report as a real import", async () => {
    const a = await annonceur();
    await importNow(a.id, { source: { kind: "body", body: [Buffer.from(feedXml(missions(3)))], label: "test" } });
    const next = feedXml([
      ...missions(2),
      feedMission("v-new", { places: "-2" }),
      feedMission("v-date", { endAt: "bientôt" }),
      feedMission(""),
    ]);
    const validation = await server.request("/v2/feed/validate", { method: "POST", apiKey: a.apiKey, headers: { "content-type": "application/xml" }, body: next });
    expect(validation.status).toBe(200);
    const dry = validation.body.data;
    expect(dry).toMatchObject({ status: "SUCCESS", counts: { created: 2, unchanged: 2, deleted: 1, refused: 1, skipped: 1, warnings: 1 }, missionCount: 4 });
    expect(await liveMissions(a.id)).toHaveLength(3);

    web.set(a.feedPath, { body: next });
    const byUrl = await server.request("/v2/feed/validate", { method: "POST", apiKey: a.apiKey, json: { url: web.url(a.feedPath) } });
    expect(byUrl.body.data.counts).toEqual(dry.counts);

    const real = await importNow(a.id);
    expect({ ...real.counts, missions: real.counts.feedMissions }).toMatchObject(dry.counts);
    expect(real.missionCount).toBe(dry.missionCount);
    const stored = await problemsOf(real.id!);
    expect(stored.map((p) => ({ clientId: p.client_id, line: p.line, field: p.field, outcome: p.outcome, message: p.message }))).toEqual(dry.problems);
  });

  it("caps what the validator reads, uploaded or fetched", async () => {
    const big = feedXml(missions(300));
    const a = await annonceur(big);
    expect(big.length).toBeGreaterThan(200_000);
    const upload = await server.request("/v2/feed/validate", { method: "POST", apiKey: a.apiKey, headers: { "content-type": "application/xml" }, body: big });
    expect(upload.status).toBe(413);
    expect(upload.body).toMatchObject({ ok: false, code: "PAYLOAD_TOO_LARGE" });
    const byUrl = await server.request("/v2/feed/validate", { method: "POST", apiKey: a.apiKey, json: { url: web.url(a.feedPath) } });
    expect(byUrl.status).toBe(200);
    expect(byUrl.body.data).toMatchObject({ status: "FAILED", error: { code: "TOO_LARGE" } });
    expect(await liveMissions(a.id)).toHaveLength(0);
  });

  it("answers a clear error for a broken feed sent to the validator", async () => {
    const a = await server.partner({ annonceur: true });
    const res = await server.request("/v2/feed/validate", { method: "POST", apiKey: a.apiKey, headers: { "content-type": "text/xml" }, body: "<source><mission>" });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: "FAILED", error: { code: "MALFORMED" } });
    const empty = await server.request("/v2/feed/validate", { method: "POST", apiKey: a.apiKey, json: {} });
    expect(empty.status).toBe(400);
  });
});
