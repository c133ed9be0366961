//! The workspace at every instant of the date matrix (`clock::matrix`): the first of a
//! month, New Year's Eve, a leap day, 1 March, both nights the clocks change, 00:30 in
//! Oslo while UTC is still on yesterday, and 23:59. The sandbox and the workspace share
//! one clock set to the instant, so the world is that day's and nothing reads the
//! machine's clock or zone. `ARBEIDSFLATE_TEST_NOW=<RFC 3339>` runs one instant.

mod common;

use arbeidsflate_model::overview::{SourceKind, SourceState};
use arbeidsflate_model::view::{ClinicianRole, VitalKind, WorklistKind};
use arbeidsflate_model::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use clock::{clinical_day, day_start, parse_instant};
use common::{open, signed_in_at, state_of, view_of, worklist, Setup};
use sandbox::faults::{Fault, Service};
use serde_json::{json, Value};
use std::sync::atomic::AtomicBool;

fn instant(s: &str) -> DateTime<Utc> {
    parse_instant(s).unwrap_or_else(|| panic!("{s:?} is not a time"))
}

/// No network at all: HelseID out of reach as well as every service.
fn network(sb: &sandbox::Sandbox, up: bool) {
    for s in Service::ALL {
        sb.set_fault(s, (!up).then_some(Fault::Disconnected));
    }
}

#[tokio::test]
async fn the_home_care_route_is_the_norwegian_days_visits_at_every_instant() {
    for (at, why) in clock::matrix::date_matrix() {
        let Setup { sb, ws, entries, .. } = signed_in_at(at, ClinicianRole::HomeCareNurse, |_| {}).await;
        let today = clinical_day(at);
        assert_eq!(sb.today, today, "{why}: the sandbox's world is the Norwegian day's");
        let list = ws.worklist().await.unwrap();
        assert_eq!(list.kind, WorklistKind::Route { date: today.to_string() }, "{why}");

        // Exactly the nurse's visits whose start falls on the Norwegian day, in time order.
        let nurse = sb.clinicians.iter().find(|c| c.role == ClinicianRole::HomeCareNurse).unwrap();
        let actor = format!("Practitioner/{}", nurse.practitioner_id);
        let expected = sb
            .fhir_resources()
            .iter()
            .filter(|r| r["resourceType"] == "Appointment")
            .filter(|a| a["participant"].as_array().unwrap().iter().any(|p| p["actor"]["reference"] == actor.as_str()))
            .filter(|a| clinical_day(instant(a["start"].as_str().unwrap())) == today)
            .count();
        assert!(expected > 0, "{why}: the nurse has visits today");
        assert_eq!(entries.len(), expected, "{why}");
        let starts: Vec<DateTime<Utc>> = entries.iter().map(|e| instant(e.visit_start.as_deref().unwrap())).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{why}: in time order");
        assert!(starts.iter().all(|s| clinical_day(*s) == today), "{why}");

        // The patient's view: today's visit booked, the three days before carried out.
        let view = view_of(&ws, &entries[0].patient_ref).await.unwrap();
        let visits = view.visits().expect("the visits");
        let today_visit = entries[0].visit_id.clone().unwrap();
        assert!(visits.iter().any(|v| v.id == today_visit && v.status == "booked"), "{why}");
        let days: std::collections::BTreeSet<_> = visits
            .iter()
            .filter(|v| v.status == "fulfilled")
            .map(|v| clinical_day(instant(v.start.as_deref().unwrap())))
            .collect();
        let expected_days: std::collections::BTreeSet<_> = (1..=3).map(|d| today - Duration::days(d)).collect();
        assert!(expected_days.is_subset(&days), "{why}: {days:?}");
        // Notes: the last fourteen Norwegian days, none from the future.
        for note in view.notes().expect("the notes") {
            let written = instant(note.date.as_deref().unwrap());
            assert!(written <= at && written >= day_start(today - Duration::days(14)), "{why}: {written}");
        }
    }
}

#[tokio::test]
async fn the_latest_vital_signs_are_the_newest_up_to_now_at_every_instant() {
    for (at, why) in clock::matrix::date_matrix() {
        let Setup { sb, ws, entries, .. } = signed_in_at(at, ClinicianRole::NursingHomeNurse, |_| {}).await;
        let patient = &entries[0].patient_ref;
        let reading = |id: &str, when: String, pulse: f64| -> Value {
            json!({
                "resourceType": "Observation", "id": id, "status": "final",
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
                "subject": {"reference": format!("Patient/{patient}")}, "effectiveDateTime": when,
                "meta": {"versionId": "1", "lastUpdated": when},
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "valueQuantity": {"value": pulse, "unit": "slag/min", "system": "http://unitsofmeasure.org", "code": "/min"}
            })
        };
        let zulu = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // The newest reading written in UTC; one 40 minutes older written far east of
        // Greenwich, so its text sorts later; one two hours in the future (a clock error).
        let older = (at - Duration::minutes(40)).with_timezone(&chrono::FixedOffset::east_opt(14 * 3600).unwrap());
        sb.add_resource(reading("matrise-eldre", older.to_rfc3339(), 71.0));
        sb.add_resource(reading("matrise-nyest", zulu(at - Duration::minutes(10)), 72.0));
        sb.add_resource(reading("matrise-fremtid", zulu(at + Duration::hours(2)), 199.0));

        let view = view_of(&ws, patient).await.unwrap();
        let (latest_vitals, news2) = view.vitals().expect("the vitals");
        let pulse = latest_vitals.iter().find(|v| v.kind == VitalKind::Pulse).expect("a pulse");
        assert_eq!(pulse.value, 72.0, "{why}: the newest by instant, not by text, and none from the future");
        assert!(latest_vitals.iter().all(|v| instant(&v.effective) <= at + Duration::minutes(5)), "{why}");
        let pulse_input = news2.inputs.iter().find(|i| i.parameter == arbeidsflate_model::news2::News2Parameter::Pulse);
        assert_eq!(pulse_input.map(|i| i.value), Some(72.0), "{why}: NEWS2 scores that reading");

        // The day's chart: the last 24 hours up to now, ending at now.
        let (statuses, _) = open(&ws, worklist(&entries[0]), None).await;
        assert_eq!(state_of(&statuses.unwrap(), SourceKind::Municipal), SourceState::Fresh, "{why}");
        let day = ws.vitals_history(arbeidsflate_model::history::VitalsPeriod::Day).await.unwrap();
        assert!(instant(&day.to) >= at && instant(&day.to) - at < Duration::minutes(1), "{why}: {}", day.to);
        assert_eq!(
            instant(&day.to) - instant(&day.from),
            Duration::hours(24),
            "{why}: 24 real hours, whatever the wall clock does"
        );
        let pulses: Vec<f64> = day
            .series
            .iter()
            .filter(|s| s.kind == VitalKind::Pulse)
            .flat_map(|s| s.points.iter().map(|p| p.value))
            .collect();
        assert!(pulses.contains(&71.0) && pulses.contains(&72.0) && !pulses.contains(&199.0), "{why}: {pulses:?}");
    }
}

#[tokio::test]
async fn the_offline_cache_keeps_its_patients_for_real_hours_across_the_nights_the_clocks_change() {
    // Evenings before each change, and the suite's instant: the retention period
    // spans the skipped hour, the repeated hour and an ordinary night.
    let evenings = ["2027-03-27T20:00:00Z", "2027-10-30T20:00:00Z"].map(instant);
    for at in evenings.into_iter().chain([clock::matrix::test_now()]) {
        let Setup { sb, clock, ws, entries, .. } = signed_in_at(at, ClinicianRole::HomeCareNurse, |p| {
            // The sign-in outlives the cache, so only the retention decides.
            p.offline.grace_hours = 72;
        })
        .await;
        let retention = i64::from(ws.profile().offline.retention_hours);
        ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
        network(&sb, false);
        clock.advance(Duration::hours(retention) - Duration::minutes(2));
        let (statuses, _) = open(&ws, worklist(&entries[0]), None).await;
        assert_eq!(state_of(&statuses.unwrap(), SourceKind::Municipal), SourceState::Cached, "{at}");
        clock.advance(Duration::minutes(4));
        let (statuses, _) = open(&ws, worklist(&entries[0]), None).await;
        assert_eq!(
            statuses.unwrap_err().code,
            ErrorCode::NotCached,
            "{at}: {retention} hours after, not by the wall clock"
        );
    }
}
