//! The patient's medication list (Pasientens legemiddelliste) through SFM Basis API:
//! `POST [base]/Patient/$getMedication` with a `Parameters` body. The answer is a
//! document `Bundle` indexed by a `Composition`, with `MedicationStatement`s chained by
//! `partOf` (the chain head — no `partOf` — is the current item; earlier links are
//! `completed`), and when each register was read, with its error code if it failed.
//! Base URL and the retrieval extension's shape are not published: they are
//! configurable in the client and documented here.

use crate::api_guard::{outcome, ApiGuard};
use crate::fhir_store::FhirStore;
use crate::rng::SeededRng;
use arbeidsflate_model::nin::{NationalId, SYSTEM_FNR};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const AUDIENCE: &str = "e-helse:sfm.api";
pub const SCOPE: &str = "e-helse:sfm.api/sfm.api2";
pub const OPERATION_PATH: &str = "/api/sfm/Patient/$getMedication";
pub const RETRIEVAL_EXTENSION: &str = "http://nhn.no/sfm/fhir/StructureDefinition/retrieval";

pub struct SfmState {
    pub guard: ApiGuard,
    /// nin → the medication statements of the list.
    pub lists: BTreeMap<String, Vec<Value>>,
    /// Patients for whom Reseptformidleren "fails" (to exercise partial answers).
    pub rf_failures: Vec<String>,
}

/// Medication lists built from the municipal records: most active medications appear
/// (some with another dose, as a prescriber changed it: a chain of two), some stopped
/// ones appear as current (a disagreement to flag), and a few are SFM-only.
pub fn generate(store: &FhirStore, seed: u64) -> (BTreeMap<String, Vec<Value>>, Vec<String>) {
    let mut rng = SeededRng::new(seed ^ 0x5f4d_5f4d);
    let mut lists = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, p) in store.all("Patient").iter().enumerate() {
        let Some(nin) = p["identifier"][0]["value"].as_str() else { continue };
        let reference = format!("Patient/{}", p["id"].as_str().unwrap_or_default());
        let mut list = Vec::new();
        for (n, m) in store
            .all("MedicationStatement")
            .iter()
            .filter(|m| m["subject"]["reference"] == reference.as_str())
            .enumerate()
        {
            if !rng.chance(0.8) {
                continue;
            }
            let id = format!("sfm-{}-{n}", &nin[..6]);
            let dose = m["dosage"][0]["text"].as_str().unwrap_or_default().to_string();
            let concept = m["medicationCodeableConcept"].clone();
            if rng.chance(0.25) {
                // An older link of the chain, with the dose before a prescriber changed
                // it: `completed`, and `partOf` the current item (the head).
                let old = format!("{id}-v1");
                list.push(statement(
                    &old,
                    nin,
                    &concept,
                    "completed",
                    &format!("{dose} (tidligere dosering)"),
                    Some(&id),
                ));
                list.push(statement(&id, nin, &concept, "active", &dose, None));
            } else {
                list.push(statement(&id, nin, &concept, "active", &dose, None));
            }
        }
        if i % 5 == 2 {
            failures.push(nin.to_string());
        }
        lists.insert(nin.to_string(), list);
    }
    (lists, failures)
}

fn statement(id: &str, nin: &str, concept: &Value, status: &str, dose: &str, part_of: Option<&str>) -> Value {
    let mut s = json!({
        "resourceType": "MedicationStatement", "id": id, "status": status,
        "medicationCodeableConcept": concept,
        "subject": {"identifier": {"system": SYSTEM_FNR, "value": nin}},
        "dosage": [{"text": dose}],
        "informationSource": {"display": "Reseptformidleren"}
    });
    if let Some(head) = part_of {
        s["partOf"] = json!([{"reference": format!("MedicationStatement/{head}")}]);
    }
    s
}

pub fn router(state: Arc<SfmState>) -> Router {
    Router::new().route(OPERATION_PATH, post(get_medication)).with_state(state)
}

fn parameter<'a>(params: &'a Value, name: &str) -> Option<&'a Value> {
    params["parameter"].as_array()?.iter().find(|p| p["name"] == name)
}

async fn get_medication(State(s): State<Arc<SfmState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let claims = match s.guard.check("POST", OPERATION_PATH, &headers) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    if let Some(r) = crate::nhn_headers::refusal_without_correlation(&headers) {
        return r;
    }
    if claims[crate::idp::SECURITY_LEVEL_CLAIM] != "4" || claims[crate::idp::ASSURANCE_LEVEL_CLAIM] != "high" {
        return outcome(StatusCode::FORBIDDEN, "security", "SFM needs security level 4 and assurance high");
    }
    if claims[crate::idp::ORGNR_PARENT_CLAIM].as_str().is_none() {
        return outcome(StatusCode::FORBIDDEN, "security", "SFM needs the organisation claims");
    }
    let Ok(params) = serde_json::from_slice::<Value>(&body) else {
        return outcome(StatusCode::BAD_REQUEST, "structure", "the body must be a Parameters resource");
    };
    if params["resourceType"] != "Parameters" {
        return outcome(StatusCode::BAD_REQUEST, "structure", "the body must be a Parameters resource");
    }
    let nin = parameter(&params, "patient").and_then(|p| p["valueIdentifier"]["value"].as_str()).unwrap_or_default();
    if NationalId::parse(nin).is_err() {
        return outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            "parameter patient must carry a valid national identity number",
        );
    }
    let statements = s.lists.get(nin).cloned().unwrap_or_default();
    let now = s.guard.now().to_rfc3339();
    let rf_failed = s.rf_failures.iter().any(|f| f == nin);
    let retrieval = |source: &str, error: Option<&str>| {
        let mut ext =
            vec![json!({"url": "source", "valueString": source}), json!({"url": "retrievedAt", "valueDateTime": now})];
        if let Some(code) = error {
            ext.push(json!({"url": "errorCode", "valueString": code}));
        }
        json!({"url": RETRIEVAL_EXTENSION, "extension": ext})
    };
    let composition = json!({
        "resourceType": "Composition", "id": "lmliste", "status": "final", "date": now,
        "title": "Pasientens legemiddelliste",
        "type": {"coding": [{"system": "http://loinc.org", "code": "10160-0"}]},
        "extension": [retrieval("Kjernejournal", None), retrieval("Reseptformidleren", rf_failed.then_some("RF-TIMEOUT"))],
        "section": [{"title": "Legemidler", "entry": statements.iter()
            .map(|m| json!({"reference": format!("MedicationStatement/{}", m["id"].as_str().unwrap_or_default())}))
            .collect::<Vec<_>>()}]
    });
    let mut entries = vec![json!({"fullUrl": "Composition/lmliste", "resource": composition})];
    entries.extend(statements.into_iter().map(
        |m| json!({"fullUrl": format!("MedicationStatement/{}", m["id"].as_str().unwrap_or_default()), "resource": m}),
    ));
    let bundle = json!({"resourceType": "Bundle", "type": "document", "timestamp": now, "entry": entries});
    ([(header::CONTENT_TYPE, "application/fhir+json")], Json(bundle)).into_response()
}
