/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Ids created in time order land at
 * the end of their B-tree indexes, so bulk inserts (a 100,000-mission feed) do not scatter writes
 * across the whole index as random UUIDs do. Within one millisecond, ids are not ordered.
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
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  pool.copy(bytes, 6, offset, offset + 10);
  offset += 10;
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
