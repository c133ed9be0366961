//! The worklist's signals per patient (NEWS2, open tasks, new documents, offline
//! readiness), read from the offline cache: no request leaves the machine, so the
//! worklist shows them at once and the same with no network.

use super::Workspace;
use crate::aggregate::CachedAnswer;
use crate::cache::record::cached_record;
use crate::cache::MUNICIPAL;
use arbeidsflate_model::view::{News2Signal, PatientSignals};
use arbeidsflate_model::AppError;
use chrono::Duration;

/// A shared document dated this many days back or less counts as new.
pub const NEW_DOCUMENT_DAYS: i64 = 3;

impl Workspace {
    /// Signals for each patient on the worklist. Patients not (yet) in the cache come
    /// back not ready, with no signals; without a cache this is `offline_unavailable`.
    pub async fn worklist_signals(&self) -> Result<Vec<PatientSignals>, AppError> {
        let s = self.current().await?;
        let started = std::time::Instant::now();
        let cache = self.cache_of(&s).await?;
        let patients: Vec<String> = s.worklist.read().await.keys().cloned().collect();
        let today = self.today();
        let new_since = clock::day_start(today - Duration::days(NEW_DOCUMENT_DAYS));
        let mut out = Vec::with_capacity(patients.len());
        for patient in patients {
            let mut signals = PatientSignals {
                patient_ref: patient.clone(),
                news2: None,
                open_tasks: 0,
                new_documents: 0,
                offline_ready: false,
                synced_at: None,
            };
            let fetched = cache.with(|st| st.fetched(MUNICIPAL, &patient))?;
            let record = cached_record(&cache, &patient, self.now_ms())?;
            if let (Some(fetched), Some(record)) = (fetched, record) {
                let overview = sources::record::build_overview(
                    &patient,
                    &record,
                    sources::municipal::SOURCE_NAME,
                    &fetched.fetched_at,
                    today,
                    self.clock.now(),
                );
                if let Ok(o) = overview {
                    signals.open_tasks = o.tasks.len() as u32;
                    signals.news2 = (!o.latest_vitals.is_empty()).then(|| News2Signal {
                        total: o.news2.total,
                        risk: o.news2.risk,
                        complete: o.news2.is_complete(),
                        measured_at: o
                            .latest_vitals
                            .iter()
                            .max_by_key(|v| clock::parse_instant(&v.effective))
                            .map(|v| v.effective.clone()),
                    });
                }
                signals.offline_ready = true;
                signals.synced_at = Some(fetched.fetched_at);
            }
            for kept in cache.with(|st| st.answers(&patient))? {
                if let Ok(CachedAnswer::Documents(list)) = serde_json::from_str::<CachedAnswer>(&kept.json) {
                    let new = list
                        .documents
                        .iter()
                        .filter(|d| d.date.as_deref().and_then(clock::parse_instant).is_some_and(|d| d >= new_since));
                    signals.new_documents = new.count() as u32;
                }
            }
            out.push(signals);
        }
        tracing::info!(
            patients = out.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "worklist signals read"
        );
        Ok(out)
    }
}
