//! Syncing one patient's platform record into the cache: everything the first time,
//! then only what changed since the watermark, page by page, so memory holds one page
//! whatever the record's size. Resources recorded in error are dropped; on an
//! incremental sync, ids the server no longer has are dropped too.

use super::{LocalCache, MUNICIPAL};
use arbeidsflate_model::AppError;
use serde_json::Value;
use sources::record::{current_ids, entered_in_error, sync_record, RECORD_SEARCHES};
use sources::{FhirClient, SourceError};

#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PatientSync {
    pub items: u32,
    pub bytes: u64,
    pub incremental: bool,
}

pub(crate) enum SyncError {
    Source(SourceError),
    Cache(AppError),
}

pub(crate) async fn sync_patient_record(
    cache: &LocalCache,
    fhir: &FhirClient,
    patient_ref: &str,
    page_size: usize,
    started_at: &str,
) -> Result<PatientSync, SyncError> {
    let since = cache.with(|s| s.fetched(MUNICIPAL, patient_ref)).map_err(SyncError::Cache)?.and_then(|f| f.watermark);
    let mut out = PatientSync { incremental: since.is_some(), ..Default::default() };
    let mut cache_error = None;
    let synced = sync_record(fhir, patient_ref, since.as_deref(), page_size, |page: Vec<Value>| {
        let (gone, keep): (Vec<Value>, Vec<Value>) = page.into_iter().partition(entered_in_error);
        out.items += keep.len() as u32;
        out.bytes += keep.iter().map(|r| r.to_string().len() as u64).sum::<u64>();
        let stored = cache.with(|s| {
            s.put_resources(MUNICIPAL, patient_ref, &keep)?;
            for r in &gone {
                if let (Some(t), Some(id)) = (r["resourceType"].as_str(), r["id"].as_str()) {
                    s.remove_resources(MUNICIPAL, t, &[id.to_string()])?;
                }
            }
            Ok(())
        });
        if let Err(e) = stored {
            cache_error = Some(e);
            return Err(SourceError::Config("the cache refused the page".into()));
        }
        Ok(())
    })
    .await;
    if let Some(e) = cache_error {
        return Err(SyncError::Cache(e));
    }
    let synced = synced.map_err(SyncError::Source)?;
    if out.incremental {
        // Deletions leave no trace in `_lastUpdated`: compare ids (not for the long
        // Observation history, where corrections arrive as entered-in-error).
        for (rtype, filters) in RECORD_SEARCHES.iter().filter(|(t, _)| *t != "Observation") {
            let on_server = current_ids(fhir, patient_ref, rtype, filters).await.map_err(SyncError::Source)?;
            let cached = cache.with(|s| s.resource_ids(patient_ref, rtype)).map_err(SyncError::Cache)?;
            let deleted: Vec<String> = cached.into_iter().filter(|id| !on_server.contains(id)).collect();
            if !deleted.is_empty() {
                cache.with(|s| s.remove_resources(MUNICIPAL, rtype, &deleted)).map_err(SyncError::Cache)?;
            }
        }
    }
    cache
        .with(|s| s.set_fetched(MUNICIPAL, patient_ref, started_at, synced.watermark.as_deref()))
        .map_err(SyncError::Cache)?;
    Ok(out)
}
