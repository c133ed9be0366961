//! Each source fails on its own and clearly: the sandbox's fault switches against the
//! adapters.

use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::nin::NationalId;
use sandbox::faults::{Fault, Service};
use sandbox::{Sandbox, SandboxOptions};
use sources::kjernejournal::{Kjernejournal, NhnContext};
use sources::SourceError;
use std::time::Duration;

mod common;
use common::signed_in;

#[tokio::test]
async fn server_errors_malformed_and_truncated_answers_and_slowness_are_clear_errors() {
    let sb = Sandbox::start(SandboxOptions::at(clock::matrix::test_now())).await.unwrap();
    let auth = signed_in(&sb).await;
    let kj = Kjernejournal::new(
        helseid::http_client(Duration::from_millis(800)),
        &sb.kj_url,
        sandbox::kjernejournal::AUDIENCE,
        auth,
    );
    let nin = NationalId::parse(&sb.clinicians[0].pid).unwrap();
    let ctx = NhnContext { source_system: "test".into(), user_role: "SP".into(), access_basis: AccessBasis::Unntak };
    kj.status(&nin, &ctx).await.expect("healthy first");

    sb.set_fault(Service::Kjernejournal, Some(Fault::ServerError));
    assert!(matches!(kj.status(&nin, &ctx).await, Err(SourceError::Http { status: 500, .. })));
    sb.set_fault(Service::Kjernejournal, Some(Fault::MalformedJson));
    assert!(matches!(kj.status(&nin, &ctx).await, Err(SourceError::Malformed(_))));
    sb.set_fault(Service::Kjernejournal, Some(Fault::TruncatedBody));
    assert!(matches!(kj.status(&nin, &ctx).await, Err(SourceError::Malformed(_))));
    sb.set_fault(Service::Kjernejournal, Some(Fault::Slow(3000)));
    let started = std::time::Instant::now();
    assert!(matches!(kj.status(&nin, &ctx).await, Err(SourceError::Unreachable(_))));
    assert!(started.elapsed() < Duration::from_secs(2), "the client's timeout, not the server's delay, decides");
    sb.set_fault(Service::Kjernejournal, None);
    kj.status(&nin, &ctx).await.expect("healthy again");
}
