/**
 * A streaming, non-validating XML 1.0 scanner made for annonceur feeds: text in (in chunks of any
 * size), element events out, every well-formedness error reported with its line, column and a
 * French explanation.
 *
 * Why not a general-purpose SAX parser: a feed is ~30 small elements per mission and hundreds of
 * megabytes, so the cost is per character. This scanner jumps from markup to markup with
 * `indexOf` (native, vectorised) instead of a per-character state machine, slices text directly
 * out of the input, decodes entities only where a `&` is, and counts lines only when a tag needs
 * its line. It keeps what XML requires of a feed: one root, matching tags, the five predefined
 * entities and character references (a DTD is skipped, its entities never expanded: no billion
 * laughs, no external entity), comments, CDATA, processing instructions, attributes (checked,
 * then ignored: feeds carry no data in them).
 *
 * Memory: the input not yet consumed is kept (an unfinished tag at most {@link MAX_MARKUP}
 * characters); long text and CDATA runs are handed over piece by piece, never kept whole.
 */

export interface XmlHandler {
  /** An element starts (`depth` 1 is the root); `line` is the line of its `<`, from 1. */
  openTag(name: string, line: number, depth: number): void;
  /** The element opened last ends. */
  closeTag(name: string, depth: number): void;
  /**
   * Whether the next character data inside an element should be reported; `blank` says it is only
   * whitespace. When false, the scanner still checks it but builds no string.
   */
  wantsText(blank: boolean): boolean;
  /** Character data inside an element, entities decoded (CDATA as written); may come in pieces. */
  text(value: string): void;
}

/** The document is not well-formed XML. `line`/`column` are 1-based; `near` quotes the input just read. */
export class XmlSyntaxError extends Error {
  constructor(
    /** What is wrong, in French, for the annonceur. */
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly near: string,
  ) {
    super(reason);
    this.name = "XmlSyntaxError";
  }
}

/** Longest tag, declaration, processing instruction or DOCTYPE accepted, in characters. */
export const MAX_MARKUP = 1 << 20;
/** A `&` not followed by `;` within this many characters is a lone `&`, not an entity reference. */
const MAX_ENTITY_LENGTH = 256;
/**
 * A text run not ended by markup yet is handed over in pieces once this long: keeping it would
 * copy it again with every input chunk appended (quadratic with small chunks).
 */
const TEXT_PIECE = 1 << 13;
/** Characters quoted before an error. */
const NEAR_LENGTH = 30;

/** Characters outside the XML 1.0 Char production: dropped, as office software pastes them. */
const DISALLOWED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const DISALLOWED_ALL = new RegExp(DISALLOWED.source, "g");

const PREDEFINED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const NEWLINE = 0x0a;

/** Where a write left the scanner: in content, or inside a comment or CDATA section cut by the input's end. */
const State = { Content: 0, Comment: 1, Cdata: 2 } as const;
type State = (typeof State)[keyof typeof State];

export class XmlScanner {
  private buf = "";
  /** Next character of {@link buf} to read. */
  private i = 0;
  private state: State = State.Content;
  /** A `\r` ending the last input, maybe the first half of a `\r\n`. */
  private pendingCarriageReturn = false;

  /** Open elements: names and opening lines by depth (1 = root). */
  private depth = 0;
  private readonly names: string[] = [""];
  private readonly lines: number[] = [0];
  /** The last characters consumed before {@link buf}, for {@link XmlSyntaxError.near}. */
  private before = "";
  private rootSeen = false;
  private rootClosed = false;
  /** Anything but whitespace was read (an XML declaration must come first). */
  private markupSeen = false;
  private doctypeSeen = false;

  /** Line of {@link nextNewline}'s line; index in buf where that line starts (may be < 0). */
  private line = 1;
  private lineStart = 0;
  /** Position of the next `\n` not counted yet, or buf.length when there is none. */
  private nextNewline = 0;
  /** Cached positions of the next `&` and `]]>` at or after the last text run (buf.length: none). */
  private nextAmpersand = -1;
  private nextCdataEnd = -1;

  constructor(private readonly handler: XmlHandler) {}

  /** Whether an element has been opened (the root). */
  get hasRoot(): boolean {
    return this.rootSeen;
  }

  write(text: string): void {
    if (text.length === 0) return;
    if (this.pendingCarriageReturn) {
      text = `\r${text}`;
      this.pendingCarriageReturn = false;
    }
    if (text.indexOf("\r") !== -1) {
      // End-of-line handling (XML 1.0 §2.11), before anything else: "\r\n" and "\r" become "\n".
      if (text.charCodeAt(text.length - 1) === 0x0d) {
        this.pendingCarriageReturn = true;
        text = text.slice(0, -1);
      }
      text = text.replace(/\r\n?/g, "\n");
    }
    if (DISALLOWED.test(text)) text = text.replace(DISALLOWED_ALL, "");
    this.rebase(text);
    this.scan(false);
  }

  /** End of input: everything must be closed. */
  close(): void {
    if (this.pendingCarriageReturn) {
      this.pendingCarriageReturn = false;
      this.rebase("\n");
    }
    this.scan(true);
    if (this.state !== State.Content) this.fail(this.buf.length, UNEXPECTED_END, false);
    if (this.depth > 0) {
      const name = this.names[this.depth];
      this.fail(
        this.buf.length,
        `la balise <${name}> ouverte ligne ${this.lines[this.depth]} n'est jamais fermée (fin du document atteinte)`,
        false,
      );
    }
    if (!this.rootSeen) this.fail(this.buf.length, "le document ne contient aucun élément", false);
  }

  /** Keeps the unread input, appends `text`, and moves every cached position accordingly. */
  private rebase(text: string): void {
    const consumed = this.i;
    this.lineAt(consumed);
    if (consumed > 0) this.before = (this.before + this.buf.slice(Math.max(0, consumed - NEAR_LENGTH), consumed)).slice(-NEAR_LENGTH);
    this.buf = consumed < this.buf.length ? this.buf.slice(consumed) + text : text;
    this.lineStart -= consumed;
    this.i = 0;
    this.nextNewline = this.buf.indexOf("\n");
    if (this.nextNewline === -1) this.nextNewline = this.buf.length;
    this.nextAmpersand = -1;
    this.nextCdataEnd = -1;
  }

  // -------------------------------------------------------------------------------------------
  // Main loop

  private scan(final: boolean): void {
    const buf = this.buf;
    const length = buf.length;
    if (this.state === State.Comment && !this.comment(this.i, final)) return;
    if (this.state === State.Cdata && !this.cdata(this.i, final)) return;
    while (this.i < length) {
      const start = this.i;
      const lt = buf.indexOf("<", start);
      if (lt === -1) {
        if (final) {
          if (this.textRun(start, length, true)) this.i = length;
        } else if (length - start > TEXT_PIECE) {
          const cut = this.safeTextCut(start, length);
          if (this.textRun(start, cut, false)) this.i = cut;
        }
        return;
      }
      if (lt > start && !this.textRun(start, lt, final)) return;
      this.i = lt;
      if (!this.markup(lt, final)) return;
    }
  }

  /** Where a piece of a long text run may end: not inside an entity reference, nor a "]]>". */
  private safeTextCut(start: number, end: number): number {
    const ampersand = this.buf.lastIndexOf("&", end - 1);
    if (ampersand >= start && ampersand > end - MAX_ENTITY_LENGTH - 2) return ampersand;
    return end - 2;
  }

  /** Reads the markup at `lt`; false when the input ends first (more is needed). */
  private markup(lt: number, final: boolean): boolean {
    const next = this.buf.charCodeAt(lt + 1);
    if (next === SLASH) return this.closeTag(lt, final);
    if (next === BANG) return this.declaration(lt, final);
    if (next === QUESTION) return this.processingInstruction(lt, final);
    if (lt + 1 >= this.buf.length) return this.needMore(lt, final);
    return this.openTag(lt, final);
  }

  /** The markup at `start` is cut by the end of the input so far. */
  private needMore(start: number, final: boolean): boolean {
    if (final) this.fail(this.buf.length, UNEXPECTED_END, false);
    if (this.buf.length - start > MAX_MARKUP) {
      this.fail(start, `balise, déclaration ou instruction de plus de ${MAX_MARKUP} caractères`, false);
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Tags

  private openTag(lt: number, final: boolean): boolean {
    const buf = this.buf;
    const length = buf.length;
    if (!isNameStart(buf.charCodeAt(lt + 1))) {
      this.fail(lt + 1, "nom de balise invalide après « < » : un « < » dans un texte doit s'écrire &lt; (ou être dans une section CDATA)");
    }
    let p = lt + 2;
    let hash = buf.charCodeAt(lt + 1);
    for (let c = buf.charCodeAt(p); p < length && isNameChar(c); c = buf.charCodeAt(++p)) hash = (hash * 31 + c) | 0;
    if (p >= length) return this.needMore(lt, final);
    const nameEnd = p;
    let selfClosing = false;
    let attributes: string[] | undefined;
    for (;;) {
      const c = buf.charCodeAt(p);
      if (c === GT) {
        p++;
        break;
      }
      if (c === SLASH) {
        if (p + 1 >= length) return this.needMore(lt, final);
        if (buf.charCodeAt(p + 1) !== GT) this.fail(p + 1, "« / » inattendu dans une balise : une balise vide s'écrit <nom/>");
        p += 2;
        selfClosing = true;
        break;
      }
      if (!isWhitespace(c)) {
        if (p === nameEnd) {
          this.fail(p, "nom de balise invalide après « < » : un « < » dans un texte doit s'écrire &lt; (ou être dans une section CDATA)");
        }
        this.fail(p, "attribut mal écrit (un espace doit séparer les attributs)");
      }
      while (p < length && isWhitespace(buf.charCodeAt(p))) p++;
      if (p >= length) return this.needMore(lt, final);
      const after = buf.charCodeAt(p);
      if (after === GT || after === SLASH) continue;
      const attribute = this.attribute(p, final);
      if (attribute === -1) return this.needMore(lt, final);
      const name = buf.slice(p, this.attributeNameEnd);
      if (attributes?.includes(name)) this.fail(this.attributeNameEnd - 1, `attribut mal écrit (« ${name} » est répété)`);
      (attributes ??= []).push(name);
      p = attribute;
      if (p >= length) return this.needMore(lt, final);
    }

    const name = this.elementName(lt + 1, nameEnd, hash);
    if (this.depth === 0 && this.rootClosed) {
      this.fail(nameEnd - 1, `l'élément <${name}> suit la fin de l'élément racine : un document n'a qu'une racine`);
    }
    const line = this.lineAt(lt);
    const depth = ++this.depth;
    this.names[depth] = name;
    this.lines[depth] = line;
    this.rootSeen = true;
    this.markupSeen = true;
    this.i = p;
    this.handler.openTag(name, line, depth);
    if (selfClosing) this.endElement(name, depth);
    return true;
  }

  /**
   * The element name from `start` to `end`, as the same string object each time it comes back: a
   * feed repeats ~30 names, so its millions of elements allocate no name, and the consumer's
   * lookups by name hit the hash V8 keeps in the string.
   */
  private elementName(start: number, end: number, hash: number): string {
    const slot = hash & (NAME_CACHE_SIZE - 1);
    const cached = this.nameCache[slot];
    if (cached !== undefined && cached.length === end - start && this.buf.startsWith(cached, start)) return cached;
    const name = internalized(this.buf.slice(start, end));
    this.nameCache[slot] = name;
    return name;
  }

  private readonly nameCache: (string | undefined)[] = new Array(NAME_CACHE_SIZE);

  /** End of the last attribute name read by {@link attribute}. */
  private attributeNameEnd = 0;

  /** Reads `name = "value"` at `p`; the position after it, or -1 if the input ends first. */
  private attribute(p: number, final: boolean): number {
    const buf = this.buf;
    const length = buf.length;
    if (!isNameStart(buf.charCodeAt(p))) this.fail(p, "attribut mal écrit (nom d'attribut invalide)");
    p++;
    while (p < length && isNameChar(buf.charCodeAt(p))) p++;
    this.attributeNameEnd = p;
    while (p < length && isWhitespace(buf.charCodeAt(p))) p++;
    if (p >= length) return -1;
    if (buf.charCodeAt(p) !== EQUALS) this.fail(p, "attribut mal écrit (« = » attendu après le nom de l'attribut)");
    p++;
    while (p < length && isWhitespace(buf.charCodeAt(p))) p++;
    if (p >= length) return -1;
    const quote = buf[p] as string;
    if (quote !== '"' && quote !== "'") this.fail(p, "attribut mal écrit (la valeur doit être entre guillemets)");
    const end = buf.indexOf(quote, p + 1);
    if (end === -1) return -1;
    const lt = buf.indexOf("<", p + 1);
    if (lt !== -1 && lt < end) this.fail(lt, "attribut mal écrit (« < » est interdit dans une valeur d'attribut : &lt;)");
    const ampersand = buf.indexOf("&", p + 1);
    if (ampersand !== -1 && ampersand < end && this.entities(ampersand, end, final, false) === undefined) return -1;
    const next = end + 1;
    if (next < length) {
      const c = buf.charCodeAt(next);
      if (c !== GT && c !== SLASH && !isWhitespace(c)) this.fail(next, "attribut mal écrit (un espace doit séparer les attributs)");
    }
    return next;
  }

  private closeTag(lt: number, final: boolean): boolean {
    const buf = this.buf;
    const depth = this.depth;
    const expected = this.names[depth] as string;
    let end: number;
    if (depth > 0 && buf.startsWith(expected, lt + 2) && buf.charCodeAt(lt + 2 + expected.length) === GT) {
      end = lt + 3 + expected.length;
    } else {
      const length = buf.length;
      let p = lt + 2;
      if (p >= length) return this.needMore(lt, final);
      if (!isNameStart(buf.charCodeAt(p))) this.fail(p, "balise fermante mal écrite");
      while (p < length && isNameChar(buf.charCodeAt(p))) p++;
      const nameEnd = p;
      while (p < length && isWhitespace(buf.charCodeAt(p))) p++;
      if (p >= length) return this.needMore(lt, final);
      if (buf.charCodeAt(p) !== GT) this.fail(p, "balise fermante mal écrite");
      const name = buf.slice(lt + 2, nameEnd);
      if (depth === 0) this.fail(p, `la balise fermante </${name}> ne correspond à aucune balise ouverte`);
      if (name !== expected) {
        this.fail(
          p,
          `balise fermante inattendue : la balise <${expected}> ouverte ligne ${this.lines[depth]} doit être fermée (</${expected}>) avant`,
        );
      }
      end = p + 1;
    }
    this.i = end;
    this.endElement(expected, depth);
    return true;
  }

  private endElement(name: string, depth: number): void {
    this.depth = depth - 1;
    if (depth === 1) this.rootClosed = true;
    this.handler.closeTag(name, depth);
  }

  // -------------------------------------------------------------------------------------------
  // <! … > and <? … ?>

  private declaration(lt: number, final: boolean): boolean {
    const buf = this.buf;
    if (buf.startsWith("<!--", lt)) {
      this.markupSeen = true;
      this.state = State.Comment;
      return this.comment(lt + 4, final);
    }
    if (buf.startsWith("<![CDATA[", lt)) {
      if (this.depth === 0) this.fail(lt, this.outsideRoot());
      this.state = State.Cdata;
      return this.cdata(lt + 9, final);
    }
    if (buf.startsWith("<!DOCTYPE", lt)) return this.doctype(lt, final);
    const available = buf.slice(lt, lt + 9);
    if (available.length < 9 && ["<!--", "<![CDATA[", "<!DOCTYPE"].some((start) => start.startsWith(available))) {
      return this.needMore(lt, final);
    }
    return this.fail(lt + 2, "syntaxe incorrecte après « <! »");
  }

  /** Inside a comment from `from`: skips to its end. */
  private comment(from: number, final: boolean): boolean {
    const buf = this.buf;
    const end = buf.indexOf("-->", from);
    const dashes = buf.indexOf("--", from);
    if (dashes !== -1 && (end === -1 ? dashes <= buf.length - 3 : dashes < end)) {
      this.fail(dashes + 1, "commentaire mal formé (« -- » est interdit dans un commentaire)");
    }
    if (end === -1) {
      if (final) this.fail(buf.length, UNEXPECTED_END, false);
      this.i = Math.max(from, buf.length - 2);
      return false;
    }
    this.state = State.Content;
    this.i = end + 3;
    return true;
  }

  /** Inside a CDATA section from `from`: its text, as written, piece by piece. */
  private cdata(from: number, final: boolean): boolean {
    const buf = this.buf;
    const end = buf.indexOf("]]>", from);
    if (end === -1) {
      if (final) this.fail(buf.length, UNEXPECTED_END, false);
      const cut = Math.max(from, buf.length - 2);
      if (cut > from) this.rawText(from, cut);
      this.i = cut;
      return false;
    }
    if (end > from) this.rawText(from, end);
    this.state = State.Content;
    this.i = end + 3;
    return true;
  }

  private rawText(start: number, end: number): void {
    if (this.handler.wantsText(this.isBlank(start, end))) this.handler.text(this.buf.slice(start, end));
  }

  private doctype(lt: number, final: boolean): boolean {
    if (this.rootSeen || this.doctypeSeen) this.fail(lt + 2, "déclaration <!DOCTYPE> mal placée");
    const buf = this.buf;
    const length = buf.length;
    let quote = 0;
    let brackets = 0;
    for (let p = lt + 9; p < length; p++) {
      const c = buf.charCodeAt(p);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      } else if (c === 0x5b) {
        brackets++;
      } else if (c === 0x5d) {
        brackets--;
      } else if (c === LT && buf.startsWith("<!--", p)) {
        const end = buf.indexOf("-->", p + 4);
        if (end === -1) break;
        p = end + 2;
      } else if (c === GT && brackets <= 0) {
        this.doctypeSeen = true;
        this.markupSeen = true;
        this.i = p + 1;
        return true;
      }
    }
    return this.needMore(lt, final);
  }

  private processingInstruction(lt: number, final: boolean): boolean {
    const buf = this.buf;
    const end = buf.indexOf("?>", lt + 2);
    if (end === -1) return this.needMore(lt, final);
    let p = lt + 2;
    if (!isNameStart(buf.charCodeAt(p))) this.fail(p, "instruction de traitement <? … ?> mal formée");
    while (isNameChar(buf.charCodeAt(p))) p++;
    const afterTarget = buf.charCodeAt(p);
    if (!isWhitespace(afterTarget) && afterTarget !== QUESTION) this.fail(p, "instruction de traitement <? … ?> mal formée");
    if (buf.slice(lt + 2, p).toLowerCase() === "xml" && this.markupSeen) {
      this.fail(p - 1, "déclaration <?xml … ?> invalide : elle n'est permise qu'au tout début du document");
    }
    this.markupSeen = true;
    this.i = end + 2;
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Text

  /**
   * Character data from `start` to `end` (exclusive). False when an entity reference may go on
   * past the input read so far (nothing is consumed then).
   */
  private textRun(start: number, end: number, final: boolean): boolean {
    const buf = this.buf;
    if (this.depth === 0) {
      for (let p = start; p < end; p++) {
        if (!isWhitespace(buf.charCodeAt(p))) this.fail(p, this.outsideRoot());
      }
      return true;
    }
    if (this.nextCdataEnd < start) {
      this.nextCdataEnd = buf.indexOf("]]>", start);
      if (this.nextCdataEnd === -1) this.nextCdataEnd = buf.length;
    }
    if (this.nextCdataEnd < end) this.fail(this.nextCdataEnd + 2, "« ]]> » est interdit dans un texte hors CDATA");
    if (this.nextAmpersand < start) {
      this.nextAmpersand = buf.indexOf("&", start);
      if (this.nextAmpersand === -1) this.nextAmpersand = buf.length;
    }
    const wanted = this.handler.wantsText(this.isBlank(start, end));
    if (this.nextAmpersand >= end) {
      if (wanted) this.handler.text(buf.slice(start, end));
      return true;
    }
    const decoded = this.entities(start, end, final, wanted);
    if (decoded === undefined) return false;
    if (wanted) this.handler.text(decoded);
    return true;
  }

  /**
   * Checks the entity references from `start` to `end` and, if `decode`, returns the text with
   * them replaced ("" otherwise). Undefined when one may go on past the input read so far.
   */
  private entities(start: number, end: number, final: boolean, decode: boolean): string | undefined {
    const buf = this.buf;
    let out = "";
    let from = start;
    let ampersand = buf.indexOf("&", start);
    while (ampersand !== -1 && ampersand < end) {
      const semicolon = buf.indexOf(";", ampersand + 1);
      if (semicolon === -1 || semicolon - ampersand > MAX_ENTITY_LENGTH) {
        if (!final && buf.length - ampersand <= MAX_ENTITY_LENGTH) return undefined;
        const following = buf.slice(ampersand + 1, ampersand + 21).replace(/\s+/g, " ").trim();
        this.fail(
          Math.min(buf.length, ampersand + MAX_ENTITY_LENGTH),
          `« &${following} … » : un « & » doit s'écrire &amp; (ou le texte être mis dans une section <![CDATA[ … ]]>)`,
          false,
        );
      }
      const value = this.entityValue(buf.slice(ampersand + 1, semicolon), semicolon);
      if (decode) out += buf.slice(from, ampersand) + value;
      from = semicolon + 1;
      ampersand = buf.indexOf("&", from);
    }
    this.nextAmpersand = ampersand === -1 ? buf.length : ampersand;
    return decode ? out + buf.slice(from, end) : "";
  }

  /** The character an entity reference stands for (`name` is between `&` and `;`, at `at`). */
  private entityValue(name: string, at: number): string {
    const predefined = PREDEFINED_ENTITIES[name];
    if (predefined !== undefined) return predefined;
    if (name.charCodeAt(0) === 0x23) {
      const hex = name.charCodeAt(1) === 0x78;
      const digits = name.slice(hex ? 2 : 1);
      const code = (hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits) ? Number.parseInt(digits, hex ? 16 : 10) : -1;
      if (!isXmlChar(code)) this.fail(at, "référence de caractère (&#…;) invalide");
      return String.fromCodePoint(code);
    }
    if (name.length > 0 && isName(name)) {
      return this.fail(
        at,
        "entité inconnue : seules &amp; &lt; &gt; &quot; &apos; et les références numériques (&#233;) sont " +
          "définies en XML ; mettez le texte HTML dans une section <![CDATA[ … ]]>",
      );
    }
    return this.fail(at, "« & » doit s'écrire &amp; (ou le texte être mis dans une section <![CDATA[ … ]]>)");
  }

  private isBlank(start: number, end: number): boolean {
    const buf = this.buf;
    for (let p = start; p < end; p++) if (!isWhitespace(buf.charCodeAt(p))) return false;
    return true;
  }

  private outsideRoot(): string {
    return this.rootClosed ? "du contenu suit la fin de l'élément racine </source>" : "du texte précède l'élément racine";
  }

  // -------------------------------------------------------------------------------------------
  // Positions and errors

  /** Line of position `at` of buf (positions asked for never go backwards). */
  private lineAt(at: number): number {
    const buf = this.buf;
    while (this.nextNewline < at) {
      this.line++;
      this.lineStart = this.nextNewline + 1;
      const next = buf.indexOf("\n", this.lineStart);
      this.nextNewline = next === -1 ? buf.length : next;
    }
    return this.line;
  }

  /** Throws the error for the character at `at`; `quote` adds the input read just before. */
  private fail(at: number, reason: string, quote = true): never {
    const line = this.lineAt(at);
    const column = at - this.lineStart + 1;
    const near = quote
      ? (this.before + this.buf.slice(0, at + 1))
          .slice(-NEAR_LENGTH)
          .replace(/\s+/g, " ")
          .trim()
      : "";
    throw new XmlSyntaxError(reason, line, column, near);
  }
}

/** Slots of the element name cache (a power of two). */
const NAME_CACHE_SIZE = 1024;

/**
 * A copy of `text` that V8 keeps in its string table: a slice of the input would keep the whole
 * input chunk alive for as long as the name is cached.
 */
function internalized(text: string): string {
  return Object.keys({ [text]: true })[0] as string;
}

const UNEXPECTED_END = "fin du document au milieu d'une balise, d'un commentaire, d'une section CDATA ou d'une entité";

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === NEWLINE || c === 0x09 || c === 0x0d;
}

/** XML 1.0 (fifth edition) NameStartChar; surrogates accepted as halves of astral characters. */
function isNameStart(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xdfff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

/** XML 1.0 NameChar. */
function isNameChar(c: number): boolean {
  if (c < 0x80) {
    return (
      (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x3a || c === 0x2d || c === 0x2e
    );
  }
  return c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040 || isNameStart(c);
}

function isName(name: string): boolean {
  if (!isNameStart(name.charCodeAt(0))) return false;
  for (let p = 1; p < name.length; p++) if (!isNameChar(name.charCodeAt(p))) return false;
  return true;
}

/** XML 1.0 Char production. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
