//! The municipal FHIR R4 platform over HTTP: `metadata`, read, search, create
//! (conditional), update (versioned) and transactions, each guarded by an access token
//! from the sandbox's HelseID for this platform's audience.

use crate::api_guard::{outcome, ApiGuard};
use crate::fhir_store::{FhirStore, SearchError, RESOURCE_TYPES};
use crate::fhir_write::{self, WriteError, Written};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::PoisonError;
use std::sync::{Arc, RwLock};

pub struct FhirState {
    pub base_url: String,
    pub guard: ApiGuard,
    pub store: RwLock<FhirStore>,
}

pub fn router(state: Arc<FhirState>) -> Router {
    Router::new()
        .route("/fhir", post(transaction))
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/{rtype}", get(search).post(create))
        .route("/fhir/{rtype}/{id}", get(read).put(update))
        .with_state(state)
}

fn fhir_json(value: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/fhir+json")], Json(value)).into_response()
}

async fn metadata(State(s): State<Arc<FhirState>>) -> Response {
    let resources: Vec<Value> = RESOURCE_TYPES
        .iter()
        .map(|t| {
            let interactions = ["read", "search-type", "create", "update"].map(|c| json!({"code": c}));
            json!({"type": t, "versioning": "versioned-update", "conditionalCreate": true, "interaction": interactions})
        })
        .collect();
    fhir_json(json!({
        "resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
        "format": ["json"], "implementation": {"description": "Arbeidsflate sandbox municipal platform", "url": s.base_url},
        "rest": [{"mode": "server", "resource": resources, "interaction": [{"code": "transaction"}]}]
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
    let store = s.store.read().unwrap_or_else(PoisonError::into_inner);
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
    let store = s.store.read().unwrap_or_else(PoisonError::into_inner);
    match store.get(&rtype, &id) {
        Some(r) => written(&s.base_url, Written { status: StatusCode::OK, resource: r.clone() }),
        None => outcome(StatusCode::NOT_FOUND, "not-found", &format!("{rtype}/{id} is not known")),
    }
}

/// `POST [base]/[type]`, conditional with `If-None-Exist`.
async fn create(
    State(s): State<Arc<FhirState>>,
    Path(rtype): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = s.guard.check("POST", &format!("/fhir/{rtype}"), &headers) {
        return r.into_response();
    }
    let resource = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    let if_none_exist = headers.get("If-None-Exist").and_then(|v| v.to_str().ok());
    let result = fhir_write::create(
        &mut s.store.write().unwrap_or_else(PoisonError::into_inner),
        &rtype,
        resource,
        if_none_exist,
        &fhir_write::last_updated(s.guard.now()),
    );
    answer(&s.base_url, result)
}

/// `PUT [base]/[type]/[id]`, versioned with `If-Match`.
async fn update(
    State(s): State<Arc<FhirState>>,
    Path((rtype, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = s.guard.check("PUT", &format!("/fhir/{rtype}/{id}"), &headers) {
        return r.into_response();
    }
    let resource = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    let if_match = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok());
    let result = fhir_write::update(
        &mut s.store.write().unwrap_or_else(PoisonError::into_inner),
        &rtype,
        &id,
        resource,
        if_match,
        &fhir_write::last_updated(s.guard.now()),
    );
    answer(&s.base_url, result)
}

/// `POST [base]` with a transaction Bundle.
async fn transaction(State(s): State<Arc<FhirState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = s.guard.check("POST", "/fhir", &headers) {
        return r.into_response();
    }
    let bundle = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    match fhir_write::transaction(
        &mut s.store.write().unwrap_or_else(PoisonError::into_inner),
        &bundle,
        &fhir_write::last_updated(s.guard.now()),
    ) {
        Ok(response) => fhir_json(response),
        Err(e) => refused(e),
    }
}

fn parse_body(body: &[u8]) -> Result<Value, WriteError> {
    serde_json::from_slice(body).map_err(|e| WriteError {
        status: StatusCode::BAD_REQUEST,
        code: "structure",
        text: format!("the body is not JSON: {e}"),
    })
}

fn answer(base: &str, result: Result<Written, WriteError>) -> Response {
    match result {
        Ok(w) => written(base, w),
        Err(e) => refused(e),
    }
}

fn refused(e: WriteError) -> Response {
    outcome(e.status, e.code, &e.text)
}

/// A resource with its version in `ETag`, and where it lives in `Location` when new.
fn written(base: &str, w: Written) -> Response {
    let version = w.version().to_string();
    let location = format!(
        "{base}/{}/{}/_history/{version}",
        w.resource["resourceType"].as_str().unwrap_or(""),
        w.resource["id"].as_str().unwrap_or("")
    );
    let mut resp = fhir_json(w.resource);
    *resp.status_mut() = w.status;
    let h = resp.headers_mut();
    h.insert(header::ETAG, format!("W/\"{version}\"").parse().unwrap());
    if w.status == StatusCode::CREATED {
        if let Ok(l) = location.parse() {
            h.insert(header::LOCATION, l);
        }
    }
    resp
}
