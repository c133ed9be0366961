//! The sandbox's CDS Hooks service over HTTP: client JWTs, discovery, hook calls with
//! and without prefetch (and the FHIR fallback), feedback, and faults. Time is the
//! sandbox's clock, started at the tests' fixed instant.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Datelike;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair};
use sandbox::faults::{Fault, Service};
use sandbox::{Sandbox, SandboxOptions};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const ISS: &str = "https://arbeidsflate.example/cds-klient";
const PATIENT: &str = "pas-3";

/// A CDS client's key pair, as the workspace would hold it.
struct ClientKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    public_jwk: Value,
}

impl ClientKey {
    fn ec(kid: &str, curve: &'static EcdsaSigningAlgorithm, crv: &str, alg: Algorithm) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(curve, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(curve, pkcs8.as_ref(), &rng).unwrap();
        // An uncompressed point: 0x04, then x and y of equal length.
        let point = pair.public_key().as_ref();
        let half = (point.len() - 1) / 2;
        Self {
            kid: kid.into(),
            alg,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            public_jwk: json!({"kty": "EC", "crv": crv, "kid": kid, "use": "sig",
                "x": URL_SAFE_NO_PAD.encode(&point[1..=half]), "y": URL_SAFE_NO_PAD.encode(&point[1 + half..])}),
        }
    }

    fn p384(kid: &str) -> Self {
        Self::ec(kid, &ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING, "P-384", Algorithm::ES384)
    }

    fn p256(kid: &str) -> Self {
        Self::ec(kid, &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING, "P-256", Algorithm::ES256)
    }

    fn rsa(kid: &str) -> Self {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        Self {
            kid: kid.into(),
            alg: Algorithm::RS384,
            encoding: EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes()),
            public_jwk: json!({"kty": "RSA", "kid": kid, "alg": "RS384",
                "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()), "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be())}),
        }
    }

    fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        header
    }

    fn sign(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap()
    }

    /// A token as the specification describes it: this key, `aud`, a minute to live.
    fn token(&self, sb: &Sandbox, aud: &str) -> String {
        self.sign(&self.header(), &claims(sb, aud))
    }
}

fn claims(sb: &Sandbox, aud: &str) -> Value {
    let now = sb.clock.unix_seconds();
    json!({"iss": ISS, "aud": aud, "iat": now, "exp": now + 60, "jti": sandbox::cds_rules::uuid_v4()})
}

/// A sandbox standing still at the tests' instant: a token's times are exactly as written.
fn fixed_time() -> SandboxOptions {
    SandboxOptions { clock: clock::FixedClock::shared(clock::matrix::test_now()), ..SandboxOptions::default() }
}

struct Setup {
    sb: Sandbox,
    http: reqwest::Client,
    key: ClientKey,
}

impl Setup {
    async fn new() -> Self {
        let sb = Sandbox::start(fixed_time()).await.unwrap();
        // After the sandbox: it installs the process's TLS crypto provider reqwest needs.
        let http = reqwest::Client::new();
        let key = ClientKey::p384("arbeidsflate-1");
        let setup = Self { sb, http, key };
        setup.register(&setup.key.public_jwk).await;
        setup
    }

    async fn register(&self, jwk: &Value) {
        let response = self
            .http
            .post(format!("{}/sandbox/register-client", self.sb.cds_url))
            .json(&json!({"iss": ISS, "jwk": jwk}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    fn discovery_url(&self) -> String {
        format!("{}/cds-services", self.sb.cds_url)
    }

    fn service_url(&self) -> String {
        format!("{}/cds-services/klinisk-vurdering", self.sb.cds_url)
    }

    fn feedback_url(&self) -> String {
        format!("{}/feedback", self.service_url())
    }

    async fn call_with(&self, url: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self.http.post(url).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    /// A hook call with a fresh valid token.
    async fn call(&self, body: &Value) -> (StatusCode, Value) {
        let token = self.key.token(&self.sb, &self.service_url());
        self.call_with(&self.service_url(), Some(&token), body).await
    }
}

fn hook_body(prefetch: Option<Value>) -> Value {
    let mut body = json!({
        "hook": "patient-view", "hookInstance": sandbox::cds_rules::uuid_v4(),
        "context": {"userId": "Practitioner/hp-1", "patientId": PATIENT}
    });
    if let Some(prefetch) = prefetch {
        body["prefetch"] = prefetch;
    }
    body
}

fn searchset(resources: Vec<Value>) -> Value {
    let entry: Vec<Value> = resources.into_iter().map(|r| json!({"resource": r})).collect();
    json!({"resourceType": "Bundle", "type": "searchset", "entry": entry})
}

fn vital(loinc: &str, at: &str, value: Value) -> Value {
    let mut o = json!({
        "resourceType": "Observation", "status": "final", "effectiveDateTime": at,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "subject": {"reference": format!("Patient/{PATIENT}")},
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]}
    });
    o.as_object_mut().unwrap().extend(value.as_object().unwrap().clone());
    o
}

/// Readings of yesterday, in the sandbox's day, giving NEWS2 7 (rr 3, SpO2 1, systolic 1, pulse 2).
fn alarming_vitals(sb: &Sandbox) -> Vec<Value> {
    let at = format!("{}T18:00:00+01:00", sb.today.pred_opt().unwrap());
    let q = |v: f64| json!({"valueQuantity": {"value": v}});
    let loinc = |code: &str| json!({"coding": [{"system": "http://loinc.org", "code": code}]});
    vec![
        vital("9279-1", &at, q(26.0)),
        vital("59408-5", &at, q(94.0)),
        vital("85354-9", &at, json!({"component": [{"code": loinc("8480-6"), "valueQuantity": {"value": 105}}]})),
        vital("8867-4", &at, q(115.0)),
        vital(
            "80288-4",
            &at,
            json!({"valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "248234008"}]}}),
        ),
        vital("8310-5", &at, q(36.8)),
    ]
}

fn statement(atc: &str, name: &str, status: &str) -> Value {
    json!({
        "resourceType": "MedicationStatement", "status": status,
        "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": atc, "display": name}], "text": name},
        "subject": {"reference": format!("Patient/{PATIENT}")}
    })
}

fn penicillin_allergy() -> Value {
    json!({
        "resourceType": "AllergyIntolerance", "meta": {"source": "Kjernejournal"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "373270004"}]},
        "patient": {"reference": format!("Patient/{PATIENT}")}
    })
}

/// Someone who turned 85 this year, on sleeping pills and amoxicillin, allergic to
/// penicillin, with alarming readings: every rule fires.
fn full_prefetch(sb: &Sandbox) -> Value {
    let birth = sb.today.with_year(sb.today.year() - 85).unwrap_or(sb.today);
    json!({
        "patient": {"resourceType": "Patient", "id": PATIENT, "birthDate": birth.to_string()},
        "vitals": searchset(alarming_vitals(sb)),
        "medications": searchset(vec![
            statement("N05CF01", "Zopiklon 5 mg tablett", "active"),
            statement("J01CA04", "Amoksicillin 500 mg kapsel", "active"),
        ]),
        "allergies": searchset(vec![penicillin_allergy()])
    })
}

fn refusal(status: StatusCode, body: &Value) -> (StatusCode, &str, &str) {
    (status, body["error"].as_str().unwrap_or_default(), body["error_description"].as_str().unwrap_or_default())
}

#[tokio::test]
async fn discovery_needs_a_client_jwt_for_its_own_url_and_lists_the_service() {
    let s = Setup::new().await;
    let response = s.http.get(s.discovery_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_token");

    let for_the_service = s.key.token(&s.sb, &s.service_url());
    let response = s.http.get(s.discovery_url()).bearer_auth(for_the_service).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "aud is the URL called, exactly");

    let token = s.key.token(&s.sb, &s.discovery_url());
    let response = s.http.get(s.discovery_url()).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    let services = doc["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["id"], "klinisk-vurdering");
    assert_eq!(services[0]["hook"], "patient-view");
    assert_eq!(services[0]["prefetch"]["vitals"], "Observation?patient={{context.patientId}}&category=vital-signs");
}

#[tokio::test]
async fn each_flaw_in_the_client_jwt_is_refused_with_its_reason_before_anything_else() {
    let s = Setup::new().await;
    let url = s.service_url();
    let now = s.sb.clock.unix_seconds();
    let key = &s.key;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims(&s.sb, &url);
        edit(&mut c);
        key.sign(&key.header(), &c)
    };
    let unsigned = |alg: &str| {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT", "kid": key.kid}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims(&s.sb, &url).to_string());
        format!("{header}.{payload}.")
    };
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, &claims(&s.sb, &url), &EncodingKey::from_secret(b"delt hemmelighet")).unwrap()
    };
    let with_header = |edit: &dyn Fn(&mut Header)| {
        let mut header = key.header();
        edit(&mut header);
        key.sign(&header, &claims(&s.sb, &url))
    };
    let stranger = ClientKey::p384("arbeidsflate-1");
    let p256 = ClientKey::p256("arbeidsflate-1");
    let replayed = key.token(&s.sb, &url);
    let (status, _) = s.call_with(&url, Some(&replayed), &hook_body(Some(full_prefetch(&s.sb)))).await;
    assert_eq!(status, StatusCode::OK, "the token is good the first time");

    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("no bearer token", None, "no Authorization header"),
        ("wrong aud", Some(with(&|c| c["aud"] = json!(s.discovery_url()))), "aud must be exactly"),
        ("aud with a trailing slash", Some(with(&|c| c["aud"] = json!(format!("{url}/")))), "aud must be exactly"),
        ("expired", Some(with(&|c| (c["iat"], c["exp"]) = (json!(now - 400), json!(now - 100)))), "expired"),
        ("exp too far ahead", Some(with(&|c| (c["iat"], c["exp"]) = (json!(now), json!(now + 3600)))), "lives 3600 s"),
        ("iat in the future", Some(with(&|c| (c["iat"], c["exp"]) = (json!(now + 600), json!(now + 660)))), "future"),
        ("no jti", Some(with(&|c| drop(c.as_object_mut().unwrap().remove("jti")))), "jti"),
        ("replayed jti", Some(replayed.clone()), "used before"),
        ("unknown iss", Some(with(&|c| c["iss"] = json!("https://ukjent.example"))), "not a registered client"),
        ("unknown kid", Some(with_header(&|h| h.kid = Some("en-annen".into()))), "kid en-annen is not registered"),
        ("no kid", Some(with_header(&|h| h.kid = None)), "needs a kid"),
        ("alg none", Some(unsigned("none")), "alg none"),
        ("HS256", Some(hs256), "symmetric"),
        ("PS384", Some(unsigned("PS384")), "not accepted"),
        ("a jku header", Some(with_header(&|h| h.jku = Some("https://ukjent.example/jwks".into()))), "jku"),
        ("typ other than JWT", Some(with_header(&|h| h.typ = Some("at+jwt".into()))), "typ must be JWT"),
        ("signed by another key", Some(stranger.token(&s.sb, &url)), "signature does not verify"),
        ("an algorithm that does not fit the key", Some(p256.token(&s.sb, &url)), "does not fit"),
        ("not a JWT", Some("abc".into()), "not a signed JWT"),
    ];
    // A body the service would refuse with 400: a 401 shows the token was judged first.
    let bad_body = json!({"hook": "patient-view"});
    for (case, token, reason) in cases {
        let (status, body) = s.call_with(&url, token.as_deref(), &bad_body).await;
        let (status, error, description) = refusal(status, &body);
        assert_eq!((status, error), (StatusCode::UNAUTHORIZED, "invalid_token"), "{case}: {description}");
        assert!(description.contains(reason), "{case}: {description}");
    }
    let basic = s.http.post(&url).header("Authorization", "Basic YTpi").json(&bad_body).send().await.unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn es384_es256_and_rs384_keys_are_all_accepted_and_a_kid_can_be_replaced() {
    let s = Setup::new().await;
    let p256 = ClientKey::p256("arbeidsflate-p256");
    let rsa = ClientKey::rsa("arbeidsflate-rsa");
    s.register(&p256.public_jwk).await;
    s.register(&rsa.public_jwk).await;
    for key in [&s.key, &p256, &rsa] {
        let token = key.token(&s.sb, &s.service_url());
        let (status, body) = s.call_with(&s.service_url(), Some(&token), &hook_body(Some(full_prefetch(&s.sb)))).await;
        assert_eq!(status, StatusCode::OK, "{:?}: {body}", key.alg);
    }
    // The workspace rotates its key under the same kid: the old one no longer verifies.
    let rotated = ClientKey::p384("arbeidsflate-1");
    s.register(&rotated.public_jwk).await;
    let (status, _) = s.call(&hook_body(Some(full_prefetch(&s.sb)))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = rotated.token(&s.sb, &s.service_url());
    let (status, _) = s.call_with(&s.service_url(), Some(&token), &hook_body(Some(full_prefetch(&s.sb)))).await;
    assert_eq!(status, StatusCode::OK);

    let mut private = s.key.public_jwk.clone();
    private["d"] = json!("aGVtbWVsaWc");
    let response = s
        .http
        .post(format!("{}/sandbox/register-client", s.sb.cds_url))
        .json(&json!({"iss": ISS, "jwk": private}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "a private key is never taken");
}

#[tokio::test]
async fn a_call_with_everything_prefetched_gets_the_three_cards() {
    let s = Setup::new().await;
    let before = s.sb.cds_hook_calls();
    let (status, body) = s.call(&hook_body(Some(full_prefetch(&s.sb)))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s.sb.cds_hook_calls(), before + 1);
    let cards = body["cards"].as_array().unwrap();
    let summaries: Vec<&str> = cards.iter().map(|c| c["summary"].as_str().unwrap()).collect();
    assert_eq!(
        summaries,
        [
            "NEWS2 7: behov for rask klinisk vurdering",
            "Allergi mot penicillin, men Amoksicillin 500 mg kapsel står på legemiddellisten",
            "Over 80 år og bruker Zopiklon 5 mg tablett: vurder fallrisiko",
        ]
    );
    for card in cards {
        assert_eq!(
            card["source"],
            json!({"label": "Sandkassens beslutningsstøtte", "url": format!("{}/om", s.sb.cds_url)})
        );
    }
    let task = &cards[0]["suggestions"][0]["actions"][0]["resource"];
    assert_eq!(task["for"]["reference"], format!("Patient/{PATIENT}"));
    assert_eq!(
        task["authoredOn"].as_str().and_then(clock::parse_instant),
        Some(clock::matrix::test_now()),
        "stamped by the sandbox's clock"
    );
    assert!(cards[1]["detail"].as_str().unwrap().contains("Kjernejournal"));
    let link = &cards[2]["links"][0];
    assert_eq!(link["url"], format!("{}/launch.html", s.sb.sample_app_url));
    assert_eq!((&link["type"], &link["appContext"]), (&json!("smart"), &json!("{\"grunn\":\"sovemiddel\"}")));

    // The card's source page is there for a browser.
    let about = s.http.get(format!("{}/om", s.sb.cds_url)).send().await.unwrap();
    assert_eq!(about.status(), StatusCode::OK);
}

#[tokio::test]
async fn null_prefetch_means_no_data_and_gives_no_cards() {
    let s = Setup::new().await;
    let prefetch = json!({"patient": null, "vitals": null, "medications": null, "allergies": null});
    let (status, body) = s.call(&hook_body(Some(prefetch))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"cards": []})));
}

#[tokio::test]
async fn missing_prefetch_without_a_fhir_server_is_412_naming_the_keys() {
    let s = Setup::new().await;
    let mut prefetch = full_prefetch(&s.sb);
    prefetch.as_object_mut().unwrap().remove("vitals");
    // An OperationOutcome is the client saying it could not prefetch: just as missing.
    prefetch["allergies"] =
        json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]});
    let (status, body) = s.call(&hook_body(Some(prefetch))).await;
    let (status, _, description) = refusal(status, &body);
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{description}");
    assert!(description.contains("vitals, allergies"), "{description}");
    assert!(!description.contains("medications"), "{description}");
}

#[tokio::test]
async fn malformed_and_oversized_calls_and_unknown_services_are_refused() {
    let s = Setup::new().await;
    let mut no_patient = hook_body(Some(full_prefetch(&s.sb)));
    no_patient["context"].as_object_mut().unwrap().remove("patientId");
    let (status, body) = s.call(&no_patient).await;
    assert_eq!(refusal(status, &body), (StatusCode::BAD_REQUEST, "invalid_request", "context.patientId is required"));

    let token = s.key.token(&s.sb, &s.service_url());
    let response =
        s.http.post(s.service_url()).bearer_auth(token).body("{\"hook\": ").header("content-type", "application/json");
    let response = response.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Another patient's resource in the prefetch is the client's mistake, not data.
    let mut mixed = full_prefetch(&s.sb);
    mixed["medications"]["entry"][0]["resource"]["subject"]["reference"] = json!("Patient/pas-4");
    let (status, body) = s.call(&hook_body(Some(mixed))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let mut huge = hook_body(None);
    huge["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let (status, body) = s.call(&huge).await;
    assert_eq!(refusal(status, &body).0, StatusCode::PAYLOAD_TOO_LARGE);

    let other = format!("{}/cds-services/en-annen", s.sb.cds_url);
    let token = s.key.token(&s.sb, &other);
    let (status, body) = s.call_with(&other, Some(&token), &hook_body(None)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_service")));
}

#[tokio::test]
async fn feedback_is_recorded_with_either_audience_and_a_wrong_shape_is_400() {
    let s = Setup::new().await;
    let (_, answer) = s.call(&hook_body(Some(full_prefetch(&s.sb)))).await;
    let card = &answer["cards"][0];
    let accepted = json!({"feedback": [{
        "card": card["uuid"], "outcome": "accepted",
        "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
        "outcomeTimestamp": "2026-11-22T08:05:31Z"
    }]});
    let token = s.key.token(&s.sb, &s.feedback_url());
    let (status, _) = s.call_with(&s.feedback_url(), Some(&token), &accepted).await;
    assert_eq!(status, StatusCode::OK);

    let overridden = json!({"feedback": [{
        "card": answer["cards"][1]["uuid"], "outcome": "overridden",
        "overrideReason": {"reason": answer["cards"][1]["overrideReasons"][0], "userComment": "Vurdert i dag"},
        "outcomeTimestamp": "2026-11-22T08:06:00Z"
    }]});
    let token = s.key.token(&s.sb, &s.service_url());
    let (status, _) = s.call_with(&s.feedback_url(), Some(&token), &overridden).await;
    assert_eq!(status, StatusCode::OK, "the service URL is an accepted audience too");

    let wrong = json!({"feedback": [{"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-22T08:07:00Z"}]});
    let token = s.key.token(&s.sb, &s.feedback_url());
    let (status, body) = s.call_with(&s.feedback_url(), Some(&token), &wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let token = s.key.token(&s.sb, &s.discovery_url());
    let (status, _) = s.call_with(&s.feedback_url(), Some(&token), &accepted).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let recorded = s.sb.cds_feedback();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0]["outcome"], "accepted");
    assert_eq!(recorded[0]["card"], card["uuid"]);
    assert_eq!(recorded[1]["overrideReason"]["reason"]["code"], "toleranse-dokumentert");
}

#[tokio::test]
async fn the_service_can_be_switched_into_a_fault_and_back() {
    let s = Setup::new().await;
    s.sb.set_fault(Service::Cds, Some(Fault::ServerError));
    let (status, _) = s.call(&hook_body(Some(full_prefetch(&s.sb)))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    s.sb.set_fault(Service::Cds, Some(Fault::MalformedJson));
    let token = s.key.token(&s.sb, &s.service_url());
    let response = s.http.post(s.service_url()).bearer_auth(token).json(&hook_body(None)).send().await.unwrap();
    assert!(response.json::<Value>().await.is_err());
    s.sb.set_fault(Service::Cds, None);
    let (status, _) = s.call(&hook_body(Some(full_prefetch(&s.sb)))).await;
    assert_eq!(status, StatusCode::OK);
}

/// A client's FHIR server for the fallback: answers only its bearer token, pages the
/// vital signs, and records what it was asked.
#[derive(Clone)]
struct FakeFhir {
    token: &'static str,
    base: String,
    resources: Arc<Value>,
    asked: Arc<Mutex<Vec<String>>>,
}

async fn fake_fhir(resources: Value) -> FakeFhir {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/fhir", listener.local_addr().unwrap());
    let fake =
        FakeFhir { token: "klientens-token", base, resources: Arc::new(resources), asked: Arc::new(Mutex::default()) };
    let app = Router::new()
        .route("/fhir/{rtype}", get(fake_search))
        .route("/fhir/{rtype}/{id}", get(fake_read))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    fake
}

fn authorised(fake: &FakeFhir, headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {}", fake.token))
}

async fn fake_read(
    State(fake): State<FakeFhir>,
    Path((rtype, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    fake.asked.lock().unwrap().push(format!("{rtype}/{id}"));
    if !authorised(&fake, &headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({})));
    }
    match fake.resources["patient"].clone() {
        p if rtype == "Patient" && p["id"] == id.as_str() => (StatusCode::OK, Json(p)),
        _ => (StatusCode::NOT_FOUND, Json(json!({}))),
    }
}

async fn fake_search(
    State(fake): State<FakeFhir>,
    Path(rtype): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let query = query.unwrap_or_default();
    fake.asked.lock().unwrap().push(format!("{rtype}?{query}"));
    if !authorised(&fake, &headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({})));
    }
    if !query.starts_with(&format!("patient={PATIENT}")) {
        return (StatusCode::OK, Json(searchset(vec![])));
    }
    let key = match rtype.as_str() {
        "Observation" => "vitals",
        "MedicationStatement" => "medications",
        _ => "allergies",
    };
    let all = fake.resources[key]["entry"].as_array().cloned().unwrap_or_default();
    // The vital signs come three to a page.
    if rtype == "Observation" {
        let page: usize = query.split("&page=").nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        let mut bundle = json!({"resourceType": "Bundle", "type": "searchset",
            "entry": all.iter().skip(page * 3).take(3).cloned().collect::<Vec<_>>()});
        if (page + 1) * 3 < all.len() {
            let next = format!("{}/Observation?patient={PATIENT}&category=vital-signs&page={}", fake.base, page + 1);
            bundle["link"] = json!([{"relation": "next", "url": next}]);
        }
        return (StatusCode::OK, Json(bundle));
    }
    (StatusCode::OK, Json(json!({"resourceType": "Bundle", "type": "searchset", "entry": all})))
}

fn with_fhir(mut body: Value, fake: &FakeFhir, token: &str) -> Value {
    body["fhirServer"] = json!(fake.base);
    body["fhirAuthorization"] = json!({
        "access_token": token, "token_type": "Bearer", "expires_in": 300,
        "scope": "patient/*.rs", "subject": "sandkasse-cds", "patient": PATIENT
    });
    body
}

#[tokio::test]
async fn what_was_not_prefetched_is_fetched_from_the_clients_fhir_server_with_its_token() {
    let s = Setup::new().await;
    let fake = fake_fhir(full_prefetch(&s.sb)).await;
    let (status, body) = s.call(&with_fhir(hook_body(None), &fake, fake.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cards"].as_array().unwrap().len(), 3, "all four keys fetched, the vital signs over two pages");
    let asked = fake.asked.lock().unwrap().clone();
    assert!(asked.contains(&format!("Patient/{PATIENT}")), "{asked:?}");
    assert!(asked.contains(&format!("Observation?patient={PATIENT}&category=vital-signs&page=1")), "{asked:?}");
    assert!(asked.contains(&format!("MedicationStatement?patient={PATIENT}")), "{asked:?}");
    assert!(asked.contains(&format!("AllergyIntolerance?patient={PATIENT}")), "{asked:?}");

    // Only what is missing is fetched.
    fake.asked.lock().unwrap().clear();
    let mut prefetch = full_prefetch(&s.sb);
    prefetch.as_object_mut().unwrap().remove("allergies");
    let (status, body) = s.call(&with_fhir(hook_body(Some(prefetch)), &fake, fake.token)).await;
    assert_eq!((status, body["cards"].as_array().unwrap().len()), (StatusCode::OK, 3));
    assert_eq!(fake.asked.lock().unwrap().clone(), [format!("AllergyIntolerance?patient={PATIENT}")]);

    // A prefetched search the client paged: the rest is read from the server. The first
    // page alone (rr 3, SpO2 1, systolic 1) would score 5; all of it scores 7.
    let mut prefetch = full_prefetch(&s.sb);
    let mut first_page = searchset(alarming_vitals(&s.sb)[..3].to_vec());
    let next = format!("{}/Observation?patient={PATIENT}&category=vital-signs&page=1", fake.base);
    first_page["link"] = json!([{"relation": "next", "url": next}]);
    prefetch["vitals"] = first_page.clone();
    let (status, body) = s.call(&with_fhir(hook_body(Some(prefetch.clone())), &fake, fake.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cards"][0]["summary"], "NEWS2 7: behov for rask klinisk vurdering");
    // Without access to the server, the page the client sent is what there is.
    let (status, body) = s.call(&hook_body(Some(prefetch.clone()))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cards"][0]["summary"], "NEWS2 5: behov for rask klinisk vurdering");
    // A next link to another server is not followed with the client's token.
    first_page["link"][0]["url"] = json!("http://127.0.0.1:9/fhir/Observation?page=1");
    prefetch["vitals"] = first_page;
    let (status, body) = s.call(&with_fhir(hook_body(Some(prefetch)), &fake, fake.token)).await;
    let (status, _, description) = refusal(status, &body);
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert!(description.contains("leads away from fhirServer"), "{description}");

    // A token the server refuses: the service cannot get its data, and says so with 412.
    let (status, body) = s.call(&with_fhir(hook_body(None), &fake, "feil-token")).await;
    let (status, error, description) = refusal(status, &body);
    assert_eq!((status, error), (StatusCode::PRECONDITION_FAILED, "fhir_fetch_failed"), "{description}");
    assert!(description.contains("HTTP 401"), "{description}");
}

#[tokio::test]
async fn the_service_stops_with_the_sandbox() {
    let sb = Sandbox::start(fixed_time()).await.unwrap();
    let url = format!("{}/cds-services", sb.cds_url);
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    sb.stop();
    // Graceful shutdown lets the listener go once it has no connections left.
    let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let mut stopped = false;
    for _ in 0..50 {
        if fresh.get(&url).send().await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stopped, "the CDS service still answers after stop");
}
