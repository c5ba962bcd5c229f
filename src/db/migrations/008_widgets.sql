-- Widgets: the mission finder a diffuseur embeds on its site (issue "widget"). Its clicks go
-- through /r/widget/:missionId?widgetId=, credited to the widget's diffuseur. Ids are text: widgets
-- brought over from today's service keep their 24-hex ids (pages already embedded keep working).
CREATE TABLE widget (
  id              text PRIMARY KEY,
  diffuseur_id    text NOT NULL REFERENCES publisher (id) ON DELETE CASCADE,
  name            text NOT NULL,                         -- its slug is the clicks' utm_campaign
  type            text NOT NULL DEFAULT 'benevolat' CHECK (type IN ('benevolat', 'volontariat')),
  style           text NOT NULL DEFAULT 'page' CHECK (style IN ('page', 'carousel')),
  color           text NOT NULL DEFAULT '#000091',
  publishers      jsonb NOT NULL DEFAULT '[]',           -- annonceur ids shown ([] = every allowed one)
  rules           jsonb NOT NULL DEFAULT '[]',           -- [{field, fieldType, operator, value, combinator, position}]
  location        jsonb,                                 -- {lat, lon, label}: a fixed centre, else the visitor's
  distance        text NOT NULL DEFAULT '25km',
  moderated_only  boolean NOT NULL DEFAULT false,        -- today's jvaModeration
  url             text,                                  -- where the diffuseur embeds it (informational)
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
CREATE UNIQUE INDEX widget_name_idx ON widget (diffuseur_id, lower(name)) WHERE deleted_at IS NULL;
