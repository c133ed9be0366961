//! Decision-support cards dismissed per patient and clinical day.

use crate::{Store, StoreError};
use rusqlite::params;

/// One dismissed card: which service, which card (the caller's stable key for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DismissedCard {
    pub service_id: String,
    pub card_key: String,
}

impl Store {
    /// Keeps `card` dismissed for `patient_key` on `day` (`YYYY-MM-DD`); again is no change.
    pub fn dismiss_card(&self, patient_key: &str, card: &DismissedCard, day: &str, at: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO dismissed_card (patient_key, service_id, card_key, day, dismissed_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![patient_key, card.service_id, card.card_key, day, at],
        )?;
        Ok(())
    }

    /// The cards dismissed for `patient_key` on `day`.
    pub fn dismissed_cards(&self, patient_key: &str, day: &str) -> Result<Vec<DismissedCard>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT service_id, card_key FROM dismissed_card WHERE patient_key = ?1 AND day = ?2")?;
        let rows = stmt.query_map(params![patient_key, day], |r| {
            Ok(DismissedCard { service_id: r.get(0)?, card_key: r.get(1)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
