/**
 * Scheduled imports: every annonceur with a feed, one after the other, on a cron schedule
 * (Europe/Paris). Several instances of the service may run the same schedule: an import already
 * running (RUNNING row) or started recently by another instance is not started again, so each feed
 * is imported once per tick. One publisher's failure never stops the others.
 */
import { startCronJob } from "../jobs/cron.ts";
import type { FeedConfig } from "../config.ts";
import type { Db } from "../db/connection.ts";
import type { PublisherRow } from "../db/schema.ts";
import { ImportBusyError } from "./history.ts";
import { type ImportDeps, type ImportOptions, type ImportReport, runImport } from "./import.ts";

/** An import started less than this long ago counts as this tick's (another instance ran it). */
const SAME_TICK_MS = 10 * 60_000;

export function annonceursWithFeed(db: Db): Promise<PublisherRow[]> {
  return db
    .selectFrom("publisher")
    .selectAll()
    .where("is_annonceur", "=", true)
    .where("deleted_at", "is", null)
    .where("feed_url", "is not", null)
    .orderBy("name")
    .execute();
}

async function startedRecently(db: Db, publisherId: string): Promise<boolean> {
  const row = await db
    .selectFrom("feed_import")
    .select("id")
    .where("publisher_id", "=", publisherId)
    .where("started_at", ">", new Date(Date.now() - SAME_TICK_MS))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export type ScheduledOutcome = { publisherId: string; report?: ImportReport; skipped?: "busy" | "recent"; error?: string };

/** Imports every annonceur's feed once; returns what happened to each. */
export async function importAllFeeds(
  deps: ImportDeps,
  options: Pick<ImportOptions, "trigger" | "dryRun" | "onProgress"> & { skipRecent?: boolean },
): Promise<ScheduledOutcome[]> {
  const outcomes: ScheduledOutcome[] = [];
  for (const publisher of await annonceursWithFeed(deps.db)) {
    try {
      if (options.skipRecent && (await startedRecently(deps.db, publisher.id))) {
        outcomes.push({ publisherId: publisher.id, skipped: "recent" });
        continue;
      }
      outcomes.push({ publisherId: publisher.id, report: await runImport(deps, publisher, options) });
    } catch (err) {
      if (err instanceof ImportBusyError) {
        outcomes.push({ publisherId: publisher.id, skipped: "busy" });
        continue;
      }
      deps.log?.error({ err, publisherId: publisher.id }, "scheduled import failed");
      outcomes.push({ publisherId: publisher.id, error: (err as Error).message });
    }
  }
  return outcomes;
}

/** Starts the scheduled imports; `stop()` waits for a running tick to end. */
export function startFeedScheduler(deps: ImportDeps & { feeds: FeedConfig }): { stop: () => Promise<void> } {
  return startCronJob(deps.feeds.schedule, () =>
    importAllFeeds(deps, { trigger: "schedule", skipRecent: true })
      .then((outcomes) => void deps.log?.info({ outcomes: outcomes.map((o) => ({ publisherId: o.publisherId, status: o.report?.status, skipped: o.skipped, error: o.error })) }, "scheduled feed imports done"))
      .catch((err) => void deps.log?.error({ err }, "scheduled feed imports failed")),
  );
}
