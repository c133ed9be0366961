//! The FHIR client (`sources::fhir::FhirClient`) against a FHIR server this project did
//! not write: Medplum's FHIR router over its in-memory repository (npm
//! `@medplum/fhir-router`, run by tests/peers/fhir-server.mjs), loaded with the
//! sandbox's synthetic patients through the client's own transaction call.
//!
//! What this peer covers: search with `_count`/`_offset` paging, reference and
//! identifier searches, `_lastUpdated`, conditional create (`If-None-Exist`, 201 then
//! 200), versioned update (`If-Match`, non-numeric versions, 412 on a stale one), and
//! transactions (`urn:uuid:` references, a 412 for the whole transaction, a failed
//! entry reported inside a 200 response).
//!
//! What it does not, checked against the sandbox in
//! src-tauri/crates/sources/tests/fhir_client.rs: `next` links (it emits none, so the
//! client's paging loop, loop guard and page cap), `_include` and `_revinclude` (its
//! in-memory repository ignores them; searching with `_include` still has to give the
//! right matches here), `_elements` (ignored), refusing unknown search parameters (it
//! ignores them), and all-or-nothing transactions (its in-memory repository cannot
//! roll back, so a refused transaction may leave earlier entries applied).

use serde_json::{json, Value};
// The sources crate's test support: the scenarios run against the sandbox there.
#[path = "../../src-tauri/crates/sources/tests/common/mod.rs"]
mod common;

use common::{transaction_with_a_reference, update_then_stale_update, TestBearer};
use sources::fhir::{is_version_conflict, Disposition, FhirClient};
use sources::SourceError;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

struct Peer {
    child: Child,
    base: String,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_peer() -> Peer {
    let peers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers");
    assert!(
        peers.join("node_modules/@medplum/fhir-router").exists(),
        "@medplum/fhir-router is not installed: run `npm ci` in tests/peers (make test does)"
    );
    let mut child = Command::new("node")
        .arg(peers.join("fhir-server.mjs"))
        .arg("0")
        .current_dir(&peers)
        .stdout(Stdio::piped())
        .spawn()
        .expect("node on PATH");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("ready ") => break line["ready ".len()..].to_string(),
            Some(_) => continue,
            None => panic!("the FHIR peer exited before it was ready"),
        }
    };
    Peer { child, base }
}

/// The peer, loaded with every resource of a fresh sandbox (ids kept, so references
/// hold), a client for it, and those resources.
async fn loaded_peer() -> (Peer, FhirClient, Vec<Value>) {
    let sb = sandbox::Sandbox::start(sandbox::SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let resources = sb.fhir_resources();
    drop(sb);
    let peer = start_peer();
    let fhir = FhirClient::new(helseid::http_client(Duration::from_secs(60)), &peer.base, "peer", Arc::new(TestBearer));
    // The peer takes at most 50 updates per transaction.
    for chunk in resources.chunks(50) {
        let entries: Vec<Value> = chunk
            .iter()
            .map(|r| {
                let url = format!("{}/{}", r["resourceType"].as_str().unwrap(), r["id"].as_str().unwrap());
                json!({"resource": r, "request": {"method": "PUT", "url": url}})
            })
            .collect();
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": entries});
        let loaded = fhir.transaction(&bundle).await.expect("the peer takes the sandbox's data");
        assert_eq!(loaded.len(), chunk.len());
    }
    (peer, fhir, resources)
}

fn ids(resources: &[Value]) -> BTreeSet<String> {
    resources.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

fn of_type<'a>(resources: &'a [Value], rtype: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    resources.iter().filter(move |r| r["resourceType"] == rtype)
}

#[tokio::test]
async fn searches_page_and_filter_the_sandbox_data_on_the_peer() {
    let (_peer, fhir, resources) = loaded_peer().await;
    let patients: BTreeSet<String> = of_type(&resources, "Patient").map(|p| p["id"].as_str().unwrap().into()).collect();
    assert!(patients.len() > 10);

    // The peer pages by `_count`/`_offset` without `next` links: walk the offsets.
    let mut seen = BTreeSet::new();
    for offset in (0..patients.len() + 7).step_by(7) {
        let page = fhir.search_first_page("Patient", &[("_count", "7"), ("_offset", &offset.to_string())]).await;
        let page = page.unwrap();
        assert!(page.matches.len() <= 7);
        for id in ids(&page.matches) {
            assert!(seen.insert(id), "a patient on two pages");
        }
    }
    assert_eq!(seen, patients);

    // A reference search, with `_include` (the peer ignores it: the matches must still be right).
    let allergy_of = |p: &str| -> BTreeSet<String> {
        of_type(&resources, "AllergyIntolerance")
            .filter(|a| a["patient"]["reference"] == format!("Patient/{p}"))
            .map(|a| a["id"].as_str().unwrap().into())
            .collect()
    };
    let patient = patients.iter().find(|p| !allergy_of(p).is_empty()).expect("a patient with allergies");
    let reference = format!("Patient/{patient}");
    let found = fhir
        .search("AllergyIntolerance", &[("patient", &reference), ("_include", "AllergyIntolerance:patient")])
        .await
        .unwrap();
    assert_eq!(ids(&found.matches), allergy_of(patient));
    assert!(found.included.iter().all(|r| r["resourceType"] == "Patient" && r["id"] == patient.as_str()));
    assert_eq!(found.skipped, 0);

    // An identifier search finds the patient by national number.
    let nin = of_type(&resources, "Patient").find(|p| p["id"] == patient.as_str()).unwrap()["identifier"][0].clone();
    let token = format!("{}|{}", nin["system"].as_str().unwrap(), nin["value"].as_str().unwrap());
    let by_nin = fhir.search("Patient", &[("identifier", &token)]).await.unwrap();
    assert_eq!(ids(&by_nin.matches), BTreeSet::from([patient.clone()]));
}

#[tokio::test]
async fn conditional_create_versioned_update_and_last_updated_on_the_peer() {
    let (_peer, fhir, resources) = loaded_peer().await;
    // The peer stamps `lastUpdated` with its own clock, so "since" is a time it gave: a
    // marker's, written after everything loaded.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let marker = json!({"resourceType": "Basic", "identifier": [{"system": "urn:arbeidsflate:test", "value": "since"}],
        "code": {"text": "marker"}});
    let marker = fhir.create_conditional(&marker, "identifier=urn:arbeidsflate:test|since").await.unwrap();
    let marker = fhir.read("Basic", &marker.id).await.unwrap();
    let since = marker["meta"]["lastUpdated"].as_str().expect("the peer stamps lastUpdated").to_string();

    let practitioner = json!({
        "resourceType": "Practitioner",
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": "9144889"}],
        "name": [{"family": "Vikar", "given": ["Vera"]}]
    });
    let query = "identifier=urn:oid:2.16.578.1.12.4.1.4.4|9144889";
    let first = fhir.create_conditional(&practitioner, query).await.unwrap();
    assert_eq!(first.disposition, Disposition::Created);
    assert!(first.version.is_some(), "a version from the ETag");
    let again = fhir.create_conditional(&practitioner, query).await.unwrap();
    assert_eq!((again.disposition, &again.id), (Disposition::Existing, &first.id));

    let recent = fhir.search("Practitioner", &[("_lastUpdated", &format!("ge{since}"))]).await.unwrap();
    assert_eq!(ids(&recent.matches), BTreeSet::from([first.id.clone()]));
    let older = fhir.search("Practitioner", &[("_lastUpdated", &format!("lt{since}")), ("_count", "1000")]).await;
    assert_eq!(older.unwrap().matches.len(), of_type(&resources, "Practitioner").count());

    // Versions here are opaque strings, not counters.
    let id = of_type(&resources, "Patient").next().unwrap()["id"].as_str().unwrap().to_string();
    update_then_stale_update(&fhir, &id).await;
    assert!(matches!(fhir.read("Patient", "no-such-patient").await, Err(SourceError::NotFound)));
}

#[tokio::test]
async fn transactions_on_the_peer() {
    let (_peer, fhir, resources) = loaded_peer().await;
    transaction_with_a_reference(&fhir).await;

    // A stale version refuses the whole transaction with 412, a typed conflict.
    let existing = of_type(&resources, "Patient").next().unwrap()["id"].as_str().unwrap().to_string();
    let current = fhir.read("Patient", &existing).await.unwrap();
    let failing = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": current, "request": {"method": "PUT", "url": format!("Patient/{existing}"), "ifMatch": "W/\"stale\""}}
    ]});
    let err = fhir.transaction(&failing).await.unwrap_err();
    assert!(is_version_conflict(&err), "{err:?}");
    let after = fhir.read("Patient", &existing).await.unwrap();
    assert_eq!(after["meta"]["versionId"], current["meta"]["versionId"]);

    // This peer answers some refusals as a 200 transaction-response with a failed
    // entry; the client must not take that for success.
    let no_method = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Patient"}, "request": {"url": "Patient"}}
    ]});
    match fhir.transaction(&no_method).await {
        Err(SourceError::Http { status: 400, diagnostics }) => assert!(diagnostics.contains("method"), "{diagnostics}"),
        other => panic!("expected the failed entry as an error, got {other:?}"),
    }
    // A refusal as an OperationOutcome: its text reaches the error.
    let wrong_type = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Observation"}}
    ]});
    match fhir.transaction(&wrong_type).await {
        Err(SourceError::Http { status: 400, diagnostics }) => assert!(diagnostics.contains("type"), "{diagnostics}"),
        other => panic!("expected the OperationOutcome as an error, got {other:?}"),
    }
}
