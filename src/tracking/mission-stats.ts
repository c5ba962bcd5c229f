/**
 * A mission's counts per diffuseur, as `/v0/mymission/:clientId/stats` shows them: clicks,
 * applications and account creations, all time, counted as every statistic is (bots and conversions
 * after the attribution window excluded), from the monthly counts per mission and the deltas not folded yet (migration 010).
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
    SELECT s.from_publisher_id AS key, p.name, s.type, sum(s.n)::int AS doc_count
    FROM (
      SELECT from_publisher_id, type, n FROM stat_mission_monthly WHERE mission_id = ${missionId}
      UNION ALL
      SELECT from_publisher_id, type, n FROM stat_pending WHERE mission_id = ${missionId}
    ) s LEFT JOIN publisher p ON p.id = s.from_publisher_id
    WHERE s.type IN ('click', 'apply', 'account') AND s.from_publisher_id <> ''
    GROUP BY s.from_publisher_id, p.name, s.type
    HAVING sum(s.n) > 0
    ORDER BY doc_count DESC, key
  `.execute(db);
  const stats: MissionStats = { clicks: [], applications: [], accounts: [] };
  for (const row of rows) stats[LIST_OF_TYPE[row.type]].push({ key: row.key, name: row.name, doc_count: row.doc_count });
  return stats;
}
