/**
 * Import history: one `feed_import` row per run (its RUNNING state is the per-publisher lock) and
 * the problems found, written in batches while the run goes on.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { type Db, isUniqueViolation } from "../db/connection.ts";
import type { FeedImportRow } from "../db/schema.ts";
import type { ImportCounters, ProblemSink } from "./write.ts";
import type { FeedProblem } from "./types.ts";

/** A RUNNING row whose heartbeat is older than this belongs to a crashed process. */
const STALE_AFTER_MS = 15 * 60_000;
/** Problem lists are kept for this many latest imports of a publisher. */
const KEEP_PROBLEMS_OF_IMPORTS = 30;
/** Problems stored per import (all are counted). */
const MAX_STORED_PROBLEMS = 200_000;

export class ImportBusyError extends Error {
  constructor(readonly publisherId: string) {
    super("Un import de ce partenaire est déjà en cours : attendez sa fin (voir GET /v2/imports)");
  }
}


/** Starts a run: RUNNING row, or ImportBusyError when one is already running for this publisher. */
export async function claimImport(db: Db, publisherId: string, trigger: FeedImportRow["trigger"], source: string | null): Promise<string> {
  const id = randomUUID();
  const insert = () =>
    db.insertInto("feed_import").values({ id, publisher_id: publisherId, status: "RUNNING", trigger, source, started_at: new Date(), heartbeat_at: new Date() }).execute();
  try {
    await insert();
    return id;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const stale = await db
    .updateTable("feed_import")
    .set({ status: "FAILED", finished_at: new Date(), error_code: "INTERRUPTED", error: "Import interrompu (arrêt du service pendant l'import)" })
    .where("publisher_id", "=", publisherId)
    .where("status", "=", "RUNNING")
    .where("heartbeat_at", "<", new Date(Date.now() - STALE_AFTER_MS))
    .executeTakeFirst();
  if (Number(stale.numUpdatedRows) === 0) throw new ImportBusyError(publisherId);
  try {
    await insert();
    return id;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ImportBusyError(publisherId);
    throw err;
  }
}

export async function heartbeat(db: Db, importId: string): Promise<void> {
  await db.updateTable("feed_import").set({ heartbeat_at: new Date() }).where("id", "=", importId).execute();
}

export interface ImportOutcome {
  status: "SUCCESS" | "FAILED";
  notModified: boolean;
  bytes: number;
  counters: ImportCounters;
  missionCount: number | null;
  refusedStockCount: number | null;
  errorCode: string | null;
  error: string | null;
  warning: string | null;
  etag: string | null;
  lastModified: string | null;
}

export async function finishImport(db: Db, importId: string, outcome: ImportOutcome): Promise<void> {
  const c = outcome.counters;
  await db
    .updateTable("feed_import")
    .set({
      status: outcome.status,
      finished_at: new Date(),
      not_modified: outcome.notModified,
      bytes: outcome.bytes,
      received_count: c.received,
      feed_mission_count: c.feedMissions,
      created_count: c.created,
      updated_count: c.updated,
      restored_count: c.restored,
      unchanged_count: c.unchanged,
      deleted_count: c.deleted,
      refused_count: c.refused,
      skipped_count: c.skipped,
      warning_count: c.warnings,
      pending_deletion_count: c.pendingDeletions,
      mission_count: outcome.missionCount,
      refused_stock_count: outcome.refusedStockCount,
      error_code: outcome.errorCode,
      error: outcome.error,
      warning: outcome.warning,
      etag: outcome.etag,
      last_modified: outcome.lastModified,
    })
    .where("id", "=", importId)
    .execute();
}

/** Keeps the problem lists of the latest imports only (counts stay on every history row). */
export async function pruneProblems(db: Db, publisherId: string): Promise<void> {
  await sql`
    DELETE FROM feed_import_problem p
    USING feed_import i
    WHERE p.import_id = i.id AND i.publisher_id = ${publisherId}
      AND i.id NOT IN (SELECT id FROM feed_import WHERE publisher_id = ${publisherId} ORDER BY started_at DESC LIMIT ${KEEP_PROBLEMS_OF_IMPORTS})
  `.execute(db);
}

/** Problems of a real run: buffered, then written to `feed_import_problem` in multi-row inserts. */
export class StoredProblems implements ProblemSink {
  private buffer: FeedProblem[] = [];
  private position = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly importId: string,
  ) {}

  add(problems: FeedProblem[]): void {
    for (const p of problems) if (this.position + this.buffer.length < MAX_STORED_PROBLEMS) this.buffer.push(p);
  }

  /** Writes what is buffered; called between batches and at the end. */
  async flush(): Promise<void> {
    const rows = this.buffer.splice(0).map((p) => ({
      import_id: this.importId,
      position: this.position++,
      client_id: p.clientId,
      line: p.line,
      field: p.field,
      outcome: p.outcome,
      message: p.message,
    }));
    for (let i = 0; i < rows.length; i += 4000) {
      await this.db.insertInto("feed_import_problem").values(rows.slice(i, i + 4000)).execute();
    }
  }
}

/** Problems of a dry run, kept in memory up to a limit (the counts stay exact). */
export class CollectedProblems implements ProblemSink {
  readonly list: FeedProblem[] = [];
  total = 0;

  constructor(private readonly limit: number) {}

  add(problems: FeedProblem[]): void {
    for (const p of problems) {
      this.total += 1;
      if (this.list.length < this.limit) this.list.push(p);
    }
  }
}

/** The last successful import that read a feed and held nothing back: the base of the drop guard. */
export function lastCompleteSuccess(db: Db, publisherId: string) {
  return db
    .selectFrom("feed_import")
    .selectAll()
    .where("publisher_id", "=", publisherId)
    .where("status", "=", "SUCCESS")
    .where("not_modified", "=", false)
    .where("pending_deletion_count", "=", 0)
    .orderBy("started_at", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Validators of the last successful download of this URL, for a conditional GET. */
export function lastValidators(db: Db, publisherId: string, source: string) {
  return db
    .selectFrom("feed_import")
    .select(["etag", "last_modified"])
    .where("publisher_id", "=", publisherId)
    .where("status", "=", "SUCCESS")
    .where("source", "=", source)
    .where((eb) => eb.or([eb("etag", "is not", null), eb("last_modified", "is not", null)]))
    .orderBy("started_at", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Start of the current streak of failures, when there has been no success since. */
export async function failingSince(db: Db, publisherId: string): Promise<Date | null> {
  const row = await sql<{ since: Date | null }>`
    SELECT min(started_at) AS since FROM feed_import
    WHERE publisher_id = ${publisherId} AND status = 'FAILED'
      AND started_at > COALESCE((SELECT max(started_at) FROM feed_import WHERE publisher_id = ${publisherId} AND status = 'SUCCESS'), '-infinity'::timestamptz)
  `.execute(db);
  const since = row.rows[0]?.since;
  return since ? new Date(since) : null;
}

export async function listImports(db: Db, publisherId: string, limit: number, skip: number) {
  const [rows, total] = await Promise.all([
    db.selectFrom("feed_import").selectAll().where("publisher_id", "=", publisherId).orderBy("started_at", "desc").limit(limit).offset(skip).execute(),
    db.selectFrom("feed_import").select((eb) => eb.fn.countAll<string>().as("n")).where("publisher_id", "=", publisherId).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}

export function findImport(db: Db, publisherId: string, id: string) {
  return db.selectFrom("feed_import").selectAll().where("publisher_id", "=", publisherId).where("id", "=", id).executeTakeFirst();
}

export async function importProblems(db: Db, importId: string, limit: number, skip: number, outcome?: FeedProblem["outcome"]) {
  let query = db.selectFrom("feed_import_problem").where("import_id", "=", importId);
  if (outcome) query = query.where("outcome", "=", outcome);
  const [rows, total] = await Promise.all([
    query.select(["client_id", "line", "field", "outcome", "message"]).orderBy("position").limit(limit).offset(skip).execute(),
    query.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}
