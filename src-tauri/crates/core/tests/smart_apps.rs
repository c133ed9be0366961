//! Another supplier's app inside the workspace, end to end against the sandbox: the
//! nurse opens a patient and launches the app; the app (here a plain HTTP client doing
//! what a SMART client does) gets a token through the SMART host, reads the patient and
//! her observations through the facade from the municipal platform, cannot reach anyone
//! else by any door, saves an assessment once (and, with the network gone, later), and
//! loses its access at the lock. Every request is in the access log with the app's id,
//! shipped to the platform as AuditEvents.

mod common;

use arbeidsflate_core::Workspace;
use arbeidsflate_model::view::ClinicianRole;
use arbeidsflate_model::view::WorklistEntry;
use common::smart_app::{fall_risk_app, App};
use common::{open, signed_in_as, signed_in_with, worklist, Setup};
use sandbox::faults::{Fault, Service};
use serde_json::{json, Value};
use std::sync::Arc;

fn assessment(patient: &str, score: u32) -> Value {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "129839007", "display": "At risk for falls"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "valueInteger": score,
    })
}

/// The fall-risk scores the app stored on the platform for `patient`.
fn stored_assessments(sb: &sandbox::Sandbox, patient: &str) -> Vec<Value> {
    sb.fhir_resources()
        .into_iter()
        .filter(|r| r["resourceType"] == "Observation" && r["subject"]["reference"] == format!("Patient/{patient}"))
        .filter(|r| r["code"]["coding"][0]["code"] == "129839007")
        .collect()
}

/// The nurse with the app launched for her first worklist patient.
struct Launched {
    sb: sandbox::Sandbox,
    clock: Arc<clock::TickingClock>,
    entries: Vec<WorklistEntry>,
    ws: Arc<Workspace>,
    app: App,
    _data: common::TempData,
}

/// The home-care nurse with the app launched.
async fn launched() -> Launched {
    launched_as(ClinicianRole::HomeCareNurse).await
}

async fn launched_as(role: ClinicianRole) -> Launched {
    let Setup { sb, clock, ws, entries, data } = signed_in_as(role, |p| p.apps = vec![fall_risk_app()]).await;
    open(&ws, worklist(&entries[0]), None).await.0.unwrap();
    let ws = Arc::new(ws);
    let app = App::launch(&ws).await;
    Launched { sb, clock, entries, ws, app, _data: data }
}

#[tokio::test]
async fn the_app_reads_the_open_patient_and_her_observations_from_the_platform() {
    // A nursing-home resident: she has a stay to put in context.
    let Launched { sb, entries, app, ws: _keeps_the_host, .. } = launched_as(ClinicianRole::NursingHomeNurse).await;
    assert_eq!(app.patient, entries[0].patient_ref);
    let stay = sb
        .fhir_resources()
        .into_iter()
        .find(|r| r["resourceType"] == "Encounter" && r["subject"]["reference"] == format!("Patient/{}", app.patient));
    let stay_id = stay.as_ref().and_then(|e| e["id"].as_str()).expect("a resident has a stay");
    assert_eq!(app.answer["encounter"], stay_id, "the stay in context where there is one");
    assert_eq!(app.answer["need_patient_banner"], true, "in its own window, the app draws her banner");
    // The id_token names the clinician, whose own Practitioner the app may read (only hers).
    let id_token = app.answer["id_token"].as_str().expect("openid fhirUser granted");
    let claims = id_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims).unwrap(),
    )
    .unwrap();
    let me = claims["fhirUser"].as_str().unwrap().strip_prefix(&format!("{}/", app.iss)).unwrap().to_string();
    let (status, practitioner) = app.get(&me).await;
    assert_eq!((status, practitioner["resourceType"].as_str()), (200, Some("Practitioner")), "{practitioner}");
    let colleague = sb
        .fhir_resources()
        .into_iter()
        .find(|r| r["resourceType"] == "Practitioner" && format!("Practitioner/{}", r["id"].as_str().unwrap()) != me)
        .unwrap();
    assert_eq!(app.get(&format!("Practitioner/{}", colleague["id"].as_str().unwrap())).await.0, 403);
    let (status, patient) = app.get(&format!("Patient/{}", app.patient)).await;
    assert_eq!((status, patient["id"].as_str()), (200, Some(app.patient.as_str())));

    let (status, bundle) = app.get("Observation?_count=50").await;
    assert_eq!(status, 200, "{bundle}");
    let on_platform = sb
        .fhir_resources()
        .into_iter()
        .filter(|r| {
            r["resourceType"] == "Observation" && r["subject"]["reference"] == format!("Patient/{}", app.patient)
        })
        .count();
    let entries = bundle["entry"].as_array().unwrap();
    assert!(on_platform > 0);
    assert_eq!(entries.len(), on_platform, "every observation of hers, and only hers");
    assert_eq!(bundle["total"], on_platform);
    // `_count` does not page here: one Bundle with every match, however small it asks.
    let (status, tiny) = app.get("Observation?_count=1").await;
    assert_eq!((status, tiny["entry"].as_array().map(Vec::len)), (200, Some(on_platform)));
    for e in entries {
        assert_eq!(e["resource"]["subject"]["reference"], format!("Patient/{}", app.patient));
        assert!(e["fullUrl"].as_str().unwrap().starts_with(&app.iss));
    }
}

#[tokio::test]
async fn no_door_leads_to_another_patient() {
    let Launched { sb, clock, entries, app, ws: _keeps_the_host, .. } = launched().await;
    let other = entries.iter().map(|e| e.patient_ref.clone()).find(|p| *p != app.patient).unwrap();
    let theirs = sb
        .fhir_resources()
        .into_iter()
        .find(|r| r["resourceType"] == "Observation" && r["subject"]["reference"] == format!("Patient/{other}"))
        .unwrap();
    let their_observation = format!("Observation/{}", theirs["id"].as_str().unwrap());
    let before = sb.fhir_requests();
    for (path, expected) in [
        (format!("Patient/{other}"), 404),
        (format!("Observation?patient={other}"), 403),
        (format!("Observation?subject=Patient/{other}"), 403),
        (format!("Observation?patient={},{other}", app.patient), 403),
        ("Observation?subject=https://elsewhere.example/fhir/Patient/x".into(), 403),
        ("Observation?_include=Observation:subject".into(), 403),
        ("Patient?_revinclude=Observation:subject".into(), 403),
        ("Observation?subject.name=Nordmann".into(), 403),
        (format!("Patient?_id={other}"), 403),
        (format!("Patient/{other}/_history"), 405),
        ("Condition".into(), 403),
        ("Practitioner?name=x".into(), 403),
    ] {
        let (status, body) = app.get(&path).await;
        if path.ends_with("_history") {
            assert!(status >= 400, "{path}: {status}");
            continue;
        }
        assert_eq!(status, expected, "{path}: {body}");
        assert_eq!(body["resourceType"], "OperationOutcome", "{path}");
    }
    assert_eq!(sb.fhir_requests(), before, "nothing refused reached the platform");

    // Read by id: forwarded, and answered as not found because it is someone else's.
    let (status, body) = app.get(&their_observation).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.to_string().contains(&other), "nothing of theirs in the answer");

    // Writing for someone else, a transaction, a delete.
    let (status, _) = app.post("Observation", &assessment(&other, 3)).await;
    assert_eq!(status, 403);
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": assessment(&app.patient, 1), "request": {"method": "POST", "url": "Observation"}}]});
    assert_eq!(app.post("", &bundle).await.0, 405);
    let r = app.http.delete(format!("{}/{their_observation}", app.iss)).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(stored_assessments(&sb, &other).is_empty());
    // A type the app may not write, garbage, 50 MB, and a page from another origin.
    let condition = json!({"resourceType": "Condition", "subject": {"reference": format!("Patient/{}", app.patient)}});
    assert_eq!(app.post("Condition", &condition).await.0, 403);
    let garbage = app
        .http
        .post(format!("{}/Observation", app.iss))
        .bearer_auth(&app.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    let huge = vec![b' '; 50 * 1024 * 1024];
    let huge = app.http.post(format!("{}/Observation", app.iss)).bearer_auth(&app.token).body(huge).send().await;
    assert!(huge.map(|r| r.status() == 413).unwrap_or(true), "50 MB refused unread");
    let foreign = app
        .http
        .get(format!("{}/Patient/{}", app.iss, app.patient))
        .bearer_auth(&app.token)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403, "only the app's registered origin");
    assert!(stored_assessments(&sb, &app.patient).is_empty());
    // No token, or a made-up one.
    let r = app.http.get(format!("{}/Patient/{}", app.iss, app.patient)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let r = app.http.get(format!("{}/Patient/{}", app.iss, app.patient)).bearer_auth("guess").send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A token past its 15 minutes.
    clock.advance(chrono::Duration::minutes(16));
    assert_eq!(app.get(&format!("Patient/{}", app.patient)).await.0, 401, "an expired token");
}

#[tokio::test]
async fn an_assessment_reaches_the_platform_once_now_or_when_the_network_is_back() {
    let Launched { sb, clock, ws, app, .. } = launched().await;
    let (status, created) = app.post("Observation", &assessment(&app.patient, 2)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let stored = stored_assessments(&sb, &app.patient);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], id);
    let (status, read) = app.get(&format!("Observation/{id}")).await;
    assert_eq!((status, &read["valueInteger"]), (200, &json!(2)));

    // With the network gone it waits in the outbox, and is sent once when it is back.
    sb.set_fault(Service::Fhir, Some(Fault::Disconnected));
    let (status, queued) = app.post("Observation", &assessment(&app.patient, 4)).await;
    assert_eq!(status, 202, "{queued}");
    assert_eq!(stored_assessments(&sb, &app.patient).len(), 1);
    sb.set_fault(Service::Fhir, None);
    // Past the outbox's back-off, then twice: the second finds nothing more to send.
    clock.advance(chrono::Duration::minutes(10));
    ws.drain_outbox().await.unwrap();
    ws.drain_outbox().await.unwrap();
    let stored = stored_assessments(&sb, &app.patient);
    assert_eq!(stored.len(), 2, "sent once");
    assert!(stored.iter().any(|r| r["valueInteger"] == 4));

    // Every request is in the access log with the app's id, shipped as AuditEvents.
    let events: Vec<Value> = sb
        .fhir_resources()
        .into_iter()
        .filter(|r| r["resourceType"] == "AuditEvent")
        .filter(|r| r["agent"].as_array().unwrap().iter().any(|a| a["who"]["identifier"]["value"] == "fallrisiko"))
        .collect();
    let actions: Vec<String> =
        events.iter().filter_map(|e| e["entity"][0]["detail"][0]["valueString"].as_str().map(str::to_string)).collect();
    assert_eq!(actions.iter().filter(|a| *a == "write:app").count(), 2, "{actions:?}");
    assert!(actions.iter().any(|a| a == "app:read:Observation"), "{actions:?}");
}

#[tokio::test]
async fn an_update_needs_the_version_read_and_a_change_since_is_a_conflict_not_an_overwrite() {
    let Launched { sb, ws, app, .. } = launched().await;
    let (_, created) = app.post("Observation", &assessment(&app.patient, 2)).await;
    let id = created["id"].as_str().unwrap().to_string();
    let mut changed = created.clone();
    changed["valueInteger"] = json!(3);
    let put = |body: &Value, if_match: Option<&str>| {
        let mut request =
            app.http.put(format!("{}/Observation/{id}", app.iss)).bearer_auth(&app.token).body(body.to_string());
        if let Some(v) = if_match {
            request = request.header("if-match", format!("W/\"{v}\""));
        }
        request.send()
    };
    assert_eq!(put(&changed, None).await.unwrap().status(), 428, "no blind overwrite");
    let version = created["meta"]["versionId"].as_str().unwrap().to_string();
    let r = put(&changed, Some(&version)).await.unwrap();
    assert_eq!(r.status(), 200);
    // The app's copy is now stale: a second change on the old version is a conflict.
    changed["valueInteger"] = json!(5);
    let r = put(&changed, Some(&version)).await.unwrap();
    assert_eq!(r.status(), 412);
    let stored = stored_assessments(&sb, &app.patient);
    assert_eq!(stored[0]["valueInteger"], 3, "the platform keeps the change made on the right version");
    let waiting = ws.outbox_items().await.unwrap();
    assert!(waiting.iter().any(|i| i.state == arbeidsflate_model::offline::OutboxItemState::Conflict), "{waiting:?}");
}

#[tokio::test]
async fn the_lock_sign_out_and_another_patient_end_the_apps_access() {
    let Launched { sb: _sandbox, entries, ws, app, .. } = launched().await;
    assert_eq!(app.get(&format!("Patient/{}", app.patient)).await.0, 200);
    assert!(ws.live_app_tokens() > 0);

    // Opening another patient closes this one for the app.
    open(&ws, worklist(entries.iter().find(|e| e.patient_ref != app.patient).unwrap()), None).await.0.unwrap();
    assert_eq!(app.get(&format!("Patient/{}", app.patient)).await.0, 401);

    let app = App::launch(&ws).await;
    assert_eq!(app.get(&format!("Patient/{}", app.patient)).await.0, 200);
    ws.lock();
    assert_eq!(app.get(&format!("Patient/{}", app.patient)).await.0, 401, "the idle lock ends it");
    assert_eq!(ws.live_app_tokens(), 0);
    assert!(ws.launch_app("fallrisiko").await.is_err(), "no launch while locked");

    // Unlocked, launched again: signing out ends it too.
    ws.sign_in_headless().await.unwrap();
    open(&ws, worklist(&entries[0]), None).await.0.unwrap();
    let app = App::launch(&ws).await;
    assert_eq!(app.get(&format!("Patient/{}", app.patient)).await.0, 200);
    ws.sign_out_discarding(None).await.unwrap();
    assert_eq!(app.get(&format!("Patient/{}", app.patient)).await.0, 401, "sign-out ends it");
}

#[tokio::test]
async fn only_the_apps_for_the_clinicians_role_launch_and_only_for_an_open_patient() {
    let setup = signed_in_with(|p| {
        let mut doctors_only = fall_risk_app();
        doctors_only.id = "legemiddel".into();
        doctors_only.roles = vec![arbeidsflate_model::view::ClinicianRole::NursingHomeDoctor];
        p.apps = vec![fall_risk_app(), doctors_only];
    })
    .await;
    let ws = Arc::new(setup.ws);
    let entries = setup.entries;
    let ids: Vec<String> = ws.apps().await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["fallrisiko"]);
    let e = ws.launch_app("fallrisiko").await.unwrap_err();
    assert_eq!(e.code, arbeidsflate_model::ErrorCode::PatientNotFound, "no patient open yet");
    open(&ws, worklist(&entries[0]), None).await.0.unwrap();
    let e = ws.launch_app("legemiddel").await.unwrap_err();
    assert_eq!(e.code, arbeidsflate_model::ErrorCode::AppNotAvailable);
    assert!(ws.launch_app("fallrisiko").await.is_ok());
}
