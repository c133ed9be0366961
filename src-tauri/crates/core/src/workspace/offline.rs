//! The workspace offline: the user's cache, whether the platform is reachable, the
//! access log, and the view read from the cache.

use super::{SignedIn, Workspace};
use crate::access::{self, Decision};
use crate::aggregate::{self, Answer, CachedAnswer, PartSink, PatientKeys};
use crate::offline::access_entry::AccessLogEntry;
use crate::offline::cached_view::cached_record;
use crate::offline::{LocalCache, LocalState, MUNICIPAL};
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::offline::OfflineStatus;
use arbeidsflate_model::overview::{OverviewPart, PatientTarget, SourceKind, SourceState, SourceStatus};
use arbeidsflate_model::view::Worklist;
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::{OutboxState, Verification};
use std::sync::atomic::Ordering;
use std::sync::Arc;

const WORKLIST_KEY: &str = "worklist";
pub(super) const LAST_SYNC_KEY: &str = "last_sync";

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
            if let Err(e) = cache.with(|st| st.append_access(&self.now(), &json)) {
                tracing::error!(code = ?e.code, "the access log could not be written");
            }
            return;
        }
        let event = crate::offline::access_entry::audit_event(entry, &self.now(), &sources::random_uuid());
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

    /// Treats the platform as out of reach until it is next heard from: writes wait in
    /// the outbox (the command line's `--hold`, for drills and fault tests).
    pub fn assume_offline(&self) {
        self.note_reachability(Some(&sources::SourceError::Unreachable("assumed offline".into())));
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
                    cache.with(|st| Ok((st.meta(LAST_SYNC_KEY)?, st.synced_patient_count()?, st.outbox()?)))?;
                status.last_sync = last;
                status.cached_patients = patients as u32;
                status.unsent = outbox.len() as u32;
                status.failed = outbox.iter().filter(|e| e.state == OutboxState::Failed).count() as u32;
                status.conflicts = outbox.iter().filter(|e| e.state == OutboxState::Conflict).count() as u32;
            }
        }
        Ok(status)
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
        let decision = access::decide(None, None, true, &self.now())?;
        *s.open_ref.write().await = Some(entry.patient_ref.clone());
        let keys = PatientKeys {
            municipal_id: Some(entry.patient_ref.clone()),
            nin: nin.clone(),
            nhn: self.nhn_context(s.clinician.role, decision.grant.basis),
            today: self.today(),
            clock: self.clock(),
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
        if let (Some(record), Some(fetched)) = (cached_record(&cache, &entry.patient_ref, self.now_ms())?, fetched) {
            let overview = sources::record::build_overview(
                &entry.patient_ref,
                &record,
                sources::municipal::SOURCE_NAME,
                &fetched.fetched_at,
                keys.today,
                self.clock.now(),
            )
            .map_err(crate::errors::from_source)?;
            answers.push((SourceKind::Municipal, Answer::Municipal(Ok(Some(Box::new(overview)))), fetched.fetched_at));
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
}

/// The cache's name for a national source's answers.
pub(super) fn source_key(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Municipal => MUNICIPAL,
        SourceKind::Kjernejournal => "kjernejournal",
        SourceKind::MedicationList => "medication_list",
        SourceKind::Documents => "documents",
        SourceKind::Person => "person",
    }
}
