//! One bad record never blinds the nurse: the platform's own mistakes (a resident
//! without a name, an impossible birth date and no number, a stay pointing at a
//! patient it does not have, script in a record) leave the rest of the ward list
//! and every other resident's view as they were, and the list says what it left out.

mod common;

use arbeidsflate_model::partial::{Unreadable, UnreadableReason};
use arbeidsflate_model::view::{ClinicianRole, WorklistEntry};
use common::{signed_in_as, signed_in_on, Setup};
use sandbox::bad_records::{BadRecord, SCRIPT_PROBE};
use sandbox::SandboxOptions;

fn with_every_bad_record() -> SandboxOptions {
    SandboxOptions { bad_records: BadRecord::ALL.to_vec(), ..SandboxOptions::default() }
}

fn entry<'a>(entries: &'a [WorklistEntry], patient: &str) -> Option<&'a WorklistEntry> {
    entries.iter().find(|e| e.patient_ref == patient)
}

#[tokio::test]
async fn the_ward_list_shows_everyone_who_can_be_shown_and_says_who_could_not() {
    let healthy = signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await.entries;
    let Setup { sb: _sandbox, ws, entries, .. } =
        signed_in_on(with_every_bad_record(), clock::matrix::test_now(), ClinicianRole::NursingHomeNurse, |_| {}).await;

    // Every healthy resident is there, and the two bad records that can be shown.
    for resident in &healthy {
        assert!(entry(&entries, &resident.patient_ref).is_some(), "a healthy resident went missing");
    }
    assert_eq!(entries.len(), healthy.len() + 2);
    let undated = entry(&entries, BadRecord::ImpossibleBirthDate.patient_id()).expect("shown, with what is known");
    assert_eq!((undated.age, undated.national_id.as_str()), (None, ""), "unknown is unknown, never 0");
    // Plain text stays plain text (the window shows it as text; the window test checks
    // that none of it runs).
    let scripted = entry(&entries, BadRecord::Script.patient_id()).expect("shown");
    assert_eq!(scripted.name, format!("Sara Skriptesen {SCRIPT_PROBE}"));
    assert!(entry(&entries, BadRecord::Nameless.patient_id()).is_none());

    // What was left out, by reason and never by content.
    let list = ws.worklist().await.unwrap();
    assert_eq!(
        list.unreadable,
        [
            Unreadable { resource_type: "Patient".into(), reason: UnreadableReason::NoName, count: 1 },
            Unreadable { resource_type: "Encounter".into(), reason: UnreadableReason::MissingPatient, count: 1 },
        ]
    );
    let said = serde_json::to_string(&list.unreadable).unwrap();
    assert!(!said.contains(BadRecord::Nameless.patient_id()) && !said.contains("Feilsen"));

    // Any other resident opens as before; so does the one with script.
    let overview = ws.open_patient(&healthy[0].patient_ref).await.unwrap();
    assert_eq!(overview.banner.name, healthy[0].name);
    let overview = ws.open_patient(BadRecord::Script.patient_id()).await.unwrap();
    assert!(overview.notes.iter().any(|n| n.text.starts_with("Urolig natt.")), "{:?}", overview.notes);
    assert_eq!(overview.warnings.len(), 1);
}

#[tokio::test]
async fn the_route_shows_every_visit_it_can_and_counts_the_visit_to_a_patient_who_is_not_there() {
    let healthy = signed_in_as(ClinicianRole::HomeCareNurse, |_| {}).await.entries;
    let Setup { sb: _sandbox, ws, entries, .. } =
        signed_in_on(with_every_bad_record(), clock::matrix::test_now(), ClinicianRole::HomeCareNurse, |_| {}).await;
    assert_eq!(
        entries.iter().map(|e| &e.visit_id).collect::<Vec<_>>(),
        healthy.iter().map(|e| &e.visit_id).collect::<Vec<_>>()
    );
    let list = ws.worklist().await.unwrap();
    assert_eq!(
        list.unreadable,
        [Unreadable { resource_type: "Appointment".into(), reason: UnreadableReason::MissingPatient, count: 1 }]
    );
}
