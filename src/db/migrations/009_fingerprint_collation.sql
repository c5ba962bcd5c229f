-- Fingerprints are hex digests: compared byte by byte under the "C" collation. Under the database's
-- own collation (C.UTF-8, en_US.UTF-8…) every comparison goes through the locale's rules, and every
-- tracked click inserts a fingerprint into tracking_event_fingerprint_idx.
ALTER TABLE tracking_event ALTER COLUMN fingerprint TYPE text COLLATE "C";
ALTER TABLE bot_fingerprint ALTER COLUMN fingerprint TYPE text COLLATE "C";
