-- Offline shifts: raw resources indexed by patient (for the cached overview and for
-- writes made offline), the `_lastUpdated` watermark per source, the outbox's retry
-- and conflict bookkeeping, and which access log entries have been shipped.

ALTER TABLE source_resource ADD COLUMN patient_key TEXT;
-- Observations: the LOINC code and when measured, so "the latest of each kind" is an index lookup.
ALTER TABLE source_resource ADD COLUMN code TEXT;
ALTER TABLE source_resource ADD COLUMN effective_ms INTEGER;
ALTER TABLE source_resource ADD COLUMN last_updated TEXT;
-- Written here and not yet confirmed by the server: the outbox entry's client id.
ALTER TABLE source_resource ADD COLUMN pending_client_id TEXT;
CREATE INDEX source_resource_by_patient ON source_resource (patient_key, resource_type, code, effective_ms);
CREATE INDEX source_resource_pending ON source_resource (pending_client_id) WHERE pending_client_id IS NOT NULL;

-- The newest `meta.lastUpdated` seen, for the next incremental sync.
ALTER TABLE source_fetch ADD COLUMN watermark TEXT;

ALTER TABLE outbox ADD COLUMN patient_key TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN next_attempt_ms INTEGER NOT NULL DEFAULT 0;
-- The server's version when it refused ours (412): both are shown, the clinician decides.
ALTER TABLE outbox ADD COLUMN conflict TEXT;

ALTER TABLE access_log ADD COLUMN shipped INTEGER NOT NULL DEFAULT 0;

-- Small facts about the cache: the worklist, the last sync, the last time online.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
