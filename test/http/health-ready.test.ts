/**
 * `GET /ready` follows the database (src/http/health.ts): 503 JSON SERVICE_UNAVAILABLE with
 * `database: "down"` while it is unreachable, 200 again once it is back; `GET /health` (process up)
 * stays 200 meanwhile, and partner routes answer a JSON error at once instead of hanging.
 *
 * Two ways to lose the database:
 * - a loopback TCP proxy in front of the run's database, cut then restored (works on PostgreSQL and on
 *   the embedded database served over its socket);
 * - on PostgreSQL only, a dedicated fresh database whose connections are refused and terminated by
 *   the server (`ALTER DATABASE … ALLOW_CONNECTIONS false` + `pg_terminate_backend`). The embedded
 *   database (PGlite) has a single database and no such switch, so that case is skipped there.
 *
 * A service cannot start without its database (buildApp reads its secrets first, as today's service
 * only listens once connected), so "pointing a server at a closed port" is not a runtime state.
 */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { type Db, openDatabase } from "../../src/db/connection.ts";
import { migrate } from "../../src/db/migrate.ts";
import type { Database } from "../../src/db/schema.ts";
import { buildApp } from "../../src/http/app.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

const { databaseUrl: runDatabaseUrl, dataDir } = inject("database");

const READY = { ok: true, database: "up", searchIndex: "ready" };
const DOWN = { ok: false, code: "SERVICE_UNAVAILABLE", database: "down", searchIndex: "ready", message: "La base de données ne répond pas" };

type App = Awaited<ReturnType<typeof buildApp>>;

async function listen(db: Db, databaseUrl: string | undefined, loadIndex = true): Promise<{ app: App; url: string }> {
  const config = { ...loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", PUBLIC_URL: "https://api-engagement.test" }), databaseUrl, dataDir };
  const app = await buildApp({ config, db, logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  if (loadIndex) await app.catalog.ready();
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

async function get(url: string, init: RequestInit = {}) {
  const started = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text), ms: performance.now() - started };
}

/** Polls `GET /ready` until it answers 200 (or the deadline passes) and returns the last answer. */
async function readyAgain(url: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await get(`${url}/ready`);
    if (res.status === 200 || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectDown(res: Awaited<ReturnType<typeof get>>, expected: Record<string, unknown> = DOWN) {
  expect(res.status).toBe(503);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.body).toEqual(expected);
  // The database check gives up after 2 s.
  expect(res.ms).toBeLessThan(5000);
}

describe("GET /ready while the database is cut off (TCP proxy, both databases)", () => {
  let setup: TestServer;
  let proxy: TcpProxy;
  let db: Db;
  let closeDb: () => Promise<void>;
  let app: App;
  let cold: App | undefined;
  let url: string;
  /** The URL the proxied service is configured with (PostgreSQL), or undefined (embedded). */
  let appDatabaseUrl: string | undefined;

  beforeAll(async () => {
    setup = await startTestServer({}, { loadIndex: false });
    const options = setup.database.pool.options as { host?: string; port?: number; database?: string; connectionString?: string };
    if (options.connectionString) {
      // PostgreSQL: the same database, its host and port replaced by the proxy's.
      const direct = new URL(options.connectionString);
      proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      const proxied = new URL(options.connectionString);
      proxied.hostname = "127.0.0.1";
      proxied.port = String(proxy.port);
      appDatabaseUrl = proxied.toString();
      const handle = await openDatabase({ databaseUrl: appDatabaseUrl, dataDir }, { maxConnections: 4 });
      db = handle.db;
      closeDb = handle.close;
    } else {
      // Embedded: its Unix socket behind the proxy. A plain pool, as openDatabase builds for the
      // embedded database (no named statements: its clients share one session).
      proxy = await startTcpProxy({ path: `${options.host}/.s.PGSQL.${options.port}` });
      const pool = new pg.Pool({ host: "127.0.0.1", port: proxy.port, user: "postgres", database: "postgres", max: 4 });
      pool.on("error", () => undefined);
      pool.on("connect", (client) => client.on("error", () => undefined));
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      closeDb = () => db.destroy();
    }
    ({ app, url } = await listen(db, appDatabaseUrl));
  });

  afterAll(async () => {
    proxy?.restore();
    await cold?.close();
    await app?.close();
    await closeDb?.();
    await proxy?.close();
    await setup?.close();
  });

  it("answers 503 JSON while the database is unreachable and 200 once it is back", { timeout: 60_000 }, async () => {
    const annonceur = await setup.partner({ annonceur: true });
    const before = await get(`${url}/ready`);
    expect(before.status).toBe(200);
    expect(before.body).toEqual(READY);
    expect((await get(`${url}/v0/mymission`, { headers: { "x-api-key": annonceur.apiKey } })).status).toBe(200);

    proxy.cut();
    try {
      // Every check while it is down says so (no cached "up").
      for (let i = 0; i < 3; i += 1) expectDown(await get(`${url}/ready`));

      // The process is up.
      const health = await get(`${url}/health`);
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ ok: true, status: "up" });

      // Partner routes fail fast with the JSON error envelope (today's 500 SERVER_ERROR), not a hang.
      const write = await get(`${url}/v2/mission`, {
        method: "POST",
        headers: { "x-api-key": annonceur.apiKey, "content-type": "application/json", "x-request-id": "ready-outage" },
        body: JSON.stringify({ clientId: "outage-1", title: "Aider pendant la panne" }),
      });
      expect(write.status).toBe(500);
      expect(write.headers.get("x-request-id")).toBe("ready-outage");
      expect(write.body).toEqual({
        ok: false,
        code: "SERVER_ERROR",
        message: "Erreur interne du serveur. Réessayez ; si le problème persiste, contactez l'équipe en citant l'identifiant x-request-id.",
      });
      expect(write.ms).toBeLessThan(5000);
    } finally {
      proxy.restore();
    }

    const back = await readyAgain(url);
    expect(back.status).toBe(200);
    expect(back.body).toEqual(READY);
    // The service works again, and the write refused during the outage was not stored.
    const list = await get(`${url}/v0/mymission`, { headers: { "x-api-key": annonceur.apiKey } });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(0);
    const created = await get(`${url}/v2/mission`, {
      method: "POST",
      headers: { "x-api-key": annonceur.apiKey, "content-type": "application/json" },
      body: JSON.stringify({
        clientId: "after-outage",
        title: "Accompagner des seniors isolés",
        description: "Rendre visite à des personnes âgées de votre quartier.",
        applicationUrl: "https://example.org/candidater",
        domain: "solidarite-insertion",
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body.data.statusCode).toBe("ACCEPTED");
  });

  it("reports the database first when it is down before the search index has loaded", { timeout: 60_000 }, async () => {
    ({ app: cold } = await listen(db, appDatabaseUrl, false));
    const address = cold.server.address();
    const coldUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    expect((await get(`${coldUrl}/ready`)).body).toMatchObject({ ok: false, database: "up", searchIndex: "loading", message: "L'index de recherche est en cours de chargement" });
    proxy.cut();
    try {
      expectDown(await get(`${coldUrl}/ready`), { ...DOWN, searchIndex: "loading" });
    } finally {
      proxy.restore();
    }
    await cold.catalog.ready();
    const back = await readyAgain(coldUrl);
    expect(back.body).toEqual(READY);
  });
});

// PGlite serves a single database and has no ALLOW_CONNECTIONS switch: PostgreSQL only.
describe.skipIf(!runDatabaseUrl)("GET /ready when PostgreSQL refuses and terminates the connections (dedicated database)", () => {
  const name = `engagement_ready_${process.pid}_${Date.now()}`;
  let admin: pg.Client;
  let handle: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let app: App | undefined;
  let url: string;

  const setAllowConnections = (allow: boolean) => admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${allow}`);

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: runDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const dedicated = new URL(runDatabaseUrl!);
    dedicated.pathname = `/${name}`;
    handle = await openDatabase({ databaseUrl: dedicated.toString(), dataDir }, { maxConnections: 4 });
    await migrate(handle.pool);
    ({ app, url } = await listen(handle.db, dedicated.toString()));
  });

  afterAll(async () => {
    if (admin) await setAllowConnections(true).catch(() => undefined);
    await app?.close();
    await handle?.close();
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("answers 503 JSON while the database is closed, and 200 when it accepts connections again", { timeout: 60_000 }, async () => {
    const before = await get(`${url}/ready`);
    expect(before.status).toBe(200);
    expect(before.body).toEqual(READY);

    await setAllowConnections(false);
    const terminated = await admin.query("SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
    // The service had connections open on it.
    expect(terminated.rowCount).toBeGreaterThan(0);
    try {
      for (let i = 0; i < 3; i += 1) expectDown(await get(`${url}/ready`));
      expect((await get(`${url}/health`)).status).toBe(200);
    } finally {
      await setAllowConnections(true);
    }

    const back = await readyAgain(url);
    expect(back.status).toBe(200);
    expect(back.body).toEqual(READY);
  });
});
