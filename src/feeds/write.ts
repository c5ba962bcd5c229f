/**
 * Batched writes of a feed import: one transaction per batch of missions (a few hundred), a handful
 * of multi-row statements instead of one round trip per mission.
 *
 * For each batch: look the missions up by clientId (deleted ones included, so they can be restored),
 * skip the ones whose <mission> element and stored row are both unchanged since the last import
 * (fingerprint), normalise the others, upsert their organisations, then create, restore or update
 * only the missions that really changed (see changes.ts), with their addresses, history events and
 * import state. With `dryRun`, everything is computed and nothing is written.
 */
import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { uuidv7 } from "../db/uuid7.ts";
import type { MissionAddressRow, MissionRow, OrganizationRow, PublisherRow } from "../db/schema.ts";
import { type AddressDraft, addressColumns, addressSummary } from "../missions/publish.ts";
import { monthsBetween } from "../missions/rules/normalize.ts";
import { type Changes, missionChanges, organizationChanged, sameAddresses } from "./changes.ts";
import { feedClientId, normalizeFeedMission } from "./feed-mission.ts";
import type { FeedProblem, FeedSettings, NormalizedFeedMission, XmlElement } from "./types.ts";

/** Bump when the reading of a feed changes, so that every mission is normalised again once. */
const NORMALISATION_VERSION = "1";

/** Rows per bulk INSERT statement. */
const ROWS_PER_INSERT = 2000;

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

/** Second half of a batch: organisations, then missions, addresses, events and import state, in one transaction. */
export async function applyBatch(ctx: BatchContext, batch: PreparedBatch): Promise<void> {
  if (batch.planned.length > 0) {
    if (ctx.dryRun) await planWrites(ctx, ctx.db, batch.planned);
    else await ctx.db.transaction().execute((trx) => planWrites(ctx, trx, batch.planned));
  }
  for (const entry of batch.entries) report(ctx, Array.isArray(entry) ? entry : entry.problems);
}

function report(ctx: BatchContext, problems: FeedProblem[]) {
  for (const p of problems) if (p.outcome === "warning") ctx.counters.warnings += 1;
  if (problems.length) ctx.problems.add(problems);
}

async function loadStates(db: Db, publisherId: string, clientIds: string[]): Promise<Map<string, StoredState>> {
  const rows = await db
    .selectFrom("mission as m")
    .leftJoin("mission_feed_state as s", "s.mission_id", "m.id")
    .select([
      "m.id",
      "m.client_id",
      "m.status_code",
      sql<boolean>`m.deleted_at IS NOT NULL`.as("deleted"),
      "s.content_hash",
      sql<FeedProblem[] | null>`s.problems`.as("problems"),
      sql<boolean>`COALESCE(s.mission_updated_at = m.updated_at, false)`.as("state_current"),
    ])
    .where("m.publisher_id", "=", publisherId)
    .where("m.client_id", "in", clientIds)
    .execute();
  return new Map(rows.map((r) => [r.client_id, r]));
}

/** Organisation ids by client id, after creating or updating the ones that changed. */
async function writeOrganizations(ctx: BatchContext, db: Db, planned: Planned[]): Promise<Map<string, string>> {
  const wanted = new Map<string, NormalizedFeedMission["organization"]["patch"]>();
  for (const p of planned) wanted.set(p.mission.organization.clientId, p.mission.organization.patch);
  const existing = await db
    .selectFrom("publisher_organization")
    .selectAll()
    .where("publisher_id", "=", ctx.publisher.id)
    .where("client_id", "in", [...wanted.keys()])
    .execute();
  const byClientId = new Map<string, OrganizationRow>(existing.map((o) => [o.client_id, o]));
  const ids = new Map<string, string>();
  const inserts: object[] = [];
  for (const [clientId, patch] of wanted) {
    const stored = byClientId.get(clientId);
    if (!stored) {
      const id = uuidv7();
      ids.set(clientId, id);
      inserts.push({ id, publisher_id: ctx.publisher.id, client_id: clientId, ...patch });
      continue;
    }
    ids.set(clientId, stored.id);
    if (!ctx.dryRun && (stored.deleted_at !== null || organizationChanged(stored, patch))) {
      await db
        .updateTable("publisher_organization")
        .set({ ...patch, updated_at: new Date(), deleted_at: null })
        .where("id", "=", stored.id)
        .execute();
    }
  }
  if (!ctx.dryRun) await insertRows(db, "publisher_organization", inserts);
  return ids;
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

async function planWrites(ctx: BatchContext, db: Db, planned: Planned[]): Promise<void> {
  const { counters } = ctx;
  const now = new Date();
  const organizationIds = await writeOrganizations(ctx, db, planned);

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

  const missionInserts: Record<string, unknown>[] = [];
  const addressInserts: ReturnType<typeof addressRow>[] = [];
  const addressDeletes: string[] = [];
  const events: { mission_id: string; type: "create" | "update" | "restore"; changes: object; source: string }[] = [];
  const states: { id: string; hash: string; problems: string }[] = [];

  for (const p of planned) {
    const organizationId = organizationIds.get(p.mission.organization.clientId)!;
    const storedRow = p.stored ? rowsById.get(p.stored.id) : undefined;
    const row = finalRow(ctx, p.mission, organizationId, storedRow, now);
    if (row.status_code === "REFUSED") counters.refused += 1;
    const problemsJson = JSON.stringify(p.problems.map((x) => ({ ...x, clientId: null })));

    if (!storedRow) {
      const id = uuidv7();
      counters.created += 1;
      missionInserts.push({ id, client_id: p.candidate.clientId, publisher_id: ctx.publisher.id, created_at: now, ...row });
      p.mission.addresses.forEach((a, i) => addressInserts.push(addressRow(id, a, i)));
      events.push({
        mission_id: id,
        type: "create",
        changes: { statusCode: row.status_code, addresses: addressSummary(p.mission.addresses) },
        source: "feed",
      });
      states.push({ id, hash: p.candidate.hash, problems: problemsJson });
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
    if (!ctx.dryRun) {
      await db.updateTable("mission").set(row).where("id", "=", storedRow.id).execute();
      if (addressesChanged) planAddressSync(storedRow.id, previousAddresses, p.mission.addresses, addressInserts, addressDeletes);
    }
    events.push({ mission_id: storedRow.id, type: restored ? "restore" : "update", changes, source: "feed" });
    states.push({ id: storedRow.id, hash: p.candidate.hash, problems: problemsJson });
  }
  if (ctx.dryRun) return;

  await insertRows(db, "mission", missionInserts);
  if (addressDeletes.length) await db.deleteFrom("mission_address").where("id", "in", addressDeletes).execute();
  await insertRows(db, "mission_address", addressInserts);
  await insertRows(db, "mission_event", events);
  await saveStates(db, states);
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
async function saveStates(db: Db, states: { id: string; hash: string; problems: string }[]) {
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

/**
 * Bulk INSERT with one parameter: the rows as a JSON array, turned into records by PostgreSQL
 * (json_populate_recordset). Much cheaper than thousands of bind parameters, and lists map to
 * array columns. Every row must have the same keys.
 */
async function insertRows(
  db: Db,
  table: "mission" | "mission_address" | "mission_event" | "publisher_organization",
  rows: object[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = sql.join(Object.keys(rows[0]!).map((c) => sql.id(c)));
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const json = JSON.stringify(rows.slice(i, i + ROWS_PER_INSERT));
    await sql`INSERT INTO ${sql.table(table)} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${sql.table(table)}, ${json}::json)`.execute(db);
  }
}
