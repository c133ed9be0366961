//! The clinician's workspace: sign in, the worklist, open a patient. One instance per
//! running app; the desktop shell and the CLI both drive it.

mod apps;
mod critical_status;
pub(crate) mod decision_support;
pub mod gp_register;
pub mod layout;
mod local_cache;
mod patient_view;
mod prepare;
mod signals;
mod vitals;
mod worklist_sync;
mod writes;

use crate::access::Decision;
use crate::cache::LocalState;
use crate::errors::{from_helseid, from_source};
use crate::keystore::{load_or_create_keys, SecretStore};
use crate::profile::EnvironmentKind;
use crate::profile::Profile;
pub use apps::LaunchedApp;
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::view::{Clinician, Worklist};
use arbeidsflate_model::{AppError, ErrorCode};
use clock::SharedClock;
pub use decision_support::CardUse;
use helseid::Attestation;
use helseid::{HelseIdClient, HelseIdConfig, Session, UrlOpener};
use patient_view::OpenPatient;
pub use prepare::{Preparation, PREPARATIONS_PER_MINUTE};
use sources::kjernejournal::KjStatus;
use sources::{AuthFuture, AuthHeaders, ClinicianContext, FhirClient, MunicipalPlatform, RequestAuthorizer};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, RwLock};

struct SignedIn {
    session: Arc<Session>,
    clinician: Clinician,
    context: ClinicianContext,
    platform: MunicipalPlatform,
    /// Patients on the current worklist (platform id → number): the care relationship
    /// that allows opening them.
    worklist: RwLock<HashMap<String, Option<NationalId>>>,
    /// The access basis in force per patient (by national identity number or platform
    /// id) for this session.
    decisions: RwLock<HashMap<String, Decision>>,
    /// The patient open in the view, for opening their documents.
    open: RwLock<Option<OpenPatient>>,
    /// The platform id of the patient open in the view, for the vital-signs history.
    open_ref: RwLock<Option<String>>,
    /// Kjernejournal's status per worklist patient, asked while the worklist loads so
    /// opening a patient needs one round trip there instead of two.
    critical_status: Arc<std::sync::Mutex<HashMap<NationalId, (Instant, KjStatus)>>>,
    /// The user's offline cache, or why there is none.
    local: RwLock<LocalState>,
    /// The stay in progress of each ward resident on the worklist (patient → Encounter).
    stays: RwLock<HashMap<String, String>>,
    /// Patients prepared ahead of opening, to keep HelseID unflooded.
    prepared: std::sync::Mutex<prepare::PrepareLog>,
}

pub struct Workspace {
    profile: Profile,
    http: reqwest::Client,
    config: HelseIdConfig,
    keys: Arc<dyn SecretStore>,
    /// Built at the first sign-in, when the keys are read from the keyring.
    helseid: OnceCell<Arc<HelseIdClient>>,
    signed_in: RwLock<Option<Arc<SignedIn>>>,
    /// Set after inactivity: nothing is served until the user signs in again.
    locked: std::sync::atomic::AtomicBool,
    /// Where the per-user caches live.
    data_dir: PathBuf,
    /// Whether the platform answered the last time it was asked.
    online: std::sync::atomic::AtomicBool,
    /// One drain of the outbox at a time, so no entry is sent twice at once.
    draining: tokio::sync::Mutex<()>,
    clock: SharedClock,
    /// The SMART host for other suppliers' apps, started at the first launch.
    smart: OnceCell<arbeidsflate_smart::SmartHost>,
    /// The CDS Hooks services' client, discovery and the open patient's calls.
    decision_support: decision_support::DecisionSupport,
    /// Fastlegeregisteret's service user, read from the keyring once per run.
    gp_user: OnceCell<sources::gp_register::ServiceUser>,
}

/// Authorises the adapters' requests with the HelseID session: a DPoP-bound token
/// for the audience and a fresh proof per request.
struct SessionAuthorizer {
    client: Arc<HelseIdClient>,
    session: Arc<Session>,
    /// The trust framework attestation for one patient, for tokens that carry it.
    attestation: Option<Attestation>,
}

impl RequestAuthorizer for SessionAuthorizer {
    fn authorize<'a>(&'a self, audience: &'a str, method: &'a str, url: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            let attestation = self.attestation.as_ref();
            let h =
                self.client.api_headers(&self.session, audience, attestation, method, url).await.map_err(
                    |e| match e {
                        helseid::HelseIdError::SessionExpired => sources::SourceError::SessionExpired,
                        // No HelseID, no network: the offline cache can answer instead.
                        helseid::HelseIdError::Unreachable(why) => {
                            sources::SourceError::Unreachable(format!("HelseID: {why}"))
                        }
                        other => sources::SourceError::NoToken(other.to_string()),
                    },
                )?;
            Ok(AuthHeaders { authorization: h.authorization.expose().to_string(), dpop: Some(h.dpop) })
        })
    }

    fn observe_nonce(&self, url: &str, nonce: &str) {
        self.client.remember_nonce(url, nonce);
    }
}

impl Workspace {
    pub fn new(profile: Profile, keys: Arc<dyn SecretStore>) -> Self {
        Self::with_test_user(profile, keys, None)
    }

    /// A workspace that signs in through HelseID's test IdP shortcut as `test_pid`.
    /// Refused unless the profile is a sandbox or test profile.
    pub fn with_test_user(profile: Profile, keys: Arc<dyn SecretStore>, test_pid: Option<String>) -> Self {
        let roots = crate::trust::extra_roots(&profile.network.extra_ca_certificates).unwrap_or_else(|e| {
            // Profile::load refuses this already; a profile built in code can still get here.
            tracing::error!(entry = e.index, "extra CA certificates unusable; the OS's roots only");
            Vec::new()
        });
        let http = crate::trust::http_client(profile.request_timeout(), roots);
        let config = HelseIdConfig {
            issuer: profile.helseid.issuer.clone(),
            client_id: profile.helseid.client_id.clone(),
            // Every API's scopes and audience at sign-in: one login, a token per API after.
            scopes: profile
                .helseid
                .scopes
                .iter()
                .cloned()
                .chain(profile.municipal.scope.split_whitespace().map(str::to_string))
                .chain(
                    profile
                        .national
                        .configured()
                        .iter()
                        .flat_map(|(_, s)| s.scope.split_whitespace().map(str::to_string)),
                )
                .collect(),
            resources: std::iter::once(profile.municipal.audience.clone())
                .chain(profile.national.configured().iter().map(|(_, s)| s.audience.clone()))
                .collect(),
            test_pid: test_pid.filter(|_| profile.allows_test_login()),
            sign_in_timeout: Duration::from_secs(profile.helseid.sign_in_timeout_seconds),
            leeway: Duration::from_secs(profile.helseid.clock_skew_seconds),
            organisation: profile.organisation.as_ref().map(|o| o.to_helseid()),
        };
        Self {
            profile,
            http,
            config,
            keys,
            helseid: OnceCell::new(),
            signed_in: RwLock::new(None),
            locked: Default::default(),
            data_dir: crate::cache::default_data_dir(),
            online: std::sync::atomic::AtomicBool::new(true),
            draining: tokio::sync::Mutex::new(()),
            clock: clock::system(),
            smart: OnceCell::new(),
            decision_support: Default::default(),
            gp_user: OnceCell::new(),
        }
    }

    /// Keeps the per-user caches under `dir` instead of the OS data directory.
    pub fn with_data_dir(mut self, dir: PathBuf) -> Self {
        self.data_dir = dir;
        self
    }

    /// Reads time from `clock` instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The time now, as stored (RFC 3339, UTC, milliseconds).
    fn now(&self) -> String {
        self.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Today in Norway (not in the machine's zone, nor UTC's): at 00:30 in Oslo the
    /// home-care nurse's visits are the new day's.
    fn today(&self) -> chrono::NaiveDate {
        clock::clinical_day(self.clock.now())
    }

    /// The workspace's clock, for the adapters and HelseID it builds.
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Carries out IT's wipe flag: every user's cache on this machine goes, with no
    /// network and no keys needed. Called at start and at every sign-in.
    pub fn apply_wipe_flag(&self) -> Result<bool, AppError> {
        if !self.profile.offline.wipe {
            return Ok(false);
        }
        crate::cache::wipe_all(&self.data_dir)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("the wipe failed: {e}")))?;
        tracing::warn!("offline caches wiped as the profile asks");
        Ok(true)
    }

    /// The HelseID client, with the installation's keys from the keyring. In the
    /// sandbox the public key is registered with its IdP (HelseID's self-service
    /// portal does that for real installations).
    async fn helseid(&self) -> Result<Arc<HelseIdClient>, AppError> {
        self.helseid
            .get_or_try_init(|| async {
                let keys = load_or_create_keys(
                    self.keys.as_ref(),
                    &self.config.client_id,
                    self.profile.helseid.client_key_entry.as_deref(),
                )?;
                let client = HelseIdClient::new(self.http.clone(), self.config.clone(), keys).with_clock(self.clock());
                if self.profile.environment.kind == EnvironmentKind::Sandbox {
                    let url = format!("{}/sandbox/register-client", self.config.issuer);
                    let body =
                        serde_json::json!({"client_id": self.config.client_id, "jwk": client.assertion_public_jwk()});
                    let resp = self.http.post(&url).json(&body).send().await;
                    if !resp.as_ref().is_ok_and(|r| r.status().is_success()) {
                        return Err(AppError::new(
                            ErrorCode::ServiceUnavailable,
                            "the sandbox did not accept the client key",
                        ));
                    }
                }
                Ok(Arc::new(client))
            })
            .await
            .cloned()
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Signs in through the browser `opener` opens, then finds the clinician on the
    /// municipal platform. A previous user's state is dropped first.
    pub async fn sign_in(&self, opener: &dyn UrlOpener) -> Result<Clinician, AppError> {
        self.sign_in_prompting(opener, None).await
    }

    /// Signs in again after the screen locked or the session expired. HelseID must
    /// authenticate the person anew (`prompt=login`), so whoever sits at the screen
    /// proves who they are; if it is someone else, the previous user's state is gone.
    pub async fn sign_in_again(&self, opener: &dyn UrlOpener) -> Result<Clinician, AppError> {
        self.sign_in_prompting(opener, Some("login")).await
    }

    /// The previous user's state is replaced only once the new sign-in succeeded, so a
    /// cancelled unlock leaves the workspace locked, not signed out.
    async fn sign_in_prompting(&self, opener: &dyn UrlOpener, prompt: Option<&str>) -> Result<Clinician, AppError> {
        self.allowed_version()?;
        let helseid = self.helseid().await?;
        let session = Arc::new(helseid.sign_in_with_prompt(opener, prompt).await.map_err(from_helseid)?);
        let tokens = Arc::new(SessionAuthorizer { client: helseid, session: session.clone(), attestation: None });
        let fhir = FhirClient::new(
            self.http.clone(),
            &self.profile.municipal.fhir_base_url,
            &self.profile.municipal.audience,
            tokens,
        )
        .with_clock(self.clock());
        let platform = MunicipalPlatform::new(fhir);
        let hpr = session
            .user
            .hpr_number
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::SignInRejected, "the user has no HPR number"))?;
        let context = platform.clinician_context(&hpr).await.map_err(from_source)?;
        let clinician = Clinician {
            name: session.user.name.clone(),
            hpr_number: hpr,
            role: context.role,
            unit_name: context.unit_name.clone(),
        };
        let previous = self.signed_in.read().await.clone();
        if let Some(prev) = previous.filter(|p| p.clinician.hpr_number != clinician.hpr_number) {
            self.leave_cache_of(&prev).await;
        }
        self.apply_wipe_flag()?;
        let local = match self.signed_in.read().await.as_ref() {
            // The same user again (unlock): the open cache stays.
            Some(same) if same.clinician.hpr_number == clinician.hpr_number => std::mem::replace(
                &mut *same.local.write().await,
                LocalState::Unavailable {
                    why: arbeidsflate_model::offline::OfflineUnavailable::Failed,
                    detail: "moved to the new session".into(),
                },
            ),
            _ => crate::cache::open_local(
                &self.data_dir,
                session.user.pid.expose(),
                self.keys.as_ref(),
                &self.profile.offline,
            ),
        };
        // A new session (an unlock, or another user): nothing issued to apps before lives on.
        self.end_session_bound();
        *self.signed_in.write().await = Some(Arc::new(SignedIn {
            session,
            clinician: clinician.clone(),
            context,
            platform,
            worklist: RwLock::default(),
            decisions: RwLock::default(),
            open: RwLock::default(),
            open_ref: RwLock::default(),
            critical_status: Arc::default(),
            stays: RwLock::default(),
            local: RwLock::new(local),
            prepared: Default::default(),
        }));
        if let Some(signed_in) = self.signed_in.read().await.clone() {
            self.remember_owner(&signed_in).await;
        }
        self.locked.store(false, std::sync::atomic::Ordering::SeqCst);
        self.discover_decision_support_in_background().await;
        Ok(clinician)
    }

    /// Signs in with the test IdP shortcut, following redirects over HTTP instead of
    /// opening a browser. Only for workspaces built with a test user.
    pub async fn sign_in_headless(&self) -> Result<Clinician, AppError> {
        if self.config.test_pid.is_none() {
            return Err(AppError::new(
                ErrorCode::InvalidProfile,
                "headless sign-in needs a sandbox or test profile and a test user",
            ));
        }
        let opener = helseid::FollowRedirects(self.http.clone());
        self.sign_in(&opener).await
    }

    pub async fn clinician(&self) -> Option<Clinician> {
        self.signed_in.read().await.as_ref().map(|s| s.clinician.clone())
    }

    /// Ends what lives only within a session: the apps' access, and the decision-support
    /// calls and discovery.
    fn end_session_bound(&self) {
        self.end_app_access();
        self.decision_support.forget_session();
    }

    /// Locks the workspace (after inactivity, or when the session expired); only a
    /// new sign-in unlocks it.
    pub fn lock(&self) {
        self.locked.store(true, std::sync::atomic::Ordering::SeqCst);
        self.end_session_bound();
        tracing::info!("screen locked");
    }

    pub fn is_locked(&self) -> bool {
        self.locked.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// IT's minimum version: below it, no sign-in and no patient data.
    fn allowed_version(&self) -> Result<(), AppError> {
        if self.profile.updates.update_required() {
            let minimum = self.profile.updates.minimum_version.as_deref().unwrap_or_default();
            return Err(AppError::new(
                ErrorCode::UpdateRequired,
                format!("this is version {}; IT requires {minimum} or newer", crate::version::CURRENT),
            ));
        }
        Ok(())
    }

    async fn current(&self) -> Result<Arc<SignedIn>, AppError> {
        self.allowed_version()?;
        if self.is_locked() {
            return Err(AppError::new(ErrorCode::Locked, "sign in again to unlock"));
        }
        self.signed_in.read().await.clone().ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "sign in first"))
    }

    /// The worklist from the platform, cached for offline use; with the platform out of
    /// reach, the cached one (its provenance tells its age).
    pub async fn worklist(&self) -> Result<Worklist, AppError> {
        let s = self.current().await?;
        let fetched = s.platform.worklist(&s.context, self.today()).await;
        self.note_reachability(fetched.as_ref().err());
        let list = match fetched {
            Ok(list) => {
                self.cache_worklist(&s, &list).await;
                list
            }
            Err(e @ sources::SourceError::Unreachable(_)) => match self.cached_worklist(&s).await {
                Ok(list) => list,
                Err(_) => return Err(from_source(e)),
            },
            Err(e) => return Err(from_source(e)),
        };
        let list = self.with_local_visits(&s, list).await;
        *s.worklist.write().await =
            list.entries.iter().map(|e| (e.patient_ref.clone(), NationalId::parse(&e.national_id).ok())).collect();
        *s.stays.write().await =
            list.entries.iter().filter_map(|e| Some((e.patient_ref.clone(), e.stay_id.clone()?))).collect();
        tracing::info!(entries = list.entries.len(), online = self.is_online(), "worklist loaded");
        if self.is_online() {
            self.prefetch_critical_status(&s).await;
            self.warm_session_tokens(&s).await;
        }
        Ok(list)
    }

    /// Revokes the session, forgets the user and wipes their cache. Refused while writes
    /// wait in the outbox (they are sent first when online): `sign_out_discarding` is
    /// for when the user has confirmed they may be lost.
    pub async fn sign_out(&self, opener: Option<&dyn UrlOpener>) -> Result<(), AppError> {
        // Locked or not: signing out from the lock screen must not lose writes either.
        let signed_in = self.signed_in.read().await.clone();
        if let Some(s) = signed_in {
            if let Ok(cache) = self.cache_of(&s).await {
                if self.is_online() && !self.is_locked() {
                    let _ = self.drain_outbox().await;
                }
                let unsent = cache.with(|st| st.unsent_count())?;
                if unsent > 0 {
                    return Err(AppError::new(ErrorCode::UnsentWrites, format!("{unsent} write(s) not sent yet")));
                }
            }
        }
        self.sign_out_discarding(opener).await
    }

    /// Signs out and wipes the user's cache, unsent writes included.
    pub async fn sign_out_discarding(&self, opener: Option<&dyn UrlOpener>) -> Result<(), AppError> {
        self.end_session_bound();
        let Some(s) = self.signed_in.write().await.take() else { return Ok(()) };
        self.wipe_cache_of(&s).await;
        let Ok(s) = Arc::try_unwrap(s) else {
            tracing::warn!("sign-out while a request is running; its tokens are dropped when it ends");
            return Ok(());
        };
        drop(s.platform);
        let (Ok(session), Some(helseid)) = (Arc::try_unwrap(s.session), self.helseid.get()) else { return Ok(()) };
        let signed_out = helseid.sign_out(session).await.map_err(from_helseid)?;
        if let (Some(url), Some(opener)) = (signed_out.end_session_url, opener) {
            if let Err(e) = opener.open(&url).await {
                tracing::warn!(error = %e, "could not open the end-session page");
            }
        }
        Ok(())
    }

    /// Closes and removes a user's cache (sign-out): works offline, needs no key.
    async fn wipe_cache_of(&self, s: &SignedIn) {
        *s.local.write().await = LocalState::Unavailable {
            why: arbeidsflate_model::offline::OfflineUnavailable::Disabled,
            detail: "signed out".into(),
        };
        if let Err(e) = arbeidsflate_store::Store::wipe(&self.data_dir, s.session.user.pid.expose()) {
            tracing::error!(error = %e, "the offline cache could not be wiped");
        }
    }

    /// Another user signs in on this machine: the previous user's cached patients go;
    /// their unsent writes stay (encrypted, under their key) until they sign in again.
    async fn leave_cache_of(&self, previous: &SignedIn) {
        let unsent = match self.cache_of(previous).await {
            Ok(cache) => cache.with(|st| {
                st.purge_cache()?;
                st.unsent_count()
            }),
            Err(_) => Ok(0),
        };
        match unsent {
            Ok(0) => self.wipe_cache_of(previous).await,
            Ok(n) => {
                tracing::warn!(unsent = n, "the previous user's cache was emptied; their unsent writes are kept");
                *previous.local.write().await = LocalState::Unavailable {
                    why: arbeidsflate_model::offline::OfflineUnavailable::Disabled,
                    detail: "another user signed in".into(),
                };
            }
            Err(e) => tracing::error!(code = ?e.code, "the previous user's cache could not be emptied"),
        }
    }
}
