-- Calendar quarters in the per-side tables, and bitmaps kept in their rows.
--
-- A question without a series (totals, breakdowns, the ranking of a split series' partners, missions
-- and partners reached) is read as the whole calendar quarters inside its range, then whole months,
-- weeks and days (src/stats/stats-period.ts coverRange): twelve months from the 16th are 12 periods
-- instead of 18, a third fewer rows of stat_by_partner and bitmaps for a large partner's year.
-- stat_grains() lists the grains the fold writes (and stats verify checks), so that adding one is
-- changing that function and stat_period().
--
-- stat_reach.items is now stored MAIN: a bitmap stays in its row while the row fits in a page (up to
-- ~60,000 items; beyond, it still moves out of line), so a dashboard reads it with its row instead of
-- looking it up in the TOAST table. Rows written before keep their storage until next rewritten.

CREATE FUNCTION stat_grains() RETURNS SETOF "char" LANGUAGE sql IMMUTABLE AS $fn$
  VALUES ('d'::"char"), ('w'::"char"), ('m'::"char"), ('q'::"char")
$fn$;

-- The period of the grain that holds `day`.
CREATE OR REPLACE FUNCTION stat_period(g "char", day date) RETURNS date LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE g WHEN 'd' THEN day WHEN 'w' THEN date_trunc('week', day)::date WHEN 'q' THEN date_trunc('quarter', day)::date
         ELSE date_trunc('month', day)::date END
$fn$;

-- The count of one mission's events of `type` for one side of a partner over a period of the grain.
CREATE OR REPLACE FUNCTION stat_mission_count(p text, sd "char", ty text, m text, g "char", period date) RETURNS bigint LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  last_day date := CASE g WHEN 'w' THEN period + 6 ELSE period END;
  last_month date := CASE g WHEN 'q' THEN (period + interval '2 months')::date ELSE period END;
  total bigint;
BEGIN
  IF g IN ('m', 'q') AND sd = 'd' THEN
    SELECT sum(n) INTO total FROM stat_mission_monthly WHERE from_publisher_id = p AND month BETWEEN period AND last_month AND mission_id = m AND type = ty;
  ELSIF g IN ('m', 'q') THEN
    SELECT sum(n) INTO total FROM stat_mission_monthly WHERE to_publisher_id = p AND month BETWEEN period AND last_month AND mission_id = m AND type = ty;
  ELSIF sd = 'd' THEN
    SELECT sum(n) INTO total FROM stat_mission_daily WHERE from_publisher_id = p AND day BETWEEN period AND last_day AND mission_id = m AND type = ty;
  ELSE
    SELECT sum(n) INTO total FROM stat_mission_daily WHERE to_publisher_id = p AND day BETWEEN period AND last_day AND mission_id = m AND type = ty;
  END IF;
  RETURN coalesce(total, 0);
END
$fn$;

-- The fold of 011 at every grain of stat_grains().
CREATE OR REPLACE FUNCTION stat_fold(max_rows integer DEFAULT 100000) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('stat_fold')) THEN
    RETURN 0;
  END IF;
  -- The deltas taken, summed per key, in a table of this session emptied at commit.
  IF to_regclass('pg_temp.stat_fold_batch') IS NULL THEN
    CREATE TEMPORARY TABLE stat_fold_batch (
      day date, f text COLLATE "C", t text COLLATE "C", s text COLLATE "C", si text COLLATE "C",
      m text COLLATE "C", ty text COLLATE "C", n bigint, rows bigint
    ) ON COMMIT DELETE ROWS;
  END IF;
  WITH moved AS (DELETE FROM stat_pending WHERE ctid IN (SELECT ctid FROM stat_pending LIMIT max_rows) RETURNING *)
  INSERT INTO stat_fold_batch
  SELECT day, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, sum(n), count(*)
  FROM moved GROUP BY 1, 2, 3, 4, 5, 6, 7;
  SELECT coalesce(sum(rows), 0) INTO folded FROM stat_fold_batch;
  IF folded = 0 THEN
    RETURN 0;
  END IF;
  -- The same per pair of partners, channel, day and type (no mission, widget or campaign): what the
  -- per-side tables need, several times fewer rows.
  IF to_regclass('pg_temp.stat_fold_pairs') IS NULL THEN
    CREATE TEMPORARY TABLE stat_fold_pairs (
      day date, f text COLLATE "C", t text COLLATE "C", s text COLLATE "C", ty text COLLATE "C", n bigint
    ) ON COMMIT DELETE ROWS;
  END IF;
  INSERT INTO stat_fold_pairs SELECT day, f, t, s, ty, sum(n) FROM stat_fold_batch GROUP BY 1, 2, 3, 4, 5;

  -- Upserts lock their rows in key order: two folds never wait on each other in a cycle.
  INSERT INTO stat_daily AS x (day, from_publisher_id, to_publisher_id, source, source_id, type, n)
  SELECT day, f, t, s, si, ty, sum(n) FROM stat_fold_batch GROUP BY f, day, t, s, si, ty ORDER BY f, day, t, s, si, ty
  ON CONFLICT (from_publisher_id, day, to_publisher_id, source, source_id, type) DO UPDATE SET n = x.n + EXCLUDED.n;

  INSERT INTO stat_monthly AS x (month, from_publisher_id, to_publisher_id, source, source_id, type, n)
  SELECT date_trunc('month', day)::date AS mo, f, t, s, si, ty, sum(n) FROM stat_fold_batch
  GROUP BY f, mo, t, s, si, ty ORDER BY f, mo, t, s, si, ty
  ON CONFLICT (from_publisher_id, month, to_publisher_id, source, source_id, type) DO UPDATE SET n = x.n + EXCLUDED.n;

  INSERT INTO stat_mission_daily AS x (day, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, n)
  SELECT day, f, t, s, si, m, ty, n FROM stat_fold_batch ORDER BY f, day, t, s, si, m, ty
  ON CONFLICT (from_publisher_id, day, to_publisher_id, source, source_id, mission_id, type) DO UPDATE SET n = x.n + EXCLUDED.n;

  INSERT INTO stat_mission_monthly AS x (month, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, n)
  SELECT date_trunc('month', day)::date AS mo, f, t, s, si, m, ty, sum(n) FROM stat_fold_batch
  GROUP BY f, mo, t, s, si, m, ty ORDER BY f, mo, t, s, si, m, ty
  ON CONFLICT (from_publisher_id, month, to_publisher_id, source, source_id, mission_id, type) DO UPDATE SET n = x.n + EXCLUDED.n;

  -- Both sides of every delta (a side without partner, such as an SEO click's diffuseur, is left out).
  INSERT INTO stat_by_channel AS x (publisher_id, side, grain, period, channel, impressions, clicks, accounts, applications)
  SELECT p, sd, g.g, stat_period(g.g, day) AS period, s,
         coalesce(sum(n) FILTER (WHERE ty = 'impression'), 0), coalesce(sum(n) FILTER (WHERE ty = 'click'), 0),
         coalesce(sum(n) FILTER (WHERE ty = 'account'), 0), coalesce(sum(n) FILTER (WHERE ty = 'apply'), 0)
  FROM (SELECT f AS p, 'd'::"char" AS sd, day, s, ty, sum(n) AS n FROM stat_fold_pairs WHERE f <> '' GROUP BY 1, 3, 4, 5
        UNION ALL SELECT t, 'a'::"char", day, s, ty, sum(n) FROM stat_fold_pairs WHERE t <> '' GROUP BY 1, 3, 4, 5) b
  CROSS JOIN stat_grains() g(g)
  GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (publisher_id, side, grain, period, channel) DO UPDATE SET
    impressions = x.impressions + EXCLUDED.impressions, clicks = x.clicks + EXCLUDED.clicks,
    accounts = x.accounts + EXCLUDED.accounts, applications = x.applications + EXCLUDED.applications;

  INSERT INTO stat_by_partner AS x (publisher_id, side, grain, period, other_id, impressions, clicks, accounts, applications)
  SELECT p, sd, g.g, stat_period(g.g, day) AS period, o,
         coalesce(sum(n) FILTER (WHERE ty = 'impression'), 0), coalesce(sum(n) FILTER (WHERE ty = 'click'), 0),
         coalesce(sum(n) FILTER (WHERE ty = 'account'), 0), coalesce(sum(n) FILTER (WHERE ty = 'apply'), 0)
  FROM (SELECT f AS p, 'd'::"char" AS sd, day, t AS o, ty, sum(n) AS n FROM stat_fold_pairs WHERE f <> '' GROUP BY 1, 3, 4, 5
        UNION ALL SELECT t, 'a'::"char", day, f, ty, sum(n) FROM stat_fold_pairs WHERE t <> '' GROUP BY 1, 3, 4, 5) b
  CROSS JOIN stat_grains() g(g)
  GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (publisher_id, side, grain, period, other_id) DO UPDATE SET
    impressions = x.impressions + EXCLUDED.impressions, clicks = x.clicks + EXCLUDED.clicks,
    accounts = x.accounts + EXCLUDED.accounts, applications = x.applications + EXCLUDED.applications;

  -- Reach: number the missions and partners reached for the first time, then set or clear their bits.
  IF to_regclass('pg_temp.stat_fold_reach') IS NULL THEN
    CREATE TEMPORARY TABLE stat_fold_reach (
      p text COLLATE "C", sd "char", kind "char", ty text COLLATE "C", item text COLLATE "C", g "char", period date, n bigint
    ) ON COMMIT DELETE ROWS;
  END IF;
  INSERT INTO stat_fold_reach
  SELECT p, sd, kind, ty, item, g.g, stat_period(g.g, day), sum(n)
  FROM (
    SELECT f AS p, 'd'::"char" AS sd, 'm'::"char" AS kind, ty, m AS item, day, sum(n) AS n FROM stat_fold_batch
    WHERE f <> '' AND m <> '' AND ty IN ('click', 'apply') GROUP BY f, ty, m, day
    UNION ALL SELECT t, 'a', 'm', ty, m, day, sum(n) FROM stat_fold_batch WHERE t <> '' AND m <> '' AND ty IN ('click', 'apply') GROUP BY t, ty, m, day
    UNION ALL SELECT f, 'd', 'p', '', t, day, sum(n) FROM stat_fold_pairs WHERE f <> '' AND t <> '' GROUP BY f, t, day
    UNION ALL SELECT t, 'a', 'p', '', f, day, sum(n) FROM stat_fold_pairs WHERE t <> '' AND f <> '' GROUP BY t, f, day
  ) b
  CROSS JOIN stat_grains() g(g)
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  HAVING sum(n) <> 0;

  INSERT INTO stat_reach_ordinal (publisher_id, side, kind, item_id, ordinal)
  SELECT k.p, k.sd, k.kind, k.item, coalesce(mx.ordinal, -1) + row_number() OVER (PARTITION BY k.p, k.sd, k.kind ORDER BY k.item)
  FROM (
    SELECT * FROM (SELECT DISTINCT p, sd, kind, item FROM stat_fold_reach WHERE n > 0) r
    WHERE NOT EXISTS (
      SELECT 1 FROM stat_reach_ordinal o WHERE o.publisher_id = r.p AND o.side = r.sd AND o.kind = r.kind AND o.item_id = r.item
    )
  ) k
  LEFT JOIN LATERAL (
    SELECT o.ordinal FROM stat_reach_ordinal o WHERE o.publisher_id = k.p AND o.side = k.sd AND o.kind = k.kind ORDER BY o.ordinal DESC LIMIT 1
  ) mx ON true;

  WITH change AS (
    -- A count that went up is positive; one that went down is read again (the tables above are folded).
    SELECT r.p, r.sd, r.kind, r.ty, r.g, r.period, o.ordinal,
           CASE WHEN r.n > 0 THEN true
                WHEN r.kind = 'm' THEN stat_mission_count(r.p, r.sd, r.ty, r.item, r.g, r.period) > 0
                ELSE coalesce((SELECT x.impressions + x.clicks + x.accounts + x.applications FROM stat_by_partner x
                               WHERE x.publisher_id = r.p AND x.side = r.sd AND x.grain = r.g AND x.period = r.period AND x.other_id = r.item), 0) > 0
           END AS present
    FROM stat_fold_reach r
    JOIN stat_reach_ordinal o ON o.publisher_id = r.p AND o.side = r.sd AND o.kind = r.kind AND o.item_id = r.item
  ),
  unit AS MATERIALIZED (
    SELECT p, sd, kind, ty, g, period,
           array_agg(ordinal) FILTER (WHERE present) AS sets, array_agg(ordinal) FILTER (WHERE NOT present) AS clears
    FROM change GROUP BY 1, 2, 3, 4, 5, 6
  ),
  updated AS (
    UPDATE stat_reach x SET items = stat_bits(x.items, u.sets, u.clears)
    FROM unit u
    WHERE x.publisher_id = u.p AND x.side = u.sd AND x.kind = u.kind AND x.type = u.ty AND x.grain = u.g AND x.period = u.period
  )
  INSERT INTO stat_reach (publisher_id, side, kind, type, grain, period, items)
  SELECT p, sd, kind, ty, g, period, stat_bits(B''::varbit, sets, NULL)
  FROM unit u
  WHERE u.sets IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM stat_reach x
    WHERE x.publisher_id = u.p AND x.side = u.sd AND x.kind = u.kind AND x.type = u.ty AND x.grain = u.g AND x.period = u.period
  );

  RETURN folded;
END
$fn$;

-- The quarters of the counts already folded: sums of their months.
INSERT INTO stat_by_channel (publisher_id, side, grain, period, channel, impressions, clicks, accounts, applications)
SELECT publisher_id, side, 'q', stat_period('q', period), channel, sum(impressions), sum(clicks), sum(accounts), sum(applications)
FROM stat_by_channel WHERE grain = 'm' GROUP BY 1, 2, 4, 5;

INSERT INTO stat_by_partner (publisher_id, side, grain, period, other_id, impressions, clicks, accounts, applications)
SELECT publisher_id, side, 'q', stat_period('q', period), other_id, sum(impressions), sum(clicks), sum(accounts), sum(applications)
FROM stat_by_partner WHERE grain = 'm' GROUP BY 1, 2, 4, 5;

ALTER TABLE stat_reach ALTER COLUMN items SET STORAGE MAIN;

-- An item reached in a quarter is one reached in one of its months (monthly counts are never negative):
-- the OR of the months' bitmaps, each padded to the longest.
INSERT INTO stat_reach (publisher_id, side, kind, type, grain, period, items)
SELECT publisher_id, side, kind, type, 'q', quarter, bit_or(items || repeat('0', longest - length(items))::varbit)
FROM (
  SELECT *, stat_period('q', period) AS quarter,
         max(length(items)) OVER (PARTITION BY publisher_id, side, kind, type, stat_period('q', period)) AS longest
  FROM stat_reach WHERE grain = 'm'
) x GROUP BY 1, 2, 3, 4, 6;
