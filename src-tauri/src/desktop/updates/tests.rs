//! The updater against loopback update servers (ours, and openssl's HTTPS one), with
//! key pairs and signatures made by Tauri's own signer, and the real plugin on Tauri's
//! mock runtime.

use super::*;
use arbeidsflate_tests::updates::{self, manifest, InternalServer, Signer};
use axum::extract::State as Shared;
use axum::http::StatusCode;
use axum::routing::get;
use std::sync::PoisonError;
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};

/// One version up from this build: what a real next release would be.
fn next_version() -> String {
    updates::next_version(env!("CARGO_PKG_VERSION"))
}

#[derive(Clone, Default)]
struct Served {
    feed: Arc<Mutex<(u16, String)>>,
    artifact: Arc<Mutex<Vec<u8>>>,
}

/// A loopback update server: `/feed` answers what the test sets, `/artifact` the bytes.
struct UpdateServer {
    served: Served,
    base: String,
}

impl UpdateServer {
    async fn start() -> Self {
        let served = Served::default();
        let app = axum::Router::new()
            .route(
                "/feed",
                get(|Shared(s): Shared<Served>| async move {
                    let (status, body) = s.feed.lock().unwrap_or_else(PoisonError::into_inner).clone();
                    (StatusCode::from_u16(status).unwrap(), body)
                }),
            )
            .route(
                "/artifact",
                get(|Shared(s): Shared<Served>| async move {
                    s.artifact.lock().unwrap_or_else(PoisonError::into_inner).clone()
                }),
            )
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { served, base }
    }

    fn serve(&self, status: u16, feed: String, artifact: &[u8]) {
        *self.served.feed.lock().unwrap_or_else(PoisonError::into_inner) = (status, feed);
        *self.served.artifact.lock().unwrap_or_else(PoisonError::into_inner) = artifact.to_vec();
    }

    fn artifact_url(&self) -> String {
        format!("{}/artifact", self.base)
    }

    fn check(&self) -> FeedCheck {
        FeedCheck {
            feed: format!("{}/feed", self.base).parse().unwrap(),
            roots: Vec::new(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// The app as the updater sees it: this version, the plugin, the trusted key in its config.
fn app_trusting(public_key: &str) -> tauri::App<MockRuntime> {
    app_at_version(env!("CARGO_PKG_VERSION"), public_key)
}

fn app_at_version(version: &str, public_key: &str) -> tauri::App<MockRuntime> {
    let mut context = mock_context(noop_assets());
    context.package_info_mut().version = version.parse().unwrap();
    context
        .config_mut()
        .plugins
        .0
        .insert("updater".into(), serde_json::json!({ "pubkey": public_key, "requireSignedVersion": true }));
    mock_builder().plugin(tauri_plugin_updater::Builder::new().build()).build(context).unwrap()
}

fn refusal(outcome: &Outcome) -> (ErrorCode, String) {
    match &outcome.status {
        UpdateStatus::Refused { error, .. } => (error.code, error.detail.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const ARTIFACT: &[u8] = b"!<arch>\nsynthetic update package for the updater tests\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correctly_signed_update_is_offered_downloaded_and_verified() {
    let signer = Signer::generate();
    let server = UpdateServer::start().await;
    let version = next_version();
    server.serve(200, manifest(&version, &server.artifact_url(), &signer.sign(ARTIFACT, &version)), ARTIFACT);
    let app = app_trusting(&signer.public_key);

    let outcome = check_feed(app.handle(), &server.check()).await;
    match &outcome.status {
        UpdateStatus::Ready { version: offered, notes, .. } => {
            assert_eq!(offered, &version);
            assert_eq!(notes.as_deref(), Some("Synthetic release notes"));
        }
        other => panic!("expected a verified update, got {other:?}"),
    }
    let (update, bytes) = outcome.ready.expect("the verified bytes are kept for installing");
    assert_eq!(bytes, ARTIFACT);
    assert!(update.verify(&bytes).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_updates_say_why_and_a_good_one_still_comes_through_after() {
    let trusted = Signer::generate();
    let stranger = Signer::generate();
    let server = UpdateServer::start().await;
    let app = app_trusting(&trusted.public_key);
    let version = next_version();
    let url = server.artifact_url();

    // Tampered: the bytes changed after signing.
    let signature = trusted.sign(ARTIFACT, &version);
    let mut tampered = ARTIFACT.to_vec();
    tampered[10] ^= 0x20;
    server.serve(200, manifest(&version, &url, &signature), &tampered);
    let outcome = check_feed(app.handle(), &server.check()).await;
    assert_eq!(refusal(&outcome).0, ErrorCode::UpdateSignatureInvalid, "{:?}", outcome.status);
    assert!(outcome.ready.is_none(), "nothing refused is kept for installing");

    // Signed, but by a key this build does not trust.
    server.serve(200, manifest(&version, &url, &stranger.sign(ARTIFACT, &version)), ARTIFACT);
    let outcome = check_feed(app.handle(), &server.check()).await;
    assert_eq!(refusal(&outcome).0, ErrorCode::UpdateUntrustedKey, "{:?}", outcome.status);

    // A downgrade, correctly signed: never installed.
    server.serve(200, manifest("0.0.9", &url, &trusted.sign(ARTIFACT, "0.0.9")), ARTIFACT);
    let outcome = check_feed(app.handle(), &server.check()).await;
    let (code, detail) = refusal(&outcome);
    assert_eq!(code, ErrorCode::UpdateDowngrade);
    assert!(detail.contains("0.0.9"), "{detail}");
    assert!(matches!(&outcome.status, UpdateStatus::Refused { offered: Some(v), .. } if v == "0.0.9"));

    // An old, genuinely signed release replayed under a new version number.
    server.serve(200, manifest(&version, &url, &trusted.sign(ARTIFACT, "0.0.9")), ARTIFACT);
    let outcome = check_feed(app.handle(), &server.check()).await;
    assert_eq!(refusal(&outcome).0, ErrorCode::UpdateVersionMismatch, "{:?}", outcome.status);

    // Garbage, an error page and a feed with nothing for this machine.
    for (status, body) in [
        (200, "<html><body>Welcome to the guest network</body></html>".to_string()),
        (500, "internal error".to_string()),
        (200, r#"{"version":"9.0.0","platforms":{"plan9-mips":{"url":"http://x/a","signature":"c2ln"}}}"#.into()),
        (200, r#"{"version":"not a version","platforms":{}}"#.into()),
    ] {
        server.serve(status, body.clone(), ARTIFACT);
        let outcome = check_feed(app.handle(), &server.check()).await;
        assert_eq!(refusal(&outcome).0, ErrorCode::UpdateFeedInvalid, "{status} {body}: {:?}", outcome.status);
    }

    // The same version as this build: up to date, not an error.
    let current = env!("CARGO_PKG_VERSION");
    server.serve(200, manifest(current, &url, &trusted.sign(ARTIFACT, current)), ARTIFACT);
    assert!(matches!(check_feed(app.handle(), &server.check()).await.status, UpdateStatus::UpToDate { .. }));

    // After all that, the updater still takes a good update.
    server.serve(200, manifest(&version, &url, &trusted.sign(ARTIFACT, &version)), ARTIFACT);
    let outcome = check_feed(app.handle(), &server.check()).await;
    assert!(matches!(outcome.status, UpdateStatus::Ready { .. }), "{:?}", outcome.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_a_notice_not_a_failure() {
    let signer = Signer::generate();
    let app = app_trusting(&signer.public_key);
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let check = FeedCheck {
        feed: format!("http://{closed}/feed").parse().unwrap(),
        roots: Vec::new(),
        timeout: Duration::from_secs(5),
    };
    let outcome = check_feed(app.handle(), &check).await;
    assert_eq!(refusal(&outcome).0, ErrorCode::UpdateUnreachable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_update_outlives_a_later_refusal_and_a_test_build_is_never_replaced() {
    let signer = Signer::generate();
    let server = UpdateServer::start().await;
    let app = app_trusting(&signer.public_key);
    let version = next_version();
    server.serve(200, manifest(&version, &server.artifact_url(), &signer.sign(ARTIFACT, &version)), ARTIFACT);
    let updates = Updates::new(true);
    assert!(matches!(updates.status(), UpdateStatus::Checking));
    updates.record(check_feed(app.handle(), &server.check()).await);
    server.serve(200, "garbage".into(), ARTIFACT);
    updates.record(check_feed(app.handle(), &server.check()).await);
    assert!(matches!(updates.status(), UpdateStatus::Ready { .. }), "{:?}", updates.status());

    // This test binary was not installed from a package: installing refuses and keeps the update.
    let error = updates.install(app.handle()).unwrap_err();
    assert_eq!(error.code, ErrorCode::UpdateInstallFailed);
    assert!(error.detail.contains("package"), "{}", error.detail);
    assert!(updates.0.ready.lock().unwrap_or_else(PoisonError::into_inner).is_some());
    assert!(matches!(Updates::new(false).status(), UpdateStatus::Off));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_update_server_is_trusted_only_with_the_profiles_extra_ca() {
    let signer = Signer::generate();
    let version = next_version();
    let server = InternalServer::start();
    server.put("artifact", ARTIFACT);
    server.put("feed.json", manifest(&version, &server.url("artifact"), &signer.sign(ARTIFACT, &version)).as_bytes());
    let app = app_trusting(&signer.public_key);
    let mut check = FeedCheck {
        feed: server.url("feed.json").parse().unwrap(),
        roots: Vec::new(),
        timeout: Duration::from_secs(10),
    };

    let outcome = check_feed(app.handle(), &check).await;
    assert_eq!(refusal(&outcome).0, ErrorCode::UpdateUnreachable, "the OS does not trust the test CA");

    check.roots = arbeidsflate_core::trust::extra_roots(&[server.ca()]).unwrap();
    let outcome = check_feed(app.handle(), &check).await;
    assert!(matches!(&outcome.status, UpdateStatus::Ready { version: v, .. } if *v == version), "{:?}", outcome.status);
}

/// The release procedure end to end: `make feed` signs this build's .deb with the release
/// key and writes the feed; an installed older version, trusting that key, finds it on
/// the internal server and verifies the package byte for byte. (`make test` builds the
/// .deb and names it in ARBEIDSFLATE_DEB.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_make_feed_writes_is_taken_by_an_older_installed_version() {
    let deb = std::env::var("ARBEIDSFLATE_DEB").expect("ARBEIDSFLATE_DEB names the .deb (make test sets it)");
    let release_key = Signer::generate();
    let server = InternalServer::start();
    let out = std::process::Command::new("make")
        .current_dir(updates::repo_root())
        .args(["--no-print-directory", "feed", &format!("DEB={deb}"), &format!("FEED_DIR={}", server.dir().display())])
        .arg(format!("FEED_URL={}", server.base_url()))
        .env("TAURI_SIGNING_PRIVATE_KEY_PATH", release_key.key_path())
        .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "make feed: {}", String::from_utf8_lossy(&out.stderr));

    let installed = app_at_version("0.0.1", &release_key.public_key);
    let check = FeedCheck {
        feed: server.url("latest.json").parse().unwrap(),
        roots: arbeidsflate_core::trust::extra_roots(&[server.ca()]).unwrap(),
        timeout: Duration::from_secs(30),
    };
    let outcome = check_feed(installed.handle(), &check).await;
    assert!(
        matches!(&outcome.status, UpdateStatus::Ready { version, .. } if version == env!("CARGO_PKG_VERSION")),
        "{:?}",
        outcome.status
    );
    let (_, bytes) = outcome.ready.unwrap();
    assert_eq!(bytes, std::fs::read(&deb).unwrap(), "the verified bytes are the package");

    // Without `make feed`'s signature, the same package is refused.
    let feed = std::fs::read_to_string(server.dir().join("latest.json")).unwrap();
    let stranger = Signer::generate();
    let forged = stranger.sign(&std::fs::read(&deb).unwrap(), env!("CARGO_PKG_VERSION"));
    let original: serde_json::Value = serde_json::from_str(&feed).unwrap();
    let genuine = original["platforms"]["linux-x86_64"]["signature"].as_str().unwrap();
    server.put("latest.json", feed.replace(genuine, &forged).as_bytes());
    let outcome = check_feed(installed.handle(), &check).await;
    assert_eq!(refusal(&outcome).0, ErrorCode::UpdateUntrustedKey, "{:?}", outcome.status);
}
