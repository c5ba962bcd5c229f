/**
 * A real service for black-box tests: the Fastify app listening on a loopback port, backed by the
 * run's database (see global-setup.ts). Tests talk to it with `fetch`.
 */
import { inject } from "vitest";
import { type Config, loadConfig } from "../../src/config.ts";
import { type DatabaseHandle, openDatabase } from "../../src/db/connection.ts";
import { buildApp } from "../../src/http/app.ts";
import { preloadPlaces } from "../../src/places/communes.ts";
import { createPublisher, type NewPublisherInput } from "../../src/publishers/publishers.ts";
import { allowDiffusion } from "../../src/diffusion/repository.ts";

export interface TestServer {
  url: string;
  /** The running app (its tracking queue, catalogue…). */
  app: import("fastify").FastifyInstance;
  config: Config;
  database: DatabaseHandle;
  /** fetch relative to the server, JSON in and out. */
  request: (path: string, init?: RequestInit & { json?: unknown; apiKey?: string }) => Promise<{ status: number; headers: Headers; body: any; text: string }>;
  /** A new publisher with a unique name; returns its id and clear API key. */
  partner: (input?: Partial<NewPublisherInput>) => Promise<{ id: string; name: string; apiKey: string }>;
  allow: (diffuseurId: string, annonceurId: string) => Promise<void>;
  /** Publishes a realistic mission for `owner` through the annonceur API (fields override it); returns its id. */
  publish: (owner: { apiKey: string }, clientId: string, fields?: Record<string, unknown>) => Promise<string>;
  close: () => Promise<void>;
}

let counter = 0;

/**
 * `publicUrlIsServer`: the links the service hands out (tracked redirects, widget pages) point at
 * this server itself, for tests that follow them in a browser.
 */
export async function startTestServer(overrides: Partial<Config> = {}, options: { loadIndex?: boolean; publicUrlIsServer?: boolean } = {}): Promise<TestServer> {
  const { databaseUrl, dataDir } = inject("database");
  const base = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", PUBLIC_URL: "https://api-engagement.test" });
  const database = await openDatabase({ databaseUrl, dataDir }, { maxConnections: 4 });
  await preloadPlaces();
  // Every test request comes from 127.0.0.1: the per-address tracking limit is tested on its own.
  base.rateLimit.trackingIpMax = 100_000;
  base.rateLimit.widgetIpMax = 100_000;
  let config: Config = { ...base, databaseUrl, dataDir, ...overrides };
  const app = await buildApp({ config, db: database.db, logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  if (options.loadIndex !== false) await app.catalog.ready();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  if (options.publicUrlIsServer) config.publicUrl = url;

  const request: TestServer["request"] = async (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.apiKey) headers.set("x-api-key", init.apiKey);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    const res = await fetch(`${url}${path}`, { ...init, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    url,
    app,
    config,
    database,
    request,
    partner: async (input = {}) => {
      counter += 1;
      const name = input.name ?? `Partenaire test ${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
      const { publisher, apiKey } = await createPublisher(database.db, { annonceur: true, ...input, name });
      return { id: publisher.id, name: publisher.name, apiKey };
    },
    allow: async (diffuseurId, annonceurId) => {
      await allowDiffusion(database.db, diffuseurId, annonceurId);
    },
    publish: async (owner, clientId, fields = {}) => {
      const mission = {
        clientId,
        title: "Accompagner des seniors isolés",
        description: "Rendre visite à des personnes âgées de votre quartier, une fois par semaine.",
        applicationUrl: "https://asso.example.org/candidater",
        domain: "solidarite-insertion",
        addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
        ...fields,
      };
      const res = await request("/v2/mission", { method: "POST", apiKey: owner.apiKey, json: mission });
      if (res.status >= 300) throw new Error(`publication refusée (${res.status}) : ${res.text}`);
      return res.body.data.id as string;
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
