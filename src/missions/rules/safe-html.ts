/**
 * Fast path of the description sanitiser: HTML that is ALREADY in the sanitised form — only the
 * allowlisted tags without any attribute, correctly nested, text with the basic entities — is
 * rewritten the way sanitize-html would (entities decoded then &, <, > escaped; `<br/>` → `<br>`)
 * in one linear scan. Anything else (an attribute, a link, another tag, a named entity, nesting the
 * HTML parser would repair, an unclosed tag…) returns null and goes through sanitize-html.
 *
 * Most feeds write their descriptions with <p>, <ul><li>, <strong>: they take this path, about 10×
 * cheaper than sanitize-html. A unit test checks that both paths give the same output.
 */

const TOKEN = /<(\/?)(p|strong|b|em|i|u|ul|ol|li|h2|h3|h4|blockquote)>|<br\s*\/?>|[^<>&]+|>|&([a-zA-Z]{2,8}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/y;

/** Named entities frequent in French descriptions (HTML5 values); any other name takes the slow path. */
const NAMED: Readonly<Record<string, string>> = {
  amp: "&amp;",
  lt: "&lt;",
  gt: "&gt;",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  rsquo: "\u2019",
  lsquo: "\u2018",
  rdquo: "\u201d",
  ldquo: "\u201c",
  laquo: "\u00ab",
  raquo: "\u00bb",
  hellip: "\u2026",
  ndash: "\u2013",
  mdash: "\u2014",
  bull: "\u2022",
  middot: "\u00b7",
  euro: "\u20ac",
  deg: "\u00b0",
  eacute: "\u00e9",
  egrave: "\u00e8",
  ecirc: "\u00ea",
  euml: "\u00eb",
  agrave: "\u00e0",
  acirc: "\u00e2",
  auml: "\u00e4",
  ccedil: "\u00e7",
  icirc: "\u00ee",
  iuml: "\u00ef",
  ocirc: "\u00f4",
  ouml: "\u00f6",
  ugrave: "\u00f9",
  ucirc: "\u00fb",
  uuml: "\u00fc",
  oelig: "\u0153",
  aelig: "\u00e6",
  Eacute: "\u00c9",
  Egrave: "\u00c8",
  Ecirc: "\u00ca",
  Agrave: "\u00c0",
  Acirc: "\u00c2",
  Ccedil: "\u00c7",
  Ocirc: "\u00d4",
  OElig: "\u0152",
};
const BLOCK: ReadonlySet<string> = new Set(["p", "ul", "ol", "h2", "h3", "h4", "blockquote"]);
/** Containers inside which a block may open without the HTML parser closing something first. */
const HOLDS_BLOCKS: ReadonlySet<string> = new Set(["ul", "ol", "li", "blockquote"]);

function entity(name: string): string | null {
  if (name[0] !== "#") return Object.hasOwn(NAMED, name) ? NAMED[name]! : null;
  const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
  // Control characters, surrogates and out-of-range code points: left to the full sanitiser.
  if (!(code >= 0x20 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff) || (code >= 0x7f && code <= 0x9f)) return null;
  const char = String.fromCodePoint(code);
  return char === "&" ? "&amp;" : char === "<" ? "&lt;" : char === ">" ? "&gt;" : char;
}

/** The sanitised form of `html` when it is already safe and canonical, else null. */
export function sanitizeSafeSubset(html: string): string | null {
  const stack: string[] = [];
  let out = "";
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < html.length) {
    const match = TOKEN.exec(html);
    if (match === null) return null;
    const [token, closing, tag, entityName] = match;
    if (tag !== undefined) {
      if (closing) {
        if (stack.pop() !== tag) return null;
      } else {
        const top = stack.at(-1);
        if (BLOCK.has(tag) && !stack.every((open) => HOLDS_BLOCKS.has(open))) return null;
        if (tag === "li" && top !== "ul" && top !== "ol") return null;
        if ((tag === "ul" || tag === "ol") && top !== undefined && top !== "li" && top !== "blockquote") return null;
        stack.push(tag);
      }
      out += token;
    } else if (token.startsWith("<br")) {
      out += "<br>";
    } else if (entityName !== undefined) {
      const text = entity(entityName);
      if (text === null) return null;
      out += text;
    } else if (token === ">") {
      out += "&gt;";
    } else {
      out += token;
    }
  }
  return stack.length === 0 ? out : null;
}
