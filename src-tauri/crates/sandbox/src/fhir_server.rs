//! The municipal FHIR R4 platform over HTTP: `metadata`, read and search, each
//! guarded by an access token from the sandbox's HelseID for this platform's audience.

use crate::api_guard::{outcome, ApiGuard};
use crate::fhir_store::{FhirStore, SearchError, RESOURCE_TYPES};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, RwLock};

pub struct FhirState {
    pub base_url: String,
    pub guard: ApiGuard,
    pub store: RwLock<FhirStore>,
}

pub fn router(state: Arc<FhirState>) -> Router {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/{rtype}", get(search))
        .route("/fhir/{rtype}/{id}", get(read))
        .with_state(state)
}

fn fhir_json(value: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/fhir+json")], Json(value)).into_response()
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
    if let Err(r) = s.guard.check("GET", &format!("/fhir/{rtype}"), &headers) {
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
    if let Err(r) = s.guard.check("GET", &format!("/fhir/{rtype}/{id}"), &headers) {
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
