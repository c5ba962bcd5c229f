/** Writes batches of tracking events: one transaction, bots flagged from the blocked fingerprints. */
import { sql } from "kysely";
import { insertStatement } from "../db/bulk-insert.ts";
import type { Db } from "../db/connection.ts";
import type { NewTrackingEvent } from "./event-queue.ts";

/** Columns every queued event carries, so that a batch has one shape (bulk insert). */
const COLUMNS = [
  "id",
  "type",
  "created_at",
  "updated_at",
  "source",
  "source_id",
  "from_publisher_id",
  "to_publisher_id",
  "mission_id",
  "mission_client_id",
  "click_id",
  "client_event_id",
  "request_id",
  "fingerprint",
  "referer",
  "user_agent",
  "host",
  "origin",
  "tags",
  "custom_attributes",
  "is_bot",
  "is_human",
  "attributed",
  "status",
] as const;

const DEFAULTS: Partial<Record<(typeof COLUMNS)[number], unknown>> = { tags: [], is_bot: false, is_human: false, attributed: true };

export async function writeEvents(db: Db, events: NewTrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => {
    const row: Record<string, unknown> = {};
    for (const column of COLUMNS) row[column] = (event as Record<string, unknown>)[column] ?? DEFAULTS[column] ?? null;
    return row;
  });
  await db.transaction().execute(async (trx) => {
    // A clientEventId met twice in one batch (or raced by another instance): the first is kept.
    await sql`${await insertStatement(trx, "tracking_event", rows)} ON CONFLICT DO NOTHING`.execute(trx);
    await sql`
      UPDATE tracking_event e SET is_bot = true
      FROM bot_fingerprint b
      WHERE e.id = ANY(${events.map((e) => e.id)}::uuid[]) AND e.fingerprint = b.fingerprint
    `.execute(trx);
  });
}
