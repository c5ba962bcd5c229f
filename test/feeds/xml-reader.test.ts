import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { FeedFormatError, readFeedMissions, type ReadFeedOptions } from "../../src/feeds/xml-reader.ts";
import type { XmlElement } from "../../src/feeds/types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const feedsDir = path.resolve(repoRoot, "../shared/reference/feeds");
const hasFeeds = fs.existsSync(feedsDir);

type Chunk = Buffer | Uint8Array | string;

async function* chunks(...parts: Chunk[]): AsyncGenerator<Chunk> {
  for (const part of parts) yield part;
}

async function readBatches(input: AsyncIterable<Chunk>, options?: ReadFeedOptions): Promise<XmlElement[][]> {
  const batches: XmlElement[][] = [];
  for await (const batch of readFeedMissions(input, options)) batches.push(batch);
  return batches;
}

async function read(doc: Chunk, options?: ReadFeedOptions): Promise<XmlElement[]> {
  return (await readBatches(chunks(doc), options)).flat();
}

async function readError(input: AsyncIterable<Chunk> | Chunk, options?: ReadFeedOptions): Promise<FeedFormatError> {
  const source = typeof input === "string" || input instanceof Uint8Array ? chunks(input) : input;
  try {
    await readBatches(source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FeedFormatError);
    return error as FeedFormatError;
  }
  throw new Error("expected a FeedFormatError");
}

/** The element at `names` below `element` (first match at each step). */
function at(element: XmlElement | undefined, ...names: string[]): XmlElement {
  let current = element;
  for (const name of names) current = current?.children.find((child) => child.name === name);
  if (!current) throw new Error(`no element ${names.join("/")}`);
  return current;
}

/** The texts of a mission's children, by name (last one wins). */
function texts(mission: XmlElement | undefined): Record<string, string> {
  return Object.fromEntries((mission?.children ?? []).map((child) => [child.name, child.text]));
}

/** Element trees without `line`, to compare documents whose layout differs. */
function shape(element: XmlElement): unknown {
  return { name: element.name, text: element.text, oversized: element.oversized, children: element.children.map(shape) };
}

const source = (missions: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<source>\n${missions}</source>\n`;

describe("readFeedMissions: reference feeds", () => {
  const expectedClientIds: Record<string, string> = {
    "correct-feed.xml": "32132143",
    "invalid-address-feed.xml": "INVALID_ADDR_1",
    "invalid-compensation-feed.xml": "INVALID_COMPENSATION",
    "missing-logo-feed.xml": "32132143",
  };

  for (const [file, clientId] of Object.entries(expectedClientIds)) {
    it.skipIf(!hasFeeds)(`reads ${file}: one mission`, async () => {
      const stream = fs.createReadStream(path.join(feedsDir, file), { highWaterMark: 256 });
      const missions = (await readBatches(stream)).flat();
      expect(missions).toHaveLength(1);
      expect(missions[0]?.name).toBe("mission");
      expect(missions[0]?.line).toBe(6);
      expect(texts(missions[0]).clientId).toBe(clientId);
    });
  }

  it.skipIf(!hasFeeds)("reads every value of correct-feed.xml, nested addresses included", async () => {
    const [mission] = await read(fs.readFileSync(path.join(feedsDir, "correct-feed.xml")));
    const values = texts(mission);
    expect(values).toMatchObject({
      clientId: "32132143",
      title: "Titre de la mission",
      postedAt: "01/01/2023",
      endAt: "11/01/2025",
      places: "2",
      tags: "environnement,écologie",
      metadata: "",
      organizationSiren: "332737394",
    });
    expect(mission?.text).toBe("");
    const addresses = at(mission, "addresses");
    expect(addresses.line).toBe(14);
    expect(addresses.text).toBe("");
    expect(addresses.children.map((child) => child.name)).toEqual(["address", "address"]);
    const [paris, orleans] = addresses.children;
    expect(texts(paris)).toMatchObject({ street: "46 Rue Saint-Antoine", postalCode: "75004", region: "Île-de-France" });
    expect(at(paris, "location", "lat")).toEqual({ name: "lat", text: "48.8541", children: [], line: 24 });
    expect(at(paris, "location", "lon").text).toBe("2.3643");
    expect(texts(orleans)).toMatchObject({ city: "Orléans", postalCode: "45000" });
    expect(at(orleans, "location", "lat")).toMatchObject({ text: "47.8951", line: 37 });
  });
});

describe("readFeedMissions: texts", () => {
  it("decodes entities once, keeps CDATA verbatim, trims, keeps text as text", async () => {
    const [mission] = await read(
      source(
        "<mission>\n" +
          "  <description>&lt;p&gt;Bonjour &amp; bienvenue&lt;/p&gt;</description>\n" +
          "  <title>Caf&amp;#233; solidaire</title>\n" +
          "  <city>Saint-&#201;tienne &#x2014; centre</city>\n" +
          "  <html><![CDATA[<p>Déjà &lt;échappé&gt;</p>]]></html>\n" +
          "  <mixed>  début <![CDATA[<b>milieu</b>]]> fin  \n </mixed>\n" +
          "  <clientId>\n    00123\n  </clientId>\n" +
          "  <postalCode>01234</postalCode><remote>true</remote><places>1e3</places>\n" +
          '  <empty></empty><selfClosed/><withAttributes lang="fr" id="x">valeur</withAttributes>\n' +
          "  <!-- a comment --><quote>&quot;&apos;</quote>\n" +
          "</mission>\n",
      ),
    );
    expect(texts(mission)).toEqual({
      description: "<p>Bonjour & bienvenue</p>",
      title: "Caf&#233; solidaire",
      city: "Saint-Étienne — centre",
      html: "<p>Déjà &lt;échappé&gt;</p>",
      mixed: "début <b>milieu</b> fin",
      clientId: "00123",
      postalCode: "01234",
      remote: "true",
      places: "1e3",
      empty: "",
      selfClosed: "",
      withAttributes: "valeur",
      quote: `"'`,
    });
  });

  it("gives the line of each opening tag, with LF, CRLF and a tag name ended by a newline", async () => {
    const doc =
      '<?xml version="1.0"?>\n<source>\n  <mission>\n    <a>1</a>\n\n    <b\n      x="1">2</b>\n  </mission>\n' +
      "<mission\n><c\n/></mission></source>";
    for (const text of [doc, doc.replace(/\n/g, "\r\n"), doc.replace(/\n/g, "\r")]) {
      const missions = await read(text);
      expect(missions.map((m) => m.line)).toEqual([3, 9]);
      expect(missions[0]?.children.map((c) => c.line)).toEqual([4, 6]);
      expect(missions[1]?.children.map((c) => c.line)).toEqual([10]);
    }
  });

  it("drops control characters that XML forbids instead of refusing the feed", async () => {
    const [mission] = await read(source("<mission><title>Aide\u0000 aux\u000b devoirs\u001f</title></mission>"));
    expect(texts(mission).title).toBe("Aide aux devoirs");
  });
});

describe("readFeedMissions: chunks and encodings", () => {
  const sample =
    '\ufeff\n  <?xml version="1.0" encoding="UTF-8"?>\r\n<!-- feed -->\r\n<source>\r\n  <publisher>Exemple</publisher>\r\n' +
    "  <mission>\r\n    <clientId>00042</clientId>\r\n    <title><![CDATA[Été à Orléans 😀 — 10 € ]]></title>\r\n" +
    "    <description>&lt;p&gt;Caf&#233;&lt;/p&gt; &amp;#233;</description>\r\n" +
    "    <addresses><address><city>Île-de-France</city><location><lat>48.85</lat></location></address></addresses>\r\n" +
    "  </mission>\r\n  <mission><clientId>2</clientId></mission>\r\n</source>\r\n";

  it("gives the same missions whatever the chunk boundaries, characters split across chunks included", async () => {
    const bytes = Buffer.from(sample, "utf8");
    const expected = await read(bytes);
    expect(expected).toHaveLength(2);
    expect(texts(expected[0])).toMatchObject({
      clientId: "00042",
      title: "Été à Orléans 😀 — 10 €",
      description: "<p>Café</p> &#233;",
    });
    expect(at(expected[0], "addresses", "address", "location", "lat").line).toBe(10);
    expect(expected[0]?.line).toBe(6);
    for (let cut = 1; cut < bytes.length; cut++) {
      const missions = (await readBatches(chunks(bytes.subarray(0, cut), bytes.subarray(cut)))).flat();
      expect(missions, `cut at byte ${cut}`).toEqual(expected);
    }
    const bytewise = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect((await readBatches(chunks(...bytewise))).flat()).toEqual(expected);
    // Already decoded text, split anywhere (surrogate pairs included).
    for (let cut = 1; cut < sample.length; cut++) {
      const missions = (await readBatches(chunks(sample.slice(0, cut), sample.slice(cut)))).flat();
      expect(missions, `cut at character ${cut}`).toEqual(expected);
    }
  });

  it("decodes the encoding named by the declaration (ISO-8859-1, latin1, windows-1252)", async () => {
    const doc = (encoding: string) =>
      `<?xml version="1.0" encoding=${encoding}?>\n<source><mission><city>Orléans, Île-de-France</city><price>10 €</price></mission></source>`;
    for (const encoding of ['"ISO-8859-1"', "'latin1'", '"windows-1252"']) {
      const bytes = Buffer.from(doc(encoding).replace("€", ""), "latin1");
      const euro = Buffer.from([0x80]); // "€" in windows-1252, the WHATWG reading of ISO-8859-1
      const end = bytes.indexOf("</price>");
      const full = Buffer.concat([bytes.subarray(0, end), euro, bytes.subarray(end)]);
      const expected = { city: "Orléans, Île-de-France", price: "10 €" };
      expect(texts((await read(full))[0])).toEqual(expected);
      for (let cut = 1; cut < full.length; cut++) {
        const missions = (await readBatches(chunks(full.subarray(0, cut), full.subarray(cut)))).flat();
        expect(texts(missions[0]), `${encoding} cut at ${cut}`).toEqual(expected);
      }
    }
  });

  it("reads UTF-8 without declaration, UTF-8 with a BOM, and UTF-16 with a BOM", async () => {
    const doc = "<source><mission><city>Orléans</city></mission></source>";
    expect(texts((await read(Buffer.from(doc)))[0]).city).toBe("Orléans");
    expect(texts((await read(Buffer.from(`\ufeff${doc}`)))[0]).city).toBe("Orléans");
    const utf16 = Buffer.from(`\ufeff<?xml version="1.0" encoding="UTF-16"?>\n${doc}`, "utf16le");
    expect(texts((await read(utf16))[0]).city).toBe("Orléans");
    // An unknown encoding name falls back to UTF-8.
    const unknown = Buffer.from(`<?xml version="1.0" encoding="x-unknown"?>${doc}`);
    expect(texts((await read(unknown))[0]).city).toBe("Orléans");
  });
});

describe("readFeedMissions: documents that are not feeds", () => {
  it("NOT_XML: JSON, plain text, HTML-less garbage, quoting the start", async () => {
    const json = await readError(Buffer.from('  {"missions": [{"clientId": "1", "title": "Aide aux devoirs"}]}'));
    expect(json.code).toBe("NOT_XML");
    expect(json.message).toBe(`Le flux n'est pas un document XML : il commence par « {"missions": [{"clientId": "1", "title": … »`);
    const text = await readError("Service temporairement indisponible");
    expect(text.code).toBe("NOT_XML");
    expect(text.message).toContain("« Service temporairement indisponible »");
    const split = await readError(chunks(..."Bonjour, ceci n'est vraiment pas du XML du tout".split("")));
    expect(split.message).toContain("« Bonjour, ceci n'est vraiment pas du XML … »");
  });

  it("NOT_XML: empty feed", async () => {
    for (const input of [chunks(), chunks(""), chunks(Buffer.alloc(0)), chunks(" \r\n\t "), chunks(Buffer.from([0xef, 0xbb, 0xbf]))]) {
      const error = await readError(input);
      expect(error.code).toBe("NOT_XML");
      expect(error.message).toBe("Le flux est vide");
    }
  });

  it("WRONG_ROOT: another root, an HTML page", async () => {
    const missions = await readError('<?xml version="1.0"?>\n<missions><mission><clientId>1</clientId></mission></missions>');
    expect(missions.code).toBe("WRONG_ROOT");
    expect(missions.message).toBe(
      "La racine du document est <missions> : un flux doit avoir la racine <source> contenant des <mission>",
    );
    expect((await readError("<Source><mission/></Source>")).message).toContain("<Source>");
    for (const page of [
      "<!DOCTYPE html><html><head><title>Erreur</title></head><body>Erreur</body></html>",
      '<!doctype html>\n<html lang=fr><head><meta charset="utf-8"><title>404</title></head></html>',
      "<html><body><p>Not found<br></body></html>",
    ]) {
      const error = await readError(page);
      expect(error.code, page).toBe("WRONG_ROOT");
      expect(error.message).toContain("La racine du document est <html>");
    }
  });

  it("MALFORMED: unclosed tag, with the line where it was opened", async () => {
    const error = await readError(source("<mission>\n  <title>Aide</title>\n  <description>Texte\n</mission>\n"));
    expect(error.code).toBe("MALFORMED");
    expect(error.line).toBeGreaterThanOrEqual(5);
    expect(error.message).toMatch(/^XML mal formé ligne \d+, colonne \d+ : /);
    expect(error.message).toContain("balise fermante inattendue : la balise <description> ouverte ligne 5");
    const atEnd = await readError("<source>\n<mission>\n<title>x</title>\n");
    expect(atEnd.code).toBe("MALFORMED");
    expect(atEnd.message).toContain("la balise <mission> ouverte ligne 2 n'est jamais fermée");
  });

  it("MALFORMED: mismatched tag, text after the root, second root, with line and column", async () => {
    const mismatched = await readError(source("<mission>\n  <title>Aide</titel>\n</mission>\n"));
    expect(mismatched).toMatchObject({ code: "MALFORMED", line: 4, column: 21 });
    expect(mismatched.message).toContain("XML mal formé ligne 4, colonne 21 : balise fermante inattendue : la balise <title> ouverte ligne 4");
    expect(mismatched.message).toContain("<title>Aide</titel> »");

    const after = await readError(`${source("<mission><a>1</a></mission>\n")}du texte en trop`);
    expect(after).toMatchObject({ code: "MALFORMED", line: 5 });
    expect(after.message).toContain("du contenu suit la fin de l'élément racine");

    const second = await readError("<source><mission/></source>\n<source/>");
    expect(second).toMatchObject({ code: "MALFORMED", line: 2 });
    expect(second.message).toContain("un document n'a qu'une racine");

    // Leading whitespace and a byte order mark: positions still count the whitespace.
    const shifted = await readError("\ufeff\n\n  <source><mission/></source>x");
    expect(shifted).toMatchObject({ code: "MALFORMED", line: 3, column: 30 });
  });

  it("MALFORMED: undefined entity, stray &, DTD entities never expanded", async () => {
    const nbsp = await readError(source("<mission>\n<description>Bonjour&nbsp;!</description>\n</mission>\n"));
    expect(nbsp).toMatchObject({ code: "MALFORMED", line: 4 });
    expect(nbsp.message).toContain("entité inconnue");
    expect(nbsp.message).toContain("&nbsp;");

    const ampersand = await readError(source("<mission><title>R&D; recherche</title></mission>\n"));
    expect(ampersand.code).toBe("MALFORMED");
    expect(ampersand.message).toContain("&amp;");

    const unterminated = await readError(source(`<mission><title>R&D ${"x".repeat(500)}</title></mission>\n`));
    expect(unterminated.code).toBe("MALFORMED");
    expect(unterminated.message).toContain("« &D xxx");

    const atEnd = await readError(source("<mission><title>R&D</title></mission>\n"));
    expect(atEnd.message).toContain("« &D</title></mission> … »");

    const dtd =
      '<?xml version="1.0"?>\n<!DOCTYPE source [\n<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;">\n' +
      '<!ENTITY ext SYSTEM "http://127.0.0.1/secret">\n]>\n<source><mission><title>&b;&ext;</title></mission></source>';
    const error = await readError(dtd);
    expect(error).toMatchObject({ code: "MALFORMED", line: 7 });
    expect(error.message).toContain("entité inconnue");
  });

  it("missions read before a malformed point may be yielded, then the error is thrown", async () => {
    const received: string[] = [];
    const doc = source("<mission><clientId>1</clientId></mission>\n<mission><clientId>2</clientId></mision>\n");
    await expect(
      (async () => {
        const lines = doc.split(/(?<=\n)/);
        for await (const batch of readFeedMissions(chunks(...lines), { batchSize: 1 })) {
          received.push(...batch.map((m) => texts(m).clientId ?? ""));
        }
      })(),
    ).rejects.toMatchObject({ code: "MALFORMED", line: 4 });
    expect(received).toEqual(["1"]);
  });

  it("EMPTY: a <source> without <mission>", async () => {
    for (const doc of [
      "<source/>",
      '<?xml version="1.0"?>\n<source></source>',
      "<source><publisher>x</publisher><lastBuildDate>2025</lastBuildDate></source>",
      "<source><missions><mission><clientId>1</clientId></mission></missions></source>",
    ]) {
      const error = await readError(doc);
      expect(error.code, doc).toBe("EMPTY");
      expect(error.message).toBe("Le flux ne contient aucune <mission> sous <source>");
    }
  });
});

describe("readFeedMissions: structure", () => {
  it("keeps only the <mission> children of <source>", async () => {
    const missions = await read(
      source(
        "<publisher>Exemple</publisher><publisherurl>https://exemple.org</publisherurl>\n" +
          "<group><mission><clientId>deep</clientId></mission></group>\n" +
          "<mission><clientId>1</clientId><related><mission><clientId>inside</clientId></mission></related></mission>\n" +
          "texte ignoré <missionx><clientId>x</clientId></missionx>\n" +
          "<mission><clientId>2</clientId></mission>\n",
      ),
    );
    expect(missions.map((m) => texts(m).clientId)).toEqual(["1", "2"]);
    expect(at(missions[0], "related", "mission", "clientId").text).toBe("inside");
  });

  it("flags an oversized mission and reads the next one normally", async () => {
    const big = `<mission><clientId>big</clientId><description>${"x".repeat(5000)}</description><title>t</title></mission>\n`;
    const small = "<mission>\n<clientId>small</clientId><description>ok</description></mission>\n";
    const missions = await read(source(small + big + small), { maxMissionBytes: 2000 });
    expect(missions).toHaveLength(3);
    expect(missions[1]).toEqual({ name: "mission", text: "", children: [], line: 5, oversized: true });
    expect(texts(missions[0])).toEqual({ clientId: "small", description: "ok" });
    expect(missions[2]?.line).toBe(6);
    expect(shape(missions[2] as XmlElement)).toEqual(shape(missions[0] as XmlElement));
    expect(missions[0]?.oversized).toBeUndefined();
  });

  it("flags a mission whose single huge CDATA is streamed, without keeping that CDATA in memory", async () => {
    const gc = exposeGc();
    gc?.();
    const before = process.memoryUsage().heapUsed;
    let maxGrowth = 0;
    async function* feed() {
      yield "<source><mission><clientId>big</clientId><description><![CDATA[";
      // 24 M characters, 48 MB as UTF-16 if they were kept.
      for (let i = 0; i < 366; i++) {
        yield Buffer.from("é".repeat(65_536));
        if (gc && i % 32 === 31) {
          gc();
          maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - before);
        }
      }
      yield "]]></description></mission><mission><clientId>next</clientId></mission></source>";
    }
    const missions = (await readBatches(feed(), { maxMissionBytes: 100_000 })).flat();
    expect(missions.map((m) => m.oversized)).toEqual([true, undefined]);
    expect(missions[0]?.children).toEqual([]);
    expect(texts(missions[1])).toEqual({ clientId: "next" });
    if (gc) expect(maxGrowth).toBeLessThan(16e6);
  });

  it("flags a mission with too many elements, or nested deeper than maxDepth", async () => {
    const many = `<mission>${"<a/>".repeat(50_000)}</mission>`;
    const [crowded] = await read(source(many), { maxMissionBytes: 100_000 });
    expect(crowded?.oversized).toBe(true);

    const address = "<addresses><address><location><lat>1</lat></location></address></addresses>";
    const doc = source(`<mission><clientId>1</clientId>${address}</mission><mission><clientId>2</clientId></mission>`);
    expect((await read(doc, { maxDepth: 4 })).map((m) => m.oversized)).toEqual([undefined, undefined]);
    const limited = await read(doc, { maxDepth: 3 });
    expect(limited.map((m) => m.oversized)).toEqual([true, undefined]);
    expect(limited[0]?.children).toEqual([]);
    const deep = `<mission>${"<x>".repeat(40)}${"</x>".repeat(40)}</mission>`;
    expect((await read(source(deep)))[0]?.oversized).toBe(true);
  });
});

describe("readFeedMissions: streaming", () => {
  const mission = (i: number) => `<mission><clientId>${i}</clientId><title>Mission ${i}</title></mission>\n`;

  it("yields batches of batchSize, then the remainder, in feed order", async () => {
    const all = source(Array.from({ length: 1234 }, (_, i) => mission(i)).join(""));
    for (const input of [chunks(all), chunks(...all.match(/[^]{1,1000}/g)!)]) {
      const batches = await readBatches(input, { batchSize: 500 });
      expect(batches.map((b) => b.length)).toEqual([500, 500, 234]);
      expect(batches.flat().map((m) => texts(m).clientId)).toEqual(Array.from({ length: 1234 }, (_, i) => String(i)));
    }
    const exact = source(Array.from({ length: 1000 }, (_, i) => mission(i)).join(""));
    expect((await readBatches(chunks(exact), { batchSize: 500 })).map((b) => b.length)).toEqual([500, 500]);
    expect((await readBatches(chunks(source(mission(1))))).map((b) => b.length)).toEqual([1]);
  });

  it("also cuts a batch when its missions hold maxBatchChars characters", async () => {
    const big = (i: number) => `<mission><clientId>${i}</clientId><description>${"x".repeat(10_000)}</description></mission>\n`;
    const all = source(Array.from({ length: 10 }, (_, i) => big(i)).join(""));
    const batches = await readBatches(chunks(...all.match(/[^]{1,4096}/g)!), { batchSize: 500, maxBatchChars: 25_000 });
    expect(batches.length).toBeGreaterThanOrEqual(4);
    expect(batches.every((b) => b.length <= 3)).toBe(true);
    expect(batches.flat()).toHaveLength(10);
  });

  it("pulls input only as batches are consumed, and closes the input when the consumer stops", async () => {
    let pulled = 0;
    let closed = false;
    async function* feed() {
      try {
        yield "<source>";
        for (let i = 0; i < 10_000; i++) {
          pulled++;
          yield mission(i);
        }
        yield "</source>";
      } finally {
        closed = true;
      }
    }
    const reader = readFeedMissions(feed(), { batchSize: 10 });
    const first = await reader.next();
    expect(first.value).toHaveLength(10);
    expect(pulled).toBe(10);
    const second = await reader.next();
    expect(second.value).toHaveLength(10);
    expect(pulled).toBe(20);
    await reader.return(undefined);
    expect(closed).toBe(true);
    expect(pulled).toBe(20);
  });

  it("streams ~60 MB of missions in bounded memory", { timeout: 120_000 }, async () => {
    const gc = exposeGc();
    const description = `<p>Accompagner des élèves &amp; leurs familles.</p><ul><li>Préparer les séances</li><li>Animer</li></ul>`.repeat(12);
    const missionXml = (i: number) =>
      `  <mission>\n    <clientId>${String(i).padStart(8, "0")}</clientId>\n    <title><![CDATA[Aide aux devoirs n°${i}]]></title>\n` +
      `    <description><![CDATA[${description}]]></description>\n    <addresses><address><city>Lyon</city>` +
      `<location><lat>45.76</lat><lon>4.85</lon></location></address></addresses>\n  </mission>\n`;
    const missionBytes = Buffer.byteLength(missionXml(0));
    const count = Math.ceil(60e6 / missionBytes);
    async function* feed() {
      yield Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<source>\n');
      for (let i = 0; i < count; i += 20) {
        let chunk = "";
        for (let j = i; j < Math.min(count, i + 20); j++) chunk += missionXml(j);
        yield Buffer.from(chunk);
      }
      yield Buffer.from("</source>\n");
    }

    gc?.();
    const before = process.memoryUsage().heapUsed;
    let maxGrowth = 0;
    let read = 0;
    let batches = 0;
    for await (const batch of readFeedMissions(feed())) {
      read += batch.length;
      if (++batches % 10 === 0) {
        gc?.();
        maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - before);
      }
    }
    gc?.();
    const after = process.memoryUsage().heapUsed - before;
    expect(read).toBe(count);
    expect(count * missionBytes).toBeGreaterThan(59e6);
    if (gc) {
      // Live data: a batch of 500 missions (~1.1 MB of text as UTF-16) and one chunk.
      expect(maxGrowth).toBeLessThan(20e6);
      expect(after).toBeLessThan(10e6);
    } else {
      expect(after).toBeLessThan(60e6);
    }
  });
});

/** The V8 `gc` function, when the runtime lets us enable it; undefined otherwise. */
function exposeGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
