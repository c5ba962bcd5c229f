/**
 * The plain text of sanitised mission HTML, checked against html-to-text (with the options the
 * service used before) as a reference implementation on hand-written and generated HTML.
 */
import { compile } from "html-to-text";
import { describe as suite, expect, it } from "vitest";
import { sanitizedHtmlToPlainText } from "../../src/missions/rules/plain-text.ts";
import { sanitizeMissionHtml } from "../../src/missions/rules/text.ts";

const reference = compile({
  wordwrap: false,
  preserveNewlines: true,
  selectors: [
    { selector: "a", options: { ignoreHref: true } },
    { selector: "ul", options: { itemPrefix: " • " } },
    ...["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});
const expected = (sanitized: string) =>
  reference(sanitized)
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();

const HAND_WRITTEN = [
  "<p>Missions :</p><ul><li>Accueil</li><li>Tri</li></ul><ol><li>Un</li><li>Deux</li></ol>",
  "<p>Caf&eacute; &amp; th&#233; &lt;b&gt;</p><p>ligne 1\nligne 2<br>ligne 3</p>",
  '<h2>Votre rôle</h2><p>Voir <a href="https://ex.org">le site</a><img src="x.png"><script>x()</script></p>',
  "<blockquote><p>cite 1</p><p>cite 2</p></blockquote>après",
  "<ul><li>un<ul><li>deux</li></ul></li><li>trois</li></ul>",
  "a<br>b<br><br><br>c",
  "<p>  x   y  </p>  z  <strong> gras </strong>fin",
  "<h1>Titre</h1>texte<h3>Sous</h3><p>p</p><h6>petit</h6>",
  "x\n\n\ny",
  "<p>a\n  b</p>",
  "<ul><li><p>para in li</p></li></ul>",
  "<div>a</div><div>b</div><section>c</section>",
  "<p>Vos missions\u00a0: aider</p>",
  "<p>Caf&amp;#233;</p>",
  "",
];

/** Deterministic random HTML from the sanitiser's vocabulary, with spaces and newlines in odd places. */
function generated(count: number): string[] {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const words = ["bénévole", "aide", "l'accueil", "&amp;", "Café", "  ", "\n", " mots ", "100 %", "« guillemets »"];
  const text = (newlines = true) =>
    Array.from({ length: 1 + rand(5) }, () => words[rand(words.length)]!)
      .filter((w) => newlines || w !== "\n")
      .join(rand(3) ? " " : "");
  const inline = (newlines = true) => {
    const tag = ["strong", "em", "b", "i", "u", "a"][rand(6)]!;
    return tag === "a" ? `<a href="https://x.example">${text(newlines)}</a>` : `<${tag}>${text(newlines)}</${tag}>`;
  };
  const phrase = (newlines = true) => Array.from({ length: 1 + rand(4) }, () => (rand(3) ? text(newlines) : inline(newlines))).join(rand(2) ? " " : "") + (newlines ? "" : " aide");
  const block = (depth: number): string => {
    switch (rand(depth > 1 ? 4 : 6)) {
      case 0:
        return `<p>${phrase()}</p>`;
      case 1:
        return `${phrase()}<br>${phrase()}`;
      case 2: {
        const level = 2 + rand(3);
        return `<h${level}>${phrase()}</h${level}>`;
      }
      case 3:
        return phrase();
      case 4:
        return `<ul>${Array.from({ length: 1 + rand(4) }, () => `<li>${phrase(false)}</li>`).join("")}</ul>`;
      default:
        return `<ol>${Array.from({ length: 1 + rand(4) }, () => `<li>${phrase(false)}</li>`).join("")}</ol>`;
    }
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + rand(6) }, () => block(0)).join(rand(2) ? "\n" : ""));
}

suite("sanitizedHtmlToPlainText", () => {
  it.each(HAND_WRITTEN)("lays out %j like the reference", (html) => {
    const sanitized = sanitizeMissionHtml(html);
    expect(sanitizedHtmlToPlainText(sanitized)).toBe(expected(sanitized));
  });

  it("matches the reference on 3,000 generated descriptions", () => {
    const mismatches = generated(3000)
      .map((html) => sanitizeMissionHtml(html))
      .filter((sanitized) => sanitizedHtmlToPlainText(sanitized) !== expected(sanitized));
    expect(mismatches.slice(0, 3).map((s) => [s, sanitizedHtmlToPlainText(s), expected(s)])).toEqual([]);
    expect(mismatches.length).toBe(0);
  });
});
