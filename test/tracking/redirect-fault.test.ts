/**
 * The database becomes unreachable for a few seconds while visitors follow tracked links: every
 * redirect is still answered at once, the clicks are kept in memory and written once the database
 * is back, and nothing is lost or crashes. The service reaches the run's real database (PostgreSQL,
 * or the embedded one over its socket) through a loopback proxy that the test cuts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { inject } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { type DatabaseHandle, openDatabase } from "../../src/db/connection.ts";
import { buildApp } from "../../src/http/app.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

let setup: TestServer;
let proxy: TcpProxy;
let database: DatabaseHandle;
let app: Awaited<ReturnType<typeof buildApp>>;
let url: string;
const missionIds: string[] = [];
let diffuseurId: string;

beforeAll(async () => {
  setup = await startTestServer({}, { loadIndex: false });
  const annonceur = await setup.partner({ annonceur: true });
  diffuseurId = (await setup.partner({ annonceur: false, diffuseur: true })).id;
  for (let n = 0; n < 5; n++) {
    const res = await setup.request("/v2/mission", {
      method: "POST",
      apiKey: annonceur.apiKey,
      json: {
        clientId: `fault-${n}`,
        title: "Accompagner des seniors isolés",
        description: "Rendre visite à des personnes âgées de votre quartier, une fois par semaine.",
        applicationUrl: `https://asso.example.org/candidater/${n}`,
        domain: "solidarite-insertion",
        addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
      },
    });
    missionIds.push(res.body.data.id);
  }

  // The same database, reached through the proxy.
  const options = setup.database.pool.options as { host?: string; port?: number; database?: string; connectionString?: string };
  const direct = options.connectionString ? new URL(options.connectionString) : null;
  const host = direct ? direct.hostname : (options.host ?? "127.0.0.1");
  const port = direct ? Number(direct.port || 5432) : (options.port ?? 5432);
  const name = direct ? direct.pathname.slice(1) : (options.database ?? "postgres");
  proxy = await startTcpProxy(host.startsWith("/") ? { path: `${host}/.s.PGSQL.${port}` } : { host, port });
  const databaseUrl = `postgres://postgres@127.0.0.1:${proxy.port}/${name}`;
  const { dataDir } = inject("database");
  database = await openDatabase({ databaseUrl, dataDir }, { maxConnections: 4 });
  const config = { ...loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", PUBLIC_URL: "https://api-engagement.test" }), databaseUrl, dataDir };
  config.tracking = { ...config.tracking, flushIntervalMs: 50 };
  // Ten visitors on one loopback address: the per-address limit would stop recording them.
  config.rateLimit = { ...config.rateLimit, trackingIpMax: 1_000_000 };
  app = await buildApp({ config, db: database.db, logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await database?.close();
  await proxy?.close();
  await setup?.close();
});

it("keeps redirecting while the database is unreachable, then writes every click", { timeout: 60_000 }, async () => {
  // Warm the link targets, as live traffic does.
  for (const id of missionIds) expect((await fetch(`${url}/r/${id}/${diffuseurId}`, { redirect: "manual", headers: { "user-agent": BROWSER } })).status).toBe(302);

  const clickIds: string[] = [];
  const failures: string[] = [];
  let slowest = 0;
  let running = true;
  const visitor = async (n: number) => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/r/${missionIds[n % missionIds.length]}/${diffuseurId}`, { redirect: "manual", headers: { "user-agent": BROWSER } });
        const clickId = new URL(res.headers.get("location") ?? "http://x/").searchParams.get("apiengagement_id");
        if (res.status !== 302 || !clickId) failures.push(`${res.status} ${res.headers.get("location")}`);
        else clickIds.push(clickId);
      } catch (error) {
        failures.push(String(error));
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
  };
  const visitors = Array.from({ length: 10 }, (_, n) => visitor(n));
  await new Promise((resolve) => setTimeout(resolve, 500));
  proxy.cut();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const duringOutage = clickIds.length;
  expect(app.tracking.queue.stats().failedWrites).toBeGreaterThan(0);
  expect(app.tracking.queue.stats().buffered).toBeGreaterThan(0);
  proxy.restore();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  running = false;
  await Promise.all(visitors);

  expect(failures).toEqual([]);
  expect(duringOutage).toBeGreaterThan(100);
  expect(slowest).toBeLessThan(1000);

  // Once back, everything is written: the close flushes what the last interval had not.
  await app.close();
  const rows = await setup.database.db.selectFrom("tracking_event").select("id").where("id", "in", clickIds).execute();
  expect(rows).toHaveLength(clickIds.length);
  expect(app.tracking.queue.stats()).toMatchObject({ dropped: 0, buffered: 0 });
});
