/**
 * Batched writes of a feed import: one transaction per batch of missions (a few hundred), a handful
 * of multi-row statements instead of one round trip per mission.
 *
 * For each batch: look the missions up by clientId (deleted ones included, so they can be restored),
 * skip the ones whose <mission> element and stored row are both unchanged since the last import
 * (fingerprint), normalise the others, upsert their organisations, then create, restore or update
 * only the missions that really changed (see changes.ts), with their addresses, history events and
 * import state. With `dryRun`, everything is computed and nothing is written.
 *
 * The new missions of a batch, with their organisations, addresses, events and import state, are
 * written by a single statement: a first import is mostly that statement, one round trip per batch.
 */
import { createHash } from "node:crypto";
import { type RawBuilder, sql } from "kysely";
import { insertRows, insertStatement } from "../db/bulk-insert.ts";
import type { Db } from "../db/connection.ts";
import { uuidv7 } from "../db/uuid7.ts";
import type { MissionAddressRow, MissionRow, OrganizationRow, PublisherRow } from "../db/schema.ts";
import { type AddressDraft, addressColumns, addressSummary, creationChanges } from "../missions/publish.ts";
import { monthsBetween } from "../missions/rules/normalize.ts";
import { type Changes, missionChanges, organizationChanged, sameAddresses } from "./changes.ts";
import { feedClientId, normalizeFeedMission } from "./feed-mission.ts";
import type { FeedProblem, FeedSettings, NormalizedFeedMission, XmlElement } from "./types.ts";

/** Bump when the reading of a feed changes, so that every mission is normalised again once. */
const NORMALISATION_VERSION = "1";

export interface ImportCounters {
  received: number;
  feedMissions: number;
  created: number;
  updated: number;
  restored: number;
  unchanged: number;
  deleted: number;
  refused: number;
  skipped: number;
  warnings: number;
  pendingDeletions: number;
}

export const emptyCounters = (): ImportCounters => ({
  received: 0,
  feedMissions: 0,
  created: 0,
  updated: 0,
  restored: 0,
  unchanged: 0,
  deleted: 0,
  refused: 0,
  skipped: 0,
  warnings: 0,
  pendingDeletions: 0,
});

/** Where the problems of a run go (the import history, or the validator's report). */
export interface ProblemSink {
  add(problems: FeedProblem[]): void;
}

export interface BatchContext {
  db: Db;
  publisher: PublisherRow;
  settings: FeedSettings;
  dryRun: boolean;
  /** Start of the run: date fallback of new missions. */
  importStart: Date;
  /** clientId → line of its first occurrence: duplicates are skipped, and these are not deleted at the end. */
  seen: Map<string, number>;
  counters: ImportCounters;
  problems: ProblemSink;
}

/** Settings that change how an element is read are part of its fingerprint. */
export function settingsKey(settings: FeedSettings): string {
  return JSON.stringify([NORMALISATION_VERSION, settings.missionType, settings.skipModeration, settings.dateOrder, settings.defaultOrganizationLogo]);
}

/**
 * Names, texts and nesting of an element, separated by control characters that XML text cannot
 * contain (the reader removes them), so no escaping is needed.
 */
function flatten(el: XmlElement, out: string[]): void {
  out.push("\u0001", el.name, "\u0002", el.text);
  for (const child of el.children) flatten(child, out);
  out.push("\u0003");
}

/** Fingerprint of a <mission> element (names, texts and nesting; not its line) and of the settings. */
export function elementHash(el: XmlElement, key: string): string {
  const parts: string[] = [key];
  flatten(el, parts);
  return createHash("sha1").update(parts.join("")).digest("base64url");
}

interface Candidate {
  clientId: string;
  el: XmlElement;
  hash: string;
}

interface StoredState {
  id: string;
  client_id: string;
  deleted: boolean;
  status_code: string;
  content_hash: string | null;
  problems: FeedProblem[] | null;
  state_current: boolean;
}

interface Planned {
  candidate: Candidate;
  mission: NormalizedFeedMission;
  problems: FeedProblem[];
  stored: StoredState | undefined;
}

/**
 * A batch ready to be written: the missions to write and, in feed order, every entry's problems
 * (reported when the batch is applied, so that the report follows the feed whatever the overlap
 * between batches).
 */
export interface PreparedBatch {
  planned: Planned[];
  entries: (Planned | FeedProblem[])[];
}

type MissionWrite = Omit<MissionRow, "created_at" | "client_id" | "publisher_id" | "id" | "last_sync_at" | "domain_original"> & {
  last_sync_at: Date;
};

/**
 * First half of a batch, without writing: duplicates, fingerprints, stored state, normalisation.
 * It may run while the previous batch is being written (its missions are other clientIds).
 */
export async function prepareBatch(ctx: BatchContext, elements: XmlElement[]): Promise<PreparedBatch> {
  const { counters } = ctx;
  const key = settingsKey(ctx.settings);
  const entries: PreparedBatch["entries"] = [];
  const planned: Planned[] = [];
  const candidates: Candidate[] = [];
  const order: (Candidate | FeedProblem[])[] = [];
  for (const el of elements) {
    counters.received += 1;
    const clientId = el.oversized ? null : feedClientId(el);
    if (clientId === null) {
      counters.skipped += 1;
      order.push(normalizeFeedMission(el, ctx.settings).problems);
      continue;
    }
    const first = ctx.seen.get(clientId);
    if (first !== undefined) {
      counters.skipped += 1;
      order.push([
        {
          clientId,
          line: el.line,
          field: "clientId",
          outcome: "skipped",
          message: `clientId « ${clientId} » en double : seule la première mission (ligne ${first}) est importée ; donnez un clientId unique à chaque mission`,
        },
      ]);
      continue;
    }
    ctx.seen.set(clientId, el.line);
    counters.feedMissions += 1;
    const candidate = { clientId, el, hash: elementHash(el, key) };
    candidates.push(candidate);
    order.push(candidate);
  }
  const states = candidates.length ? await loadStates(ctx.db, ctx.publisher.id, candidates.map((c) => c.clientId)) : new Map<string, StoredState>();
  const isUnchanged = (c: Candidate) => {
    const stored = states.get(c.clientId);
    return stored !== undefined && !stored.deleted && stored.state_current && stored.content_hash === c.hash;
  };
  const results = new Map(candidates.filter((c) => !isUnchanged(c)).map((c) => [c, normalizeFeedMission(c.el, ctx.settings)]));
  for (const item of order) {
    if (Array.isArray(item)) {
      entries.push(item);
      continue;
    }
    const stored = states.get(item.clientId);
    const result = results.get(item);
    if (!result) {
      counters.unchanged += 1;
      if (stored?.status_code === "REFUSED") counters.refused += 1;
      entries.push((stored?.problems ?? []).map((p) => ({ ...p, clientId: item.clientId, line: p.line ?? item.el.line })));
      continue;
    }
    if (result.kind === "skipped") {
      counters.skipped += 1;
      entries.push(result.problems);
      continue;
    }
    const plan = { candidate: item, mission: result.mission, problems: result.problems, stored };
    planned.push(plan);
    entries.push(plan);
  }
  return { planned, entries };
}

/** Second half of a batch: organisations, then missions, addresses, events and import state, atomically. */
export async function applyBatch(ctx: BatchContext, batch: PreparedBatch): Promise<void> {
  if (batch.planned.length > 0) {
    const writes = await planWrites(ctx, ctx.db, batch.planned);
    if (!ctx.dryRun) await runWrites(ctx.db, writes);
  }
  for (const entry of batch.entries) report(ctx, Array.isArray(entry) ? entry : entry.problems);
}

/** One write statement of a batch. */
type Write = (db: Db) => Promise<unknown>;

/** In order; a single statement is atomic by itself, several share a transaction. */
async function runWrites(db: Db, writes: Write[]): Promise<void> {
  if (writes.length === 1) await writes[0]!(db);
  else if (writes.length > 1) {
    await db.transaction().execute(async (trx) => {
      for (const write of writes) await write(trx);
    });
  }
}

function report(ctx: BatchContext, problems: FeedProblem[]) {
  for (const p of problems) if (p.outcome === "warning") ctx.counters.warnings += 1;
  if (problems.length) ctx.problems.add(problems);
}

/**
 * Stored state of the batch's missions. Each clientId is its own index probe (LIMIT 1 keeps the
 * planner from flattening the LATERAL subqueries): during a first import the statistics still
 * describe an empty table, and a plain `client_id IN (…)` was planned as a scan of all the
 * publisher's missions for every batch, a cost that grew with each batch written.
 */
async function loadStates(db: Db, publisherId: string, clientIds: string[]): Promise<Map<string, StoredState>> {
  const { rows } = await sql<StoredState>`
    SELECT m.id, m.client_id, m.status_code, m.deleted_at IS NOT NULL AS deleted, s.content_hash, s.problems,
           COALESCE(s.mission_updated_at = m.updated_at, false) AS state_current
    FROM unnest(${clientIds}::text[]) AS c(client_id)
    CROSS JOIN LATERAL (
      SELECT id, client_id, status_code, deleted_at, updated_at FROM mission
      WHERE publisher_id = ${publisherId} AND client_id = c.client_id LIMIT 1
    ) m
    LEFT JOIN LATERAL (
      SELECT content_hash, problems, mission_updated_at FROM mission_feed_state WHERE mission_id = m.id LIMIT 1
    ) s ON true
  `.execute(db);
  return new Map(rows.map((r) => [r.client_id, r]));
}

interface Organizations {
  /** Organisation id by client id. */
  ids: Map<string, string>;
  inserts: object[];
  updates: Write[];
}

/** Organisation ids by client id, and the writes that create or update the ones that changed. */
async function planOrganizations(ctx: BatchContext, db: Db, planned: Planned[]): Promise<Organizations> {
  const wanted = new Map<string, NormalizedFeedMission["organization"]["patch"]>();
  for (const p of planned) wanted.set(p.mission.organization.clientId, p.mission.organization.patch);
  // One index probe per organisation, for the same reason as in loadStates.
  const { rows: existing } = await sql<OrganizationRow>`
    SELECT o.* FROM unnest(${[...wanted.keys()]}::text[]) AS c(client_id)
    CROSS JOIN LATERAL (
      SELECT * FROM publisher_organization WHERE publisher_id = ${ctx.publisher.id} AND client_id = c.client_id LIMIT 1
    ) o
  `.execute(db);
  const byClientId = new Map<string, OrganizationRow>(existing.map((o) => [o.client_id, o]));
  const result: Organizations = { ids: new Map(), inserts: [], updates: [] };
  for (const [clientId, patch] of wanted) {
    const stored = byClientId.get(clientId);
    if (!stored) {
      const id = uuidv7();
      result.ids.set(clientId, id);
      result.inserts.push({ id, publisher_id: ctx.publisher.id, client_id: clientId, ...patch });
      continue;
    }
    result.ids.set(clientId, stored.id);
    if (stored.deleted_at !== null || organizationChanged(stored, patch)) {
      result.updates.push((trx) =>
        trx
          .updateTable("publisher_organization")
          .set({ ...patch, updated_at: new Date(), deleted_at: null })
          .where("id", "=", stored.id)
          .execute(),
      );
    }
  }
  return result;
}

function finalRow(ctx: BatchContext, mission: NormalizedFeedMission, organizationId: string, stored: MissionRow | undefined, now: Date): MissionWrite {
  const { draft } = mission;
  const postedAt = draft.posted_at ?? stored?.posted_at ?? ctx.importStart;
  const startAt = draft.start_at ?? stored?.start_at ?? ctx.importStart;
  return {
    ...draft,
    posted_at: postedAt,
    start_at: startAt,
    duration: monthsBetween(startAt, draft.end_at),
    organization_id: organizationId,
    status_code: mission.statusCode,
    status_comment: mission.statusComment,
    last_sync_at: now,
    updated_at: now,
    deleted_at: null,
  };
}

function addressRow(missionId: string, a: AddressDraft, position: number, id: string = uuidv7()) {
  return { id, mission_id: missionId, address_hash: a.hash, ...addressColumns(a, position) };
}

interface FeedState {
  id: string;
  hash: string;
  problems: string;
}

/** What a batch creates: written together by insertCreated. */
interface Created {
  organizations: object[];
  missions: Record<string, unknown>[];
  addresses: ReturnType<typeof addressRow>[];
  events: MissionEventWrite[];
  states: FeedState[];
}

interface MissionEventWrite {
  mission_id: string;
  type: "create" | "update" | "restore";
  changes: object;
  source: string;
}

/**
 * Reads what the batch's missions are now and counts what happens to each; returns the writes,
 * in order: organisation updates, everything created, then the updates of existing missions.
 */
async function planWrites(ctx: BatchContext, db: Db, planned: Planned[]): Promise<Write[]> {
  const { counters } = ctx;
  const now = new Date();
  const organizations = await planOrganizations(ctx, db, planned);

  const storedIds = planned.flatMap((p) => (p.stored ? [p.stored.id] : []));
  const storedRows = storedIds.length
    ? await db.selectFrom("mission").selectAll().where("id", "in", storedIds).execute()
    : [];
  const rowsById = new Map(storedRows.map((r) => [r.id, r]));
  const storedAddresses = storedIds.length
    ? await db.selectFrom("mission_address").selectAll().where("mission_id", "in", storedIds).orderBy("position").execute()
    : [];
  const addressesByMission = new Map<string, MissionAddressRow[]>();
  for (const a of storedAddresses) {
    const list = addressesByMission.get(a.mission_id) ?? [];
    list.push(a);
    addressesByMission.set(a.mission_id, list);
  }

  const created: Created = { organizations: organizations.inserts, missions: [], addresses: [], events: [], states: [] };
  const missionUpdates: Write[] = [];
  const addressInserts: ReturnType<typeof addressRow>[] = [];
  const addressDeletes: string[] = [];
  const events: MissionEventWrite[] = [];
  const states: FeedState[] = [];

  for (const p of planned) {
    const organizationId = organizations.ids.get(p.mission.organization.clientId)!;
    const storedRow = p.stored ? rowsById.get(p.stored.id) : undefined;
    const row = finalRow(ctx, p.mission, organizationId, storedRow, now);
    if (row.status_code === "REFUSED") counters.refused += 1;
    const problemsJson = JSON.stringify(p.problems.map((x) => ({ ...x, clientId: null })));

    if (!storedRow) {
      const id = uuidv7();
      counters.created += 1;
      created.missions.push({ id, client_id: p.candidate.clientId, publisher_id: ctx.publisher.id, created_at: now, ...row });
      p.mission.addresses.forEach((a, i) => created.addresses.push(addressRow(id, a, i)));
      created.events.push({
        mission_id: id,
        type: "create",
        changes: creationChanges(row, p.mission.addresses),
        source: "feed",
      });
      created.states.push({ id, hash: p.candidate.hash, problems: problemsJson });
      continue;
    }

    const previousAddresses = addressesByMission.get(storedRow.id) ?? [];
    const changes: Changes = missionChanges(storedRow, row);
    const addressesChanged = !sameAddresses(previousAddresses, p.mission.addresses);
    if (addressesChanged) {
      changes.addresses = { previous: addressSummary(previousAddresses), current: addressSummary(p.mission.addresses) };
    }
    const restored = storedRow.deleted_at !== null;
    if (!restored && Object.keys(changes).length === 0) {
      counters.unchanged += 1;
      states.push({ id: storedRow.id, hash: p.candidate.hash, problems: problemsJson });
      continue;
    }
    counters.updated += 1;
    if (restored) counters.restored += 1;
    missionUpdates.push((trx) => trx.updateTable("mission").set(row).where("id", "=", storedRow.id).execute());
    if (addressesChanged) planAddressSync(storedRow.id, previousAddresses, p.mission.addresses, addressInserts, addressDeletes);
    events.push({ mission_id: storedRow.id, type: restored ? "restore" : "update", changes, source: "feed" });
    states.push({ id: storedRow.id, hash: p.candidate.hash, problems: problemsJson });
  }

  const writes: Write[] = [...organizations.updates];
  if (created.organizations.length || created.missions.length) writes.push((trx) => insertCreated(trx, created));
  writes.push(...missionUpdates);
  if (addressDeletes.length) writes.push((trx) => trx.deleteFrom("mission_address").where("id", "in", addressDeletes).execute());
  if (addressInserts.length) writes.push((trx) => insertRows(trx, "mission_address", addressInserts));
  if (events.length) writes.push((trx) => insertRows(trx, "mission_event", events));
  if (states.length) writes.push((trx) => saveStates(trx, states));
  return writes;
}

/**
 * New organisations and missions with their addresses, events and import state, in one statement
 * (data-modifying CTEs; the foreign keys are checked at its end). The import state is stamped with
 * the missions' updated_at as returned by their INSERT; no conflict is possible on new ids.
 */
async function insertCreated(db: Db, created: Created): Promise<void> {
  if (created.missions.length === 0) return insertRows(db, "publisher_organization", created.organizations);
  const parts: RawBuilder<unknown>[] = [];
  if (created.organizations.length) parts.push(sql`o AS (${await insertStatement(db, "publisher_organization", created.organizations)})`);
  parts.push(sql`m AS (${await insertStatement(db, "mission", created.missions)} RETURNING id, updated_at)`);
  if (created.addresses.length) parts.push(sql`a AS (${await insertStatement(db, "mission_address", created.addresses)})`);
  parts.push(sql`e AS (${await insertStatement(db, "mission_event", created.events)})`);
  const { states } = created;
  await sql`
    WITH ${sql.join(parts)}
    INSERT INTO mission_feed_state (mission_id, content_hash, problems, mission_updated_at)
    SELECT m.id, s.hash, s.problems::jsonb, m.updated_at
    FROM m JOIN unnest(${states.map((s) => s.id)}::text[], ${states.map((s) => s.hash)}::text[], ${states.map((s) => s.problems)}::text[])
      AS s(id, hash, problems) ON s.id = m.id
  `.execute(db);
}

/**
 * Address rows to delete and insert so that the mission has exactly `incoming`. An address that is
 * still there keeps its row (and id: job boards reference it) — its position is rewritten in place.
 */
function planAddressSync(
  missionId: string,
  previous: MissionAddressRow[],
  incoming: AddressDraft[],
  inserts: ReturnType<typeof addressRow>[],
  deletes: string[],
) {
  const byHash = new Map(previous.map((a) => [a.address_hash, a]));
  const kept = new Set<string>();
  incoming.forEach((a, i) => {
    const current = byHash.get(a.hash);
    if (current && !kept.has(a.hash)) {
      kept.add(a.hash);
      // Re-inserted with the same id, so the position (and any normalisation update) is current.
      deletes.push(current.id);
      inserts.push(addressRow(missionId, a, i, current.id));
    } else if (!current) {
      inserts.push(addressRow(missionId, a, i));
    }
  });
  for (const a of previous) if (!kept.has(a.address_hash)) deletes.push(a.id);
}

/** Fingerprints, stamped with the mission's updated_at as stored (read in SQL: no clock or precision drift). */
async function saveStates(db: Db, states: FeedState[]) {
  for (let i = 0; i < states.length; i += 5000) {
    const part = states.slice(i, i + 5000);
    await sql`
      INSERT INTO mission_feed_state (mission_id, content_hash, problems, mission_updated_at)
      SELECT v.id, v.hash, v.problems::jsonb, m.updated_at
      FROM unnest(${part.map((s) => s.id)}::text[], ${part.map((s) => s.hash)}::text[], ${part.map((s) => s.problems)}::text[]) AS v(id, hash, problems)
      JOIN mission m ON m.id = v.id
      ON CONFLICT (mission_id) DO UPDATE
        SET content_hash = EXCLUDED.content_hash, problems = EXCLUDED.problems, mission_updated_at = EXCLUDED.mission_updated_at
    `.execute(db);
  }
}
