//! The headers NHN's newer APIs take on every call: who is calling (`nhn-source-system`),
//! a correlation id (`nhn-event-id`), and for patient data the user's role and the
//! access basis. The patient's number goes in `nhn-patient-nin` where an API defines
//! it, never in a URL.

use arbeidsflate_model::access::AccessBasis;
use serde_json::json;

const HP_CATEGORY: &str = "urn:oid:2.16.578.1.12.4.1.1.9060";

/// Who asks and on what basis.
#[derive(Debug, Clone)]
pub struct NhnContext {
    /// `nhn-source-system`: client name and version.
    pub source_system: String,
    /// Helsepersonell category, e.g. `SP`.
    pub user_role: String,
    pub access_basis: AccessBasis,
}

impl NhnContext {
    /// `nhn-source-system` and a fresh `nhn-event-id`: for every call.
    pub fn correlation(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        correlate(r, &self.source_system)
    }

    /// Every `nhn-*` header but the patient's number: for calls that read patient data.
    pub fn apply(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        self.correlation(r)
            .header("nhn-user-role", user_role_header(&self.user_role))
            .header("nhn-access-basis", self.access_basis.header_value())
    }
}

/// Applies the context's headers when there is one; without, only this client's name
/// and a correlation id (tests and tools that do not act for a user).
pub fn headers(r: reqwest::RequestBuilder, ctx: Option<&NhnContext>) -> reqwest::RequestBuilder {
    match ctx {
        Some(ctx) => ctx.apply(r),
        None => correlate(r, concat!("Arbeidsflate ", env!("CARGO_PKG_VERSION"))),
    }
}

fn correlate(r: reqwest::RequestBuilder, source_system: &str) -> reqwest::RequestBuilder {
    r.header("nhn-source-system", source_system).header("nhn-event-id", crate::random_uuid())
}

/// URL-encoded JSON naming the helsepersonell category.
fn user_role_header(code: &str) -> String {
    let json = json!({"system": HP_CATEGORY, "code": code}).to_string();
    url::form_urlencoded::byte_serialize(json.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_role_header_is_url_encoded_json() {
        let h = user_role_header("SP");
        assert!(!h.contains('{') && !h.contains('"'));
        let decoded: String = url::form_urlencoded::parse(format!("x={h}").as_bytes()).next().unwrap().1.into_owned();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&decoded).unwrap()["code"], "SP");
    }
}
