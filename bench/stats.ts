/**
 * Benchmark of the statistics (issue 6) on this machine's PostgreSQL.
 *
 * On a fresh database (`engagement migrate`), the world of bench/stats-events.ts: 300 annonceurs,
 * 50 diffuseurs (Zipf shares: the largest diffuseur ~25% of the events, the largest annonceur ~17%),
 * 60,000 missions, widgets and campaigns; then BENCH_EVENTS (default 10,000,000) events over the 365
 * Paris days ending on 2026-03-15, in time order, written as the tracking path writes them:
 * `writeEvents` (src/tracking/event-store.ts) in batches of 3,000, one INSERT per batch, one batch at a
 * time (the next one is generated while one is written), the statement triggers appending their deltas
 * to stat_pending, while `stat_fold()` runs every STATS_FOLD_INTERVAL_MS as the service's folder does
 * (each fold timed). After the write: a last fold, then what autovacuum would do given a minute —
 * VACUUM ANALYZE of stat_pending and the rollups, ANALYZE of the rest (stat_pending's dead rows before
 * it are reported: every query scans that table).
 *
 * Then `engagement serve` on that database, and the dashboard queries of the largest diffuseur
 * (side=diffuseur) and of the largest annonceur (side=annonceur), each measured alone over HTTP with
 * the partner's API key at 10 concurrent clients (undici, 10 connections): warm-up, then
 * BENCH_REQUESTS requests (default 1000; no new request after BENCH_QUERY_MAX_S, 20 s):
 *   totals            12-month totals            from=<ref-364d>&to=<ref>
 *   daily60           daily series, 60 days      from=<ref-59d>&to=<ref>&interval=day
 *   monthlyByPartner  monthly series by partner  from=<ref-364d>&to=<ref>&interval=month&split=partner&top=5
 *   topPartners       top partners               from=<ref-364d>&to=<ref>&groupBy=partner&limit=10
 *   byChannel         by channel                 from=<ref-364d>&to=<ref>&groupBy=channel
 * Every /v2/stats answer also carries the totals (with missions reached and partners) and a series.
 *
 * Freshness: with the service running, clicks through a real tracked link `GET /r/:missionId/:diffuseurId`
 * (a browser user agent), each followed by polling `/v2/stats?type=click&from=<today>&to=<today>` until
 * the count moves: the time from sending the click to the answer that counts it.
 *
 * Baseline, same run, same database: the same answers computed with plain `GROUP BY` over
 * tracking_event (NOT is_bot AND attributed, Paris days) with B-tree indexes created for it only
 * ((from_publisher_id, created_at), (to_publisher_id, created_at)), through a pg Pool of 10 at 10
 * concurrent clients, BENCH_BASELINE_REQUESTS per query (default 20; none started after
 * BENCH_BASELINE_MAX_S, 20 s). Each baseline answer is compared with the service's (totals, series, top
 * partners, channels), and the totals of both partners with the generator's own tallies.
 *
 * Last, `engagement stats verify --json` over the whole history (timed).
 *
 * Targets: p95 ≤ 50 ms for every dashboard query; an event counted ≤ 5 s after it happened; stats verify
 * without difference; the service's answers equal to the baseline's.
 * Prints a summary and writes bench/results/stats.json (stats.partial.json.tmp for another event count).
 * The database is dropped at the end, on failure and on SIGINT too (BENCH_KEEP_DB=true keeps it).
 *
 * Usage: npm run bench:stats
 *   DATABASE_URL             server to create the database on (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_EVENTS             events generated (default 10000000)
 *   BENCH_REQUESTS           measured requests per service query (default 1000), after BENCH_WARMUP (default 100, 5 s at most:
 *                            each of the service's 10 connections plans a dashboard statement anew for its first 5
 *                            executions, then reuses its plan; the warm-up reaches that steady state)
 *   BENCH_QUERY_MAX_S        no new service request after this many seconds of a query (default 20)
 *   BENCH_BASELINE_REQUESTS  measured baseline runs per query (default 20), BENCH_BASELINE_MAX_S (default 20: a round of
 *                            10 concurrent runs that lasts longer is the only one)
 *   BENCH_FRESHNESS_CLICKS   clicks of the freshness measure (default 20)
 *   BENCH_KEEP_DB            "true": keep the database (its name is printed)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isbot } from "isbot";
import pg from "pg";
import { Pool as HttpPool } from "undici";
import { openDatabase, type DatabaseHandle } from "../src/db/connection.ts";
import { createPublisher } from "../src/publishers/publishers.ts";
import { loadConfig } from "../src/config.ts";
import { foldAllStats } from "../src/stats/stats-folder.ts";
import { addDays, parisToday } from "../src/stats/stats-period.ts";
import { writeEvents } from "../src/tracking/event-store.ts";
import { codeVersion, createBenchDatabase, engagement, killChildren, lastJsonLine, percentile, root, run, startService, stopProcess } from "./bench-processes.ts";
import { ANNONCEURS, DAYS, DIFFUSEURS, EventStream, FIRST_DAY, planWorld, REFERENCE_DAY, SHARES, STATS_SEED, type Counts, type StatsWorld } from "./stats-events.ts";

const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const FULL_EVENTS = 10_000_000;
const EVENTS = Number(process.env.BENCH_EVENTS ?? FULL_EVENTS);
const BATCH = 3000;
const CONCURRENCY = 10;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 100);
const QUERY_MAX_S = Number(process.env.BENCH_QUERY_MAX_S ?? 20);
const WARMUP_MAX_S = 5;
const BASELINE_REQUESTS = Number(process.env.BENCH_BASELINE_REQUESTS ?? 20);
const BASELINE_MAX_S = Number(process.env.BENCH_BASELINE_MAX_S ?? 20);
const FRESHNESS_CLICKS = Number(process.env.BENCH_FRESHNESS_CLICKS ?? 20);
const KEEP_DB = process.env.BENCH_KEEP_DB === "true";
const TARGETS = { p95Ms: 50, freshnessS: 5 };

const USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

type Side = "diffuseur" | "annonceur";
type QueryName = "totals" | "daily60" | "monthlyByPartner" | "topPartners" | "byChannel";

const TO = REFERENCE_DAY;
const FROM_12M = FIRST_DAY;
const FROM_60D = addDays(REFERENCE_DAY, -59);
const QUERIES: Array<{ name: QueryName; description: string; from: string; params: string }> = [
  { name: "totals", description: "12-month totals with the missions reached", from: FROM_12M, params: `from=${FROM_12M}&to=${TO}&include=totals,missions` },
  { name: "daily60", description: "daily series, last 60 days", from: FROM_60D, params: `from=${FROM_60D}&to=${TO}&interval=day` },
  { name: "monthlyByPartner", description: "monthly series split by partner (top 5 + Autres), 12 months", from: FROM_12M, params: `from=${FROM_12M}&to=${TO}&interval=month&split=partner&top=5` },
  { name: "topPartners", description: "top 10 partners, 12 months", from: FROM_12M, params: `from=${FROM_12M}&to=${TO}&groupBy=partner&limit=10` },
  { name: "byChannel", description: "by channel, 12 months", from: FROM_12M, params: `from=${FROM_12M}&to=${TO}&groupBy=channel` },
];

// ——— measures ———

const round1 = (x: number) => Number(x.toFixed(1));
const round2 = (x: number) => Number(x.toFixed(2));


interface Latencies {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  reqPerS: number;
  wallS: number;
}

/**
 * `count` calls of `once` (fewer when `maxS` runs out: no call starts after it) by `concurrency`
 * workers; each call's latency.
 */
async function drive(count: number, maxS: number, concurrency: number, once: () => Promise<void>): Promise<Latencies> {
  const samples: number[] = [];
  let started = 0;
  let errors = 0;
  const begin = performance.now();
  const deadline = begin + maxS * 1000;
  const worker = async () => {
    while (started < count && performance.now() < deadline) {
      started += 1;
      const t = performance.now();
      try {
        await once();
        samples.push(performance.now() - t);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallS = (performance.now() - begin) / 1000;
  const sorted = samples.sort((a, b) => a - b);
  return {
    requests: samples.length,
    errors,
    p50: round1(percentile(sorted, 50)),
    p95: round1(percentile(sorted, 95)),
    p99: round1(percentile(sorted, 99)),
    max: round1(sorted.at(-1) ?? Number.NaN),
    reqPerS: round2(samples.length / wallS),
    wallS: round1(wallS),
  };
}

// ——— answers, normalised for comparison ———

type C4 = Counts;
const ZERO: C4 = [0, 0, 0, 0];
const isZero = (c: C4) => c.every((n) => n === 0);
const total4 = (c: C4) => c[0] + c[1] + c[2] + c[3];
const OTHERS = "(Autres)";
const addInto = (c: C4, d: C4) => {
  for (let i = 0; i < 4; i += 1) c[i] = c[i]! + d[i]!;
};

interface Answer {
  totals?: { counts: C4; missionsWithClick: number; missionsWithApplication: number; partners: number };
  /** Per period (empty periods left out). */
  series?: Record<string, C4>;
  /** Top partners of the split series in their order, then the cells (empty ones left out). */
  split?: { top: string[]; cells: Record<string, Record<string, C4>> };
  /** Breakdown rows in their order. */
  rows?: Array<{ key: string; counts: C4 }>;
  /** Breakdown by key (order ignored). */
  byKey?: Record<string, C4>;
}

interface MetricsJson {
  impressions?: number;
  clicks?: number;
  accounts?: number;
  applications?: number;
}
const countsOf = (m: MetricsJson): C4 => [m.impressions ?? 0, m.clicks ?? 0, m.accounts ?? 0, m.applications ?? 0];

interface StatsJson {
  data: {
    totals: MetricsJson & { missionsWithClick?: number; missionsWithApplication?: number; partners: number };
    series: Array<MetricsJson & { period: string; partners?: Array<MetricsJson & { id: string | null; name: string }> }>;
    breakdowns: Record<string, Array<MetricsJson & { key: string; label: string }>>;
  };
}

function serviceAnswer(name: QueryName, json: StatsJson): Answer {
  const { totals, series, breakdowns } = json.data;
  switch (name) {
    case "totals":
      return { totals: { counts: countsOf(totals), missionsWithClick: totals.missionsWithClick ?? -1, missionsWithApplication: totals.missionsWithApplication ?? -1, partners: totals.partners } };
    case "daily60":
      return { series: Object.fromEntries(series.map((p) => [p.period, countsOf(p)] as const).filter(([, c]) => !isZero(c))) };
    case "monthlyByPartner": {
      const top = (series[0]?.partners ?? []).filter((p) => p.id !== null).map((p) => p.id!);
      const cells: Record<string, Record<string, C4>> = {};
      for (const point of series) {
        const row = Object.fromEntries((point.partners ?? []).map((p) => [p.id ?? OTHERS, countsOf(p)] as const).filter(([, c]) => !isZero(c)));
        if (Object.keys(row).length) cells[point.period] = row;
      }
      return { split: { top, cells } };
    }
    case "topPartners":
      return { rows: (breakdowns.partner ?? []).map((r) => ({ key: r.key, counts: countsOf(r) })) };
    case "byChannel":
      return { byKey: Object.fromEntries((breakdowns.channel ?? []).map((r) => [r.key, countsOf(r)] as const)) };
  }
}

/** Differences between two answers (up to 10), as readable lines. */
function differences(expected: Answer, actual: Answer): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, at: string) => {
    if (out.length >= 10) return;
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.forEach((x, i) => walk(x, b[i], `${at}[${i}]`));
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of [...keys].sort()) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at}: baseline ${JSON.stringify(a)}, service ${JSON.stringify(b)}`);
  };
  walk(expected, actual, "");
  return out;
}

// ——— the baseline: GROUP BY over the raw events ———

const COUNTS_SQL = `count(*) FILTER (WHERE type = 'impression')::int AS impressions, count(*) FILTER (WHERE type = 'click')::int AS clicks,
  count(*) FILTER (WHERE type = 'account')::int AS accounts, count(*) FILTER (WHERE type = 'apply')::int AS applications`;

function baselineQuery(name: QueryName, side: Side): string {
  const own = side === "diffuseur" ? "from_publisher_id" : "to_publisher_id";
  const other = side === "diffuseur" ? "to_publisher_id" : "from_publisher_id";
  const where = `${own} = $1 AND created_at >= ($2::date)::timestamp AT TIME ZONE 'Europe/Paris'
    AND created_at < ($3::date + 1)::timestamp AT TIME ZONE 'Europe/Paris' AND NOT is_bot AND attributed`;
  switch (name) {
    case "totals":
      return `SELECT ${COUNTS_SQL}, count(DISTINCT mission_id) FILTER (WHERE type = 'click')::int AS missions_with_click,
        count(DISTINCT mission_id) FILTER (WHERE type = 'apply')::int AS missions_with_application, count(DISTINCT ${other})::int AS partners
        FROM tracking_event WHERE ${where}`;
    case "daily60":
      return `SELECT to_char((created_at AT TIME ZONE 'Europe/Paris')::date, 'YYYY-MM-DD') AS period, ${COUNTS_SQL}
        FROM tracking_event WHERE ${where} GROUP BY 1`;
    case "monthlyByPartner":
      return `SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'Europe/Paris'), 'YYYY-MM-DD') AS period, coalesce(${other}, '') AS partner, ${COUNTS_SQL}
        FROM tracking_event WHERE ${where} GROUP BY 1, 2`;
    case "topPartners":
      return `SELECT * FROM (SELECT coalesce(${other}, '') AS key, ${COUNTS_SQL} FROM tracking_event WHERE ${where} GROUP BY 1) g
        ORDER BY clicks DESC, impressions + clicks + accounts + applications DESC, key COLLATE "C" LIMIT 10`;
    case "byChannel":
      return `SELECT source AS key, ${COUNTS_SQL} FROM tracking_event WHERE ${where} GROUP BY 1`;
  }
}

type Row = Record<string, unknown> & MetricsJson;

async function baselineAnswer(pool: pg.Pool, name: QueryName, side: Side, partnerId: string, from: string): Promise<Answer> {
  const { rows } = await pool.query<Row>(baselineQuery(name, side), [partnerId, from, TO]);
  switch (name) {
    case "totals": {
      const r = rows[0]!;
      return { totals: { counts: countsOf(r), missionsWithClick: r.missions_with_click as number, missionsWithApplication: r.missions_with_application as number, partners: r.partners as number } };
    }
    case "daily60":
      return { series: Object.fromEntries(rows.map((r) => [r.period as string, countsOf(r)] as const).filter(([, c]) => !isZero(c))) };
    case "monthlyByPartner": {
      // The same ranking as the dashboard: redirections, then all events, then the id.
      const byPartner = new Map<string, C4>();
      for (const r of rows) {
        const c = byPartner.get(r.partner as string) ?? ([0, 0, 0, 0] as C4);
        addInto(c, countsOf(r));
        byPartner.set(r.partner as string, c);
      }
      const top = [...byPartner].sort((a, b) => b[1][1] - a[1][1] || total4(b[1]) - total4(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 5).map(([id]) => id);
      const topSet = new Set(top);
      const cells: Record<string, Record<string, C4>> = {};
      for (const r of rows) {
        const key = topSet.has(r.partner as string) ? (r.partner as string) : OTHERS;
        const row = (cells[r.period as string] ??= {});
        const c = row[key] ?? ([0, 0, 0, 0] as C4);
        addInto(c, countsOf(r));
        row[key] = c;
      }
      for (const [period, row] of Object.entries(cells)) {
        for (const [k, c] of Object.entries(row)) if (isZero(c)) delete row[k];
        if (!Object.keys(row).length) delete cells[period];
      }
      return { split: { top, cells } };
    }
    case "topPartners":
      return { rows: rows.map((r) => ({ key: r.key as string, counts: countsOf(r) })) };
    case "byChannel":
      return { byKey: Object.fromEntries(rows.map((r) => [r.key as string, countsOf(r)] as const)) };
  }
}

// ——— main ———

interface Partner {
  id: string;
  name: string;
  apiKey: string;
}

const state: { admin?: pg.Client; dbName?: string; handle?: DatabaseHandle; pools: pg.Pool[]; http?: HttpPool; cleaned: boolean } = { pools: [], cleaned: false };

async function cleanup(): Promise<void> {
  if (state.cleaned) return;
  state.cleaned = true;
  killChildren();
  await state.http?.destroy().catch(() => undefined);
  for (const pool of state.pools) await pool.end().catch(() => undefined);
  await state.handle?.close().catch(() => undefined);
  if (state.admin && state.dbName) {
    if (KEEP_DB) process.stderr.write(`database kept: ${state.dbName}\n`);
    else await state.admin.query(`DROP DATABASE IF EXISTS ${state.dbName} WITH (FORCE)`).catch((e) => process.stderr.write(`could not drop ${state.dbName}: ${e}\n`));
  }
  await state.admin?.end().catch(() => undefined);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function createWorld(handle: DatabaseHandle, world: StatsWorld): Promise<{ diffuseur: Partner; annonceur: Partner }> {
  const { db, pool } = handle;
  const keys = new Map<string, string>();
  for (const a of world.annonceurs) {
    const { apiKey } = await createPublisher(db, { id: a.id, name: a.name, annonceur: true, url: `https://www.${a.name.toLowerCase().replace(/ /g, "-")}.fr` });
    keys.set(a.id, apiKey);
  }
  for (const d of world.diffuseurs) {
    const { apiKey } = await createPublisher(db, { id: d.id, name: d.name, diffuseur: true, widget: d.widgets.length > 0, campaign: d.campaigns.length > 0 });
    keys.set(d.id, apiKey);
  }
  const m = world.missions;
  await pool.query(
    `INSERT INTO mission (id, client_id, publisher_id, title, application_url, domain, status_code)
     SELECT * , 'ACCEPTED' FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [m.map((x) => x.id), m.map((x) => x.clientId), m.map((x) => world.annonceurs[x.annonceurIndex]!.id), m.map((x) => x.title), m.map((x) => x.applicationUrl), m.map((x) => x.domain)],
  );
  const widgets = world.diffuseurs.flatMap((d) => d.widgets.map((w) => [w.id, d.id, w.name] as const));
  await pool.query(`INSERT INTO widget (id, diffuseur_id, name) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, [widgets.map((w) => w[0]), widgets.map((w) => w[1]), widgets.map((w) => w[2])]);
  const campaigns = world.diffuseurs.flatMap((d) => d.campaigns.map((c) => [c.id, d.id, world.annonceurs[c.annonceurIndex]!.id, c.name, `https://www.${d.name.toLowerCase().replace(/ /g, "-")}.fr/campagne`] as const));
  await pool.query(`INSERT INTO campaign (id, diffuseur_id, annonceur_id, name, url) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`, [0, 1, 2, 3, 4].map((i) => campaigns.map((c) => c[i])));
  await pool.query(`INSERT INTO bot_fingerprint (fingerprint, reason) SELECT f, 'benchmark: bot visitor' FROM unnest($1::text[]) f`, [world.blockedFingerprints]);
  const big = (p: { id: string; name: string }) => ({ id: p.id, name: p.name, apiKey: keys.get(p.id)! });
  return { diffuseur: big(world.diffuseurs[0]!), annonceur: big(world.annonceurs[0]!) };
}

/**
 * The events through writeEvents, one batch in flight, while the statistics folder runs as in the
 * service (src/stats/stats-folder.ts: `stat_fold()` every STATS_FOLD_INTERVAL_MS, one at a time; here
 * each fold is timed), on the pool's second connection.
 */
async function writeAll(handle: DatabaseHandle, world: StatsWorld, foldIntervalMs: number) {
  const folds: number[] = [];
  let foldedRows = 0;
  let foldErrors = 0;
  let folding: Promise<void> | null = null;
  const fold = () => {
    if (folding) return;
    const t = performance.now();
    folding = foldAllStats(handle.db)
      .then((n) => {
        folds.push(performance.now() - t);
        foldedRows += n;
      })
      .catch(() => {
        foldErrors += 1;
      })
      .finally(() => {
        folding = null;
      });
  };
  const folder = setInterval(fold, foldIntervalMs);
  const stream = new EventStream(world, EVENTS);
  const batchMs: number[] = [];
  let generationMs = 0;
  let pending: Promise<void> | null = null;
  const begin = performance.now();
  const checkpoints: Array<{ events: number; elapsedS: number; eventsPerS: number }> = [];
  let lastMark = { events: 0, at: begin };
  const step = Math.max(BATCH, Math.ceil(EVENTS / 10 / BATCH) * BATCH);
  let written = 0;
  while (!stream.done) {
    const g = performance.now();
    const batch = stream.next(BATCH);
    generationMs += performance.now() - g;
    if (pending) await pending;
    const start = performance.now();
    pending = writeEvents(handle.db, batch).then(() => {
      batchMs.push(performance.now() - start);
      written += batch.length;
      if (written % step === 0 || written === EVENTS) {
        const now = performance.now();
        const rate = ((written - lastMark.events) * 1000) / (now - lastMark.at);
        checkpoints.push({ events: written, elapsedS: round1((now - begin) / 1000), eventsPerS: Math.round(rate) });
        log(`  ${written.toLocaleString("en")} events written, ${round1((now - begin) / 1000)} s, ${Math.round(rate).toLocaleString("en")} events/s over the last ${((written - lastMark.events) / 1e6).toFixed(2)} M`);
        lastMark = { events: written, at: now };
      }
    });
    // Let the statement leave before the next batch is generated (the writer has one batch in flight).
    await new Promise((r) => setImmediate(r));
  }
  await pending;
  const totalS = (performance.now() - begin) / 1000;
  clearInterval(folder);
  await folding;
  const pendingAtEnd = Number((await handle.pool.query<{ n: number }>("SELECT count(*)::bigint AS n FROM stat_pending")).rows[0]!.n);
  const lastFoldStart = performance.now();
  const lastFoldRows = await foldAllStats(handle.db);
  const lastFoldMs = round1(performance.now() - lastFoldStart);
  const sorted = [...batchMs].sort((a, b) => a - b);
  const foldSorted = [...folds].sort((a, b) => a - b);
  const dbS = batchMs.reduce((a, b) => a + b, 0) / 1000;
  return {
    events: EVENTS,
    batches: batchMs.length,
    batchSize: BATCH,
    totalS: round1(totalS),
    eventsPerS: Math.round(EVENTS / totalS),
    /** Time inside writeEvents (statement building, the INSERT and its triggers), summed over batches. */
    writeEventsS: round1(dbS),
    eventsPerSInWriteEvents: Math.round(EVENTS / dbS),
    generationS: round1(generationMs / 1000),
    batchMs: { p50: round1(percentile(sorted, 50)), p95: round1(percentile(sorted, 95)), p99: round1(percentile(sorted, 99)), max: round1(sorted.at(-1) ?? 0) },
    checkpoints,
    folder: {
      intervalMs: foldIntervalMs,
      folds: folds.length,
      errors: foldErrors,
      rowsFolded: foldedRows,
      foldMs: { p50: round1(percentile(foldSorted, 50)), p95: round1(percentile(foldSorted, 95)), max: round1(foldSorted.at(-1) ?? 0) },
      pendingRowsWhenWritingEnded: pendingAtEnd,
      lastFold: { rows: lastFoldRows, ms: lastFoldMs },
    },
    tallies: stream.tallies,
  };
}

async function tableSizes(pool: pg.Pool) {
  const out: Record<string, { rows: number; mb: number }> = {};
  for (const table of ["tracking_event", "stat_daily", "stat_monthly", "stat_mission_daily", "stat_mission_monthly", "stat_by_channel", "stat_by_partner", "stat_reach", "stat_reach_ordinal"]) {
    const { rows } = await pool.query<{ n: number; bytes: number }>(`SELECT (SELECT count(*) FROM ${table})::bigint AS n, pg_total_relation_size('${table}')::bigint AS bytes`);
    out[table] = { rows: Number(rows[0]!.n), mb: Math.round(Number(rows[0]!.bytes) / 2 ** 20) };
  }
  return out;
}

async function main() {
  if (isbot(USER_AGENT)) throw new Error("isbot flags the freshness clicks' user agent");
  const full = EVENTS === FULL_EVENTS;
  // The code measured: the service and the CLI run from the working tree, read at start.
  const code = codeVersion();
  const { admin, dbName, databaseUrl } = await createBenchDatabase(baseUrl, "bench_stats");
  state.admin = admin;
  state.dbName = dbName;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    RATE_LIMIT_DISABLED: "true",
    FEED_IMPORT_SCHEDULE: "off",
    BOT_WATCH_SCHEDULE: "off",
    WARNINGS_SCHEDULE: "off",
  };
  log(`bench:stats — ${EVENTS.toLocaleString("en")} events, database ${dbName}`);
  await run(["migrate"], env);

  // ——— the world
  const handle = await openDatabase({ databaseUrl, dataDir: "" }, { maxConnections: 2 });
  state.handle = handle;
  const setupStart = performance.now();
  const world = planWorld(STATS_SEED);
  const big = await createWorld(handle, world);
  const setupS = round1((performance.now() - setupStart) / 1000);
  log(`partners, ${world.missions.length.toLocaleString("en")} missions, widgets, campaigns: ${setupS} s; largest diffuseur ${big.diffuseur.id}, largest annonceur ${big.annonceur.id}`);

  // ——— the events, as the tracking writer writes them
  log(`writing ${EVENTS.toLocaleString("en")} events through writeEvents, batches of ${BATCH}…`);
  const write = await writeAll(handle, world, loadConfig(env).statsFoldIntervalMs);
  log(`written in ${write.totalS} s: ${write.eventsPerS.toLocaleString("en")} events/s (batch p50 ${write.batchMs.p50} ms, p95 ${write.batchMs.p95} ms); folder: ${JSON.stringify(write.folder)}`);
  // What autovacuum does on its own given a minute: the rollups and the pending deltas (updated and
  // deleted rows) vacuumed, every table analysed.
  const pendingBeforeVacuum = (await handle.pool.query<{ live: number; dead: number; mb: number }>(
    "SELECT n_live_tup::bigint AS live, n_dead_tup::bigint AS dead, (pg_total_relation_size('stat_pending') / 1048576)::bigint AS mb FROM pg_stat_user_tables WHERE relname = 'stat_pending'",
  )).rows[0];
  const analyzeStart = performance.now();
  await handle.pool.query("VACUUM ANALYZE stat_pending, stat_daily, stat_monthly, stat_mission_daily, stat_mission_monthly, stat_by_channel, stat_by_partner, stat_reach, stat_reach_ordinal");
  await handle.pool.query("ANALYZE");
  const analyzeS = round1((performance.now() - analyzeStart) / 1000);
  const sizes = await tableSizes(handle.pool);
  log(`tables: ${JSON.stringify(sizes)}`);
  const tallies = write.tallies;
  const expectedOf = (side: Side, id: string): C4 => tallies.bySide[side].get(id) ?? ZERO;
  const share = (side: Side, id: string) => round2((100 * total4(expectedOf(side, id))) / tallies.counted);

  // ——— the service over HTTP
  const service = await startService(env, { readyTimeoutS: 180 });
  log(`service ready in ${service.readyS} s at ${service.url}`);
  const http = new HttpPool(service.url, { connections: CONCURRENCY });
  state.http = http;
  const get = async (pathAndQuery: string, apiKey?: string) => {
    const res = await http.request({ path: pathAndQuery, method: "GET", headers: apiKey ? { "x-api-key": apiKey } : { "user-agent": USER_AGENT, accept: "text/html" } });
    const body = await res.body.text();
    return { status: res.statusCode, body, headers: res.headers };
  };
  const partners: Array<{ side: Side; partner: Partner }> = [
    { side: "diffuseur", partner: big.diffuseur },
    { side: "annonceur", partner: big.annonceur },
  ];
  const serviceResults: Record<Side, Record<string, { path: string; single: number; latency: Latencies; answer: Answer; non200: number }>> = { diffuseur: {}, annonceur: {} };
  for (const { side, partner } of partners) {
    for (const q of QUERIES) {
      const pathAndQuery = `/v2/stats?side=${side}&${q.params}`;
      const t = performance.now();
      const probe = await get(pathAndQuery, partner.apiKey);
      const single = round1(performance.now() - t);
      if (probe.status !== 200) throw new Error(`${pathAndQuery}: ${probe.status} ${probe.body.slice(0, 500)}`);
      const answer = serviceAnswer(q.name, JSON.parse(probe.body) as StatsJson);
      let non200 = 0;
      const once = async () => {
        const res = await get(pathAndQuery, partner.apiKey);
        if (res.status !== 200) {
          non200 += 1;
          throw new Error(String(res.status));
        }
      };
      await drive(WARMUP, WARMUP_MAX_S, CONCURRENCY, once);
      non200 = 0;
      const latency = await drive(REQUESTS, QUERY_MAX_S, CONCURRENCY, once);
      serviceResults[side][q.name] = { path: pathAndQuery, single, latency, answer, non200 };
      log(`service ${side} ${q.name}: p50 ${latency.p50} ms, p95 ${latency.p95} ms, p99 ${latency.p99} ms, ${latency.reqPerS} req/s (${latency.requests} requests, first ${single} ms)`);
    }
  }

  // ——— freshness: a real tracked click, then the figures until they count it
  const today = parisToday();
  const freshPath = `/v2/stats?side=diffuseur&type=click&from=${today}&to=${today}`;
  const clicksToday = async () => {
    const res = await get(freshPath, big.diffuseur.apiKey);
    if (res.status !== 200) throw new Error(`${freshPath}: ${res.status} ${res.body.slice(0, 300)}`);
    return (JSON.parse(res.body) as StatsJson).data.totals.clicks ?? 0;
  };
  const freshness: Array<{ ms: number | null; polls: number; redirectMs: number; status: number }> = [];
  for (let i = 0; i < FRESHNESS_CLICKS; i += 1) {
    const mission = world.missions[(i * 2_999) % world.missions.length]!;
    const before = await clicksToday();
    await new Promise((r) => setTimeout(r, (i * 37) % 250)); // not in step with the writer's flush timer
    const t = performance.now();
    const click = await get(`/r/${mission.id}/${big.diffuseur.id}`);
    const redirectMs = round1(performance.now() - t);
    let polls = 0;
    let seen: number | null = null;
    while (performance.now() - t < 30_000) {
      polls += 1;
      if ((await clicksToday()) > before) {
        seen = round1(performance.now() - t);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    freshness.push({ ms: seen, polls, redirectMs, status: click.status });
  }
  const freshSorted = freshness.map((f) => f.ms ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const freshnessSummary = {
    clicks: FRESHNESS_CLICKS,
    counted: freshness.filter((f) => f.ms !== null).length,
    redirectStatuses: [...new Set(freshness.map((f) => f.status))],
    medianMs: percentile(freshSorted, 50),
    maxMs: freshSorted.at(-1) ?? null,
    samplesMs: freshness.map((f) => f.ms),
    method: "GET /r/:missionId/:diffuseurId (browser user agent), then GET /v2/stats?type=click&from=<today>&to=<today> every ~10 ms until the count moves; time from sending the click to the answer that counts it",
  };
  log(`freshness: median ${freshnessSummary.medianMs} ms, max ${freshnessSummary.maxMs} ms over ${FRESHNESS_CLICKS} clicks`);
  await http.close();
  state.http = undefined;
  await stopProcess(service.child);
  const serviceLog = { lines: service.output.length, first: service.output.slice(0, 10).map((l) => l.slice(0, 400)) };

  // ——— the baseline: GROUP BY over tracking_event with ordinary indexes
  const indexStart = performance.now();
  await handle.pool.query("CREATE INDEX bench_baseline_from_idx ON tracking_event (from_publisher_id, created_at)");
  await handle.pool.query("CREATE INDEX bench_baseline_to_idx ON tracking_event (to_publisher_id, created_at)");
  await handle.pool.query("ANALYZE tracking_event");
  const baselineIndexS = round1((performance.now() - indexStart) / 1000);
  log(`baseline indexes built in ${baselineIndexS} s`);
  const basePool = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  basePool.on("error", () => undefined);
  state.pools.push(basePool);
  const jit = (await basePool.query<{ jit: string }>("SHOW jit")).rows[0]?.jit ?? "?";
  const baselineResults: Record<Side, Record<string, { single: number; latency: Latencies; answer: Answer }>> = { diffuseur: {}, annonceur: {} };
  for (const { side, partner } of partners) {
    for (const q of QUERIES) {
      const t = performance.now();
      const answer = await baselineAnswer(basePool, q.name, side, partner.id, q.from);
      const single = round1(performance.now() - t);
      const latency = await drive(BASELINE_REQUESTS, BASELINE_MAX_S, CONCURRENCY, async () => {
        await baselineAnswer(basePool, q.name, side, partner.id, q.from);
      });
      baselineResults[side][q.name] = { single, latency, answer };
      log(`baseline ${side} ${q.name}: p50 ${latency.p50} ms, p95 ${latency.p95} ms, ${latency.reqPerS} req/s (${latency.requests} runs, first ${single} ms)`);
    }
  }
  const baselineExplain = (await basePool.query<{ "QUERY PLAN": string }>(`EXPLAIN ${baselineQuery("totals", "diffuseur")}`, [big.diffuseur.id, FROM_12M, TO])).rows.map((r) => r["QUERY PLAN"]);

  // ——— stats verify over the whole history
  const verifyStart = performance.now();
  const verifyRun = await engagement(["stats", "verify", "--json"], env);
  const verifyS = round1((performance.now() - verifyStart) / 1000);
  let verify: { ok: boolean; events: number; tables: Array<{ table: string; expectedGroups: number; differences: number; sample: unknown[] }> } | null = null;
  try {
    verify = lastJsonLine(verifyRun.out);
  } catch {
    log(`stats verify printed no JSON (exit ${verifyRun.code}): ${verifyRun.err.slice(0, 2000)}`);
  }
  log(`stats verify: ${verify?.ok ? "ok" : "DIFFERENCES"} in ${verifyS} s (exit ${verifyRun.code})`);

  // ——— report
  const queries: Record<string, Record<string, unknown>> = {};
  const mismatches: string[] = [];
  let allP95 = true;
  for (const { side, partner } of partners) {
    const perSide: Record<string, unknown> = {};
    for (const q of QUERIES) {
      const s = serviceResults[side][q.name]!;
      const b = baselineResults[side][q.name]!;
      const diffs = differences(b.answer, s.answer);
      if (q.name === "totals") {
        const expected = expectedOf(side, partner.id);
        const got = s.answer.totals!.counts;
        if (JSON.stringify(expected) !== JSON.stringify(got)) diffs.push(`totals vs the generator's tallies: generated ${JSON.stringify(expected)}, service ${JSON.stringify(got)}`);
      }
      for (const d of diffs) mismatches.push(`${side} ${q.name} ${d}`);
      const ok = s.latency.errors === 0 && s.latency.p95 <= TARGETS.p95Ms;
      allP95 &&= ok;
      perSide[q.name] = {
        description: q.description,
        path: s.path,
        service: { ...s.latency, firstMs: s.single, non200: s.non200 },
        baseline: { ...b.latency, firstMs: b.single },
        speedup: { p50: round1(b.latency.p50 / s.latency.p50), p95: round1(b.latency.p95 / s.latency.p95), reqPerS: b.latency.reqPerS > 0 ? round1(s.latency.reqPerS / b.latency.reqPerS) : null },
        answersEqual: diffs.length === 0,
        differences: diffs,
        p95Met: ok,
      };
    }
    queries[side] = { partner: { id: partner.id, name: partner.name, shareOfCountedEventsPct: share(side, partner.id) }, ...perSide };
  }
  const freshnessMet = freshnessSummary.counted === FRESHNESS_CLICKS && (freshnessSummary.maxMs ?? Infinity) <= TARGETS.freshnessS * 1000;
  const report = {
    benchmark: "stats",
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: (await handle.pool.query<{ v: string }>("SHOW server_version")).rows[0]?.v,
      postgresSettings: Object.fromEntries(
        (await handle.pool.query<{ name: string; setting: string; unit: string | null }>(
          "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_wal_size', 'synchronous_commit', 'jit', 'max_parallel_workers_per_gather')",
        )).rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]),
      ),
      note: "the benchmark process, the service and PostgreSQL share these cores",
    },
    code: { ...code, changedDuringRun: JSON.stringify(codeVersion()) !== JSON.stringify(code) },
    settings: {
      events: EVENTS,
      full,
      seed: STATS_SEED,
      days: DAYS,
      from: FROM_12M,
      referenceDay: TO,
      annonceurs: ANNONCEURS,
      diffuseurs: DIFFUSEURS,
      missions: world.missions.length,
      shares: SHARES,
      batchSize: BATCH,
      concurrency: CONCURRENCY,
      serviceRequestsPerQuery: REQUESTS,
      serviceWarmupRequests: WARMUP,
      serviceQueryMaxS: QUERY_MAX_S,
      baselineRequestsPerQuery: BASELINE_REQUESTS,
      baselineQueryMaxS: BASELINE_MAX_S,
      baselineJit: jit,
      vacuumAnalyzeAfterWrite: "VACUUM ANALYZE of stat_pending and the statistics tables, ANALYZE of the database",
      vacuumAnalyzeAfterWriteS: analyzeS,
      statPendingBeforeVacuum: pendingBeforeVacuum,
    },
    data: {
      setupS,
      generated: { events: tallies.events, counted: tallies.counted, bots: tallies.bots, botsFlaggedByTheWriter: tallies.blockedBotEvents, unattributedConversions: tallies.unattributed, byType: tallies.byType, byChannel: tallies.byChannel },
      largestDiffuseurSharePct: share("diffuseur", big.diffuseur.id),
      largestAnnonceurSharePct: share("annonceur", big.annonceur.id),
      tables: sizes,
    },
    write: { ...write, tallies: undefined, method: "writeEvents (src/tracking/event-store.ts), one INSERT … SELECT FROM unnest per batch of 3,000, one batch in flight; statement triggers update the four rollup tables" },
    serviceReadyS: service.readyS,
    queries,
    freshness: freshnessSummary,
    baseline: { indexes: ["tracking_event (from_publisher_id, created_at)", "tracking_event (to_publisher_id, created_at)"], indexBuildS: baselineIndexS, pool: CONCURRENCY, explainTotalsDiffuseur: baselineExplain },
    verify: { s: verifyS, exitCode: verifyRun.code, ...(verify ?? { ok: false }) },
    mismatches,
    serviceLog,
    targets: { p95MsEveryQuery: TARGETS.p95Ms, freshnessS: TARGETS.freshnessS, verifyDifferences: 0, answersEqualBaseline: true },
    met: {
      p95EveryQuery: allP95,
      freshness: freshnessMet,
      verify: verify?.ok === true && verify.tables.every((t) => t.differences === 0),
      answersEqual: mismatches.length === 0,
    },
  };
  const out = `${JSON.stringify(report, null, 2)}\n`;
  fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
  const file = path.join(root, "bench/results", full ? "stats.json" : "stats.partial.json.tmp");
  fs.writeFileSync(file, out);

  // ——— summary
  const lines = [
    "",
    `Statistics benchmark — ${EVENTS.toLocaleString("en")} events, ${DAYS} days to ${TO}, ${ANNONCEURS} annonceurs, ${DIFFUSEURS} diffuseurs (${path.relative(root, file)})`,
    `write: ${write.totalS} s, ${write.eventsPerS.toLocaleString("en")} events/s (in writeEvents ${write.eventsPerSInWriteEvents.toLocaleString("en")}/s; batch of ${BATCH}: p50 ${write.batchMs.p50} ms, p95 ${write.batchMs.p95} ms, max ${write.batchMs.max} ms)`,
    `largest diffuseur ${report.data.largestDiffuseurSharePct}% of counted events, largest annonceur ${report.data.largestAnnonceurSharePct}%`,
    "",
    "side        query              service p50 / p95 / p99 ms   req/s  errors    baseline p50 / p95 ms   req/s   equal",
  ];
  for (const { side } of partners) {
    for (const q of QUERIES) {
      const r = queries[side]![q.name] as { service: Latencies; baseline: Latencies; answersEqual: boolean };
      lines.push(
        `${side.padEnd(11)} ${q.name.padEnd(18)} ${`${r.service.p50} / ${r.service.p95} / ${r.service.p99}`.padStart(24)}   ${String(r.service.reqPerS).padStart(5)}  ${String(r.service.errors).padStart(6)}   ${`${r.baseline.p50} / ${r.baseline.p95}`.padStart(20)}   ${String(r.baseline.reqPerS).padStart(6)}   ${r.answersEqual ? "yes" : "NO"}`,
      );
    }
  }
  lines.push(
    "",
    `freshness: median ${freshnessSummary.medianMs} ms, max ${freshnessSummary.maxMs} ms (${freshnessSummary.counted}/${FRESHNESS_CLICKS} counted)`,
    `stats verify: ${report.verify.ok ? "no difference" : "DIFFERENCES"} in ${verifyS} s`,
    `mismatches: ${mismatches.length}${mismatches.length ? `\n  ${mismatches.slice(0, 20).join("\n  ")}` : ""}`,
    `met: ${JSON.stringify(report.met)}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping, dropping the database…`);
    void cleanup().finally(() => process.exit(130));
  });
}

main()
  .then(() => cleanup())
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
