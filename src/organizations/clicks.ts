/**
 * Clicks of the last 30 days per diffuseur on the missions of one of an annonceur's organisations
 * (`clicks` of `GET /v0/myorganization/:organizationClientId`), counted as every statistic is: bots
 * left out, from the counts per mission and Paris day that the tracking_event triggers keep
 * (migration 010: stat_mission_daily and the deltas not folded yet, stat_pending), as
 * `/v0/mymission/:clientId/stats` reads them.
 *
 * The window is exactly [now − 30 days, now], as today: the whole Paris days after its first day come
 * from those counts, its first (partial) day from that day's events after the cut, read through
 * tracking_event_created_idx (BRIN, consecutive blocks). One statement for every diffuseur.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { parisToday } from "../stats/stats-period.ts";

export const CLICKS_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/** Clicks per diffuseur id (those without a click are absent). */
export async function organizationClicks(
  db: Db,
  annonceurId: string,
  organizationId: string,
  diffuseurIds: readonly string[],
  now: Date = new Date(),
): Promise<Map<string, number>> {
  if (diffuseurIds.length === 0) return new Map();
  const since = new Date(now.getTime() - CLICKS_WINDOW_DAYS * DAY_MS);
  const sinceDay = parisToday(since);
  const ids = [...diffuseurIds];
  const missions = sql`SELECT id FROM mission WHERE organization_id = ${organizationId}::uuid AND publisher_id = ${annonceurId}`;
  const counted = sql`to_publisher_id = ${annonceurId} AND from_publisher_id = ANY(${ids}::text[]) AND type = 'click'`;
  const { rows } = await sql<{ diffuseur: string; clicks: number }>`
    SELECT s.from_publisher_id AS diffuseur, sum(s.n)::int AS clicks
    FROM (
      SELECT from_publisher_id, n FROM stat_mission_daily
      WHERE ${counted} AND day > ${sinceDay}::date AND mission_id IN (${missions})
      UNION ALL
      SELECT from_publisher_id, n FROM stat_pending
      WHERE ${counted} AND day > ${sinceDay}::date AND mission_id IN (${missions})
      UNION ALL
      SELECT from_publisher_id, 1 FROM tracking_event
      WHERE ${counted} AND NOT is_bot AND attributed
        AND created_at >= ${since}::timestamptz
        AND created_at < ((${sinceDay}::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')
        AND mission_id::text IN (${missions})
    ) s
    GROUP BY s.from_publisher_id
    HAVING sum(s.n) > 0
  `.execute(db);
  return new Map(rows.map((r) => [r.diffuseur, Number(r.clicks)]));
}
