//! One authorised HTTP exchange with an API behind HelseID: a DPoP-bound token and a
//! fresh proof per request, the server's nonce remembered, one retry on a
//! `use_dpop_nonce` challenge, and the answer read as JSON with FHIR
//! `OperationOutcome`s turned into typed errors. Every adapter goes through here.
//! Answers are read with a size cap ([`read_limited`]).

use crate::{RequestAuthorizer, SourceError};
use clock::SharedClock;
use serde_json::Value;
use std::sync::Arc;

/// The largest answer read from any source. The biggest legitimate answers are a
/// search page (at most a few hundred resources) and a shared document (scanned PDFs
/// of a few MB); 20 MiB leaves ample room for those while a broken or hostile server
/// cannot make the app hold hundreds of MB (several sources answer at once).
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// Reads a body chunk by chunk, refusing it as soon as it passes [`MAX_BODY_BYTES`]
/// (at once when `Content-Length` already says so), so an oversized answer is never
/// held whole.
pub async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, SourceError> {
    let too_large = || SourceError::Malformed(format!("the answer is larger than {} MiB", MAX_BODY_BYTES >> 20));
    let declared = resp.content_length();
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|e| SourceError::Unreachable(with_cause(e)))? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    audience: String,
    auth: Arc<dyn RequestAuthorizer>,
    /// When an answer was fetched (provenance), by the session's clock.
    clock: SharedClock,
}

/// A JSON answer: the status and the body, whatever the status.
pub struct JsonAnswer {
    pub status: u16,
    pub body: Value,
}

impl ApiClient {
    pub fn new(http: reqwest::Client, audience: impl Into<String>, auth: Arc<dyn RequestAuthorizer>) -> Self {
        Self { http, audience: audience.into(), auth, clock: clock::system() }
    }

    /// Stamps answers with `clock`'s time instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The time now, as a `fetched_at` stamp (RFC 3339, UTC).
    pub fn fetched_at(&self) -> String {
        self.clock.now().to_rfc3339()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Sends the request `build` makes (called again for a retry) with auth headers.
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SourceError> {
        let mut retried = false;
        loop {
            let auth = self.auth.authorize(&self.audience, method.as_str(), url).await?;
            let mut req = build(self.http.request(method.clone(), url))
                .header(reqwest::header::AUTHORIZATION, auth.authorization);
            if let Some(proof) = auth.dpop {
                req = req.header("DPoP", proof);
            }
            let resp = req.send().await.map_err(|e| SourceError::Unreachable(with_cause(e)))?;
            if let Some(nonce) = resp.headers().get("DPoP-Nonce").and_then(|v| v.to_str().ok()) {
                self.auth.observe_nonce(url, nonce);
            }
            let challenged = resp.status() == reqwest::StatusCode::UNAUTHORIZED
                && resp
                    .headers()
                    .get(reqwest::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("use_dpop_nonce"));
            if challenged && !retried {
                retried = true;
                continue;
            }
            return Ok(resp);
        }
    }

    /// Sends and reads JSON; non-success answers become typed errors.
    pub async fn json(
        &self,
        method: reqwest::Method,
        url: &str,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<Value, SourceError> {
        let answer = self.json_answer(method, url, build).await?;
        if !(200..300).contains(&answer.status) {
            return Err(status_error(answer.status, &answer.body));
        }
        Ok(answer.body)
    }

    /// Sends and reads JSON, leaving the status to the caller (for services whose
    /// refusals carry meaning, such as Kjernejournal's reservation).
    pub async fn json_answer(
        &self,
        method: reqwest::Method,
        url: &str,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<JsonAnswer, SourceError> {
        let resp = self.send(method, url, build).await?;
        let status = resp.status().as_u16();
        let bytes = read_limited(resp).await?;
        Ok(JsonAnswer { status, body: parse_body(status, &bytes)? })
    }
}

/// An answer's body as JSON. A refusal may carry anything, or nothing (`Null` then);
/// a success must be JSON.
pub fn parse_body(status: u16, bytes: &[u8]) -> Result<Value, SourceError> {
    match serde_json::from_slice(bytes) {
        Ok(body) => Ok(body),
        Err(_) if !(200..300).contains(&status) => Ok(Value::Null),
        Err(e) => Err(SourceError::Malformed(format!("not JSON: {e}"))),
    }
}

/// The typed error for a non-success answer, with its `OperationOutcome`'s words.
pub fn status_error(status: u16, body: &Value) -> SourceError {
    let diagnostics = outcome_text(body).unwrap_or_default();
    match status {
        401 | 403 => SourceError::NotAuthorised(diagnostics),
        404 => SourceError::NotFound,
        status => SourceError::Http { status, diagnostics },
    }
}

/// The diagnostics of a FHIR `OperationOutcome`, joined.
pub fn outcome_text(v: &Value) -> Option<String> {
    if v["resourceType"] != "OperationOutcome" {
        return None;
    }
    let texts: Vec<&str> = v["issue"]
        .as_array()?
        .iter()
        .filter_map(|i| i["diagnostics"].as_str().or_else(|| i["details"]["text"].as_str()))
        .collect();
    Some(texts.join("; "))
}

/// A transport error with what lies under it ("error sending request: connection closed
/// before message completed"): reqwest's own words say little for support. No URL.
pub(crate) fn with_cause(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
