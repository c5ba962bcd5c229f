/**
 * Streaming reader of annonceur XML feeds: bytes in, batches of `<mission>` elements out.
 *
 * The feed is decoded chunk by chunk (UTF-8 by default, or the encoding named by the `<?xml … ?>`
 * declaration), read by the feed's XML scanner (xml-scanner.ts), and only the `<mission>` direct
 * children of the `<source>` root are turned into {@link XmlElement} trees; everything else is
 * checked and skipped without being kept. Memory
 * stays bounded whatever the feed size: one input chunk, the missions of the current batch, and
 * at most `maxMissionBytes` of one mission being read.
 *
 * Problems with the document itself are thrown as a {@link FeedFormatError} with a French message
 * for the annonceur: not XML at all, wrong root, malformed XML (with line and column), no mission.
 */
import { TextDecoder } from "node:util";
import { XmlScanner, XmlSyntaxError, type XmlHandler } from "./xml-scanner.ts";
import type { XmlElement } from "./types.ts";

export type FeedFormatErrorCode = "NOT_XML" | "MALFORMED" | "WRONG_ROOT" | "EMPTY";

/** The feed as a whole cannot be read. `line`/`column` (1-based) say where, for `MALFORMED`. */
export class FeedFormatError extends Error {
  constructor(
    readonly code: FeedFormatErrorCode,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "FeedFormatError";
  }
}

export interface ReadFeedOptions {
  /**
   * Text one mission may hold, in characters (UTF-16 code units), plus 32 per element, before its
   * content is dropped and it is yielded with `oversized: true`. Default 1 MiB.
   */
  maxMissionBytes?: number;
  /** Element nesting allowed below `<mission>` (its children are at depth 1). Default 16. */
  maxDepth?: number;
  /** Missions per yielded batch. Default 500. */
  batchSize?: number;
  /**
   * A batch is also yielded as soon as its missions hold this many characters (default 8 Mi), so
   * that a feed of very large missions keeps batches (and memory) small.
   */
  maxBatchChars?: number;
}

/**
 * The children of every element that has none (most of them): one shared, frozen array rather
 * than millions of empty ones.
 */
const NO_CHILDREN = Object.freeze([]) as unknown as XmlElement[];
/** Budget charged for each element of a mission, so that many empty elements are bounded too. */
const ELEMENT_COST = 32;
/**
 * Input is decoded and scanned in pieces of at most this many bytes (or characters, for text
 * input). Measured: decoding 256 KiB chunks is ~10× slower than 64 KiB ones, as each decoded
 * string (UTF-16, twice the bytes) then lands in V8's large-object space (fresh memory, page
 * faults) instead of the young generation. Small pieces also let batches be yielded while one huge
 * input chunk is read.
 */
const PIECE = 1 << 15;
/** Bytes looked at, at most, to find the encoding in the `<?xml … ?>` declaration. */
const SNIFF_LIMIT = 1024;
/** Characters quoted when the feed is not XML. */
const EXCERPT_LENGTH = 40;

/**
 * Reads a feed as a stream and yields its `<mission>` elements in batches (memory bounded whatever
 * the feed size). The next input chunk is pulled only when the consumer asks for the next batch.
 *
 * Throws {@link FeedFormatError}: `NOT_XML` and `WRONG_ROOT` before any mission; `MALFORMED`
 * where the problem is met, so missions before it may already have been yielded; `EMPTY` at the
 * end of a well-formed feed without any mission.
 */
export async function* readFeedMissions(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadFeedOptions = {},
): AsyncGenerator<XmlElement[]> {
  const batchSize = positiveInteger(options.batchSize, 500, "batchSize");
  const maxBatchChars = positiveInteger(options.maxBatchChars, 8 * 1_048_576, "maxBatchChars");
  const full = () => reader.pending.length >= batchSize || (reader.pending.length > 0 && reader.pendingChars >= maxBatchChars);
  const reader = new MissionReader(
    positiveInteger(options.maxMissionBytes, 1_048_576, "maxMissionBytes"),
    positiveInteger(options.maxDepth, 16, "maxDepth"),
  );
  const decoder = new FeedDecoder();

  for await (const chunk of input) {
    for (let at = 0; at < chunk.length; at += PIECE) {
      const piece = chunk.length <= PIECE ? chunk : chunk instanceof Uint8Array ? chunk.subarray(at, at + PIECE) : chunk.slice(at, at + PIECE);
      reader.write(decoder.decode(piece));
      while (full()) yield reader.take(batchSize);
    }
  }
  reader.write(decoder.end());
  reader.close();
  while (reader.pending.length > 0) yield reader.take(batchSize);
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (got ${value})`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Turns input chunks into text. Byte chunks are decoded with a streaming TextDecoder (a character
 * split across chunks is fine) whose encoding is chosen from the first bytes: a BOM, else the
 * `encoding` of the `<?xml … ?>` declaration, else UTF-8. String chunks are used as they are.
 */
class FeedDecoder {
  private decoder: TextDecoder | undefined;
  /** Bytes received before the encoding is known. */
  private head: Buffer | undefined;

  decode(chunk: Buffer | Uint8Array | string): string {
    if (typeof chunk === "string") return this.end() + chunk;
    if (this.decoder) return this.decoder.decode(chunk, { stream: true });
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const head = this.head ? Buffer.concat([this.head, bytes]) : bytes;
    const encoding = sniffEncoding(head, false);
    if (encoding === undefined) {
      // Kept across calls: copy, the caller may reuse its buffer.
      this.head = this.head ? head : Buffer.from(head);
      return "";
    }
    this.head = undefined;
    this.decoder = new TextDecoder(encoding);
    return this.decoder.decode(head, { stream: true });
  }

  /** Flushes what is buffered (end of input, or a string chunk after bytes). */
  end(): string {
    if (this.decoder) {
      const rest = this.decoder.decode();
      this.decoder = undefined;
      return rest;
    }
    if (!this.head) return "";
    const head = this.head;
    this.head = undefined;
    return new TextDecoder(sniffEncoding(head, true)).decode(head);
  }
}

/** The encoding to decode the feed with, or undefined when more bytes are needed to tell. */
function sniffEncoding(head: Buffer, final: boolean): string | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return "utf-8";
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  if (final || head.length >= SNIFF_LIMIT) final = true;
  else if (head.length < 3) return undefined; // may still be the start of a BOM

  let at = 0;
  while (at < head.length && (head[at] === 0x20 || head[at] === 0x0a || head[at] === 0x0d || head[at] === 0x09)) at++;
  const start = at;
  for (const code of [0x3c, 0x3f, 0x78, 0x6d, 0x6c]) {
    // "<?xml"
    if (at === head.length) return final ? "utf-8" : undefined;
    if (head[at++] !== code) return "utf-8";
  }
  const end = head.indexOf("?>", start);
  if (end === -1) return final ? "utf-8" : undefined;
  const declared = /\sencoding\s*=\s*["']([^"']*)["']/.exec(head.toString("latin1", start, end))?.[1];
  return declared === undefined ? "utf-8" : encodingFromLabel(declared);
}

/**
 * TextDecoder encoding for a declared label: ISO-8859-1/latin1 read as windows-1252 (WHATWG), any
 * label the platform knows, else UTF-8. A declaration readable byte by byte cannot be UTF-16/32.
 */
function encodingFromLabel(label: string): string {
  const name = label.trim().toLowerCase();
  if (/^(utf-?16|utf-?32|ucs-?2|ucs-?4|unicode)/.test(name)) return "utf-8";
  try {
    return new TextDecoder(name).encoding;
  } catch {
    return "utf-8";
  }
}

// ---------------------------------------------------------------------------------------------
// Missions

/** Decoded text → scanner events → completed missions in {@link pending}. */
class MissionReader implements XmlHandler {
  /** Missions completed and not handed out yet, in feed order. */
  pending: XmlElement[] = [];
  /** Size of the pending missions, counted like `maxMissionBytes`. */
  pendingChars = 0;
  private missionCount = 0;

  private readonly scanner = new XmlScanner(this);
  /** Text received before the first significant character (and right after it, for NOT_XML). */
  private head = "";
  private started = false;
  /** First characters of the document, to recognise an HTML page. */
  private documentStart = "";

  /** The mission being read, its open elements (the mission first), and the innermost one. */
  private mission: XmlElement | null = null;
  private readonly stack: XmlElement[] = [];
  private top: XmlElement | null = null;
  private budget = 0;
  private oversized = false;

  constructor(
    private readonly maxMissionBytes: number,
    private readonly maxDepth: number,
  ) {}

  /** Removes and returns the first `size` pending missions. */
  take(size: number): XmlElement[] {
    this.pendingChars = 0;
    if (this.pending.length <= size) {
      const batch = this.pending;
      this.pending = [];
      return batch;
    }
    return this.pending.splice(0, size);
  }

  write(text: string): void {
    if (text.length === 0) return;
    if (!this.started) {
      this.head += text;
      const start = this.head.search(/[^ \t\r\n\ufeff]/);
      if (start === -1) return;
      if (this.head[start] !== "<") {
        if (this.head.length - start > EXCERPT_LENGTH) throw notXml(this.head.slice(start));
        return;
      }
      // A byte order mark is not part of the document (nor of its first line's columns).
      text = this.head.slice(0, start).replace(/\ufeff/g, "") + this.head.slice(start);
      this.head = "";
      this.started = true;
    }
    if (this.documentStart.length < 64) this.documentStart += text.slice(0, 64 - this.documentStart.length);
    this.scan(() => this.scanner.write(text));
  }

  close(): void {
    if (!this.started) {
      const start = this.head.search(/[^ \t\r\n\ufeff]/);
      if (start === -1) throw new FeedFormatError("NOT_XML", "Le flux est vide");
      throw notXml(this.head.slice(start));
    }
    this.scan(() => this.scanner.close());
    if (this.missionCount === 0) {
      throw new FeedFormatError("EMPTY", "Le flux ne contient aucune <mission> sous <source>");
    }
  }

  /** Runs the scanner, turning its syntax errors into the annonceur's MALFORMED (or WRONG_ROOT). */
  private scan(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (!(error instanceof XmlSyntaxError)) throw error;
      // An HTML page fails as XML before its root is read (<!doctype html>, unquoted attributes).
      if (!this.scanner.hasRoot && /^\s*<(!doctype\s+html|html[\s>])/i.test(this.documentStart)) throw wrongRoot("html");
      const where = error.near ? ` (près de « ${error.near} »)` : "";
      throw new FeedFormatError(
        "MALFORMED",
        `XML mal formé ligne ${error.line}, colonne ${error.column} : ${error.reason}${where}`,
        error.line,
        error.column,
      );
    }
  }

  openTag(name: string, line: number, depth: number): void {
    if (depth === 1) {
      if (name !== "source") throw wrongRoot(name);
      return;
    }
    if (this.mission === null) {
      if (depth === 2 && name === "mission") this.startMission(line);
      return;
    }
    if (this.oversized) return;
    this.budget += name.length + ELEMENT_COST;
    if (depth - 2 > this.maxDepth || this.budget > this.maxMissionBytes) {
      this.dropMissionContent();
      return;
    }
    const element: XmlElement = { name, text: "", children: NO_CHILDREN, line };
    const parent = this.top as XmlElement;
    if (parent.children === NO_CHILDREN) parent.children = [element];
    else parent.children.push(element);
    this.stack.push(element);
    this.top = element;
  }

  closeTag(_name: string, depth: number): void {
    const mission = this.mission;
    if (mission === null || depth === 1 || (this.oversized && depth > 2)) return;
    const element = this.stack.pop() as XmlElement;
    if (element.text.length !== 0) element.text = element.text.trim();
    this.top = this.stack[this.stack.length - 1] ?? null;
    if (depth === 2) {
      this.pending.push(mission);
      this.pendingChars += this.budget;
      this.missionCount++;
      this.mission = null;
      this.oversized = false;
    }
  }

  wantsText(blank: boolean): boolean {
    const top = this.top;
    // Whitespace before any text (the indentation between child elements) would be trimmed anyway.
    return top !== null && !this.oversized && !(blank && top.text.length === 0);
  }

  text(value: string): void {
    this.budget += value.length;
    if (this.budget > this.maxMissionBytes) {
      this.dropMissionContent();
      return;
    }
    (this.top as XmlElement).text += value;
  }

  private startMission(line: number): void {
    const mission: XmlElement = { name: "mission", text: "", children: NO_CHILDREN, line };
    this.mission = mission;
    this.stack.push(mission);
    this.top = mission;
    this.budget = ELEMENT_COST;
    this.oversized = false;
  }

  /** Over a limit: keep only the mission's name and line, skip the rest up to </mission>. */
  private dropMissionContent(): void {
    const mission = this.mission as XmlElement;
    mission.oversized = true;
    mission.children = NO_CHILDREN;
    mission.text = "";
    this.stack.length = 1;
    this.top = mission;
    this.oversized = true;
  }
}

function notXml(start: string): FeedFormatError {
  const excerpt = start
    .slice(0, EXCERPT_LENGTH)
    .replace(/\s+/g, " ")
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "\ufffd")
    .trimEnd();
  const more = start.length > EXCERPT_LENGTH ? " …" : "";
  return new FeedFormatError("NOT_XML", `Le flux n'est pas un document XML : il commence par « ${excerpt}${more} »`);
}

function wrongRoot(name: string): FeedFormatError {
  const hint = name.toLowerCase() === "html" ? " (c'est une page HTML : vérifiez l'URL du flux)" : "";
  return new FeedFormatError(
    "WRONG_ROOT",
    `La racine du document est <${name}> : un flux doit avoir la racine <source> contenant des <mission>${hint}`,
  );
}
