/**
 * Text folding shared by the taxonomies and the organisation rules.
 *
 * Pure functions, no I/O. `foldText` is the comparison key used for case- and accent-insensitive
 * matching; `slugify` builds URL-safe identifiers (`"Encadrement d'équipes"` → `"encadrement-d-equipes"`).
 */

/** Ligatures and letters that Unicode NFD does not decompose into a base letter + accent. */
const SPECIAL_LETTERS: Readonly<Record<string, string>> = {
  "œ": "oe",
  "Œ": "oe",
  "æ": "ae",
  "Æ": "ae",
  "ß": "ss",
  "ø": "o",
  "Ø": "o",
  "đ": "d",
  "Đ": "d",
  "ł": "l",
  "Ł": "l",
};

/** Removes accents (combining marks after NFD) and expands ligatures: `"Œuvre à côté"` → `"Oeuvre a cote"`. */
export function removeAccents(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[œŒæÆßøØđĐłŁ]/g, (c) => SPECIAL_LETTERS[c] ?? c);
}

/**
 * Comparison key: lower-cased, accents removed, typographic apostrophes turned into `'`, runs of
 * whitespace collapsed to one space, spaces around commas removed, trimmed.
 * `"  Médiation ,  Information "` → `"mediation,information"`.
 */
export function foldText(text: string): string {
  return removeAccents(text)
    .toLowerCase()
    .replace(/[\u2019\u2018\u02bc`´]/g, "'")
    .replace(/\s+/g, " ")
    .replace(/ ?, ?/g, ",")
    .trim();
}

/**
 * URL-safe slug: lower-cased, accents removed, every run of characters other than `a-z0-9` replaced by
 * a single `-`, leading and trailing dashes removed. Returns `""` when nothing alphanumeric is left.
 * `"Les Restos du Cœur !"` → `"les-restos-du-coeur"`.
 */
export function slugify(text: string): string {
  return removeAccents(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
