//! The clinician's workspace: sign in, the worklist, open a patient. One instance per
//! running app; the desktop shell and the CLI both drive it.

use crate::access::{self, Decision};
use crate::aggregate::{self, Concurrency, Deadlines, PartSink, PatientKeys, SourceSet};
use crate::errors::{from_helseid, from_source};
use crate::keystore::{load_or_create_keys, SecretStore};
use crate::profile::EnvironmentKind;
use crate::profile::Profile;
use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::overview::{AccessRequest, DocumentView, OverviewPart, PatientTarget, SourceStatus};
use arbeidsflate_model::view::{Clinician, ClinicianRole, PatientOverview, Worklist};
use arbeidsflate_model::{AppError, ErrorCode};
use chrono::Local;
use helseid::Attestation;
use helseid::{HelseIdClient, HelseIdConfig, Session, UrlOpener};
use sources::documents::{DocumentSharing, RetrievedDocument, SharedDocumentRef};
use sources::kjernejournal::{KjStatus, Kjernejournal, NhnContext};
use sources::person::PersonLookup;
use sources::sfm::Sfm;
use sources::{AuthFuture, AuthHeaders, ClinicianContext, FhirClient, MunicipalPlatform, RequestAuthorizer};
use std::collections::HashMap;
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
    /// Kjernejournal's status per worklist patient, asked while the worklist loads so
    /// opening a patient needs one round trip there instead of two.
    critical_status: Arc<std::sync::Mutex<HashMap<NationalId, (Instant, KjStatus)>>>,
}

/// How long a prefetched Kjernejournal status stands in for asking again.
const CRITICAL_STATUS_FRESH: Duration = Duration::from_secs(300);
/// Status lookups in flight at once while the worklist loads.
const CRITICAL_STATUS_CONCURRENCY: usize = 4;

/// What opening a document needs: the listed references and the attested authoriser.
struct OpenPatient {
    nin: NationalId,
    documents: Vec<SharedDocumentRef>,
    authorizer: Arc<dyn RequestAuthorizer>,
    nhn: NhnContext,
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
        let http = helseid::http_client(profile.request_timeout());
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
        }
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
                let client = HelseIdClient::new(self.http.clone(), self.config.clone(), keys);
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
        let helseid = self.helseid().await?;
        let session = Arc::new(helseid.sign_in_with_prompt(opener, prompt).await.map_err(from_helseid)?);
        let tokens = Arc::new(SessionAuthorizer { client: helseid, session: session.clone(), attestation: None });
        let fhir = FhirClient::new(
            self.http.clone(),
            &self.profile.municipal.fhir_base_url,
            &self.profile.municipal.audience,
            tokens,
        );
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
        if self.clinician().await.is_some_and(|c| c.hpr_number != clinician.hpr_number) {
            crate::viewer_files::wipe();
        }
        *self.signed_in.write().await = Some(Arc::new(SignedIn {
            session,
            clinician: clinician.clone(),
            context,
            platform,
            worklist: RwLock::default(),
            decisions: RwLock::default(),
            open: RwLock::default(),
            critical_status: Arc::default(),
        }));
        self.locked.store(false, std::sync::atomic::Ordering::SeqCst);
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

    /// Locks the workspace (after inactivity, or when the session expired); only a
    /// new sign-in unlocks it.
    pub fn lock(&self) {
        self.locked.store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!("screen locked");
    }

    pub fn is_locked(&self) -> bool {
        self.locked.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn current(&self) -> Result<Arc<SignedIn>, AppError> {
        if self.is_locked() {
            return Err(AppError::new(ErrorCode::Locked, "sign in again to unlock"));
        }
        self.signed_in.read().await.clone().ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "sign in first"))
    }

    pub async fn worklist(&self) -> Result<Worklist, AppError> {
        let s = self.current().await?;
        let list = s.platform.worklist(&s.context, Local::now().date_naive()).await.map_err(from_source)?;
        *s.worklist.write().await =
            list.entries.iter().map(|e| (e.patient_ref.clone(), NationalId::parse(&e.national_id).ok())).collect();
        tracing::info!(entries = list.entries.len(), "worklist loaded");
        self.prefetch_critical_status(&s).await;
        Ok(list)
    }

    /// Asks Kjernejournal's status for the worklist's patients in the background (the
    /// status call is not audit-logged and exists to be asked first). Patients whose
    /// status is fresh are skipped.
    async fn prefetch_critical_status(&self, s: &Arc<SignedIn>) {
        let (Some(settings), Ok(helseid)) = (self.profile.national.kjernejournal.clone(), self.helseid().await) else {
            return;
        };
        let on_worklist: Vec<NationalId> = s.worklist.read().await.values().flatten().cloned().collect();
        let nins: Vec<NationalId> = {
            let cache = s.critical_status.lock().unwrap();
            on_worklist
                .into_iter()
                .filter(|n| cache.get(n).is_none_or(|(at, _)| at.elapsed() > CRITICAL_STATUS_FRESH))
                .collect()
        };
        if nins.is_empty() {
            return;
        }
        let auth = Arc::new(SessionAuthorizer { client: helseid, session: s.session.clone(), attestation: None });
        let kj = Kjernejournal::new(self.http.clone(), &settings.base_url, &settings.audience, auth);
        let ctx = self.nhn_context(s.clinician.role, AccessBasis::Unntak);
        let cache = s.critical_status.clone();
        tokio::spawn(async move {
            use futures_util::stream::StreamExt;
            let mut asked = futures_util::stream::iter(nins)
                .map(|nin| {
                    let (kj, ctx) = (&kj, &ctx);
                    async move { (kj.status(&nin, ctx).await, nin) }
                })
                .buffer_unordered(CRITICAL_STATUS_CONCURRENCY);
            while let Some((status, nin)) = asked.next().await {
                match status {
                    Ok(status) => {
                        cache.lock().unwrap().insert(nin, (Instant::now(), status));
                    }
                    // Opening the patient asks again; the service's words may name the patient.
                    Err(_) => tracing::debug!("critical information status not prefetched"),
                }
            }
        });
    }

    fn nhn_context(&self, role: ClinicianRole, access_basis: AccessBasis) -> NhnContext {
        NhnContext {
            source_system: format!("Arbeidsflate {}", env!("CARGO_PKG_VERSION")),
            user_role: role.hpr_category().into(),
            access_basis,
        }
    }

    /// A prefetched status that may stand in for asking: fresh, and one that leads to
    /// the data call anyway (the service enforces reservation and restriction there).
    /// "No critical information" is always asked again, so new information is never missed.
    fn usable_critical_status(s: &SignedIn, nin: Option<&NationalId>) -> Option<KjStatus> {
        let cache = s.critical_status.lock().unwrap();
        let (at, status) = cache.get(nin?)?;
        let leads_to_data = status.has_critical_information && !status.reserved && !status.restricted;
        (at.elapsed() < CRITICAL_STATUS_FRESH && leads_to_data).then(|| status.clone())
    }

    /// Opens a patient from the worklist. Anyone else needs an access basis (a later
    /// feature), so they are refused for now.
    pub async fn open_patient(&self, patient_ref: &str) -> Result<PatientOverview, AppError> {
        let s = self.current().await?;
        if s.worklist.read().await.is_empty() {
            self.worklist().await?;
        }
        if !s.worklist.read().await.contains_key(patient_ref) {
            return Err(AppError::new(ErrorCode::PatientNotFound, "the patient is not on your worklist"));
        }
        let overview = s.platform.overview(patient_ref, Local::now().date_naive()).await.map_err(from_source)?;
        tracing::info!(
            allergies = overview.allergies.len(),
            medications = overview.medications.len(),
            "patient opened"
        );
        Ok(overview)
    }

    /// Finds a worklist patient by national identity number (validated first).
    pub async fn open_patient_by_national_id(&self, input: &str) -> Result<PatientOverview, AppError> {
        let nin = sources::municipal::parse_national_id(input)
            .map_err(|e| AppError::new(ErrorCode::InvalidNationalId, e.to_string()))?;
        let list = self.worklist().await?;
        let entry =
            list.entries.iter().find(|e| e.national_id.replace(' ', "") == nin.as_str()).ok_or_else(|| {
                AppError::new(ErrorCode::PatientNotFound, "no patient with that number on your worklist")
            })?;
        self.open_patient(&entry.patient_ref).await
    }

    /// Opens a patient's view from every source, handing its parts to `sink` as the
    /// sources answer; returns every source's final status. Worklist patients open on
    /// the care relationship; anyone else needs `access` (emergency with a reason).
    pub async fn open_patient_view(
        &self,
        target: &PatientTarget,
        access: Option<&AccessRequest>,
        concurrency: Concurrency,
        sink: PartSink,
    ) -> Result<Vec<SourceStatus>, AppError> {
        let s = self.current().await?;
        *s.open.write().await = None;
        if s.worklist.read().await.is_empty() {
            self.worklist().await?;
        }
        let (municipal_id, nin, on_worklist) = self.resolve_target(&s, target).await?;
        let key = nin.as_ref().map(|n| n.as_str().to_string()).or(municipal_id.clone()).unwrap_or_default();
        let decision = {
            let in_force = s.decisions.read().await.get(&key).cloned();
            access::decide(access, in_force.as_ref(), on_worklist)?
        };
        s.decisions.write().await.insert(key.clone(), decision.clone());
        // Emergency access is logged as such; the reason itself is clinical text and stays out.
        tracing::info!(
            basis = decision.grant.basis.header_value(),
            emergency = decision.grant.emergency,
            "access basis"
        );

        let helseid = self.helseid().await?;
        let attested: Option<Arc<dyn RequestAuthorizer>> =
            access::attestation(self.profile.organisation.as_ref(), s.clinician.role, &decision).map(|attestation| {
                Arc::new(SessionAuthorizer {
                    client: helseid.clone(),
                    session: s.session.clone(),
                    attestation: Some(attestation),
                }) as Arc<dyn RequestAuthorizer>
            });
        let plain: Arc<dyn RequestAuthorizer> =
            Arc::new(SessionAuthorizer { client: helseid, session: s.session.clone(), attestation: None });
        // Patient-data services get the attested tokens where the profile allows one.
        let patient_auth = attested.clone().unwrap_or_else(|| plain.clone());
        let national = &self.profile.national;
        let http = &self.http;
        let nhn = self.nhn_context(s.clinician.role, decision.grant.basis);
        let set = SourceSet {
            municipal: &s.platform,
            kjernejournal: national
                .kjernejournal
                .as_ref()
                .map(|c| Kjernejournal::new(http.clone(), &c.base_url, &c.audience, patient_auth.clone())),
            medication_list: national
                .medication_list
                .as_ref()
                .map(|c| Sfm::new(http.clone(), &c.base_url, &c.audience, patient_auth.clone()).with_nhn(nhn.clone())),
            documents: national.documents.as_ref().zip(attested.clone()).map(|(c, auth)| {
                (DocumentSharing::new(http.clone(), &c.base_url, &c.audience).with_nhn(nhn.clone()), auth)
            }),
            person: national
                .person
                .as_ref()
                .map(|c| PersonLookup::new(http.clone(), &c.base_url, &c.audience, plain).with_nhn(nhn.clone())),
        };
        let keys = PatientKeys {
            municipal_id: municipal_id.clone(),
            nin: nin.clone(),
            nhn: nhn.clone(),
            today: Local::now().date_naive(),
            critical_status: Self::usable_critical_status(&s, nin.as_ref()),
        };
        sink(vec![OverviewPart::Opened {
            patient_ref: municipal_id.unwrap_or(key),
            access: decision.grant.clone(),
            sources: aggregate::initial_statuses(&set, &keys),
        }]);
        let deadlines = Deadlines {
            slow_after: Duration::from_millis(self.profile.session.source_slow_after_ms),
            deadline: Duration::from_secs(self.profile.session.source_deadline_seconds),
        };
        let gathered = aggregate::gather(&set, &keys, deadlines, concurrency, sink).await;
        if gathered.session_expired {
            return Err(AppError::new(ErrorCode::SessionExpired, "sign in again"));
        }
        if let (Some(nin), Some((_, auth))) = (nin, set.documents) {
            *s.open.write().await = Some(OpenPatient { nin, documents: gathered.documents, authorizer: auth, nhn });
        }
        Ok(gathered.statuses)
    }

    /// The platform id and number of the patient to open, and whether the care
    /// relationship of the worklist covers them. A number is validated before any lookup.
    async fn resolve_target(
        &self,
        s: &SignedIn,
        target: &PatientTarget,
    ) -> Result<(Option<String>, Option<NationalId>, bool), AppError> {
        match target {
            PatientTarget::Worklist { patient_ref } => {
                let Some(nin) = s.worklist.read().await.get(patient_ref).cloned() else {
                    return Err(AppError::new(ErrorCode::PatientNotFound, "the patient is not on your worklist"));
                };
                Ok((Some(patient_ref.clone()), nin, true))
            }
            PatientTarget::NationalId { national_id } => {
                let nin = sources::municipal::parse_national_id(national_id)
                    .map_err(|e| AppError::new(ErrorCode::InvalidNationalId, e.to_string()))?;
                let on_list =
                    s.worklist.read().await.iter().find(|(_, n)| n.as_ref() == Some(&nin)).map(|(r, _)| r.clone());
                let on_worklist = on_list.is_some();
                Ok((on_list, Some(nin), on_worklist))
            }
        }
    }

    /// Opens a document listed in the open patient's view: structured documents as
    /// text for the app, PDFs as a private file for the system viewer (returned).
    pub async fn open_document(&self, id: u32) -> Result<(DocumentView, Option<std::path::PathBuf>), AppError> {
        let (doc, retrieved) = self.retrieve_document(id).await?;
        if retrieved.content_type.contains("pdf") {
            let path = crate::viewer_files::store(&retrieved.bytes, "pdf")
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("could not hand the document over: {e}")))?;
            let view = DocumentView::External { title: doc.title, content_type: retrieved.content_type };
            return Ok((view, Some(path)));
        }
        let (title, sections) = sources::cda::sections(&retrieved.bytes)
            .map_err(|e| AppError::new(ErrorCode::DocumentUnavailable, e.to_string()))?;
        Ok((DocumentView::Text { title: title.unwrap_or(doc.title), sections }, None))
    }

    /// Retrieves a document listed in the open patient's view (ITI-68), checked to be
    /// what it declares.
    pub async fn retrieve_document(&self, id: u32) -> Result<(SharedDocumentRef, RetrievedDocument), AppError> {
        let s = self.current().await?;
        let open = s.open.read().await;
        let open = open.as_ref().ok_or_else(|| AppError::new(ErrorCode::PatientNotFound, "no patient is open"))?;
        let doc = open
            .documents
            .get(id as usize)
            .ok_or_else(|| AppError::new(ErrorCode::DocumentUnavailable, "no such document"))?;
        let service = self
            .profile
            .national
            .documents
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::DocumentUnavailable, "document sharing is not configured"))?;
        let sharing =
            DocumentSharing::new(self.http.clone(), &service.base_url, &service.audience).with_nhn(open.nhn.clone());
        let retrieved = sharing.retrieve(doc, &open.nin, open.authorizer.clone()).await.map_err(|e| match e {
            sources::SourceError::Malformed(_) => AppError::new(ErrorCode::DocumentUnavailable, e.to_string()),
            other => from_source(other),
        })?;
        Ok((doc.clone(), retrieved))
    }

    /// Revokes the session and forgets the user. `opener` shows HelseID's end-session
    /// page so the browser session ends too.
    pub async fn sign_out(&self, opener: Option<&dyn UrlOpener>) -> Result<(), AppError> {
        crate::viewer_files::wipe();
        let Some(s) = self.signed_in.write().await.take() else { return Ok(()) };
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
}
