/** `engagement bots block|unblock|suspects` as a real process, while the service records clicks. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { lastJson, runCli } from "../support/cli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
const { databaseUrl, dataDir } = inject("database");
const cli = (...args: string[]) => runCli(args, { DATABASE_URL: databaseUrl, DATA_DIR: dataDir });

beforeAll(async () => {
  server = await startTestServer({}, { loadIndex: false });
});
afterAll(async () => server?.close());

it("blocks a fingerprint: its past and future clicks are bots; unblocking counts them again", { timeout: 60_000 }, async () => {
  const annonceur = await server.partner({ annonceur: true });
  const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
  const created = await server.request("/v2/mission", {
    method: "POST",
    apiKey: annonceur.apiKey,
    json: {
      clientId: "bot-cli",
      title: "Accompagner des seniors isolés",
      description: "Rendre visite à des personnes âgées de votre quartier, une fois par semaine.",
      applicationUrl: "https://asso.example.org/candidater",
      domain: "solidarite-insertion",
      addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
    },
  });
  const missionId = created.body.data.id as string;
  const visit = () =>
    fetch(`${server.url}/r/${missionId}/${diffuseur.id}`, { redirect: "manual", headers: { "user-agent": "Mozilla/5.0 Firefox/130.0", referer: "https://robot.example/" } });
  await visit();
  await visit();
  await server.app.tracking.queue.flush();
  const clicks = () => server.database.db.selectFrom("tracking_event").select(["fingerprint", "is_bot"]).where("mission_id", "=", missionId).orderBy("created_at").execute();
  const fingerprint = (await clicks())[0]!.fingerprint!;

  const blocked = await cli("bots", "block", fingerprint, "--reason", "200 clics en une heure");
  expect(blocked.code, blocked.stderr).toBe(0);
  expect(lastJson(blocked)).toEqual({ ok: true, fingerprint, blocked: true, events: 2 });
  await visit();
  await server.app.tracking.queue.flush();
  expect((await clicks()).map((c) => c.is_bot)).toEqual([true, true, true]);

  const unblocked = await cli("bots", "unblock", fingerprint);
  expect(lastJson(unblocked)).toEqual({ ok: true, fingerprint, blocked: false, events: 3 });
  expect((await clicks()).map((c) => c.is_bot)).toEqual([false, false, false]);

  const again = await cli("bots", "unblock", fingerprint);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toContain("n'est pas bloquée");
  const invalid = await cli("bots", "block", "1.2.3.4");
  expect(invalid.stderr).toContain("empreinte invalide");
});

it("bots suspects: runs the watch now and lists the live suspects; a blocked one leaves the list", { timeout: 60_000 }, async () => {
  const { writeEvents } = await import("../../src/tracking/event-store.ts");
  const { uuidv7 } = await import("../../src/db/uuid7.ts");
  const annonceur = await server.partner({ annonceur: true });
  const diffuseur = await server.partner({ annonceur: false, diffuseur: true });
  const fingerprint = randomBytes(32).toString("hex");
  const start = Date.now() - 3_600_000;
  await writeEvents(
    server.database.db,
    Array.from({ length: 205 }, (_, i) => {
      const at = new Date(start + i * 10_000);
      return { id: uuidv7(at.getTime()), type: "click" as const, created_at: at, updated_at: at, source: "api" as const, from_publisher_id: diffuseur.id, to_publisher_id: annonceur.id, fingerprint, user_agent: "Mozilla/5.0 Robot/1.0" };
    }),
  );
  const lastClickAt = new Date(start + 204 * 10_000).toISOString();

  const json = await cli("bots", "suspects", "--json");
  expect(json.code, json.stderr).toBe(0);
  const report = lastJson(json);
  expect(report.ok).toBe(true);
  expect(report.run).toEqual({ raised: expect.any(Number), updated: expect.any(Number), resolved: expect.any(Number) });
  expect(report.suspects.find((s: { fingerprint: string }) => s.fingerprint === fingerprint)).toMatchObject({
    diffuseurId: diffuseur.id,
    diffuseurName: diffuseur.name,
    clicks: 205,
    lastClickAt,
    userAgent: "Mozilla/5.0 Robot/1.0",
  });

  const table = await cli("bots", "suspects");
  expect(table.code, table.stderr).toBe(0);
  const row = table.stdout.split("\n").find((l) => l.startsWith(fingerprint));
  expect(row).toContain(`${diffuseur.name} (${diffuseur.id})`);
  expect(row).toMatch(/\b205\b/);
  expect(table.stdout).toContain("engagement bots block EMPREINTE");

  expect((await cli("bots", "block", fingerprint, "--reason", "alerte confirmée")).code).toBe(0);
  const after = lastJson(await cli("bots", "suspects", "--json"));
  expect(after.suspects.map((s: { fingerprint: string }) => s.fingerprint)).not.toContain(fingerprint);
  const warning = await server.database.db.selectFrom("warning").selectAll().where("subject", "=", fingerprint).executeTakeFirstOrThrow();
  expect(warning.resolved_at).not.toBeNull();

  const help = await cli("bots", "suspects", "--help");
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("engagement bots suspects [--json]");
  const extra = await cli("bots", "suspects", "tout");
  expect(extra.code).toBe(2);
  expect(extra.stderr).toContain("argument inattendu");
});
