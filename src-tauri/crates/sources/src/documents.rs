//! Document sharing (Pasientens journaldokumenter, IHE MHD): ITI-67 search with the
//! number in a form body, the count of documents the patient has hidden, and ITI-68
//! retrieval whose bytes must be what the document says it is. Calls need a token
//! attested for this patient, so the authoriser is given per call.

use crate::api::{outcome_text, parse_body, read_limited, status_error, ApiClient};
use crate::nhn::{self, NhnContext};
use crate::normalize::provenance;
use crate::{sanitize, RequestAuthorizer, SourceError};
use arbeidsflate_model::nin::{NationalId, SYSTEM_FNR};
use arbeidsflate_model::view::Provenance;
use clock::SharedClock;
use serde_json::Value;
use std::sync::Arc;

pub const SOURCE_NAME: &str = "Pasientens journaldokumenter";

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SharedDocumentRef {
    pub title: String,
    pub date: Option<String>,
    pub author: Option<String>,
    pub content_type: String,
    /// Safe to fetch (https, or loopback http in the sandbox); `None` if the source
    /// gave an unsafe URL, and then the document cannot be opened.
    pub url: Option<String>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DocumentList {
    pub documents: Vec<SharedDocumentRef>,
    /// "N documents are hidden by the patient's wish."
    pub hidden: u32,
}

pub struct RetrievedDocument {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A retrieved document ready to show: a PDF for a PDF viewer, or anything structured
/// (CDA, KITH, HTML, text) rendered into sanitised sections.
pub enum DocumentContent {
    Pdf(Vec<u8>),
    Structured(crate::structured::StructuredDocument),
}

impl RetrievedDocument {
    /// What the bytes are, made safe to show; `Malformed` for a format the app cannot show.
    pub fn into_content(self) -> Result<DocumentContent, SourceError> {
        if crate::sanitize::sniff(&self.bytes) == crate::sanitize::SniffedType::Pdf {
            return Ok(DocumentContent::Pdf(self.bytes));
        }
        crate::structured::render(&self.bytes).map(DocumentContent::Structured)
    }
}

/// Says what it is and how big, never the content (clinical text).
impl std::fmt::Debug for RetrievedDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RetrievedDocument({}, {} bytes)", self.content_type, self.bytes.len())
    }
}

pub struct DocumentSharing {
    http: reqwest::Client,
    base: String,
    audience: String,
    nhn: Option<NhnContext>,
    clock: SharedClock,
}

impl DocumentSharing {
    pub fn new(http: reqwest::Client, base: &str, audience: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            audience: audience.into(),
            nhn: None,
            clock: clock::system(),
        }
    }

    /// Stamps what it fetches with `clock`'s time instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Who asks and on what basis, sent as the `nhn-*` headers on every call.
    pub fn with_nhn(mut self, ctx: NhnContext) -> Self {
        self.nhn = Some(ctx);
        self
    }

    fn api(&self, auth: Arc<dyn RequestAuthorizer>) -> ApiClient {
        ApiClient::new(self.http.clone(), &self.audience, auth).with_clock(self.clock.clone())
    }

    /// ITI-67: the patient's current documents, newest first.
    pub async fn search(
        &self,
        nin: &NationalId,
        auth: Arc<dyn RequestAuthorizer>,
    ) -> Result<DocumentList, SourceError> {
        let url = format!("{}/R4/fhir/DocumentReference/_search", self.base);
        let identifier = format!("{SYSTEM_FNR}|{}", nin.as_str());
        let form =
            [("patient.identifier", identifier.as_str()), ("status", "current"), ("_count", "50"), ("_sort", "-date")];
        let resp = self
            .api(auth)
            .send(reqwest::Method::POST, &url, |r| {
                nhn::headers(r, self.nhn.as_ref()).header("accept", "application/fhir+json").form(&form)
            })
            .await?;
        let status = resp.status().as_u16();
        let hidden = resp
            .headers()
            .get("nhn-securitylabel-nors-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(0);
        let body = parse_body(status, &read_limited(resp).await?)?;
        if !(200..300).contains(&status) {
            return Err(status_error(status, &body));
        }
        if body["resourceType"] != "Bundle" {
            return Err(SourceError::Malformed(format!("expected Bundle, got {}", body["resourceType"])));
        }
        let fetched_at = self.clock.now().to_rfc3339();
        let documents = body["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == "DocumentReference")
            .map(|r| {
                let attachment = &r["content"][0]["attachment"];
                SharedDocumentRef {
                    title: r["description"]
                        .as_str()
                        .or_else(|| attachment["title"].as_str())
                        .map(sanitize::text)
                        .unwrap_or_default(),
                    date: r["date"].as_str().map(sanitize::text),
                    author: r["author"][0]["display"].as_str().map(sanitize::text),
                    content_type: attachment["contentType"].as_str().unwrap_or("application/octet-stream").to_string(),
                    url: attachment["url"].as_str().and_then(sanitize::attachment_url),
                    provenance: provenance(SOURCE_NAME, r, &fetched_at),
                }
            })
            .collect();
        Ok(DocumentList { documents, hidden })
    }

    /// ITI-68: the document's bytes, refused if they are not what the document declares.
    pub async fn retrieve(
        &self,
        doc: &SharedDocumentRef,
        nin: &NationalId,
        auth: Arc<dyn RequestAuthorizer>,
    ) -> Result<RetrievedDocument, SourceError> {
        let url = doc
            .url
            .as_deref()
            .ok_or_else(|| SourceError::Malformed("the document's address is not safe to open".into()))?;
        let resp = self
            .api(auth)
            .send(reqwest::Method::GET, url, |r| {
                nhn::headers(r, self.nhn.as_ref()).header("nhn-patient-nin", nin.as_str())
            })
            .await?;
        let status = resp.status().as_u16();
        let declared =
            resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = read_limited(resp).await?;
        if !(200..300).contains(&status) {
            let diagnostics =
                serde_json::from_slice(&bytes).ok().and_then(|v: Value| outcome_text(&v)).unwrap_or_default();
            return Err(SourceError::Http { status, diagnostics });
        }
        for claimed in [declared.as_str(), doc.content_type.as_str()] {
            if !sanitize::content_type_matches(claimed, &bytes) {
                return Err(SourceError::Malformed(format!("the document claims to be {claimed} but is not")));
            }
        }
        Ok(RetrievedDocument { content_type: doc.content_type.clone(), bytes })
    }
}
