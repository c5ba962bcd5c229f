/** Running the HTTP service: open the database, migrate, listen, and shut down cleanly on signals. */
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.ts";
import { type DatabaseHandle, openDatabase } from "./db/connection.ts";
import { migrate } from "./db/migrate.ts";
import { startFeedScheduler } from "./feeds/schedule.ts";
import { buildApp } from "./http/app.ts";
import { preloadPlaces } from "./places/communes.ts";
import { startBotWatch } from "./tracking/bot-watch.ts";
import { startStatsFolder } from "./stats/stats-folder.ts";
import { startWarningsJob } from "./warnings/warnings-job.ts";

export interface RunningServer {
  app: FastifyInstance;
  database: DatabaseHandle;
  url: string;
  stop: () => Promise<void>;
}

export async function openAndMigrate(config: Config): Promise<DatabaseHandle> {
  const database = await openDatabase(config);
  try {
    await migrate(database.pool);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

export async function startServer(config: Config, database?: DatabaseHandle): Promise<RunningServer> {
  const db = database ?? (await openAndMigrate(config));
  const app = await buildApp({ config, db: db.db });
  // Address normalisation needs the French reference data: load it before the first request.
  await preloadPlaces();
  await app.listen({ port: config.port, host: config.host });
  // The search index loads while the service already answers (/ready says when it is done;
  // searches arriving meanwhile wait for it).
  app.catalog.ready().catch((err) => app.log.error({ err }, "search index load failed"));
  const scheduler = startFeedScheduler({ db: db.db, feeds: config.feeds, log: app.log });
  const botWatch = startBotWatch({ db: db.db, schedule: config.tracking.botWatchSchedule, log: app.log });
  const warnings = startWarningsJob({ db: db.db, schedule: config.warningsSchedule, log: app.log });
  const statsFolder = startStatsFolder({ db: db.db, intervalMs: config.statsFoldIntervalMs, log: app.log });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app.close();
      await app.inFlight.drained(10_000);
      await Promise.all([scheduler.stop(), botWatch.stop(), warnings.stop(), statsFolder.stop()]);
      await db.close();
    })());
  return { app, database: db, url, stop };
}

/** Stops the server on SIGTERM/SIGINT, then exits. */
export function stopOnSignals(server: RunningServer): void {
  const handler = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, "arrêt demandé");
    server
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        server.app.log.error({ err }, "arrêt en erreur");
        process.exit(1);
      });
  };
  process.once("SIGTERM", handler);
  process.once("SIGINT", handler);
}
