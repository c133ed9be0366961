//! Bad input at the level of the patient view: one national service is replaced by a
//! hostile server (malformed JSON, a wrong resource type, a 50 MB answer, no answer at
//! all) while the sandbox serves the rest. That source fails on its own with a reason;
//! every other source stays fresh with its parts; nothing panics. The sandbox's own
//! fault switches are exercised in `patient_view.rs`.

mod common;

use arbeidsflate_core::{Profile, Workspace};
use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::overview::{
    AccessRequest, OverviewPart, PatientTarget, SourceFailure, SourceKind, SourceState, SourceStatus,
};
use arbeidsflate_model::view::WorklistEntry;
use arbeidsflate_model::ErrorCode;
use common::{nin_of, open, signed_in_with, worklist, Setup};
use sandbox::Sandbox;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone, Copy)]
enum Misbehaviour {
    /// 200 with JSON cut off in the middle of a Bundle.
    MalformedJson,
    /// A Patient wherever a Bundle (or a person) is expected; Kjernejournal's status is
    /// answered properly so the data call is reached.
    WrongResourceType,
    /// 50 MB of Bundle, with no length announced.
    FiftyMegabytes,
    /// Accepts the request and never answers.
    Hang,
}

struct Hostile {
    url: String,
    requests: Arc<AtomicUsize>,
}

/// A plain HTTP/1.1 server that ignores auth and misbehaves in one way on every path.
async fn hostile(how: Misbehaviour) -> Hostile {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 8192];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let path = String::from_utf8_lossy(&head).split_whitespace().nth(1).unwrap_or("/").to_string();
                let ok = "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\nconnection: close\r\n";
                let body = match how {
                    Misbehaviour::Hang => {
                        tokio::time::sleep(Duration::from_secs(600)).await;
                        return;
                    }
                    Misbehaviour::FiftyMegabytes => {
                        let _ = conn.write_all(format!("{ok}\r\n").as_bytes()).await;
                        let _ = conn.write_all(br#"{"resourceType":"Bundle","type":"searchset","entry":["#).await;
                        let entry = r#"{"resource":{"resourceType":"Basic","id":"x"}},"#;
                        let chunk = entry.repeat(64 * 1024 / entry.len());
                        for _ in 0..(50 * 1024 * 1024 / chunk.len()) {
                            // The client hanging up is how a refusal looks from here.
                            if conn.write_all(chunk.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                        let _ = conn.write_all(br#"{"resource":{"resourceType":"Basic"}}]}"#).await;
                        return;
                    }
                    Misbehaviour::MalformedJson => r#"{"resourceType": "Bundle", "entry": ["#.to_string(),
                    Misbehaviour::WrongResourceType if path.ends_with("/status") => {
                        r#"{"hasCriticalInformation": true, "hasActiveCriticalInformation": true}"#.to_string()
                    }
                    Misbehaviour::WrongResourceType => {
                        r#"{"resourceType": "Patient", "id": "p", "name": [{"text": "Feil Pasient"}]}"#.to_string()
                    }
                };
                let answer = format!("{ok}content-length: {}\r\n\r\n{body}", body.len());
                let _ = conn.write_all(answer.as_bytes()).await;
            });
        }
    });
    Hostile { url, requests }
}

/// Points one national service (by its profile name) at `url`, keeping its audience.
fn point(profile: &mut Profile, service: &str, url: &str) {
    let settings = profile.national.service_mut(service).unwrap_or_else(|| panic!("no national service {service}"));
    settings.as_mut().expect("configured").base_url = url.to_string();
}

/// Opens a patient, which must succeed; every source's status and every part.
async fn open_ok(ws: &Workspace, target: PatientTarget) -> (Vec<SourceStatus>, Vec<OverviewPart>) {
    let (result, parts) = open(ws, target, None).await;
    (result.unwrap(), parts)
}

/// A worklist patient every source has something for, so a missing part means a lost one.
fn full_patient<'a>(sb: &Sandbox, entries: &'a [WorklistEntry]) -> &'a WorklistEntry {
    entries
        .iter()
        .find(|e| {
            let nin = nin_of(e);
            sb.kjernejournal_record(&nin).is_some_and(|r| !r.reserved && !r.restricted && !r.allergies.is_empty())
                && sb.sfm_list(&nin).0.iter().any(|m| m["partOf"].is_null() && m["status"] != "completed")
                && !sb.pjd_documents(&nin).documents.is_empty()
        })
        .expect("a worklist patient with critical information, a medication list and documents")
}

fn status_of(statuses: &[SourceStatus], kind: SourceKind) -> &SourceStatus {
    statuses.iter().find(|s| s.source == kind).unwrap()
}

/// The other sources answered and their parts are in the view.
fn the_others_are_fresh(failed: SourceKind, statuses: &[SourceStatus], parts: &[OverviewPart], entry: &WorklistEntry) {
    for s in statuses.iter().filter(|s| s.source != failed) {
        assert_eq!(s.state, SourceState::Fresh, "{:?} while {failed:?} misbehaves: {:?}", s.source, s.detail);
    }
    let has = |pred: &dyn Fn(&OverviewPart) -> bool| parts.iter().any(pred);
    assert!(has(&|p| matches!(p, OverviewPart::Banner { banner } if banner.name == entry.name)));
    assert!(has(&|p| matches!(p, OverviewPart::Vitals { .. })));
    let last_sources = |allergies: bool| -> Vec<String> {
        parts
            .iter()
            .rev()
            .find_map(|p| match p {
                OverviewPart::Allergies { items } if allergies => {
                    Some(items.iter().flat_map(|m| m.sources.iter().map(|s| s.source.clone())).collect())
                }
                OverviewPart::Medications { items, .. } if !allergies => {
                    Some(items.iter().flat_map(|m| m.sources.iter().map(|s| s.source.clone())).collect())
                }
                _ => None,
            })
            .unwrap_or_default()
    };
    let from_kj = last_sources(true).iter().any(|s| s == sources::kjernejournal::SOURCE_NAME);
    assert_eq!(from_kj, failed != SourceKind::Kjernejournal, "Kjernejournal's allergies in the merged list");
    let from_list = last_sources(false).iter().any(|s| s == sources::sfm::SOURCE_NAME);
    assert_eq!(from_list, failed != SourceKind::MedicationList, "the medication list's items in the merged list");
    let person = has(&|p| matches!(p, OverviewPart::Person { .. }));
    assert_eq!(person, failed != SourceKind::Person, "the person part");
    let documents = has(&|p| matches!(p, OverviewPart::Documents { items, .. } if !items.is_empty()));
    assert_eq!(documents, failed != SourceKind::Documents, "the documents part");
}

#[tokio::test]
async fn one_hostile_national_service_fails_alone_with_a_reason() {
    let cases = [
        ("kjernejournal", SourceKind::Kjernejournal, Misbehaviour::WrongResourceType, "expected Bundle"),
        ("kjernejournal", SourceKind::Kjernejournal, Misbehaviour::FiftyMegabytes, "larger than"),
        ("medication_list", SourceKind::MedicationList, Misbehaviour::MalformedJson, "not JSON"),
        ("medication_list", SourceKind::MedicationList, Misbehaviour::WrongResourceType, "document Bundle"),
        ("person", SourceKind::Person, Misbehaviour::FiftyMegabytes, "larger than"),
        ("person", SourceKind::Person, Misbehaviour::WrongResourceType, "last name"),
        ("documents", SourceKind::Documents, Misbehaviour::WrongResourceType, "expected Bundle"),
        ("documents", SourceKind::Documents, Misbehaviour::FiftyMegabytes, "larger than"),
    ];
    for (service, kind, how, says) in cases {
        let server = hostile(how).await;
        let Setup { sb, ws, entries, .. } = signed_in_with(|p| point(p, service, &server.url)).await;
        let entry = full_patient(&sb, &entries);
        let (statuses, parts) = open_ok(&ws, worklist(entry)).await;
        assert!(server.requests.load(Ordering::SeqCst) > 0, "{service} was asked");
        let failed = status_of(&statuses, kind);
        assert_eq!(failed.state, SourceState::Failed { reason: SourceFailure::Malformed }, "{service} {how:?}");
        let detail = failed.detail.as_deref().unwrap_or_default();
        assert!(detail.contains(says), "{service} {how:?}: the reason says \"{detail}\"");
        the_others_are_fresh(kind, &statuses, &parts, entry);
        sb.stop();
    }
}

#[tokio::test]
async fn a_service_that_never_answers_is_given_up_at_its_deadline() {
    let server = hostile(Misbehaviour::Hang).await;
    let Setup { sb, ws, entries, .. } = signed_in_with(|p| {
        p.session.source_deadline_seconds = 1;
        p.session.source_slow_after_ms = 200;
        point(p, "documents", &server.url);
    })
    .await;
    let entry = full_patient(&sb, &entries);
    let started = Instant::now();
    let (statuses, parts) = open_ok(&ws, worklist(entry)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the deadline, not the server, decides: {:?}",
        started.elapsed()
    );
    let documents: Vec<SourceState> = parts
        .iter()
        .filter_map(|p| match p {
            OverviewPart::Status { status } if status.source == SourceKind::Documents => Some(status.state.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(documents, [SourceState::Slow, SourceState::Failed { reason: SourceFailure::TimedOut }]);
    the_others_are_fresh(SourceKind::Documents, &statuses, &parts, entry);
}

#[tokio::test]
async fn a_number_failing_its_check_digits_reaches_no_national_service() {
    let server = hostile(Misbehaviour::MalformedJson).await;
    let Setup { sb, ws, .. } = signed_in_with(|p| {
        for service in ["kjernejournal", "medication_list", "documents", "person"] {
            point(p, service, &server.url);
        }
    })
    .await;
    // Signing in and the worklist may already have asked (Kjernejournal's status in the
    // background); the bad number must add nothing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked_before = server.requests.load(Ordering::SeqCst);
    let fhir_before = sb.fhir_requests();
    let mut bad = sb.patient_nins()[0].clone();
    let check = bad.pop().unwrap();
    bad.push(if check == '9' { '0' } else { (check as u8 + 1) as char });
    let consent = Some(AccessRequest { basis: AccessBasis::Samtykke, reason: None });
    let (result, parts) = open(&ws, PatientTarget::NationalId { national_id: bad }, consent).await;
    assert_eq!(result.unwrap_err().code, ErrorCode::InvalidNationalId);
    assert!(parts.is_empty());
    assert_eq!(server.requests.load(Ordering::SeqCst), asked_before, "no national service was asked");
    assert_eq!(sb.fhir_requests(), fhir_before, "nor the platform");
}
