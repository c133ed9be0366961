//! The HelseID client against the sandbox's HelseID, which enforces what HelseID
//! enforces: every happy path and every fault the client must survive.

use clock::Clock;
use helseid::{ClientKeys, HelseIdClient, HelseIdConfig, HelseIdError, OpenFuture, Session, SigningKey, UrlOpener};
use sandbox::{Sandbox, SandboxOptions};
use std::sync::Mutex;
use std::time::Duration;

const AUDIENCE: &str = sandbox::MUNICIPAL_AUDIENCE;

/// Plays the browser: follows the authorization URL (the test IdP shortcut answers
/// with a redirect to the callback), lets the test tamper with the callback URL, then
/// delivers it to the app's loopback listener.
struct Browser {
    http: reqwest::Client,
    tamper: Box<dyn Fn(String) -> String + Send + Sync>,
    last_callback: Mutex<Option<String>>,
}

impl Browser {
    fn new(tamper: impl Fn(String) -> String + Send + Sync + 'static) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, tamper: Box::new(tamper), last_callback: Mutex::new(None) }
    }

    fn honest() -> Self {
        Self::new(|u| u)
    }
}

impl UrlOpener for Browser {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            let resp = self.http.get(url).send().await.map_err(|e| HelseIdError::Browser(e.to_string()))?;
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| HelseIdError::Browser(format!("no redirect ({})", resp.status())))?
                .to_string();
            *self.last_callback.lock().unwrap() = Some(location.clone());
            let target = (self.tamper)(location);
            let _ = self.http.get(target).send().await;
            Ok(())
        })
    }
}

/// An attestation for a nurse at the sandbox's nursing home.
fn nurse_attestation(purpose: helseid::authorization_details::PurposeOfUse) -> helseid::Attestation {
    helseid::Attestation {
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
    }
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap()
}

fn config(sb: &Sandbox) -> HelseIdConfig {
    HelseIdConfig {
        issuer: sb.idp_url.clone(),
        client_id: sandbox::CLIENT_ID.into(),
        scopes: vec!["openid".into(), "profile".into(), "offline_access".into(), sandbox::MUNICIPAL_SCOPE.into()],
        resources: vec![AUDIENCE.into()],
        test_pid: Some(sb.clinicians[0].pid.clone()),
        sign_in_timeout: Duration::from_secs(5),
        leeway: Duration::from_secs(30),
        organisation: Some(helseid::Organisation::SingleTenant { child_orgnr: "999000002".into() }),
    }
}

async fn client_for(sb: &Sandbox, config: HelseIdConfig) -> HelseIdClient {
    let http = helseid::http_client(Duration::from_secs(5));
    let client = HelseIdClient::new(
        http.clone(),
        config,
        ClientKeys { assertion: SigningKey::generate(), dpop: SigningKey::generate() },
    )
    .with_clock(sb.clock.clone());
    let body = serde_json::json!({"client_id": sandbox::CLIENT_ID, "jwk": client.assertion_public_jwk()});
    let resp = http.post(format!("{}/sandbox/register-client", sb.idp_url)).json(&body).send().await.unwrap();
    assert!(resp.status().is_success());
    client
}

async fn signed_in(sb: &Sandbox) -> (HelseIdClient, Session) {
    let client = client_for(sb, config(sb)).await;
    let session = client.sign_in(&Browser::honest()).await.expect("sign-in");
    (client, session)
}

/// One FHIR read with the session's DPoP-bound token; returns the HTTP status.
async fn api_call(client: &HelseIdClient, session: &Session, sb: &Sandbox) -> u16 {
    let url = format!("{}/Patient/pas-1", sb.fhir_url);
    for _ in 0..2 {
        let h = client.api_headers(session, AUDIENCE, None, "GET", &url).await.unwrap();
        let resp = reqwest::Client::new()
            .get(&url)
            .header("authorization", h.authorization.expose())
            .header("dpop", h.dpop)
            .send()
            .await
            .unwrap();
        if let Some(n) = resp.headers().get("dpop-nonce").and_then(|v| v.to_str().ok()) {
            client.remember_nonce(&url, n);
        }
        let nonce_challenge = resp.status() == 401
            && resp.headers().get("www-authenticate").is_some_and(|v| v.to_str().unwrap().contains("use_dpop_nonce"));
        if !nonce_challenge {
            return resp.status().as_u16();
        }
    }
    401
}

#[tokio::test]
async fn signs_in_and_calls_the_api_with_a_dpop_bound_token() {
    let sb = sandbox().await;
    let (client, session) = signed_in(&sb).await;
    assert_eq!(session.user.hpr_number.as_deref(), Some(sb.clinicians[0].hpr_number.as_str()));
    assert_eq!(session.user.pid.expose(), sb.clinicians[0].pid);
    assert_eq!(api_call(&client, &session, &sb).await, 200);
}

#[tokio::test]
async fn a_bearer_token_without_its_proof_is_refused() {
    let sb = sandbox().await;
    let (client, session) = signed_in(&sb).await;
    let token = client.access_token(&session, AUDIENCE, None).await.unwrap();
    let url = format!("{}/Patient/pas-1", sb.fhir_url);
    let bearer = reqwest::Client::new().get(&url).bearer_auth(token.expose()).send().await.unwrap();
    assert_eq!(bearer.status(), 401);
    let no_proof = reqwest::Client::new()
        .get(&url)
        .header("authorization", format!("DPoP {}", token.expose()))
        .send()
        .await
        .unwrap();
    assert_eq!(no_proof.status(), 401);
}

#[tokio::test]
async fn nonces_are_obtained_once_then_each_api_call_is_one_round_trip() {
    let sb = sandbox().await;
    sb.require_dpop_nonce(true);
    // The token endpoint demands a nonce: the client retries once, transparently.
    let (client, session) = signed_in(&sb).await;
    let before = sb.fhir_requests();
    assert_eq!(api_call(&client, &session, &sb).await, 200);
    assert_eq!(sb.fhir_requests() - before, 2, "first call: a nonce challenge, then the call");
    for _ in 0..3 {
        let before = sb.fhir_requests();
        assert_eq!(api_call(&client, &session, &sb).await, 200);
        assert_eq!(sb.fhir_requests() - before, 1, "with the nonce known, one round trip per call");
    }
    // A rotated nonce costs one retry again, no more.
    sb.rotate_dpop_nonces();
    let before = sb.fhir_requests();
    assert_eq!(api_call(&client, &session, &sb).await, 200);
    assert_eq!(sb.fhir_requests() - before, 2);
}

#[tokio::test]
async fn tokens_are_cached_per_audience_and_renewed_with_the_newest_refresh_token() {
    let sb = sandbox().await;
    let (client, session) = signed_in(&sb).await;
    let first = client.access_token(&session, AUDIENCE, None).await.unwrap();
    let again = client.access_token(&session, AUDIENCE, None).await.unwrap();
    assert_eq!(first, again, "cached, not fetched again");
    // A token attested for a patient is a separate token, obtained with the rotated refresh token.
    let attestation = nurse_attestation(helseid::authorization_details::PurposeOfUse::Treat);
    let attested = client.access_token(&session, AUDIENCE, Some(&attestation)).await.unwrap();
    assert_ne!(attested, first);
    let claims: serde_json::Value = {
        use base64::Engine;
        let payload = attested.expose().split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let details = claims["authorization_details"].as_array().expect("attestation echoed into the token");
    assert!(details.iter().any(|d| d["type"] == "nhn:tillitsrammeverk:parameters"));
    assert!(details.iter().any(|d| d["type"] == "helseid_authorization"));
    // A third token call works only if the client kept the newest (rotated) refresh token.
    let other = nurse_attestation(helseid::authorization_details::PurposeOfUse::CoordinationOfCare);
    client.access_token(&session, AUDIENCE, Some(&other)).await.expect("newest refresh token used");
}

#[tokio::test]
async fn tokens_run_out_by_the_wall_clock_and_helseid_has_the_last_word_on_the_refresh_token() {
    // One clock for both sides; a laptop asleep between two visits moves it on while
    // the monotonic clock stands still.
    let clock = clock::TickingClock::shared(clock::matrix::test_now());
    let sb = Sandbox::start(SandboxOptions { clock: clock.clone(), ..SandboxOptions::default() }).await.unwrap();
    let (client, session) = signed_in(&sb).await;
    let first = client.access_token(&session, AUDIENCE, None).await.unwrap();
    clock.advance(chrono::Duration::minutes(5));
    let renewed = client.access_token(&session, AUDIENCE, None).await.unwrap();
    assert_ne!(first, renewed, "the access token's five minutes passed on the wall clock: a new one");
    assert_eq!(session.renewable_until_passed(clock.now()).await, None);

    clock.advance(chrono::Duration::hours(11));
    let passed = session.renewable_until_passed(clock.now()).await.expect("past the refresh token's 10 hours");
    assert!(passed > Duration::from_secs(3600), "{passed:?}");
    // Reachable, HelseID refuses the refresh token: sign in again.
    let e = client.access_token(&session, AUDIENCE, None).await.unwrap_err();
    assert!(matches!(e, HelseIdError::SessionExpired), "{e}");
    // Out of reach, the caller learns that, so it can answer from the offline cache.
    sb.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = client.access_token(&session, AUDIENCE, None).await.unwrap_err();
    assert!(matches!(e, HelseIdError::Unreachable(_)), "{e}");
}

#[tokio::test]
async fn a_spent_refresh_token_presented_again_revokes_the_whole_session() {
    let sb = sandbox().await;
    let (client, session) = signed_in(&sb).await;
    let stale = session.duplicate_for_tests().await;
    let attestation = nurse_attestation(helseid::authorization_details::PurposeOfUse::Treat);
    // The session renews: its refresh token is spent and a new one issued.
    client.access_token(&session, AUDIENCE, Some(&attestation)).await.unwrap();
    // The same spent token again (from the stale copy): refused, and taken as theft.
    let e = client.access_token(&stale, AUDIENCE, Some(&attestation)).await.unwrap_err();
    assert!(matches!(e, HelseIdError::SessionExpired), "{e}");
    assert_eq!(sb.refresh_reuses(), 1);
    // The whole family went: the session's own newest refresh token no longer works.
    let other = nurse_attestation(helseid::authorization_details::PurposeOfUse::CoordinationOfCare);
    let e = client.access_token(&session, AUDIENCE, Some(&other)).await.unwrap_err();
    assert!(matches!(e, HelseIdError::SessionExpired), "{e}");
}

#[tokio::test]
async fn many_tokens_asked_at_once_use_the_refresh_chain_one_at_a_time() {
    let sb = sandbox().await;
    let (client, session) = signed_in(&sb).await;
    let before = sb.tokens_issued();
    // Twenty callers at once: ten distinct attested tokens, each asked for twice.
    let attestations: Vec<helseid::Attestation> = (0..10)
        .map(|i| {
            let mut a = nurse_attestation(helseid::authorization_details::PurposeOfUse::Treat);
            a.decision_ref = Some((format!("beslutning-{i}"), false));
            a
        })
        .collect();
    let asks = attestations.iter().chain(attestations.iter()).map(|a| client.access_token(&session, AUDIENCE, Some(a)));
    let tokens = futures_util::future::join_all(asks).await;
    assert!(tokens.iter().all(Result::is_ok), "{:?}", tokens.iter().find(|t| t.is_err()));
    assert_eq!(sb.refresh_reuses(), 0, "no spent refresh token was ever presented");
    assert_eq!(sb.tokens_issued() - before, 10, "one token per attestation; the second asker got the cached one");
    // A cached token is handed out at once, even while the chain is busy elsewhere.
    assert!(client.has_token(&session, AUDIENCE, Some(&attestations[3])));
}

#[tokio::test]
async fn a_refresh_token_revoked_server_side_ends_the_session() {
    let sb = sandbox().await;
    let (client, session) = signed_in(&sb).await;
    sb.revoke_all_sessions();
    let attestation = nurse_attestation(helseid::authorization_details::PurposeOfUse::Treat);
    let e = client.access_token(&session, AUDIENCE, Some(&attestation)).await.unwrap_err();
    assert!(matches!(e, HelseIdError::SessionExpired), "{e}");
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token_and_gives_the_end_session_url() {
    let sb = sandbox().await;
    let (client, session) = signed_in(&sb).await;
    let out = client.sign_out(session).await.unwrap();
    assert!(out.revoked);
    let end = out.end_session_url.expect("end-session URL");
    assert!(end.starts_with(&format!("{}/connect/endsession?id_token_hint=", sb.idp_url)));
}

#[tokio::test]
async fn jwks_rotation_in_the_middle_of_a_session_is_followed() {
    let sb = sandbox().await;
    let client = client_for(&sb, config(&sb)).await;
    let first = client.sign_in(&Browser::honest()).await.unwrap();
    sb.rotate_signing_key(true);
    // The old session's tokens still verify at the API (old key still published)…
    assert_eq!(api_call(&client, &first, &sb).await, 200);
    // …and a new sign-in's ID token, signed with the new key, makes the client refetch the jwks.
    client.sign_in(&Browser::honest()).await.expect("sign-in after key rotation");
    // With the old key withdrawn, another sign-in still works.
    sb.rotate_signing_key(false);
    client.sign_in(&Browser::honest()).await.expect("sign-in after the old key is withdrawn");
}

#[tokio::test]
async fn a_callback_with_the_wrong_iss_or_state_is_rejected() {
    let sb = sandbox().await;
    let client = client_for(&sb, config(&sb)).await;
    let wrong_iss = Browser::new(|u| u.replace("iss=http", "iss=https"));
    let e = client.sign_in(&wrong_iss).await.unwrap_err();
    assert!(matches!(e, HelseIdError::CallbackRejected(why) if why.contains("iss")), "{e}");
    let wrong_state = Browser::new(|u| u.replace("state=", "state=x"));
    let e = client.sign_in(&wrong_state).await.unwrap_err();
    assert!(matches!(e, HelseIdError::CallbackRejected(why) if why.contains("state")), "{e}");
}

#[tokio::test]
async fn a_replayed_callback_is_rejected() {
    let sb = sandbox().await;
    let client = client_for(&sb, config(&sb)).await;
    let browser = Browser::honest();
    client.sign_in(&browser).await.unwrap();
    let old = browser.last_callback.lock().unwrap().clone().unwrap();
    // An attacker (or a stale tab) delivers the old callback to the next sign-in's listener.
    let replay = Browser::new(move |new| {
        let port_of = |u: &str| u.split("127.0.0.1:").nth(1).unwrap().split('/').next().unwrap().to_string();
        old.replace(&port_of(&old), &port_of(&new))
    });
    let e = client.sign_in(&replay).await.unwrap_err();
    assert!(matches!(e, HelseIdError::CallbackRejected(_)), "{e}");
}

/// Plays a user who presses "Avbryt" on the login page.
struct CancellingUser(reqwest::Client);

impl UrlOpener for CancellingUser {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            let page = self.0.get(url).send().await.unwrap().text().await.unwrap();
            let marker = "name=\"request_uri\" value=\"";
            let start = page.find(marker).unwrap() + marker.len();
            let request_uri = &page[start..start + page[start..].find('"').unwrap()];
            let login = url::Url::parse(url).unwrap().join("/connect/authorize/login").unwrap();
            let resp = self.0.post(login).form(&[("request_uri", request_uri), ("cancel", "1")]).send().await.unwrap();
            let callback = resp.headers().get("location").unwrap().to_str().unwrap().to_string();
            let _ = self.0.get(callback).send().await;
            Ok(())
        })
    }
}

#[tokio::test]
async fn the_user_cancelling_in_the_browser_is_a_clear_error() {
    let sb = sandbox().await;
    let mut cfg = config(&sb);
    cfg.test_pid = None;
    let client = client_for(&sb, cfg).await;
    let user = CancellingUser(reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap());
    assert!(matches!(client.sign_in(&user).await.unwrap_err(), HelseIdError::Cancelled));
}

/// A browser that never comes back.
struct AbandonedBrowser;

impl UrlOpener for AbandonedBrowser {
    fn open<'a>(&'a self, _url: &'a str) -> OpenFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn a_sign_in_never_finished_times_out() {
    let sb = sandbox().await;
    let mut cfg = config(&sb);
    cfg.sign_in_timeout = Duration::from_millis(300);
    let client = client_for(&sb, cfg).await;
    assert!(matches!(client.sign_in(&AbandonedBrowser).await.unwrap_err(), HelseIdError::TimedOut(_)));
}

#[tokio::test]
async fn an_unregistered_key_is_refused_by_the_idp() {
    let sb = sandbox().await;
    let client = HelseIdClient::new(
        helseid::http_client(Duration::from_secs(5)),
        config(&sb),
        ClientKeys { assertion: SigningKey::generate(), dpop: SigningKey::generate() },
    )
    .with_clock(sb.clock.clone());
    let e = client.sign_in(&Browser::honest()).await.unwrap_err();
    assert!(matches!(&e, HelseIdError::Protocol { error, .. } if error == "invalid_client"), "{e}");
}

#[tokio::test]
async fn the_idp_down_or_slow_is_a_clear_error_not_a_hang() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = HelseIdConfig { issuer: format!("http://127.0.0.1:{port}"), ..config(&sandbox().await) };
    let client = HelseIdClient::new(
        helseid::http_client(Duration::from_secs(2)),
        down,
        ClientKeys { assertion: SigningKey::generate(), dpop: SigningKey::generate() },
    );
    assert!(matches!(client.sign_in(&Browser::honest()).await.unwrap_err(), HelseIdError::Unreachable(_)));

    let slow = Sandbox::start(SandboxOptions { latency_ms: 1500, ..SandboxOptions::at(clock::matrix::test_now()) })
        .await
        .unwrap();
    let client = HelseIdClient::new(
        helseid::http_client(Duration::from_millis(500)),
        config(&slow),
        ClientKeys { assertion: SigningKey::generate(), dpop: SigningKey::generate() },
    )
    .with_clock(slow.clock.clone());
    let started = std::time::Instant::now();
    assert!(matches!(client.sign_in(&Browser::honest()).await.unwrap_err(), HelseIdError::Unreachable(_)));
    assert!(started.elapsed() < Duration::from_secs(3));
}
