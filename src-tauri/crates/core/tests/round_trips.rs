//! HelseID round trips on the way to a patient. HelseID rotates the refresh token on
//! every use, so the national services' per-patient tokens come one after another; a
//! worklist patient prepared ahead (the row in focus, the next visit, the offline sync)
//! opens with none of them, and nothing the client does at once ever presents a spent
//! refresh token (the sandbox's HelseID revokes the session if it does).

mod common;

use arbeidsflate_core::Preparation;
use arbeidsflate_model::view::ClinicianRole;
use arbeidsflate_model::view::WorklistEntry;
use common::{open, signed_in_as, worklist, Setup};
use std::sync::atomic::AtomicBool;

/// Worklist patients every national source answers for.
fn answered_by_all<'a>(sb: &sandbox::Sandbox, entries: &'a [WorklistEntry]) -> Vec<&'a WorklistEntry> {
    entries
        .iter()
        .filter(|e| !e.national_id.is_empty())
        .filter(|e| sb.kjernejournal_record(&common::nin_of(e)).is_some_and(|r| !r.reserved && !r.restricted))
        .collect()
}

#[tokio::test]
async fn a_prepared_patient_opens_without_asking_helseid_and_a_cold_one_asks_once_per_attested_service() {
    let Setup { sb, ws, entries, .. } = signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await;
    let patients = answered_by_all(&sb, &entries);
    let (prepared, cold) = (patients[0], patients[1]);

    let outcome = ws.prepare_patient(&prepared.patient_ref).await.unwrap();
    // Kjernejournal's and document sharing's for her, and whichever of the tokens serving
    // every patient (the medication list's, Persontjenesten's) were not fetched yet.
    assert!(matches!(outcome, Preparation::Prepared { tokens: 2..=4 }), "{outcome:?}");
    assert_eq!(ws.prepare_patient(&prepared.patient_ref).await.unwrap(), Preparation::AlreadyPrepared);
    let before = sb.tokens_issued();
    let (statuses, _) = open(&ws, worklist(prepared), None).await;
    statuses.unwrap();
    assert_eq!(sb.tokens_issued() - before, 0, "every token was there");

    let before = sb.tokens_issued();
    let (statuses, _) = open(&ws, worklist(cold), None).await;
    statuses.unwrap();
    assert_eq!(sb.tokens_issued() - before, 2, "one per service that takes the patient's attestation");
    assert_eq!(sb.refresh_reuses(), 0);
}

#[tokio::test]
async fn the_offline_sync_prepares_every_worklist_patient_for_opening() {
    let Setup { sb, ws, entries, .. } = signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    let patients = answered_by_all(&sb, &entries);
    let before = sb.tokens_issued();
    for patient in patients.iter().take(3) {
        let (statuses, _) = open(&ws, worklist(patient), None).await;
        statuses.unwrap();
    }
    assert_eq!(sb.tokens_issued() - before, 0, "the sync's access decisions and tokens serve the openings");
}

#[tokio::test]
async fn patients_opened_and_prepared_at_once_never_present_a_spent_refresh_token() {
    let Setup { sb, ws, entries, .. } = signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await;
    let patients = answered_by_all(&sb, &entries);
    let opens = patients.iter().take(4).map(|p| open(&ws, worklist(p), None));
    let prepares = patients.iter().skip(4).take(2).map(|p| ws.prepare_patient(&p.patient_ref));
    let (opened, prepared) =
        tokio::join!(futures_util::future::join_all(opens), futures_util::future::join_all(prepares));
    for (statuses, _) in opened {
        statuses.unwrap();
    }
    // One preparation at a time: the other is told to wait for the next focus.
    let outcomes: Vec<Preparation> = prepared.into_iter().map(Result::unwrap).collect();
    assert!(outcomes.iter().any(|o| matches!(o, Preparation::Prepared { .. })), "{outcomes:?}");
    assert_eq!(sb.refresh_reuses(), 0, "the chain was used one request at a time");
}

#[tokio::test]
async fn a_patient_off_the_worklist_is_not_prepared() {
    let Setup { ws, .. } = signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await;
    let e = ws.prepare_patient("pas-finnes-ikke").await.unwrap_err();
    assert_eq!(e.code, arbeidsflate_model::ErrorCode::PatientNotFound);
}
