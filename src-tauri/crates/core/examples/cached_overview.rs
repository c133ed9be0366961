//! Opening a cached patient overview for a patient with 10,000 observations, on the
//! encrypted store and on the same schema in clear (the price of SQLCipher as a
//! ratio), and queueing a set of vital signs in the outbox.
//!
//! `cargo run --release -p arbeidsflate-core --example cached_overview`

use arbeidsflate_core::cache::record::record_from;
use arbeidsflate_store::{AccessEntry, MasterKey, NewWrite, Store};
use serde_json::{json, Value};
use std::time::Instant;

const OBSERVATIONS: usize = 10_000;
const ROUNDS: usize = 2_000;
const PATIENT: &str = "bench-patient";
const CODES: [&str; 6] = ["9279-1", "59408-5", "85354-9", "8867-4", "80288-4", "8310-5"];

fn record() -> Vec<Value> {
    let mut out = vec![json!({"resourceType": "Patient", "id": PATIENT,
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13814006675"}],
        "name": [{"family": "Testesen", "given": ["Syntetisk"]}], "birthDate": "1940-01-13", "gender": "female"})];
    for i in 0..10 {
        out.push(json!({"resourceType": "AllergyIntolerance", "id": format!("a{i}"), "patient": {"reference": format!("Patient/{PATIENT}")},
            "clinicalStatus": {"coding": [{"code": "active"}]}, "code": {"text": format!("Stoff {i}")}}));
        out.push(json!({"resourceType": "MedicationStatement", "id": format!("m{i}"), "status": "active",
            "subject": {"reference": format!("Patient/{PATIENT}")}, "medicationCodeableConcept": {"text": format!("Legemiddel {i}")}}));
    }
    for i in 0..OBSERVATIONS {
        let code = CODES[i % CODES.len()];
        let minutes = (i / CODES.len()) as i64 * 30;
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap() + chrono::Duration::minutes(minutes);
        let mut o = json!({"resourceType": "Observation", "id": format!("o{i}"), "status": "final",
            "subject": {"reference": format!("Patient/{PATIENT}")},
            "category": [{"coding": [{"code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": at.to_rfc3339(), "meta": {"versionId": "1", "lastUpdated": at.to_rfc3339()}});
        match code {
            "85354-9" => {
                o["component"] = json!([
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 120, "unit": "mmHg"}},
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": {"value": 80, "unit": "mmHg"}}])
            }
            "80288-4" => {
                o["valueCodeableConcept"] =
                    json!({"coding": [{"system": "http://snomed.info/sct", "code": "248234008"}], "text": "Våken"})
            }
            _ => o["valueQuantity"] = json!({"value": 70 + (i % 20), "unit": "/min"}),
        }
        out.push(o);
    }
    out
}

/// The benchmark's fixed "now", an hour after its records were fetched: the figures
/// must not depend on the day it runs.
fn now() -> chrono::DateTime<chrono::Utc> {
    clock::parse_instant("2026-11-22T08:00:00Z").expect("a fixed instant")
}

fn open_overview(store: &Store, now_ms: i64) -> usize {
    let record = record_from(store, PATIENT, now_ms).unwrap().expect("cached");
    let today = clock::clinical_day(now());
    let o =
        sources::record::build_overview(PATIENT, &record, "Kommunal plattform", "2026-11-22T07:00:00Z", today, now())
            .unwrap();
    o.latest_vitals.len() + o.allergies.len() + o.medications.len()
}

/// Median and 95th percentile in milliseconds.
fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (samples[samples.len() / 2], samples[samples.len() * 95 / 100])
}

/// Opens alternate between the two stores, so both see the same machine state.
fn time_overviews(a: &Store, b: &Store) -> [(f64, f64); 2] {
    let now_ms = now().timestamp_millis();
    for store in [a, b] {
        assert_eq!(
            open_overview(store, now_ms),
            7 + 10 + 10,
            "the latest of each vital sign, allergies and medications"
        );
    }
    let mut samples = [Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        for (i, store) in [a, b].into_iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(open_overview(store, now_ms));
            samples[i].push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let [x, y] = samples;
    [percentiles(x), percentiles(y)]
}

/// The first open after the database was opened (nothing decrypted in memory yet).
fn time_cold(open: impl Fn() -> Store) -> (f64, f64) {
    let now_ms = now().timestamp_millis();
    let samples = (0..50)
        .map(|_| {
            let store = open();
            let t = Instant::now();
            std::hint::black_box(open_overview(&store, now_ms));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    percentiles(samples)
}

fn main() {
    let root = std::env::temp_dir().join(format!("arbeidsflate-bench-cached-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let master = MasterKey::generate();
    let (encrypted, _) = Store::open(&root.join("encrypted"), "13814006675", &master).unwrap();
    let plain = Store::open_plaintext_for_benchmarks(&root.join("plain")).unwrap();
    let resources = record();
    for store in [&encrypted, &plain] {
        store.put_resources("municipal", PATIENT, &resources).unwrap();
        store.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let [(enc_med, enc_p95), (plain_med, plain_p95)] = time_overviews(&encrypted, &plain);
    let (cold_enc_med, cold_enc_p95) =
        time_cold(|| Store::open(&root.join("encrypted"), "13814006675", &master).unwrap().0);
    let (cold_plain_med, cold_plain_p95) =
        time_cold(|| Store::open_plaintext_for_benchmarks(&root.join("plain")).unwrap());
    println!("cached overview, {OBSERVATIONS} observations, {ROUNDS} opens each, alternating:");
    println!("  SQLCipher  median {enc_med:.3} ms  p95 {enc_p95:.3} ms");
    println!("  plain      median {plain_med:.3} ms  p95 {plain_p95:.3} ms");
    println!("  SQLCipher / plain: median {:.2}, p95 {:.2}", enc_med / plain_med, enc_p95 / plain_p95);
    println!("first open after opening the database, 50 times each:");
    println!("  SQLCipher  median {cold_enc_med:.3} ms  p95 {cold_enc_p95:.3} ms");
    println!("  plain      median {cold_plain_med:.3} ms  p95 {cold_plain_p95:.3} ms");
    println!(
        "  SQLCipher / plain: median {:.2}, p95 {:.2}",
        cold_enc_med / cold_plain_med,
        cold_enc_p95 / cold_plain_p95
    );

    let vitals = arbeidsflate_model::offline::VitalsEntry {
        respiratory_rate: Some(18.0),
        spo2: Some(96.0),
        systolic_bp: Some(130.0),
        diastolic_bp: Some(80.0),
        pulse: Some(88.0),
        temperature: Some(37.1),
        consciousness: Some(arbeidsflate_model::offline::Consciousness::Alert),
    };
    let samples: Vec<f64> = (0..500)
        .map(|i| {
            let t = Instant::now();
            let obs = arbeidsflate_core::outbox::requests::vitals_observations(
                &vitals,
                PATIENT,
                "Practitioner/p1",
                "2026-11-22T09:00:00Z",
                sources::random_uuid,
            );
            let body = json!({"request": "transaction", "bundle": arbeidsflate_core::outbox::requests::conditional_creates(&obs)}).to_string();
            let id = format!("c-{i}");
            let write = NewWrite { client_id: &id, created_at: "2026-11-22T09:00:00Z", kind: "vitals", patient_key: PATIENT, summary: "6 målinger", body: &body };
            encrypted.enqueue(&write, "municipal", &obs, &AccessEntry { at: "2026-11-22T09:00:00Z", entry: "{}" }).unwrap();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let (med, p95) = percentiles(samples);
    println!(
        "enqueue a set of vital signs (6 Observations, with its access entry): median {med:.3} ms  p95 {p95:.3} ms"
    );
    let _ = std::fs::remove_dir_all(&root);
}
