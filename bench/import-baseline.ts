/**
 * Baseline of the feed import benchmark: how today's service reads a feed
 * (legacy-data-and-import.md §2.1–2.2), measured alone in its own process.
 *
 * 1. the whole body in one string (here `fs.readFileSync(file, "utf8")`; today an HTTP body),
 *    refused unless it contains `<?xml` ("Not an XML");
 * 2. `new XMLParser().parse(xml, true)`: fast-xml-parser with its default options, the `true` being
 *    the validator option (the whole document is validated first, then parsed into objects);
 * 3. `source.mission` (one object or an array) counted, "Empty xml" when absent.
 *
 * Run directly, it measures one file and prints one JSON line:
 *   npx tsx bench/import-baseline.ts FEED.xml
 *   {"parseMs":…,"totalMs":…,"peakRssMb":…,"missions":…}
 * `parseMs` is step 2 (validation + parse), `totalMs` steps 1–3. `peakRssMb` is the larger of the
 * resident set size sampled every 10 ms and the kernel's high-water mark (`maxRSS`); the sampling
 * runs in a worker thread, because the main thread is blocked in read and parse.
 *
 * {@link runBaseline} spawns that measurement in a child process (`--import tsx`, with an 8 GiB heap
 * so that a large feed can finish), so the figures are not mixed with the caller's memory.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { XMLParser } from "fast-xml-parser";

export interface BaselineResult {
  /** Validation + parse of the whole document, ms. */
  parseMs: number;
  /** Read + check + parse + count, ms. */
  totalMs: number;
  /** Peak resident set size of the process, MiB. */
  peakRssMb: number;
  /** `<mission>` elements found. */
  missions: number;
}

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SCRIPT), "..");
/** Heap given to the child by default: today's approach needs several times the feed size. */
const CHILD_HEAP_MB = 8192;
const SAMPLE_INTERVAL_MS = 10;

/** Samples the process RSS from a worker thread (plain JS, without the tsx loader). */
const SAMPLER_SOURCE = `
const { parentPort } = require("node:worker_threads");
let peak = 0;
const sample = () => { const rss = process.memoryUsage.rss(); if (rss > peak) peak = rss; };
sample();
const timer = setInterval(sample, ${SAMPLE_INTERVAL_MS});
parentPort.on("message", () => { clearInterval(timer); sample(); parentPort.postMessage(peak); });
`;

async function startRssSampler(): Promise<{ stop(): Promise<number> }> {
  const worker = new Worker(SAMPLER_SOURCE, { eval: true, execArgv: [] });
  await new Promise<void>((resolve, reject) => {
    worker.once("online", () => resolve());
    worker.once("error", reject);
  });
  return {
    async stop() {
      const peak = await new Promise<number>((resolve, reject) => {
        worker.once("message", (value: number) => resolve(value));
        worker.once("error", reject);
        worker.postMessage("stop");
      });
      await worker.terminate();
      return peak;
    },
  };
}

/** Number of `<mission>` elements, read the way today's importer does. */
function countMissions(document: unknown): number {
  const source = (document as { source?: { mission?: unknown } } | null)?.source;
  const missions = source && typeof source === "object" ? source.mission : undefined;
  if (missions === undefined || missions === null || missions === "") throw new Error("Empty xml");
  return Array.isArray(missions) ? missions.length : 1;
}

/** Steps 1–3, synchronous as today. */
function readAndParse(file: string): Omit<BaselineResult, "peakRssMb"> {
  const start = performance.now();
  const xml = fs.readFileSync(file, "utf8");
  if (!xml.includes("<?xml")) throw new Error("Not an XML");
  const parseStart = performance.now();
  const document: unknown = new XMLParser().parse(xml, true);
  const parseMs = performance.now() - parseStart;
  const missions = countMissions(document);
  return { parseMs, totalMs: performance.now() - start, missions };
}

/** Measures today's approach on `file` in this process. */
export async function measureBaseline(file: string): Promise<BaselineResult> {
  const sampler = await startRssSampler();
  let measured: Omit<BaselineResult, "peakRssMb">;
  try {
    measured = readAndParse(file);
  } catch (error) {
    await sampler.stop(); // its timer would keep the process alive
    throw error;
  }
  const sampledPeak = await sampler.stop();
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    parseMs: round(measured.parseMs),
    totalMs: round(measured.totalMs),
    peakRssMb: round(Math.max(sampledPeak, maxRssBytes) / 2 ** 20),
    missions: measured.missions,
  };
}

const OUT_OF_MEMORY = /heap out of memory|Allocation failed|Reached heap limit|ERR_MEMORY_ALLOCATION_FAILED|Cannot allocate memory/i;
const STRING_TOO_LONG = /ERR_STRING_TOO_LONG|Cannot create a string longer than/i;

function isBaselineResult(value: unknown): value is BaselineResult {
  if (!value || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  return ["parseMs", "totalMs", "peakRssMb", "missions"].every((key) => typeof record[key] === "number");
}

/**
 * Runs {@link measureBaseline} on `file` in a child process and returns its figures. Rejects with
 * a message saying so when the child runs out of memory (V8 heap, or killed by the system), when
 * the feed does not fit in one JavaScript string, or when today's approach refuses it.
 * `maxOldSpaceMb` sets the child's V8 heap limit (default 8192 MiB).
 */
export function runBaseline(file: string, options: { maxOldSpaceMb?: number } = {}): Promise<BaselineResult> {
  const heapMb = options.maxOldSpaceMb ?? CHILD_HEAP_MB;
  const args = [`--max-old-space-size=${heapMb}`, "--import", "tsx", SCRIPT, path.resolve(file)];
  return new Promise((resolve, reject) => {
    // The repository root as working directory, so that `--import tsx` resolves there.
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (data: string) => (stdout += data));
    child.stderr.setEncoding("utf8").on("data", (data: string) => {
      stderr = (stderr + data).slice(-64 * 1024);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const tail = stderr.trim().split("\n").slice(-5).join("\n");
      if (code === 0) {
        const last = stdout.trim().split("\n").pop() ?? "";
        try {
          const result: unknown = JSON.parse(last);
          if (isBaselineResult(result)) return resolve(result);
        } catch {
          // reported below
        }
        return reject(new Error(`import baseline: unexpected output ${JSON.stringify(last.slice(0, 200))}`));
      }
      if (OUT_OF_MEMORY.test(stderr) || signal === "SIGKILL" || signal === "SIGABRT") {
        // V8 ends with a native stack trace: quote its "FATAL ERROR" line rather than the tail.
        const fatal = stderr.split("\n").find((line) => OUT_OF_MEMORY.test(line))?.trim();
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        return reject(new Error(`import baseline ran out of memory on ${file} (heap limit ${heapMb} MiB, ${how})${fatal ? `: ${fatal}` : ""}`));
      }
      if (STRING_TOO_LONG.test(stderr)) {
        return reject(new Error(`import baseline cannot read ${file}: the feed does not fit in one JavaScript string`));
      }
      reject(new Error(`import baseline failed on ${file} (${signal ? `signal ${signal}` : `exit code ${code}`})${tail ? `:\n${tail}` : ""}`));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: import-baseline.ts FEED.xml");
    process.exitCode = 2;
  } else {
    try {
      console.log(JSON.stringify(await measureBaseline(file)));
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    }
  }
}
