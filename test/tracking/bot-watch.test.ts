/**
 * The suspected-bot watch on the run's database. Events are written straight into tracking_event
 * (the event writer's bulk insert), at moments in 2031 that no other test uses: each test has its own
 * day, its own partners and fingerprints, and runs the watch at its own `now`.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/connection.ts";
import { uuidv7 } from "../../src/db/uuid7.ts";
import { createPublisher } from "../../src/publishers/publishers.ts";
import { findSuspects, runBotWatch, SUSPECTED_BOT } from "../../src/tracking/bot-watch.ts";
import { blockFingerprint } from "../../src/tracking/bots.ts";
import type { NewTrackingEvent } from "../../src/tracking/event-queue.ts";
import { writeEvents } from "../../src/tracking/event-store.ts";

let database: DatabaseHandle;
let annonceurId: string;
const HOUR = 3_600_000;
let day = 0;

/** Noon (UTC) of a day of 2031 no other test of this file uses. */
function nextDay(): Date {
  day += 2;
  return new Date(Date.UTC(2031, 0, 1 + day, 12));
}

const fingerprint = () => randomBytes(32).toString("hex");

async function diffuseur(): Promise<string> {
  const { publisher } = await createPublisher(database.db, { name: `Diffuseur robots ${randomBytes(4).toString("hex")}`, diffuseur: true });
  return publisher.id;
}

const missions = [uuidv7(), uuidv7(), uuidv7()];

/** `count` clicks of `fp` through `from`, evenly spread over the `spanHours` before `end`. */
function clicks(count: number, fp: string, from: string, end: Date, spanHours = 20): NewTrackingEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(end.getTime() - Math.floor(((i + 1) * spanHours * HOUR) / count) + 1);
    return {
      id: uuidv7(at.getTime()),
      type: "click" as const,
      created_at: at,
      updated_at: at,
      source: "api" as const,
      from_publisher_id: from,
      to_publisher_id: annonceurId,
      mission_id: missions[i % missions.length]!,
      fingerprint: fp,
      user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
      referer: "https://robot.example/missions",
    };
  });
}

function conversion(type: "apply" | "account", fp: string | null, from: string, at: Date, clickId: string | null = null): NewTrackingEvent {
  return { id: uuidv7(at.getTime()), type, created_at: at, updated_at: at, source: "jstag", from_publisher_id: from, to_publisher_id: annonceurId, fingerprint: fp, click_id: clickId };
}

const warningsOf = (fp: string) =>
  database.db.selectFrom("warning").selectAll().where("type", "=", SUSPECTED_BOT).where("subject", "=", fp).orderBy("created_at").execute();

const watch = (now: Date) => runBotWatch(database.db, undefined, now, { wait: true });

beforeAll(async () => {
  const { databaseUrl, dataDir } = inject("database");
  database = await openDatabase({ databaseUrl, dataDir }, { maxConnections: 2 });
  const { publisher } = await createPublisher(database.db, { name: `Annonceur robots ${randomBytes(4).toString("hex")}`, annonceur: true });
  annonceurId = publisher.id;
});
afterAll(async () => database?.close());

it("200 clicks of one fingerprint through one diffuseur, no conversion: a warning for that diffuseur", async () => {
  const now = nextDay();
  const [fp, from] = [fingerprint(), await diffuseur()];
  const events = clicks(200, fp, from, now);
  await writeEvents(database.db, events);

  const run = await watch(now);
  const suspect = run.suspects.find((s) => s.fingerprint === fp);
  expect(suspect).toMatchObject({ diffuseurId: from, diffuseurKnown: true, clicks: 200, missions: 3, userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" });
  expect(run.raised).toBeGreaterThanOrEqual(1);
  const [warning, ...others] = await warningsOf(fp);
  expect(others).toEqual([]);
  expect(warning).toMatchObject({ publisher_id: from, occurrences: 1, resolved_at: null });
  expect(warning!.first_seen_at.toISOString()).toBe(now.toISOString());
  const times = events.map((e) => (e.created_at as Date).getTime());
  expect(warning!.details).toMatchObject({
    clicks: 200,
    missions: 3,
    firstClickAt: new Date(Math.min(...times)).toISOString(),
    lastClickAt: new Date(Math.max(...times)).toISOString(),
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
  });
  expect(run.live.find((l) => l.fingerprint === fp)).toMatchObject({ diffuseurId: from, clicks: 200 });
});

it("199 clicks: no warning", async () => {
  const now = nextDay();
  const fp = fingerprint();
  await writeEvents(database.db, clicks(199, fp, await diffuseur(), now));
  expect((await findSuspects(database.db, { now })).map((s) => s.fingerprint)).not.toContain(fp);
  await watch(now);
  expect(await warningsOf(fp)).toEqual([]);
});

it("one application or one account creation in the window: no warning", async () => {
  const now = nextDay();
  const from = await diffuseur();
  const [byApply, byAccount, byClick] = [fingerprint(), fingerprint(), fingerprint()];
  const followed = clicks(250, byClick, from, now);
  await writeEvents(database.db, [
    ...clicks(250, byApply, from, now),
    conversion("apply", byApply, from, new Date(now.getTime() - HOUR)),
    ...clicks(250, byAccount, from, now),
    conversion("account", byAccount, from, new Date(now.getTime() - 2 * HOUR)),
    // An application from the annonceur's page (another fingerprint) that follows one of its clicks.
    ...followed,
    conversion("apply", fingerprint(), from, new Date(now.getTime() - HOUR), followed[10]!.id),
  ]);
  const suspects = (await findSuspects(database.db, { now })).map((s) => s.fingerprint);
  expect(suspects).not.toContain(byApply);
  expect(suspects).not.toContain(byAccount);
  expect(suspects).not.toContain(byClick);
});

it("clicks through two diffuseurs (a shared address, most likely): no warning", async () => {
  const now = nextDay();
  const fp = fingerprint();
  await writeEvents(database.db, [...clicks(150, fp, await diffuseur(), now), ...clicks(150, fp, await diffuseur(), now)]);
  expect((await findSuspects(database.db, { now })).map((s) => s.fingerprint)).not.toContain(fp);
});

it("clicks older than 24 hours do not count", async () => {
  const now = nextDay();
  const [fp, from] = [fingerprint(), await diffuseur()];
  // 300 clicks between 48 and 25 hours ago, and 100 in the window.
  await writeEvents(database.db, [...clicks(300, fp, from, new Date(now.getTime() - 25 * HOUR), 23), ...clicks(100, fp, from, now)]);
  expect((await findSuspects(database.db, { now })).map((s) => s.fingerprint)).not.toContain(fp);
  // 25 hours earlier, the same clicks were a suspect: the window is what counts.
  const before = await findSuspects(database.db, { now: new Date(now.getTime() - 25 * HOUR) });
  expect(before.find((s) => s.fingerprint === fp)?.clicks).toBe(300);
});

it("a blocked fingerprint raises nothing; blocking a suspect resolves its warning", async () => {
  const now = nextDay();
  const from = await diffuseur();
  const [blocked, suspect] = [fingerprint(), fingerprint()];
  await blockFingerprint(database.db, blocked, "test");
  await writeEvents(database.db, [...clicks(220, blocked, from, now), ...clicks(220, suspect, from, now)]);

  await watch(now);
  expect(await warningsOf(blocked)).toEqual([]);
  expect(await warningsOf(suspect)).toHaveLength(1);

  await blockFingerprint(database.db, suspect, "confirmé");
  const [warning] = await warningsOf(suspect);
  expect(warning!.resolved_at).not.toBeNull();
  expect(warning!.details).toMatchObject({ resolution: "blocked" });
  const later = await watch(new Date(now.getTime() + HOUR));
  expect(later.suspects.map((s) => s.fingerprint)).not.toContain(suspect);
  expect(await warningsOf(suspect)).toHaveLength(1);
});

it("re-runs refresh the live warning without duplicating it, and resolve it once the fingerprint stops", async () => {
  const now = nextDay();
  const [fp, from] = [fingerprint(), await diffuseur()];
  await writeEvents(database.db, clicks(200, fp, from, now));
  await watch(now);
  // Another instance of the same tick: counted once.
  await watch(new Date(now.getTime() + 60_000));
  expect(await warningsOf(fp)).toMatchObject([{ occurrences: 1 }]);

  // Three hours later, 40 more clicks: same warning, seen twice, new figures.
  const later = new Date(now.getTime() + 3 * HOUR);
  await writeEvents(database.db, clicks(40, fp, from, later, 2));
  const run = await watch(later);
  expect(run.suspects.find((s) => s.fingerprint === fp)?.clicks).toBe(240);
  const [warning, ...others] = await warningsOf(fp);
  expect(others).toEqual([]);
  expect(warning).toMatchObject({ occurrences: 2, resolved_at: null, details: expect.objectContaining({ clicks: 240 }) });
  expect(warning!.first_seen_at.toISOString()).toBe(now.toISOString());
  expect(warning!.last_seen_at.toISOString()).toBe(later.toISOString());

  // A run for an earlier moment judges nothing it has not seen.
  await watch(new Date(now.getTime() - 30 * HOUR));
  expect((await warningsOf(fp))[0]!.resolved_at).toBeNull();

  // A day later the clicks have left the window: resolved; clicking again opens a new warning.
  const nextDayRun = new Date(now.getTime() + 27 * HOUR);
  expect((await watch(nextDayRun)).resolved).toBeGreaterThanOrEqual(1);
  const [resolved] = await warningsOf(fp);
  expect(resolved!.resolved_at!.toISOString()).toBe(nextDayRun.toISOString());
  expect(resolved!.details).toMatchObject({ resolution: "cleared" });
  const again = new Date(now.getTime() + 40 * HOUR);
  await writeEvents(database.db, clicks(200, fp, from, again, 5));
  await watch(again);
  expect((await warningsOf(fp)).map((w) => w.resolved_at === null)).toEqual([false, true]);
});
