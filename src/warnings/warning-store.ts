/**
 * The life cycle of warnings (table `warning`, migration 007), shared by every check that raises them
 * (tracking/bot-watch.ts, warnings/warnings-job.ts):
 *
 * - a check runs in one transaction under its own advisory lock, so that N instances on the same
 *   schedule run it once (`runCheck`);
 * - each condition it sees raises a warning, or refreshes the live one of the same (type, publisher,
 *   subject): occurrences + 1 and last_seen_at, the details of the latest check (`raiseWarnings`);
 * - the live warnings of that type it did not see are resolved (`resolveWarnings`); a later occurrence
 *   then opens a new warning, the resolved one stays as history.
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { uuidv7 } from "../db/uuid7.ts";

/** Runs closer than this count as one (instances of the same tick, a CLI run just after a tick). */
export const SAME_RUN_MINUTES = 10;

/** A condition seen by a check. */
export interface WarningInput {
  /** The partner concerned; null for a service-wide warning (or a partner whose row is gone). */
  publisherId: string | null;
  /** What it is about within its type ('' when the type has one warning per partner). */
  subject?: string;
  /** The figures of this check (JSON object). */
  details: Record<string, unknown>;
}

/** A warning a check raised, refreshed or resolved. */
export interface WarningChange {
  id: string;
  type: string;
  publisherId: string | null;
  subject: string;
  details: Record<string, unknown>;
  occurrences: number;
}

/**
 * Runs `check` in one transaction holding the advisory lock `lockKey`. Without `wait`, returns "busy"
 * at once when another instance holds it (scheduled runs); with it, waits for that run (CLI).
 */
export async function runCheck<T>(db: Db, lockKey: number, wait: boolean, check: (trx: Db) => Promise<T>): Promise<T | "busy"> {
  return db.transaction().execute(async (trx) => {
    if (wait) {
      await sql`SELECT pg_advisory_xact_lock(${lockKey})`.execute(trx);
    } else {
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${lockKey}) AS locked`.execute(trx);
      if (!rows[0]?.locked) return "busy" as const;
    }
    return check(trx);
  });
}

const changeOf = (type: string) => (r: { id: string; publisher_id: string | null; subject: string; details: Record<string, unknown>; occurrences: number }): WarningChange => ({
  id: r.id,
  type,
  publisherId: r.publisher_id,
  subject: r.subject,
  details: r.details,
  occurrences: r.occurrences,
});

/**
 * Raises a warning of `type` for each input seen at `now`, or refreshes the live one of the same
 * (publisher, subject). One statement. A refresh counts as a new occurrence only when it comes at
 * least SAME_RUN_MINUTES after the last one, and never replaces newer figures with older ones (a run
 * for an earlier moment, another instance's clock).
 */
export async function raiseWarnings(db: Db, type: string, now: Date, inputs: WarningInput[]): Promise<{ raised: WarningChange[]; updated: WarningChange[] }> {
  // One row per condition: a statement cannot insert and update the same live warning twice.
  const unique = new Map<string, WarningInput>();
  for (const input of inputs) unique.set(JSON.stringify([input.publisherId, input.subject ?? ""]), input);
  if (unique.size === 0) return { raised: [], updated: [] };
  const rows = await db
    .insertInto("warning")
    .values(
      [...unique.values()].map((input) => ({
        id: uuidv7(now.getTime()),
        publisher_id: input.publisherId,
        type,
        subject: input.subject ?? "",
        details: JSON.stringify(input.details),
        first_seen_at: now,
        last_seen_at: now,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(["type", "publisher_id", "subject"])
        .where("resolved_at", "is", null)
        .doUpdateSet({
          details: sql`CASE WHEN excluded.last_seen_at >= warning.last_seen_at THEN excluded.details ELSE warning.details END`,
          last_seen_at: sql`greatest(warning.last_seen_at, excluded.last_seen_at)`,
          occurrences: sql`warning.occurrences + CASE WHEN excluded.last_seen_at >= warning.last_seen_at + make_interval(mins => ${SAME_RUN_MINUTES}) THEN 1 ELSE 0 END`,
          updated_at: sql`now()`,
        }),
    )
    // xmax is 0 on a row this statement inserted, the updating transaction's id otherwise.
    .returning(["id", "publisher_id", "subject", "details", "occurrences", sql<boolean>`(xmax = 0)`.as("inserted")])
    .execute();
  const toChange = changeOf(type);
  return { raised: rows.filter((r) => r.inserted).map(toChange), updated: rows.filter((r) => !r.inserted).map(toChange) };
}

export interface ResolveOptions {
  /** Live warnings this check saw (raised or refreshed): left alone. */
  keep: string[];
  /** Only the warnings of these partners (a check limited to some partners). */
  publisherIds?: string[];
  /** Why, stored as details.resolution: a SQL expression evaluated per row (`w` is the warning), 'cleared' by default. */
  resolution?: RawBuilder<string>;
}

/**
 * Resolves, at `now`, the live warnings of `type` that the check did not see. A warning last seen
 * after `now` (another instance's clock, a run for a past moment) is not this run's to judge.
 */
export async function resolveWarnings(db: Db, type: string, now: Date, options: ResolveOptions): Promise<WarningChange[]> {
  const resolution = options.resolution ?? sql<string>`'cleared'`;
  const scope = options.publisherIds ? sql`AND w.publisher_id = ANY(${options.publisherIds}::text[])` : sql``;
  const { rows } = await sql<{ id: string; publisher_id: string | null; subject: string; details: Record<string, unknown>; occurrences: number }>`
    UPDATE warning w
    SET resolved_at = ${now}, updated_at = now(),
        details = w.details || jsonb_build_object('resolution', ${resolution})
    WHERE w.type = ${type} AND w.resolved_at IS NULL AND NOT (w.id = ANY(${options.keep}::uuid[]))
      AND w.last_seen_at <= ${now} ${scope}
    RETURNING w.id, w.publisher_id, w.subject, w.details, w.occurrences
  `.execute(db);
  return rows.map(changeOf(type));
}
