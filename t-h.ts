import { htmlToPlainText, sanitizeMissionHtml } from "./src/missions/rules/text.ts";
import { sanitizedHtmlToPlainText } from "./src/missions/rules/plain-text.ts";
import fs from "node:fs";
const cases = [
 "<ol><li>a</li><li>b</li><li>c</li></ol>",
 "<blockquote><p>cite 1</p><p>cite 2</p></blockquote>après",
 "<ul><li>un<ul><li>deux</li></ul></li><li>trois</li></ul>",
 "a<br>b<br><br><br>c",
 "<p>  x   y  </p>  z  <strong> gras </strong>fin",
 "<h2>Titre</h2>texte<h3>Sous</h3><p>p</p>",
 "<li>orphan</li>",
 "x\n\n\ny",
 "<p>a\n  b</p>",
 "<ul><li><p>para in li</p></li></ul>",
 "<a href='https://x'>lien</a> &amp; &lt;b&gt;",
 "<p>Missions :</p><ul><li>Accueil</li><li>Tri</li></ul><ol><li>Un</li><li>Deux</li></ol>",
 `<p>Caf&eacute; &amp; th&#233;</p><p>ligne 1\nligne 2<br>ligne 3</p>`,
 '<h2>Votre rôle</h2><p>Voir <a href="https://ex.org">le site</a><img src="x.png" alt="logo"><script>x()</script></p>',
 '<div>a</div><div>b</div><p>Aidez <b>nous</b></p>',
 "<p>Caf&amp;#233;</p>",
];
let diff = 0;
for (const c of cases) { const s = sanitizeMissionHtml(c); const a = htmlToPlainText(s), b = sanitizedHtmlToPlainText(s); if (a !== b) { diff++; console.log(JSON.stringify(s), "\n  h2t:", JSON.stringify(a), "\n  new:", JSON.stringify(b)); } }
console.log("diffs", diff, "/", cases.length);
// corpus from generated feed descriptions
const xml = fs.readFileSync("/tmp/prof/feed20k.xml", "utf8");
const descs = [...xml.matchAll(/<description><!\[CDATA\[([\s\S]*?)\]\]><\/description>/g)].map(m => m[1]!).slice(0, 3000);
let d2 = 0; for (const d of descs) { const s = sanitizeMissionHtml(d); const a = htmlToPlainText(s), b = sanitizedHtmlToPlainText(s); if (a !== b) { if (d2 < 3) console.log("CORPUS", JSON.stringify(s.slice(0,300)), "\n  h2t:", JSON.stringify(a.slice(0,300)), "\n  new:", JSON.stringify(b.slice(0,300))); d2++; } }
console.log("corpus diffs", d2, "/", descs.length);
const s0 = sanitizeMissionHtml(descs[0]!); let t = performance.now(); for (let i = 0; i < 3000; i++) sanitizedHtmlToPlainText(s0); console.log("new µs", ((performance.now()-t)/3).toFixed(1));
t = performance.now(); for (let i = 0; i < 3000; i++) htmlToPlainText(s0); console.log("h2t µs", ((performance.now()-t)/3).toFixed(1));
