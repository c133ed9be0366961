//! The outbox: writes made here wait in order until the server confirms them. A
//! write, the resources it shows locally meanwhile and its access log entry go in
//! one transaction; an entry leaves the outbox only in the transaction that stores
//! the server's confirmed version.

use crate::access_log::append_in;
use crate::cache::put_resources_in;
use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;

/// The longest wait between two tries; the caller's backoff stays below it.
pub const MAX_BACKOFF_MS: i64 = 300_000;

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting to be sent (again, after `next_attempt_ms` when it failed before).
    Queued,
    /// The server refused it for a reason retrying will not fix; the clinician retries or discards.
    Failed,
    /// The server holds a newer version of what this entry changes (`conflict` has it).
    Conflict,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Failed => "failed",
            OutboxState::Conflict => "conflict",
        }
    }

    fn parse(s: &str) -> OutboxState {
        match s {
            "failed" => OutboxState::Failed,
            "conflict" => OutboxState::Conflict,
            _ => OutboxState::Queued,
        }
    }
}

/// A write to queue.
#[derive(Debug, Clone)]
pub struct NewWrite<'a> {
    pub client_id: &'a str,
    pub created_at: &'a str,
    /// What kind of write (the caller's name: `vitals`, `note`, `task-completed` …).
    pub kind: &'a str,
    pub patient_key: &'a str,
    /// A short description for the outbox list, in the clinician's words.
    pub summary: &'a str,
    /// The request to send (the caller's JSON).
    pub body: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub client_id: String,
    pub created_at: String,
    pub kind: String,
    pub patient_key: String,
    pub summary: String,
    pub body: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_ms: i64,
    pub conflict: Option<String>,
}

const COLUMNS: &str =
    "seq, client_id, created_at, kind, patient_key, summary, body, state, attempts, last_error, next_attempt_ms, conflict";

fn entry(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        seq: r.get(0)?,
        client_id: r.get(1)?,
        created_at: r.get(2)?,
        kind: r.get(3)?,
        patient_key: r.get(4)?,
        summary: r.get(5)?,
        body: r.get(6)?,
        state: OutboxState::parse(&r.get::<_, String>(7)?),
        attempts: r.get(8)?,
        last_error: r.get(9)?,
        next_attempt_ms: r.get(10)?,
        conflict: r.get(11)?,
    })
}

/// An access log entry to append with a write.
pub struct AccessEntry<'a> {
    pub at: &'a str,
    pub entry: &'a str,
}

impl Store {
    /// Queues a write, the resources it shows locally until confirmed (`source`'s,
    /// for the patient), and its access log entry: all or nothing. A client id
    /// queued before is refused, so a double click cannot queue a write twice.
    pub fn enqueue(
        &self,
        write: &NewWrite<'_>,
        source: &str,
        local: &[Value],
        access: &AccessEntry<'_>,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO outbox (client_id, created_at, kind, patient_key, summary, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![write.client_id, write.created_at, write.kind, write.patient_key, write.summary, write.body],
        )?;
        let seq = tx.last_insert_rowid();
        put_resources_in(&tx, source, write.patient_key, local, Some(write.client_id))?;
        append_in(&tx, access.at, access.entry)?;
        tx.commit()?;
        self.record_unsent();
        Ok(seq)
    }

    /// Every entry, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY seq"))?;
        let rows = stmt.query_map([], entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn outbox_entry(&self, seq: i64) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self.conn.query_row(&format!("SELECT {COLUMNS} FROM outbox WHERE seq = ?1"), [seq], entry).optional()?)
    }

    /// How many entries are waiting (any state): what would be lost in a wipe.
    pub fn unsent_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// The oldest queued entry due at `now_ms`, if any. Entries are sent in order: one
    /// that is queued but not yet due holds back the entries after it.
    pub fn next_due(&self, now_ms: i64) -> Result<Option<OutboxEntry>, StoreError> {
        self.next_due_beside(now_ms, &[])
    }

    /// As [`Store::next_due`], but entries of the `apart` kinds wait on their own: one of
    /// them backing off holds back nothing queued after it (feedback to a service that
    /// is away must not hold back a clinical write).
    pub fn next_due_beside(&self, now_ms: i64, apart: &[&str]) -> Result<Option<OutboxEntry>, StoreError> {
        let waiting_apart = |e: &OutboxEntry| {
            apart.contains(&e.kind.as_str())
                && e.next_attempt_ms > now_ms
                && e.next_attempt_ms - now_ms <= MAX_BACKOFF_MS
        };
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE state = 'queued' ORDER BY seq"))?;
        let mut first = None;
        for e in stmt.query_map([], entry)? {
            let e = e?;
            if !waiting_apart(&e) {
                first = Some(e);
                break;
            }
        }
        // A retry time further ahead than any backoff means the clock went back: due now.
        Ok(first.filter(|e| e.next_attempt_ms <= now_ms || e.next_attempt_ms - now_ms > MAX_BACKOFF_MS))
    }

    /// The server confirmed the entry: its resources replace the local ones, and the
    /// entry leaves the outbox, in one transaction.
    pub fn confirm(&self, seq: i64, source: &str, confirmed: &[Value]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let (client_id, patient_key): (String, String) =
            tx.query_row("SELECT client_id, patient_key FROM outbox WHERE seq = ?1", [seq], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        tx.execute("DELETE FROM source_resource WHERE pending_client_id = ?1", [&client_id])?;
        put_resources_in(&tx, source, &patient_key, confirmed, None)?;
        tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
        tx.commit()?;
        self.record_unsent();
        Ok(())
    }

    /// A try failed in a way that may pass (no network, server busy): try again at `next_attempt_ms`.
    pub fn retry_later(&self, seq: i64, error: &str, next_attempt_ms: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 WHERE seq = ?1",
            params![seq, error, next_attempt_ms],
        )?;
        Ok(())
    }

    /// The server refused the entry; it stays, visible with the reason, until the
    /// clinician retries or discards it.
    pub fn mark_failed(&self, seq: i64, error: &str) -> Result<(), StoreError> {
        self.set_state(seq, OutboxState::Failed, Some(error), None)
    }

    /// The server holds a newer version (`theirs`, JSON); nothing is overwritten.
    pub fn mark_conflict(&self, seq: i64, error: &str, theirs: &str) -> Result<(), StoreError> {
        self.set_state(seq, OutboxState::Conflict, Some(error), Some(theirs))
    }

    fn set_state(
        &self,
        seq: i64,
        state: OutboxState,
        error: Option<&str>,
        conflict: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET state = ?2, attempts = attempts + 1, last_error = ?3, conflict = ?4 WHERE seq = ?1",
            params![seq, state.as_str(), error, conflict],
        )?;
        Ok(())
    }

    /// Puts an entry back in the queue, now, with a new request body when the
    /// clinician resolved a conflict (`body`).
    pub fn requeue(&self, seq: i64, body: Option<&str>) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'queued', next_attempt_ms = 0, conflict = NULL, body = coalesce(?2, body)
             WHERE seq = ?1",
            params![seq, body],
        )?;
        Ok(n == 1)
    }

    /// Drops an entry the clinician chose to discard, with what it showed locally.
    pub fn discard(&self, seq: i64) -> Result<bool, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let queued: Option<(String, String)> = tx
            .query_row("SELECT client_id, patient_key FROM outbox WHERE seq = ?1", [seq], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((client_id, patient_key)) = queued else { return Ok(false) };
        tx.execute("DELETE FROM source_resource WHERE pending_client_id = ?1", [&client_id])?;
        // An update's local version replaced the server's; forgetting the watermark makes
        // the next sync fetch the server's version again, changed or not.
        tx.execute("UPDATE source_fetch SET watermark = NULL WHERE patient_key = ?1", [&patient_key])?;
        tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
        tx.commit()?;
        self.record_unsent();
        Ok(true)
    }
}
