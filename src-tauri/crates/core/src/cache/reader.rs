//! Reading the cache with nothing but the keyring and the disk: a worklist patient's
//! view and the access log's check, whether or not anyone can sign in. The signed-in
//! workspace reads through the same code, so the two cannot drift.

use super::access_log::AccessLogEntry;
use super::record::cached_record;
use super::{LocalCache, MUNICIPAL};
use crate::access::{self, Decision};
use crate::aggregate::{self, Answer, CachedAnswer, PartSink, PatientKeys};
use crate::keystore::{load_master_key, SecretStore};
use crate::profile::OfflineSettings;
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::overview::{OverviewPart, PatientTarget, SourceKind, SourceState, SourceStatus};
use arbeidsflate_model::view::{Clinician, Worklist};
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::{Store, Verification};
use clock::SharedClock;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

pub(crate) const WORKLIST_KEY: &str = "worklist";
pub(crate) const LAST_SYNC_KEY: &str = "last_sync";
/// Who the cache belongs to, written at every sign-in.
pub(crate) const OWNER_KEY: &str = "owner";

/// The signed-in clinician as the cache remembers them: enough to log a lookup and
/// to keep the grace period when no one can sign in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CacheOwner {
    pub pid: String,
    pub clinician: Clinician,
    /// The organisation (sub-unit) number acted for, from the profile.
    pub organisation: Option<String>,
    /// Until when the sign-in could be renewed (RFC 3339), as last known.
    pub renewable_until: Option<String>,
    /// The national sources the profile named; the others are "not configured".
    pub configured: Vec<SourceKind>,
}

/// The cache's name for a source's kept answers.
pub(crate) fn source_key(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Municipal => MUNICIPAL,
        SourceKind::Kjernejournal => "kjernejournal",
        SourceKind::MedicationList => "medication_list",
        SourceKind::Documents => "documents",
        SourceKind::Person => "person",
        SourceKind::GpRegister => "gp_register",
    }
}

/// Removes the cached patients when the last sync is older than the retention;
/// `true` when it did.
pub(crate) fn expire_stale(
    settings: &OfflineSettings,
    clock: &SharedClock,
    cache: &LocalCache,
) -> Result<bool, AppError> {
    let retention = chrono::Duration::hours(settings.retention_hours as i64);
    let last = cache.with(|st| st.meta(LAST_SYNC_KEY))?;
    // A last sync in the future means the clock went back: the age is unknown, so it is stale.
    let stale = last.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).is_some_and(|t| {
        let age = clock.now().signed_duration_since(t);
        age > retention || age < -chrono::Duration::minutes(5)
    });
    if stale {
        cache.with(|st| st.purge_cache())?;
        tracing::info!("the offline cache passed its retention and was purged");
    }
    Ok(stale)
}

/// Past the grace period after the sign-in could no longer be renewed, the cached
/// patients are removed (unsent writes stay, to be sent after signing in again).
pub(crate) fn expire_after_grace(
    settings: &OfflineSettings,
    renewal_passed: Option<Duration>,
    cache: &LocalCache,
) -> Result<bool, AppError> {
    let grace = Duration::from_secs(settings.grace_hours as u64 * 3600);
    let expired = renewal_passed.is_some_and(|passed| passed > grace);
    if expired {
        cache.with(|st| st.purge_cache())?;
        tracing::info!("the offline grace period ran out; cached patients removed");
    }
    Ok(expired)
}

/// The worklist as last cached.
pub(crate) fn cached_worklist(cache: &LocalCache) -> Result<Worklist, AppError> {
    let json = cache
        .with(|st| st.meta(WORKLIST_KEY))?
        .ok_or_else(|| AppError::new(ErrorCode::NotCached, "the worklist was never prepared for offline use"))?;
    serde_json::from_str(&json).map_err(|e| AppError::new(ErrorCode::Internal, format!("cached worklist: {e}")))
}

/// Everything reading one patient from the cache needs.
pub(crate) struct CacheRead<'a> {
    pub cache: &'a LocalCache,
    pub owner: &'a CacheOwner,
    pub settings: &'a OfflineSettings,
    pub clock: &'a SharedClock,
    /// How long ago the sign-in stopped being renewable (`None` while it still is).
    pub renewal_passed: Option<Duration>,
}

/// A worklist patient's view from the cache: the platform's record as last synced plus
/// what was recorded here since, and each national source's last answer, every part
/// marked cached with its age. The lookup goes into the access log. Returns the
/// patient's platform id and every source's final status.
pub(crate) fn read_cached_view(
    read: &CacheRead<'_>,
    target: &PatientTarget,
    sink: PartSink,
) -> Result<(String, Vec<SourceStatus>), AppError> {
    let CacheRead { cache, owner, settings, clock, renewal_passed } = read;
    if expire_stale(settings, clock, cache)? {
        return Err(AppError::new(ErrorCode::NotCached, "the offline cache passed its retention period"));
    }
    if expire_after_grace(settings, *renewal_passed, cache)? {
        return Err(AppError::new(ErrorCode::SessionExpired, "the offline grace period ran out: sign in again"));
    }
    let list = cached_worklist(cache)?;
    let entry = list
        .entries
        .iter()
        .find(|e| match target {
            PatientTarget::Worklist { patient_ref } => &e.patient_ref == patient_ref,
            PatientTarget::NationalId { national_id } => e.national_id.replace(' ', "") == national_id.replace(' ', ""),
        })
        .ok_or_else(|| AppError::new(ErrorCode::NotCached, "only the patients on your worklist are kept offline"))?;
    let now = clock.now();
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let nin = NationalId::parse(&entry.national_id.replace(' ', "")).ok();
    let decision = access::decide(None, None, true, &at)?;
    let keys = PatientKeys {
        municipal_id: Some(entry.patient_ref.clone()),
        nin: nin.clone(),
        nhn: aggregate::nhn_context(owner.clinician.role, decision.grant.basis),
        today: clock::clinical_day(now),
        clock: (*clock).clone(),
        critical_status: None,
    };
    let statuses: Vec<SourceStatus> = SourceKind::ALL
        .iter()
        .map(|&k| {
            let configured = k == SourceKind::Municipal || (nin.is_some() && owner.configured.contains(&k));
            SourceStatus {
                source: k,
                name: aggregate::source_name(k).into(),
                state: if configured { SourceState::Waiting } else { SourceState::NotConfigured },
                fetched_at: None,
                elapsed_ms: None,
                detail: None,
            }
        })
        .collect();
    let mut answers = Vec::new();
    let fetched = cache.with(|st| st.fetched(MUNICIPAL, &entry.patient_ref))?;
    if let (Some(record), Some(fetched)) = (cached_record(cache, &entry.patient_ref, now.timestamp_millis())?, fetched)
    {
        let overview = sources::record::build_overview(
            &entry.patient_ref,
            &record,
            sources::municipal::SOURCE_NAME,
            &fetched.fetched_at,
            keys.today,
            now,
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
    let asked = answers.iter().map(|(k, _, _)| aggregate::source_name(*k).to_string()).collect();
    let patient = nin.as_ref().map(|n| n.as_str().to_string()).unwrap_or(entry.patient_ref.clone());
    let logged = owner_entry(owner, &patient, "view", asked, &decision, "cache");
    append_access(cache, &at, &logged);
    sink(vec![OverviewPart::Opened {
        patient_ref: entry.patient_ref.clone(),
        access: decision.grant.clone(),
        sources: statuses.clone(),
    }]);
    Ok((entry.patient_ref.clone(), aggregate::replay(statuses, answers, &keys, sink)))
}

/// Kjernejournal's allergies for the patient as the cache kept them (none when it kept
/// no answer, or the answer was a reservation, a restriction or no critical information).
pub(crate) fn cached_critical_allergies(
    cache: &LocalCache,
    patient_ref: &str,
) -> Vec<arbeidsflate_model::view::Allergy> {
    use crate::aggregate::CachedAnswer;
    use arbeidsflate_model::overview::SourceKind;
    let key = source_key(SourceKind::Kjernejournal);
    let kept = cache.with(|st| st.answers(patient_ref)).unwrap_or_default();
    kept.into_iter()
        .filter(|k| k.source == key)
        .find_map(|k| match serde_json::from_str::<CachedAnswer>(&k.json) {
            Ok(CachedAnswer::Kjernejournal(sources::kjernejournal::KjOutcome::Allergies(list))) => Some(list),
            _ => None,
        })
        .unwrap_or_default()
}

/// The access log entry for a lookup or write by `owner`.
pub(crate) fn owner_entry(
    owner: &CacheOwner,
    patient: &str,
    action: &str,
    sources: Vec<String>,
    decision: &Decision,
    mode: &str,
) -> AccessLogEntry {
    AccessLogEntry {
        user_pid: owner.pid.clone(),
        hpr_number: owner.clinician.hpr_number.clone(),
        role: owner.clinician.role.hpr_category().into(),
        user_name: owner.clinician.name.clone(),
        organisation: owner.organisation.clone(),
        point_of_care: owner.clinician.unit_name.clone(),
        patient: patient.to_string(),
        action: action.into(),
        sources,
        basis: decision.grant.basis.header_value().into(),
        emergency_reason: decision.grant.reason.clone(),
        mode: mode.into(),
        app: None,
    }
}

/// Appends to the cache's access log; a failure is said in the technical log, without
/// patient data.
pub(crate) fn append_access(cache: &LocalCache, at: &str, entry: &AccessLogEntry) {
    let json = serde_json::to_string(entry).expect("an access entry serialises");
    if let Err(e) = cache.with(|st| st.append_access(at, &json)) {
        tracing::error!(code = ?e.code, "the access log could not be written");
    }
}

/// A clinician's cache opened with no network and no sign-in: for reading worklist
/// patients during an outage and for checking the access log (`patient --offline`,
/// `audit verify`). Nothing is fetched and nothing is sent.
pub struct OfflineReader {
    cache: LocalCache,
    owner: CacheOwner,
    settings: OfflineSettings,
    clock: SharedClock,
}

impl OfflineReader {
    /// Opens `user_pid`'s cache under `data_dir` with the master key in `keys`. A cache
    /// that does not exist, or whose key is not in the keyring, is an error: nothing is
    /// made, replaced or removed here (except what the retention and grace rules remove).
    pub fn open(
        settings: &OfflineSettings,
        data_dir: &Path,
        user_pid: &str,
        keys: &dyn SecretStore,
        clock: SharedClock,
    ) -> Result<Self, AppError> {
        let not_prepared = || {
            AppError::new(
                ErrorCode::NotCached,
                "this user has no offline cache on this machine: sign in and prepare the worklist first",
            )
        };
        if !settings.enabled || settings.wipe {
            return Err(AppError::new(ErrorCode::OfflineUnavailable, "offline use is turned off in the profile"));
        }
        let master = load_master_key(keys, user_pid)?.ok_or_else(not_prepared)?;
        let store = Store::open_if_present(data_dir, user_pid, &master).map_err(super::from_store)?;
        let cache = LocalCache { store: std::sync::Mutex::new(store.ok_or_else(not_prepared)?) };
        let owner = cache.with(|st| st.meta(OWNER_KEY))?.ok_or_else(not_prepared)?;
        let owner: CacheOwner = serde_json::from_str(&owner)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("the cache's owner record: {e}")))?;
        if owner.pid != user_pid {
            return Err(AppError::new(ErrorCode::Internal, "the cache belongs to someone else"));
        }
        Ok(Self { cache, owner, settings: settings.clone(), clock })
    }

    /// Who the cache belongs to.
    pub fn clinician(&self) -> &Clinician {
        &self.owner.clinician
    }

    /// A worklist patient's view from the cache (see the signed-in workspace's
    /// `open_cached_view`); the lookup is logged.
    pub fn open_view(&self, target: &PatientTarget, sink: PartSink) -> Result<Vec<SourceStatus>, AppError> {
        let renewal_passed = self
            .owner
            .renewable_until
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .and_then(|until| (self.clock.now() - until.to_utc()).to_std().ok());
        let read = CacheRead {
            cache: &self.cache,
            owner: &self.owner,
            settings: &self.settings,
            clock: &self.clock,
            renewal_passed,
        };
        read_cached_view(&read, target, sink).map(|(_, statuses)| statuses)
    }

    /// Checks the access log's hash chain.
    pub fn verify_access_log(&self) -> Result<Verification, AppError> {
        self.cache.with(|st| st.verify_access_log())
    }
}
