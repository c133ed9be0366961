//! Signed updates through Tauri's updater. IT's profile names the feed (or none: off);
//! the public key that signatures must match is built in (`tauri.conf.json`). An offered
//! update is downloaded and verified in the background and waits for the user to install
//! it; anything refused becomes a notice, and the running version keeps working.

use arbeidsflate_core::profile::UpdateSettings;
use arbeidsflate_core::update_feed::check_due;
use arbeidsflate_model::update::UpdateStatus;
use arbeidsflate_model::{AppError, ErrorCode};
use clock::SharedClock;
use std::sync::PoisonError;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};

pub mod headless;

/// How often the app looks whether an update check is due.
const LOOK_EVERY: Duration = Duration::from_secs(5 * 60);

/// What to ask and whom to trust for one check.
#[derive(Clone)]
pub struct FeedCheck {
    pub feed: url::Url,
    /// Extra certificate authorities from the profile (an internal update server's).
    pub roots: Vec<reqwest::Certificate>,
    pub timeout: Duration,
}

impl FeedCheck {
    /// The profile's feed, trusting its extra certificate authorities, if updates are on.
    pub fn of_profile(profile: &arbeidsflate_core::Profile) -> Option<Self> {
        let roots = arbeidsflate_core::trust::extra_roots(&profile.network.extra_ca_certificates).unwrap_or_default();
        Self::from_settings(&profile.updates, roots)
    }

    /// The profile's feed, if updates are on.
    pub fn from_settings(settings: &UpdateSettings, roots: Vec<reqwest::Certificate>) -> Option<Self> {
        let feed = url::Url::parse(settings.feed.as_deref()?).ok()?;
        Some(Self { feed, roots, timeout: Duration::from_secs(60) })
    }
}

/// A check's result: the status to show and, when verified, the update and its bytes.
pub struct Outcome {
    pub status: UpdateStatus,
    pub ready: Option<(Update, Vec<u8>)>,
}

/// The app's update state, shared by the background checks and the commands.
#[derive(Clone)]
pub struct Updates(Arc<Inner>);

struct Inner {
    status: Mutex<UpdateStatus>,
    ready: Mutex<Option<(Update, Vec<u8>)>>,
}

impl Updates {
    pub fn new(on: bool) -> Self {
        let status = if on { UpdateStatus::Checking } else { UpdateStatus::Off };
        Self(Arc::new(Inner { status: Mutex::new(status), ready: Mutex::new(None) }))
    }

    pub fn status(&self) -> UpdateStatus {
        self.0.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn record(&self, outcome: Outcome) {
        // A later refusal does not throw away an update already verified.
        if outcome.ready.is_some() || self.0.ready.lock().unwrap_or_else(PoisonError::into_inner).is_none() {
            *self.0.status.lock().unwrap_or_else(PoisonError::into_inner) = outcome.status;
        }
        if outcome.ready.is_some() {
            *self.0.ready.lock().unwrap_or_else(PoisonError::into_inner) = outcome.ready;
        }
    }

    /// Asks the feed now and then every `check_hours` by the wall clock `clock`, for as
    /// long as the app runs (it looks every few minutes whether a check is due).
    pub fn keep_checking<R: Runtime>(&self, app: AppHandle<R>, check: FeedCheck, check_hours: u32, clock: SharedClock) {
        let updates = self.clone();
        let every = chrono::Duration::hours(i64::from(check_hours));
        tauri::async_runtime::spawn(async move {
            let mut last = None;
            loop {
                let now = clock.now();
                if check_due(last, now, every) {
                    last = Some(now);
                    let outcome = check_feed(&app, &check).await;
                    if let UpdateStatus::Refused { error, .. } = &outcome.status {
                        tracing::warn!(code = ?error.code, "update refused");
                    }
                    updates.record(outcome);
                }
                tokio::time::sleep(LOOK_EVERY).await;
            }
        });
    }

    /// Installs the verified update and restarts into it (see [`install_verified`]).
    pub fn install<R: Runtime>(&self, app: &AppHandle<R>) -> Result<(), AppError> {
        let ready = self.0.ready.lock().unwrap_or_else(PoisonError::into_inner).take();
        let Some((update, bytes)) = ready else {
            return Err(AppError::new(ErrorCode::UpdateInstallFailed, "no verified update is waiting"));
        };
        match install_verified(&update, &bytes) {
            Ok(()) => {
                tracing::info!("update installed; restarting");
                app.restart()
            }
            Err(error) => {
                *self.0.ready.lock().unwrap_or_else(PoisonError::into_inner) = Some((update, bytes));
                Err(error)
            }
        }
    }
}

/// Installs a verified update: the package tool takes over (on Windows msiexec, and this
/// process ends). Only a copy installed from a package is replaced: anything else (a
/// build, a copied binary) is left alone.
pub fn install_verified(update: &Update, bytes: &[u8]) -> Result<(), AppError> {
    if tauri::utils::platform::bundle_type().is_none() {
        return Err(AppError::new(
            ErrorCode::UpdateInstallFailed,
            "this copy was not installed from a package; install the new version with the package tool",
        ));
    }
    update.install(bytes).map_err(|e| AppError::new(ErrorCode::UpdateInstallFailed, e.to_string()))
}

/// One look at the feed: check, download and verify. Never fails the app.
pub async fn check_feed<R: Runtime>(app: &AppHandle<R>, check: &FeedCheck) -> Outcome {
    let checked_at = chrono::Utc::now().to_rfc3339();
    let offered: Arc<Mutex<Option<semver::Version>>> = Arc::default();
    let refused = |error: AppError, offered: Option<String>| Outcome {
        status: UpdateStatus::Refused { error, offered, checked_at: checked_at.clone() },
        ready: None,
    };
    let updater = match build_updater(app, check, offered.clone()) {
        Ok(u) => u,
        Err(e) => return refused(classify(&e), None),
    };
    let update = match updater.check().await {
        Ok(Some(update)) => update,
        Ok(None) => {
            let offered = offered.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let current = app.package_info().version.clone();
            return match offered {
                Some(v) if v < current => refused(
                    AppError::new(
                        ErrorCode::UpdateDowngrade,
                        format!("the feed offers {v}, older than the running {current}; not installed"),
                    ),
                    Some(v.to_string()),
                ),
                _ => Outcome { status: UpdateStatus::UpToDate { checked_at }, ready: None },
            };
        }
        Err(e) => {
            return refused(
                classify(&e),
                offered.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|v| v.to_string()),
            )
        }
    };
    // `download` verifies the signature (and the signed version) before handing the bytes over.
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => {
            tracing::info!(size = bytes.len(), "update downloaded and verified");
            Outcome {
                status: UpdateStatus::Ready {
                    version: update.version.clone(),
                    notes: update.body.clone(),
                    checked_at: checked_at.clone(),
                },
                ready: Some((update, bytes)),
            }
        }
        Err(e) => refused(classify(&e), Some(update.version.clone())),
    }
}

fn build_updater<R: Runtime>(
    app: &AppHandle<R>,
    check: &FeedCheck,
    offered: Arc<Mutex<Option<semver::Version>>>,
) -> Result<tauri_plugin_updater::Updater, UpdaterError> {
    let roots = check.roots.clone();
    let mut builder = app
        .updater_builder()
        .endpoints(vec![check.feed.clone()])?
        .timeout(check.timeout)
        .configure_client(move |client| client.tls_certs_merge(roots.clone()))
        .version_comparator(move |current, release| {
            *offered.lock().unwrap_or_else(PoisonError::into_inner) = Some(release.version.clone());
            release.version > current
        });
    if let Some(key) = test_public_key() {
        builder = builder.pubkey(key);
    }
    builder.build()
}

/// Debug builds only: tests sign with throwaway keys and name the public half here.
/// A release build trusts nothing but the key in its configuration.
fn test_public_key() -> Option<String> {
    cfg!(debug_assertions).then(|| std::env::var("ARBEIDSFLATE_UPDATE_PUBKEY").ok()).flatten()
}

/// The updater's error as a code the UI translates; the detail names no patient.
fn classify(error: &UpdaterError) -> AppError {
    use minisign_verify::Error as Minisign;
    let code = match error {
        UpdaterError::Reqwest(e) if e.is_decode() => ErrorCode::UpdateFeedInvalid,
        UpdaterError::Reqwest(_) | UpdaterError::Network(_) => ErrorCode::UpdateUnreachable,
        UpdaterError::Serialization(_)
        | UpdaterError::ReleaseNotFound
        | UpdaterError::TargetNotFound(_)
        | UpdaterError::TargetsNotFound(_)
        | UpdaterError::Semver(_)
        | UpdaterError::UrlParse(_)
        | UpdaterError::InsecureTransportProtocol => ErrorCode::UpdateFeedInvalid,
        UpdaterError::Minisign(Minisign::UnexpectedKeyId) => ErrorCode::UpdateUntrustedKey,
        UpdaterError::Minisign(_) | UpdaterError::Base64(_) | UpdaterError::SignatureUtf8(_) => {
            ErrorCode::UpdateSignatureInvalid
        }
        UpdaterError::SignedVersionMismatch { .. } | UpdaterError::MissingSignedVersion => {
            ErrorCode::UpdateVersionMismatch
        }
        _ => ErrorCode::UpdateInstallFailed,
    };
    let detail = match error {
        UpdaterError::Reqwest(e) => e.to_string(),
        UpdaterError::ReleaseNotFound => "the feed answered no release (an HTTP error, or no feed there)".into(),
        other => other.to_string(),
    };
    AppError::new(code, detail)
}

#[cfg(test)]
mod tests;
