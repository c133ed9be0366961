//! A FHIR R4 REST client: read and search (following `next` links with a loop guard
//! and a page cap, `_include`d and `_revinclude`d resources kept apart), conditional
//! create, versioned update and transactions, turning `OperationOutcome`s into typed
//! errors.

use crate::api::{outcome_text, parse_body, status_error, ApiClient};
use crate::{RequestAuthorizer, SourceError};
use clock::SharedClock;
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, ETAG, LOCATION};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// Never follow more pages than this in one search, whatever the server says.
pub const MAX_PAGES: usize = 100;

const FHIR_JSON: &str = "application/fhir+json";

#[derive(Clone)]
pub struct FhirClient {
    api: ApiClient,
    base: String,
}

/// The resources of a search: matches and `_include`d/`_revinclude`d ones, kept apart.
#[derive(Debug, Default)]
pub struct SearchResult {
    pub matches: Vec<Value>,
    pub included: Vec<Value>,
    /// Bundle entries left out because they carried no resource, or one of no known R4 type.
    pub skipped: usize,
}

impl SearchResult {
    /// Finds an included (or matched) resource by its `Type/id` reference.
    pub fn resolve(&self, reference: &str) -> Option<&Value> {
        let (t, id) = reference.split_once('/')?;
        self.included.iter().chain(&self.matches).find(|r| r["resourceType"] == t && r["id"] == id)
    }
}

/// What a write did on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// A new resource (201).
    Created,
    /// A conditional create found one match and created nothing (200).
    Existing,
    /// An existing resource got a new version (200).
    Updated,
}

/// The resource a write created, found or updated, and its version.
#[derive(Debug, Clone)]
pub struct Written {
    pub disposition: Disposition,
    pub id: String,
    /// The version the server gave it (`ETag`, `Location`'s `_history`, or `meta.versionId`).
    pub version: Option<String>,
    /// The resource as the server stored it, when it sent it back.
    pub resource: Option<Value>,
}

/// One entry of a `transaction-response`, in the order of the request's entries.
#[derive(Debug, Clone)]
pub struct TransactionEntry {
    pub status: u16,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub resource: Option<Value>,
}

/// Whether an error is the server refusing a write because the resource changed since
/// the version the client had (412 Precondition Failed on `If-Match`), or because a
/// conditional create matched more than one resource (also 412).
pub fn is_version_conflict(e: &SourceError) -> bool {
    matches!(e, SourceError::Http { status: 412, .. })
}

impl FhirClient {
    pub fn new(
        http: reqwest::Client,
        base: impl Into<String>,
        audience: impl Into<String>,
        auth: Arc<dyn RequestAuthorizer>,
    ) -> Self {
        Self { api: ApiClient::new(http, audience, auth), base: base.into().trim_end_matches('/').to_string() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Stamps what it fetches with `clock`'s time instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.api = self.api.with_clock(clock);
        self
    }

    /// The time now by the client's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.api.now()
    }

    async fn get(&self, url: &str) -> Result<Value, SourceError> {
        self.api.json(reqwest::Method::GET, url, |r| r.header(ACCEPT, FHIR_JSON)).await
    }

    /// `GET [base]/[type]/[id]`.
    pub async fn read(&self, rtype: &str, id: &str) -> Result<Value, SourceError> {
        let v = self.get(&format!("{}/{rtype}/{}", self.base, urlencode(id))).await?;
        expect_type(&v, rtype)?;
        Ok(v)
    }

    /// `GET [base]/[type]?params`, following `next` links. Search parameters such as
    /// `_include`, `_revinclude`, `_lastUpdated`, `_count` and `_elements` pass through.
    pub async fn search(&self, rtype: &str, params: &[(&str, &str)]) -> Result<SearchResult, SourceError> {
        self.search_pages(rtype, params, MAX_PAGES).await
    }

    /// Only the first page: for "the latest N" queries (`_sort` with `_count`), where
    /// following `next` would fetch the whole history.
    pub async fn search_first_page(&self, rtype: &str, params: &[(&str, &str)]) -> Result<SearchResult, SourceError> {
        self.search_pages(rtype, params, 1).await
    }

    async fn search_pages(
        &self,
        rtype: &str,
        params: &[(&str, &str)],
        max_pages: usize,
    ) -> Result<SearchResult, SourceError> {
        let mut result = SearchResult::default();
        self.each_page(rtype, params, max_pages, |page| {
            result.matches.extend(page.matches);
            result.included.extend(page.included);
            result.skipped += page.skipped;
            Ok(())
        })
        .await?;
        Ok(result)
    }

    /// Like `search`, but hands each page to `on_page` as it arrives instead of
    /// collecting them: memory stays at one page however many there are.
    pub async fn search_each_page(
        &self,
        rtype: &str,
        params: &[(&str, &str)],
        on_page: impl FnMut(SearchResult) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        self.each_page(rtype, params, MAX_PAGES, on_page).await
    }

    async fn each_page(
        &self,
        rtype: &str,
        params: &[(&str, &str)],
        max_pages: usize,
        mut on_page: impl FnMut(SearchResult) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let mut url =
            url::Url::parse(&format!("{}/{rtype}", self.base)).map_err(|e| SourceError::Config(e.to_string()))?;
        url.query_pairs_mut().extend_pairs(params);
        let mut next = Some(url.to_string());
        let mut seen = HashSet::new();
        while let Some(page_url) = next.take() {
            if !seen.insert(page_url.clone()) {
                return Err(SourceError::Malformed("the server's next link loops".into()));
            }
            if seen.len() > MAX_PAGES {
                return Err(SourceError::Malformed(format!("more than {MAX_PAGES} pages")));
            }
            if seen.len() > max_pages {
                break;
            }
            let bundle = self.get(&page_url).await?;
            expect_type(&bundle, "Bundle")?;
            let mut page = SearchResult::default();
            for entry in bundle["entry"].as_array().into_iter().flatten() {
                let resource = &entry["resource"];
                let Some(t) = resource["resourceType"].as_str().filter(|t| is_r4_type(t)) else {
                    page.skipped += 1;
                    continue;
                };
                // Warnings about the search itself, not data.
                if entry["search"]["mode"] == "outcome" || t == "OperationOutcome" {
                    continue;
                }
                // Servers that give no search mode (it is optional) still mark matches by type.
                if entry["search"]["mode"] != "include" && t == rtype {
                    page.matches.push(resource.clone());
                } else {
                    page.included.push(resource.clone());
                }
            }
            next = bundle["link"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["relation"] == "next")
                .and_then(|l| l["url"].as_str())
                .map(str::to_string);
            on_page(page)?;
        }
        Ok(())
    }

    /// Conditional create: `POST [base]/[type]` with `If-None-Exist: <query>`. The server
    /// creates the resource when nothing matches the query (201, `Created`), answers with
    /// the one match when there is one (200, `Existing`), and refuses (412) when several match.
    pub async fn create_conditional(&self, resource: &Value, if_none_exist: &str) -> Result<Written, SourceError> {
        let rtype = resource_type(resource)?;
        let url = format!("{}/{rtype}", self.base);
        let (status, headers, body) = self
            .exchange(reqwest::Method::POST, &url, Some(resource), &[("If-None-Exist", if_none_exist.to_string())])
            .await?;
        let disposition = if status == 201 { Disposition::Created } else { Disposition::Existing };
        written(disposition, rtype, &headers, body)
    }

    /// Versioned update: `PUT [base]/[type]/[id]` with `If-Match: W/"<version>"`. A
    /// server that holds a newer version answers 412: see [`is_version_conflict`].
    pub async fn update(&self, resource: &Value, if_match_version: &str) -> Result<Written, SourceError> {
        let rtype = resource_type(resource)?;
        let id = resource["id"].as_str().ok_or_else(|| SourceError::InvalidInput("an update needs the id".into()))?;
        let url = format!("{}/{rtype}/{}", self.base, urlencode(id));
        let if_match = format!("W/\"{if_match_version}\"");
        let (status, headers, body) =
            self.exchange(reqwest::Method::PUT, &url, Some(resource), &[("If-Match", if_match)]).await?;
        let disposition = if status == 201 { Disposition::Created } else { Disposition::Updated };
        written(disposition, rtype, &headers, body)
    }

    /// `PUT [base]/[type]/[id]` without `If-Match`: creates the resource under the
    /// client's id, or stores the same content again. For records whose id the client
    /// derives from their content (the access log's AuditEvents), so sending twice
    /// stores one.
    pub async fn put(&self, resource: &Value) -> Result<Written, SourceError> {
        let rtype = resource_type(resource)?;
        let id = resource["id"].as_str().ok_or_else(|| SourceError::InvalidInput("a PUT needs the id".into()))?;
        let url = format!("{}/{rtype}/{}", self.base, urlencode(id));
        let (status, headers, body) = self.exchange(reqwest::Method::PUT, &url, Some(resource), &[]).await?;
        let disposition = if status == 201 { Disposition::Created } else { Disposition::Updated };
        written(disposition, rtype, &headers, body)
    }

    /// `POST [base]` with a `transaction` Bundle. Returns the `transaction-response`'s
    /// entries. A refused transaction is an error (the server applied nothing); so is a
    /// response that is no `transaction-response` or reports a failed entry.
    pub async fn transaction(&self, bundle: &Value) -> Result<Vec<TransactionEntry>, SourceError> {
        if bundle["resourceType"] != "Bundle" || bundle["type"] != "transaction" {
            return Err(SourceError::InvalidInput("not a transaction Bundle".into()));
        }
        let sent = bundle["entry"].as_array().map_or(0, Vec::len);
        let (_, _, body) = self.exchange(reqwest::Method::POST, &self.base, Some(bundle), &[]).await?;
        let body = body.ok_or_else(|| SourceError::Malformed("empty transaction response".into()))?;
        expect_type(&body, "Bundle")?;
        if body["type"] != "transaction-response" {
            return Err(SourceError::Malformed(format!("expected a transaction-response, got {}", body["type"])));
        }
        let entries = body["entry"].as_array().map(Vec::as_slice).unwrap_or_default();
        if entries.len() != sent {
            return Err(SourceError::Malformed(format!("{sent} entries sent, {} answered", entries.len())));
        }
        let mut out = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let response = &e["response"];
            let status = response["status"]
                .as_str()
                .and_then(|s| s.split_whitespace().next())
                .and_then(|s| s.parse::<u16>().ok())
                .ok_or_else(|| SourceError::Malformed(format!("transaction entry {i} has no status")))?;
            if !(200..300).contains(&status) {
                // A transaction is all-or-nothing; a server reporting one failed entry
                // inside a success broke that promise, and the caller must know.
                let why = outcome_text(&response["outcome"]).unwrap_or_default();
                return Err(SourceError::Http { status, diagnostics: format!("transaction entry {i} failed: {why}") });
            }
            out.push(TransactionEntry {
                status,
                location: response["location"].as_str().map(str::to_string),
                etag: response["etag"].as_str().map(str::to_string),
                resource: e.get("resource").filter(|r| r.is_object()).cloned(),
            });
        }
        Ok(out)
    }

    /// One write: sends `body` as FHIR JSON with extra headers; returns the status, the
    /// headers and the body (if any) of a success, and a typed error otherwise.
    async fn exchange(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
        extra: &[(&str, String)],
    ) -> Result<(u16, HeaderMap, Option<Value>), SourceError> {
        let payload = body.map(|b| b.to_string());
        let resp = self
            .api
            .send(method, url, |mut r| {
                r = r.header(ACCEPT, FHIR_JSON);
                for (k, v) in extra {
                    r = r.header(*k, v);
                }
                if let Some(p) = &payload {
                    r = r.header(CONTENT_TYPE, FHIR_JSON).body(p.clone());
                }
                r
            })
            .await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = crate::api::read_limited(resp).await?;
        // Writes may be answered with headers only.
        let parsed = if bytes.iter().all(u8::is_ascii_whitespace) { Value::Null } else { parse_body(status, &bytes)? };
        if !(200..300).contains(&status) {
            return Err(status_error(status, &parsed));
        }
        Ok((status, headers, (!parsed.is_null()).then_some(parsed)))
    }
}

/// The outcome of a create or update from its answer. Servers may answer with the
/// resource (`Prefer: return=representation`, the default) or with headers only.
fn written(
    disposition: Disposition,
    rtype: &str,
    headers: &HeaderMap,
    body: Option<Value>,
) -> Result<Written, SourceError> {
    let resource = match body {
        Some(b) if b["resourceType"] == "OperationOutcome" => None,
        Some(b) => {
            expect_type(&b, rtype)?;
            Some(b)
        }
        None => None,
    };
    let header = |name| headers.get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok());
    // `[base]/Type/id/_history/vid`, absolute or relative.
    let location = header(LOCATION).map(|l| {
        let parts: Vec<&str> = l.trim_end_matches('/').split('/').collect();
        match parts.iter().rposition(|p| *p == "_history") {
            Some(h) if h >= 1 => (Some(parts[h - 1].to_string()), parts.get(h + 1).map(|v| v.to_string())),
            _ => (parts.last().map(|s| s.to_string()), None),
        }
    });
    let id = resource
        .as_ref()
        .and_then(|r| r["id"].as_str().map(str::to_string))
        .or_else(|| location.as_ref().and_then(|(id, _)| id.clone()))
        .ok_or_else(|| SourceError::Malformed("the server did not say which resource it wrote".into()))?;
    let version = header(ETAG)
        .and_then(version_from_etag)
        .or_else(|| location.and_then(|(_, v)| v))
        .or_else(|| resource.as_ref().and_then(|r| r["meta"]["versionId"].as_str().map(str::to_string)));
    Ok(Written { disposition, id, version, resource })
}

/// `W/"3"` or `"3"` → `3`.
pub fn version_from_etag(etag: &str) -> Option<String> {
    let v = etag.trim().trim_start_matches("W/").trim_matches('"');
    (!v.is_empty()).then(|| v.to_string())
}

fn resource_type(resource: &Value) -> Result<&str, SourceError> {
    resource["resourceType"]
        .as_str()
        .filter(|t| is_r4_type(t))
        .ok_or_else(|| SourceError::InvalidInput("not a FHIR R4 resource".into()))
}

fn expect_type(v: &Value, rtype: &str) -> Result<(), SourceError> {
    if v["resourceType"] != rtype {
        return Err(SourceError::Malformed(format!("expected {rtype}, got {}", v["resourceType"])));
    }
    Ok(())
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Whether `t` is a resource type of FHIR R4 (4.0.1).
pub fn is_r4_type(t: &str) -> bool {
    R4_RESOURCE_TYPES.binary_search(&t).is_ok()
}

/// Every resource type of FHIR R4 (4.0.1), sorted for binary search.
const R4_RESOURCE_TYPES: &[&str] = &[
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_list_is_sorted_so_lookups_find_every_type() {
        assert!(R4_RESOURCE_TYPES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(R4_RESOURCE_TYPES.len(), 146);
        assert!(is_r4_type("Patient") && is_r4_type("VisionPrescription") && !is_r4_type("Spaceship"));
    }

    #[test]
    fn versions_come_from_weak_and_strong_etags() {
        assert_eq!(version_from_etag("W/\"3\"").as_deref(), Some("3"));
        assert_eq!(version_from_etag("\"abc\"").as_deref(), Some("abc"));
        assert_eq!(version_from_etag("W/\"\""), None);
    }
}
