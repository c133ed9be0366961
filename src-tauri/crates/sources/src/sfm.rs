//! The patient's medication list through SFM Basis API: `Patient/$getMedication`.
//! The current list is the chain heads (statements with no `partOf`); the earlier
//! links, each `partOf` its head, are history. When each register
//! was read, and any error code it gave, travels with the list so the UI can say
//! "Reseptformidleren did not answer" instead of showing a shorter list as complete.

use crate::api::ApiClient;
use crate::nhn::{self, NhnContext};
use crate::normalize::medication;
use crate::{RequestAuthorizer, SourceError};
use arbeidsflate_model::nin::{NationalId, SYSTEM_FNR};
use arbeidsflate_model::overview::RegisterRetrieval;
use arbeidsflate_model::view::Medication;
use clock::SharedClock;
use serde_json::{json, Value};
use std::sync::Arc;

pub const SOURCE_NAME: &str = "Pasientens legemiddelliste";
pub const RETRIEVAL_EXTENSION: &str = "http://nhn.no/sfm/fhir/StructureDefinition/retrieval";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MedicationList {
    /// The chain heads: the current list.
    pub current: Vec<Medication>,
    /// Earlier links of the chains (history on demand).
    pub history: Vec<Medication>,
    /// When each register behind the list was read (display-clean).
    pub retrievals: Vec<RegisterRetrieval>,
}

pub struct Sfm {
    api: ApiClient,
    operation_url: String,
    nhn: Option<NhnContext>,
}

impl Sfm {
    /// `base` is the SFM Basis API base; the operation is `[base]/Patient/$getMedication`.
    pub fn new(http: reqwest::Client, base: &str, audience: &str, auth: Arc<dyn RequestAuthorizer>) -> Self {
        Self {
            api: ApiClient::new(http, audience, auth),
            operation_url: format!("{}/Patient/$getMedication", base.trim_end_matches('/')),
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

    pub async fn get_medication(&self, nin: &NationalId) -> Result<MedicationList, SourceError> {
        let params = json!({
            "resourceType": "Parameters",
            "parameter": [
                {"name": "patient", "valueIdentifier": {"system": SYSTEM_FNR, "value": nin.as_str()}},
                {"name": "includeHistory", "valueBoolean": true}
            ]
        });
        let bundle = self
            .api
            .json(reqwest::Method::POST, &self.operation_url, |r| {
                nhn::headers(r, self.nhn.as_ref())
                    .header("accept", "application/fhir+json")
                    .header("content-type", "application/fhir+json")
                    .json(&params)
            })
            .await?;
        parse_list(&bundle, &self.api.fetched_at())
    }
}

/// A medication list document, fetched at `fetched_at` (RFC 3339).
pub fn parse_list(bundle: &Value, fetched_at: &str) -> Result<MedicationList, SourceError> {
    if bundle["resourceType"] != "Bundle" || bundle["type"] != "document" {
        return Err(SourceError::Malformed("expected a document Bundle".into()));
    }
    let resources: Vec<&Value> = bundle["entry"].as_array().into_iter().flatten().map(|e| &e["resource"]).collect();
    let composition = resources
        .iter()
        .find(|r| r["resourceType"] == "Composition")
        .ok_or_else(|| SourceError::Malformed("the document has no Composition".into()))?;
    let retrievals = composition["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["url"] == RETRIEVAL_EXTENSION)
        .map(|e| {
            let part = |name: &str, key: &str| {
                e["extension"]
                    .as_array()?
                    .iter()
                    .find(|x| x["url"] == name)
                    .and_then(|x| x[key].as_str())
                    .map(crate::sanitize::text)
            };
            RegisterRetrieval {
                register: part("source", "valueString").unwrap_or_default(),
                retrieved_at: part("retrievedAt", "valueDateTime"),
                error_code: part("errorCode", "valueString"),
            }
        })
        .collect();
    let statements: Vec<&&Value> = resources.iter().filter(|r| r["resourceType"] == "MedicationStatement").collect();
    let (mut current, mut history) = (Vec::new(), Vec::new());
    for s in statements {
        let Some(m) = medication(s, SOURCE_NAME, fetched_at) else { continue };
        let is_head = s["partOf"].as_array().is_none_or(|p| p.is_empty());
        if is_head && s["status"] != "completed" {
            current.push(m);
        } else {
            history.push(m);
        }
    }
    Ok(MedicationList { current, history, retrievals })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FETCHED_AT: &str = "2026-11-20T09:14:00Z";

    fn statement(id: &str, status: &str, part_of: Option<&str>) -> Value {
        let mut s = json!({"resourceType": "MedicationStatement", "id": id, "status": status,
            "medicationCodeableConcept": {"text": format!("Legemiddel {id}")}, "dosage": [{"text": "1 x 1"}]});
        if let Some(h) = part_of {
            s["partOf"] = json!([{"reference": format!("MedicationStatement/{h}")}]);
        }
        s
    }

    #[test]
    fn chain_heads_are_the_current_list_and_tails_are_history() {
        let bundle = json!({"resourceType": "Bundle", "type": "document", "entry": [
            {"resource": {"resourceType": "Composition", "extension": [
                {"url": RETRIEVAL_EXTENSION, "extension": [{"url": "source", "valueString": "Reseptformidleren"},
                    {"url": "retrievedAt", "valueDateTime": "2026-11-22T06:00:00Z"}, {"url": "errorCode", "valueString": "RF-\u{202E}TIMEOUT\n"}]}]}},
            {"resource": statement("a", "active", None)},
            {"resource": statement("a-old", "completed", Some("a"))},
            {"resource": statement("b", "active", None)}
        ]});
        let list = parse_list(&bundle, FETCHED_AT).unwrap();
        let names: Vec<&str> = list.current.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["Legemiddel a", "Legemiddel b"]);
        assert_eq!(list.history.len(), 1);
        // What the register said is shown, so it arrives display-clean.
        assert_eq!(list.retrievals[0].error_code.as_deref(), Some("RF-TIMEOUT"));
    }

    #[test]
    fn anything_but_a_document_is_refused() {
        assert!(parse_list(&json!({"resourceType": "Bundle", "type": "searchset"}), FETCHED_AT).is_err());
        assert!(parse_list(&json!({"resourceType": "Bundle", "type": "document", "entry": []}), FETCHED_AT).is_err());
        assert!(parse_list(&json!({"resourceType": "Patient"}), FETCHED_AT).is_err());
    }
}
