//! Syncing one patient's platform record into the cache: everything the first time,
//! then only what changed since the watermark, page by page, so memory holds one page
//! whatever the record's size. Resources recorded in error are dropped; on an
//! incremental sync, ids the server no longer has are dropped too.

use super::{LocalCache, MUNICIPAL};
use arbeidsflate_model::partial::{note_unreadable, Unreadable, UnreadableReason};
use arbeidsflate_model::AppError;
use serde_json::Value;
use sources::record::{current_ids, entered_in_error, sync_record, RECORD_SEARCHES};
use sources::{FhirClient, SourceError};

#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PatientSync {
    pub items: u32,
    pub bytes: u64,
    pub incremental: bool,
    /// Resources that could not be kept (no type or id to keep them by).
    pub unreadable: Vec<Unreadable>,
}

pub(crate) enum SyncError {
    Source(SourceError),
    Cache(AppError),
}

/// A page's resources recorded in error (to drop) and those to keep; what cannot be
/// kept (no type or id to keep it by) is counted in `unreadable`.
fn split_page(page: Vec<Value>, unreadable: &mut Vec<Unreadable>) -> (Vec<Value>, Vec<Value>) {
    let (gone, mut keep): (Vec<Value>, Vec<Value>) = page.into_iter().partition(entered_in_error);
    keep.retain(|r| match (r["resourceType"].as_str(), r["id"].as_str()) {
        (Some(_), Some(_)) => true,
        (rtype, _) => {
            let reason = if rtype.is_some() { UnreadableReason::NoId } else { UnreadableReason::Malformed };
            note_unreadable(unreadable, rtype.unwrap_or("unknown"), reason);
            false
        }
    });
    (gone, keep)
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
        let (gone, keep) = split_page(page, &mut out.unreadable);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_keeps_what_it_can_and_counts_what_it_cannot() {
        let page = vec![
            json!({"resourceType": "AllergyIntolerance", "id": "a1"}),
            json!({"resourceType": "AllergyIntolerance"}),
            json!({"id": "x"}),
            json!({"resourceType": "Task", "id": "t1", "status": "entered-in-error"}),
            json!({"resourceType": "AllergyIntolerance"}),
        ];
        let mut unreadable = Vec::new();
        let (gone, keep) = split_page(page, &mut unreadable);
        assert_eq!((gone.len(), keep.len()), (1, 1));
        assert_eq!(keep[0]["id"], "a1");
        assert_eq!(
            unreadable,
            [
                Unreadable { resource_type: "AllergyIntolerance".into(), reason: UnreadableReason::NoId, count: 2 },
                Unreadable { resource_type: "unknown".into(), reason: UnreadableReason::Malformed, count: 1 },
            ]
        );
    }
}
