//! Persontjenesten v3 (NHN's person lookup), simulated at its path shape:
//! `POST /api/{legal-basis|no-legal-basis}/person/get-by-nin` with the number as a
//! form field (never in the URL) and `api-version: 3`. Some synthetic persons have a
//! confidential or strictly confidential address, one has died. Protected persons
//! still come back *with* an address here, so tests prove the client drops it.

use crate::api_guard::{outcome, ApiGuard};
use crate::fhir_store::FhirStore;
use arbeidsflate_model::nin::NationalId;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const AUDIENCE: &str = "nhn:persontjenesten";
pub const SCOPE: &str = "nhn:persontjenesten/api";
/// The street every protected person's secret address is on, so tests can look for it.
pub const SECRET_STREET: &str = "Hemmeligveien";

pub struct PersonState {
    pub guard: ApiGuard,
    pub persons: BTreeMap<String, Value>,
}

/// Person records for every patient of the world: every seventeenth strictly
/// confidential, every nineteenth confidential, the thirteenth deceased.
pub fn generate(store: &FhirStore) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (i, p) in store.all("Patient").iter().enumerate() {
        let Some(nin) = p["identifier"][0]["value"].as_str() else { continue };
        let protection = match i {
            i if i % 17 == 5 => "StrictlyConfidential",
            i if i % 19 == 6 => "Confidential",
            _ => "Unclassified",
        };
        let address = if protection == "Unclassified" {
            let line = p["address"][0]["line"][0].as_str().unwrap_or("Furulund sykehjem, Furuveien 1");
            json!({"addressLine": line, "postalCode": "9990", "postalPlace": "SANDVIK"})
        } else {
            json!({"addressLine": format!("{SECRET_STREET} {}", i + 1), "postalCode": "9999", "postalPlace": "SKJULT"})
        };
        let gender = if p["gender"] == "female" { "Female" } else { "Male" };
        out.insert(
            nin.to_string(),
            json!({
                "nin": nin,
                "name": {"firstName": p["name"][0]["given"][0], "middleName": null, "lastName": p["name"][0]["family"]},
                "dateOfBirth": p["birthDate"],
                "dateOfDeath": if i == 13 { json!("2026-10-30") } else { Value::Null },
                "gender": gender,
                "addressProtection": {"protectionLevel": protection},
                "residentialAddress": address
            }),
        );
    }
    out
}

pub fn router(state: Arc<PersonState>) -> Router {
    Router::new().route("/api/{basis}/person/get-by-nin", post(get_by_nin)).with_state(state)
}

#[derive(serde::Deserialize)]
struct NinForm {
    nin: Option<String>,
}

async fn get_by_nin(
    State(s): State<Arc<PersonState>>,
    Path(basis): Path<String>,
    headers: HeaderMap,
    Form(form): Form<NinForm>,
) -> Response {
    if let Err(r) = s.guard.check("POST", &format!("/api/{basis}/person/get-by-nin"), &headers) {
        return r.into_response();
    }
    if let Some(r) = crate::nhn_headers::refusal_without_correlation(&headers) {
        return r;
    }
    if basis != "legal-basis" && basis != "no-legal-basis" {
        return outcome(StatusCode::NOT_FOUND, "not-found", "use legal-basis or no-legal-basis");
    }
    if headers.get("api-version").and_then(|v| v.to_str().ok()) != Some("3") {
        return outcome(StatusCode::BAD_REQUEST, "required", "api-version: 3 is required");
    }
    let Some(nin) = form.nin.filter(|n| NationalId::parse(n).is_ok()) else {
        return outcome(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the form field nin must be a valid national identity number",
        );
    };
    match s.persons.get(&nin) {
        Some(p) => Json(p.clone()).into_response(),
        None => outcome(StatusCode::NOT_FOUND, "not-found", "no such person"),
    }
}
