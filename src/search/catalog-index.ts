/**
 * The live catalogue as diffuseurs see it, kept in memory for search: the search engine over live
 * ACCEPTED missions, plus the small tables that decide visibility (publishers, diffusion rules,
 * moderators' accepted missions). PostgreSQL stays the source of truth: everything here is loaded
 * from it and brought up to date from the change feed before each search (`fresh()`), so a write
 * committed before a request is always visible to that request, whichever process made it.
 */
import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { type Authenticated, authenticate, hashApiKey } from "../publishers/api-keys.ts";
import type { Db } from "../db/connection.ts";
import { ChangeReader, pruneChanges } from "./catalog-changes.ts";
import { RecordCache } from "./record-cache.ts";
import { type SearchDoc, SearchEngine } from "./engine.ts";
import { buildVisibility, type DiffuseurView, type ModerationRow, type PublisherInfo, type RuleRow, type Visibility } from "./visibility.ts";

const LOAD_BATCH = 5000;

/** Distinguishes this process: state versions of two instances are not comparable. */
const BOOT_ID = randomBytes(6).toString("base64url");
const PRUNE_EVERY_MS = 60 * 60 * 1000;

interface MissionSearchRow {
  id: string;
  publisher_id: string;
  client_id: string;
  domain: string | null;
  activities: string[];
  type: string | null;
  remote: string | null;
  open_to_minors: boolean | null;
  reduced_mobility_accessible: boolean | null;
  snu: boolean;
  start_at: Date | null;
  duration: number | null;
  created_at: Date;
  updated_at: Date;
  title: string;
  description: string;
  org_client_id: string | null;
  org_name: string | null;
  org_rna: string | null;
  org_legal_status: string | null;
  org_parents: string[] | null;
  org_actions: string[] | null;
  org_beneficiaries: string[] | null;
  schedule: string | null;
}

function missionQuery(db: Db) {
  return db
    .selectFrom("mission as m")
    .leftJoin("publisher_organization as o", "o.id", "m.organization_id")
    .select([
      "m.id",
      "m.publisher_id",
      "m.client_id",
      "m.domain",
      "m.activities",
      "m.type",
      "m.remote",
      "m.open_to_minors",
      "m.reduced_mobility_accessible",
      "m.snu",
      "m.start_at",
      "m.duration",
      "m.created_at",
      "m.updated_at",
      "m.title",
      "m.description",
      "o.client_id as org_client_id",
      "o.name as org_name",
      "o.rna as org_rna",
      "o.legal_status as org_legal_status",
      "o.parent_organizations as org_parents",
      "o.actions as org_actions",
      "o.beneficiaries as org_beneficiaries",
      "m.schedule",
    ])
    .where("m.deleted_at", "is", null)
    .where("m.status_code", "=", "ACCEPTED");
}

/** Missions as search documents, with their addresses in order. */
async function toDocs(db: Db, rows: MissionSearchRow[]): Promise<SearchDoc[]> {
  if (rows.length === 0) return [];
  const addresses = await db
    .selectFrom("mission_address")
    .select(["mission_id", "city", "department_name", "department_code", "country", "location_lat", "location_lon"])
    .where(
      "mission_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("mission_id")
    .orderBy("position")
    .execute();
  const byMission = new Map<string, SearchDoc["addresses"]>();
  for (const a of addresses) {
    const list = byMission.get(a.mission_id) ?? [];
    list.push({
      city: a.city,
      departmentName: a.department_name,
      departmentCode: a.department_code,
      country: a.country,
      lat: a.location_lat,
      lon: a.location_lon,
    });
    byMission.set(a.mission_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    publisherId: r.publisher_id,
    clientId: r.client_id,
    organizationClientId: r.org_client_id,
    organizationName: r.org_name,
    organizationRna: r.org_rna,
    organizationLegalStatus: r.org_legal_status,
    parentOrganizations: r.org_parents ?? [],
    organizationActions: r.org_actions ?? [],
    organizationBeneficiaries: r.org_beneficiaries ?? [],
    schedule: r.schedule,
    domain: r.domain,
    activities: r.activities,
    type: r.type,
    remote: r.remote,
    openToMinors: r.open_to_minors,
    reducedMobilityAccessible: r.reduced_mobility_accessible,
    snu: r.snu,
    startAt: r.start_at ? r.start_at.getTime() : null,
    durationMonths: r.duration,
    createdAt: r.created_at.getTime(),
    updatedAt: r.updated_at.getTime(),
    title: r.title,
    description: r.description,
    addresses: byMission.get(r.id) ?? [],
  }));
}

export class CatalogIndex {
  readonly engine = new SearchEngine();
  /** Missions ready to render, kept coherent with the change feed. */
  readonly records: RecordCache;
  private visibility: Visibility | undefined;
  private readonly changes: ChangeReader;
  private loading: Promise<void> | undefined;
  /** True once the first full load has completed. */
  loaded = false;
  /** The read in progress and the one queued behind it (see `fresh`). */
  private current: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private lastPrune = Date.now();
  /** Authenticated keys (by hash), dropped on any publisher or key change. */
  private readonly keys = new Map<string, Authenticated | null>();
  private keysGeneration = 0;
  /**
   * State tags for ETags and cached answers, so that a change only invalidates the answers it can
   * affect. `epoch` goes up by one at each read of the change feed that brings changes; a stamp is
   * the epoch of the last change of: an annonceur (its missions, organisations, name/logo, its
   * deletion), a diffuseur (its rules, its moderation decisions, its own publisher row, the
   * deletion or return of an annonceur it has a right on), or anything whose reach is unknown
   * (`globalStamp`: a mission gone from the database). A diffuseur's tag is the largest stamp of its
   * view: every change of the view stamps it with a new epoch, larger than any earlier tag, so a tag
   * never comes back (a sum of versions went down when an annonceur left the view).
   */
  private epoch = 0;
  private readonly annonceurStamp = new Map<string, number>();
  private readonly diffuseurStamp = new Map<string, number>();
  private globalStamp = 0;

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
  ) {
    this.changes = new ChangeReader(db);
    this.records = new RecordCache(db);
  }

  /** Whether this diffuseur may show this mission now: accepted, live, allowed by its rules. */
  async canDiffuse(diffuseurId: string, missionId: string): Promise<boolean> {
    await this.fresh();
    const view = this.view(diffuseurId);
    if (!view || (view.onlyIds && !view.onlyIds.has(missionId))) return false;
    return this.engine.search({ scopes: view.scopes, onlyIds: new Set([missionId]), skip: 0, limit: 1 }).total > 0;
  }

  /** Loads everything once (idempotent); resolves when searches can be answered. */
  ready(): Promise<void> {
    this.loading ??= this.loadAll().catch((err) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async loadAll(): Promise<void> {
    const started = Date.now();
    await this.changes.start();
    let after = "";
    for (;;) {
      const rows = (await missionQuery(this.db).where("m.id", ">", after).orderBy("m.id").limit(LOAD_BATCH).execute()) as MissionSearchRow[];
      for (const doc of await toDocs(this.db, rows)) this.engine.upsert(doc);
      if (rows.length < LOAD_BATCH) break;
      after = (rows[rows.length - 1] as MissionSearchRow).id;
    }
    this.visibility = await buildVisibility(await this.loadPublishers(), await this.loadRules(), await this.loadModeration());
    this.loaded = true;
    this.log.info({ missions: this.engine.size, ms: Date.now() - started }, "search index loaded");
  }

  /**
   * Applies every change committed before this call. Concurrent callers share reads: a caller waits
   * for a read that starts after it arrived, never for one already running (which might miss it).
   */
  async fresh(): Promise<void> {
    await this.ready();
    if (!this.current) {
      this.current = this.apply().finally(() => {
        this.current = undefined;
      });
      return this.current;
    }
    this.next ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.fresh();
      });
    return this.next;
  }

  private async apply(): Promise<void> {
    const changes = await this.changes.read();
    if (changes.length === 0) return this.maybePrune();
    const missionIds = new Set<string>();
    const organizationIds = new Set<string>();
    const ruleOwners = new Set<string>();
    const moderators = new Set<string>();
    const publishers = new Set<string>();
    let keys = false;
    for (const c of changes) {
      if (c.kind === "api_key") keys = true;
      else if (!c.ref) continue;
      else if (c.kind === "mission") missionIds.add(c.ref);
      else if (c.kind === "organization") organizationIds.add(c.ref);
      else if (c.kind === "rules") ruleOwners.add(c.ref);
      else if (c.kind === "moderation") moderators.add(c.ref.split(":")[0] as string);
      else if (c.kind === "publisher") publishers.add(c.ref);
    }
    if (organizationIds.size) {
      const linked = await this.db.selectFrom("mission").select("id").where("organization_id", "in", [...organizationIds]).execute();
      for (const { id } of linked) missionIds.add(id);
    }
    const changedAnnonceurs = new Set<string>();
    let unknownReach = false;
    if (missionIds.size) {
      const owners = await this.db.selectFrom("mission").select(["id", "publisher_id"]).where("id", "in", [...missionIds]).execute();
      const found = new Set<string>();
      for (const { id, publisher_id } of owners) {
        found.add(id);
        changedAnnonceurs.add(publisher_id);
      }
      // A mission deleted from the database: its annonceur is no longer known here.
      for (const id of missionIds) if (!found.has(id) && this.engine.has(id)) unknownReach = true;
    }
    const changedDiffuseurs = new Set<string>([...ruleOwners, ...moderators]);
    for (const id of publishers) {
      changedAnnonceurs.add(id);
      changedDiffuseurs.add(id);
    }
    // A deleted (or restored) annonceur leaves (or enters) the views of the diffuseurs having a right on it.
    const rightsOn = (rules: RuleRow[] | undefined) => {
      for (const rule of rules ?? []) if (!rule.combined_with_id && publishers.has(rule.value)) changedDiffuseurs.add(rule.publisher_id);
    };
    if (publishers.size) rightsOn(this.visibility?.rules);

    this.records.evict(missionIds);
    // A publisher's name, URL or logo is in every rendered mission of that annonceur; a deleted
    // publisher's keys stop working.
    if (publishers.size) this.records.clear();
    if (keys || publishers.size) {
      this.keys.clear();
      this.keysGeneration += 1;
    }
    await this.reloadMissions([...missionIds]);
    if (ruleOwners.size || publishers.size || moderators.size) {
      this.visibility = await buildVisibility(
        publishers.size || !this.visibility ? await this.loadPublishers() : this.visibility.publishers,
        ruleOwners.size || !this.visibility ? await this.loadRules() : this.visibility.rules,
        moderators.size || !this.visibility ? await this.loadModeration() : this.visibility.moderation,
      );
    }
    if (publishers.size) rightsOn(this.visibility?.rules);
    // Stamped once the new state is in place (no await since): a request running meanwhile keeps
    // the old tag, so no answer computed from a half-applied state is stored under the new one.
    this.epoch += 1;
    for (const id of changedAnnonceurs) this.annonceurStamp.set(id, this.epoch);
    for (const id of changedDiffuseurs) this.diffuseurStamp.set(id, this.epoch);
    if (unknownReach) this.globalStamp = this.epoch;
    await this.maybePrune();
  }

  private async reloadMissions(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += LOAD_BATCH) {
      const chunk = ids.slice(i, i + LOAD_BATCH);
      const rows = (await missionQuery(this.db).where("m.id", "in", chunk).execute()) as MissionSearchRow[];
      const live = new Set(rows.map((r) => r.id));
      for (const id of chunk) if (!live.has(id)) this.engine.remove(id);
      for (const doc of await toDocs(this.db, rows)) this.engine.upsert(doc);
    }
  }

  private async maybePrune() {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const removed = await pruneChanges(this.db).catch((err) => {
      this.log.warn({ err }, "catalog_change prune failed");
      return 0;
    });
    if (removed) this.log.info({ removed }, "catalog_change pruned");
  }

  private loadPublishers(): Promise<PublisherInfo[]> {
    return this.db
      .selectFrom("publisher")
      .select(["id", "name", "url", "logo", "moderator", "remote_as_paris", "deleted_at"])
      .execute()
      .then((rows) =>
        rows.map((p) => ({ id: p.id, name: p.name, url: p.url, logo: p.logo, moderator: p.moderator, remoteAsParis: p.remote_as_paris, live: p.deleted_at === null })),
      );
  }

  private loadRules(): Promise<RuleRow[]> {
    return this.db
      .selectFrom("diffusion_rule")
      .select(["id", "publisher_id", "combined_with_id", "field", "operator", "value"])
      .where("deleted_at", "is", null)
      .execute();
  }

  private loadModeration(): Promise<ModerationRow[]> {
    return this.db
      .selectFrom("mission_moderation_status as s")
      .innerJoin("publisher as p", "p.id", "s.publisher_id")
      .select(["s.mission_id", "s.publisher_id", "s.title"])
      .where("s.status", "=", "ACCEPTED")
      .where("p.moderator", "=", true)
      .execute();
  }

  /**
   * The publisher owning this API key, as of every change committed before the call (a revoked key
   * or a deleted publisher is refused on the very next request). Unknown keys are remembered too.
   */
  async authenticate(key: string): Promise<Authenticated | undefined> {
    // Until the index is loaded (service just started), ask the database: writes and other
    // non-search routes must not wait for the search index.
    if (!this.loaded) return authenticate(this.db, key);
    await this.fresh();
    const hash = hashApiKey(key);
    const cached = this.keys.get(hash);
    if (cached !== undefined) return cached ?? undefined;
    const generation = this.keysGeneration;
    const auth = await authenticate(this.db, key);
    if (generation === this.keysGeneration) {
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(hash, auth ?? null);
    }
    return auth;
  }

  /**
   * Identifies what this diffuseur can see, in this process: equal tags mean equal answers to equal
   * requests. It changes when a mission, organisation or name of one of its annonceurs changes, when
   * one of them is deleted, or when its rules or moderation decisions change; it then takes a value
   * it never had (the largest stamp of the view, see `epoch`).
   */
  stateTag(view: DiffuseurView): string {
    let stamp = Math.max(this.globalStamp, this.diffuseurStamp.get(view.diffuseur.id) ?? 0);
    for (const id of view.annonceurs) {
      const s = this.annonceurStamp.get(id);
      if (s !== undefined && s > stamp) stamp = s;
    }
    return `${BOOT_ID}.${stamp}`;
  }

  /** What the diffuseur may see, from the current rules (undefined for an unknown/deleted publisher). */
  view(diffuseurId: string): DiffuseurView | undefined {
    return this.visibility?.viewOf(diffuseurId);
  }

  publisher(id: string): PublisherInfo | undefined {
    return this.visibility?.publisherById.get(id);
  }

  private moderated?: { key: string; ids: ReadonlySet<string> };

  /**
   * Missions a moderator accepted or published (a widget's "moderated only"): one Set, the same
   * object while none of them changes (the engine keeps the slots of a Set between queries).
   */
  moderatedIds(): ReadonlySet<string> {
    const moderators = (this.visibility?.publishers ?? []).filter((p) => p.moderator && p.live);
    const key = moderators.map((p) => `${p.id}:${this.stateTag(this.view(p.id) as DiffuseurView)}`).join(",");
    if (this.moderated?.key === key) return this.moderated.ids;
    const ids = new Set<string>();
    for (const p of moderators) {
      for (const id of this.view(p.id)?.onlyIds ?? []) ids.add(id);
      const own = this.engine.search({ scopes: [{ publisherId: p.id, conditions: [] }], skip: 0, limit: Number.MAX_SAFE_INTEGER });
      for (const hit of own.hits) ids.add(hit.id);
    }
    this.moderated = { key, ids };
    return ids;
  }
}
