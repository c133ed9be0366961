//! The vital-signs chart's data for the open patient: from the platform, the same from
//! the offline cache with the platform out of reach, and nothing without an open patient.

mod common;

use arbeidsflate_model::history::VitalsPeriod;
use arbeidsflate_model::view::VitalKind;
use arbeidsflate_model::ErrorCode;
use common::{open, signed_in, worklist, Setup};
use sandbox::faults::{Fault, Service};
use std::sync::atomic::AtomicBool;

/// Pulse measurements the sandbox holds for a patient (LOINC 8867-4).
fn pulses_on_platform(sb: &sandbox::Sandbox, patient_ref: &str) -> usize {
    sb.fhir_resources()
        .iter()
        .filter(|r| r["resourceType"] == "Observation")
        .filter(|r| r["subject"]["reference"] == format!("Patient/{patient_ref}").as_str())
        .filter(|r| r["code"]["coding"][0]["code"] == "8867-4")
        // Pulses measured at home by welfare technology are not the staff's vital signs.
        .filter(|r| r.get("device").is_none())
        .count()
}

#[tokio::test]
async fn the_history_comes_from_the_platform_and_offline_from_the_cache_alike() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    assert_eq!(ws.vitals_history(VitalsPeriod::Week).await.unwrap_err().code, ErrorCode::PatientNotFound);

    let patient = &entries[0];
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    open(&ws, worklist(patient), None).await.0.unwrap();

    // The sandbox measures every 2–4 days over six months: all of it in two years.
    let online = ws.vitals_history(VitalsPeriod::TwoYears).await.unwrap();
    let pulse = online.series.iter().find(|s| s.kind == VitalKind::Pulse).expect("a pulse series");
    assert_eq!(pulse.points.len(), pulses_on_platform(&sb, &patient.patient_ref));
    assert!(pulse.points.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
    assert!(online.news2.len() >= pulse.points.len(), "a NEWS2 point per set");
    assert_eq!(online.provenance.source, "Kommunal plattform");
    let week = ws.vitals_history(VitalsPeriod::Week).await.unwrap();
    let week_pulses = week.series.iter().find(|s| s.kind == VitalKind::Pulse).map_or(0, |s| s.points.len());
    assert!(week_pulses < pulse.points.len(), "a week is less than six months");
    assert!(week.series.iter().flat_map(|s| &s.points).all(|p| p.at >= week.from));

    // The platform goes out of reach: the same series from the cache, dated by the sync.
    for s in [Service::Fhir, Service::Kjernejournal, Service::MedicationList, Service::Documents, Service::Person] {
        sb.set_fault(s, Some(Fault::Disconnected));
    }
    let offline = ws.vitals_history(VitalsPeriod::TwoYears).await.unwrap();
    assert_eq!(offline.series, online.series);
    assert_eq!(offline.news2, online.news2);
    // A shorter period reads only its range from the cache, with the same result.
    let offline_week = ws.vitals_history(VitalsPeriod::Week).await.unwrap();
    assert_eq!((offline_week.series, offline_week.news2), (week.series, week.news2));
    assert!(offline.provenance.fetched_at <= online.provenance.fetched_at);
    assert!(!ws.is_online());
}
