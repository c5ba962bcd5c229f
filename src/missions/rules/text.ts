/**
 * Mission description text: HTML sanitising, HTML → plain text, plain text → HTML.
 *
 * Pure functions, no I/O. Every HTML string that leaves the service (API, widgets, partner sites)
 * must have gone through `sanitizeMissionHtml`; the plain-text `description` is what moderation
 * checks and what search indexes.
 */
import sanitizeHtml from "sanitize-html";
import { sanitizedHtmlToPlainText } from "./plain-text.ts";
import { sanitizeSafeSubset } from "./safe-html.ts";

/** Legacy test for "this description is HTML": any opening or closing tag. */
const HTML_TAG = /<\/?[a-z][\s\S]*>/i;

/** True when `text` contains something that looks like an HTML tag (`/<\/?[a-z][\s\S]*>/i`). */
export function looksLikeHtml(text: string): boolean {
  return HTML_TAG.test(text);
}

/**
 * True when `text` still contains a numeric character reference (`&#`) as text, the sign of a feed
 * that escaped its content twice (`&amp;#233;`) or not at all. Used by moderation rules 2, 6 and 13.
 */
export function hasEncodingIssue(text: string): boolean {
  return text.includes("&#");
}

/**
 * Plain text of an HTML fragment: sanitised first (so text inside removed tags such as `<script>`
 * never appears), then laid out by `sanitizedHtmlToPlainText` (blank line between blocks, " • " list
 * items, link text without the URL, entities decoded, no line wrapping).
 */
export function htmlToPlainText(html: string): string {
  return sanitizedHtmlToPlainText(sanitizeMissionHtml(html));
}

/** Link targets allowed in mission HTML. Anything else (javascript:, data:, relative, "//host") is unwrapped. */
const SAFE_HREF = /^(?:https?|mailto):/i;

/** Value of the `rel` attribute forced on every kept link. */
export const LINK_REL = "noopener noreferrer nofollow";

function isSafeHref(href: string | undefined): boolean {
  if (href === undefined) return false;
  // Same normalisation as sanitize-html: browsers ignore control characters and spaces in a scheme,
  // and an HTML comment inside an href can hide "javascript:".
  const compact = href.replace(/[\x00-\x20]+/g, "").replace(/<!--[\s\S]*?-->/g, "");
  return SAFE_HREF.test(compact);
}

/** Block containers outside the allowlist: each becomes a line break so their texts do not run together. */
const BLOCKS_AS_LINE_BREAKS = [
  "div",
  "section",
  "article",
  "header",
  "footer",
  "main",
  "aside",
  "nav",
  "center",
  "address",
  "figure",
  "figcaption",
  "pre",
  "dl",
  "dt",
  "dd",
  "tr",
] as const;

/**
 * sanitize-html allowlist for mission descriptions shown on partner sites:
 * - tags: p, br, strong, b, em, i, u, ul, ol, li, h2, h3, h4, blockquote, a;
 *   h1 becomes h2 and h5/h6 become h4 (a description never carries the page title);
 * - block containers outside the allowlist (div, section, tr, …) become a `<br>` where they open, so
 *   `<div>a</div><div>b</div>` reads as two lines, not "ab" (superfluous `<br>` are removed after);
 * - attributes: only `href` on `<a>`, with scheme http, https or mailto; every kept link gets
 *   `rel="noopener noreferrer nofollow"`. A link with any other target (javascript:, data:,
 *   vbscript:, relative or protocol-relative URL, no href) is unwrapped: its text stays, the link goes;
 * - every other tag is removed but its text kept, except script, style, iframe, object, embed,
 *   noscript, template, svg, math, textarea, select/option, title and head, whose content is dropped
 *   as well;
 * - no class, style, id, target or event-handler attribute survives; comments are removed.
 */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ["p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "a", "blockquote"],
  allowedAttributes: { a: ["href", "rel"] },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ["href"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  nonTextTags: [
    "script",
    "style",
    "textarea",
    "option",
    "select",
    "noscript",
    "iframe",
    "object",
    "embed",
    "template",
    "svg",
    "math",
    "title",
    "head",
    "noembed",
    "noframes",
    "xmp",
  ],
  // Note: a transform must never rename a tag to a tag outside the allowlist: sanitize-html 2.17 then
  // leaves a stale entry in its rename map and closes a later sibling with the wrong tag.
  transformTags: {
    h1: "h2",
    h5: "h4",
    h6: "h4",
    ...Object.fromEntries(BLOCKS_AS_LINE_BREAKS.map((tag) => [tag, "br"])),
    a: (_tagName, attribs): sanitizeHtml.Tag => {
      const href = attribs.href?.trim();
      // An unsafe link keeps its tag name but loses its href; `exclusiveFilter` then unwraps it.
      if (href === undefined || !isSafeHref(href)) return { tagName: "a", attribs: {} };
      return { tagName: "a", attribs: { href, rel: LINK_REL } };
    },
  },
  // sanitize-html also deletes an href whose scheme is not allowed: either way, no href → unwrap.
  exclusiveFilter: (frame) => (frame.tag === "a" && !frame.attribs.href ? "excludeTag" : false),
};

const ALLOWED_BLOCK_TAG = "</?(?:p|ul|ol|li|h[234]|blockquote)>";

/** Removes the `<br>` that add nothing: at both ends, next to a block tag, and beyond two in a row. */
function tidyLineBreaks(html: string): string {
  return html
    .replace(/<br \/>/g, "<br>")
    .replace(new RegExp(`(?:<br>\\s*)+(?=${ALLOWED_BLOCK_TAG})`, "g"), "")
    .replace(new RegExp(`(${ALLOWED_BLOCK_TAG})(?:\\s*<br>)+`, "g"), "$1")
    .replace(/^(?:\s*<br>)+/, "")
    .replace(/(?:<br>\s*)+$/, "")
    .replace(/(?:<br>\s*){3,}/g, "<br><br>");
}

/** Sanitised HTML for a mission description (see `SANITIZE_OPTIONS`), trimmed. */
export function sanitizeMissionHtml(html: string): string {
  return tidyLineBreaks((sanitizeSafeSubset(html) ?? sanitizeHtml(html, SANITIZE_OPTIONS)).trim()).trim();
}

/** The same through sanitize-html only, without the fast path (its reference in tests). */
export function sanitizeMissionHtmlWithLibrary(html: string): string {
  return tidyLineBreaks(sanitizeHtml(html, SANITIZE_OPTIONS).trim()).trim();
}

/**
 * Escapes `&`, `<`, `>` and `"` for text content. The apostrophe, frequent in French, is left as is:
 * it is harmless in text, and `&#39;` would look like an encoding problem (`hasEncodingIssue`).
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * HTML for a plain-text description: the text is escaped, blank lines separate `<p>` paragraphs and
 * single newlines become `<br>`. `""` for blank input.
 */
export function plainTextToHtml(text: string): string {
  const normalized = text.replace(/\r\n?/g, "\n").trim();
  if (normalized === "") return "";
  return normalized
    .split(/\n[ \t]*\n\s*/)
    .map((paragraph) => `<p>${paragraph.split("\n").map((line) => escapeHtml(line.trim())).join("<br>")}</p>`)
    .join("");
}

export interface DescribedText {
  /** Plain text: what moderation checks and search indexes. */
  description: string;
  /** Safe HTML: what is shown to users and partners. */
  descriptionHtml: string;
}

/**
 * Both forms of a mission description.
 * - HTML input (`looksLikeHtml`): `descriptionHtml` = sanitised HTML, `description` = its plain text
 *   (so text inside removed tags such as `<script>` never reaches the plain text either);
 * - plain-text input: `description` = the input trimmed, with CRLF/CR line ends turned into LF;
 *   `descriptionHtml` = `plainTextToHtml(input)`.
 *
 * Nothing is truncated here: moderation rule 7 truncates the plain text.
 */
export function describe(input: string): DescribedText {
  if (looksLikeHtml(input)) {
    const descriptionHtml = sanitizeMissionHtml(input);
    return { description: sanitizedHtmlToPlainText(descriptionHtml), descriptionHtml };
  }
  return { description: input.replace(/\r\n?/g, "\n").trim(), descriptionHtml: plainTextToHtml(input) };
}
