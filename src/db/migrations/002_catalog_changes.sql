-- Change feed of everything that affects what diffuseurs see: missions and their addresses,
-- organisations, diffusion rules, moderation statuses, publishers. Filled by triggers, so no write
-- path (API, feed import, command line, SQL by hand) can forget it. The search index of every
-- service instance reads it before answering, which makes changes visible on the very next request.
--
-- `xid` is the writing transaction: a reader remembers the oldest transaction still running at its
-- last read (pg_snapshot_xmin) and re-reads from there, so rows committed late are never missed.

CREATE TABLE catalog_change (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
  kind        text NOT NULL CHECK (kind IN ('mission', 'organization', 'rules', 'moderation', 'publisher', 'api_key')),
  ref         text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_change_xid_idx ON catalog_change (xid);
CREATE INDEX catalog_change_created_idx ON catalog_change (created_at);

-- One row per changed mission per statement (transition tables keep bulk writes cheap).
CREATE FUNCTION catalog_change_missions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT 'mission', id FROM old_rows;
  ELSE
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT 'mission', id FROM new_rows;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_change_addresses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT 'mission', mission_id FROM old_rows;
  ELSE
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT 'mission', mission_id FROM new_rows;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_change_organizations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog_change (kind, ref) SELECT DISTINCT 'organization', id::text FROM new_rows;
  RETURN NULL;
END $$;

-- ref = "<moderator id>:<mission id>".
CREATE FUNCTION catalog_change_moderation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT 'moderation', publisher_id || ':' || mission_id FROM old_rows;
  ELSE
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT 'moderation', publisher_id || ':' || mission_id FROM new_rows;
  END IF;
  RETURN NULL;
END $$;

-- Rules: ref = the diffuseur owning the rule. Publishers: ref = the publisher.
CREATE FUNCTION catalog_change_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT TG_ARGV[0], owner FROM (SELECT to_jsonb(o) ->> TG_ARGV[1] AS owner FROM old_rows o) x;
  ELSE
    INSERT INTO catalog_change (kind, ref) SELECT DISTINCT TG_ARGV[0], owner FROM (SELECT to_jsonb(n) ->> TG_ARGV[1] AS owner FROM new_rows n) x;
  END IF;
  RETURN NULL;
END $$;

-- API keys: one row per statement (readers drop their whole authentication cache).
CREATE FUNCTION catalog_change_table() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO catalog_change (kind, ref) VALUES (TG_ARGV[0], NULL);
  RETURN NULL;
END $$;

CREATE TRIGGER mission_changes_insert AFTER INSERT ON mission
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_missions();
CREATE TRIGGER mission_changes_update AFTER UPDATE ON mission
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_missions();
CREATE TRIGGER mission_changes_delete AFTER DELETE ON mission
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_missions();

CREATE TRIGGER mission_address_changes_insert AFTER INSERT ON mission_address
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_addresses();
CREATE TRIGGER mission_address_changes_update AFTER UPDATE ON mission_address
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_addresses();
CREATE TRIGGER mission_address_changes_delete AFTER DELETE ON mission_address
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_addresses();

CREATE TRIGGER publisher_organization_changes AFTER UPDATE ON publisher_organization
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_organizations();

CREATE TRIGGER diffusion_rule_changes_insert AFTER INSERT ON diffusion_rule
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_owner('rules', 'publisher_id');
CREATE TRIGGER diffusion_rule_changes_update AFTER UPDATE ON diffusion_rule
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_owner('rules', 'publisher_id');
CREATE TRIGGER diffusion_rule_changes_delete AFTER DELETE ON diffusion_rule
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_owner('rules', 'publisher_id');
CREATE TRIGGER mission_moderation_status_changes_insert AFTER INSERT ON mission_moderation_status
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_moderation();
CREATE TRIGGER mission_moderation_status_changes_update AFTER UPDATE ON mission_moderation_status
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_moderation();
CREATE TRIGGER mission_moderation_status_changes_delete AFTER DELETE ON mission_moderation_status
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_moderation();
CREATE TRIGGER publisher_changes_insert AFTER INSERT ON publisher
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_owner('publisher', 'id');
CREATE TRIGGER publisher_changes_update AFTER UPDATE ON publisher
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_owner('publisher', 'id');
CREATE TRIGGER publisher_changes_delete AFTER DELETE ON publisher
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_owner('publisher', 'id');
-- Keys (created, revoked) too: services cache authentications until the next change. The
-- last-use timestamp alone is not a change.
CREATE TRIGGER api_key_changes AFTER INSERT OR DELETE ON api_key
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_table('api_key');
CREATE TRIGGER api_key_revocations AFTER UPDATE OF revoked_at, publisher_id, key_hash ON api_key
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_table('api_key');

-- Search by text needs the organisation of a mission and tombstones need recent deletions.
CREATE INDEX mission_deleted_idx ON mission (deleted_at) WHERE deleted_at IS NOT NULL;
