/**
 * A realistic diffuseur-search catalogue, written straight into a freshly migrated database for
 * `bench/search.ts`: 300 annonceurs with a skewed size distribution (four national platforms of
 * ~20k missions, a few dozen of a few thousand, most with tens to hundreds), 50 diffuseurs with
 * diffusion rules (one "big" diffuseur allowed on every annonceur), a few thousand organisations,
 * 200,000 missions (default) with French titles and 500–1,500-character descriptions, and 1 to 3
 * addresses each: 60% around the ten largest French cities (a real commune within 40 km, weighted by
 * population × a gaussian of its distance to the centre, σ = 8 km; then a point in that commune,
 * spread over the whole territory of the big city itself), 40% spread over France in proportion to
 * commune population. About 3% of the missions are REFUSED and 2% soft-deleted; ~3% have no start
 * date (they sort first, as NULLs do today).
 *
 * Deterministic for a given seed (seeded PRNG, fixed reference date, ids drawn from the PRNG); the
 * only random part is the big diffuseur's API key. Rows go in as multi-row INSERTs of ~1,000 rows
 * (`json_populate_recordset` over one JSON parameter: no parameter-count limit, no COPY), so the
 * same code works on a PostgreSQL server and through the embedded PGlite socket.
 */
import { Kysely, PostgresDialect } from "kysely";
import type pg from "pg";
import { migrate } from "../src/db/migrate.ts";
import type { Database } from "../src/db/schema.ts";
import { capitalize, fillCity, inCity } from "../src/demo/french.ts";
import { createRandom, WeightedPicker, type Random } from "../src/demo/random.ts";
import {
  CLOSINGS,
  DEMO_DOMAINS,
  REQUIREMENTS_BENEVOLAT,
  REQUIREMENTS_VOLONTARIAT,
  SCHEDULES_BENEVOLAT,
  SCHEDULES_VOLONTARIAT,
  SOFT_SKILLS,
  STREET_NAMES,
  STREET_TYPES,
  VOCABULARY,
  type DemoDomain,
} from "../src/demo/vocabulary.ts";
import { addressHash } from "../src/missions/publish.ts";
import { listCommunesWithCoordinates, type LocatedCommune } from "../src/places/communes.ts";
import { foldText } from "../src/places/text.ts";
import { createApiKey } from "../src/publishers/api-keys.ts";
import { activityLabel } from "../src/taxonomy/activities.ts";

export interface SearchCatalogueOptions {
  /** Number of missions (default 200,000). */
  missions?: number;
  /** PRNG seed (default {@link SEARCH_CATALOGUE_SEED}). */
  seed?: number;
  /** Reference date: missions are posted in the 8 months before it (default 2026-03-01). */
  now?: Date;
  /** Rows per INSERT statement (default 1,000). */
  batchSize?: number;
}

export interface SearchCatalogue {
  /** The diffuseur allowed on all 300 annonceurs, used by the benchmark. */
  bigDiffuseurId: string;
  /** Its API key, in clear (created with `createApiKey`), and the key's row id in `api_key`. */
  apiKey: string;
  apiKeyId: string;
  annonceurIds: string[];
  diffuseurIds: string[];
  counts: {
    annonceurs: number;
    diffuseurs: number;
    organizations: number;
    missions: number;
    addresses: number;
    rootRules: number;
    childRules: number;
    refused: number;
    deleted: number;
  };
  /** Load time, migration excluded. */
  seconds: number;
}

export const SEARCH_CATALOGUE_SEED = 20_260_301;
const DEFAULT_NOW = "2026-03-01T00:00:00.000Z";
const ANNONCEURS = 300;
const DIFFUSEURS = 50;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Small helpers

function hex(random: Random, length: number): string {
  let out = "";
  while (out.length < length) out += Math.floor(random.next() * 0x1_0000_0000).toString(16).padStart(8, "0");
  return out.slice(0, length);
}

/** A version-4-shaped UUID drawn from the PRNG (deterministic, unlike crypto.randomUUID). */
function uuid(random: Random): string {
  const h = hex(random, 32);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Standard normal deviate (Box–Muller). */
function gaussian(random: Random): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const round5 = (value: number) => Math.round(value * 1e5) / 1e5;

function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = ((lat2 - lat1) * Math.PI) / 180;
  const dLon = ((lon2 - lon1) * Math.PI) / 180;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos((lat1 * Math.PI) / 180) * Math.cos((lat2 * Math.PI) / 180) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

/** Moves a point by (north, east) kilometres. */
function offset(lat: number, lon: number, northKm: number, eastKm: number): { lat: number; lon: number } {
  return { lat: lat + northKm / 111.32, lon: lon + eastKm / (111.32 * Math.cos((lat * Math.PI) / 180)) };
}

function slugify(text: string): string {
  return foldText(text).replace(/ /g, "-");
}

/** RNA number: "W", a 3-digit prefecture code of the department, 6 digits. */
function rna(random: Random, departmentCode: string): string {
  const prefix = departmentCode === "2A" ? "201" : departmentCode === "2B" ? "202" : departmentCode.length === 3 ? departmentCode : `${departmentCode}${random.int(1, 9)}`;
  return `W${prefix}${String(random.int(0, 999_999)).padStart(6, "0")}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// ---------------------------------------------------------------------------------------------------
// Places

interface Place {
  commune: LocatedCommune;
  lat: number;
  lon: number;
  /** Index of the metropolitan cluster, or -1 when spread over France. */
  cluster: number;
}

interface Cluster {
  centre: LocatedCommune;
  /** Picks a commune with coordinates within 40 km of the centre by population × a gaussian of its distance to the centre. */
  picker: WeightedPicker<LocatedCommune>;
}

/** Width of the gaussian around each metropolitan centre, in km (Paris' urban area is the widest). */
const CLUSTER_SIGMA_KM = 8;
/**
 * Approximate surface of the ten largest communes (km², INSEE), so that a point inside the big city
 * spreads over its whole territory rather than around its town hall.
 */
const CITY_AREA_KM2: Record<string, number> = {
  "75056": 105.4, "13055": 240.6, "69123": 47.9, "31555": 118.3, "06088": 71.9,
  "44109": 65.2, "34172": 56.9, "67482": 78.3, "33063": 49.4, "59350": 34.8,
};
/** Coastal centres: the side of the town hall that is sea (the jitter is mirrored inland). */
const SEA_SIDE: Record<string, "west" | "south"> = { "13055": "west", "06088": "south" };

class Geography {
  private readonly clusters: Cluster[];
  private readonly clusterPicker: WeightedPicker<number>;
  private readonly spread: WeightedPicker<LocatedCommune>;
  private readonly byDepartment = new Map<string, WeightedPicker<LocatedCommune>>();
  private readonly communesByDepartment = new Map<string, LocatedCommune[]>();

  constructor() {
    const communes = listCommunesWithCoordinates();
    const largest = [...communes].sort((a, b) => (b.population ?? 0) - (a.population ?? 0)).slice(0, 10);
    this.clusters = largest.map((centre) => {
      const near = communes.filter((c) => distanceKm(c.lat, c.lon, centre.lat, centre.lon) <= 40);
      const weights = near.map((c) => {
        const d = distanceKm(c.lat, c.lon, centre.lat, centre.lon);
        return (c.population ?? 1_000) * Math.exp(-(d * d) / (2 * CLUSTER_SIGMA_KM * CLUSTER_SIGMA_KM));
      });
      return { centre, picker: new WeightedPicker(near, weights) };
    });
    // Heavier around bigger cities, but less than proportionally (Paris would otherwise take half).
    this.clusterPicker = new WeightedPicker(
      this.clusters.map((_, i) => i),
      this.clusters.map((c) => Math.pow(c.centre.population ?? 100_000, 0.8)),
    );
    this.spread = new WeightedPicker(communes, communes.map((c) => c.population ?? 1_000));
    for (const commune of communes) {
      const list = this.communesByDepartment.get(commune.departmentCode);
      if (list) list.push(commune);
      else this.communesByDepartment.set(commune.departmentCode, [commune]);
    }
  }

  /** 60% around one of the ten largest cities, 40% anywhere, by population. */
  pick(random: Random): Place {
    return random.chance(0.6) ? this.inCluster(random, this.clusterPicker.pick(random)) : this.anywhere(random);
  }

  /** A real commune of the metropolitan area, then a point in it (the big city: its whole surface). */
  inCluster(random: Random, index: number): Place {
    const cluster = this.clusters[index]!;
    const commune = cluster.picker.pick(random);
    const area = CITY_AREA_KM2[commune.code];
    if (area === undefined) return { ...this.around(random, commune), cluster: index };
    const radius = Math.sqrt(area / Math.PI);
    let north = gaussian(random) * radius * 0.6;
    let east = gaussian(random) * radius * 0.6;
    const scale = Math.hypot(north, east) > radius ? radius / Math.hypot(north, east) : 1;
    north *= scale;
    east *= scale;
    if (SEA_SIDE[commune.code] === "west") east = Math.abs(east);
    if (SEA_SIDE[commune.code] === "south") north = Math.abs(north);
    const point = offset(commune.lat, commune.lon, north, east);
    return { commune, lat: round5(point.lat), lon: round5(point.lon), cluster: index };
  }

  anywhere(random: Random): Place {
    return this.around(random, this.spread.pick(random));
  }

  /** A point in the commune: up to ~0.5 km from the centre in a village, up to 3 km in a city. */
  around(random: Random, commune: LocatedCommune): Place {
    const radiusKm = Math.min(3, 0.4 + Math.sqrt(commune.population ?? 1_000) / 400);
    const distance = radiusKm * Math.sqrt(random.next());
    const angle = random.next() * 2 * Math.PI;
    const point = offset(commune.lat, commune.lon, distance * Math.cos(angle), distance * Math.sin(angle));
    return { commune, lat: round5(point.lat), lon: round5(point.lon), cluster: -1 };
  }

  /** Another place close to `place`: same metropolitan area, or same department. */
  near(random: Random, place: Place): Place {
    if (place.cluster >= 0) return this.inCluster(random, place.cluster);
    let picker = this.byDepartment.get(place.commune.departmentCode);
    if (!picker) {
      const list = this.communesByDepartment.get(place.commune.departmentCode) ?? [place.commune];
      picker = new WeightedPicker(list, list.map((c) => c.population ?? 1_000));
      this.byDepartment.set(place.commune.departmentCode, picker);
    }
    return this.around(random, picker.pick(random));
  }
}

// ---------------------------------------------------------------------------------------------------
// Partners

type MissionType = "benevolat" | "volontariat_service_civique" | "volontariat_sapeurs_pompiers" | "volontariat_reserve_operationnelle";

interface Annonceur {
  id: string;
  name: string;
  url: string;
  prefix: string;
  missionType: MissionType;
  missionCount: number;
  domains: WeightedPicker<DemoDomain>;
  organizations: Organization[];
  organizationPicker: WeightedPicker<Organization> | null;
}

interface Organization {
  id: string;
  clientId: string;
  name: string;
  domain: DemoDomain;
  place: Place;
  purpose: string;
  networks: string[];
}

const PLATFORM_WORDS = ["Réseau", "Plateforme", "Fédération", "Union", "Collectif", "Maison", "Agence", "Mouvement", "Association", "Coordination"];
const PLATFORM_THEMES = [
  "du Bénévolat", "de l'Engagement", "des Solidarités", "Citoyenne", "de l'Entraide", "des Volontaires", "Jeunesse et Engagement",
  "des Initiatives Locales", "du Lien Social", "Nature et Partage", "Sport pour Tous", "Culture Partagée", "Santé Solidaire",
  "Éducation Populaire", "des Aidants", "Numérique Solidaire",
];
/** The four national platforms (the size skew's head) and their kind. */
const BIG_PLATFORMS: { name: string; missionType: MissionType; raw: number }[] = [
  { name: "Bénévolat National (bench)", missionType: "benevolat", raw: 22_000 },
  { name: "Service Civique Plateforme (bench)", missionType: "volontariat_service_civique", raw: 20_000 },
  { name: "Engagés Partout (bench)", missionType: "benevolat", raw: 19_000 },
  { name: "Solidarités Locales (bench)", missionType: "benevolat", raw: 18_000 },
];

/** Splits `total` in proportion to `raw` (largest remainders), every share ≥ 1 when total allows. */
function apportion(raw: number[], total: number): number[] {
  const sum = raw.reduce((a, b) => a + b, 0);
  const exact = raw.map((r) => (r / sum) * total);
  const counts = exact.map((e) => Math.floor(e));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k]![1]]! += 1;
  return counts;
}

function buildAnnonceurs(random: Random, geography: Geography, missionTotal: number): Annonceur[] {
  // Raw sizes: 4 national platforms, 26 regional or thematic networks, 270 small partners
  // (log-normal, median ~120 missions, between 10 and 900).
  const raw: number[] = [];
  const types: MissionType[] = [];
  const names: string[] = [];
  const usedNames = new Set<string>();
  for (let i = 0; i < ANNONCEURS; i++) {
    if (i < BIG_PLATFORMS.length) {
      const big = BIG_PLATFORMS[i]!;
      raw.push(big.raw);
      types.push(big.missionType);
      names.push(big.name);
      continue;
    }
    raw.push(i < 30 ? random.int(800, 4_000) : Math.round(Math.min(900, Math.max(10, Math.exp(Math.log(120) + 0.9 * gaussian(random))))));
    const roll = random.next();
    types.push(
      roll < 0.88 ? "benevolat" : roll < 0.96 ? "volontariat_service_civique" : roll < 0.98 ? "volontariat_sapeurs_pompiers" : "volontariat_reserve_operationnelle",
    );
    let name: string;
    do {
      const city = geography.anywhere(random).commune.name;
      name = random.chance(0.5)
        ? `${random.pick(PLATFORM_WORDS)} ${random.pick(PLATFORM_THEMES)}`
        : `${random.pick(PLATFORM_WORDS)} ${random.pick(PLATFORM_THEMES)} ${inCity(city)}`;
    } while (usedNames.has(name));
    usedNames.add(name);
    names.push(name);
  }
  const counts = apportion(raw, missionTotal);
  return counts.map((missionCount, i) => {
    const name = names[i]!;
    const generalist = i < 30 || random.chance(0.3);
    const domains = generalist ? [...DEMO_DOMAINS] : random.sample(DEMO_DOMAINS, random.int(1, 3));
    return {
      id: hex(random, 24),
      name,
      url: `https://${slugify(name.replace(" (bench)", ""))}.example`,
      prefix: `A${String(i + 1).padStart(3, "0")}`,
      missionType: types[i]!,
      missionCount,
      domains: new WeightedPicker(domains, domains.map(() => 0.3 + random.next())),
      organizations: [],
      organizationPicker: null,
    };
  });
}

function buildOrganizations(random: Random, geography: Geography, annonceur: Annonceur): Organization[] {
  const count = Math.max(1, Math.min(250, Math.round(Math.sqrt(annonceur.missionCount) * 1.2)));
  const out: Organization[] = [];
  for (let i = 0; i < count; i++) {
    const domain = annonceur.domains.pick(random);
    const vocabulary = VOCABULARY[domain];
    const place = geography.pick(random);
    const networks = vocabulary.networks.length > 0 && random.chance(0.3) ? [random.pick(vocabulary.networks)] : [];
    out.push({
      id: uuid(random),
      clientId: `ORG-${annonceur.prefix}-${String(i + 1).padStart(4, "0")}`,
      name: fillCity(random.pick(vocabulary.organizations), place.commune.name),
      domain,
      place,
      purpose: random.pick(vocabulary.purpose),
      networks,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Mission text

const EXTRA_SENTENCES: readonly string[] = [
  "Vous serez accompagné(e) par une équipe de bénévoles expérimentés qui vous transmettront leurs savoir-faire.",
  "Les horaires sont aménageables selon vos disponibilités, en semaine comme le week-end.",
  "Un temps d'accueil et de présentation de l'association est organisé chaque mois pour les nouveaux bénévoles.",
  "Cette mission convient aussi bien à des étudiants qu'à des personnes en activité ou retraitées.",
  "Vous participerez aux réunions d'équipe pour partager vos idées et améliorer nos actions.",
  "Nous attachons une grande importance à la convivialité et au respect de chacun.",
  "Les locaux sont accessibles en transports en commun et disposent d'un espace de repos.",
  "Le matériel nécessaire est fourni et une tenue adaptée vous sera remise si besoin.",
  "Une attestation d'engagement peut être délivrée à la fin de la mission.",
  "Votre engagement permettra d'accueillir davantage de personnes et de répondre à des besoins croissants.",
  "Vous pourrez suivre des formations gratuites proposées par notre réseau tout au long de l'année.",
  "Les compétences acquises pendant la mission peuvent être valorisées dans votre parcours professionnel.",
  "Chaque bénévole est associé à un binôme pour ses premières interventions.",
  "Un bilan est proposé au bout de trois mois pour faire le point sur votre mission et vos envies.",
  "La mission peut évoluer selon vos centres d'intérêt et les projets en cours.",
  "Nos actions sont menées en lien avec les services sociaux, les écoles et les acteurs du quartier.",
  "Vous contribuerez directement à une action utile et concrète, près de chez vous.",
  "L'association organise aussi des moments festifs pour remercier ses bénévoles.",
];

function buildTitle(random: Random, domain: DemoDomain, city: string): string {
  const vocabulary = VOCABULARY[domain];
  const action = random.pick(vocabulary.actions);
  const roll = random.next();
  if (roll < 0.15) return capitalize(`${action} ${inCity(city)}`);
  const audience = random.pick(vocabulary.publics);
  if (audience.includes("{")) return capitalize(`${action} ${fillCity(audience, city)}`);
  return capitalize(roll < 0.75 ? `${action} ${audience} ${inCity(city)}` : `${action} ${audience}`);
}

/** Plain text and HTML of a description of 500 to 1,500 characters (plain length). */
function buildDescription(
  random: Random,
  domain: DemoDomain,
  organization: Organization,
  schedule: string,
  requirements: string[],
  volontariat: { months: number; amount: number } | null,
): { plain: string; html: string } {
  const vocabulary = VOCABULARY[domain];
  const target = random.int(500, 1_500);
  const paragraphs: string[] = [
    random.pick(vocabulary.pitch),
    `${organization.name} agit ${inCity(organization.place.commune.name)} pour ${organization.purpose}.`,
  ];
  const tasks = random.sample(vocabulary.tasks, random.int(3, 5));
  const closing: string[] = [`Disponibilité : ${schedule.toLowerCase()}. ${requirements.join(". ")}.`];
  if (volontariat) {
    closing.push(
      `Mission de volontariat de ${volontariat.months} mois, indemnisée ${volontariat.amount} € net par mois. Un tuteur ou une tutrice vous accompagne tout au long de la mission.`,
    );
  }
  closing.push(random.pick(CLOSINGS));
  const length = () => paragraphs.join("\n\n").length + 20 + tasks.join("\n- ").length + closing.join("\n\n").length;
  for (const extra of random.shuffle(EXTRA_SENTENCES)) {
    if (length() >= target) break;
    if (length() + extra.length > 1_480) continue;
    paragraphs.push(extra);
  }
  const plain = [...paragraphs, "Vos missions :", `- ${tasks.join("\n- ")}`, ...closing].join("\n\n");
  const html = [
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    "<p><strong>Vos missions :</strong></p>",
    `<ul>${tasks.map((t) => `<li>${escapeHtml(t)}</li>`).join("")}</ul>`,
    ...closing.map((p) => `<p>${escapeHtml(p)}</p>`),
  ].join("\n");
  return { plain, html };
}

// ---------------------------------------------------------------------------------------------------
// Rows

type Row = Record<string, unknown>;

const MISSION_COLUMNS = [
  "id", "client_id", "publisher_id", "organization_id", "title", "description", "description_html", "application_url",
  "image", "domain", "activities", "tags", "tasks", "audience", "soft_skills", "requirements", "remote", "schedule",
  "duration", "posted_at", "start_at", "end_at", "places", "places_status", "type", "snu", "snu_places", "open_to_minors",
  "reduced_mobility_accessible", "close_to_transport", "compensation_amount", "compensation_amount_max", "compensation_unit",
  "compensation_type", "status_code", "status_comment", "last_sync_at", "created_at", "updated_at", "deleted_at",
] as const;
const ADDRESS_COLUMNS = [
  "id", "mission_id", "position", "address_hash", "street", "postal_code", "department_code", "department_name", "city",
  "region", "country", "location_lat", "location_lon", "geoloc_status",
] as const;
const PUBLISHER_COLUMNS = [
  "id", "name", "category", "url", "email", "description", "is_annonceur", "has_api_rights", "has_widget_rights",
  "mission_type", "created_at", "updated_at",
] as const;
const ORGANIZATION_COLUMNS = [
  "id", "publisher_id", "client_id", "name", "rna", "siren", "url", "description", "legal_status", "type", "actions",
  "postal_code", "city", "beneficiaries", "parent_organizations", "created_at", "updated_at",
] as const;
const RULE_COLUMNS = [
  "id", "publisher_id", "combined_with_id", "field", "field_type", "operator", "value", "combinator", "position", "created_by",
  "created_at", "updated_at",
] as const;

function insertSql(table: string, columns: readonly string[]): string {
  const list = columns.join(", ");
  return `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1::json)`;
}

const REFUSAL_COMMENTS = [
  "Le titre est trop court (un seul mot)",
  "L'URL de candidature est manquante",
  "La description est trop courte",
  "Le domaine de la mission n'est pas valide",
];

function missionRows(
  random: Random,
  geography: Geography,
  annonceur: Annonceur,
  index: number,
  now: number,
): { mission: Row; addresses: Row[] } {
  const organization = annonceur.organizationPicker!.pick(random);
  const domain = random.chance(0.8) ? organization.domain : annonceur.domains.pick(random);
  const vocabulary = VOCABULARY[domain];
  const volontariat = annonceur.missionType !== "benevolat";

  // First address: mostly in the organisation's area (which follows the 60/40 split), else anywhere.
  const first = random.chance(0.7) ? geography.near(random, organization.place) : geography.pick(random);
  const addressCount = random.next() < 0.75 ? 1 : random.chance(0.68) ? 2 : 3;
  const places = [first];
  while (places.length < addressCount) places.push(random.chance(0.8) ? geography.near(random, first) : geography.pick(random));

  const id = uuid(random);
  const clientId = `${annonceur.prefix}-${String(index + 1).padStart(6, "0")}`;
  const postedAt = now - random.int(0, 240) * DAY_MS - random.int(0, 86_399) * 1_000;
  const startAt = random.chance(0.03) ? null : Math.floor((postedAt + random.int(0, 60) * DAY_MS) / DAY_MS) * DAY_MS;
  const months = volontariat ? random.int(6, 10) : random.int(1, 12);
  const hasEnd = volontariat || random.chance(0.65);
  const endAt = hasEnd ? Math.floor(((startAt ?? postedAt) + months * 30 * DAY_MS) / DAY_MS) * DAY_MS : null;
  const updatedAt = postedAt + random.int(0, 30) * DAY_MS;
  const schedule = random.pick(volontariat ? SCHEDULES_VOLONTARIAT : SCHEDULES_BENEVOLAT);
  const requirements = volontariat
    ? [REQUIREMENTS_VOLONTARIAT[0]!, ...random.sample(REQUIREMENTS_VOLONTARIAT.slice(1), random.int(0, 1))]
    : random.sample(REQUIREMENTS_BENEVOLAT, random.int(1, 2));
  const remoteRoll = random.next();
  const remote = remoteRoll < 0.82 ? "no" : remoteRoll < 0.92 ? "possible" : remoteRoll < 0.98 ? "full" : "local";
  const amount = 620;
  const text = buildDescription(random, domain, organization, schedule, requirements, volontariat ? { months, amount } : null);
  const activities = [
    ...new Set(random.sample(vocabulary.activities, random.int(1, 3)).map((a) => activityLabel(a) ?? "Autre")),
  ];
  const refused = random.chance(0.03);
  const deleted = random.chance(0.02);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  const mission: Row = {
    id,
    client_id: clientId,
    publisher_id: annonceur.id,
    organization_id: organization.id,
    title: buildTitle(random, domain, first.commune.name),
    description: text.plain,
    description_html: text.html,
    application_url: `${annonceur.url}/missions/${clientId.toLowerCase()}`,
    image: null,
    domain,
    activities,
    tags: random.sample(vocabulary.tags, random.int(1, 3)),
    tasks: [],
    audience: random.sample(vocabulary.audience, random.int(1, Math.min(2, vocabulary.audience.length))),
    soft_skills: random.sample(SOFT_SKILLS, random.int(2, 3)),
    requirements,
    remote,
    schedule,
    duration: months,
    posted_at: iso(postedAt),
    start_at: iso(startAt),
    end_at: iso(endAt),
    places: volontariat ? random.int(1, 4) : random.pick([1, 1, 1, 2, 2, 3, 4, 5, 8, 10]),
    places_status: "GIVEN_BY_PARTNER",
    type: annonceur.missionType,
    snu: volontariat && random.chance(0.05),
    snu_places: null,
    open_to_minors: random.chance(volontariat ? 0.3 : 0.25),
    reduced_mobility_accessible: random.chance(0.35),
    close_to_transport: random.chance(first.cluster >= 0 ? 0.85 : 0.45),
    compensation_amount: volontariat ? amount : null,
    compensation_amount_max: null,
    compensation_unit: volontariat ? "month" : null,
    compensation_type: volontariat ? "net" : null,
    status_code: refused ? "REFUSED" : "ACCEPTED",
    status_comment: refused ? random.pick(REFUSAL_COMMENTS) : "",
    last_sync_at: iso(updatedAt),
    created_at: iso(postedAt),
    updated_at: iso(updatedAt),
    deleted_at: deleted ? iso(updatedAt + DAY_MS) : null,
  };

  const seen = new Set<string>();
  const addresses: Row[] = [];
  for (const place of places) {
    const c = place.commune;
    const normalized = {
      street: `${random.int(1, 140)} ${random.pick(STREET_TYPES)} ${random.pick(STREET_NAMES)}`,
      postalCode: c.postalCodes.length > 0 ? random.pick(c.postalCodes) : null,
      city: c.name,
      departmentCode: c.departmentCode,
      departmentName: c.departmentName,
      region: c.regionName,
      country: "FR",
      lat: place.lat,
      lon: place.lon,
      geolocStatus: "ENRICHED_BY_PUBLISHER" as const,
    };
    const hash = addressHash(normalized);
    if (seen.has(hash)) continue;
    seen.add(hash);
    addresses.push({
      id: uuid(random),
      mission_id: id,
      position: addresses.length,
      address_hash: hash,
      street: normalized.street,
      postal_code: normalized.postalCode,
      department_code: normalized.departmentCode,
      department_name: normalized.departmentName,
      city: normalized.city,
      region: normalized.region,
      country: "FR",
      location_lat: normalized.lat,
      location_lon: normalized.lon,
      geoloc_status: normalized.geolocStatus,
    });
  }
  return { mission, addresses };
}

// ---------------------------------------------------------------------------------------------------

/** Inserts rows in batches on one client; at most one statement in flight while the next is built. */
class BatchWriter {
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: pg.PoolClient) {}

  async write(table: string, columns: readonly string[], rows: Row[], batchSize: number): Promise<void> {
    for (let i = 0; i < rows.length; i += batchSize) await this.send(table, columns, rows.slice(i, i + batchSize));
  }

  /** Queues one statement; waits for the previous one first so memory stays bounded. */
  async send(table: string, columns: readonly string[], rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const json = JSON.stringify(rows);
    await this.pending;
    this.pending = this.client.query(insertSql(table, columns), [json]);
    // Avoid an unhandled rejection before the next await.
    this.pending.catch(() => undefined);
  }

  flush(): Promise<unknown> {
    return this.pending;
  }
}

/**
 * Migrates the database, then writes the catalogue. The database must be empty of publishers (ids
 * are deterministic and would collide).
 */
export async function loadSearchCatalogue(pool: pg.Pool, options: SearchCatalogueOptions = {}): Promise<SearchCatalogue> {
  const missionTotal = Math.max(0, Math.floor(options.missions ?? 200_000));
  const batchSize = options.batchSize ?? 1_000;
  const now = (options.now ?? new Date(DEFAULT_NOW)).getTime();
  const random = createRandom(options.seed ?? SEARCH_CATALOGUE_SEED);
  await migrate(pool);
  const started = performance.now();

  const geography = new Geography();
  const annonceurs = buildAnnonceurs(random, geography, missionTotal);
  for (const annonceur of annonceurs) {
    annonceur.organizations = buildOrganizations(random, geography, annonceur);
    // Some organisations publish much more than others.
    annonceur.organizationPicker = new WeightedPicker(
      annonceur.organizations,
      annonceur.organizations.map(() => Math.exp(gaussian(random))),
    );
  }

  const created = new Date(now - 400 * DAY_MS).toISOString();
  const publisherRows: Row[] = annonceurs.map((a) => ({
    id: a.id,
    name: a.name,
    category: a.missionType === "benevolat" ? "Plateformes d'engagement" : "Services publics",
    url: a.url,
    email: `contact@${new URL(a.url).hostname}`,
    description: `${a.name} publie des missions d'engagement.`,
    is_annonceur: true,
    has_api_rights: false,
    has_widget_rights: false,
    mission_type: a.missionType,
    created_at: created,
    updated_at: created,
  }));

  // Diffuseurs: the first is the big one (all annonceurs); the others get 20 to 300 annonceurs,
  // biased towards the large platforms as real city sites and job boards are.
  const annonceurBySize = new WeightedPicker(annonceurs, annonceurs.map((a) => Math.sqrt(a.missionCount) + 5));
  const diffuseurs: { id: string; annonceurs: Annonceur[] }[] = [];
  for (let i = 0; i < DIFFUSEURS; i++) {
    const id = hex(random, 24);
    let chosen: Annonceur[];
    if (i === 0) chosen = annonceurs;
    else {
      const wanted = Math.round(20 + 280 * Math.pow(random.next(), 2));
      const set = new Set<Annonceur>();
      while (set.size < wanted) set.add(annonceurBySize.pick(random));
      chosen = [...set];
    }
    diffuseurs.push({ id, annonceurs: chosen });
    const name = i === 0 ? "Grand Portail de l'Engagement (bench)" : `Site diffuseur n°${String(i).padStart(2, "0")} (bench)`;
    publisherRows.push({
      id,
      name,
      category: i % 3 === 0 ? "Collectivités" : i % 3 === 1 ? "Sites d'emploi" : "Applications",
      url: `https://diffuseur-${i}.example`,
      email: `api@diffuseur-${i}.example`,
      description: "Diffuseur du benchmark de recherche.",
      is_annonceur: false,
      has_api_rights: true,
      has_widget_rights: i % 2 === 0,
      mission_type: null,
      created_at: created,
      updated_at: created,
    });
  }

  const organizationRows: Row[] = [];
  for (const a of annonceurs) {
    for (const o of a.organizations) {
      const association = random.next() < 0.9;
      organizationRows.push({
        id: o.id,
        publisher_id: a.id,
        client_id: o.clientId,
        name: o.name,
        rna: association ? rna(random, o.place.commune.departmentCode) : null,
        siren: null,
        url: `https://${slugify(o.name)}.example`,
        description: `${o.name} agit ${inCity(o.place.commune.name)} pour ${o.purpose}.`,
        legal_status: association ? "Association loi 1901" : "Fondation reconnue d'utilité publique",
        type: association ? "Association" : "Fondation",
        actions: [],
        postal_code: o.place.commune.postalCodes[0] ?? null,
        city: o.place.commune.name,
        beneficiaries: [],
        parent_organizations: o.networks,
        created_at: created,
        updated_at: created,
      });
    }
  }

  // Rules: roots for every (diffuseur, annonceur) pair; exclusions on ~5% of the roots (one
  // organisation, or a whole network the annonceur's organisations belong to).
  const ruleRows: Row[] = [];
  let childRules = 0;
  for (const d of diffuseurs) {
    d.annonceurs.forEach((a, position) => {
      const rootId = uuid(random);
      ruleRows.push({
        id: rootId,
        publisher_id: d.id,
        combined_with_id: null,
        field: "publisherId",
        field_type: "string",
        operator: "is",
        value: a.id,
        combinator: "or",
        position,
        created_by: "admin",
        created_at: created,
        updated_at: created,
      });
      if (!random.chance(0.05)) return;
      const used = new Set<string>();
      for (let k = random.int(1, 3); k > 0; k--) {
        const organization = random.pick(a.organizations);
        const network = organization.networks[0];
        const byNetwork = network !== undefined && random.chance(0.4);
        const field = byNetwork ? "publisherOrganization.parentOrganizations" : "publisherOrganization.clientId";
        const value = byNetwork ? network : organization.clientId;
        if (used.has(`${field}|${value}`)) continue;
        used.add(`${field}|${value}`);
        childRules += 1;
        ruleRows.push({
          id: uuid(random),
          publisher_id: d.id,
          combined_with_id: rootId,
          field,
          field_type: "string",
          operator: byNetwork ? "does_not_contain" : "is_not",
          value,
          combinator: "or",
          position: 0,
          created_by: a.id,
          created_at: created,
          updated_at: created,
        });
      }
    });
  }

  const client = await pool.connect();
  let missions = 0;
  let addresses = 0;
  let refused = 0;
  let deleted = 0;
  try {
    const writer = new BatchWriter(client);
    await client.query("BEGIN");
    await writer.write("publisher", PUBLISHER_COLUMNS, publisherRows, batchSize);
    await writer.write("publisher_organization", ORGANIZATION_COLUMNS, organizationRows, batchSize);
    await writer.write("diffusion_rule", RULE_COLUMNS, ruleRows, batchSize);
    await writer.flush();
    await client.query("COMMIT");

    // Missions in the order a feed import would bring them: annonceur by annonceur, interleaved
    // in chunks so that physical order does not follow publisher_id. One transaction per ~50k.
    const cursors = annonceurs.map(() => 0);
    const remaining = () => annonceurs.some((a, i) => cursors[i]! < a.missionCount);
    let missionBatch: Row[] = [];
    let addressBatch: Row[] = [];
    let inTransaction = 0;
    const flushBatch = async () => {
      if (missionBatch.length === 0) return;
      if (inTransaction === 0) {
        await writer.flush();
        await client.query("BEGIN");
      }
      await writer.send("mission", MISSION_COLUMNS, missionBatch);
      for (let i = 0; i < addressBatch.length; i += batchSize * 2) {
        await writer.send("mission_address", ADDRESS_COLUMNS, addressBatch.slice(i, i + batchSize * 2));
      }
      inTransaction += missionBatch.length;
      missionBatch = [];
      addressBatch = [];
      if (inTransaction >= 50_000) {
        await writer.flush();
        await client.query("COMMIT");
        inTransaction = 0;
      }
    };
    while (remaining()) {
      for (let i = 0; i < annonceurs.length; i++) {
        const a = annonceurs[i]!;
        const chunk = Math.min(a.missionCount - cursors[i]!, random.int(50, 400));
        for (let k = 0; k < chunk; k++) {
          const rows = missionRows(random, geography, a, cursors[i]!, now);
          cursors[i]! += 1;
          missionBatch.push(rows.mission);
          addressBatch.push(...rows.addresses);
          missions += 1;
          addresses += rows.addresses.length;
          if (rows.mission.status_code === "REFUSED") refused += 1;
          if (rows.mission.deleted_at !== null) deleted += 1;
          if (missionBatch.length >= batchSize) await flushBatch();
        }
      }
    }
    await flushBatch();
    await writer.flush();
    if (inTransaction > 0) await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  // Fresh statistics and visibility map, as a database that has been live for a while has.
  await pool.query("VACUUM ANALYZE");

  const bigDiffuseurId = diffuseurs[0]!.id;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // (Not destroyed: that would end the caller's pool.)
  const apiKey = await createApiKey(db, bigDiffuseurId, "bench:search");
  const { id: apiKeyId } = await db
    .selectFrom("api_key")
    .select("id")
    .where("publisher_id", "=", bigDiffuseurId)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirstOrThrow();

  return {
    bigDiffuseurId,
    apiKey,
    apiKeyId,
    annonceurIds: annonceurs.map((a) => a.id),
    diffuseurIds: diffuseurs.map((d) => d.id),
    counts: {
      annonceurs: annonceurs.length,
      diffuseurs: diffuseurs.length,
      organizations: organizationRows.length,
      missions,
      addresses,
      rootRules: ruleRows.length - childRules,
      childRules,
      refused,
      deleted,
    },
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}
