//! What the window's commands share: the environment, the workspace and the
//! pending sign-in.

use crate::environment::{resolve_environment, Environment, KEYRING_SERVICE};
use arbeidsflate_core::keystore::OsKeyring;
use arbeidsflate_core::{Profile, Workspace};
use arbeidsflate_model::view::{AppInfo, EnvironmentKind};
use arbeidsflate_model::{AppError, ErrorCode};
use helseid::{SystemBrowser, UrlOpener, WriteToFile};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    profile: Option<Profile>,
    info: AppInfo,
    opener: Arc<dyn UrlOpener>,
    environment: OnceCell<(Arc<Workspace>, Option<sandbox::Sandbox>)>,
    pending_sign_in: Mutex<Option<tokio::task::AbortHandle>>,
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
    pub fn new(profile: Option<Profile>, opener: Arc<dyn UrlOpener>) -> Self {
        let info = AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            environment_name: profile
                .as_ref()
                .map(|p| p.environment.name.clone())
                .unwrap_or_else(|| "Sandkasse".into()),
            environment_kind: profile.as_ref().map(|p| p.environment.kind).unwrap_or(EnvironmentKind::Sandbox),
            idle_lock_seconds: idle_lock_seconds(profile.as_ref()),
        };
        Self(Arc::new(Inner { profile, info, opener, environment: OnceCell::new(), pending_sign_in: Mutex::new(None) }))
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
                    Some(p) => Environment { profile: p.clone(), sandbox: None },
                    None => {
                        resolve_environment(None).await.map_err(|e| AppError::new(ErrorCode::ServiceUnavailable, e))?
                    }
                };
                let keys = Arc::new(OsKeyring::new(KEYRING_SERVICE));
                Ok::<_, AppError>((Arc::new(Workspace::new(env.profile, keys)), env.sandbox))
            })
            .await?;
        Ok(ws.clone())
    }

    /// The workspace if the environment has started; nobody can be signed in before.
    pub fn started_workspace(&self) -> Option<Arc<Workspace>> {
        self.0.environment.get().map(|(ws, _)| ws.clone())
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

    pub fn set_pending_sign_in(&self, handle: Option<tokio::task::AbortHandle>) {
        let previous = std::mem::replace(&mut *self.0.pending_sign_in.lock().unwrap(), handle);
        if let Some(p) = previous {
            p.abort();
        }
    }
}
