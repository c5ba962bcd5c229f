/**
 * Streaming reader of annonceur XML feeds: bytes in, batches of `<mission>` elements out.
 *
 * The feed is decoded chunk by chunk (UTF-8 by default, or the encoding named by the `<?xml … ?>`
 * declaration), parsed by saxes, and only the `<mission>` direct children of the `<source>` root
 * are turned into {@link XmlElement} trees; everything else is skipped without being kept. Memory
 * stays bounded whatever the feed size: one input chunk, the missions of the current batch, and
 * at most `maxMissionBytes` of one mission being read.
 *
 * Problems with the document itself are thrown as a {@link FeedFormatError} with a French message
 * for the annonceur: not XML at all, wrong root, malformed XML (with line and column), no mission.
 */
import { TextDecoder } from "node:util";
import { SaxesParser } from "saxes";
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

/** Budget charged for each element of a mission, so that many empty elements are bounded too. */
const ELEMENT_COST = 32;
/** Longest text handed to saxes at once: batches are yielded while a huge input chunk is read. */
const WRITE_SLICE = 1 << 20;
/** Bytes looked at, at most, to find the encoding in the `<?xml … ?>` declaration. */
const SNIFF_LIMIT = 1024;
/** Longer text after a `&` is a `&` without `;`, not an entity reference. */
const MAX_ENTITY_LENGTH = 256;
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
    const text = decoder.decode(chunk);
    if (text.length <= WRITE_SLICE) {
      reader.write(text);
      while (full()) yield reader.take(batchSize);
      continue;
    }
    for (let at = 0; at < text.length; at += WRITE_SLICE) {
      reader.write(text.slice(at, at + WRITE_SLICE));
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
// Parsing

/** Characters outside the XML 1.0 Char production that saxes reports but lets through. */
const DISALLOWED_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Decoded text → saxes events → completed missions in {@link pending}. */
class MissionReader {
  /** Missions completed and not handed out yet, in feed order. */
  pending: XmlElement[] = [];
  /** Size of the pending missions, counted like `maxMissionBytes`. */
  pendingChars = 0;
  private missionCount = 0;

  private readonly parser = new SaxesParser();
  /** Text received before the first significant character (and right after it, for NOT_XML). */
  private head = "";
  private started = false;
  /** First characters of the document, to recognise an HTML page. */
  private documentStart = "";
  /** Lines (and columns on the first line) of leading whitespace not given to saxes. */
  private lineOffset = 0;
  private columnOffset = 0;

  /** Depth of the innermost open element: 1 is the root. */
  private depth = 0;
  private rootSeen = false;
  private rootClosed = false;
  /** Opening line of each open element, by depth (for error messages). */
  private readonly openLines: number[] = [];
  private lastOpened = "";
  private lastClosedName = "";
  private lastClosedLine = 0;

  /** The mission being read, its open elements (the mission first), and the innermost one. */
  private mission: XmlElement | null = null;
  private readonly stack: XmlElement[] = [];
  private top: XmlElement | null = null;
  private budget = 0;
  private oversized = false;
  /** saxes met a disallowed character since the last text event. */
  private dirtyText = false;

  constructor(
    private readonly maxMissionBytes: number,
    private readonly maxDepth: number,
  ) {
    const parser = this.parser;
    parser.on("opentagstart", (tag) => this.openTag(tag.name));
    parser.on("closetag", (tag) => this.closeTag(tag.name));
    parser.on("text", (text) => this.addText(text));
    parser.on("cdata", (text) => this.addText(text));
    parser.on("error", (error) => this.fail(error.message));
  }

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
      this.skipLeadingWhitespace(this.head.slice(0, start));
      text = this.head.slice(start);
      this.head = "";
      this.started = true;
    }
    if (this.documentStart.length < 64) this.documentStart += text.slice(0, 64 - this.documentStart.length);
    this.parser.write(text);
    this.boundSaxesBuffers();
  }

  /**
   * saxes keeps a whole text node, CDATA section or entity reference in memory until its end. A
   * huge one would defeat the limits, so after each write its buffers are checked (its internal
   * fields `text` and `entity`, read defensively: skipped if saxes changes):
   * - text over `maxMissionBytes`: the mission being read (if any) is oversized anyway, and text
   *   outside missions is ignored, so the buffer is emptied;
   * - an entity name cannot be long: a `&` without `;` would swallow the rest of the feed.
   */
  private boundSaxesBuffers(): void {
    const internals = this.parser as unknown as { text?: unknown; entity?: unknown };
    if (typeof internals.text === "string" && internals.text.length > this.maxMissionBytes) {
      if (this.mission !== null && !this.oversized) this.dropMissionContent();
      internals.text = "";
    }
    if (typeof internals.entity === "string" && internals.entity.length > MAX_ENTITY_LENGTH) {
      this.fail(`unterminated entity: ${internals.entity.slice(0, 20)}`);
    }
  }

  close(): void {
    if (!this.started) {
      const start = this.head.search(/[^ \t\r\n\ufeff]/);
      if (start === -1) throw new FeedFormatError("NOT_XML", "Le flux est vide");
      throw notXml(this.head.slice(start));
    }
    this.parser.close();
    if (this.missionCount === 0) {
      throw new FeedFormatError("EMPTY", "Le flux ne contient aucune <mission> sous <source>");
    }
  }

  /**
   * Whitespace (and BOM) before the first `<` is not given to saxes, which would refuse an XML
   * declaration after it; positions are shifted back so that they match the feed.
   */
  private skipLeadingWhitespace(skipped: string): void {
    const newlines = skipped.match(/\r\n?|\n/g);
    this.lineOffset = newlines?.length ?? 0;
    const lastLine = skipped.slice(Math.max(skipped.lastIndexOf("\n"), skipped.lastIndexOf("\r")) + 1);
    this.columnOffset = lastLine.replace(/\ufeff/g, "").length;
  }

  /** 1-based line of the `<` of the tag whose name saxes has just read. */
  private tagLine(): number {
    const { line, column } = this.parser;
    // The character that ended the name has been read: when it was a newline, saxes is one line ahead.
    return (column === 0 ? line - 1 : line) + this.lineOffset;
  }

  private openTag(name: string): void {
    const depth = ++this.depth;
    const line = this.tagLine();
    this.openLines[depth] = line;
    this.lastOpened = name;
    if (depth === 1) {
      // A second root after </source> is reported by saxes right after this event.
      if (this.rootClosed) return;
      if (name !== "source") throw wrongRoot(name);
      this.rootSeen = true;
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
    const element: XmlElement = { name, text: "", children: [], line };
    (this.top as XmlElement).children.push(element);
    this.stack.push(element);
    this.top = element;
  }

  private closeTag(name: string): void {
    const depth = this.depth--;
    this.lastClosedName = name;
    this.lastClosedLine = this.openLines[depth] ?? 0;
    if (depth === 1) {
      this.rootClosed = true;
      return;
    }
    const mission = this.mission;
    if (mission === null || (this.oversized && depth > 2)) return;
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

  private addText(text: string): void {
    if (this.dirtyText) {
      text = text.replace(DISALLOWED_CHARACTERS, "");
      this.dirtyText = false;
    }
    const top = this.top;
    if (top === null || this.oversized) return;
    // Whitespace before any text (the indentation between child elements) would be trimmed anyway.
    if (top.text.length === 0 && text.charCodeAt(0) <= 0x20 && text.trim().length === 0) return;
    this.budget += text.length;
    if (this.budget > this.maxMissionBytes) {
      this.dropMissionContent();
      return;
    }
    top.text += text;
  }

  private startMission(line: number): void {
    const mission: XmlElement = { name: "mission", text: "", children: [], line };
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
    mission.children = [];
    mission.text = "";
    this.stack.length = 1;
    this.top = mission;
    this.oversized = true;
  }

  /** saxes reported a problem: throws the FeedFormatError (or tolerates a control character). */
  private fail(saxesMessage: string): void {
    const message = saxesMessage.replace(/^\d+:\d+: /, "");
    // Control characters (often pasted from office software) are dropped, not fatal: the legacy
    // import accepted them and PostgreSQL refuses NUL in text.
    if (message === "disallowed character.") {
      this.dirtyText = true;
      return;
    }
    if (!this.rootSeen && /^<(!doctype\s+html|html[\s>])/i.test(this.documentStart)) throw wrongRoot("html");
    const line = this.parser.line + this.lineOffset;
    const column = this.parser.column + (this.parser.line === 1 ? this.columnOffset : 0);
    // At the end of the document, the text just read says nothing about the problem.
    const atEnd = /^(unclosed tag|unexpected end|document must contain|unterminated entity)/.test(message);
    const near = atEnd ? "" : recentText(this.parser);
    const where = near ? ` (près de « ${near} »)` : "";
    throw new FeedFormatError(
      "MALFORMED",
      `XML mal formé ligne ${line}, colonne ${column} : ${this.explain(message)}${where}`,
      line,
      column,
    );
  }

  /**
   * At the end of the document, saxes reports the open tags before an unfinished entity reference:
   * the `&` without `;` is the real cause, as [message, start of the text after the `&`].
   */
  private pendingEntity(message: string): [string, string] | null {
    if (!/^(unclosed tag|unexpected end)/.test(message)) return null;
    const { entity } = this.parser as unknown as { entity?: unknown };
    return typeof entity === "string" && entity.length > 0 ? [message, entity.slice(0, 20)] : null;
  }

  /** saxes' message, in French and in the annonceur's terms. */
  private explain(message: string): string {
    const entity = /^unterminated entity: ([^]*)$/.exec(message) ?? this.pendingEntity(message);
    if (entity) {
      const start = (entity[1] ?? "").replace(/\s+/g, " ").trim();
      return `« &${start} … » : un « & » doit s'écrire &amp; (ou le texte être mis dans une section <![CDATA[ … ]]>)`;
    }
    const unclosed = /^unclosed tag: (.*)$/.exec(message);
    if (unclosed) {
      const line = this.openLines[this.depth] ?? "?";
      return `la balise <${unclosed[1]}> ouverte ligne ${line} n'est jamais fermée (fin du document atteinte)`;
    }
    const unmatched = /^unmatched closing tag: (.*)\.$/.exec(message);
    if (unmatched) return `la balise fermante </${unmatched[1]}> ne correspond à aucune balise ouverte`;
    if (message === "unexpected close tag.") {
      const name = this.lastClosedName;
      const line = this.lastClosedLine;
      return `balise fermante inattendue : la balise <${name}> ouverte ligne ${line} doit être fermée (</${name}>) avant`;
    }
    if (message === "documents may contain only one root.") {
      return `l'élément <${this.lastOpened}> suit la fin de l'élément racine : un document n'a qu'une racine`;
    }
    if (message === "text data outside of root node.") {
      return this.rootClosed
        ? "du contenu suit la fin de l'élément racine </source>"
        : "du texte précède l'élément racine";
    }
    if (message === "undefined entity.") {
      return (
        "entité inconnue : seules &amp; &lt; &gt; &quot; &apos; et les références numériques (&#233;) sont " +
        "définies en XML ; mettez le texte HTML dans une section <![CDATA[ … ]]>"
      );
    }
    if (message === "disallowed character in entity name." || message === "empty entity name.") {
      return "« & » doit s'écrire &amp; (ou le texte être mis dans une section <![CDATA[ … ]]>)";
    }
    if (message === "malformed character entity.") return "référence de caractère (&#…;) invalide";
    if (message.startsWith("disallowed character in tag name")) {
      return "nom de balise invalide après « < » : un « < » dans un texte doit s'écrire &lt; (ou être dans une section CDATA)";
    }
    if (message === "disallowed character in closing tag.") return "balise fermante mal écrite";
    if (message === "unexpected end.") {
      return "fin du document au milieu d'une balise, d'un commentaire, d'une section CDATA ou d'une entité";
    }
    if (message === "document must contain a root element.") return "le document ne contient aucun élément";
    if (message === 'the string "]]>" is disallowed in char data.') return "« ]]> » est interdit dans un texte hors CDATA";
    if (message === "malformed comment.") return "commentaire mal formé (« -- » est interdit dans un commentaire)";
    if (message === "incorrect syntax.") return "syntaxe incorrecte après « <! »";
    if (message === "inappropriately located doctype declaration.") return "déclaration <!DOCTYPE> mal placée";
    if (/XML declaration|xml declaration/.test(message)) return `déclaration <?xml … ?> invalide (${message})`;
    if (/attribute|attributes/.test(message)) return `attribut mal écrit (${message})`;
    return `erreur de syntaxe (${message})`;
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

/**
 * The characters read just before an error, to show the annonceur what was wrong. saxes does not
 * expose them publicly: read defensively, and give nothing if its internals differ.
 */
function recentText(parser: SaxesParser): string {
  const { chunk, i } = parser as unknown as { chunk?: unknown; i?: unknown };
  if (typeof chunk !== "string" || typeof i !== "number") return "";
  const text = chunk.slice(Math.max(0, i - 30), i).replace(/\s+/g, " ").trim();
  return text.replace(DISALLOWED_CHARACTERS, "\ufffd");
}
