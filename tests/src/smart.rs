//! The app's side of a SMART EHR launch, as a test stands in for an app: discovery, the
//! authorization request with PKCE S256, the token, then FHIR requests with it. Real
//! apps use a SMART client library; this is the protocol, step by step, so a test sees
//! each answer. Self-contained: the workspace's own tests include this file too.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use std::collections::HashMap;

/// A fixed verifier (43–128 unreserved characters) and its S256 challenge.
pub const VERIFIER: &str = "dGVzdC12ZXJpZmllci1mb3ItdGhlLXNtYXJ0LWxhdW5jaC1pbi10ZXN0cw";

pub fn challenge() -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER.as_bytes()))
}

/// A launched app: its FHIR base, its token and the launch context beside it.
pub struct SmartApp {
    pub http: reqwest::Client,
    pub iss: String,
    pub token: String,
    pub patient: String,
    /// The whole token answer.
    pub answer: Value,
}

impl SmartApp {
    /// `GET {iss}/{path}` with the token: the status and the JSON answer.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}/{path}", self.iss)).bearer_auth(&self.token).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// `POST {iss}/{path}` of a FHIR resource with the token.
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

/// Runs the launch a workspace opened at `launch_url` as the public client `client_id`
/// with `redirect_uri`, asking for `scope`.
pub async fn run_launch(launch_url: &str, client_id: &str, redirect_uri: &str, scope: &str) -> SmartApp {
    let q: HashMap<String, String> = url::Url::parse(launch_url).unwrap().query_pairs().into_owned().collect();
    let (iss, launch) = (q["iss"].clone(), q["launch"].clone());
    // Installs the TLS stack's crypto provider before a client of our own is built.
    let _ = helseid::http_client(std::time::Duration::from_secs(5));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let config: Value =
        http.get(format!("{iss}/.well-known/smart-configuration")).send().await.unwrap().json().await.unwrap();
    let authorized = http
        .get(config["authorization_endpoint"].as_str().unwrap())
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("launch", &launch),
            ("scope", scope),
            ("state", "test-state"),
            ("aud", &iss),
            ("code_challenge", &challenge()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let location = authorized.headers()["location"].to_str().unwrap();
    let code = url::Url::parse(location).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    let answer: Value = http
        .post(config["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", VERIFIER),
            ("client_id", client_id),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    SmartApp {
        http,
        iss,
        token: answer["access_token"].as_str().unwrap_or_default().into(),
        patient: answer["patient"].as_str().unwrap_or_default().into(),
        answer,
    }
}
