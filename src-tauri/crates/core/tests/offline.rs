//! A shift without network against the sandbox: the worklist prepared for offline
//! use, read back from the cache when the platform is out of reach, writes queued and
//! sent later exactly once, a conflicting edit shown instead of overwritten, and every
//! lookup and write in the access log.

mod common;

use arbeidsflate_model::offline::{ConflictChoice, OutboxItemState, VitalsEntry};
use arbeidsflate_model::overview::{OverviewPart, SourceKind, SourceState};
use arbeidsflate_model::view::VitalKind;
use arbeidsflate_model::ErrorCode;
use common::{open, signed_in, signed_in_as, state_of, worklist, Setup};
use sandbox::faults::{Fault, Service};
use std::sync::atomic::AtomicBool;

const ALL_SERVICES: [Service; 6] = [
    Service::Fhir,
    Service::Kjernejournal,
    Service::MedicationList,
    Service::Documents,
    Service::Person,
    Service::GpRegister,
];

fn network(sb: &sandbox::Sandbox, up: bool) {
    for s in ALL_SERVICES {
        sb.set_fault(s, (!up).then_some(Fault::Disconnected));
    }
}

fn vitals(parts: &[OverviewPart]) -> Vec<arbeidsflate_model::view::VitalSign> {
    parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::Vitals { latest, .. } => Some(latest.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Observations on the platform carrying the identifier a client gave one.
fn stored_with_identifier_prefix(sb: &sandbox::Sandbox, rtype: &str) -> usize {
    sb.fhir_resources()
        .iter()
        .filter(|r| r["resourceType"] == rtype)
        .filter(|r| r["identifier"][0]["system"] == "urn:ietf:rfc:3986")
        .count()
}

#[tokio::test]
async fn a_synced_worklist_opens_from_the_cache_when_the_platform_is_out_of_reach() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    let seen = std::sync::Mutex::new(Vec::new());
    let report = ws.sync(|p| seen.lock().unwrap().push(p), &AtomicBool::new(false)).await.unwrap();
    let unique: std::collections::HashSet<&str> = entries.iter().map(|e| e.patient_ref.as_str()).collect();
    let patients = unique.len();
    assert_eq!(report.patients as usize, patients);
    assert!(!report.incremental && !report.cancelled);
    let municipal = &report.sources[0];
    assert!(municipal.items as usize > patients, "every patient's record: {municipal:?}");
    assert!(report.sources.iter().all(|s| s.failed == 0), "{report:?}");
    assert!(report.database_bytes > 0, "{report:?}");
    let progress = seen.into_inner().unwrap();
    assert_eq!(progress.last().map(|p| (p.done, p.total)), Some((patients as u32, patients as u32)));

    network(&sb, false);
    let list = ws.worklist().await.unwrap();
    assert_eq!(list.entries.len(), entries.len(), "the cached worklist");
    assert!(!ws.is_online());
    let (statuses, parts) = open(&ws, worklist(&entries[0]), None).await;
    let statuses = statuses.unwrap();
    for kind in SourceKind::ALL {
        assert_eq!(state_of(&statuses, kind), SourceState::Cached, "{kind:?} from the cache");
    }
    assert!(statuses.iter().all(|s| s.fetched_at.is_some()), "every part says how old it is");
    assert!(parts.iter().any(|p| matches!(p, OverviewPart::Banner { .. })));
    assert!(!vitals(&parts).is_empty());

    let offline = ws.offline_status().await.unwrap();
    assert!(offline.cache_available && !offline.online);
    assert_eq!(offline.cached_patients as usize, patients);
    let log = ws.verify_access_log().await.unwrap();
    assert_eq!(log.first_broken, None);
    assert_eq!(log.entries as usize, patients + 1, "each synced patient and the cached view");
}

#[tokio::test]
async fn a_second_sync_asks_only_for_changes_and_drops_what_the_server_deleted_or_voided() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    // A patient on the route with a warning on the platform.
    let flags: Vec<_> = sb.fhir_resources().into_iter().filter(|r| r["resourceType"] == "Flag").collect();
    let (entry, flag) = entries
        .iter()
        .find_map(|e| {
            let of_patient = format!("Patient/{}", e.patient_ref);
            flags.iter().find(|f| f["subject"]["reference"] == of_patient.as_str()).map(|f| (e, f.clone()))
        })
        .expect("the sandbox gives some patient on the route a warning");
    let report = ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    assert!(report.incremental);
    assert!(
        report.sources[0].items < 10 * entries.len() as u32,
        "little more than the patients: {:?}",
        report.sources[0]
    );
    let warnings = |parts: &[OverviewPart]| {
        parts.iter().rev().find_map(|p| match p {
            OverviewPart::Warnings { items } => Some(items.len()),
            _ => None,
        })
    };
    network(&sb, false);
    let (_, parts) = open(&ws, worklist(entry), None).await;
    let before = warnings(&parts).unwrap();
    network(&sb, true);
    assert!(sb.edit_resource("Flag", flag["id"].as_str().unwrap(), |f| f["status"] = "entered-in-error".into()));
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    network(&sb, false);
    let (_, parts) = open(&ws, worklist(entry), None).await;
    assert_eq!(warnings(&parts), Some(before - 1), "the voided warning left the cache");
}

#[tokio::test]
async fn vitals_recorded_offline_show_at_once_and_reach_the_platform_once_though_an_answer_was_lost() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    network(&sb, false);
    ws.worklist().await.unwrap();
    let patient = &entries[0].patient_ref;
    let entry = VitalsEntry { pulse: Some(131.0), respiratory_rate: Some(26.0), ..Default::default() };
    let receipt = ws.record_vitals(patient, &entry).await.unwrap();
    assert!(!receipt.sent);
    let (_, parts) = open(&ws, worklist(&entries[0]), None).await;
    let pulse = vitals(&parts).into_iter().find(|v| v.kind == VitalKind::Pulse).unwrap();
    assert_eq!(pulse.value, 131.0, "the cached view shows what was just recorded");
    let news2 = parts.iter().rev().find_map(|p| match p {
        OverviewPart::Vitals { news2, .. } => Some(news2.total),
        _ => None,
    });
    assert!(news2.unwrap() >= 6, "NEWS2 recalculated at once: {news2:?}");

    // Back on the network, the platform stores the write but the answer is lost.
    let before = stored_with_identifier_prefix(&sb, "Observation");
    for s in ALL_SERVICES {
        sb.set_fault(s, None);
    }
    sb.set_fault(Service::Fhir, Some(Fault::DropAnswer));
    let report = ws.drain_outbox().await.unwrap();
    assert_eq!((report.sent, report.deferred), (0, 1));
    assert_eq!(stored_with_identifier_prefix(&sb, "Observation"), before + 2, "the server has it");
    assert_eq!(ws.outbox_items().await.unwrap().len(), 1, "not confirmed, so still queued");

    sb.set_fault(Service::Fhir, None);
    let later = ws.outbox_items().await.unwrap();
    assert!(later[0].attempts >= 1 && later[0].last_error.is_some());
    ws.retry_write(later[0].id).await.unwrap();
    assert!(ws.outbox_items().await.unwrap().is_empty(), "confirmed and gone");
    assert_eq!(stored_with_identifier_prefix(&sb, "Observation"), before + 2, "sent twice, stored once");

    // Every access log entry reached the platform as an AuditEvent, once.
    let logged = ws.verify_access_log().await.unwrap().entries as usize;
    let events: Vec<_> = sb.fhir_resources().into_iter().filter(|r| r["resourceType"] == "AuditEvent").collect();
    assert_eq!(events.len(), logged, "one AuditEvent per entry");
    assert!(events.iter().any(|e| e["action"] == "C"), "the write is among them");
}

#[tokio::test]
async fn a_task_completed_here_and_changed_there_is_a_conflict_the_clinician_settles() {
    let Setup { sb, ws, entries, .. } =
        signed_in_as(arbeidsflate_model::view::ClinicianRole::NursingHomeNurse, |_| {}).await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    let (task, patient) = sb
        .fhir_resources()
        .into_iter()
        .filter(|r| r["resourceType"] == "Task" && r["status"] == "requested")
        .find_map(|t| {
            let p = t["for"]["reference"].as_str()?.trim_start_matches("Patient/").to_string();
            entries.iter().any(|e| e.patient_ref == p).then_some((t, p))
        })
        .expect("a worklist patient with an open task");
    let id = task["id"].as_str().unwrap().to_string();
    network(&sb, false);
    ws.worklist().await.unwrap();
    ws.complete_task(&patient, &id).await.unwrap();
    // Meanwhile a colleague changes the task on the platform.
    assert!(sb.edit_resource("Task", &id, |t| t["status"] = "in-progress".into()));
    network(&sb, true);
    let report = ws.drain_outbox().await.unwrap();
    assert_eq!(report.conflicts, 1);
    let items = ws.outbox_items().await.unwrap();
    let conflict = items[0].conflict.clone().expect("both versions shown");
    assert_eq!((conflict.mine.as_str(), conflict.theirs.as_str()), ("completed", "in-progress"));
    assert_eq!(items[0].state, OutboxItemState::Conflict);
    let on_server = |sb: &sandbox::Sandbox| {
        sb.fhir_resources().into_iter().find(|r| r["resourceType"] == "Task" && r["id"] == id.as_str()).unwrap()
    };
    assert_eq!(on_server(&sb)["status"], "in-progress", "nothing was overwritten");

    ws.resolve_conflict(items[0].id, ConflictChoice::KeepMine).await.unwrap();
    assert!(ws.outbox_items().await.unwrap().is_empty());
    let task_now = on_server(&sb);
    assert_eq!(task_now["status"], "completed");
    assert_eq!(task_now["meta"]["versionId"], "3", "applied on the colleague's version");
}

#[tokio::test]
async fn sign_out_waits_for_unsent_writes_and_then_wipes_the_cache() {
    let Setup { sb, ws, entries, data, .. } = signed_in().await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    network(&sb, false);
    ws.worklist().await.unwrap();
    ws.record_note(&entries[0].patient_ref, "Ingen endring, sover godt.").await.unwrap();
    let refused = ws.sign_out(None).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::UnsentWrites);
    assert!(ws.clinician().await.is_some(), "still signed in");
    // From the lock screen too: locked, sign-out still refuses to lose the write.
    ws.lock();
    assert_eq!(ws.sign_out(None).await.unwrap_err().code, ErrorCode::UnsentWrites);
    network(&sb, true);
    ws.sign_in_headless().await.unwrap();
    assert!(!ws.is_locked());
    assert_eq!(ws.offline_status().await.unwrap().unsent, 1, "the write is kept");
    ws.drain_outbox().await.unwrap();
    ws.sign_out(None).await.unwrap();
    let users = data.0.join("users");
    let left = std::fs::read_dir(&users).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the user's cache is gone");
}

#[tokio::test]
async fn a_note_written_offline_reads_back_from_the_cache_and_reaches_the_platform_once() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    let notes_in = |parts: &[OverviewPart]| {
        parts
            .iter()
            .rev()
            .find_map(|p| match p {
                OverviewPart::Notes { items } => Some(items.clone()),
                _ => None,
            })
            .expect("a notes part")
    };
    let (_, parts) = open(&ws, worklist(&entries[0]), None).await;
    let before = notes_in(&parts);
    assert!(!before.is_empty(), "the sandbox's notes arrive online");

    network(&sb, false);
    ws.worklist().await.unwrap();
    let text = "Skrevet uten nett.\nSov godt, spiste frokost.";
    ws.record_note(&entries[0].patient_ref, text).await.unwrap();
    let (_, parts) = open(&ws, worklist(&entries[0]), None).await;
    let cached = notes_in(&parts);
    assert_eq!(cached.len(), before.len() + 1, "the synced notes and the new one");
    assert_eq!(cached[0].text, text, "newest first, line break kept");
    let me = ws.clinician().await.unwrap().name;
    assert_eq!(cached[0].author.as_deref(), Some(me.as_str()));

    network(&sb, true);
    assert_eq!(ws.drain_outbox().await.unwrap().sent, 1);
    let on_platform = sb
        .fhir_resources()
        .into_iter()
        .filter(|r| r["resourceType"] == "DocumentReference" && r["content"][0]["attachment"]["data"].is_string())
        .filter_map(|r| sources::normalize::nursing_note(&r, "", ""))
        .filter(|n| n.text == text)
        .count();
    assert_eq!(on_platform, 1);
    let (_, parts) = open(&ws, worklist(&entries[0]), None).await;
    assert_eq!(notes_in(&parts).len(), before.len() + 1, "online: the same note, once");
}

#[tokio::test]
async fn bad_values_are_refused_before_anything_is_queued() {
    let Setup { ws, entries, .. } = signed_in().await;
    let e = ws.record_vitals(&entries[0].patient_ref, &VitalsEntry { spo2: Some(130.0), ..Default::default() }).await;
    assert_eq!(e.unwrap_err().code, ErrorCode::InvalidInput);
    let e = ws.record_note(&entries[0].patient_ref, "  ").await;
    assert_eq!(e.unwrap_err().code, ErrorCode::InvalidInput);
    assert!(ws.outbox_items().await.unwrap().is_empty());
    assert_eq!(ws.verify_access_log().await.unwrap().entries, 0, "nothing logged for a write that was not made");
}

/// A keyring that keeps the app's own keys but will not hold the cache's key.
struct KeyringWithoutCacheKey(arbeidsflate_core::keystore::EphemeralStore);

impl arbeidsflate_core::keystore::SecretStore for KeyringWithoutCacheKey {
    fn get(&self, name: &str) -> Result<Option<helseid::Secret>, arbeidsflate_model::AppError> {
        self.0.get(name)
    }
    fn set(&self, name: &str, value: &helseid::Secret) -> Result<(), arbeidsflate_model::AppError> {
        if name.starts_with("cache-master-key") {
            return Err(arbeidsflate_model::AppError::new(ErrorCode::KeyringUnavailable, "the collection is locked"));
        }
        self.0.set(name, value)
    }
}

async fn workspace_on(
    sb: &sandbox::Sandbox,
    data: &std::path::Path,
    keys: std::sync::Arc<dyn arbeidsflate_core::keystore::SecretStore>,
) -> arbeidsflate_core::Workspace {
    let pid = common::home_care_nurse(sb);
    let ws = arbeidsflate_core::Workspace::with_test_user(common::profile_for(sb), keys, Some(pid))
        .with_data_dir(data.to_path_buf())
        .with_clock(sb.clock.clone());
    ws.sign_in_headless().await.unwrap();
    ws
}

#[tokio::test]
async fn without_a_keyring_for_its_key_there_is_no_cache_and_the_app_says_why() {
    let sb = sandbox::Sandbox::start(sandbox::SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let data = common::TempData::new();
    let keys = std::sync::Arc::new(KeyringWithoutCacheKey(Default::default()));
    let ws = workspace_on(&sb, &data.0, keys).await;
    let status = ws.offline_status().await.unwrap();
    assert!(!status.cache_available);
    assert_eq!(status.unavailable, Some(arbeidsflate_model::offline::OfflineUnavailable::NoKeyring));
    assert_eq!(ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap_err().code, ErrorCode::OfflineUnavailable);
    // Online work goes on, and nothing was written in clear.
    let entries = ws.worklist().await.unwrap().entries;
    let (statuses, _) = open(&ws, worklist(&entries[0]), None).await;
    assert_eq!(state_of(&statuses.unwrap(), SourceKind::Municipal), SourceState::Fresh);
    assert!(
        !data.0.join("users").exists()
            || std::fs::read_dir(data.0.join("users"))
                .unwrap()
                .all(|d| { std::fs::read_dir(d.unwrap().path()).map(|f| f.count() == 0).unwrap_or(true) })
    );
}

#[tokio::test]
async fn a_deleted_keyring_entry_never_silently_drops_unsent_writes() {
    let sb = sandbox::Sandbox::start(sandbox::SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let data = common::TempData::new();
    let keys = std::sync::Arc::new(arbeidsflate_core::keystore::EphemeralStore::default());
    let ws = workspace_on(&sb, &data.0, keys.clone()).await;
    let entries = ws.worklist().await.unwrap().entries;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    network(&sb, false);
    ws.worklist().await.unwrap();
    ws.record_note(&entries[0].patient_ref, "Notat som ikke er sendt.").await.unwrap();
    drop(ws);
    network(&sb, true);

    assert_eq!(keys.remove_prefixed("cache-master-key"), 1);
    let ws = workspace_on(&sb, &data.0, keys.clone()).await;
    let status = ws.offline_status().await.unwrap();
    assert_eq!(status.unavailable, Some(arbeidsflate_model::offline::OfflineUnavailable::Unreadable));
    assert!(status.detail.unwrap().contains("1 unsent"), "the user is told what would be lost");
    let files =
        std::fs::read_dir(arbeidsflate_store::user_dir(&data.0, &common::home_care_nurse(&sb))).unwrap().count();
    assert!(files >= 2, "nothing removed before the user decides");
    ws.recreate_cache().await.unwrap();
    let status = ws.offline_status().await.unwrap();
    assert!(status.cache_available && status.recreated.is_some());
    assert_eq!(status.unsent, 0);
}

#[tokio::test]
async fn its_wipe_flag_removes_every_users_cache_and_keeps_none() {
    let sb = sandbox::Sandbox::start(sandbox::SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let data = common::TempData::new();
    let keys = std::sync::Arc::new(arbeidsflate_core::keystore::EphemeralStore::default());
    let ws = workspace_on(&sb, &data.0, keys.clone()).await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    drop(ws);
    assert!(data.0.join("users").exists());

    let pid = common::home_care_nurse(&sb);
    let mut profile = common::profile_for(&sb);
    profile.offline.wipe = true;
    let ws = arbeidsflate_core::Workspace::with_test_user(profile, keys, Some(pid))
        .with_data_dir(data.0.clone())
        .with_clock(sb.clock.clone());
    // At start, before anyone signs in (and with no network needed).
    network(&sb, false);
    assert!(ws.apply_wipe_flag().unwrap());
    assert!(!data.0.join("users").exists(), "every user's cache is gone");
    network(&sb, true);
    ws.sign_in_headless().await.unwrap();
    let status = ws.offline_status().await.unwrap();
    assert_eq!(status.unavailable, Some(arbeidsflate_model::offline::OfflineUnavailable::Disabled));
    assert!(!data.0.join("users").exists(), "and none is kept");
}

#[tokio::test]
async fn a_cache_past_its_retention_is_purged_and_its_unsent_writes_still_reach_the_platform() {
    // The sandbox's clock, shared with the workspace, is moved on by the test; the
    // sign-in lasts two days, so only the cache's retention runs out.
    let clock = clock::TickingClock::shared(clock::matrix::test_now());
    let mut options = sandbox::SandboxOptions { clock: clock.clone(), ..Default::default() };
    options.lifetimes.refresh = std::time::Duration::from_secs(2 * 24 * 3600);
    let sb = sandbox::Sandbox::start(options).await.unwrap();
    let data = common::TempData::new();
    let keys = std::sync::Arc::new(arbeidsflate_core::keystore::EphemeralStore::default());
    let profile = common::profile_for(&sb);
    let retention = profile.offline.retention_hours as i64;
    let ws = arbeidsflate_core::Workspace::with_test_user(profile, keys, Some(common::home_care_nurse(&sb)))
        .with_data_dir(data.0.clone())
        .with_clock(clock.clone());
    ws.sign_in_headless().await.unwrap();
    let entries = ws.worklist().await.unwrap().entries;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    network(&sb, false);
    ws.worklist().await.unwrap();
    ws.record_note(&entries[0].patient_ref, "Skrevet før fristen.").await.unwrap();

    // Just inside the retention period the patient still opens.
    clock.advance(chrono::Duration::seconds(retention * 3600 - 60));
    let (statuses, _) = open(&ws, worklist(&entries[0]), None).await;
    assert_eq!(state_of(&statuses.unwrap(), SourceKind::Municipal), SourceState::Cached);

    clock.advance(chrono::Duration::seconds(120));
    let (statuses, _) = open(&ws, worklist(&entries[0]), None).await;
    assert_eq!(statuses.unwrap_err().code, ErrorCode::NotCached);
    let status = ws.offline_status().await.unwrap();
    assert_eq!((status.cached_patients, status.unsent), (0, 1), "the patients went, the write stayed");

    network(&sb, true);
    let report = ws.drain_outbox().await.unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(stored_with_identifier_prefix(&sb, "DocumentReference"), 1);
}

#[tokio::test]
async fn past_the_grace_period_after_the_sign_in_ran_out_the_cached_patients_are_removed() {
    let clock = clock::TickingClock::shared(clock::matrix::test_now());
    let mut options = sandbox::SandboxOptions { clock: clock.clone(), ..Default::default() };
    options.lifetimes.refresh = std::time::Duration::from_secs(4);
    let sb = sandbox::Sandbox::start(options).await.unwrap();
    let data = common::TempData::new();
    let keys = std::sync::Arc::new(arbeidsflate_core::keystore::EphemeralStore::default());
    let mut profile = common::profile_for(&sb);
    profile.offline.grace_hours = 0;
    let ws = arbeidsflate_core::Workspace::with_test_user(profile, keys, Some(common::home_care_nurse(&sb)))
        .with_data_dir(data.0.clone())
        .with_clock(sb.clock.clone());
    ws.sign_in_headless().await.unwrap();
    let entries = ws.worklist().await.unwrap().entries;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    network(&sb, false);
    ws.worklist().await.unwrap();
    ws.record_note(&entries[0].patient_ref, "Skrevet i bilen.").await.unwrap();
    assert!(ws.offline_status().await.unwrap().cached_patients > 0);

    // The refresh token lives 4 s; the clock moves past it without the test waiting.
    clock.advance(chrono::Duration::seconds(5));
    let (statuses, _) = open(&ws, worklist(&entries[0]), None).await;
    assert_eq!(statuses.unwrap_err().code, ErrorCode::SessionExpired);
    let status = ws.offline_status().await.unwrap();
    assert_eq!((status.cached_patients, status.unsent), (0, 1), "the patients went, the write stayed");
}

#[tokio::test]
async fn a_visit_marked_done_on_the_road_shows_done_at_once_and_reaches_the_platform() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    let visit = entries.iter().find(|e| !e.visit_done).expect("a planned visit");
    let visit_id = visit.visit_id.clone().expect("route entries name their visit");
    network(&sb, false);
    ws.worklist().await.unwrap();
    let receipt = ws.complete_visit(&visit_id).await.unwrap();
    assert!(!receipt.sent);
    let done = |list: &arbeidsflate_model::view::Worklist| {
        list.entries.iter().find(|e| e.visit_id.as_deref() == Some(&visit_id)).unwrap().visit_done
    };
    assert!(done(&ws.worklist().await.unwrap()), "done in the cached route at once");
    assert_eq!(ws.complete_visit(&visit_id).await.unwrap_err().code, ErrorCode::InvalidInput, "a visit is done once");
    let items = ws.outbox_items().await.unwrap();
    assert_eq!(items[0].kind, arbeidsflate_model::offline::WriteKind::VisitCompleted);
    assert!(items[0].summary.starts_with("Besøk"), "{}", items[0].summary);

    // Back on the network the update is stored, but its answer is lost; the next try
    // meets a newer version, sees it is its own write, and counts it sent, not a conflict.
    network(&sb, true);
    sb.set_fault(Service::Fhir, Some(Fault::DropAnswer));
    assert_eq!(ws.drain_outbox().await.unwrap().deferred, 1);
    sb.set_fault(Service::Fhir, None);
    ws.retry_write(items[0].id).await.unwrap();
    assert!(ws.outbox_items().await.unwrap().is_empty(), "confirmed, no conflict");
    let on_server = sb
        .fhir_resources()
        .into_iter()
        .find(|r| r["resourceType"] == "Appointment" && r["id"] == visit_id.as_str())
        .unwrap();
    assert_eq!((on_server["status"].as_str(), on_server["meta"]["versionId"].as_str()), (Some("fulfilled"), Some("2")));
    assert!(done(&ws.worklist().await.unwrap()), "and done in the route the platform gives");
    assert!(ws.complete_visit("besok-ukjent").await.is_err(), "an unknown visit is refused");
}

#[tokio::test]
async fn a_drain_with_nothing_to_send_asks_the_platform_whether_it_is_there() {
    let Setup { sb, ws, .. } = signed_in().await;
    assert!(ws.is_online());
    // Nothing waits, so nothing was tried: the drain asks, and learns the network went…
    network(&sb, false);
    let report = ws.drain_outbox().await.unwrap();
    assert_eq!((report.sent, report.deferred), (0, 0));
    assert!(!ws.is_online(), "the platform did not answer");
    // …and that it came back, with no write to carry the news.
    network(&sb, true);
    ws.drain_outbox().await.unwrap();
    assert!(ws.is_online(), "the platform answered");
    assert!(ws.offline_status().await.unwrap().online);
}

/// Parts handed to a sink, kept for the test to read.
fn collecting_sink() -> (std::sync::Arc<std::sync::Mutex<Vec<OverviewPart>>>, arbeidsflate_core::aggregate::PartSink) {
    let parts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = parts.clone();
    (parts, std::sync::Arc::new(move |batch: Vec<OverviewPart>| kept.lock().unwrap().extend(batch)))
}

#[tokio::test]
async fn the_cache_reads_with_no_sign_in_and_no_network_until_the_grace_period_ends() {
    use arbeidsflate_core::cache::reader::OfflineReader;
    let clock = clock::TickingClock::shared(clock::matrix::test_now());
    let mut options = sandbox::SandboxOptions { clock: clock.clone(), ..Default::default() };
    options.lifetimes.refresh = std::time::Duration::from_secs(60);
    let sb = sandbox::Sandbox::start(options).await.unwrap();
    let data = common::TempData::new();
    let keys = std::sync::Arc::new(arbeidsflate_core::keystore::EphemeralStore::default());
    let mut profile = common::profile_for(&sb);
    profile.offline.grace_hours = 1;
    let nurse = common::home_care_nurse(&sb);
    let ws = arbeidsflate_core::Workspace::with_test_user(profile.clone(), keys.clone(), Some(nurse.clone()))
        .with_data_dir(data.0.clone())
        .with_clock(sb.clock.clone());
    let me = ws.sign_in_headless().await.unwrap();
    let entries = ws.worklist().await.unwrap().entries;
    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    let logged = ws.verify_access_log().await.unwrap().entries;
    drop(ws);
    sb.stop();

    // No workspace, no sandbox: the keyring and the disk.
    let reader = OfflineReader::open(&profile.offline, &data.0, &nurse, keys.as_ref(), clock.clone()).unwrap();
    assert_eq!(reader.clinician().hpr_number, me.hpr_number);
    let (parts, sink) = collecting_sink();
    let statuses = reader.open_view(&worklist(&entries[0]), sink).unwrap();
    for kind in SourceKind::ALL {
        assert_eq!(state_of(&statuses, kind), SourceState::Cached, "{kind:?} from the cache");
    }
    let banner = parts.lock().unwrap().iter().find_map(|p| match p {
        OverviewPart::Banner { banner } => Some(banner.name.clone()),
        _ => None,
    });
    assert_eq!(banner.as_deref(), Some(entries[0].name.as_str()));
    let log = reader.verify_access_log().unwrap();
    assert_eq!((log.entries, log.first_broken), (logged + 1, None), "the offline lookup is logged");

    // Inside the grace period after the sign-in ran out, still readable; past it, not.
    clock.advance(chrono::Duration::minutes(30));
    assert!(reader.open_view(&worklist(&entries[0]), collecting_sink().1).is_ok());
    clock.advance(chrono::Duration::hours(1));
    let expired = reader.open_view(&worklist(&entries[0]), collecting_sink().1).unwrap_err();
    assert_eq!(expired.code, ErrorCode::SessionExpired);

    // Someone with no cache here, or a keyring without the key: told so, nothing made.
    let stranger = OfflineReader::open(&profile.offline, &data.0, "07908010056", keys.as_ref(), clock.clone());
    assert_eq!(stranger.err().map(|e| e.code), Some(ErrorCode::NotCached));
    let empty_keyring = arbeidsflate_core::keystore::EphemeralStore::default();
    let keyless = OfflineReader::open(&profile.offline, &data.0, &nurse, &empty_keyring, clock.clone());
    assert_eq!(keyless.err().map(|e| e.code), Some(ErrorCode::NotCached));
    assert_eq!(std::fs::read_dir(data.0.join("users")).unwrap().count(), 1);
}
