/**
 * The feed's XML scanner against saxes, a conformant XML parser, as an oracle: on generated
 * well-formed documents cut into random chunks, the same elements, lines and texts; on the same
 * documents with one random mutation, the same verdict (well-formed or not).
 */
import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import { XmlScanner, XmlSyntaxError, type XmlHandler } from "../../src/feeds/xml-scanner.ts";

type Event = ["open", string, number] | ["close", string] | ["text", string];

/** Events from our scanner, fed `chunks` one after the other; text reported everywhere, merged. */
function scan(chunks: string[]): Event[] {
  const events: Event[] = [];
  const handler: XmlHandler = {
    openTag: (name, line) => void events.push(["open", name, line]),
    closeTag: (name) => void events.push(["close", name]),
    wantsText: () => true,
    text: (value) => pushText(events, value),
  };
  const scanner = new XmlScanner(handler);
  for (const chunk of chunks) scanner.write(chunk);
  scanner.close();
  return events;
}

/** Events from saxes, in the same shape; throws on the first well-formedness error. */
function oracle(doc: string): Event[] {
  const events: Event[] = [];
  const parser = new SaxesParser();
  let depth = 0;
  parser.on("opentagstart", (tag) => {
    depth++;
    // saxes has read the character ending the name: when it was a newline, it is one line ahead.
    events.push(["open", tag.name, parser.column === 0 ? parser.line - 1 : parser.line]);
  });
  parser.on("closetag", (tag) => {
    depth--;
    events.push(["close", tag.name]);
  });
  const onText = (text: string) => {
    if (depth > 0) pushText(events, text);
  };
  parser.on("text", onText);
  parser.on("cdata", onText);
  parser.on("error", (error) => {
    throw error;
  });
  parser.write(doc).close();
  return events;
}

function pushText(events: Event[], value: string): void {
  if (value.length === 0) return;
  const last = events.at(-1);
  if (last?.[0] === "text") last[1] += value;
  else events.push(["text", value]);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["mission", "clientId", "title", "description", "a", "x-y", "ns:tag", "adresse_é", "_n1", "Élément.2"];
const TEXTS = [
  "Aide aux devoirs",
  "  espacé  \n  ",
  "R&amp;D",
  "&lt;p&gt;Bonjour&lt;/p&gt;",
  "Saint-&#201;tienne &#x2014; centre",
  "&quot;&apos;",
  "caractères > et ]] seuls",
  "ligne 1\r\nligne 2\rligne 3",
  "émoji 😀 et €",
  "\t",
];
const CDATA = ["<p>Déjà &amp; <b>gras</b></p>", "", "]] ]>", "a\r\nb"];

/** A random well-formed document: prolog, nested elements, texts, CDATA, comments, PIs, attributes. */
function documentFrom(next: () => number): { doc: string; prologLength: number } {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const space = () => pick(["", "", " ", "\n", "\r\n", "\n    ", "\t"]);
  const attributes = () => {
    let out = "";
    const count = next() < 0.7 ? 0 : 1 + Math.floor(next() * 3);
    for (let i = 0; i < count; i++) {
      const quote = pick(['"', "'"]);
      out += `${pick([" ", "\n", "  "])}at${i}${pick(["", " "])}=${pick(["", " "])}${quote}${pick(["v", "a &amp; b", "&#233;", "", "x > y"])}${quote}`;
    }
    return out;
  };
  const element = (depth: number): string => {
    const name = pick(NAMES);
    if (next() < 0.15) return `<${name}${attributes()}${pick(["", " ", "\n"])}/>`;
    let content = "";
    const parts = depth > 4 ? 1 : Math.floor(next() * 5);
    for (let i = 0; i < parts; i++) {
      const kind = next();
      if (kind < 0.35) content += pick(TEXTS);
      else if (kind < 0.45) content += `<![CDATA[${pick(CDATA)}]]>`;
      else if (kind < 0.5) content += `<!--${pick([" note ", "", "a-b", "<b> & "])}-->`;
      else if (kind < 0.53) content += `<?php echo 1; ?>`;
      else content += element(depth + 1) + space();
    }
    return `<${name}${attributes()}${pick(["", " ", "\n"])}>${content}</${name}${pick(["", " ", "\n"])}>`;
  };
  const prolog =
    pick(['<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>", ""]) +
    pick(["", "<!-- flux -->\n", '<!DOCTYPE source [\n<!ENTITY a "aaaa">\n]>\n', "<!DOCTYPE source>"]);
  return { doc: `${prolog}<source>${space()}${element(1)}${space()}${element(1)}</source>${space()}`, prologLength: prolog.length };
}

/** `text` cut at `count` random places. */
function cut(text: string, count: number, next: () => number): string[] {
  const cuts = Array.from({ length: count }, () => Math.floor(next() * text.length)).sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const at of cuts) {
    chunks.push(text.slice(from, at));
    from = at;
  }
  chunks.push(text.slice(from));
  return chunks;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MUTATIONS = ["<", ">", "&", ";", "/", '"', "'", "!", "?", "-", "[", "]", "=", " ", "a", "#", "\n"];

describe("XmlScanner against saxes", () => {
  it("gives the same elements, lines and texts on 400 generated documents, whatever the chunks", () => {
    const next = random(42);
    for (let n = 0; n < 400; n++) {
      const { doc } = documentFrom(next);
      const expected = oracle(doc);
      expect(scan([doc]), doc).toEqual(expected);
      expect(scan(cut(doc, 1 + Math.floor(next() * 8), next)), doc).toEqual(expected);
      expect(scan(Array.from(doc)), doc).toEqual(expected);
    }
  });

  it("accepts and refuses the same documents after one random mutation (3,000 cases)", () => {
    const next = random(13);
    let refused = 0;
    for (let n = 0; n < 3000; n++) {
      const { doc, prologLength } = documentFrom(next);
      // The prolog is left alone: the XML declaration's content and the DTD are not checked by the
      // scanner (the encoding is read before; DTDs are skipped, never used).
      const at = prologLength + Math.floor(next() * (doc.length - prologLength));
      const kind = next();
      const mutation = MUTATIONS[Math.floor(next() * MUTATIONS.length)] as string;
      const mutated =
        kind < 0.4 ? doc.slice(0, at) + doc.slice(at + 1) : kind < 0.8 ? doc.slice(0, at) + mutation + doc.slice(at) : doc.slice(0, at) + mutation + doc.slice(at + 1);
      // A deleted half of a surrogate pair: the reader decodes bytes, it never sees one.
      if (LONE_SURROGATE.test(mutated)) continue;
      let saxesVerdict = "accepted";
      try {
        oracle(mutated);
      } catch (error) {
        saxesVerdict = `refused: ${(error as Error).message}`;
      }
      let ours = "accepted";
      try {
        scan(cut(mutated, 3, next));
      } catch (error) {
        if (!(error instanceof XmlSyntaxError)) throw error;
        ours = "refused";
      }
      expect(ours, `${JSON.stringify(mutated)}\nsaxes: ${saxesVerdict}`).toBe(saxesVerdict === "accepted" ? "accepted" : "refused");
      if (ours === "refused") refused++;
    }
    // Both verdicts are exercised.
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(2900);
  });
});

describe("XmlScanner: positions and limits", () => {
  const error = (chunks: string[]): XmlSyntaxError => {
    try {
      scan(chunks);
    } catch (thrown) {
      if (thrown instanceof XmlSyntaxError) return thrown;
      throw thrown;
    }
    throw new Error("expected an XmlSyntaxError");
  };

  it("reports the line and column of the character where the problem is seen, across chunks", () => {
    const doc = "<source>\n  <mission>\n    <title>Aide</titel>\n  </mission>\n</source>";
    for (const chunks of [[doc], cut(doc, 5, random(1)), Array.from(doc)]) {
      expect(error(chunks)).toMatchObject({ line: 3, column: 23, near: "ssion> <title>Aide</titel>" });
    }
    expect(error(["<source>\r\n<a>&nbsp;</a></source>"])).toMatchObject({ line: 2, column: 9 });
  });

  it("refuses a tag longer than MAX_MARKUP instead of buffering it", () => {
    const scanner = new XmlScanner({ openTag() {}, closeTag() {}, wantsText: () => false, text() {} });
    scanner.write('<source><mission a="');
    const piece = "x".repeat(1 << 16);
    expect(() => {
      for (let i = 0; i < 20; i++) scanner.write(piece);
    }).toThrow(XmlSyntaxError);
  });

  it("hands a long text over in pieces, entities never cut", () => {
    const pieces: string[] = [];
    const scanner = new XmlScanner({ openTag() {}, closeTag() {}, wantsText: () => true, text: (value) => void pieces.push(value) });
    scanner.write("<source>");
    const unit = "Caf&#233; &amp; th&#xE9; ";
    for (let i = 0; i < 40_000; i++) scanner.write(unit);
    scanner.write("</source>");
    scanner.close();
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe("Café & thé ".repeat(40_000));
  });
});
