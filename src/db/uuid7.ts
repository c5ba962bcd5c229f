/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Ids created in time order land at
 * the end of their B-tree indexes, so bulk inserts (a 100,000-mission feed) do not scatter writes
 * across the whole index as random UUIDs do. Within one millisecond, ids are not ordered.
 *
 * The random bits come from a pool refilled 16 KiB at a time and are written as hex in one call:
 * one id per tracked click, thousands a second, so it allocates little more than the id itself.
 */
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 16 * 1024;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

export function uuidv7(now: number = Date.now()): string {
  if (offset + 10 > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  pool[offset] = (pool[offset]! & 0x0f) | 0x70; // version 7
  pool[offset + 2] = (pool[offset + 2]! & 0x3f) | 0x80; // variant 10
  const random = pool.toString("hex", offset, offset + 10);
  offset += 10;
  const time = now.toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-${random.slice(0, 4)}-${random.slice(4, 8)}-${random.slice(8)}`;
}
