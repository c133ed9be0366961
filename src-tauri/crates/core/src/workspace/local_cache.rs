//! The workspace offline: the user's cache, whether the platform is reachable, the
//! access log, and the view read from the cache.

use super::{SignedIn, Workspace};
use crate::access::Decision;
use crate::aggregate::PartSink;
use crate::cache::access_log::AccessLogEntry;
use crate::cache::reader::{
    append_access, cached_worklist, owner_entry, read_cached_view, CacheOwner, CacheRead, LAST_SYNC_KEY, OWNER_KEY,
    WORKLIST_KEY,
};
use crate::cache::{LocalCache, LocalState};
use arbeidsflate_model::offline::OfflineStatus;
use arbeidsflate_model::overview::{PatientTarget, SourceKind, SourceStatus};
use arbeidsflate_model::view::Worklist;
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::{OutboxState, Verification};
use std::sync::atomic::Ordering;
use std::sync::Arc;

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
        owner_entry(&self.owner_without_renewal(s), patient, action, sources, decision, mode)
    }

    /// Who the cache belongs to, as kept in it at sign-in for reading it offline.
    pub(super) async fn owner_of(&self, s: &SignedIn) -> CacheOwner {
        CacheOwner {
            renewable_until: Some(s.session.renewable_until().await.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ..self.owner_without_renewal(s)
        }
    }

    fn owner_without_renewal(&self, s: &SignedIn) -> CacheOwner {
        CacheOwner {
            pid: s.session.user.pid.expose().to_string(),
            clinician: s.clinician.clone(),
            organisation: self.profile.organisation.as_ref().map(|o| o.child_orgnr.clone()),
            renewable_until: None,
            configured: SourceKind::ALL.iter().copied().filter(|&k| self.profile.national.is_configured(k)).collect(),
        }
    }

    /// Keeps who the cache belongs to (at sign-in and after each sync, when the
    /// sign-in's renewal may have moved), so it can be read with no sign-in.
    pub(super) async fn remember_owner(&self, s: &SignedIn) {
        if let Ok(cache) = self.cache_of(s).await {
            let json = serde_json::to_string(&self.owner_of(s).await).expect("an owner serialises");
            if let Err(e) = cache.with(|st| st.set_meta(OWNER_KEY, &json)) {
                tracing::warn!(code = ?e.code, "the cache's owner could not be kept");
            }
        }
    }

    /// Appends an access log entry. Without a cache it goes straight to the platform as
    /// an AuditEvent (best effort, said in the technical log without patient data).
    pub(super) async fn log_access(&self, s: &SignedIn, entry: &AccessLogEntry) {
        if let Ok(cache) = self.cache_of(s).await {
            append_access(&cache, &self.now(), entry);
            return;
        }
        let event = crate::cache::access_log::audit_event(entry, &self.now(), &sources::random_uuid());
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
        cached_worklist(&*self.cache_of(s).await?)
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
        let owner = self.owner_of(&s).await;
        let read = CacheRead {
            cache: &cache,
            owner: &owner,
            settings: &self.profile.offline,
            clock: &self.clock,
            renewal_passed: s.session.renewable_until_passed(self.clock.now()).await,
        };
        let (patient_ref, statuses) = read_cached_view(&read, target, sink)?;
        *s.open_ref.write().await = Some(patient_ref);
        Ok(statuses)
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
        *local = crate::cache::recreate_local(&self.data_dir, s.session.user.pid.expose(), self.keys.as_ref());
        Ok(())
    }
}
