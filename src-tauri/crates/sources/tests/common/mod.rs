//! Signing in to the sandbox for the adapter tests: a HelseID session asking for
//! every sandbox API, and an authoriser that gives adapters its DPoP-bound tokens.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use arbeidsflate_model::nin::NationalId;
use helseid::{ClientKeys, HelseIdClient, HelseIdConfig, Session, SigningKey};
use sandbox::Sandbox;
use serde_json::{json, Value};
use sources::fhir::{is_version_conflict, Disposition, FhirClient, TransactionEntry};
use sources::{AuthFuture, AuthHeaders, RequestAuthorizer, SourceError};
use std::sync::Arc;
use std::time::Duration;

pub struct Authorizer {
    pub client: Arc<HelseIdClient>,
    pub session: Arc<Session>,
    /// Tokens attested for one patient, for APIs that demand it.
    pub attestation: Option<helseid::Attestation>,
}

impl Authorizer {
    /// The same session, with tokens attested for a nurse treating the patient.
    pub fn attested(&self) -> Arc<Authorizer> {
        use helseid::authorization_details::{CarePlace, PurposeDetails, PurposeOfUse};
        Arc::new(Authorizer {
            client: self.client.clone(),
            session: self.session.clone(),
            attestation: Some(helseid::Attestation {
                practitioner_category: "SP".into(),
                legal_entity_orgnr: "999000001".into(),
                place: CarePlace { point_of_care_orgnr: "999000002".into(), department_id: None },
                healthcare_service: "KP01".into(),
                purpose_of_use: PurposeOfUse::Treat,
                purpose_details: PurposeDetails::Behandler,
                decision_ref: None,
                patient_place: None,
            }),
        })
    }
}

impl RequestAuthorizer for Authorizer {
    fn authorize<'a>(&'a self, audience: &'a str, method: &'a str, url: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            let h = self
                .client
                .api_headers(&self.session, audience, self.attestation.as_ref(), method, url)
                .await
                .map_err(|e| SourceError::NoToken(e.to_string()))?;
            Ok(AuthHeaders { authorization: h.authorization.expose().to_string(), dpop: Some(h.dpop) })
        })
    }

    fn observe_nonce(&self, url: &str, nonce: &str) {
        self.client.remember_nonce(url, nonce);
    }
}

pub async fn signed_in(sb: &Sandbox) -> Arc<Authorizer> {
    let http = helseid::http_client(Duration::from_secs(5));
    let config = HelseIdConfig {
        issuer: sb.idp_url.clone(),
        client_id: sandbox::CLIENT_ID.into(),
        scopes: vec![
            "openid".into(),
            "offline_access".into(),
            sandbox::MUNICIPAL_SCOPE.into(),
            sandbox::kjernejournal::SCOPE.into(),
            sandbox::persontjenesten::SCOPE.into(),
            sandbox::sfm::SCOPE.into(),
            sandbox::pjd::SCOPES[0].into(),
            sandbox::pjd::SCOPES[1].into(),
        ],
        resources: vec![
            sandbox::MUNICIPAL_AUDIENCE.into(),
            sandbox::kjernejournal::AUDIENCE.into(),
            sandbox::persontjenesten::AUDIENCE.into(),
            sandbox::sfm::AUDIENCE.into(),
            sandbox::pjd::AUDIENCE.into(),
        ],
        test_pid: Some(sb.clinicians[0].pid.clone()),
        sign_in_timeout: Duration::from_secs(5),
        leeway: Duration::from_secs(30),
        organisation: None,
    };
    let client = HelseIdClient::new(
        http.clone(),
        config,
        ClientKeys { assertion: SigningKey::generate(), dpop: SigningKey::generate() },
    )
    .with_clock(sb.clock.clone());
    let body = serde_json::json!({"client_id": sandbox::CLIENT_ID, "jwk": client.assertion_public_jwk()});
    http.post(format!("{}/sandbox/register-client", sb.idp_url)).json(&body).send().await.unwrap();
    let session = client.sign_in(&helseid::FollowRedirects(http)).await.unwrap();
    Arc::new(Authorizer { client: Arc::new(client), session: Arc::new(session), attestation: None })
}

/// The first synthetic patient for whom `pred` holds (on their national number).
pub fn first_patient(sb: &Sandbox, pred: impl Fn(&str) -> bool) -> NationalId {
    let nin = sb.patient_nins().into_iter().find(|nin| pred(nin)).expect("such a synthetic patient exists");
    NationalId::parse(&nin).unwrap()
}

/// A bearer token and no DPoP, for servers that check nothing (hostile test servers,
/// the independent FHIR peer).
pub struct TestBearer;

impl RequestAuthorizer for TestBearer {
    fn authorize<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str) -> AuthFuture<'a> {
        Box::pin(async { Ok(AuthHeaders { authorization: "Bearer test".into(), dpop: None }) })
    }
    fn observe_nonce(&self, _: &str, _: &str) {}
}

/// The versioned-update scenario run against the sandbox and the peer: an update with
/// the current version succeeds with a new one; a second update with the now stale
/// version is a typed conflict and changes nothing. Returns the patient as it was, the
/// new version and the conflict.
pub async fn update_then_stale_update(fhir: &FhirClient, id: &str) -> (Value, String, SourceError) {
    let current = fhir.read("Patient", id).await.unwrap();
    let version = current["meta"]["versionId"].as_str().unwrap().to_string();
    let mut edited = current.clone();
    edited["telecom"] = json!([{"system": "phone", "value": "+4799999999"}]);
    let updated = fhir.update(&edited, &version).await.unwrap();
    assert_eq!(updated.disposition, Disposition::Updated);
    let new_version = updated.version.clone().unwrap();
    assert_ne!(new_version, version);

    let mut stale = current.clone();
    stale["gender"] = json!("unknown");
    let err = fhir.update(&stale, &version).await.unwrap_err();
    assert!(is_version_conflict(&err), "{err:?}");
    let now = fhir.read("Patient", id).await.unwrap();
    assert_eq!(now["meta"]["versionId"], new_version.as_str());
    assert_eq!(now["telecom"][0]["value"], "+4799999999");
    assert_eq!(now["gender"], current["gender"], "the stale write changed nothing");
    (current, new_version, err)
}

/// The transaction scenario run against the sandbox and the peer: a new Patient and an
/// allergy that refers to it by `urn:uuid`, both created, the reference rewritten to
/// the Patient's new id. Returns the entries and the Patient's id.
pub async fn transaction_with_a_reference(fhir: &FhirClient) -> (Vec<TransactionEntry>, String) {
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:0b9c4a52-1d7e-4f55-9a51-3a3c7f1f0a01",
         "resource": {"resourceType": "Patient", "identifier": [{"system": "urn:test", "value": "tx-1"}]},
         "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "AllergyIntolerance", "code": {"text": "Penicillin"},
                      "patient": {"reference": "urn:uuid:0b9c4a52-1d7e-4f55-9a51-3a3c7f1f0a01"}},
         "request": {"method": "POST", "url": "AllergyIntolerance"}}
    ]});
    let entries = fhir.transaction(&bundle).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.status).collect::<Vec<_>>(), vec![201, 201]);
    let patient_id = entries[0].resource.as_ref().unwrap()["id"].as_str().unwrap().to_string();
    let allergy_id = entries[1].resource.as_ref().unwrap()["id"].as_str().unwrap();
    let allergy = fhir.read("AllergyIntolerance", allergy_id).await.unwrap();
    assert_eq!(allergy["patient"]["reference"], format!("Patient/{patient_id}"), "urn:uuid rewritten");
    (entries, patient_id)
}
