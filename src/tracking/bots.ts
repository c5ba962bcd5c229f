/**
 * Blocked fingerprints: an administrator marks a visitor fingerprint as a bot; its past events are
 * flagged at once, and its future ones as they are written (event-store.ts). Its live
 * suspected-bot warnings (bot-watch.ts) are resolved.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { SUSPECTED_BOT } from "./bot-watch.ts";

const FINGERPRINT = /^[0-9a-f]{64}$/;

export function isFingerprint(value: string): boolean {
  return FINGERPRINT.test(value);
}

/** Blocks the fingerprint; returns how many of its events are now flagged as bots. */
export async function blockFingerprint(db: Db, fingerprint: string, reason: string | null): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto("bot_fingerprint")
      .values({ fingerprint, reason })
      .onConflict((oc) => oc.column("fingerprint").doUpdateSet({ reason }))
      .execute();
    const result = await trx.updateTable("tracking_event").set({ is_bot: true }).where("fingerprint", "=", fingerprint).where("is_bot", "=", false).executeTakeFirst();
    await trx
      .updateTable("warning")
      .set({ resolved_at: sql`now()`, updated_at: sql`now()`, details: sql`details || '{"resolution": "blocked"}'::jsonb` })
      .where("type", "=", SUSPECTED_BOT)
      .where("subject", "=", fingerprint)
      .where("resolved_at", "is", null)
      .execute();
    return Number(result.numUpdatedRows);
  });
}

/** Unblocks it; returns how many of its events count again. False when it was not blocked. */
export async function unblockFingerprint(db: Db, fingerprint: string): Promise<number | false> {
  return db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom("bot_fingerprint").where("fingerprint", "=", fingerprint).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) return false;
    const result = await trx.updateTable("tracking_event").set({ is_bot: false }).where("fingerprint", "=", fingerprint).where("is_bot", "=", true).executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}
