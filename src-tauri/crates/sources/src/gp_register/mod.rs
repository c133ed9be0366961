//! Fastlegeregisteret's patient lookup, as NHN offers it today: the SOAP read service
//! (`IFlrReadOperations.GetPatientGPDetails`) on its SOAP 1.2 binding with
//! WS-Addressing, authenticated by a service user's name and password (HTTP Basic over
//! TLS, as the service's policy says). The answer is parsed strictly ([`xml`]) and read
//! into the domain model ([`answer`]); the register's faults become typed errors, and
//! "the person is on no list" becomes the answer it is.

mod answer;
pub mod envelope;
pub mod xml;

use crate::api::read_limited;
use crate::{sanitize, SourceError};
pub use answer::Fault;
use arbeidsflate_model::gp::{GpDetails, GpRegistration};
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::provenance::Provenance;
use clock::SharedClock;
use std::fmt;

pub const SOURCE_NAME: &str = "Fastlegeregisteret";

/// The register's words for a person who is on no GP's list.
const NOT_ON_A_LIST: &str = "ikke tilknyttet fastlegekontrakt";
/// … and for a number it does not accept.
const INVALID_NUMBER: &str = "ugyldig";

/// The service user IT was given for the register. The password cannot be printed or
/// serialised: `Debug` leaves it out and there is no `Serialize`.
#[derive(Clone)]
pub struct ServiceUser {
    username: String,
    password: String,
}

impl ServiceUser {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self { username: username.into(), password: password.into() }
    }

    pub fn username(&self) -> &str {
        &self.username
    }
}

impl fmt::Debug for ServiceUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceUser").field("username", &self.username).field("password", &"[redacted]").finish()
    }
}

pub struct GpRegister {
    http: reqwest::Client,
    url: String,
    user: ServiceUser,
    clock: SharedClock,
}

impl GpRegister {
    /// `http` carries the profile's CAs and timeouts.
    pub fn new(http: reqwest::Client, url: impl Into<String>, user: ServiceUser) -> Self {
        Self { http, url: url.into(), user, clock: clock::system() }
    }

    /// Stamps answers, and decides who is the GP today, by `clock` instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The patient's GP today, their list and its office; or that there is no list.
    pub async fn patient_gp(&self, nin: &NationalId) -> Result<GpDetails, SourceError> {
        let (status, body) = self.call(nin.as_str()).await?;
        let today = clock::clinical_day(self.clock.now());
        let registration = match answer::read(&body, nin.as_str(), today) {
            Ok(answer::Answer::Registration(r)) if status == 200 => r,
            Ok(answer::Answer::Fault(fault)) => match fault_error(status, &fault) {
                FaultMeaning::NotOnAList => GpRegistration::NoList,
                FaultMeaning::Error(e) => return Err(e),
            },
            Ok(answer::Answer::Registration(_)) => {
                return Err(SourceError::Http { status, diagnostics: "an answer with an error status".into() })
            }
            Err(e) => return Err(unreadable(status, e)),
        };
        Ok(GpDetails { registration, provenance: Provenance::fetched(SOURCE_NAME, self.clock.now().to_rfc3339()) })
    }

    /// Asks about a number the register must refuse as invalid: it proves the address,
    /// the TLS and the service user without looking anybody up (for `doctor`).
    pub async fn check_access(&self) -> Result<(), SourceError> {
        let (status, body) = self.call("00000000000").await?;
        let today = clock::clinical_day(self.clock.now());
        match answer::read(&body, "00000000000", today) {
            Ok(answer::Answer::Fault(fault)) => match fault_error(status, &fault) {
                FaultMeaning::Error(SourceError::InvalidInput(_)) => Ok(()),
                FaultMeaning::Error(e) => Err(e),
                FaultMeaning::NotOnAList => Ok(()),
            },
            Ok(answer::Answer::Registration(_)) => {
                Err(SourceError::Malformed("the register answered for no one".into()))
            }
            Err(e) => Err(unreadable(status, e)),
        }
    }

    /// Sends the request; the status and the body (read with the size cap) of any answer
    /// the register gave, or the error for one it did not.
    async fn call(&self, patient_nin: &str) -> Result<(u16, Vec<u8>), SourceError> {
        let body = envelope::get_patient_gp_details(&self.url, &crate::random_uuid(), patient_nin);
        let resp = self
            .http
            .post(&self.url)
            .basic_auth(&self.user.username, Some(&self.user.password))
            .header(reqwest::header::CONTENT_TYPE, envelope::content_type(envelope::ACTION))
            .header(reqwest::header::ACCEPT, "application/soap+xml")
            .body(body)
            .send()
            .await
            .map_err(|e| SourceError::Unreachable(crate::api::with_cause(e)))?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(SourceError::NotAuthorised("the register did not accept the service user".into()));
        }
        let html = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/html"));
        if html {
            return Err(match status {
                200..=299 => SourceError::Malformed("an HTML page, not a SOAP answer".into()),
                _ => SourceError::Http { status, diagnostics: "an HTML error page".into() },
            });
        }
        Ok((status, read_limited(resp).await?))
    }
}

enum FaultMeaning {
    NotOnAList,
    Error(SourceError),
}

/// What a fault means. The register puts the reason in words (its `GenericFault`
/// carries a generic code), so the words decide; a number in them is masked, as the
/// text may be shown.
fn fault_error(status: u16, fault: &Fault) -> FaultMeaning {
    let words = fault.message.as_deref().unwrap_or(&fault.reason);
    let lower = words.to_lowercase();
    if lower.contains(NOT_ON_A_LIST) {
        return FaultMeaning::NotOnAList;
    }
    let said = mask_numbers(words);
    FaultMeaning::Error(if lower.contains(INVALID_NUMBER) {
        SourceError::InvalidInput(format!("the register refused the number: {said}"))
    } else if lower.contains("access") || lower.contains("tilgang") || lower.contains("authoriz") {
        SourceError::NotAuthorised(said)
    } else {
        SourceError::Http { status, diagnostics: format!("{} fault: {said}", fault.code) }
    })
}

/// An unreadable answer: on an error status the status is what matters.
fn unreadable(status: u16, e: SourceError) -> SourceError {
    match status {
        200..=299 => e,
        _ => SourceError::Http { status, diagnostics: e.to_string() },
    }
}

/// Runs of eleven digits (a national identity number) replaced, so a fault that quotes
/// the number asked about never carries it further.
fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits.len() == 11 { "***********" } else { &digits });
        digits.clear();
        out.push(c);
    }
    out.pop();
    sanitize::text(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_printed() {
        let user = ServiceUser::new("flr-bruker", "hemmelig-passord");
        let shown = format!("{user:?}");
        assert!(shown.contains("flr-bruker") && !shown.contains("hemmelig"), "{shown}");
    }

    #[test]
    fn a_number_in_a_fault_is_masked() {
        assert_eq!(mask_numbers("patientNin 13844040088 er ugyldig"), "patientNin *********** er ugyldig");
        assert_eq!(mask_numbers("kode 123"), "kode 123");
    }

    #[test]
    fn faults_are_typed_by_what_they_say() {
        let fault = |message: &str| Fault {
            code: "Sender".into(),
            reason: message.into(),
            error_code: Some("Feil".into()),
            message: Some(message.into()),
        };
        let meaning = |m: &str| fault_error(500, &fault(m));
        assert!(matches!(
            meaning("ArgumentException: Personen er ikke tilknyttet fastlegekontrakt"),
            FaultMeaning::NotOnAList
        ));
        assert!(matches!(
            meaning("ArgumentException: patientNin er ugyldig"),
            FaultMeaning::Error(SourceError::InvalidInput(_))
        ));
        assert!(matches!(meaning("Access is denied."), FaultMeaning::Error(SourceError::NotAuthorised(_))));
        assert!(matches!(
            meaning("Object reference not set"),
            FaultMeaning::Error(SourceError::Http { status: 500, .. })
        ));
    }
}
