//! The FHIR client against the sandbox's municipal platform (paging, includes, writes,
//! transactions, typed errors) and against a hostile server (looping and endless
//! `next` links, odd entries, wrong resource types).
//! tests/e2e/fhir_peer.rs runs the same client against an independent FHIR server.

use sandbox::{Sandbox, SandboxOptions};
use serde_json::{json, Value};
use sources::fhir::{is_version_conflict, Disposition, FhirClient, MAX_PAGES};
use sources::SourceError;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::{signed_in, transaction_with_a_reference, update_then_stale_update, TestBearer};

async fn sandbox_client() -> (Sandbox, FhirClient) {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await;
    let fhir =
        FhirClient::new(helseid::http_client(Duration::from_secs(5)), &sb.fhir_url, sandbox::MUNICIPAL_AUDIENCE, auth);
    (sb, fhir)
}

fn ids(resources: &[Value]) -> BTreeSet<String> {
    resources.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

/// The sandbox's resources of a type whose `field` refers to `reference`.
fn referring(sb: &Sandbox, rtype: &str, field: &str, reference: &str) -> BTreeSet<String> {
    let all = sb.fhir_resources();
    let of_type = all.iter().filter(|r| r["resourceType"] == rtype && r[field]["reference"] == reference);
    of_type.map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

/// A synthetic patient with at least `n` allergies on the platform.
fn patient_with_allergies(sb: &Sandbox, n: usize) -> String {
    let all = sb.fhir_resources();
    all.iter()
        .filter(|r| r["resourceType"] == "Patient")
        .map(|p| p["id"].as_str().unwrap().to_string())
        .find(|id| referring(sb, "AllergyIntolerance", "patient", &format!("Patient/{id}")).len() >= n)
        .expect("a synthetic patient with allergies")
}

#[tokio::test]
async fn search_follows_next_links_until_every_page_is_read() {
    let (sb, fhir) = sandbox_client().await;
    let patient = sb.fhir_resources().into_iter().find(|r| r["resourceType"] == "Patient").unwrap();
    let reference = format!("Patient/{}", patient["id"].as_str().unwrap());
    let expected = referring(&sb, "Observation", "subject", &reference);
    assert!(expected.len() > 10, "enough observations to page through");

    let before = sb.fhir_requests();
    let found = fhir.search("Observation", &[("subject", &reference), ("_count", "4")]).await.unwrap();
    assert_eq!(ids(&found.matches), expected);
    assert_eq!(found.matches.len(), expected.len(), "no page read twice");
    assert_eq!(sb.fhir_requests() - before, expected.len().div_ceil(4) as u64, "one request per page");

    let first = fhir.search_first_page("Observation", &[("subject", &reference), ("_count", "4")]).await.unwrap();
    assert_eq!(first.matches.len(), 4);
}

#[tokio::test]
async fn include_and_revinclude_land_in_included() {
    let (sb, fhir) = sandbox_client().await;
    let patient = patient_with_allergies(&sb, 1);
    let reference = format!("Patient/{patient}");
    let allergies = referring(&sb, "AllergyIntolerance", "patient", &reference);

    let rev =
        fhir.search("Patient", &[("_id", &patient), ("_revinclude", "AllergyIntolerance:patient")]).await.unwrap();
    assert_eq!(ids(&rev.matches), BTreeSet::from([patient.clone()]));
    assert!(rev.included.iter().all(|r| r["resourceType"] == "AllergyIntolerance"));
    assert_eq!(ids(&rev.included), allergies);

    let inc =
        fhir.search("AllergyIntolerance", &[("patient", &reference), ("_include", "AllergyIntolerance:patient")]).await;
    let inc = inc.unwrap();
    assert_eq!(ids(&inc.matches), allergies);
    assert_eq!(inc.included.len(), 1, "the patient once, however many allergies refer to them");
    assert_eq!(inc.resolve(&reference).unwrap()["resourceType"], "Patient");
    assert_eq!(inc.skipped, 0);
}

#[tokio::test]
async fn last_updated_and_elements_narrow_what_comes_back() {
    let (sb, fhir) = sandbox_client().await;
    let patients_before = sb.fhir_resources().iter().filter(|r| r["resourceType"] == "Patient").count();
    let since = sb.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let new = json!({"resourceType": "Patient", "name": [{"family": "Testesen", "given": ["Ny"]}], "birthDate": "1944-05-01"});
    let created = fhir.create_conditional(&new, "name=Testesen").await.unwrap();

    let recent = fhir.search("Patient", &[("_lastUpdated", &format!("ge{since}"))]).await.unwrap();
    assert_eq!(ids(&recent.matches), BTreeSet::from([created.id.clone()]));
    let older = fhir.search("Patient", &[("_lastUpdated", &format!("lt{since}"))]).await.unwrap();
    assert_eq!(older.matches.len(), patients_before);

    let slim = fhir.search("Patient", &[("_id", &created.id), ("_elements", "name")]).await.unwrap();
    let p = &slim.matches[0];
    assert_eq!(p["name"][0]["family"], "Testesen");
    assert!(p.get("birthDate").is_none(), "only the elements asked for");
    assert!(p["meta"]["tag"].as_array().unwrap().iter().any(|t| t["code"] == "SUBSETTED"));
    let full = fhir.read("Patient", &created.id).await.unwrap();
    assert_eq!(full["birthDate"], "1944-05-01", "the stored resource is whole");
}

#[tokio::test]
async fn conditional_create_creates_once_then_finds_the_existing_resource() {
    let (_sb, fhir) = sandbox_client().await;
    let practitioner = json!({
        "resourceType": "Practitioner",
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": "9144889"}],
        "name": [{"family": "Vikar", "given": ["Vera"]}]
    });
    let query = "identifier=urn:oid:2.16.578.1.12.4.1.4.4|9144889";
    let first = fhir.create_conditional(&practitioner, query).await.unwrap();
    assert_eq!(first.disposition, Disposition::Created);
    assert_eq!(first.version.as_deref(), Some("1"));
    let again = fhir.create_conditional(&practitioner, query).await.unwrap();
    assert_eq!(again.disposition, Disposition::Existing);
    assert_eq!(again.id, first.id);
    let found = fhir.search("Practitioner", &[("identifier", query.trim_start_matches("identifier="))]).await;
    assert_eq!(found.unwrap().matches.len(), 1, "created once");
}

#[tokio::test]
async fn versioned_update_succeeds_once_and_a_stale_version_is_a_typed_conflict() {
    let (_sb, fhir) = sandbox_client().await;
    let found = fhir.search_first_page("Patient", &[("_count", "1")]).await.unwrap();
    let id = found.matches[0]["id"].as_str().unwrap().to_string();
    let (_, _, err) = update_then_stale_update(&fhir, &id).await;
    assert!(err.to_string().contains("version"), "the server's diagnostics reach the error: {err}");
}

#[tokio::test]
async fn a_transaction_applies_every_entry_or_none() {
    let (sb, fhir) = sandbox_client().await;
    let count = sb.resource_count;
    let (entries, patient_id) = transaction_with_a_reference(&fhir).await;
    assert!(entries[0].location.as_deref().unwrap().starts_with(&format!("Patient/{patient_id}")));
    assert_eq!(entries[0].etag.as_deref(), Some("W/\"1\""));
    assert_eq!(sb.fhir_resources().len(), count + 2);

    // The second entry fails (stale version): the first must not be applied either.
    let patient = fhir.read("Patient", &patient_id).await.unwrap();
    let failing = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Patient", "identifier": [{"system": "urn:test", "value": "tx-2"}]},
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": patient, "request": {"method": "PUT", "url": format!("Patient/{patient_id}"), "ifMatch": "W/\"41\""}}
    ]});
    let err = fhir.transaction(&failing).await.unwrap_err();
    assert!(is_version_conflict(&err), "{err:?}");
    let none = fhir.search("Patient", &[("identifier", "urn:test|tx-2")]).await.unwrap();
    assert!(none.matches.is_empty(), "nothing of a refused transaction is applied");
    assert_eq!(sb.fhir_resources().len(), count + 2);
}

#[tokio::test]
async fn operation_outcomes_become_typed_errors() {
    let (_sb, fhir) = sandbox_client().await;
    match fhir.search("Patient", &[("colour", "red")]).await {
        Err(SourceError::Http { status: 400, diagnostics }) => assert!(diagnostics.contains("colour"), "{diagnostics}"),
        other => panic!("expected a 400 with the server's diagnostics, got {other:?}"),
    }
    assert!(matches!(fhir.read("Patient", "no-such-patient").await, Err(SourceError::NotFound)));
    let bad_id = json!({"resourceType": "Patient", "id": "a b"});
    assert!(matches!(fhir.update(&bad_id, "1").await, Err(SourceError::Http { status: 400, .. })));
    let bad_query = json!({"resourceType": "Patient"});
    let err = fhir.create_conditional(&bad_query, "colour=red").await.unwrap_err();
    assert!(matches!(err, SourceError::Http { status: 400, .. }), "{err:?}");
    let not_a_resource = json!({"resourceType": "Spaceship"});
    assert!(matches!(fhir.create_conditional(&not_a_resource, "_id=x").await, Err(SourceError::InvalidInput(_))));
}

/// A server that answers by the first path segment: `loop` (a `next` link back to an
/// earlier page), `endless` (always another page), `odd` (odd entries; a Practitioner
/// for a Patient read; a batch-response to a transaction).
async fn hostile_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let base = origin.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else { return };
            let base = base.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&request).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let body = hostile_answer(&base, &target).to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
            });
        }
    });
    origin
}

fn hostile_answer(base: &str, target: &str) -> Value {
    let page: usize = target.split("page=").nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let searchset = |next: Option<String>, entries: Value| {
        let links: Vec<Value> = next.into_iter().map(|u| json!({"relation": "next", "url": u})).collect();
        json!({"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entries})
    };
    let patient = |n: usize| json!({"resource": {"resourceType": "Patient", "id": format!("p{n}")}});
    match target.split('/').nth(1).unwrap_or("") {
        "loop" => searchset(Some(format!("{base}/loop/Patient?page=1")), json!([patient(page)])),
        "endless" => searchset(Some(format!("{base}/endless/Patient?page={}", page + 1)), json!([patient(page)])),
        "odd" if target == "/odd" => json!({"resourceType": "Bundle", "type": "batch-response", "entry": []}),
        "odd" if target.starts_with("/odd/Patient/") => json!({"resourceType": "Practitioner", "id": "x"}),
        _ => searchset(
            None,
            json!([
                patient(1),
                {"fullUrl": "urn:uuid:no-resource"},
                {"resource": {"resourceType": "Spaceship", "id": "s"}},
                {"resource": {"id": "no-type"}},
                {"resource": {"resourceType": "Practitioner", "id": "pr"}, "search": {"mode": "include"}},
                {"resource": {"resourceType": "OperationOutcome", "issue": []}, "search": {"mode": "outcome"}}
            ]),
        ),
    }
}

#[tokio::test]
async fn a_hostile_server_cannot_make_the_client_loop_or_accept_odd_answers() {
    let origin = hostile_server().await;
    let client = |path: &str| {
        FhirClient::new(
            helseid::http_client(Duration::from_secs(5)),
            format!("{origin}/{path}"),
            "peer",
            Arc::new(TestBearer),
        )
    };

    let err = client("loop").search("Patient", &[]).await.unwrap_err();
    assert!(matches!(&err, SourceError::Malformed(m) if m.contains("loops")), "{err:?}");
    let err = client("endless").search("Patient", &[]).await.unwrap_err();
    assert!(matches!(&err, SourceError::Malformed(m) if m.contains(&MAX_PAGES.to_string())), "{err:?}");
    let first = client("endless").search_first_page("Patient", &[]).await.unwrap();
    assert_eq!(ids(&first.matches), BTreeSet::from(["p0".to_string()]));

    let odd = client("odd").search("Patient", &[]).await.unwrap();
    assert_eq!(ids(&odd.matches), BTreeSet::from(["p1".to_string()]));
    assert_eq!(ids(&odd.included), BTreeSet::from(["pr".to_string()]));
    assert_eq!(odd.skipped, 3, "no resource, an unknown type and no type are skipped and counted");
    assert!(matches!(client("odd").read("Patient", "p1").await, Err(SourceError::Malformed(_))));
    let tx = json!({"resourceType": "Bundle", "type": "transaction", "entry": []});
    let err = client("odd").transaction(&tx).await.unwrap_err();
    assert!(matches!(&err, SourceError::Malformed(m) if m.contains("transaction-response")), "{err:?}");
}
