/**
 * The fictional partners of the demo data set and the diffusion rights between them.
 * Every name ends with "(démo)" and every URL uses the reserved `.example` top-level domain.
 */
import type { DemoDomain } from "./vocabulary.ts";

export interface DemoPublisher {
  key: string;
  name: string;
  url: string;
  description: string;
  category: string;
  isAnnonceur: boolean;
  isDiffuseur: boolean;
  moderator?: boolean;
  missionType: "benevolat" | "volontariat_service_civique" | null;
  trackingPrefix: "utm" | "mtm";
}

/** How an annonceur publishes: its share of the missions, its domains, its identifiers. */
export interface AnnonceurProfile {
  key: string;
  /** Fraction of all demo missions (the shares add up to 1). */
  share: number;
  /** Relative weight of each domain among its missions. */
  domains: Partial<Record<DemoDomain, number>>;
  /** Prefix of mission clientIds ("BER-00042"). */
  clientIdPrefix: string;
  /** Path of the application page under the publisher's URL. */
  applicationPath: string;
  /** Domains of its organisations when narrower than its missions' (a sport federation has clubs). */
  organizationDomains?: readonly DemoDomain[];
  /** Network every one of its organisations belongs to, if any. */
  network?: string;
  /** Its missions may deliberately fail automatic moderation (a volontariat platform's do not). */
  refusable: boolean;
}

export const DEMO_PUBLISHERS: readonly DemoPublisher[] = [
  {
    key: "benevoles-en-region",
    name: "Bénévoles en Région (démo)",
    url: "https://benevoles-en-region.example",
    description: "Plateforme de bénévolat fictive : associations de toute la France qui cherchent des bénévoles, ponctuels ou réguliers.",
    category: "Plateformes d'engagement",
    isAnnonceur: true,
    isDiffuseur: true,
    missionType: "benevolat",
    trackingPrefix: "utm",
  },
  {
    key: "volontaires-avenir",
    name: "Volontaires d'Avenir (démo)",
    url: "https://volontaires-avenir.example",
    description: "Plateforme fictive de missions de volontariat de type Service Civique, de 6 à 12 mois, indemnisées, pour les 16-25 ans.",
    category: "Services publics",
    isAnnonceur: true,
    isDiffuseur: false,
    missionType: "volontariat_service_civique",
    trackingPrefix: "mtm",
  },
  {
    key: "federation-sport-ensemble",
    name: "Fédération Sport Ensemble (démo)",
    url: "https://sport-ensemble.example",
    description: "Fédération sportive fictive : ses clubs affiliés cherchent des encadrants, des arbitres et des bénévoles d'événements.",
    category: "Acteurs associatifs",
    isAnnonceur: true,
    isDiffuseur: false,
    missionType: "benevolat",
    trackingPrefix: "utm",
  },
  {
    key: "reseau-nature-territoires",
    name: "Réseau Nature & Territoires (démo)",
    url: "https://nature-territoires.example",
    description: "Réseau associatif fictif de protection de la nature : chantiers, sciences participatives et sensibilisation.",
    category: "Acteurs associatifs",
    isAnnonceur: true,
    isDiffuseur: true,
    missionType: "benevolat",
    trackingPrefix: "utm",
  },
  {
    key: "ville-de-beaulieu",
    name: "Ville de Beaulieu-sur-Loire (démo)",
    url: "https://beaulieu-sur-loire.example",
    description: "Site d'une ville fictive qui affiche les missions de bénévolat proposées près de chez ses habitants.",
    category: "Collectivités",
    isAnnonceur: false,
    isDiffuseur: true,
    missionType: null,
    trackingPrefix: "utm",
  },
  {
    key: "emploi-solidaire",
    name: "Emploi Solidaire (démo)",
    url: "https://emploi-solidaire.example",
    description: "Site d'offres d'emploi fictif qui propose aussi des missions d'engagement à ses candidats.",
    category: "Plateformes d'emploi",
    isAnnonceur: false,
    isDiffuseur: true,
    missionType: null,
    trackingPrefix: "utm",
  },
  {
    key: "campus-engage",
    name: "Campus Engagé (démo)",
    url: "https://campus-engage.example",
    description: "Application étudiante fictive : missions de bénévolat et de volontariat compatibles avec les études.",
    category: "Écoles & universités",
    isAnnonceur: false,
    isDiffuseur: true,
    missionType: null,
    trackingPrefix: "utm",
  },
  {
    key: "portail-engagement",
    name: "Portail national de l'engagement (démo)",
    url: "https://portail-engagement.example",
    description: "Portail public fictif qui rassemble toutes les missions et en assure la modération.",
    category: "Services publics",
    isAnnonceur: false,
    isDiffuseur: true,
    moderator: true,
    missionType: null,
    trackingPrefix: "utm",
  },
];

export const ANNONCEUR_PROFILES: readonly AnnonceurProfile[] = [
  {
    key: "benevoles-en-region",
    share: 0.45,
    clientIdPrefix: "BER",
    applicationPath: "missions",
    refusable: true,
    domains: {
      "solidarite-insertion": 14,
      education: 10,
      "vivre-ensemble": 8,
      "culture-loisirs": 8,
      sante: 7,
      environnement: 6,
      animaux: 5,
      humanitaire: 5,
      "benevolat-competences": 5,
      numerique: 5,
      emploi: 4,
      "prevention-protection": 4,
      sport: 4,
      communication: 3,
      "gestion-finance-droit": 3,
      "memoire-et-citoyennete": 3,
      "batiment-industrie-logistique": 3,
      recherche: 2,
      "service-public-defense-securite": 2,
      autre: 2,
    },
  },
  {
    key: "volontaires-avenir",
    share: 0.25,
    clientIdPrefix: "VDA",
    applicationPath: "offres",
    refusable: false,
    domains: {
      "solidarite-insertion": 14,
      education: 14,
      sante: 8,
      "culture-loisirs": 8,
      environnement: 8,
      "vivre-ensemble": 8,
      sport: 7,
      "memoire-et-citoyennete": 5,
      "prevention-protection": 5,
      numerique: 4,
      humanitaire: 3,
      autre: 3,
      "service-public-defense-securite": 3,
    },
  },
  {
    key: "federation-sport-ensemble",
    share: 0.12,
    clientIdPrefix: "FSE",
    applicationPath: "benevolat",
    network: "Fédération Sport Ensemble",
    organizationDomains: ["sport"],
    refusable: true,
    domains: { sport: 70, sante: 8, education: 6, "vivre-ensemble": 6, "prevention-protection": 6, communication: 4 },
  },
  {
    key: "reseau-nature-territoires",
    share: 0.18,
    clientIdPrefix: "RNT",
    applicationPath: "agir",
    network: "Réseau Nature & Territoires",
    organizationDomains: ["environnement", "environnement", "environnement", "animaux", "recherche"],
    refusable: true,
    domains: { environnement: 60, animaux: 18, recherche: 8, "culture-loisirs": 6, education: 5, "batiment-industrie-logistique": 3 },
  },
];

/** Which annonceurs each diffuseur may show: every diffuseur sees at least two annonceurs. */
export const DEMO_DIFFUSION: readonly { diffuseurKey: string; annonceurKey: string }[] = [
  ...["benevoles-en-region", "volontaires-avenir", "federation-sport-ensemble", "reseau-nature-territoires"].map((annonceurKey) => ({
    diffuseurKey: "portail-engagement",
    annonceurKey,
  })),
  { diffuseurKey: "ville-de-beaulieu", annonceurKey: "benevoles-en-region" },
  { diffuseurKey: "ville-de-beaulieu", annonceurKey: "federation-sport-ensemble" },
  { diffuseurKey: "ville-de-beaulieu", annonceurKey: "reseau-nature-territoires" },
  { diffuseurKey: "emploi-solidaire", annonceurKey: "benevoles-en-region" },
  { diffuseurKey: "emploi-solidaire", annonceurKey: "volontaires-avenir" },
  { diffuseurKey: "campus-engage", annonceurKey: "volontaires-avenir" },
  { diffuseurKey: "campus-engage", annonceurKey: "benevoles-en-region" },
  { diffuseurKey: "campus-engage", annonceurKey: "federation-sport-ensemble" },
  { diffuseurKey: "benevoles-en-region", annonceurKey: "reseau-nature-territoires" },
  { diffuseurKey: "benevoles-en-region", annonceurKey: "federation-sport-ensemble" },
  { diffuseurKey: "reseau-nature-territoires", annonceurKey: "benevoles-en-region" },
  { diffuseurKey: "reseau-nature-territoires", annonceurKey: "volontaires-avenir" },
];
