/**
 * Realistic large XML feeds for the feed import benchmark, generated on the fly.
 *
 * The document has the shape of the partner feeds (legacy-data-and-import.md §2 and the reference
 * feeds): `<source>`, `<publisher>`…, then one `<mission>` per mission. The content reuses the demo
 * data set's French vocabulary (src/demo) and real communes with their postal codes, departments,
 * regions and coordinates (src/places). About 2.45 KB per mission (100,000 missions ≈ 245 MB):
 * - HTML descriptions of ~1 KB on average, from 0.45 to 3 KB (paragraphs, lists, `<strong>`,
 *   `&nbsp;`/`&rsquo;`/`&eacute;` entities), in CDATA or, for 5%, escaped as `&lt;p&gt;` text;
 * - 40% of the missions with every text in CDATA, the others with escaped text;
 * - dates mostly in ISO 8601 (three spellings), 10% as `dd/mm/yyyy`;
 * - booleans as `yes`/`no`, 10% as `oui`/`non`; lists comma-separated, 10% of tags as `<value>`s;
 *   optional fields (audience, soft skills, booleans, image…) present in part of the missions;
 * - 1 to 3 addresses (postal codes such as `01000` keep their leading zero; 70% with a location);
 * - about one organisation per 5 missions, identified by `organizationClientId` (half of them numeric
 *   with leading zeros, "00042"), RNA and/or SIREN (some SIRENs start with 0);
 * - clientIds of three kinds: zero-padded numbers ("000123"), plain numbers, "MIS-123";
 * - a few percent of the edge cases real feeds have: no organisation identifier (1%), an invalid
 *   domain (1%), a negative compensation (0.5%).
 *
 * Determinism and variants: mission `i` is drawn from its own PRNG seeded with (seed, i), so its
 * bytes depend only on the seed, `i` and the feed size. A variant (a later version of the same feed)
 * omits an exact, deterministic `removedShare` of the missions and changes the title, description and
 * places of another `changedShare`; every other mission is byte-identical to the base feed's.
 * The fates come from a fixed permutation of the indexes, so a larger share includes a smaller one.
 *
 * Memory stays bounded: missions are rendered one by one into ~64 KB Buffers that a pull-based
 * stream (backpressure) hands out; organisations are derived from their own seed and cached up to
 * 50,000 (~50 MB). 100,000 missions take about 3–4 s plus ~1 s to load the communes.
 *
 * CLI: npx tsx bench/feed-generator.ts OUT.xml [--missions N] [--seed S] [--changed 0.1] [--removed 0.05]
 *      prints {"bytes":…,"missions":…}
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { capitalize, fillCity, inCity } from "../src/demo/french.ts";
import { DEMO_REFERENCE_DATE } from "../src/demo/generate.ts";
import { DEMO_PUBLISHERS } from "../src/demo/publishers.ts";
import { mulberry32, WeightedPicker, type Random } from "../src/demo/random.ts";
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
import { listCommunesWithCoordinates, type LocatedCommune } from "../src/places/communes.ts";
import { foldText } from "../src/places/text.ts";

export interface FeedVariant {
  /** Share (0..1) of the missions whose title, description and places change. */
  changedShare: number;
  /** Share (0..1) of the missions left out of the feed. */
  removedShare: number;
}

export interface FeedOptions {
  /** Missions of the base feed (a variant writes fewer: the removed ones are left out). */
  missions: number;
  /** PRNG seed (default {@link DEFAULT_FEED_SEED}). */
  seed?: number;
  /** A later version of the same feed; absent = the base feed. */
  variant?: FeedVariant;
}

export const DEFAULT_FEED_SEED = 20_261_101;

/** What becomes of a mission of the base feed in a variant. */
export type MissionFate = "kept" | "changed" | "removed";

// ---------------------------------------------------------------------------------------------------
// Seeds and variant plan

const MISSION_STREAM = 1;
const ORGANIZATION_STREAM = 2;
const CHANGE_STREAM = 3;
const CLIENT_ID_STREAM = 4;

/** murmur3's 32-bit finaliser: a good integer hash. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seed of item `index` of one stream (missions, organisations…) of a feed. */
function seedFor(seed: number, stream: number, index: number): number {
  return fmix32(fmix32((seed ^ Math.imul(stream, 0x9e3779b1)) >>> 0) + Math.imul(index + 1, 0x27d4eb2f));
}

/**
 * The demo's {@link Random} over its mulberry32 generator, as a class: `createRandom` builds six
 * closures per call, which costs more than the draws when it is called for every mission.
 */
class SeededRandom implements Random {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick() from an empty list");
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Partial Fisher-Yates: `count` draws, not one per element. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const size = Math.min(Math.max(0, count), copy.length);
    for (let i = 0; i < size; i++) {
      const j = this.int(i, copy.length - 1);
      const swap = copy[i]!;
      copy[i] = copy[j]!;
      copy[j] = swap;
    }
    copy.length = size;
    return copy;
  }

  shuffle<T>(items: readonly T[]): T[] {
    return this.sample(items, items.length);
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

interface Plan {
  missions: number;
  removed: number;
  changed: number;
  /** Bijection of [0, missions): rank(i) = (step·i + offset) mod missions. */
  step: number;
  offset: number;
}

function checkOptions(options: FeedOptions): void {
  if (!Number.isInteger(options.missions) || options.missions < 0) throw new RangeError(`missions must be a non-negative integer, got ${options.missions}`);
  const variant = options.variant;
  if (!variant) return;
  for (const [name, share] of [
    ["changedShare", variant.changedShare],
    ["removedShare", variant.removedShare],
  ] as const) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${share}`);
  }
  if (variant.changedShare + variant.removedShare > 1) throw new RangeError("changedShare + removedShare must not exceed 1");
}

function makePlan(options: FeedOptions): Plan {
  checkOptions(options);
  const n = options.missions;
  const removed = Math.round(n * (options.variant?.removedShare ?? 0));
  const changed = Math.min(n - removed, Math.round(n * (options.variant?.changedShare ?? 0)));
  // A golden-ratio step spreads the ranks evenly over the feed; it must be coprime with n.
  let step = Math.max(1, Math.round(n * 0.6180339887));
  while (n > 1 && gcd(step, n) !== 1) step++;
  const offset = n > 0 ? seedFor(options.seed ?? DEFAULT_FEED_SEED, CHANGE_STREAM, -1) % n : 0;
  return { missions: n, removed, changed, step, offset };
}

function fateOf(plan: Plan, index: number): MissionFate {
  const rank = (plan.step * index + plan.offset) % plan.missions;
  if (rank < plan.removed) return "removed";
  return rank < plan.removed + plan.changed ? "changed" : "kept";
}

/**
 * How many missions of the base feed the variant keeps as they are, changes and removes
 * (kept + changed + removed = missions; the feed holds kept + changed).
 */
export function variantPlan(options: FeedOptions): { kept: number; changed: number; removed: number } {
  const plan = makePlan(options);
  return { kept: plan.missions - plan.removed - plan.changed, changed: plan.changed, removed: plan.removed };
}

/**
 * The clientId of mission `index` (0-based) of a feed: "000124" (40%), "70000123" (35%) or
 * "MIS-124". Unique in feeds of up to 69 million missions, even once today's parser has turned the
 * numeric ones into numbers ("000124" → 124).
 */
export function missionClientId(seed: number, index: number): string {
  const roll = seedFor(seed, CLIENT_ID_STREAM, index) % 100;
  if (roll < 40) return String(index + 1).padStart(6, "0");
  if (roll < 75) return String(70_000_000 + index);
  return `MIS-${index + 1}`;
}

/** The clientIds behind {@link variantPlan}, in feed order. */
export function variantClientIds(options: FeedOptions): { kept: string[]; changed: string[]; removed: string[] } {
  const plan = makePlan(options);
  const seed = options.seed ?? DEFAULT_FEED_SEED;
  const result = { kept: [] as string[], changed: [] as string[], removed: [] as string[] };
  for (let i = 0; i < plan.missions; i++) result[fateOf(plan, i)].push(missionClientId(seed, i));
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Reference data

/** Relative weight of the domains among organisations (the others weigh 2). */
const DOMAIN_WEIGHTS: Partial<Record<DemoDomain, number>> = {
  "solidarite-insertion": 14,
  education: 10,
  sport: 10,
  "culture-loisirs": 8,
  environnement: 9,
  sante: 7,
  "vivre-ensemble": 7,
  animaux: 4,
  humanitaire: 4,
};

/** Values a real feed sends for a domain that moderation refuses. */
const INVALID_DOMAINS = ["solidarite", "Mémoire et citoyenneté", "culture", "Social", "jeunesse"];

const CONTEXTS = [
  "Depuis plusieurs années, nos actions reposent presque entièrement sur l'engagement de bénévoles.",
  "Nos besoins augmentent chaque année et nous cherchons des personnes prêtes à donner un peu de leur temps.",
  "L'association fonctionne grâce à une petite équipe salariée et à plusieurs dizaines de bénévoles réguliers.",
  "Nous intervenons en lien étroit avec la mairie, les travailleurs sociaux et les autres associations du secteur.",
  "Chaque semaine, nous accueillons un public nombreux et varié, dans un cadre convivial et bienveillant.",
  "Notre projet associatif repose sur l'entraide, le respect de chacun et le plaisir d'agir ensemble.",
];

const OFFERS = [
  "un temps d'accueil et de présentation de l'association",
  "une formation de départ, puis des formations tout au long de l'année",
  "un ou une référent(e) disponible pour répondre à vos questions",
  "des temps d'échange réguliers avec les autres bénévoles",
  "le remboursement des frais engagés pour la mission, sur justificatif",
  "une attestation d'engagement à la fin de la mission",
  "la valorisation de votre engagement sur votre Compte Engagement Citoyen",
];

/** Sentences of the "Déroulement" paragraph of long descriptions. */
const PROCESS = [
  "Après un premier échange téléphonique, vous serez invité(e) à une réunion d'accueil avec les autres nouveaux bénévoles.",
  "Les premières séances se font en binôme avec un ou une bénévole expérimenté(e), le temps de prendre vos marques.",
  "Un planning partagé vous permet de choisir vos créneaux en fonction de vos disponibilités.",
  "Un bilan est proposé après trois mois pour faire le point sur la mission et vos envies.",
  "Le matériel nécessaire est fourni par l'association et une assurance couvre vos activités bénévoles.",
];

const UPDATES = [
  "les horaires ont changé, merci de consulter le planning ci-dessous.",
  "nous recherchons des bénévoles supplémentaires pour la rentrée.",
  "la mission se déroule désormais dans nos nouveaux locaux.",
  "une session d'information est organisée le premier samedi du mois.",
];

const TITLE_SUFFIXES = ["nouvelles dates", "places supplémentaires", "rentrée 2027", "mission prolongée"];

const MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

const DAY_MS = 86_400_000;
const REFERENCE_MS = new Date(DEMO_REFERENCE_DATE).getTime();
const PUBLISHER = DEMO_PUBLISHERS.find((p) => p.key === "benevoles-en-region") ?? DEMO_PUBLISHERS[0]!;

interface Places {
  all: WeightedPicker<LocatedCommune>;
  departmentPickers: Map<string, WeightedPicker<LocatedCommune>>;
  domains: WeightedPicker<DemoDomain>;
}

let places: Places | null = null;

/** Communes with coordinates and postal codes, weighted by population (built once per process). */
function getPlaces(): Places {
  if (places) return places;
  const communes = listCommunesWithCoordinates().filter((c) => c.postalCodes.length > 0);
  const weight = (c: LocatedCommune) => c.population ?? 1_000;
  const byDepartment = new Map<string, LocatedCommune[]>();
  for (const commune of communes) {
    const list = byDepartment.get(commune.departmentCode);
    if (list) list.push(commune);
    else byDepartment.set(commune.departmentCode, [commune]);
  }
  const departmentPickers = new Map<string, WeightedPicker<LocatedCommune>>();
  for (const [code, list] of byDepartment) departmentPickers.set(code, new WeightedPicker(list, list.map(weight)));
  places = {
    all: new WeightedPicker(communes, communes.map(weight)),
    departmentPickers,
    domains: new WeightedPicker(DEMO_DOMAINS, DEMO_DOMAINS.map((d) => DOMAIN_WEIGHTS[d] ?? 2)),
  };
  return places;
}

/** Another commune of the same department, by population. */
function nearby(random: Random, commune: LocatedCommune): LocatedCommune {
  return getPlaces().departmentPickers.get(commune.departmentCode)?.pick(random) ?? commune;
}

// ---------------------------------------------------------------------------------------------------
// Text helpers

function slugify(text: string): string {
  return foldText(text).replace(/ /g, "-");
}

function escapeHtml(text: string): string {
  // indexOf is much faster than a regular expression on the common case: nothing to escape.
  if (text.indexOf("&") < 0 && text.indexOf("<") < 0 && text.indexOf(">") < 0) return text;
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The HTML entities some partners' editors produce instead of UTF-8 characters. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  é: "&eacute;",
  è: "&egrave;",
  ê: "&ecirc;",
  à: "&agrave;",
  â: "&acirc;",
  ç: "&ccedil;",
  ô: "&ocirc;",
  î: "&icirc;",
  û: "&ucirc;",
  "'": "&rsquo;",
};

/** Writes a text element; partners either wrap every text in CDATA or escape it. */
type TextWriter = (name: string, value: string | number) => string;

function cdata(name: string, value: string | number): string {
  return `<${name}><![CDATA[${value}]]></${name}>`;
}

function escaped(name: string, value: string | number): string {
  return `<${name}>${typeof value === "number" ? value : escapeHtml(value)}</${name}>`;
}

/** An element whose value is known to need no escaping (numbers, dates, slugs). */
function plain(name: string, value: string | number): string {
  return `<${name}>${value}</${name}>`;
}

function street(random: Random): string {
  return `${random.int(1, 120)} ${random.pick(STREET_TYPES)} ${random.pick(STREET_NAMES)}`;
}

/** "2026-11-01" and "1er novembre 2026" of a UTC day, cached: a feed spans a few hundred days. */
const dayCache = new Map<number, { iso: string; french: string }>();

function dayOf(ms: number): { iso: string; french: string } {
  const dayNumber = Math.floor(ms / DAY_MS);
  let day = dayCache.get(dayNumber);
  if (!day) {
    const date = new Date(dayNumber * DAY_MS);
    const dayOfMonth = date.getUTCDate();
    day = {
      iso: date.toISOString().slice(0, 10),
      french: `${dayOfMonth === 1 ? "1er" : dayOfMonth} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`,
    };
    dayCache.set(dayNumber, day);
  }
  return day;
}

type DateStyle = "iso" | "isoOffset" | "day" | "french";

const pad2 = (value: number) => (value < 10 ? `0${value}` : String(value));

function formatDate(ms: number, style: DateStyle): string {
  const day = dayOf(ms).iso;
  switch (style) {
    case "iso": {
      const seconds = Math.floor((ms % DAY_MS) / 1000);
      return `${day}T${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}.000Z`;
    }
    case "isoOffset":
      return `${day}T09:00:00+02:00`;
    case "day":
      return day;
    default:
      return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
  }
}

/** A SIREN with a valid Luhn check digit; ~10% start with 0, as the oldest ones do. */
function fakeSiren(random: Random): string {
  const digits = Array.from({ length: 8 }, (_, i) => (i === 0 ? (random.chance(0.1) ? 0 : random.int(1, 9)) : random.int(0, 9)));
  let sum = 0;
  digits.forEach((digit, index) => {
    // Over 9 digits, every second digit from the right (index 1, 3, 5, 7 here) is doubled.
    const doubled = index % 2 === 1 ? digit * 2 : digit;
    sum += doubled > 9 ? doubled - 9 : doubled;
  });
  return `${digits.join("")}${(10 - (sum % 10)) % 10}`;
}

/** RNA number: "W", the 3-digit prefecture code of the department ("01x" keeps its zero), 6 digits. */
function fakeRna(random: Random, departmentCode: string): string {
  const prefix =
    departmentCode === "2A" ? "201" : departmentCode === "2B" ? "202" : departmentCode.length === 3 ? departmentCode : `${departmentCode}${random.int(1, 9)}`;
  return `W${prefix}${String(random.int(0, 999_999)).padStart(6, "0")}`;
}

// ---------------------------------------------------------------------------------------------------
// Organisations

interface FeedOrganization {
  name: string;
  city: LocatedCommune;
  domain: DemoDomain;
  purpose: string;
  /** Two sentences about it, for long mission descriptions. */
  description: string;
  /** The organisation elements, name → value (identifiers apart: an edge case drops them). */
  fields: [string, string][];
  identifiers: [string, string][];
}

/**
 * Organisations already built, per feed: about 1 KB each, so the cache is capped (a feed of more
 * than {@link ORGANIZATION_CACHE_SIZE}·5 missions re-derives the others on every use).
 */
const ORGANIZATION_CACHE_SIZE = 50_000;

/** Organisation `index` of the feed, derived from its own seed. */
function buildOrganization(seed: number, index: number): FeedOrganization {
  const random = new SeededRandom(seedFor(seed, ORGANIZATION_STREAM, index));
  const { all, domains } = getPlaces();
  const city = all.pick(random);
  const domain = domains.pick(random);
  const vocabulary = VOCABULARY[domain];
  const name = fillCity(random.pick(vocabulary.organizations), city.name);
  const purpose = random.pick(vocabulary.purpose);
  const slug = slugify(name);
  const roll = random.next();
  const foundation = roll > 0.95;
  const company = !foundation && roll > 0.92;
  const association = !foundation && !company;

  // Identifiers: a back-office id for 55%, else RNA and/or SIREN (at least one).
  const idRoll = random.next();
  const clientId = idRoll < 0.275 ? String(index + 1).padStart(5, "0") : idRoll < 0.55 ? `ORG-${index + 1}` : undefined;
  let rna = association && random.chance(clientId ? 0.5 : 0.8) ? fakeRna(random, city.departmentCode) : undefined;
  // 15% of them give the SIRET (SIREN + 5-digit establishment number) instead of the SIREN.
  let siren = random.chance(foundation || company ? 0.9 : 0.3) ? fakeSiren(random) : undefined;
  if (siren && random.chance(0.15)) siren += String(random.int(1, 99)).padStart(5, "0");
  if (!clientId && !rna && !siren) {
    if (association) rna = fakeRna(random, city.departmentCode);
    else siren = fakeSiren(random);
  }

  const network = vocabulary.networks.length > 0 && random.chance(0.25) ? random.pick(vocabulary.networks) : undefined;
  const description =
    `${name} est ${foundation ? "une fondation" : company ? "une entreprise solidaire" : "une association"} créée en ${random.int(1950, 2023)}. ` +
    `Elle rassemble aujourd'hui ${random.int(5, 250)} bénévoles${network ? ` et fait partie du réseau ${network}` : ""}.`;

  const fields: [string, string][] = [["organizationName", name]];
  if (random.chance(0.7)) fields.push(["organizationUrl", `https://${slug}.example`]);
  if (random.chance(0.25)) fields.push(["organizationLogo", `https://${slug}.example/logo.png`]);
  if (random.chance(0.4)) fields.push(["organizationType", foundation ? "Fondation" : company ? "Entreprise" : "1901"]);
  if (random.chance(0.3)) {
    const status = foundation
      ? "Fondation"
      : company
        ? "Société coopérative d'intérêt collectif"
        : ["57", "67", "68"].includes(city.departmentCode)
          ? "Association de droit local"
          : "Association";
    fields.push(["organizationStatusJuridique", status]);
  }
  if (random.chance(0.1)) fields.push(["organizationDescription", description]);
  if (random.chance(0.15)) {
    const postalCode = random.pick(city.postalCodes);
    fields.push(
      ["organizationFullAddress", `${street(random)} ${postalCode} ${city.name}`],
      ["organizationPostCode", postalCode],
      ["organizationCity", city.name],
    );
  }
  if (random.chance(0.3)) fields.push(["organizationBeneficiaries", random.sample(vocabulary.audience, random.int(1, 2)).join(",")]);
  if (network) fields.push(["organizationReseaux", network]);

  const identifiers: [string, string][] = [];
  if (clientId) identifiers.push(["organizationClientId", clientId]);
  if (rna) identifiers.push(["organizationRNA", rna]);
  if (siren) identifiers.push(["organizationSiren", siren]);
  return {
    name,
    city,
    domain,
    purpose,
    description,
    fields,
    identifiers,
  };
}

// ---------------------------------------------------------------------------------------------------
// Missions

function buildTitle(random: Random, domain: DemoDomain, city: LocatedCommune): string {
  const vocabulary = VOCABULARY[domain];
  const action = random.pick(vocabulary.actions);
  const roll = random.next();
  if (roll < 0.15) return capitalize(`${action} ${inCity(city.name)}`);
  const audience = random.pick(vocabulary.publics);
  if (audience.includes("{")) return capitalize(`${action} ${fillCity(audience, city.name)}`);
  return capitalize(roll < 0.75 ? `${action} ${audience} ${inCity(city.name)}` : `${action} ${audience}`);
}

interface DescriptionFacts {
  domain: DemoDomain;
  organization: FeedOrganization;
  city: LocatedCommune;
  schedule: string;
  startMs: number;
  places: number;
  volontariat: { months: number; amount: number } | null;
  requirements: string[];
}

function list(items: readonly string[]): string {
  return `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>`;
}

/**
 * The HTML description. Lengths vary as in real feeds: 40% short (~0.6 KB: pitch, tasks, when and
 * where), 50% medium (~1.1 KB: + organisation, profile, half of them what we offer), 10% long
 * (~2 KB: + how it goes, about the organisation). Average ~1 KB.
 */
function buildDescription(random: Random, facts: DescriptionFacts): string {
  const vocabulary = VOCABULARY[facts.domain];
  const { organization } = facts;
  const roll = random.next();
  const size = roll < 0.4 ? "short" : roll < 0.9 ? "medium" : "long";
  const parts = [`<p>${escapeHtml(random.pick(vocabulary.pitch))}</p>`];
  if (size !== "short") {
    parts.push(`<p>${escapeHtml(`${organization.name} agit ${inCity(organization.city.name)} pour ${organization.purpose}. ${random.pick(CONTEXTS)}`)}</p>`);
  }
  parts.push("<p><strong>Vos missions&nbsp;:</strong></p>", list(random.sample(vocabulary.tasks, random.int(3, 5))));
  if (size !== "short") {
    parts.push("<p><strong>Profil recherché&nbsp;:</strong></p>", list([...random.sample(SOFT_SKILLS, random.int(2, 3)), ...facts.requirements]));
  }
  if (facts.volontariat) {
    parts.push(
      `<p>${escapeHtml(`Mission de volontariat de ${facts.volontariat.months} mois, indemnisée ${facts.volontariat.amount} € net par mois. Un tuteur ou une tutrice vous accompagne tout au long de la mission.`)}</p>`,
    );
  }
  if (size === "long" || (size === "medium" && random.chance(0.5))) parts.push("<p><strong>Nous vous proposons&nbsp;:</strong></p>", list(random.sample(OFFERS, random.int(2, 4))));
  parts.push(
    `<p><strong>Quand et où&nbsp;?</strong> ${escapeHtml(
      `${facts.schedule}, ${inCity(facts.city.name)}, à partir du ${dayOf(facts.startMs).french}. ` +
        (facts.places > 1 ? `Nous recherchons ${facts.places} bénévoles.` : "Nous recherchons une personne."),
    )}</p>`,
  );
  if (size === "long") {
    parts.push(
      `<p><strong>Déroulement&nbsp;:</strong> ${escapeHtml(random.sample(PROCESS, 2).join(" "))}</p>`,
      `<p><strong>À propos de ${escapeHtml(organization.name)}&nbsp;:</strong> ${escapeHtml(
        `${organization.description} ${random.pick(CONTEXTS)}`,
      )}</p>`,
    );
  }
  parts.push(`<p>${escapeHtml(random.pick(CLOSINGS))}</p>`);
  return parts.join("\n");
}

interface RenderContext {
  seed: number;
  organizations: number;
  organizationCache: Map<number, FeedOrganization>;
}

function organizationOf(context: RenderContext, index: number): FeedOrganization {
  let organization = context.organizationCache.get(index);
  if (!organization) {
    organization = buildOrganization(context.seed, index);
    if (context.organizationCache.size < ORGANIZATION_CACHE_SIZE) context.organizationCache.set(index, organization);
  }
  return organization;
}

/** The `<mission>` element of mission `index`, with a trailing newline. */
function renderMission(context: RenderContext, index: number, changed: boolean): string {
  const { seed } = context;
  const random = new SeededRandom(seedFor(seed, MISSION_STREAM, index));
  const organization = organizationOf(context, random.int(0, context.organizations - 1));
  const domain = random.chance(0.8) ? organization.domain : getPlaces().domains.pick(random);
  const city = random.chance(0.75) ? organization.city : nearby(random, organization.city);
  const vocabulary = VOCABULARY[domain];
  const clientId = missionClientId(seed, index);
  const volontariat = random.chance(0.15);

  const postedMs = REFERENCE_MS - random.int(0, 120) * DAY_MS - random.int(0, 86_399) * 1000;
  const startMs = Math.floor((postedMs + random.int(0, 60) * DAY_MS) / DAY_MS) * DAY_MS;
  const months = volontariat ? random.int(6, 10) : random.int(1, 12);
  const endMs = startMs + months * 30 * DAY_MS;
  const hasEnd = volontariat || random.chance(0.65);
  const dateRoll = random.next();
  const dateStyle: DateStyle = dateRoll < 0.1 ? "french" : dateRoll < 0.55 ? "iso" : dateRoll < 0.75 ? "isoOffset" : "day";

  const schedule = random.pick(volontariat ? SCHEDULES_VOLONTARIAT : SCHEDULES_BENEVOLAT);
  let places = volontariat ? random.int(1, 4) : random.pick([1, 1, 1, 2, 2, 3, 4, 5, 8, 10]);
  const requirements = volontariat
    ? [REQUIREMENTS_VOLONTARIAT[0]!, ...random.sample(REQUIREMENTS_VOLONTARIAT.slice(1), random.int(0, 1))]
    : random.sample(REQUIREMENTS_BENEVOLAT, random.int(1, 2));

  let title = buildTitle(random, domain, city);
  let description = buildDescription(random, {
    domain,
    organization,
    city,
    schedule,
    startMs,
    places,
    volontariat: volontariat ? { months, amount: 620 } : null,
    requirements,
  });
  const entityRoll = random.next();
  if (entityRoll < 0.1) description = description.replace(/[éèêàâçôîû']/g, (c) => NAMED_ENTITIES[c]!);
  else if (entityRoll < 0.3) description = description.replace(/'/g, "&rsquo;");

  // Edge cases of real feeds (drawn for every mission so the PRNG sequence does not depend on them).
  const edge = random.next();
  const invalidDomain = edge < 0.01;
  const noOrganizationId = edge >= 0.01 && edge < 0.02;
  const negativeCompensation = edge >= 0.02 && edge < 0.025;

  if (changed) {
    // Drawn from a separate PRNG: the base mission's draws above and below stay the same.
    const change = new SeededRandom(seedFor(seed, CHANGE_STREAM, index));
    title = `${title} – ${change.pick(TITLE_SUFFIXES)}`;
    description = `<p><strong>Mise à jour&nbsp;:</strong> ${escapeHtml(change.pick(UPDATES))}</p>\n${description}`;
    places += change.int(1, 5);
  }

  const yesNo = random.chance(0.1) ? (value: boolean) => (value ? "oui" : "non") : (value: boolean) => (value ? "yes" : "no");
  const remoteRoll = random.next();
  const remote = remoteRoll < 0.78 ? "no" : remoteRoll < 0.88 ? "possible" : remoteRoll < 0.92 ? "oui" : remoteRoll < 0.97 ? "full" : "local";

  // 40% of the partners wrap every text in CDATA, the others escape it (CDATA for the HTML only).
  const text: TextWriter = random.chance(0.4) ? cdata : escaped;
  const lines: string[] = [
    text("clientId", clientId),
    text("title", title),
    random.chance(0.05) ? escaped("description", description) : cdata("description", description),
    text("applicationUrl", `${PUBLISHER.url}/missions/${clientId.toLowerCase()}${random.chance(0.15) ? "?utm_source=flux&utm_medium=xml" : ""}`),
    plain("postedAt", formatDate(postedMs, dateStyle)),
    plain("startAt", formatDate(startMs, dateStyle)),
  ];
  if (hasEnd) lines.push(plain("endAt", formatDate(endMs, dateStyle)));
  lines.push(invalidDomain ? text("domain", random.pick(INVALID_DOMAINS)) : plain("domain", domain));
  lines.push(text("activity", random.sample(vocabulary.activities, random.int(1, 2)).join(",")));
  const tags = random.sample(vocabulary.tags, random.int(1, 3));
  lines.push(random.chance(0.1) ? `<tags>${tags.map((tag) => text("value", tag)).join("")}</tags>` : text("tags", tags.join(",")));
  if (random.chance(0.1)) lines.push(text("image", `https://images.benevoles-en-region.example/${domain}/${random.int(1, 3)}.jpg`));
  // Optional fields, present in the share of missions real partners fill them in.
  const audience = random.sample(vocabulary.audience, random.int(1, Math.min(2, vocabulary.audience.length)));
  if (random.chance(0.5)) lines.push(text("audience", audience.join(",")));
  const softSkills = random.sample(SOFT_SKILLS, random.int(2, 3));
  if (random.chance(0.4)) lines.push(text("softSkills", softSkills.join(",")));
  if (random.chance(0.5)) lines.push(text("requirements", requirements.join(",")));
  lines.push(plain("remote", remote), plain("places", places), text("schedule", schedule));
  const openToMinors = random.chance(volontariat ? 0.3 : 0.25);
  if (random.chance(0.7)) lines.push(plain("openToMinors", yesNo(openToMinors)));
  const accessible = random.chance(0.35);
  if (random.chance(0.6)) lines.push(plain("reducedMobilityAccessible", yesNo(accessible)));
  const closeToTransport = random.chance(0.6);
  if (random.chance(0.4)) lines.push(plain("closeToTransport", yesNo(closeToTransport)));
  if (volontariat || negativeCompensation) {
    lines.push(
      plain("compensationAmount", negativeCompensation ? -random.int(1, 50) * 10 : 620),
      plain("compensationUnit", random.chance(0.8) ? "month" : "mois"),
      plain("compensationType", "net"),
    );
  }

  // Addresses: 85% one, 10% two, 5% three, in the mission's department.
  const addressRoll = random.next();
  const addressCount = addressRoll < 0.85 ? 1 : addressRoll < 0.95 ? 2 : 3;
  const addresses: string[] = [];
  for (let a = 0; a < addressCount; a++) addresses.push(renderAddress(random, text, a === 0 ? city : nearby(random, city)));
  lines.push(`<addresses>\n${addresses.join("\n")}\n</addresses>`);

  for (const [name, value] of organization.fields) lines.push(text(name, value));
  if (!noOrganizationId) for (const [name, value] of organization.identifiers) lines.push(text(name, value));
  return `<mission>\n${lines.join("\n")}\n</mission>\n`;
}

function renderAddress(random: Random, text: TextWriter, commune: LocatedCommune): string {
  const postalCode = random.pick(commune.postalCodes);
  const parts = [text("street", street(random)), text("postalCode", postalCode), text("city", commune.name)];
  if (random.chance(0.5)) parts.push(plain("departmentCode", commune.departmentCode));
  if (random.chance(0.25)) parts.push(text("departmentName", commune.departmentName), text("region", commune.regionName));
  parts.push(plain("country", random.chance(0.7) ? "FR" : "France"));
  if (random.chance(0.7)) {
    // Spread around the town centre, up to ~3 km in a big city.
    const radiusKm = Math.min(3, 0.4 + Math.sqrt(commune.population ?? 1_000) / 400);
    const distance = radiusKm * Math.sqrt(random.next());
    const angle = random.next() * 2 * Math.PI;
    const lat = commune.lat + (distance / 111.32) * Math.cos(angle);
    const lon = commune.lon + (distance / (111.32 * Math.cos((commune.lat * Math.PI) / 180))) * Math.sin(angle);
    parts.push(`<location><lat>${lat.toFixed(5)}</lat><lon>${lon.toFixed(5)}</lon></location>`);
  }
  return `<address>\n${parts.join("\n")}\n</address>`;
}

// ---------------------------------------------------------------------------------------------------
// Streaming

/** Size of the Buffers handed out (a chunk ends after the mission that crosses it). */
const CHUNK_BYTES = 64 * 1024;

interface FeedStats {
  bytes: number;
  missions: number;
}

/**
 * The feed as ~64 KB Buffers. Each mission is encoded straight into the current Buffer
 * (`buffer.write`), which is more than twice as fast as `Buffer.from` on a concatenated string.
 */
function* feedChunks(options: FeedOptions, stats: FeedStats): Generator<Buffer> {
  const plan = makePlan(options);
  const seed = options.seed ?? DEFAULT_FEED_SEED;
  const context: RenderContext = { seed, organizations: Math.max(1, Math.round(plan.missions / 5)), organizationCache: new Map() };
  const buildDate = new Date(REFERENCE_MS + (options.variant ? DAY_MS : 0)).toUTCString();

  let buffer = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  let used = 0;
  const take = (): Buffer => {
    const chunk = buffer.subarray(0, used);
    stats.bytes += used;
    buffer = Buffer.allocUnsafe(2 * CHUNK_BYTES);
    used = 0;
    return chunk;
  };
  /** Appends `text`; returns a full chunk to hand out, if any. */
  const append = (text: string): Buffer | null => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: make sure `text` cannot be truncated.
    let full: Buffer | null = null;
    if (used + text.length * 3 > buffer.length) {
      if (used > 0) full = take();
      if (text.length * 3 > buffer.length) buffer = Buffer.allocUnsafe(text.length * 3);
    }
    used += buffer.write(text, used);
    if (!full && used >= CHUNK_BYTES) full = take();
    return full;
  };

  const header =
    '<?xml version="1.0" encoding="UTF-8"?>\n<source>\n' +
    `${cdata("publisher", PUBLISHER.name)}\n${cdata("publisherurl", PUBLISHER.url)}\n${cdata("lastBuildDate", buildDate)}\n`;
  append(header);
  for (let i = 0; i < plan.missions; i++) {
    const fate = fateOf(plan, i);
    if (fate === "removed") continue;
    const full = append(renderMission(context, i, fate === "changed"));
    stats.missions++;
    if (full) yield full;
  }
  const last = append("</source>\n");
  if (last) yield last;
  if (used > 0) yield take();
}

/** The feed as a stream of Buffers, generated on the fly (never the whole document in memory). */
export function feedStream(options: FeedOptions): Readable {
  checkOptions(options);
  return Readable.from(feedChunks(options, { bytes: 0, missions: 0 }), { objectMode: false, highWaterMark: CHUNK_BYTES });
}

/** Writes the feed to `path`; returns its size in bytes and the number of `<mission>` elements. */
export async function writeFeedFile(path: string, options: FeedOptions): Promise<{ bytes: number; missions: number }> {
  checkOptions(options);
  const stats: FeedStats = { bytes: 0, missions: 0 };
  await pipeline(Readable.from(feedChunks(options, stats), { objectMode: false, highWaterMark: CHUNK_BYTES }), fs.createWriteStream(path, { highWaterMark: 1 << 20 }));
  return { ...stats };
}

// ---------------------------------------------------------------------------------------------------
// CLI

function parseArgs(args: string[]): { out: string; options: FeedOptions } {
  let out: string | undefined;
  let missions = 100_000;
  let seed = DEFAULT_FEED_SEED;
  let changed = 0;
  let removed = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined || Number.isNaN(Number(next))) throw new Error(`${arg} needs a number`);
      return Number(next);
    };
    if (arg === "--missions") missions = value();
    else if (arg === "--seed") seed = value();
    else if (arg === "--changed") changed = value();
    else if (arg === "--removed") removed = value();
    else if (arg.startsWith("--") || out !== undefined) throw new Error(`unexpected argument ${arg}`);
    else out = arg;
  }
  if (!out) throw new Error("usage: feed-generator.ts OUT.xml [--missions N] [--seed S] [--changed 0.1] [--removed 0.05]");
  const variant = changed > 0 || removed > 0 ? { variant: { changedShare: changed, removedShare: removed } } : {};
  return { out, options: { missions, seed, ...variant } };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { out, options } = parseArgs(process.argv.slice(2));
    const result = await writeFeedFile(out, options);
    console.log(JSON.stringify(result));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
