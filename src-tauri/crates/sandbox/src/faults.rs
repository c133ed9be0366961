//! Faults a sandbox service can be switched into, so tests, training and benchmarks
//! can show what partial failure looks like: slow answers, server errors, malformed
//! JSON, a body cut off half-way.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// The sandbox's HelseID (sign-in and every token).
    HelseId,
    Fhir,
    Kjernejournal,
    MedicationList,
    Documents,
    Person,
}

impl Service {
    /// Every service that can be switched into a fault: all of them together is "no network".
    pub const ALL: [Service; 6] = [
        Service::HelseId,
        Service::Fhir,
        Service::Kjernejournal,
        Service::MedicationList,
        Service::Documents,
        Service::Person,
    ];
}

impl FromStr for Service {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "helseid" => Service::HelseId,
            "fhir" => Service::Fhir,
            "kjernejournal" => Service::Kjernejournal,
            "medication_list" => Service::MedicationList,
            "documents" => Service::Documents,
            "person" => Service::Person,
            other => {
                return Err(format!(
                    "unknown service {other}: helseid, fhir, kjernejournal, medication_list, documents or person"
                ))
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer, but only after this many milliseconds.
    Slow(u64),
    /// HTTP 500 with an OperationOutcome.
    ServerError,
    /// HTTP 200 with JSON that does not parse.
    MalformedJson,
    /// The real answer with its body cut off half-way.
    TruncatedBody,
    /// No network: the connection drops before any request is handled.
    Disconnected,
    /// The request is handled (a write is stored), then the connection drops before the
    /// client reads the answer: the client cannot know the write arrived.
    DropAnswer,
}

impl FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "500" => Ok(Fault::ServerError),
            "malformed" => Ok(Fault::MalformedJson),
            "truncated" => Ok(Fault::TruncatedBody),
            "disconnected" => Ok(Fault::Disconnected),
            "drop-answer" => Ok(Fault::DropAnswer),
            _ => s.strip_prefix("slow:").and_then(|ms| ms.parse().ok()).map(Fault::Slow).ok_or_else(|| {
                format!("unknown fault {s}: slow:MS, 500, malformed, truncated, disconnected or drop-answer")
            }),
        }
    }
}

/// A service's fault switch, shared between its middleware and the sandbox handle.
pub type FaultSwitch = Arc<RwLock<Option<Fault>>>;

/// Parses `SERVICE=FAULT`, as `arbeidsflate sandbox --fault` takes it.
pub fn parse_assignment(s: &str) -> Result<(Service, Fault), String> {
    let (service, fault) = s.split_once('=').ok_or("expected SERVICE=FAULT, e.g. kjernejournal=500")?;
    Ok((service.parse()?, fault.parse()?))
}

/// Wraps a service's router so its switch decides how it answers.
pub fn with_faults(router: Router, switch: FaultSwitch) -> Router {
    router.layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| {
        let switch = switch.clone();
        async move {
            let fault = *switch.read().unwrap();
            match fault {
                None => next.run(req).await,
                Some(Fault::Slow(ms)) => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    next.run(req).await
                }
                Some(Fault::ServerError) => crate::api_guard::outcome(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    "the sandbox was told to fail",
                ),
                Some(Fault::MalformedJson) => {
                    ([(header::CONTENT_TYPE, "application/fhir+json")], "{\"resourceType\": \"Bundle\", \"entry\": [")
                        .into_response()
                }
                Some(Fault::Disconnected) => dropped(StatusCode::OK),
                Some(Fault::DropAnswer) => {
                    let real = next.run(req).await;
                    dropped(real.status())
                }
                Some(Fault::TruncatedBody) => {
                    let real = next.run(req).await;
                    let (mut parts, body) = real.into_parts();
                    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
                    let cut = bytes.slice(..bytes.len() / 2);
                    parts.headers.remove(header::CONTENT_LENGTH);
                    Response::from_parts(parts, Body::from(cut))
                }
            }
        }
    }))
}

/// An answer whose body fails at once: the client sees the connection drop.
fn dropped(status: StatusCode) -> Response {
    let failing = futures_util::stream::once(async { Err::<axum::body::Bytes, _>(std::io::Error::other("dropped")) });
    (status, Body::from_stream(failing)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_parse_and_bad_ones_say_why() {
        assert_eq!(parse_assignment("kjernejournal=500"), Ok((Service::Kjernejournal, Fault::ServerError)));
        assert_eq!(parse_assignment("fhir=slow:250"), Ok((Service::Fhir, Fault::Slow(250))));
        assert_eq!(parse_assignment("person=truncated"), Ok((Service::Person, Fault::TruncatedBody)));
        assert!(parse_assignment("kj=500").unwrap_err().contains("unknown service"));
        assert!(parse_assignment("fhir=slow:soon").unwrap_err().contains("unknown fault"));
        assert!(parse_assignment("fhir").is_err());
    }
}
