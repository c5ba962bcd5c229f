/**
 * Annonceur writes: create (or restore), partial update and soft delete of a mission, with its
 * addresses, organisation, automatic moderation and change history, each in one transaction.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Db } from "../db/connection.ts";
import type { MissionAddressRow, MissionRow, PublisherRow } from "../db/schema.ts";
import { conflict, notFound } from "../http/errors.ts";
import { type NormalizedAddress, normalizeAddress } from "../places/address.ts";
import { isCountryCode } from "../places/countries.ts";
import { draftOf, draftPatch, emptyDraft, mergeDraft, type MissionDraft } from "./draft.ts";
import { organizationFromInput, upsertOrganization } from "./organization-input.ts";
import { findOwnMission, type MissionRecord } from "./records.ts";
import { moderate } from "./rules/moderation.ts";
import type { CreateMissionBody, MissionInput, UpdateMissionBody } from "./schemas.ts";

export type WriteSource = "api" | "feed" | "cli" | "demo";

export interface AddressDraft extends NormalizedAddress {
  hash: string;
}

export function addressHash(a: NormalizedAddress): string {
  const key = [a.street, a.city, a.postalCode, a.country, a.lat, a.lon].map((v) => (v === null ? "" : String(v))).join("|");
  return createHash("md5").update(key).digest("hex");
}

/** Normalised addresses without duplicates (same street, city, postal code, country and position). */
export function addressDrafts(input: NonNullable<MissionInput["addresses"]>): AddressDraft[] {
  const seen = new Set<string>();
  const out: AddressDraft[] = [];
  for (const raw of input) {
    const normalized = normalizeAddress(raw);
    const hash = addressHash(normalized);
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push({ ...normalized, hash });
  }
  return out;
}

/** The fields of a draft that moderation reads. */
export type ModeratedDraft = Pick<
  MissionDraft,
  | "title"
  | "description"
  | "application_url"
  | "remote"
  | "places"
  | "domain"
  | "compensation_amount"
  | "compensation_amount_max"
  | "compensation_unit"
  | "compensation_type"
>;

/**
 * Automatic moderation of a draft (the 18 rules), or ACCEPTED when the annonceur's missions skip it
 * (the description is still cut at 20,000 characters: no stored text is unbounded).
 * `country` is the first address's; API and feed import both go through here.
 */
export function moderateDraft(
  skipModeration: boolean,
  clientId: string,
  draft: ModeratedDraft,
  country: string | null,
  organizationName: string | null,
) {
  const verdict = moderate({
    title: draft.title,
    clientId,
    description: draft.description,
    applicationUrl: draft.application_url,
    country,
    remote: draft.remote,
    places: draft.places,
    domain: draft.domain,
    organizationName,
    compensationAmount: draft.compensation_amount === null ? null : Number(draft.compensation_amount),
    compensationAmountMax: draft.compensation_amount_max === null ? null : Number(draft.compensation_amount_max),
    compensationUnit: draft.compensation_unit,
    compensationType: draft.compensation_type,
  }, { isCountryCode });
  if (!skipModeration) return verdict;
  return { statusCode: "ACCEPTED" as const, statusComment: "", ...(verdict.description !== undefined ? { description: verdict.description } : {}) };
}

/** Field-by-field differences, for the event history. */
function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { previous: unknown; current: unknown }> {
  const changes: Record<string, { previous: unknown; current: unknown }> = {};
  for (const key of Object.keys(after)) {
    const previous = before[key] instanceof Date ? (before[key] as Date).toISOString() : (before[key] ?? null);
    const current = after[key] instanceof Date ? (after[key] as Date).toISOString() : (after[key] ?? null);
    if (JSON.stringify(previous) !== JSON.stringify(current)) changes[key] = { previous, current };
  }
  return changes;
}

const isEmptyValue = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);

const LIFE_TIMESTAMPS = new Set(["last_sync_at", "updated_at", "deleted_at", "created_at"]);

/**
 * The `changes` of a `create` entry: the mission's initial values in the format of an update's
 * changes, `{field: {previous: null, current}}`, for every field set at creation (defaults included,
 * empty values — null, "", [] — left out), and `addresses` ("postal code city" of each) when any.
 * Timestamps of the row's life (sync, update, deletion) are not values of the mission.
 */
export function creationChanges(
  values: Record<string, unknown>,
  addresses: { city: string | null; postalCode?: string | null; postal_code?: string | null }[],
): Record<string, { previous: unknown; current: unknown }> {
  const initial = Object.entries(values).filter(([key, v]) => !isEmptyValue(v) && !LIFE_TIMESTAMPS.has(key));
  const changes = diff({}, Object.fromEntries(initial));
  if (addresses.length) changes.addresses = { previous: null, current: addressSummary(addresses) };
  return changes;
}

/** "postal code city" of each address, for the event history. */
export const addressSummary = (list: { city: string | null; postalCode?: string | null; postal_code?: string | null }[]) =>
  list.map((a) => [a.postalCode ?? a.postal_code ?? "", a.city ?? ""].join(" ").trim());

/** The `mission_address` columns of a normalised address at a position. */
export function addressColumns(d: AddressDraft, position: number) {
  return {
    position,
    street: d.street,
    postal_code: d.postalCode,
    department_code: d.departmentCode,
    department_name: d.departmentName,
    city: d.city,
    region: d.region,
    country: d.country,
    location_lat: d.lat,
    location_lon: d.lon,
    geoloc_status: d.geolocStatus,
  };
}

async function writeAddresses(db: Db, missionId: string, drafts: AddressDraft[], existing: MissionAddressRow[]) {
  const byHash = new Map(existing.map((a) => [a.address_hash, a]));
  const keep = new Set(drafts.map((d) => d.hash));
  const stale = existing.filter((a) => !keep.has(a.address_hash)).map((a) => a.id);
  if (stale.length) await db.deleteFrom("mission_address").where("id", "in", stale).execute();
  for (const [position, d] of drafts.entries()) {
    const values = addressColumns(d, position);
    const current = byHash.get(d.hash);
    if (current) {
      await db.updateTable("mission_address").set(values).where("id", "=", current.id).execute();
    } else {
      await db.insertInto("mission_address").values({ id: randomUUID(), mission_id: missionId, address_hash: d.hash, ...values }).execute();
    }
  }
}

async function recordEvent(db: Db, missionId: string, type: "create" | "update" | "delete" | "restore", changes: object, source: WriteSource) {
  await db.insertInto("mission_event").values({ mission_id: missionId, type, changes: JSON.stringify(changes), source }).execute();
}

async function reload(db: Db, publisherId: string, clientId: string): Promise<MissionRecord> {
  const record = await findOwnMission(db, publisherId, clientId);
  if (!record) throw new Error(`mission ${publisherId}/${clientId} vanished after write`);
  return record;
}

/** The annonceur's mission row (deleted or not), locked until the end of the transaction. */
function lockOwnMission(db: Db, publisherId: string, clientId: string) {
  return db
    .selectFrom("mission")
    .selectAll()
    .where("publisher_id", "=", publisherId)
    .where("client_id", "=", clientId)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Creates a mission. A live clientId is a 409; a deleted one is restored (same internal id, so its
 * history and statistics continue) with the body's content.
 */
export async function createMission(
  db: Db,
  publisher: PublisherRow,
  body: CreateMissionBody,
  source: WriteSource = "api",
): Promise<{ record: MissionRecord; restored: boolean }> {
  const now = new Date();
  const { clientId, ...input } = body;
  const organization = organizationFromInput(input);
  const addresses = addressDrafts(input.addresses ?? []);

  return db.transaction().execute(async (trx) => {
    const existing = await lockOwnMission(trx, publisher.id, clientId);
    if (existing && existing.deleted_at === null) {
      throw conflict(`Une mission avec le clientId « ${clientId} » existe déjà pour ce partenaire : modifiez-la avec PUT /v2/mission/${encodeURIComponent(clientId)}`);
    }
    const org = organization ? await upsertOrganization(trx, publisher.id, organization.clientId, organization.patch) : null;
    const draft = mergeDraft(emptyDraft(now), draftPatch(input, now, publisher.feed_date_order));
    if (publisher.mission_type && !input.type) draft.type = publisher.mission_type;
    const verdict = moderateDraft(publisher.skip_moderation, clientId, draft, addresses[0]?.country ?? null, org?.name ?? null);
    if (verdict.description !== undefined) draft.description = verdict.description;
    const row = {
      ...draft,
      organization_id: org?.id ?? null,
      status_code: verdict.statusCode,
      status_comment: verdict.statusComment,
      last_sync_at: now,
      updated_at: now,
      deleted_at: null,
    };

    if (existing) {
      const previousAddresses = await trx.selectFrom("mission_address").selectAll().where("mission_id", "=", existing.id).execute();
      await trx.updateTable("mission").set(row).where("id", "=", existing.id).execute();
      await writeAddresses(trx, existing.id, addresses, previousAddresses);
      const changes = diff(existing, row);
      await recordEvent(trx, existing.id, "restore", changes, source);
    } else {
      const id = randomUUID();
      await trx
        .insertInto("mission")
        .values({ id, client_id: clientId, publisher_id: publisher.id, created_at: now, ...row })
        .execute();
      await writeAddresses(trx, id, addresses, []);
      await recordEvent(trx, id, "create", creationChanges(row, addresses), source);
    }
    return { record: await reload(trx, publisher.id, clientId), restored: Boolean(existing) };
  });
}

/** Partial update: only the keys present change; `addresses` replaces the whole set. */
export async function updateMission(
  db: Db,
  publisher: PublisherRow,
  clientId: string,
  body: UpdateMissionBody,
  source: WriteSource = "api",
): Promise<MissionRecord> {
  const now = new Date();
  const { clientId: _ignored, ...input } = body;
  const organization = organizationFromInput(input);
  const addresses = input.addresses === undefined ? undefined : addressDrafts(input.addresses ?? []);

  return db.transaction().execute(async (trx) => {
    const existing = await lockOwnMission(trx, publisher.id, clientId);
    if (!existing || existing.deleted_at !== null) throw missionNotFound(clientId);

    const org = organization
      ? await upsertOrganization(trx, publisher.id, organization.clientId, organization.patch)
      : existing.organization_id
        ? ((await trx.selectFrom("publisher_organization").selectAll().where("id", "=", existing.organization_id).executeTakeFirst()) ?? null)
        : null;
    const previousAddresses = await trx
      .selectFrom("mission_address")
      .selectAll()
      .where("mission_id", "=", existing.id)
      .orderBy("position")
      .execute();
    const draft = mergeDraft(draftOf(existing), draftPatch(input, now, publisher.feed_date_order));
    const firstCountry = addresses ? (addresses[0]?.country ?? null) : (previousAddresses[0]?.country ?? null);
    const verdict = moderateDraft(publisher.skip_moderation, clientId, draft, firstCountry, org?.name ?? null);
    if (verdict.description !== undefined) draft.description = verdict.description;
    const row: Partial<MissionRow> = {
      ...draft,
      organization_id: org?.id ?? null,
      status_code: verdict.statusCode,
      status_comment: verdict.statusComment,
    };
    const changes = diff(existing, row);
    if (addresses) {
      const before = addressSummary(previousAddresses);
      const after = addressSummary(addresses);
      const hashesBefore = previousAddresses.map((a) => a.address_hash).join(",");
      const hashesAfter = addresses.map((a) => a.hash).join(",");
      if (hashesBefore !== hashesAfter) changes.addresses = { previous: before, current: after };
      await writeAddresses(trx, existing.id, addresses, previousAddresses);
    }
    await trx
      .updateTable("mission")
      .set({ ...row, last_sync_at: now, ...(Object.keys(changes).length ? { updated_at: now } : {}) })
      .where("id", "=", existing.id)
      .execute();
    if (Object.keys(changes).length) await recordEvent(trx, existing.id, "update", changes, source);
    return reload(trx, publisher.id, clientId);
  });
}

/** Soft delete, idempotent: deleting again answers the original deletion date. */
export async function deleteMission(db: Db, publisher: PublisherRow, clientId: string, source: WriteSource = "api") {
  return db.transaction().execute(async (trx) => {
    const existing = await lockOwnMission(trx, publisher.id, clientId);
    if (!existing) throw missionNotFound(clientId);
    if (existing.deleted_at) return { clientId, deletedAt: existing.deleted_at.toISOString() };
    const now = new Date();
    await trx.updateTable("mission").set({ deleted_at: now, updated_at: now }).where("id", "=", existing.id).execute();
    await recordEvent(trx, existing.id, "delete", { deletedAt: { previous: null, current: now.toISOString() } }, source);
    return { clientId, deletedAt: now.toISOString() };
  });
}

export function missionNotFound(clientId: string) {
  return notFound(`Aucune mission avec le clientId « ${clientId} » parmi vos missions`);
}
