/**
 * Writes batches of tracking events: one statement per batch (one round trip), bots flagged from
 * the blocked fingerprints as the rows are inserted (no second pass over the rows).
 */
import { sql } from "kysely";
import { insertColumnsStatement } from "../db/bulk-insert.ts";
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
  const valuesOf = (column: (typeof COLUMNS)[number]) => {
    const fallback = DEFAULTS[column] ?? null;
    return events.map((event) => event[column] ?? fallback);
  };
  const insert = await insertColumnsStatement(db, "tracking_event", COLUMNS, (c) => valuesOf(c as (typeof COLUMNS)[number]), {
    computed: {
      is_bot: (value) => sql`(${value("is_bot")} OR EXISTS (SELECT 1 FROM bot_fingerprint b WHERE b.fingerprint = ${value("fingerprint")}))`,
    },
  });
  // A clientEventId met twice in one batch (or raced by another instance): the first is kept.
  await sql`${insert} ON CONFLICT DO NOTHING`.execute(db);
}
