//! Decision support end to end against the sandbox's CDS Hooks service (written from the
//! spec, verifying the workspace's signed calls): `patient-view` fires when a patient
//! opens, beside the sources; the cards come as their own part after the sources' and
//! never hold the opening up; a service that is down, slow past its deadline or answering
//! garbage is said to be so, and the overview is as it would be without it.

mod common;

use arbeidsflate_core::aggregate::Concurrency;
use arbeidsflate_core::{CardUse, Workspace};
use arbeidsflate_model::cds::{CardIndicator, CdsFailure, CdsState};
use arbeidsflate_model::overview::{OverviewPart, PatientTarget, SourceKind, SourceState};
use arbeidsflate_model::view::ClinicianRole;
use arbeidsflate_model::ErrorCode;
use common::{signed_in_as, state_of, worklist, Setup};
use sandbox::faults::{Fault, Service};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every part of one opening, the decision-support services' included (they come after
/// the opening returns), and how long the opening itself took.
struct Opened {
    statuses: Vec<arbeidsflate_model::overview::SourceStatus>,
    parts: Vec<OverviewPart>,
    opening: Duration,
}

async fn open_and_settle(ws: &Workspace, target: PatientTarget) -> Opened {
    let parts: Arc<Mutex<Vec<OverviewPart>>> = Arc::default();
    let sink = parts.clone();
    let started = Instant::now();
    let statuses = ws
        .open_patient_view(&target, None, Concurrency::Parallel, Arc::new(move |p| sink.lock().unwrap().extend(p)))
        .await
        .unwrap();
    let opening = started.elapsed();
    ws.decision_support_settled().await;
    let parts = parts.lock().unwrap().clone();
    Opened { statuses, parts, opening }
}

/// The last word of each service: (service id, state, cards' summaries by indicator).
fn last_words(parts: &[OverviewPart]) -> Vec<(String, CdsState, Vec<String>)> {
    let mut words: Vec<(String, CdsState, Vec<String>)> = Vec::new();
    for part in parts {
        if let OverviewPart::DecisionSupport { status, cards, .. } = part {
            let word = (
                status.service_id.clone(),
                status.state.clone(),
                cards.iter().map(|c| format!("{:?}: {}", c.indicator, c.summary)).collect(),
            );
            match words.iter_mut().find(|w| w.0 == status.service_id) {
                Some(w) => *w = word,
                None => words.push(word),
            }
        }
    }
    words
}

async fn nurse() -> Setup {
    signed_in_as(ClinicianRole::NursingHomeNurse, |_| {}).await
}

fn resident(entries: &[arbeidsflate_model::view::WorklistEntry], patient_ref: &str) -> PatientTarget {
    worklist(entries.iter().find(|e| e.patient_ref == patient_ref).expect("on the ward's worklist"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_services_cards_come_beside_the_sources_critical_first() {
    let Setup { sb, ws, entries, data: _data, .. } = nurse().await;
    // pas-16: new confusion (a NEWS2 parameter at 3), over 80 on zopiclone; pas-7: the
    // NEWS2 alone; pas-1: nothing for the rules.
    let opened = open_and_settle(&ws, resident(&entries, "pas-16")).await;
    assert_eq!(state_of(&opened.statuses, SourceKind::Municipal), SourceState::Fresh);
    let words = last_words(&opened.parts);
    assert_eq!(words.len(), 1, "one service in the sandbox: {words:?}");
    let (id, state, cards) = &words[0];
    assert_eq!((id.as_str(), state), ("klinisk-vurdering", &CdsState::Fresh));
    assert_eq!(cards.len(), 2, "{cards:?}");
    assert!(cards[0].starts_with("Critical: NEWS2"), "{cards:?}");
    assert!(cards[1].starts_with("Info: Over 80 år"), "{cards:?}");
    let fall_risk = opened
        .parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::DecisionSupport { cards, .. } => {
                cards.iter().find(|c| c.indicator == CardIndicator::Info).cloned()
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(fall_risk.links[0].app_id.as_deref(), Some("fallrisiko"), "the smart link is the catalogue's app");
    assert!(fall_risk.has_service_id && fall_risk.received_at.ends_with('Z'));
    // The critical card's suggestion is held for the clinician to confirm; nothing written.
    assert_eq!(ws.held_suggestions().len(), 1);

    let news_only = open_and_settle(&ws, resident(&entries, "pas-7")).await;
    let words = last_words(&news_only.parts);
    assert_eq!(words[0].2.len(), 1, "{words:?}");
    let nothing = open_and_settle(&ws, resident(&entries, "pas-1")).await;
    assert_eq!(last_words(&nothing.parts)[0], ("klinisk-vurdering".to_string(), CdsState::Fresh, vec![]));
    assert!(ws.held_suggestions().is_empty(), "another patient: the last one's suggestions are gone");
    assert_eq!(sb.cds_hook_calls(), 3, "one signed call per opening, each accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_service_is_named_with_its_reason_and_the_overview_is_untouched() {
    let Setup { sb, ws, entries, data: _data, .. } = nurse().await;
    let target = worklist(&entries[0]);
    let baseline = open_and_settle(&ws, target.clone()).await;
    let cases = [
        (Fault::ServerError, CdsFailure::ServiceError),
        (Fault::MalformedJson, CdsFailure::Malformed),
        (Fault::Disconnected, CdsFailure::Unreachable),
    ];
    for (fault, reason) in cases {
        sb.set_fault(Service::Cds, Some(fault));
        let opened = open_and_settle(&ws, target.clone()).await;
        let words = last_words(&opened.parts);
        assert!(
            words.iter().any(|(_, state, cards)| *state == CdsState::Failed { reason } && cards.is_empty()),
            "{fault:?}: {words:?}"
        );
        // Every source says what it said without the fault.
        assert_eq!(opened.statuses.len(), baseline.statuses.len());
        for (with, without) in opened.statuses.iter().zip(&baseline.statuses) {
            assert_eq!((with.source, &with.state), (without.source, &without.state));
        }
        sb.set_fault(Service::Cds, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_service_never_holds_the_opening_and_is_given_up_at_its_deadline() {
    let Setup { sb, ws, entries, data: _data, .. } =
        signed_in_as(ClinicianRole::NursingHomeNurse, |p| p.decision_support[0].deadline_ms = 400).await;
    // Discovered at the first opening; then the service slows down.
    let _ = open_and_settle(&ws, worklist(&entries[0])).await;
    sb.set_fault(Service::Cds, Some(Fault::Slow(3_000)));
    let opened = open_and_settle(&ws, worklist(&entries[0])).await;
    let words = last_words(&opened.parts);
    assert_eq!(words[0].1, CdsState::Failed { reason: CdsFailure::TimedOut }, "{words:?}");
    assert!(opened.opening < Duration::from_millis(2_500), "the opening waited for the service: {:?}", opened.opening);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_services_are_not_asked_and_say_so() {
    let Setup { sb, ws, entries, data: _data, .. } = nurse().await;
    ws.sync(|_| {}, &std::sync::atomic::AtomicBool::new(false)).await.unwrap();
    let calls = sb.cds_hook_calls();
    sb.set_fault(Service::Fhir, Some(Fault::Disconnected));
    sb.set_fault(Service::Cds, Some(Fault::Disconnected));
    let _ = open_and_settle(&ws, worklist(&entries[0])).await; // finds the network gone
    let opened = open_and_settle(&ws, worklist(&entries[0])).await;
    let words = last_words(&opened.parts);
    assert!(words.iter().all(|(_, state, cards)| *state == CdsState::Offline && cards.is_empty()), "{words:?}");
    assert_eq!(sb.cds_hook_calls(), calls, "nothing reached the service");
}

/// The card of `indicator` in the service's last answer.
fn card_of(parts: &[OverviewPart], indicator: CardIndicator) -> arbeidsflate_model::cds::DecisionCard {
    parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::DecisionSupport { cards, .. } => cards.iter().find(|c| c.indicator == indicator).cloned(),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {indicator:?} card"))
}

fn doctor_review_tasks(sb: &sandbox::Sandbox, patient: &str) -> Vec<serde_json::Value> {
    sb.fhir_resources()
        .into_iter()
        .filter(|r| r["resourceType"] == "Task" && r["for"]["reference"] == format!("Patient/{patient}"))
        .filter(|r| r["description"].as_str().is_some_and(|d| d.starts_with("Legetilsyn")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_suggestion_is_recorded_once_and_the_service_told_and_a_dismissed_card_stays_away_today() {
    let Setup { sb, ws, entries, data: _data, .. } = nurse().await;
    let opened = open_and_settle(&ws, resident(&entries, "pas-16")).await;
    let critical = card_of(&opened.parts, CardIndicator::Critical);
    let info = card_of(&opened.parts, CardIndicator::Info);
    assert!(doctor_review_tasks(&sb, "pas-16").is_empty());

    // A suggestion the card does not offer, or a card that is not there: refused, nothing written.
    for (card, suggestion) in
        [(critical.id.as_str(), "not-offered"), ("no-such-card", critical.suggestions[0].id.as_str())]
    {
        let refused = ws.use_card(card, CardUse::Accept { suggestion_id: suggestion }).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput, "{refused:?}");
    }
    let reason_refused =
        ws.use_card(&info.id, CardUse::Dismiss { reason_code: Some("made-up"), comment: None }).await.unwrap_err();
    assert_eq!(reason_refused.code, ErrorCode::InvalidInput);
    assert!(doctor_review_tasks(&sb, "pas-16").is_empty() && sb.cds_feedback().is_empty());

    let receipt =
        ws.use_card(&critical.id, CardUse::Accept { suggestion_id: &critical.suggestions[0].id }).await.unwrap();
    assert!(receipt.sent, "online: stored at once");
    assert_eq!(doctor_review_tasks(&sb, "pas-16").len(), 1);
    let reason = &info.override_reasons[0];
    ws.use_card(&info.id, CardUse::Dismiss { reason_code: Some(&reason.code), comment: Some("Vurdert i dag") })
        .await
        .unwrap();
    let feedback = sb.cds_feedback();
    assert_eq!(feedback.len(), 2, "{feedback:?}");
    assert_eq!(feedback[0]["card"], critical.id.as_str());
    assert_eq!(feedback[0]["outcome"], "accepted");
    assert_eq!(feedback[0]["acceptedSuggestions"][0]["id"], critical.suggestions[0].id.as_str());
    assert_eq!(feedback[1]["outcome"], "overridden");
    assert_eq!(feedback[1]["overrideReason"]["reason"]["code"], reason.code.as_str());
    assert_eq!(feedback[1]["overrideReason"]["userComment"], "Vurdert i dag");

    // Opened again the same day: the service still says both, the workspace shows neither,
    // and the task is not stored twice.
    let again = open_and_settle(&ws, resident(&entries, "pas-16")).await;
    assert_eq!(last_words(&again.parts)[0].2, Vec::<String>::new());
    assert_eq!(doctor_review_tasks(&sb, "pas-16").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_waits_in_the_outbox_while_the_service_is_away_and_holds_back_no_write() {
    let Setup { sb, ws, entries, data: _data, .. } = nurse().await;
    let opened = open_and_settle(&ws, resident(&entries, "pas-7")).await;
    let critical = card_of(&opened.parts, CardIndicator::Critical);
    sb.set_fault(Service::Cds, Some(Fault::Disconnected));
    let receipt =
        ws.use_card(&critical.id, CardUse::Accept { suggestion_id: &critical.suggestions[0].id }).await.unwrap();
    assert!(receipt.sent, "the task is stored though the service is away");
    assert_eq!(doctor_review_tasks(&sb, "pas-7").len(), 1);
    assert!(ws.is_online(), "a service away is not the network gone");
    let waiting = ws.outbox_items().await.unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].kind, arbeidsflate_model::offline::WriteKind::Feedback);
    assert!(sb.cds_feedback().is_empty());
    // A note written after it goes at once: the feedback waiting holds nothing back.
    let note = ws.record_note("pas-7", "Lege varslet om NEWS2.").await.unwrap();
    assert!(note.sent, "{note:?}");

    sb.set_fault(Service::Cds, None);
    ws.retry_write(waiting[0].id).await.unwrap();
    ws.drain_outbox().await.unwrap();
    assert_eq!(sb.cds_feedback().len(), 1);
    assert!(ws.outbox_items().await.unwrap().is_empty());
}

/// What the test's service saw and did with the token it was given.
#[derive(Default)]
struct Seen {
    body: Option<serde_json::Value>,
    statuses: Vec<(String, u16)>,
}

/// A decision-support service of the test's own that reads the record itself, with the
/// `fhirServer` and token the workspace gives it: its own patient, her medication (its
/// prefetch asks a query the workspace cannot answer from what it holds), another
/// patient, and a write it may not make.
async fn reading_service(seen: Arc<Mutex<Seen>>, other_patient: String) -> String {
    use axum::routing::{get, post};
    let discovery = serde_json::json!({"services": [{"hook": "patient-view", "id": "leser", "description": "Leser selv",
        "prefetch": {"medications": "MedicationStatement?patient={{context.patientId}}&_sort=-effective",
                     "allergies": "AllergyIntolerance?patient={{context.patientId}}"}}]});
    let app = axum::Router::new()
        .route("/cds-services", get(move || async move { axum::Json(discovery) }))
        .route(
            "/cds-services/leser",
            post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let seen = seen.clone();
                let other = other_patient.clone();
                async move {
                    let server = body["fhirServer"].as_str().unwrap_or_default().to_string();
                    let token = body["fhirAuthorization"]["access_token"].as_str().unwrap_or_default().to_string();
                    let patient = body["context"]["patientId"].as_str().unwrap_or_default().to_string();
                    let http = helseid::http_client(Duration::from_secs(5));
                    let mut statuses = Vec::new();
                    for path in [format!("Patient/{patient}"), format!("MedicationStatement?patient={patient}"), format!("Patient/{other}")] {
                        let status = http.get(format!("{server}/{path}")).bearer_auth(&token).send().await.unwrap().status();
                        statuses.push((path, status.as_u16()));
                    }
                    let write = serde_json::json!({"resourceType": "Observation", "status": "final",
                        "code": {"text": "x"}, "subject": {"reference": format!("Patient/{patient}")}});
                    let status = http.post(format!("{server}/Observation")).bearer_auth(&token).json(&write).send().await.unwrap().status();
                    statuses.push(("create Observation".into(), status.as_u16()));
                    let mut s = seen.lock().unwrap();
                    s.body = Some(body);
                    s.statuses = statuses;
                    axum::Json(serde_json::json!({"cards": [{"summary": "Lest selv", "indicator": "info", "source": {"label": "Test"}}]}))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_allowed_to_read_gets_a_token_for_that_patient_and_its_reads_only_and_it_ends_with_the_call() {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let Setup { sb, ws, entries, data: _data, .. } = {
        let base = reading_service(seen.clone(), "pas-2".into()).await;
        signed_in_as(ClinicianRole::NursingHomeNurse, move |p| {
            p.decision_support = vec![arbeidsflate_core::decision_support::DecisionSupportService {
                name: "Leser".into(),
                base_url: base,
                hooks: vec!["patient-view".into()],
                fhir_access: true,
                deadline_ms: 5_000,
            }]
        })
        .await
    };
    let ws = Arc::new(ws);
    ws.start_app_host().await.unwrap();
    let opened = open_and_settle(&ws, resident(&entries, "pas-1")).await;
    assert_eq!(last_words(&opened.parts)[0].2, ["Info: Lest selv"], "{:?}", last_words(&opened.parts));
    let (body, statuses_seen) = {
        let got = seen.lock().unwrap();
        (got.body.clone().expect("the service was called"), got.statuses.clone())
    };
    // Her stay in progress is the context's encounter.
    let stay = body["context"]["encounterId"].as_str().expect("a ward resident's stay");
    let encounter =
        sb.fhir_resources().into_iter().find(|r| r["resourceType"] == "Encounter" && r["id"] == stay).unwrap();
    assert_eq!(
        (encounter["subject"]["reference"].as_str(), encounter["status"].as_str()),
        (Some("Patient/pas-1"), Some("in-progress"))
    );
    let auth = &body["fhirAuthorization"];
    assert_eq!(auth["subject"], "cds:leser");
    assert_eq!(auth["patient"], "pas-1");
    assert_eq!(auth["token_type"], "Bearer");
    assert!(auth["expires_in"].as_u64().unwrap() <= 300);
    assert_eq!(
        auth["scope"], "patient/AllergyIntolerance.rs patient/MedicationStatement.rs patient/Patient.rs",
        "its prefetch's types, read only"
    );
    assert!(body["prefetch"].get("medications").is_none(), "a query the workspace cannot answer is left out");
    assert!(body["prefetch"].get("allergies").is_some(), "one it can is answered: {body:#}");
    let statuses: Vec<u16> = statuses_seen.iter().map(|(_, s)| *s).collect();
    assert_eq!(statuses, [200, 200, 404, 403], "{statuses_seen:?}");
    // Revoked after the call.
    let after = helseid::http_client(Duration::from_secs(5))
        .get(format!("{}/Patient/pas-1", body["fhirServer"].as_str().unwrap()))
        .bearer_auth(auth["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 401);

    // The platform's allergies failing: unknown, so left out for the service to fetch,
    // never given as "none".
    sb.set_search_fault("AllergyIntolerance", Some(Fault::ServerError));
    open_and_settle(&ws, resident(&entries, "pas-1")).await;
    let body = seen.lock().unwrap().body.clone().unwrap();
    assert!(body["prefetch"].get("allergies").is_none(), "{body:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allergy_only_kjernejournal_knows_meets_the_platforms_medication_in_the_prefetch() {
    let Setup { sb, ws, entries, data: _data, .. } = nurse().await;
    let target = resident(&entries, sandbox::world::AMOXICILLIN_RESIDENT);
    let nin = entries.iter().find(|e| e.patient_ref == sandbox::world::AMOXICILLIN_RESIDENT).unwrap();
    let kj = sb.kjernejournal_record(&nin.national_id.replace(' ', "")).unwrap();
    assert!(kj.allergies.iter().any(|a| a["code"]["coding"][0]["code"] == "373270004"), "Kjernejournal has it");
    let on_platform = sb.fhir_resources().into_iter().any(|r| {
        r["resourceType"] == "AllergyIntolerance"
            && r["patient"]["reference"] == format!("Patient/{}", sandbox::world::AMOXICILLIN_RESIDENT)
            && r["code"]["coding"][0]["code"] == "373270004"
    });
    assert!(!on_platform, "only Kjernejournal knows it: the warning needs both sources");
    let opened = open_and_settle(&ws, target.clone()).await;
    let words = last_words(&opened.parts);
    let warning = "Warning: Allergi mot penicillin, men Amoksicillin 500 mg kapsel står på legemiddellisten";
    assert!(words[0].2.iter().any(|c| c == warning), "{words:?}");
    // Opened again, from the offline cache's record and Kjernejournal's kept answer: the same.
    ws.sync(|_| {}, &std::sync::atomic::AtomicBool::new(false)).await.unwrap();
    let again = open_and_settle(&ws, target).await;
    assert!(last_words(&again.parts)[0].2.iter().any(|c| c == warning));
}

/// The ids of the cards the services last sent and of their suggestions, in order.
fn card_ids(parts: &[OverviewPart]) -> Vec<String> {
    parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::DecisionSupport { cards, .. } if !cards.is_empty() => Some(
                cards
                    .iter()
                    .flat_map(|c| std::iter::once(c.id.clone()).chain(c.suggestions.iter().map(|s| s.id.clone())))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_sent_again_when_the_patient_is_asked_about_again_keeps_its_id() {
    // The sandbox is kept: dropping it stops its services.
    let Setup { sb: _sb, ws, entries, data: _data, .. } = nurse().await;
    let first = card_ids(&open_and_settle(&ws, resident(&entries, "pas-16")).await.parts);
    assert_eq!(first.len(), 3, "two cards, one with a suggestion: {first:?}");
    // A refresh after a write opens her again: the service answers with new ids, the
    // cards keep theirs (a confirmation open on one stays open).
    let again = card_ids(&open_and_settle(&ws, resident(&entries, "pas-16")).await.parts);
    assert_eq!(again, first);
    // Her suggestion is accepted by the id shown.
    let receipt = ws.use_card(&first[0], CardUse::Accept { suggestion_id: &first[1] }).await.unwrap();
    assert!(receipt.sent, "the task reached the platform");
    // Another resident's cards are her own.
    let other = card_ids(&open_and_settle(&ws, resident(&entries, "pas-7")).await.parts);
    assert!(other.iter().all(|id| !first.contains(id)), "{other:?} {first:?}");
}
