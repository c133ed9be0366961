//! The worklist's signals per patient, from the offline cache: the same NEWS2, open
//! tasks and new documents the patient's own view shows, and not-ready before a sync.

mod common;

use arbeidsflate_model::overview::OverviewPart;
use common::{open, signed_in_as, worklist, Setup};
use std::sync::atomic::AtomicBool;

#[tokio::test]
async fn signals_match_what_each_patients_view_shows_and_need_a_synced_cache() {
    let Setup { sb, ws, entries, .. } =
        signed_in_as(arbeidsflate_model::view::ClinicianRole::NursingHomeNurse, |_| {}).await;
    let before = ws.worklist_signals().await.unwrap();
    assert!(!before.is_empty());
    assert!(before.iter().all(|s| !s.offline_ready && s.news2.is_none()), "nothing is cached before a sync");

    ws.sync(|_| {}, &AtomicBool::new(false)).await.unwrap();
    let signals = ws.worklist_signals().await.unwrap();
    assert_eq!(signals.len(), entries.len(), "one per ward resident");
    // "New" is the last three Norwegian days, counted from the sandbox's today.
    let new_since = clock::day_start(sb.today - chrono::Duration::days(3));
    let mut with_tasks = 0;
    for entry in entries.iter().take(6) {
        let s = signals.iter().find(|s| s.patient_ref == entry.patient_ref).unwrap();
        assert!(s.offline_ready && s.synced_at.is_some());
        let (_, parts) = open(&ws, worklist(entry), None).await;
        for part in &parts {
            match part {
                OverviewPart::Vitals { news2, .. } => {
                    let signal = s.news2.as_ref().expect("a NEWS2 signal");
                    assert_eq!((signal.total, signal.risk), (news2.total, news2.risk));
                }
                OverviewPart::Care { tasks, .. } => {
                    assert_eq!(s.open_tasks as usize, tasks.len());
                    with_tasks += usize::from(!tasks.is_empty());
                }
                OverviewPart::Documents { items, .. } => {
                    let new = items
                        .iter()
                        .filter(|d| d.date.as_deref().and_then(clock::parse_instant).is_some_and(|d| d >= new_since));
                    assert_eq!(s.new_documents as usize, new.count());
                }
                _ => {}
            }
        }
    }
    assert!(with_tasks > 0, "the ward has open tasks to count");
}
