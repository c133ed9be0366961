//! The SMART host's authorization server over HTTP, as apps and hostile clients meet it:
//! discovery, the EHR launch with PKCE for a public app, private_key_jwt (ES384, RS384)
//! for a confidential one, the launch context in the token answer, the id_token, refresh
//! within the session, and every refusal the spec asks for. The host's clock is fixed.

use arbeidsflate_config::apps::AppRegistration;
use arbeidsflate_smart::{
    AppRequest, BoxFuture, HostConfig, LaunchContext, Outcome, PlatformError, SmartHost, WriteOutcome,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, TimeZone, Utc};
use clock::FixedClock;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

const PUBLIC_ORIGIN: &str = "http://127.0.0.1:4410";
const REDIRECT: &str = "http://127.0.0.1:4410/app.html";

/// A confidential app's key pair: its JWK for the catalogue, and a signer for assertions.
struct AppKey {
    alg: Algorithm,
    kid: String,
    private: EncodingKey,
    public_jwk: Value,
}

impl AppKey {
    fn es384(kid: &str) -> Self {
        use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P384_SHA384_FIXED_SIGNING};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let point = pair.public_key().as_ref();
        let public_jwk = json!({"kty": "EC", "crv": "P-384", "kid": kid, "alg": "ES384",
            "x": URL_SAFE_NO_PAD.encode(&point[1..49]), "y": URL_SAFE_NO_PAD.encode(&point[49..97])});
        Self { alg: Algorithm::ES384, kid: kid.into(), private: EncodingKey::from_ec_der(pkcs8.as_ref()), public_jwk }
    }

    fn rs384(kid: &str) -> Self {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let public_jwk = json!({"kty": "RSA", "kid": kid, "alg": "RS384",
            "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()), "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be())});
        let der = key.to_pkcs1_der().unwrap();
        Self { alg: Algorithm::RS384, kid: kid.into(), private: EncodingKey::from_rsa_der(der.as_bytes()), public_jwk }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.private).unwrap()
    }
}

fn public_app() -> AppRegistration {
    serde_json::from_value(json!({
        "id": "fallrisiko", "name": "Fallrisiko", "supplier": "Eksempel AS",
        "launch_url": format!("{PUBLIC_ORIGIN}/launch.html?lang=nb"), "redirect_uris": [REDIRECT], "client": "public",
        "scopes": ["launch", "openid", "fhirUser", "online_access", "patient/Patient.r", "patient/Observation.crs"],
        "may_write": true, "roles": ["nursing_home_nurse"]
    }))
    .unwrap()
}

fn confidential_app(keys: &[&AppKey]) -> AppRegistration {
    let jwks = json!({"keys": keys.iter().map(|k| k.public_jwk.clone()).collect::<Vec<_>>()});
    serde_json::from_value(json!({
        "id": "kurve", "name": "Kurve", "supplier": "Eksempel AS",
        "launch_url": "http://127.0.0.1:4420/launch", "redirect_uris": ["http://127.0.0.1:4420/cb"],
        "client": "confidential-asymmetric", "jwks": jwks.to_string(),
        "scopes": ["launch", "patient/Observation.rs"], "roles": ["nursing_home_doctor"]
    }))
    .unwrap()
}

/// These tests make no FHIR requests; the facade's are in the workspace's tests, against
/// the sandbox's platform.
struct NoFhirHere;

impl arbeidsflate_smart::Platform for NoFhirHere {
    fn read<'a>(&'a self, _: &'a AppRequest, _: &'a str) -> BoxFuture<'a, Result<Value, PlatformError>> {
        unreachable!("no FHIR requests in the authorization tests")
    }
    fn search<'a>(
        &'a self,
        _: &'a AppRequest,
        _: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Vec<Value>, PlatformError>> {
        unreachable!("no FHIR requests in the authorization tests")
    }
    fn write<'a>(
        &'a self,
        _: &'a AppRequest,
        _: Value,
        _: Option<String>,
    ) -> BoxFuture<'a, Result<WriteOutcome, PlatformError>> {
        unreachable!("no FHIR requests in the authorization tests")
    }
    fn log<'a>(&'a self, _: &'a AppRequest, _: &'a Outcome) -> BoxFuture<'a, ()> {
        unreachable!("no FHIR requests in the authorization tests")
    }
}

struct Fixture {
    host: SmartHost,
    clock: Arc<FixedClock>,
    http: reqwest::Client,
    es384: AppKey,
    rs384: AppKey,
    /// What the `kurve-uri` app's `jwks_uri` answers.
    published: Arc<std::sync::Mutex<(u16, String)>>,
}

/// A server publishing an app's key set at `/jwks`, answering what the test sets.
async fn jwks_server(initial: String) -> (String, Arc<std::sync::Mutex<(u16, String)>>) {
    use axum::extract::State;
    let served = Arc::new(std::sync::Mutex::new((200u16, initial)));
    let app = axum::Router::new()
        .route(
            "/jwks",
            axum::routing::get(|State(s): State<Arc<std::sync::Mutex<(u16, String)>>>| async move {
                let (status, body) = s.lock().unwrap().clone();
                (axum::http::StatusCode::from_u16(status).unwrap(), body)
            }),
        )
        .with_state(served.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, served)
}

/// The confidential app again, its keys published at `jwks_uri` instead of inline.
fn confidential_app_at(jwks_uri: &str) -> AppRegistration {
    let mut app = confidential_app(&[]);
    app.id = "kurve-uri".into();
    app.jwks = None;
    app.jwks_uri = Some(jwks_uri.into());
    app
}

async fn fixture() -> Fixture {
    let clock = FixedClock::shared(Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap());
    let (es384, rs384) = (AppKey::es384("kurve-ec"), AppKey::rs384("kurve-rsa"));
    let (jwks_uri, published) = jwks_server(json!({"keys": [es384.public_jwk]}).to_string()).await;
    let config = HostConfig {
        apps: vec![public_app(), confidential_app(&[&es384, &rs384]), confidential_app_at(&jwks_uri)],
        clock: clock.clone(),
        id_token_key: helseid::SigningKey::generate(),
        // Also installs the TLS stack's crypto provider for the test's own client.
        http: helseid::http_client(std::time::Duration::from_secs(5)),
        platform: Arc::new(NoFhirHere),
    };
    let host = SmartHost::start(config).await.unwrap();
    let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    Fixture { host, clock, http, es384, rs384, published }
}

fn context(app: &str) -> LaunchContext {
    LaunchContext {
        app_id: app.into(),
        patient: "pas-1".into(),
        encounter: Some("opphold-1".into()),
        practitioner: "prac-7".into(),
        embedded: true,
        // As a decision-support card's SMART link hands it on.
        app_context: Some("{\"grunn\":\"sovemiddel\"}".into()),
    }
}

/// The verifier every test's PKCE uses, and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP";
fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

impl Fixture {
    fn base(&self) -> String {
        format!("http://{}", self.host.addr())
    }

    /// Launches `app` and returns the launch URL's `iss` and `launch`.
    fn launch(&self, app: &str) -> (String, String) {
        let url = url::Url::parse(&self.host.launch(context(app)).unwrap()).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        (q["iss"].clone(), q["launch"].clone())
    }

    fn authorize_params(&self, launch: &str) -> Vec<(&'static str, String)> {
        vec![
            ("response_type", "code".into()),
            ("client_id", "fallrisiko".into()),
            ("redirect_uri", REDIRECT.into()),
            ("launch", launch.into()),
            ("scope", "launch openid fhirUser online_access patient/*.cruds user/*.rs".into()),
            ("state", "s-123".into()),
            ("aud", self.host.iss()),
            ("code_challenge", challenge()),
            ("code_challenge_method", "S256".into()),
            ("nonce", "n-1".into()),
        ]
    }

    /// GET /auth/authorize; the status and the redirect's query, if it redirected.
    async fn authorize(&self, params: &[(&str, String)]) -> (u16, Option<HashMap<String, String>>) {
        let r = self.http.get(format!("{}/auth/authorize", self.base())).query(params).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        let query = location.map(|l| {
            assert!(l.starts_with(REDIRECT) || l.starts_with("http://127.0.0.1:4420/cb"), "redirected to {l}");
            url::Url::parse(&l).unwrap().query_pairs().into_owned().collect()
        });
        (status, query)
    }

    async fn code(&self) -> String {
        let (_, launch) = self.launch("fallrisiko");
        let (status, q) = self.authorize(&self.authorize_params(&launch)).await;
        assert_eq!(status, 302);
        q.unwrap()["code"].clone()
    }

    async fn token(&self, form: &[(&str, &str)]) -> (u16, Value, reqwest::header::HeaderMap) {
        let r = self.http.post(format!("{}/auth/token", self.base())).form(form).send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, r.json().await.unwrap_or(Value::Null), headers)
    }

    async fn exchange(&self, code: &str) -> (u16, Value, reqwest::header::HeaderMap) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", "fallrisiko"),
        ])
        .await
    }

    fn assertion(&self, key: &AppKey, change: impl FnOnce(&mut Value)) -> String {
        let now = self.clock_now();
        let mut claims = json!({"iss": "kurve", "sub": "kurve", "aud": format!("{}/auth/token", self.base()),
            "exp": now + 240, "iat": now, "jti": format!("jti-{}", rand_suffix())});
        change(&mut claims);
        key.sign(&claims)
    }

    /// A confidential app's code for a token, authenticated by `assertion`.
    async fn confidential_exchange(&self, code: String, assertion: String) -> (u16, Value) {
        let (status, body, _) = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:4420/cb"),
                ("code_verifier", VERIFIER),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", &assertion),
            ])
            .await;
        (status, body)
    }

    /// An authorization code for the confidential app.
    async fn kurve_code(&self) -> String {
        self.confidential_code("kurve").await
    }

    /// An authorization code for the confidential app registered as `app_id`.
    async fn confidential_code(&self, app_id: &str) -> String {
        let (_, launch) = self.launch(app_id);
        let mut params = self.authorize_params(&launch);
        for (k, v) in params.iter_mut() {
            match *k {
                "client_id" => *v = app_id.into(),
                "redirect_uri" => *v = "http://127.0.0.1:4420/cb".into(),
                "scope" => *v = "launch patient/Observation.rs".into(),
                _ => {}
            }
        }
        let (_, q) = self.authorize(&params).await;
        q.unwrap()["code"].clone()
    }

    fn clock_now(&self) -> i64 {
        use clock::Clock;
        self.clock.now().timestamp()
    }
}

fn rand_suffix() -> String {
    let mut b = [0u8; 8];
    rand::fill(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

fn error_of(q: &Option<HashMap<String, String>>) -> (&str, &str) {
    let q = q.as_ref().expect("a redirect back to the app");
    (q["error"].as_str(), q.get("state").map(String::as_str).unwrap_or(""))
}

#[tokio::test]
async fn discovery_offers_the_clinician_ehr_launch_set_to_any_origin() {
    let f = fixture().await;
    let r = f.http.get(format!("{}/.well-known/smart-configuration", f.host.iss())).send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let config: Value = r.json().await.unwrap();
    let caps: Vec<&str> = config["capabilities"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for needed in [
        "launch-ehr",
        "client-public",
        "client-confidential-asymmetric",
        "context-ehr-patient",
        "context-ehr-encounter",
        "permission-user",
        "permission-patient",
        "sso-openid-connect",
        "context-banner",
        "context-style",
        "permission-v2",
    ] {
        assert!(caps.contains(&needed), "{needed}");
    }
    assert_eq!(config["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(config["issuer"], f.host.iss());
    for endpoint in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
        assert!(config[endpoint].as_str().unwrap().starts_with("http://127.0.0.1:"), "{endpoint} absolute, loopback");
    }
    assert!(config["token_endpoint_auth_signing_alg_values_supported"].as_array().unwrap().contains(&json!("ES384")));
}

#[tokio::test]
async fn a_public_app_gets_the_patient_in_context_and_an_id_token_naming_the_clinician() {
    let f = fixture().await;
    let (iss, launch) = f.launch("fallrisiko");
    assert_eq!(iss, f.host.iss());
    let (status, q) = f.authorize(&f.authorize_params(&launch)).await;
    assert_eq!(status, 302);
    let q = q.unwrap();
    assert_eq!(q["state"], "s-123");

    let (status, body, headers) = f.exchange(&q["code"]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["patient"], "pas-1");
    assert_eq!(body["encounter"], "opphold-1");
    assert_eq!(body["need_patient_banner"], false, "inside the overview, under our banner");
    assert_eq!(body["appContext"], "{\"grunn\":\"sovemiddel\"}", "the launch's appContext, as given");
    assert_eq!(body["expires_in"], 900);
    // Asked for everything; got what IT allows, and nothing of user/.
    assert_eq!(body["scope"], "launch openid fhirUser online_access patient/Patient.r patient/Observation.crs");
    let style: Value =
        f.http.get(body["smart_style_url"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    assert!(style["color_highlight"].as_str().unwrap().starts_with('#'));

    // The id_token: signed by the host's key (from its jwks), naming the clinician.
    let id_token = body["id_token"].as_str().unwrap();
    let jwks: jsonwebtoken::jwk::JwkSet =
        f.http.get(format!("{}/auth/jwks", f.base())).send().await.unwrap().json().await.unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(&kid).unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(Algorithm::ES256);
    v.set_audience(&["fallrisiko"]);
    v.set_issuer(&[f.host.iss()]);
    v.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &v).unwrap().claims;
    assert_eq!(claims["fhirUser"], format!("{}/Practitioner/prac-7", f.host.iss()));
    assert_eq!(claims["nonce"], "n-1");

    // A refresh token works once, within the session.
    let refresh = body["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "fallrisiko")];
    let (status, again, _) = f.token(&form).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["patient"], "pas-1");
    let (status, spent, _) = f.token(&form).await;
    assert_eq!((status, spent["error"].as_str()), (400, Some("invalid_grant")), "a refresh token rotates");

    // POST to the authorization endpoint works as GET does.
    let (_, launch) = f.launch("fallrisiko");
    let r =
        f.http.post(format!("{}/auth/authorize", f.base())).form(&f.authorize_params(&launch)).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(r.headers()["location"].to_str().unwrap().contains("code="));
}

#[tokio::test]
async fn a_request_that_cannot_be_trusted_with_a_redirect_gets_a_page_and_goes_nowhere() {
    let f = fixture().await;
    let (_, launch) = f.launch("fallrisiko");
    let with = |name: &str, value: &str| {
        let mut p = f.authorize_params(&launch);
        p.retain(|(k, _)| *k != name);
        p.push((Box::leak(name.to_string().into_boxed_str()), value.to_string()));
        p
    };
    for params in [
        with("client_id", "someone-else"),
        with("redirect_uri", "http://127.0.0.1:4410/app.html/../evil"),
        with("redirect_uri", "http://127.0.0.1:4410/app.html?next=evil"),
        with("redirect_uri", "https://evil.example/app.html"),
        {
            let mut p = f.authorize_params(&launch);
            p.push(("redirect_uri", "https://evil.example/app.html".into()));
            p
        },
    ] {
        let (status, q) = f.authorize(&params).await;
        assert_eq!((status, q.is_some()), (400, false), "{params:?}");
    }
    // None of that used the launch up.
    assert_eq!(f.authorize(&f.authorize_params(&launch)).await.0, 302);
}

#[tokio::test]
async fn bad_pkce_aud_state_scope_and_launches_are_sent_back_to_the_app_as_errors() {
    let f = fixture().await;
    let changed = |launch: &str, name: &str, value: Option<&str>| {
        let mut p = f.authorize_params(launch);
        p.retain(|(k, _)| *k != name);
        if let Some(v) = value {
            p.push((Box::leak(name.to_string().into_boxed_str()), v.to_string()));
        }
        p
    };
    let (_, launch) = f.launch("fallrisiko");
    let cases = [
        (changed(&launch, "code_challenge_method", Some("plain")), "invalid_request"),
        (changed(&launch, "code_challenge_method", None), "invalid_request"),
        (changed(&launch, "code_challenge", None), "invalid_request"),
        (changed(&launch, "code_challenge", Some("short")), "invalid_request"),
        (changed(&launch, "aud", Some("https://fhir.example/other")), "invalid_request"),
        (changed(&launch, "aud", None), "invalid_request"),
        (changed(&launch, "response_type", Some("token")), "unsupported_response_type"),
        (changed(&launch, "scope", Some("user/*.cruds patient/MedicationRequest.rs system/*.rs")), "invalid_scope"),
        (changed(&launch, "launch", None), "invalid_request"),
        (changed(&launch, "launch", Some("made-up")), "invalid_request"),
    ];
    for (params, expected) in cases {
        let (status, q) = f.authorize(&params).await;
        assert_eq!(status, 302);
        assert_eq!(error_of(&q), (expected, "s-123"), "{params:?}");
    }
    let (status, q) = f.authorize(&changed(&launch, "state", None)).await;
    assert_eq!((status, error_of(&q).0), (302, "invalid_request"), "state is required");

    // The launch survived the bad requests: used once, then never again.
    assert_eq!(f.authorize(&f.authorize_params(&launch)).await.0, 302);
    let (_, q) = f.authorize(&f.authorize_params(&launch)).await;
    assert_eq!(error_of(&q).0, "invalid_request", "a launch is single-use");

    // Expired, and another app's.
    let (_, late) = f.launch("fallrisiko");
    f.clock.advance(Duration::minutes(3));
    assert_eq!(error_of(&f.authorize(&f.authorize_params(&late)).await.1).0, "invalid_request");
    let (_, theirs) = f.launch("kurve");
    assert_eq!(error_of(&f.authorize(&f.authorize_params(&theirs)).await.1).0, "invalid_request");
}

#[tokio::test]
async fn a_code_is_good_once_in_time_for_its_app_with_its_verifier_and_redirect() {
    let f = fixture().await;
    let code = f.code().await;
    let attempt = |code: String, verifier: &'static str, redirect: &'static str, client: &'static str| {
        let f = &f;
        async move {
            let (status, body, _) = f
                .token(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier),
                    ("client_id", client),
                ])
                .await;
            (status, body["error"].as_str().unwrap_or_default().to_string())
        }
    };
    let wrong_verifier = "x".repeat(43).leak();
    assert_eq!(attempt(code.clone(), wrong_verifier, REDIRECT, "fallrisiko").await, (400, "invalid_grant".into()));
    // A failed attempt spends the code: no guessing the verifier.
    assert_eq!(attempt(code, VERIFIER, REDIRECT, "fallrisiko").await, (400, "invalid_grant".into()));

    let code = f.code().await;
    let other_redirect = "http://127.0.0.1:4410/other.html";
    assert_eq!(attempt(code, VERIFIER, other_redirect, "fallrisiko").await, (400, "invalid_grant".into()));

    let code = f.code().await;
    assert_eq!(attempt(code.clone(), VERIFIER, REDIRECT, "kurve").await.1, "invalid_client", "kurve must sign");
    assert_eq!(attempt(code.clone(), VERIFIER, REDIRECT, "fallrisiko").await.0, 200);
    assert_eq!(attempt(code, VERIFIER, REDIRECT, "fallrisiko").await, (400, "invalid_grant".into()), "used once");

    let code = f.code().await;
    f.clock.advance(Duration::seconds(61));
    assert_eq!(attempt(code, VERIFIER, REDIRECT, "fallrisiko").await, (400, "invalid_grant".into()), "expired");
}

#[tokio::test]
async fn garbage_oversized_and_foreign_origin_requests_are_refused() {
    let f = fixture().await;
    let url = format!("{}/auth/token", f.base());
    let json_body = f.http.post(&url).json(&json!({"grant_type": "authorization_code"})).send().await.unwrap();
    assert_eq!(json_body.status(), 400);
    assert_eq!(json_body.json::<Value>().await.unwrap()["error"], "invalid_request");
    let (status, body, _) = f.token(&[("grant_type", "password"), ("client_id", "fallrisiko")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
    let (status, body, _) = f.token(&[("grant_type", "authorization_code"), ("client_id", "nobody")]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));

    // 50 MB: refused without being read into memory.
    let huge = vec![b'a'; 50 * 1024 * 1024];
    let r = f.http.post(&url).header("content-type", "application/x-www-form-urlencoded").body(huge).send().await;
    assert!(r.map(|r| r.status().is_client_error()).unwrap_or(true), "an oversized body is refused");

    // CORS: the app's own origin only.
    let preflight = |origin: &'static str| {
        f.http
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = preflight(PUBLIC_ORIGIN).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], PUBLIC_ORIGIN);
    assert_eq!(preflight("https://evil.example").await.unwrap().status(), 403);
    let code = f.code().await;
    let r = f
        .http
        .post(&url)
        .header("origin", "http://127.0.0.1:4420")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", "fallrisiko"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "another registered app's origin is still not this app's");
    assert!(
        r.headers().get("access-control-allow-origin").is_none()
            || r.headers()["access-control-allow-origin"] != PUBLIC_ORIGIN
    );
}

#[tokio::test]
async fn a_confidential_app_signs_its_assertion_as_smart_requires_and_never_twice() {
    let f = fixture().await;
    let exchange = |code: String, assertion: String| f.confidential_exchange(code, assertion);
    for key in [&f.es384, &f.rs384] {
        let (status, body) = exchange(f.kurve_code().await, f.assertion(key, |_| {})).await;
        assert_eq!(status, 200, "{:?}: {body}", key.alg);
        assert_eq!(body["scope"], "launch patient/Observation.rs");
        assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none(), "not granted: {body}");
    }

    let helseid_style = format!("{}/fhir", f.base());
    let stranger = AppKey::es384("kurve-ec");
    let refusals: Vec<(&str, String)> = vec![
        ("aud = the issuer (HelseID's rule, not SMART's)", f.assertion(&f.es384, |c| c["aud"] = json!(helseid_style))),
        ("exp ten minutes ahead", f.assertion(&f.es384, |c| c["exp"] = json!(f.clock_now() + 600))),
        ("expired", f.assertion(&f.es384, |c| c["exp"] = json!(f.clock_now() - 1))),
        ("no jti", f.assertion(&f.es384, |c| c["jti"] = json!(""))),
        ("another sub", f.assertion(&f.es384, |c| c["sub"] = json!("fallrisiko"))),
        (
            "signed by an unregistered key with a registered kid",
            stranger.sign(&json!({"iss": "kurve", "sub": "kurve",
            "aud": format!("{}/auth/token", f.base()), "exp": f.clock_now() + 60, "jti": "x1"})),
        ),
        ("HS256", {
            let claims = json!({"iss": "kurve", "sub": "kurve", "aud": format!("{}/auth/token", f.base()),
                "exp": f.clock_now() + 60, "jti": "x2"});
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(b"guess")).unwrap()
        }),
        (
            "a public app pretending",
            f.assertion(&f.es384, |c| {
                c["iss"] = json!("fallrisiko");
                c["sub"] = json!("fallrisiko");
            }),
        ),
        ("not a JWT", "garbage".into()),
    ];
    for (what, assertion) in refusals {
        let (status, body) = exchange(f.kurve_code().await, assertion).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{what}: {body}");
    }

    // The same assertion twice: the second is a replay.
    let assertion = f.assertion(&f.es384, |_| {});
    assert_eq!(exchange(f.kurve_code().await, assertion.clone()).await.0, 200);
    let (status, body) = exchange(f.kurve_code().await, assertion).await;
    assert_eq!(status, 401);
    assert!(body["error_description"].as_str().unwrap().contains("jti"), "{body}");
}

#[tokio::test]
async fn what_the_host_issued_ends_with_the_session_and_the_patient() {
    let f = fixture().await;
    let (_, first, _) = f.exchange(&f.code().await).await;
    let (_, second, _) = f.exchange(&f.code().await).await;
    assert_eq!(f.host.live_tokens(), 4, "two access and two refresh tokens");
    f.host.close_patient("pas-1");
    assert_eq!(f.host.live_tokens(), 0);
    let refresh = |body: &Value| {
        let token = body["refresh_token"].as_str().unwrap().to_string();
        let f = &f;
        async move {
            f.token(&[("grant_type", "refresh_token"), ("refresh_token", &token), ("client_id", "fallrisiko")]).await.0
        }
    };
    assert_eq!(refresh(&first).await, 400);

    let (_, third, _) = f.exchange(&f.code().await).await;
    let (_, launch) = f.launch("fallrisiko");
    f.host.end_session();
    assert_eq!(f.host.live_tokens(), 0);
    assert_eq!(refresh(&third).await, 400, "sign-out, lock or user switch ends refresh");
    assert_eq!(refresh(&second).await, 400);
    let (_, q) = f.authorize(&f.authorize_params(&launch)).await;
    assert_eq!(error_of(&q).0, "invalid_request", "a launch from the ended session is dead");
}

#[tokio::test]
async fn a_confidential_app_with_a_jwks_uri_is_checked_against_the_keys_it_publishes() {
    let f = fixture().await;
    let exchange = |code: String, assertion: String| {
        let f = &f;
        async move {
            let (status, body) = f.confidential_exchange(code, assertion).await;
            (status, body["error_description"].as_str().unwrap_or_default().to_string())
        }
    };
    let signed = |f: &Fixture| {
        f.assertion(&f.es384, |c| {
            c["iss"] = json!("kurve-uri");
            c["sub"] = json!("kurve-uri");
        })
    };
    assert_eq!(exchange(f.confidential_code("kurve-uri").await, signed(&f)).await.0, 200);

    let published = f.published.clone();
    let publish = |status: u16, body: String| *published.lock().unwrap() = (status, body);
    let cases = [
        (500, "{}".to_string(), "answered 500"),
        (200, format!("{{\"keys\": [], \"padding\": \"{}\"}}", "x".repeat(1024 * 1024)), "more than"),
        (200, json!({"keys": [f.rs384.public_jwk]}).to_string(), "no registered key"),
        (200, "not json".into(), "registered keys"),
    ];
    for (status, body, said) in cases {
        publish(status, body);
        let (code, why) = exchange(f.confidential_code("kurve-uri").await, signed(&f)).await;
        assert_eq!(code, 401, "{said}");
        assert!(why.contains(said), "{said}: {why}");
    }
}
