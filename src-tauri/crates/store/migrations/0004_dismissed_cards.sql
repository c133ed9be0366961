-- Decision-support cards the clinician dismissed: they stay dismissed for that patient
-- the rest of the clinical day, across openings and restarts. A card is known by its
-- service and a hash of its summary (a service gives a new uuid each time it is asked).
CREATE TABLE dismissed_card (
    patient_key TEXT NOT NULL,
    service_id TEXT NOT NULL,
    card_key TEXT NOT NULL,
    day TEXT NOT NULL,
    dismissed_at TEXT NOT NULL,
    PRIMARY KEY (patient_key, service_id, card_key, day)
);
