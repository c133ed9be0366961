//! What the window's commands share: the environment, the workspace and the
//! pending sign-in.

use arbeidsflate_cli::environment::{resolve_environment_with, Environment, KEYRING_SERVICE};
use arbeidsflate_core::keystore::OsKeyring;
use arbeidsflate_core::{Profile, Workspace};
use arbeidsflate_model::view::{AppInfo, EnvironmentKind};
use arbeidsflate_model::{AppError, ErrorCode};
use clock::SharedClock;
use helseid::{SystemBrowser, UrlOpener, WriteToFile};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::PoisonError;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

const OUTBOX_INTERVAL_SECONDS: u64 = 30;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    profile: Option<Profile>,
    info: AppInfo,
    opener: Arc<dyn UrlOpener>,
    /// The run's clock (the system's; a debug build's may start elsewhere).
    clock: SharedClock,
    environment: OnceCell<(Arc<Workspace>, Option<sandbox::Sandbox>)>,
    pending_sign_in: Mutex<Option<tokio::task::AbortHandle>>,
    /// The running sync's cancel flag.
    sync_cancel: Mutex<Arc<AtomicBool>>,
    data_dir: std::path::PathBuf,
}

pub fn opener_from(spec: &str) -> Result<Arc<dyn UrlOpener>, String> {
    match spec.split_once(':') {
        None if spec == "system" => Ok(Arc::new(SystemBrowser)),
        Some(("file", path)) if !path.is_empty() => Ok(Arc::new(WriteToFile(path.into()))),
        _ => Err(format!("expected `system` or `file:PATH`, got `{spec}`")),
    }
}

/// The profile's idle lock in seconds. Sandbox and test profiles (and no profile)
/// may shorten it with `ARBEIDSFLATE_IDLE_LOCK_SECONDS`, so tests need not wait minutes.
fn idle_lock_seconds(profile: Option<&Profile>) -> u32 {
    let configured = profile.map(|p| p.session.idle_lock_minutes).unwrap_or(15) * 60;
    let may_override = profile.is_none_or(Profile::allows_test_login);
    std::env::var("ARBEIDSFLATE_IDLE_LOCK_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|s| may_override && *s > 0)
        .unwrap_or(configured)
}

impl AppState {
    pub fn new(
        profile: Option<Profile>,
        opener: Arc<dyn UrlOpener>,
        data_dir: std::path::PathBuf,
        clock: SharedClock,
    ) -> Self {
        let info = AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            environment_name: profile
                .as_ref()
                .map(|p| p.environment.name.clone())
                .unwrap_or_else(|| "Sandkasse".into()),
            environment_kind: profile.as_ref().map(|p| p.environment.kind).unwrap_or(EnvironmentKind::Sandbox),
            idle_lock_seconds: idle_lock_seconds(profile.as_ref()),
            minimum_version: profile.as_ref().and_then(|p| p.updates.minimum_version.clone()),
            update_required: profile.as_ref().is_some_and(|p| p.updates.update_required()),
            // Whole seconds: the system's clock gives 0, a debug build's moved clock its lead.
            clock_offset_ms: (clock.now() - chrono::Utc::now()).num_seconds() * 1000,
        };
        Self(Arc::new(Inner {
            profile,
            info,
            opener,
            clock,
            environment: OnceCell::new(),
            pending_sign_in: Mutex::new(None),
            sync_cancel: Mutex::default(),
            data_dir,
        }))
    }

    pub fn info(&self) -> AppInfo {
        self.0.info.clone()
    }

    /// The workspace, once the environment is up (the sandbox starts on first use).
    pub async fn workspace(&self) -> Result<Arc<Workspace>, AppError> {
        let (ws, _) = self
            .0
            .environment
            .get_or_try_init(|| async {
                let env = match &self.0.profile {
                    Some(p) => Environment { profile: p.clone(), sandbox: None, clock: self.0.clock.clone() },
                    None => resolve_environment_with(None, self.0.clock.clone())
                        .await
                        .map_err(|e| AppError::new(ErrorCode::ServiceUnavailable, e))?,
                };
                let keys = Arc::new(OsKeyring::new(KEYRING_SERVICE));
                let ws = Workspace::new(env.profile, keys)
                    .with_data_dir(self.0.data_dir.clone())
                    .with_clock(env.clock.clone());
                ws.apply_wipe_flag()?;
                Ok::<_, AppError>((Arc::new(ws), env.sandbox))
            })
            .await?;
        Ok(ws.clone())
    }

    /// The workspace if the environment has started; nobody can be signed in before.
    pub fn started_workspace(&self) -> Option<Arc<Workspace>> {
        self.0.environment.get().map(|(ws, _)| ws.clone())
    }

    /// Sends the outbox every half minute while someone is signed in: queued writes
    /// leave as soon as the network is back, and the online state follows.
    pub fn keep_outbox_moving(&self) {
        let state = self.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(OUTBOX_INTERVAL_SECONDS)).await;
                let Some(ws) = state.started_workspace() else { continue };
                if ws.clinician().await.is_none() || ws.is_locked() {
                    continue;
                }
                if let Err(e) = ws.drain_outbox().await {
                    if e.code != ErrorCode::OfflineUnavailable {
                        tracing::warn!(code = ?e.code, "sending the outbox failed");
                    }
                }
            }
        });
    }

    /// Starts the environment in the background, once.
    pub fn warm_up(&self) {
        if self.0.environment.initialized() {
            return;
        }
        let state = self.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = state.workspace().await {
                tracing::error!(code = ?e.code, "environment failed to start");
            }
        });
    }

    pub fn opener(&self) -> Arc<dyn UrlOpener> {
        self.0.opener.clone()
    }

    /// A fresh cancel flag for a new sync (a previous one is cancelled).
    pub fn new_sync_cancel(&self) -> Arc<AtomicBool> {
        let fresh = Arc::new(AtomicBool::new(false));
        let previous =
            std::mem::replace(&mut *self.0.sync_cancel.lock().unwrap_or_else(PoisonError::into_inner), fresh.clone());
        previous.store(true, Ordering::SeqCst);
        fresh
    }

    pub fn cancel_sync(&self) {
        self.0.sync_cancel.lock().unwrap_or_else(PoisonError::into_inner).store(true, Ordering::SeqCst);
    }

    pub fn set_pending_sign_in(&self, handle: Option<tokio::task::AbortHandle>) {
        let previous =
            std::mem::replace(&mut *self.0.pending_sign_in.lock().unwrap_or_else(PoisonError::into_inner), handle);
        if let Some(p) = previous {
            p.abort();
        }
    }
}
