/**
 * Reading missions as complete records: the mission row, its addresses in order, its organisation,
 * its annonceur's public fields and the moderators' statuses. Lists load these in three queries.
 */
import type { SelectQueryBuilder } from "kysely";
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

/** Loads full records for the given mission rows, keeping their order. */
export async function loadRecords(db: Db, missions: MissionRow[]): Promise<MissionRecord[]> {
  if (missions.length === 0) return [];
  const ids = missions.map((m) => m.id);
  const orgIds = [...new Set(missions.map((m) => m.organization_id).filter((id): id is string => id !== null))];
  const publisherIds = [...new Set(missions.map((m) => m.publisher_id))];
  const [addresses, organizations, publishers, moderations] = await Promise.all([
    db.selectFrom("mission_address").selectAll().where("mission_id", "in", ids).orderBy("mission_id").orderBy("position").execute(),
    orgIds.length
      ? db.selectFrom("publisher_organization").selectAll().where("id", "in", orgIds).execute()
      : Promise.resolve([] as OrganizationRow[]),
    db.selectFrom("publisher").select(["id", "name", "url", "logo"]).where("id", "in", publisherIds).execute(),
    db
      .selectFrom("mission_moderation_status")
      .select(["mission_id", "publisher_id", "status", "comment", "title", "updated_at"])
      .where("mission_id", "in", ids)
      .orderBy("publisher_id")
      .execute(),
  ]);
  const addressesByMission = new Map<string, MissionAddressRow[]>();
  for (const address of addresses) {
    const list = addressesByMission.get(address.mission_id) ?? [];
    list.push(address);
    addressesByMission.set(address.mission_id, list);
  }
  const orgById = new Map(organizations.map((o) => [o.id, o]));
  const publisherById = new Map(publishers.map((p) => [p.id, p]));
  const moderationsByMission = new Map<string, ModerationInfo[]>();
  for (const m of moderations) {
    const list = moderationsByMission.get(m.mission_id) ?? [];
    list.push({ publisherId: m.publisher_id, status: m.status, comment: m.comment, title: m.title, updatedAt: m.updated_at });
    moderationsByMission.set(m.mission_id, list);
  }
  return missions.map((mission) => {
    const publisher = publisherById.get(mission.publisher_id);
    return {
      mission,
      addresses: addressesByMission.get(mission.id) ?? [],
      organization: mission.organization_id ? (orgById.get(mission.organization_id) ?? null) : null,
      publisher: { name: publisher?.name ?? "", url: publisher?.url ?? null, logo: publisher?.logo ?? null },
      moderations: moderationsByMission.get(mission.id) ?? [],
    };
  });
}

export async function findRecord(db: Db, where: (q: MissionQuery) => MissionQuery): Promise<MissionRecord | undefined> {
  const row = await where(db.selectFrom("mission").selectAll()).executeTakeFirst();
  if (!row) return undefined;
  const [record] = await loadRecords(db, [row]);
  return record;
}

/** An annonceur's own mission by its clientId, deleted or not. */
export function findOwnMission(db: Db, publisherId: string, clientId: string) {
  return findRecord(db, (q) => q.where("publisher_id", "=", publisherId).where("client_id", "=", clientId));
}
