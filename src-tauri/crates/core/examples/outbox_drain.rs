//! Draining 500 writes queued offline against the sandbox: sets of vital signs
//! recorded with the platform out of reach, then sent when it is back.
//!
//! `cargo run --release -p arbeidsflate-core --example outbox_drain`

#[path = "../tests/common/mod.rs"]
mod common;

use arbeidsflate_model::offline::VitalsEntry;
use sandbox::faults::{Fault, Service};
use std::time::Instant;

const WRITES: usize = 500;

#[tokio::main]
async fn main() {
    let common::Setup { sb, ws, entries, .. } = common::signed_in().await;
    ws.sync(|_| {}, &std::sync::atomic::AtomicBool::new(false)).await.unwrap();
    sb.set_fault(Service::Fhir, Some(Fault::Disconnected));
    ws.worklist().await.unwrap();
    let queued = Instant::now();
    for i in 0..WRITES {
        let patient = &entries[i % entries.len()].patient_ref;
        let vitals = VitalsEntry { pulse: Some(60.0 + (i % 40) as f64), spo2: Some(95.0), ..Default::default() };
        ws.record_vitals(patient, &vitals).await.unwrap();
    }
    let queue_ms = queued.elapsed().as_millis();
    sb.set_fault(Service::Fhir, None);
    let started = Instant::now();
    let report = ws.drain_outbox().await.unwrap();
    let drain_ms = started.elapsed().as_millis();
    assert_eq!(report.sent as usize, WRITES, "{report:?}");
    assert!(ws.outbox_items().await.unwrap().is_empty());
    println!("{WRITES} writes queued offline in {queue_ms} ms; drained in {drain_ms} ms ({:.1} ms each), {} access log entries shipped", drain_ms as f64 / WRITES as f64, report.audit_shipped);
}
