//! The outbox and the cache together: a write and what it shows locally are queued in
//! one transaction, leave only with the server's confirmation, survive a database that
//! must be recreated, and are never dropped silently.

use arbeidsflate_store::{AccessEntry, MasterKey, NewWrite, Opened, OutboxState, Store, StoreError, MIGRATIONS};
use serde_json::{json, Value};
use std::path::PathBuf;

const PID: &str = "13814006675";
const PATIENT: &str = "pat-1";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("arbeidsflate-outbox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn observation(id: &str, code: &str, at: &str, value: f64) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final", "subject": {"reference": "Patient/pat-1"},
           "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
           "effectiveDateTime": at, "valueQuantity": {"value": value}})
}

fn queue_pulse(store: &Store, client_id: &str) -> i64 {
    let local = observation(client_id, "8867-4", "2026-11-22T09:00:00Z", 88.0);
    let write = NewWrite {
        client_id,
        created_at: "2026-11-22T09:00:01Z",
        kind: "vitals",
        patient_key: PATIENT,
        summary: "Puls 88",
        body: &json!({"resource": local}).to_string(),
    };
    let access = AccessEntry { at: "2026-11-22T09:00:01Z", entry: r#"{"action":"write"}"# };
    store.enqueue(&write, "municipal", &[local], &access).unwrap()
}

#[test]
fn a_queued_write_shows_locally_and_leaves_only_with_the_servers_version() {
    let data = temp_dir("confirm");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    let seq = queue_pulse(&store, "c-1");
    assert_eq!(store.unsent_count().unwrap(), 1);
    assert_eq!(store.access_entries().unwrap().len(), 1, "the write's access log entry came with it");
    let local = store.patient_resources(PATIENT, "Observation").unwrap();
    assert_eq!(local.len(), 1, "the write shows in the cached view before it is sent");

    // Not yet due when a retry is scheduled later; due again after.
    store.retry_later(seq, "no network", 5_000).unwrap();
    assert!(store.next_due(4_999).unwrap().is_none());
    let due = store.next_due(5_000).unwrap().expect("due");
    assert_eq!((due.attempts, due.last_error.as_deref()), (1, Some("no network")));

    let mut confirmed = observation("srv-9", "8867-4", "2026-11-22T09:00:00Z", 88.0);
    confirmed["meta"] = json!({"versionId": "1", "lastUpdated": "2026-11-22T09:05:00Z"});
    store.confirm(seq, "municipal", &[confirmed]).unwrap();
    assert_eq!(store.unsent_count().unwrap(), 0);
    let ids: Vec<String> = store.resource_ids(PATIENT, "Observation").unwrap();
    assert_eq!(ids, vec!["srv-9".to_string()], "the server's version replaced the local one");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_client_id_is_queued_once_and_a_failed_write_stays_until_discarded() {
    let data = temp_dir("failed");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    let seq = queue_pulse(&store, "c-1");
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| queue_pulse(&store, "c-1")));
    assert!(again.is_err(), "the same client id twice is refused");
    assert_eq!(store.unsent_count().unwrap(), 1);
    assert_eq!(store.access_entries().unwrap().len(), 1, "the refused one left no access entry either");

    store.mark_failed(seq, "422 invalid").unwrap();
    assert!(store.next_due(i64::MAX).unwrap().is_none(), "a failed entry is not sent again by itself");
    assert_eq!(store.outbox().unwrap()[0].state, OutboxState::Failed);
    assert!(store.requeue(seq, None).unwrap());
    assert!(store.next_due(0).unwrap().is_some());
    store.mark_conflict(seq, "412", r#"{"status":"completed"}"#).unwrap();
    let e = store.outbox_entry(seq).unwrap().unwrap();
    assert_eq!((e.state, e.conflict.as_deref()), (OutboxState::Conflict, Some(r#"{"status":"completed"}"#)));
    assert!(store.discard(seq).unwrap());
    assert!(store.patient_resources(PATIENT, "Observation").unwrap().is_empty(), "its local view went with it");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn the_latest_of_each_kind_comes_from_a_long_history_and_not_from_the_future() {
    let data = temp_dir("latest");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    let mut obs: Vec<Value> = (0..500)
        .map(|i| {
            observation(
                &format!("p{i}"),
                "8867-4",
                &format!("2026-11-{:02}T{:02}:00:00Z", 1 + i / 24, i % 24),
                i as f64,
            )
        })
        .collect();
    obs.push(observation("t1", "8310-5", "2026-11-20T08:00:00Z", 37.2));
    obs.push(observation("future", "8310-5", "2099-01-01T00:00:00Z", 41.0));
    store.put_resources("municipal", PATIENT, &obs).unwrap();
    let now = arbeidsflate_store::epoch_ms("2026-11-22T12:00:00Z").unwrap();
    let latest = store.latest_observations(PATIENT, &["8867-4", "8310-5", "9279-1"], now, 1).unwrap();
    let ids: Vec<&str> = latest.iter().filter_map(|o| o["id"].as_str()).collect();
    assert_eq!(ids, vec!["p499", "t1"]);
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn patients_leaving_the_worklist_are_forgotten_but_their_unsent_writes_stay() {
    let data = temp_dir("retain");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    store.put_resources("municipal", "pat-2", &[observation("x", "8867-4", "2026-11-22T08:00:00Z", 70.0)]).unwrap();
    store.put_answer("pat-2", "kjernejournal", "{}", "2026-11-22T08:00:00Z").unwrap();
    queue_pulse(&store, "c-1");
    let purged = store.retain_patients(&["pat-3".to_string()]).unwrap();
    assert_eq!(purged, 2);
    assert!(store.answers("pat-2").unwrap().is_empty());
    assert!(store.resource_ids("pat-2", "Observation").unwrap().is_empty());
    assert_eq!(store.patient_resources(PATIENT, "Observation").unwrap().len(), 1, "the queued write's view stays");
    assert_eq!(store.unsent_count().unwrap(), 1);
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_database_from_every_earlier_schema_is_migrated_with_its_data() {
    for version in 1..MIGRATIONS.len() {
        let data = temp_dir(&format!("schema-{version}"));
        let master = MasterKey::generate();
        let old = Store::create_at_schema(&data, PID, &master, version).unwrap();
        old.connection()
            .execute(
                "INSERT INTO outbox (client_id, created_at, kind, body) VALUES ('old-1', '2026-11-21T10:00:00Z', 'vitals', '{}')",
                [],
            )
            .unwrap();
        old.append_access("2026-11-21T10:00:00Z", "{}").unwrap();
        drop(old);
        let (store, opened) = Store::open(&data, PID, &master).unwrap();
        assert_eq!(opened, Opened::Existing, "from schema {version}");
        assert_eq!(store.schema_version().unwrap() as usize, MIGRATIONS.len());
        assert_eq!(store.outbox().unwrap()[0].client_id, "old-1");
        assert_eq!(store.verify_access_log().unwrap().first_broken, None);
        std::fs::remove_dir_all(&data).unwrap();
    }
}

#[test]
fn a_database_from_a_newer_release_is_refused_not_wiped() {
    let data = temp_dir("newer");
    let master = MasterKey::generate();
    let (store, _) = Store::open(&data, PID, &master).unwrap();
    queue_pulse(&store, "c-1");
    store.connection().execute_batch(&format!("PRAGMA user_version = {}", MIGRATIONS.len() + 1)).unwrap();
    drop(store);
    let err = Store::open(&data, PID, &master).err().expect("refused");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_lost_master_key_with_unsent_writes_removes_nothing_until_the_user_agrees() {
    let data = temp_dir("lost-key");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    queue_pulse(&store, "c-1");
    drop(store);
    let other = MasterKey::generate();
    match Store::open(&data, PID, &other) {
        Err(StoreError::UnsentWritesUnreadable { unsent, .. }) => assert_eq!(unsent, 1),
        other => panic!("expected a refusal, got {:?}", other.map(|(_, o)| o)),
    }
    assert!(arbeidsflate_store::user_dir(&data, PID).join("cache.db").exists(), "nothing removed yet");
    let store = Store::recreate(&data, PID, &other).unwrap();
    assert_eq!(store.unsent_count().unwrap(), 0);
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_damaged_page_loses_the_cache_but_keeps_the_queued_writes() {
    let data = temp_dir("damaged-page");
    let master = MasterKey::generate();
    let (store, _) = Store::open(&data, PID, &master).unwrap();
    queue_pulse(&store, "c-1");
    let many: Vec<Value> =
        (0..2000).map(|i| observation(&format!("o{i}"), "8867-4", "2026-11-22T08:00:00Z", i as f64)).collect();
    store.put_resources("municipal", PATIENT, &many).unwrap();
    store.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    let db = store.directory().join("cache.db");
    drop(store);
    // Flip bytes in a page near the end of the file: the observations, not the outbox.
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.len() - 4096 * 3 + 100;
    for b in &mut bytes[at..at + 32] {
        *b ^= 0x5a;
    }
    std::fs::write(&db, bytes).unwrap();
    let (store, opened) = Store::open(&data, PID, &master).unwrap();
    let Opened::Recreated { salvaged, .. } = opened else { panic!("expected a recreated database, got {opened:?}") };
    assert!(salvaged >= 2, "the write and its access entry were kept: {salvaged}");
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].client_id, "c-1");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn the_database_size_counts_the_file_and_its_log() {
    let data = temp_dir("size");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    queue_pulse(&store, "c-1");
    assert!(
        store.size_bytes() > 0,
        "{:?}",
        std::fs::read_dir(store.directory())
            .unwrap()
            .flatten()
            .map(|e| (e.path(), e.metadata().unwrap().len()))
            .collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_clock_set_back_does_not_hold_a_write_for_hours() {
    let data = temp_dir("clock");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    let seq = queue_pulse(&store, "c-1");
    let now = 1_795_330_800_000;
    store.retry_later(seq, "no network", now + 4_000).unwrap();
    assert!(store.next_due(now).unwrap().is_none(), "backing off");
    // The clock jumps back three hours: the retry time is now further ahead than any backoff.
    assert!(store.next_due(now - 3 * 3_600_000).unwrap().is_some(), "due at once, not in three hours");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_full_disk_refuses_the_write_whole_and_keeps_what_was_queued() {
    let data = temp_dir("full");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    queue_pulse(&store, "c-1");
    // SQLite reports a full disk and a database at its page limit the same way (SQLITE_FULL).
    let pages: i64 = store.connection().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    store.connection().query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(())).unwrap();
    let big = "x".repeat(200_000);
    let local = observation("c-2", "8867-4", "2026-11-22T09:00:00Z", 90.0);
    let write = NewWrite {
        client_id: "c-2",
        created_at: "2026-11-22T09:01:00Z",
        kind: "note",
        patient_key: PATIENT,
        summary: "Notat",
        body: &big,
    };
    let err = store
        .enqueue(&write, "municipal", &[local], &AccessEntry { at: "2026-11-22T09:01:00Z", entry: "{}" })
        .unwrap_err();
    assert!(err.to_string().contains("full"), "{err}");
    assert_eq!(store.unsent_count().unwrap(), 1, "the earlier write is still there, the new one not half-stored");
    assert_eq!(store.access_entries().unwrap().len(), 1);
    assert_eq!(store.patient_resources(PATIENT, "Observation").unwrap().len(), 1);
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_sync_keeps_an_unsent_update_and_a_discarded_one_is_fetched_again() {
    let data = temp_dir("pending-update");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    let task = |status: &str, version: &str| {
        json!({"resourceType": "Task", "id": "t-1", "status": status, "for": {"reference": "Patient/pat-1"},
               "meta": {"versionId": version, "lastUpdated": "2026-11-22T08:00:00Z"}})
    };
    store.put_resources("municipal", PATIENT, &[task("requested", "1")]).unwrap();
    store.set_fetched("municipal", PATIENT, "2026-11-22T08:00:00Z", Some("2026-11-22T08:00:00Z")).unwrap();
    let write = NewWrite {
        client_id: "c-task",
        created_at: "2026-11-22T09:00:00Z",
        kind: "task",
        patient_key: PATIENT,
        summary: "Sårstell",
        body: "{}",
    };
    let access = AccessEntry { at: "2026-11-22T09:00:00Z", entry: "{}" };
    let seq = store.enqueue(&write, "municipal", &[task("completed", "1")], &access).unwrap();

    // A sync bringing the server's (older) version must not undo what was recorded here.
    store.put_resources("municipal", PATIENT, &[task("requested", "1")]).unwrap();
    assert_eq!(store.resource("Task", "t-1").unwrap().unwrap()["status"], "completed");

    assert!(store.discard(seq).unwrap());
    assert_eq!(store.resource("Task", "t-1").unwrap(), None, "the discarded local version is gone");
    let fetched = store.fetched("municipal", PATIENT).unwrap().unwrap();
    assert_eq!(fetched.watermark, None, "the next sync reads the whole record, the task included");
    store.put_resources("municipal", PATIENT, &[task("requested", "1")]).unwrap();
    assert_eq!(store.resource("Task", "t-1").unwrap().unwrap()["status"], "requested");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn an_entry_of_a_kind_kept_apart_backing_off_holds_back_nothing_after_it() {
    let data = temp_dir("apart");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    let write = NewWrite {
        client_id: "fb-1",
        created_at: "2026-11-22T09:00:00Z",
        kind: "feedback",
        patient_key: PATIENT,
        summary: "Tilbakemelding",
        body: "{}",
    };
    let access = AccessEntry { at: "2026-11-22T09:00:00Z", entry: r#"{"action":"write"}"# };
    let feedback = store.enqueue(&write, "municipal", &[], &access).unwrap();
    store.retry_later(feedback, "service away", 60_000).unwrap();
    let pulse = queue_pulse(&store, "c-2");
    // In strict order the pulse waits behind the feedback; kept apart, it goes.
    assert!(store.next_due(1_000).unwrap().is_none());
    assert_eq!(store.next_due_beside(1_000, &["feedback"]).unwrap().map(|e| e.seq), Some(pulse));
    // Due again, the feedback comes first, in its place.
    assert_eq!(store.next_due_beside(60_000, &["feedback"]).unwrap().map(|e| e.seq), Some(feedback));
    std::fs::remove_dir_all(&data).unwrap();
}
