//! The patient's GP in the workspace: Fastlegeregisteret asked beside the other sources
//! with its own status, its answer in the view and in the access log, kept for offline
//! use; a register that is down, slow or refuses the service user leaves the rest.

mod common;

use arbeidsflate_core::keystore::{EphemeralStore, SecretStore};
use arbeidsflate_model::gp::{GpDetails, GpRegistration};
use arbeidsflate_model::overview::{OverviewPart, SourceFailure, SourceKind, SourceState};
use arbeidsflate_model::view::ClinicianRole;
use common::{nin_of, open, profile_for, signed_in_as, signed_in_with, state_of, worklist, Setup};
use sandbox::fastlegeregisteret::GpCase;
use sandbox::faults::{Fault, Service};
use sandbox::{Sandbox, SandboxOptions};
use std::sync::Arc;

fn gp_of(parts: &[OverviewPart]) -> Option<GpDetails> {
    parts.iter().rev().find_map(|p| match p {
        OverviewPart::GeneralPractitioner { gp } => Some(gp.clone()),
        _ => None,
    })
}

#[tokio::test]
async fn each_residents_gp_comes_with_its_own_status_and_the_lookup_is_logged() {
    let Setup { sb, ws, entries, .. } = signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await;
    let entry_of = |case: GpCase| entries.iter().find(|e| sb.gp_case(&nin_of(e)) == Some(case)).expect("on the ward");

    let (r, parts) = open(&ws, worklist(entry_of(GpCase::GpChangedLastWeek)), None).await;
    assert_eq!(state_of(&r.unwrap(), SourceKind::GpRegister), SourceState::Fresh);
    let GpRegistration::OnList { list } = gp_of(&parts).unwrap().registration else { panic!("a list") };
    assert_eq!(list.gp.unwrap().name, "Ane Berg");
    assert_eq!(list.doctors.len(), 2, "the GP of last week is in the history");

    let (_, parts) = open(&ws, worklist(entry_of(GpCase::NoList)), None).await;
    assert_eq!(gp_of(&parts).unwrap().registration, GpRegistration::NoList);
    let (_, parts) = open(&ws, worklist(entry_of(GpCase::ListWithoutGp)), None).await;
    let GpRegistration::OnList { list } = gp_of(&parts).unwrap().registration else { panic!("a list") };
    assert!(list.gp.is_none() && list.office.phone.is_some());

    // The lookups are in the access log, which reaches the platform as AuditEvents.
    ws.drain_outbox().await.unwrap();
    let named = sb
        .fhir_resources()
        .into_iter()
        .filter(|r| r["resourceType"] == "AuditEvent" && r.to_string().contains("Fastlegeregisteret"))
        .count();
    assert!(named >= 3, "each opening names the register: {named}");
}

#[tokio::test]
async fn a_register_that_fails_or_is_slow_leaves_the_other_sources() {
    let Setup { sb, ws, entries, .. } = signed_in_with(|p| p.session.source_deadline_seconds = 1).await;
    let entry = &entries[0];
    let (r, _) = open(&ws, worklist(entry), None).await;
    assert_eq!(state_of(&r.unwrap(), SourceKind::GpRegister), SourceState::Fresh, "the service user is in place");
    for (fault, expected) in [
        (Fault::ServerError, SourceFailure::ServiceError),
        (Fault::TruncatedBody, SourceFailure::Malformed),
        (Fault::Huge, SourceFailure::Malformed),
        (Fault::Slow(1_500), SourceFailure::TimedOut),
        (Fault::Disconnected, SourceFailure::Unreachable),
    ] {
        sb.set_fault(Service::GpRegister, Some(fault));
        let (r, parts) = open(&ws, worklist(entry), None).await;
        let statuses = r.unwrap();
        assert_eq!(state_of(&statuses, SourceKind::GpRegister), SourceState::Failed { reason: expected }, "{fault:?}");
        assert!(gp_of(&parts).is_none(), "no GP shown under {fault:?}: unknown, not empty");
        for kind in [SourceKind::Municipal, SourceKind::Kjernejournal, SourceKind::Person] {
            assert_ne!(state_of(&statuses, kind), SourceState::Failed { reason: expected }, "{kind:?} under {fault:?}");
        }
        assert!(parts.iter().any(|p| matches!(p, OverviewPart::Banner { .. })));
    }
}

#[tokio::test]
async fn a_service_user_the_register_refuses_shows_as_refused() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let keys = Arc::new(EphemeralStore::default());
    let entry = arbeidsflate_config::gp_register::DEFAULT_CREDENTIALS_ENTRY;
    keys.set(entry, &helseid::Secret::new(r#"{"username": "sandkasse-flr", "password": "gammelt"}"#)).unwrap();
    let (ws, _data) = common::beside(&sb, ClinicianRole::HomeCareNurse, profile_for(&sb), keys.clone()).await;
    let entries = ws.worklist().await.unwrap().entries;
    let (r, _) = open(&ws, worklist(&entries[0]), None).await;
    let statuses = r.unwrap();
    assert_eq!(state_of(&statuses, SourceKind::GpRegister), SourceState::Failed { reason: SourceFailure::Refused });
    let status = statuses.iter().find(|s| s.source == SourceKind::GpRegister).unwrap();
    let detail = status.detail.clone().unwrap_or_default();
    assert!(detail.contains("service user") && !detail.contains("gammelt"), "{detail}");
    assert_eq!(state_of(&statuses, SourceKind::Municipal), SourceState::Fresh);
    assert_eq!(sb.gp_register_requests(), (0, 1));
}
