//! Document sharing (Pasientens journaldokumenter), IHE MHD over FHIR R4, simulated
//! at its path shape: ITI-67 search as `POST /R4/fhir/DocumentReference/_search`
//! with a form body (the number never in the URL), answering how many documents the
//! patient has hidden in `NHN-SecurityLabel-Nors-Count`; ITI-68 retrieval as
//! `GET /mhd/iti68/document?documentUniqueId=…&repositoryUniqueId=…&homeCommunityId=…`
//! with `nhn-patient-nin`. The trust framework attestation is mandatory: a token
//! without one is refused.

use crate::api_guard::{outcome, ApiGuard};
use crate::document_content;
use crate::fhir_store::FhirStore;
use crate::rng::SeededRng;
use arbeidsflate_model::nin::{NationalId, SYSTEM_FNR};
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const AUDIENCE: &str = "nhn:phr";
pub const SCOPES: [&str; 2] = ["nhn:phr/mhd/read-document", "nhn:phr/mhd/read-documentreferences"];
pub const SEARCH_PATH: &str = "/R4/fhir/DocumentReference/_search";
pub const RETRIEVE_PATH: &str = "/mhd/iti68/document";
const REPOSITORY: &str = "2.16.578.1.12.4.5.100.1";
const HOME_COMMUNITY: &str = "urn:oid:2.16.578.1.12.4.5.100";

#[derive(Debug, Clone)]
pub struct SharedDocument {
    pub reference: Value,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct PatientDocuments {
    pub documents: Vec<SharedDocument>,
    /// Documents the patient has hidden (NORS security label).
    pub hidden: u32,
}

pub struct PjdState {
    pub guard: ApiGuard,
    pub patients: BTreeMap<String, PatientDocuments>,
}

/// Shared documents for each patient: up to a lab report (PDF), a discharge summary
/// (CDA) and one from a geriatric clinic (KITH XML), some hidden ones, and for a few
/// patients a document whose declared content type lies (HTML declared as PDF), for
/// the client's content checks.
pub fn generate(
    store: &FhirStore,
    seed: u64,
    origin: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> BTreeMap<String, PatientDocuments> {
    let mut rng = SeededRng::new(seed ^ 0x504a_4400);
    let mut out = BTreeMap::new();
    for (i, p) in store.all("Patient").iter().enumerate() {
        let Some(nin) = p["identifier"][0]["value"].as_str() else { continue };
        let mut docs =
            PatientDocuments { hidden: if i % 6 == 1 { rng.range(1, 3) as u32 } else { 0 }, ..Default::default() };
        let count = rng.range(0, 3);
        for n in 0..count {
            let (title, content_type, bytes) = match (n, i % 11 == 7) {
                (0, true) => ("Laboratoriesvar", "application/pdf", b"<html><script>alert(1)</script></html>".to_vec()),
                (0, false) => ("Laboratoriesvar", "application/pdf", lab_report()),
                (1, _) => ("Epikrise", "application/xml", document_content::cda("Epikrise", nin)),
                _ => ("Epikrise, geriatrisk poliklinikk", "text/xml", document_content::kith_epikrise(nin)),
            };
            let unique = format!("2.16.578.1.12.4.5.100.1.{i}.{n}");
            let days_ago = rng.range(2, 400);
            let date = (now - chrono::Duration::days(days_ago)).to_rfc3339();
            let url = format!(
                "{origin}{RETRIEVE_PATH}?documentUniqueId={unique}&repositoryUniqueId={REPOSITORY}&homeCommunityId={HOME_COMMUNITY}"
            );
            let reference = json!({
                "resourceType": "DocumentReference", "id": format!("pjd-{i}-{n}"), "status": "current",
                "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": format!("urn:oid:{unique}")},
                "subject": {"identifier": {"system": SYSTEM_FNR, "value": nin}},
                "date": date, "description": title,
                "type": {"coding": [{"system": "urn:oid:2.16.578.1.12.4.1.1.9602", "code": if n == 0 { "J02-2" } else { "A03-1" }, "display": title}]},
                "author": [{"display": "Sandvik sykehus (syntetisk)"}],
                "content": [{"attachment": {"contentType": content_type, "url": url, "title": title, "size": bytes.len()}}]
            });
            docs.documents.push(SharedDocument { reference, content_type: content_type.into(), bytes });
        }
        out.insert(nin.to_string(), docs);
    }
    out
}

/// The synthetic lab report every patient with a PDF gets.
pub fn lab_report() -> Vec<u8> {
    document_content::pdf(
        "Laboratoriesvar (syntetisk)",
        &[
            &["Prøvetatt i sykehjemmets laboratorium. Syntetisk dokument for opplæring."],
            &[],
            &["Analyse", "Svar", "Referanseområde"],
            &["CRP", "4 mg/L", "< 5"],
            &["Hemoglobin", "12,8 g/dL", "11,7–15,3"],
            &["Kreatinin", "78 µmol/L", "45–90"],
            &["Natrium", "139 mmol/L", "137–145"],
        ],
    )
}

pub fn router(state: Arc<PjdState>) -> Router {
    Router::new().route(SEARCH_PATH, post(search)).route(RETRIEVE_PATH, get(retrieve)).with_state(state)
}

/// What every call must bring: a DPoP-bound token for this API carrying the trust
/// framework attestation (mandatory here), and the `nhn-*` correlation headers.
/// The service's answer when a call lacks any of it; `None` lets the call through.
fn refusal(s: &PjdState, method: &str, path: &str, headers: &HeaderMap) -> Option<Response> {
    let claims = match s.guard.check(method, path, headers) {
        Ok(c) => c,
        Err(r) => return Some(r.into_response()),
    };
    if let Some(r) = crate::nhn_headers::refusal_without_correlation(headers) {
        return Some(r);
    }
    (!crate::api_guard::attested(&claims))
        .then(|| outcome(StatusCode::FORBIDDEN, "security", "the trust framework attestation is required"))
}

async fn search(
    State(s): State<Arc<PjdState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(r) = refusal(&s, "POST", SEARCH_PATH, &headers) {
        return r;
    }
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let nin = get("patient.identifier").map(|v| v.rsplit('|').next().unwrap_or(v)).unwrap_or_default();
    if NationalId::parse(nin).is_err() {
        return outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            "patient.identifier must be a valid national identity number",
        );
    }
    let docs = s.patients.get(nin).cloned().unwrap_or_default();
    let count = get("_count").and_then(|c| c.parse::<usize>().ok()).unwrap_or(50);
    let mut refs: Vec<Value> = docs.documents.iter().map(|d| d.reference.clone()).collect();
    refs.sort_by(|a, b| b["date"].as_str().cmp(&a["date"].as_str()));
    refs.truncate(count);
    let entries: Vec<Value> = refs.into_iter().map(|r| json!({"resource": r, "search": {"mode": "match"}})).collect();
    let bundle = json!({"resourceType": "Bundle", "type": "searchset", "total": entries.len(), "entry": entries});
    (
        [
            (header::CONTENT_TYPE, "application/fhir+json".to_string()),
            (header::HeaderName::from_static("nhn-securitylabel-nors-count"), docs.hidden.to_string()),
        ],
        Json(bundle),
    )
        .into_response()
}

async fn retrieve(
    State(s): State<Arc<PjdState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = refusal(&s, "GET", RETRIEVE_PATH, &headers) {
        return r;
    }
    let Some(nin) = headers.get("nhn-patient-nin").and_then(|v| v.to_str().ok()) else {
        return outcome(StatusCode::BAD_REQUEST, "required", "nhn-patient-nin is required");
    };
    for required in ["documentUniqueId", "repositoryUniqueId", "homeCommunityId"] {
        if !q.contains_key(required) {
            return outcome(StatusCode::BAD_REQUEST, "required", &format!("{required} is required"));
        }
    }
    let wanted = format!("urn:oid:{}", q["documentUniqueId"]);
    let Some(doc) = s
        .patients
        .get(nin)
        .and_then(|p| p.documents.iter().find(|d| d.reference["masterIdentifier"]["value"] == wanted.as_str()))
    else {
        return outcome(StatusCode::NOT_FOUND, "not-found", "no such document for this patient");
    };
    ([(header::CONTENT_TYPE, doc.content_type.clone())], doc.bytes.clone()).into_response()
}
