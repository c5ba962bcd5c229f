/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Ids created in time order land at
 * the end of their B-tree indexes, so bulk inserts (a 100,000-mission feed) do not scatter writes
 * across the whole index as random UUIDs do. Within one millisecond, ids are not ordered.
 *
 * One id per tracked click, thousands a second: the random bits come from a pool refilled 16 KiB at
 * a time and the id's characters are written into a scratch buffer read once as a string, so an id
 * allocates nothing but itself.
 */
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 16 * 1024;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

const HEX = Buffer.from("0123456789abcdef");
/** "xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx": where each of the 16 bytes' two hex digits go. */
const scratch = Buffer.from("00000000-0000-0000-0000-000000000000");
const BYTE_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

export function uuidv7(now: number = Date.now()): string {
  if (offset + 10 > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  // Bytes 0-5: the time, big-endian (2^48 ms is the year 10889).
  const high = Math.floor(now / 2 ** 32);
  const low = now >>> 0;
  put(0, (high >>> 8) & 0xff);
  put(1, high & 0xff);
  put(2, low >>> 24);
  put(3, (low >>> 16) & 0xff);
  put(4, (low >>> 8) & 0xff);
  put(5, low & 0xff);
  // Bytes 6-15: random, with the version (7) and the variant (10).
  put(6, (pool[offset]! & 0x0f) | 0x70);
  put(7, pool[offset + 1]!);
  put(8, (pool[offset + 2]! & 0x3f) | 0x80);
  for (let i = 3; i < 10; i += 1) put(6 + i, pool[offset + i]!);
  offset += 10;
  return scratch.toString("latin1", 0, 36);
}

function put(index: number, byte: number): void {
  const at = BYTE_AT[index]!;
  scratch[at] = HEX[byte >>> 4]!;
  scratch[at + 1] = HEX[byte & 0x0f]!;
}
