//! The host: its state, its loopback server, and what the workspace asks of it (launch
//! an app, close a patient, end the session).

use crate::facade::platform::Platform;
use crate::registry::{LaunchContext, Registry};
use crate::state::{random_token, Host};
use arbeidsflate_config::apps::AppRegistration;
use arbeidsflate_model::smart_scope::{Grant, SmartScope};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use clock::SharedClock;
use helseid::SigningKey;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the host needs from the workspace.
pub struct HostConfig {
    /// The profile's app catalogue.
    pub apps: Vec<AppRegistration>,
    pub clock: SharedClock,
    /// Signs id_tokens; kept in the OS keyring by the workspace.
    pub id_token_key: SigningKey,
    /// Fetches confidential apps' `jwks_uri` (through the profile's CAs).
    pub http: reqwest::Client,
    /// The municipal platform as the signed-in clinician reaches it.
    pub platform: Arc<dyn Platform>,
}

/// Why an app could not be launched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("no app {0} in the catalogue")]
    UnknownApp(String),
    #[error("the app's launch URL is not a URL: {0}")]
    BadLaunchUrl(String),
}

/// How long a decision-support service's token lives: the call's deadline and some;
/// it is revoked when the call ends anyway.
pub const SERVICE_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::minutes(2);

/// A token for a decision-support service to read one patient's record through the
/// facade (CDS Hooks' `fhirAuthorization`): read scopes only, for that patient, short.
pub struct ServiceToken {
    pub access_token: helseid::Secret,
    pub expires_in: u64,
    /// The scopes granted, as `fhirAuthorization.scope` says them.
    pub scope: String,
}

/// Issues and revokes decision-support services' tokens; cheap to clone and to hand to
/// the task that calls the services.
#[derive(Clone)]
pub struct ServiceTokens {
    host: Arc<Host>,
}

impl ServiceTokens {
    /// The FHIR base the token is for (`fhirServer`).
    pub fn fhir_server(&self) -> String {
        self.host.iss()
    }

    /// A token for `subject` (the service, as the access log names it) to read
    /// `resource_types` of `patient`, in the clinician's (`practitioner`) session.
    pub fn issue(&self, subject: &str, patient: &str, practitioner: &str, resource_types: &[String]) -> ServiceToken {
        let wanted: Vec<String> = resource_types.iter().map(|t| format!("patient/{t}.rs")).collect();
        let allowed: Vec<SmartScope> = wanted.iter().filter_map(|s| SmartScope::parse(s).ok()).collect();
        let grant = Grant::narrow(&wanted.join(" "), &allowed);
        let context = LaunchContext {
            app_id: subject.to_string(),
            patient: patient.to_string(),
            encounter: None,
            practitioner: practitioner.to_string(),
            embedded: false,
            app_context: None,
        };
        let token = random_token();
        let scope = grant.to_string();
        let now = self.host.clock.now();
        self.host.registry().issue_for(token.clone(), context, grant, SERVICE_TOKEN_LIFETIME, now);
        ServiceToken {
            access_token: helseid::Secret::new(token),
            expires_in: SERVICE_TOKEN_LIFETIME.num_seconds() as u64,
            scope,
        }
    }

    pub fn revoke(&self, token: &ServiceToken) {
        self.host.registry().revoke(token.access_token.expose());
    }
}

/// The running host. Dropping it stops the server.
pub struct SmartHost {
    host: Arc<Host>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for SmartHost {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SmartHost {
    /// Starts the host on 127.0.0.1, on a port the system chooses.
    pub async fn start(config: HostConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let host = Arc::new(Host {
            apps: config.apps,
            clock: config.clock,
            id_token_key: config.id_token_key,
            http: config.http,
            platform: config.platform,
            base: format!("http://{addr}"),
            registry: Mutex::new(Registry::default()),
        });
        use crate::facade;
        let authorization = Router::new()
            .route("/fhir/.well-known/smart-configuration", get(crate::discovery::smart_configuration))
            .route("/fhir/.well-known/openid-configuration", get(crate::discovery::openid_configuration))
            .route("/auth/jwks", get(crate::discovery::jwks))
            .route("/smart-style.json", get(crate::discovery::style))
            .route("/auth/authorize", get(crate::authorize::by_get).post(crate::authorize::by_post))
            .route("/auth/token", post(crate::token::token).options(crate::token::preflight))
            // Sign-in requests are small; anything bigger is refused unread.
            .layer(DefaultBodyLimit::max(64 * 1024));
        let fhir = Router::new()
            .route("/fhir/metadata", get(facade::metadata))
            .route("/fhir", post(facade::transaction_refused))
            .route("/fhir/", post(facade::transaction_refused))
            .route("/fhir/{type}", get(facade::search_by_get).post(facade::create).options(facade::preflight))
            .route("/fhir/{type}/_search", post(facade::search_by_post).options(facade::preflight))
            .route(
                "/fhir/{type}/{id}",
                get(facade::read).put(facade::update).delete(facade::delete_refused).options(facade::preflight),
            )
            .layer(DefaultBodyLimit::max(facade::MAX_BODY));
        let app = authorization.merge(fhir).with_state(host.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the SMART host stopped");
            }
        });
        tracing::info!(port = addr.port(), "SMART host listening on loopback");
        Ok(Self { host, addr, server })
    }

    /// What issues decision-support services' tokens for this host.
    pub fn service_tokens(&self) -> ServiceTokens {
        ServiceTokens { host: self.host.clone() }
    }

    /// The FHIR base apps are launched with (`iss`).
    pub fn iss(&self) -> String {
        self.host.iss()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes a launch handle for `context` and the URL that opens the app with it
    /// (`launch_url?iss=…&launch=…`). The caller has decided that the clinician may open
    /// this patient and sees this app.
    pub fn launch(&self, context: LaunchContext) -> Result<String, LaunchError> {
        let app = self.host.app(&context.app_id).ok_or_else(|| LaunchError::UnknownApp(context.app_id.clone()))?;
        let mut url = url::Url::parse(&app.launch_url).map_err(|e| LaunchError::BadLaunchUrl(e.to_string()))?;
        let handle = random_token();
        url.query_pairs_mut().append_pair("iss", &self.host.iss()).append_pair("launch", &handle);
        let now = self.host.clock.now();
        self.host.registry().add_launch(handle, context, now);
        Ok(url.into())
    }

    /// Ends what was issued for `patient`: the patient was closed.
    pub fn close_patient(&self, patient: &str) {
        self.host.registry().close_patient(patient);
    }

    /// Ends everything issued: sign-out, the idle lock, a user switch.
    pub fn end_session(&self) {
        self.host.registry().end_session();
    }

    /// How many access and refresh tokens are live.
    pub fn live_tokens(&self) -> usize {
        let now = self.host.clock.now();
        self.host.registry().live_tokens(now)
    }
}
