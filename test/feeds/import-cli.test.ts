/** `engagement import` as a real process, against the run's database while a service runs on it. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { lastJson, runCli } from "../support/cli.ts";
import { feedMission, feedXml } from "../support/feed-xml.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let dir: string;
const { databaseUrl, dataDir } = inject("database");
const cli = (...args: string[]) => runCli(args, { DATABASE_URL: databaseUrl, DATA_DIR: dataDir });

beforeAll(async () => {
  server = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "feed-cli-"));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await server?.close();
});

function writeFeed(name: string, xml: string) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, xml);
  return file;
}

describe("engagement import", () => {
  it("imports a file and prints the report as JSON on the last line", async () => {
    const a = await server.partner({ annonceur: true });
    const file = writeFeed("ok.xml", feedXml([feedMission("cli-1"), feedMission("cli-2", { domain: "inconnu" })]));
    const dry = await cli("import", "--publisher", a.id, "--file", file, "--dry-run");
    expect(dry.code).toBe(0);
    expect(lastJson(dry)).toMatchObject({ dryRun: true, status: "SUCCESS", counts: { created: 2, refused: 1 }, problemTotal: 1 });
    expect(lastJson(dry).problems[0]).toMatchObject({ clientId: "cli-2", field: "domain", outcome: "refused" });
    const none = await server.request("/v0/mymission", { apiKey: a.apiKey });
    expect(none.body.total).toBe(0);

    const real = await cli("import", "--publisher", a.id, "--file", file);
    expect(real.code).toBe(0);
    const report = lastJson(real);
    expect(report).toMatchObject({ dryRun: false, status: "SUCCESS", source: "fichier ok.xml", counts: { created: 2, refused: 1 }, missionCount: 2 });
    const mine = await server.request("/v0/mymission", { apiKey: a.apiKey });
    expect(mine.body.total).toBe(1);
    const history = await server.request(`/v2/imports/${report.id}`, { apiKey: a.apiKey });
    expect(history.body.data).toMatchObject({ trigger: "cli", problemTotal: 1 });
  });

  it("exits with 1 and a French error when the import fails, deleting nothing", async () => {
    const a = await server.partner({ annonceur: true });
    await cli("import", "--publisher", a.id, "--file", writeFeed("first.xml", feedXml([feedMission("keep-1")])));
    const res = await cli("import", "--publisher", a.id, "--file", writeFeed("broken.xml", "<source><mission><clientId>1</clientId></source>"));
    expect(res.code).toBe(1);
    expect(lastJson(res)).toMatchObject({ status: "FAILED", errorCode: "MALFORMED", counts: { deleted: 0 } });
    expect(lastJson(res).error).toMatch(/XML mal formé ligne 1/);
    expect((await server.request("/v0/mymission", { apiKey: a.apiKey })).body.total).toBe(1);
  });

  it("explains its usage errors in one line", async () => {
    for (const [args, message] of [
      [["import", "--file", "x.xml"], "--publisher"],
      [["import", "--publisher", "abc", "--file", "a", "--url", "https://x.example"], "--file et --url"],
      [["import", "--publisher", "0123456789abcdef01234567"], "introuvable"],
      [["import", "--publisher", "abc", "--url", "ftp://x.example/flux.xml"], "http"],
    ] as const) {
      const res = await cli(...args);
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split("\n")).toHaveLength(1);
      expect(res.stderr).toContain(message);
    }
    const help = await cli("import", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--confirm-deletions");
  });
});
