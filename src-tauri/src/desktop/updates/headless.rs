//! `arbeidsflate update`: the app's update check from the command line, for IT checking a
//! newly published feed on a workstation and for machines where nobody opens the window.
//! It is the window's check (the same updater, feed, trusted key and refusals); Tauri
//! runs without a window.

use super::{check_feed, install_verified, FeedCheck};
use arbeidsflate_cli::AppArgs;
use arbeidsflate_model::update::UpdateStatus;

/// Exit codes: 0 up to date, verified or installed (or updates off); 1 refused or not
/// installed; 2 no usable profile or no Tauri runtime.
pub fn run(args: AppArgs, install: bool, json: bool) -> i32 {
    let profile = match crate::desktop::profile_of(&args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Some(check) = profile.as_ref().and_then(FeedCheck::of_profile) else {
        report(&UpdateStatus::Off, json);
        return 0;
    };
    let mut context = crate::desktop::context();
    // No window: the updater needs the app's configuration and runtime, not a webview.
    context.config_mut().app.windows.clear();
    let app = match tauri::Builder::default().plugin(tauri_plugin_updater::Builder::new().build()).build(context) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: the app's runtime did not start: {e}");
            return 2;
        }
    };
    let outcome = tauri::async_runtime::block_on(check_feed(app.handle(), &check));
    report(&outcome.status, json);
    let Some((update, bytes)) = outcome.ready else {
        return i32::from(matches!(outcome.status, UpdateStatus::Refused { .. }));
    };
    if !install {
        return 0;
    }
    // On Windows the installer takes over and this process ends here when it starts.
    match install_verified(&update.restart_after_install(false), &bytes) {
        Ok(()) => {
            eprintln!("installed");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn report(status: &UpdateStatus, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(status).expect("a status serialises"));
        return;
    }
    match status {
        UpdateStatus::Off => println!("updates are off: the profile names no update feed"),
        UpdateStatus::Checking => println!("checking"),
        UpdateStatus::UpToDate { .. } => println!("up to date ({})", env!("CARGO_PKG_VERSION")),
        UpdateStatus::Ready { version, .. } => println!("{version} downloaded; its signature is verified"),
        UpdateStatus::Refused { error, offered, .. } => {
            let offered = offered.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
            println!("update{offered} refused: {error}");
        }
    }
}
