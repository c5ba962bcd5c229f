/**
 * Plain text of SANITISED mission HTML (the output of `sanitizeMissionHtml`), in one linear scan.
 *
 * The sanitiser leaves a small, well-formed vocabulary — p, br, strong, b, em, i, u, ul, ol, li,
 * h2–h4, a, blockquote — and text whose only entities are &amp; &lt; &gt; &quot; (plus numeric ones).
 * So no HTML parser is needed here: this is ~10× faster than html-to-text, which matters when a feed
 * brings 100,000 descriptions. Layout (the same as html-to-text gave with the options used before):
 * - paragraphs, headings, lists and quotes are separated by a blank line;
 * - list items are on their own line, " • " for bullets and " 1. " for numbers, nested lists indented
 *   by three spaces; quoted lines start with "> "; `<br>` is a line break;
 * - inside text, runs of spaces and tabs become one space; newlines are kept (some feeds format their
 *   "HTML" with bare newlines); links keep their text only;
 * - trailing spaces are removed from every line, at most one blank line in a row, result trimmed.
 * Known differences with html-to-text, in shapes descriptions do not use: the continuation lines of
 * a list item split by a bare newline are not indented, and blocks inside a quote (or a quote right
 * after a bare newline) may get one more or one less blank line.
 */

const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>|[^<]+|</g;
const BLOCKS: ReadonlySet<string> = new Set(["p", "h2", "h3", "h4", "ul", "ol", "blockquote"]);
const ENTITY = /&(?:amp|lt|gt|quot|apos|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'" };

function decode(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(ENTITY, (match, dec: string | undefined, hex: string | undefined) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number(dec) : Number.parseInt(hex!, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED[match] ?? match;
  });
}

interface ListState {
  ordered: boolean;
  next: number;
}

/** Spaces collapsed in text (html-to-text's set: the no-break space is NOT one of them). */
const SPACES = /[ \t\f\u200b]+/g;

export function sanitizedHtmlToPlainText(html: string): string {
  const lines: string[] = [];
  let line = "";
  /** Line breaks owed before the next text (2 = a blank line). */
  let owed = 0;
  /** A space seen after the last word, written only if another word follows on the line. */
  let spaceOwed = false;
  const lists: ListState[] = [];
  let quote = 0;
  /** Prefix of the list item that has not received text yet. */
  let itemPrefix: string | null = null;

  const quotePrefix = () => "> ".repeat(quote);
  const hasText = () => line.length > 0;
  const newLine = () => {
    lines.push(line);
    line = "";
    spaceOwed = false;
  };
  const owe = (n: number) => {
    if (lines.length > 0 || hasText()) owed = Math.max(owed, n);
    spaceOwed = false;
  };
  const startText = () => {
    if (owed > 0) {
      if (hasText()) newLine();
      for (let i = 1; i < owed; i += 1) lines.push(quote > 0 ? quotePrefix().trimEnd() : "");
      owed = 0;
    }
    if (!hasText()) {
      line = quotePrefix();
      if (itemPrefix !== null) {
        line += "  ".repeat(Math.max(0, lists.length - 1)) + itemPrefix;
        itemPrefix = null;
      }
      spaceOwed = false;
      return true;
    }
    return false;
  };
  const addText = (segment: string) => {
    const text = segment.replace(SPACES, " ");
    const core = text.trim();
    if (core === "") {
      if (text !== "" && hasText()) spaceOwed = true;
      return;
    }
    const fresh = startText();
    if (!fresh && (spaceOwed || text.startsWith(" "))) line += " ";
    line += core;
    spaceOwed = text.endsWith(" ");
  };

  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(html); match !== null; match = TOKEN.exec(html)) {
    const [token, closing, rawName] = match;
    if (rawName === undefined) {
      const text = decode(token);
      if (!text.includes("\n") && !text.includes("\r")) {
        addText(text);
        continue;
      }
      const segments = text.split(/\r\n?|\n/);
      segments.forEach((segment, i) => {
        if (i > 0) {
          if (hasText()) newLine();
          else if (lines.length > 0 && owed === 0) lines.push("");
        }
        addText(segment);
      });
      continue;
    }
    const name = rawName.toLowerCase();
    if (name === "br") {
      if (hasText()) newLine();
      else if (lines.length > 0 && owed === 0) lines.push(quotePrefix().trimEnd());
      owed = 0;
      continue;
    }
    if (name === "li") {
      owe(1);
      const list = lists.at(-1);
      if (!closing && list) itemPrefix = list.ordered ? ` ${list.next++}. ` : " • ";
      continue;
    }
    if (!BLOCKS.has(name)) continue; // inline: strong, b, em, i, u, a, span…
    if (name === "ul" || name === "ol") {
      if (closing) lists.pop();
      else lists.push({ ordered: name === "ol", next: 1 });
      // A list nested in an item follows it on the next line; other blocks get a blank line.
      owe(lists.length > (closing ? 0 : 1) ? 1 : 2);
      continue;
    }
    if (name === "blockquote") {
      owe(2);
      quote = Math.max(0, quote + (closing ? -1 : 1));
      continue;
    }
    owe(lists.length > 0 ? 1 : 2);
  }
  if (hasText()) lines.push(line);
  return lines
    .map((l) => l.replace(/[ \t]+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
