//! The cached view of the worklist: raw resources per patient (with version and
//! `lastUpdated`, and for Observations the code and time, so the latest of each kind
//! is an index lookup), each national source's last answer per patient, when each
//! source was read, and small facts (`meta`).

use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;

/// A source's answer for one patient as it was cached.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedAnswer {
    pub source: String,
    pub json: String,
    pub fetched_at: String,
}

/// When a source was last read for a patient, and the `_lastUpdated` watermark.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub fetched_at: String,
    pub watermark: Option<String>,
}

/// Milliseconds since the epoch of an RFC 3339 time; `None` when unreadable.
pub fn epoch_ms(rfc3339: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.timestamp_millis())
}

impl Store {
    /// Stores (or replaces) resources of one patient from `source`, in one transaction.
    pub fn put_resources(&self, source: &str, patient_key: &str, resources: &[Value]) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let n = put_resources_in(&tx, source, patient_key, resources, None)?;
        tx.commit()?;
        Ok(n)
    }

    /// Removes resources by type and id (deleted or entered in error on the server).
    pub fn remove_resources(&self, source: &str, resource_type: &str, ids: &[String]) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut n = 0;
        for id in ids {
            n += tx.execute(
                "DELETE FROM source_resource WHERE source = ?1 AND resource_type = ?2 AND id = ?3 AND pending_client_id IS NULL",
                params![source, resource_type, id],
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// The ids of a patient's cached resources of a type (confirmed by the server).
    pub fn resource_ids(&self, patient_key: &str, resource_type: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM source_resource WHERE patient_key = ?1 AND resource_type = ?2 AND pending_client_id IS NULL",
        )?;
        let ids = stmt.query_map(params![patient_key, resource_type], |r| r.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// A patient's cached resources of a type, pending local writes included.
    pub fn patient_resources(&self, patient_key: &str, resource_type: &str) -> Result<Vec<Value>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM source_resource WHERE patient_key = ?1 AND resource_type = ?2")?;
        let rows = stmt.query_map(params![patient_key, resource_type], |r| r.get::<_, String>(0))?;
        rows.map(|json| Ok(serde_json::from_str(&json?).unwrap_or(Value::Null))).collect()
    }

    /// One resource by type and id.
    pub fn resource(&self, resource_type: &str, id: &str) -> Result<Option<Value>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM source_resource WHERE resource_type = ?1 AND id = ?2",
                params![resource_type, id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// The local version of a resource recorded here and not yet confirmed by the server.
    pub fn pending_resource(&self, resource_type: &str, id: &str) -> Result<Option<Value>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM source_resource
                 WHERE resource_type = ?1 AND id = ?2 AND pending_client_id IS NOT NULL",
                params![resource_type, id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// The newest `per_code` Observations of each code in `codes` measured no later
    /// than `not_after_ms`: one index range per code, however long the history.
    pub fn latest_observations(
        &self,
        patient_key: &str,
        codes: &[&str],
        not_after_ms: i64,
        per_code: usize,
    ) -> Result<Vec<Value>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM source_resource
             WHERE patient_key = ?1 AND resource_type = 'Observation' AND code = ?2 AND effective_ms <= ?3
             ORDER BY effective_ms DESC LIMIT ?4",
        )?;
        let mut out = Vec::new();
        for code in codes {
            let rows =
                stmt.query_map(params![patient_key, code, not_after_ms, per_code as i64], |r| r.get::<_, String>(0))?;
            for json in rows {
                out.push(serde_json::from_str(&json?).unwrap_or(Value::Null));
            }
        }
        Ok(out)
    }

    /// The Observations of each code in `codes` measured between `from_ms` and
    /// `until_ms`: one index range per code, so a month of a two-year history reads a
    /// month, not two years.
    pub fn observations_between(
        &self,
        patient_key: &str,
        codes: &[&str],
        from_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<Value>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM source_resource
             WHERE patient_key = ?1 AND resource_type = 'Observation' AND code = ?2
               AND effective_ms >= ?3 AND effective_ms <= ?4",
        )?;
        let mut out = Vec::new();
        for code in codes {
            for json in stmt.query_map(params![patient_key, code, from_ms, until_ms], |r| r.get::<_, String>(0))? {
                out.push(serde_json::from_str(&json?).unwrap_or(Value::Null));
            }
        }
        Ok(out)
    }

    /// Keeps a national source's answer for a patient (JSON, the caller's shape).
    pub fn put_answer(&self, patient_key: &str, source: &str, json: &str, fetched_at: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO patient_part (patient_key, part, json, fetched_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (patient_key, part) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at",
            params![patient_key, source, json, fetched_at],
        )?;
        Ok(())
    }

    pub fn answers(&self, patient_key: &str) -> Result<Vec<CachedAnswer>, StoreError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT part, json, fetched_at FROM patient_part WHERE patient_key = ?1")?;
        let rows = stmt.query_map([patient_key], |r| {
            Ok(CachedAnswer { source: r.get(0)?, json: r.get(1)?, fetched_at: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn set_fetched(
        &self,
        source: &str,
        patient_key: &str,
        fetched_at: &str,
        watermark: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO source_fetch (source, patient_key, fetched_at, watermark) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (source, patient_key) DO UPDATE SET fetched_at = excluded.fetched_at,
                 watermark = coalesce(excluded.watermark, source_fetch.watermark)",
            params![source, patient_key, fetched_at, watermark],
        )?;
        Ok(())
    }

    pub fn fetched(&self, source: &str, patient_key: &str) -> Result<Option<Fetched>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT fetched_at, watermark FROM source_fetch WHERE source = ?1 AND patient_key = ?2",
                params![source, patient_key],
                |r| Ok(Fetched { fetched_at: r.get(0)?, watermark: r.get(1)? }),
            )
            .optional()?)
    }

    /// The patients the cache holds anything for.
    pub fn cached_patients(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT patient_key FROM source_fetch UNION SELECT patient_key FROM patient_part
             UNION SELECT patient_key FROM source_resource WHERE patient_key IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many patients were synced and can be opened offline (what was recorded here
    /// for a patient no longer cached does not count).
    pub fn synced_patient_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row("SELECT count(DISTINCT patient_key) FROM source_fetch", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Forgets every patient not in `keep` (they left the worklist); resources written
    /// here and still waiting in the outbox stay until the server has them.
    pub fn retain_patients(&self, keep: &[String]) -> Result<usize, StoreError> {
        let leaving: Vec<String> = self.cached_patients()?.into_iter().filter(|p| !keep.contains(p)).collect();
        let tx = self.conn.unchecked_transaction()?;
        for p in &leaving {
            forget_patient(&tx, p)?;
        }
        tx.commit()?;
        Ok(leaving.len())
    }

    /// Forgets everything cached (not the outbox, not the access log).
    pub fn purge_cache(&self) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch(
            "DELETE FROM source_resource WHERE pending_client_id IS NULL;
             DELETE FROM patient_part; DELETE FROM source_fetch;
             DELETE FROM meta WHERE key NOT LIKE 'keep.%';",
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// The database's size on disk (main file and write-ahead log).
    pub fn size_bytes(&self) -> u64 {
        ["cache.db", "cache.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(self.dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }
}

fn forget_patient(tx: &Transaction<'_>, patient_key: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM source_resource WHERE patient_key = ?1 AND pending_client_id IS NULL", [patient_key])?;
    tx.execute("DELETE FROM patient_part WHERE patient_key = ?1", [patient_key])?;
    tx.execute("DELETE FROM source_fetch WHERE patient_key = ?1", [patient_key])?;
    Ok(())
}

/// Upserts resources inside a transaction; `pending` marks them as written here and
/// not yet confirmed (the outbox entry's client id).
pub(crate) fn put_resources_in(
    tx: &Transaction<'_>,
    source: &str,
    patient_key: &str,
    resources: &[Value],
    pending: Option<&str>,
) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO source_resource
             (source, resource_type, id, version_id, etag, json, patient_key, code, effective_ms, last_updated, pending_client_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (source, resource_type, id) DO UPDATE SET
             version_id = excluded.version_id, etag = excluded.etag, json = excluded.json,
             patient_key = excluded.patient_key, code = excluded.code, effective_ms = excluded.effective_ms,
             last_updated = excluded.last_updated, pending_client_id = excluded.pending_client_id
         -- A sync never replaces what the clinician recorded here and has not sent yet.
         WHERE source_resource.pending_client_id IS NULL OR excluded.pending_client_id IS NOT NULL",
    )?;
    let mut n = 0;
    for r in resources {
        let (Some(rtype), Some(id)) = (r["resourceType"].as_str(), r["id"].as_str()) else { continue };
        let version = r["meta"]["versionId"].as_str();
        let etag = version.map(|v| format!("W/\"{v}\""));
        let (code, effective) = if rtype == "Observation" {
            (r["code"]["coding"][0]["code"].as_str(), r["effectiveDateTime"].as_str().and_then(epoch_ms))
        } else {
            (None, None)
        };
        stmt.execute(params![
            source,
            rtype,
            id,
            version,
            etag,
            r.to_string(),
            patient_key,
            code,
            effective,
            r["meta"]["lastUpdated"].as_str(),
            pending
        ])?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::epoch_ms;

    #[test]
    fn rfc3339_times_become_epoch_milliseconds() {
        assert_eq!(epoch_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_ms("2026-11-22T07:00:00.250Z"), Some(1_795_330_800_250));
        assert_eq!(epoch_ms("2026-11-22T08:00:00+01:00"), epoch_ms("2026-11-22T07:00:00Z"));
        assert_eq!(epoch_ms("2026-11-22"), None);
        assert_eq!(epoch_ms("not a time"), None);
    }
}
