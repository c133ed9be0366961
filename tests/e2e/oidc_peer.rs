//! The `helseid` client against an OpenID provider this project did not write:
//! node-oidc-provider (npm `oidc-provider`), configured like HelseID in
//! tests/peers/oidc-provider.mjs. Sign-in with PAR + PKCE + private_key_jwt, DPoP
//! nonce retries at the token endpoint, one token per audience from the refresh
//! token with rotation, and logout with revocation must all work against it.
//!
//! What this peer does not cover (it is no resource server, and knows no HelseID
//! specifics such as the test IdP shortcut or `assertion_details`) is covered
//! against the sandbox in src-tauri/crates/helseid/tests/against_sandbox.rs.

use arbeidsflate_tests::{free_port, TempDir};
use base64::Engine;
use helseid::{ClientKeys, HelseIdClient, HelseIdConfig, HelseIdError, OpenFuture, SigningKey, UrlOpener};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

const CLIENT_ID: &str = "arbeidsflate-peer";
const FHIR: &str = "urn:arbeidsflate:peer:fhir";
const KJ: &str = "urn:arbeidsflate:peer:critical-information";

struct Peer {
    child: Child,
    issuer: String,
    _dir: TempDir,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_peer(client_jwk: &Value) -> Peer {
    let peers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers");
    assert!(
        peers.join("node_modules/oidc-provider").exists(),
        "oidc-provider is not installed: run `npm ci` in tests/peers (make test does)"
    );
    let dir = TempDir::new("oidc-peer");
    let jwks = dir.path().join("client-jwks.json");
    std::fs::write(&jwks, serde_json::json!({"keys": [client_jwk]}).to_string()).unwrap();
    let port = free_port();
    let mut child = Command::new("node")
        .arg(peers.join("oidc-provider.mjs"))
        .arg(port.to_string())
        .arg(&jwks)
        .current_dir(&peers)
        .stdout(Stdio::piped())
        .spawn()
        .expect("node on PATH");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("ready ") => break line["ready ".len()..].to_string(),
            Some(_) => continue,
            None => panic!("oidc-provider exited before it was ready"),
        }
    };
    Peer { child, issuer, _dir: dir }
}

/// The browser: follows redirects through the provider's interaction (keeping its
/// cookies) until the redirect to the app's loopback callback, then delivers it.
struct CookieBrowser {
    http: reqwest::Client,
    jar: Mutex<HashMap<String, String>>,
}

impl CookieBrowser {
    fn new() -> Self {
        arbeidsflate_tests::install_crypto();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, jar: Mutex::new(HashMap::new()) }
    }

    fn cookie_header(&self) -> String {
        self.jar.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

impl UrlOpener for CookieBrowser {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            let mut next = url.to_string();
            for _ in 0..10 {
                let resp = self
                    .http
                    .get(&next)
                    .header("cookie", self.cookie_header())
                    .send()
                    .await
                    .map_err(|e| HelseIdError::Browser(e.to_string()))?;
                for c in resp.headers().get_all("set-cookie") {
                    let pair = c.to_str().unwrap().split(';').next().unwrap().to_string();
                    if let Some((k, v)) = pair.split_once('=') {
                        self.jar.lock().unwrap().insert(k.to_string(), v.to_string());
                    }
                }
                let Some(location) = resp.headers().get("location").and_then(|v| v.to_str().ok()) else {
                    let status = resp.status();
                    let body = resp.text().await.unwrap_or_default();
                    return Err(HelseIdError::Browser(format!(
                        "stopped at {status}: {}",
                        &body[..body.len().min(300)]
                    )));
                };
                next = url::Url::parse(&next).unwrap().join(location).unwrap().to_string();
                if next.contains("/callback") {
                    let _ = self.http.get(&next).send().await;
                    return Ok(());
                }
            }
            Err(HelseIdError::Browser("too many redirects".into()))
        })
    }
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT access token");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn the_client_works_against_node_oidc_provider() {
    let assertion = SigningKey::generate();
    let dpop = SigningKey::generate();
    let jkt = dpop.thumbprint().to_string();
    let peer = start_peer(&assertion.public_jwk());
    let config = HelseIdConfig {
        issuer: peer.issuer.clone(),
        client_id: CLIENT_ID.into(),
        scopes: [
            "openid",
            "profile",
            "offline_access",
            "api",
            "helseid://scopes/identity/pid",
            "helseid://scopes/identity/security_level",
            "helseid://scopes/hpr/hpr_number",
        ]
        .map(String::from)
        .to_vec(),
        resources: vec![FHIR.into(), KJ.into()],
        test_pid: None,
        sign_in_timeout: Duration::from_secs(10),
        leeway: Duration::from_secs(30),
        organisation: None,
    };
    let client =
        HelseIdClient::new(helseid::http_client(Duration::from_secs(10)), config, ClientKeys { assertion, dpop });

    // Sign-in: PAR (private_key_jwt), the browser, the code exchange with DPoP (the
    // provider always demands a nonce, so this also proves the nonce retry).
    let session = client.sign_in(&CookieBrowser::new()).await.expect("sign-in against oidc-provider");
    assert_eq!(session.user.hpr_number.as_deref(), Some("9100001"));
    assert_eq!(session.user.pid.expose(), "03817000737");

    // The first audience's token came from the code exchange: single audience, DPoP-bound.
    let fhir = client.access_token(&session, FHIR, None).await.unwrap();
    let c = claims_of(fhir.expose());
    assert_eq!(c["aud"], FHIR);
    assert_eq!(c["cnf"]["jkt"], jkt.as_str());

    // The second audience's token comes from the refresh token.
    let kj = client.access_token(&session, KJ, None).await.unwrap();
    assert_ne!(kj, fhir);
    assert_eq!(claims_of(kj.expose())["aud"], KJ);
    assert_eq!(client.access_token(&session, KJ, None).await.unwrap(), kj, "cached");

    // Each further token needs the newest refresh token (the provider rotates them and
    // refuses a spent one): ask for two more, keyed apart by attestation.
    for purpose in [
        helseid::authorization_details::PurposeOfUse::Treat,
        helseid::authorization_details::PurposeOfUse::CoordinationOfCare,
    ] {
        let attestation = helseid::Attestation {
            practitioner_category: "SP".into(),
            legal_entity_orgnr: "999000001".into(),
            place: helseid::authorization_details::CarePlace {
                point_of_care_orgnr: "999000002".into(),
                department_id: None,
            },
            healthcare_service: "KP01".into(),
            purpose_of_use: purpose,
            purpose_details: helseid::authorization_details::PurposeDetails::Behandler,
            decision_ref: None,
            patient_place: None,
        };
        let t = client.access_token(&session, FHIR, Some(&attestation)).await.expect("refresh with the newest token");
        assert_eq!(claims_of(t.expose())["aud"], FHIR);
    }

    // Logout: the refresh token is revoked and the end-session URL points at the provider.
    let out = client.sign_out(session).await.unwrap();
    assert!(out.revoked, "the provider accepted the revocation");
    assert!(out.end_session_url.unwrap().starts_with(&peer.issuer));
}
