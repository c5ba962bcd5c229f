/**
 * Inverted index of the mission texts, with BM25-like scoring over three fields:
 * title (T), "meta" = organisation name + address cities (M), description (D).
 *
 * Layout (no JS object per document or per posting):
 * - terms: `Map<stem, termId>` + `termKeys[termId]`, `df[termId]` (documents holding the term);
 * - main segment (CSR): the postings of term t are `mainDoc/mainTf[mainStart[t] .. mainStart[t+1])`;
 * - delta: postings added since the last compaction, in per-term chains of blocks (newest first, from
 *   `deltaHead[t]`); block b holds `deltaDoc/deltaTf[blockStart[b] .. blockStart[b] + blockUsed[b])`
 *   and block sizes double from 2 to 256 entries, so a chain is read almost sequentially;
 * - a posting is (doc slot: Int32, tf: Uint16 packing title tf (4 bits, ≤ 15), meta tf (3 bits, ≤ 7)
 *   and description tf (9 bits, ≤ 511));
 * - per doc slot: field lengths in words (`lenT`, `lenM`: Uint8, `lenD`: Uint16, saturated).
 *
 * Removal is lazy: postings of a removed document stay until `compact()`; the engine never matches
 * them (its result bitsets only hold live slots) and does not reuse the slot before compaction.
 * `compact()` drops the postings of dead slots and merges the delta into a new exact-size main segment;
 * it also forgets terms no document holds any more when they are many.
 */
import { type Bits, hasBit } from "./bitset.ts";
import { growInt32, nextCapacity, NONE } from "./engine-values.ts";
import { forEachWord, wordKeys } from "./text.ts";

/** BM25 parameters: saturation, and per field weight and length normalisation. */
const K1 = 1.2;
const WEIGHT_T = 4;
const WEIGHT_M = 2;
const WEIGHT_D = 1;
const B_T = 0.5;
const B_M = 0.5;
const B_D = 0.75;

const MAX_TF_T = 15;
const MAX_TF_M = 7;
const MAX_TF_D = 511;

/** Word-cache value of a stop word / unindexable word. */
const SKIP = -1;
/** Entries per generation of the word cache (it is only a speed-up). */
const WORD_CACHE_LIMIT = 32_768;

function growUint16(array: Uint16Array<ArrayBuffer>, size: number): Uint16Array<ArrayBuffer> {
  if (size <= array.length) return array;
  const out = new Uint16Array(size);
  out.set(array);
  return out;
}

function growUint8(array: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> {
  if (size <= array.length) return array;
  const out = new Uint8Array(size);
  out.set(array);
  return out;
}

export interface TextIndexStats {
  terms: number;
  mainPostings: number;
  deltaPostings: number;
  /** Bytes held by the typed arrays of the index (postings, per-term and per-doc arrays). */
  bytes: number;
}

export class TextIndex {
  private termIds = new Map<string, number>();
  private termKeys: string[] = [];
  private df = new Int32Array(1024);

  private mainTerms = 0;
  private mainStart = new Int32Array(1);
  private mainDoc = new Int32Array(0);
  private mainTf = new Uint16Array(0);

  private deltaHead = new Int32Array(1024).fill(NONE);
  private deltaDoc = new Int32Array(4096);
  private deltaTf = new Uint16Array(4096);
  /** Entries of the delta pool in use (blocks included, full or not). */
  private deltaTop = 0;
  /** Postings in the delta. */
  private deltaCount = 0;
  private blockStart = new Int32Array(1024);
  private blockUsed = new Int32Array(1024);
  private blockSize = new Int32Array(1024);
  private blockNext = new Int32Array(1024);
  private blockCount = 0;

  private lenT = new Uint8Array(16);
  private lenM = new Uint8Array(16);
  private lenD = new Uint16Array(16);
  private sumT = 0;
  private sumM = 0;
  private sumD = 0;
  private docs = 0;

  /**
   * lower-case word → termId (≥ 0), SKIP, or -(2 + i) for the pair `pairs[2i], pairs[2i+1]`. Two
   * generations: a word found in the old one moves to the new one; when the new one is full, it
   * becomes the old one (frequent words stay, memory stays bounded).
   */
  private wordCache = new Map<string, number>();
  private oldWordCache = new Map<string, number>();
  private pairs = new Int32Array(256);
  private pairCount = 0;

  // Scratch used while indexing one document.
  private termStamp = new Int32Array(1024);
  private termPos = new Int32Array(1024);
  private stampValue = 0;
  private localTerms = new Int32Array(256);
  private localT = new Uint16Array(256);
  private localM = new Uint16Array(256);
  private localD = new Uint16Array(256);
  private localCount = 0;

  // Scratch used while scoring (per doc slot).
  private wordStamp = new Int32Array(16);
  private wordBest = new Float64Array(16);
  private touched = new Int32Array(16);
  private wordStampValue = 0;

  /** Sizes the per-doc arrays for `capacity` doc slots. */
  resize(capacity: number): void {
    if (capacity <= this.lenT.length) return;
    this.lenT = growUint8(this.lenT, capacity);
    this.lenM = growUint8(this.lenM, capacity);
    this.lenD = growUint16(this.lenD, capacity);
    this.wordStamp = growInt32(this.wordStamp, capacity, 0);
    this.touched = new Int32Array(capacity);
    const best = new Float64Array(capacity);
    best.set(this.wordBest);
    this.wordBest = best;
  }

  get deltaSize(): number {
    return this.deltaCount;
  }

  get mainSize(): number {
    return this.mainDoc.length;
  }

  stats(): TextIndexStats {
    const bytes =
      this.mainDoc.byteLength +
      this.mainTf.byteLength +
      this.mainStart.byteLength +
      this.deltaDoc.byteLength +
      this.deltaTf.byteLength +
      this.blockStart.byteLength * 4 +
      this.deltaHead.byteLength +
      this.df.byteLength +
      this.termStamp.byteLength +
      this.termPos.byteLength +
      this.lenT.byteLength +
      this.lenM.byteLength +
      this.lenD.byteLength;
    return { terms: this.termIds.size, mainPostings: this.mainDoc.length, deltaPostings: this.deltaCount, bytes };
  }

  /** Indexes the texts of a (new) doc slot. `meta` holds the organisation name and the cities. */
  add(doc: number, title: string, meta: readonly (string | null)[], description: string): void {
    this.stampValue++;
    if (this.stampValue === 0x7fffffff) {
      this.termStamp.fill(0);
      this.stampValue = 1;
    }
    this.localCount = 0;
    const lenT = this.indexField(title, 0);
    let lenM = 0;
    for (const text of meta) if (text) lenM += this.indexField(text, 1);
    const lenD = this.indexField(description, 2);

    for (let i = 0; i < this.localCount; i++) {
      const term = this.localTerms[i]!;
      const tf =
        (Math.min(this.localT[i]!, MAX_TF_T) << 12) | (Math.min(this.localM[i]!, MAX_TF_M) << 9) | Math.min(this.localD[i]!, MAX_TF_D);
      this.pushDelta(term, doc, tf);
      this.df[term]!++;
    }
    const t = Math.min(lenT, 255);
    const m = Math.min(lenM, 255);
    const d = Math.min(lenD, 65535);
    this.lenT[doc] = t;
    this.lenM[doc] = m;
    this.lenD[doc] = d;
    this.sumT += t;
    this.sumM += m;
    this.sumD += d;
    this.docs++;
  }

  /** Forgets the length statistics of a removed doc (its postings go at the next compaction). */
  remove(doc: number): void {
    this.sumT -= this.lenT[doc]!;
    this.sumM -= this.lenM[doc]!;
    this.sumD -= this.lenD[doc]!;
    this.lenT[doc] = 0;
    this.lenM[doc] = 0;
    this.lenD[doc] = 0;
    this.docs--;
  }

  /** Term ids of index keys (unknown keys are skipped). */
  termsOf(keys: readonly string[]): number[] {
    const out: number[] = [];
    for (const key of keys) {
      const id = this.termIds.get(key);
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  /** Number of postings of a term (an upper bound of the docs holding it: dead ones included). */
  postingCount(term: number): number {
    return this.df[term] ?? 0;
  }

  /** `bits |= docs holding the term` (dead slots included: callers AND with live docs). */
  orPostings(term: number, bits: Bits): void {
    if (term < this.mainTerms) {
      const end = this.mainStart[term + 1]!;
      const docs = this.mainDoc;
      for (let i = this.mainStart[term]!; i < end; i++) {
        const d = docs[i]!;
        bits[d >>> 5]! |= 1 << (d & 31);
      }
    }
    const docs = this.deltaDoc;
    for (let b = this.deltaHead[term] ?? NONE; b !== NONE; b = this.blockNext[b]!) {
      const end = this.blockStart[b]! + this.blockUsed[b]!;
      for (let i = this.blockStart[b]!; i < end; i++) {
        const d = docs[i]!;
        bits[d >>> 5]! |= 1 << (d & 31);
      }
    }
  }

  /**
   * Writes into `scores[doc]` the BM25 score of each doc of `result`, which must hold every word.
   * `words[i]` lists the term ids of word i; a doc scores, per word, its best term.
   */
  score(words: readonly (readonly number[])[], result: Bits, scores: Float64Array): void {
    const n = Math.max(1, this.docs);
    const avgT = Math.max(1, this.sumT / n);
    const avgM = Math.max(1, this.sumM / n);
    const avgD = Math.max(1, this.sumD / n);
    // BM25 per field: w·tf·(k1+1) / (tf + k1·(1 - b + b·len/avg)) = w·tf·(k1+1) / (tf + a + c·len).
    const aT = K1 * (1 - B_T);
    const cT = (K1 * B_T) / avgT;
    const aM = K1 * (1 - B_M);
    const cM = (K1 * B_M) / avgM;
    const aD = K1 * (1 - B_D);
    const cD = (K1 * B_D) / avgD;
    const lenT = this.lenT;
    const lenM = this.lenM;
    const lenD = this.lenD;
    const stamp = this.wordStamp;
    const best = this.wordBest;
    const touched = this.touched;

    for (let w = 0; w < words.length; w++) {
      const terms = words[w]!;
      // A word with one term adds its contribution directly; with several terms, a doc scores its best.
      const single = terms.length === 1;
      this.wordStampValue++;
      if (this.wordStampValue === 0x7fffffff) {
        stamp.fill(0);
        this.wordStampValue = 1;
      }
      const ws = this.wordStampValue;
      let touchedCount = 0;
      for (const term of terms) {
        const df = Math.min(n, this.df[term]!);
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        const kT = WEIGHT_T * (K1 + 1) * idf;
        const kM = WEIGHT_M * (K1 + 1) * idf;
        const kD = WEIGHT_D * (K1 + 1) * idf;
        // Main postings first, then the delta blocks.
        let docs = this.mainDoc;
        let tfs = this.mainTf;
        let i = term < this.mainTerms ? this.mainStart[term]! : 0;
        let end = term < this.mainTerms ? this.mainStart[term + 1]! : 0;
        let block = this.deltaHead[term] ?? NONE;
        for (;;) {
          if (i >= end) {
            if (block === NONE) break;
            docs = this.deltaDoc;
            tfs = this.deltaTf;
            i = this.blockStart[block]!;
            end = i + this.blockUsed[block]!;
            block = this.blockNext[block]!;
            continue;
          }
          const doc = docs[i]!;
          const tf = tfs[i++]!;
          if ((result[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
          const tfT = tf >>> 12;
          const tfM = (tf >>> 9) & 7;
          const tfD = tf & 511;
          let c = 0;
          if (tfT !== 0) c += (kT * tfT) / (tfT + aT + cT * lenT[doc]!);
          if (tfM !== 0) c += (kM * tfM) / (tfM + aM + cM * lenM[doc]!);
          if (tfD !== 0) c += (kD * tfD) / (tfD + aD + cD * lenD[doc]!);
          if (single) {
            // Every doc of `result` holds every word: the first word initialises their scores.
            if (w === 0) scores[doc] = c;
            else scores[doc]! += c;
          } else if (stamp[doc] !== ws) {
            stamp[doc] = ws;
            best[doc] = c;
            touched[touchedCount++] = doc;
          } else if (c > best[doc]!) best[doc] = c;
        }
      }
      if (!single) {
        if (w === 0) {
          for (let k = 0; k < touchedCount; k++) scores[touched[k]!] = best[touched[k]!]!;
        } else {
          for (let k = 0; k < touchedCount; k++) scores[touched[k]!]! += best[touched[k]!]!;
        }
      }
    }
  }

  /**
   * Drops the postings of the dead slots and merges the delta into a new main segment. Forgets the
   * terms without postings when they are more than half of the dictionary.
   */
  compact(dead: Bits): void {
    const termCount = this.termKeys.length;
    const counts = new Int32Array(termCount);
    const mainDoc = this.mainDoc;
    for (let t = 0; t < this.mainTerms; t++) {
      let c = 0;
      const end = this.mainStart[t + 1]!;
      for (let i = this.mainStart[t]!; i < end; i++) if (!hasBit(dead, mainDoc[i]!)) c++;
      counts[t] = c;
    }
    for (let t = 0; t < termCount; t++) {
      for (let b = this.deltaHead[t] ?? NONE; b !== NONE; b = this.blockNext[b]!) {
        const end = this.blockStart[b]! + this.blockUsed[b]!;
        for (let i = this.blockStart[b]!; i < end; i++) if (!hasBit(dead, this.deltaDoc[i]!)) counts[t]!++;
      }
    }

    // New term ids: unchanged, unless the dictionary is mostly made of terms nobody holds.
    let emptyTerms = 0;
    for (let t = 0; t < termCount; t++) if (counts[t] === 0) emptyTerms++;
    const dropEmpty = emptyTerms > 10_000 && emptyTerms * 2 > termCount;
    const newId = new Int32Array(termCount);
    let newTermCount = 0;
    for (let t = 0; t < termCount; t++) newId[t] = dropEmpty && counts[t] === 0 ? NONE : newTermCount++;

    const start = new Int32Array(newTermCount + 1);
    for (let t = 0; t < termCount; t++) {
      const id = newId[t]!;
      if (id !== NONE) start[id + 1] = counts[t]!;
    }
    for (let t = 0; t < newTermCount; t++) start[t + 1]! += start[t]!;
    const total = start[newTermCount]!;
    const doc = new Int32Array(total);
    const tf = new Uint16Array(total);
    let w = 0;
    for (let t = 0; t < termCount; t++) {
      if (newId[t] === NONE) continue;
      if (t < this.mainTerms) {
        const end = this.mainStart[t + 1]!;
        for (let i = this.mainStart[t]!; i < end; i++) {
          const d = mainDoc[i]!;
          if (hasBit(dead, d)) continue;
          doc[w] = d;
          tf[w++] = this.mainTf[i]!;
        }
      }
      for (let b = this.deltaHead[t] ?? NONE; b !== NONE; b = this.blockNext[b]!) {
        const end = this.blockStart[b]! + this.blockUsed[b]!;
        for (let i = this.blockStart[b]!; i < end; i++) {
          const d = this.deltaDoc[i]!;
          if (hasBit(dead, d)) continue;
          doc[w] = d;
          tf[w++] = this.deltaTf[i]!;
        }
      }
    }

    if (dropEmpty) {
      const keys: string[] = new Array<string>(newTermCount);
      const ids = new Map<string, number>();
      for (let t = 0; t < termCount; t++) {
        const id = newId[t]!;
        if (id === NONE) continue;
        const key = this.termKeys[t]!;
        keys[id] = key;
        ids.set(key, id);
      }
      this.termKeys = keys;
      this.termIds = ids;
      this.wordCache.clear();
      this.oldWordCache.clear();
      this.pairCount = 0;
      const size = nextCapacity(1024, newTermCount);
      this.df = new Int32Array(size);
      this.termStamp = new Int32Array(size);
      this.termPos = new Int32Array(size);
      this.stampValue = 0;
    }
    for (let t = 0; t < termCount; t++) {
      const id = newId[t]!;
      if (id !== NONE) this.df[id] = counts[t]!;
    }

    this.mainTerms = newTermCount;
    this.mainStart = start;
    this.mainDoc = doc;
    this.mainTf = tf;
    // Reset the delta, giving back most of its memory.
    this.deltaHead = new Int32Array(this.df.length).fill(NONE);
    this.deltaCount = 0;
    this.deltaTop = 0;
    this.blockCount = 0;
    if (this.deltaDoc.length > 65_536) {
      this.deltaDoc = new Int32Array(65_536);
      this.deltaTf = new Uint16Array(65_536);
    }
    if (this.blockStart.length > 16_384) {
      this.blockStart = new Int32Array(16_384);
      this.blockUsed = new Int32Array(16_384);
      this.blockSize = new Int32Array(16_384);
      this.blockNext = new Int32Array(16_384);
    }
  }

  // --- indexing helpers ------------------------------------------------------------------------------

  /** Indexes the words of one field of the current doc; returns the number of indexed words. */
  private indexField(text: string, field: 0 | 1 | 2): number {
    let words = 0;
    forEachWord(text, (word) => {
      const code = this.resolveWord(word);
      if (code === SKIP) return;
      words++;
      if (code >= 0) this.bump(code, field);
      else {
        const i = -code - 2;
        this.bump(this.pairs[2 * i]!, field);
        this.bump(this.pairs[2 * i + 1]!, field);
      }
    });
    return words;
  }

  private bump(term: number, field: 0 | 1 | 2): void {
    let pos: number;
    if (this.termStamp[term] !== this.stampValue) {
      this.termStamp[term] = this.stampValue;
      pos = this.localCount++;
      if (pos >= this.localTerms.length) {
        const size = this.localTerms.length * 2;
        this.localTerms = growInt32(this.localTerms, size, 0);
        this.localT = growUint16(this.localT, size);
        this.localM = growUint16(this.localM, size);
        this.localD = growUint16(this.localD, size);
      }
      this.termPos[term] = pos;
      this.localTerms[pos] = term;
      this.localT[pos] = 0;
      this.localM[pos] = 0;
      this.localD[pos] = 0;
    } else pos = this.termPos[term]!;
    if (field === 0) this.localT[pos] = Math.min(65535, this.localT[pos]! + 1);
    else if (field === 1) this.localM[pos] = Math.min(65535, this.localM[pos]! + 1);
    else this.localD[pos] = Math.min(65535, this.localD[pos]! + 1);
  }

  private resolveWord(word: string): number {
    const cached = this.wordCache.get(word);
    if (cached !== undefined) return cached;
    if (this.wordCache.size >= WORD_CACHE_LIMIT) {
      this.oldWordCache = this.wordCache;
      this.wordCache = new Map();
      if (this.pairCount > 2 * WORD_CACHE_LIMIT) {
        // Pair slots are not reused: start afresh once in a while.
        this.oldWordCache = new Map();
        this.pairCount = 0;
      }
    }
    const old = this.oldWordCache.get(word);
    if (old !== undefined && old > -2) {
      this.wordCache.set(word, old);
      return old;
    }
    const keys = wordKeys(word);
    let code: number;
    if (!keys) code = SKIP;
    else if (keys.length === 1) code = this.internTerm(keys[0]!);
    else {
      const i = this.pairCount++;
      if (2 * i + 1 >= this.pairs.length) this.pairs = growInt32(this.pairs, this.pairs.length * 2, 0);
      this.pairs[2 * i] = this.internTerm(keys[0]!);
      this.pairs[2 * i + 1] = this.internTerm(keys[1]!);
      code = -2 - i;
    }
    this.wordCache.set(word, code);
    return code;
  }

  private internTerm(key: string): number {
    let id = this.termIds.get(key);
    if (id !== undefined) return id;
    id = this.termKeys.length;
    this.termKeys.push(key);
    this.termIds.set(key, id);
    if (id >= this.df.length) {
      const size = this.df.length * 2;
      this.df = growInt32(this.df, size, 0);
      this.termStamp = growInt32(this.termStamp, size, 0);
      this.termPos = growInt32(this.termPos, size, 0);
      this.deltaHead = growInt32(this.deltaHead, size, NONE);
    }
    return id;
  }

  private pushDelta(term: number, doc: number, tf: number): void {
    let b = this.deltaHead[term]!;
    if (b === NONE || this.blockUsed[b] === this.blockSize[b]) {
      const size = b === NONE ? 2 : Math.min(256, this.blockSize[b]! * 2);
      const nb = this.blockCount++;
      if (nb >= this.blockStart.length) {
        const n = this.blockStart.length * 2;
        this.blockStart = growInt32(this.blockStart, n, 0);
        this.blockUsed = growInt32(this.blockUsed, n, 0);
        this.blockSize = growInt32(this.blockSize, n, 0);
        this.blockNext = growInt32(this.blockNext, n, 0);
      }
      if (this.deltaTop + size > this.deltaDoc.length) {
        const n = nextCapacity(this.deltaDoc.length, this.deltaTop + size);
        this.deltaDoc = growInt32(this.deltaDoc, n, 0);
        this.deltaTf = growUint16(this.deltaTf, n);
      }
      this.blockStart[nb] = this.deltaTop;
      this.blockUsed[nb] = 0;
      this.blockSize[nb] = size;
      this.blockNext[nb] = b;
      this.deltaTop += size;
      this.deltaHead[term] = nb;
      b = nb;
    }
    const i = this.blockStart[b]! + this.blockUsed[b]!++;
    this.deltaDoc[i] = doc;
    this.deltaTf[i] = tf;
    this.deltaCount++;
  }
}
