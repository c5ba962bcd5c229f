/**
 * Benchmark of the tracked redirect `GET /r/:missionId/:publisherId` on this machine's PostgreSQL.
 *
 * On a fresh database (one annonceur, one diffuseur, BENCH_MISSIONS missions inserted by SQL), the
 * load generator (autocannon, in this process) drives in turn, each server in its own process:
 *   a. ceiling   a bare Fastify route answering the same 302 to a fixed Location, recording nothing
 *                (bench/redirect-servers.ts bare);
 *   b. service   `engagement serve` — the real route: 302 at once, click queued and written in batches;
 *   c. baseline  the straightforward approach: look the mission up, INSERT the click and wait for it,
 *                then 302 (bench/redirect-servers.ts baseline, pg Pool of 10).
 * Every variant gets the same requests: paths spread over all the missions (one after the other),
 * a Chrome user agent (isbot does not flag it) and a referer; 2 s of warm-up, then the measure.
 *
 * After (b) the service is stopped with SIGTERM (its close writes the queued clicks) and the click
 * rows are compared with the 302s autocannon received: every 302 carries its click id
 * (`apiengagement_id`), so a click is lost when its id is not in tracking_event. autocannon destroys
 * the connections still waiting for an answer when the time is up: those requests may have been
 * recorded without their 302 being counted (at most one per connection, `recordedWithout302`).
 *
 * The three run in turn BENCH_ROUNDS times (a b c, a b c, …): each ratio is computed within a round,
 * then the report gives the median over the rounds (this machine's speed drifts over minutes).
 *
 * Targets (on the medians): (b) ≥ 50% of (a)'s requests/s, (b) p99 ≤ 25 ms, (b) ≥ 5× (c)'s
 * requests/s; no click lost in any round.
 * Prints the report and writes bench/results/redirect.json. The database is dropped at the end.
 *
 * Usage: npm run bench:redirect
 *   DATABASE_URL       server to create the database on (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_ROUNDS       rounds of a, b, c (default 3)
 *   BENCH_DURATION_S   measured seconds per variant and round (default 20)
 *   BENCH_CONNECTIONS  autocannon connections (default 100)
 *   BENCH_MISSIONS     missions the requests are spread over (default 500)
 *   BENCH_SERVICE_PROFILE  a directory: the service (b) runs with --cpu-prof and writes its profile there
 *   BENCH_SERVICE_NODE_FLAGS  extra node flags for the service (b), e.g. V8 heap settings to compare
 *   BENCH_ONLY_SERVICE  "true": measure (b) alone, to compare changes quickly (prints, writes no result file)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { isbot } from "isbot";
import pg from "pg";
import { codeVersion, collect, createBenchDatabase, killChildren, lastJsonLine, percentile, root, run, startService, stopProcess, track } from "./bench-processes.ts";

const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const MISSIONS = Number(process.env.BENCH_MISSIONS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 2;
const ONLY_SERVICE = process.env.BENCH_ONLY_SERVICE === "true";
const TARGETS = { serviceShareOfCeiling: 0.5, serviceP99Ms: 25, speedupVsBaseline: 5, lostClicks: 0 };

const USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const REFERER = "https://www.mairie-exemple.fr/agenda/benevolat?page=2";
const CLICK_ID = /apiengagement_id=([0-9a-f-]{36})/;

// ——— processes ———

interface Server {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr), line by line. */
  output: string[];
}

/** bench/redirect-servers.ts in its own process; resolves with the URL it prints once listening. */
function startHelper(mode: "bare" | "baseline", databaseUrl?: string): Promise<Server> {
  const args = ["--import", "tsx", path.join(root, "bench/redirect-servers.ts"), mode, ...(databaseUrl ? [databaseUrl] : [])];
  const child = track(spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] }));
  const output = collect(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} server did not start in 30 s\n${output.join("\n")}`)), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${mode} server exited with ${code}\n${output.join("\n")}`));
    });
    child.stdout!.on("data", () => {
      const line = output.find((l) => l.startsWith('{"url"'));
      if (!line) return;
      clearTimeout(timer);
      resolve({ url: (JSON.parse(line) as { url: string }).url, child, output });
    });
  });
}

/** `engagement serve` with the node flags the settings ask for (heap, CPU profile). */
const startEngagement = (env: NodeJS.ProcessEnv) =>
  startService(env, {
    nodeFlags: [
      ...(process.env.BENCH_SERVICE_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
      ...(process.env.BENCH_SERVICE_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_SERVICE_PROFILE}`] : []),
    ],
    readyTimeoutS: 120,
  });

const stop = (server: Server) => stopProcess(server.child);

// ——— load ———

const ms = (value: number) => Number(value.toFixed(2));

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : Number(((sorted[mid - 1]! + sorted[mid]!) / 2).toFixed(2));
}


/** Index of the first value ≥ x in a sorted array. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Load {
  result: autocannon.Result;
  /** Per-response latencies (ms), exact. */
  latencies: Float64Array;
  /** Click ids found in the Location of the 302s. */
  clickIds: string[];
  /** Per second: responses and the slowest one (ms), to see stalls. */
  perSecond: { responses: number[]; maxLatencyMs: number[] };
}

/** autocannon against `url`, each request on the next mission's path. */
function load(url: string, paths: string[], seconds: number): Promise<Load> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const clickIds: string[] = [];
  let next = 0;
  const perSecond = { responses: [] as number[], maxLatencyMs: [] as number[] };
  let secondMax = 0;
  const request: autocannon.Request = {
    method: "GET",
    setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }) as autocannon.Request,
    onResponse: (status, _body, _context, headers) => {
      if (status !== 302 || !headers) return;
      const location = headers.location ?? headers.Location; // as sent: Fastify writes it in lower case
      const match = typeof location === "string" ? CLICK_ID.exec(location) : null;
      // A copy of the id, not a slice: a slice would keep the whole Location alive in this process
      // (hundreds of thousands of them), and the load generator's own garbage collection would
      // weigh on the measure of the variant with click ids only.
      if (match) clickIds.push(Buffer.from(match[1]!, "latin1").toString("latin1"));
    },
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections: CONNECTIONS, duration: seconds, headers: { "user-agent": USER_AGENT, referer: REFERER, accept: "text/html" }, requests: [request] },
      (err, result) => {
        if (err) return reject(err);
        // autocannon ticks once more after the stop, with nothing counted.
        if (perSecond.responses.length > seconds && perSecond.responses.at(-1) === 0) {
          perSecond.responses.pop();
          perSecond.maxLatencyMs.pop();
        }
        resolve({ result, latencies: latencies.subarray(0, count), clickIds, perSecond });
      },
    );
    (instance as unknown as NodeJS.EventEmitter).on("tick", ({ counter }: { counter: number }) => {
      perSecond.responses.push(counter);
      perSecond.maxLatencyMs.push(Math.round(secondMax));
      secondMax = 0;
    });
    instance.on("response", (_client: unknown, _status: number, _bytes: number, time: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = time;
      if (time > secondMax) secondMax = time;
    });
  });
}

function summarize({ result, latencies, perSecond }: Load) {
  const sorted = Float64Array.from(latencies).sort();
  const codes = result.statusCodeStats ?? {};
  const statusCodes = Object.fromEntries(Object.entries(codes).map(([code, stat]) => [code, stat?.count ?? 0]));
  return {
    requestsPerS: {
      mean: Math.round(result.requests.mean),
      median: Math.round(result.requests.p50),
      min: result.requests.min,
      max: result.requests.max,
      overall: Math.round(latencies.length / result.duration),
    },
    latencyMs: { p50: ms(percentile(sorted, 50)), p90: ms(percentile(sorted, 90)), p99: ms(percentile(sorted, 99)), max: ms(sorted.at(-1) ?? Number.NaN) },
    /** Responses slower than 100 ms (stalls). */
    over100ms: sorted.length - lowerBound(sorted, 100),
    responses: latencies.length,
    total302: codes["302"]?.count ?? 0,
    statusCodes,
    non302: latencies.length - (codes["302"]?.count ?? 0),
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
    perSecond,
  };
}

type Summary = Awaited<ReturnType<typeof measure>>["summary"];

// ——— CPU accounting ———

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; 0 where /proc is missing. */
function processCpuS(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S; // utime, stime
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by every PostgreSQL process of the machine (other databases included). */
function postgresCpuS(): number {
  let total = 0;
  for (const entry of fs.existsSync("/proc") ? fs.readdirSync("/proc") : []) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres") total += processCpuS(Number(entry));
    } catch {
      /* gone */
    }
  }
  return total;
}

/**
 * Where the measure's CPU went, per response: the load generator (this process), the server under
 * test, PostgreSQL. Two cores for all three: a component's µs per response is what it costs the others.
 */
function cpuMeter(serverPid: number | undefined) {
  const start = { self: process.cpuUsage(), server: processCpuS(serverPid), postgres: postgresCpuS(), at: performance.now() };
  return (responses: number) => {
    const self = process.cpuUsage(start.self);
    const wallS = (performance.now() - start.at) / 1000;
    const perResponseUs = (cpuS: number) => (responses > 0 ? Math.round((cpuS * 1e6) / responses) : null);
    const loadGenerator = (self.user + self.system) / 1e6;
    const server = processCpuS(serverPid) - start.server;
    const postgres = postgresCpuS() - start.postgres;
    return {
      wallS: Number(wallS.toFixed(1)),
      cpuS: { loadGenerator: Number(loadGenerator.toFixed(1)), server: Number(server.toFixed(1)), postgres: Number(postgres.toFixed(1)) },
      usPerResponse: { loadGenerator: perResponseUs(loadGenerator), server: perResponseUs(server), postgres: perResponseUs(postgres) },
    };
  };
}

async function measure(name: string, url: string, paths: string[], serverPid: number | undefined) {
  process.stderr.write(`${name}: warm-up ${WARMUP_S} s, then ${DURATION_S} s at ${CONNECTIONS} connections…\n`);
  // Other processes on the box (tests, builds) take cores from the measure: the load average says so.
  const loadBefore = os.loadavg()[0]!;
  const warmup = await load(url, paths, WARMUP_S);
  const cpu = cpuMeter(serverPid);
  const measured = await load(url, paths, DURATION_S);
  const summary = {
    ...summarize(measured),
    cpu: cpu(measured.latencies.length),
    loadAverage1mBefore: Number(loadBefore.toFixed(2)),
    loadAverage1mAfter: Number(os.loadavg()[0]!.toFixed(2)),
  };
  process.stderr.write(`${name}: ${summary.requestsPerS.mean} req/s, p99 ${summary.latencyMs.p99} ms, CPU µs/response ${JSON.stringify(summary.cpu.usPerResponse)}\n`);
  return { warmup, measured, summary };
}

// ——— service output ———

/** The service logs JSON lines (pino) at warn and above: count them and keep a few of each message. */
function logSummary(lines: string[]) {
  const byMessage = new Map<string, { level: number | string; count: number; sample: string }>();
  for (const line of lines) {
    let key = line.slice(0, 120);
    let level: number | string = "text";
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      key = entry.msg ?? key;
      level = entry.level ?? level;
    } catch {
      /* not JSON */
    }
    const seen = byMessage.get(key);
    if (seen) seen.count += 1;
    else byMessage.set(key, { level, count: 1, sample: line.slice(0, 400) });
  }
  return { lines: lines.length, messages: [...byMessage.entries()].map(([msg, v]) => ({ msg, ...v })) };
}

// ——— main ———

/** The commit measured, and whether src/ had uncommitted changes (the service runs from the working tree). */
async function main() {
  if (isbot(USER_AGENT)) throw new Error("isbot flags the benchmark's user agent: the service would not record the clicks");
  const { admin, dbName, databaseUrl } = await createBenchDatabase(baseUrl, "bench_redirect");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    RATE_LIMIT_DISABLED: "true",
    FEED_IMPORT_SCHEDULE: "off",
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await run(["migrate"], env);
    const annonceur = lastJsonLine<{ id: string }>(await run(["publisher", "create", "--name", "Annonceur du benchmark", "--annonceur"], env));
    const diffuseur = lastJsonLine<{ id: string }>(await run(["publisher", "create", "--name", "Diffuseur du benchmark", "--diffuseur"], env));
    const ids = Array.from({ length: MISSIONS }, () => randomUUID());
    await pool.query(
      `INSERT INTO mission (id, client_id, publisher_id, title, application_url, domain, status_code)
       SELECT id, 'bench-' || n, $2, 'Accompagner des seniors isolés n°' || n,
              'https://asso.example.org/missions/' || n || '?ref=api', 'solidarite-insertion', 'ACCEPTED'
       FROM unnest($1::text[]) WITH ORDINALITY AS m(id, n)`,
      [ids, annonceur.id],
    );
    const paths = ids.map((id) => `/r/${id}/${diffuseur.id}`);
    const countClicks = async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tracking_event WHERE type = 'click'")).rows[0]!.n;

    /** One round: (a), (b), (c) one after the other, each on an empty tracking_event. */
    const round = async (n: number) => {
      const tag = ROUNDS > 1 ? `[${n}/${ROUNDS}] ` : "";
      // (a) the ceiling
      const bare = ONLY_SERVICE ? undefined : await startHelper("bare");
      const a = bare && (await measure(`${tag}a. bare 302`, bare.url, paths, bare.child.pid));
      if (bare) await stop(bare);

      // (b) the service
      await pool.query("TRUNCATE tracking_event");
      const service = await startEngagement(env);
      const b = await measure(`${tag}b. service /r/:missionId/:publisherId`, service.url, paths, service.child.pid);
      const serviceStop = await stop(service);
      const rows = await pool.query<{ id: string; user_agent: string | null; is_bot: boolean }>("SELECT id, user_agent, is_bot FROM tracking_event WHERE type = 'click'");
      const recorded = new Set(rows.rows.map((r) => r.id));
      const sentIds = [...b.warmup.clickIds, ...b.measured.clickIds];
      const lostIds = sentIds.filter((id) => !recorded.has(id));
      const warmup302 = b.warmup.result.statusCodeStats?.["302"]?.count ?? 0;
      const sent302 = warmup302 + b.summary.total302;
      const clicks = {
        sent302,
        sent302WithClickId: sentIds.length,
        measured302: b.summary.total302,
        warmup302,
        rows: recorded.size,
        lost: sent302 - recorded.size > 0 ? sent302 - recorded.size : 0,
        lostByClickId: lostIds.length,
        recordedWithout302: recorded.size - (sentIds.length - lostIds.length),
        rowsWithOurUserAgent: rows.rows.filter((r) => r.user_agent === USER_AGENT).length,
        rowsFlaggedBot: rows.rows.filter((r) => r.is_bot).length,
        lostSample: lostIds.slice(0, 5),
      };
      process.stderr.write(`${tag}b. clicks: ${JSON.stringify(clicks)}\n`);
      if (!a) {
        process.stdout.write(`${JSON.stringify({ b: variant(b.summary, { clicks }) }, null, 2)}\n`);
        return undefined;
      }

      // (c) the baseline, on an empty tracking_event as (b) had
      await pool.query("TRUNCATE tracking_event");
      const baselineServer = await startHelper("baseline", databaseUrl);
      const c = await measure(`${tag}c. baseline (SELECT + INSERT per request)`, baselineServer.url, paths, baselineServer.child.pid);
      await stop(baselineServer);
      const baselineRows = await countClicks();

      return {
        a: variant(a.summary, { description: "bare Fastify route, fixed 302, nothing recorded (ceiling)" }),
        b: variant(b.summary, {
          description: "engagement serve, GET /r/:missionId/:publisherId: 302 at once, click queued and written in batches",
          stop: serviceStop,
          clicks,
          log: logSummary(service.output),
        }),
        c: variant(c.summary, { description: "baseline: SELECT the mission, INSERT the click and wait for it, then 302 (pg Pool of 10)", rows: baselineRows }),
        ratios: {
          bOverARequestsPerS: ratio(b.summary.requestsPerS.mean, a.summary.requestsPerS.mean),
          bOverCRequestsPerS: ratio(b.summary.requestsPerS.mean, c.summary.requestsPerS.mean),
          cP99OverBP99: ratio(c.summary.latencyMs.p99, b.summary.latencyMs.p99),
        },
      };
    };
    const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;
    const variant = <T extends object>(summary: Summary, extra: T) => ({ ...summary, ...extra });

    const rounds = [];
    for (let n = 1; n <= ROUNDS; n += 1) {
      const result = await round(n);
      if (result) rounds.push(result);
    }
    if (ONLY_SERVICE) return;
    // Each ratio is taken within its round (a, b and c minutes apart), then the median over the
    // rounds: the machine's speed drifts between rounds more than within one.
    const medians = {
      aRequestsPerS: median(rounds.map((r) => r.a.requestsPerS.mean)),
      bRequestsPerS: median(rounds.map((r) => r.b.requestsPerS.mean)),
      cRequestsPerS: median(rounds.map((r) => r.c.requestsPerS.mean)),
      bP99Ms: median(rounds.map((r) => r.b.latencyMs.p99)),
      bOverARequestsPerS: median(rounds.map((r) => r.ratios.bOverARequestsPerS)),
      bOverCRequestsPerS: median(rounds.map((r) => r.ratios.bOverCRequestsPerS)),
    };
    const lost = rounds.reduce((sum, r) => sum + r.b.clicks.lost + r.b.clicks.lostByClickId, 0);
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, note: "autocannon, the server under test and PostgreSQL share these cores" },
      code: codeVersion(),
      settings: { rounds: ROUNDS, connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, missions: MISSIONS, userAgent: USER_AGENT, referer: REFERER },
      medians,
      targets: TARGETS,
      met: {
        serviceShareOfCeiling: medians.bOverARequestsPerS >= TARGETS.serviceShareOfCeiling,
        serviceP99: medians.bP99Ms <= TARGETS.serviceP99Ms,
        speedupVsBaseline: medians.bOverCRequestsPerS >= TARGETS.speedupVsBaseline,
        noClickLost: lost === 0,
      },
      rounds,
    };
    const out = JSON.stringify(report, null, 2);
    process.stdout.write(`${out}\n`);
    fs.writeFileSync(path.join(root, "bench/results/redirect.json"), `${out}\n`);
  } finally {
    killChildren();
    await pool.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

main().catch((err) => {
  killChildren();
  console.error(err);
  process.exit(1);
});
