//! What decision support costs the overview: the same worklist patients opened by two
//! nurses' workspaces on one sandbox, one with the sandbox's CDS service in its profile
//! and one without, interleaved in one run, every source and the service answering after
//! L ms. Prints the overview's time (the opening returning: every source answered) with
//! and without, their ratio, and when the cards came (the service's part leaving the
//! backend, from the click).
//!   cargo run --release -p arbeidsflate-core --example decision_support_cost -- [openings] [L-ms]

#[path = "../tests/common/mod.rs"]
mod common;

use arbeidsflate_core::aggregate::Concurrency;
use arbeidsflate_core::keystore::EphemeralStore;
use arbeidsflate_core::Workspace;
use arbeidsflate_model::cds::CdsState;
use arbeidsflate_model::overview::{OverviewPart, PatientTarget};
use common::{signed_in_on, worklist, Setup};
use sandbox::SandboxOptions;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One opening: how long until it returned, and until the service's cards came.
async fn open_once(ws: &Workspace, target: &PatientTarget) -> (Duration, Option<Duration>) {
    let started = Instant::now();
    let cards: Arc<Mutex<Option<Duration>>> = Arc::default();
    let seen = cards.clone();
    let sink = Arc::new(move |parts: Vec<OverviewPart>| {
        let fresh = parts
            .iter()
            .any(|p| matches!(p, OverviewPart::DecisionSupport { status, .. } if status.state == CdsState::Fresh));
        let mut seen = seen.lock().unwrap();
        if fresh && seen.is_none() {
            *seen = Some(started.elapsed());
        }
    });
    ws.open_patient_view(target, None, Concurrency::Parallel, sink).await.expect("the patient opens");
    let overview = started.elapsed();
    ws.decision_support_settled().await;
    let cards = *cards.lock().unwrap();
    (overview, cards)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let openings: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(40);
    let latency_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let options = SandboxOptions { latency_ms, ..Default::default() };
    let role = arbeidsflate_model::view::ClinicianRole::NursingHomeNurse;
    let Setup { sb, ws: with_cds, entries, .. } = signed_in_on(options, clock::matrix::test_now(), role, |_| {}).await;
    assert!(!common::profile_for(&sb).decision_support.is_empty(), "the sandbox's profile names its service");
    // The other nurse's workspace on the same sandbox, without decision support.
    let mut profile = common::profile_for(&sb);
    profile.decision_support.clear();
    let (without, _data) = common::beside(&sb, role, profile, Arc::new(EphemeralStore::default())).await;
    // Both hold the ward's records, as a shift does after its preparation.
    for ws in [&with_cds, &without] {
        ws.sync(|_| {}, &AtomicBool::new(false)).await.expect("the worklist syncs");
    }
    let targets: Vec<PatientTarget> = entries.iter().map(worklist).collect();
    // Warm both (HelseID's tokens per patient, connections).
    for target in targets.iter().take(3) {
        open_once(&with_cds, target).await;
        open_once(&without, target).await;
    }
    let (mut on, mut off, mut cards) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..openings {
        let target = &targets[i % targets.len()];
        // Interleaved, and which goes first alternates.
        let (a, b) = if i % 2 == 0 { (&with_cds, &without) } else { (&without, &with_cds) };
        for ws in [a, b] {
            let (overview, card_time) = open_once(ws, target).await;
            if std::ptr::eq(ws, &with_cds) {
                on.push(ms(overview));
                cards.push(ms(card_time.expect("the service answered")));
            } else {
                off.push(ms(overview));
            }
        }
    }
    for v in [&mut on, &mut off, &mut cards] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let (on50, off50) = (percentile(&on, 0.5), percentile(&off, 0.5));
    println!("{openings} openings each, every source and the service at {latency_ms} ms");
    println!("overview without decision support: p50 {off50:.1} ms, p95 {:.1} ms", percentile(&off, 0.95));
    println!("overview with decision support:    p50 {on50:.1} ms, p95 {:.1} ms", percentile(&on, 0.95));
    println!("ratio with/without: p50 {:.3}, p95 {:.3}", on50 / off50, percentile(&on, 0.95) / percentile(&off, 0.95));
    println!(
        "cards out of the backend: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (budget max(source, service) + 60 = {} ms)",
        percentile(&cards, 0.5),
        percentile(&cards, 0.95),
        cards.last().unwrap(),
        latency_ms + 60
    );
}
