/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Ids created in time order land at
 * the end of their B-tree indexes, so bulk inserts (a 100,000-mission feed) do not scatter writes
 * across the whole index as random UUIDs do. Within one millisecond, ids are not ordered.
 *
 * Made from a random (v4) UUID, whose 74 random bits and variant are kept, with the time written
 * over its first 48 bits and its version digit set to 7: Node draws v4 UUIDs from a pre-filled
 * entropy pool, so this costs two short strings (one per tracked click, thousands a second).
 */
import { randomUUID } from "node:crypto";

export function uuidv7(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, "0");
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx; from index 15 on: random bits, variant, random bits.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
