//! Other suppliers' apps on screen. An app opens in a window of its own, which has no
//! capability (so no IPC at all: the main window's capability names only "main"), loads
//! only the app's registered origin and the workspace's loopback SMART host (for the
//! authorization redirect), and can never navigate the workspace's own window. Or it
//! opens in the system browser, where the catalogue says so. App windows close when the
//! screen locks, the user signs out, or another patient is opened: what they show
//! belongs to the patient and the session they were launched for.

use arbeidsflate_core::LaunchedApp;
use arbeidsflate_model::apps::OpensIn;
use arbeidsflate_model::{AppError, ErrorCode};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// App windows' labels start with this; the main window's capability never names them.
const LABEL_PREFIX: &str = "app-";

/// Opens `launched` where its catalogue entry says, beside the SMART host at `iss`.
pub async fn open<R: Runtime>(
    app: &AppHandle<R>,
    launched: &LaunchedApp,
    iss: &str,
    opener: &dyn helseid::UrlOpener,
) -> Result<(), AppError> {
    let url: url::Url =
        launched.url.parse().map_err(|_| AppError::new(ErrorCode::AppNotAvailable, "bad launch URL"))?;
    if launched.opens_in == OpensIn::Browser {
        opener
            .open(&launched.url)
            .await
            .map_err(|e| AppError::new(ErrorCode::AppNotAvailable, format!("the browser could not be opened: {e}")))?;
        return Ok(());
    }
    // Labels of letters, digits and '-' only, whatever the app's id; a new one per launch,
    // since a closed window's label is released only after it is gone.
    static LAUNCHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let app_prefix: String = format!("{LABEL_PREFIX}{}-", launched.app_id)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
        .collect();
    let label = format!("{app_prefix}{}", LAUNCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    // One window per app: a new launch replaces the one before.
    for (existing, window) in app.webview_windows() {
        if existing.starts_with(&app_prefix) {
            let _ = window.destroy();
        }
    }
    let app_origin = launched.origin.clone();
    let host_origin = url::Url::parse(iss).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    WebviewWindowBuilder::new(app, &label, WebviewUrl::External(url))
        .title(&launched.name)
        .inner_size(900.0, 700.0)
        .on_navigation(move |to| {
            let origin = to.origin().ascii_serialization();
            let allowed = origin == app_origin || origin == host_origin;
            if !allowed {
                tracing::warn!("an app window tried to leave its origin; refused");
            }
            allowed
        })
        .build()
        .map_err(|e| AppError::new(ErrorCode::AppNotAvailable, format!("the app window could not open: {e}")))?;
    Ok(())
}

/// Closes every app window (the lock, sign-out, another patient).
pub fn close_all<R: Runtime>(app: &AppHandle<R>) {
    for (label, window) in app.webview_windows() {
        if label.starts_with(LABEL_PREFIX) {
            let _ = window.destroy();
        }
    }
}
