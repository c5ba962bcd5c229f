/**
 * The embedded database shared between processes: `engagement serve` owns a fresh DATA_DIR, CLI
 * commands run while it serves, the data survives a restart. Always embedded, whatever DATABASE_URL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, lastJson, runCli } from "../support/cli.ts";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engagement-serve-"));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
const env = { DATA_DIR: dataDir, DATABASE_URL: undefined, PORT: String(port) };
let serve: ChildProcess;
let serveOutput = "";

async function waitForHealth(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`serve did not become ready:\n${serveOutput}`);
}

beforeAll(async () => {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "warn" };
  delete childEnv.DATABASE_URL;
  serve = spawn(process.execPath, [BIN, "serve"], { env: childEnv });
  serve.stdout?.on("data", (d) => (serveOutput += d));
  serve.stderr?.on("data", (d) => (serveOutput += d));
  await waitForHealth(60_000);
}, 90_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) serve.kill("SIGKILL");
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("engagement serve on the embedded database", () => {
  let annonceur: { id: string; apiKey: string };

  it("accepts CLI commands while serving, and their effect is visible at once", async () => {
    annonceur = lastJson(await runCli(["publisher", "create", "--name", "Annonceur embarqué", "--annonceur"], env));
    const diffuseur = lastJson(await runCli(["publisher", "create", "--name", "Diffuseur embarqué", "--diffuseur"], env));
    const add = await runCli(["diffusion", "add", "--diffuseur", diffuseur.id, "--annonceur", annonceur.id], env);
    expect(add.code).toBe(0);

    const created = await fetch(`${base}/v2/mission`, {
      method: "POST",
      headers: { "x-api-key": annonceur.apiKey, "content-type": "application/json" },
      body: JSON.stringify({
        clientId: "emb-1",
        title: "Collecte alimentaire solidaire",
        description: "Trier et distribuer des denrées.",
        applicationUrl: "https://example.org/emb-1",
        addresses: [{ postalCode: "13008", city: "Marseille", country: "FR" }],
      }),
    });
    expect(created.status).toBe(201);
    const partners = (await (await fetch(`${base}/v0/publisher`, { headers: { "x-api-key": annonceur.apiKey } })).json()) as {
      data: { _id: string }[];
    };
    expect(partners.data.map((p) => p._id)).toEqual([diffuseur.id]);
  });

  it("stops cleanly on SIGTERM and keeps the data for the next start", async () => {
    const exited = new Promise<number | null>((resolve) => serve.once("exit", (code) => resolve(code)));
    serve.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, "pglite.json"))).toBe(false);

    // No server now: the command opens the database itself.
    const list = await runCli(["publisher", "list"], env);
    expect(list.code).toBe(0);
    const names = list.stdout.trim().split("\n").map((l) => JSON.parse(l).name);
    expect(names).toEqual(["Annonceur embarqué", "Diffuseur embarqué"]);
  }, 60_000);
});
