//! The clinician's day against the built-in sandbox: sign in through the test IdP
//! shortcut, load the worklist, open a patient.

use arbeidsflate_core::keystore::EphemeralStore;
use arbeidsflate_core::{Profile, Workspace};
use arbeidsflate_model::collected::CollectedView;
use arbeidsflate_model::overview::PatientTarget;
use arbeidsflate_model::view::{ClinicianRole, WorklistKind};
use arbeidsflate_model::{AppError, ErrorCode};
use sandbox::{Sandbox, SandboxOptions};
use std::sync::Arc;

/// A worklist patient's view, once every source has answered.
async fn view_of(ws: &Workspace, patient_ref: &str) -> Result<CollectedView, AppError> {
    ws.open_patient_view_collected(&PatientTarget::Worklist { patient_ref: patient_ref.into() }, None).await
}

async fn sandbox() -> (Sandbox, Profile) {
    sandbox_with(SandboxOptions::at(clock::matrix::test_now())).await
}

async fn sandbox_with(options: SandboxOptions) -> (Sandbox, Profile) {
    let sb = Sandbox::start(options).await.unwrap();
    let profile = Profile::sandbox(
        &sb.idp_url,
        &sb.fhir_url,
        sandbox::MUNICIPAL_AUDIENCE,
        sandbox::MUNICIPAL_SCOPE,
        sandbox::CLIENT_ID,
    );
    (sb, profile)
}

fn pid_of(sb: &Sandbox, role: ClinicianRole) -> String {
    sb.clinicians.iter().find(|c| c.role == role).unwrap().pid.clone()
}

/// A workspace that signs in as the sandbox's first clinician in `role`.
fn workspace_as(sb: &Sandbox, profile: Profile, role: ClinicianRole) -> Workspace {
    Workspace::with_test_user(profile, Arc::new(EphemeralStore::default()), Some(pid_of(sb, role)))
        .with_clock(sb.clock.clone())
}

#[tokio::test]
async fn nursing_home_nurse_sees_her_ward_and_opens_a_resident() {
    let (sb, profile) = sandbox().await;
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeNurse);
    let me = ws.sign_in_headless().await.unwrap();
    assert_eq!(me.role, ClinicianRole::NursingHomeNurse);
    assert!(!me.hpr_number.is_empty());

    let list = ws.worklist().await.unwrap();
    assert!(matches!(list.kind, WorklistKind::Ward { .. }));
    assert!((15..=20).contains(&list.entries.len()), "{}", list.entries.len());
    assert!(list.entries.iter().all(|e| e.room.is_some()));

    let first = &list.entries[0];
    let requests_before = sb.fhir_requests();
    let view = view_of(&ws, &first.patient_ref).await.unwrap();
    // Eleven API calls, one HTTP request each: the latest vitals and notes come from one page.
    assert_eq!(sb.fhir_requests() - requests_before, 11);
    let care = view.care().expect("the care lists");
    assert!(!care.conditions.is_empty() && !care.activities.is_empty());
    let banner = view.banner().expect("a banner");
    assert_eq!(banner.name, first.name);
    assert!(banner.national_id_valid && banner.synthetic);
    let medications = view.medications().expect("the medications");
    assert!(!medications.is_empty());
    let (latest_vitals, news2) = view.vitals().expect("the vitals");
    assert!(latest_vitals.len() >= 7, "all NEWS2 inputs: {}", latest_vitals.len());
    assert!(medications.iter().all(|m| m.medication.status == "active"));
    // Every NEWS2 input was measured; oxygen is not recorded in the sandbox, so air is assumed and said so.
    assert!(news2.is_complete(), "missing {:?}", news2.missing);
    assert!(news2.oxygen_assumed_air);
    assert_eq!(news2.total, news2.inputs.iter().map(|i| i.points).sum::<u8>());
    // The nursing notes the platform holds for the last two weeks, newest first, with their writers.
    let held = sb
        .fhir_resources()
        .into_iter()
        .filter(|r| {
            r["resourceType"] == "DocumentReference"
                && r["type"]["coding"][0]["code"] == "34746-8"
                && r["subject"]["reference"] == format!("Patient/{}", first.patient_ref).as_str()
        })
        .count();
    assert!(held > 0, "the sandbox writes notes for every resident");
    let notes = view.notes().expect("the notes");
    assert_eq!(notes.len(), held);
    assert!(notes.windows(2).all(|w| w[0].date >= w[1].date), "{notes:?}");
    assert!(notes.iter().all(|n| n.author.as_deref() == Some("Ingrid Solbakken") && !n.text.is_empty()));
}

#[tokio::test]
async fn home_care_nurse_sees_todays_visits_in_time_order() {
    let (sb, profile) = sandbox().await;
    let ws = workspace_as(&sb, profile, ClinicianRole::HomeCareNurse);
    ws.sign_in_headless().await.unwrap();
    let list = ws.worklist().await.unwrap();
    assert!(matches!(list.kind, WorklistKind::Route { .. }));
    assert!(!list.entries.is_empty());
    let starts: Vec<&String> = list.entries.iter().map(|e| e.visit_start.as_ref().unwrap()).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    assert!(list.entries.iter().all(|e| e.address.is_some()));
    // The route lists today's visits only; the patient's view has the days before too,
    // carried out, oldest first, and today's still booked.
    let day_of = |at: &str| clock::clinical_day(clock::parse_instant(at).unwrap());
    assert!(list.entries.iter().all(|e| day_of(e.visit_start.as_deref().unwrap()) == sb.today));
    let view = view_of(&ws, &list.entries[0].patient_ref).await.unwrap();
    let visits = view.visits().expect("the visits");
    let today = list.entries[0].visit_id.clone().unwrap();
    assert!(visits.iter().any(|v| v.id == today && v.status == "booked"), "{visits:?}");
    let past = visits.iter().filter(|v| v.status == "fulfilled").count();
    assert!(past >= 3, "three days of carried-out visits: {visits:?}");
    assert!(visits.windows(2).all(|w| w[0].start <= w[1].start));

    // Someone on the route measures at home: the readings by kind, newest first, with
    // the device; none of them is taken for a staff measurement in NEWS2.
    let resources = sb.fhir_resources();
    let home_of = |patient_ref: &str| {
        resources
            .iter()
            .filter(|r| r["resourceType"] == "Observation" && r["device"].is_object())
            .filter(|r| r["subject"]["reference"] == format!("Patient/{patient_ref}").as_str())
            .count()
    };
    let monitored = list.entries.iter().find(|e| home_of(&e.patient_ref) > 0).expect("home monitoring on the route");
    let view = view_of(&ws, &monitored.patient_ref).await.unwrap();
    let home = view.home_measurements().expect("the home measurements");
    let readings: usize = home.iter().map(|s| s.readings.len()).sum();
    assert_eq!(readings, home_of(&monitored.patient_ref), "two weeks, every reading");
    let labels: Vec<&str> = home.iter().map(|s| s.label.as_str()).collect();
    assert!(labels.contains(&"Blodtrykk") && labels.contains(&"Vekt"), "{labels:?}");
    let bp = home.iter().find(|s| s.code == "85354-9").unwrap();
    assert!(bp.readings[0].display.contains('/') && bp.unit == "mmHg", "{bp:?}");
    assert_eq!(bp.device.as_deref(), Some("Blodtrykksmåler (syntetisk)"));
    assert!(bp.readings.windows(2).all(|w| w[0].effective > w[1].effective));
    let home_times: Vec<&str> = bp.readings.iter().map(|r| r.effective.as_str()).collect();
    let (latest_vitals, _) = view.vitals().expect("the vitals");
    assert!(latest_vitals.iter().all(|v| !home_times.contains(&v.effective.as_str())), "NEWS2 is staff's");
}

#[tokio::test]
async fn below_its_minimum_version_the_app_signs_no_one_in_and_shows_no_patient() {
    let (sb, mut profile) = sandbox().await;
    profile.updates.minimum_version = Some("99.0.0".into());
    assert!(profile.updates.update_required());
    let ws = workspace_as(&sb, profile.clone(), ClinicianRole::NursingHomeNurse);
    let refused = ws.sign_in_headless().await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::UpdateRequired);
    assert!(
        refused.detail.contains("99.0.0") && refused.detail.contains(env!("CARGO_PKG_VERSION")),
        "{}",
        refused.detail
    );
    assert_eq!(ws.worklist().await.unwrap_err().code, ErrorCode::UpdateRequired);
    assert!(ws.clinician().await.is_none());

    // This version or older as the minimum: business as usual.
    profile.updates.minimum_version = Some(env!("CARGO_PKG_VERSION").into());
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeNurse);
    ws.sign_in_headless().await.unwrap();
    assert!(!ws.worklist().await.unwrap().entries.is_empty());
}

#[tokio::test]
async fn the_doctor_covers_both_wards() {
    let (sb, profile) = sandbox().await;
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeDoctor);
    let me = ws.sign_in_headless().await.unwrap();
    assert_eq!(me.role, ClinicianRole::NursingHomeDoctor);
    assert!(ws.worklist().await.unwrap().entries.len() >= 30);
}

#[tokio::test]
async fn a_patient_off_the_worklist_is_refused_and_bad_numbers_are_rejected() {
    let (sb, profile) = sandbox().await;
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeNurse);
    ws.sign_in_headless().await.unwrap();
    let e = view_of(&ws, "pas-999999").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::PatientNotFound);
    let typed = PatientTarget::NationalId { national_id: "12345678901".into() };
    let e = ws.open_patient_view_collected(&typed, None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidNationalId);
    assert!(e.detail.contains("check digits"), "{}", e.detail);
}

#[tokio::test]
async fn nothing_works_before_sign_in_and_after_sign_out() {
    let (sb, profile) = sandbox().await;
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeNurse);
    assert_eq!(ws.worklist().await.unwrap_err().code, ErrorCode::NotSignedIn);
    ws.sign_in_headless().await.unwrap();
    ws.worklist().await.unwrap();
    ws.sign_out(None).await.unwrap();
    assert_eq!(ws.worklist().await.unwrap_err().code, ErrorCode::NotSignedIn);
    assert!(ws.clinician().await.is_none());
}

#[tokio::test]
async fn a_production_profile_cannot_use_the_test_login() {
    let (sb, mut profile) = sandbox().await;
    profile.environment.kind = arbeidsflate_core::profile::EnvironmentKind::Production;
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeNurse);
    assert_eq!(ws.sign_in_headless().await.unwrap_err().code, ErrorCode::InvalidProfile);
}

#[tokio::test]
async fn an_expired_sign_in_asks_for_a_new_one_and_the_same_user_carries_on() {
    let lifetimes = sandbox::TokenLifetimes {
        access: std::time::Duration::from_secs(1),
        refresh: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    let (sb, profile) =
        sandbox_with(SandboxOptions { lifetimes, ..SandboxOptions::at(clock::matrix::test_now()) }).await;
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeNurse);
    let me = ws.sign_in_headless().await.unwrap();
    ws.worklist().await.expect("renewed silently while the refresh token lives");
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(ws.worklist().await.unwrap_err().code, ErrorCode::SessionExpired);
    // Signing in again brings the same clinician back to work.
    let again = ws.sign_in_headless().await.unwrap();
    assert_eq!(again, me);
    ws.worklist().await.unwrap();
}

#[tokio::test]
async fn a_locked_workspace_serves_nothing_until_the_user_signs_in_again() {
    let (sb, profile) = sandbox().await;
    let ws = workspace_as(&sb, profile, ClinicianRole::NursingHomeNurse);
    ws.sign_in_headless().await.unwrap();
    let list = ws.worklist().await.unwrap();
    ws.lock();
    assert_eq!(ws.worklist().await.unwrap_err().code, ErrorCode::Locked);
    assert_eq!(view_of(&ws, &list.entries[0].patient_ref).await.unwrap_err().code, ErrorCode::Locked);
    ws.sign_in_headless().await.unwrap();
    assert!(!ws.is_locked());
    view_of(&ws, &list.entries[0].patient_ref).await.unwrap();
}
