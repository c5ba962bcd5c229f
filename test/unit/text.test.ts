import { describe as suite, it, expect } from "vitest";
import {
  describe,
  hasEncodingIssue,
  htmlToPlainText,
  looksLikeHtml,
  plainTextToHtml,
  sanitizeMissionHtml,
} from "../../src/missions/rules/text.ts";

suite("sanitizeMissionHtml", () => {
  it("removes scripts and their content", () => {
    const out = sanitizeMissionHtml("<p>Avant<script>alert('x')</script>après</p>");
    expect(out).toBe("<p>Avantaprès</p>");
  });

  it("removes event handlers, images, styles, iframes and their content", () => {
    const out = sanitizeMissionHtml(
      '<p onclick="steal()" style="color:red" class="x">Texte</p>' +
        '<img src="x" onerror="alert(1)">' +
        "<style>p { display:none }</style>" +
        '<iframe src="https://evil.example"><p>cadre</p></iframe>',
    );
    expect(out).toBe("<p>Texte</p>");
    expect(out).not.toMatch(/onerror|onclick|style|iframe|img|cadre/i);
  });

  it("removes svg/math payloads and comments", () => {
    expect(sanitizeMissionHtml("<svg><script>alert(1)</script></svg><!-- x --><p>ok</p>")).toBe("<p>ok</p>");
  });

  it("unwraps javascript:, data:, relative and protocol-relative links, keeping their text", () => {
    const out = sanitizeMissionHtml(
      '<a href="javascript:alert(1)">un</a> <a href="JaVaScRiPt:alert(1)">deux</a> ' +
        '<a href="jav&#x09;ascript:alert(1)">trois</a> <a href="data:text/html,x">quatre</a> ' +
        '<a href="/relatif">cinq</a> <a href="//evil.example">six</a> <a>sept</a>',
    );
    expect(out).toBe("un deux trois quatre cinq six sept");
  });

  it("keeps http, https and mailto links with a forced rel and no other attribute", () => {
    const out = sanitizeMissionHtml(
      '<a href=" https://example.org/a?b=1&amp;c=2 " target="_blank" rel="opener" id="l">site</a> ' +
        '<a href="mailto:contact@example.org">mail</a>',
    );
    expect(out).toBe(
      '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">site</a> ' +
        '<a href="mailto:contact@example.org" rel="noopener noreferrer nofollow">mail</a>',
    );
  });

  it("keeps the allowed formatting tags", () => {
    const html =
      "<h2>Titre</h2><h3>Sous-titre</h3><h4>Détail</h4><p><strong>a</strong> <b>b</b> <em>c</em> <i>d</i> <u>e</u><br>f</p>" +
      "<ul><li>un</li></ul><ol><li>deux</li></ol><blockquote>cit</blockquote>";
    expect(sanitizeMissionHtml(html)).toBe(html);
  });

  it("maps h1 to h2 and h5/h6 to h4, and turns div-like blocks into line breaks", () => {
    expect(sanitizeMissionHtml("<h1>A</h1><h5>B</h5><h6>C</h6>")).toBe("<h2>A</h2><h4>B</h4><h4>C</h4>");
    expect(sanitizeMissionHtml("<div>ligne 1</div><div>ligne 2</div><div><p>para</p></div>")).toBe(
      "ligne 1<br>ligne 2<p>para</p>",
    );
  });

  it("does not mis-close tags after an unwrapped link", () => {
    expect(sanitizeMissionHtml('<a href="javascript:x">a</a><a href="https://ok.example">b</a>')).toBe(
      'a<a href="https://ok.example" rel="noopener noreferrer nofollow">b</a>',
    );
  });
});

suite("htmlToPlainText", () => {
  it("prefixes unordered list items with a bullet and keeps numbered lists", () => {
    expect(htmlToPlainText("<p>Missions :</p><ul><li>Accueil</li><li>Tri</li></ul><ol><li>Un</li><li>Deux</li></ol>")).toBe(
      "Missions :\n\n • Accueil\n • Tri\n\n 1. Un\n 2. Deux",
    );
  });

  it("decodes entities, keeps newlines, does not wrap long lines", () => {
    const long = "mot ".repeat(40).trim();
    expect(htmlToPlainText(`<p>Caf&eacute; &amp; th&#233;</p><p>ligne 1\nligne 2<br>ligne 3</p><p>${long}</p>`)).toBe(
      `Café & thé\n\nligne 1\nligne 2\nligne 3\n\n${long}`,
    );
  });

  it("shows link text without the URL, headings in their own case, no image or script text", () => {
    expect(
      htmlToPlainText('<h2>Votre rôle</h2><p>Voir <a href="https://ex.org">le site</a><img src="x.png" alt="logo"><script>x()</script></p>'),
    ).toBe("Votre rôle\n\nVoir le site");
  });
});

suite("looksLikeHtml / hasEncodingIssue", () => {
  it("detects tags", () => {
    expect(looksLikeHtml("<p>x</p>")).toBe(true);
    expect(looksLikeHtml("a<br/>b")).toBe(true);
    expect(looksLikeHtml("</DIV>")).toBe(true);
    expect(looksLikeHtml("3 < 4 et 5 > 2")).toBe(false);
    expect(looksLikeHtml("texte simple")).toBe(false);
  });

  it("detects numeric character references", () => {
    expect(hasEncodingIssue("Caf&#233;")).toBe(true);
    expect(hasEncodingIssue("Café &amp; thé")).toBe(false);
  });
});

suite("describe", () => {
  it("sanitises HTML input and derives the plain text from the sanitised HTML", () => {
    const result = describe('<p>Aidez <b>nous</b></p><ul><li>Accueil</li></ul><script>alert("x")</script>');
    expect(result.descriptionHtml).toBe("<p>Aidez <b>nous</b></p><ul><li>Accueil</li></ul>");
    expect(result.description).toBe("Aidez nous\n\n • Accueil");
  });

  it("escapes plain text input and turns newlines into <br> and paragraphs", () => {
    const result = describe('  Aide aux "devoirs" & <3 goûter\r\nle mercredi\n\nDeuxième paragraphe  ');
    expect(result.description).toBe('Aide aux "devoirs" & <3 goûter\nle mercredi\n\nDeuxième paragraphe');
    expect(result.descriptionHtml).toBe(
      "<p>Aide aux &quot;devoirs&quot; &amp; &lt;3 goûter<br>le mercredi</p><p>Deuxième paragraphe</p>",
    );
  });

  it("gives empty strings for blank input and for HTML with nothing safe in it", () => {
    expect(describe("   ")).toEqual({ description: "", descriptionHtml: "" });
    expect(describe("<script>alert(1)</script>")).toEqual({ description: "", descriptionHtml: "" });
  });

  it("keeps double-encoded entities visible so that moderation can refuse them", () => {
    expect(hasEncodingIssue(describe("<p>Caf&amp;#233;</p>").description)).toBe(true);
  });
});

suite("plainTextToHtml", () => {
  it("leaves apostrophes alone so that the HTML shows no numeric entity", () => {
    expect(plainTextToHtml("Lutte contre l'isolement")).toBe("<p>Lutte contre l'isolement</p>");
  });

  it("collapses several blank lines into one paragraph break", () => {
    expect(plainTextToHtml("a\n\n\n\nb")).toBe("<p>a</p><p>b</p>");
  });
});
