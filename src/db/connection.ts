/**
 * One way to reach the database: a `pg` pool wrapped by Kysely. With `DATABASE_URL` the pool talks to
 * a PostgreSQL server; without it, to the embedded PGlite database of `DATA_DIR` (see embedded.ts).
 */
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Config } from "../config.ts";
import { openEmbedded } from "./embedded.ts";
import { prepareMarkedQueries } from "./prepared-statements.ts";
import type { Database } from "./schema.ts";

// bigint (COUNT(*)) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  kind: "postgres" | "embedded";
  /** Closes the pool, and the embedded database when this process owns it. */
  close: () => Promise<void>;
}

export interface OpenOptions {
  /** Pool size; small for CLI commands. */
  maxConnections?: number;
}

export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir">,
  options: OpenOptions = {},
): Promise<DatabaseHandle> {
  const max = options.maxConnections ?? 10;
  let pool: pg.Pool;
  let closeEmbedded: (() => Promise<void>) | undefined;
  if (config.databaseUrl) {
    pool = new pg.Pool({ connectionString: config.databaseUrl, max, connectionTimeoutMillis: 10_000 });
  } else {
    const endpoint = await openEmbedded(config.dataDir);
    closeEmbedded = endpoint.close;
    pool = new pg.Pool({
      host: endpoint.host,
      port: endpoint.port,
      user: "postgres",
      database: "postgres",
      max: Math.min(max, 8),
    });
  }
  // A client whose connection drops (server restart, network cut) must not crash the process: the
  // pool listens to idle clients, and a checked-out client (inside a transaction) gets its own
  // listener; the query in progress fails with the error anyway.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
    // The embedded database is one session shared by the pool's clients: a statement named by one
    // would already exist for the others.
    if (config.databaseUrl) prepareMarkedQueries(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    kind: config.databaseUrl ? "postgres" : "embedded",
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
      if (closeEmbedded) await closeEmbedded();
    },
  };
}

/** A write refused by a unique index or constraint (SQLSTATE 23505). */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string } | null)?.code === "23505";

/** True when the database answers a trivial query within `timeoutMs`. */
export async function isReachable(db: Db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
    });
    await Promise.race([sql`SELECT 1`.execute(db), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
