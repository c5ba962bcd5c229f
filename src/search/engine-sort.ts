/**
 * Sort support: precomputed orders of doc slots (so that a page of the default sort never sorts the
 * result) and a top-k selection for the sorts computed per query (distance, relevance).
 */
import { type Bits, hasBit } from "./bitset.ts";
import { growInt32 } from "./engine-values.ts";

/**
 * The doc slots in a fixed order given by `compare` (a total order). New slots wait in `pending` and
 * are merged in (sort the few new ones, then one linear merge) the next time the order is read.
 * Removed slots stay in the order until `purge`: the engine only reads it through live-doc bitsets,
 * and does not change the sort keys of a slot before it is purged.
 */
export class SortOrder {
  private order = new Int32Array(0);
  private count = 0;
  private pending: number[] = [];
  private ranks = new Int32Array(0);
  private ranksValid = false;

  constructor(private readonly compare: (a: number, b: number) => number) {}

  add(slot: number): void {
    this.pending.push(slot);
    this.ranksValid = false;
  }

  /** Removes the slots whose bit is set in `slots`. */
  purge(slots: Bits): void {
    let w = 0;
    for (let i = 0; i < this.count; i++) {
      const s = this.order[i]!;
      if (!hasBit(slots, s)) this.order[w++] = s;
    }
    this.count = w;
    this.pending = this.pending.filter((s) => !hasBit(slots, s));
    this.ranksValid = false;
  }

  /** The slots in order (a view; valid until the next change). */
  sorted(): Int32Array {
    if (this.pending.length > 0) this.mergePending();
    return this.order.subarray(0, this.count);
  }

  /** slot → position in the order (valid for slots in the order). */
  rank(capacity: number): Int32Array {
    const sorted = this.sorted();
    if (this.ranksValid && this.ranks.length >= capacity) return this.ranks;
    if (this.ranks.length < capacity) this.ranks = new Int32Array(capacity);
    for (let i = 0; i < sorted.length; i++) this.ranks[sorted[i]!] = i;
    this.ranksValid = true;
    return this.ranks;
  }

  private mergePending(): void {
    const added = this.pending.sort(this.compare);
    this.pending = [];
    const total = this.count + added.length;
    const out = new Int32Array(Math.max(16, total + (total >>> 3)));
    let i = 0;
    let j = 0;
    let w = 0;
    const old = this.order;
    while (i < this.count && j < added.length) {
      const a = old[i]!;
      const b = added[j]!;
      if (this.compare(b, a) < 0) {
        out[w++] = b;
        j++;
      } else {
        out[w++] = a;
        i++;
      }
    }
    while (i < this.count) out[w++] = old[i++]!;
    while (j < added.length) out[w++] = added[j++]!;
    this.order = out;
    this.count = total;
  }
}

/**
 * The `k` first slots of `slots[0..n)` ordered by (primary ASC, secondary ASC), where the keys are
 * read from per-slot arrays. `secondary` must be unique per slot (a rank), making the order total.
 */
export function topK(slots: Int32Array, n: number, k: number, primary: Float64Array, secondary: Int32Array): Int32Array {
  const before = (a: number, b: number): boolean => {
    const pa = primary[a]!;
    const pb = primary[b]!;
    return pa < pb || (pa === pb && secondary[a]! < secondary[b]!);
  };
  if (k <= 0 || n === 0) return new Int32Array(0);
  if (k * 4 >= n) {
    const all = Array.from(slots.subarray(0, n));
    all.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    return Int32Array.from(all.slice(0, k));
  }
  // Max-heap of the k best so far: heap[0] is the worst of them.
  let heap = new Int32Array(Math.min(k, 1024));
  let size = 0;
  const siftUp = (i: number): void => {
    const x = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const p = heap[parent]!;
      if (!before(p, x)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = x;
  };
  const siftDown = (i: number): void => {
    const x = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && before(heap[child]!, heap[child + 1]!)) child++;
      const c = heap[child]!;
      if (!before(x, c)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = x;
  };
  for (let i = 0; i < n; i++) {
    const s = slots[i]!;
    // Fast reject: worse primary key than the worst kept one.
    if (size === k && primary[s]! > primary[heap[0]!]!) continue;
    if (size < k) {
      if (size >= heap.length) heap = growInt32(heap, Math.min(k, heap.length * 2), 0);
      heap[size++] = s;
      siftUp(size - 1);
    } else if (before(s, heap[0]!)) {
      heap[0] = s;
      siftDown(0);
    }
  }
  const out = Array.from(heap.subarray(0, size));
  out.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return Int32Array.from(out);
}
