import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/db/uuid7.ts";
import { foldStats } from "../../src/stats/stats-folder.ts";
import { blockFingerprint } from "../../src/tracking/bots.ts";
import type { NewTrackingEvent } from "../../src/tracking/event-queue.ts";
import { writeEvents } from "../../src/tracking/event-store.ts";
import { runCli } from "../support/cli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
type Partner = { id: string; name: string; apiKey: string };
let annonceur: Partner;
let otherAnnonceur: Partner;
let diffuseur: Partner;
let otherDiffuseur: Partner;
let m1: string; // annonceur, solidarité, Lyon (Rhône)
let m2: string; // annonceur, sport, Paris
let m3: string; // otherAnnonceur, environnement, Bordeaux (Gironde)
const WIDGET = "widget-stats-1";

/** An event as the tracking writer stores it; `at` is an ISO time with its offset. */
function event(type: NewTrackingEvent["type"], at: string, from: Partner | null, to: Partner, missionId: string, extra: Partial<NewTrackingEvent> = {}): NewTrackingEvent {
  const created = new Date(at);
  return {
    id: uuidv7(created.getTime()),
    type,
    created_at: created,
    updated_at: created,
    source: "api",
    from_publisher_id: from?.id ?? null,
    to_publisher_id: to.id,
    mission_id: missionId,
    fingerprint: `fp-${type}-${at}`,
    ...extra,
  };
}

async function stats(partner: Partner, query: string) {
  const res = await server.request(`/v2/stats?${query}`, { apiKey: partner.apiKey });
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

async function csv(partner: Partner, query: string) {
  const res = await fetch(`${server.url}/v2/stats?${query}`, { headers: { "x-api-key": partner.apiKey } });
  expect(res.status).toBe(200);
  return { type: res.headers.get("content-type"), disposition: res.headers.get("content-disposition"), text: await res.text() };
}

beforeAll(async () => {
  server = await startTestServer();
  annonceur = await server.partner({ annonceur: true });
  otherAnnonceur = await server.partner({ annonceur: true });
  diffuseur = await server.partner({ annonceur: false, diffuseur: true, widget: true });
  otherDiffuseur = await server.partner({ annonceur: false, diffuseur: true });
  for (const d of [diffuseur, otherDiffuseur]) for (const a of [annonceur, otherAnnonceur]) await server.allow(d.id, a.id);
  m1 = await server.publish(annonceur, "stats-m1", { title: "Accompagner des seniors isolés" });
  m2 = await server.publish(annonceur, "stats-m2", { title: "Encadrer un club de football", domain: "sport", addresses: [{ postalCode: "75011", city: "Paris", country: "FR" }] });
  m3 = await server.publish(otherAnnonceur, "stats-m3", { title: "Nettoyer les plages", domain: "environnement", addresses: [{ postalCode: "33000", city: "Bordeaux", country: "FR" }] });
  await server.database.db.insertInto("widget").values({ id: WIDGET, diffuseur_id: diffuseur.id, name: "Widget de la mairie" } as never).execute();

  await writeEvents(server.database.db, [
    event("click", "2026-02-15T12:00:00+01:00", diffuseur, annonceur, m1),
    // 23:30 in Paris on 31 March; the next one is 1 April in Paris but still 31 March in UTC.
    event("click", "2026-03-31T23:30:00+02:00", diffuseur, annonceur, m1),
    event("click", "2026-04-01T00:30:00+02:00", diffuseur, annonceur, m1),
    event("apply", "2026-04-01T10:00:00+02:00", diffuseur, annonceur, m1),
    // After the annonceur's attribution window: recorded, not counted.
    event("apply", "2026-04-02T10:00:00+02:00", diffuseur, annonceur, m1, { attributed: false }),
    event("impression", "2026-04-01T12:00:00+02:00", diffuseur, annonceur, m2, { source: "widget", source_id: WIDGET }),
    event("impression", "2026-04-01T12:00:01+02:00", diffuseur, annonceur, m2, { source: "widget", source_id: WIDGET }),
    event("click", "2026-04-01T12:05:00+02:00", diffuseur, annonceur, m2, { source: "widget", source_id: WIDGET }),
    event("account", "2026-04-03T09:00:00+02:00", diffuseur, annonceur, m1),
    event("click", "2026-04-02T08:00:00+02:00", diffuseur, otherAnnonceur, m3),
    event("click", "2026-04-02T09:00:00+02:00", otherDiffuseur, annonceur, m1),
    // A known bot, and a visitor blocked later.
    event("click", "2026-04-02T09:30:00+02:00", diffuseur, annonceur, m1, { is_bot: true }),
    event("click", "2026-04-02T10:00:00+02:00", diffuseur, annonceur, m1, { fingerprint: "fp-late-bot" }),
    event("click", "2026-04-02T10:01:00+02:00", diffuseur, annonceur, m1, { fingerprint: "fp-late-bot" }),
    // Between two other partners: never in the figures of the four above… except their own sides.
    event("click", "2026-04-02T11:00:00+02:00", otherDiffuseur, otherAnnonceur, m3),
    event("apply", "2026-04-02T11:05:00+02:00", otherDiffuseur, otherAnnonceur, m3),
  ]);
});
afterAll(async () => server?.close());

const RANGE = "from=2026-03-31&to=2026-04-03";

describe("GET /v2/stats, side diffuseur", () => {
  it("totals: events sent, bots and unattributed conversions left out, Paris days", async () => {
    const data = await stats(diffuseur, `${RANGE}&include=totals,series,missions`);
    expect(data).toMatchObject({ side: "diffuseur", publisherId: diffuseur.id, from: "2026-03-31", to: "2026-04-03", timezone: "Europe/Paris", interval: "day" });
    expect(data.totals).toEqual({
      impressions: 2,
      clicks: 6,
      accounts: 1,
      applications: 1,
      conversionRate: 0.1667,
      missionsWithClick: 3,
      missionsWithApplication: 1,
      partners: 2,
    });
    expect(data.series).toEqual([
      { period: "2026-03-31", impressions: 0, clicks: 1, accounts: 0, applications: 0, conversionRate: 0 },
      { period: "2026-04-01", impressions: 2, clicks: 2, accounts: 0, applications: 1, conversionRate: 0.5 },
      { period: "2026-04-02", impressions: 0, clicks: 3, accounts: 0, applications: 0, conversionRate: 0 },
      { period: "2026-04-03", impressions: 0, clicks: 0, accounts: 1, applications: 0, conversionRate: null },
    ]);
  });

  it("computes only the parts asked: missions reached on request, a breakdown alone", async () => {
    const plain = await stats(diffuseur, RANGE);
    expect(plain.totals).toEqual({ impressions: 2, clicks: 6, accounts: 1, applications: 1, conversionRate: 0.1667, partners: 2 });
    expect(plain.series).toHaveLength(4);
    const only = await stats(diffuseur, `${RANGE}&groupBy=channel&include=missions`);
    expect(only.totals).toEqual({ missionsWithClick: 3, missionsWithApplication: 1 });
    expect(only.series).toBeUndefined();
    expect(only.breakdowns.channel).toHaveLength(2);
    expect((await server.request(`/v2/stats?include=tout`, { apiKey: diffuseur.apiKey })).status).toBe(400);
  });

  it("breakdowns by partner, channel, widget, mission, domain and department, with labels", async () => {
    const data = await stats(diffuseur, `${RANGE}&groupBy=partner,channel,source,mission,domain,department`);
    const row = (key: string, label: string, m: [number, number, number, number], rate: number | null) => ({
      key,
      label,
      impressions: m[0],
      clicks: m[1],
      accounts: m[2],
      applications: m[3],
      conversionRate: rate,
    });
    expect(data.breakdowns.partner).toEqual([row(annonceur.id, annonceur.name, [2, 5, 1, 1], 0.2), row(otherAnnonceur.id, otherAnnonceur.name, [0, 1, 0, 0], 0)]);
    expect(data.breakdowns.channel).toEqual([row("api", "API", [0, 5, 1, 1], 0.2), row("widget", "Widget", [2, 1, 0, 0], 0)]);
    expect(data.breakdowns.source).toEqual([row("", "Aucun", [0, 5, 1, 1], 0.2), row(`widget:${WIDGET}`, "Widget de la mairie", [2, 1, 0, 0], 0)]);
    expect(data.breakdowns.mission).toEqual([
      row(m1, "Accompagner des seniors isolés", [0, 4, 1, 1], 0.25),
      row(m2, "Encadrer un club de football", [2, 1, 0, 0], 0),
      row(m3, "Nettoyer les plages", [0, 1, 0, 0], 0),
    ]);
    expect(data.breakdowns.domain).toEqual([
      row("solidarite-insertion", "Solidarité", [0, 4, 1, 1], 0.25),
      // Equal redirections: the one with more events first.
      row("sport", "Sport", [2, 1, 0, 0], 0),
      row("environnement", "Environnement", [0, 1, 0, 0], 0),
    ]);
    expect(data.breakdowns.department.map((r: { key: string; clicks: number }) => [r.key, r.clicks])).toEqual([
      ["Rhône", 4],
      ["Paris", 1],
      ["Gironde", 1],
    ]);
  });

  it("filters narrow within the caller's events: type, channel, partner, widget, mission", async () => {
    expect((await stats(diffuseur, `${RANGE}&type=click,apply&include=totals,missions`)).totals).toEqual({ clicks: 6, applications: 1, conversionRate: 0.1667, missionsWithClick: 3, missionsWithApplication: 1, partners: 2 });
    expect((await stats(diffuseur, `${RANGE}&type=impression`)).totals).toEqual({ impressions: 2, partners: 1 });
    expect((await stats(diffuseur, `${RANGE}&channel=widget`)).totals).toMatchObject({ impressions: 2, clicks: 1, applications: 0 });
    expect((await stats(diffuseur, `${RANGE}&partner=${otherAnnonceur.id}`)).totals).toMatchObject({ clicks: 1, partners: 1 });
    expect((await stats(diffuseur, `${RANGE}&source=${WIDGET}`)).totals).toMatchObject({ impressions: 2, clicks: 1 });
    expect((await stats(diffuseur, `${RANGE}&mission=${m1}`)).totals).toMatchObject({ clicks: 4, applications: 1, accounts: 1 });
  });

  it("monthly series beyond 60 days: whole months and the days at the edges", async () => {
    const whole = await stats(diffuseur, "from=2026-02-01&to=2026-04-30&type=click");
    expect(whole.interval).toBe("month");
    expect(whole.series).toEqual([
      { period: "2026-02-01", clicks: 1 },
      { period: "2026-03-01", clicks: 1 },
      { period: "2026-04-01", clicks: 5 },
    ]);
    // 15 February … 1 April: half of February, all of March, one day of April.
    const edges = await stats(diffuseur, "from=2026-02-15&to=2026-04-01&interval=month&type=click");
    expect(edges.series).toEqual([
      { period: "2026-02-01", clicks: 1 },
      { period: "2026-03-01", clicks: 1 },
      { period: "2026-04-01", clicks: 2 },
    ]);
    expect((await stats(diffuseur, "from=2026-02-16&to=2026-03-31&interval=month&type=click")).totals.clicks).toBe(1);
    const weeks = await stats(diffuseur, "from=2026-03-30&to=2026-04-12&interval=week&type=click");
    expect(weeks.series).toEqual([
      { period: "2026-03-30", clicks: 6 },
      { period: "2026-04-06", clicks: 0 },
    ]);
  });

  it("series split by partner, the others in « Autres »", async () => {
    const data = await stats(diffuseur, `${RANGE}&type=click&split=partner&top=1`);
    expect(data.series[2]).toEqual({
      period: "2026-04-02",
      clicks: 3,
      partners: [
        { id: annonceur.id, name: annonceur.name, clicks: 2 },
        { id: null, name: "Autres", clicks: 1 },
      ],
    });
    expect(data.series[0].partners).toEqual([{ id: annonceur.id, name: annonceur.name, clicks: 1 }]);
    // The totals and the partners involved are those of the unsplit series.
    const whole = await stats(diffuseur, `${RANGE}&type=click`);
    expect(data.totals).toEqual(whole.totals);
    expect(data.totals).toMatchObject({ clicks: 6, partners: 2 });
  });
});

describe("GET /v2/stats, side annonceur", () => {
  it("counts what its missions received, from every diffuseur", async () => {
    const data = await stats(annonceur, `${RANGE}&groupBy=partner&include=totals,missions`);
    expect(data.side).toBe("annonceur");
    expect(data.totals).toMatchObject({ impressions: 2, clicks: 6, accounts: 1, applications: 1, missionsWithClick: 2, partners: 2 });
    expect(data.breakdowns.partner.map((r: { key: string; clicks: number }) => [r.key, r.clicks])).toEqual([
      [diffuseur.id, 5],
      [otherDiffuseur.id, 1],
    ]);
  });
});

describe("authorization", () => {
  it("needs a key", async () => {
    expect((await server.request(`/v2/stats?${RANGE}`)).status).toBe(401);
  });

  it("no parameter reaches another partner's events", async () => {
    // otherDiffuseur → otherAnnonceur events (one click, one application) appear on their two sides only.
    const outsiders = [
      await stats(diffuseur, `${RANGE}&side=annonceur`),
      await stats(diffuseur, `${RANGE}&partner=${otherDiffuseur.id}`),
      await stats(annonceur, `${RANGE}&partner=${otherDiffuseur.id}&mission=${m3}`),
      await stats(annonceur, `${RANGE}&side=diffuseur`),
    ];
    for (const data of outsiders) expect(data.totals).toMatchObject({ impressions: 0, clicks: 0, accounts: 0, applications: 0, partners: 0 });
    expect((await stats(otherAnnonceur, `${RANGE}&side=annonceur&partner=${otherDiffuseur.id}`)).totals).toMatchObject({ clicks: 1, applications: 1 });
    // publisherId is not a parameter: the key alone says whose figures these are.
    const own = await stats(diffuseur, RANGE);
    const withOtherId = await stats(diffuseur, `${RANGE}&publisherId=${otherAnnonceur.id}&side=diffuseur`);
    expect(withOtherId.publisherId).toBe(diffuseur.id);
    expect(withOtherId.totals).toEqual(own.totals);
  });

  it("refuses wrong parameters with a French message naming them", async () => {
    for (const [query, field] of [
      ["type=clic", "type"],
      ["groupBy=pays", "groupBy"],
      ["from=2026-02-30", "from"],
      ["from=2026-04-02&to=2026-04-01", "from"],
      ["channel=email", "channel"],
    ] as const) {
      const res = await server.request(`/v2/stats?${query}`, { apiKey: diffuseur.apiKey });
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.body), query).toContain(field);
    }
  });
});

describe("CSV export", () => {
  it("the series, French headers, comma separator", async () => {
    const res = await csv(diffuseur, `${RANGE}&format=csv`);
    expect(res.type).toBe("text/csv; charset=utf-8");
    expect(res.disposition).toBe('attachment; filename="statistiques-diffuseur-2026-03-31-2026-04-03.csv"');
    expect(res.text).toBe(
      [
        "Période,Impressions,Redirections,Créations de compte,Candidatures,Taux de conversion",
        "2026-03-31,0,1,0,0,0",
        "2026-04-01,2,2,0,1,0.5",
        "2026-04-02,0,3,0,0,0",
        "2026-04-03,0,0,1,0,",
        "",
      ].join("\r\n"),
    );
  });

  it("a breakdown for spreadsheets: Accept text/csv, `;`, decimal comma, byte order mark", async () => {
    const res = await fetch(`${server.url}/v2/stats?${RANGE}&groupBy=partner&separator=%3B`, { headers: { "x-api-key": diffuseur.apiKey, accept: "text/csv" } });
    expect(res.headers.get("content-disposition")).toContain("-par-partner.csv");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe(
      [
        "Annonceur;Identifiant;Impressions;Redirections;Créations de compte;Candidatures;Taux de conversion",
        `${annonceur.name};${annonceur.id};2;5;1;1;0,2`,
        `${otherAnnonceur.name};${otherAnnonceur.id};0;1;0;0;0`,
        "",
      ].join("\r\n"),
    );
  });

  it("the series split by partner", async () => {
    const res = await csv(diffuseur, `${RANGE}&format=csv&type=click&split=partner&top=1`);
    expect(res.text.split("\r\n").slice(0, 4)).toEqual(["Période,Annonceur,Redirections", `2026-03-31,${annonceur.name},1`, `2026-04-01,${annonceur.name},2`, `2026-04-02,${annonceur.name},2`]);
    expect(res.text).toContain("2026-04-02,Autres,1\r\n");
  });
});

describe("figures kept up to date", () => {
  it("a visitor blocked later leaves the past figures; unblocked, it comes back", async () => {
    const before = await stats(diffuseur, `${RANGE}&type=click`);
    expect(await blockFingerprint(server.database.db, "fp-late-bot", "test")).toBe(2);
    const after = await stats(diffuseur, `${RANGE}&type=click`);
    expect(after.totals.clicks).toBe(before.totals.clicks - 2);
    expect(after.series[2]).toEqual({ period: "2026-04-02", clicks: 1 });
    const { unblockFingerprint } = await import("../../src/tracking/bots.ts");
    await unblockFingerprint(server.database.db, "fp-late-bot");
    expect((await stats(diffuseur, `${RANGE}&type=click`)).totals.clicks).toBe(before.totals.clicks);
  });

  it("folding the pending deltas into the tables changes no figure", async () => {
    const queries = [RANGE, `${RANGE}&groupBy=partner,mission,department`, "from=2026-02-01&to=2026-04-30&split=partner&top=1"];
    const before = await Promise.all(queries.map((q) => stats(diffuseur, q)));
    const pending = await server.database.db.selectFrom("stat_pending" as never).select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
    expect(Number((pending as { n: string }).n)).toBeGreaterThan(0);
    expect(await foldStats(server.database.db)).toBeGreaterThan(0);
    expect(await Promise.all(queries.map((q) => stats(diffuseur, q)))).toEqual(before);
    const mine = await server.database.db.selectFrom("stat_mission_daily" as never).selectAll().where("from_publisher_id" as never, "=", diffuseur.id as never).execute();
    expect(mine.length).toBeGreaterThan(0);
  });

  it("a mission reached only by a visitor blocked later is no longer reached, once folded; verify agrees", { timeout: 90_000 }, async () => {
    // 2 April: m3 and, through the visitor blocked later only, m1 (the other click on m1 that day is a known bot).
    const DAY = "from=2026-04-02&to=2026-04-02&include=totals,missions&type=click,apply";
    const WEEK = "from=2026-03-30&to=2026-04-05&include=totals,missions&type=click";
    await foldStats(server.database.db);
    expect((await stats(diffuseur, DAY)).totals).toMatchObject({ clicks: 3, missionsWithClick: 2, missionsWithApplication: 0 });
    expect((await stats(annonceur, DAY.replace("&", "&side=annonceur&"))).totals).toMatchObject({ clicks: 3, missionsWithClick: 1 });
    const week = (await stats(diffuseur, WEEK)).totals;
    await blockFingerprint(server.database.db, "fp-late-bot", "test");
    await foldStats(server.database.db);
    expect((await stats(diffuseur, DAY)).totals).toMatchObject({ clicks: 1, missionsWithClick: 1 });
    // The annonceur's m1 still has the other diffuseur's click that day.
    expect((await stats(annonceur, DAY.replace("&", "&side=annonceur&"))).totals).toMatchObject({ clicks: 1, missionsWithClick: 1 });
    // m1 keeps its other clicks of the week: the week's bitmap is read again, not just cleared.
    expect((await stats(diffuseur, WEEK)).totals).toEqual({ ...week, clicks: week.clicks - 2 });
    const env = { DATABASE_URL: server.config.databaseUrl, DATA_DIR: server.config.dataDir };
    const verified = await runCli(["stats", "verify", "--json"], env);
    expect(verified.code, verified.stdout).toBe(0);
    const { unblockFingerprint } = await import("../../src/tracking/bots.ts");
    await unblockFingerprint(server.database.db, "fp-late-bot");
    await foldStats(server.database.db);
    expect((await stats(diffuseur, DAY)).totals).toMatchObject({ clicks: 3, missionsWithClick: 2 });
  });

  it("a click through a tracked link is in the figures once its batch is written", async () => {
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(new Date());
    const before = (await stats(diffuseur, `from=${today}&to=${today}&type=click`)).totals.clicks;
    const res = await fetch(`${server.url}/r/${m2}/${diffuseur.id}`, { redirect: "manual", headers: { "user-agent": "Mozilla/5.0 Firefox/130.0" } });
    expect(res.status).toBe(302);
    await server.app.tracking.queue.flush();
    expect((await stats(diffuseur, `from=${today}&to=${today}&type=click`)).totals.clicks).toBe(before + 1);
  });

  it("stats verify finds no difference, and reports one made by hand", { timeout: 90_000 }, async () => {
    const env = { DATABASE_URL: server.config.databaseUrl, DATA_DIR: server.config.dataDir };
    const ok = await runCli(["stats", "verify", "--json"], env);
    expect(ok.code, ok.stderr).toBe(0);
    const result = JSON.parse(ok.stdout.trim().split("\n").at(-1)!);
    expect(result.ok).toBe(true);
    expect(result.tables.map((t: { table: string; differences: number }) => [t.table, t.differences])).toEqual([
      ["stat_mission_daily", 0],
      ["stat_mission_monthly", 0],
      ["stat_daily", 0],
      ["stat_monthly", 0],
      ["stat_by_channel", 0],
      ["stat_by_partner", 0],
      ["stat_reach", 0],
    ]);
    expect(result.events).toBeGreaterThanOrEqual(13);

    await server.database.db.updateTable("stat_daily" as never).set({ n: 7 } as never).where("day" as never, "=", "2026-04-03" as never).execute();
    const bad = await runCli(["stats", "verify", "--from", "2026-04-01", "--to", "2026-04-30"], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("stat_daily");
    expect(bad.stdout).toMatch(/1 écart/);
    expect(bad.stdout).toContain('"expected":1,"stored":7');
    await server.database.db.updateTable("stat_daily" as never).set({ n: 1 } as never).where("day" as never, "=", "2026-04-03" as never).execute();
  });
});

describe("GET /public/stats", () => {
  it("national figures per month, missions online per domain and department, no partner detail", async () => {
    const res = await server.request("/public/stats?from=2026-02&to=2026-04");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const data = res.body.data;
    expect(data.months).toEqual([
      { month: "2026-02", impressions: 0, clicks: 1, accounts: 0, applications: 0 },
      { month: "2026-03", impressions: 0, clicks: 1, accounts: 0, applications: 0 },
      { month: "2026-04", impressions: 2, clicks: 7, accounts: 1, applications: 2 },
    ]);
    expect(data.missions.online).toBeGreaterThanOrEqual(3);
    expect(data.missions.byDomain).toEqual(expect.arrayContaining([expect.objectContaining({ domain: "sport", label: "Sport" })]));
    expect(data.missions.byDepartment).toEqual(expect.arrayContaining([expect.objectContaining({ department: "Gironde" })]));
    expect(data.partners.diffuseursWithClicks).toBeGreaterThanOrEqual(2);
    for (const p of [annonceur, otherAnnonceur, diffuseur, otherDiffuseur]) {
      expect(res.text).not.toContain(p.id);
      expect(res.text).not.toContain(p.name);
    }
    expect((await server.request("/public/stats?from=2026-05&to=2026-04")).status).toBe(400);
  });
});
