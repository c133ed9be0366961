//! Signed updates through the real Tauri window. The profile names an internal HTTPS
//! update server (openssl's, with its own certificate authority, which the profile's
//! `[network]` adds); the app's updater checks it at start. A tampered update is refused
//! with a notice and the nurse signs in and works as usual; a correctly signed one waits,
//! downloaded and verified, for her to install it.

use arbeidsflate_core::Profile;
use arbeidsflate_tests::page::{click, wait_for, wait_for_attr, write_screenshot};
use arbeidsflate_tests::updates::{manifest, next_version, InternalServer, Signer};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow, StandaloneSandbox, TempDir};
use std::path::{Path, PathBuf};
use std::time::Duration;

const NURSE: &str = "Ingrid Solbakken";
const ARTIFACT: &[u8] = b"!<arch>\nsynthetic Arbeidsflate update for the window test\n";

/// The sandbox's profile with the update feed and the update server's CA added.
fn profile_with_updates(sandbox: &StandaloneSandbox, server: &InternalServer, dir: &TempDir) -> PathBuf {
    let mut profile = Profile::load(&sandbox.profile).expect("the sandbox's profile");
    profile.updates.feed = Some(server.url("feed.json"));
    profile.network.extra_ca_certificates = vec![server.ca()];
    let path = dir.path().join("with-updates.toml");
    std::fs::write(&path, profile.to_toml()).unwrap();
    Profile::load(&path).expect("the profile with updates is valid");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_update_is_refused_while_work_goes_on_and_a_signed_one_waits_verified() {
    let sandbox = StandaloneSandbox::start(&[]);
    let server = InternalServer::start();
    let signer = Signer::generate();
    let dir = TempDir::new("update-window");
    let version = next_version(arbeidsflate_core::version::CURRENT);
    server.put("feed.json", manifest(&version, &server.url("artifact"), &signer.sign(ARTIFACT, &version)).as_bytes());
    let profile = profile_with_updates(&sandbox, &server, &dir);
    let env = [
        ("ARBEIDSFLATE_PROFILE", profile.as_path()),
        // Debug builds only: trust the test's throwaway key instead of the built-in one.
        ("ARBEIDSFLATE_UPDATE_PUBKEY", Path::new(&signer.public_key)),
    ];

    let mut tampered = ARTIFACT.to_vec();
    tampered[12] ^= 0x01;
    server.put("artifact", &tampered);
    let app = AppWindow::open(&env).await;
    let refused = refused_then_work(&app).await;
    drop(app.close().await);

    server.put("artifact", ARTIFACT);
    let app = AppWindow::open(&env).await;
    let offered = offered_and_waiting(&app, &version).await;
    drop(app.close().await);
    drop(sandbox);
    refused.unwrap_or_else(|e| panic!("{e}"));
    offered.unwrap_or_else(|e| panic!("{e}"));
}

async fn refused_then_work(app: &AppWindow) -> Result<(), String> {
    let client = &app.client;
    let timeout = Duration::from_secs(30);
    wait_for(client, "body[data-screen=sign-in]", timeout).await;
    let code = wait_for_attr(client, "[data-testid=update-refused]", "data-error-code", Duration::from_secs(30), |v| {
        !v.is_empty()
    })
    .await;
    if code != "update_signature_invalid" {
        return Err(format!("expected a signature refusal, got {code}"));
    }
    // The running version carries on: sign in and reach the worklist.
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(&app.url_file, NURSE).await?;
    wait_for(client, "[data-testid=worklist-row]", timeout).await;
    wait_for(client, "[data-testid=update-refused]", timeout).await;
    Ok(())
}

async fn offered_and_waiting(app: &AppWindow, version: &str) -> Result<(), String> {
    let client = &app.client;
    let timeout = Duration::from_secs(30);
    let ready =
        wait_for_attr(client, "[data-testid=update-ready]", "data-version", Duration::from_secs(30), |v| !v.is_empty())
            .await;
    if ready != version {
        return Err(format!("expected {version} ready, got {ready}"));
    }
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(&app.url_file, NURSE).await?;
    wait_for(client, "[data-testid=worklist-row]", timeout).await;
    write_screenshot(client, "update-ready.png").await;
    // A build run from the tree is never replaced: installing says so, and work goes on.
    click(client, "[data-testid=update-install]").await;
    click(client, "[data-testid=update-confirm-install]").await;
    let code =
        wait_for_attr(client, "[data-testid=update-install-error]", "data-error-code", timeout, |v| !v.is_empty())
            .await;
    if code != "update_install_failed" {
        return Err(format!("expected update_install_failed, got {code}"));
    }
    wait_for(client, "[data-testid=worklist-row]", timeout).await;
    Ok(())
}
