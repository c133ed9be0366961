//! Fastlegeregisteret's read service (`IFlrReadOperations`), simulated at the shape
//! NHN's WSDL gives its SOAP 1.2 binding (`/v2/flr`): HTTP Basic authentication of the
//! service user (401 otherwise), the `application/soap+xml` content type with the
//! operation's action, WS-Addressing headers (Action and To required), and
//! `GetPatientGPDetails(patientNin)` answered with a `PatientToGPContractAssociation`
//! or a fault with a `GenericFault` detail, in the words the register uses ("patientNin
//! er ugyldig", "Personen er ikke tilknyttet fastlegekontrakt"). Only that operation is
//! offered; any other gets the fault WCF gives for an unknown action.

mod lists;
mod request;
mod response;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
pub use lists::GpCase;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The path of the SOAP 1.2 binding.
pub const PATH: &str = "/v2/flr";
/// The sandbox's service user, as IT would be given one by NHN.
pub const SERVICE_USER: &str = "sandkasse-flr";
pub const SERVICE_PASSWORD: &str = "sandkasse-flr-passord-2026";

pub struct FlrState {
    lists: BTreeMap<String, lists::Association>,
    cases: BTreeMap<String, GpCase>,
    lookups: AtomicU64,
    refused_logins: AtomicU64,
}

impl FlrState {
    pub fn new(store: &crate::fhir_store::FhirStore, today: chrono::NaiveDate) -> Self {
        let (lists, cases) = lists::generate(store, today);
        Self { lists, cases, lookups: AtomicU64::new(0), refused_logins: AtomicU64::new(0) }
    }

    pub fn case(&self, nin: &str) -> Option<GpCase> {
        self.cases.get(nin).copied()
    }

    /// Lookups answered (found or not) since start.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Requests refused for their credentials.
    pub fn refused_logins(&self) -> u64 {
        self.refused_logins.load(Ordering::Relaxed)
    }
}

pub fn router(state: Arc<FlrState>) -> Router {
    Router::new()
        .route(PATH, post(soap))
        // The sandbox's stand-in for IT installing the service user (a real register has no such route).
        .route("/sandbox/service-user", get(service_user))
        .with_state(state)
}

async fn service_user() -> Json<serde_json::Value> {
    Json(serde_json::json!({"username": SERVICE_USER, "password": SERVICE_PASSWORD}))
}

async fn soap(State(s): State<Arc<FlrState>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authenticated(&headers) {
        s.refused_logins.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"ws.nhn.no\"")], "")
            .into_response();
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.starts_with("application/soap+xml") {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Cannot process the message because the content type '{content_type}' was not the expected type 'application/soap+xml; charset=utf-8'."),
        )
            .into_response();
    }
    let request = match request::read(&body) {
        Ok(r) => r,
        Err(fault) => return response::fault(fault),
    };
    if request.action != request::ACTION {
        return response::fault(request::Refusal::ActionNotSupported(request.action));
    }
    let valid = request.patient_nin.as_deref().filter(|n| arbeidsflate_model::NationalId::parse(n).is_ok());
    let Some(nin) = valid else {
        return response::fault(request::Refusal::Generic("ArgumentException: patientNin er ugyldig".into()));
    };
    s.lookups.fetch_add(1, Ordering::Relaxed);
    match s.lists.get(nin) {
        Some(association) => response::details(&request, nin, association),
        None => response::fault(request::Refusal::Generic(
            "ArgumentException: Personen er ikke tilknyttet fastlegekontrakt".into(),
        )),
    }
}

fn authenticated(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some(encoded) = value.strip_prefix("Basic ") else { return false };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return false };
    decoded == format!("{SERVICE_USER}:{SERVICE_PASSWORD}").as_bytes()
}
