/**
 * Writes batches of tracking events: one statement per batch (one round trip), bots flagged from
 * the blocked fingerprints as the rows are inserted (no second pass over the rows).
 */
import { sql } from "kysely";
import { insertColumnsStatement } from "../db/bulk-insert.ts";
import type { Db } from "../db/connection.ts";
import type { NewTrackingEvent } from "./event-queue.ts";

/** Columns an event may carry. */
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

type Column = (typeof COLUMNS)[number];

/** What an event without the column gets: the table's own defaults (NULL for the others). */
const DEFAULTS: Partial<Record<Column, unknown>> = { tags: [], is_bot: false, is_human: false, attributed: true };
/** Written even when no event of the batch has them: the bot flag is computed from them. */
const ALWAYS: readonly Column[] = ["is_bot", "fingerprint"];

export async function writeEvents(db: Db, events: NewTrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  // A column no event of the batch carries is left to its default: most events are clicks, which
  // have no click_id, clientEventId, custom attributes, status…
  const columns = COLUMNS.filter((column) => ALWAYS.includes(column) || events.some((event) => event[column] != null));
  const valuesOf = (column: Column) => {
    const fallback = DEFAULTS[column] ?? null;
    return events.map((event) => event[column] ?? fallback);
  };
  const insert = await insertColumnsStatement(db, "tracking_event", columns, (c) => valuesOf(c as Column), {
    computed: {
      is_bot: (value) => sql`(${value("is_bot")} OR EXISTS (SELECT 1 FROM bot_fingerprint b WHERE b.fingerprint = ${value("fingerprint")}))`,
    },
  });
  // A clientEventId met twice in one batch (or raced by another instance): the first is kept.
  await sql`${insert} ON CONFLICT DO NOTHING`.execute(db);
}
