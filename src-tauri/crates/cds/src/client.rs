//! Calls to a service over HTTP: each signed for its exact URL, each with a deadline,
//! each answer read up to a size limit and refused past it. What went wrong becomes one
//! of `CdsFailure`'s reasons.

use crate::auth::ClientIdentity;
use crate::discovery::Discovery;
use crate::error::CdsError;
use arbeidsflate_config::decision_support::DecisionSupportService;
use arbeidsflate_model::cds::CdsFailure;
use clock::SharedClock;
use helseid::Secret;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// A service's answer larger than this is refused unread (a card list is kilobytes).
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// What the service may use to read more of the record itself (`fhirServer`,
/// `fhirAuthorization`): the SMART facade, with a token for this patient and service.
pub struct FhirAccess {
    pub server: String,
    pub access_token: Secret,
    pub expires_in: u64,
    pub scope: String,
    /// The service's client id at the facade.
    pub subject: String,
    pub patient: String,
}

/// One hook fired at one service.
pub struct HookCall {
    pub hook: String,
    pub hook_instance: String,
    pub context: Map<String, Value>,
    pub prefetch: Map<String, Value>,
    pub fhir: Option<FhirAccess>,
}

impl HookCall {
    pub fn body(&self) -> Value {
        let mut body = json!({
            "hook": self.hook,
            "hookInstance": self.hook_instance,
            "context": self.context,
        });
        if !self.prefetch.is_empty() {
            body["prefetch"] = Value::Object(self.prefetch.clone());
        }
        if let Some(fhir) = &self.fhir {
            body["fhirServer"] = json!(fhir.server);
            body["fhirAuthorization"] = json!({
                "access_token": fhir.access_token.expose(),
                "token_type": "Bearer",
                "expires_in": fhir.expires_in,
                "scope": fhir.scope,
                "subject": fhir.subject,
                "patient": fhir.patient,
            });
        }
        body
    }
}

/// A service's answer, as JSON not yet read into cards, and how long it took.
pub struct HookAnswer {
    pub answer: Value,
    pub elapsed: Duration,
}

#[derive(Clone)]
pub struct CdsClient {
    http: reqwest::Client,
    identity: ClientIdentity,
    clock: SharedClock,
}

impl CdsClient {
    /// `http` carries the profile's trusted CAs and proxy.
    pub fn new(http: reqwest::Client, identity: ClientIdentity, clock: SharedClock) -> Self {
        Self { http, identity, clock }
    }

    pub fn identity(&self) -> &ClientIdentity {
        &self.identity
    }

    pub async fn discover(&self, service: &DecisionSupportService) -> Result<Discovery, CdsError> {
        let deadline = Duration::from_millis(service.deadline_ms.into());
        let answer = self.exchange(&service.discovery_url(), None, deadline).await?;
        Discovery::parse(&answer.answer)
    }

    pub async fn call(&self, url: &str, call: &HookCall, deadline: Duration) -> Result<HookAnswer, CdsError> {
        self.exchange(url, Some(&call.body()), deadline).await
    }

    /// Feedback on cards (`{url}/feedback`); the answer's body is not used.
    pub async fn feedback(&self, service_url: &str, feedback: &Value, deadline: Duration) -> Result<(), CdsError> {
        let url = format!("{service_url}/feedback");
        self.exchange(&url, Some(feedback), deadline).await.map(|_| ())
    }

    async fn exchange(&self, url: &str, body: Option<&Value>, deadline: Duration) -> Result<HookAnswer, CdsError> {
        let started = Instant::now();
        let token = self.identity.token_for(url, self.clock.now());
        let request = match body {
            Some(b) => self.http.post(url).json(b),
            None => self.http.get(url),
        }
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "application/json");
        let answer = tokio::time::timeout(deadline, async {
            let response = request.send().await.map_err(sent_error)?;
            let status = response.status();
            let bytes = read_capped(response).await?;
            Ok::<_, CdsError>((status, bytes))
        })
        .await
        .map_err(|_| CdsError::new(CdsFailure::TimedOut, format!("no answer within {} ms", deadline.as_millis())))??;
        let (status, bytes) = answer;
        if !status.is_success() {
            let reason = match status.as_u16() {
                401 | 403 => CdsFailure::Refused,
                412 => CdsFailure::NeedsData,
                _ => CdsFailure::ServiceError,
            };
            let said: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
            return Err(CdsError::new(reason, format!("HTTP {}: {said}", status.as_u16())));
        }
        if body.is_some() && bytes.is_empty() {
            // Feedback may answer with nothing.
            return Ok(HookAnswer { answer: Value::Null, elapsed: started.elapsed() });
        }
        let answer = serde_json::from_slice(&bytes).map_err(|e| CdsError::malformed(format!("not JSON: {e}")))?;
        Ok(HookAnswer { answer, elapsed: started.elapsed() })
    }
}

fn sent_error(e: reqwest::Error) -> CdsError {
    let reason = if e.is_timeout() { CdsFailure::TimedOut } else { CdsFailure::Unreachable };
    CdsError::new(reason, e.without_url().to_string())
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, CdsError> {
    let too_large = || CdsError::new(CdsFailure::TooLarge, format!("the answer is over {MAX_ANSWER_BYTES} bytes"));
    if response.content_length().is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(sent_error)? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
