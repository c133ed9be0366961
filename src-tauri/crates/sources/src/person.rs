//! Persontjenesten v3: name, birth, death and address. A protected address
//! (`Confidential`, `StrictlyConfidential`) is dropped while parsing, so it is never
//! held, shown, cached, logged, exported or printed: only the fact that it is protected
//! survives, for the banner.

use crate::api::ApiClient;
use crate::nhn::{self, NhnContext};
use crate::{sanitize, RequestAuthorizer, SourceError};
use arbeidsflate_model::nin::NationalId;
pub use arbeidsflate_model::person::{Address, AddressProtection, PersonDetails};
use arbeidsflate_model::provenance::Provenance;
use clock::SharedClock;
use serde_json::Value;
use std::sync::Arc;

pub const SOURCE_NAME: &str = "Folkeregisteret (Persontjenesten)";

pub type Person = PersonDetails;

pub struct PersonLookup {
    api: ApiClient,
    base: String,
    nhn: Option<NhnContext>,
}

impl PersonLookup {
    pub fn new(
        http: reqwest::Client,
        base: impl Into<String>,
        audience: &str,
        auth: Arc<dyn RequestAuthorizer>,
    ) -> Self {
        Self {
            api: ApiClient::new(http, audience, auth),
            base: base.into().trim_end_matches('/').to_string(),
            nhn: None,
        }
    }

    /// Stamps what it fetches with `clock`'s time instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.api = self.api.with_clock(clock);
        self
    }

    /// Who asks and on what basis, sent as the `nhn-*` headers on every call.
    pub fn with_nhn(mut self, ctx: NhnContext) -> Self {
        self.nhn = Some(ctx);
        self
    }

    /// `POST /api/{legal-basis|no-legal-basis}/person/get-by-nin`, the number in the form body.
    pub async fn get_by_nin(&self, nin: &NationalId, legal_basis: bool) -> Result<Person, SourceError> {
        let path = if legal_basis { "legal-basis" } else { "no-legal-basis" };
        let url = format!("{}/api/{path}/person/get-by-nin", self.base);
        let v = self
            .api
            .json(reqwest::Method::POST, &url, |r| {
                nhn::headers(r, self.nhn.as_ref()).header("api-version", "3").form(&[("nin", nin.as_str())])
            })
            .await?;
        parse_person(&v, &self.api.fetched_at())
    }
}

/// A Persontjenesten answer, fetched at `fetched_at` (RFC 3339).
pub fn parse_person(v: &Value, fetched_at: &str) -> Result<Person, SourceError> {
    let first = v["name"]["firstName"].as_str().unwrap_or("");
    let middle = v["name"]["middleName"].as_str().unwrap_or("");
    let last =
        v["name"]["lastName"].as_str().ok_or_else(|| SourceError::Malformed("person without a last name".into()))?;
    let name = sanitize::text(&[first, middle, last].join(" "));
    let address = match v["addressProtection"]["protectionLevel"].as_str() {
        Some("StrictlyConfidential") => Address::Protected { level: AddressProtection::StrictlyConfidential },
        Some("Confidential") => Address::Protected { level: AddressProtection::Confidential },
        Some("ClientAddress") => Address::Protected { level: AddressProtection::ClientAddress },
        Some("Unclassified") | None => {
            let a = &v["residentialAddress"];
            match a["addressLine"].as_str() {
                Some(line) => Address::Shown {
                    text: sanitize::text(&format!(
                        "{line}, {} {}",
                        a["postalCode"].as_str().unwrap_or(""),
                        a["postalPlace"].as_str().unwrap_or("")
                    )),
                },
                None => Address::Unknown,
            }
        }
        // An unknown level is treated as the strictest: the address is not shown.
        Some(_) => Address::Protected { level: AddressProtection::StrictlyConfidential },
    };
    Ok(Person {
        name,
        birth_date: v["dateOfBirth"].as_str().and_then(crate::normalize::fhir_date_time),
        death_date: v["dateOfDeath"].as_str().and_then(crate::normalize::fhir_date_time),
        gender: v["gender"].as_str().map(crate::normalize::fhir_gender),
        address,
        provenance: Provenance::fetched(SOURCE_NAME, fetched_at.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FETCHED_AT: &str = "2026-11-20T09:14:00Z";

    #[test]
    fn a_protected_address_never_survives_parsing() {
        for level in ["StrictlyConfidential", "Confidential", "ClientAddress", "SomethingNew"] {
            let v = json!({"name": {"firstName": "Kari", "lastName": "Nordby"},
                "addressProtection": {"protectionLevel": level},
                "residentialAddress": {"addressLine": "Hemmeligveien 7", "postalCode": "9999", "postalPlace": "SKJULT"}});
            let p = parse_person(&v, FETCHED_AT).unwrap();
            assert!(matches!(p.address, Address::Protected { .. }), "{level}");
            let everything = format!("{p:?} {}", serde_json::to_string(&p).unwrap());
            // Letters only: digits could turn up in the fetched-at timestamp.
            assert!(!everything.contains("Hemmelig") && !everything.contains("SKJULT"), "{level}: {everything}");
        }
    }

    #[test]
    fn dates_that_are_no_dates_are_not_shown() {
        let v = json!({"name": {"firstName": "Ola", "lastName": "Berg"}, "dateOfBirth": "1940-13-45", "dateOfDeath": "i går"});
        let p = parse_person(&v, FETCHED_AT).unwrap();
        assert_eq!((p.birth_date, p.death_date), (None, None));
        let v = json!({"name": {"lastName": "Berg"}, "dateOfBirth": "1940-02-29", "dateOfDeath": "2026-10-30"});
        let p = parse_person(&v, FETCHED_AT).unwrap();
        assert_eq!((p.birth_date.as_deref(), p.death_date.as_deref()), (Some("1940-02-29"), Some("2026-10-30")));
        let not_leap = json!({"name": {"lastName": "Berg"}, "dateOfBirth": "1941-02-29"});
        assert_eq!(parse_person(&not_leap, FETCHED_AT).unwrap().birth_date, None);
    }

    #[test]
    fn an_unprotected_address_is_shown() {
        let v = json!({"name": {"firstName": "Ola", "lastName": "Berg"}, "addressProtection": {"protectionLevel": "Unclassified"},
            "residentialAddress": {"addressLine": "Storgata 1", "postalCode": "9990", "postalPlace": "SANDVIK"}});
        let p = parse_person(&v, FETCHED_AT).unwrap();
        assert_eq!(p.address, Address::Shown { text: "Storgata 1, 9990 SANDVIK".into() });
        assert_eq!(p.provenance.fetched_at, FETCHED_AT, "stamped with the time it was fetched, not read again");
        assert!(parse_person(&json!({"name": {}}), FETCHED_AT).is_err());
    }
}
