//! The FHIR facade's cost per read: an app's read of one observation through the SMART
//! host's facade (its token, the scopes, the patient compartment, the access log in
//! SQLCipher, then the platform with the clinician's session) against the same read sent
//! straight to the sandbox's platform with a DPoP-bound HelseID token, interleaved in
//! one run, with the platform answering after L ms.
//!   cargo run --release -p arbeidsflate-core --example facade_overhead -- [reads] [L-ms]

#[path = "../tests/common/mod.rs"]
mod common;

use common::smart_app::{fall_risk_app, App};
use common::{open, signed_in_on, worklist, Setup};
use helseid::{ClientKeys, HelseIdClient, HelseIdConfig, Session, SigningKey};
use sandbox::SandboxOptions;
use sources::{AuthFuture, AuthHeaders, FhirClient, RequestAuthorizer, SourceError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A second HelseID session of the sandbox's clinician, for the direct reads.
struct Direct {
    client: HelseIdClient,
    session: Session,
}

impl RequestAuthorizer for Direct {
    fn authorize<'a>(&'a self, audience: &'a str, method: &'a str, url: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            let h = self
                .client
                .api_headers(&self.session, audience, None, method, url)
                .await
                .map_err(|e| SourceError::NoToken(e.to_string()))?;
            Ok(AuthHeaders { authorization: h.authorization.expose().to_string(), dpop: Some(h.dpop) })
        })
    }

    fn observe_nonce(&self, url: &str, nonce: &str) {
        self.client.remember_nonce(url, nonce);
    }
}

async fn direct_client(sb: &sandbox::Sandbox, pid: &str) -> FhirClient {
    let http = helseid::http_client(Duration::from_secs(10));
    let config = HelseIdConfig {
        issuer: sb.idp_url.clone(),
        client_id: sandbox::CLIENT_ID.into(),
        scopes: vec!["openid".into(), "offline_access".into(), sandbox::MUNICIPAL_SCOPE.into()],
        resources: vec![sandbox::MUNICIPAL_AUDIENCE.into()],
        test_pid: Some(pid.into()),
        sign_in_timeout: Duration::from_secs(10),
        leeway: Duration::from_secs(30),
        organisation: None,
    };
    let keys = ClientKeys { assertion: SigningKey::generate(), dpop: SigningKey::generate() };
    let client = HelseIdClient::new(http.clone(), config, keys).with_clock(sb.clock.clone());
    let body = serde_json::json!({"client_id": sandbox::CLIENT_ID, "jwk": client.assertion_public_jwk()});
    http.post(format!("{}/sandbox/register-client", sb.idp_url)).json(&body).send().await.unwrap();
    let session = client.sign_in(&helseid::FollowRedirects(http.clone())).await.unwrap();
    FhirClient::new(http, &sb.fhir_url, sandbox::MUNICIPAL_AUDIENCE, Arc::new(Direct { client, session }))
        .with_clock(sb.clock.clone())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let reads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let latency_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let options = SandboxOptions { latency_ms, ..Default::default() };
    let role = arbeidsflate_model::view::ClinicianRole::HomeCareNurse;
    let Setup { sb, ws, entries, .. } =
        signed_in_on(options, clock::matrix::test_now(), role, |p| p.apps = vec![fall_risk_app()]).await;
    open(&ws, worklist(&entries[0]), None).await.0.expect("the patient opens");
    let ws = Arc::new(ws);
    let app = App::launch(&ws).await;
    let observation = sb
        .fhir_resources()
        .into_iter()
        .find(|r| r["resourceType"] == "Observation" && r["subject"]["reference"] == format!("Patient/{}", app.patient))
        .expect("an observation of hers");
    let id = observation["id"].as_str().unwrap().to_string();
    let pid = sb.clinicians.iter().find(|c| c.role == role).unwrap().pid.clone();
    let direct = direct_client(&sb, &pid).await;

    let (mut through, mut straight) = (Vec::new(), Vec::new());
    for i in 0..reads + 5 {
        let t = Instant::now();
        let (status, _) = app.get(&format!("Observation/{id}")).await;
        let facade = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(status, 200);
        let t = Instant::now();
        direct.read("Observation", &id).await.expect("the direct read");
        let plain = t.elapsed().as_secs_f64() * 1000.0;
        // The first reads warm the connections and the token caches.
        if i >= 5 {
            through.push(facade);
            straight.push(plain);
        }
    }
    for v in [&mut through, &mut straight] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let (fp50, fp95) = (percentile(&through, 0.5), percentile(&through, 0.95));
    let (dp50, dp95) = (percentile(&straight, 0.5), percentile(&straight, 0.95));
    println!("{reads} reads of one Observation, the platform answering after {latency_ms} ms");
    println!("  through the facade  p50 {fp50:7.2} ms  p95 {fp95:7.2} ms");
    println!("  straight            p50 {dp50:7.2} ms  p95 {dp95:7.2} ms");
    println!("  ratio               p50 {:7.2}     p95 {:7.2}", fp50 / dp50, fp95 / dp95);
}
