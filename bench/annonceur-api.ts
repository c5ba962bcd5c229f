/**
 * Benchmark of the annonceur API on this machine's PostgreSQL.
 *
 * Starts `engagement serve` on a fresh database, seeds missions through the API, then measures with
 * autocannon (10 connections): GET /health as the baseline of the same run, GET /v0/mymission
 * (API-key auth + a page of 50 full missions), POST /v2/mission (create with address normalisation,
 * moderation, organisation upsert and event) and PUT /v2/mission/:clientId (partial update).
 * Prints a JSON report and writes it to bench/results/annonceur-api.json.
 *
 * Targets, at 10 concurrent clients on a 2-core machine that also runs PostgreSQL and the load
 * generator: a partner pushing its catalogue with 10 workers syncs ≥ 150 missions/s (create) and
 * ≥ 250 updates/s, and reads ≥ 150 pages of 50 full missions/s; p95 ≤ 100 ms for all three.
 * Usage: npm run bench:annonceur   (DATABASE_URL may point at another server; default local 5432)
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const SEED = 2000;
const TARGET_P95_MS = 100;
const TARGET_RPS: Record<string, number> = {
  "GET /v0/mymission?limit=50": 150,
  "POST /v2/mission": 150,
  "PUT /v2/mission/:clientId": 250,
};

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "bin/engagement"), ...args], { env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(err || out))));
  });
}

function missionBody(clientId: string, i: number) {
  const cities = [
    ["75011", "Paris"],
    ["69003", "Lyon"],
    ["13008", "Marseille"],
    ["31000", "Toulouse"],
    ["20000", "Ajaccio"],
    ["97400", "Saint-Denis"],
  ] as const;
  const [postalCode, city] = cities[i % cities.length] as readonly [string, string];
  return {
    clientId,
    title: `Accompagnement scolaire de collégiens n°${i}`,
    description: "<p>Aider des élèves à faire leurs devoirs.</p><ul><li>Mathématiques</li><li>Français</li></ul>",
    applicationUrl: `https://asso.example/missions/${clientId}`,
    domain: "education",
    activities: ["soutien-scolaire"],
    startAt: new Date(Date.UTC(2026, i % 12, 1 + (i % 28))).toISOString(),
    addresses: [{ street: `${1 + (i % 90)} rue de la République`, postalCode, city, country: "FR" }],
    organizationClientId: `org-${i % 100}`,
    organizationName: `Association n°${i % 100}`,
  };
}

interface Scenario {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function measure(name: string, opts: autocannon.Options): Promise<Scenario> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  const latency = result.latency as unknown as Record<string, number>;
  return {
    name,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: latency.p50 ?? result.latency.mean,
    p95: latency.p95 ?? latency.p97_5 ?? result.latency.p99,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function main() {
  const dbName = `engagement_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const env = { ...process.env, DATABASE_URL: dbUrl.toString(), PORT: String(port), LOG_LEVEL: "warn", RATE_LIMIT_DISABLED: "true" };
  const url = `http://127.0.0.1:${port}`;

  const server = spawn(process.execPath, [path.join(root, "bin/engagement"), "serve"], { env, stdio: "inherit" });
  try {
    for (let i = 0; i < 120; i++) {
      try {
        if ((await fetch(`${url}/ready`)).ok) break;
      } catch {
        /* starting */
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const { apiKey } = JSON.parse(await run(["publisher", "create", "--name", "Bench", "--annonceur"], env)) as { apiKey: string };
    const headers = { "x-api-key": apiKey, "content-type": "application/json" };

    const seedStart = Date.now();
    for (let i = 0; i < SEED; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          fetch(`${url}/v2/mission`, { method: "POST", headers, body: JSON.stringify(missionBody(`seed-${i + k}`, i + k)) }).then((r) => {
            if (r.status !== 201) throw new Error(`seed failed: ${r.status}`);
          }),
        ),
      );
    }
    const seedSeconds = (Date.now() - seedStart) / 1000;

    const scenarios: Scenario[] = [];
    scenarios.push(await measure("GET /health (baseline)", { url: `${url}/health` }));
    scenarios.push(await measure("GET /v0/mymission?limit=50", { url: `${url}/v0/mymission?limit=50`, headers }));
    let created = 0;
    scenarios.push(
      await measure("POST /v2/mission", {
        url: `${url}/v2/mission`,
        method: "POST",
        headers,
        requests: [
          {
            setupRequest: (req) => {
              created += 1;
              return { ...req, body: JSON.stringify(missionBody(`bench-${created}`, created)) } as autocannon.Request;
            },
          },
        ],
      }),
    );
    let updated = 0;
    scenarios.push(
      await measure("PUT /v2/mission/:clientId", {
        url,
        method: "PUT",
        headers,
        requests: [
          {
            setupRequest: (req) => {
              updated += 1;
              return {
                ...req,
                path: `/v2/mission/seed-${updated % SEED}`,
                body: JSON.stringify({ places: 1 + (updated % 9), schedule: `créneau ${updated}` }),
              } as autocannon.Request;
            },
          },
        ],
      }),
    );

    const baseline = scenarios[0] as Scenario;
    const report = {
      benchmark: "annonceur-api",
      date: new Date().toISOString(),
      machine: { node: process.version, cpus: (await import("node:os")).cpus().length },
      database: "postgresql (fresh database)",
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      seed: { missions: SEED, seconds: seedSeconds, perSecond: Math.round(SEED / seedSeconds) },
      targets: { p95Ms: TARGET_P95_MS, requestsPerSecond: TARGET_RPS },
      scenarios: scenarios.map((s) => ({
        ...s,
        p50RatioToBaseline: Number((s.p50 / Math.max(baseline.p50, 0.01)).toFixed(1)),
        meetsTarget:
          s === baseline ? null : s.p95 <= TARGET_P95_MS && s.rps >= (TARGET_RPS[s.name] ?? 0) && s.errors === 0 && s.non2xx === 0,
      })),
    };
    fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
    fs.writeFileSync(path.join(root, "bench/results/annonceur-api.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    const cleanup = new pg.Client({ connectionString: baseUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await cleanup.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
