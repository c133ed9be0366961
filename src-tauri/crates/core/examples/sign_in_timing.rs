//! Time from the browser's redirect back to the app (the callback) to the signed-in
//! worklist, against the built-in sandbox; and HTTP round trips per API call.
//!   cargo run --release -p arbeidsflate-core --example sign_in_timing -- [runs] [latency-ms]

use arbeidsflate_core::keystore::EphemeralStore;
use arbeidsflate_core::{Profile, Workspace};
use arbeidsflate_model::overview::PatientTarget;
use arbeidsflate_model::view::ClinicianRole;
use helseid::{HelseIdError, OpenFuture, UrlOpener};
use sandbox::{Sandbox, SandboxOptions};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The browser: follows the authorization URL to the callback and notes when it
/// delivers it.
struct Browser {
    http: reqwest::Client,
    redirected_at: Mutex<Option<Instant>>,
}

impl UrlOpener for Browser {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            let resp = self.http.get(url).send().await.map_err(|e| HelseIdError::Browser(e.to_string()))?;
            let callback = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            *self.redirected_at.lock().unwrap() = Some(Instant::now());
            self.http.get(callback).send().await.map_err(|e| HelseIdError::Browser(e.to_string()))?;
            Ok(())
        })
    }
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let latency_ms: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(0);
    let sb = Sandbox::start(SandboxOptions { latency_ms, ..SandboxOptions::default() }).await.unwrap();
    let profile = Profile::sandbox(
        &sb.idp_url,
        &sb.fhir_url,
        sandbox::MUNICIPAL_AUDIENCE,
        sandbox::MUNICIPAL_SCOPE,
        sandbox::CLIENT_ID,
    );
    let nurse = sb.clinicians.iter().find(|c| c.role == ClinicianRole::NursingHomeNurse).unwrap().pid.clone();
    let ws = Workspace::with_test_user(profile, Arc::new(EphemeralStore::default()), Some(nurse));
    let browser = Browser {
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        redirected_at: Mutex::new(None),
    };
    // Warm-up: first start generates and registers the keys.
    ws.sign_in(&browser).await.unwrap();
    let mut samples = Vec::new();
    for _ in 0..runs {
        ws.sign_in(&browser).await.unwrap();
        ws.worklist().await.unwrap();
        let redirected = browser.redirected_at.lock().unwrap().take().unwrap();
        samples.push(redirected.elapsed().as_secs_f64() * 1000.0);
    }
    let (min, med, max) = median(samples);
    println!("sandbox latency {latency_ms} ms, {runs} runs");
    println!("browser redirect → signed-in worklist   median {med:.1} ms (min {min:.1}, max {max:.1})");

    let list = ws.worklist().await.unwrap();
    let first = PatientTarget::Worklist { patient_ref: list.entries[0].patient_ref.clone() };
    let before = sb.fhir_requests();
    ws.open_patient_view_collected(&first, None).await.unwrap();
    let requests = sb.fhir_requests() - before;
    println!("patient view: {requests} HTTP requests to the platform (one per search)");
    sb.require_dpop_nonce(true);
    ws.open_patient_view_collected(&first, None).await.unwrap();
    let before = sb.fhir_requests();
    ws.open_patient_view_collected(&first, None).await.unwrap();
    let requests = sb.fhir_requests() - before;
    println!("with DPoP nonces demanded, nonce known: {requests} HTTP requests to the platform");
}
