/**
 * Fixed-size bitsets over dense integer ids (doc slots, address slots), stored in a `Uint32Array`:
 * bit `i` is bit `i & 31` of word `i >>> 5`. Binary operations accept operands of different lengths;
 * missing words count as zero. Pure functions, no allocation unless stated.
 */

export type Bits = Uint32Array<ArrayBuffer>;

/** Number of 32-bit words needed for `size` bits. */
export function wordCount(size: number): number {
  return (size + 31) >>> 5;
}

/** A new all-zero bitset able to hold `size` bits. */
export function newBits(size: number): Bits {
  return new Uint32Array(wordCount(size));
}

/** A copy of `bits` resized to hold `size` bits (truncated or zero-extended). */
export function resizeBits(bits: Bits, size: number): Bits {
  const out = new Uint32Array(wordCount(size));
  out.set(bits.length <= out.length ? bits : bits.subarray(0, out.length));
  return out;
}

export function setBit(bits: Bits, i: number): void {
  bits[i >>> 5]! |= 1 << (i & 31);
}

export function clearBit(bits: Bits, i: number): void {
  bits[i >>> 5]! &= ~(1 << (i & 31));
}

export function hasBit(bits: Bits, i: number): boolean {
  return ((bits[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
}

/** `target &= other`. */
export function andInto(target: Bits, other: Bits): void {
  const n = Math.min(target.length, other.length);
  for (let w = 0; w < n; w++) target[w]! &= other[w]!;
  if (n < target.length) target.fill(0, n);
}

/** `target |= other`. */
export function orInto(target: Bits, other: Bits): void {
  const n = Math.min(target.length, other.length);
  for (let w = 0; w < n; w++) target[w]! |= other[w]!;
}

/** `target &= ~other`. */
export function andNotInto(target: Bits, other: Bits): void {
  const n = Math.min(target.length, other.length);
  for (let w = 0; w < n; w++) target[w]! &= ~other[w]!;
}

/** Number of set bits in one 32-bit word. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of set bits. */
export function popcount(bits: Bits): number {
  let total = 0;
  for (let w = 0; w < bits.length; w++) {
    const x = bits[w]!;
    if (x !== 0) total += popcount32(x);
  }
  return total;
}

/**
 * Writes the indices of the set bits, ascending, into `out` (which must be large enough, e.g.
 * `popcount(bits)` long) and returns how many were written.
 */
export function collectBits(bits: Bits, out: Int32Array): number {
  let n = 0;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w]!;
    const base = w << 5;
    while (x !== 0) {
      const low = x & -x;
      out[n++] = base + 31 - Math.clz32(low);
      x ^= low;
    }
  }
  return n;
}

/**
 * Keeps only the set bits for which `keep(i)` is true (in place) and returns how many remain.
 */
export function filterBits(bits: Bits, keep: (i: number) => boolean): number {
  let total = 0;
  for (let w = 0; w < bits.length; w++) {
    let x = bits[w]!;
    if (x === 0) continue;
    let kept = x;
    const base = w << 5;
    while (x !== 0) {
      const low = x & -x;
      if (keep(base + 31 - Math.clz32(low))) total++;
      else kept ^= low;
      x ^= low;
    }
    bits[w] = kept;
  }
  return total;
}
