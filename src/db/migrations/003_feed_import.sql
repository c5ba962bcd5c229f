-- Feed import: per-publisher feed settings, one history row per import run with the list of
-- problems found in the feed, and per-mission import state that lets an unchanged <mission> be
-- recognised without normalising it again.

-- How slash dates of the feed are read: 'dmy' (French, 01/02/2025 = 1 February) or 'mdy' (today's
-- service reading, kept for feeds that rely on it).
ALTER TABLE publisher
  ADD COLUMN feed_date_order text NOT NULL DEFAULT 'dmy' CHECK (feed_date_order IN ('dmy', 'mdy'));

-- One row per import run (dry runs write nothing). RUNNING doubles as a per-publisher lock: at most
-- one import of a publisher runs at a time, whatever the number of service instances.
CREATE TABLE feed_import (
  id                      uuid PRIMARY KEY,
  publisher_id            text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  status                  text NOT NULL CHECK (status IN ('RUNNING', 'SUCCESS', 'FAILED')),
  trigger                 text NOT NULL CHECK (trigger IN ('schedule', 'cli', 'api')),
  source                  text,                               -- URL fetched, or "fichier NAME"
  started_at              timestamptz NOT NULL DEFAULT now(),
  heartbeat_at            timestamptz NOT NULL DEFAULT now(),
  finished_at             timestamptz,
  not_modified            boolean NOT NULL DEFAULT false,     -- HTTP 304: nothing to do
  bytes                   bigint NOT NULL DEFAULT 0,
  received_count          integer NOT NULL DEFAULT 0,         -- <mission> elements read
  feed_mission_count      integer NOT NULL DEFAULT 0,         -- distinct clientIds among them
  created_count           integer NOT NULL DEFAULT 0,
  updated_count           integer NOT NULL DEFAULT 0,         -- restored missions included
  restored_count          integer NOT NULL DEFAULT 0,
  unchanged_count         integer NOT NULL DEFAULT 0,
  deleted_count           integer NOT NULL DEFAULT 0,
  refused_count           integer NOT NULL DEFAULT 0,         -- missions of this feed stored REFUSED
  skipped_count           integer NOT NULL DEFAULT 0,
  warning_count           integer NOT NULL DEFAULT 0,
  pending_deletion_count  integer NOT NULL DEFAULT 0,         -- deletions held by the drop guard
  mission_count           integer,                            -- after the run: live missions (accepted + refused)
  refused_stock_count     integer,                            -- after the run: live refused missions
  error_code              text,
  error                   text,                               -- French, for the annonceur
  warning                 text,                               -- French (deletions held, missions withdrawn…)
  etag                    text,
  last_modified           text
);
CREATE INDEX feed_import_publisher_idx ON feed_import (publisher_id, started_at DESC);
CREATE UNIQUE INDEX feed_import_running_uq ON feed_import (publisher_id) WHERE status = 'RUNNING';

CREATE TABLE feed_import_problem (
  import_id  uuid NOT NULL REFERENCES feed_import (id) ON DELETE CASCADE,
  position   integer NOT NULL,
  client_id  text,
  line       integer,
  field      text,
  outcome    text NOT NULL CHECK (outcome IN ('refused', 'skipped', 'warning')),
  message    text NOT NULL,
  PRIMARY KEY (import_id, position)
);

-- What the last import read for a mission: a fingerprint of its <mission> element (and of the
-- settings it was read with) and the problems found then. While the fingerprint and the mission's
-- updated_at are the same, the mission is unchanged: no normalisation, no write.
CREATE TABLE mission_feed_state (
  mission_id          text PRIMARY KEY REFERENCES mission (id) ON DELETE CASCADE,
  content_hash        text NOT NULL,
  problems            jsonb NOT NULL DEFAULT '[]',
  mission_updated_at  timestamptz NOT NULL
);
