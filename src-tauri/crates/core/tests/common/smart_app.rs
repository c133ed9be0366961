//! The app's side of a SMART EHR launch against the workspace's host, for the app tests
//! and the facade benchmark: a public client doing discovery, the authorization request
//! with PKCE S256 and the token exchange, then FHIR requests with its token.

use arbeidsflate_core::apps::AppRegistration;
use arbeidsflate_core::Workspace;
use serde_json::json;
use std::sync::Arc;

pub const ORIGIN: &str = "http://127.0.0.1:4410";
pub const REDIRECT: &str = "http://127.0.0.1:4410/app.html";

pub fn fall_risk_app() -> AppRegistration {
    serde_json::from_value(json!({
        "id": "fallrisiko", "name": "Fallrisiko", "supplier": "Eksempel AS",
        "launch_url": format!("{ORIGIN}/launch.html"), "redirect_uris": [REDIRECT], "client": "public",
        "scopes": ["launch", "openid", "fhirUser", "patient/Patient.r", "patient/Observation.crus"],
        "may_write": true, "roles": ["home_care_nurse", "nursing_home_nurse"]
    }))
    .unwrap()
}

/// The tests crate's SMART client (the protocol step by step), shared with it.
#[path = "../../../../../tests/src/smart.rs"]
mod protocol;

pub use protocol::SmartApp as App;

impl App {
    /// Launches the fall-risk app for the patient open in `ws` and runs its launch.
    pub async fn launch(ws: &Arc<Workspace>) -> App {
        let launched = ws.launch_app("fallrisiko").await.unwrap();
        assert!(launched.url.starts_with(&format!("{ORIGIN}/launch.html?iss=")), "{}", launched.url);
        protocol::run_launch(&launched.url, "fallrisiko", REDIRECT, "launch openid fhirUser patient/*.crus").await
    }
}
