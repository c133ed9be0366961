//! Kjernejournal critical information (NHN's FHIR R4 facade). `status` first — it
//! tells whether the patient has critical information and whether they reserved
//! against or restricted Kjernejournal — then the resources, with the `nhn-*`
//! headers. A reservation or restriction is an answer of its own, never "no allergies".

use crate::api::ApiClient;
pub use crate::nhn::NhnContext;
use crate::normalize;
use crate::{RequestAuthorizer, SourceError};
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::view::Allergy;
use clock::SharedClock;
use serde_json::json;
use std::sync::Arc;

pub const SOURCE_NAME: &str = "Kjernejournal";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KjStatus {
    pub has_critical_information: bool,
    pub has_active_critical_information: bool,
    pub last_changed: Option<String>,
    pub reserved: bool,
    pub restricted: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum KjOutcome {
    /// The patient has reserved against Kjernejournal: there is no data to show.
    Reserved,
    /// The patient restricted access: an elevated access basis is needed.
    Restricted,
    NoCriticalInformation,
    Allergies(Vec<Allergy>),
}

pub struct Kjernejournal {
    api: ApiClient,
    base: String,
}

impl Kjernejournal {
    pub fn new(
        http: reqwest::Client,
        base: impl Into<String>,
        audience: &str,
        auth: Arc<dyn RequestAuthorizer>,
    ) -> Self {
        Self { api: ApiClient::new(http, audience, auth), base: base.into().trim_end_matches('/').to_string() }
    }

    /// Stamps what it fetches with `clock`'s time instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.api = self.api.with_clock(clock);
        self
    }

    /// `POST …/status`: not audit-logged at NHN, so it may be asked first.
    pub async fn status(&self, nin: &NationalId, ctx: &NhnContext) -> Result<KjStatus, SourceError> {
        let url = format!("{}/status", self.base);
        let body = json!({"nin": nin.as_str()});
        let v = self.api.json(reqwest::Method::POST, &url, |r| ctx.correlation(r).json(&body)).await?;
        let flag = |name: &str| -> Result<bool, SourceError> {
            v[name].as_bool().ok_or_else(|| SourceError::Malformed(format!("status without {name}")))
        };
        Ok(KjStatus {
            has_critical_information: flag("hasCriticalInformation")?,
            has_active_critical_information: flag("hasActiveCriticalInformation")?,
            last_changed: v["lastChangedDateTime"].as_str().map(str::to_string),
            reserved: v["hasReservation"].as_bool().unwrap_or(false),
            restricted: v["hasRestriction"].as_bool().unwrap_or(false),
        })
    }

    /// Status, then the allergies and intolerances when there is anything to read.
    pub async fn critical_information(&self, nin: &NationalId, ctx: &NhnContext) -> Result<KjOutcome, SourceError> {
        self.critical_information_after(nin, ctx, None).await
    }

    /// As `critical_information`, with a status asked shortly before (e.g. while the
    /// worklist loaded) instead of asking again. The service still enforces reservation
    /// and restriction on the data call, so a status that has since changed cannot
    /// show what the patient has closed.
    pub async fn critical_information_after(
        &self,
        nin: &NationalId,
        ctx: &NhnContext,
        known: Option<&KjStatus>,
    ) -> Result<KjOutcome, SourceError> {
        let status = match known {
            Some(s) => s.clone(),
            None => self.status(nin, ctx).await?,
        };
        if status.reserved {
            return Ok(KjOutcome::Reserved);
        }
        if status.restricted && !ctx.access_basis.is_elevated() {
            return Ok(KjOutcome::Restricted);
        }
        if !status.has_critical_information {
            return Ok(KjOutcome::NoCriticalInformation);
        }
        let url = format!("{}/AllergyIntolerance", self.base);
        let answer = self
            .api
            .json_answer(reqwest::Method::GET, &url, |r| {
                ctx.apply(r).header("accept", "application/fhir+json").header("nhn-patient-nin", nin.as_str())
            })
            .await?;
        match answer.status {
            200 => {}
            403 => {
                let text = crate::api::outcome_text(&answer.body).unwrap_or_default();
                return Ok(if text.contains("reserved") { KjOutcome::Reserved } else { KjOutcome::Restricted });
            }
            status => {
                let diagnostics = crate::api::outcome_text(&answer.body).unwrap_or_default();
                return Err(SourceError::Http { status, diagnostics });
            }
        }
        if answer.body["resourceType"] != "Bundle" {
            return Err(SourceError::Malformed(format!("expected Bundle, got {}", answer.body["resourceType"])));
        }
        let fetched_at = self.api.fetched_at();
        let allergies = answer.body["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == "AllergyIntolerance")
            .filter_map(|r| normalize::allergy(r, SOURCE_NAME, &fetched_at))
            .collect();
        Ok(KjOutcome::Allergies(allergies))
    }
}
