/**
 * `engagement stats verify`: recomputes the statistics tables from the raw events and reports every
 * difference (there must be none). The counts per mission and day are recomputed from
 * tracking_event once (a temporary table), and each of the four tables, with the deltas not folded
 * yet (stat_pending) added, is compared with its sums.
 * Months are verified whole: a range is widened to the months it touches.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { addDays, monthOf, nextMonth } from "./stats-period.ts";

export interface TableCheck {
  table: string;
  /** Groups with a non-zero count, recomputed from the events. */
  expectedGroups: number;
  differences: number;
  /** Up to 10 differing groups: their key, the recomputed count, the stored one. */
  sample: Array<Record<string, unknown>>;
}

export interface VerifyResult {
  from: string | null;
  to: string | null;
  events: number;
  tables: TableCheck[];
  ok: boolean;
}

const KEYS = {
  stat_mission_daily: ["day", "from_publisher_id", "to_publisher_id", "source", "source_id", "mission_id", "type"],
  stat_mission_monthly: ["month", "from_publisher_id", "to_publisher_id", "source", "source_id", "mission_id", "type"],
  stat_daily: ["day", "from_publisher_id", "to_publisher_id", "source", "source_id", "type"],
  stat_monthly: ["month", "from_publisher_id", "to_publisher_id", "source", "source_id", "type"],
} as const;

export async function verifyStats(db: Db, range: { from?: string; to?: string } = {}): Promise<VerifyResult> {
  const from = range.from ? monthOf(range.from) : null;
  const to = range.to ? addDays(nextMonth(monthOf(range.to)), -1) : null;
  // One snapshot for every statement: events written meanwhile are in neither side of the comparison.
  return db.transaction().setIsolationLevel("repeatable read").execute(async (trx) => {
    const eventRange = sql.join(
      [
        sql`NOT is_bot AND attributed`,
        ...(from ? [sql`created_at >= (${from}::date)::timestamp AT TIME ZONE 'Europe/Paris'`] : []),
        ...(to ? [sql`created_at < (${to}::date + 1)::timestamp AT TIME ZONE 'Europe/Paris'`] : []),
      ],
      sql` AND `,
    );
    await sql`
      CREATE TEMPORARY TABLE expected_mission_daily ON COMMIT DROP AS
      SELECT (created_at AT TIME ZONE 'Europe/Paris')::date AS day, coalesce(from_publisher_id, '') AS from_publisher_id,
             coalesce(to_publisher_id, '') AS to_publisher_id, source, coalesce(source_id, '') AS source_id,
             coalesce(mission_id::text, '') AS mission_id, type, count(*)::bigint AS n
      FROM tracking_event WHERE ${eventRange}
      GROUP BY 1, 2, 3, 4, 5, 6, 7`.execute(trx);
    const events = await sql<{ n: string }>`SELECT coalesce(sum(n), 0) AS n FROM expected_mission_daily`.execute(trx);

    const tables: TableCheck[] = [];
    for (const [table, keys] of Object.entries(KEYS) as Array<[keyof typeof KEYS, readonly string[]]>) {
      const timeColumn = keys[0]!;
      const monthly = timeColumn === "month";
      const expected = monthly
        ? sql`SELECT date_trunc('month', day)::date AS month, ${sql.raw(keys.slice(1).join(", "))}, sum(n) AS n FROM expected_mission_daily GROUP BY ${sql.raw(keys.join(", "))}`
        : sql`SELECT ${sql.raw(keys.join(", "))}, sum(n) AS n FROM expected_mission_daily GROUP BY ${sql.raw(keys.join(", "))}`;
      const range = (column: string) => [
        ...(from ? [sql`${sql.raw(column)} >= ${from}::date`] : []),
        ...(to ? [sql`${sql.raw(column)} <= ${to}::date`] : []),
      ];
      const where = (conditions: ReturnType<typeof range>) => (conditions.length ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``);
      // Stored = the table plus the deltas not folded yet.
      const pendingTime = monthly ? sql.raw("date_trunc('month', day)::date") : sql.raw("day");
      const stored = sql`
        SELECT ${sql.raw(keys.join(", "))}, sum(n) AS n FROM (
          SELECT ${sql.raw(keys.join(", "))}, n FROM ${sql.table(table)} ${where(range(timeColumn))}
          UNION ALL
          SELECT ${pendingTime} AS ${sql.raw(timeColumn)}, ${sql.raw(keys.slice(1).join(", "))}, n FROM stat_pending ${where(range("day"))}
        ) u GROUP BY ${sql.raw(keys.join(", "))} HAVING sum(n) <> 0`;
      const join = sql.join(keys.map((k) => sql`e.${sql.raw(k)} = s.${sql.raw(k)}`), sql` AND `);
      const keyOut = sql.join(keys.map((k) => sql`coalesce(e.${sql.raw(k)}, s.${sql.raw(k)})::text AS ${sql.raw(k)}`));
      // One statement, one read of the recomputed counts: the groups, the differences, a sample of them.
      const { rows } = await sql<{ groups: string; differences: string; sample: Array<Record<string, unknown>> | null }>`
        WITH e AS (${expected}), s AS (${stored}),
        d AS (
          SELECT ${keyOut}, coalesce(e.n, 0)::bigint AS expected, coalesce(s.n, 0)::bigint AS stored
          FROM e FULL JOIN s ON ${join}
          WHERE coalesce(e.n, 0) <> coalesce(s.n, 0)
        )
        SELECT (SELECT count(*) FROM e) AS groups, (SELECT count(*) FROM d) AS differences,
               (SELECT json_agg(x) FROM (SELECT * FROM d LIMIT 10) x) AS sample`.execute(trx);
      const result = rows[0]!;
      tables.push({ table, expectedGroups: Number(result.groups), differences: Number(result.differences), sample: result.sample ?? [] });
    }
    return { from, to, events: Number(events.rows[0]!.n), tables, ok: tables.every((t) => t.differences === 0) };
  });
}
