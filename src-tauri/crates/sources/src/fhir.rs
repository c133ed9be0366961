//! A FHIR R4 REST client: read and search, following `next` links with a loop guard
//! and a page cap, turning `OperationOutcome`s into typed errors.

use crate::api::ApiClient;
use crate::{RequestAuthorizer, SourceError};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// Never follow more pages than this in one search, whatever the server says.
pub const MAX_PAGES: usize = 100;

#[derive(Clone)]
pub struct FhirClient {
    api: ApiClient,
    base: String,
}

/// The resources of a search: matches and `_include`d ones, kept apart.
#[derive(Debug, Default)]
pub struct SearchResult {
    pub matches: Vec<Value>,
    pub included: Vec<Value>,
}

impl SearchResult {
    /// Finds an included (or matched) resource by its `Type/id` reference.
    pub fn resolve(&self, reference: &str) -> Option<&Value> {
        let (t, id) = reference.split_once('/')?;
        self.included.iter().chain(&self.matches).find(|r| r["resourceType"] == t && r["id"] == id)
    }
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

    async fn get(&self, url: &str) -> Result<Value, SourceError> {
        self.api.json(reqwest::Method::GET, url, |r| r.header(reqwest::header::ACCEPT, "application/fhir+json")).await
    }

    /// `GET [base]/[type]/[id]`.
    pub async fn read(&self, rtype: &str, id: &str) -> Result<Value, SourceError> {
        let v = self.get(&format!("{}/{rtype}/{}", self.base, urlencode(id))).await?;
        if v["resourceType"] != rtype {
            return Err(SourceError::Malformed(format!("expected {rtype}, got {}", v["resourceType"])));
        }
        Ok(v)
    }

    /// `GET [base]/[type]?params`, following `next` links.
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
        let mut url =
            url::Url::parse(&format!("{}/{rtype}", self.base)).map_err(|e| SourceError::Config(e.to_string()))?;
        url.query_pairs_mut().extend_pairs(params);
        let mut next = Some(url.to_string());
        let mut seen = HashSet::new();
        let mut result = SearchResult::default();
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
            if bundle["resourceType"] != "Bundle" {
                return Err(SourceError::Malformed(format!("expected Bundle, got {}", bundle["resourceType"])));
            }
            for entry in bundle["entry"].as_array().into_iter().flatten() {
                let resource = entry["resource"].clone();
                if entry["search"]["mode"] == "include" {
                    result.included.push(resource);
                } else if resource["resourceType"] == rtype {
                    result.matches.push(resource);
                } else if resource["resourceType"] != "OperationOutcome" {
                    result.included.push(resource);
                }
            }
            next = bundle["link"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["relation"] == "next")
                .and_then(|l| l["url"].as_str())
                .map(str::to_string);
        }
        Ok(result)
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
