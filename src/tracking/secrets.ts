/**
 * Secrets the service makes for itself: generated once, stored in the database so that every
 * instance (and every restart) uses the same, never written in the repository or the logs.
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";

export async function serviceSecret(db: Db, name: string): Promise<string> {
  // Two instances starting together: one insert wins, both read the winner.
  await sql`INSERT INTO service_secret (name, value) VALUES (${name}, ${randomBytes(32).toString("base64url")}) ON CONFLICT (name) DO NOTHING`.execute(db);
  const row = await db.selectFrom("service_secret").select("value").where("name", "=", name).executeTakeFirstOrThrow();
  return row.value;
}

export interface TrackingKeys {
  /** Signs apiengagement_tracking_token. */
  token: string;
  /** Keys the visitor fingerprints. */
  fingerprint: string;
}

/** TRACKING_SECRET when set (both uses, as today's SECRET), else the generated ones. */
export async function trackingKeys(db: Db, configured: string | undefined): Promise<TrackingKeys> {
  if (configured) return { token: configured, fingerprint: configured };
  return { token: await serviceSecret(db, "tracking_token"), fingerprint: await serviceSecret(db, "fingerprint") };
}
