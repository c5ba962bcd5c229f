-- Tracking: every click, impression, account creation and application, attributed to the diffuseur
-- that produced it (from_publisher_id) and the annonceur that received it (to_publisher_id).
-- Raw IP addresses are never stored: `fingerprint` is a keyed hash of IP, user agent and referer.

-- Secrets the service generates for itself on first start (signing tracking tokens, keying
-- fingerprints), shared by every instance through the database, never in the repository.
CREATE TABLE service_secret (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tracking_event (
  id                 uuid PRIMARY KEY,                 -- UUIDv7: a click's id is its apiengagement_id
  type               text NOT NULL CHECK (type IN ('click', 'impression', 'account', 'apply')),
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  -- Where it comes from: api (/r/:mission/:publisher), widget, campaign, seo, jstag, or an
  -- annonceur's server (/v2/activity).
  source             text NOT NULL CHECK (source IN ('api', 'widget', 'campaign', 'seo', 'jstag', 'server')),
  source_id          text,                             -- widget or campaign id
  from_publisher_id  text,                             -- the diffuseur (no foreign key: events outlive partners)
  to_publisher_id    text,                             -- the annonceur
  mission_id         uuid,
  mission_client_id  text,
  click_id           uuid,                             -- for conversions: the click they follow
  client_event_id    text,
  request_id         text,
  fingerprint        text,
  referer            text,                             -- without its query string
  user_agent         text,
  host               text,
  origin             text,
  tags               text[] NOT NULL DEFAULT '{}',
  custom_attributes  jsonb,
  is_bot             boolean NOT NULL DEFAULT false,
  is_human           boolean NOT NULL DEFAULT false,
  -- A conversion on a click older than the annonceur's attribution window is kept, not attributed.
  attributed         boolean NOT NULL DEFAULT true,
  status             text CHECK (status IN ('PENDING', 'VALIDATED', 'CANCELED', 'REFUSED', 'CARRIED_OUT'))
);
CREATE INDEX tracking_event_created_idx ON tracking_event (created_at);
CREATE INDEX tracking_event_click_idx ON tracking_event (click_id, type) WHERE click_id IS NOT NULL;
CREATE INDEX tracking_event_fingerprint_idx ON tracking_event (fingerprint, created_at);
CREATE UNIQUE INDEX tracking_event_client_event_idx ON tracking_event (to_publisher_id, type, client_event_id)
  WHERE client_event_id IS NOT NULL;

-- Fingerprints blocked by an administrator: their past and future events are bots.
CREATE TABLE bot_fingerprint (
  fingerprint  text PRIMARY KEY,
  blocked_at   timestamptz NOT NULL DEFAULT now(),
  reason       text
);

-- Per annonceur: how long after a click a conversion is still attributed to it.
ALTER TABLE publisher ADD COLUMN attribution_window_days integer NOT NULL DEFAULT 30
  CHECK (attribution_window_days BETWEEN 1 AND 365);
