//! The patient view with every source slowed to L ms per answer: all sources asked at
//! once (the app) against one after another (the baseline), in the same run, on the
//! same patient, after one warm-up opening (tokens for the patient already issued).
//! Then the same with one of the platform's searches trickling (a byte every 2 s):
//! when the platform's other parts reach the sink, against L.
//!   cargo run --release -p arbeidsflate-core --example overview_latency -- [runs] [L-ms]

// The patient-view tests' sign-in against the sandbox, so the benchmark opens patients the same way.
#[path = "../tests/common/mod.rs"]
mod common;

use arbeidsflate_core::aggregate::Concurrency;
use arbeidsflate_core::Workspace;
use arbeidsflate_model::overview::{OverviewPart, PatientTarget, SourceKind, SourceState};
use arbeidsflate_model::view::ClinicianRole;
use common::{signed_in_as, Setup};
use sandbox::faults::{Fault, Service};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

/// Opens the patient; the time to the last part, and when each source's final status came.
async fn open(ws: &Workspace, target: &PatientTarget, concurrency: Concurrency) -> (f64, HashMap<SourceKind, f64>) {
    let started = Instant::now();
    let seen: Arc<Mutex<HashMap<SourceKind, f64>>> = Arc::default();
    let sink_seen = seen.clone();
    let statuses = ws
        .open_patient_view(
            target,
            None,
            concurrency,
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
    let total = started.elapsed().as_secs_f64() * 1000.0;
    assert!(statuses.iter().all(|s| !matches!(s.state, SourceState::Failed { .. })), "{statuses:?}");
    let seen = seen.lock().unwrap().clone();
    (total, seen)
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let latency: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    // A short deadline: the trickling search below is given up after it, each run.
    let Setup { sb, ws, entries, .. } =
        signed_in_as(ClinicianRole::NursingHomeNurse, |p| p.session.source_deadline_seconds = 3).await;
    // A patient every source has data for: Kjernejournal neither reserved nor restricted.
    let entry = entries
        .iter()
        .find(|e| {
            sb.kjernejournal_record(&e.national_id.replace(' ', ""))
                .is_some_and(|r| !r.reserved && !r.restricted && !r.allergies.is_empty())
        })
        .expect("a patient with critical information");
    let target = PatientTarget::Worklist { patient_ref: entry.patient_ref.clone() };
    // Let the worklist's Kjernejournal status lookups finish, as they would while the
    // nurse reads the list, then open once so the patient's attested tokens exist.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (first, _) = open(&ws, &target, Concurrency::Parallel).await;
    let (again, _) = open(&ws, &target, Concurrency::Parallel).await;

    for service in [Service::Fhir, Service::Kjernejournal, Service::MedicationList, Service::Documents, Service::Person]
    {
        sb.set_fault(service, Some(Fault::Slow(latency)));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (mut parallel, mut serial) = (Vec::new(), Vec::new());
    let mut per_source: HashMap<SourceKind, Vec<f64>> = HashMap::new();
    for _ in 0..runs {
        let (total, seen) = open(&ws, &target, Concurrency::Parallel).await;
        parallel.push(total);
        for (k, v) in seen {
            per_source.entry(k).or_default().push(v);
        }
        serial.push(open(&ws, &target, Concurrency::Serial).await.0);
    }
    let (pmin, pmed, pmax) = median(parallel);
    let (smin, smed, smax) = median(serial);
    println!("unslowed: first opening of the patient {first:.1} ms (attested tokens issued), again {again:.1} ms");
    println!("every source slowed to L = {latency} ms per answer, {runs} runs each, same patient");
    println!("parallel (the app):   median {pmed:7.1} ms  (min {pmin:.1}, max {pmax:.1})");
    println!("serial (baseline):    median {smed:7.1} ms  (min {smin:.1}, max {smax:.1})");
    println!("parallel / serial:    {:.2}", pmed / smed);
    println!("parallel − L:         {:.1} ms (target ≤ 60)", pmed - latency as f64);
    let mut kinds: Vec<_> = per_source.into_iter().collect();
    kinds.sort_by_key(|(k, _)| format!("{k:?}"));
    for (kind, v) in kinds {
        let (_, med, _) = median(v);
        println!("  {kind:?} answered after {med:7.1} ms (median, parallel)");
    }

    // One of the platform's searches trickling: the rest of the platform must not wait.
    sb.set_search_fault("Condition", Some(Fault::Trickle));
    let trickle_runs = runs.clamp(1, 5);
    let (mut banner, mut last_other) = (Vec::new(), Vec::new());
    for _ in 0..trickle_runs {
        let (b, o) = platform_parts_arrival(&ws, &target).await;
        banner.push(b);
        last_other.push(o);
    }
    let (_, bmed, bmax) = median(banner);
    let (_, omed, omax) = median(last_other);
    println!("the platform's Condition search trickling, {trickle_runs} runs (its part given up at the deadline):");
    println!(
        "  banner part after        {bmed:7.1} ms (max {bmax:.1}): L + {:.1} ms (target ≤ 60)",
        bmed - latency as f64
    );
    println!(
        "  last other part after    {omed:7.1} ms (max {omax:.1}): L + {:.1} ms (target ≤ 60)",
        omed - latency as f64
    );
}

/// Opens the patient with one platform search stuck: when the banner arrived, and when
/// the last of the platform's views not waiting for that search (all but care) arrived.
async fn platform_parts_arrival(ws: &Workspace, target: &PatientTarget) -> (f64, f64) {
    let started = Instant::now();
    let times: Arc<Mutex<(Option<f64>, f64)>> = Arc::default();
    let sink_times = times.clone();
    ws.open_patient_view(
        target,
        None,
        Concurrency::Parallel,
        Arc::new(move |parts| {
            let at = started.elapsed().as_secs_f64() * 1000.0;
            let mut t = sink_times.lock().unwrap();
            for part in parts {
                match part {
                    OverviewPart::Banner { .. } => t.0 = t.0.or(Some(at)),
                    OverviewPart::Vitals { .. }
                    | OverviewPart::Warnings { .. }
                    | OverviewPart::Notes { .. }
                    | OverviewPart::Visits { .. }
                    | OverviewPart::HomeMeasurements { .. } => t.1 = t.1.max(at),
                    _ => {}
                }
            }
        }),
    )
    .await
    .expect("the patient opens");
    let (banner, last) = *times.lock().unwrap();
    (banner.expect("a banner from the platform"), last)
}
