//! The patient view's own work, without the network: a patient with 10,000
//! observations and 300 medication statements on the platform, and 300 statements
//! on the national list, from parsed FHIR to the parts the UI gets (normalising,
//! latest vital per kind, NEWS2, merging with disagreements).
//!   cargo bench -p arbeidsflate-core --bench aggregation

use arbeidsflate_model::news2::{self, Spo2Scale};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use sources::{municipal, normalize, sfm};
use std::hint::black_box;

const OBSERVATIONS: usize = 10_000;
const STATEMENTS: usize = 300;

fn observations() -> Vec<Value> {
    let codes = [("8867-4", 72.0, "/min"), ("8310-5", 37.1, "Cel"), ("59408-5", 95.0, "%"), ("9279-1", 16.0, "/min")];
    (0..OBSERVATIONS)
        .map(|i| {
            let minutes = i * 17;
            let when = format!("2026-{:02}-{:02}T{:02}:{:02}:00+01:00", 11 - (minutes / 43_200) % 10, 28 - (minutes / 1440) % 27, (minutes / 60) % 24, minutes % 60);
            if i % 5 == 4 {
                return json!({"resourceType": "Observation", "id": format!("bp-{i}"), "status": "final",
                    "meta": {"lastUpdated": when}, "effectiveDateTime": when,
                    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
                    "component": [
                        {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 120 + i % 30, "unit": "mmHg"}},
                        {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": {"value": 70 + i % 20, "unit": "mmHg"}}]});
            }
            let (code, value, unit) = codes[i % codes.len()];
            json!({"resourceType": "Observation", "id": format!("o-{i}"), "status": "final",
                "meta": {"lastUpdated": when}, "effectiveDateTime": when,
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "valueQuantity": {"value": value + (i % 7) as f64, "unit": unit}})
        })
        .collect()
}

/// 300 statements; every other one shares its ATC code with the other source, some
/// with a different dose, so the merge has matches and disagreements to find.
fn statements(source: &str) -> Vec<Value> {
    (0..STATEMENTS)
        .map(|i| {
            let shared = i % 2 == 0;
            let atc = if shared { format!("N{:02}AA{:02}", i % 97, i % 89) } else { format!("{source}{i:05}") };
            let dose = if shared && i % 6 == 0 && source == "S" { "2 tabletter morgen" } else { "1 tablett morgen" };
            json!({"resourceType": "MedicationStatement", "id": format!("{source}-{i}"), "status": "active",
                "meta": {"lastUpdated": "2026-11-01T08:00:00+01:00"},
                "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": atc}], "text": format!("Legemiddel {i} 10 mg tablett")},
                "dosage": [{"text": dose}], "effectivePeriod": {"start": "2025-02-01"},
                "informationSource": {"display": "Syntetisk lege"}})
        })
        .collect()
}

fn list_bundle() -> Value {
    let mut entries = vec![json!({"resource": {"resourceType": "Composition", "extension": []}})];
    entries.extend(statements("S").into_iter().map(|s| json!({"resource": s})));
    json!({"resourceType": "Bundle", "type": "document", "entry": entries})
}

fn bench(c: &mut Criterion) {
    let observations = observations();
    let municipal_meds = statements("M");
    let list = list_bundle();
    let fetched = "2026-11-22T07:00:00Z";
    let bundle_bytes =
        serde_json::to_vec(&json!({"resourceType": "Bundle", "type": "searchset", "entry": observations.iter().map(|o| json!({"resource": o})).collect::<Vec<_>>()}))
            .unwrap();

    c.bench_function("view from 10k observations + 2×300 statements", |b| {
        b.iter(|| {
            let vitals: Vec<_> =
                observations.iter().flat_map(|o| normalize::vital_signs(o, municipal::SOURCE_NAME, fetched)).collect();
            let latest = municipal::latest_per_kind(vitals);
            let score = news2::score(&latest, Spo2Scale::Scale1, None);
            let from_platform: Vec<_> = municipal_meds
                .iter()
                .filter_map(|m| normalize::medication(m, municipal::SOURCE_NAME, fetched))
                .collect();
            let from_list = sfm::parse_list(&list, "2026-11-20T09:14:00Z").unwrap().current;
            let merged = arbeidsflate_core::merge::medications(&[from_platform, from_list]);
            black_box((latest, score, merged))
        })
    });
    c.bench_function("merge alone: 300 + 300 statements", |b| {
        let from_platform: Vec<_> =
            municipal_meds.iter().filter_map(|m| normalize::medication(m, municipal::SOURCE_NAME, fetched)).collect();
        let from_list = sfm::parse_list(&list, "2026-11-20T09:14:00Z").unwrap().current;
        let lists = [from_platform, from_list];
        b.iter(|| black_box(arbeidsflate_core::merge::medications(black_box(&lists))))
    });
    c.bench_function("parse the 10k-observation bundle (JSON bytes → values)", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(&bundle_bytes)).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
