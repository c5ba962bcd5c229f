/**
 * A new annonceur, exactly as the README tells it: `engagement publisher create`, then the real
 * `curl -H "x-api-key: …" -d @mission.json $PUBLIC_URL/v2/mission` (curl labels that body as a form).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { lastJson, runCli } from "../support/cli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let dir: string;
const { databaseUrl, dataDir } = inject("database");

function curl(...args: string[]): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "-w", "\n%{http_code}", ...args], { cwd: dir }, (error, stdout) => {
      if (error) return reject(error);
      const cut = stdout.lastIndexOf("\n");
      resolve({ status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) });
    });
  });
}

beforeAll(async () => {
  server = await startTestServer({}, { publicUrlIsServer: true });
  dir = mkdtempSync(join(tmpdir(), "new-partner-"));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a new annonceur following the README", () => {
  it("publishes with `curl -d @mission.json` and reads its mission back", async () => {
    const created = lastJson(await runCli(["publisher", "create", "--name", "Association des Quais", "--annonceur"], { DATABASE_URL: databaseUrl, DATA_DIR: dataDir }));
    writeFileSync(
      join(dir, "mission.json"),
      JSON.stringify({
        clientId: "quais-1",
        title: "Nettoyage des berges de la Saône",
        description: "<p>Une matinée pour ramasser les déchets le long des quais.</p>",
        applicationUrl: "https://quais.example.org/missions/1",
        domain: "environnement",
        addresses: [{ street: "Quai Saint-Vincent", postalCode: "69001", city: "Lyon", country: "FR" }],
      }),
    );
    const posted = await curl("-H", `x-api-key: ${created.apiKey}`, "-d", "@mission.json", `${server.url}/v2/mission`);
    expect(posted.status).toBe(201);
    expect(posted.body.data).toMatchObject({ clientId: "quais-1", statusCode: "ACCEPTED", statusComment: "" });
    expect(posted.body.data.addresses[0]).toMatchObject({ postalCode: "69001", departmentCode: "69", departmentName: "Rhône" });

    const read = await curl("-H", `x-api-key: ${created.apiKey}`, `${server.url}/v0/mymission/quais-1`);
    expect(read.status).toBe(200);
    expect(read.body.data.title).toBe("Nettoyage des berges de la Saône");
  });

  it("answers a real form body with a 415 that names the header to send", async () => {
    const created = lastJson(await runCli(["publisher", "create", "--name", "Formulaire", "--annonceur"], { DATABASE_URL: databaseUrl, DATA_DIR: dataDir }));
    const res = await curl("-H", `x-api-key: ${created.apiKey}`, "-d", "clientId=1&title=Test", `${server.url}/v2/mission`);
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ ok: false, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(res.body.message).toContain("Content-Type: application/json");
    const broken = await curl("-H", `x-api-key: ${created.apiKey}`, "-d", '{"clientId": "1",', `${server.url}/v2/mission`);
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ ok: false, code: "INVALID_BODY" });
  });
});
