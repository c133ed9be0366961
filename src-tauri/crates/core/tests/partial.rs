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

    // Every healthy resident is there, and the four bad records that can be shown.
    for resident in &healthy {
        assert!(entry(&entries, &resident.patient_ref).is_some(), "a healthy resident went missing");
    }
    assert_eq!(entries.len(), healthy.len() + 4);
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
    let view = common::view_of(&ws, &healthy[0].patient_ref).await.unwrap();
    assert_eq!(view.banner().expect("a banner").name, healthy[0].name);
    let view = common::view_of(&ws, BadRecord::Script.patient_id()).await.unwrap();
    let notes = view.notes().expect("the notes");
    assert!(notes.iter().any(|n| n.text.starts_with("Urolig natt.")), "{notes:?}");
    assert_eq!(view.warnings().expect("the warnings").len(), 1);
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

#[tokio::test]
async fn sources_that_disagree_on_who_the_patient_is_give_a_warning_and_the_register_the_banner() {
    use arbeidsflate_model::identity::{IdentityField, IdentitySource};
    use arbeidsflate_model::overview::OverviewPart;
    let Setup { sb: _sandbox, ws, .. } =
        signed_in_on(with_every_bad_record(), clock::matrix::test_now(), ClinicianRole::NursingHomeNurse, |_| {}).await;
    let target = arbeidsflate_model::overview::PatientTarget::Worklist {
        patient_ref: BadRecord::IdentityMismatch.patient_id().to_string(),
    };
    let (statuses, parts) = common::open(&ws, target, None).await;
    statuses.unwrap();
    let warning = parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::Identity { warning } => Some(warning.clone()),
            _ => None,
        })
        .expect("the identity was checked")
        .expect("and found wanting");
    assert_eq!(warning.fields, [IdentityField::Name, IdentityField::BirthDate, IdentityField::Gender]);
    let said = |source: IdentitySource| warning.claims.iter().find(|c| c.source == source).unwrap();
    assert_eq!(said(IdentitySource::Platform).name.as_deref(), Some("Gunnhild Hostilesen"));
    assert_eq!(said(IdentitySource::Platform).gender.as_deref(), Some("female"));
    assert_eq!(said(IdentitySource::Register).gender.as_deref(), Some("male"));
    assert_eq!(said(IdentitySource::NationalIdNumber).gender.as_deref(), Some("male"));

    // The banner shown last is Folkeregisteret's, whole: its name, sex, birth date and the age from it.
    let banner = parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::Banner { banner } => Some(banner.clone()),
            _ => None,
        })
        .unwrap();
    let register = said(IdentitySource::Register);
    assert_eq!(banner.source, sources::person::SOURCE_NAME);
    assert_eq!((Some(&banner.name), &banner.gender), (register.name.as_ref(), &register.gender));
    assert_eq!(banner.birth_date, register.birth_date);
    let born = chrono::NaiveDate::parse_from_str(banner.birth_date.as_deref().unwrap(), "%Y-%m-%d").unwrap();
    assert_eq!(banner.age, clock::clinical_day(clock::matrix::test_now()).years_since(born));
}

#[tokio::test]
async fn sources_that_agree_give_no_identity_warning() {
    use arbeidsflate_model::overview::OverviewPart;
    let Setup { sb: _sandbox, ws, entries, .. } = signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await;
    for entry in entries.iter().take(5) {
        let (_, parts) = common::open(&ws, common::worklist(entry), None).await;
        let checks: Vec<_> = parts
            .iter()
            .filter_map(|p| match p {
                OverviewPart::Identity { warning } => Some(warning),
                _ => None,
            })
            .collect();
        assert!(!checks.is_empty() && checks.iter().all(|w| w.is_none()), "{}: {checks:?}", entry.patient_ref);
    }
}

#[tokio::test]
async fn a_list_shows_the_records_it_can_and_counts_those_with_nothing_to_show() {
    use arbeidsflate_model::overview::{OverviewPart, PatientTarget, PlatformPart};
    let Setup { sb: _sandbox, ws, .. } =
        signed_in_on(with_every_bad_record(), clock::matrix::test_now(), ClinicianRole::NursingHomeNurse, |_| {}).await;
    let patient_ref = BadRecord::Textless.patient_id().to_string();
    let left_out = |parts: &[OverviewPart], which: PlatformPart| {
        parts.iter().find_map(|p| match p {
            OverviewPart::Unreadable { list, records } if *list == which && !records.is_empty() => {
                Some(records.clone())
            }
            _ => None,
        })
    };
    let none_to_show =
        |rtype: &str| vec![Unreadable { resource_type: rtype.into(), reason: UnreadableReason::NoText, count: 1 }];
    let check = |parts: &[OverviewPart], how: &str| {
        let allergies = parts.iter().rev().find_map(|p| match p {
            OverviewPart::Allergies { items } => {
                Some(items.iter().map(|a| a.allergy.substance.clone()).collect::<Vec<_>>())
            }
            _ => None,
        });
        assert_eq!(allergies, Some(vec!["Penicillin".to_string()]), "{how}: the good allergy stays");
        assert_eq!(left_out(parts, PlatformPart::Allergies), Some(none_to_show("AllergyIntolerance")), "{how}");
        assert_eq!(left_out(parts, PlatformPart::Tasks), Some(none_to_show("Task")), "{how}");
        assert_eq!(left_out(parts, PlatformPart::Notes), Some(none_to_show("DocumentReference")), "{how}");
        assert_eq!(left_out(parts, PlatformPart::Medications), None, "{how}: nothing left out, nothing said");
    };
    let (statuses, parts) = common::open(&ws, PatientTarget::Worklist { patient_ref: patient_ref.clone() }, None).await;
    statuses.unwrap();
    check(&parts, "online");

    // The cache says the same.
    ws.sync(|_| {}, &std::sync::atomic::AtomicBool::new(false)).await.unwrap();
    let parts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = parts.clone();
    let sink = std::sync::Arc::new(move |batch: Vec<OverviewPart>| kept.lock().unwrap().extend(batch));
    ws.open_cached_view(&PatientTarget::Worklist { patient_ref }, sink).await.unwrap();
    check(&parts.lock().unwrap(), "from the cache");
}

mod platform_by_part {
    use super::*;
    use arbeidsflate_core::aggregate::Concurrency;
    use arbeidsflate_model::overview::{
        OverviewPart, PartFailure, PlatformPart, SourceFailure, SourceKind, SourceState, SourceStatus,
    };
    use common::worklist;
    use sandbox::faults::Fault;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// Opens the first resident with the platform's `rtype` searches in `fault`; every
    /// part with when it came, and the sources' final statuses.
    async fn open_with(rtype: &str, fault: Fault) -> (Vec<(Duration, OverviewPart)>, Vec<SourceStatus>) {
        let Setup { sb, ws, entries, .. } =
            signed_in_on(SandboxOptions::default(), clock::matrix::test_now(), ClinicianRole::NursingHomeNurse, |p| {
                p.session.source_deadline_seconds = 3
            })
            .await;
        sb.set_search_fault(rtype, Some(fault));
        let parts: Arc<Mutex<Vec<(Duration, OverviewPart)>>> = Arc::default();
        let (sink, started) = (parts.clone(), Instant::now());
        let statuses = ws
            .open_patient_view(
                &worklist(&entries[0]),
                None,
                Concurrency::Parallel,
                Arc::new(move |p| sink.lock().unwrap().extend(p.into_iter().map(|p| (started.elapsed(), p)))),
            )
            .await
            .unwrap();
        let parts = parts.lock().unwrap().clone();
        (parts, statuses)
    }

    fn platform(statuses: &[SourceStatus]) -> SourceState {
        statuses.iter().find(|s| s.source == SourceKind::Municipal).unwrap().state.clone()
    }

    fn came(parts: &[(Duration, OverviewPart)], pick: impl Fn(&OverviewPart) -> bool) -> Option<Duration> {
        parts.iter().find(|(_, p)| pick(p)).map(|(at, _)| *at)
    }

    fn failed(parts: &[PlatformPart], reason: SourceFailure) -> SourceState {
        SourceState::Partial { failed: parts.iter().map(|&part| PartFailure { part, reason }).collect() }
    }

    #[tokio::test]
    async fn one_search_failing_leaves_every_other_part_of_the_platform() {
        let cases = [
            ("AllergyIntolerance", Fault::LoopNext, vec![PlatformPart::Allergies], SourceFailure::Malformed),
            (
                "Observation",
                Fault::TruncatedBody,
                vec![PlatformPart::Vitals, PlatformPart::HomeMeasurements],
                SourceFailure::Malformed,
            ),
            ("Task", Fault::Deep, vec![PlatformPart::Tasks], SourceFailure::Malformed),
            ("MedicationStatement", Fault::Huge, vec![PlatformPart::Medications], SourceFailure::Malformed),
            ("Flag", Fault::ServerError, vec![PlatformPart::Warnings], SourceFailure::ServiceError),
        ];
        for (rtype, fault, parts_failed, reason) in cases {
            let (parts, statuses) = open_with(rtype, fault).await;
            assert_eq!(platform(&statuses), failed(&parts_failed, reason), "{rtype} {fault:?}");
            let has = |pick: &dyn Fn(&OverviewPart) -> bool| came(&parts, pick).is_some();
            assert!(has(&|p| matches!(p, OverviewPart::Banner { .. })), "{rtype}: the banner stays");
            assert_eq!(has(&|p| matches!(p, OverviewPart::Warnings { .. })), rtype != "Flag", "{rtype}");
            assert_eq!(has(&|p| matches!(p, OverviewPart::Vitals { .. })), rtype != "Observation", "{rtype}");
            assert!(has(&|p| matches!(p, OverviewPart::Care { .. })), "{rtype}: care, with what came");
            assert!(has(&|p| matches!(p, OverviewPart::Notes { .. })), "{rtype}");
            let others_fresh =
                statuses.iter().filter(|s| s.source != SourceKind::Municipal).all(|s| s.state == SourceState::Fresh);
            assert!(others_fresh, "{rtype}: the national sources are untouched");
        }
    }

    #[tokio::test]
    async fn a_trickling_search_holds_back_nothing_else_and_is_given_up_at_its_deadline() {
        let (parts, statuses) = open_with("Condition", Fault::Trickle).await;
        assert_eq!(platform(&statuses), failed(&[PlatformPart::Conditions], SourceFailure::TimedOut));
        let banner = came(&parts, |p| matches!(p, OverviewPart::Banner { .. })).unwrap();
        let vitals = came(&parts, |p| matches!(p, OverviewPart::Vitals { .. })).unwrap();
        let status = came(
            &parts,
            |p| matches!(p, OverviewPart::Status { status } if status.source == SourceKind::Municipal && !matches!(status.state, SourceState::Slow)),
        );
        assert!(banner < Duration::from_secs(1) && vitals < Duration::from_secs(1), "{banner:?} {vitals:?}");
        assert!(status.unwrap() >= Duration::from_secs(3), "the platform's status waits for its last part");
        // Care came once its three searches settled, the failed one empty and named.
        let care = parts.iter().find_map(|(_, p)| match p {
            OverviewPart::Care { conditions, tasks, .. } => Some((conditions.len(), tasks.len())),
            _ => None,
        });
        assert_eq!(care.map(|(c, _)| c), Some(0));
    }

    #[tokio::test]
    async fn a_sync_with_one_search_failing_keeps_what_the_cache_had() {
        let Setup { sb, ws, entries, .. } =
            signed_in_on(SandboxOptions::default(), clock::matrix::test_now(), ClinicianRole::NursingHomeNurse, |_| {})
                .await;
        let cancel = std::sync::atomic::AtomicBool::new(false);
        ws.sync(|_| {}, &cancel).await.unwrap();
        let conditions = |parts: &[OverviewPart]| {
            parts.iter().find_map(|p| match p {
                OverviewPart::Care { conditions, .. } => Some(conditions.len()),
                _ => None,
            })
        };
        let (_, online) = common::open(&ws, worklist(&entries[0]), None).await;
        let before = conditions(&online).expect("care from the platform");
        assert!(before > 0, "the resident has conditions");

        sb.set_search_fault("Condition", Some(Fault::ServerError));
        let report = ws.sync(|_| {}, &cancel).await.unwrap();
        let platform = report.sources.iter().find(|s| s.source == SourceKind::Municipal).unwrap();
        assert_eq!(platform.failed as usize, entries.len(), "every resident's sync of the platform failed");

        // Without a network the cached record is what was there before, whole.
        for s in sandbox::faults::Service::ALL {
            sb.set_fault(s, Some(Fault::Disconnected));
        }
        let (statuses, cached) = common::open(&ws, worklist(&entries[0]), None).await;
        let statuses = statuses.unwrap();
        assert_eq!(platform_state(&statuses), SourceState::Cached);
        assert_eq!(conditions(&cached), Some(before));
    }

    fn platform_state(statuses: &[SourceStatus]) -> SourceState {
        platform(statuses)
    }
}
