//! Faults a sandbox service can be switched into, so tests, training and benchmarks
//! can show what partial failure looks like: slow answers, server errors, malformed
//! JSON, a body cut off half-way, one that trickles in, a `next` link that loops, an
//! answer of 50 MB, JSON nested 5,000 deep. A whole service can be switched
//! (`fhir=500`), or one resource type of the platform (`fhir/Condition=trickle`).

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::PoisonError;
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
    /// The decision-support (CDS Hooks) service.
    Cds,
    /// Fastlegeregisteret's SOAP read service.
    GpRegister,
}

impl Service {
    /// Every service that can be switched into a fault: all of them together is "no network".
    pub const ALL: [Service; 8] = [
        Service::HelseId,
        Service::Fhir,
        Service::Kjernejournal,
        Service::MedicationList,
        Service::Documents,
        Service::Person,
        Service::Cds,
        Service::GpRegister,
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
            "cds" => Service::Cds,
            "gp_register" => Service::GpRegister,
            other => {
                return Err(format!(
                    "unknown service {other}: helseid, fhir, kjernejournal, medication_list, documents, person, \
                     cds or gp_register"
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
    /// The real answer, one byte every two seconds.
    Trickle,
    /// The real answer, its `next` link pointing back at the page itself.
    LoopNext,
    /// A searchset of some 50 MB (one statement with an enormous note).
    Huge,
    /// A bundle whose resource nests arrays 5,000 deep.
    Deep,
}

/// How long a trickling answer waits between two bytes.
pub const TRICKLE_EVERY: Duration = Duration::from_secs(2);
/// The size of a `Huge` answer.
pub const HUGE_BYTES: usize = 50 * 1024 * 1024;

impl FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "500" => Ok(Fault::ServerError),
            "malformed" => Ok(Fault::MalformedJson),
            "truncated" => Ok(Fault::TruncatedBody),
            "disconnected" => Ok(Fault::Disconnected),
            "drop-answer" => Ok(Fault::DropAnswer),
            "trickle" => Ok(Fault::Trickle),
            "loop-next" => Ok(Fault::LoopNext),
            "huge" => Ok(Fault::Huge),
            "deep" => Ok(Fault::Deep),
            _ => s.strip_prefix("slow:").and_then(|ms| ms.parse().ok()).map(Fault::Slow).ok_or_else(|| {
                format!(
                    "unknown fault {s}: slow:MS, 500, malformed, truncated, disconnected, drop-answer, trickle, \
                     loop-next, huge or deep"
                )
            }),
        }
    }
}

/// A service's fault switch, shared between its middleware and the sandbox handle.
pub type FaultSwitch = Arc<RwLock<Option<Fault>>>;

/// What `--fault` switches: a whole service, or one resource type of the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    Service(Service),
    /// Every read and search of this FHIR resource type on the platform.
    Search(String),
}

/// Parses `SERVICE=FAULT` or `fhir/TYPE=FAULT`, as `arbeidsflate sandbox --fault` takes it.
pub fn parse_assignment(s: &str) -> Result<(FaultTarget, Fault), String> {
    let (target, fault) =
        s.split_once('=').ok_or("expected SERVICE=FAULT or fhir/TYPE=FAULT, e.g. kjernejournal=500")?;
    let target = match target.split_once('/') {
        Some(("fhir", rtype)) if crate::fhir_store::RESOURCE_TYPES.contains(&rtype) => {
            FaultTarget::Search(rtype.into())
        }
        Some(("fhir", rtype)) => return Err(format!("unknown resource type {rtype} on the platform")),
        Some(_) => return Err(format!("only the platform's resource types can fail one by one: {target}")),
        None => FaultTarget::Service(target.parse()?),
    };
    Ok((target, fault.parse()?))
}

/// The platform's faults per resource type, shared between its middleware and the sandbox handle.
pub type SearchFaults = Arc<RwLock<HashMap<String, Fault>>>;

/// Wraps a service's router so its switch decides how it answers.
pub fn with_faults(router: Router, switch: FaultSwitch) -> Router {
    router.layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| {
        let fault = *switch.read().unwrap_or_else(PoisonError::into_inner);
        answer_with(fault, req, next)
    }))
}

/// Wraps the platform's router so a read or search of a switched resource type answers
/// with its fault (writes are left alone).
pub fn with_search_faults(router: Router, faults: SearchFaults) -> Router {
    router.layer(axum::middleware::from_fn(move |req: Request, next: axum::middleware::Next| {
        let rtype = req.uri().path().strip_prefix("/fhir/").and_then(|p| p.split('/').next()).unwrap_or_default();
        let fault = (req.method() == Method::GET)
            .then(|| faults.read().unwrap_or_else(PoisonError::into_inner).get(rtype).copied())
            .flatten();
        answer_with(fault, req, next)
    }))
}

async fn answer_with(fault: Option<Fault>, req: Request, next: axum::middleware::Next) -> Response {
    match fault {
        None => next.run(req).await,
        Some(Fault::Slow(ms)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Some(Fault::ServerError) => {
            crate::api_guard::outcome(StatusCode::INTERNAL_SERVER_ERROR, "exception", "the sandbox was told to fail")
        }
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
            let (parts, bytes) = real_answer(req, next).await;
            with_body(parts, Body::from(bytes.slice(..bytes.len() / 2)))
        }
        Some(Fault::Trickle) => {
            let (parts, bytes) = real_answer(req, next).await;
            let bytes: Vec<Bytes> = bytes.iter().map(|b| Bytes::copy_from_slice(&[*b])).collect();
            let trickle = futures_util::stream::iter(bytes).then(|b| async move {
                tokio::time::sleep(TRICKLE_EVERY).await;
                Ok::<Bytes, std::io::Error>(b)
            });
            with_body(parts, Body::from_stream(trickle))
        }
        Some(Fault::LoopNext) => {
            let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
            let url = format!("http://{host}{}", req.uri());
            let (parts, bytes) = real_answer(req, next).await;
            let mut bundle: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            bundle["link"] = serde_json::json!([{"relation": "self", "url": url}, {"relation": "next", "url": url}]);
            with_body(parts, Body::from(bundle.to_string()))
        }
        Some(Fault::Huge) => {
            let note = "A".repeat(HUGE_BYTES);
            let body = format!(
                "{{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{{\"resource\":\
                 {{\"resourceType\":\"MedicationStatement\",\"id\":\"stor\",\"status\":\"active\",\
                 \"note\":[{{\"text\":\"{note}\"}}]}}}}]}}"
            );
            ([(header::CONTENT_TYPE, "application/fhir+json")], body).into_response()
        }
        Some(Fault::Deep) => {
            let (open, close) = ("[".repeat(5000), "]".repeat(5000));
            let body = format!(
                "{{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{{\"resource\":\
                 {{\"resourceType\":\"Task\",\"id\":\"dyp\",\"input\":{open}{close}}}}}]}}"
            );
            ([(header::CONTENT_TYPE, "application/fhir+json")], body).into_response()
        }
    }
}

/// The answer the service would have given, read whole.
async fn real_answer(req: Request, next: axum::middleware::Next) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = next.run(req).await.into_parts();
    (parts, axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default())
}

fn with_body(mut parts: axum::http::response::Parts, body: Body) -> Response {
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
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
        let service = |s| FaultTarget::Service(s);
        assert_eq!(parse_assignment("kjernejournal=500"), Ok((service(Service::Kjernejournal), Fault::ServerError)));
        assert_eq!(parse_assignment("fhir=slow:250"), Ok((service(Service::Fhir), Fault::Slow(250))));
        assert_eq!(parse_assignment("person=truncated"), Ok((service(Service::Person), Fault::TruncatedBody)));
        assert_eq!(parse_assignment("cds=slow:900"), Ok((service(Service::Cds), Fault::Slow(900))));
        assert_eq!(parse_assignment("gp_register=500"), Ok((service(Service::GpRegister), Fault::ServerError)));
        assert_eq!(
            parse_assignment("fhir/Condition=trickle"),
            Ok((FaultTarget::Search("Condition".into()), Fault::Trickle))
        );
        for fault in ["loop-next", "huge", "deep"] {
            assert!(parse_assignment(&format!("fhir/Task={fault}")).is_ok(), "{fault}");
        }
        assert!(parse_assignment("fhir/Conditions=500").unwrap_err().contains("unknown resource type"));
        assert!(parse_assignment("kjernejournal/Patient=500").unwrap_err().contains("only the platform"));
        assert!(parse_assignment("kj=500").unwrap_err().contains("unknown service"));
        assert!(parse_assignment("fhir=slow:soon").unwrap_err().contains("unknown fault"));
        assert!(parse_assignment("fhir").is_err());
    }
}
