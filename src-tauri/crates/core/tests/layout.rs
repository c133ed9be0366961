//! The overview layout through the workspace against the sandbox: the role default from
//! the profile, IT's locks, and the clinician's arrangement kept across restarts.

use arbeidsflate_core::keystore::EphemeralStore;
use arbeidsflate_core::profile::RoleLayoutSettings;
use arbeidsflate_core::{Profile, Workspace};
use arbeidsflate_model::layout::{LayoutItem, WidgetId, WidgetSize};
use arbeidsflate_model::view::ClinicianRole;
use arbeidsflate_model::ErrorCode;
use sandbox::{Sandbox, SandboxOptions};
use std::path::Path;
use std::sync::Arc;

fn item(widget: WidgetId, size: WidgetSize) -> LayoutItem {
    LayoutItem { widget, size }
}

/// The sandbox profile with IT's home-care layout: medications first and full width,
/// critical information locked on, documents locked off.
fn profile_with_layout(sb: &Sandbox) -> Profile {
    let mut profile = arbeidsflate_core::profile::for_sandbox(sb);
    profile.layouts.home_care_nurse = Some(RoleLayoutSettings {
        widgets: vec![
            item(WidgetId::Medications, WidgetSize::Full),
            item(WidgetId::CriticalInfo, WidgetSize::Medium),
            item(WidgetId::CarePlan, WidgetSize::Medium),
            item(WidgetId::Vitals, WidgetSize::Medium),
        ],
        locked_on: vec![WidgetId::CriticalInfo],
        locked_off: vec![WidgetId::Documents],
    });
    profile.validate().unwrap();
    profile
}

async fn signed_in(sb: &Sandbox, profile: &Profile, role: ClinicianRole, dir: &Path) -> Workspace {
    let pid = sb.clinicians.iter().find(|c| c.role == role).unwrap().pid.clone();
    let ws = Workspace::with_test_user(profile.clone(), Arc::new(EphemeralStore::default()), Some(pid))
        .with_data_dir(dir.to_path_buf())
        .with_clock(sb.clock.clone());
    ws.sign_in_headless().await.unwrap();
    ws
}

#[tokio::test]
async fn an_arrangement_is_kept_across_restarts_within_it_locks_and_reset_restores_the_default() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let profile = profile_with_layout(&sb);
    let dir = tempfile::tempdir().unwrap();

    let ws = signed_in(&sb, &profile, ClinicianRole::HomeCareNurse, dir.path()).await;
    let first = ws.layout().await.unwrap();
    assert_eq!(first.items, profile.layouts.home_care_nurse.as_ref().unwrap().widgets);
    assert!(!first.customised);
    assert!(!first.addable().contains(&WidgetId::Documents));
    assert!(first.addable().contains(&WidgetId::Notes));

    let mine = vec![
        item(WidgetId::CriticalInfo, WidgetSize::Full),
        item(WidgetId::Notes, WidgetSize::Small),
        item(WidgetId::Medications, WidgetSize::Large),
    ];
    let saved = ws.save_layout(mine.clone()).await.unwrap();
    assert_eq!(saved.items, mine);
    assert!(saved.customised);

    // Breaking a lock is refused with the reason, and the saved arrangement stays.
    let without_critical = vec![item(WidgetId::Notes, WidgetSize::Small)];
    let e = ws.save_layout(without_critical).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.detail.contains("critical_info is required"), "{}", e.detail);
    let e = ws
        .save_layout(vec![
            item(WidgetId::CriticalInfo, WidgetSize::Full),
            item(WidgetId::Documents, WidgetSize::Medium),
        ])
        .await
        .unwrap_err();
    assert!(e.detail.contains("documents is switched off"), "{}", e.detail);
    assert_eq!(ws.layout().await.unwrap().items, mine);
    drop(ws);

    // A restart: a new workspace over the same data directory, signed in anew.
    let ws = signed_in(&sb, &profile, ClinicianRole::HomeCareNurse, dir.path()).await;
    assert_eq!(ws.layout().await.unwrap().items, mine);

    // Someone else on this machine has their own layout.
    let other = signed_in(&sb, &profile, ClinicianRole::NursingHomeNurse, dir.path()).await;
    let theirs = other.layout().await.unwrap();
    assert_eq!(theirs.role, ClinicianRole::NursingHomeNurse);
    assert_eq!(theirs.items, arbeidsflate_core::layout::built_in(ClinicianRole::NursingHomeNurse).widgets);

    let reset = ws.reset_layout().await.unwrap();
    assert_eq!(reset.items, profile.layouts.home_care_nurse.as_ref().unwrap().widgets);
    assert!(!reset.customised);
    assert!(!ws.layout().await.unwrap().customised);
}

#[tokio::test]
async fn the_layout_needs_a_signed_in_unlocked_clinician() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let profile = profile_with_layout(&sb);
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new(profile.clone(), Arc::new(EphemeralStore::default())).with_data_dir(dir.path().into());
    assert_eq!(ws.layout().await.unwrap_err().code, ErrorCode::NotSignedIn);
    let ws = signed_in(&sb, &profile, ClinicianRole::HomeCareNurse, dir.path()).await;
    ws.lock();
    assert_eq!(ws.save_layout(vec![]).await.unwrap_err().code, ErrorCode::Locked);
}
