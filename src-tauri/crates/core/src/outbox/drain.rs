//! Sending the outbox: oldest first, each entry removed only in the transaction that
//! stores the server's confirmed version. A try that may pass later (no network, a busy
//! server) is retried with backoff and holds back the entries after it; a refusal stays
//! visible with its reason; a version conflict keeps both versions for the clinician,
//! unless the server's version is this very write, sent before and its answer lost.
//! Then the access log's unshipped entries go to the platform as AuditEvents.

use super::requests::{made_by_same_write, OutboxRequest};
use crate::cache::access_log::{audit_event, AccessLogEntry};
use crate::cache::{LocalCache, MUNICIPAL};
use arbeidsflate_cds::CdsClient;
use arbeidsflate_model::cds::CdsFailure;
use arbeidsflate_model::AppError;
use serde_json::Value;
use sources::fhir::is_version_conflict;
use sources::{FhirClient, SourceError};

/// What one drain did.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct DrainReport {
    pub sent: u32,
    pub failed: u32,
    pub conflicts: u32,
    /// Entries left waiting for a later try (the network or server was not there).
    pub deferred: u32,
    /// Feedback to decision-support services left for a later try: a service being away
    /// says nothing of the network, and holds back no write.
    pub feedback_deferred: u32,
    pub audit_shipped: u32,
    /// Set when the session must be renewed before anything more can be sent.
    pub session_expired: bool,
}

/// Backoff after `attempts` failed tries: 2 s doubling, at most 5 minutes.
pub fn backoff_ms(attempts: u32) -> i64 {
    (2_000i64 << attempts.min(8)).min(arbeidsflate_store::MAX_BACKOFF_MS)
}

/// Whether a failure may pass by itself (then retry later) rather than being a refusal.
fn transient(e: &SourceError) -> bool {
    match e {
        SourceError::Unreachable(_) | SourceError::SessionExpired | SourceError::NoToken(_) => true,
        SourceError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
        _ => false,
    }
}

pub(crate) async fn drain(
    cache: &LocalCache,
    fhir: &FhirClient,
    cds: Option<&CdsClient>,
    now_ms: impl Fn() -> i64,
) -> Result<DrainReport, AppError> {
    let mut report = DrainReport::default();
    while let Some(entry) = cache.with(|s| s.next_due_beside(now_ms(), &["feedback"]))? {
        let request: OutboxRequest = match serde_json::from_str(&entry.body) {
            Ok(r) => r,
            Err(e) => {
                cache.with(|s| s.mark_failed(entry.seq, &format!("unreadable entry: {e}")))?;
                report.failed += 1;
                continue;
            }
        };
        if let OutboxRequest::Feedback { service_url, body } = &request {
            match send_feedback(cds, service_url, body).await {
                Ok(()) => {
                    cache.with(|s| s.confirm(entry.seq, MUNICIPAL, &[]))?;
                    report.sent += 1;
                }
                Err(e) if transient(&e) => {
                    let next = now_ms() + backoff_ms(entry.attempts);
                    cache.with(|s| s.retry_later(entry.seq, &e.to_string(), next))?;
                    report.feedback_deferred += 1;
                }
                Err(e) => {
                    cache.with(|s| s.mark_failed(entry.seq, &e.to_string()))?;
                    report.failed += 1;
                }
            }
            continue;
        }
        match send(fhir, &request).await {
            Ok(confirmed) => {
                cache.with(|s| s.confirm(entry.seq, MUNICIPAL, &confirmed))?;
                report.sent += 1;
            }
            Err(e) if is_version_conflict(&e) => {
                let theirs = match &request {
                    OutboxRequest::Update { resource, .. } => current_version(fhir, resource).await,
                    OutboxRequest::Transaction { .. } | OutboxRequest::Feedback { .. } => None,
                };
                // Our own earlier try got through and only its answer was lost: sent.
                if let (Some(t), OutboxRequest::Update { resource, .. }) = (&theirs, &request) {
                    if made_by_same_write(t, resource) {
                        cache.with(|s| s.confirm(entry.seq, MUNICIPAL, std::slice::from_ref(t)))?;
                        report.sent += 1;
                        continue;
                    }
                }
                let theirs = theirs.map(|v| v.to_string()).unwrap_or_default();
                cache.with(|s| s.mark_conflict(entry.seq, &e.to_string(), &theirs))?;
                report.conflicts += 1;
            }
            Err(e) if transient(&e) => {
                let next = now_ms() + backoff_ms(entry.attempts);
                cache.with(|s| s.retry_later(entry.seq, &e.to_string(), next))?;
                report.deferred += 1;
                report.session_expired = matches!(e, SourceError::SessionExpired);
                // In order: what comes after waits for this one.
                return Ok(report);
            }
            Err(e) => {
                cache.with(|s| s.mark_failed(entry.seq, &e.to_string()))?;
                report.failed += 1;
            }
        }
    }
    report.audit_shipped = ship_access_log(cache, fhir).await?;
    Ok(report)
}

/// How long a service gets to take feedback.
const FEEDBACK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Feedback to the service that sent the card, its failures as a source's would be.
async fn send_feedback(cds: Option<&CdsClient>, service_url: &str, body: &Value) -> Result<(), SourceError> {
    let Some(cds) = cds else { return Err(SourceError::Unreachable("no decision-support client".into())) };
    cds.feedback(service_url, body, FEEDBACK_DEADLINE).await.map_err(|e| match e.reason {
        CdsFailure::TimedOut | CdsFailure::Unreachable => SourceError::Unreachable(e.detail),
        CdsFailure::ServiceError => SourceError::Http { status: 503, diagnostics: e.detail },
        CdsFailure::Refused => SourceError::NotAuthorised(e.detail),
        _ => SourceError::Malformed(e.detail),
    })
}

/// Sends one request; the resources as the server confirmed them.
async fn send(fhir: &FhirClient, request: &OutboxRequest) -> Result<Vec<Value>, SourceError> {
    match request {
        OutboxRequest::Feedback { .. } => Err(SourceError::InvalidInput("feedback goes to its service".into())),
        OutboxRequest::Transaction { bundle } => {
            let answered = fhir.transaction(bundle).await?;
            let sent = bundle["entry"].as_array().map(Vec::as_slice).unwrap_or_default();
            let mut confirmed = Vec::new();
            for (answer, sent) in answered.iter().zip(sent) {
                match &answer.resource {
                    Some(r) => confirmed.push(r.clone()),
                    // Headers only: the resource as sent, under the id the server gave it.
                    None => {
                        let mut r = sent["resource"].clone();
                        if let Some(id) = answer.location.as_deref().and_then(id_from_location) {
                            r["id"] = Value::String(id);
                            confirmed.push(r);
                        }
                    }
                }
            }
            Ok(confirmed)
        }
        OutboxRequest::Update { resource, if_match } => {
            let written = fhir.update(resource, if_match).await?;
            let mut r = written.resource.unwrap_or_else(|| resource.clone());
            if let Some(v) = written.version {
                r["meta"]["versionId"] = Value::String(v);
            }
            Ok(vec![r])
        }
    }
}

fn id_from_location(location: &str) -> Option<String> {
    let parts: Vec<&str> = location.split('/').collect();
    let at = parts.iter().rposition(|p| *p == "_history").map_or(parts.len(), |h| h);
    parts.get(at.checked_sub(1)?).map(|s| s.to_string())
}

/// The server's current version of what an update changes.
async fn current_version(fhir: &FhirClient, resource: &Value) -> Option<Value> {
    let (rtype, id) = (resource["resourceType"].as_str()?, resource["id"].as_str()?);
    fhir.read(rtype, id).await.ok()
}

/// Ships unshipped access log entries as AuditEvents, oldest first; each is marked
/// shipped only after the platform stored it. Stops at the first failure.
pub(crate) async fn ship_access_log(cache: &LocalCache, fhir: &FhirClient) -> Result<u32, AppError> {
    let mut shipped = 0;
    loop {
        let batch = cache.with(|s| s.unshipped_access(50))?;
        if batch.is_empty() {
            return Ok(shipped);
        }
        for logged in batch {
            let Ok(entry) = serde_json::from_str::<AccessLogEntry>(&logged.entry) else {
                // Not ours to reshape; counted as shipped so it does not block the rest.
                tracing::warn!(seq = logged.seq, "an access log entry could not be read for shipping");
                cache.with(|s| s.mark_shipped(logged.seq))?;
                continue;
            };
            let event = audit_event(&entry, &logged.at, &logged.hash);
            if let Err(e) = fhir.put(&event).await {
                tracing::info!(error = %e, "access log shipping deferred");
                return Ok(shipped);
            }
            cache.with(|s| s.mark_shipped(logged.seq))?;
            shipped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds_up_to_five_minutes() {
        assert_eq!(backoff_ms(0), 2_000);
        assert_eq!(backoff_ms(1), 4_000);
        assert_eq!(backoff_ms(5), 64_000);
        assert_eq!(backoff_ms(30), 300_000);
    }

    #[test]
    fn the_id_is_read_from_a_location_with_or_without_history() {
        assert_eq!(id_from_location("Observation/abc/_history/1").as_deref(), Some("abc"));
        assert_eq!(id_from_location("http://x/fhir/Observation/abc").as_deref(), Some("abc"));
    }
}
