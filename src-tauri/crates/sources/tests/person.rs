//! The person-lookup adapter against the sandbox's Persontjenesten.

use arbeidsflate_model::nin::NationalId;
use sandbox::persontjenesten::{AUDIENCE, SECRET_STREET};
use sandbox::{Sandbox, SandboxOptions};
use sources::person::{Address, AddressProtection, PersonLookup};
use std::time::Duration;

mod common;
use common::{first_patient, signed_in};

fn nin_where(sb: &Sandbox, pred: impl Fn(&serde_json::Value) -> bool) -> NationalId {
    first_patient(sb, |nin| sb.person_record(nin).is_some_and(|r| pred(&r)))
}

#[tokio::test]
async fn protected_addresses_never_reach_the_client_and_deaths_do() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await;
    let lookup = PersonLookup::new(helseid::http_client(Duration::from_secs(5)), &sb.person_url, AUDIENCE, auth);

    let strict = nin_where(&sb, |r| r["addressProtection"]["protectionLevel"] == "StrictlyConfidential");
    let p = lookup.get_by_nin(&strict, true).await.unwrap();
    assert_eq!(p.address, Address::Protected { level: AddressProtection::StrictlyConfidential });
    assert!(!format!("{p:?}").contains(SECRET_STREET));

    let confidential = nin_where(&sb, |r| r["addressProtection"]["protectionLevel"] == "Confidential");
    assert_eq!(
        lookup.get_by_nin(&confidential, true).await.unwrap().address,
        Address::Protected { level: AddressProtection::Confidential }
    );

    let open = nin_where(&sb, |r| r["addressProtection"]["protectionLevel"] == "Unclassified");
    assert!(matches!(lookup.get_by_nin(&open, false).await.unwrap().address, Address::Shown { .. }));

    let dead = nin_where(&sb, |r| !r["dateOfDeath"].is_null());
    assert!(lookup.get_by_nin(&dead, true).await.unwrap().death_date.is_some());
}

#[tokio::test]
async fn the_number_travels_in_the_body_and_bad_calls_are_refused() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await;
    let url = format!("{}/api/legal-basis/person/get-by-nin", sb.person_url);
    let h = auth.client.api_headers(&auth.session, AUDIENCE, None, "POST", &url).await.unwrap();
    // Without api-version: 3 the service refuses.
    let resp = reqwest::Client::new()
        .post(&url)
        .header("authorization", h.authorization.expose())
        .header("dpop", h.dpop)
        .header("nhn-source-system", "test 1.0")
        .header("nhn-event-id", sources::random_uuid())
        .form(&[("nin", "12345678901")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("api-version"));
}
