//! The client against services that misbehave, over real HTTP on loopback: down, slow
//! past the deadline, answering garbage, 50 MB, refusing the call, needing data. Each
//! becomes one failure reason with nothing read; a good service's call is signed for
//! its exact URL.

use arbeidsflate_cds::auth::ClientIdentity;
use arbeidsflate_cds::client::{CdsClient, HookCall};
use arbeidsflate_config::decision_support::DecisionSupportService;
use arbeidsflate_model::cds::CdsFailure;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::TimeZone;
use helseid::{Curve, SigningKey};
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_millis(500);

struct Service {
    base: String,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

/// A service whose `/cds-services/{name}` behaves as the name says.
async fn start() -> Service {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let log = |seen: &Arc<Mutex<Vec<(String, String)>>>, path: &str, headers: &HeaderMap| {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        seen.lock().unwrap().push((path.to_string(), auth));
    };
    let s1 = seen.clone();
    let s2 = seen.clone();
    let app = Router::new()
        .route(
            "/cds-services",
            get(move |headers: HeaderMap| async move {
                log(&s1, "/cds-services", &headers);
                axum::Json(json!({"services": [{"hook": "patient-view", "id": "god", "description": "ok"}]}))
            }),
        )
        .route(
            "/cds-services/{name}",
            post(move |axum::extract::Path(name): axum::extract::Path<String>, headers: HeaderMap| async move {
                log(&s2, &format!("/cds-services/{name}"), &headers);
                match name.as_str() {
                    "god" => axum::Json(json!({"cards": []})).into_response(),
                    "treg" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        axum::Json(json!({"cards": []})).into_response()
                    }
                    "tull" => (StatusCode::OK, "<html>Service Unavailable</html>").into_response(),
                    "enorm" => {
                        // 50 MB of a valid-looking array, streamed.
                        // No length announced, so the client must stop reading by itself.
                        let chunk = format!("{{\"summary\":\"{}\"}},", "x".repeat(1000));
                        let chunks =
                            std::iter::once("{\"cards\":[".to_string()).chain(std::iter::repeat_n(chunk, 50_000));
                        let stream = futures_util::stream::iter(chunks.map(Ok::<_, std::io::Error>));
                        Response::new(Body::from_stream(stream))
                    }
                    "avvist" => (StatusCode::UNAUTHORIZED, "{\"error\":\"invalid_token\"}").into_response(),
                    "mangler" => (StatusCode::PRECONDITION_FAILED, "{\"error\":\"prefetch\"}").into_response(),
                    _ => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Service { base, seen }
}

fn client() -> CdsClient {
    let identity =
        ClientIdentity { issuer: "arbeidsflate-test".into(), key: Arc::new(SigningKey::generate_on(Curve::P384)) };
    let at = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    CdsClient::new(helseid::http_client(Duration::from_secs(10)), identity, clock::FixedClock::shared(at))
}

fn call() -> HookCall {
    let mut context = Map::new();
    context.insert("patientId".into(), json!("pas-1"));
    HookCall {
        hook: "patient-view".into(),
        hook_instance: arbeidsflate_cds::random_id(),
        context,
        prefetch: Map::new(),
        fhir: None,
    }
}

fn audience_of(bearer: &str) -> Value {
    use base64::Engine;
    let payload = bearer.trim_start_matches("Bearer ").split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["aud"].clone()
}

#[tokio::test]
async fn each_misbehaviour_is_one_reason_and_a_good_call_is_signed_for_its_url() {
    let service = start().await;
    let client = client();
    let url = |name: &str| format!("{}/cds-services/{name}", service.base);

    let answer = client.call(&url("god"), &call(), DEADLINE).await.unwrap();
    assert_eq!(answer.answer, json!({"cards": []}));
    let cases = [
        ("treg", CdsFailure::TimedOut),
        ("tull", CdsFailure::Malformed),
        ("enorm", CdsFailure::TooLarge),
        ("avvist", CdsFailure::Refused),
        ("mangler", CdsFailure::NeedsData),
        ("feil", CdsFailure::ServiceError),
    ];
    for (name, reason) in cases {
        let started = std::time::Instant::now();
        let e = client.call(&url(name), &call(), DEADLINE).await.err().unwrap_or_else(|| panic!("{name} answered"));
        assert_eq!(e.reason, reason, "{name}: {e}");
        assert!(started.elapsed() < Duration::from_secs(3), "{name} held the client {:?}", started.elapsed());
    }
    let down = client.call("http://127.0.0.1:9/cds-services/x", &call(), DEADLINE).await.err().unwrap();
    assert_eq!(down.reason, CdsFailure::Unreachable);

    let settings = DecisionSupportService {
        name: "Test".into(),
        base_url: service.base.clone(),
        hooks: vec!["patient-view".into()],
        fhir_access: false,
        deadline_ms: 500,
    };
    assert_eq!(client.discover(&settings).await.unwrap().services[0].id, "god");
    // Every request carried a token for exactly the URL it went to.
    let seen = service.seen.lock().unwrap().clone();
    assert!(seen.len() >= 8, "{seen:?}");
    for (path, bearer) in seen {
        assert_eq!(audience_of(&bearer), json!(format!("{}{path}", service.base)));
    }
}
