/**
 * Mission domains ("domaines d'action"): the 20 legacy slugs accepted by moderation (rule 12) and the
 * French labels shown to users.
 *
 * Two slugs share a label on purpose (legacy data): `memoire-et-citoyennete` and `vivre-ensemble` are
 * both "Mémoire et citoyenneté". `autre` is labelled "Interventions d'urgence en cas de crise" (it is
 * Service Civique's meaning of that slug), not "Autre".
 *
 * Matching is exact: a slug must be given as is (lower case, no surrounding spaces). Callers that
 * accept user input trim it first; a value such as `"Mémoire et citoyenneté"` is NOT a slug and is
 * refused by moderation, as in the legacy service.
 */

export const DOMAIN_SLUGS = [
  "animaux",
  "autre",
  "batiment-industrie-logistique",
  "benevolat-competences",
  "communication",
  "culture-loisirs",
  "education",
  "emploi",
  "environnement",
  "gestion-finance-droit",
  "humanitaire",
  "memoire-et-citoyennete",
  "numerique",
  "prevention-protection",
  "recherche",
  "sante",
  "service-public-defense-securite",
  "sport",
  "solidarite-insertion",
  "vivre-ensemble",
] as const;

export type DomainSlug = (typeof DOMAIN_SLUGS)[number];

/** Slug → French label. */
export const DOMAIN_LABELS: Readonly<Record<DomainSlug, string>> = Object.freeze({
  animaux: "Animaux",
  autre: "Interventions d'urgence en cas de crise",
  "batiment-industrie-logistique": "Bâtiment, Industrie, Logistique",
  "benevolat-competences": "Bénévolat de compétences",
  communication: "Communication",
  "culture-loisirs": "Culture et loisirs",
  education: "Éducation pour tous",
  emploi: "Emploi",
  environnement: "Environnement",
  "gestion-finance-droit": "Gestion, commerce, finance, droit et services",
  humanitaire: "Développement international et aide humanitaire",
  "memoire-et-citoyennete": "Mémoire et citoyenneté",
  numerique: "Numérique",
  "prevention-protection": "Prévention et protection",
  recherche: "Recherche",
  sante: "Santé",
  "service-public-defense-securite": "Service public, défense et sécurité",
  sport: "Sport",
  "solidarite-insertion": "Solidarité",
  "vivre-ensemble": "Mémoire et citoyenneté",
});

const DOMAIN_SET: ReadonlySet<string> = new Set(DOMAIN_SLUGS);

/** True when `slug` is exactly one of the 20 domain slugs. */
export function isDomain(slug: unknown): slug is DomainSlug {
  return typeof slug === "string" && DOMAIN_SET.has(slug);
}

/** French label of a domain slug, or `null` when the slug is not one of the 20. */
export function domainLabel(slug: string): string | null {
  return isDomain(slug) ? DOMAIN_LABELS[slug] : null;
}
