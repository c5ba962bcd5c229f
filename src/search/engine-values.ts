/**
 * Exact value indexes over dense element ids (doc slots or address slots), without one JS object per
 * element or per posting:
 *
 * - a dictionary interns each distinct value as a small integer code (codes of values that no element
 *   holds any more are recycled);
 * - the elements holding a value form a doubly linked list threaded through typed arrays, so adding
 *   and removing an element is O(1);
 * - a value held by many elements (≥ max(64, capacity/512)) also gets a bitset, so that OR-ing it
 *   into a query bitset costs capacity/32 sequential word operations instead of a list walk (one
 *   cache miss per element). At most 512 such bitsets exist per field (per 512 values per element for
 *   multi-valued fields), so memory stays bounded by 64 bytes × capacity per field (in practice far
 *   less: few values are that frequent).
 *
 * `SingleIndex` holds at most one value per element (domain, type, an address's city…), with the
 * element → code array used for facets and predicates. `MultiIndex` holds a set of values per element
 * (activities, parent organisations) in a pool of nodes.
 */
import { type Bits, clearBit, newBits, resizeBits, setBit } from "./bitset.ts";

export const NONE = -1;

export function growInt32(array: Int32Array<ArrayBuffer>, size: number, fill: number): Int32Array<ArrayBuffer> {
  if (size <= array.length) return array;
  const out = new Int32Array(size);
  out.set(array);
  if (fill !== 0) out.fill(fill, array.length);
  return out;
}

export function growFloat64(array: Float64Array<ArrayBuffer>, size: number, fill: number): Float64Array<ArrayBuffer> {
  if (size <= array.length) return array;
  const out = new Float64Array(size);
  out.set(array);
  if (fill !== 0) out.fill(fill, array.length);
  return out;
}

/** Capacity after growth: doubling, at least `needed`. */
export function nextCapacity(current: number, needed: number): number {
  let cap = Math.max(16, current);
  while (cap < needed) cap *= 2;
  return cap;
}

/** Value dictionary + per-value counts, list heads and optional bitsets. */
export abstract class ValueIndexBase<K> {
  protected readonly dict = new Map<K, number>();
  protected readonly keyByCode: (K | undefined)[] = [];
  private readonly freeCodes: number[] = [];
  /** code → number of elements holding the value. */
  counts = new Int32Array(16);
  /** code → first list node (element or node id), NONE when empty. */
  protected heads = new Int32Array(16).fill(NONE);
  protected readonly bitsByCode: (Bits | null)[] = [];
  /** Element capacity (bitset sizes). */
  protected capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Number of codes ever allocated (an upper bound of live codes; for sizing count arrays). */
  get codeLimit(): number {
    return this.keyByCode.length;
  }

  /** Code of a value, or NONE when no element holds it. */
  code(key: K): number {
    return this.dict.get(key) ?? NONE;
  }

  /** The value of a live code. */
  key(code: number): K | undefined {
    return this.keyByCode[code];
  }

  /** Calls `fn` for each live value and its code. */
  forEachKey(fn: (key: K, code: number) => void): void {
    for (const [key, code] of this.dict) fn(key, code);
  }

  /** True when the value has a bitset (it is held by many elements). */
  hasBitset(code: number): boolean {
    return (this.bitsByCode[code] ?? null) !== null;
  }

  protected promoteAt(): number {
    return Math.max(64, this.capacity >>> 9);
  }

  protected intern(key: K): number {
    let code = this.dict.get(key);
    if (code !== undefined) return code;
    code = this.freeCodes.pop() ?? this.keyByCode.length;
    this.dict.set(key, code);
    this.keyByCode[code] = key;
    if (code >= this.counts.length) {
      const size = nextCapacity(this.counts.length, code + 1);
      this.counts = growInt32(this.counts, size, 0);
      this.heads = growInt32(this.heads, size, NONE);
    }
    this.counts[code] = 0;
    this.heads[code] = NONE;
    this.bitsByCode[code] = null;
    return code;
  }

  /** Book-keeping after an element gained the value. */
  protected gained(code: number, elem: number): void {
    const count = ++this.counts[code]!;
    const bits = this.bitsByCode[code];
    if (bits) setBit(bits, elem);
    else if (count >= this.promoteAt()) this.bitsByCode[code] = this.buildBits(code);
  }

  /** Book-keeping after an element lost the value. */
  protected lost(code: number, elem: number): void {
    const count = --this.counts[code]!;
    if (count === 0) {
      const key = this.keyByCode[code] as K;
      this.dict.delete(key);
      this.keyByCode[code] = undefined;
      this.bitsByCode[code] = null;
      this.heads[code] = NONE;
      this.freeCodes.push(code);
      return;
    }
    const bits = this.bitsByCode[code];
    if (bits) {
      if (count < this.promoteAt() >>> 2) this.bitsByCode[code] = null;
      else clearBit(bits, elem);
    }
  }

  protected resizeBitsets(capacity: number): void {
    this.capacity = capacity;
    for (let c = 0; c < this.bitsByCode.length; c++) {
      const bits = this.bitsByCode[c];
      if (bits) this.bitsByCode[c] = resizeBits(bits, capacity);
    }
  }

  private buildBits(code: number): Bits {
    const bits = newBits(this.capacity);
    this.forEachElement(code, (e) => setBit(bits, e));
    return bits;
  }

  /** Calls `fn` for each element holding the value (any order). */
  abstract forEachElement(code: number, fn: (elem: number) => void): void;

  /** `bits |= elements holding the value`. */
  orInto(bits: Bits, code: number): void {
    const own = this.bitsByCode[code];
    if (own) {
      const n = Math.min(bits.length, own.length);
      for (let w = 0; w < n; w++) bits[w]! |= own[w]!;
      return;
    }
    this.orListInto(bits, code);
  }

  protected abstract orListInto(bits: Bits, code: number): void;
}

/** At most one value per element. */
export class SingleIndex<K> extends ValueIndexBase<K> {
  /** element → code of its value, NONE when it has none. */
  codes: Int32Array<ArrayBuffer>;
  private next: Int32Array<ArrayBuffer>;
  private prev: Int32Array<ArrayBuffer>;

  constructor(capacity = 16) {
    super(capacity);
    this.codes = new Int32Array(capacity).fill(NONE);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
  }

  resize(capacity: number): void {
    if (capacity <= this.codes.length) return;
    this.codes = growInt32(this.codes, capacity, NONE);
    this.next = growInt32(this.next, capacity, 0);
    this.prev = growInt32(this.prev, capacity, 0);
    this.resizeBitsets(capacity);
  }

  /** Sets the value of an element (null or undefined: no value), replacing any previous one. */
  set(elem: number, key: K | null | undefined): void {
    if (this.codes[elem] !== NONE) this.clear(elem);
    if (key === null || key === undefined) return;
    const code = this.intern(key);
    const head = this.heads[code]!;
    this.next[elem] = head;
    this.prev[elem] = NONE;
    if (head !== NONE) this.prev[head] = elem;
    this.heads[code] = elem;
    this.codes[elem] = code;
    this.gained(code, elem);
  }

  /** Removes the element's value, if any. */
  clear(elem: number): void {
    const code = this.codes[elem]!;
    if (code === NONE) return;
    const next = this.next[elem]!;
    const prev = this.prev[elem]!;
    if (prev !== NONE) this.next[prev] = next;
    else this.heads[code] = next;
    if (next !== NONE) this.prev[next] = prev;
    this.codes[elem] = NONE;
    this.lost(code, elem);
  }

  forEachElement(code: number, fn: (elem: number) => void): void {
    for (let e = this.heads[code] ?? NONE; e !== NONE; e = this.next[e]!) fn(e);
  }

  protected orListInto(bits: Bits, code: number): void {
    const next = this.next;
    for (let e = this.heads[code] ?? NONE; e !== NONE; e = next[e]!) bits[e >>> 5]! |= 1 << (e & 31);
  }
}

/** A set of values per element, in a pool of nodes (one node per element-value pair). */
export class MultiIndex<K> extends ValueIndexBase<K> {
  /** element → its first node, NONE when it has no value. */
  elemHead: Int32Array<ArrayBuffer>;
  /** node → its value code. */
  nodeCode = new Int32Array(64);
  /** node → next node of the same element (also the free-node chain). */
  nodeNextOfElem = new Int32Array(64);
  private nodeElem = new Int32Array(64);
  private nodeNext = new Int32Array(64);
  private nodePrev = new Int32Array(64);
  private nodeCount = 0;
  private freeNode = NONE;

  constructor(capacity = 16) {
    super(capacity);
    this.elemHead = new Int32Array(capacity).fill(NONE);
  }

  resize(capacity: number): void {
    if (capacity <= this.elemHead.length) return;
    this.elemHead = growInt32(this.elemHead, capacity, NONE);
    this.resizeBitsets(capacity);
  }

  /** Replaces the values of an element (duplicates and empty strings are ignored). */
  setAll(elem: number, keys: readonly K[] | null | undefined): void {
    this.clear(elem);
    if (!keys) return;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as K;
      if (key === "" || key === null || key === undefined || keys.indexOf(key) < i) continue;
      this.add(elem, key);
    }
  }

  private add(elem: number, key: K): void {
    const code = this.intern(key);
    const node = this.allocNode();
    this.nodeCode[node] = code;
    this.nodeElem[node] = elem;
    const head = this.heads[code]!;
    this.nodeNext[node] = head;
    this.nodePrev[node] = NONE;
    if (head !== NONE) this.nodePrev[head] = node;
    this.heads[code] = node;
    this.nodeNextOfElem[node] = this.elemHead[elem]!;
    this.elemHead[elem] = node;
    this.gained(code, elem);
  }

  /** Removes every value of the element. */
  clear(elem: number): void {
    let node = this.elemHead[elem]!;
    while (node !== NONE) {
      const following = this.nodeNextOfElem[node]!;
      const code = this.nodeCode[node]!;
      const next = this.nodeNext[node]!;
      const prev = this.nodePrev[node]!;
      if (prev !== NONE) this.nodeNext[prev] = next;
      else this.heads[code] = next;
      if (next !== NONE) this.nodePrev[next] = prev;
      this.lost(code, elem);
      this.nodeNextOfElem[node] = this.freeNode;
      this.freeNode = node;
      node = following;
    }
    this.elemHead[elem] = NONE;
  }

  /** True when the element holds the value. */
  holds(elem: number, code: number): boolean {
    for (let n = this.elemHead[elem]!; n !== NONE; n = this.nodeNextOfElem[n]!) if (this.nodeCode[n] === code) return true;
    return false;
  }

  forEachElement(code: number, fn: (elem: number) => void): void {
    for (let n = this.heads[code] ?? NONE; n !== NONE; n = this.nodeNext[n]!) fn(this.nodeElem[n]!);
  }

  protected orListInto(bits: Bits, code: number): void {
    const next = this.nodeNext;
    const elemOf = this.nodeElem;
    for (let n = this.heads[code] ?? NONE; n !== NONE; n = next[n]!) {
      const e = elemOf[n]!;
      bits[e >>> 5]! |= 1 << (e & 31);
    }
  }

  private allocNode(): number {
    if (this.freeNode !== NONE) {
      const node = this.freeNode;
      this.freeNode = this.nodeNextOfElem[node]!;
      return node;
    }
    const node = this.nodeCount++;
    if (node >= this.nodeCode.length) {
      const size = nextCapacity(this.nodeCode.length, node + 1);
      this.nodeCode = growInt32(this.nodeCode, size, 0);
      this.nodeNextOfElem = growInt32(this.nodeNextOfElem, size, 0);
      this.nodeElem = growInt32(this.nodeElem, size, 0);
      this.nodeNext = growInt32(this.nodeNext, size, 0);
      this.nodePrev = growInt32(this.nodePrev, size, 0);
    }
    return node;
  }
}
