/**
 * `engagement stats verify`: recomputes the statistics tables from the raw events and reports every
 * difference (there must be none). The counts per mission and day are recomputed from
 * tracking_event once (a temporary table), and each of the four tables, with the deltas not folded
 * yet (stat_pending) added, is compared with its sums.
 * Months are verified whole: a range is widened to the months it touches.
 */
import { type RawBuilder, sql } from "kysely";
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
  for (const day of [range.from, range.to]) if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`date invalide : ${day} (AAAA-MM-JJ)`);
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
    const inRange = (column: string) => [
      ...(from ? [sql`${sql.raw(column)} >= ${from}::date`] : []),
      ...(to ? [sql`${sql.raw(column)} <= ${to}::date`] : []),
    ];
    const where = (conditions: ReturnType<typeof inRange>) => (conditions.length ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``);

    const tables: TableCheck[] = [];
    for (const [table, keys] of Object.entries(KEYS) as Array<[keyof typeof KEYS, readonly string[]]>) {
      const timeColumn = keys[0]!;
      const monthly = timeColumn === "month";
      const expected = monthly
        ? sql`SELECT date_trunc('month', day)::date AS month, ${sql.raw(keys.slice(1).join(", "))}, sum(n) AS n FROM expected_mission_daily GROUP BY ${sql.raw(keys.join(", "))}`
        : sql`SELECT ${sql.raw(keys.join(", "))}, sum(n) AS n FROM expected_mission_daily GROUP BY ${sql.raw(keys.join(", "))}`;
      // Stored = the table plus the deltas not folded yet.
      const pendingTime = monthly ? sql.raw("date_trunc('month', day)::date") : sql.raw("day");
      const stored = sql`
        SELECT ${sql.raw(keys.join(", "))}, sum(n) AS n FROM (
          SELECT ${sql.raw(keys.join(", "))}, n FROM ${sql.table(table)} ${where(inRange(timeColumn))}
          UNION ALL
          SELECT ${pendingTime} AS ${sql.raw(timeColumn)}, ${sql.raw(keys.slice(1).join(", "))}, n FROM stat_pending ${where(inRange("day"))}
        ) u GROUP BY ${sql.raw(keys.join(", "))} HAVING sum(n) <> 0`;
      tables.push(await compareCounts(trx, table, keys, expected, stored));
    }

    // The per-side tables: each event on both sides, at the three grains (weeks wholly inside the range).
    const bothSides = (rows: RawBuilder<unknown>, other: string) => sql`
      SELECT from_publisher_id AS publisher_id, 'd'::"char" AS side, day, to_publisher_id AS other_id, ${sql.raw(other)} FROM ${rows} WHERE from_publisher_id <> ''
      UNION ALL
      SELECT to_publisher_id, 'a'::"char", day, from_publisher_id, ${sql.raw(other)} FROM ${rows} WHERE to_publisher_id <> ''`;
    const pending = sql`(SELECT * FROM stat_pending ${where(inRange("day"))}) p`;
    const grains = sql.raw(`CROSS JOIN (VALUES ('d'::"char"), ('w'::"char"), ('m'::"char")) g(grain)`);
    const wholeUnits = sql.join([sql`true`, ...(from ? [sql`period >= ${from}::date`] : []), ...(to ? [sql`period + CASE grain WHEN 'w' THEN 6 ELSE 0 END <= ${to}::date`] : [])], sql` AND `);
    for (const [table, key] of [["stat_by_channel", "channel"], ["stat_by_partner", "other_id"]] as const) {
      const keys = ["publisher_id", "side", "grain", "period", key, "type"];
      const keyOf = key === "channel" ? "source" : "other_id";
      const perSide = (rows: RawBuilder<unknown>) => sql`
        SELECT publisher_id, side, g.grain, stat_period(g.grain, day) AS period, ${sql.raw(keyOf)} AS ${sql.raw(key)}, type, n
        FROM (${bothSides(rows, "source, type, n")}) x ${grains}`;
      const expected = sql`SELECT * FROM (SELECT ${sql.raw(keys.join(", "))}, sum(n) AS n FROM (${perSide(sql`expected_mission_daily`)}) e GROUP BY ${sql.raw(keys.join(", "))}) e WHERE ${wholeUnits}`;
      const stored = sql`
        SELECT * FROM (
          SELECT ${sql.raw(keys.join(", "))}, sum(n) AS n FROM (
            SELECT publisher_id, side, grain, period, ${sql.raw(key)}, t.type, t.n FROM ${sql.table(table)}
            CROSS JOIN LATERAL (VALUES ('impression', impressions), ('click', clicks), ('account', accounts), ('apply', applications)) t(type, n)
            WHERE t.n <> 0 ${from ? sql`AND period >= ${from}::date - 6` : sql``} ${to ? sql`AND period <= ${to}::date` : sql``}
            UNION ALL
            ${perSide(pending)}
          ) s GROUP BY ${sql.raw(keys.join(", "))} HAVING sum(n) <> 0
        ) s WHERE ${wholeUnits}`;
      tables.push(await compareCounts(trx, table, keys, expected, stored));
    }
    tables.push(await compareReach(trx, pending, bothSides, grains, wholeUnits));
    return { from, to, events: Number(events.rows[0]!.n), tables, ok: tables.every((t) => t.differences === 0) };
  });
}

type Trx = Parameters<Parameters<ReturnType<Db["transaction"]>["execute"]>[0]>[0];

/** One statement, one read of the recomputed counts: the groups, the differences, a sample of them. */
async function compareCounts(trx: Trx, table: string, keys: readonly string[], expected: RawBuilder<unknown>, stored: RawBuilder<unknown>): Promise<TableCheck> {
  const join = sql.join(keys.map((k) => sql`e.${sql.raw(k)} = s.${sql.raw(k)}`), sql` AND `);
  const keyOut = sql.join(keys.map((k) => sql`coalesce(e.${sql.raw(k)}, s.${sql.raw(k)})::text AS ${sql.raw(k)}`));
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
  return { table, expectedGroups: Number(result.groups), differences: Number(result.differences), sample: result.sample ?? [] };
}

/**
 * stat_reach: per side, period and type, the missions (and the partners on the other side) with a
 * positive folded count (the events minus the deltas not folded yet), written as a bitmap over the
 * stored numbering, compared with the stored bitmap. A difference shows both numbers of items.
 */
async function compareReach(
  trx: Trx,
  pending: RawBuilder<unknown>,
  bothSides: (rows: RawBuilder<unknown>, other: string) => RawBuilder<unknown>,
  grains: RawBuilder<unknown>,
  wholeUnits: RawBuilder<unknown>,
): Promise<TableCheck> {
  const folded = sql`(
    SELECT day, from_publisher_id, to_publisher_id, mission_id, type, n FROM expected_mission_daily
    UNION ALL
    SELECT day, from_publisher_id, to_publisher_id, mission_id, type, -n FROM ${pending}
  ) f`;
  const { rows } = await sql<{ groups: string; differences: string; sample: Array<Record<string, unknown>> | null }>`
    WITH reached AS (
      SELECT publisher_id, side, kind, type, g.grain, stat_period(g.grain, day) AS period, item_id
      FROM (
        SELECT publisher_id, side, 'm'::"char" AS kind, type, day, mission_id AS item_id, n FROM (${bothSides(folded, "mission_id, type, n")}) m
        WHERE type IN ('click', 'apply') AND mission_id <> ''
        UNION ALL
        SELECT publisher_id, side, 'p'::"char", '', day, other_id, n FROM (${bothSides(folded, "n")}) p WHERE other_id <> ''
      ) x ${grains}
      GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) > 0
    ),
    numbered AS (
      SELECT r.*, o.ordinal, lag(o.ordinal, 1, -1) OVER (PARTITION BY r.publisher_id, r.side, r.kind, r.type, r.grain, r.period ORDER BY o.ordinal) AS previous
      FROM reached r LEFT JOIN stat_reach_ordinal o ON o.publisher_id = r.publisher_id AND o.side = r.side AND o.kind = r.kind AND o.item_id = r.item_id
    ),
    e AS (
      SELECT * FROM (
        SELECT publisher_id, side, kind, type, grain, period, count(*) AS items,
               CASE WHEN bool_or(ordinal IS NULL) THEN NULL ELSE string_agg(repeat('0', ordinal - previous - 1) || '1', '' ORDER BY ordinal) END AS bits
        FROM numbered GROUP BY 1, 2, 3, 4, 5, 6
      ) e WHERE ${wholeUnits}
    ),
    s AS (
      SELECT * FROM (
        SELECT publisher_id, side, kind, type, grain, period, bit_count(items) AS items, rtrim(items::text, '0') AS bits FROM stat_reach
      ) s WHERE bits <> '' AND ${wholeUnits}
    ),
    d AS (
      SELECT coalesce(e.publisher_id, s.publisher_id) AS publisher_id, coalesce(e.side, s.side)::text AS side, coalesce(e.kind, s.kind)::text AS kind,
             coalesce(e.type, s.type) AS type, coalesce(e.grain, s.grain)::text AS grain, coalesce(e.period, s.period)::text AS period,
             coalesce(e.items, 0)::bigint AS expected, coalesce(s.items, 0)::bigint AS stored
      FROM e FULL JOIN s ON e.publisher_id = s.publisher_id AND e.side = s.side AND e.kind = s.kind AND e.type = s.type AND e.grain = s.grain AND e.period = s.period
      WHERE e.bits IS DISTINCT FROM s.bits
    )
    SELECT (SELECT count(*) FROM e) AS groups, (SELECT count(*) FROM d) AS differences,
           (SELECT json_agg(x) FROM (SELECT * FROM d LIMIT 10) x) AS sample`.execute(trx);
  const result = rows[0]!;
  return { table: "stat_reach", expectedGroups: Number(result.groups), differences: Number(result.differences), sample: result.sample ?? [] };
}
