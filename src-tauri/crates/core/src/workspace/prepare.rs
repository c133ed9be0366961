//! Preparing a worklist patient's opening before the click. HelseID rotates the
//! refresh token on every use, so the per-patient (attested) tokens of the national
//! services can only be had one after another: a HelseID round trip each, in a row
//! when they are fetched at the moment of opening. While the clinician is on the
//! worklist, the row in focus (and the next visit on a route) gets its access decision
//! and its attested tokens ahead, so opening it needs none.
//!
//! Within HelseID's limits: one preparation at a time, at most
//! [`PREPARATIONS_PER_MINUTE`] patients a minute, nothing for a patient whose tokens
//! are still valid, and no patient data fetched (no access log entry: nothing is read).

use super::{SignedIn, Workspace};
use crate::access;
use arbeidsflate_model::overview::PatientTarget;
use arbeidsflate_model::AppError;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

/// How many patients may be prepared in any one minute.
pub const PREPARATIONS_PER_MINUTE: usize = 12;

/// What became of a request to prepare a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preparation {
    /// Tokens asked for (some may have come from another caller's request meanwhile):
    /// opening the patient asks HelseID nothing.
    Prepared { tokens: u32 },
    /// Everything was there already.
    AlreadyPrepared,
    /// Another preparation is running; the newest focus asks again.
    Busy,
    /// The minute's allowance is used up.
    Throttled,
    /// Nothing to prepare: no national service takes attested tokens, or the patient has no number.
    NothingToPrepare,
}

/// The preparations of one session: whether one runs, and when the recent ones began.
#[derive(Default)]
pub(super) struct PrepareLog {
    running: bool,
    started: VecDeque<Instant>,
}

impl PrepareLog {
    /// Takes a slot for a preparation starting `now`, or says why there is none.
    fn begin(&mut self, now: Instant) -> Result<(), Preparation> {
        if self.running {
            return Err(Preparation::Busy);
        }
        while self.started.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60)) {
            self.started.pop_front();
        }
        if self.started.len() >= PREPARATIONS_PER_MINUTE {
            return Err(Preparation::Throttled);
        }
        self.running = true;
        self.started.push_back(now);
        Ok(())
    }

    fn end(&mut self) {
        self.running = false;
    }
}

impl Workspace {
    /// Prepares opening the worklist patient `patient_ref`: the care relationship's
    /// access decision (kept for the session, so opening uses the same one) and each
    /// national service's token attested for it, fetched one after another.
    pub async fn prepare_patient(&self, patient_ref: &str) -> Result<Preparation, AppError> {
        let s = self.current().await?;
        let target = PatientTarget::Worklist { patient_ref: patient_ref.to_string() };
        let (_, Some(nin), _) = self.resolve_target(&s, &target).await? else {
            return Ok(Preparation::NothingToPrepare);
        };
        let decision = self.decide_for(&s, nin.as_str(), None, true).await?;
        let Some(attestation) = access::attestation(self.profile.organisation.as_ref(), s.clinician.role, &decision)
        else {
            return Ok(Preparation::NothingToPrepare);
        };
        // The attested tokens, and the session's own for the services that need none
        // (fetched once, for every patient).
        let wanted: Vec<(String, Option<&helseid::Attestation>)> = self
            .attested_audiences()
            .into_iter()
            .map(|a| (a, Some(&attestation)))
            .chain(self.plain_audiences().into_iter().map(|a| (a, None)))
            .collect();
        if wanted.iter().all(|(_, attested)| attested.is_none()) {
            return Ok(Preparation::NothingToPrepare);
        }
        let helseid = self.helseid().await?;
        let missing: Vec<_> = wanted.iter().filter(|(a, att)| !helseid.has_token(&s.session, a, *att)).collect();
        if missing.is_empty() {
            return Ok(Preparation::AlreadyPrepared);
        }
        if let Err(why) = s.prepared.lock().unwrap_or_else(PoisonError::into_inner).begin(Instant::now()) {
            return Ok(why);
        }
        let _slot = Slot(&s);
        let mut tokens = 0;
        for (audience, attested) in missing {
            helseid.access_token(&s.session, audience, *attested).await.map_err(crate::errors::from_helseid)?;
            tokens += 1;
        }
        tracing::debug!(tokens, "patient prepared");
        Ok(Preparation::Prepared { tokens })
    }

    /// Fetches, in the background, the tokens that serve every patient and are not
    /// there yet (the medication list's, Persontjenesten's), so the first opening does
    /// not wait for them; one after another on the refresh chain, once per token lifetime.
    pub(super) async fn warm_session_tokens(&self, s: &std::sync::Arc<SignedIn>) {
        let Ok(helseid) = self.helseid().await else { return };
        let missing: Vec<String> =
            self.plain_audiences().into_iter().filter(|a| !helseid.has_token(&s.session, a, None)).collect();
        if missing.is_empty() {
            return;
        }
        let session = s.session.clone();
        tokio::spawn(async move {
            for audience in missing {
                // Opening the patient asks again if this fails; nothing is lost.
                if helseid.access_token(&session, &audience, None).await.is_err() {
                    tracing::debug!("a session token was not fetched ahead");
                    return;
                }
            }
        });
    }

    /// The audiences whose tokens serve every patient: the platform, the medication
    /// list, Persontjenesten.
    fn plain_audiences(&self) -> Vec<String> {
        let national = &self.profile.national;
        let others = [&national.medication_list, &national.person].into_iter().flatten().map(|c| c.audience.clone());
        std::iter::once(self.profile.municipal.audience.clone()).chain(others).collect()
    }

    /// The audiences of the national services that take tokens attested for a patient:
    /// those `sources_for` gives the attested authorizer (`core/tests/round_trips.rs`
    /// fails if the two disagree: a prepared opening would then ask HelseID).
    fn attested_audiences(&self) -> Vec<String> {
        let national = &self.profile.national;
        [&national.kjernejournal, &national.documents]
            .into_iter()
            .flatten()
            .map(|settings| settings.audience.clone())
            .collect()
    }
}

/// Frees the session's preparation slot when the preparation ends, however it ends.
struct Slot<'a>(&'a SignedIn);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.prepared.lock().unwrap_or_else(PoisonError::into_inner).end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_preparation_at_a_time_and_a_dozen_a_minute() {
        let mut log = PrepareLog::default();
        let start = Instant::now();
        assert_eq!(log.begin(start), Ok(()));
        assert_eq!(log.begin(start), Err(Preparation::Busy));
        log.end();
        for i in 1..PREPARATIONS_PER_MINUTE {
            assert_eq!(log.begin(start + Duration::from_secs(i as u64)), Ok(()));
            log.end();
        }
        assert_eq!(log.begin(start + Duration::from_secs(30)), Err(Preparation::Throttled));
        // A minute after the first, its slot is free again.
        assert_eq!(log.begin(start + Duration::from_secs(60)), Ok(()));
    }
}
