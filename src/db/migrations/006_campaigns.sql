-- Campaigns: tracked links a diffuseur places anywhere (newsletter, social network, poster), each
-- leading to one annonceur's page with the diffuseur's tracker parameters. Ids are text: campaigns
-- brought over from today's service keep their 24-hex ids (links already printed still work).
CREATE TABLE campaign (
  id            text PRIMARY KEY,
  diffuseur_id  text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  annonceur_id  text NOT NULL REFERENCES publisher (id),
  name          text NOT NULL,
  url           text NOT NULL,
  trackers      jsonb NOT NULL DEFAULT '[]',            -- [{key, value}], set on the URL's query
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
CREATE UNIQUE INDEX campaign_name_idx ON campaign (diffuseur_id, lower(name)) WHERE deleted_at IS NULL;
