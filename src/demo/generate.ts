/**
 * Deterministic demo data set: fictional publishers, diffusion rights and about 2,400 missions as the
 * JSON bodies an annonceur would POST to `/v2/mission`. Pure: no database, no clock, no network;
 * the same options always give the same output (seeded PRNG, fixed reference date).
 *
 * Missions are spread over France (metropolitan, Corsica, overseas) in proportion to the population
 * of the communes that have coordinates, written in French from per-domain templates, and attached
 * to a few hundred reusable organisations. About 3% deliberately fail automatic moderation (one-word
 * title, missing application URL or description, encoding problem, unknown domain) so that the demo
 * shows REFUSED missions too.
 */
import { findCommuneByCode, listCommunesWithCoordinates, type LocatedCommune } from "../places/communes.ts";
import { foldText } from "../places/text.ts";
import { capitalize, fillCity, inCity } from "./french.ts";
import { ANNONCEUR_PROFILES, DEMO_DIFFUSION, DEMO_PUBLISHERS, type AnnonceurProfile, type DemoPublisher } from "./publishers.ts";
import { createRandom, WeightedPicker, type Random } from "./random.ts";
import {
  CLOSINGS,
  DEMO_DOMAINS,
  ONE_WORD_TITLES,
  REQUIREMENTS_BENEVOLAT,
  REQUIREMENTS_VOLONTARIAT,
  SCHEDULES_BENEVOLAT,
  SCHEDULES_VOLONTARIAT,
  SOFT_SKILLS,
  STREET_NAMES,
  STREET_TYPES,
  VOCABULARY,
  type DemoDomain,
} from "./vocabulary.ts";

export type { DemoPublisher } from "./publishers.ts";
export { DEMO_DOMAINS, type DemoDomain } from "./vocabulary.ts";

/** Reference date of the default data set: dates are computed from it, never from the clock. */
export const DEMO_REFERENCE_DATE = "2026-11-01T00:00:00.000Z";
export const DEMO_DEFAULT_SEED = 20_261_101;
export const DEMO_DEFAULT_MISSION_COUNT = 2_400;

export interface DemoOptions {
  /** Number of missions (default 2,400). */
  missionCount?: number;
  /** PRNG seed (default {@link DEMO_DEFAULT_SEED}). */
  seed?: number;
  /**
   * Date the data set is built around (default {@link DEMO_REFERENCE_DATE}): missions were posted in
   * the 4 months before it and end 3 to 10 months after it. Pass `new Date()` for fresh dates.
   */
  now?: Date;
}

export interface MissionAddressBody {
  street: string;
  postalCode: string;
  city: string;
  country: "FR";
  location: { lat: number; lon: number };
}

/** The JSON body of `POST /v2/mission`. Optional keys are absent, never `undefined`, once serialised. */
export interface MissionBody {
  clientId: string;
  title: string;
  description?: string;
  applicationUrl?: string;
  postedAt: string;
  startAt: string;
  endAt?: string;
  domain: string;
  activities: string[];
  tags: string[];
  audience: string[];
  softSkills: string[];
  requirements: string[];
  remote: "no" | "possible" | "full" | "local";
  schedule: string;
  places: number;
  openToMinors: boolean;
  reducedMobilityAccessible: boolean;
  closeToTransport: boolean;
  compensationAmount?: number;
  compensationAmountMax?: number;
  compensationUnit?: "month";
  compensationType?: "net";
  addresses: MissionAddressBody[];
  organizationClientId: string;
  organizationName: string;
  organizationRNA?: string;
  organizationSiren?: string;
  organizationUrl: string;
  organizationType: string;
  organizationStatusJuridique: string;
  organizationReseaux?: string[];
  organizationDescription: string;
}

export interface DemoMission {
  publisherKey: string;
  body: MissionBody;
}

export interface DemoData {
  publishers: DemoPublisher[];
  diffusion: { diffuseurKey: string; annonceurKey: string }[];
  missions: DemoMission[];
}

// ---------------------------------------------------------------------------------------------------

interface DemoOrganization {
  clientId: string;
  name: string;
  city: LocatedCommune;
  domain: DemoDomain;
  type: string;
  statusJuridique: string;
  rna?: string;
  siren?: string;
  url: string;
  description: string;
  /** What it does ("lutter contre la précarité"), reused in its missions' descriptions. */
  purpose: string;
  reseaux?: string[];
}

/** Communes every demo shows: Corsica and the five overseas departments. */
const SHOWCASE_COMMUNES = ["2A004", "2B033", "97411", "97120", "97302", "97209", "97611"];

const DAY_MS = 86_400_000;

/** Picks communes in proportion to their population: big cities get more missions, small towns some. */
class CommunePicker {
  private readonly all: WeightedPicker<LocatedCommune>;
  private readonly byDepartment = new Map<string, WeightedPicker<LocatedCommune>>();
  private readonly communesByDepartment = new Map<string, LocatedCommune[]>();

  constructor(communes: readonly LocatedCommune[]) {
    this.all = new WeightedPicker(communes, communes.map(CommunePicker.weight));
    for (const commune of communes) {
      const list = this.communesByDepartment.get(commune.departmentCode);
      if (list) list.push(commune);
      else this.communesByDepartment.set(commune.departmentCode, [commune]);
    }
  }

  static weight(commune: LocatedCommune): number {
    return commune.population ?? 1_000;
  }

  pick(random: Random): LocatedCommune {
    return this.all.pick(random);
  }

  /** Another commune of the same department (or the same one when it is alone there). */
  near(random: Random, commune: LocatedCommune): LocatedCommune {
    let picker = this.byDepartment.get(commune.departmentCode);
    if (!picker) {
      const list = this.communesByDepartment.get(commune.departmentCode) ?? [commune];
      picker = new WeightedPicker(list, list.map(CommunePicker.weight));
      this.byDepartment.set(commune.departmentCode, picker);
    }
    return picker.pick(random);
  }
}

function slugify(text: string): string {
  return foldText(text).replace(/ /g, "-");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A SIREN with a valid Luhn check digit, as real ones have. */
function fakeSiren(random: Random): string {
  const digits = Array.from({ length: 8 }, (_, i) => (i === 0 ? random.int(1, 9) : random.int(0, 9)));
  const sum = (list: number[]) =>
    list.reduce((acc, digit, index) => {
      // Luhn over 9 digits: double every second digit counting from the right (the check digit is 1st).
      const doubled = (list.length - index) % 2 === 0 ? digit * 2 : digit;
      return acc + (doubled > 9 ? doubled - 9 : doubled);
    }, 0);
  for (let check = 0; check <= 9; check++) {
    if (sum([...digits, check]) % 10 === 0) return [...digits, check].join("");
  }
  throw new Error("unreachable: a Luhn check digit always exists");
}

/** RNA number: "W", the 3-digit prefecture code of the department, 6 digits. */
function fakeRna(random: Random, departmentCode: string): string {
  const prefix =
    departmentCode === "2A" ? "201" : departmentCode === "2B" ? "202" : departmentCode.length === 3 ? departmentCode : `${departmentCode}${random.int(1, 9)}`;
  return `W${prefix}${String(random.int(0, 999_999)).padStart(6, "0")}`;
}

function domainPicker(profile: AnnonceurProfile): WeightedPicker<DemoDomain> {
  const entries = Object.entries(profile.domains) as [DemoDomain, number][];
  return new WeightedPicker(
    entries.map(([domain]) => domain),
    entries.map(([, weight]) => weight),
  );
}

function buildOrganization(
  random: Random,
  profile: AnnonceurProfile,
  index: number,
  city: LocatedCommune,
  domain: DemoDomain,
): DemoOrganization {
  const vocabulary = VOCABULARY[domain];
  const name = fillCity(random.pick(vocabulary.organizations), city.name);
  const roll = random.next();
  const alsaceMoselle = ["57", "67", "68"].includes(city.departmentCode);
  let type = "Association";
  let statusJuridique = alsaceMoselle ? "Association de droit local (loi 1908)" : "Association loi 1901";
  let rna: string | undefined = fakeRna(random, city.departmentCode);
  let siren: string | undefined = random.chance(0.4) ? fakeSiren(random) : undefined;
  if (roll > 0.95) {
    type = "Fondation";
    statusJuridique = "Fondation reconnue d'utilité publique";
    rna = undefined;
    siren = fakeSiren(random);
  } else if (roll > 0.91) {
    type = "Entreprise de l'économie sociale et solidaire";
    statusJuridique = "Société coopérative d'intérêt collectif (SCIC)";
    rna = undefined;
    siren = fakeSiren(random);
  }
  const network = profile.network ?? (vocabulary.networks.length > 0 && random.chance(0.3) ? random.pick(vocabulary.networks) : undefined);
  const founded = random.int(1950, 2023);
  const volunteers = random.int(5, 250);
  const purpose = random.pick(vocabulary.purpose);
  const description =
    `${name} est ${type === "Association" ? "une association" : type === "Fondation" ? "une fondation" : "une entreprise solidaire"} ` +
    `créée en ${founded}. Elle agit ${inCity(city.name)} et dans les environs pour ${purpose}. ` +
    `Elle rassemble aujourd'hui ${volunteers} bénévoles${network ? ` et fait partie du réseau ${network}` : ""}.`;
  return {
    clientId: `ORG-${profile.clientIdPrefix}-${String(index + 1).padStart(4, "0")}`,
    name,
    city,
    domain,
    type,
    statusJuridique,
    ...(rna ? { rna } : {}),
    ...(siren ? { siren } : {}),
    url: `https://${slugify(name)}.example`,
    description,
    purpose,
    ...(network ? { reseaux: [network] } : {}),
  };
}

function buildAddress(random: Random, commune: LocatedCommune): MissionAddressBody {
  // Spread around the town centre: up to ~0.5 km in a village, up to 3 km in a big city.
  const radiusKm = Math.min(3, 0.4 + Math.sqrt(commune.population ?? 1_000) / 400);
  const distance = radiusKm * Math.sqrt(random.next());
  const angle = random.next() * 2 * Math.PI;
  const lat = commune.lat + (distance / 111.32) * Math.cos(angle);
  const lon = commune.lon + (distance / (111.32 * Math.cos((commune.lat * Math.PI) / 180))) * Math.sin(angle);
  const round = (value: number) => Math.round(value * 1e5) / 1e5;
  return {
    street: `${random.int(1, 120)} ${random.pick(STREET_TYPES)} ${random.pick(STREET_NAMES)}`,
    postalCode: commune.postalCodes.length > 0 ? random.pick(commune.postalCodes) : "",
    city: commune.name,
    country: "FR",
    location: { lat: round(lat), lon: round(lon) },
  };
}

function buildTitle(random: Random, domain: DemoDomain, city: LocatedCommune): string {
  const vocabulary = VOCABULARY[domain];
  const action = random.pick(vocabulary.actions);
  const roll = random.next();
  if (roll < 0.15) return `${action} ${inCity(city.name)}`;
  const audience = random.pick(vocabulary.publics);
  if (audience.includes("{")) return `${action} ${fillCity(audience, city.name)}`;
  return roll < 0.75 ? `${action} ${audience} ${inCity(city.name)}` : `${action} ${audience}`;
}

function buildDescription(
  random: Random,
  domain: DemoDomain,
  organization: DemoOrganization,
  volontariat: { months: number; schedule: string; amount: number } | null,
): string {
  const vocabulary = VOCABULARY[domain];
  const tasks = random.sample(vocabulary.tasks, random.int(3, 4));
  const parts = [
    `<p>${escapeHtml(random.pick(vocabulary.pitch))}</p>`,
    `<p>${escapeHtml(`${organization.name} agit ${inCity(organization.city.name)} pour ${organization.purpose}.`)}</p>`,
    "<p><strong>Vos missions :</strong></p>",
    `<ul>${tasks.map((task) => `<li>${escapeHtml(task)}</li>`).join("")}</ul>`,
  ];
  if (volontariat) {
    parts.push(
      `<p>${escapeHtml(
        `Mission de volontariat de ${volontariat.months} mois, ${volontariat.schedule}, indemnisée ${volontariat.amount} € net par mois. Un tuteur ou une tutrice vous accompagne tout au long de la mission.`,
      )}</p>`,
    );
  }
  parts.push(`<p>${escapeHtml(random.pick(CLOSINGS))}</p>`);
  return parts.join("\n");
}

function isoDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString();
}

/** Breaks one rule of automatic moderation, so the mission is created REFUSED. */
function spoil(random: Random, body: MissionBody): void {
  switch (random.int(0, 4)) {
    case 0:
      body.title = random.pick(ONE_WORD_TITLES);
      break;
    case 1:
      delete body.applicationUrl;
      break;
    case 2:
      delete body.description;
      break;
    case 3:
      body.title = body.title.replace(/é/, "&#233;").replace(/^([^&]*)$/, "$1 &#8211; urgent");
      break;
    default:
      body.domain = "solidarite";
  }
}

function buildMissions(random: Random, profile: AnnonceurProfile, count: number, communes: CommunePicker, now: number): DemoMission[] {
  const publisher = DEMO_PUBLISHERS.find((p) => p.key === profile.key)!;
  const volontariat = publisher.missionType === "volontariat_service_civique";
  const domains = domainPicker(profile);
  const organizationDomains = profile.organizationDomains ?? null;

  // Organisations: about one per six missions; the first ones cover the showcase communes and,
  // for the general platform, every domain, so that a default data set always shows them.
  const organizationCount = Math.max(4, Math.round(count / 6));
  const showcase = profile.key === ANNONCEUR_PROFILES[0]!.key ? SHOWCASE_COMMUNES : [];
  const organizations: DemoOrganization[] = [];
  for (let i = 0; i < organizationCount; i++) {
    const forcedCity = i < showcase.length ? findCommuneByCode(showcase[i]!) : null;
    const city = forcedCity && forcedCity.lat !== null ? (forcedCity as LocatedCommune) : communes.pick(random);
    const domain =
      showcase.length > 0 && i < DEMO_DOMAINS.length
        ? DEMO_DOMAINS[i]!
        : organizationDomains
          ? random.pick(organizationDomains)
          : domains.pick(random);
    organizations.push(buildOrganization(random, profile, i, city, domain));
  }
  // Some organisations publish three times as much as others.
  const organizationPicker = new WeightedPicker(
    organizations,
    organizations.map(() => 0.5 + random.next()),
  );
  const shuffledOrder = random.shuffle(organizations.map((_, i) => i));

  const missions: DemoMission[] = [];
  for (let i = 0; i < count; i++) {
    // Every organisation gets at least one mission, in its own city and domain.
    const first = i < organizations.length;
    const organization = first ? organizations[shuffledOrder[i]!]! : organizationPicker.pick(random);
    const domain = first || random.chance(0.8) ? organization.domain : domains.pick(random);
    const city = first || random.chance(0.75) ? organization.city : communes.near(random, organization.city);
    const clientId = `${profile.clientIdPrefix}-${String(i + 1).padStart(5, "0")}`;

    const postedAt = now - random.int(0, 120) * DAY_MS - random.int(0, 23) * 3_600_000 - random.int(0, 59) * 60_000;
    const startAt = postedAt + random.int(0, 60) * DAY_MS;
    const months = volontariat ? random.int(6, 10) : random.int(1, 12);
    const minimumEnd = now + random.int(90, 300) * DAY_MS;
    const endAt = Math.max(startAt + months * 30 * DAY_MS, minimumEnd);
    const hasEnd = volontariat || random.chance(0.65);

    const schedule = random.pick(volontariat ? SCHEDULES_VOLONTARIAT : SCHEDULES_BENEVOLAT);
    const amount = 620;
    const remoteRoll = random.next();
    const remote: MissionBody["remote"] = volontariat
      ? remoteRoll < 0.95
        ? "no"
        : "possible"
      : remoteRoll < 0.8
        ? "no"
        : remoteRoll < 0.9
          ? "possible"
          : remoteRoll < 0.96
            ? "full"
            : "local";

    const addressCount = random.next() < 0.9 ? 1 : random.chance(0.7) ? 2 : 3;
    const addressCommunes = [city];
    while (addressCommunes.length < addressCount) addressCommunes.push(communes.near(random, city));
    const vocabulary = VOCABULARY[domain];

    const body: MissionBody = {
      clientId,
      title: capitalize(buildTitle(random, domain, city)),
      description: buildDescription(random, domain, organization, volontariat ? { months, schedule, amount } : null),
      applicationUrl: `${publisher.url}/${profile.applicationPath}/${clientId.toLowerCase()}`,
      postedAt: new Date(postedAt).toISOString(),
      startAt: isoDay(startAt),
      ...(hasEnd ? { endAt: isoDay(endAt) } : {}),
      domain,
      activities: random.sample(vocabulary.activities, random.int(1, 2)),
      tags: random.sample(vocabulary.tags, random.int(1, 3)),
      audience: random.sample(vocabulary.audience, random.int(1, Math.min(2, vocabulary.audience.length))),
      softSkills: random.sample(SOFT_SKILLS, random.int(2, 3)),
      requirements: volontariat
        ? [REQUIREMENTS_VOLONTARIAT[0]!, ...random.sample(REQUIREMENTS_VOLONTARIAT.slice(1), random.int(0, 1))]
        : random.sample(REQUIREMENTS_BENEVOLAT, random.int(1, 2)),
      remote,
      schedule,
      places: volontariat ? random.int(1, 4) : domain === "sport" && random.chance(0.4) ? random.int(5, 20) : random.pick([1, 1, 1, 2, 2, 3, 4, 5, 8, 10]),
      openToMinors: random.chance(volontariat ? 0.3 : 0.25),
      reducedMobilityAccessible: random.chance(0.35),
      closeToTransport: random.chance((city.population ?? 0) > 50_000 ? 0.85 : 0.45),
      ...(volontariat
        ? {
            compensationAmount: amount,
            ...(random.chance(0.15) ? { compensationAmountMax: 728 } : {}),
            compensationUnit: "month" as const,
            compensationType: "net" as const,
          }
        : {}),
      addresses: addressCommunes.map((commune) => buildAddress(random, commune)),
      organizationClientId: organization.clientId,
      organizationName: organization.name,
      ...(organization.rna ? { organizationRNA: organization.rna } : {}),
      ...(organization.siren ? { organizationSiren: organization.siren } : {}),
      organizationUrl: organization.url,
      organizationType: organization.type,
      organizationStatusJuridique: organization.statusJuridique,
      ...(organization.reseaux ? { organizationReseaux: [...organization.reseaux] } : {}),
      organizationDescription: organization.description,
    };
    if (profile.refusable && random.chance(0.04)) spoil(random, body);
    missions.push({ publisherKey: profile.key, body });
  }
  return missions;
}

/**
 * Builds the demo data set. Same options ⇒ deep-equal output. Every publisher and diffusion pair is
 * returned even for a small `missionCount`; missions are split between the annonceurs by their share
 * (45% general bénévolat platform, 25% volontariat, 18% nature network, 12% sport federation).
 */
export function generateDemoData(options: DemoOptions = {}): DemoData {
  const missionCount = Math.max(0, Math.floor(options.missionCount ?? DEMO_DEFAULT_MISSION_COUNT));
  const random = createRandom(options.seed ?? DEMO_DEFAULT_SEED);
  const now = (options.now ?? new Date(DEMO_REFERENCE_DATE)).getTime();
  const communes = new CommunePicker(listCommunesWithCoordinates());

  const missions: DemoMission[] = [];
  let assigned = 0;
  ANNONCEUR_PROFILES.forEach((profile, index) => {
    const last = index === ANNONCEUR_PROFILES.length - 1;
    const count = last ? missionCount - assigned : Math.round(missionCount * profile.share);
    assigned += count;
    if (count > 0) missions.push(...buildMissions(random, profile, count, communes, now));
  });

  return {
    publishers: DEMO_PUBLISHERS.map((p) => ({ ...p })),
    diffusion: DEMO_DIFFUSION.map((d) => ({ ...d })),
    missions,
  };
}
