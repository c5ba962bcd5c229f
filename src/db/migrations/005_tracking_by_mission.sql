-- Per-mission statistics (/v0/mymission/:clientId/stats) read a mission's events.
CREATE INDEX tracking_event_mission_idx ON tracking_event (mission_id, type) WHERE mission_id IS NOT NULL;
