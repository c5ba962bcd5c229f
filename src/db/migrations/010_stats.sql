-- Statistics: counts of tracking events kept up to date by the database itself, so that a partner's
-- dashboard reads a few hundred rows instead of scanning its events, and an event is in the figures
-- as soon as its batch is written.
--
-- Counted events: not bots (is_bot false) and attributed (a conversion after the annonceur's
-- attribution window is recorded, not credited). Days and months are those of Europe/Paris.
-- Absent ids (an SEO click has no diffuseur) are '' in the keys.
--
-- Four tables, the same counts at two granularities in time and two in detail:
--   stat_daily / stat_monthly                  per diffuseur, annonceur, channel, widget or campaign, type
--   stat_mission_daily / stat_mission_monthly  the same per mission too (missions reached, domains,
--                                              departments — read from the mission when queried)
-- A query takes whole months from the monthly tables and the days at the edges from the daily ones.
--
-- Statement-level triggers on tracking_event turn every change into one aggregated delta — the batch
-- insert of the tracking writer, a bot flag set or lifted later (its events leave or re-enter the
-- figures), a deletion, a truncation — appended to stat_pending in the same transaction. Every
-- second `stat_fold()` moves the pending deltas into the four tables in one statement (a few
-- hundred upserts per second instead of per batch). Queries read the tables and stat_pending
-- together, in one statement: the figures are exact at any moment. `engagement stats verify`
-- recomputes them from the events. A count may come back to 0 (bot flagged later): such rows stay,
-- queries sum.
-- The counts of the day are updated with every batch: pages are half filled so that an update stays
-- in its page without touching the indexes (HOT), and keys compare byte-wise (COLLATE "C").

CREATE TABLE stat_daily (
  day                date NOT NULL,
  from_publisher_id  text COLLATE "C" NOT NULL,
  to_publisher_id    text COLLATE "C" NOT NULL,
  source             text COLLATE "C" NOT NULL,
  source_id          text COLLATE "C" NOT NULL,
  type               text COLLATE "C" NOT NULL,
  n                  bigint NOT NULL,
  PRIMARY KEY (from_publisher_id, day, to_publisher_id, source, source_id, type)
) WITH (fillfactor = 50);
CREATE INDEX stat_daily_to_idx ON stat_daily (to_publisher_id, day);

CREATE TABLE stat_monthly (
  month              date NOT NULL,                    -- first day of the month
  from_publisher_id  text COLLATE "C" NOT NULL,
  to_publisher_id    text COLLATE "C" NOT NULL,
  source             text COLLATE "C" NOT NULL,
  source_id          text COLLATE "C" NOT NULL,
  type               text COLLATE "C" NOT NULL,
  n                  bigint NOT NULL,
  PRIMARY KEY (from_publisher_id, month, to_publisher_id, source, source_id, type)
) WITH (fillfactor = 50);
CREATE INDEX stat_monthly_to_idx ON stat_monthly (to_publisher_id, month);
CREATE INDEX stat_monthly_month_idx ON stat_monthly (month);

CREATE TABLE stat_mission_daily (
  day                date NOT NULL,
  from_publisher_id  text COLLATE "C" NOT NULL,
  to_publisher_id    text COLLATE "C" NOT NULL,
  source             text COLLATE "C" NOT NULL,
  source_id          text COLLATE "C" NOT NULL,
  mission_id         text COLLATE "C" NOT NULL,
  type               text COLLATE "C" NOT NULL,
  n                  bigint NOT NULL,
  PRIMARY KEY (from_publisher_id, day, to_publisher_id, source, source_id, mission_id, type)
) WITH (fillfactor = 50);
CREATE INDEX stat_mission_daily_to_idx ON stat_mission_daily (to_publisher_id, day);

CREATE TABLE stat_mission_monthly (
  month              date NOT NULL,
  from_publisher_id  text COLLATE "C" NOT NULL,
  to_publisher_id    text COLLATE "C" NOT NULL,
  source             text COLLATE "C" NOT NULL,
  source_id          text COLLATE "C" NOT NULL,
  mission_id         text COLLATE "C" NOT NULL,
  type               text COLLATE "C" NOT NULL,
  n                  bigint NOT NULL,
  PRIMARY KEY (from_publisher_id, month, to_publisher_id, source, source_id, mission_id, type)
) WITH (fillfactor = 50);
CREATE INDEX stat_mission_monthly_to_idx ON stat_mission_monthly (to_publisher_id, month);
-- A mission's counts per diffuseur (/v0/mymission/:clientId/stats) come from here now, not from its
-- events: an index written once per mission and month instead of once per event.
CREATE INDEX stat_mission_monthly_mission_idx ON stat_mission_monthly (mission_id);
DROP INDEX tracking_event_mission_idx;
-- Time ranges of events (bot watch, warnings, verification) read consecutive blocks, since events
-- arrive in time order: a BRIN index serves them and costs nearly nothing per event, unlike a B-tree
-- (the redirect's batch insert pays for every index of tracking_event).
DROP INDEX tracking_event_created_idx;
CREATE INDEX tracking_event_created_idx ON tracking_event USING brin (created_at);

-- Deltas not folded yet: appended by the triggers (no index: an append costs no lookup), emptied by
-- stat_fold(). Counts per mission and Paris day, like stat_mission_daily.
CREATE TABLE stat_pending (
  day                date NOT NULL,
  from_publisher_id  text COLLATE "C" NOT NULL,
  to_publisher_id    text COLLATE "C" NOT NULL,
  source             text COLLATE "C" NOT NULL,
  source_id          text COLLATE "C" NOT NULL,
  mission_id         text COLLATE "C" NOT NULL,
  type               text COLLATE "C" NOT NULL,
  n                  bigint NOT NULL
);
-- Every row is deleted within a second or so: vacuumed after a fixed number of dead rows, not a share
-- of a table that is nearly always empty (a bulk write left it 1.5 GB of dead rows otherwise).
ALTER TABLE stat_pending SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 50000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 50000);

-- Appends `delta` (a query of rows (created_at, from_publisher_id, to_publisher_id, source,
-- source_id, mission_id, type, d), d = +1 or -1) to stat_pending, summed per key. Run inside the
-- trigger function: the transition tables the delta reads are visible there only.
CREATE FUNCTION stat_delta_sql(delta text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  SELECT format($q$
    INSERT INTO stat_pending (day, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, n)
    SELECT (created_at AT TIME ZONE 'Europe/Paris')::date, coalesce(from_publisher_id, ''), coalesce(to_publisher_id, ''),
           source, coalesce(source_id, ''), coalesce(mission_id::text, ''), type, sum(d)
    FROM (%s) x GROUP BY 1, 2, 3, 4, 5, 6, 7
  $q$, delta)
$fn$;

-- Moves the pending deltas into the four tables, atomically (rows appended meanwhile wait for the
-- next fold); returns how many pending rows it folded. Upserts lock their rows in key order, so
-- that two folds never wait on each other in a cycle; a fold already running makes another return 0.
CREATE FUNCTION stat_fold() RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('stat_fold')) THEN
    RETURN 0;
  END IF;
  WITH moved AS (
    DELETE FROM stat_pending RETURNING *
  ),
  by_mission_day AS MATERIALIZED (
    SELECT day, from_publisher_id AS f, to_publisher_id AS t, source AS s, source_id AS si, mission_id AS m, type AS ty,
           sum(n) AS n, count(*) AS rows
    FROM moved GROUP BY 1, 2, 3, 4, 5, 6, 7
  ),
  daily AS (
    INSERT INTO stat_daily AS x (day, from_publisher_id, to_publisher_id, source, source_id, type, n)
    SELECT day, f, t, s, si, ty, sum(n) FROM by_mission_day GROUP BY f, day, t, s, si, ty ORDER BY f, day, t, s, si, ty
    ON CONFLICT (from_publisher_id, day, to_publisher_id, source, source_id, type) DO UPDATE SET n = x.n + EXCLUDED.n
  ),
  monthly AS (
    INSERT INTO stat_monthly AS x (month, from_publisher_id, to_publisher_id, source, source_id, type, n)
    SELECT date_trunc('month', day)::date AS mo, f, t, s, si, ty, sum(n) FROM by_mission_day
    GROUP BY f, mo, t, s, si, ty ORDER BY f, mo, t, s, si, ty
    ON CONFLICT (from_publisher_id, month, to_publisher_id, source, source_id, type) DO UPDATE SET n = x.n + EXCLUDED.n
  ),
  mission_daily AS (
    INSERT INTO stat_mission_daily AS x (day, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, n)
    SELECT day, f, t, s, si, m, ty, n FROM by_mission_day ORDER BY f, day, t, s, si, m, ty
    ON CONFLICT (from_publisher_id, day, to_publisher_id, source, source_id, mission_id, type) DO UPDATE SET n = x.n + EXCLUDED.n
  ),
  mission_monthly AS (
    INSERT INTO stat_mission_monthly AS x (month, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, n)
    SELECT date_trunc('month', day)::date AS mo, f, t, s, si, m, ty, sum(n) FROM by_mission_day
    GROUP BY f, mo, t, s, si, m, ty ORDER BY f, mo, t, s, si, m, ty
    ON CONFLICT (from_publisher_id, month, to_publisher_id, source, source_id, mission_id, type) DO UPDATE SET n = x.n + EXCLUDED.n
  )
  SELECT coalesce(sum(rows), 0) INTO folded FROM by_mission_day;
  RETURN folded;
END
$fn$;

CREATE FUNCTION tracking_event_stats() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  cols constant text := 'created_at, from_publisher_id, to_publisher_id, source, source_id, mission_id, type';
  counted constant text := 'NOT is_bot AND attributed';
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE stat_delta_sql(format('SELECT %s, 1 AS d FROM new_rows WHERE %s', cols, counted));
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE stat_delta_sql(format('SELECT %s, -1 AS d FROM old_rows WHERE %s', cols, counted));
  ELSIF TG_OP = 'UPDATE' THEN
    -- Only the rows whose counted state or keys changed (confirm-human, a status… change nothing).
    EXECUTE stat_delta_sql(format($q$
      SELECT o.created_at, o.from_publisher_id, o.to_publisher_id, o.source, o.source_id, o.mission_id, o.type, -1 AS d
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (NOT o.is_bot AND o.attributed) AND %1$s
      UNION ALL
      SELECT n.created_at, n.from_publisher_id, n.to_publisher_id, n.source, n.source_id, n.mission_id, n.type, 1 AS d
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (NOT n.is_bot AND n.attributed) AND %1$s
    $q$, '(o.is_bot, o.attributed, o.created_at, o.from_publisher_id, o.to_publisher_id, o.source, o.source_id, o.mission_id, o.type)
          IS DISTINCT FROM
          (n.is_bot, n.attributed, n.created_at, n.from_publisher_id, n.to_publisher_id, n.source, n.source_id, n.mission_id, n.type)'));
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER tracking_event_stats_insert AFTER INSERT ON tracking_event
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracking_event_stats();
CREATE TRIGGER tracking_event_stats_update AFTER UPDATE ON tracking_event
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracking_event_stats();
CREATE TRIGGER tracking_event_stats_delete AFTER DELETE ON tracking_event
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tracking_event_stats();

CREATE FUNCTION tracking_event_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  TRUNCATE stat_daily, stat_monthly, stat_mission_daily, stat_mission_monthly, stat_pending;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER tracking_event_stats_truncate AFTER TRUNCATE ON tracking_event
  FOR EACH STATEMENT EXECUTE FUNCTION tracking_event_stats_truncate();

-- Events already there (none before this version in production; kept for any database that has some).
INSERT INTO stat_mission_daily (day, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, n)
SELECT (created_at AT TIME ZONE 'Europe/Paris')::date, coalesce(from_publisher_id, ''), coalesce(to_publisher_id, ''),
       source, coalesce(source_id, ''), coalesce(mission_id::text, ''), type, count(*)
FROM tracking_event WHERE NOT is_bot AND attributed GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO stat_mission_monthly (month, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, n)
SELECT date_trunc('month', day)::date, from_publisher_id, to_publisher_id, source, source_id, mission_id, type, sum(n)
FROM stat_mission_daily GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO stat_daily (day, from_publisher_id, to_publisher_id, source, source_id, type, n)
SELECT day, from_publisher_id, to_publisher_id, source, source_id, type, sum(n) FROM stat_mission_daily GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO stat_monthly (month, from_publisher_id, to_publisher_id, source, source_id, type, n)
SELECT month, from_publisher_id, to_publisher_id, source, source_id, type, sum(n) FROM stat_mission_monthly GROUP BY 1, 2, 3, 4, 5, 6;
