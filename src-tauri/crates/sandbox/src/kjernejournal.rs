//! Kjernejournal's critical information API (FHIR R4 facade), simulated at its real
//! path shape: `POST …/status` with `{"nin": …}` first, then
//! `GET …/AllergyIntolerance` with the `nhn-*` headers. Some synthetic patients have
//! reserved against Kjernejournal (no data at all), some have restricted it (an
//! elevated access basis is needed).

use crate::api_guard::{outcome, ApiGuard};
use crate::catalog::ALLERGENS;
use crate::fhir_store::FhirStore;
use crate::rng::SeededRng;
use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::nin::{NationalId, SYSTEM_FNR, SYSTEM_HPR};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const BASE_PATH: &str = "/api/critical-information/v1";
pub const AUDIENCE: &str = "nhn:critical-information";
pub const SCOPE: &str = "nhn:critical-information/api";
const PROFILE: &str = "http://nhn.no/kj/fhir/StructureDefinition/KjAllergyIntolerance";
const HP_CATEGORY: &str = "urn:oid:2.16.578.1.12.4.1.1.9060";

/// One patient's Kjernejournal.
#[derive(Debug, Clone, Default)]
pub struct KjRecord {
    pub reserved: bool,
    pub restricted: bool,
    pub allergies: Vec<Value>,
    pub last_changed: Option<String>,
}

/// Kjernejournal for the synthetic world: every ninth patient has reserved against
/// it, every seventh has restricted it; most others have critical information that
/// partly overlaps the municipal record (same SNOMED code, KJ's own wording), so the
/// aggregate view has duplicates to merge and disagreements to flag.
pub fn generate(store: &FhirStore, seed: u64) -> BTreeMap<String, KjRecord> {
    let mut rng = SeededRng::new(seed ^ 0x4b4a_4b4a);
    let mut out = BTreeMap::new();
    for (i, patient) in store.all("Patient").iter().enumerate() {
        let Some(nin) = patient["identifier"][0]["value"].as_str() else { continue };
        let reference = format!("Patient/{}", patient["id"].as_str().unwrap_or_default());
        let mut record = KjRecord { reserved: i % 9 == 4, restricted: i % 7 == 3, ..Default::default() };
        let on_amoxicillin = reference == format!("Patient/{}", crate::world::AMOXICILLIN_RESIDENT);
        if record.reserved || !rng.chance(0.7) {
            if on_amoxicillin && !record.reserved {
                record.allergies = vec![penicillin_from_the_gp(nin)];
                record.last_changed = record.allergies[0]["recordedDate"].as_str().map(str::to_string);
            }
            out.insert(nin.to_string(), record);
            continue;
        }
        let municipal: Vec<&Value> = store
            .all("AllergyIntolerance")
            .iter()
            .filter(|a| a["patient"]["reference"] == reference.as_str())
            .collect();
        let mut allergies = Vec::new();
        for (n, a) in municipal.iter().enumerate() {
            if rng.chance(0.6) {
                let code = a["code"]["coding"][0]["code"].as_str().unwrap_or_default();
                let text = a["code"]["text"].as_str().unwrap_or_default().to_uppercase();
                allergies.push(kj_allergy(nin, n, code, &text, a["criticality"].as_str().unwrap_or("low"), &mut rng));
            }
        }
        if rng.chance(0.5) {
            let (code, display, _, criticality) = *rng.pick(ALLERGENS);
            if !allergies.iter().any(|a| a["code"]["coding"][0]["code"] == code) {
                allergies.push(kj_allergy(nin, 99, code, display, criticality, &mut rng));
            }
        }
        if on_amoxicillin {
            allergies.retain(|a| a["code"]["coding"][0]["code"] != "373270004");
            allergies.push(penicillin_from_the_gp(nin));
        }
        record.last_changed = allergies.iter().filter_map(|a| a["recordedDate"].as_str()).max().map(str::to_string);
        record.allergies = allergies;
        out.insert(nin.to_string(), record);
    }
    out
}

/// The amoxicillin resident's penicillin allergy, recorded by her GP: never on the
/// municipal record, so only Kjernejournal knows it. From a sequence of its own, so the
/// world's other records stay as they were.
fn penicillin_from_the_gp(nin: &str) -> Value {
    let mut penicillin = kj_allergy(nin, 98, "373270004", "PENICILLIN", "high", &mut SeededRng::new(98));
    penicillin["reaction"] = json!([{"manifestation": [{"text": "Urtikaria"}]}]);
    penicillin
}

fn kj_allergy(nin: &str, n: usize, code: &str, text: &str, criticality: &str, rng: &mut SeededRng) -> Value {
    let year = rng.range(2012, 2025);
    let month = rng.range(1, 12);
    json!({
        "resourceType": "AllergyIntolerance",
        "id": format!("kj-{}-{n}", &nin[..6]),
        "meta": {"profile": [PROFILE], "lastUpdated": format!("{year}-{month:02}-15T09:00:00+01:00")},
        "contained": [{
            "resourceType": "PractitionerRole", "id": "recorder",
            "practitioner": {"identifier": {"system": SYSTEM_HPR, "value": format!("{}", 8_100_000 + rng.range(1, 9999))},
                             "display": "Fastlege (syntetisk)"}
        }],
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "confirmed"}]},
        "criticality": criticality,
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}], "text": text},
        "patient": {"identifier": {"system": SYSTEM_FNR, "value": nin}},
        "recordedDate": format!("{year}-{month:02}-15"),
        "recorder": {"reference": "#recorder"}
    })
}

pub struct KjState {
    pub guard: ApiGuard,
    pub records: BTreeMap<String, KjRecord>,
}

pub fn router(state: Arc<KjState>) -> Router {
    Router::new()
        .route(&format!("{BASE_PATH}/status"), post(status))
        .route(&format!("{BASE_PATH}/AllergyIntolerance"), get(allergies))
        .with_state(state)
}

fn bad_request(text: &str) -> Response {
    outcome(StatusCode::BAD_REQUEST, "required", text)
}

/// The headers every newer NHN API wants; the error names the first one missing or wrong.
fn check_nhn_headers(headers: &HeaderMap, with_patient: bool) -> Result<Option<(String, AccessBasis)>, String> {
    crate::nhn_headers::require_correlation(headers)?;
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    if !with_patient {
        return Ok(None);
    }
    let role = get("nhn-user-role").ok_or("nhn-user-role is required")?;
    let decoded: String = url::form_urlencoded::parse(format!("r={role}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let role: Value = serde_json::from_str(&decoded).map_err(|_| "nhn-user-role must be URL-encoded JSON")?;
    if role["system"] != HP_CATEGORY || !role["code"].is_string() {
        return Err("nhn-user-role must name a helsepersonell category".into());
    }
    let nin = get("nhn-patient-nin").ok_or("nhn-patient-nin is required")?;
    NationalId::parse(nin).map_err(|_| "nhn-patient-nin is not a valid national identity number")?;
    let basis = get("nhn-access-basis")
        .and_then(AccessBasis::from_header_value)
        .ok_or("nhn-access-basis is missing or unknown")?;
    Ok(Some((nin.to_string(), basis)))
}

async fn status(State(s): State<Arc<KjState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Err(r) = s.guard.check("POST", &format!("{BASE_PATH}/status"), &headers) {
        return r.into_response();
    }
    if let Err(why) = check_nhn_headers(&headers, false) {
        return bad_request(&why);
    }
    let Some(nin) = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["nin"].as_str().map(str::to_string))
    else {
        return bad_request("the body must be {\"nin\": \"…\"}");
    };
    if NationalId::parse(&nin).is_err() {
        return bad_request("nin is not a valid national identity number");
    }
    let record = s.records.get(&nin).cloned().unwrap_or_default();
    Json(json!({
        "hasCriticalInformation": !record.reserved && !record.allergies.is_empty(),
        "hasActiveCriticalInformation": !record.reserved && !record.allergies.is_empty(),
        "lastChangedDateTime": record.last_changed,
        "hasReservation": record.reserved,
        "hasRestriction": record.restricted,
    }))
    .into_response()
}

async fn allergies(State(s): State<Arc<KjState>>, headers: HeaderMap) -> Response {
    let claims = match s.guard.check("GET", &format!("{BASE_PATH}/AllergyIntolerance"), &headers) {
        Ok(claims) => claims,
        Err(r) => return r.into_response(),
    };
    // The critical information itself is read only with the trust framework attestation
    // (the status call, which tells nothing clinical, needs none).
    if !crate::api_guard::attested(&claims) {
        return outcome(StatusCode::FORBIDDEN, "security", "the trust framework attestation is required");
    }
    let (nin, basis) = match check_nhn_headers(&headers, true) {
        Ok(Some(x)) => x,
        Ok(None) => unreachable!("patient headers were required"),
        Err(why) => return bad_request(&why),
    };
    let record = s.records.get(&nin).cloned().unwrap_or_default();
    if record.reserved {
        return outcome(StatusCode::FORBIDDEN, "forbidden", "the patient has reserved against Kjernejournal");
    }
    if record.restricted && !basis.is_elevated() {
        return outcome(StatusCode::FORBIDDEN, "forbidden", "restricted: an elevated access basis is required");
    }
    let entries: Vec<Value> =
        record.allergies.iter().map(|a| json!({"resource": a, "search": {"mode": "match"}})).collect();
    let body = json!({"resourceType": "Bundle", "type": "searchset", "total": entries.len(), "entry": entries});
    ([(header::CONTENT_TYPE, "application/fhir+json")], Json(body)).into_response()
}
