/**
 * Reading missions as complete records: the mission row, its addresses in order, its organisation,
 * its annonceur's public fields and the moderators' statuses — in ONE query (addresses and
 * moderation statuses aggregated as JSON), so a page of missions costs a single round trip.
 */
import { type SelectQueryBuilder, sql } from "kysely";
import type { Db } from "../db/connection.ts";
import type { Database, MissionAddressRow, MissionRow, OrganizationRow } from "../db/schema.ts";

export interface ModerationInfo {
  publisherId: string;
  status: string;
  comment: string | null;
  title: string | null;
  updatedAt: Date;
}

export interface MissionRecord {
  mission: MissionRow;
  addresses: MissionAddressRow[];
  organization: OrganizationRow | null;
  publisher: { name: string; url: string | null; logo: string | null };
  moderations: ModerationInfo[];
}

type MissionQuery = SelectQueryBuilder<Database, "mission", MissionRow>;

interface RelatedJson {
  rec_publisher_name: string;
  rec_publisher_url: string | null;
  rec_publisher_logo: string | null;
  rec_organization: (Omit<OrganizationRow, "created_at" | "updated_at" | "deleted_at"> & Record<"created_at" | "updated_at" | "deleted_at", string | null>) | null;
  rec_addresses: MissionAddressRow[];
  rec_moderations: { publisherId: string; status: string; comment: string | null; title: string | null; updatedAt: string }[];
}

/** Adds the related data of each selected mission as extra columns. */
function withRelated(query: MissionQuery) {
  return query.select([
    sql<string>`(SELECT p.name FROM publisher p WHERE p.id = mission.publisher_id)`.as("rec_publisher_name"),
    sql<string | null>`(SELECT p.url FROM publisher p WHERE p.id = mission.publisher_id)`.as("rec_publisher_url"),
    sql<string | null>`(SELECT p.logo FROM publisher p WHERE p.id = mission.publisher_id)`.as("rec_publisher_logo"),
    sql<RelatedJson["rec_organization"]>`(SELECT to_jsonb(o) FROM publisher_organization o WHERE o.id = mission.organization_id)`.as(
      "rec_organization",
    ),
    sql<MissionAddressRow[]>`COALESCE((SELECT jsonb_agg(to_jsonb(a) ORDER BY a.position) FROM mission_address a WHERE a.mission_id = mission.id), '[]'::jsonb)`.as(
      "rec_addresses",
    ),
    sql<RelatedJson["rec_moderations"]>`COALESCE((SELECT jsonb_agg(jsonb_build_object('publisherId', s.publisher_id, 'status', s.status, 'comment', s.comment, 'title', s.title, 'updatedAt', s.updated_at) ORDER BY s.publisher_id) FROM mission_moderation_status s WHERE s.mission_id = mission.id), '[]'::jsonb)`.as(
      "rec_moderations",
    ),
  ]);
}

const toDate = (v: string | null) => (v === null ? null : new Date(v));

function toRecord(row: MissionRow & RelatedJson): MissionRecord {
  const { rec_publisher_name, rec_publisher_url, rec_publisher_logo, rec_organization, rec_addresses, rec_moderations, ...mission } = row;
  const organization: OrganizationRow | null = rec_organization
    ? {
        ...rec_organization,
        created_at: toDate(rec_organization.created_at) as Date,
        updated_at: toDate(rec_organization.updated_at) as Date,
        deleted_at: toDate(rec_organization.deleted_at),
      }
    : null;
  return {
    mission,
    addresses: rec_addresses,
    organization,
    publisher: { name: rec_publisher_name ?? "", url: rec_publisher_url, logo: rec_publisher_logo },
    moderations: rec_moderations.map((m) => ({ ...m, updatedAt: new Date(m.updatedAt) })),
  };
}

/** Full records of the missions selected by `where` (in the query's order). */
export async function selectRecords(db: Db, where: (q: MissionQuery) => MissionQuery): Promise<MissionRecord[]> {
  const rows = (await withRelated(where(db.selectFrom("mission").selectAll("mission"))).execute()) as (MissionRow & RelatedJson)[];
  return rows.map(toRecord);
}

export async function findRecord(db: Db, where: (q: MissionQuery) => MissionQuery): Promise<MissionRecord | undefined> {
  const [record] = await selectRecords(db, (q) => where(q).limit(1));
  return record;
}

/** An annonceur's own mission by its clientId, deleted or not. */
export function findOwnMission(db: Db, publisherId: string, clientId: string) {
  return findRecord(db, (q) => q.where("publisher_id", "=", publisherId).where("client_id", "=", clientId));
}

/** Records of these missions, in the order of `ids` (missing ids are skipped). */
export async function loadRecordsByIds(db: Db, ids: string[]): Promise<MissionRecord[]> {
  if (ids.length === 0) return [];
  const records = await selectRecords(db, (q) => q.where("mission.id", "in", ids));
  const byId = new Map(records.map((r) => [r.mission.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is MissionRecord => r !== undefined);
}
