//! The app's side of a SMART EHR launch against the workspace's host, for the app tests
//! and the facade benchmark: a public client doing discovery, the authorization request
//! with PKCE S256 and the token exchange, then FHIR requests with its token.

use arbeidsflate_core::apps::AppRegistration;
use arbeidsflate_core::Workspace;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

pub const ORIGIN: &str = "http://127.0.0.1:4410";
pub const REDIRECT: &str = "http://127.0.0.1:4410/app.html";
const VERIFIER: &str = "Zk9yTWVkaXNpbnNrZVJpc2lrb3ZlcmRpZXItZm9yLWZhbGwtcmlzaWtv";

pub fn fall_risk_app() -> AppRegistration {
    serde_json::from_value(json!({
        "id": "fallrisiko", "name": "Fallrisiko", "supplier": "Eksempel AS",
        "launch_url": format!("{ORIGIN}/launch.html"), "redirect_uris": [REDIRECT], "client": "public",
        "scopes": ["launch", "openid", "fhirUser", "patient/Patient.r", "patient/Observation.crus"],
        "may_write": true, "roles": ["home_care_nurse", "nursing_home_nurse"]
    }))
    .unwrap()
}

/// The app's side of the launch: discovery, authorize with PKCE, the token.
pub struct App {
    pub http: reqwest::Client,
    pub iss: String,
    pub token: String,
    pub patient: String,
    /// The whole token answer (the launch context beside the token).
    pub answer: Value,
}

impl App {
    pub async fn launch(ws: &Arc<Workspace>) -> App {
        let launched = ws.launch_app("fallrisiko").await.unwrap();
        assert!(launched.url.starts_with(&format!("{ORIGIN}/launch.html?iss=")), "{}", launched.url);
        let q: HashMap<String, String> = url::Url::parse(&launched.url).unwrap().query_pairs().into_owned().collect();
        let (iss, launch) = (q["iss"].clone(), q["launch"].clone());
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        let config: Value =
            http.get(format!("{iss}/.well-known/smart-configuration")).send().await.unwrap().json().await.unwrap();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
        let authorized = http
            .get(config["authorization_endpoint"].as_str().unwrap())
            .query(&[
                ("response_type", "code"),
                ("client_id", "fallrisiko"),
                ("redirect_uri", REDIRECT),
                ("launch", &launch),
                ("scope", "launch openid fhirUser patient/*.crus"),
                ("state", "abc"),
                ("aud", &iss),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
        let location = url::Url::parse(authorized.headers()["location"].to_str().unwrap()).unwrap();
        let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
        let token: Value = http
            .post(config["token_endpoint"].as_str().unwrap())
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", "fallrisiko"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        App {
            http,
            iss,
            token: token["access_token"].as_str().unwrap().into(),
            patient: token["patient"].as_str().unwrap().into(),
            answer: token,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}/{path}", self.iss)).bearer_auth(&self.token).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/{path}", self.iss))
            .bearer_auth(&self.token)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}
