//! The workspace offline: preparing the worklist for a shift without network, the view
//! read from the cache, writes through the outbox, and the access log.

use super::{SignedIn, Workspace};
use crate::access::{self, Decision};
use crate::aggregate::{self, Answer, CachedAnswer, PartSink, PatientKeys, SourceSet};
use crate::offline::access_entry::AccessLogEntry;
use crate::offline::cached_view::cached_record;
use crate::offline::drain::{drain, DrainReport};
use crate::offline::sync::{sync_patient_record, SyncError};
use crate::offline::writes::{self, OutboxRequest};
use crate::offline::{LocalCache, LocalState, MUNICIPAL};
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::offline::{
    ConflictChoice, ConflictView, OfflineStatus, OutboxItem, OutboxItemState, SourceSync, SyncProgress, SyncReport,
    VitalsEntry, WriteKind, WriteReceipt,
};
use arbeidsflate_model::overview::{OverviewPart, PatientTarget, SourceKind, SourceState, SourceStatus};
use arbeidsflate_model::view::Worklist;
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::{AccessEntry, NewWrite, OutboxState, Verification};
use chrono::{Local, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WORKLIST_KEY: &str = "worklist";
const LAST_SYNC_KEY: &str = "last_sync";

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn no_cache(local: &LocalState) -> AppError {
    match local {
        LocalState::Unavailable { detail, .. } => AppError::new(ErrorCode::OfflineUnavailable, detail.clone()),
        LocalState::Ready { .. } => AppError::new(ErrorCode::Internal, "the cache is ready"),
    }
}

impl Workspace {
    pub(super) async fn cache_of(&self, s: &SignedIn) -> Result<Arc<LocalCache>, AppError> {
        let local = s.local.read().await;
        local.cache().cloned().ok_or_else(|| no_cache(&local))
    }

    /// The access log entry for `patient` with the decision in force.
    pub(super) fn access_entry(
        &self,
        s: &SignedIn,
        patient: &str,
        action: &str,
        sources: Vec<String>,
        decision: &Decision,
        mode: &str,
    ) -> AccessLogEntry {
        AccessLogEntry {
            user_pid: s.session.user.pid.expose().to_string(),
            hpr_number: s.clinician.hpr_number.clone(),
            role: s.clinician.role.hpr_category().into(),
            user_name: s.clinician.name.clone(),
            organisation: self.profile.organisation.as_ref().map(|o| o.child_orgnr.clone()),
            point_of_care: s.clinician.unit_name.clone(),
            patient: patient.to_string(),
            action: action.into(),
            sources,
            basis: decision.grant.basis.header_value().into(),
            emergency_reason: decision.grant.reason.clone(),
            mode: mode.into(),
        }
    }

    /// Appends an access log entry. Without a cache it goes straight to the platform as
    /// an AuditEvent (best effort, said in the technical log without patient data).
    pub(super) async fn log_access(&self, s: &SignedIn, entry: &AccessLogEntry) {
        let json = serde_json::to_string(entry).expect("an access entry serialises");
        if let Ok(cache) = self.cache_of(s).await {
            if let Err(e) = cache.with(|st| st.append_access(&now(), &json)) {
                tracing::error!(code = ?e.code, "the access log could not be written");
            }
            return;
        }
        let hash = arbeidsflate_store::user_tag(&format!("{json}{}", now()));
        let event = crate::offline::access_entry::audit_event(entry, &now(), &format!("{hash}{hash}"));
        if let Err(e) = s.platform.fhir().put(&event).await {
            tracing::error!(error = %e, "an access log entry could not be shipped and there is no cache to keep it");
        }
    }

    pub(super) fn note_reachability(&self, e: Option<&sources::SourceError>) {
        let reachable = !matches!(e, Some(sources::SourceError::Unreachable(_)));
        if self.online.swap(reachable, Ordering::SeqCst) != reachable {
            tracing::info!(online = reachable, "platform reachability changed");
        }
    }

    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::SeqCst)
    }

    /// Keeps the worklist for offline use.
    pub(super) async fn cache_worklist(&self, s: &SignedIn, list: &Worklist) {
        if let Ok(cache) = self.cache_of(s).await {
            let json = serde_json::to_string(list).expect("a worklist serialises");
            if let Err(e) = cache.with(|st| st.set_meta(WORKLIST_KEY, &json)) {
                tracing::warn!(code = ?e.code, "the worklist could not be cached");
            }
        }
    }

    /// The worklist as last cached (offline).
    pub(super) async fn cached_worklist(&self, s: &SignedIn) -> Result<Worklist, AppError> {
        let cache = self.cache_of(s).await?;
        let json = cache
            .with(|st| st.meta(WORKLIST_KEY))?
            .ok_or_else(|| AppError::new(ErrorCode::NotCached, "the worklist was never prepared for offline use"))?;
        serde_json::from_str(&json).map_err(|e| AppError::new(ErrorCode::Internal, format!("cached worklist: {e}")))
    }

    pub async fn offline_status(&self) -> Result<OfflineStatus, AppError> {
        let s = self.current().await?;
        let local = s.local.read().await;
        let mut status = OfflineStatus {
            online: self.is_online(),
            cache_available: false,
            unavailable: None,
            detail: None,
            last_sync: None,
            cached_patients: 0,
            unsent: 0,
            failed: 0,
            conflicts: 0,
            recreated: None,
        };
        match &*local {
            LocalState::Unavailable { why, detail } => {
                status.unavailable = Some(*why);
                status.detail = Some(detail.clone());
            }
            LocalState::Ready { cache, recreated } => {
                status.cache_available = true;
                status.recreated = recreated.clone();
                let (last, patients, outbox) =
                    cache.with(|st| Ok((st.meta(LAST_SYNC_KEY)?, st.cached_patients()?.len(), st.outbox()?)))?;
                status.last_sync = last;
                status.cached_patients = patients as u32;
                status.unsent = outbox.len() as u32;
                status.failed = outbox.iter().filter(|e| e.state == OutboxState::Failed).count() as u32;
                status.conflicts = outbox.iter().filter(|e| e.state == OutboxState::Conflict).count() as u32;
            }
        }
        Ok(status)
    }

    /// Prepares the worklist for offline use: every patient's platform record
    /// (incrementally after the first time) and every national source's answer, with
    /// progress per patient and source; `cancel` stops between steps, keeping what is
    /// stored. Patients who left the worklist, and everything past retention, go.
    pub async fn sync(&self, progress: impl Fn(SyncProgress), cancel: &AtomicBool) -> Result<SyncReport, AppError> {
        let started = Instant::now();
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        self.expire_stale_cache(&cache)?;
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
        };
        let page_size = self.profile.offline.page_size as usize;
        let deadline = Duration::from_secs(self.profile.session.source_deadline_seconds);
        for (i, entry) in patients.iter().enumerate() {
            if cancel.load(Ordering::SeqCst) {
                report.cancelled = true;
                break;
            }
            progress(SyncProgress { done: i as u32, total, source: Some(SourceKind::Municipal) });
            let at = now();
            let t = Instant::now();
            let municipal = sync_patient_record(&cache, s.platform.fhir(), &entry.patient_ref, page_size, &at).await;
            let m = &mut report.sources[0];
            m.elapsed_ms += t.elapsed().as_millis() as u64;
            match municipal {
                Ok(done) => {
                    m.items += done.items;
                    m.bytes += done.bytes;
                    report.incremental |= done.incremental;
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
            cache.with(|st| st.set_meta(LAST_SYNC_KEY, &now()))?;
        }
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
        let decision = access::decide(None, None, true)?;
        let set = self.source_set(s, &decision).await?;
        let keys = PatientKeys {
            municipal_id: Some(patient_ref.to_string()),
            nin: Some(nin.clone()),
            nhn: self.nhn_context(s.clinician.role, decision.grant.basis),
            today: Local::now().date_naive(),
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
                    cache.with(|st| st.put_answer(patient_ref, source_key(kind), &json, &now()))?;
                }
                None => slot.failed += 1,
            }
        }
        let entry = self.access_entry(s, nin.as_str(), "sync", names, &decision, "online");
        self.log_access(s, &entry).await;
        Ok(())
    }

    /// Past the offline grace period after the sign-in could no longer be renewed, the
    /// cached patients are removed (unsent writes stay, to be sent after signing in again).
    async fn grace_expired(&self, s: &SignedIn, cache: &LocalCache) -> Result<bool, AppError> {
        let grace = Duration::from_secs(self.profile.offline.grace_hours as u64 * 3600);
        let expired = s.session.renewable_until_passed().await.is_some_and(|passed| passed > grace);
        if expired {
            cache.with(|st| st.purge_cache())?;
            tracing::info!("the offline grace period ran out; cached patients removed");
        }
        Ok(expired)
    }

    /// Removes the cache when the last sync is older than the profile's retention.
    fn expire_stale_cache(&self, cache: &LocalCache) -> Result<bool, AppError> {
        let retention = chrono::Duration::hours(self.profile.offline.retention_hours as i64);
        let last = cache.with(|st| st.meta(LAST_SYNC_KEY))?;
        // A last sync in the future means the clock went back: the age is unknown, so it is stale.
        let stale = last.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).is_some_and(|t| {
            let age = Utc::now().signed_duration_since(t);
            age > retention || age < -chrono::Duration::minutes(5)
        });
        if stale {
            cache.with(|st| st.purge_cache())?;
            tracing::info!("the offline cache passed its retention and was purged");
        }
        Ok(stale)
    }

    /// Opens a worklist patient from the cache only: the platform's record as last
    /// synced plus what was recorded here since, and each national source's last
    /// answer, every part marked cached with its age. The lookup is logged.
    pub async fn open_cached_view(
        &self,
        target: &PatientTarget,
        sink: PartSink,
    ) -> Result<Vec<SourceStatus>, AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        if self.expire_stale_cache(&cache)? {
            return Err(AppError::new(ErrorCode::NotCached, "the offline cache passed its retention period"));
        }
        if self.grace_expired(&s, &cache).await? {
            return Err(AppError::new(ErrorCode::SessionExpired, "the offline grace period ran out: sign in again"));
        }
        let list = self.cached_worklist(&s).await?;
        let entry = list
            .entries
            .iter()
            .find(|e| match target {
                PatientTarget::Worklist { patient_ref } => &e.patient_ref == patient_ref,
                PatientTarget::NationalId { national_id } => {
                    e.national_id.replace(' ', "") == national_id.replace(' ', "")
                }
            })
            .ok_or_else(|| {
                AppError::new(ErrorCode::NotCached, "only the patients on your worklist are kept offline")
            })?;
        let nin = NationalId::parse(&entry.national_id.replace(' ', "")).ok();
        let decision = access::decide(None, None, true)?;
        let keys = PatientKeys {
            municipal_id: Some(entry.patient_ref.clone()),
            nin: nin.clone(),
            nhn: self.nhn_context(s.clinician.role, decision.grant.basis),
            today: Local::now().date_naive(),
            critical_status: None,
        };
        let mut statuses: Vec<SourceStatus> = SourceKind::ALL
            .iter()
            .map(|&k| {
                let configured = k == SourceKind::Municipal || self.profile.national.is_configured(k);
                let state = if configured { SourceState::Waiting } else { SourceState::NotConfigured };
                SourceStatus {
                    source: k,
                    name: aggregate::source_name(k).into(),
                    state,
                    fetched_at: None,
                    elapsed_ms: None,
                    detail: None,
                }
            })
            .collect();
        if nin.is_none() {
            for st in statuses.iter_mut().filter(|st| st.source != SourceKind::Municipal) {
                st.state = SourceState::NotConfigured;
            }
        }
        let mut answers = Vec::new();
        let fetched = cache.with(|st| st.fetched(MUNICIPAL, &entry.patient_ref))?;
        if let (Some(record), Some(fetched)) = (cached_record(&cache, &entry.patient_ref, now_ms())?, fetched) {
            let overview = sources::record::build_overview(
                &entry.patient_ref,
                &record,
                &fetched.fetched_at,
                keys.today,
                Utc::now(),
            )
            .map_err(crate::errors::from_source)?;
            answers.push((SourceKind::Municipal, Answer::Municipal(Ok(Some(overview))), fetched.fetched_at));
        }
        for kept in cache.with(|st| st.answers(&entry.patient_ref))? {
            let Some(kind) = SourceKind::ALL.iter().copied().find(|&k| source_key(k) == kept.source) else { continue };
            if let Ok(answer) = serde_json::from_str::<CachedAnswer>(&kept.json) {
                answers.push((kind, answer.into(), kept.fetched_at));
            }
        }
        let sources = answers.iter().map(|(k, _, _)| aggregate::source_name(*k).to_string()).collect();
        let patient = nin.as_ref().map(|n| n.as_str().to_string()).unwrap_or(entry.patient_ref.clone());
        let logged = self.access_entry(&s, &patient, "view", sources, &decision, "cache");
        self.log_access(&s, &logged).await;
        sink(vec![OverviewPart::Opened {
            patient_ref: entry.patient_ref.clone(),
            access: decision.grant.clone(),
            sources: statuses.clone(),
        }]);
        Ok(aggregate::replay(statuses, answers, &keys, sink))
    }

    /// The platform's practitioner reference of the signed-in clinician.
    fn practitioner_ref(s: &SignedIn) -> String {
        format!("Practitioner/{}", s.context.practitioner_id)
    }

    /// Queues a write with what it shows locally and its access log entry, then tries
    /// to send it at once when online.
    async fn queue_write(
        &self,
        s: &SignedIn,
        patient_ref: &str,
        kind: WriteKind,
        summary: &str,
        request: &OutboxRequest,
        local: &[serde_json::Value],
    ) -> Result<WriteReceipt, AppError> {
        let cache = self.cache_of(s).await?;
        let list = match self.cached_worklist(s).await {
            Ok(l) => l,
            Err(_) => self.worklist().await?,
        };
        let entry = list
            .entries
            .iter()
            .find(|e| e.patient_ref == patient_ref)
            .ok_or_else(|| AppError::new(ErrorCode::PatientNotFound, "the patient is not on your worklist"))?;
        let decision = access::decide(None, None, true)?;
        let action = format!("write:{}", kind_name(kind));
        let patient = entry.national_id.replace(' ', "");
        let logged = self.access_entry(
            s,
            &patient,
            &action,
            vec![sources::municipal::SOURCE_NAME.into()],
            &decision,
            if self.is_online() { "online" } else { "cache" },
        );
        let body = serde_json::to_string(request).expect("a request serialises");
        let client_id = sources::random_uuid();
        let at = now();
        let entry_json = serde_json::to_string(&logged).expect("an access entry serialises");
        let write = NewWrite {
            client_id: &client_id,
            created_at: &at,
            kind: kind_name(kind),
            patient_key: patient_ref,
            summary,
            body: &body,
        };
        let seq =
            cache.with(|st| st.enqueue(&write, MUNICIPAL, local, &AccessEntry { at: &at, entry: &entry_json }))?;
        tracing::info!(kind = kind_name(kind), "write queued");
        let mut sent = false;
        if self.is_online() {
            let report = self.drain_outbox().await?;
            sent = report.sent > 0 && cache.with(|st| st.outbox_entry(seq))?.is_none();
        }
        Ok(WriteReceipt { outbox_id: seq, sent })
    }

    pub async fn record_vitals(&self, patient_ref: &str, vitals: &VitalsEntry) -> Result<WriteReceipt, AppError> {
        writes::validate_vitals(vitals)?;
        let s = self.current().await?;
        let observations =
            writes::vitals_observations(vitals, patient_ref, &Self::practitioner_ref(&s), &now(), sources::random_uuid);
        let request = OutboxRequest::Transaction { bundle: writes::conditional_creates(&observations) };
        let summary = format!("{} målinger", observations.len());
        self.queue_write(&s, patient_ref, WriteKind::Vitals, &summary, &request, &observations).await
    }

    pub async fn record_note(&self, patient_ref: &str, text: &str) -> Result<WriteReceipt, AppError> {
        let s = self.current().await?;
        let note =
            writes::nursing_note(text, &sources::random_uuid(), patient_ref, &Self::practitioner_ref(&s), &now())?;
        let request = OutboxRequest::Transaction { bundle: writes::conditional_creates(std::slice::from_ref(&note)) };
        self.queue_write(&s, patient_ref, WriteKind::Note, "Sykepleienotat", &request, &[note]).await
    }

    /// Completes a task on the version the clinician saw; a newer one on the server
    /// becomes a conflict to settle, never an overwrite.
    pub async fn complete_task(&self, patient_ref: &str, task_id: &str) -> Result<WriteReceipt, AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        let task = match cache.with(|st| st.resource("Task", task_id))? {
            Some(t) => t,
            None if self.is_online() => {
                s.platform.fhir().read("Task", task_id).await.map_err(crate::errors::from_source)?
            }
            None => return Err(AppError::new(ErrorCode::NotCached, "the task is not in the offline cache")),
        };
        if task["for"]["reference"].as_str() != Some(&format!("Patient/{patient_ref}")) {
            return Err(AppError::new(ErrorCode::InvalidInput, "the task is not this patient's"));
        }
        let version = task["meta"]["versionId"].as_str().unwrap_or("1").to_string();
        let done = writes::completed_task(&task, &now())
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "the task is not open"))?;
        let summary =
            sources::normalize::task(&task, "", "").map(|t| t.description).unwrap_or_else(|| "Oppgave".into());
        let request = OutboxRequest::Update { resource: done.clone(), if_match: version };
        self.queue_write(&s, patient_ref, WriteKind::TaskCompleted, &summary, &request, &[done]).await
    }

    /// Sends what waits in the outbox, then ships the access log.
    pub async fn drain_outbox(&self) -> Result<DrainReport, AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        let _one_at_a_time = self.draining.lock().await;
        let report = drain(&cache, s.platform.fhir(), now_ms).await?;
        self.online.store(report.deferred == 0 || report.session_expired, Ordering::SeqCst);
        if report.sent + report.failed + report.conflicts > 0 {
            tracing::info!(sent = report.sent, failed = report.failed, conflicts = report.conflicts, "outbox drained");
        }
        Ok(report)
    }

    pub async fn outbox_items(&self) -> Result<Vec<OutboxItem>, AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        Ok(cache.with(|st| st.outbox())?.into_iter().map(outbox_item).collect())
    }

    pub async fn retry_write(&self, id: i64) -> Result<(), AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        if !cache.with(|st| st.requeue(id, None))? {
            return Err(AppError::new(ErrorCode::InvalidInput, "no such write in the outbox"));
        }
        // Asked for by the user: tried now, online or not (a failure queues it again).
        self.drain_outbox().await?;
        Ok(())
    }

    /// Drops a queued write (the UI asks first).
    pub async fn discard_write(&self, id: i64) -> Result<(), AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        if !cache.with(|st| st.discard(id))? {
            return Err(AppError::new(ErrorCode::InvalidInput, "no such write in the outbox"));
        }
        tracing::info!("a queued write was discarded by the user");
        Ok(())
    }

    /// Settles a conflict: my change on top of the platform's version, or theirs stands.
    pub async fn resolve_conflict(&self, id: i64, choice: ConflictChoice) -> Result<(), AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        let entry = cache
            .with(|st| st.outbox_entry(id))?
            .filter(|e| e.state == OutboxState::Conflict)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "no conflict with that id"))?;
        let theirs: serde_json::Value =
            serde_json::from_str(entry.conflict.as_deref().unwrap_or("null")).unwrap_or_default();
        match choice {
            ConflictChoice::TakeTheirs => {
                cache.with(|st| {
                    st.discard(id)?;
                    if theirs.is_object() {
                        st.put_resources(MUNICIPAL, &entry.patient_key, std::slice::from_ref(&theirs))?;
                    }
                    Ok(())
                })?;
            }
            ConflictChoice::KeepMine => {
                let Ok(OutboxRequest::Update { resource: mine, .. }) = serde_json::from_str(&entry.body) else {
                    return Err(AppError::new(ErrorCode::InvalidInput, "only an update can be re-applied"));
                };
                let version = theirs["meta"]["versionId"]
                    .as_str()
                    .ok_or_else(|| AppError::new(ErrorCode::ServiceError, "the platform's version is not known"))?;
                let mut merged = theirs.clone();
                for field in ["status", "lastModified", "executionPeriod"] {
                    merged[field] = mine[field].clone();
                }
                let body = serde_json::to_string(&OutboxRequest::Update { resource: merged, if_match: version.into() })
                    .expect("a request serialises");
                cache.with(|st| st.requeue(id, Some(&body)))?;
                if self.is_online() {
                    self.drain_outbox().await?;
                }
            }
        }
        Ok(())
    }

    /// Checks the access log's hash chain.
    pub async fn verify_access_log(&self) -> Result<Verification, AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        cache.with(|st| st.verify_access_log())
    }

    /// Makes an unreadable cache anew after the user accepted that its unsent writes are lost.
    pub async fn recreate_cache(&self) -> Result<(), AppError> {
        let s = self.current().await?;
        let mut local = s.local.write().await;
        if !matches!(
            &*local,
            LocalState::Unavailable { why: arbeidsflate_model::offline::OfflineUnavailable::Unreadable, .. }
        ) {
            return Err(AppError::new(ErrorCode::InvalidInput, "the cache is not waiting to be recreated"));
        }
        *local = crate::offline::recreate_local(&self.data_dir, s.session.user.pid.expose(), self.keys.as_ref());
        Ok(())
    }

    /// Adapters for one patient with the decision in force (attested where the profile allows).
    pub(super) async fn source_set<'a>(&self, s: &'a SignedIn, decision: &Decision) -> Result<SourceSet<'a>, AppError> {
        self.sources_for(s, decision).await
    }
}

/// The cache's name for a national source's answers.
fn source_key(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Municipal => MUNICIPAL,
        SourceKind::Kjernejournal => "kjernejournal",
        SourceKind::MedicationList => "medication_list",
        SourceKind::Documents => "documents",
        SourceKind::Person => "person",
    }
}

fn kind_name(kind: WriteKind) -> &'static str {
    match kind {
        WriteKind::Vitals => "vitals",
        WriteKind::Note => "note",
        WriteKind::TaskCompleted => "task-completed",
    }
}

fn outbox_item(e: arbeidsflate_store::OutboxEntry) -> OutboxItem {
    let kind = match e.kind.as_str() {
        "note" => WriteKind::Note,
        "task-completed" => WriteKind::TaskCompleted,
        _ => WriteKind::Vitals,
    };
    let state = match e.state {
        OutboxState::Queued => OutboxItemState::Queued,
        OutboxState::Failed => OutboxItemState::Failed,
        OutboxState::Conflict => OutboxItemState::Conflict,
    };
    let conflict = e.conflict.as_deref().map(|theirs| {
        let theirs: serde_json::Value = serde_json::from_str(theirs).unwrap_or_default();
        let mine: Option<OutboxRequest> = serde_json::from_str(&e.body).ok();
        let mine_status = match &mine {
            Some(OutboxRequest::Update { resource, .. }) => resource["status"].as_str().unwrap_or("").to_string(),
            _ => String::new(),
        };
        ConflictView {
            mine: sources::sanitize::text(&mine_status),
            theirs: sources::sanitize::text(theirs["status"].as_str().unwrap_or("")),
            their_updated: theirs["meta"]["lastUpdated"].as_str().map(sources::sanitize::text),
        }
    });
    OutboxItem {
        id: e.seq,
        kind,
        created_at: e.created_at,
        summary: sources::sanitize::text(&e.summary),
        patient_ref: e.patient_key,
        state,
        attempts: e.attempts,
        last_error: e.last_error.map(|x| sources::sanitize::text(&x)),
        conflict,
    }
}
