//! The municipal FHIR R4 platform over HTTP: `metadata`, read and search, each
//! guarded by an access token from the sandbox's HelseID for this platform's audience.

use crate::fhir_store::{FhirStore, SearchError, RESOURCE_TYPES};
use crate::keys::KeySet;
use crate::proof_check::{verify_dpop, DpopError, DpopExpectations, ReplayGuard};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

pub struct FhirState {
    pub base_url: String,
    pub issuer: String,
    pub audience: String,
    pub keys: Arc<KeySet>,
    pub store: RwLock<FhirStore>,
    pub replay: ReplayGuard,
    /// When set, API calls must carry this server's current DPoP nonce.
    pub require_dpop_nonce: AtomicBool,
    pub dpop_nonce: Mutex<String>,
    /// Requests served, for round-trip counts in benchmarks and tests.
    pub requests: std::sync::atomic::AtomicU64,
}

pub fn router(state: Arc<FhirState>) -> Router {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/{rtype}", get(search))
        .route("/fhir/{rtype}/{id}", get(read))
        .with_state(state)
}

fn outcome(status: StatusCode, code: &str, text: &str) -> Response {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}]
    });
    (status, [(header::CONTENT_TYPE, "application/fhir+json")], Json(body)).into_response()
}

fn fhir_json(value: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/fhir+json")], Json(value)).into_response()
}

fn unauthorised(why: &str) -> Response {
    let mut r = outcome(StatusCode::UNAUTHORIZED, "login", why);
    r.headers_mut().insert(header::WWW_AUTHENTICATE, "DPoP error=\"invalid_token\"".parse().unwrap());
    r
}

/// Why a request was refused: a nonce challenge, or an invalid token or proof.
enum Refusal {
    UseNonce(String),
    Invalid(String),
}

impl Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Invalid(why) => unauthorised(&why),
            Refusal::UseNonce(nonce) => {
                let mut r = outcome(StatusCode::UNAUTHORIZED, "login", "a DPoP nonce is required");
                let h = r.headers_mut();
                h.insert(header::WWW_AUTHENTICATE, "DPoP error=\"use_dpop_nonce\"".parse().unwrap());
                h.insert("DPoP-Nonce", nonce.parse().unwrap());
                r
            }
        }
    }
}

/// Checks `Authorization: DPoP <token>` and its `DPoP` proof as NHN's APIs do: the
/// token's signature, issuer, audience and lifetime, its binding (`cnf.jkt`) to the
/// proof's key, and the proof's `htm`, `htu`, `iat`, `jti`, `ath` and nonce.
fn authorise(s: &FhirState, method: &str, path: &str, headers: &HeaderMap) -> Result<(), Refusal> {
    s.requests.fetch_add(1, Ordering::Relaxed);
    let invalid = |why: &str| Refusal::Invalid(why.to_string());
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| invalid("missing access token"))?;
    let token =
        auth.strip_prefix("DPoP ").ok_or_else(|| invalid("access tokens are DPoP-bound: use the DPoP scheme"))?;
    let kid = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid).ok_or_else(|| invalid("unreadable token"))?;
    let key = s.keys.find(&kid).ok_or_else(|| invalid("token signed by an unknown key"))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[&s.issuer]);
    v.set_audience(&[&s.audience]);
    v.leeway = 5;
    let claims = jsonwebtoken::decode::<Value>(token, &key.decoding, &v)
        .map_err(|e| invalid(&format!("invalid token: {e}")))?
        .claims;
    let jkt = claims["cnf"]["jkt"].as_str().ok_or_else(|| invalid("the token is not DPoP-bound"))?;
    let nonce = s.dpop_nonce.lock().unwrap().clone();
    let url = format!("{}{}", s.base_url.trim_end_matches("/fhir"), path);
    let expect = DpopExpectations {
        method,
        url: &url,
        nonce: s.require_dpop_nonce.load(Ordering::Relaxed).then_some(nonce.as_str()),
        access_token: Some(token),
    };
    let proof = headers.get("DPoP").and_then(|v| v.to_str().ok());
    match verify_dpop(proof, &expect, &s.replay) {
        Ok(proof_jkt) if proof_jkt == jkt => Ok(()),
        Ok(_) => Err(invalid("the DPoP proof's key is not the one the token is bound to")),
        Err(DpopError::UseNonce) => Err(Refusal::UseNonce(nonce)),
        Err(DpopError::Invalid(why)) => Err(invalid(&why)),
    }
}

async fn metadata(State(s): State<Arc<FhirState>>) -> Response {
    let resources: Vec<Value> = RESOURCE_TYPES
        .iter()
        .map(|t| json!({"type": t, "interaction": [{"code": "read"}, {"code": "search-type"}]}))
        .collect();
    fhir_json(json!({
        "resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
        "format": ["json"], "implementation": {"description": "Arbeidsflate sandbox municipal platform", "url": s.base_url},
        "rest": [{"mode": "server", "resource": resources}]
    }))
}

async fn search(
    State(s): State<Arc<FhirState>>,
    Path(rtype): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorise(&s, "GET", &format!("/fhir/{rtype}"), &headers) {
        return r.into_response();
    }
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let store = s.store.read().unwrap();
    match store.search(&rtype, &pairs, &s.base_url) {
        Ok(bundle) => fhir_json(bundle),
        Err(e @ SearchError::UnknownType(_)) => outcome(StatusCode::NOT_FOUND, "not-supported", &e.to_string()),
        Err(e) => outcome(StatusCode::BAD_REQUEST, "invalid", &e.to_string()),
    }
}

async fn read(
    State(s): State<Arc<FhirState>>,
    Path((rtype, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorise(&s, "GET", &format!("/fhir/{rtype}/{id}"), &headers) {
        return r.into_response();
    }
    let store = s.store.read().unwrap();
    match store.get(&rtype, &id) {
        Some(r) => {
            let version = r["meta"]["versionId"].as_str().unwrap_or("1").to_string();
            let mut resp = fhir_json(r.clone());
            resp.headers_mut().insert(header::ETAG, format!("W/\"{version}\"").parse().unwrap());
            resp
        }
        None => outcome(StatusCode::NOT_FOUND, "not-found", &format!("{rtype}/{id} is not known")),
    }
}
