-- Foundation: publishers and their API keys, organisations, missions with addresses, diffusion rules,
-- per-moderator moderation status, mission event history. Soft delete everywhere (deleted_at).

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

-- A partner: annonceur (publishes missions) and/or diffuseur (redistributes them).
CREATE TABLE publisher (
  id                    text PRIMARY KEY,                 -- 24 hex characters, as today's ids
  name                  text NOT NULL,
  category              text,
  url                   text,
  email                 text,
  logo                  text,
  description           text NOT NULL DEFAULT '',
  is_annonceur          boolean NOT NULL DEFAULT false,
  has_api_rights        boolean NOT NULL DEFAULT false,
  has_widget_rights     boolean NOT NULL DEFAULT false,
  has_campaign_rights   boolean NOT NULL DEFAULT false,
  moderator             boolean NOT NULL DEFAULT false,
  mission_type          text CHECK (mission_type IN ('benevolat', 'volontariat_service_civique',
                          'volontariat_sapeurs_pompiers', 'volontariat_reserve_operationnelle')),
  -- Settings replacing today's hard-coded partner ids.
  tracking_prefix       text NOT NULL DEFAULT 'utm' CHECK (tracking_prefix IN ('utm', 'mtm')),
  skip_moderation       boolean NOT NULL DEFAULT false,
  default_mission_logo  text,
  feed_url              text,
  feed_username         text,
  feed_password         text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  deleted_at            timestamptz
);
CREATE INDEX publisher_name_idx ON publisher (name) WHERE deleted_at IS NULL;

-- API keys are stored hashed (SHA-256 of a high-entropy random key); several per publisher, revocable.
CREATE TABLE api_key (
  id            uuid PRIMARY KEY,
  publisher_id  text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  key_hash      text NOT NULL UNIQUE,
  key_prefix    text NOT NULL,                  -- first characters, to recognise a key without revealing it
  name          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_key_publisher_idx ON api_key (publisher_id);

-- The host organisation of a mission, as declared by one annonceur.
CREATE TABLE publisher_organization (
  id                    uuid PRIMARY KEY,
  publisher_id          text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  client_id             text NOT NULL,
  name                  text,
  rna                   text,
  siren                 text,
  siret                 text,
  url                   text,
  logo                  text,
  description           text,
  legal_status          text,
  type                  text,
  actions               text[] NOT NULL DEFAULT '{}',
  full_address          text,
  postal_code           text,
  city                  text,
  beneficiaries         text[] NOT NULL DEFAULT '{}',
  parent_organizations  text[] NOT NULL DEFAULT '{}',
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  deleted_at            timestamptz,
  UNIQUE (publisher_id, client_id)
);
CREATE INDEX publisher_organization_parents_idx ON publisher_organization USING gin (parent_organizations);
CREATE INDEX publisher_organization_rna_idx ON publisher_organization (rna);

CREATE TABLE mission (
  id                          text PRIMARY KEY,          -- UUID for new missions (24-hex for legacy ones)
  client_id                   text NOT NULL,
  publisher_id                text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  organization_id             uuid REFERENCES publisher_organization (id) ON DELETE SET NULL,
  title                       text NOT NULL DEFAULT '',
  description                 text NOT NULL DEFAULT '',  -- plain text
  description_html            text NOT NULL DEFAULT '',  -- sanitized HTML
  application_url             text,
  image                       text,                      -- "domainLogo" in v0
  metadata                    text,
  domain                      text,
  domain_original             text,
  activities                  text[] NOT NULL DEFAULT '{}',  -- labels
  tags                        text[] NOT NULL DEFAULT '{}',
  tasks                       text[] NOT NULL DEFAULT '{}',
  audience                    text[] NOT NULL DEFAULT '{}',
  soft_skills                 text[] NOT NULL DEFAULT '{}',
  requirements                text[] NOT NULL DEFAULT '{}',
  rome_skills                 text[] NOT NULL DEFAULT '{}',
  remote                      text,                      -- no, possible, full, local (others: REFUSED)
  schedule                    text,
  duration                    integer,
  posted_at                   timestamptz,
  start_at                    timestamptz,
  end_at                      timestamptz,
  priority                    text,
  places                      integer,
  places_status               text CHECK (places_status IN ('ATTRIBUTED_BY_API', 'GIVEN_BY_PARTNER')),
  type                        text CHECK (type IN ('benevolat', 'volontariat_service_civique',
                                'volontariat_sapeurs_pompiers', 'volontariat_reserve_operationnelle')),
  snu                         boolean NOT NULL DEFAULT false,
  snu_places                  integer,
  open_to_minors              boolean,
  reduced_mobility_accessible boolean,
  close_to_transport          boolean,
  compensation_amount         numeric,
  compensation_amount_max     numeric,
  compensation_unit           text,                      -- hour, day, month, year (others: REFUSED)
  compensation_type           text,                      -- gross, net (others: REFUSED)
  status_code                 text NOT NULL CHECK (status_code IN ('ACCEPTED', 'REFUSED')),
  status_comment              text NOT NULL DEFAULT '',
  last_sync_at                timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  deleted_at                  timestamptz,
  UNIQUE (publisher_id, client_id)
);
CREATE INDEX mission_publisher_live_idx ON mission (publisher_id, start_at DESC NULLS FIRST, id)
  WHERE deleted_at IS NULL AND status_code = 'ACCEPTED';
CREATE INDEX mission_live_start_idx ON mission (start_at DESC NULLS FIRST, id)
  WHERE deleted_at IS NULL AND status_code = 'ACCEPTED';
CREATE INDEX mission_organization_idx ON mission (organization_id);
CREATE INDEX mission_updated_idx ON mission (updated_at);

CREATE TABLE mission_address (
  id               uuid PRIMARY KEY,
  mission_id       text NOT NULL REFERENCES mission (id) ON DELETE CASCADE,
  position         integer NOT NULL,               -- 0 = the "first" address of the legacy flat fields
  address_hash     text NOT NULL,
  street           text,
  postal_code      text,
  department_code  text,
  department_name  text,
  city             text,
  region           text,
  country          text,
  location_lat     double precision,
  location_lon     double precision,
  geoloc_status    text NOT NULL,
  UNIQUE (mission_id, address_hash)
);
CREATE INDEX mission_address_mission_idx ON mission_address (mission_id, position);

-- Diffusion rule tree, owned by the diffuseur (publisher_id). A root (combined_with_id NULL,
-- field 'publisherId', operator 'is', value = annonceur id) means "the diffuseur may show that
-- annonceur's missions"; children are exclusions or restrictions, ANDed with their root.
CREATE TABLE diffusion_rule (
  id                uuid PRIMARY KEY,
  publisher_id      text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  combined_with_id  uuid REFERENCES diffusion_rule (id) ON DELETE CASCADE,
  field             text NOT NULL,
  field_type        text NOT NULL DEFAULT 'string',
  operator          text NOT NULL,
  value             text NOT NULL,
  combinator        text NOT NULL DEFAULT 'and' CHECK (combinator IN ('and', 'or')),
  position          integer NOT NULL DEFAULT 0,
  created_by        text,                            -- publisher that set the rule (annonceur) or 'admin'
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  deleted_at        timestamptz
);
CREATE UNIQUE INDEX diffusion_rule_root_uq ON diffusion_rule (publisher_id, field, value)
  WHERE combined_with_id IS NULL AND deleted_at IS NULL;
CREATE UNIQUE INDEX diffusion_rule_child_uq ON diffusion_rule (combined_with_id, field, value)
  WHERE combined_with_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX diffusion_rule_value_idx ON diffusion_rule (value) WHERE combined_with_id IS NULL AND deleted_at IS NULL;

-- Per-moderator editorial status (the workflow comes later).
CREATE TABLE mission_moderation_status (
  mission_id    text NOT NULL REFERENCES mission (id) ON DELETE CASCADE,
  publisher_id  text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  status        text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ACCEPTED', 'REFUSED', 'ONGOING')),
  comment       text,
  note          text,
  title         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mission_id, publisher_id)
);
CREATE INDEX mission_moderation_status_publisher_idx ON mission_moderation_status (publisher_id, status);

-- Change log: one row per create, update with a non-empty diff, delete and restore.
CREATE TABLE mission_event (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  mission_id  text NOT NULL,
  type        text NOT NULL CHECK (type IN ('create', 'update', 'delete', 'restore')),
  changes     jsonb NOT NULL DEFAULT '{}',
  source      text NOT NULL,                          -- 'api', 'feed', 'cli', 'demo'
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mission_event_mission_idx ON mission_event (mission_id, created_at);
