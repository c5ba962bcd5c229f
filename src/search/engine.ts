/**
 * In-memory search engine over the live missions: the diffuseur search (`/v0/mission`,
 * `/v0/mission/search`) with exact totals and facets over the whole result. Pure: no I/O; another
 * module feeds it (`upsert`/`remove`) from PostgreSQL, the source of truth.
 *
 * ## Data layout
 *
 * Documents live in dense **slots** (0 … capacity-1); `slotById` maps a mission id to its slot and
 * `ids[slot]` back. A slot is a column position in typed arrays, never a JS object:
 * - `alive` bitset (live docs), `dead` bitset (removed or replaced docs whose slot is not free yet);
 * - `startKey`, `createdAt`, `updatedAt`: Float64Array (startKey = startAt, +∞ when null, so that a
 *   descending order puts NULL first as PostgreSQL does);
 * - one `SingleIndex` per single-valued field (publisher, clientId, organizationClientId, RNA, legal
 *   status, domain, type, remote, openToMinors, reducedMobilityAccessible, snu, department of the
 *   first address): slot → value code (Int32Array), per value a linked list of slots threaded through
 *   typed arrays, and a bitset for each value held by ≥ max(64, capacity/512) slots
 *   (engine-values.ts);
 * - one `MultiIndex` per multi-valued field (activities, parentOrganizations): a pool of nodes;
 * - `docAddrHead[slot]`: the first address slot of the doc; `addrNext` chains them in the doc's order.
 *
 * Addresses live in their own dense **address slots**: `addrDoc` (owning doc slot), `addrNext`,
 * `addrXyz` (unit vector, NaN when no coordinates), SingleIndexes over address slots for city,
 * departmentName and country, and a `GeoGrid` (engine-geo.ts): 0.1° cells packing (doc, address,
 * unit vector) so that a geo query scans candidate cells sequentially and keeps the addresses whose
 * great-circle distance (R = 6371 km, same value as haversine) is within the radius: a true circle.
 * Address filters are evaluated per address, so that they all hold on the SAME address.
 *
 * The text index (text-index.ts) maps stems → postings (doc slot, packed per-field term frequencies)
 * in one CSR segment + an append-only delta; its removal is lazy, which is why a removed/replaced doc
 * leaves a `dead` slot: the slot is only reused after `compact()` has dropped its postings (compaction
 * runs by itself when the delta or the dead slots grow past a fraction of the index).
 *
 * Sort orders (engine-sort.ts) keep the slots sorted by (startAt DESC NULL first, id), (createdAt
 * DESC, id) and (updatedAt DESC, id); a page of those sorts walks the order and tests the result
 * bitset, so it never sorts the result. Distance and relevance use a top-k selection with the
 * startAt order's rank as tie-break.
 *
 * ## Query
 * result bitset = visible scopes (OR of publisher ∧ conditions; cached per scope list until the next
 * write) ∧ value filters ∧ keyword words (each word: OR of its stems' postings) ∧ date ranges ∧
 * address clause ∧ onlyIds (slot set cached per Set instance, kept up to date by writes); then the
 * exact count, facets (counted over the result, or over its complement among live docs when the
 * result is most of the catalogue), scores and the page. Per-query bitsets come from a small stack
 * of reusable buffers, so a query allocates little.
 */
import {
  andInto,
  andNotInto,
  type Bits,
  clearBit,
  collectBits,
  filterBits,
  hasBit,
  newBits,
  orInto,
  popcount,
  resizeBits,
  setBit,
  wordCount,
} from "./bitset.ts";
import { chord2OfKm, GeoGrid, isValidPoint, kmOfChord2, unitVector } from "./engine-geo.ts";
import { SortOrder, topK } from "./engine-sort.ts";
import { growFloat64, growInt32, MultiIndex, nextCapacity, NONE, SingleIndex, type ValueIndexBase } from "./engine-values.ts";
import { foldText } from "../taxonomy/slug.ts";
import { TextIndex } from "./text-index.ts";
import { analyzeQuery } from "./text.ts";

export interface SearchAddress {
  city: string | null;
  departmentName: string | null;
  departmentCode: string | null;
  country: string | null;
  lat: number | null;
  lon: number | null;
}

export interface SearchDoc {
  id: string; // mission id
  publisherId: string; // annonceur id
  clientId: string;
  organizationClientId: string | null;
  organizationName: string | null;
  organizationRna: string | null;
  organizationLegalStatus: string | null;
  parentOrganizations: string[]; // "réseaux"
  /** The organisation's key actions and the public it serves (today's organizationActions / organizationBeneficiaries). */
  organizationActions?: string[];
  organizationBeneficiaries?: string[];
  /** e.g. « 24 h par semaine ». */
  schedule?: string | null;
  domain: string | null;
  activities: string[]; // labels, e.g. "Soutien scolaire"
  type: string | null; // benevolat | volontariat_…
  remote: string | null; // no | possible | full | local
  openToMinors: boolean | null;
  reducedMobilityAccessible: boolean | null;
  snu: boolean;
  startAt: number | null; // epoch ms
  /** Months between start and end (null without an end). */
  durationMonths?: number | null;
  createdAt: number; // epoch ms
  updatedAt: number; // epoch ms
  title: string;
  description: string; // plain text, may be 20,000 chars
  addresses: SearchAddress[]; // in order; index 0 is the "first address"
}

/** Fields a rule can test: one value per mission (scalars), or several (lists). */
export const CONDITION_SCALARS = ["organizationClientId", "organizationName", "type", "domain", "departmentName", "remote", "openToMinors"] as const;
export const CONDITION_LISTS = ["parentOrganizations", "activity"] as const;
export const CONDITION_OPERATORS = ["is", "is_not", "contains", "does_not_contain", "exists", "does_not_exist"] as const;

export type Condition = {
  field: (typeof CONDITION_SCALARS)[number] | (typeof CONDITION_LISTS)[number];
  operator: (typeof CONDITION_OPERATORS)[number];
  value: string;
};

/** Visibility: the union of scopes; a scope = the missions of one annonceur that satisfy every condition. */
export interface Scope {
  publisherId: string;
  conditions: Condition[];
}

export interface EngineQuery {
  scopes: Scope[]; // empty → nothing is visible
  onlyIds?: ReadonlySet<string>; // optional extra restriction (moderator's accepted missions)
  domain?: string[];
  activity?: string[];
  type?: string[];
  remote?: string[];
  city?: string[];
  departmentName?: string[];
  country?: string[]; // address filters
  clientId?: string[];
  publisher?: string[];
  organizationRNA?: string[];
  organizationStatusJuridique?: string[];
  /** Organisation names (exact). */
  organizationName?: string[];
  /** Any of these key actions / publics / schedules (exact). */
  organizationActions?: string[];
  organizationBeneficiaries?: string[];
  schedule?: string[];
  openToMinors?: boolean;
  reducedMobilityAccessible?: boolean;
  snu?: true;
  startAt?: { op: "gt" | "lt"; value: number };
  /** Missions lasting at most this many months (an end date is then needed). */
  maxDurationMonths?: number;
  createdAt?: { op: "gt" | "lt"; value: number };
  updatedSince?: number; // updatedAt > value
  /**
   * With `updatedSince`: also these missions, and every mission of these annonceurs, whatever their
   * updatedAt — their view changed since (rules, moderation, organisation, annonceur).
   */
  changedSince?: { publishers: readonly string[]; ids: ReadonlySet<string> };
  keywords?: string;
  geo?: { lat: number; lon: number; distanceKm: number };
  sort?: "startAt" | "createdAt" | "updatedAt" | "distance" | "relevance";
  skip: number;
  limit: number; // limit up to 10,000
  facets?: boolean;
  /** The facets counted (default: all; the others come back empty). */
  facetFields?: readonly FacetField[];
  /** Per facet: only its `size` largest buckets, plus those of the `keep` values (a choice shown with its count). */
  facetLimits?: Partial<Record<FacetField, FacetLimit>>;
}

export interface FacetLimit {
  size: number;
  keep?: readonly string[];
}

export type FacetField = "domains" | "activities" | "departmentName" | "publishers" | "remote" | "type" | "organizations" | "schedule" | "actions" | "beneficiaries";

export interface FacetBucket {
  key: string;
  doc_count: number;
}

export interface EngineResult {
  total: number;
  hits: { id: string; distanceKm?: number; score?: number }[]; // the page, in order
  facets?: {
    domains: FacetBucket[];
    activities: FacetBucket[];
    departmentName: FacetBucket[];
    publishers: FacetBucket[];
    remote: FacetBucket[];
    type: FacetBucket[];
    organizations: FacetBucket[];
    schedule: FacetBucket[];
    actions: FacetBucket[];
    beneficiaries: FacetBucket[];
  };
}

export interface EngineStats {
  /** Live missions. */
  docs: number;
  /** Doc slots in use or waiting for reuse (live + dead + free). */
  slots: number;
  freeSlots: number;
  deadSlots: number;
  capacity: number;
  addresses: number;
  addressSlots: number;
  terms: number;
  postings: number;
  deltaPostings: number;
}

/** How many onlyIds sets keep their slots between queries. */
const ONLY_IDS_CACHE_SIZE = 4;
/** Above this many grid cells, a geo query checks every address instead. */
const MAX_GEO_CELLS = 40_000;
/** Compaction: when the text delta exceeds max(this, main/8) postings… */
const MIN_DELTA_FOR_COMPACTION = 1 << 19;
/** …or the dead slots exceed max(this, live/8). */
const MIN_DEAD_FOR_COMPACTION = 1024;

type ScalarIndex = SingleIndex<string>;

export class SearchEngine {
  // --- doc slots -------------------------------------------------------------------------------------
  private capacity = 0;
  private slotCount = 0;
  private readonly freeSlots: number[] = [];
  private readonly slotById = new Map<string, number>();
  private readonly ids: (string | undefined)[] = [];
  private alive: Bits = newBits(0);
  private dead: Bits = newBits(0);
  private deadCount = 0;
  private liveCount = 0;
  private startKey = new Float64Array(0);
  private createdAt = new Float64Array(0);
  private updatedAt = new Float64Array(0);
  private docAddrHead = new Int32Array(0);

  private readonly publisher = new SingleIndex<string>();
  private readonly clientId = new SingleIndex<string>();
  private readonly orgClientId = new SingleIndex<string>();
  private readonly orgName = new SingleIndex<string>();
  private readonly orgRna = new SingleIndex<string>();
  private readonly orgLegalStatus = new SingleIndex<string>();
  private readonly domain = new SingleIndex<string>();
  private readonly type = new SingleIndex<string>();
  private readonly remote = new SingleIndex<string>();
  private readonly openToMinors = new SingleIndex<boolean>();
  private readonly reducedMobility = new SingleIndex<boolean>();
  private readonly snu = new SingleIndex<boolean>();
  private readonly durationMonths = new SingleIndex<number>();
  private readonly firstDepartment = new SingleIndex<string>();
  private readonly activities = new MultiIndex<string>();
  private readonly parentOrgs = new MultiIndex<string>();
  private readonly orgActions = new MultiIndex<string>();
  private readonly orgBeneficiaries = new MultiIndex<string>();
  private readonly schedule = new SingleIndex<string>();
  private readonly docIndexes: { resize(capacity: number): void; clear(slot: number): void }[] = [
    this.publisher,
    this.clientId,
    this.orgClientId,
    this.orgName,
    this.orgRna,
    this.orgLegalStatus,
    this.domain,
    this.type,
    this.remote,
    this.openToMinors,
    this.reducedMobility,
    this.snu,
    this.durationMonths,
    this.firstDepartment,
    this.activities,
    this.parentOrgs,
    this.orgActions,
    this.orgBeneficiaries,
    this.schedule,
  ];

  // --- address slots ---------------------------------------------------------------------------------
  private addrCapacity = 0;
  private addrSlotCount = 0;
  private liveAddrs = 0;
  private readonly freeAddrs: number[] = [];
  private addrDoc = new Int32Array(0);
  private addrNext = new Int32Array(0);
  /** Unit vector of the address (stride 3), NaN when it has no coordinates. */
  private addrXyz = new Float64Array(0);
  private readonly addrCity = new SingleIndex<string>();
  private readonly addrDepartment = new SingleIndex<string>();
  private readonly addrCountry = new SingleIndex<string>();
  private readonly geoGrid = new GeoGrid();

  // --- text, sort orders, per-query scratch ------------------------------------------------------------
  private readonly text = new TextIndex();
  private readonly byStart = new SortOrder((a, b) => this.compareDesc(this.startKey, a, b));
  private readonly byCreated = new SortOrder((a, b) => this.compareDesc(this.createdAt, a, b));
  private readonly byUpdated = new SortOrder((a, b) => this.compareDesc(this.updatedAt, a, b));
  /**
   * Per doc slot, in the current geo query: squared chord (unit sphere) to the nearest matching
   * address, +∞ when none. Monotonic in the distance, so it also serves as the distance sort key.
   * A doc kept by the remote=local bypass without an address in the circle stays +∞ until it is
   * needed (distance sort, or a hit of the page): then its nearest address with coordinates is
   * measured (`nearestAddress`), and +∞ remains only for a doc without coordinates.
   */
  private nearest = new Float64Array(0);
  /** Unit vector of the current geo query's centre. */
  private readonly centre = new Float64Array(3);
  private scores = new Float64Array(0);
  private sortSlots = new Int32Array(0);
  private sortPrimary = new Float64Array(0);
  /** Reusable bitsets for the current query (a stack; see takeBits/releaseBits). */
  private readonly scratch: Bits[] = [];
  private scratchUsed = 0;
  /** Words of the current query's bitsets: enough for every slot in use. */
  private queryWords = 0;
  /** Incremented by every change; keys the onlyIds cache. */
  private version = 0;
  /**
   * Slots of the ids of the last few `onlyIds` sets (by identity), kept up to date by `upsert` and
   * `compact`, so a moderator's accepted set is mapped to slots once, not at every query.
   */
  private readonly onlyIdsCache = new Map<ReadonlySet<string>, { size: number; bits: Bits }>();
  /** Visible docs by scopes (JSON), valid while `version` is unchanged; insertion order = age. */
  private readonly visibilityCache = new Map<string, { version: number; bits: Bits }>();
  private readonly visibilityCacheSize: number;
  /** Keys of scope lists by identity (a list is never changed once searched with). */
  private readonly scopeKeys = new WeakMap<readonly Scope[], string>();

  /** `visibilityCacheSize`: how many scope sets keep their visible docs between writes (default 16). */
  constructor(options: { visibilityCacheSize?: number } = {}) {
    this.visibilityCacheSize = Math.max(0, options.visibilityCacheSize ?? 16);
  }

  // =====================================================================================================
  // Writes
  // =====================================================================================================

  /** Inserts a mission, or replaces the mission with the same id. */
  upsert(doc: SearchDoc): void {
    const previous = this.slotById.get(doc.id);
    if (previous !== undefined) this.kill(previous);
    const s = this.allocSlot();
    this.ids[s] = doc.id;
    this.slotById.set(doc.id, s);
    setBit(this.alive, s);
    this.liveCount++;

    this.publisher.set(s, doc.publisherId);
    this.clientId.set(s, doc.clientId);
    this.orgClientId.set(s, doc.organizationClientId);
    this.orgName.set(s, doc.organizationName?.trim() || null);
    this.orgRna.set(s, doc.organizationRna);
    this.orgLegalStatus.set(s, doc.organizationLegalStatus);
    this.domain.set(s, doc.domain);
    this.type.set(s, doc.type);
    this.remote.set(s, doc.remote);
    this.openToMinors.set(s, doc.openToMinors);
    this.reducedMobility.set(s, doc.reducedMobilityAccessible);
    this.snu.set(s, doc.snu ? true : null);
    this.durationMonths.set(s, doc.durationMonths ?? null);
    this.firstDepartment.set(s, doc.addresses?.[0]?.departmentName ?? null);
    this.activities.setAll(s, doc.activities);
    this.parentOrgs.setAll(s, doc.parentOrganizations);
    this.orgActions.setAll(s, doc.organizationActions ?? []);
    this.orgBeneficiaries.setAll(s, doc.organizationBeneficiaries ?? []);
    this.schedule.set(s, doc.schedule?.trim() || null);
    this.startKey[s] = doc.startAt ?? Number.POSITIVE_INFINITY;
    this.createdAt[s] = doc.createdAt;
    this.updatedAt[s] = doc.updatedAt;

    let previousAddr = NONE;
    const cities: (string | null)[] = [doc.organizationName];
    for (const address of doc.addresses ?? []) {
      const a = this.allocAddr();
      this.addrDoc[a] = s;
      this.addrNext[a] = NONE;
      if (previousAddr === NONE) this.docAddrHead[s] = a;
      else this.addrNext[previousAddr] = a;
      previousAddr = a;
      this.addrCity.set(a, address.city);
      this.addrDepartment.set(a, address.departmentName);
      this.addrCountry.set(a, address.country);
      if (isValidPoint(address.lat, address.lon)) {
        unitVector(address.lat, address.lon as number, this.addrXyz, a * 3);
        this.geoGrid.add(a, s, address.lat, address.lon as number);
      } else this.addrXyz.fill(Number.NaN, a * 3, a * 3 + 3);
      this.liveAddrs++;
      if (address.city && !cities.includes(address.city)) cities.push(address.city);
    }
    if (previousAddr === NONE) this.docAddrHead[s] = NONE;

    this.text.add(s, doc.title ?? "", cities, doc.description ?? "");
    for (const [ids, entry] of this.onlyIdsCache) if (ids.has(doc.id)) setBit(entry.bits, s);
    this.byStart.add(s);
    this.byCreated.add(s);
    this.byUpdated.add(s);
    this.version++;
    this.maybeCompact();
  }

  /** Removes a mission; no-op when absent. */
  remove(id: string): void {
    const s = this.slotById.get(id);
    if (s === undefined) return;
    this.kill(s);
    this.version++;
    this.maybeCompact();
  }

  has(id: string): boolean {
    return this.slotById.has(id);
  }

  /** The country codes of the live addresses. */
  countries(): string[] {
    const out: string[] = [];
    this.addrCountry.forEachKey((country, code) => {
      if (this.addrCountry.counts[code]! > 0) out.push(country);
    });
    return out;
  }

  get size(): number {
    return this.liveCount;
  }

  /**
   * Drops the text postings of removed missions, merges the text delta and makes the slots of
   * removed missions reusable. Runs by itself when needed; public for tests and maintenance.
   */
  compact(): void {
    this.text.compact(this.dead);
    this.byStart.purge(this.dead);
    this.byCreated.purge(this.dead);
    this.byUpdated.purge(this.dead);
    const freed = new Int32Array(this.deadCount);
    const n = collectBits(this.dead, freed);
    // Pushed in descending order so that the lowest free slot is reused first.
    for (let i = n - 1; i >= 0; i--) {
      const s = freed[i]!;
      this.ids[s] = undefined;
      this.freeSlots.push(s);
    }
    // Freed slots will hold other missions: forget them in the onlyIds slot sets.
    for (const entry of this.onlyIdsCache.values()) andNotInto(entry.bits, this.dead);
    this.dead.fill(0);
    this.deadCount = 0;
    this.version++;
  }

  /** Sizes of the engine's structures (for tests, benchmarks and monitoring). */
  stats(): EngineStats {
    const text = this.text.stats();
    return {
      docs: this.liveCount,
      slots: this.slotCount,
      freeSlots: this.freeSlots.length,
      deadSlots: this.deadCount,
      capacity: this.capacity,
      addresses: this.liveAddrs,
      addressSlots: this.addrSlotCount,
      terms: text.terms,
      postings: text.mainPostings + text.deltaPostings,
      deltaPostings: text.deltaPostings,
    };
  }

  /** The slot of a live mission (tests: slot reuse). */
  slotOf(id: string): number | undefined {
    return this.slotById.get(id);
  }

  private kill(s: number): void {
    const id = this.ids[s];
    if (id !== undefined && this.slotById.get(id) === s) this.slotById.delete(id);
    clearBit(this.alive, s);
    setBit(this.dead, s);
    this.deadCount++;
    this.liveCount--;
    for (const index of this.docIndexes) index.clear(s);
    for (let a = this.docAddrHead[s]!; a !== NONE; ) {
      const next = this.addrNext[a]!;
      this.addrCity.clear(a);
      this.addrDepartment.clear(a);
      this.addrCountry.clear(a);
      this.geoGrid.remove(a);
      this.addrDoc[a] = NONE;
      this.freeAddrs.push(a);
      this.liveAddrs--;
      a = next;
    }
    this.docAddrHead[s] = NONE;
    this.text.remove(s);
    // startKey/createdAt/updatedAt and ids[s] stay until compaction: the sort orders still hold s.
  }

  private maybeCompact(): void {
    if (
      this.text.deltaSize > Math.max(MIN_DELTA_FOR_COMPACTION, this.text.mainSize >>> 3) ||
      this.deadCount > Math.max(MIN_DEAD_FOR_COMPACTION, this.liveCount >>> 3)
    ) {
      this.compact();
    }
  }

  private allocSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    const s = this.slotCount++;
    if (s >= this.capacity) this.growDocs(nextCapacity(this.capacity, s + 1));
    return s;
  }

  private growDocs(capacity: number): void {
    this.capacity = capacity;
    this.alive = resizeBits(this.alive, capacity);
    this.dead = resizeBits(this.dead, capacity);
    this.startKey = growFloat64(this.startKey, capacity, 0);
    this.createdAt = growFloat64(this.createdAt, capacity, 0);
    this.updatedAt = growFloat64(this.updatedAt, capacity, 0);
    this.docAddrHead = growInt32(this.docAddrHead, capacity, NONE);
    this.nearest = growFloat64(this.nearest, capacity, 0);
    this.scores = growFloat64(this.scores, capacity, 0);
    this.sortSlots = growInt32(this.sortSlots, capacity, 0);
    this.sortPrimary = growFloat64(this.sortPrimary, capacity, 0);
    this.scratch.length = 0;
    for (const index of this.docIndexes) index.resize(capacity);
    this.text.resize(capacity);
    for (const entry of this.onlyIdsCache.values()) entry.bits = resizeBits(entry.bits, capacity);
  }

  private allocAddr(): number {
    const free = this.freeAddrs.pop();
    if (free !== undefined) return free;
    const a = this.addrSlotCount++;
    if (a >= this.addrCapacity) {
      const capacity = nextCapacity(this.addrCapacity, a + 1);
      this.addrCapacity = capacity;
      this.addrDoc = growInt32(this.addrDoc, capacity, NONE);
      this.addrNext = growInt32(this.addrNext, capacity, NONE);
      this.addrXyz = growFloat64(this.addrXyz, capacity * 3, Number.NaN);
      this.addrCity.resize(capacity);
      this.addrDepartment.resize(capacity);
      this.addrCountry.resize(capacity);
      this.geoGrid.resize(capacity);
    }
    return a;
  }

  /** Order: key DESC (+∞ first), then id ASC. */
  private compareDesc(keys: Float64Array, a: number, b: number): number {
    const ka = keys[a]!;
    const kb = keys[b]!;
    if (ka !== kb) return ka > kb ? -1 : 1;
    const ia = this.ids[a] ?? "";
    const ib = this.ids[b] ?? "";
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  }

  // =====================================================================================================
  // Search
  // =====================================================================================================

  search(q: EngineQuery): EngineResult {
    this.scratchUsed = 0;
    this.queryWords = wordCount(this.slotCount);
    const result = this.visible(q.scopes);

    // Value filters (bitset unions of the values' postings).
    this.andAnyOf(result, this.domain, q.domain);
    this.andAnyOf(result, this.type, q.type);
    this.andAnyOf(result, this.remote, q.remote);
    this.andAnyOf(result, this.clientId, q.clientId);
    this.andAnyOf(result, this.publisher, q.publisher);
    this.andAnyOf(result, this.orgRna, q.organizationRNA);
    this.andAnyOf(result, this.orgLegalStatus, q.organizationStatusJuridique);
    this.andAnyOf(result, this.orgName, q.organizationName);
    this.andAnyOf(result, this.orgActions, q.organizationActions);
    this.andAnyOf(result, this.orgBeneficiaries, q.organizationBeneficiaries);
    this.andAnyOf(result, this.schedule, q.schedule);
    this.andAnyOf(result, this.activities, q.activity);
    if (q.openToMinors !== undefined) this.andAnyOf(result, this.openToMinors, [q.openToMinors]);
    if (q.reducedMobilityAccessible !== undefined) this.andAnyOf(result, this.reducedMobility, [q.reducedMobilityAccessible]);
    if (q.snu === true) this.andAnyOf(result, this.snu, [true]);
    if (q.maxDurationMonths !== undefined) {
      const durations: number[] = [];
      this.durationMonths.forEachKey((months) => {
        if (months <= (q.maxDurationMonths as number)) durations.push(months);
      });
      this.andAnyOf(result, this.durationMonths, durations.length ? durations : [Number.NaN]);
    }

    // Keywords: every word must match (AND); a word matches any of its stems.
    let words: number[][] | null = null;
    if (q.keywords !== undefined && q.keywords.trim() !== "") {
      const analyzed = analyzeQuery(q.keywords);
      if (analyzed.length > 0) {
        words = analyzed.map((keys) => this.text.termsOf(keys));
        // Rarest word first: the result shrinks early.
        words.sort((x, y) => this.postingSum(x) - this.postingSum(y));
        const wordBits = this.takeBits();
        for (const terms of words) {
          wordBits.fill(0);
          for (const term of terms) this.text.orPostings(term, wordBits);
          andInto(result, wordBits);
        }
        this.releaseBits();
      }
    }

    // Date ranges.
    if (q.startAt) this.filterRange(result, this.startKey, q.startAt.op, q.startAt.value);
    if (q.createdAt) this.filterRange(result, this.createdAt, q.createdAt.op, q.createdAt.value);
    if (q.updatedSince !== undefined) this.filterUpdatedSince(result, q.updatedSince, q.changedSince);

    // Address clause (same address), geo, remote=local bypass.
    const hasGeo = this.applyAddressClause(result, q);

    if (q.onlyIds) this.applyOnlyIds(result, q.onlyIds);

    const total = popcount(result);
    const out: EngineResult = { total, hits: [] };
    if (q.facets) out.facets = this.facets(result, total, q.facetFields ? new Set(q.facetFields) : undefined, q.facetLimits);

    if (words && total > 0) {
      // Every doc of the result holds every word, so the first word sets the score of all of them.
      this.text.score(words, result, this.scores);
    }

    const page = this.page(result, total, q, words !== null, hasGeo);
    for (const s of page) {
      const hit: { id: string; distanceKm?: number; score?: number } = { id: this.ids[s] as string };
      // A remote=local mission kept whatever its place has no address in the circle: its distance
      // is its nearest address's (only the page's hits are measured here).
      if (hasGeo && this.nearest[s] === Number.POSITIVE_INFINITY) this.nearest[s] = this.nearestAddress(s);
      if (hasGeo && this.nearest[s]! < Number.POSITIVE_INFINITY) hit.distanceKm = kmOfChord2(this.nearest[s]!);
      if (words) hit.score = this.scores[s]!;
      out.hits.push(hit);
    }
    return out;
  }

  private postingSum(terms: number[]): number {
    let sum = 0;
    for (const t of terms) sum += this.text.postingCount(t);
    return sum;
  }

  /** A zeroed bitset for the current query, from a stack of reusable buffers. */
  private takeBits(): Bits {
    let buffer = this.scratch[this.scratchUsed];
    if (!buffer) {
      buffer = newBits(this.capacity);
      this.scratch[this.scratchUsed] = buffer;
    }
    this.scratchUsed++;
    const bits = buffer.subarray(0, this.queryWords);
    bits.fill(0);
    return bits;
  }

  /** Gives back the last bitset taken. */
  private releaseBits(): void {
    this.scratchUsed--;
  }

  /** The cache key of a scope list, computed once per list (callers keep their lists while they hold). */
  private scopesKey(scopes: readonly Scope[]): string {
    let key = this.scopeKeys.get(scopes);
    if (key === undefined) {
      key = JSON.stringify(scopes);
      this.scopeKeys.set(scopes, key);
    }
    return key;
  }

  /** Docs visible through the scopes (the query's first scratch bitset, kept until the end). */
  private visible(scopes: readonly Scope[]): Bits {
    const result = this.takeBits();
    if (scopes.length === 0) return result;
    const key = this.visibilityCacheSize > 0 ? this.scopesKey(scopes) : null;
    if (key !== null) {
      const cached = this.visibilityCache.get(key);
      if (cached && cached.version === this.version && cached.bits.length === result.length) {
        result.set(cached.bits);
        return result;
      }
    }
    let scopeBits: Bits | null = null;
    for (const scope of scopes) {
      const code = this.publisher.code(scope.publisherId);
      if (code === NONE) continue;
      if (scope.conditions.length === 0) {
        this.publisher.orInto(result, code);
        continue;
      }
      if (scopeBits) scopeBits.fill(0);
      else scopeBits = this.takeBits();
      this.publisher.orInto(scopeBits, code);
      for (const condition of scope.conditions) this.applyCondition(scopeBits, condition);
      orInto(result, scopeBits);
    }
    if (scopeBits) this.releaseBits();
    if (key !== null) {
      this.visibilityCache.delete(key);
      if (this.visibilityCache.size >= this.visibilityCacheSize) {
        const oldest = this.visibilityCache.keys().next().value;
        if (oldest !== undefined) this.visibilityCache.delete(oldest);
      }
      this.visibilityCache.set(key, { version: this.version, bits: result.slice() });
    }
    return result;
  }

  /** The index a rule's field is read from. */
  private conditionIndex(field: Condition["field"]): ScalarIndex | SingleIndex<boolean> | MultiIndex<string> {
    switch (field) {
      case "parentOrganizations":
        return this.parentOrgs;
      case "activity":
        return this.activities;
      case "type":
        return this.type;
      case "organizationName":
        return this.orgName;
      case "domain":
        return this.domain;
      case "departmentName":
        return this.firstDepartment;
      case "remote":
        return this.remote;
      case "openToMinors":
        return this.openToMinors;
      default:
        return this.orgClientId;
    }
  }

  /**
   * `bits &= docs satisfying the condition`. Lists (parentOrganizations, activity): is/contains = has
   * the element, is_not/does_not_contain = has not. Scalars: is/is_not = equality (a null field "is
   * not" any value), contains/does_not_contain = substring, ignoring case and accents (a null field
   * does not contain anything); openToMinors compares with yes/no (or true/false). exists /
   * does_not_exist: non-empty / null or empty.
   */
  private applyCondition(bits: Bits, c: Condition): void {
    const index = this.conditionIndex(c.field);
    const list = index instanceof MultiIndex;
    const keyOf = (value: string): unknown => (c.field === "openToMinors" ? booleanValue(value) : value);
    switch (c.operator) {
      case "is":
      case "is_not":
      case "contains":
      case "does_not_contain": {
        const values = this.takeBits();
        if (list || c.operator === "is" || c.operator === "is_not") {
          const code = (index as ValueIndexBase<unknown>).code(keyOf(c.value));
          if (code !== NONE) (index as ValueIndexBase<unknown>).orInto(values, code);
        } else {
          const wanted = foldText(c.value);
          (index as ValueIndexBase<unknown>).forEachKey((key, code) => {
            if (foldText(String(key)).includes(wanted)) (index as ValueIndexBase<unknown>).orInto(values, code);
          });
        }
        if (c.operator === "is" || c.operator === "contains") andInto(bits, values);
        else andNotInto(bits, values); // a doc without value "is not" the value
        this.releaseBits();
        return;
      }
      case "exists":
      case "does_not_exist": {
        const want = c.operator === "exists";
        if (index instanceof MultiIndex) {
          filterBits(bits, (s) => (index.elemHead[s] !== NONE) === want);
          return;
        }
        const codes = index.codes;
        filterBits(bits, (s) => {
          const code = codes[s]!;
          const present = code !== NONE && index.key(code) !== "";
          return present === want;
        });
        return;
      }
    }
  }

  /**
   * `result &= docs holding one of values` (no-op when values is absent or empty); for a multi-valued
   * field, docs holding at least one of them.
   */
  private andAnyOf<K>(result: Bits, index: ValueIndexBase<K>, values: readonly K[] | undefined): void {
    if (!values || values.length === 0) return;
    const bits = this.takeBits();
    for (const value of values) {
      const code = index.code(value);
      if (code !== NONE) index.orInto(bits, code);
    }
    andInto(result, bits);
    this.releaseBits();
  }

  /** Keeps the docs whose key is strictly after (gt) / before (lt) the value; null keys never match. */
  private filterRange(result: Bits, keys: Float64Array, op: "gt" | "lt", value: number): void {
    const isStart = keys === this.startKey;
    for (let w = 0; w < result.length; w++) {
      let x = result[w]!;
      if (x === 0) continue;
      let kept = x;
      const base = w << 5;
      while (x !== 0) {
        const low = x & -x;
        const key = keys[base + 31 - Math.clz32(low)]!;
        const ok = isStart && key === Number.POSITIVE_INFINITY ? false : op === "gt" ? key > value : key < value;
        if (!ok) kept ^= low;
        x ^= low;
      }
      result[w] = kept;
    }
  }

  /** Keeps the docs updated after `since`, and those named by `changed` whatever their date. */
  private filterUpdatedSince(result: Bits, since: number, changed: EngineQuery["changedSince"]): void {
    if (!changed || (changed.publishers.length === 0 && changed.ids.size === 0)) {
      this.filterRange(result, this.updatedAt, "gt", since);
      return;
    }
    const named = this.takeBits();
    for (const publisher of changed.publishers) {
      const code = this.publisher.code(publisher);
      if (code !== NONE) this.publisher.orInto(named, code);
    }
    for (const id of changed.ids) {
      const s = this.slotById.get(id);
      if (s !== undefined) setBit(named, s);
    }
    filterBits(result, (s) => this.updatedAt[s]! > since || hasBit(named, s));
    this.releaseBits();
  }

  /**
   * Applies city/departmentName/country/geo (all on one address; OR-ed with remote = local when geo is
   * set and `remote` is absent or contains "local"). With geo, records in `nearest` the squared chord
   * of each doc's nearest matching address (+∞ when none); returns whether geo is set.
   */
  private applyAddressClause(result: Bits, q: EngineQuery): boolean {
    const geo = q.geo;
    const hasCity = (q.city?.length ?? 0) > 0;
    const hasDepartment = (q.departmentName?.length ?? 0) > 0;
    const hasCountry = (q.country?.length ?? 0) > 0;
    if (!geo && !hasCity && !hasDepartment && !hasCountry) return false;

    const bypass = geo !== undefined && (!q.remote || q.remote.length === 0 || q.remote.includes("local"));
    const matched = this.takeBits();
    const nearest = this.nearest;
    if (geo) {
      nearest.fill(Number.POSITIVE_INFINITY, 0, this.slotCount);
      unitVector(geo.lat, geo.lon, this.centre, 0);
    }

    const city = hasCity ? this.lookupTable(this.addrCity, q.city!) : null;
    const department = hasDepartment ? this.lookupTable(this.addrDepartment, q.departmentName!) : null;
    const country = hasCountry ? this.lookupTable(this.addrCountry, q.country!) : null;
    const impossible = (city && city.codes.length === 0) || (department && department.codes.length === 0) || (country && country.codes.length === 0);

    if (!impossible) {
      const cityCodes = this.addrCity.codes;
      const departmentCodes = this.addrDepartment.codes;
      const countryCodes = this.addrCountry.codes;
      const cityLut = city?.lut;
      const departmentLut = department?.lut;
      const countryLut = country?.lut;
      /** True when address a satisfies the value filters (city, department, country). */
      const valuesMatch = (a: number): boolean =>
        (!cityLut || cityLut[cityCodes[a]! + 1] === 1) &&
        (!departmentLut || departmentLut[departmentCodes[a]! + 1] === 1) &&
        (!countryLut || countryLut[countryCodes[a]! + 1] === 1);

      // Candidates come from the cheapest source: the geo cells, the most selective value, or the docs.
      const cells = geo ? this.geoGrid.candidates(geo.lat, geo.lon, geo.distanceKm, MAX_GEO_CELLS) : null;
      const addressesPerDoc = this.liveAddrs / Math.max(1, this.liveCount);
      const docEstimate = popcount(result) * Math.max(1, addressesPerDoc) * 2;
      const drivers: { estimate: number; run: () => void }[] = [];
      if (geo && cells) {
        drivers.push({
          estimate: cells.entries,
          run: () =>
            this.geoGrid.within(geo.lat, geo.lon, geo.distanceKm, cells.cells, (a, doc, c2) => {
              if (!hasBit(result, doc) || !valuesMatch(a)) return;
              setBit(matched, doc);
              if (c2 < nearest[doc]!) nearest[doc] = c2;
            }),
        });
      }
      const geoTest = geo ? this.geoTest(geo) : null;
      const visitAddress = (a: number): void => {
        const doc = this.addrDoc[a]!;
        if (doc === NONE || !hasBit(result, doc) || !valuesMatch(a)) return;
        if (geoTest) {
          const c2 = geoTest(a);
          if (c2 < 0) return;
          if (c2 < nearest[doc]!) nearest[doc] = c2;
        }
        setBit(matched, doc);
      };
      const byValues = (index: SingleIndex<string>, codes: number[]) => () => {
        for (const code of codes) index.forEachElement(code, visitAddress);
      };
      if (city) drivers.push({ estimate: city.estimate, run: byValues(this.addrCity, city.codes) });
      if (department) drivers.push({ estimate: department.estimate, run: byValues(this.addrDepartment, department.codes) });
      if (country) drivers.push({ estimate: country.estimate, run: byValues(this.addrCountry, country.codes) });
      drivers.push({
        estimate: docEstimate,
        run: () => {
          const next = this.addrNext;
          const heads = this.docAddrHead;
          for (let w = 0; w < result.length; w++) {
            let x = result[w]!;
            const base = w << 5;
            while (x !== 0) {
              const low = x & -x;
              const doc = base + 31 - Math.clz32(low);
              x ^= low;
              for (let a = heads[doc]!; a !== NONE; a = next[a]!) {
                if (!valuesMatch(a)) continue;
                if (geoTest) {
                  const c2 = geoTest(a);
                  if (c2 < 0) continue;
                  if (c2 < nearest[doc]!) nearest[doc] = c2;
                  setBit(matched, doc); // go on: the nearest address gives the distance
                } else {
                  setBit(matched, doc);
                  break;
                }
              }
            }
          }
        },
      });
      let best = drivers[0]!;
      for (const driver of drivers) if (driver.estimate < best.estimate) best = driver;
      best.run();
    }

    if (bypass) {
      const local = this.remote.code("local");
      if (local !== NONE) this.remote.orInto(matched, local);
    }
    andInto(result, matched);
    this.releaseBits();
    return geo !== undefined;
  }

  /**
   * Squared chord from the current geo centre to the nearest address of doc s that has coordinates,
   * whatever the radius and the address filters (+∞ when none has coordinates). For the docs the
   * remote=local bypass keeps: it walks only that doc's addresses.
   */
  private nearestAddress(s: number): number {
    const qx = this.centre[0]!;
    const qy = this.centre[1]!;
    const qz = this.centre[2]!;
    const xyz = this.addrXyz;
    const next = this.addrNext;
    let best = Number.POSITIVE_INFINITY;
    for (let a = this.docAddrHead[s]!; a !== NONE; a = next[a]!) {
      const dx = xyz[a * 3]! - qx;
      const dy = xyz[a * 3 + 1]! - qy;
      const dz = xyz[a * 3 + 2]! - qz;
      const c2 = dx * dx + dy * dy + dz * dz;
      if (c2 < best) best = c2; // NaN (no coordinates) never is
    }
    return best;
  }

  /** Squared chord from the geo centre to address a when within the radius, else -1. */
  private geoTest(geo: NonNullable<EngineQuery["geo"]>): (a: number) => number {
    const q = new Float64Array(3);
    unitVector(geo.lat, geo.lon, q, 0);
    const qx = q[0]!;
    const qy = q[1]!;
    const qz = q[2]!;
    const max = chord2OfKm(geo.distanceKm);
    const xyz = this.addrXyz;
    return (a) => {
      const dx = xyz[a * 3]! - qx;
      const dy = xyz[a * 3 + 1]! - qy;
      const dz = xyz[a * 3 + 2]! - qz;
      const c2 = dx * dx + dy * dy + dz * dz;
      return c2 <= max ? c2 : -1; // NaN (no coordinates) fails the test
    };
  }

  private lookupTable(index: SingleIndex<string>, values: readonly string[]): { lut: Uint8Array; codes: number[]; estimate: number } {
    const lut = new Uint8Array(index.codeLimit + 1);
    const codes: number[] = [];
    let estimate = 0;
    for (const value of values) {
      const code = index.code(value);
      if (code === NONE || lut[code + 1] === 1) continue;
      lut[code + 1] = 1;
      codes.push(code);
      estimate += index.counts[code]!;
    }
    return { lut, codes, estimate };
  }

  private applyOnlyIds(result: Bits, only: ReadonlySet<string>): void {
    const cached = this.onlyIdsCache.get(only);
    if (cached && cached.size === only.size) {
      andInto(result, cached.bits);
      return;
    }
    if (popcount(result) * 4 < only.size) {
      // Fewer candidates than ids: test the candidates.
      filterBits(result, (s) => only.has(this.ids[s] as string));
      return;
    }
    const bits = newBits(this.capacity);
    for (const id of only) {
      const s = this.slotById.get(id);
      if (s !== undefined) setBit(bits, s);
    }
    this.onlyIdsCache.delete(only);
    if (this.onlyIdsCache.size >= ONLY_IDS_CACHE_SIZE) {
      const oldest = this.onlyIdsCache.keys().next().value;
      if (oldest !== undefined) this.onlyIdsCache.delete(oldest);
    }
    this.onlyIdsCache.set(only, { size: only.size, bits });
    andInto(result, bits);
  }

  // --- facets ----------------------------------------------------------------------------------------

  private facets(result: Bits, total: number, fields: ReadonlySet<FacetField> | undefined, limits: EngineQuery["facetLimits"]): NonNullable<EngineResult["facets"]> {
    // Count over the result, or over its complement among live docs when that is smaller.
    const complement = total * 2 > this.liveCount;
    let bits = result;
    if (complement) {
      bits = this.takeBits();
      bits.set(this.alive.subarray(0, bits.length));
      andNotInto(bits, result);
    }
    // The slots counted, once; then one tight loop per facet asked.
    const slots = this.sortSlots;
    const n = collectBits(bits, slots);
    const wants = (field: FacetField) => !fields || fields.has(field);
    const countSingle = <K>(index: SingleIndex<K>): Int32Array => {
      const c = new Int32Array(index.codeLimit + 1);
      const codes = index.codes;
      for (let i = 0; i < n; i++) c[codes[slots[i]!]! + 1]!++;
      return c;
    };
    const countMulti = (index: MultiIndex<string>): Int32Array => {
      const c = new Int32Array(index.codeLimit + 1);
      const head = index.elemHead;
      const nodeNext = index.nodeNextOfElem;
      const nodeCode = index.nodeCode;
      for (let i = 0; i < n; i++) for (let node = head[slots[i]!]!; node !== NONE; node = nodeNext[node]!) c[nodeCode[node]! + 1]!++;
      return c;
    };
    const buckets = <K>(index: SingleIndex<K> | MultiIndex<K>, c: Int32Array, limit?: FacetLimit): FacetBucket[] => {
      const countOf = (code: number) => (complement ? index.counts[code]! - c[code + 1]! : c[code + 1]!);
      if (limit) return topBuckets(index, countOf, limit);
      const out: FacetBucket[] = [];
      for (let code = 0; code < index.codeLimit; code++) {
        const key = index.key(code);
        if (key === undefined) continue;
        const n = countOf(code);
        if (n > 0) out.push({ key: String(key), doc_count: n });
      }
      out.sort(byCountThenKey);
      return out;
    };
    if (complement) this.releaseBits();
    const single = <K>(field: FacetField, index: SingleIndex<K>) => (wants(field) ? buckets(index, countSingle(index), limits?.[field]) : []);
    const multi = (field: FacetField, index: MultiIndex<string>) => (wants(field) ? buckets(index, countMulti(index), limits?.[field]) : []);
    return {
      domains: single("domains", this.domain),
      activities: multi("activities", this.activities),
      departmentName: single("departmentName", this.firstDepartment),
      publishers: single("publishers", this.publisher),
      remote: single("remote", this.remote),
      type: single("type", this.type),
      organizations: single("organizations", this.orgName),
      schedule: single("schedule", this.schedule),
      actions: multi("actions", this.orgActions),
      beneficiaries: multi("beneficiaries", this.orgBeneficiaries),
    };
  }

  // --- page ------------------------------------------------------------------------------------------

  private page(result: Bits, total: number, q: EngineQuery, hasWords: boolean, hasGeo: boolean): Int32Array | number[] {
    const skip = Math.max(0, Math.floor(q.skip));
    const limit = Math.max(0, Math.floor(q.limit));
    if (total === 0 || limit === 0 || skip >= total) return [];
    const sort = q.sort ?? "startAt";

    if ((sort === "distance" && hasGeo) || (sort === "relevance" && hasWords)) {
      const slots = this.sortSlots;
      collectBits(result, slots);
      const primary = this.sortPrimary;
      if (sort === "distance") {
        const nearest = this.nearest;
        for (let i = 0; i < total; i++) {
          const s = slots[i]!;
          // +∞: kept by the remote=local bypass without an address in the circle; measured here
          // (its own addresses only) so that it sorts by its distance, those without coordinates last.
          if (nearest[s] === Number.POSITIVE_INFINITY) nearest[s] = this.nearestAddress(s);
          primary[s] = nearest[s]!;
        }
      } else {
        for (let i = 0; i < total; i++) {
          const s = slots[i]!;
          primary[s] = -this.scores[s]!;
        }
      }
      const rank = this.byStart.rank(this.capacity);
      const k = Math.min(total, skip + limit);
      return topK(slots, total, k, primary, rank).subarray(skip);
    }

    const order = (sort === "createdAt" ? this.byCreated : sort === "updatedAt" ? this.byUpdated : this.byStart).sorted();
    const out: number[] = [];
    let skipped = 0;
    for (let i = 0; i < order.length; i++) {
      const s = order[i]!;
      if (!hasBit(result, s)) continue;
      if (skipped < skip) {
        skipped++;
        continue;
      }
      out.push(s);
      if (out.length >= limit) break;
    }
    return out;
  }
}

const byCountThenKey = (a: FacetBucket, b: FacetBucket) => b.doc_count - a.doc_count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The `size` largest buckets in facet order (count, then key) without sorting them all (an index
 * of thousands of organisations, for a list of thirty), then those of `keep` not among them.
 */
function topBuckets<K>(index: ValueIndexBase<K>, countOf: (code: number) => number, limit: FacetLimit): FacetBucket[] {
  const size = Math.max(0, limit.size);
  const top: FacetBucket[] = [];
  for (let code = 0; code < index.codeLimit; code++) {
    const n = countOf(code);
    if (n <= 0) continue;
    const last = top[top.length - 1];
    if (top.length >= size && last && (n < last.doc_count || (n === last.doc_count && String(index.key(code)) > last.key))) continue;
    const key = index.key(code);
    if (key === undefined) continue;
    const bucket = { key: String(key), doc_count: n };
    let i = top.length;
    while (i > 0 && byCountThenKey(bucket, top[i - 1]!) < 0) i--;
    top.splice(i, 0, bucket);
    if (top.length > size) top.pop();
  }
  for (const key of limit.keep ?? []) {
    if (top.some((b) => b.key === key)) continue;
    const code = index.code(key as K);
    const n = code === NONE ? 0 : countOf(code);
    if (n > 0) top.push({ key, doc_count: n });
  }
  return top;
}


/** A rule's yes/no value as the boolean stored (undefined when it is neither). */
function booleanValue(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  return v === "yes" || v === "true" || v === "oui" ? true : v === "no" || v === "false" || v === "non" ? false : undefined;
}
