//! What the facade needs from the workspace: the municipal platform as the signed-in
//! clinician reaches it (with her DPoP-bound HelseID token, or from the encrypted cache
//! when offline), a way to write through the outbox, and the access log. The facade
//! decides what an app may do; the workspace does it.

use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an app asked, as the access log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    Read,
    Search,
    Create,
    Update,
    /// Never offered; recorded when tried.
    Delete,
    /// Never offered (transactions and batches); recorded when tried.
    Transaction,
}

impl Interaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Interaction::Read => "read",
            Interaction::Search => "search",
            Interaction::Create => "create",
            Interaction::Update => "update",
            Interaction::Delete => "delete",
            Interaction::Transaction => "transaction",
        }
    }
}

/// One request of one app, for the patient it was launched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRequest {
    pub app_id: String,
    pub patient: String,
    pub interaction: Interaction,
    pub resource_type: String,
}

/// Whether the facade let a request through, for the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    /// Refused by the facade (scope, compartment, token): nothing reached the platform.
    Refused(String),
}

/// A write's fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Stored on the platform as `id`, version `version`.
    Stored { id: String, version: Option<String> },
    /// Kept in the outbox (no network); it is sent when the network is back, and a
    /// conflict is shown to the clinician, never overwritten.
    Queued,
}

/// Why the platform could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    #[error("not found")]
    NotFound,
    /// Someone changed the resource since the app read it (`If-Match`).
    #[error("version conflict: {0}")]
    Conflict(String),
    /// The platform refused the content.
    #[error("refused by the platform: {0}")]
    Invalid(String),
    /// No network and nothing cached for this.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

pub trait Platform: Send + Sync + 'static {
    /// Reads `request.resource_type`/`id`.
    fn read<'a>(&'a self, request: &'a AppRequest, id: &'a str) -> BoxFuture<'a, Result<Value, PlatformError>>;

    /// Searches with `params` (already narrowed to the patient); every page.
    fn search<'a>(
        &'a self,
        request: &'a AppRequest,
        params: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Vec<Value>, PlatformError>>;

    /// Creates or updates `resource` (with `if_match`, a version for an update) through
    /// the outbox.
    fn write<'a>(
        &'a self,
        request: &'a AppRequest,
        resource: Value,
        if_match: Option<String>,
    ) -> BoxFuture<'a, Result<WriteOutcome, PlatformError>>;

    /// Records one app request in the access log (and the AuditEvent shipped from it).
    fn log<'a>(&'a self, request: &'a AppRequest, outcome: &'a Outcome) -> BoxFuture<'a, ()>;
}
