/**
 * Tombstones for incremental sync: missions that a diffuseur mirroring the catalogue must drop because,
 * since `since`, they were deleted, refused, excluded by a rule change, or withdrawn by a moderator.
 *
 * Candidates come from SQL (what changed since `since` among the annonceurs the diffuseur sees or saw);
 * those still visible now are removed by the caller with the search engine, which applies the rules.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { ROOT_FIELD } from "../diffusion/rules.ts";

export interface Tombstone {
  _id: string;
  id: string;
  deleted: true;
  deletedAt: string;
}

interface CandidateRow {
  id: string;
  changed_at: Date;
}

/** Missions that may have left the diffuseur's view since `since`, with the time they did. */
export async function tombstoneCandidates(db: Db, diffuseurId: string, annonceurs: Set<string>, since: Date): Promise<CandidateRow[]> {
  const { rows } = await sql<CandidateRow>`
    WITH roots AS (
      SELECT id, value AS annonceur_id, deleted_at
        FROM diffusion_rule
       WHERE publisher_id = ${diffuseurId} AND combined_with_id IS NULL AND field = ${ROOT_FIELD}
         AND (deleted_at IS NULL OR deleted_at > ${since})
    ),
    -- when each annonceur's rules for this diffuseur last changed after "since"
    rule_changes AS (
      SELECT r.annonceur_id, max(GREATEST(r.deleted_at, c.created_at, c.deleted_at)) AS changed_at
        FROM roots r
        LEFT JOIN diffusion_rule c ON c.combined_with_id = r.id
       GROUP BY r.annonceur_id
      HAVING max(GREATEST(r.deleted_at, c.created_at, c.deleted_at)) > ${since}
    ),
    annonceurs AS (
      SELECT unnest(${[...annonceurs]}::text[]) AS annonceur_id
      UNION SELECT annonceur_id FROM roots
    )
    SELECT m.id,
           GREATEST(
             CASE WHEN m.updated_at > ${since} THEN m.updated_at END,
             CASE WHEN m.deleted_at > ${since} THEN m.deleted_at END,
             rc.changed_at,
             (SELECT max(s.updated_at) FROM mission_moderation_status s
               WHERE s.mission_id = m.id AND s.publisher_id = ${diffuseurId} AND s.updated_at > ${since})
           ) AS changed_at
      FROM mission m
      JOIN annonceurs a ON a.annonceur_id = m.publisher_id
      LEFT JOIN rule_changes rc ON rc.annonceur_id = m.publisher_id
     WHERE m.updated_at > ${since}
        OR m.deleted_at > ${since}
        OR rc.changed_at IS NOT NULL
        OR EXISTS (SELECT 1 FROM mission_moderation_status s
                    WHERE s.mission_id = m.id AND s.publisher_id = ${diffuseurId} AND s.updated_at > ${since})
     ORDER BY changed_at, m.id`.execute(db);
  return rows;
}
