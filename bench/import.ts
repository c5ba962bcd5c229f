/**
 * Benchmark of the feed import on this machine's PostgreSQL.
 *
 * Generates a realistic 100,000-mission feed (~230 MB) and a variant of it (10% of the missions
 * changed, 5% removed), serves them on a loopback port, and measures in one run, each step in its
 * own process (so that the peak RSS is that step's):
 *   1. parsing the feed with our streaming reader alone;
 *   2. the baseline, today's approach: the whole document in one string, parsed by fast-xml-parser;
 *   3. the first import into an empty database (fresh PostgreSQL database);
 *   4. a re-import of the unchanged feed;
 *   5. a re-import of the variant.
 * Targets: first import ≤ 60 s, unchanged re-import ≤ 20 s, peak RSS ≤ 300 MB at every step,
 * parsing ≥ 5× faster than the baseline. Prints the report and writes bench/results/import.json.
 *
 * Usage: npm run bench:import   (BENCH_MISSIONS=N for another size; DATABASE_URL for another server)
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runBaseline } from "./import-baseline.ts";
import { writeFeedFile } from "./feed-generator.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const MISSIONS = Number(process.env.BENCH_MISSIONS ?? 100_000);
const TARGETS = { firstImportS: 60, unchangedImportS: 20, peakRssMb: 300, parseSpeedup: 5 };

function runNode(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}\n${err || out}`))));
  });
}

const lastJsonLine = (out: string) => JSON.parse(out.trim().split("\n").at(-1)!);
/** Same heap bound as `engagement import` (bin/engagement). */
const IMPORT_HEAP_MB = 160;
const step = async (...args: string[]) =>
  lastJsonLine(await runNode([`--max-old-space-size=${IMPORT_HEAP_MB}`, "--import", "tsx", path.join(root, "bench/import-run.ts"), ...args]));

function serveDirectory(dir: string): Promise<{ url: (name: string) => string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? ""));
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/xml", "content-length": fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: (name) => `http://127.0.0.1:${port}/${name}`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-import-"));
  const dbName = `bench_import_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = baseUrl.replace(/\/[^/]*$/, `/${dbName}`);
  const served = await serveDirectory(dir);
  try {
    const env = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "silent" };
    await runNode([path.join(root, "bin/engagement"), "migrate"], env);
    const publisher = lastJsonLine(await runNode([path.join(root, "bin/engagement"), "publisher", "create", "--name", "Annonceur du benchmark", "--annonceur"], env));

    process.stderr.write(`generating ${MISSIONS} missions…\n`);
    const genStart = performance.now();
    const base = await writeFeedFile(path.join(dir, "feed.xml"), { missions: MISSIONS, seed: 1 });
    const variant = await writeFeedFile(path.join(dir, "feed-variant.xml"), { missions: MISSIONS, seed: 1, variant: { changedShare: 0.1, removedShare: 0.05 } });
    const generationS = seconds(performance.now() - genStart);
    const mb = base.bytes / 1_048_576;

    process.stderr.write("parsing (streaming reader)…\n");
    const parse = await step("parse", path.join(dir, "feed.xml"));
    process.stderr.write("parsing (baseline: fast-xml-parser, whole document)…\n");
    const baseline = await runBaseline(path.join(dir, "feed.xml"));

    const imports: Record<string, { s: number; missionsPerS: number; mbPerS: number; peakRssMb: number; counts: unknown; status: string }> = {};
    for (const [name, file] of [
      ["first", "feed.xml"],
      ["unchanged", "feed.xml"],
      ["changed10removed5", "feed-variant.xml"],
    ] as const) {
      process.stderr.write(`import: ${name}…\n`);
      const result = await step("import", databaseUrl, publisher.id, served.url(file));
      const s = result.ms / 1000;
      const bytes = result.report.bytes as number;
      imports[name] = {
        s: seconds(result.ms),
        missionsPerS: Math.round(result.report.counts.received / s),
        mbPerS: Math.round((bytes / 1_048_576 / s) * 10) / 10,
        peakRssMb: result.peakRssMb,
        status: result.report.status,
        counts: result.report.counts,
      };
    }

    const speedup = Math.round((baseline.parseMs / parse.ms) * 10) / 10;
    const peak = Math.max(parse.peakRssMb, ...Object.values(imports).map((i) => i.peakRssMb));
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      feed: { missions: base.missions, mb: Math.round(mb), variantMissions: variant.missions, generationS },
      parse: { s: seconds(parse.ms), mbPerS: Math.round((mb / (parse.ms / 1000)) * 10) / 10, peakRssMb: parse.peakRssMb, missions: parse.missions },
      baseline: { description: "fast-xml-parser, whole document in memory (today's approach)", parseS: seconds(baseline.parseMs), totalS: seconds(baseline.totalMs), peakRssMb: baseline.peakRssMb },
      imports,
      ratios: { parseSpeedupVsBaseline: speedup, baselinePeakRssOverOurs: Math.round((baseline.peakRssMb / peak) * 10) / 10 },
      targets: TARGETS,
      met: {
        firstImport: imports.first!.s <= TARGETS.firstImportS,
        unchangedImport: imports.unchanged!.s <= TARGETS.unchangedImportS,
        peakRss: peak <= TARGETS.peakRssMb,
        parseSpeedup: speedup >= TARGETS.parseSpeedup,
      },
    };
    const out = JSON.stringify(report, null, 2);
    process.stdout.write(`${out}\n`);
    if (MISSIONS === 100_000) fs.writeFileSync(path.join(root, "bench/results/import.json"), `${out}\n`);
  } finally {
    await served.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
