//! Opening a patient with HelseID and the services slowed separately, to L ms per
//! answer: the services only, HelseID only, and both. Each case opens patients never
//! opened before, twice over: *cold* (nothing prepared: the attested tokens are asked
//! for at the click) and *prepared* (the row had the focus first, so the tokens were
//! fetched ahead). Prints when each source settled, the last of them against L, and
//! how many tokens HelseID issued during the opening.
//!   cargo run --release -p arbeidsflate-core --example helseid_latency -- [runs] [L-ms]

// The patient-view tests' sign-in against the sandbox, so the benchmark opens patients the same way.
#[path = "../tests/common/mod.rs"]
mod common;

use arbeidsflate_core::aggregate::Concurrency;
use arbeidsflate_core::{Preparation, Workspace};
use arbeidsflate_model::overview::{OverviewPart, PatientTarget, SourceKind, SourceState};
use arbeidsflate_model::view::{ClinicianRole, WorklistEntry};
use common::{signed_in_on, Setup};
use sandbox::faults::{Fault, Service};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SERVICES: [Service; 5] =
    [Service::Fhir, Service::Kjernejournal, Service::MedicationList, Service::Documents, Service::Person];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Opens `entry`; when each source's final status came (ms).
async fn open(ws: &Workspace, entry: &WorklistEntry) -> HashMap<SourceKind, f64> {
    let started = Instant::now();
    let seen: Arc<Mutex<HashMap<SourceKind, f64>>> = Arc::default();
    let sink_seen = seen.clone();
    let target = PatientTarget::Worklist { patient_ref: entry.patient_ref.clone() };
    let statuses = ws
        .open_patient_view(
            &target,
            None,
            Concurrency::Parallel,
            Arc::new(move |parts| {
                for part in parts {
                    if let OverviewPart::Status { status } = part {
                        if !matches!(status.state, SourceState::Waiting | SourceState::Slow) {
                            sink_seen.lock().unwrap().insert(status.source, started.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                }
            }),
        )
        .await
        .expect("the patient opens");
    assert!(statuses.iter().all(|s| !matches!(s.state, SourceState::Failed { .. })), "{statuses:?}");
    let seen = seen.lock().unwrap().clone();
    seen
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let latency: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    // A ward large enough that every opening is a patient never opened before.
    let options = sandbox::SandboxOptions {
        world: sandbox::WorldOptions { scale: 4, ..Default::default() },
        ..Default::default()
    };
    let Setup { sb, ws, entries, .. } =
        signed_in_on(options, clock::matrix::test_now(), ClinicianRole::NursingHomeNurse, |_| {}).await;
    // Patients every national source answers for (Kjernejournal neither reserved nor restricted).
    let mut fresh = entries.iter().filter(|e| {
        sb.kjernejournal_record(&e.national_id.replace(' ', "")).is_some_and(|r| !r.reserved && !r.restricted)
    });
    // The worklist's Kjernejournal status lookups finish, as while the nurse reads the list.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cases: [(&str, bool, bool); 3] =
        [("services only", true, false), ("HelseID only", false, true), ("both", true, true)];
    println!("L = {latency} ms per answer, {runs} patients per row, each opened once");
    for (name, services, helseid) in cases {
        for s in SERVICES {
            sb.set_fault(s, services.then_some(Fault::Slow(latency)));
        }
        sb.set_fault(Service::HelseId, helseid.then_some(Fault::Slow(latency)));
        for prepared in [false, true] {
            let (mut last, mut issued) = (Vec::new(), Vec::new());
            let mut per_source: HashMap<SourceKind, Vec<f64>> = HashMap::new();
            for _ in 0..runs {
                let entry = fresh.next().expect("enough patients never opened; raise the scale");
                if prepared {
                    // As the row in focus would be; past the minute's allowance, wait for it.
                    loop {
                        match ws.prepare_patient(&entry.patient_ref).await.expect("prepared") {
                            Preparation::Throttled => tokio::time::sleep(Duration::from_secs(1)).await,
                            outcome => break assert!(matches!(outcome, Preparation::Prepared { .. }), "{outcome:?}"),
                        }
                    }
                }
                let before = sb.tokens_issued();
                let seen = open(&ws, entry).await;
                issued.push((sb.tokens_issued() - before) as f64);
                last.push(seen.values().copied().fold(0.0, f64::max));
                for (k, v) in seen {
                    per_source.entry(k).or_default().push(v);
                }
            }
            let mut kinds: Vec<_> = per_source.into_iter().map(|(k, v)| (k, median(v))).collect();
            kinds.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
            let each: Vec<String> = kinds.iter().map(|(k, ms)| format!("{k:?} {ms:.0}")).collect();
            let last = median(last);
            println!(
                "{name:<14} {:<9} last source {last:7.1} ms = {:.2} L ({:+.1} ms over L); HelseID tokens during the opening: {}; {}",
                if prepared { "prepared" } else { "cold" },
                last / latency as f64,
                last - latency as f64,
                median(issued),
                each.join(", ")
            );
        }
    }
    assert_eq!(sb.refresh_reuses(), 0, "the client never presented a spent refresh token");
}
