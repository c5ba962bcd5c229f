/**
 * Reusable output buffers for the search answers (a page of 25 missions is ~150 KB).
 *
 * A fresh buffer per answer costs little to fill, but at a thousand answers a second it is ~150 MB/s
 * of memory outside the JavaScript heap, and V8 answers such "external memory pressure" with young
 * generation collections whose pauses (several ms on this service's large heap) became the tail of
 * the latency. So an answer is copied into a pooled buffer, which goes back to the pool once its
 * response is done with it ('finish': handed to the kernel; 'close': the connection is gone, nothing
 * more will be written from it).
 */
import type { ServerResponse } from "node:http";

const SMALLEST = 16 * 1024;

/** Smallest power of two ≥ length (≥ SMALLEST): the pool's size classes. */
function sizeClassOf(length: number): number {
  let size = SMALLEST;
  while (size < length) size *= 2;
  return size;
}

export class OutputBuffers {
  private readonly free = new Map<number, Buffer[]>();

  constructor(
    /** Larger answers (limit=10000) get their own buffer, not kept. */
    private readonly largestPooled = 2 * 1024 * 1024,
    /** Buffers kept per size class (about the number of answers being sent at once). */
    private readonly keptPerClass = 64,
  ) {}

  /** The pieces as one buffer, lent to `response` until it is done with it. */
  join(pieces: readonly Buffer[], response: ServerResponse): Buffer {
    let length = 0;
    for (const piece of pieces) length += piece.length;
    if (length > this.largestPooled) return Buffer.concat(pieces, length);
    const size = sizeClassOf(length);
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    const buffer = list.pop() ?? Buffer.allocUnsafeSlow(size);
    let offset = 0;
    for (const piece of pieces) offset += piece.copy(buffer, offset);
    let returned = false;
    const giveBack = () => {
      if (returned) return;
      returned = true;
      if (list.length < this.keptPerClass) list.push(buffer);
    };
    response.once("finish", giveBack);
    response.once("close", giveBack);
    return buffer.subarray(0, length);
  }
}
