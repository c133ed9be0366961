//! What the host has handed out: launch handles, authorization codes, access and refresh
//! tokens, and the client assertions' `jti`s already seen. Everything is bound to the
//! session's generation, so ending the session (sign-out, idle lock, user switch) ends
//! all of it at once; closing a patient ends what was issued for that patient.

use arbeidsflate_model::smart_scope::Grant;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How long a launch handle may wait for the app's authorize request.
pub const LAUNCH_LIFETIME: Duration = Duration::minutes(2);
/// How long an authorization code may wait for the token request.
pub const CODE_LIFETIME: Duration = Duration::seconds(60);
/// How long an access token lives (SMART: at most an hour).
pub const ACCESS_LIFETIME: Duration = Duration::minutes(15);

/// Who launched which app for whom: the context the token answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchContext {
    pub app_id: String,
    /// The patient's id on the FHIR facade (the platform's Patient id).
    pub patient: String,
    /// The stay, where there is one.
    pub encounter: Option<String>,
    /// The clinician's Practitioner id (the id_token's `fhirUser`).
    pub practitioner: String,
    /// Whether the app sits inside the overview, under the workspace's patient banner.
    pub embedded: bool,
    /// What the launch hands the app in its token answer (`appContext`): a decision-support
    /// card's SMART link says why it was opened.
    pub app_context: Option<String>,
}

/// What an authorization code is bound to, checked at the token endpoint.
#[derive(Debug, Clone)]
pub struct CodeBinding {
    pub context: LaunchContext,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub grant: Grant,
    pub nonce: Option<String>,
}

#[derive(Debug)]
struct PendingCode {
    binding: CodeBinding,
    expires_at: DateTime<Utc>,
    generation: u64,
}

/// What an access token lets its bearer do.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub context: LaunchContext,
    pub grant: Grant,
    pub expires_at: DateTime<Utc>,
    generation: u64,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    context: LaunchContext,
    grant: Grant,
    generation: u64,
}

#[derive(Debug)]
struct PendingLaunch {
    context: LaunchContext,
    expires_at: DateTime<Utc>,
    generation: u64,
}

/// Why a handle or token is not accepted (the detail never names a patient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired,
    OtherApp,
}

#[derive(Debug, Default)]
pub struct Registry {
    generation: u64,
    launches: HashMap<String, PendingLaunch>,
    codes: HashMap<String, PendingCode>,
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    seen_jti: HashMap<String, DateTime<Utc>>,
}

impl Registry {
    pub fn add_launch(&mut self, handle: String, context: LaunchContext, now: DateTime<Utc>) {
        self.forget_expired(now);
        let pending = PendingLaunch { context, expires_at: now + LAUNCH_LIFETIME, generation: self.generation };
        self.launches.insert(handle, pending);
    }

    /// Uses up a launch handle: once, in time, by the app it was made for.
    pub fn take_launch(&mut self, handle: &str, app_id: &str, now: DateTime<Utc>) -> Result<LaunchContext, Refusal> {
        let launch = self.launches.remove(handle).ok_or(Refusal::Unknown)?;
        if launch.generation != self.generation {
            return Err(Refusal::Unknown);
        }
        if launch.expires_at <= now {
            return Err(Refusal::Expired);
        }
        if launch.context.app_id != app_id {
            return Err(Refusal::OtherApp);
        }
        Ok(launch.context)
    }

    pub fn add_code(&mut self, code: String, binding: CodeBinding, now: DateTime<Utc>) {
        let pending = PendingCode { binding, expires_at: now + CODE_LIFETIME, generation: self.generation };
        self.codes.insert(code, pending);
    }

    /// Uses up an authorization code (once, in time, this session).
    pub fn take_code(&mut self, code: &str, now: DateTime<Utc>) -> Result<CodeBinding, Refusal> {
        let pending = self.codes.remove(code).ok_or(Refusal::Unknown)?;
        if pending.generation != self.generation {
            return Err(Refusal::Unknown);
        }
        if pending.expires_at <= now {
            return Err(Refusal::Expired);
        }
        Ok(pending.binding)
    }

    /// Issues an access token of `lifetime` and no refresh token: a decision-support
    /// service's, for one call.
    pub fn issue_for(
        &mut self,
        access_token: String,
        context: LaunchContext,
        grant: Grant,
        lifetime: Duration,
        now: DateTime<Utc>,
    ) -> AccessGrant {
        let issued = AccessGrant { context, grant, expires_at: now + lifetime, generation: self.generation };
        self.access.insert(access_token, issued.clone());
        issued
    }

    /// Ends one access token at once.
    pub fn revoke(&mut self, access_token: &str) {
        self.access.remove(access_token);
    }

    /// Issues an access token and, when `refresh` is given, a refresh token for the same grant.
    pub fn issue(
        &mut self,
        access_token: String,
        refresh_token: Option<String>,
        context: LaunchContext,
        grant: Grant,
        now: DateTime<Utc>,
    ) -> AccessGrant {
        let issued = AccessGrant {
            context: context.clone(),
            grant: grant.clone(),
            expires_at: now + ACCESS_LIFETIME,
            generation: self.generation,
        };
        self.access.insert(access_token, issued.clone());
        if let Some(refresh) = refresh_token {
            self.refresh.insert(refresh, RefreshGrant { context, grant, generation: self.generation });
        }
        issued
    }

    /// Uses up a refresh token of `app_id` (they rotate: each is good once).
    pub fn take_refresh(&mut self, token: &str, app_id: &str) -> Result<(LaunchContext, Grant), Refusal> {
        let refresh = self.refresh.get(token).ok_or(Refusal::Unknown)?;
        if refresh.generation != self.generation {
            return Err(Refusal::Unknown);
        }
        if refresh.context.app_id != app_id {
            return Err(Refusal::OtherApp);
        }
        let refresh = self.refresh.remove(token).expect("present");
        Ok((refresh.context, refresh.grant))
    }

    /// The grant behind a bearer token, if it is still good.
    pub fn access(&self, token: &str, now: DateTime<Utc>) -> Result<AccessGrant, Refusal> {
        let grant = self.access.get(token).ok_or(Refusal::Unknown)?;
        if grant.generation != self.generation {
            return Err(Refusal::Unknown);
        }
        if grant.expires_at <= now {
            return Err(Refusal::Expired);
        }
        Ok(grant.clone())
    }

    /// Records a client assertion's `jti` until `expires_at`; false if it was seen before.
    pub fn first_use_of_jti(&mut self, app_id: &str, jti: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.seen_jti.retain(|_, until| *until > now);
        let key = format!("{app_id}\u{0}{jti}");
        if self.seen_jti.contains_key(&key) {
            return false;
        }
        self.seen_jti.insert(key, expires_at);
        true
    }

    /// Ends everything issued so far (sign-out, idle lock, user switch).
    pub fn end_session(&mut self) {
        self.generation += 1;
        self.launches.clear();
        self.codes.clear();
        self.access.clear();
        self.refresh.clear();
    }

    /// Ends what was issued for one patient (the patient was closed).
    pub fn close_patient(&mut self, patient: &str) {
        self.launches.retain(|_, l| l.context.patient != patient);
        self.codes.retain(|_, c| c.binding.context.patient != patient);
        self.access.retain(|_, a| a.context.patient != patient);
        self.refresh.retain(|_, r| r.context.patient != patient);
    }

    /// How many tokens (access and refresh) are live: for tests and the doctor.
    pub fn live_tokens(&self, now: DateTime<Utc>) -> usize {
        self.access.values().filter(|a| a.generation == self.generation && a.expires_at > now).count()
            + self.refresh.values().filter(|r| r.generation == self.generation).count()
    }

    fn forget_expired(&mut self, now: DateTime<Utc>) {
        self.launches.retain(|_, l| l.expires_at > now);
        self.codes.retain(|_, c| c.expires_at > now);
        self.access.retain(|_, a| a.expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 29, 0, minute, 0).unwrap()
    }

    fn context(app: &str, patient: &str) -> LaunchContext {
        LaunchContext {
            app_id: app.into(),
            patient: patient.into(),
            encounter: None,
            practitioner: "prac-1".into(),
            embedded: true,
            app_context: None,
        }
    }

    #[test]
    fn a_launch_is_used_once_in_time_by_its_own_app() {
        let mut r = Registry::default();
        r.add_launch("h1".into(), context("a", "p1"), at(0));
        assert_eq!(r.take_launch("h1", "b", at(0)), Err(Refusal::OtherApp));
        r.add_launch("h2".into(), context("a", "p1"), at(0));
        assert!(r.take_launch("h2", "a", at(1)).is_ok());
        assert_eq!(r.take_launch("h2", "a", at(1)), Err(Refusal::Unknown), "used once");
        r.add_launch("h3".into(), context("a", "p1"), at(0));
        assert_eq!(r.take_launch("h3", "a", at(2)), Err(Refusal::Expired));
    }

    #[test]
    fn the_session_ending_ends_every_token_and_closing_a_patient_ends_hers() {
        let mut r = Registry::default();
        r.issue("t1".into(), Some("r1".into()), context("a", "p1"), Grant::default(), at(0));
        r.issue("t2".into(), None, context("a", "p2"), Grant::default(), at(0));
        assert_eq!(r.live_tokens(at(1)), 3);
        r.close_patient("p1");
        assert!(r.access("t1", at(1)).is_err());
        assert_eq!(r.take_refresh("r1", "a").unwrap_err(), Refusal::Unknown);
        assert!(r.access("t2", at(1)).is_ok());
        assert_eq!(r.access("t2", at(15)).unwrap_err(), Refusal::Expired);
        r.end_session();
        assert!(r.access("t2", at(1)).is_err());
        assert_eq!(r.live_tokens(at(1)), 0);
    }

    #[test]
    fn a_refresh_token_rotates_and_belongs_to_its_app() {
        let mut r = Registry::default();
        r.issue("t1".into(), Some("r1".into()), context("a", "p1"), Grant::default(), at(0));
        assert_eq!(r.take_refresh("r1", "b").unwrap_err(), Refusal::OtherApp);
        assert!(r.take_refresh("r1", "a").is_ok());
        assert_eq!(r.take_refresh("r1", "a").unwrap_err(), Refusal::Unknown);
    }

    #[test]
    fn a_jti_is_accepted_once_until_it_expires() {
        let mut r = Registry::default();
        assert!(r.first_use_of_jti("a", "j1", at(5), at(0)));
        assert!(!r.first_use_of_jti("a", "j1", at(5), at(1)));
        assert!(r.first_use_of_jti("b", "j1", at(5), at(1)), "another app's jti is its own");
    }
}
