//! The encrypted store on disk: created, reopened, unreadable without its key,
//! recreated (and said so) when the key no longer fits, wiped without any key.

use arbeidsflate_store::{user_dir, MasterKey, Opened, Store};
use std::path::PathBuf;

/// A synthetic person (month + 80, valid check digits) and a name to look for on disk.
const PID: &str = "13814006675";
const NAME: &str = "Syntetisk Testesen";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("arbeidsflate-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn put_name(store: &Store) {
    store
        .connection()
        .execute(
            "INSERT INTO patient_part (patient_key, part, json, fetched_at) VALUES (?1, 'banner', ?2, '2026-11-22T07:00:00Z')",
            [PID, &format!("{{\"name\": \"{NAME}\"}}")],
        )
        .unwrap();
}

fn count(store: &Store) -> i64 {
    store.connection().query_row("SELECT count(*) FROM patient_part", [], |r| r.get(0)).unwrap()
}

#[test]
fn the_database_is_created_reopened_and_migrated_to_the_latest_schema() {
    let data = temp_dir("reopen");
    let master = MasterKey::generate();
    let (store, opened) = Store::open(&data, PID, &master).unwrap();
    assert_eq!(opened, Opened::Created);
    assert_eq!(store.schema_version().unwrap() as usize, arbeidsflate_store::MIGRATIONS.len());
    put_name(&store);
    drop(store);
    let (store, opened) = Store::open(&data, PID, &master).unwrap();
    assert_eq!(opened, Opened::Existing);
    assert_eq!(count(&store), 1);
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn nothing_on_disk_is_readable_and_no_path_names_the_user() {
    let data = temp_dir("plaintext");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    put_name(&store);
    store.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    put_name_again_in_wal(&store);
    let dir = store.directory().to_path_buf();
    assert_eq!(dir, user_dir(&data, PID));
    for entry in walk(&data) {
        let path = entry.display().to_string();
        assert!(!path.contains(PID), "a path names the user: {path}");
        let bytes = std::fs::read(&entry).unwrap();
        for needle in [NAME.as_bytes(), PID.as_bytes(), b"SQLite format 3".as_slice(), b"patient_part".as_slice()] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{path} holds {:?} in clear",
                String::from_utf8_lossy(needle)
            );
        }
    }
    std::fs::remove_dir_all(&data).unwrap();
}

fn put_name_again_in_wal(store: &Store) {
    store
        .connection()
        .execute("UPDATE patient_part SET json = ?1", [format!("{{\"name\": \"{NAME} (endret)\"}}")])
        .unwrap();
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn another_master_key_recreates_the_cache_and_says_so() {
    let data = temp_dir("wrong-key");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    put_name(&store);
    drop(store);
    let (store, opened) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    assert!(matches!(opened, Opened::Recreated { .. }), "{opened:?}");
    assert_eq!(count(&store), 0, "the old cache is gone, not half-read");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_damaged_database_file_is_recreated() {
    let data = temp_dir("corrupt");
    let master = MasterKey::generate();
    let (store, _) = Store::open(&data, PID, &master).unwrap();
    put_name(&store);
    store.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    let db = store.directory().join("cache.db");
    drop(store);
    let mut bytes = std::fs::read(&db).unwrap();
    for b in bytes.iter_mut().take(64) {
        *b ^= 0xff;
    }
    std::fs::write(&db, bytes).unwrap();
    let (_, opened) = Store::open(&data, PID, &master).unwrap();
    assert!(matches!(opened, Opened::Recreated { .. }), "{opened:?}");
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn wipe_removes_everything_of_the_user_without_any_key() {
    let data = temp_dir("wipe");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    put_name(&store);
    drop(store);
    Store::wipe(&data, PID).unwrap();
    assert!(!user_dir(&data, PID).exists());
    Store::wipe(&data, PID).unwrap();
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn the_access_log_is_a_chain_that_shows_an_edit_or_a_removal() {
    let data = temp_dir("audit");
    let (store, _) = Store::open(&data, PID, &MasterKey::generate()).unwrap();
    let entry = |n: u32| format!("{{\"patient\": \"{PID}\", \"basis\": \"UNNTAK\", \"n\": {n}}}");
    let seqs: Vec<i64> =
        (0..4).map(|n| store.append_access(&format!("2026-11-22T07:0{n}:00Z"), &entry(n)).unwrap()).collect();
    let ok = store.verify_access_log().unwrap();
    assert_eq!((ok.entries, ok.first_broken), (4, None));

    // Editing an entry's content breaks the chain at that entry.
    store
        .connection()
        .execute("UPDATE access_log SET entry = replace(entry, 'UNNTAK', 'AKUTT') WHERE seq = ?1", [seqs[1]])
        .unwrap();
    assert_eq!(store.verify_access_log().unwrap().first_broken, Some(seqs[1]));
    store
        .connection()
        .execute("UPDATE access_log SET entry = replace(entry, 'AKUTT', 'UNNTAK') WHERE seq = ?1", [seqs[1]])
        .unwrap();
    assert_eq!(store.verify_access_log().unwrap().first_broken, None, "restored, the chain holds again");

    // Removing an entry breaks it at the one after.
    store.connection().execute("DELETE FROM access_log WHERE seq = ?1", [seqs[2]]).unwrap();
    assert_eq!(store.verify_access_log().unwrap().first_broken, Some(seqs[3]));
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn a_dismissed_card_stays_dismissed_for_that_patient_and_day_across_a_reopening() {
    use arbeidsflate_store::DismissedCard;
    let data = temp_dir("dismissed");
    let master = MasterKey::generate();
    let card = DismissedCard { service_id: "klinisk-vurdering".into(), card_key: "a1b2".into() };
    {
        let (store, _) = Store::open(&data, PID, &master).unwrap();
        store.dismiss_card("pas-16", &card, "2026-03-02", "2026-03-02T08:00:00Z").unwrap();
        // Twice is once.
        store.dismiss_card("pas-16", &card, "2026-03-02", "2026-03-02T08:05:00Z").unwrap();
    }
    let (store, _) = Store::open(&data, PID, &master).unwrap();
    assert_eq!(store.dismissed_cards("pas-16", "2026-03-02").unwrap(), [card]);
    assert!(store.dismissed_cards("pas-16", "2026-03-03").unwrap().is_empty(), "the next day it shows again");
    assert!(store.dismissed_cards("pas-7", "2026-03-02").unwrap().is_empty(), "another patient's card stands");
}
