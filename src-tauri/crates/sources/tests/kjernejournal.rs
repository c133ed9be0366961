//! The Kjernejournal adapter against the sandbox's Kjernejournal, which checks the
//! `nhn-*` headers, the audience and DPoP the way NHN's service does.

use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::nin::NationalId;
use sandbox::kjernejournal::{KjRecord, AUDIENCE};
use sandbox::{Sandbox, SandboxOptions};
use sources::kjernejournal::{KjOutcome, Kjernejournal, NhnContext};
use std::time::Duration;

mod common;
use common::{first_patient, signed_in};

fn context(basis: AccessBasis) -> NhnContext {
    NhnContext { source_system: "Arbeidsflate-test 0.1".into(), user_role: "SP".into(), access_basis: basis }
}

/// Synthetic patients by the shape of their Kjernejournal.
fn patient_where(sb: &Sandbox, pred: impl Fn(&KjRecord) -> bool) -> (NationalId, KjRecord) {
    let nin = first_patient(sb, |nin| sb.kjernejournal_record(nin).is_some_and(|r| pred(&r)));
    let record = sb.kjernejournal_record(nin.as_str()).unwrap();
    (nin, record)
}

#[tokio::test]
async fn reservation_restriction_and_data_are_three_different_answers() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await.attested();
    let kj = Kjernejournal::new(helseid::http_client(Duration::from_secs(5)), &sb.kj_url, AUDIENCE, auth);
    let treat = context(AccessBasis::Unntak);

    let (reserved, _) = patient_where(&sb, |r| r.reserved);
    assert_eq!(kj.critical_information(&reserved, &treat).await.unwrap(), KjOutcome::Reserved);

    let (restricted, record) = patient_where(&sb, |r| r.restricted && !r.reserved && !r.allergies.is_empty());
    assert_eq!(kj.critical_information(&restricted, &treat).await.unwrap(), KjOutcome::Restricted);
    match kj.critical_information(&restricted, &context(AccessBasis::ForhoyetSamtykke)).await.unwrap() {
        KjOutcome::Allergies(a) => assert_eq!(a.len(), record.allergies.len()),
        other => panic!("an elevated basis opens restricted data, got {other:?}"),
    }

    let (open, record) = patient_where(&sb, |r| !r.restricted && !r.reserved && !r.allergies.is_empty());
    match kj.critical_information(&open, &treat).await.unwrap() {
        KjOutcome::Allergies(a) => {
            assert_eq!(a.len(), record.allergies.len());
            assert!(a.iter().all(|x| x.provenance.source == "Kjernejournal" && x.code.is_some()));
        }
        other => panic!("expected allergies, got {other:?}"),
    }

    let (empty, _) = patient_where(&sb, |r| !r.restricted && !r.reserved && r.allergies.is_empty());
    assert_eq!(kj.critical_information(&empty, &treat).await.unwrap(), KjOutcome::NoCriticalInformation);
}

#[tokio::test]
async fn calls_without_the_nhn_headers_or_with_another_audiences_token_are_refused() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await.attested();
    let (nin, _) = patient_where(&sb, |r| !r.reserved && !r.restricted && !r.allergies.is_empty());
    let url = format!("{}/AllergyIntolerance", sb.kj_url);
    let http = reqwest::Client::new();
    let nhn_headers = |r: reqwest::RequestBuilder| {
        r.header("nhn-source-system", "test")
            .header("nhn-event-id", "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
            .header("nhn-patient-nin", nin.as_str())
            .header("nhn-access-basis", "UNNTAK")
    };

    // The critical information is read only with a token carrying the trust framework attestation.
    let h = auth.client.api_headers(&auth.session, AUDIENCE, None, "GET", &url).await.unwrap();
    let unattested =
        nhn_headers(http.get(&url).header("authorization", h.authorization.expose()).header("dpop", h.dpop));
    let unattested = unattested.send().await.unwrap();
    assert_eq!(unattested.status(), 403);
    assert!(unattested.text().await.unwrap().contains("attestation"));

    let h = auth.client.api_headers(&auth.session, AUDIENCE, auth.attestation.as_ref(), "GET", &url).await.unwrap();
    let bare =
        http.get(&url).header("authorization", h.authorization.expose()).header("dpop", h.dpop).send().await.unwrap();
    assert_eq!(bare.status(), 400);
    assert!(bare.text().await.unwrap().contains("nhn-source-system"));

    // A token for the municipal platform is not a token for Kjernejournal.
    let h = auth.client.api_headers(&auth.session, sandbox::MUNICIPAL_AUDIENCE, None, "GET", &url).await.unwrap();
    let wrong = http
        .get(&url)
        .header("authorization", h.authorization.expose())
        .header("dpop", h.dpop)
        .header("nhn-source-system", "test")
        .header("nhn-event-id", "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
        .header("nhn-patient-nin", nin.as_str())
        .header("nhn-access-basis", "UNNTAK")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn a_bad_access_basis_is_refused_by_the_service() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await.attested();
    let (nin, _) = patient_where(&sb, |r| !r.reserved && !r.restricted && !r.allergies.is_empty());
    let url = format!("{}/AllergyIntolerance", sb.kj_url);
    let h = auth.client.api_headers(&auth.session, AUDIENCE, auth.attestation.as_ref(), "GET", &url).await.unwrap();
    let role: String =
        url::form_urlencoded::byte_serialize(br#"{"system":"urn:oid:2.16.578.1.12.4.1.1.9060","code":"SP"}"#).collect();
    let resp = reqwest::Client::new()
        .get(&url)
        .header("authorization", h.authorization.expose())
        .header("dpop", h.dpop)
        .header("nhn-source-system", "test")
        .header("nhn-event-id", "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
        .header("nhn-patient-nin", nin.as_str())
        .header("nhn-user-role", role)
        .header("nhn-access-basis", "BECAUSE_I_CAN")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("nhn-access-basis"));
}
