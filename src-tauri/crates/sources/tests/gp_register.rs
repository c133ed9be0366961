//! Fastlegeregisteret's adapter against the sandbox's simulator (each kind of answer,
//! the service user checked) and against hostile servers (faults, HTML, truncated XML,
//! an XML bomb, external entities, an answer about someone else): each ends in the
//! answer it is or a typed error with a reason, never a guess.

use arbeidsflate_model::gp::{GpDetails, GpRegistration};
use arbeidsflate_model::nin::NationalId;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sandbox::fastlegeregisteret::{GpCase, SERVICE_PASSWORD, SERVICE_USER};
use sandbox::{Sandbox, SandboxOptions};
use sources::gp_register::{GpRegister, ServiceUser};
use sources::SourceError;
use std::time::Duration;

fn http() -> reqwest::Client {
    helseid::http_client(Duration::from_secs(5))
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap()
}

fn register(sb: &Sandbox, password: &str) -> GpRegister {
    GpRegister::new(http(), &sb.gp_register_url, ServiceUser::new(SERVICE_USER, password))
        .with_clock(clock::FixedClock::shared(sb.clock.now()))
}

fn patient(sb: &Sandbox, case: GpCase) -> NationalId {
    let nin = sb.patient_nins().into_iter().find(|n| sb.gp_case(n) == Some(case)).expect("the world has one");
    NationalId::parse(&nin).unwrap()
}

fn list(details: GpDetails) -> arbeidsflate_model::gp::GpList {
    match details.registration {
        GpRegistration::OnList { list } => list,
        GpRegistration::NoList => panic!("expected a list"),
    }
}

#[tokio::test]
async fn each_kind_of_patient_gets_the_answer_the_register_holds() {
    let sb = sandbox().await;
    let flr = register(&sb, SERVICE_PASSWORD);

    let with_gp = flr.patient_gp(&patient(&sb, GpCase::WithGp)).await.unwrap();
    assert_eq!(with_gp.provenance.source, "Fastlegeregisteret");
    let l = list(with_gp);
    let gp = l.gp.expect("a GP today");
    assert!(!gp.substitute && gp.hpr_number.starts_with("92"));
    assert!(l.office.phone.as_deref().is_some_and(|p| p.starts_with("12 ")), "the office's number to call");
    assert!(l.office.address.is_some() && l.office.org_number.is_some());

    let without = list(flr.patient_gp(&patient(&sb, GpCase::ListWithoutGp)).await.unwrap());
    assert_eq!(without.gp, None, "a list without a GP is said, not left empty");
    assert_eq!(without.doctors.len(), 1, "the GP who left is in the history");
    assert!(without.office.phone.is_some(), "the office is still who to call");

    let changed = list(flr.patient_gp(&patient(&sb, GpCase::GpChangedLastWeek)).await.unwrap());
    let names: Vec<&str> = changed.doctors.iter().map(|d| d.gp.name.as_str()).collect();
    assert_eq!(names, ["Ane Berg", "Tor Haug"], "both, the new one first");
    assert_eq!(changed.gp.unwrap().name, "Ane Berg");
    let week_ago = clock::clinical_day(sb.clock.now()) - chrono::Days::new(7);
    assert_eq!(changed.doctors[0].from.as_deref(), Some(week_ago.to_string().as_str()));

    let none = flr.patient_gp(&patient(&sb, GpCase::NoList)).await.unwrap();
    assert_eq!(none.registration, GpRegistration::NoList, "no list is an answer, not an error");
    assert_eq!(sb.gp_register_requests().0, 4);
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_access_check_looks_nobody_up() {
    let sb = sandbox().await;
    let err = register(&sb, "feil-passord").patient_gp(&patient(&sb, GpCase::WithGp)).await.unwrap_err();
    assert!(matches!(err, SourceError::NotAuthorised(_)), "{err}");
    assert_eq!(sb.gp_register_requests(), (0, 1));
    assert!(register(&sb, "feil-passord").check_access().await.is_err());

    register(&sb, SERVICE_PASSWORD).check_access().await.expect("the service user is accepted");
    assert_eq!(sb.gp_register_requests().0, 0, "an invalid number is refused before any lookup");
}

/// A server that answers every request with `answer`, ignoring what was asked.
async fn hostile(answer: impl Fn() -> Response + Clone + Send + Sync + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v2/flr", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move || {
        let answer = answer.clone();
        async move { answer() }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

const NIN: &str = "13844040088";
const SOAP: &str = "application/soap+xml; charset=utf-8";

fn soap(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, SOAP)], body).into_response()
}

async fn ask(answer: impl Fn() -> Response + Clone + Send + Sync + 'static) -> Result<GpDetails, SourceError> {
    let url = hostile(answer).await;
    let flr = GpRegister::new(http(), url, ServiceUser::new("u", "p"));
    flr.patient_gp(&NationalId::parse(NIN).unwrap()).await
}

#[tokio::test]
async fn faults_become_typed_errors_with_the_registers_words() {
    let fault = || {
        soap(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="nb-NO">Intern feil</s:Text></s:Reason><s:Detail><GenericFault xmlns="http://register.nhn.no/Common"><ErrorCode>Feil</ErrorCode><Message>Databasen svarer ikke for 13844040088</Message></GenericFault></s:Detail></s:Fault></s:Body></s:Envelope>"#,
        )
    };
    match ask(fault).await.unwrap_err() {
        SourceError::Http { status: 500, diagnostics } => {
            assert!(diagnostics.contains("Databasen svarer ikke"), "{diagnostics}");
            assert!(!diagnostics.contains(NIN), "the number is masked: {diagnostics}");
        }
        other => panic!("expected a service error, got {other}"),
    }
    let unauthorised = || (StatusCode::UNAUTHORIZED, "").into_response();
    assert!(matches!(ask(unauthorised).await.unwrap_err(), SourceError::NotAuthorised(_)));
}

#[tokio::test]
async fn html_pages_and_broken_xml_are_errors_that_say_what_came() {
    let gateway = || {
        (StatusCode::BAD_GATEWAY, [(header::CONTENT_TYPE, "text/html")], "<html><body>502 Bad Gateway</body></html>")
            .into_response()
    };
    assert!(matches!(ask(gateway).await.unwrap_err(), SourceError::Http { status: 502, .. }));
    let login_page = || ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], "<html>Logg inn</html>").into_response();
    assert!(ask(login_page).await.unwrap_err().to_string().contains("HTML page"));

    let truncated = || {
        soap(
            StatusCode::OK,
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetPatientGPDetailsResponse xmlns="http://schemas.nhn.no/reg/flr"><GetPatientGPDetailsResult><PatientNIN>1384"#,
        )
    };
    assert!(matches!(ask(truncated).await.unwrap_err(), SourceError::Malformed(_)));
    let not_soap = || soap(StatusCode::OK, r#"{"resourceType": "Bundle"}"#);
    assert!(matches!(ask(not_soap).await.unwrap_err(), SourceError::Malformed(_)));
    let other_body = || {
        soap(
            StatusCode::OK,
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Surprise xmlns="urn:x"/></s:Body></s:Envelope>"#,
        )
    };
    assert!(ask(other_body).await.unwrap_err().to_string().contains("expected GetPatientGPDetailsResponse"));
}

#[tokio::test]
async fn an_xml_bomb_and_external_entities_are_refused_not_expanded() {
    let bomb = || {
        soap(
            StatusCode::OK,
            r#"<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&d;</s:Body></s:Envelope>"#,
        )
    };
    let err = ask(bomb).await.unwrap_err();
    assert!(err.to_string().contains("document type declaration"), "{err}");
    let external = || {
        soap(
            StatusCode::OK,
            r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetPatientGPDetailsResponse xmlns="http://schemas.nhn.no/reg/flr"><GetPatientGPDetailsResult><PatientNIN>&secret;</PatientNIN></GetPatientGPDetailsResult></GetPatientGPDetailsResponse></s:Body></s:Envelope>"#,
        )
    };
    let err = ask(external).await.unwrap_err();
    assert!(err.to_string().contains("document type declaration"), "{err}");
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    assert!(host.trim().is_empty() || !err.to_string().contains(host.trim()));
}

#[tokio::test]
async fn an_answer_about_another_patient_is_refused() {
    let other = || {
        soap(
            StatusCode::OK,
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetPatientGPDetailsResponse xmlns="http://schemas.nhn.no/reg/flr"><GetPatientGPDetailsResult><PatientNIN>13844040169</PatientNIN></GetPatientGPDetailsResult></GetPatientGPDetailsResponse></s:Body></s:Envelope>"#,
        )
    };
    let err = ask(other).await.unwrap_err();
    assert!(err.to_string().contains("another patient"), "{err}");
}
