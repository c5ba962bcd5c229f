/**
 * French text analysis for the search engine: tokenisation, case and accent folding, stop words and
 * Snowball French stemming (text-stem.ts).
 *
 * A word becomes one or two index keys ("stems"):
 * - a word without accents: `stem(word)`;
 * - a word with accents: `fold(stem(word))` (the stemmer uses accents to find suffixes: "activités" →
 *   "activ") and `stem(fold(word))` (what the same word typed without accents gives: "activites" →
 *   "activit"), when they differ.
 * The index stores every key of a word; a query word matches a document holding any of its keys. So
 * "bénévoles" finds "bénévole", "activite" finds "activité" and "Évry" finds "evry".
 *
 * Pure functions, no I/O. `analyzeQuery` is what the engine runs on `keywords`.
 */
import { frenchStem } from "./text-stem.ts";

/** Words longer than this are not indexed (URLs, hashes, glued words). */
export const MAX_WORD_LENGTH = 40;

/**
 * French stop words, folded (no accents). The Snowball French list plus a few determiners; "été"
 * (summer) is kept searchable on purpose.
 */
const STOP_WORDS_LIST =
  "au aux avec ce ces dans de des du elle en et eux il ils je la le les leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l a m n s t y " +
  "etee etees etes etant etante etants etantes suis es est sommes sont serai seras sera serons serez seront serais serait serions seriez seraient " +
  "etais etait etions etiez etaient fus fut fumes futes furent sois soit soyons soyez soient fusse fusses fussions fussiez fussent " +
  "ayant ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient " +
  "avais avait avions aviez avaient eut eumes eutes eurent aie aies ait ayons ayez aient eusse eusses eussions eussiez eussent " +
  "cet cette ceci cela ca dont ni si";
export const STOP_WORDS: ReadonlySet<string> = new Set(STOP_WORDS_LIST.split(" "));

// --- character classes ------------------------------------------------------------------------------

const LOOKUP_SIZE = 0x3000;
/** 1 when the code unit (< LOOKUP_SIZE) is part of a word: letter, digit or combining mark. */
const WORD_CHAR = new Uint8Array(LOOKUP_SIZE);
const WORD_CHAR_RE = /[\p{L}\p{N}\p{M}]/u;
for (let c = 0; c < LOOKUP_SIZE; c++) WORD_CHAR[c] = WORD_CHAR_RE.test(String.fromCharCode(c)) ? 1 : 0;

/** Rare path: code units above the lookup table (other scripts, surrogate pairs). */
function isWordCodePoint(text: string, i: number): boolean {
  const cp = text.codePointAt(i) ?? 0;
  return WORD_CHAR_RE.test(String.fromCodePoint(cp));
}

/**
 * Splits a text into lower-case words: maximal runs of letters, digits and combining marks. Every
 * other character (spaces, punctuation, apostrophes, hyphens) separates words, so "l'école" gives
 * "l", "école" and "sapeurs-pompiers" gives "sapeurs", "pompiers". Calls `fn` for each word, in order.
 */
export function forEachWord(text: string, fn: (word: string) => void): void {
  const lower = text.toLowerCase();
  const n = lower.length;
  let start = -1;
  for (let i = 0; i < n; i++) {
    const code = lower.charCodeAt(i);
    let isWord: boolean;
    let width = 1;
    if (code < 128) isWord = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    else if (code < LOOKUP_SIZE) isWord = WORD_CHAR[code] === 1;
    else {
      isWord = isWordCodePoint(lower, i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < n) width = 2; // a surrogate pair is one character
    }
    if (isWord) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      fn(lower.slice(start, i));
      start = -1;
    }
    i += width - 1;
  }
  if (start >= 0) fn(lower.slice(start));
}

/** The lower-case words of a text (see {@link forEachWord}). */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  forEachWord(text, (w) => words.push(w));
  return words;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Removes accents and expands ligatures of a lower-case word: "œuvrés" → "oeuvres". */
export function fold(word: string): string {
  if (!NON_ASCII.test(word)) return word;
  let out = word.normalize("NFD").replace(/[\u0300-\u036f]+/g, "");
  if (/[œæß]/.test(out)) out = out.replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/ß/g, "ss");
  return out.normalize("NFC");
}

/** True for a (lower-case) French stop word, with or without accents. */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(fold(word));
}

/** Snowball French stem of a lower-case word (accents kept). */
export function stem(word: string): string {
  // Digits and mixed tokens ("2024", "h24") are kept as they are.
  if (/[0-9]/.test(word)) return word;
  return frenchStem(word);
}

/**
 * The index keys of a lower-case word (see the module comment), or null when the word is not
 * indexed: a stop word, a single letter, or longer than {@link MAX_WORD_LENGTH}.
 */
export function wordKeys(word: string): string[] | null {
  if (word.length > MAX_WORD_LENGTH) return null;
  const folded = fold(word);
  if (STOP_WORDS.has(folded)) return null;
  if (folded.length < 2 && !/[0-9]/.test(folded)) return null;
  if (folded === word) return [stem(word)];
  const a = fold(stem(word));
  const b = stem(folded);
  return a === b ? [a] : [a, b];
}

/**
 * The words of a search query, each as its list of keys (a document matches the word when it holds
 * any of them). Stop words and unindexable words are dropped, as are repeated words. An empty
 * result means the query has no searchable word (it then matches everything).
 */
export function analyzeQuery(text: string): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  forEachWord(text, (word) => {
    const keys = wordKeys(word);
    if (!keys) return;
    const signature = keys.join("\u0000");
    if (seen.has(signature)) return;
    seen.add(signature);
    out.push(keys);
  });
  return out;
}
