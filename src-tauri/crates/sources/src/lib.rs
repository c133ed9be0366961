//! The data sources behind the patient view. Each adapter talks to one service and
//! normalises what it gets into the domain model, with provenance.

pub mod api;
pub mod documents;
pub mod fhir;
pub mod gp_register;
pub mod kjernejournal;
pub mod municipal;
pub mod nhn;
pub mod normalize;
pub mod person;
pub mod record;
pub mod sanitize;
pub mod sfm;
pub mod structured;
pub mod vitals_history;

use std::future::Future;
use std::pin::Pin;

pub use fhir::FhirClient;
pub use municipal::{ClinicianContext, MunicipalPlatform};

/// Headers that authorise one API request.
pub struct AuthHeaders {
    /// The `Authorization` value, e.g. `DPoP <token>`.
    pub authorization: String,
    /// The `DPoP` proof for this request, when the API is DPoP-bound.
    pub dpop: Option<String>,
}

pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<AuthHeaders, SourceError>> + Send + 'a>>;

/// Authorises requests to an API audience. Implemented by the session (HelseID:
/// a DPoP-bound token and a fresh proof per request) in the core crate.
pub trait RequestAuthorizer: Send + Sync {
    fn authorize<'a>(&'a self, audience: &'a str, method: &'a str, url: &'a str) -> AuthFuture<'a>;
    /// Records a `DPoP-Nonce` the API sent, for the next proof.
    fn observe_nonce(&self, url: &str, nonce: &str);
}

/// What went wrong asking a source. Its text may quote the service (a diagnostics
/// string, a reason), so it is display-clean however it was made: callers can show it.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("the service could not be reached: {}", sanitize::text(.0))]
    Unreachable(String),
    #[error("the service refused the request: {}", sanitize::text(.0))]
    NotAuthorised(String),
    #[error("not found")]
    NotFound,
    #[error("the service answered HTTP {status}: {}", sanitize::text(diagnostics))]
    Http { status: u16, diagnostics: String },
    #[error("the service answered something unreadable: {}", sanitize::text(.0))]
    Malformed(String),
    #[error("invalid input: {}", sanitize::text(.0))]
    InvalidInput(String),
    #[error("no access token: {}", sanitize::text(.0))]
    NoToken(String),
    #[error("the sign-in has expired")]
    SessionExpired,
    #[error("configuration: {}", sanitize::text(.0))]
    Config(String),
}

/// A random id in UUID v4 form: `nhn-event-id` correlation ids, access decisions.
pub fn random_uuid() -> String {
    let b: [u8; 16] = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]])
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_look_like_v4_and_differ() {
        let a = super::random_uuid();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, super::random_uuid());
    }

    #[test]
    fn an_error_quoting_the_service_is_display_clean() {
        let e = super::SourceError::Http { status: 500, diagnostics: "feil\u{202E}kode\n\u{0007}her".into() };
        assert_eq!(e.to_string(), "the service answered HTTP 500: feilkode her");
        let e = super::SourceError::Malformed(format!("{}\u{2066}x", "a".repeat(3000)));
        assert!(e.to_string().chars().count() < 2100 && !e.to_string().contains('\u{2066}'));
    }
}
