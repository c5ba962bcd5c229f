/**
 * API keys: high-entropy random secrets shown once, stored as SHA-256 hashes. A slow password hash
 * is not needed for 256-bit random keys, and SHA-256 keeps the lookup on every request cheap.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Db } from "../db/connection.ts";
import type { PublisherRow } from "../db/schema.ts";

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `ae_${randomBytes(32).toString("base64url")}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

/** Creates a key for the publisher and returns the clear key (the only time it exists). */
export async function createApiKey(db: Db, publisherId: string, name: string | null = null): Promise<string> {
  const { key, hash, prefix } = generateApiKey();
  await db
    .insertInto("api_key")
    .values({ id: randomUUID(), publisher_id: publisherId, key_hash: hash, key_prefix: prefix, name })
    .execute();
  return key;
}

/** Revokes every active key of the publisher except `keepHash`. Returns how many were revoked. */
export async function revokeApiKeys(db: Db, publisherId: string, keepHash?: string): Promise<number> {
  let query = db
    .updateTable("api_key")
    .set({ revoked_at: new Date() })
    .where("publisher_id", "=", publisherId)
    .where("revoked_at", "is", null);
  if (keepHash) query = query.where("key_hash", "!=", keepHash);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface ApiKeyInfo {
  id: string;
  prefix: string;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export async function listApiKeys(db: Db, publisherId: string): Promise<ApiKeyInfo[]> {
  const rows = await db
    .selectFrom("api_key")
    .select(["id", "key_prefix", "name", "created_at", "last_used_at", "revoked_at"])
    .where("publisher_id", "=", publisherId)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    prefix: r.key_prefix,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export interface Authenticated {
  publisher: PublisherRow;
  keyId: string;
  /** When this key's use was last recorded. */
  lastUsedAt: Date | null;
}

/** The live publisher owning this active key, or undefined. */
export async function authenticate(db: Db, key: string): Promise<Authenticated | undefined> {
  const row = await db
    .selectFrom("api_key as k")
    .innerJoin("publisher as p", "p.id", "k.publisher_id")
    .selectAll("p")
    .select(["k.id as key_id", "k.last_used_at as key_last_used_at"])
    .where("k.key_hash", "=", hashApiKey(key))
    .where("k.revoked_at", "is", null)
    .where("p.deleted_at", "is", null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { key_id, key_last_used_at, ...publisher } = row;
  return { publisher, keyId: key_id, lastUsedAt: key_last_used_at };
}

/** Records a use of the key at most once a minute, off the request's critical path. */
export function recordKeyUse(db: Db, auth: Authenticated): void {
  if (auth.lastUsedAt && Date.now() - auth.lastUsedAt.getTime() < 60_000) return;
  auth.lastUsedAt = new Date();
  db.updateTable("api_key").set({ last_used_at: auth.lastUsedAt }).where("id", "=", auth.keyId).execute().catch(() => undefined);
}
