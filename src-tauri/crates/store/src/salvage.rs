//! What can be saved from a database that no longer opens cleanly: its queued writes
//! and the access log entries not yet shipped. Read before the file is removed,
//! written into the new database after.

use crate::{connect, MasterKey, Store, StoreError, DATABASE, UNSENT_COUNT, WRAPPED_KEY};
use rusqlite::params;
use std::path::Path;

type OutboxRow = (String, String, String, String, String, String, String, Option<String>);

pub(crate) struct Salvage {
    outbox: Vec<OutboxRow>,
    access: Vec<(String, String)>,
}

/// Reads the outbox and unshipped access log of an old database; `None` when they
/// cannot be read (the key is gone, or those tables are damaged).
pub(crate) fn read(dir: &Path, master: &MasterKey) -> Option<Salvage> {
    let wrapped = std::fs::read(dir.join(WRAPPED_KEY)).ok()?;
    let key = master.unwrap_key(&wrapped)?;
    let conn = connect(&dir.join(DATABASE), &key).ok()?;
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).ok()?;
    // Columns that every schema version has.
    let outbox_sql = if version >= 2 {
        "SELECT client_id, created_at, kind, patient_key, summary, body, state, conflict FROM outbox ORDER BY seq"
    } else {
        "SELECT client_id, created_at, kind, '', '', body, state, NULL FROM outbox ORDER BY seq"
    };
    let outbox = conn
        .prepare(outbox_sql)
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .ok()?;
    let shipped_filter = if version >= 2 { "WHERE shipped = 0" } else { "" };
    let access = conn
        .prepare(&format!("SELECT at, entry FROM access_log {shipped_filter} ORDER BY seq"))
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>())
        .unwrap_or_default();
    Some(Salvage { outbox, access })
}

/// The unsent count recorded beside the database (0 when none was recorded).
pub(crate) fn recorded_unsent(dir: &Path) -> u64 {
    std::fs::read_to_string(dir.join(UNSENT_COUNT)).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

impl Salvage {
    /// Writes what was saved into the new database; how many items.
    pub(crate) fn restore(self, store: &Store) -> Result<u64, StoreError> {
        let tx = store.conn.unchecked_transaction()?;
        for (client_id, created_at, kind, patient_key, summary, body, state, conflict) in &self.outbox {
            tx.execute(
                "INSERT INTO outbox (client_id, created_at, kind, patient_key, summary, body, state, conflict)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![client_id, created_at, kind, patient_key, summary, body, state, conflict],
            )?;
        }
        for (at, entry) in &self.access {
            crate::access_log::append_in(&tx, at, entry)?;
        }
        tx.commit()?;
        store.record_unsent();
        Ok((self.outbox.len() + self.access.len()) as u64)
    }
}
