/**
 * The deterministic world of the statistics benchmark (bench/stats.ts): 300 annonceurs, 50 diffuseurs,
 * their missions, widgets and campaigns, and a stream of tracking events over the 365 Paris days that
 * end on a fixed reference day, in time order, as the tracking writer receives them.
 *
 * Skew: partners' shares follow Zipf laws (the largest diffuseur ~25% of the events, the largest
 * annonceur ~17%), missions per annonceur and events per mission too. Seasonality: a yearly profile
 * (September high, August low), a weekly one (weekends lower), a daily one (Paris hours) and a 30%
 * growth over the year. Types: impressions 55%, clicks 35%, accounts 4%, applications 6%; an account
 * or application follows a recent click (same diffuseur, annonceur, mission, channel, visitor, and its
 * `click_id`). Channels: clicks api / widget / campaign / seo (an SEO click has no diffuseur),
 * impressions widget / jstag (the print beacon), conversions those of their click. About 2% of the
 * events are bots: from a pool of bot visitors, a third of whose fingerprints are blocked
 * (`bot_fingerprint`) and written with `is_bot` false, so that the writer flags them itself; the
 * others written with `is_bot` true. 1% of the conversions are outside the attribution window
 * (`attributed` false).
 *
 * Same seed, same partners, missions and events (ids included) on every machine: the PRNG is the one
 * of the demo data and of the search catalogue (src/demo/random.ts).
 */
import { hash } from "node:crypto";
import { createRandom, WeightedPicker, type Random } from "../src/demo/random.ts";
import { DOMAIN_LABELS, DOMAIN_SLUGS } from "../src/taxonomy/domains.ts";
import type { NewTrackingEvent } from "../src/tracking/event-queue.ts";
import { addDays } from "../src/stats/stats-period.ts";

export const STATS_SEED = 20_260_315;
/** The last Paris day of the events; the first is 364 days before (365 days in all). */
export const REFERENCE_DAY = "2026-03-15";
export const DAYS = 365;
export const FIRST_DAY = addDays(REFERENCE_DAY, -(DAYS - 1));

export const ANNONCEURS = 300;
export const DIFFUSEURS = 50;
export const MISSIONS = 60_000;
const DIFFUSEUR_ZIPF = 1.1;
const ANNONCEUR_ZIPF = 1.03;
const MISSION_ZIPF = 0.9;
const VISITORS = 1_500_000;
const BOT_VISITORS = 300;
const BLOCKED_BOT_VISITORS = 100;
const RECENT_CLICKS = 20_000;

export const SHARES = { impression: 0.55, click: 0.35, account: 0.04, apply: 0.06, bots: 0.02, unattributedConversions: 0.01 } as const;

export const HOST = "api-engagement.beta.gouv.fr";
const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
];
const BOT_USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36";

/** Relative weight of each month (January first): the school year drives volunteering. */
const MONTH_WEIGHTS = [1.1, 1.05, 1.05, 1.0, 0.95, 0.9, 0.75, 0.6, 1.25, 1.2, 1.1, 0.85];
/** Monday first. */
const WEEKDAY_WEIGHTS = [1.05, 1.1, 1.1, 1.05, 0.95, 0.7, 0.65];
/** Paris hour of the day. */
const HOUR_WEIGHTS = [0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.8, 1.2, 1.5, 1.6, 1.5, 1.3, 1.4, 1.5, 1.5, 1.4, 1.4, 1.5, 1.6, 1.5, 1.2, 0.9, 0.5];

// ---------------------------------------------------------------------------------------------------
// Partners and missions

export interface PartnerPlan {
  id: string;
  name: string;
  /** Share of the events (Zipf). */
  weight: number;
}

export interface DiffuseurPlan extends PartnerPlan {
  widgets: Array<{ id: string; name: string }>;
  campaigns: Array<{ id: string; name: string; annonceurIndex: number }>;
  referers: string[];
}

export interface AnnonceurPlan extends PartnerPlan {
  /** Indexes into `missions`. */
  missions: number[];
  referer: string;
}

export interface MissionPlan {
  id: string;
  clientId: string;
  annonceurIndex: number;
  title: string;
  domain: string;
  applicationUrl: string;
}

export interface StatsWorld {
  seed: number;
  annonceurs: AnnonceurPlan[];
  diffuseurs: DiffuseurPlan[];
  missions: MissionPlan[];
  /** Fingerprints in `bot_fingerprint`: their events are flagged by the writer. */
  blockedFingerprints: string[];
}

function hex(random: Random, length: number): string {
  let out = "";
  while (out.length < length) out += Math.floor(random.next() * 0x1_0000_0000).toString(16).padStart(8, "0");
  return out.slice(0, length);
}

/** A version-4-shaped UUID drawn from the PRNG. */
function uuid4(random: Random): string {
  const h = hex(random, 32);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const zipf = (n: number, s: number) => {
  const weights = Array.from({ length: n }, (_, i) => (i + 1) ** -s);
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
};

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Splits `total` into integer parts proportional to `weights` (largest remainders). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left -= 1) parts[order[k]![1]] = parts[order[k]![1]]! + 1;
  return parts;
}

const fingerprintOf = (visitor: string) => hash("sha256", `bench-stats\n${visitor}`);

export function planWorld(seed: number = STATS_SEED, missionCount: number = MISSIONS): StatsWorld {
  const random = createRandom(seed);
  const annonceurWeights = zipf(ANNONCEURS, ANNONCEUR_ZIPF);
  const diffuseurWeights = zipf(DIFFUSEURS, DIFFUSEUR_ZIPF);

  // Missions per annonceur: 5 each, the rest in proportion to weight^0.8 (large partners publish more).
  const perAnnonceur = apportion(missionCount - 5 * ANNONCEURS, annonceurWeights.map((w) => w ** 0.8)).map((n) => n + 5);
  const missions: MissionPlan[] = [];
  const annonceurs: AnnonceurPlan[] = annonceurWeights.map((weight, i) => {
    const id = hex(random, 24);
    const site = `https://www.annonceur-${pad(i + 1, 3)}.fr`;
    const own: number[] = [];
    for (let k = 0; k < perAnnonceur[i]!; k += 1) {
      const domain = random.pick(DOMAIN_SLUGS);
      own.push(missions.length);
      missions.push({
        id: uuid4(random),
        clientId: `a${pad(i + 1, 3)}-m${pad(k + 1, 5)}`,
        annonceurIndex: i,
        title: `${DOMAIN_LABELS[domain]} : mission n°${k + 1} de l'annonceur ${i + 1}`,
        domain,
        applicationUrl: `${site}/missions/${k + 1}/candidater`,
      });
    }
    return { id, name: `Annonceur ${pad(i + 1, 3)}`, weight, missions: own, referer: `${site}/candidature/merci` };
  });

  const annonceurPicker = new WeightedPicker(annonceurs.map((_, i) => i), annonceurWeights);
  const diffuseurs: DiffuseurPlan[] = diffuseurWeights.map((weight, i) => {
    const id = hex(random, 24);
    const widgetCount = i < 10 ? 3 : i < 30 ? 1 : 0;
    const campaignCount = i < 5 ? 4 : i < 20 ? 1 : 0;
    const site = `https://www.diffuseur-${pad(i + 1, 2)}.fr`;
    return {
      id,
      name: `Diffuseur ${pad(i + 1, 2)}`,
      weight,
      widgets: Array.from({ length: widgetCount }, (_, k) => ({ id: uuid4(random), name: `Widget ${k + 1} du diffuseur ${i + 1}` })),
      campaigns: Array.from({ length: campaignCount }, (_, k) => ({ id: uuid4(random), name: `Campagne ${k + 1} du diffuseur ${i + 1}`, annonceurIndex: annonceurPicker.pick(random) })),
      referers: ["/", "/benevolat", "/benevolat/recherche", "/engagement/missions", "/actualites/devenir-benevole"].map((p) => `${site}${p}`),
    };
  });
  const blockedFingerprints = Array.from({ length: BLOCKED_BOT_VISITORS }, (_, k) => fingerprintOf(`bot-${k}`));
  return { seed, annonceurs, diffuseurs, missions, blockedFingerprints };
}

// ---------------------------------------------------------------------------------------------------
// Time

/** The UTC instant of midnight in Paris on `day` (the offset is +1 or +2 hours; midnight is never in a DST gap). */
const PARIS_HOUR = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", hourCycle: "h23" });

export function parisMidnight(day: string): number {
  const utc = Date.parse(`${day}T00:00:00Z`);
  const summer = utc - 2 * 3_600_000;
  const hour = PARIS_HOUR.format(new Date(summer));
  return hour === "00" ? summer : utc - 3_600_000;
}

/** Events per day: seasonality × week × trend, the total exactly `events`. */
export function eventsPerDay(events: number): number[] {
  const weights = Array.from({ length: DAYS }, (_, i) => {
    const day = addDays(FIRST_DAY, i);
    const date = new Date(`${day}T00:00:00Z`);
    const weekday = (date.getUTCDay() + 6) % 7;
    return MONTH_WEIGHTS[date.getUTCMonth()]! * WEEKDAY_WEIGHTS[weekday]! * (0.85 + (0.3 * i) / (DAYS - 1));
  });
  return apportion(events, weights);
}

// ---------------------------------------------------------------------------------------------------
// Events

const TYPE_INDEX = { impression: 0, click: 1, account: 2, apply: 3 } as const;
export type Counts = [impressions: number, clicks: number, accounts: number, applications: number];

/** What the figures must say: counted events (not bots, attributed) per partner and side, all types. */
export interface Tallies {
  events: number;
  counted: number;
  bots: number;
  blockedBotEvents: number;
  unattributed: number;
  byType: Record<string, number>;
  byChannel: Record<string, number>;
  bySide: { diffuseur: Map<string, Counts>; annonceur: Map<string, Counts> };
}

function countFor(map: Map<string, Counts>, id: string): Counts {
  let counts = map.get(id);
  if (!counts) map.set(id, (counts = [0, 0, 0, 0]));
  return counts;
}

interface RecentClick {
  id: string;
  from: string | null;
  to: string;
  mission: MissionPlan;
  source: "api" | "widget" | "campaign" | "seo";
  sourceId: string | null;
  visitor: number;
  fingerprint: string;
  userAgent: string;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * UUIDv7 from a time and the PRNG: time-ordered like the service's own ids, reproducible.
 * 48 bits of milliseconds, version 7, then random bits (variant 10).
 */
function uuidv7At(ms: number, random: Random): string {
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  const a = (random.next() * 0x1_0000_0000) >>> 0;
  const b = (random.next() * 0x1_0000_0000) >>> 0;
  const c = (random.next() * 0x1_0000_0000) >>> 0;
  const x = HEX_BYTE;
  return (
    x[(high >>> 8) & 0xff]! + x[high & 0xff]! + x[low >>> 24]! + x[(low >>> 16) & 0xff]! + "-" +
    x[(low >>> 8) & 0xff]! + x[low & 0xff]! + "-" +
    x[((a >>> 24) & 0x0f) | 0x70]! + x[(a >>> 16) & 0xff]! + "-" +
    x[((a >>> 8) & 0x3f) | 0x80]! + x[a & 0xff]! + "-" +
    x[b >>> 24]! + x[(b >>> 16) & 0xff]! + x[(b >>> 8) & 0xff]! + x[b & 0xff]! + x[c >>> 24]! + x[(c >>> 16) & 0xff]!
  );
}

/**
 * The events of the year in time order, batch by batch (`next(size)`), with the tallies of what they
 * must add to the figures. Generated on the fly: nothing is kept but the last clicks.
 */
export class EventStream {
  readonly tallies: Tallies;
  private readonly random: Random;
  private readonly perDay: number[];
  private readonly diffuseurPicker: WeightedPicker<number>;
  private readonly annonceurPicker: WeightedPicker<number>;
  private readonly missionPickers: WeightedPicker<number>[];
  private readonly hourPicker: WeightedPicker<number>;
  private readonly recent: RecentClick[] = [];
  private recentNext = 0;
  private day = -1;
  private times = new Float64Array(0);
  private inDay = 0;
  private produced = 0;

  constructor(
    private readonly world: StatsWorld,
    readonly total: number,
  ) {
    this.random = createRandom(world.seed ^ 0x5eed);
    this.perDay = eventsPerDay(total);
    this.diffuseurPicker = new WeightedPicker(world.diffuseurs.map((_, i) => i), world.diffuseurs.map((d) => d.weight));
    this.annonceurPicker = new WeightedPicker(world.annonceurs.map((_, i) => i), world.annonceurs.map((a) => a.weight));
    this.missionPickers = world.annonceurs.map((a) => new WeightedPicker(a.missions, zipf(a.missions.length, MISSION_ZIPF)));
    this.hourPicker = new WeightedPicker(HOUR_WEIGHTS.map((_, h) => h), HOUR_WEIGHTS);
    this.tallies = {
      events: 0,
      counted: 0,
      bots: 0,
      blockedBotEvents: 0,
      unattributed: 0,
      byType: { impression: 0, click: 0, account: 0, apply: 0 },
      byChannel: {},
      bySide: { diffuseur: new Map(), annonceur: new Map() },
    };
  }

  get done(): boolean {
    return this.produced >= this.total;
  }

  /** The next `size` events (fewer at the end; empty when done). */
  next(size: number): NewTrackingEvent[] {
    const batch: NewTrackingEvent[] = [];
    while (batch.length < size && this.produced < this.total) {
      while (this.inDay >= this.times.length) this.startDay();
      batch.push(this.event(this.times[this.inDay++]!));
      this.produced += 1;
    }
    return batch;
  }

  /** The instants of the next day's events, sorted. */
  private startDay(): void {
    this.day += 1;
    const day = addDays(FIRST_DAY, this.day);
    const start = parisMidnight(day);
    const length = parisMidnight(addDays(day, 1)) - start; // 23 or 25 hours on the days clocks change
    const n = this.perDay[this.day]!;
    const times = new Float64Array(n);
    for (let i = 0; i < n; i += 1) times[i] = start + Math.floor(((this.hourPicker.pick(this.random) + this.random.next()) * length) / 24);
    times.sort();
    this.times = times;
    this.inDay = 0;
  }

  private event(ms: number): NewTrackingEvent {
    const random = this.random;
    const world = this.world;
    const r = random.next();
    let type: NewTrackingEvent["type"] = r < SHARES.impression ? "impression" : r < SHARES.impression + SHARES.click ? "click" : r < 1 - SHARES.apply ? "account" : "apply";
    if ((type === "account" || type === "apply") && this.recent.length === 0) type = "click";
    const created = new Date(ms);
    const id = uuidv7At(ms, random);

    // Bots: a visitor of the bot pool; a blocked one is flagged by the writer itself.
    // A conversion keeps its click's visitor: flagged as a bot directly, never through a blocked fingerprint.
    const conversion = type === "account" || type === "apply";
    const botDraw = random.next() < SHARES.bots;
    const botVisitor = botDraw ? random.int(0, BOT_VISITORS - 1) : -1;
    const blocked = botDraw && !conversion && botVisitor < BLOCKED_BOT_VISITORS;

    let event: NewTrackingEvent;
    if (conversion) {
      const click = this.recent[random.int(0, this.recent.length - 1)]!;
      const attributed = random.next() >= SHARES.unattributedConversions;
      event = {
        id,
        type,
        created_at: created,
        updated_at: created,
        source: click.source,
        source_id: click.sourceId,
        from_publisher_id: click.from,
        to_publisher_id: click.to,
        mission_id: click.mission.id,
        mission_client_id: click.mission.clientId,
        click_id: click.id,
        fingerprint: click.fingerprint,
        referer: world.annonceurs[click.mission.annonceurIndex]!.referer,
        user_agent: click.userAgent,
        host: HOST,
        attributed,
      };
      if (!attributed) this.tallies.unattributed += 1;
    } else {
      const d = world.diffuseurs[this.diffuseurPicker.pick(random)]!;
      let annonceurIndex = this.annonceurPicker.pick(random);
      const c = random.next();
      let source: RecentClick["source"] | "jstag";
      let sourceId: string | null = null;
      if (type === "impression") {
        if (d.widgets.length && c < 0.45) {
          source = "widget";
          sourceId = d.widgets[random.int(0, d.widgets.length - 1)]!.id;
        } else source = "jstag";
      } else if (c < 0.08) source = "seo";
      else if (d.campaigns.length && c < 0.2) {
        const campaign = d.campaigns[random.int(0, d.campaigns.length - 1)]!;
        source = "campaign";
        sourceId = campaign.id;
        annonceurIndex = campaign.annonceurIndex;
      } else if (d.widgets.length && c < 0.42) {
        source = "widget";
        sourceId = d.widgets[random.int(0, d.widgets.length - 1)]!.id;
      } else source = "api";
      const mission = world.missions[this.missionPickers[annonceurIndex]!.pick(random)]!;
      const visitor = random.int(0, VISITORS - 1);
      const fingerprint = botDraw ? fingerprintOf(`bot-${botVisitor}`) : fingerprintOf(`visitor-${visitor}`);
      const userAgent = botDraw ? BOT_USER_AGENT : USER_AGENTS[visitor % USER_AGENTS.length]!;
      const from = source === "seo" ? null : d.id;
      event = {
        id,
        type,
        created_at: created,
        updated_at: created,
        source,
        source_id: sourceId,
        from_publisher_id: from,
        to_publisher_id: world.annonceurs[annonceurIndex]!.id,
        mission_id: mission.id,
        mission_client_id: mission.clientId,
        request_id: source === "widget" ? hex(random, 16) : null,
        fingerprint,
        referer: source === "seo" ? "https://www.google.com/" : d.referers[visitor % d.referers.length]!,
        user_agent: userAgent,
        host: HOST,
      };
      // Conversions follow human clicks only (a bot's click has no follow-up).
      if (type === "click" && source !== "jstag" && !botDraw) {
        const click: RecentClick = { id, from, to: event.to_publisher_id!, mission, source, sourceId, visitor, fingerprint, userAgent };
        if (this.recent.length < RECENT_CLICKS) this.recent.push(click);
        else this.recent[this.recentNext] = click;
        this.recentNext = (this.recentNext + 1) % RECENT_CLICKS;
      }
    }
    if (botDraw && !blocked) event.is_bot = true;
    this.tally(event, botDraw, blocked);
    return event;
  }

  private tally(event: NewTrackingEvent, bot: boolean, blocked: boolean): void {
    const t = this.tallies;
    t.events += 1;
    t.byType[event.type] = (t.byType[event.type] ?? 0) + 1;
    t.byChannel[event.source] = (t.byChannel[event.source] ?? 0) + 1;
    if (bot) {
      t.bots += 1;
      if (blocked) t.blockedBotEvents += 1;
    }
    if (bot || event.attributed === false) return;
    t.counted += 1;
    const index = TYPE_INDEX[event.type];
    if (event.from_publisher_id) countFor(t.bySide.diffuseur, event.from_publisher_id)[index] += 1;
    if (event.to_publisher_id) countFor(t.bySide.annonceur, event.to_publisher_id)[index] += 1;
  }
}
