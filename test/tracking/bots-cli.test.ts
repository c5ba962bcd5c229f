/** `engagement bots block|unblock` as a real process, while the service records clicks. */
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
