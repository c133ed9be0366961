//! A patient's record read back from the cache: what the platform had at the last
//! sync plus what was written here since, the latest of each vital sign found by index
//! however long the history.

use super::LocalCache;
use arbeidsflate_model::AppError;
use arbeidsflate_store::{Store, StoreError};
use sources::normalize::VITAL_CODES;
use sources::record::{PatientRecord, RECORD_SEARCHES};

/// How many of each vital-sign code to read back: enough for the latest per kind.
const PER_CODE: usize = 1;

pub(crate) fn cached_record(
    cache: &LocalCache,
    patient_ref: &str,
    now_ms: i64,
) -> Result<Option<PatientRecord>, AppError> {
    cache.with(|s| record_from(s, patient_ref, now_ms))
}

/// The record from a store (public for the benchmark that times the cached overview).
pub fn record_from(s: &Store, patient_ref: &str, now_ms: i64) -> Result<Option<PatientRecord>, StoreError> {
    let Some(patient) = s.resource("Patient", patient_ref)? else { return Ok(None) };
    let mut record = PatientRecord { patient, ..Default::default() };
    for (rtype, _) in RECORD_SEARCHES.iter().filter(|(t, _)| *t != "Observation") {
        for r in s.patient_resources(patient_ref, rtype)? {
            record.add(r);
        }
    }
    // A few minutes' allowance for clocks, as online.
    record.vitals = s.latest_observations(patient_ref, VITAL_CODES, now_ms + 5 * 60_000, PER_CODE)?;
    Ok(Some(record))
}
