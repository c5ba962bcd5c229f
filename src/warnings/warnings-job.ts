/**
 * The warnings job: every hour (WARNINGS_SCHEDULE), each rule of warning-rules.ts says for which
 * partners its condition holds; their warnings are raised or refreshed, and the live warnings of
 * that type whose condition is gone are resolved (warning-store.ts). One transaction, once per tick
 * whatever the number of instances.
 */
import { startCronJob } from "../jobs/cron.ts";
import type { Db } from "../db/connection.ts";
import { DEFAULT_THRESHOLDS, WARNING_RULES, type WarningRule, type WarningThresholds } from "./warning-rules.ts";
import { raiseWarnings, resolveWarnings, runCheck, type WarningChange } from "./warning-store.ts";

/** Several instances run the same schedule: the one holding this lock runs the job. */
const LOCK_KEY = 728_456_011; // arbitrary, constant for this application (see db/migrate.ts)

export interface WarningsJobLog {
  info: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

export interface WarningsJobOptions {
  thresholds?: Partial<WarningThresholds>;
  /** Only these partners' warnings are raised, refreshed and resolved (CLI --publisher, tests). */
  publisherIds?: string[];
  /** Wait for another instance's run instead of skipping (CLI). */
  wait?: boolean;
  /** The rules to run (all by default). */
  rules?: WarningRule[];
}

export interface WarningsJobResult {
  /** Another instance was running the job (scheduled runs do not wait for it). */
  skipped?: "busy";
  raised: WarningChange[];
  updated: WarningChange[];
  resolved: WarningChange[];
  durationMs: number;
}

/** Runs every rule at `now` and brings the warnings in line with what they found. */
export async function runWarningsJob(db: Db, log: WarningsJobLog | undefined, now: Date = new Date(), options: WarningsJobOptions = {}): Promise<WarningsJobResult> {
  const started = performance.now();
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const scope = options.publisherIds ? new Set(options.publisherIds) : null;
  const outcome = await runCheck(db, LOCK_KEY, options.wait ?? false, async (trx) => {
    const changes: Omit<WarningsJobResult, "durationMs" | "skipped"> = { raised: [], updated: [], resolved: [] };
    for (const rule of options.rules ?? WARNING_RULES) {
      const found = (await rule.find(trx, now, thresholds)).filter((f) => !scope || (f.publisherId !== null && scope.has(f.publisherId)));
      const { raised, updated } = await raiseWarnings(trx, rule.type, now, found);
      const resolved = await resolveWarnings(trx, rule.type, now, { keep: [...raised, ...updated].map((w) => w.id), publisherIds: options.publisherIds });
      changes.raised.push(...raised);
      changes.updated.push(...updated);
      changes.resolved.push(...resolved);
    }
    return changes;
  });
  const durationMs = Math.round(performance.now() - started);
  if (outcome === "busy") {
    log?.info({ warnings: { at: now.toISOString(), skipped: "busy", durationMs } }, "warnings job skipped: another instance is running it");
    return { skipped: "busy", raised: [], updated: [], resolved: [], durationMs };
  }
  const byType = (list: WarningChange[]) => list.reduce<Record<string, number>>((acc, w) => ({ ...acc, [w.type]: (acc[w.type] ?? 0) + 1 }), {});
  log?.info(
    {
      warnings: {
        at: now.toISOString(),
        raised: byType(outcome.raised),
        updated: byType(outcome.updated),
        resolved: byType(outcome.resolved),
        durationMs,
      },
    },
    "warnings job done",
  );
  return { ...outcome, durationMs };
}

/** Starts the job on its schedule (Europe/Paris); `stop()` waits for a running job. */
export function startWarningsJob(deps: { db: Db; schedule: string; log?: WarningsJobLog }): { stop: () => Promise<void> } {
  return startCronJob(deps.schedule, () =>
    runWarningsJob(deps.db, deps.log)
      .then(() => undefined)
      .catch((err) => void deps.log?.error({ err }, "warnings job failed")),
  );
}
