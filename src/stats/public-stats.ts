/**
 * National figures for an open statistics page: events per month, missions online per domain and
 * per department, active partners. Nothing that belongs to one partner. Kept 5 minutes.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { domainLabel } from "../taxonomy/domains.ts";
import { periodsOf } from "./stats-period.ts";
import { METRIC_OF } from "./stats-report.ts";
import type { EventType } from "./stats-store.ts";

const TTL_MS = 5 * 60_000;

export interface PublicStats {
  from: string;
  to: string;
  months: Array<{ month: string; impressions: number; clicks: number; accounts: number; applications: number }>;
  missions: {
    online: number;
    byDomain: Array<{ domain: string; label: string; missions: number }>;
    byDepartment: Array<{ department: string; missions: number }>;
  };
  partners: { annonceursWithMissionsOnline: number; diffuseursWithClicks: number };
}

const cache = new Map<string, { at: number; value: Promise<PublicStats> }>();

export function publicStats(db: Db, fromMonth: string, toMonth: string, now = Date.now()): Promise<PublicStats> {
  const key = `${fromMonth}|${toMonth}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < TTL_MS) return hit.value;
  const value = computePublicStats(db, fromMonth, toMonth);
  cache.set(key, { at: now, value });
  value.catch(() => cache.delete(key));
  if (cache.size > 100) cache.delete(cache.keys().next().value as string);
  return value;
}

async function computePublicStats(db: Db, fromMonth: string, toMonth: string): Promise<PublicStats> {
  const [from, to] = [`${fromMonth}-01`, `${toMonth}-01`];
  const live = sql`m.deleted_at IS NULL AND m.status_code = 'ACCEPTED'`;
  const [events, online, domains, departments, annonceurs, diffuseurs] = await Promise.all([
    sql<{ month: string; type: EventType; n: string }>`
      SELECT to_char(month, 'YYYY-MM') AS month, type, sum(n)::bigint AS n FROM (
        SELECT month, type, n FROM stat_monthly WHERE month BETWEEN ${from}::date AND ${to}::date
        UNION ALL
        SELECT date_trunc('month', day)::date, type, n FROM stat_pending WHERE day >= ${from}::date AND day < (${to}::date + interval '1 month')
      ) s GROUP BY 1, 2`.execute(db),
    sql<{ n: string }>`SELECT count(*) AS n FROM mission m WHERE ${live}`.execute(db),
    sql<{ domain: string; n: string }>`SELECT coalesce(m.domain, '') AS domain, count(*) AS n FROM mission m WHERE ${live} GROUP BY 1 ORDER BY 2 DESC, 1`.execute(db),
    sql<{ department: string; n: string }>`
      SELECT coalesce(a.department_name, '') AS department, count(*) AS n FROM mission m
      LEFT JOIN mission_address a ON a.mission_id = m.id AND a.position = 0
      WHERE ${live} GROUP BY 1 ORDER BY 2 DESC, 1`.execute(db),
    sql<{ n: string }>`SELECT count(DISTINCT m.publisher_id) AS n FROM mission m WHERE ${live}`.execute(db),
    sql<{ n: string }>`
      SELECT count(*) AS n FROM (SELECT from_publisher_id FROM (
        SELECT from_publisher_id, type, n FROM stat_monthly WHERE month BETWEEN ${from}::date AND ${to}::date
        UNION ALL
        SELECT from_publisher_id, type, n FROM stat_pending WHERE day >= ${from}::date AND day < (${to}::date + interval '1 month')
      ) s WHERE type = 'click' AND from_publisher_id <> '' GROUP BY 1 HAVING sum(n) > 0) x`.execute(db),
  ]);
  const months = periodsOf(from, to, "month").map((day) => ({ month: day.slice(0, 7), impressions: 0, clicks: 0, accounts: 0, applications: 0 }));
  const byMonth = new Map(months.map((m) => [m.month, m]));
  for (const row of events.rows) {
    const month = byMonth.get(row.month);
    if (month) month[METRIC_OF[row.type]] += Number(row.n);
  }
  return {
    from: fromMonth,
    to: toMonth,
    months,
    missions: {
      online: Number(online.rows[0]?.n ?? 0),
      byDomain: domains.rows.map((r) => ({ domain: r.domain, label: r.domain === "" ? "Non renseigné" : (domainLabel(r.domain) ?? r.domain), missions: Number(r.n) })),
      byDepartment: departments.rows.map((r) => ({ department: r.department === "" ? "Non renseigné" : r.department, missions: Number(r.n) })),
    },
    partners: { annonceursWithMissionsOnline: Number(annonceurs.rows[0]?.n ?? 0), diffuseursWithClicks: Number(diffuseurs.rows[0]?.n ?? 0) },
  };
}
