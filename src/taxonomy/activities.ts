/**
 * Mission activities: the legacy whitelist (slug → French label) and the parser that turns what an
 * annonceur sends (slugs, labels, comma-separated strings) into the stored LABELS.
 *
 * Both the slug and the label are accepted, case- and accent-insensitively; the label is what is
 * stored and returned. Anything else becomes "Autre". Two slugs share a label
 * (`prevention-sensibilisation` and `sensibilisation` → "Prévention, Sensibilisation").
 */
import { foldText, slugify } from "./slug.ts";

export interface Activity {
  readonly slug: string;
  readonly label: string;
}

/** Label given to every token that matches no known activity. */
export const UNKNOWN_ACTIVITY_LABEL = "Autre";

export const ACTIVITIES: readonly Activity[] = Object.freeze(
  (
    [
      ["accueil-de-public", "Accueil de public"],
      ["activites-manuelles", "Activités manuelles"],
      ["aide-psychologique", "Aide psychologique"],
      ["animation-valorisation", "Animation, Valorisation"],
      ["collecte-de-produits", "Collecte de produits"],
      ["comptabilite-finance", "Comptabilité finance"],
      ["documentation-traduction", "Documentation traduction"],
      ["ecoute-permanence", "Écoute permanence"],
      ["encadrement-d-equipes", "Encadrement d'équipes"],
      ["enseignement-formation", "Enseignement formation"],
      ["evenementiel", "Evenementiel"],
      ["gestion-de-projets", "Gestion de projets"],
      ["gestion-recherche-des-partenariats", "Gestion recherche des partenariats"],
      ["lutte-contre-isolement", "Lutte contre l'isolement"],
      ["mediation-information", "Médiation, Information"],
      ["mentorat-parrainage", "Mentorat parrainage"],
      ["mission-internationale", "Mission internationale"],
      ["preservation-patrimoine", "Préservation, Patrimoine"],
      ["prevention-sensibilisation", "Prévention, Sensibilisation"],
      ["sensibilisation", "Prévention, Sensibilisation"],
      ["ramassage-dechets", "Ramassage de déchets"],
      ["responsabilites-associatives", "Responsabilités associatives"],
      ["sante-soins", "Santé soins"],
      ["secours-aide", "Secours, Aide"],
      ["soins-animaux", "Soins aux animaux"],
      ["soutien-accompagnement", "Soutien, Accompagnement"],
      ["soutien-scolaire", "Soutien scolaire"],
      ["taches-administratives", "Tâches administratives"],
      ["transmission-pedagogie", "Transmission, Pédagogie"],
      ["vie-citoyenne", "Vie citoyenne"],
      ["alphabetisation", "Alphabétisation"],
      ["animation", "Animation"],
      ["art", "Art"],
      ["autre", "Autre"],
      ["bricolage", "Bricolage"],
      ["collecte", "Collecte"],
      ["communication", "Communication"],
      ["conseil", "Conseil"],
      ["distribution", "Distribution"],
      ["informatique", "Informatique"],
      ["jardinage", "Jardinage"],
      ["juridique", "Juridique"],
      ["logistique", "Logistique"],
      ["recrutement", "Recrutement"],
      ["secourisme", "Secourisme"],
      ["sport", "Sport"],
      ["visites", "Visites"],
      ["operations-militaires", "Opérations militaires"],
      ["sciences-humaines-social", "Sciences humaines et social"],
      ["restauration-hotellerie", "Restauration, hôtellerie"],
      ["maintenance-technique", "Maintenance technique"],
      ["gestion-ressources-humaines", "Gestion des ressources humaines"],
      ["gestion-entretien-patrimoine", "Gestion et entretien du patrimoine"],
    ] as const
  ).map(([slug, label]) => Object.freeze({ slug, label })),
);

/** Folded slug or label (see `foldText`) → label. */
const LABEL_BY_KEY = new Map<string, string>();
/** `slugify(slug)` and `slugify(label)` → label: the fallback for a token written loosely. */
const LABEL_BY_SLUG = new Map<string, string>();
for (const { slug, label } of ACTIVITIES) {
  LABEL_BY_KEY.set(foldText(slug), label);
  LABEL_BY_KEY.set(foldText(label), label);
  LABEL_BY_SLUG.set(slugify(slug), label);
  LABEL_BY_SLUG.set(slugify(label), label);
}
/** Every key, longest first, so that "animation,valorisation" is tried before "animation". */
const KEYS_LONGEST_FIRST: readonly (readonly [string, string])[] = [...LABEL_BY_KEY.entries()].sort(
  (a, b) => b[0].length - a[0].length,
);

/** The distinct activity labels, in whitelist order ("Prévention, Sensibilisation" once). */
export function activityLabels(): string[] {
  return [...new Set(ACTIVITIES.map((a) => a.label))];
}

/**
 * Label of one activity given as a whole slug or label (case-, accent- and punctuation-tolerant),
 * or `null` when it is not in the whitelist. Does not split on commas.
 */
export function activityLabel(slugOrLabel: string): string | null {
  const folded = foldText(slugOrLabel);
  if (folded === "") return null;
  return LABEL_BY_KEY.get(folded) ?? LABEL_BY_SLUG.get(slugify(folded)) ?? null;
}

/**
 * Scans one comma-separated string. At each token start the longest known slug or label that ends at
 * a comma (or at the end of the string) wins; otherwise the token up to the next comma is tried as a
 * slug (`slugify(token)`), else it becomes "Autre".
 */
function scanList(input: string, out: Set<string>): void {
  // foldText removes the spaces around commas, so "Animation , Valorisation" and
  // "animation,valorisation" both become "animation,valorisation".
  const text = foldText(input);
  let pos = 0;
  while (pos < text.length) {
    if (text[pos] === "," || text[pos] === " ") {
      pos += 1;
      continue;
    }
    const match = KEYS_LONGEST_FIRST.find(([key]) => {
      const end = pos + key.length;
      return text.startsWith(key, pos) && (end === text.length || text[end] === ",");
    });
    if (match) {
      out.add(match[1]);
      pos += match[0].length;
      continue;
    }
    const comma = text.indexOf(",", pos);
    const end = comma === -1 ? text.length : comma;
    const token = text.slice(pos, end).trim();
    if (token !== "") out.add(LABEL_BY_SLUG.get(slugify(token)) ?? UNKNOWN_ACTIVITY_LABEL);
    pos = end;
  }
}

/**
 * Turns activities as sent by an annonceur into deduplicated labels, in order of first appearance.
 *
 * - a string is a comma-separated list, matched longest-first (so "Animation, Valorisation" stays
 *   one label while "soutien-scolaire,jardinage" gives two);
 * - each array item is first matched as a whole slug or label, and otherwise split like a string;
 * - matching ignores case, accents, extra spaces and typographic apostrophes;
 * - an unknown token gives "Autre"; empty tokens are ignored; `null`/`undefined` give `[]`.
 */
export function parseActivities(input: string | readonly string[] | null | undefined): string[] {
  const out = new Set<string>();
  if (input == null) return [];
  if (typeof input === "string") {
    scanList(input, out);
    return [...out];
  }
  for (const item of input) {
    if (typeof item !== "string" || item.trim() === "") continue;
    const whole = activityLabel(item);
    if (whole !== null) out.add(whole);
    else scanList(item, out);
  }
  return [...out];
}
