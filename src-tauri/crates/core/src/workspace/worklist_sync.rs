//! Preparing the worklist for a shift without network: every patient's record and
//! national answers into the cache, purging what has left the worklist or passed its
//! retention or grace period.

use super::{SignedIn, Workspace};
use crate::aggregate::{self, Answer, PatientKeys};
use crate::cache::reader::{expire_stale, source_key, LAST_SYNC_KEY};
use crate::cache::record_sync::{sync_patient_record, SyncError};
use crate::cache::LocalCache;
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::offline::{SourceSync, SyncProgress, SyncReport};
use arbeidsflate_model::overview::{SourceKind, SourceState};
use arbeidsflate_model::partial::add_unreadable;
use arbeidsflate_model::{AppError, ErrorCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

impl Workspace {
    /// Prepares the worklist for offline use: every patient's platform record
    /// (incrementally after the first time) and every national source's answer, with
    /// progress per patient and source; `cancel` stops between steps, keeping what is
    /// stored. Patients who left the worklist, and everything past retention, go.
    pub async fn sync(&self, progress: impl Fn(SyncProgress), cancel: &AtomicBool) -> Result<SyncReport, AppError> {
        let started = Instant::now();
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        expire_stale(&self.profile.offline, &self.clock, &cache)?;
        let list = self.worklist().await?;
        if !self.is_online() {
            return Err(AppError::new(
                ErrorCode::ServiceUnavailable,
                "the platform cannot be reached; the cache is kept",
            ));
        }
        let keep: Vec<String> = list.entries.iter().map(|e| e.patient_ref.clone()).collect();
        let purged = cache.with(|st| st.retain_patients(&keep))? as u32;
        // A route may visit a patient twice; each is synced once.
        let mut patients = list.entries.clone();
        let mut seen = std::collections::HashSet::new();
        patients.retain(|e| seen.insert(e.patient_ref.clone()));
        let total = patients.len() as u32;
        let mut report = SyncReport {
            patients: 0,
            sources: SourceKind::ALL
                .iter()
                .map(|&source| SourceSync { source, items: 0, bytes: 0, elapsed_ms: 0, failed: 0 })
                .collect(),
            purged,
            elapsed_ms: 0,
            database_bytes: 0,
            cancelled: false,
            incremental: false,
            unreadable: Vec::new(),
        };
        let page_size = self.profile.offline.page_size as usize;
        let deadline = Duration::from_secs(self.profile.session.source_deadline_seconds);
        for (i, entry) in patients.iter().enumerate() {
            if cancel.load(Ordering::SeqCst) {
                report.cancelled = true;
                break;
            }
            progress(SyncProgress { done: i as u32, total, source: Some(SourceKind::Municipal) });
            let at = self.now();
            let t = Instant::now();
            let municipal = sync_patient_record(&cache, s.platform.fhir(), &entry.patient_ref, page_size, &at).await;
            let m = &mut report.sources[0];
            m.elapsed_ms += t.elapsed().as_millis() as u64;
            match municipal {
                Ok(done) => {
                    m.items += done.items;
                    m.bytes += done.bytes;
                    report.incremental |= done.incremental;
                    add_unreadable(&mut report.unreadable, &done.unreadable);
                }
                Err(SyncError::Cache(e)) => return Err(e),
                Err(SyncError::Source(e)) => {
                    m.failed += 1;
                    tracing::warn!(error = %e, "a patient's platform record could not be synced");
                    self.note_reachability(Some(&e));
                    if !self.is_online() {
                        break;
                    }
                }
            }
            let nin = NationalId::parse(&entry.national_id.replace(' ', "")).ok();
            if let Some(nin) = nin {
                progress(SyncProgress { done: i as u32, total, source: Some(SourceKind::Kjernejournal) });
                self.sync_national(&s, &cache, &entry.patient_ref, nin, deadline, &mut report).await?;
            }
            report.patients += 1;
        }
        progress(SyncProgress { done: report.patients, total, source: None });
        if !report.cancelled {
            cache.with(|st| st.set_meta(LAST_SYNC_KEY, &self.now()))?;
        }
        self.remember_owner(&s).await;
        report.database_bytes = cache.with(|st| {
            st.connection().execute_batch("PRAGMA wal_checkpoint(PASSIVE);")?;
            Ok(st.size_bytes())
        })?;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::info!(patients = report.patients, elapsed_ms = report.elapsed_ms, "worklist synced");
        Ok(report)
    }

    /// One worklist patient's national answers, asked together on the care relationship
    /// and kept; the lookup is logged like opening the patient.
    async fn sync_national(
        &self,
        s: &SignedIn,
        cache: &LocalCache,
        patient_ref: &str,
        nin: NationalId,
        deadline: Duration,
        report: &mut SyncReport,
    ) -> Result<(), AppError> {
        // Kept for the session: opening the patient later uses the tokens this sync fetched.
        let decision = self.decide_for(s, nin.as_str(), None, true).await?;
        let set = self.sources_for(s, &decision).await?;
        let keys = PatientKeys {
            municipal_id: Some(patient_ref.to_string()),
            nin: Some(nin.clone()),
            nhn: aggregate::nhn_context(s.clinician.role, decision.grant.basis),
            today: self.today(),
            clock: self.clock(),
            critical_status: None,
        };
        let kinds: Vec<SourceKind> = aggregate::initial_statuses(&set, &keys)
            .into_iter()
            .filter(|st| st.source != SourceKind::Municipal && st.state == SourceState::Waiting)
            .map(|st| st.source)
            .collect();
        let asked =
            futures_util::future::join_all(kinds.iter().map(|&k| aggregate::ask(&set, &keys, k, deadline))).await;
        let mut names = vec![sources::municipal::SOURCE_NAME.to_string()];
        for (kind, answer, elapsed) in asked {
            let slot = report.sources.iter_mut().find(|x| x.source == kind).expect("every source has a slot");
            slot.elapsed_ms += elapsed.as_millis() as u64;
            names.push(aggregate::source_name(kind).into());
            match answer.as_ref().and_then(Answer::to_cached) {
                Some(kept) => {
                    let json = serde_json::to_string(&kept).expect("an answer serialises");
                    slot.items += 1;
                    slot.bytes += json.len() as u64;
                    cache.with(|st| st.put_answer(patient_ref, source_key(kind), &json, &self.now()))?;
                }
                None => slot.failed += 1,
            }
        }
        let entry = self.access_entry(s, nin.as_str(), "sync", names, &decision, "online");
        self.log_access(s, &entry).await;
        Ok(())
    }
}
