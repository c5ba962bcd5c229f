/**
 * What the benchmarks share to drive the service as separate processes: `engagement` commands,
 * `engagement serve` on a free port, their stop, a fresh database per run, the code version measured.
 * Every child process is tracked so that a benchmark can kill what is left when it fails.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(root, "bin/engagement");

/** Child processes still running. */
export const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
}

/** `engagement <args>`: its exit code and output. */
export function engagement(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = track(spawn(process.execPath, [BIN, ...args], { cwd: root, env }));
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** `engagement <args>`, which must succeed: its standard output. */
export async function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { code, out, err } = await engagement(args, env);
  if (code !== 0) throw new Error(`engagement ${args.join(" ")} exited ${code}\n${err || out}`);
  return out;
}

export const lastJsonLine = <T>(out: string): T => JSON.parse(out.trim().split("\n").at(-1)!) as T;

/** Everything a process writes (stdout and stderr), line by line, as it comes. */
export function collect(child: ChildProcess): string[] {
  const lines: string[] = [];
  let partial = "";
  const onData = (d: Buffer) => {
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts.filter((l) => l.trim() !== ""));
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  child.on("close", () => partial.trim() && lines.push(partial));
  return lines;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, line by line. */
  output: string[];
  /** Seconds from the start to the first 200 of /ready. */
  readyS: number;
}

/** `engagement serve` on a free port (node flags first); resolves once /ready answers 200. */
export async function startService(env: NodeJS.ProcessEnv, options: { nodeFlags?: string[]; readyTimeoutS: number }): Promise<ServiceProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = track(spawn(process.execPath, [...(options.nodeFlags ?? []), BIN, "serve"], { cwd: root, env: { ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] }));
  const output = collect(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + options.readyTimeoutS * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}\n${output.join("\n")}`);
    try {
      if ((await fetch(`${url}/ready`)).ok) return { url, child, output, readyS: Number(((performance.now() - started) / 1000).toFixed(1)) };
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the service was not ready after ${options.readyTimeoutS} s\n${output.join("\n")}`);
}

/** SIGTERM, then waits for the exit; returns the exit code (or signal) and how long it took. */
export async function stopProcess(child: ChildProcess): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const start = performance.now();
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, ms: 0 };
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once("exit", (code, signal) => r({ code, signal })));
  child.kill("SIGTERM");
  const result = await exited;
  return { ...result, ms: Math.round(performance.now() - start) };
}

/** The commit measured, and any uncommitted change to src/ (a result must say what code it measured). */
export function codeVersion() {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const changed = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: root, encoding: "utf8" }).trim();
    return { commit, srcUncommittedChanges: changed === "" ? [] : changed.split("\n").map((l) => l.trim()) };
  } catch {
    return null;
  }
}

/** A new empty database `<prefix>_<now>` on the server of `baseUrl`; the caller drops it through `admin`. */
export async function createBenchDatabase(baseUrl: string, prefix: string): Promise<{ admin: pg.Client; dbName: string; databaseUrl: string }> {
  const dbName = `${prefix}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  return { admin, dbName, databaseUrl: dbUrl.toString() };
}

/** Nearest-rank percentile `p` (0–100) of sorted samples; NaN without samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
