//! The access log's local chain: each entry's hash covers the previous entry's hash,
//! its time and its content, so an entry edited or removed later breaks the chain at
//! that point (`verify`). What an entry says (who, patient, basis, sources) is the
//! caller's; the store only keeps and chains it.

use crate::{Store, StoreError};
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn link(prev_hash: &str, at: &str, entry: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev_hash, at, entry] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends inside the caller's transaction, so the entry and the data it concerns
/// are stored together or not at all.
pub(crate) fn append_in(tx: &rusqlite::Transaction<'_>, at: &str, entry: &str) -> Result<i64, StoreError> {
    let prev: Option<String> =
        tx.query_row("SELECT hash FROM access_log ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).optional()?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_string());
    let hash = link(&prev, at, entry);
    tx.execute(
        "INSERT INTO access_log (at, entry, prev_hash, hash) VALUES (?1, ?2, ?3, ?4)",
        [at, entry, &prev, &hash],
    )?;
    Ok(tx.last_insert_rowid())
}

/// A stored access log entry; its hash names it (the shipped AuditEvent's id).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedAccess {
    pub seq: i64,
    pub at: String,
    pub entry: String,
    pub hash: String,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: u64,
    /// The sequence number of the first entry whose hash does not follow, if any.
    pub first_broken: Option<i64>,
}

impl Store {
    /// Appends an entry (JSON, the caller's shape) at `at` (RFC 3339, UTC); its sequence number.
    pub fn append_access(&self, at: &str, entry: &str) -> Result<i64, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let seq = append_in(&tx, at, entry)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Entries not yet shipped to the platform, oldest first, at most `limit`.
    pub fn unshipped_access(&self, limit: usize) -> Result<Vec<LoggedAccess>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, at, entry, hash FROM access_log WHERE shipped = 0 ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(LoggedAccess { seq: r.get(0)?, at: r.get(1)?, entry: r.get(2)?, hash: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The platform confirmed it holds the entry.
    pub fn mark_shipped(&self, seq: i64) -> Result<(), StoreError> {
        self.conn.execute("UPDATE access_log SET shipped = 1 WHERE seq = ?1", [seq])?;
        Ok(())
    }

    /// Every entry, oldest first (for `audit` listings).
    pub fn access_entries(&self) -> Result<Vec<LoggedAccess>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT seq, at, entry, hash FROM access_log ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| Ok(LoggedAccess { seq: r.get(0)?, at: r.get(1)?, entry: r.get(2)?, hash: r.get(3)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Walks the chain from the start; an edited, removed or reordered entry breaks it.
    pub fn verify_access_log(&self) -> Result<Verification, StoreError> {
        let mut stmt = self.conn.prepare("SELECT seq, at, entry, prev_hash, hash FROM access_log ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut expected_prev = GENESIS.to_string();
        let mut entries = 0;
        for row in rows {
            let (seq, at, entry, prev, hash) = row?;
            entries += 1;
            if prev != expected_prev || hash != link(&prev, &at, &entry) {
                return Ok(Verification { entries, first_broken: Some(seq) });
            }
            expected_prev = hash;
        }
        Ok(Verification { entries, first_broken: None })
    }
}
