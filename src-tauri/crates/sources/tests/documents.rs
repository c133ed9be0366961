//! The document-sharing adapter against the sandbox's MHD service.

use arbeidsflate_model::nin::NationalId;
use sandbox::pjd::AUDIENCE;
use sandbox::{Sandbox, SandboxOptions};
use sources::documents::DocumentSharing;
use sources::SourceError;
use std::time::Duration;

mod common;
use common::{first_patient, signed_in};

fn nin_where(sb: &Sandbox, pred: impl Fn(&sandbox::pjd::PatientDocuments) -> bool) -> NationalId {
    first_patient(sb, |nin| pred(&sb.pjd_documents(nin)))
}

#[tokio::test]
async fn documents_need_an_attested_token_and_hidden_ones_are_counted() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await;
    let pjd = DocumentSharing::new(helseid::http_client(Duration::from_secs(5)), &sb.pjd_url, AUDIENCE);
    let nin = nin_where(&sb, |d| d.hidden > 0 && !d.documents.is_empty());

    let refused = pjd.search(&nin, auth.clone()).await.unwrap_err();
    assert!(matches!(refused, SourceError::NotAuthorised(ref why) if why.contains("attestation")), "{refused}");

    let list = pjd.search(&nin, auth.attested()).await.unwrap();
    let expected = sb.pjd_documents(nin.as_str());
    assert_eq!(list.hidden, expected.hidden);
    assert_eq!(list.documents.len(), expected.documents.len());
    let dates: Vec<_> = list.documents.iter().map(|d| d.date.clone()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
}

#[tokio::test]
async fn a_document_is_retrieved_only_when_its_bytes_are_what_it_claims() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await.attested();
    let pjd = DocumentSharing::new(helseid::http_client(Duration::from_secs(5)), &sb.pjd_url, AUDIENCE);

    let honest = nin_where(&sb, |d| d.documents.iter().any(|x| x.bytes.starts_with(b"%PDF")));
    let list = pjd.search(&honest, auth.clone()).await.unwrap();
    let pdf = list.documents.iter().find(|d| d.content_type == "application/pdf").unwrap();
    let got = pjd.retrieve(pdf, &honest, auth.clone()).await.unwrap();
    assert!(got.bytes.starts_with(b"%PDF-"));

    let liar = nin_where(&sb, |d| {
        d.documents.iter().any(|x| x.content_type == "application/pdf" && !x.bytes.starts_with(b"%PDF"))
    });
    let list = pjd.search(&liar, auth.clone()).await.unwrap();
    let fake = list.documents.iter().find(|d| d.content_type == "application/pdf").unwrap();
    let e = pjd.retrieve(fake, &liar, auth).await.expect_err("a lying document is refused");
    assert!(matches!(e, SourceError::Malformed(ref why) if why.contains("claims")), "{e}");
}
