//! The medication-list adapter against the sandbox's SFM Basis API.

use arbeidsflate_model::nin::NationalId;
use sandbox::sfm::AUDIENCE;
use sandbox::{Sandbox, SandboxOptions};
use sources::sfm::Sfm;
use std::time::Duration;

mod common;
use common::signed_in;

#[tokio::test]
async fn the_current_list_is_the_chain_heads_and_register_failures_are_reported() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await;
    let sfm = Sfm::new(helseid::http_client(Duration::from_secs(5)), &sb.sfm_url, AUDIENCE, auth);
    let nins = sb.patient_nins();

    // A patient with a changed dose (a chain of two) and one whose Reseptformidleren read fails.
    let chained = nins.iter().find(|n| sb.sfm_list(n).0.iter().any(|m| m["partOf"].is_array())).unwrap();
    let (statements, _) = sb.sfm_list(chained);
    let list = sfm.get_medication(&NationalId::parse(chained).unwrap()).await.unwrap();
    let heads = statements.iter().filter(|m| !m["partOf"].is_array()).count();
    assert_eq!(list.current.len(), heads);
    assert_eq!(list.history.len(), statements.len() - heads);
    assert!(list.current.iter().all(|m| m.status == "active" && m.provenance.source == sources::sfm::SOURCE_NAME));

    let failing = nins.iter().find(|n| sb.sfm_list(n).1).unwrap();
    let list = sfm.get_medication(&NationalId::parse(failing).unwrap()).await.unwrap();
    let rf = list.retrievals.iter().find(|r| r.register == "Reseptformidleren").unwrap();
    assert!(rf.error_code.is_some() && rf.retrieved_at.is_some());
}

/// A raw call with a valid token: `nhn` adds the correlation headers or leaves them out.
async fn raw_call(sb: &Sandbox, body: &'static str, nhn: bool) -> (u16, String) {
    let auth = signed_in(sb).await;
    let url = format!("{}/Patient/$getMedication", sb.sfm_url);
    let h = auth.client.api_headers(&auth.session, AUDIENCE, None, "POST", &url).await.unwrap();
    let mut req =
        reqwest::Client::new().post(&url).header("authorization", h.authorization.expose()).header("dpop", h.dpop);
    if nhn {
        req = req.header("nhn-source-system", "test 1.0").header("nhn-event-id", sources::random_uuid());
    }
    let resp = req.header("content-type", "application/fhir+json").body(body).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn a_call_without_a_parameters_body_is_refused() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let (status, text) = raw_call(&sb, "{\"resourceType\":\"Patient\"}", true).await;
    assert_eq!(status, 400, "{text}");
    assert!(!text.contains("nhn-"), "refused for its body, not its headers: {text}");
}

#[tokio::test]
async fn a_call_without_the_nhn_correlation_headers_is_refused() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let nin = &sb.patient_nins()[0];
    let body: &'static str = Box::leak(
        format!(
            "{{\"resourceType\":\"Parameters\",\"parameter\":[{{\"name\":\"patient\",\"valueIdentifier\":{{\"system\":\"urn:oid:2.16.578.1.12.4.1.4.1\",\"value\":\"{nin}\"}}}}]}}"
        )
        .into_boxed_str(),
    );
    let (status, text) = raw_call(&sb, body, false).await;
    assert_eq!(status, 400);
    assert!(text.contains("nhn-source-system"), "{text}");
    let (status, text) = raw_call(&sb, body, true).await;
    assert_eq!(status, 200, "{text}");
}
