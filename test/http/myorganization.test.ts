/**
 * Black-box tests of `GET|PUT /v0/myorganization/:organizationClientId`: per-organisation diffusion
 * control (reference: legacy-api.md §5.6, rules of §6.1).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockFingerprint } from "../../src/tracking/bots.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const CLIENT_ID = "publisherOrganization.clientId";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
const PARTNER_FIELDS = ["_id", "name", "category", "url", "logo", "description", "widget", "api", "campaign", "annonceur"];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

type Partner = { id: string; name: string; apiKey: string };

async function world() {
  const tag = randomBytes(4).toString("hex");
  const me = await server.partner({ name: `Annonceur ${tag}`, annonceur: true });
  const d1 = await server.partner({ name: `Alpha ${tag}`, annonceur: false, diffuseur: true, logo: `https://cdn.example.org/${tag}.png` });
  const d2 = await server.partner({ name: `Bravo ${tag}`, annonceur: false, diffuseur: true });
  const stranger = await server.partner({ name: `Charlie ${tag}`, annonceur: false, diffuseur: true });
  await server.allow(d1.id, me.id);
  await server.allow(d2.id, me.id);
  return { tag, me, d1, d2, stranger };
}

/** Creates the organisation the way annonceurs do: by publishing a mission for it. */
async function publishMission(owner: Partner, clientId: string, organizationClientId: string, organizationName: string) {
  const res = await server.request("/v2/mission", {
    method: "POST",
    apiKey: owner.apiKey,
    json: {
      clientId,
      title: "Aide aux devoirs pour collégiens",
      description: "Accompagner des élèves de collège dans leurs devoirs, deux soirs par semaine, dans nos locaux.",
      applicationUrl: "https://example.org/candidater",
      domain: "education",
      addresses: [{ street: "10 rue de la République", postalCode: "69001", city: "Lyon", country: "FR" }],
      organizationClientId,
      organizationName,
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const path = (orgClientId: string) => `/v0/myorganization/${encodeURIComponent(orgClientId)}`;

async function getOrg(owner: Partner, orgClientId: string) {
  return server.request(path(orgClientId), { apiKey: owner.apiKey });
}

async function putOrg(owner: Partner, orgClientId: string, body: unknown) {
  return server.request(path(orgClientId), { method: "PUT", apiKey: owner.apiKey, json: body });
}

interface RuleJson {
  id: string;
  field: string;
  fieldType: string;
  operator: string;
  value: string;
}

/** Rules of one of my diffuseurs, as listed by GET /v0/diffusion-rule (the diffuseur must be listed). */
async function rulesByDiffuseur(owner: Partner) {
  const res = await server.request("/v0/diffusion-rule", { apiKey: owner.apiKey });
  expect(res.status).toBe(200);
  const map = new Map<string, RuleJson[]>((res.body.data as { id: string; rules: RuleJson[] }[]).map((d) => [d.id, d.rules]));
  return (diffuseurId: string): RuleJson[] => {
    const rules = map.get(diffuseurId);
    if (!rules) throw new Error(`diffuseur ${diffuseurId} absent from GET /v0/diffusion-rule`);
    return rules;
  };
}

const excludedById = (data: { _id: string; excluded: boolean }[]) => Object.fromEntries(data.map((d) => [d._id, d.excluded]));

function expectNotFound(res: { status: number; body: any }) {
  expect(res.status).toBe(404);
  expect(res.body.ok).toBe(false);
  expect(res.body.code).toBe("NOT_FOUND");
  expect(typeof res.body.message).toBe("string");
  expect(res.body.message.length).toBeGreaterThan(0);
}

describe("GET /v0/myorganization/:organizationClientId", () => {
  it("answers 404 NOT_FOUND for an organisation I do not have", async () => {
    const w = await world();
    expectNotFound(await getOrg(w.me, `inconnue-${w.tag}`));
  });

  it("lists every diffuseur of mine with excluded=false, and clicks=0 before any click", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    await publishMission(w.me, `m-${w.tag}`, org, "Les Amis du Quartier");
    const res = await getOrg(w.me, org);
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.total).toBe(2);
    expect(res.body.data.map((d: { _id: string }) => d._id)).toEqual([w.d1.id, w.d2.id]);
    for (const item of res.body.data) {
      expect(Object.keys(item)).toEqual([...PARTNER_FIELDS, "excluded", "clicks"]);
      expect(item.excluded).toBe(false);
      expect(item.clicks).toBe(0);
    }
    expect(res.body.data[0]).toMatchObject({ name: `Alpha ${w.tag}`, logo: `https://cdn.example.org/${w.tag}.png`, api: true, annonceur: false });
    expect(res.body.data.map((d: { _id: string }) => d._id)).not.toContain(w.stranger.id);
  });

  it("counts per diffuseur the non-bot clicks of the last 30 days on that organisation's missions", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    const m1 = (await publishMission(w.me, `m1-${w.tag}`, org, "Les Amis du Quartier")).data.id as string;
    const m2 = (await publishMission(w.me, `m2-${w.tag}`, org, "Les Amis du Quartier")).data.id as string;
    // Clicks that must not count: on another organisation of mine, on another annonceur's
    // organisation with the same client id, through a diffuseur of mine.
    const otherOrg = (await publishMission(w.me, `m3-${w.tag}`, `autre-${w.tag}`, "Association Voisine")).data.id as string;
    const other = await server.partner({ annonceur: true });
    await server.allow(w.d1.id, other.id);
    const othersMission = (await publishMission(other, `m4-${w.tag}`, org, "Les Amis du Quartier")).data.id as string;

    // Real clicks through the tracked redirect, from distinct visitors (the referer is part of the fingerprint).
    let visitor = 0;
    const click = async (missionId: string, diffuseurId: string, headers: Record<string, string> = {}) => {
      visitor += 1;
      const res = await fetch(`${server.url}/r/${missionId}/${diffuseurId}`, {
        redirect: "manual",
        headers: { "user-agent": BROWSER, referer: `https://visiteur-${visitor}.example/`, ...headers },
      });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location")!);
      expect(location.origin + location.pathname).toBe("https://example.org/candidater");
      return location.searchParams.has("apiengagement_id");
    };
    expect(await click(m1, w.d1.id)).toBe(true);
    await click(m1, w.d1.id);
    await click(m2, w.d1.id);
    await click(m2, w.d2.id);
    await click(otherOrg, w.d1.id);
    await click(othersMission, w.d1.id);
    // A crawler is sent on untracked: never recorded.
    expect(await click(m1, w.d2.id, { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" })).toBe(false);
    // A visitor blocked as a bot after its first click: that click is flagged, the next one is a bot when written.
    const robot = { referer: "https://robot.example/" };
    await click(m1, w.d2.id, robot);
    await server.app.tracking.queue.flush();
    const robotClick = await server.database.db
      .selectFrom("tracking_event")
      .select("fingerprint")
      .where("mission_id", "=", m1)
      .where("referer", "=", "https://robot.example/")
      .executeTakeFirstOrThrow();
    expect(await blockFingerprint(server.database.db, robotClick.fingerprint!, "test")).toBe(1);
    await click(m2, w.d2.id, robot);
    await server.app.tracking.queue.flush();
    const bots = await server.database.db.selectFrom("tracking_event").select("is_bot").where("fingerprint", "=", robotClick.fingerprint!).execute();
    expect(bots.map((b) => b.is_bot)).toEqual([true, true]);

    // Clicks around the 30-day limit, written as the tracking writer would have written them then.
    const ago = (ms: number) => new Date(Date.now() - ms);
    const DAY = 86_400_000;
    const HOUR = 3_600_000;
    const pastClick = (missionId: string, diffuseurId: string, at: Date) => ({
      id: randomUUID(),
      type: "click" as const,
      source: "api" as const,
      created_at: at,
      updated_at: at,
      from_publisher_id: diffuseurId,
      to_publisher_id: w.me.id,
      mission_id: missionId,
    });
    await server.database.db
      .insertInto("tracking_event")
      .values([
        pastClick(m1, w.d1.id, ago(45 * DAY)), // too old
        pastClick(m2, w.d1.id, ago(30 * DAY + HOUR)), // just too old
        pastClick(m1, w.d2.id, ago(30 * DAY - HOUR)), // just inside
      ])
      .execute();

    const expected = { [w.d1.id]: 3, [w.d2.id]: 2 };
    const clicksById = async () => {
      const res = await getOrg(w.me, org);
      expect(res.status, res.text).toBe(200);
      return Object.fromEntries(res.body.data.map((d: { _id: string; clicks: number }) => [d._id, d.clicks]));
    };
    expect(await clicksById()).toEqual(expected);
    // The same once the pending counts are folded into the daily ones.
    await sql`SELECT stat_fold()`.execute(server.database.db);
    expect(await clicksById()).toEqual(expected);

    // A mission deleted since keeps its clicks; the other annonceur sees its own organisation's only.
    expect((await server.request(`/v2/mission/m2-${w.tag}`, { method: "DELETE", apiKey: w.me.apiKey })).status).toBe(200);
    expect(await clicksById()).toEqual(expected);
    const theirs = await getOrg(other, org);
    expect(theirs.status).toBe(200);
    expect(theirs.body.data.map((d: { _id: string; clicks: number }) => [d._id, d.clicks])).toEqual([[w.d1.id, 1]]);
  });

  it("finds an organisation whose client id needs URL encoding (spaces, accents)", async () => {
    const w = await world();
    const org = `Asso Été ${w.tag}`;
    await publishMission(w.me, `m-${w.tag}`, org, "Association de l'Été");
    const res = await getOrg(w.me, org);
    expect(res.status, res.text).toBe(200);
    expect(res.body.total).toBe(2);
    const put = await putOrg(w.me, org, { publisherIds: [w.d2.id] });
    expect(put.status).toBe(200);
    const rules = await rulesByDiffuseur(w.me);
    expect(rules(w.d1.id).map((r) => r.value)).toEqual([org]);
  });

  // organizationClientId accepts up to 200 characters: such an organisation is reachable by path too.
  it("reaches an organisation whose client id is 101..200 characters long", async () => {
    const w = await world();
    const org = `${w.tag}-${"o".repeat(140)}`;
    const mission = await publishMission(w.me, `m-${w.tag}`, org, "Association au long identifiant");
    expect(mission.data.organizationClientId).toBe(org);
    const res = await getOrg(w.me, org);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    const put = await putOrg(w.me, org, { publisherIds: [w.d1.id] });
    expect(put.status).toBe(200);
  });

  it("is not visible to another annonceur (404)", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    await publishMission(w.me, `m-${w.tag}`, org, "Les Amis du Quartier");
    const intruder = await server.partner({ annonceur: true });
    await server.allow(w.d1.id, intruder.id);
    expectNotFound(await getOrg(intruder, org));
    expect((await getOrg(w.me, org)).status).toBe(200);
  });
});

describe("PUT /v0/myorganization/:organizationClientId", () => {
  it("excludes every diffuseur not listed, with a child rule `clientId is_not <org>`, and lifts it on a second PUT", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    await publishMission(w.me, `m-${w.tag}`, org, "Les Amis du Quartier");

    const put = await putOrg(w.me, org, { publisherIds: [w.d1.id] });
    expect(put.status, put.text).toBe(200);
    expect(put.body.ok).toBe(true);
    expect(put.body.total).toBe(2);
    expect(excludedById(put.body.data)).toEqual({ [w.d1.id]: false, [w.d2.id]: true });
    for (const item of put.body.data) expect(item).toMatchObject({ _id: expect.any(String), name: expect.any(String), api: true });

    const got = await getOrg(w.me, org);
    expect(got.status).toBe(200);
    expect(excludedById(got.body.data)).toEqual({ [w.d1.id]: false, [w.d2.id]: true });
    expect(got.body.data.map((d: { clicks: number }) => d.clicks)).toEqual([0, 0]);

    const rules = await rulesByDiffuseur(w.me);
    expect(rules(w.d1.id)).toEqual([]);
    expect(rules(w.d2.id)).toHaveLength(1);
    expect(rules(w.d2.id)[0]).toMatchObject({ field: CLIENT_ID, operator: "is_not", value: org, fieldType: "string" });

    // the preview agrees
    const preview = await server.request(
      `/v0/diffusion-rule?field=${encodeURIComponent(CLIENT_ID)}&value=${encodeURIComponent(org)}`,
      { apiKey: w.me.apiKey },
    );
    const diffuse = Object.fromEntries(preview.body.data.map((d: { id: string; diffuse: boolean }) => [d.id, d.diffuse]));
    expect(diffuse).toEqual({ [w.d1.id]: true, [w.d2.id]: false });

    // the same PUT again changes nothing (no duplicate rule)
    const again = await putOrg(w.me, org, { publisherIds: [w.d1.id] });
    expect(again.status).toBe(200);
    expect(excludedById(again.body.data)).toEqual({ [w.d1.id]: false, [w.d2.id]: true });
    const rulesAgain = await rulesByDiffuseur(w.me);
    expect(rulesAgain(w.d2.id).map((r) => r.id)).toEqual(rules(w.d2.id).map((r) => r.id));

    // listing both removes the exclusion
    const both = await putOrg(w.me, org, { publisherIds: [w.d1.id, w.d2.id] });
    expect(both.status).toBe(200);
    expect(excludedById(both.body.data)).toEqual({ [w.d1.id]: false, [w.d2.id]: false });
    expect(excludedById((await getOrg(w.me, org)).body.data)).toEqual({ [w.d1.id]: false, [w.d2.id]: false });
    const rulesAfter = await rulesByDiffuseur(w.me);
    expect(rulesAfter(w.d1.id)).toEqual([]);
    expect(rulesAfter(w.d2.id)).toEqual([]);
  });

  it("excludes everybody with an empty list, and ignores unknown ids and partners that do not diffuse me", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    await publishMission(w.me, `m-${w.tag}`, org, "Les Amis du Quartier");

    const none = await putOrg(w.me, org, { publisherIds: [] });
    expect(none.status).toBe(200);
    expect(excludedById(none.body.data)).toEqual({ [w.d1.id]: true, [w.d2.id]: true });

    const mixed = await putOrg(w.me, org, { publisherIds: [w.d2.id, w.stranger.id, "000000000000000000000000"] });
    expect(mixed.status).toBe(200);
    expect(mixed.body.total).toBe(2);
    expect(excludedById(mixed.body.data)).toEqual({ [w.d1.id]: true, [w.d2.id]: false });
    const rules = await rulesByDiffuseur(w.me);
    expect(rules(w.d1.id).map((r) => `${r.field} ${r.operator} ${r.value}`)).toEqual([`${CLIENT_ID} is_not ${org}`]);
    expect(rules(w.d2.id)).toEqual([]);
    // nothing was written for the stranger: it still diffuses nobody's missions for me
    const strangerView = await server.request(`/v0/publisher/${w.stranger.id}`, { apiKey: w.me.apiKey });
    expect(strangerView.status).toBe(404);
  });

  it("only touches the exclusions of that organisation", async () => {
    const w = await world();
    const orgA = `org-a-${w.tag}`;
    const orgB = `org-b-${w.tag}`;
    await publishMission(w.me, `m-a-${w.tag}`, orgA, "Association A");
    await publishMission(w.me, `m-b-${w.tag}`, orgB, "Association B");
    expect((await putOrg(w.me, orgA, { publisherIds: [] })).status).toBe(200);
    expect((await putOrg(w.me, orgB, { publisherIds: [w.d1.id, w.d2.id] })).status).toBe(200);
    expect(excludedById((await getOrg(w.me, orgA)).body.data)).toEqual({ [w.d1.id]: true, [w.d2.id]: true });
    expect(excludedById((await getOrg(w.me, orgB)).body.data)).toEqual({ [w.d1.id]: false, [w.d2.id]: false });
  });

  it("creates an organisation that does not exist yet (then GET answers 200)", async () => {
    const w = await world();
    const org = `nouvelle-${w.tag}`;
    expectNotFound(await getOrg(w.me, org));
    const put = await putOrg(w.me, org, { publisherIds: [w.d2.id], organizationName: "Nouvelle Association" });
    expect(put.status, put.text).toBe(200);
    expect(excludedById(put.body.data)).toEqual({ [w.d1.id]: true, [w.d2.id]: false });
    const got = await getOrg(w.me, org);
    expect(got.status).toBe(200);
    expect(got.body.total).toBe(2);
    expect(excludedById(got.body.data)).toEqual({ [w.d1.id]: true, [w.d2.id]: false });

    // stored with its name (checked in the database: no partner route exposes an organisation alone)
    const stored = await server.database.db
      .selectFrom("publisher_organization")
      .select(["id", "name", "deleted_at"])
      .where("publisher_id", "=", w.me.id)
      .where("client_id", "=", org)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.name).toBe("Nouvelle Association");
    expect(stored[0]!.deleted_at).toBeNull();

    // a mission published later for that organisation reuses it (same client id, no second row)
    const mission = await publishMission(w.me, `m-${w.tag}`, org, "Nouvelle Association");
    expect(mission.data.organizationClientId).toBe(org);
    expect(mission.data.organizationName).toBe("Nouvelle Association");
    const after = await server.database.db
      .selectFrom("publisher_organization")
      .select("id")
      .where("publisher_id", "=", w.me.id)
      .where("client_id", "=", org)
      .execute();
    expect(after.map((r) => r.id)).toEqual([stored[0]!.id]);
    expect(excludedById((await getOrg(w.me, org)).body.data)).toEqual({ [w.d1.id]: true, [w.d2.id]: false });
  });

  it("creates an organisation without organizationName too", async () => {
    const w = await world();
    const org = `sans-nom-${w.tag}`;
    const put = await putOrg(w.me, org, { publisherIds: [w.d1.id, w.d2.id] });
    expect(put.status, put.text).toBe(200);
    expect((await getOrg(w.me, org)).status).toBe(200);
  });

  it("updates the organisation's name with organizationName, and keeps it when omitted or null", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    const missionClientId = `m-${w.tag}`;
    await publishMission(w.me, missionClientId, org, "Ancien Nom");
    const nameSeenByMission = async () => {
      const res = await server.request(`/v0/mymission/${encodeURIComponent(missionClientId)}`, { apiKey: w.me.apiKey });
      expect(res.status).toBe(200);
      return res.body.data.organizationName as string | null;
    };
    expect(await nameSeenByMission()).toBe("Ancien Nom");

    expect((await putOrg(w.me, org, { publisherIds: [w.d1.id, w.d2.id], organizationName: "Nouveau Nom" })).status).toBe(200);
    expect(await nameSeenByMission()).toBe("Nouveau Nom");

    expect((await putOrg(w.me, org, { publisherIds: [w.d1.id, w.d2.id] })).status).toBe(200);
    expect(await nameSeenByMission()).toBe("Nouveau Nom");

    expect((await putOrg(w.me, org, { publisherIds: [w.d1.id, w.d2.id], organizationName: null })).status).toBe(200);
    expect(await nameSeenByMission()).toBe("Nouveau Nom");
  });

  it("keeps annonceurs apart: another annonceur's PUT on the same client id neither reveals nor changes mine", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    await publishMission(w.me, `m-${w.tag}`, org, "Les Amis du Quartier");
    const other = await server.partner({ annonceur: true });
    await server.allow(w.d1.id, other.id); // d1 diffuses both of us

    expectNotFound(await getOrg(other, org));
    const put = await putOrg(other, org, { publisherIds: [] });
    expect(put.status).toBe(200);
    // the other annonceur only sees (and excluded) its own diffuseur
    expect(excludedById(put.body.data)).toEqual({ [w.d1.id]: true });
    expect(excludedById((await getOrg(other, org)).body.data)).toEqual({ [w.d1.id]: true });

    // my side is untouched
    expect(excludedById((await getOrg(w.me, org)).body.data)).toEqual({ [w.d1.id]: false, [w.d2.id]: false });
    const mine = await rulesByDiffuseur(w.me);
    expect(mine(w.d1.id)).toEqual([]);
  });

  it("validates the body (400 INVALID_BODY naming publisherIds)", async () => {
    const w = await world();
    const org = `org-${w.tag}`;
    const cases: [unknown, string][] = [
      [{}, "publisherIds"],
      [{ publisherIds: { id: w.d1.id } }, "publisherIds"],
      [{ publisherIds: [{ id: w.d1.id }] }, "publisherIds"],
      [{ publisherIds: [w.d1.id], organizationName: { nom: "X" } }, "organizationName"],
    ];
    for (const [body, field] of cases) {
      const res = await putOrg(w.me, org, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.ok).toBe(false);
      expect(res.body.code).toBe("INVALID_BODY");
      expect(res.body.message).toContain(field);
    }
    // no organisation was created by the failed calls
    expectNotFound(await getOrg(w.me, org));
  });
});
