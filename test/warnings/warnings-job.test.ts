/**
 * The warnings job on the run's database: each rule from known data (import history written as the
 * import writes it, missions published through the API, events through the event writer, suspected
 * bots through the warning store the bot watch uses), then the life cycle of its warning: raised,
 * refreshed while the condition holds (occurrences, not a new row), resolved when it is gone, and a
 * new warning when it comes back. Then `engagement warnings run` as a real process.
 *
 * Runs are made at moments of 2040 that no other test file uses (each test has its own days), so
 * that other files' checks, made at earlier moments, never judge these warnings.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { uuidv7 } from "../../src/db/uuid7.ts";
import { MSG_TITLE_ONE_WORD } from "../../src/missions/rules/moderation.ts";
import { SUSPECTED_BOT } from "../../src/tracking/bot-watch.ts";
import { blockFingerprint } from "../../src/tracking/bots.ts";
import type { NewTrackingEvent } from "../../src/tracking/event-queue.ts";
import { writeEvents } from "../../src/tracking/event-store.ts";
import { raiseWarnings } from "../../src/warnings/warning-store.ts";
import { runWarningsJob } from "../../src/warnings/warnings-job.ts";
import { lastJson, runCli } from "../support/cli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FEED = "https://flux.asso.example/missions.xml";
let day = 0;

/** Noon (UTC) of a day of 2040 that no other test uses (12 days each). */
function nextDay(): Date {
  day += 12;
  return new Date(Date.UTC(2040, 0, 1 + day, 12));
}
const at = (base: Date, hours: number) => new Date(base.getTime() + hours * HOUR);

const db = () => server.database.db;
const run = (now: Date, options: Parameters<typeof runWarningsJob>[3] = {}) => runWarningsJob(db(), undefined, now, { wait: true, ...options });
const warningsOf = (publisherId: string, type: string) =>
  db().selectFrom("warning").selectAll().where("publisher_id", "=", publisherId).where("type", "=", type).orderBy("created_at").orderBy("id").execute();

interface ImportRun {
  status: "SUCCESS" | "FAILED";
  at: Date;
  notModified?: boolean;
  received?: number;
  created?: number;
  updated?: number;
  unchanged?: number;
  skipped?: number;
  errorCode?: string;
  error?: string;
}

/** Import history rows as runImport writes them at the end of a run. */
async function imports(publisherId: string, runs: ImportRun[]): Promise<string[]> {
  const rows = runs.map((r) => ({
    id: randomUUID(),
    publisher_id: publisherId,
    status: r.status,
    trigger: "schedule" as const,
    source: FEED,
    started_at: r.at,
    heartbeat_at: r.at,
    finished_at: new Date(r.at.getTime() + 60_000),
    not_modified: r.notModified ?? false,
    received_count: r.received ?? 0,
    feed_mission_count: (r.received ?? 0) - (r.skipped ?? 0),
    created_count: r.created ?? 0,
    updated_count: r.updated ?? 0,
    unchanged_count: r.unchanged ?? 0,
    skipped_count: r.skipped ?? 0,
    error_code: r.errorCode ?? null,
    error: r.error ?? null,
  }));
  await db().insertInto("feed_import").values(rows).execute();
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
});
afterAll(async () => server?.close());

describe("empty_feed", () => {
  it("is raised from the last import that read the feed, refreshed, resolved, then raised again", async () => {
    const now = nextDay();
    const annonceur = await server.partner({ feedUrl: FEED });
    const withoutFeed = await server.partner({ feedUrl: null });
    const [, emptyId] = await imports(annonceur.id, [
      { status: "SUCCESS", at: at(now, -5), received: 12, created: 12 },
      { status: "SUCCESS", at: at(now, -3), received: 0 },
      // Neither a 304 nor a failure says anything about the feed's content.
      { status: "SUCCESS", at: at(now, -2), notModified: true },
      { status: "FAILED", at: at(now, -1), errorCode: "HTTP_STATUS", error: "Le serveur du flux a répondu 503" },
    ]);
    await imports(withoutFeed.id, [{ status: "SUCCESS", at: at(now, -3), received: 0 }]);

    const first = await run(now);
    expect(first.raised.filter((w) => w.publisherId === annonceur.id).map((w) => w.type)).toEqual(["empty_feed"]);
    expect(await warningsOf(withoutFeed.id, "empty_feed")).toEqual([]);
    const [warning, ...others] = await warningsOf(annonceur.id, "empty_feed");
    expect(others).toEqual([]);
    expect(warning).toMatchObject({ subject: "", occurrences: 1, resolved_at: null });
    expect(warning!.first_seen_at.toISOString()).toBe(now.toISOString());
    expect(warning!.details).toEqual({ importId: emptyId, importedAt: new Date(at(now, -3).getTime() + 60_000).toISOString(), received: 0, skipped: 0, missions: 0 });

    // An hour later, still empty: the same warning, seen twice.
    const second = await run(at(now, 1));
    expect(second.updated.map((w) => w.id)).toContain(warning!.id);
    expect(await warningsOf(annonceur.id, "empty_feed")).toMatchObject([{ id: warning!.id, occurrences: 2, resolved_at: null }]);

    // The feed has missions again: resolved at the next run.
    await imports(annonceur.id, [{ status: "SUCCESS", at: at(now, 1.5), received: 8, created: 3, unchanged: 5 }]);
    const third = await run(at(now, 2));
    expect(third.resolved.map((w) => w.id)).toContain(warning!.id);
    const [resolved] = await warningsOf(annonceur.id, "empty_feed");
    expect(resolved!.resolved_at!.toISOString()).toBe(at(now, 2).toISOString());
    expect(resolved!.details).toMatchObject({ resolution: "cleared", received: 0 });

    // Every <mission> of the next feed is skipped: empty again, a new warning.
    const [skippedId] = await imports(annonceur.id, [{ status: "SUCCESS", at: at(now, 2.5), received: 4, skipped: 4 }]);
    await run(at(now, 3));
    const history = await warningsOf(annonceur.id, "empty_feed");
    expect(history.map((w) => [w.id === warning!.id, w.resolved_at === null, w.occurrences])).toEqual([
      [true, false, 2],
      [false, true, 1],
    ]);
    expect(history[1]!.details).toMatchObject({ importId: skippedId, received: 4, skipped: 4, missions: 0 });
  });
});

describe("feed_error", () => {
  it("is raised after 3 failed imports in a row, counts the next ones, and is resolved by a success (a 304 too)", async () => {
    const now = nextDay();
    const annonceur = await server.partner({ feedUrl: FEED });
    await imports(annonceur.id, [
      { status: "FAILED", at: at(now, -30), error: "ancien échec" },
      { status: "SUCCESS", at: at(now, -6), received: 5, created: 5 },
      { status: "FAILED", at: at(now, -5), errorCode: "HTTP_STATUS", error: "Le serveur du flux a répondu 500" },
      { status: "FAILED", at: at(now, -4), errorCode: "HTTP_STATUS", error: "Le serveur du flux a répondu 500" },
    ]);
    await run(now);
    expect(await warningsOf(annonceur.id, "feed_error")).toEqual([]);

    const [thirdId] = await imports(annonceur.id, [{ status: "FAILED", at: at(now, 0.5), errorCode: "TIMEOUT", error: "Le flux n'a pas répondu en 10 secondes" }]);
    await run(at(now, 1));
    const [warning] = await warningsOf(annonceur.id, "feed_error");
    expect(warning).toMatchObject({ occurrences: 1, resolved_at: null });
    expect(warning!.details).toEqual({
      failures: 3,
      threshold: 3,
      since: at(now, -5).toISOString(),
      lastFailureAt: at(now, 0.5).toISOString(),
      importId: thirdId,
      errorCode: "TIMEOUT",
      error: "Le flux n'a pas répondu en 10 secondes",
    });

    await imports(annonceur.id, [{ status: "FAILED", at: at(now, 1.5), errorCode: "FEED_FORMAT", error: "Ligne 3 : balise <mission> non fermée" }]);
    await run(at(now, 2));
    expect(await warningsOf(annonceur.id, "feed_error")).toMatchObject([
      { id: warning!.id, occurrences: 2, resolved_at: null, details: expect.objectContaining({ failures: 4, errorCode: "FEED_FORMAT" }) },
    ]);

    await imports(annonceur.id, [{ status: "SUCCESS", at: at(now, 2.5), notModified: true }]);
    await run(at(now, 3));
    expect((await warningsOf(annonceur.id, "feed_error"))[0]!.resolved_at!.toISOString()).toBe(at(now, 3).toISOString());

    await imports(annonceur.id, [3.5, 4, 4.5].map((h) => ({ status: "FAILED" as const, at: at(now, h), error: "Le serveur du flux a répondu 500" })));
    await run(at(now, 5));
    expect((await warningsOf(annonceur.id, "feed_error")).map((w) => [w.id === warning!.id, w.resolved_at === null, (w.details as { failures: number }).failures])).toEqual([
      [true, false, 4],
      [false, true, 3],
    ]);
  });

  it("N is configurable, and a partner without a feed gets none", async () => {
    const now = nextDay();
    const annonceur = await server.partner({ feedUrl: FEED });
    const withoutFeed = await server.partner({ feedUrl: null });
    for (const p of [annonceur, withoutFeed]) {
      await imports(p.id, [{ status: "FAILED", at: at(now, -2), error: "x" }, { status: "FAILED", at: at(now, -1), error: "y" }]);
    }
    // Limited to these two partners: another file's warnings are not this run's business.
    const result = await run(now, { thresholds: { feedErrorRuns: 2 }, publisherIds: [annonceur.id, withoutFeed.id] });
    expect(result.raised.map((w) => [w.type, w.publisherId])).toEqual([["feed_error", annonceur.id]]);
    expect((await warningsOf(annonceur.id, "feed_error"))[0]!.details).toMatchObject({ failures: 2, threshold: 2, error: "y" });
    expect(await warningsOf(withoutFeed.id, "feed_error")).toEqual([]);
  });
});

describe("low_acceptance", () => {
  it("under 50 % of accepted live missions, from 20 missions on; resolved when it no longer holds", { timeout: 60_000 }, async () => {
    const now = nextDay();
    const annonceur = await server.partner();
    const publish = (clientId: string, accepted: boolean) => server.publish(annonceur, clientId, accepted ? {} : { title: "Jardinage" });
    // 9 accepted, 10 refused (one-word title): 19 missions, too few to judge.
    for (let i = 0; i < 9; i++) await publish(`ok-${i}`, true);
    for (let i = 0; i < 10; i++) await publish(`ko-${i}`, false);
    await run(now);
    expect(await warningsOf(annonceur.id, "low_acceptance")).toEqual([]);

    await publish("ko-10", false);
    await run(at(now, 1));
    const [warning] = await warningsOf(annonceur.id, "low_acceptance");
    expect(warning).toMatchObject({ occurrences: 1, resolved_at: null });
    expect(warning!.details).toEqual({
      missions: 20,
      accepted: 9,
      refused: 11,
      acceptedPercent: 45,
      thresholdPercent: 50,
      topRefusalReason: MSG_TITLE_ONE_WORD,
      topRefusalReasonMissions: 11,
    });
    await run(at(now, 2));
    expect(await warningsOf(annonceur.id, "low_acceptance")).toMatchObject([{ id: warning!.id, occurrences: 2 }]);

    // Deleted missions do not count: 9 accepted of 18 live, too few again.
    for (const clientId of ["ko-9", "ko-10"]) {
      expect((await server.request(`/v2/mission/${clientId}`, { method: "DELETE", apiKey: annonceur.apiKey })).status).toBeLessThan(300);
    }
    await run(at(now, 3));
    expect((await warningsOf(annonceur.id, "low_acceptance"))[0]!.resolved_at!.toISOString()).toBe(at(now, 3).toISOString());

    // 10 of 20: exactly at the threshold is not low.
    await publish("ok-9", true);
    await publish("ko-11", false);
    await run(at(now, 4));
    expect((await warningsOf(annonceur.id, "low_acceptance")).filter((w) => w.resolved_at === null)).toEqual([]);

    // 10 of 21: low again, a new warning.
    await publish("ko-12", false);
    await run(at(now, 5));
    const history = await warningsOf(annonceur.id, "low_acceptance");
    expect(history.map((w) => w.resolved_at === null)).toEqual([false, true]);
    expect(history[1]!.details).toMatchObject({ missions: 21, accepted: 10, refused: 11, acceptedPercent: 47 });
  });
});

describe("no_conversion", () => {
  const mission = uuidv7();
  function events(type: NewTrackingEvent["type"], count: number, to: string, from: string, end: Date, spanHours: number, extra: Partial<NewTrackingEvent> = {}): NewTrackingEvent[] {
    return Array.from({ length: count }, (_, i) => {
      const when = new Date(end.getTime() - Math.floor(((i + 1) * spanHours * HOUR) / (count + 1)));
      return { id: uuidv7(when.getTime()), type, created_at: when, updated_at: when, source: "api" as const, from_publisher_id: from, to_publisher_id: to, mission_id: mission, ...extra };
    });
  }

  it("50 human redirections in 7 days and no application nor account: raised; a conversion resolves it", async () => {
    const now = nextDay();
    const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    const [silent, few, botConverted, serverConverted] = await Promise.all([server.partner(), server.partner(), server.partner(), server.partner()]);
    await writeEvents(db(), [
      // 50 human clicks over 6 days, 20 bot clicks, an application 8 days ago (outside the period).
      ...events("click", 50, silent.id, diffuseur.id, now, 6 * 24),
      ...events("click", 20, silent.id, diffuseur.id, now, 24, { is_bot: true }),
      ...events("apply", 1, silent.id, diffuseur.id, at(now, -8 * 24), 1),
      // 49 human clicks (and bots): too few.
      ...events("click", 49, few.id, diffuseur.id, now, 48),
      ...events("click", 30, few.id, diffuseur.id, now, 48, { is_bot: true }),
      // Any conversion proves the tracking works, even one flagged as a bot, even from a server.
      ...events("click", 60, botConverted.id, diffuseur.id, now, 48),
      ...events("apply", 1, botConverted.id, diffuseur.id, now, 2, { is_bot: true, source: "jstag" }),
      ...events("click", 60, serverConverted.id, diffuseur.id, now, 48),
      ...events("account", 1, serverConverted.id, serverConverted.id, now, 100, { source: "server" }),
    ]);
    const first = await run(now);
    const mine = new Set([silent.id, few.id, botConverted.id, serverConverted.id]);
    expect(first.raised.filter((w) => w.type === "no_conversion" && mine.has(w.publisherId!)).map((w) => w.publisherId)).toEqual([silent.id]);
    const [warning] = await warningsOf(silent.id, "no_conversion");
    expect(warning!.details).toMatchObject({ clicks: 50, conversions: 0, days: 7, since: new Date(now.getTime() - 7 * DAY).toISOString(), until: now.toISOString() });

    await run(at(now, 1));
    expect(await warningsOf(silent.id, "no_conversion")).toMatchObject([{ id: warning!.id, occurrences: 2, resolved_at: null }]);

    // An account creation arrives: resolved.
    await writeEvents(db(), events("account", 1, silent.id, diffuseur.id, at(now, 1.5), 0.1));
    await run(at(now, 2));
    expect((await warningsOf(silent.id, "no_conversion"))[0]!.resolved_at!.toISOString()).toBe(at(now, 2).toISOString());

    // Nine days later that conversion has left the period; 55 new clicks and none since: a new warning.
    const later = at(now, 9 * 24);
    await writeEvents(db(), events("click", 55, silent.id, diffuseur.id, later, 5 * 24));
    await run(later);
    const history = await warningsOf(silent.id, "no_conversion");
    expect(history.map((w) => w.resolved_at === null)).toEqual([false, true]);
    expect(history[1]!.details).toMatchObject({ clicks: 55 });
  });
});

describe("suspected_bot_traffic", () => {
  it("one warning per diffuseur summing its live suspected bots, resolved once they are all blocked", async () => {
    const now = nextDay();
    const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    const fingerprint = () => randomBytes(32).toString("hex");
    const [fp1, fp2, fp3] = [fingerprint(), fingerprint(), fingerprint()];
    // What the bot watch raises for two fingerprints (same store, same shape).
    const suspect = (fingerprint: string, clicks: number, lastClickAt: Date) => ({
      publisherId: diffuseur.id,
      subject: fingerprint,
      details: { diffuseurId: diffuseur.id, clicks, missions: 3, firstClickAt: at(lastClickAt, -20).toISOString(), lastClickAt: lastClickAt.toISOString(), windowHours: 24 },
    });
    await raiseWarnings(db(), SUSPECTED_BOT, at(now, -1), [suspect(fp1, 200, at(now, -1.5)), suspect(fp2, 250, at(now, -1.2))]);

    await run(now);
    const [warning, ...others] = await warningsOf(diffuseur.id, "suspected_bot_traffic");
    expect(others).toEqual([]);
    expect(warning).toMatchObject({ subject: "", occurrences: 1, resolved_at: null });
    expect(warning!.details).toEqual({ suspects: 2, clicks: 450, windowHours: 24, since: at(now, -1).toISOString(), lastClickAt: at(now, -1.2).toISOString() });
    // The fingerprints stay with the operators.
    expect(JSON.stringify(warning!.details)).not.toContain(fp1);

    await blockFingerprint(db(), fp1, "confirmé");
    await run(at(now, 1));
    expect(await warningsOf(diffuseur.id, "suspected_bot_traffic")).toMatchObject([{ id: warning!.id, occurrences: 2, details: expect.objectContaining({ suspects: 1, clicks: 250 }) }]);

    await blockFingerprint(db(), fp2, "confirmé");
    await run(at(now, 2));
    expect((await warningsOf(diffuseur.id, "suspected_bot_traffic"))[0]!.resolved_at!.toISOString()).toBe(at(now, 2).toISOString());

    await raiseWarnings(db(), SUSPECTED_BOT, at(now, 30), [suspect(fp3, 310, at(now, 29))]);
    await run(at(now, 30));
    const history = await warningsOf(diffuseur.id, "suspected_bot_traffic");
    expect(history.map((w) => w.resolved_at === null)).toEqual([false, true]);
    expect(history[1]!.details).toMatchObject({ suspects: 1, clicks: 310 });
    await blockFingerprint(db(), fp3, "nettoyage du test");
  });
});

describe("engagement warnings run", () => {
  const { databaseUrl, dataDir } = inject("database");
  const cli = (...args: string[]) => runCli(args, { DATABASE_URL: databaseUrl, DATA_DIR: dataDir });

  it("runs the job now and prints what was raised, updated and resolved", { timeout: 90_000 }, async () => {
    const annonceur = await server.partner({ feedUrl: FEED });
    const now = Date.now();
    await imports(annonceur.id, [1, 2, 3].map((h) => ({ status: "FAILED" as const, at: new Date(now - (4 - h) * HOUR), error: "Le serveur du flux a répondu 500" })));

    const json = await cli("warnings", "run", "--json");
    expect(json.code, json.stderr).toBe(0);
    const report = lastJson(json);
    expect(report).toMatchObject({ ok: true, raised: expect.any(Array), updated: expect.any(Array), resolved: expect.any(Array), durationMs: expect.any(Number) });
    const raised = report.raised.find((w: { publisherId: string }) => w.publisherId === annonceur.id);
    expect(raised).toMatchObject({ type: "feed_error", publisherName: annonceur.name, occurrences: 1, title: "Flux en erreur", details: expect.objectContaining({ failures: 3 }) });
    expect(raised.message).toContain("Les 3 derniers imports de votre flux ont échoué");

    // Limited to one partner, as a list: the same warning, updated (same tick: still one occurrence).
    const text = await cli("warnings", "run", "--publisher", annonceur.id);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Vérification terminée : 0 nouvelle alerte, 1 mise à jour, 0 résolue\./);
    expect(text.stdout).toContain(`feed_error            ${annonceur.name} (${annonceur.id}) — Flux en erreur : Les 3 derniers imports`);

    // The feed works again: resolved.
    await imports(annonceur.id, [{ status: "SUCCESS", at: new Date(), received: 1, created: 1 }]);
    const after = lastJson(await cli("warnings", "run", "--json", "--publisher", annonceur.id));
    expect(after.resolved.map((w: { publisherId: string; type: string }) => [w.type, w.publisherId])).toEqual([["feed_error", annonceur.id]]);
    expect(after.raised).toEqual([]);

    const help = await cli("warnings", "run", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("engagement warnings run [--json] [--publisher ID]");
    expect((await cli("--help")).stdout).toContain("warnings run");
    const usage = await cli("warnings");
    expect(usage.code).toBe(2);
    const unknown = await cli("warnings", "purge");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("sous-commande inconnue : warnings purge");
    const missing = await cli("warnings", "run", "--publisher", "inconnu-42");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("partenaire introuvable : inconnu-42");
  });
});
