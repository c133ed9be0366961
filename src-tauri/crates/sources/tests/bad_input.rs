//! Bad input from a source: every adapter against a hostile server that ignores auth and
//! answers crafted payloads. Each case ends in a clear typed error, or in the documented
//! safe behaviour (the bad item skipped, the bad value dropped, the text made inert),
//! never a panic. The sandbox's own fault switches (500, malformed, truncated, slow) are
//! tested in `faults.rs`; the FHIR client's loop and page guards in `fhir_client.rs`.

use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::view::VitalKind;
use axum::body::{Body, Bytes};
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde_json::{json, Value};
use sources::api::MAX_BODY_BYTES;
use sources::documents::DocumentSharing;
use sources::kjernejournal::{KjOutcome, Kjernejournal, NhnContext};
use sources::person::PersonLookup;
use sources::sfm::Sfm;
use sources::{sanitize, FhirClient, MunicipalPlatform, RequestAuthorizer, SourceError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::TestBearer as TestAuth;

/// A running hostile server: its base URL, how many requests it got and how many body
/// bytes its oversized answers produced.
struct Hostile {
    base: String,
    requests: Arc<AtomicUsize>,
    streamed: Arc<AtomicUsize>,
}

/// What the server knows of a request when it crafts its answer.
struct Asked {
    path: String,
    base: String,
    streamed: Arc<AtomicUsize>,
}

async fn hostile(answer: impl Fn(&Asked) -> Response + Send + Sync + 'static) -> Hostile {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let streamed = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(answer);
    let (count, sent, origin) = (requests.clone(), streamed.clone(), base.clone());
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let (answer, streamed, base) = (answer.clone(), sent.clone(), origin.clone());
        count.fetch_add(1, Ordering::SeqCst);
        async move { answer(&Asked { path: uri.path().to_string(), base, streamed }) }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Hostile { base, requests, streamed }
}

fn fhir_json(v: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/fhir+json")], v.to_string()).into_response()
}

fn raw(content_type: &'static str, body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body.into()).into_response()
}

const FIFTY_MB: usize = 50 * 1024 * 1024;

/// A 50 MB searchset streamed in 64 KiB chunks of Observation entries, produced lazily
/// so the test never holds it; `declare_length` sends its true `Content-Length` up front.
fn fifty_mb_bundle(asked: &Asked, declare_length: bool) -> Response {
    let entry = r#"{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"}}},"#;
    let chunk = Bytes::from(entry.repeat(64 * 1024 / entry.len()));
    let head = Bytes::from_static(br#"{"resourceType":"Bundle","type":"searchset","entry":["#);
    let tail = Bytes::from_static(br#"{"resource":{"resourceType":"Basic"}}]}"#);
    let chunks = FIFTY_MB / chunk.len();
    let total = head.len() + chunks * chunk.len() + tail.len();
    let streamed = asked.streamed.clone();
    let body = futures_util::stream::iter(
        std::iter::once(head).chain(std::iter::repeat_n(chunk, chunks)).chain([tail]),
    )
    .map(move |c| {
        streamed.fetch_add(c.len(), Ordering::SeqCst);
        Ok::<_, std::convert::Infallible>(c)
    });
    let mut resp = raw("application/fhir+json", Body::from_stream(body));
    if declare_length {
        resp.headers_mut().insert(header::CONTENT_LENGTH, total.into());
    }
    resp
}

/// 50 MB of "PDF", streamed.
fn fifty_mb_pdf(asked: &Asked) -> Response {
    let streamed = asked.streamed.clone();
    let chunk = Bytes::from(b"%PDF-1.7\n".repeat(64 * 1024 / 9));
    let chunks = FIFTY_MB / chunk.len();
    let body = futures_util::stream::iter(std::iter::repeat_n(chunk, chunks)).map(move |c| {
        streamed.fetch_add(c.len(), Ordering::SeqCst);
        Ok::<_, std::convert::Infallible>(c)
    });
    raw("application/pdf", Body::from_stream(body))
}

fn http() -> reqwest::Client {
    helseid::http_client(Duration::from_secs(20))
}

/// A synthetic (month + 80) number with valid check digits.
fn synthetic_nin() -> NationalId {
    NationalId::synthetic_for(NaiveDate::from_ymd_opt(1938, 4, 12).unwrap(), 7, arbeidsflate_model::Sex::Female)
        .unwrap()
}

fn nhn() -> NhnContext {
    NhnContext { source_system: "test".into(), user_role: "SP".into(), access_basis: AccessBasis::Unntak }
}

fn searchset(entries: Value) -> Value {
    json!({"resourceType": "Bundle", "type": "searchset", "entry": entries})
}

fn malformed(r: Result<impl std::fmt::Debug, SourceError>, says: &str) {
    match r {
        Err(SourceError::Malformed(why)) => assert!(why.contains(says), "expected \"{says}\" in \"{why}\""),
        other => panic!("expected Malformed(\"…{says}…\"), got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_json_and_a_wrong_resource_type_are_typed_errors_from_every_adapter() {
    let server = hostile(|asked| {
        let wrong = json!({"resourceType": "Patient", "id": "p", "name": [{"text": "Ola"}]});
        match asked.path.as_str() {
            p if p.starts_with("/broken") => {
                raw("application/fhir+json", "{\"resourceType\": \"Bundle\", \"entry\": [")
            }
            "/fhir/Observation" | "/kj/AllergyIntolerance" | "/sfm/Patient/$getMedication" => fhir_json(wrong),
            "/pjd/R4/fhir/DocumentReference/_search" => fhir_json(wrong),
            "/fhir/Patient/p" => fhir_json(searchset(json!([]))),
            "/kj/status" => fhir_json(json!({"hasCriticalInformation": true, "hasActiveCriticalInformation": true})),
            "/person/api/legal-basis/person/get-by-nin" => fhir_json(json!([{"lastName": "Array"}])),
            _ => raw("text/plain", "nothing here"),
        }
    })
    .await;
    let nin = synthetic_nin();
    let at = |path: &str| format!("{}/{path}", server.base);
    let auth: Arc<dyn RequestAuthorizer> = Arc::new(TestAuth);

    // Malformed JSON.
    let broken_fhir = FhirClient::new(http(), at("broken"), "a", auth.clone());
    malformed(broken_fhir.search("Patient", &[]).await, "not JSON");
    malformed(Kjernejournal::new(http(), at("broken"), "a", auth.clone()).status(&nin, &nhn()).await, "not JSON");
    malformed(Sfm::new(http(), &at("broken"), "a", auth.clone()).get_medication(&nin).await, "not JSON");
    malformed(DocumentSharing::new(http(), &at("broken"), "a").search(&nin, auth.clone()).await, "not JSON");
    malformed(PersonLookup::new(http(), at("broken"), "a", auth.clone()).get_by_nin(&nin, true).await, "not JSON");

    // A Patient where a Bundle is expected, and a Bundle where a Patient is.
    let fhir = FhirClient::new(http(), at("fhir"), "a", auth.clone());
    malformed(fhir.search("Observation", &[]).await, "expected Bundle");
    malformed(fhir.read("Patient", "p").await, "expected Patient");
    let kj = Kjernejournal::new(http(), at("kj"), "a", auth.clone());
    malformed(kj.critical_information(&nin, &nhn()).await, "expected Bundle");
    malformed(Sfm::new(http(), &at("sfm"), "a", auth.clone()).get_medication(&nin).await, "document Bundle");
    malformed(DocumentSharing::new(http(), &at("pjd"), "a").search(&nin, auth.clone()).await, "expected Bundle");
    // A person answer that is JSON but no person object.
    let person = PersonLookup::new(http(), at("person"), "a", auth.clone()).get_by_nin(&nin, true).await;
    malformed(person, "last name");
}

/// The platform's answers for one patient, each with something wrong in it.
fn platform_answer(asked: &Asked) -> Response {
    let base = &asked.base;
    match asked.path.as_str() {
        "/nameless/Patient/p1" => fhir_json(json!({"resourceType": "Patient", "id": "p1", "birthDate": "1940-01-01"})),
        p if p.ends_with("/Patient/p1") => fhir_json(json!({
            "resourceType": "Patient", "id": "p1",
            "name": [{"given": ["<script>alert(1)</script>Ola"], "family": "Nord\u{202E}mann"}],
            "birthDate": "1940-13-45",
            "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p onclick=\"x()\">Ola</p><script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">lenke</a></div>"}
        })),
        p if p.ends_with("/AllergyIntolerance") => fhir_json(searchset(json!([
            {"fullUrl": "urn:uuid:no-resource"},
            {"resource": {"resourceType": "Spaceship", "id": "s"}},
            {"resource": {"id": "untyped", "code": {"text": "Untyped"}}},
            {"resource": {"resourceType": "AllergyIntolerance", "id": "uncoded", "criticality": "high"}},
            {"resource": {"resourceType": "AllergyIntolerance", "id": "a1", "recordedDate": "yesterday",
                "code": {"text": "<img src=x onerror=alert(1)>Penicillin"}, "criticality": "high"}}
        ]))),
        "/loop/MedicationStatement" => fhir_json(json!({"resourceType": "Bundle", "type": "searchset",
            "link": [{"relation": "next", "url": format!("{base}/loop/MedicationStatement?page=2")}],
            "entry": []})),
        p if p.ends_with("/MedicationStatement") => fhir_json(searchset(json!([
            {"resource": {"resourceType": "MedicationStatement", "id": "nameless", "status": "active",
                "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc"}]}}},
            {"resource": {"resourceType": "MedicationStatement", "id": "m1", "status": "active",
                "effectiveDateTime": "2026-02-30T10:00:00Z",
                "medicationCodeableConcept": {"text": "Paracet\u{0}amol <b onmouseover=alert(1)>500 mg</b>"}}}
        ]))),
        p if p.ends_with("/Observation") => fhir_json(searchset(json!([
            // Newest first, as asked: the first pulse has a time that is no time.
            {"resource": {"resourceType": "Observation", "status": "final", "effectiveDateTime": "yesterday",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "valueQuantity": {"value": 190, "unit": "/min"}}},
            {"resource": {"resourceType": "Observation", "status": "final", "effectiveDateTime": "2026-13-01T08:00:00Z",
                "code": {"coding": [{"system": "http://loinc.org", "code": "9279-1"}]},
                "valueQuantity": {"value": 40, "unit": "/min"}}},
            {"resource": {"resourceType": "Observation", "status": "final",
                "effectiveDateTime": "2026-11-20T08:00:00+01:00",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "valueQuantity": {"value": 72, "unit": "/min"}}}
        ]))),
        // A visit without an id (cannot be acted on) and one with markup in its text.
        p if p.ends_with("/Appointment") => fhir_json(searchset(json!([
            {"resource": {"resourceType": "Appointment", "status": "booked", "start": "2026-11-22T08:00:00+01:00"}},
            {"resource": {"resourceType": "Appointment", "id": "v1", "status": "booked",
                "start": "2026-11-22T09:00:00+01:00", "description": "<script>alert(1)</script>Morgenstell"}}
        ]))),
        // Nursing notes: no id, not base64, binary, empty, markup and a bidi override.
        p if p.ends_with("/DocumentReference") => {
            let note = |id: Option<&str>, content_type: &str, data: &str| {
                let mut r = json!({"resourceType": "DocumentReference", "status": "current",
                    "date": "2026-11-21T08:00:00+01:00", "author": [{"display": "Ingrid Solbakken"}],
                    "content": [{"attachment": {"contentType": content_type, "data": data}}]});
                if let Some(id) = id {
                    r["id"] = json!(id);
                }
                json!({"resource": r})
            };
            let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
            fhir_json(searchset(json!([
                note(None, "text/plain", &b64("Uten id")),
                note(Some("n-not-base64"), "text/plain", "%%% not base64 %%%"),
                note(Some("n-pdf"), "application/pdf", &b64("%PDF-1.4")),
                note(Some("n-empty"), "text/plain", &b64("  \n ")),
                note(
                    Some("n-ok"),
                    "text/plain; charset=utf-8",
                    &b64("<img src=x onerror=alert(1)>Sov godt.\n\u{202E}Spiste lite")
                ),
            ])))
        }
        // The problem list, care plans and tasks: nothing for this patient.
        p if ["/Condition", "/CarePlan", "/Task", "/Flag"].iter().any(|t| p.ends_with(t)) => {
            fhir_json(searchset(json!([])))
        }
        _ => raw("text/plain", "nothing here"),
    }
}

#[tokio::test]
async fn the_platform_skips_what_it_cannot_use_and_keeps_the_rest() {
    let server = hostile(platform_answer).await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let platform = |path: &str| {
        MunicipalPlatform::new(FhirClient::new(http(), format!("{}/{path}", server.base), "a", Arc::new(TestAuth)))
    };
    let o = platform("ok").overview("p1", today).await.expect("usable parts are kept");

    // Only the readable note with an id is kept; its markup is text, its override gone.
    let notes: Vec<(&str, &str)> = o.notes.iter().map(|n| (n.id.as_str(), n.text.as_str())).collect();
    assert_eq!(notes, [("n-ok", "<img src=x onerror=alert(1)>Sov godt.\nSpiste lite")]);

    // The visit without an id is skipped; the other's text stays text.
    assert_eq!(o.visits.len(), 1, "{:?}", o.visits);
    assert_eq!(o.visits[0].description.as_deref(), Some("<script>alert(1)</script>Morgenstell"));
    // Unknown, untyped and resource-less entries and the allergy without a code are skipped.
    assert_eq!(o.allergies.len(), 1, "{:?}", o.allergies);
    // Markup in display strings stays inert text (the UI shows text, never HTML)…
    assert_eq!(o.allergies[0].substance, "<img src=x onerror=alert(1)>Penicillin");
    // …and a date that is no date is dropped rather than shown.
    assert_eq!(o.allergies[0].recorded, None);
    // The medication without a name is skipped; the other loses its control character.
    let names: Vec<&str> = o.medications.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Paracetamol <b onmouseover=alert(1)>500 mg</b>"]);
    assert_eq!(o.medications[0].started, None, "30 February is no date");
    // Bidi overrides are gone from the name; the impossible birth date gives no age.
    assert_eq!(o.banner.name, "<script>alert(1)</script>Ola Nordmann");
    assert_eq!((o.banner.birth_date.as_deref(), o.banner.age), (None, None));
    // The pulse of unknown time is not the latest: NEWS2 uses the dated one.
    let pulses: Vec<f64> = o.latest_vitals.iter().filter(|v| v.kind == VitalKind::Pulse).map(|v| v.value).collect();
    assert_eq!(pulses, [72.0]);
    assert!(!o.latest_vitals.iter().any(|v| v.kind == VitalKind::RespiratoryRate), "month 13 is no time");
    assert!(o.news2.inputs.iter().all(|i| i.measured_at.as_deref().is_none_or(|t| t.starts_with("2026-11-20"))));
    assert!(!o.news2.is_complete(), "missing inputs are reported, not scored as normal");

    // The narrative, were it shown, comes out of the sanitiser with structure only.
    let fhir = FhirClient::new(http(), format!("{}/ok", server.base), "a", Arc::new(TestAuth));
    let patient = fhir.read("Patient", "p1").await.unwrap();
    let clean = sanitize::narrative_html(patient["text"]["div"].as_str().unwrap());
    for bad in ["script", "onclick", "onerror", "<img", "javascript", "href", "alert"] {
        assert!(!clean.contains(bad), "{bad} survived: {clean}");
    }
    assert!(clean.contains("Ola") && clean.contains("lenke"), "{clean}");

    // Without a name there is no banner: the platform's answer is refused.
    malformed(platform("nameless").overview("p1", today).await, "without a name");
    // A `next` link that loops fails the overview instead of hanging it.
    malformed(platform("loop").overview("p1", today).await, "loops");
}

#[tokio::test]
async fn a_fifty_megabyte_answer_is_refused_without_being_held() {
    let server = hostile(|asked| match asked.path.as_str() {
        "/chunked/Observation" => fifty_mb_bundle(asked, false),
        "/declared/Observation" => fifty_mb_bundle(asked, true),
        "/kj/status" => fhir_json(json!({"hasCriticalInformation": true, "hasActiveCriticalInformation": true})),
        "/kj/AllergyIntolerance" => fifty_mb_bundle(asked, false),
        "/pjd/R4/fhir/DocumentReference/_search" => fifty_mb_bundle(asked, false),
        _ => raw("text/plain", "nothing here"),
    })
    .await;
    let at = |path: &str| format!("{}/{path}", server.base);
    let auth: Arc<dyn RequestAuthorizer> = Arc::new(TestAuth);
    let settle = || tokio::time::sleep(Duration::from_millis(200));

    // Announced by Content-Length: refused before reading the body.
    let declared = FhirClient::new(http(), at("declared"), "a", auth.clone());
    malformed(declared.search("Observation", &[]).await, "larger than 20 MiB");
    settle().await;
    let before_body = server.streamed.load(Ordering::SeqCst);
    assert!(before_body < MAX_BODY_BYTES / 2, "{before_body} bytes produced before the refusal");

    // Streamed without a length: read up to the cap, then given up.
    for (name, result) in [
        ("fhir", FhirClient::new(http(), at("chunked"), "a", auth.clone()).search("Observation", &[]).await.map(drop)),
        (
            "kj",
            Kjernejournal::new(http(), at("kj"), "a", auth.clone())
                .critical_information(&synthetic_nin(), &nhn())
                .await
                .map(drop),
        ),
        ("pjd", DocumentSharing::new(http(), &at("pjd"), "a").search(&synthetic_nin(), auth.clone()).await.map(drop)),
    ] {
        server.streamed.store(0, Ordering::SeqCst);
        malformed(result, "larger than");
        settle().await;
        let produced = server.streamed.load(Ordering::SeqCst);
        assert!(produced < FIFTY_MB * 3 / 4, "{name}: the whole answer was read ({produced} bytes)");
    }
}

#[tokio::test]
async fn kjernejournal_without_its_status_flags_or_with_odd_allergies() {
    let server = hostile(|asked| match asked.path.as_str() {
        "/flagless/status" => fhir_json(json!({"hasReservation": false})),
        "/stringly/status" => fhir_json(json!({"hasCriticalInformation": "true", "hasActiveCriticalInformation": 1})),
        "/odd/status" => fhir_json(json!({"hasCriticalInformation": true, "hasActiveCriticalInformation": true})),
        "/odd/AllergyIntolerance" => fhir_json(searchset(json!([
            {"resource": {"resourceType": "Spaceship"}},
            {"resource": {"resourceType": "AllergyIntolerance", "id": "uncoded"}},
            {"resource": {"resourceType": "AllergyIntolerance", "id": "a1", "recordedDate": "1940-13-45",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91936005",
                    "display": "Penicillin\u{202E}<svg onload=alert(1)>"}]},
                "reaction": [{"manifestation": [{"text": "Utslett\u{7}"}]}]}}
        ]))),
        _ => raw("text/plain", "nothing here"),
    })
    .await;
    let kj = |path: &str| Kjernejournal::new(http(), format!("{}/{path}", server.base), "a", Arc::new(TestAuth));
    let nin = synthetic_nin();
    malformed(kj("flagless").status(&nin, &nhn()).await, "status without hasCriticalInformation");
    malformed(kj("stringly").critical_information(&nin, &nhn()).await, "status without");
    let KjOutcome::Allergies(list) = kj("odd").critical_information(&nin, &nhn()).await.unwrap() else {
        panic!("critical information was announced")
    };
    assert_eq!(list.len(), 1, "the uncoded allergy and the unknown type are skipped: {list:?}");
    assert_eq!(list[0].substance, "Penicillin<svg onload=alert(1)>");
    assert_eq!(list[0].reaction.as_deref(), Some("Utslett"));
    assert_eq!(list[0].recorded, None, "month 13 is no date");
}

#[tokio::test]
async fn the_medication_list_skips_nameless_statements_and_drops_bad_dates() {
    let server = hostile(|_| {
        fhir_json(json!({"resourceType": "Bundle", "type": "document", "entry": [
            {"resource": {"resourceType": "Composition", "id": "c"}},
            {"resource": {"resourceType": "Spaceship", "id": "s"}},
            {"resource": {"resourceType": "MedicationStatement", "id": "nameless", "status": "active"}},
            {"resource": {"resourceType": "MedicationStatement", "id": "m1", "status": "active",
                "effectiveDateTime": "yesterday", "dosage": [{"text": "1 x 3<script>alert(1)</script>"}],
                "medicationCodeableConcept": {"text": "Metformin 500 mg"}}}
        ]}))
    })
    .await;
    let list = Sfm::new(http(), &server.base, "a", Arc::new(TestAuth)).get_medication(&synthetic_nin()).await.unwrap();
    let names: Vec<&str> = list.current.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Metformin 500 mg"]);
    assert_eq!(list.current[0].started, None);
    assert_eq!(list.current[0].dosage.as_deref(), Some("1 x 3<script>alert(1)</script>"), "text, shown as text");
}

#[tokio::test]
async fn unsafe_attachment_urls_cannot_be_opened_and_lying_documents_are_refused() {
    let server = hostile(|asked| {
        let base = &asked.base;
        let doc = |id: &str, content_type: &str, url: &str| {
            json!({"resource": {"resourceType": "DocumentReference", "id": id, "status": "current",
                "description": format!("<script>alert('{id}')</script>Epikrise {id}"), "date": "2026-11-01T10:00:00Z",
                "content": [{"attachment": {"contentType": content_type, "url": url}}]}})
        };
        match asked.path.as_str() {
            "/R4/fhir/DocumentReference/_search" => {
                let mut r = fhir_json(searchset(json!([
                    doc("js", "application/pdf", "javascript:alert(1)"),
                    doc("js-case", "application/pdf", "  JaVaScRiPt:alert(1)"),
                    doc("data", "text/plain", "data:text/html,<script>alert(1)</script>"),
                    doc("data64", "application/pdf", "data:application/pdf;base64,JVBERi0xLjQ="),
                    doc("file", "application/pdf", "file:///etc/passwd"),
                    doc("honest", "application/pdf", &format!("{base}/doc/honest")),
                    doc("header-lie", "application/pdf", &format!("{base}/doc/header-lie")),
                    doc("metadata-lie", "text/plain", &format!("{base}/doc/metadata-lie")),
                    doc("cda", "application/xml", &format!("{base}/doc/cda")),
                    doc("huge", "application/pdf", &format!("{base}/doc/huge")),
                    {"resource": {"resourceType": "Patient", "id": "not-a-document"}}
                ])));
                r.headers_mut().insert("nhn-securitylabel-nors-count", "not a number".parse().unwrap());
                r
            }
            "/doc/honest" | "/doc/metadata-lie" => raw("application/pdf", "%PDF-1.7\n%synthetic\n"),
            // A real PDF the server calls HTML: the header lies.
            "/doc/header-lie" => raw("text/html", "%PDF-1.7\n%synthetic\n"),
            "/doc/cda" => raw(
                "application/xml",
                r#"<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>Notat</title><component><structuredBody><component><section><title>Vurdering</title><text><paragraph>Stabil<script>alert(1)</script></paragraph><paragraph onclick="x()"><linkHtml href="javascript:alert(2)">lenke</linkHtml></paragraph><renderMultiMedia referencedObject="img1"/></text></section></component></structuredBody></component></ClinicalDocument>"#,
            ),
            "/doc/huge" => fifty_mb_pdf(asked),
            _ => raw("text/plain", "nothing here"),
        }
    })
    .await;
    let pjd = DocumentSharing::new(http(), &server.base, "a");
    let nin = synthetic_nin();
    let auth: Arc<dyn RequestAuthorizer> = Arc::new(TestAuth);
    let list = pjd.search(&nin, auth.clone()).await.unwrap();
    assert_eq!(list.hidden, 0, "an unreadable hidden count is no count");
    let by_id = |id: &str| {
        list.documents.iter().find(|d| d.title.ends_with(&format!("Epikrise {id}"))).unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(list.documents.len(), 10, "the Patient entry is not a document");
    for unsafe_url in ["js", "js-case", "data", "data64", "file"] {
        assert_eq!(by_id(unsafe_url).url, None, "{unsafe_url} must not be openable");
    }
    assert_eq!(by_id("js").title, "<script>alert('js')</script>Epikrise js", "text, shown as text");

    // An unsafe document is refused before anything is fetched.
    let asked_before = server.requests.load(Ordering::SeqCst);
    malformed(pjd.retrieve(by_id("js"), &nin, auth.clone()).await, "not safe to open");
    assert_eq!(server.requests.load(Ordering::SeqCst), asked_before);

    let honest = pjd.retrieve(by_id("honest"), &nin, auth.clone()).await.unwrap();
    assert!(honest.bytes.starts_with(b"%PDF-"));
    malformed(pjd.retrieve(by_id("header-lie"), &nin, auth.clone()).await, "claims to be text/html");
    malformed(pjd.retrieve(by_id("metadata-lie"), &nin, auth.clone()).await, "claims to be text/plain");
    malformed(pjd.retrieve(by_id("huge"), &nin, auth.clone()).await, "larger than");

    // A structured document's narrative keeps its text, never its scripts or links.
    let cda = pjd.retrieve(by_id("cda"), &nin, auth).await.unwrap();
    let doc = sources::structured::render(&cda.bytes).unwrap();
    assert_eq!(doc.title.as_deref(), Some("Notat"));
    let html = doc.sections.iter().map(|s| s.html.as_str()).collect::<String>();
    assert!(html.contains("<p>Stabil</p>") && html.contains("lenke"), "{html}");
    for active in ["alert", "javascript", "onclick", "href", "<script", "img1"] {
        assert!(!html.contains(active), "{active} in {html}");
    }
}

#[tokio::test]
async fn person_answers_without_a_last_name_are_refused_and_names_stay_text() {
    let server = hostile(|asked| match asked.path.as_str() {
        "/lastless/api/legal-basis/person/get-by-nin" => {
            fhir_json(json!({"name": {"firstName": "Kari"}, "dateOfBirth": "1940-05-17"}))
        }
        _ => fhir_json(json!({
            "name": {"firstName": "<img src=x onerror=alert(1)>", "lastName": "Nordby\u{202E}\u{0}"},
            "addressProtection": {"protectionLevel": "Unclassified"},
            "residentialAddress": {"addressLine": "<a href=\"javascript:alert(1)\">Storgata 1</a>",
                "postalCode": "9990", "postalPlace": "SANDVIK"}
        })),
    })
    .await;
    let person = |path: &str| PersonLookup::new(http(), format!("{}/{path}", server.base), "a", Arc::new(TestAuth));
    let nin = synthetic_nin();
    malformed(person("lastless").get_by_nin(&nin, true).await, "without a last name");
    let p = person("odd").get_by_nin(&nin, true).await.unwrap();
    assert_eq!(p.name, "<img src=x onerror=alert(1)> Nordby");
    let shown = format!("{:?}", p.address);
    assert!(shown.contains("Storgata 1") && shown.contains("9990 SANDVIK"), "{shown}");
}

#[tokio::test]
async fn a_number_failing_its_check_digits_is_refused_before_any_request() {
    let server = hostile(|_| fhir_json(json!({"name": {"firstName": "Kari", "lastName": "Nordby"}}))).await;
    let lookup = PersonLookup::new(http(), &server.base, "a", Arc::new(TestAuth));
    // What a caller does with a typed number: validate, then look up.
    let lookup = &lookup;
    let look_up = |typed: String| async move {
        let nin = NationalId::parse(&typed).map_err(|e| SourceError::InvalidInput(e.to_string()))?;
        lookup.get_by_nin(&nin, true).await
    };
    let good = synthetic_nin().as_str().to_string();
    look_up(good.clone()).await.expect("a valid synthetic number is looked up");
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    for position in [9, 10] {
        let mut digits: Vec<u8> = good.bytes().collect();
        digits[position] = b'0' + (digits[position] - b'0' + 1) % 10;
        let bad = String::from_utf8(digits).unwrap();
        match look_up(bad).await {
            Err(SourceError::InvalidInput(why)) => assert!(why.contains("check digits"), "{why}"),
            other => panic!("a wrong check digit {position} must be invalid input, got {other:?}"),
        }
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 1, "nothing was asked with a bad number");
}
