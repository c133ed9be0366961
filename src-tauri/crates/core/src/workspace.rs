//! The clinician's workspace: sign in, the worklist, open a patient. One instance per
//! running app; the desktop shell and the CLI both drive it.

use crate::errors::{from_helseid, from_source};
use crate::profile::Profile;
use arbeidsflate_model::view::{Clinician, PatientOverview, Worklist};
use arbeidsflate_model::{AppError, ErrorCode};
use chrono::Local;
use helseid::{HelseIdClient, HelseIdConfig, Session, UrlOpener};
use sources::{ClinicianContext, FhirClient, MunicipalPlatform, SourceError, TokenSource};
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

struct SignedIn {
    session: Arc<Session>,
    clinician: Clinician,
    context: ClinicianContext,
    platform: MunicipalPlatform,
    /// Patients on the current worklist: the care relationship that allows opening them.
    worklist_refs: RwLock<HashSet<String>>,
}

pub struct Workspace {
    profile: Profile,
    http: reqwest::Client,
    helseid: Arc<HelseIdClient>,
    signed_in: RwLock<Option<Arc<SignedIn>>>,
}

/// Hands the municipal adapter tokens from the HelseID session.
struct SessionTokens {
    client: Arc<HelseIdClient>,
    session: Arc<Session>,
}

impl TokenSource for SessionTokens {
    fn access_token<'a>(
        &'a self,
        audience: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<String, SourceError>> + Send + 'a>> {
        Box::pin(async move {
            self.client
                .access_token(&self.session, audience)
                .await
                .map(|s| s.expose().to_string())
                .map_err(|e| SourceError::NoToken(e.to_string()))
        })
    }
}

impl Workspace {
    pub fn new(profile: Profile) -> Self {
        Self::with_test_user(profile, None)
    }

    /// A workspace that signs in through HelseID's test IdP shortcut as `test_pid`.
    /// Refused unless the profile is a sandbox or test profile.
    pub fn with_test_user(profile: Profile, test_pid: Option<String>) -> Self {
        let http = helseid::http_client(profile.request_timeout());
        let config = HelseIdConfig {
            issuer: profile.helseid.issuer.clone(),
            client_id: profile.helseid.client_id.clone(),
            scopes: profile.helseid.scopes.iter().cloned().chain([profile.municipal.scope.clone()]).collect(),
            resources: vec![profile.municipal.audience.clone()],
            test_pid: test_pid.filter(|_| profile.allows_test_login()),
            sign_in_timeout: Duration::from_secs(profile.helseid.sign_in_timeout_seconds),
            leeway: Duration::from_secs(profile.helseid.clock_skew_seconds),
        };
        let helseid = Arc::new(HelseIdClient::new(http.clone(), config));
        Self { profile, http, helseid, signed_in: RwLock::new(None) }
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
        self.forget_user().await;
        let session = Arc::new(self.helseid.sign_in(opener).await.map_err(from_helseid)?);
        let tokens = Arc::new(SessionTokens { client: self.helseid.clone(), session: session.clone() });
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
        *self.signed_in.write().await = Some(Arc::new(SignedIn {
            session,
            clinician: clinician.clone(),
            context,
            platform,
            worklist_refs: RwLock::default(),
        }));
        Ok(clinician)
    }

    /// Signs in with the test IdP shortcut, following redirects over HTTP instead of
    /// opening a browser. Only for workspaces built with a test user.
    pub async fn sign_in_headless(&self) -> Result<Clinician, AppError> {
        if self.helseid.config().test_pid.is_none() {
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

    async fn current(&self) -> Result<Arc<SignedIn>, AppError> {
        self.signed_in.read().await.clone().ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "sign in first"))
    }

    pub async fn worklist(&self) -> Result<Worklist, AppError> {
        let s = self.current().await?;
        let list = s.platform.worklist(&s.context, Local::now().date_naive()).await.map_err(from_source)?;
        *s.worklist_refs.write().await = list.entries.iter().map(|e| e.patient_ref.clone()).collect();
        tracing::info!(entries = list.entries.len(), "worklist loaded");
        Ok(list)
    }

    /// Opens a patient from the worklist. Anyone else needs an access basis (a later
    /// feature), so they are refused for now.
    pub async fn open_patient(&self, patient_ref: &str) -> Result<PatientOverview, AppError> {
        let s = self.current().await?;
        if s.worklist_refs.read().await.is_empty() {
            self.worklist().await?;
        }
        if !s.worklist_refs.read().await.contains(patient_ref) {
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

    pub async fn sign_out(&self) -> Result<(), AppError> {
        let Some(s) = self.signed_in.write().await.take() else { return Ok(()) };
        match Arc::try_unwrap(s) {
            Ok(s) => {
                drop(s.platform);
                if let Ok(session) = Arc::try_unwrap(s.session) {
                    self.helseid.sign_out(session).await.map_err(from_helseid)?;
                }
            }
            Err(_) => tracing::warn!("sign-out while a request is running; tokens are dropped when it ends"),
        }
        Ok(())
    }

    async fn forget_user(&self) {
        self.signed_in.write().await.take();
    }
}
