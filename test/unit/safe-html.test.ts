/**
 * The sanitiser's fast path (HTML already in the safe subset) must give exactly what sanitize-html
 * gives, and must refuse everything else.
 */
import { describe as suite, expect, it } from "vitest";
import { sanitizeSafeSubset } from "../../src/missions/rules/safe-html.ts";
import { sanitizeMissionHtml, sanitizeMissionHtmlWithLibrary } from "../../src/missions/rules/text.ts";

const SAFE = [
  "<p>Aider &eacute;l&egrave;ves &amp; parents, l&rsquo;&eacute;t&eacute; : 3 &gt; 2 &lt; 4 &quot;ok&quot; &#233; &#xE9;&nbsp;!</p>",
  "<p>a<br>b<br/>c<br />d</p><ul><li>un <strong>deux</strong></li><li><em>trois</em></li></ul>",
  "<h2>Titre</h2><blockquote><p>cite</p></blockquote><ol><li>x<ul><li>y</li></ul></li></ol>",
  "texte > flèche",
  "  <p>espaces</p>\n<p></p>  ",
];
const UNSAFE = [
  '<p onclick="x()">a</p>',
  '<a href="https://x.example">lien</a>',
  "<script>alert(1)</script>",
  "<p>a<ul><li>b</li></ul></p>",
  "<ul><li>a<li>b</ul>",
  "<p>a",
  "<li>orphelin</li>",
  "<p><strong>a</p></strong>",
  "<div>a</div>",
  "<P>x</P>",
  "a &copy; b",
  "a & b",
  "&#0;",
  "<h2><p>x</p></h2>",
  "<!-- commentaire -->",
];

/** Deterministic random fragments mixing safe and unsafe pieces. */
function generated(count: number): string[] {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >>> 16) % n;
  };
  const pieces = [
    "<p>", "</p>", "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>", "<strong>", "</strong>", "<em>", "</em>", "<h3>", "</h3>",
    "<blockquote>", "</blockquote>", "<br>", "<br/>", "texte", " ", "\n", "&amp;", "&eacute;", "&rsquo;", "&#233;", ">", "&",
    '<a href="https://x">', "</a>", "<div>", "</div>", "<span>", "&copy;", "&#x1F600;", "<b>", "</b>",
  ];
  const words = ["texte", "élève", "&amp;", "&eacute;t&eacute;", "l&rsquo;aide", "&#233;", "3 > 2", "\n", "  ", "&nbsp;:", "&laquo;&nbsp;ok&nbsp;&raquo;"];
  const text = () => Array.from({ length: 1 + rand(4) }, () => words[rand(words.length)]).join(rand(2) ? " " : "");
  const inline = () => (rand(3) ? text() : `<${["strong", "em", "b", "i", "u"][rand(5)]}>${text()}</${"x"}>`.replace(/<(\w+)>(.*)<\/x>/s, "<$1>$2</$1>"));
  const block = (): string =>
    [
      () => `<p>${inline()}${rand(2) ? "<br>" + inline() : ""}</p>`,
      () => `<ul>${Array.from({ length: 1 + rand(3) }, () => `<li>${inline()}</li>`).join("")}</ul>`,
      () => `<ol><li>${inline()}<ul><li>${inline()}</li></ul></li></ol>`,
      () => `<h${2 + rand(3)}>${inline()}</h$>`.replace(/<h(\d)>(.*)<\/h\$>/s, "<h$1>$2</h$1>"),
      () => `<blockquote><p>${inline()}</p></blockquote>`,
      () => inline(),
    ][rand(6)]!();
  return Array.from({ length: count }, () =>
    rand(2)
      ? Array.from({ length: 1 + rand(5) }, block).join(rand(2) ? "\n" : "")
      : Array.from({ length: 2 + rand(14) }, () => pieces[rand(pieces.length)]).join(""),
  );
}

suite("sanitizeSafeSubset", () => {
  it.each(SAFE)("takes the fast path and matches sanitize-html: %j", (html) => {
    expect(sanitizeSafeSubset(html)).not.toBeNull();
    expect(sanitizeMissionHtml(html)).toBe(sanitizeMissionHtmlWithLibrary(html));
  });

  it.each(UNSAFE)("leaves %j to sanitize-html", (html) => {
    expect(sanitizeSafeSubset(html)).toBeNull();
  });

  it("gives sanitize-html's output on 20,000 generated fragments, fast path or not", () => {
    const inputs = generated(20_000);
    const mismatches = inputs.filter((html) => sanitizeMissionHtml(html) !== sanitizeMissionHtmlWithLibrary(html));
    expect(mismatches.slice(0, 5).map((html) => [html, sanitizeMissionHtml(html), sanitizeMissionHtmlWithLibrary(html)])).toEqual([]);
    // The generator must exercise the fast path, not only the fallback.
    expect(inputs.filter((html) => sanitizeSafeSubset(html) !== null).length).toBeGreaterThan(1000);
  });
});
