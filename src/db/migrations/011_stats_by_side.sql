-- Statistics read per partner side: a dashboard reads a few hundred narrow rows, whatever the range.
--
-- The tables of 010_stats.sql are keyed by both partners, channel and widget/campaign: a large
-- partner's year is hundreds of thousands of their rows. The dashboard's questions need one side only:
--   stat_by_channel   per partner and side, period, channel          totals, series, by channel
--   stat_by_partner   per partner and side, period, other partner    split by partner, top partners
--   stat_reach        per partner and side, period: the set of missions with a positive count of
--                     clicks, of applications, and the set of partners on the other side with a
--                     positive count (bitmaps over stat_reach_ordinal's numbering of the partner's
--                     missions and partners)
-- side 'd' = the partner is the diffuseur (events it sent), 'a' = the annonceur (events it received).
-- Each at three grains: 'd' day, 'w' ISO week (Monday), 'm' month (first day). A range is read as the
-- whole months inside it, then the whole weeks inside what is left, then days: a year is ~20
-- periods. The four event types are columns: one row per group.
-- Missions (or partners) reached over a range = bits set in the OR of its periods' bitmaps: exact,
-- and as cheap for 50,000 missions as for 5.
-- The counts are in the primary key's index too: a query reads the index alone (index-only scan), in
-- key order, instead of one heap page per row (rows of a period are written over the whole period).
--
-- stat_fold() (replaced here) folds the pending deltas into all the tables. The counts of stat_reach
-- are not kept: a bit is set when a count of the period goes up, and read again when it goes down (a
-- bot flagged later) from stat_mission_daily / stat_mission_monthly, or stat_by_partner.

CREATE TABLE stat_by_channel (
  publisher_id  text COLLATE "C" NOT NULL,
  side          "char" NOT NULL,
  grain         "char" NOT NULL,
  period        date NOT NULL,
  channel       text COLLATE "C" NOT NULL,
  impressions   bigint NOT NULL DEFAULT 0,
  clicks        bigint NOT NULL DEFAULT 0,
  accounts      bigint NOT NULL DEFAULT 0,
  applications  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (publisher_id, side, grain, period, channel) INCLUDE (impressions, clicks, accounts, applications)
);

CREATE TABLE stat_by_partner (
  publisher_id  text COLLATE "C" NOT NULL,
  side          "char" NOT NULL,
  grain         "char" NOT NULL,
  period        date NOT NULL,
  other_id      text COLLATE "C" NOT NULL,
  impressions   bigint NOT NULL DEFAULT 0,
  clicks        bigint NOT NULL DEFAULT 0,
  accounts      bigint NOT NULL DEFAULT 0,
  applications  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (publisher_id, side, grain, period, other_id) INCLUDE (impressions, clicks, accounts, applications)
);

-- The partner's missions (kind 'm') and partners on the other side (kind 'p') numbered from 0 in the
-- order they were first reached, per side.
CREATE TABLE stat_reach_ordinal (
  publisher_id  text COLLATE "C" NOT NULL,
  side          "char" NOT NULL,
  kind          "char" NOT NULL,
  item_id       text COLLATE "C" NOT NULL,
  ordinal       integer NOT NULL,
  PRIMARY KEY (publisher_id, side, kind, item_id),
  UNIQUE (publisher_id, side, kind, ordinal)
);

-- Bit i (from the left) set: the item of ordinal i has a positive count in the period, of `type`
-- (click or apply) for missions, of any type ('') for partners.
CREATE TABLE stat_reach (
  publisher_id  text COLLATE "C" NOT NULL,
  side          "char" NOT NULL,
  kind          "char" NOT NULL,
  type          text COLLATE "C" NOT NULL,
  grain         "char" NOT NULL,
  period        date NOT NULL,
  items         varbit NOT NULL,
  PRIMARY KEY (publisher_id, side, kind, type, grain, period)
);
-- A large partner's bitmap is kilobytes: stored out of line but not compressed, so that reading it
-- (every dashboard) and rewriting it (every fold) costs no (de)compression.
ALTER TABLE stat_reach ALTER COLUMN items SET STORAGE EXTERNAL;

-- `bits` with the ordinals of `sets` set and those of `clears` cleared (lengthened as needed).
CREATE FUNCTION stat_bits(bits varbit, sets integer[], clears integer[]) RETURNS varbit LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  result varbit := bits;
  need integer;
  i integer;
BEGIN
  IF sets IS NOT NULL AND cardinality(sets) > 0 THEN
    need := (SELECT max(x) FROM unnest(sets) x) + 1;
    IF need > length(result) THEN
      result := result || repeat('0', need - length(result))::varbit;
    END IF;
    FOREACH i IN ARRAY sets LOOP
      IF get_bit(result, i) = 0 THEN result := set_bit(result, i, 1); END IF;
    END LOOP;
  END IF;
  IF clears IS NOT NULL THEN
    FOREACH i IN ARRAY clears LOOP
      IF i < length(result) AND get_bit(result, i) = 1 THEN result := set_bit(result, i, 0); END IF;
    END LOOP;
  END IF;
  RETURN result;
END
$fn$;

-- The count of one mission's events of `type` for one side of a partner over a period of the grain.
CREATE FUNCTION stat_mission_count(p text, sd "char", ty text, m text, g "char", period date) RETURNS bigint LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  last_day date := CASE g WHEN 'w' THEN period + 6 ELSE period END;
  total bigint;
BEGIN
  IF g = 'm' AND sd = 'd' THEN
    SELECT sum(n) INTO total FROM stat_mission_monthly WHERE from_publisher_id = p AND month = period AND mission_id = m AND type = ty;
  ELSIF g = 'm' THEN
    SELECT sum(n) INTO total FROM stat_mission_monthly WHERE to_publisher_id = p AND month = period AND mission_id = m AND type = ty;
  ELSIF sd = 'd' THEN
    SELECT sum(n) INTO total FROM stat_mission_daily WHERE from_publisher_id = p AND day BETWEEN period AND last_day AND mission_id = m AND type = ty;
  ELSE
    SELECT sum(n) INTO total FROM stat_mission_daily WHERE to_publisher_id = p AND day BETWEEN period AND last_day AND mission_id = m AND type = ty;
  END IF;
  RETURN coalesce(total, 0);
END
$fn$;

-- The period of the grain that holds `day`.
CREATE FUNCTION stat_period(g "char", day date) RETURNS date LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE g WHEN 'd' THEN day WHEN 'w' THEN date_trunc('week', day)::date ELSE date_trunc('month', day)::date END
$fn$;

-- Now in slices of at most `max_rows` pending rows, so that a backlog (a bulk load, the database back
-- after an outage) drains in short transactions: the caller folds again while a slice is full.
DROP FUNCTION stat_fold();
CREATE FUNCTION stat_fold(max_rows integer DEFAULT 100000) RETURNS bigint LANGUAGE plpgsql AS $fn$
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
  CROSS JOIN (VALUES ('d'::"char"), ('w'::"char"), ('m'::"char")) g(g)
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
  CROSS JOIN (VALUES ('d'::"char"), ('w'::"char"), ('m'::"char")) g(g)
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
  CROSS JOIN (VALUES ('d'::"char"), ('w'::"char"), ('m'::"char")) g(g)
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

CREATE OR REPLACE FUNCTION tracking_event_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  TRUNCATE stat_daily, stat_monthly, stat_mission_daily, stat_mission_monthly, stat_pending,
           stat_by_channel, stat_by_partner, stat_reach, stat_reach_ordinal;
  RETURN NULL;
END
$fn$;

-- Counts already folded (none before this version in production; kept for any database that has some).
INSERT INTO stat_by_channel (publisher_id, side, grain, period, channel, impressions, clicks, accounts, applications)
SELECT p, sd, g, period, s,
       coalesce(sum(n) FILTER (WHERE type = 'impression'), 0), coalesce(sum(n) FILTER (WHERE type = 'click'), 0),
       coalesce(sum(n) FILTER (WHERE type = 'account'), 0), coalesce(sum(n) FILTER (WHERE type = 'apply'), 0)
FROM (
  SELECT from_publisher_id AS p, 'd'::"char" AS sd, g.g, stat_period(g.g, day) AS period, source AS s, type, n
  FROM stat_daily CROSS JOIN (VALUES ('d'::"char"), ('w'::"char")) g(g) WHERE from_publisher_id <> ''
  UNION ALL
  SELECT to_publisher_id, 'a', g.g, stat_period(g.g, day), source, type, n
  FROM stat_daily CROSS JOIN (VALUES ('d'::"char"), ('w'::"char")) g(g) WHERE to_publisher_id <> ''
  UNION ALL SELECT from_publisher_id, 'd', 'm', month, source, type, n FROM stat_monthly WHERE from_publisher_id <> ''
  UNION ALL SELECT to_publisher_id, 'a', 'm', month, source, type, n FROM stat_monthly WHERE to_publisher_id <> ''
) x GROUP BY 1, 2, 3, 4, 5;

INSERT INTO stat_by_partner (publisher_id, side, grain, period, other_id, impressions, clicks, accounts, applications)
SELECT p, sd, g, period, o,
       coalesce(sum(n) FILTER (WHERE type = 'impression'), 0), coalesce(sum(n) FILTER (WHERE type = 'click'), 0),
       coalesce(sum(n) FILTER (WHERE type = 'account'), 0), coalesce(sum(n) FILTER (WHERE type = 'apply'), 0)
FROM (
  SELECT from_publisher_id AS p, 'd'::"char" AS sd, g.g, stat_period(g.g, day) AS period, to_publisher_id AS o, type, n
  FROM stat_daily CROSS JOIN (VALUES ('d'::"char"), ('w'::"char")) g(g) WHERE from_publisher_id <> ''
  UNION ALL
  SELECT to_publisher_id, 'a', g.g, stat_period(g.g, day), from_publisher_id, type, n
  FROM stat_daily CROSS JOIN (VALUES ('d'::"char"), ('w'::"char")) g(g) WHERE to_publisher_id <> ''
  UNION ALL SELECT from_publisher_id, 'd', 'm', month, to_publisher_id, type, n FROM stat_monthly WHERE from_publisher_id <> ''
  UNION ALL SELECT to_publisher_id, 'a', 'm', month, from_publisher_id, type, n FROM stat_monthly WHERE to_publisher_id <> ''
) x GROUP BY 1, 2, 3, 4, 5;

CREATE TEMPORARY TABLE reach_backfill ON COMMIT DROP AS
SELECT p, sd, 'm'::"char" AS kind, type, g, period, m AS item FROM (
  SELECT from_publisher_id AS p, 'd'::"char" AS sd, type, g.g, stat_period(g.g, day) AS period, mission_id AS m, n
  FROM stat_mission_daily CROSS JOIN (VALUES ('d'::"char"), ('w'::"char")) g(g)
  WHERE from_publisher_id <> '' AND mission_id <> '' AND type IN ('click', 'apply')
  UNION ALL
  SELECT to_publisher_id, 'a', type, g.g, stat_period(g.g, day), mission_id, n
  FROM stat_mission_daily CROSS JOIN (VALUES ('d'::"char"), ('w'::"char")) g(g)
  WHERE to_publisher_id <> '' AND mission_id <> '' AND type IN ('click', 'apply')
  UNION ALL
  SELECT from_publisher_id, 'd', type, 'm', month, mission_id, n FROM stat_mission_monthly
  WHERE from_publisher_id <> '' AND mission_id <> '' AND type IN ('click', 'apply')
  UNION ALL
  SELECT to_publisher_id, 'a', type, 'm', month, mission_id, n FROM stat_mission_monthly
  WHERE to_publisher_id <> '' AND mission_id <> '' AND type IN ('click', 'apply')
) x GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) > 0
UNION ALL
SELECT publisher_id, side, 'p', '', grain, period, other_id FROM stat_by_partner
WHERE other_id <> '' AND impressions + clicks + accounts + applications > 0;

INSERT INTO stat_reach_ordinal (publisher_id, side, kind, item_id, ordinal)
SELECT p, sd, kind, item, (row_number() OVER (PARTITION BY p, sd, kind ORDER BY item) - 1)::integer
FROM (SELECT DISTINCT p, sd, kind, item FROM reach_backfill WHERE g = 'm') x;

-- A bitmap written from its sorted ordinals: zeros for each gap, then a one.
INSERT INTO stat_reach (publisher_id, side, kind, type, grain, period, items)
SELECT p, sd, kind, type, g, period, string_agg(repeat('0', ordinal - previous - 1) || '1', '' ORDER BY ordinal)::varbit
FROM (
  SELECT b.p, b.sd, b.kind, b.type, b.g, b.period, o.ordinal,
         lag(o.ordinal, 1, -1) OVER (PARTITION BY b.p, b.sd, b.kind, b.type, b.g, b.period ORDER BY o.ordinal) AS previous
  FROM reach_backfill b JOIN stat_reach_ordinal o ON o.publisher_id = b.p AND o.side = b.sd AND o.kind = b.kind AND o.item_id = b.item
) x GROUP BY 1, 2, 3, 4, 5, 6;
