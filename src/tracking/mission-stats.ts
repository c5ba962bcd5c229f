/**
 * A mission's counts per diffuseur, as `/v0/mymission/:clientId/stats` shows them: clicks,
 * applications and account creations, bots excluded, all time.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";

export interface StatsBucket {
  key: string;
  name: string | null;
  doc_count: number;
}

export interface MissionStats {
  clicks: StatsBucket[];
  applications: StatsBucket[];
  accounts: StatsBucket[];
}

const LIST_OF_TYPE = { click: "clicks", apply: "applications", account: "accounts" } as const;

export async function missionStats(db: Db, missionId: string): Promise<MissionStats> {
  const { rows } = await sql<{ key: string; name: string | null; type: keyof typeof LIST_OF_TYPE; doc_count: number }>`
    SELECT e.from_publisher_id AS key, p.name, e.type, count(*)::int AS doc_count
    FROM tracking_event e LEFT JOIN publisher p ON p.id = e.from_publisher_id
    WHERE e.mission_id = ${missionId}::uuid AND e.type IN ('click', 'apply', 'account')
      AND NOT e.is_bot AND e.from_publisher_id IS NOT NULL
    GROUP BY e.from_publisher_id, p.name, e.type
    ORDER BY doc_count DESC, key
  `.execute(db);
  const stats: MissionStats = { clicks: [], applications: [], accounts: [] };
  for (const row of rows) stats[LIST_OF_TYPE[row.type]].push({ key: row.key, name: row.name, doc_count: row.doc_count });
  return stats;
}
