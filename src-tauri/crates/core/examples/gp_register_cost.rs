//! What the GP register costs the overview: the same worklist patients opened by two
//! nurses' workspaces on one sandbox, one with Fastlegeregisteret in its profile and one
//! without, interleaved in one run, every source (the register too) answering after L ms.
//! Prints the overview's time (the opening returning: every source answered) with and
//! without, and their ratio.
//!   cargo run --release -p arbeidsflate-core --example gp_register_cost -- [openings] [L-ms]

#[path = "../tests/common/mod.rs"]
mod common;

use arbeidsflate_core::aggregate::Concurrency;
use arbeidsflate_core::keystore::EphemeralStore;
use arbeidsflate_core::Workspace;
use arbeidsflate_model::overview::{OverviewPart, PatientTarget, SourceKind, SourceState};
use common::{signed_in_on, worklist, Setup};
use sandbox::SandboxOptions;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One opening: how long until it returned (every source answered), and whether the
/// register was among them and answered.
async fn open_once(ws: &Workspace, target: &PatientTarget) -> (Duration, bool) {
    let started = Instant::now();
    let sink = Arc::new(|_: Vec<OverviewPart>| {});
    let statuses = ws.open_patient_view(target, None, Concurrency::Parallel, sink).await.expect("the patient opens");
    let register = statuses.iter().any(|s| s.source == SourceKind::GpRegister && s.state == SourceState::Fresh);
    (started.elapsed(), register)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let openings: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(40);
    let latency_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let options = SandboxOptions { latency_ms, ..Default::default() };
    let role = arbeidsflate_model::view::ClinicianRole::NursingHomeNurse;
    // Decision support off in both: this measures the register alone.
    let Setup { sb, ws: with_gp, entries, .. } =
        signed_in_on(options, clock::matrix::test_now(), role, |p| p.decision_support.clear()).await;
    let mut profile = common::profile_for(&sb);
    profile.decision_support.clear();
    assert!(profile.national.gp_register.take().is_some(), "the sandbox's profile names its register");
    let (without, _data) = common::beside(&sb, role, profile, Arc::new(EphemeralStore::default())).await;
    let targets: Vec<PatientTarget> = entries.iter().map(worklist).collect();
    // Warm both (HelseID's tokens per patient, connections, the register's service user).
    for target in targets.iter().take(3) {
        open_once(&with_gp, target).await;
        open_once(&without, target).await;
    }
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for i in 0..openings {
        let target = &targets[i % targets.len()];
        // Interleaved, and which goes first alternates.
        let (a, b) = if i % 2 == 0 { (&with_gp, &without) } else { (&without, &with_gp) };
        for ws in [a, b] {
            let (took, register) = open_once(ws, target).await;
            let ms = took.as_secs_f64() * 1000.0;
            if std::ptr::eq(ws, &with_gp) {
                assert!(register, "the register answered");
                on.push(ms);
            } else {
                assert!(!register, "no register in the other profile");
                off.push(ms);
            }
        }
    }
    for v in [&mut on, &mut off] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let (on50, off50) = (percentile(&on, 0.5), percentile(&off, 0.5));
    println!("{openings} openings each, every source and the GP register at {latency_ms} ms");
    println!("overview without the GP register: p50 {off50:.1} ms, p95 {:.1} ms", percentile(&off, 0.95));
    println!("overview with the GP register:    p50 {on50:.1} ms, p95 {:.1} ms", percentile(&on, 0.95));
    println!("ratio with/without: p50 {:.3}, p95 {:.3}", on50 / off50, percentile(&on, 0.95) / percentile(&off, 0.95));
}
