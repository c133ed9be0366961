//! Other suppliers' apps inside the workspace (SMART App Launch, EHR launch). The
//! workspace starts the SMART host once, on loopback, launches an app for the patient
//! open in the view, and is the host's [`Platform`]: an app's reads reach the municipal
//! platform with the clinician's own session (or the offline cache), its writes go
//! through the outbox, and each of its requests is in the access log with its id.
//! What the host issued ends at sign-out, the idle lock, a user switch, and when
//! another patient is opened.

use super::writes::QueuedWrite;
use super::{SignedIn, Workspace};
use crate::access::Decision;
use crate::apps::{AppRegistration, OpensIn};
use crate::keystore::load_or_create_signing_key;
use crate::outbox::requests::{self, OutboxRequest};
use arbeidsflate_model::offline::WriteKind;
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_smart::{
    AppRequest, BoxFuture, HostConfig, Interaction, LaunchContext, Outcome, Platform, PlatformError, SmartHost,
    WriteOutcome,
};
use arbeidsflate_store::OutboxState;
use serde_json::Value;
use sources::SourceError;
use std::sync::{Arc, Weak};

/// The keyring entry of the key that signs the SMART host's id_tokens.
const ID_TOKEN_KEY_ENTRY: &str = "smart-id-token-key";
/// Client ids of app writes are URNs, searchable as identifiers (as the outbox's own).
const URN_SYSTEM: &str = "urn:ietf:rfc:3986";

/// An app launched for the open patient: where to open it, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchedApp {
    pub app_id: String,
    /// Its name as the window shows it.
    pub name: String,
    /// The launch URL with `iss` and `launch`.
    pub url: String,
    /// The app's one origin: what its webview may load.
    pub origin: String,
    pub opens_in: OpensIn,
}

impl Workspace {
    /// The catalogue's apps the signed-in clinician's role sees.
    pub async fn apps(&self) -> Result<Vec<AppRegistration>, AppError> {
        let s = self.current().await?;
        Ok(self.profile.apps.iter().filter(|a| a.visible_to(s.clinician.role)).cloned().collect())
    }

    /// Launches `app_id` for the patient open in the view: a single-use launch handle
    /// bound to this clinician, the patient and this session.
    pub async fn launch_app(self: &Arc<Self>, app_id: &str) -> Result<LaunchedApp, AppError> {
        self.launch_app_with(app_id, None).await
    }

    /// As [`Self::launch_app`], handing the app `app_context` in its token answer (a
    /// decision-support card's SMART link says why the app was opened).
    pub async fn launch_app_with(
        self: &Arc<Self>,
        app_id: &str,
        app_context: Option<String>,
    ) -> Result<LaunchedApp, AppError> {
        let s = self.current().await?;
        let app = self
            .profile
            .apps
            .iter()
            .find(|a| a.id == app_id && a.visible_to(s.clinician.role))
            .ok_or_else(|| AppError::new(ErrorCode::AppNotAvailable, format!("no app {app_id} for this role")))?;
        let patient = s
            .open_ref
            .read()
            .await
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::PatientNotFound, "open the patient before launching an app"))?;
        let encounter = self.current_stay(&s, &patient).await;
        let host = self.smart_host().await?;
        let context = LaunchContext {
            app_id: app.id.clone(),
            patient,
            encounter,
            practitioner: s.context.practitioner_id.clone(),
            // Every app opens outside the overview for now (its own window, or the
            // browser), so it draws the patient banner itself.
            embedded: false,
            app_context,
        };
        let url = host.launch(context).map_err(|e| AppError::new(ErrorCode::AppNotAvailable, e.to_string()))?;
        tracing::info!(app = %app.id, "app launched");
        Ok(LaunchedApp {
            app_id: app.id.clone(),
            name: app.listing().name,
            url,
            origin: app.origin(),
            opens_in: app.opens_in,
        })
    }

    /// The patient's stay in progress on the platform, if any: the launch's `encounter`.
    /// Not knowing it (offline, the platform failing) launches without one.
    async fn current_stay(&self, s: &SignedIn, patient_ref: &str) -> Option<String> {
        let subject = format!("Patient/{patient_ref}");
        let params = [("patient", subject.as_str()), ("status", "in-progress")];
        let found = match s.platform.fhir().search_first_page("Encounter", &params).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "the stay for an app launch could not be read; launched without it");
                return None;
            }
        };
        found.matches.first().and_then(|e| e["id"].as_str()).map(str::to_string)
    }

    /// Starts the SMART host for the session if anything needs it (an app in the catalogue,
    /// or a decision-support service allowed to read the record): the shell and the
    /// command line call this after sign-in.
    pub async fn start_app_host(self: &Arc<Self>) -> Result<(), AppError> {
        let needed = !self.profile.apps.is_empty() || self.profile.decision_support.iter().any(|d| d.fhir_access);
        if needed {
            self.smart_host().await?;
        }
        Ok(())
    }

    /// The SMART host's FHIR base (`iss`), once it runs.
    pub fn smart_iss(&self) -> Option<String> {
        self.smart.get().map(SmartHost::iss)
    }

    /// How many app tokens are live (tests, the doctor).
    pub fn live_app_tokens(&self) -> usize {
        self.smart.get().map_or(0, SmartHost::live_tokens)
    }

    async fn smart_host(self: &Arc<Self>) -> Result<&SmartHost, AppError> {
        self.smart
            .get_or_try_init(|| async {
                let id_token_key = load_or_create_signing_key(&*self.keys, ID_TOKEN_KEY_ENTRY)?;
                let config = HostConfig {
                    apps: self.profile.apps.clone(),
                    clock: self.clock.clone(),
                    id_token_key,
                    http: self.http.clone(),
                    platform: Arc::new(AppGateway { workspace: Arc::downgrade(self) }),
                };
                SmartHost::start(config)
                    .await
                    .map_err(|e| AppError::new(ErrorCode::Internal, format!("the app host could not start: {e}")))
            })
            .await
    }

    /// Ends every app's access (sign-out, idle lock, user switch).
    pub(super) fn end_app_access(&self) {
        if let Some(host) = self.smart.get() {
            host.end_session();
        }
    }

    /// Ends the apps' access to a patient who is no longer open.
    pub(super) fn close_patient_for_apps(&self, patient_ref: &str) {
        if let Some(host) = self.smart.get() {
            host.close_patient(patient_ref);
        }
    }

    /// The access basis in force for the patient with platform id `patient_ref`, and the
    /// key the access log names them by (their number, else the platform id).
    async fn basis_for(&self, s: &SignedIn, patient_ref: &str) -> Result<(String, Decision), AppError> {
        let nin = s.worklist.read().await.get(patient_ref).cloned().flatten();
        let key = nin.map(|n| n.as_str().to_string()).unwrap_or_else(|| patient_ref.to_string());
        let decision = match s.decisions.read().await.get(&key).cloned() {
            Some(d) => d,
            None => crate::access::decide(None, None, true, &self.now())?,
        };
        Ok((key, decision))
    }
}

/// The workspace as the SMART host's platform. It holds the workspace weakly: the
/// host lives inside it.
struct AppGateway {
    workspace: Weak<Workspace>,
}

fn unavailable(detail: impl Into<String>) -> PlatformError {
    PlatformError::Unavailable(detail.into())
}

fn from_source(e: SourceError) -> PlatformError {
    match e {
        SourceError::NotFound => PlatformError::NotFound,
        SourceError::Http { status: 409 | 412, diagnostics } => PlatformError::Conflict(diagnostics),
        SourceError::Http { status: 400 | 422, diagnostics } => PlatformError::Invalid(diagnostics),
        other => unavailable(other.to_string()),
    }
}

impl AppGateway {
    async fn session(&self) -> Result<(Arc<Workspace>, Arc<SignedIn>), PlatformError> {
        let ws = self.workspace.upgrade().ok_or_else(|| unavailable("the workspace has closed"))?;
        let s = ws.current().await.map_err(|e| unavailable(e.detail))?;
        Ok((ws, s))
    }

    async fn create(&self, request: &AppRequest, mut resource: Value) -> Result<WriteOutcome, PlatformError> {
        let (ws, s) = self.session().await?;
        let client_id = sources::random_uuid();
        requests::with_client_id(&mut resource, &client_id);
        let bundle = requests::conditional_creates(std::slice::from_ref(&resource));
        let summary = format!("{} ({})", request.resource_type, request.app_id);
        let write = QueuedWrite {
            patient_ref: &request.patient,
            kind: WriteKind::App,
            summary,
            request: OutboxRequest::Transaction { bundle },
            local: vec![resource.clone()],
            app: Some(&request.app_id),
        };
        let receipt = ws.queue_write(&s, write).await.map_err(|e| PlatformError::Invalid(e.detail))?;
        if !receipt.sent {
            return Ok(WriteOutcome::Queued);
        }
        let search = [("identifier", format!("{URN_SYSTEM}|urn:uuid:{client_id}"))];
        let search: Vec<(&str, &str)> = search.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let stored = s.platform.fhir().search(&request.resource_type, &search).await.map_err(from_source)?;
        let stored = stored.matches.first().ok_or_else(|| unavailable("sent, but not found on the platform"))?;
        Ok(WriteOutcome::Stored {
            id: stored["id"].as_str().unwrap_or_default().to_string(),
            version: stored["meta"]["versionId"].as_str().map(str::to_string),
        })
    }

    async fn update(
        &self,
        request: &AppRequest,
        resource: Value,
        version: String,
    ) -> Result<WriteOutcome, PlatformError> {
        let (ws, s) = self.session().await?;
        let id = resource["id"].as_str().unwrap_or_default().to_string();
        let summary = format!("{} ({})", request.resource_type, request.app_id);
        let write = QueuedWrite {
            patient_ref: &request.patient,
            kind: WriteKind::App,
            summary,
            request: OutboxRequest::Update { resource: resource.clone(), if_match: version },
            local: vec![resource],
            app: Some(&request.app_id),
        };
        let receipt = ws.queue_write(&s, write).await.map_err(|e| PlatformError::Invalid(e.detail))?;
        let cache = ws.cache_of(&s).await.map_err(|e| unavailable(e.detail))?;
        let waiting = cache.with(|st| st.outbox_entry(receipt.outbox_id)).map_err(|e| unavailable(e.detail))?;
        match waiting {
            // Someone changed it since the app read it: the clinician settles it in the outbox.
            Some(entry) if entry.state == OutboxState::Conflict => Err(PlatformError::Conflict(
                "changed since the app read it; the clinician settles it in the outbox".into(),
            )),
            Some(_) => Ok(WriteOutcome::Queued),
            None => {
                let stored = s.platform.fhir().read(&request.resource_type, &id).await.map_err(from_source)?;
                Ok(WriteOutcome::Stored { id, version: stored["meta"]["versionId"].as_str().map(str::to_string) })
            }
        }
    }
}

impl Platform for AppGateway {
    fn read<'a>(&'a self, request: &'a AppRequest, id: &'a str) -> BoxFuture<'a, Result<Value, PlatformError>> {
        Box::pin(async move {
            let (ws, s) = self.session().await?;
            let answer = s.platform.fhir().read(&request.resource_type, id).await;
            ws.note_reachability(answer.as_ref().err());
            match answer {
                Err(SourceError::Unreachable(why)) => {
                    let cache = ws.cache_of(&s).await.map_err(|_| unavailable(why.clone()))?;
                    let cached = cache.with(|st| st.resource(&request.resource_type, id)).ok().flatten();
                    cached.ok_or_else(|| unavailable(format!("no network, and not in the offline cache ({why})")))
                }
                other => other.map_err(from_source),
            }
        })
    }

    fn search<'a>(
        &'a self,
        request: &'a AppRequest,
        params: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Vec<Value>, PlatformError>> {
        Box::pin(async move {
            let (ws, s) = self.session().await?;
            let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let answer = s.platform.fhir().search(&request.resource_type, &borrowed).await;
            ws.note_reachability(answer.as_ref().err());
            match answer {
                Ok(found) => Ok(found.matches),
                // Offline: the patient's cached resources of that type (the search's own
                // parameters are not applied to the cache).
                Err(SourceError::Unreachable(why)) => {
                    let cache = ws.cache_of(&s).await.map_err(|_| unavailable(why.clone()))?;
                    let cached = if request.resource_type == "Patient" {
                        cache.with(|st| st.resource("Patient", &request.patient)).map(|p| p.into_iter().collect())
                    } else {
                        cache.with(|st| st.patient_resources(&request.patient, &request.resource_type))
                    };
                    cached.map_err(|e| unavailable(e.detail))
                }
                Err(e) => Err(from_source(e)),
            }
        })
    }

    fn write<'a>(
        &'a self,
        request: &'a AppRequest,
        resource: Value,
        if_match: Option<String>,
    ) -> BoxFuture<'a, Result<WriteOutcome, PlatformError>> {
        Box::pin(async move {
            match (request.interaction, if_match) {
                (Interaction::Create, _) => self.create(request, resource).await,
                (Interaction::Update, Some(version)) => self.update(request, resource, version).await,
                _ => Err(PlatformError::Invalid("an update needs the version the app read".into())),
            }
        })
    }

    fn log<'a>(&'a self, request: &'a AppRequest, outcome: &'a Outcome) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let allowed_write = matches!(outcome, Outcome::Allowed)
                && matches!(request.interaction, Interaction::Create | Interaction::Update);
            if allowed_write {
                // The outbox logs the write itself, with the app's id.
                return;
            }
            let Ok((ws, s)) = self.session().await else {
                tracing::warn!(app = %request.app_id, "an app request could not be logged: no session");
                return;
            };
            let Ok((patient, decision)) = ws.basis_for(&s, &request.patient).await else { return };
            let action = match outcome {
                Outcome::Allowed => format!("app:{}:{}", request.interaction.as_str(), request.resource_type),
                Outcome::Refused(_) => {
                    format!("app-refused:{}:{}", request.interaction.as_str(), request.resource_type)
                }
            };
            let mode = if ws.is_online() { "online" } else { "cache" };
            let sources = vec![sources::municipal::SOURCE_NAME.into()];
            let mut entry = ws.access_entry(&s, &patient, &action, sources, &decision, mode);
            entry.app = Some(request.app_id.clone());
            ws.log_access(&s, &entry).await;
            if let Outcome::Refused(why) = outcome {
                tracing::info!(app = %request.app_id, interaction = request.interaction.as_str(), reason = %why, "app request refused");
            }
        })
    }
}
