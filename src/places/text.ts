/**
 * Text folding used to compare place names typed by people with reference names.
 *
 * `foldText("Saint-Étienne")` and `foldText("saint etienne")` both give `"saint etienne"`:
 * accents removed, lower case, ligatures expanded, every run of punctuation/space collapsed into one
 * space. Pure and allocation-light; used to build and query the name indexes.
 */
export function foldText(input: string): string {
  let text = input.toLowerCase();
  // Fast path: most names are plain ASCII once lower-cased.
  if (!/[^\x00-\x7f]/.test(text)) return text.replace(/[^a-z0-9]+/g, " ").trim();
  text = text.normalize("NFD").replace(/[\u0300-\u036f]+/g, "");
  if (/[œæß]/.test(text)) text = text.replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/ß/g, "ss");
  return text.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** Abbreviations commonly found in French city names, expanded before comparison. */
const CITY_ABBREVIATIONS: ReadonlyArray<[RegExp, string]> = [
  [/(^| )st( |$)/g, "$1saint$2"],
  [/(^| )ste( |$)/g, "$1sainte$2"],
  [/(^| )sts( |$)/g, "$1saints$2"],
  [/(^| )stes( |$)/g, "$1saintes$2"],
];

/**
 * Key used to match a city name: {@link foldText}, then French-specific clean-ups so that the
 * spellings found in partner feeds meet the reference names:
 * - `CEDEX` and its number are dropped ("Paris Cedex 07" → "paris");
 * - a trailing arrondissement number is dropped ("Paris 3e Arrondissement", "Lyon 03", "Marseille 8ème"
 *   → the city itself);
 * - "St"/"Ste" are expanded to "saint"/"sainte".
 */
export function cityKey(input: string): string {
  let key = foldText(input);
  key = key.replace(/ cedex(?: \d{1,3})?$/, "").replace(/ cedex(?: \d{1,3})? /, " ");
  key = key.replace(/ \d{1,2} ?(?:er|e|eme|em|ieme|r)?(?: arr(?:ondissement)?)?$/, "");
  key = key.replace(/ arrondissement$/, "");
  if (/(?:^| )stes?(?: |$)|(?:^| )sts?(?: |$)/.test(key)) {
    for (const [pattern, replacement] of CITY_ABBREVIATIONS) {
      // Applied twice: adjacent matches share their separating space ("st st" is rare but legal).
      key = key.replace(pattern, replacement).replace(pattern, replacement);
    }
  }
  return key.trim();
}
