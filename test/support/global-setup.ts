/**
 * One database for the whole run, shared by the test files:
 * - with DATABASE_URL (CI, or a developer's PostgreSQL): a fresh database created on that server for
 *   this run and dropped at the end;
 * - without it: an embedded PGlite database in a temporary DATA_DIR, owned and served by this process
 *   over its Unix socket, exactly as `engagement serve` does; test workers connect to it.
 * Files isolate themselves by creating their own publishers.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/connection.ts";
import { migrate } from "../../src/db/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    database: { databaseUrl?: string; dataDir: string };
  }
}

export default async function setup(project: TestProject) {
  const baseUrl = process.env.DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engagement-test-"));
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;

  if (baseUrl) {
    const name = `engagement_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
  }

  // For the embedded database this process becomes the owner and keeps serving it during the run.
  const handle = await openDatabase({ databaseUrl, dataDir }, { maxConnections: 2 });
  await migrate(handle.pool);
  project.provide("database", { databaseUrl, dataDir });

  return async () => {
    await handle.close();
    if (dropDatabase) await dropDatabase();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
