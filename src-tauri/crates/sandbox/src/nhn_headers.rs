//! The correlation headers NHN's newer APIs refuse calls without.

use crate::api_guard::outcome;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// `nhn-source-system` and an `nhn-event-id` that looks like a UUID; the error names
/// the first one missing or wrong.
pub fn require_correlation(headers: &HeaderMap) -> Result<(), String> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    if get("nhn-source-system").is_none() {
        return Err("nhn-source-system is required".into());
    }
    if get("nhn-event-id").is_none_or(|id| id.len() < 16) {
        return Err("nhn-event-id must be a correlation UUID".into());
    }
    Ok(())
}

/// The service's answer when `require_correlation` fails (400 with an OperationOutcome).
pub fn refusal_without_correlation(headers: &HeaderMap) -> Option<Response> {
    require_correlation(headers).err().map(|why| outcome(StatusCode::BAD_REQUEST, "required", &why))
}
