/**
 * What changed in a diffuseur's view of the catalogue since a time, for incremental sync
 * (`updatedSince`, `includeDeleted=true`).
 *
 * A mission's view changes when the mission itself changes (its `updated_at`, `deleted_at`), and also
 * when something around it does, without touching the mission row:
 * - the diffuseur's rules for its annonceur (a right given or withdrawn, an exclusion added or removed);
 * - its annonceur (deleted, rights changed) or the diffuseur itself (e.g. becoming a moderator);
 * - its organisation (exclusions by organisation or network read the organisation);
 * - the diffuseur's moderation status of it (moderators see only the missions they accepted).
 * Rule changes come from the rules' own timestamps (rules are soft-deleted); the others from the
 * catalogue's change feed (`catalog_change`), whose rows of those kinds are kept SYNC_HISTORY_DAYS.
 *
 * The caller then answers: every mission visible now that changed (`changed*` below or a newer
 * `updated_at`), and a tombstone for every candidate that is not visible now. A tombstone may name a
 * mission the mirror never had (it was refused all along, say): deleting it is a no-op there.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { ROOT_FIELD } from "../diffusion/rules.ts";

/** How long the change feed keeps the changes that are not mission rows (see `pruneChanges`). */
export const SYNC_HISTORY_DAYS = 400;

export interface Tombstone {
  _id: string;
  id: string;
  deleted: true;
  deletedAt: string;
}

export interface ViewChanges {
  /** Annonceurs all of whose missions changed in this view, with when. */
  annonceurs: Map<string, Date>;
  /** Missions whose view changed although their row may not have, with when. */
  missions: Map<string, Date>;
}

const later = (a: Date | undefined, b: Date) => (a && a > b ? a : b);

/**
 * The annonceurs and missions whose view changed since `since` for this diffuseur. `annonceurs` are
 * those it sees now; the annonceurs it saw through a right withdrawn since are added.
 */
export async function viewChangesSince(db: Db, diffuseurId: string, annonceurs: ReadonlySet<string>, since: Date): Promise<ViewChanges> {
  const changes: ViewChanges = { annonceurs: new Map(), missions: new Map() };
  const historyStart = new Date(Date.now() - SYNC_HISTORY_DAYS * 86_400_000);

  const { rows: rules } = await sql<{ annonceur_id: string; changed_at: Date | null }>`
    SELECT r.value AS annonceur_id,
           max(GREATEST(
             CASE WHEN r.created_at > ${since} THEN r.created_at END,
             CASE WHEN r.updated_at > ${since} THEN r.updated_at END,
             CASE WHEN r.deleted_at > ${since} THEN r.deleted_at END,
             CASE WHEN c.created_at > ${since} THEN c.created_at END,
             CASE WHEN c.updated_at > ${since} THEN c.updated_at END,
             CASE WHEN c.deleted_at > ${since} THEN c.deleted_at END)) AS changed_at
      FROM diffusion_rule r
      LEFT JOIN diffusion_rule c ON c.combined_with_id = r.id
     WHERE r.publisher_id = ${diffuseurId} AND r.combined_with_id IS NULL AND r.field = ${ROOT_FIELD}
       AND (r.deleted_at IS NULL OR r.deleted_at > ${since})
     GROUP BY r.value`.execute(db);
  const seen = new Set(annonceurs);
  for (const rule of rules) {
    seen.add(rule.annonceur_id);
    if (rule.changed_at) changes.annonceurs.set(rule.annonceur_id, rule.changed_at);
  }

  // Older than the change feed's history: everything may have changed.
  if (since < historyStart) {
    const now = new Date();
    for (const annonceur of seen) changes.annonceurs.set(annonceur, now);
    return changes;
  }

  const { rows: feed } = await sql<{ kind: string; ref: string; changed_at: Date }>`
    SELECT kind, ref, max(created_at) AS changed_at
      FROM catalog_change
     WHERE created_at > ${since}
       AND (kind = 'publisher' OR kind = 'organization' OR (kind = 'moderation' AND ref LIKE ${`${diffuseurId}:%`}))
     GROUP BY kind, ref`.execute(db);

  const organizations = new Map<string, Date>();
  for (const change of feed) {
    if (change.kind === "publisher" && change.ref === diffuseurId) {
      for (const annonceur of seen) changes.annonceurs.set(annonceur, later(changes.annonceurs.get(annonceur), change.changed_at));
    } else if (change.kind === "publisher" && seen.has(change.ref)) {
      changes.annonceurs.set(change.ref, later(changes.annonceurs.get(change.ref), change.changed_at));
    } else if (change.kind === "moderation") {
      const missionId = change.ref.slice(diffuseurId.length + 1);
      changes.missions.set(missionId, later(changes.missions.get(missionId), change.changed_at));
    } else if (change.kind === "organization") {
      organizations.set(change.ref, change.changed_at);
    }
  }

  if (organizations.size > 0) {
    const { rows: missions } = await sql<{ id: string; organization_id: string }>`
      SELECT id, organization_id::text AS organization_id
        FROM mission
       WHERE organization_id = ANY (${[...organizations.keys()]}::uuid[])
         AND publisher_id = ANY (${[...seen]}::text[])`.execute(db);
    for (const m of missions) {
      const at = organizations.get(m.organization_id) as Date;
      changes.missions.set(m.id, later(changes.missions.get(m.id), at));
    }
  }
  return changes;
}

/**
 * Missions that may have left the view since `since`, with when: those of the diffuseur's annonceurs
 * (now or through a right withdrawn since) updated or deleted since, and every mission named by
 * `changes`. The caller keeps those not visible now.
 */
export async function tombstoneCandidates(
  db: Db,
  diffuseurId: string,
  annonceurs: ReadonlySet<string>,
  changes: ViewChanges,
  since: Date,
): Promise<{ id: string; changed_at: Date }[]> {
  const wholeAnnonceurs = [...changes.annonceurs.keys()];
  const { rows } = await sql<{ id: string; publisher_id: string; changed_at: Date | null }>`
    WITH annonceurs AS (
      SELECT unnest(${[...annonceurs]}::text[]) AS annonceur_id
      UNION
      SELECT value FROM diffusion_rule
       WHERE publisher_id = ${diffuseurId} AND combined_with_id IS NULL AND field = ${ROOT_FIELD} AND deleted_at > ${since}
    )
    SELECT m.id, m.publisher_id,
           GREATEST(CASE WHEN m.updated_at > ${since} THEN m.updated_at END,
                    CASE WHEN m.deleted_at > ${since} THEN m.deleted_at END) AS changed_at
      FROM mission m
     WHERE (m.publisher_id IN (SELECT annonceur_id FROM annonceurs) AND (m.updated_at > ${since} OR m.deleted_at > ${since}))
        OR m.publisher_id = ANY (${wholeAnnonceurs}::text[])
        OR m.id = ANY (${[...changes.missions.keys()]}::text[])`.execute(db);
  return rows
    .map((row) => {
      let at = row.changed_at ?? undefined;
      const byAnnonceur = changes.annonceurs.get(row.publisher_id);
      if (byAnnonceur) at = later(at, byAnnonceur);
      const byMission = changes.missions.get(row.id);
      if (byMission) at = later(at, byMission);
      return { id: row.id, changed_at: at ?? since };
    })
    .sort((a, b) => a.changed_at.getTime() - b.changed_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
