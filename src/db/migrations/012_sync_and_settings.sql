-- Incremental sync (`updatedSince` + `includeDeleted`) reads the changes that are not mission rows
-- (organisations, moderation, publishers) from catalog_change, which now keeps them for 400 days
-- (mission and key changes are still dropped after 2 days): find them by kind and time.
CREATE INDEX catalog_change_kind_created_idx ON catalog_change (kind, created_at);

-- The time of a moderation decision, whatever writes it.
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
CREATE TRIGGER mission_moderation_status_touch BEFORE UPDATE ON mission_moderation_status
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- A diffuseur setting that replaces today's hard-coded Leboncoin behaviour: full-remote missions are
-- shown as "[À distance] …" offers located in Paris (a job board that needs a place on every offer).
ALTER TABLE publisher ADD COLUMN remote_as_paris boolean NOT NULL DEFAULT false;
