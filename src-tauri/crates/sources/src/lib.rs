//! The data sources behind the patient view. Each adapter talks to one service and
//! normalises what it gets into the domain model, with provenance.

pub mod fhir;
pub mod municipal;
pub mod normalize;

use std::future::Future;
use std::pin::Pin;

pub use fhir::FhirClient;
pub use municipal::{ClinicianContext, MunicipalPlatform};

/// Gives an adapter the access token for its audience. Implemented by the session
/// (HelseID) in the core crate; tests may implement it directly.
pub trait TokenSource: Send + Sync {
    fn access_token<'a>(
        &'a self,
        audience: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<String, SourceError>> + Send + 'a>>;
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("the service could not be reached: {0}")]
    Unreachable(String),
    #[error("the service refused the request: {0}")]
    NotAuthorised(String),
    #[error("not found")]
    NotFound,
    #[error("the service answered HTTP {status}: {diagnostics}")]
    Http { status: u16, diagnostics: String },
    #[error("the service answered something unreadable: {0}")]
    Malformed(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("no access token: {0}")]
    NoToken(String),
    #[error("configuration: {0}")]
    Config(String),
}
