-- The first schema: the offline cache of the worklist, the outbox and the access log.

-- The normalised patient view, one row per part, with when it was fetched.
CREATE TABLE patient_part (
    patient_key TEXT NOT NULL,
    part        TEXT NOT NULL,
    json        TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (patient_key, part)
);

-- Raw source resources with their version ids and ETags, for conditional updates.
CREATE TABLE source_resource (
    source        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    id            TEXT NOT NULL,
    version_id    TEXT,
    etag          TEXT,
    json          TEXT NOT NULL,
    PRIMARY KEY (source, resource_type, id)
);

-- When each source was last read for each patient.
CREATE TABLE source_fetch (
    source      TEXT NOT NULL,
    patient_key TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (source, patient_key)
);

-- Writes waiting for the platform; removed only once the server confirmed them.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'queued',
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);

-- Every lookup and write, hash-chained so removal or editing shows.
CREATE TABLE access_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    entry     TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
