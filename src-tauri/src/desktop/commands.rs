//! The IPC commands: thin adapters from the window to the workspace. The UI never
//! sees tokens, keys or raw HTTP; it gets typed views and `AppError`s.

use super::state::AppState;
use arbeidsflate_model::view::{AppInfo, Clinician, PatientOverview, Worklist};
use arbeidsflate_model::{AppError, ErrorCode};
use tauri::State;

/// The first call the page makes: it also starts the environment (the sandbox, when
/// there is no profile) now that the window has loaded, so start-up work does not
/// compete with the first paint.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.warm_up();
    state.info()
}

/// Signs in; `again` after a lock or an expired session (HelseID re-authenticates
/// the person, and the UI keeps its screen if it is the same user).
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, again: bool) -> Result<Clinician, AppError> {
    let ws = state.workspace().await?;
    let opener = state.opener();
    let task = tokio::spawn(async move {
        if again {
            ws.sign_in_again(opener.as_ref()).await
        } else {
            ws.sign_in(opener.as_ref()).await
        }
    });
    state.set_pending_sign_in(Some(task.abort_handle()));
    let result = match task.await {
        Ok(r) => r,
        Err(e) if e.is_cancelled() => Err(AppError::new(ErrorCode::SignInCancelled, "cancelled in the app")),
        Err(_) => Err(AppError::new(ErrorCode::Internal, "the sign-in task failed")),
    };
    if let Err(e) = &result {
        tracing::warn!(code = ?e.code, "sign-in failed");
    }
    result
}

/// Locks the screen after inactivity; data commands answer `locked` until sign-in.
#[tauri::command]
pub async fn lock_session(state: State<'_, AppState>) -> Result<(), AppError> {
    state.workspace().await?.lock();
    Ok(())
}

#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) {
    state.set_pending_sign_in(None);
}

#[tauri::command]
pub async fn current_clinician(state: State<'_, AppState>) -> Result<Option<Clinician>, AppError> {
    Ok(state.workspace().await?.clinician().await)
}

#[tauri::command]
pub async fn worklist(state: State<'_, AppState>) -> Result<Worklist, AppError> {
    state.workspace().await?.worklist().await
}

#[tauri::command]
pub async fn open_patient(state: State<'_, AppState>, patient_ref: String) -> Result<PatientOverview, AppError> {
    state.workspace().await?.open_patient(&patient_ref).await
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), AppError> {
    let opener = state.opener();
    state.workspace().await?.sign_out(Some(opener.as_ref())).await
}
