//! The IPC commands: thin adapters from the window to the workspace. The UI never
//! sees tokens, keys or raw HTTP; it gets typed views and `AppError`s.

use super::state::AppState;
use super::updates::Updates;
use arbeidsflate_core::aggregate::{Concurrency, PartSink};
use arbeidsflate_core::CardUse;
use arbeidsflate_model::apps::CatalogueApp;
use arbeidsflate_model::cds::CardLinkKind;
use arbeidsflate_model::history::{VitalsHistory, VitalsPeriod};
use arbeidsflate_model::layout::{LayoutItem, WorkspaceLayout};
use arbeidsflate_model::offline::{
    ConflictChoice, OfflineStatus, OutboxItem, SyncProgress, SyncReport, VitalsEntry, WriteReceipt,
};
use arbeidsflate_model::overview::{AccessRequest, DocumentView, OverviewEvent, PatientTarget, SourceStatus};
use arbeidsflate_model::update::UpdateStatus;
use arbeidsflate_model::view::{AppInfo, Clinician, PatientSignals, Worklist};
use arbeidsflate_model::{AppError, ErrorCode};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

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
        let clinician =
            if again { ws.sign_in_again(opener.as_ref()).await } else { ws.sign_in(opener.as_ref()).await }?;
        // Apps and decision-support services read through it; without it they still work
        // (services get their prefetch), so a failure is logged, not shown.
        if let Err(e) = ws.start_app_host().await {
            tracing::warn!(code = ?e.code, "the app host did not start");
        }
        Ok(clinician)
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
pub async fn lock_session(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    state.workspace().await?.lock();
    super::app_windows::close_all(&app);
    Ok(())
}

/// Stops a sign-in waiting for the browser; `sign_in` then answers `sign_in_cancelled`.
#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) {
    state.set_pending_sign_in(None);
}

/// Who is signed in. Answers at once while the environment is still starting (the
/// sandbox generates its world then): nobody can be signed in yet, and the sign-in
/// screen should not wait for it.
#[tauri::command]
pub async fn current_clinician(state: State<'_, AppState>) -> Result<Option<Clinician>, AppError> {
    match state.started_workspace() {
        Some(ws) => Ok(ws.clinician().await),
        None => Ok(None),
    }
}

/// The signed-in clinician's ward list or today's route.
#[tauri::command]
pub async fn worklist(state: State<'_, AppState>) -> Result<Worklist, AppError> {
    state.workspace().await?.worklist().await
}

/// Opens a patient: the view's parts arrive on `on_part` as the sources answer; the
/// command ends with every source's final status. Anyone off the worklist needs
/// `access` (`access_basis_required` says so).
#[tauri::command]
pub async fn open_patient(
    app: AppHandle,
    state: State<'_, AppState>,
    target: PatientTarget,
    access: Option<AccessRequest>,
    on_part: Channel<OverviewEvent>,
) -> Result<Vec<SourceStatus>, AppError> {
    // Apps launched for the patient open before belong to that patient.
    super::app_windows::close_all(&app);
    let seq = AtomicU32::new(0);
    let sink: PartSink = Arc::new(move |parts| {
        let emitted_at_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        let event = OverviewEvent { seq: seq.fetch_add(1, Ordering::Relaxed), emitted_at_ms, parts };
        // The page may have moved on (another patient, the lock); its channel is gone then.
        let _ = on_part.send(event);
    });
    state.workspace().await?.open_patient_view(&target, access.as_ref(), Concurrency::Parallel, sink).await
}

/// Opens a listed document of the open patient for the in-app viewer.
#[tauri::command]
pub async fn open_document(state: State<'_, AppState>, id: u32) -> Result<DocumentView, AppError> {
    state.workspace().await?.open_document(id).await
}

/// Answers `unsent_writes` while writes wait in the outbox; see `sign_out_discarding`.
#[tauri::command]
pub async fn sign_out(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    super::app_windows::close_all(&app);
    let opener = state.opener();
    state.workspace().await?.sign_out(Some(opener.as_ref())).await
}

/// The offline cache and the outbox, for the status line.
#[tauri::command]
pub async fn offline_status(state: State<'_, AppState>) -> Result<OfflineStatus, AppError> {
    state.workspace().await?.offline_status().await
}

/// Prepares the worklist for offline use; progress arrives on `on_progress`.
#[tauri::command]
pub async fn sync_worklist(
    state: State<'_, AppState>,
    on_progress: Channel<SyncProgress>,
) -> Result<SyncReport, AppError> {
    let cancel = state.new_sync_cancel();
    let result = state
        .workspace()
        .await?
        .sync(
            move |p| {
                let _ = on_progress.send(p);
            },
            &cancel,
        )
        .await;
    if let Err(e) = &result {
        tracing::warn!(code = ?e.code, "sync failed");
    }
    result
}

/// Stops a running sync between two steps; what is stored stays.
#[tauri::command]
pub fn cancel_sync(state: State<'_, AppState>) {
    state.cancel_sync();
}

/// Records vital signs for a worklist patient (queued when offline); `invalid_input`
/// names the field that is out of range.
#[tauri::command]
pub async fn record_vitals(
    state: State<'_, AppState>,
    patient_ref: String,
    vitals: VitalsEntry,
) -> Result<WriteReceipt, AppError> {
    state.workspace().await?.record_vitals(&patient_ref, &vitals).await
}

/// Records a nursing note for a worklist patient (queued when offline).
#[tauri::command]
pub async fn record_note(
    state: State<'_, AppState>,
    patient_ref: String,
    text: String,
) -> Result<WriteReceipt, AppError> {
    state.workspace().await?.record_note(&patient_ref, &text).await
}

/// Marks a patient's care task as done (queued when offline).
#[tauri::command]
pub async fn complete_task(
    state: State<'_, AppState>,
    patient_ref: String,
    task_id: String,
) -> Result<WriteReceipt, AppError> {
    state.workspace().await?.complete_task(&patient_ref, &task_id).await
}

/// Marks a visit on today's route as carried out; `invalid_input` if it already is.
#[tauri::command]
pub async fn complete_visit(state: State<'_, AppState>, visit_id: String) -> Result<WriteReceipt, AppError> {
    state.workspace().await?.complete_visit(&visit_id).await
}

/// Fetches a worklist patient's attested HelseID tokens ahead of opening them; what
/// became of it is the backend's business (busy, throttled, already prepared).
#[tauri::command]
pub async fn prepare_patient(state: State<'_, AppState>, patient_ref: String) -> Result<(), AppError> {
    state.workspace().await?.prepare_patient(&patient_ref).await.map(|_| ())
}

/// The writes that wait to be sent, failed, or conflict with a newer version.
#[tauri::command]
pub async fn outbox(state: State<'_, AppState>) -> Result<Vec<OutboxItem>, AppError> {
    state.workspace().await?.outbox_items().await
}

/// Sends a failed or held write again.
#[tauri::command]
pub async fn retry_write(state: State<'_, AppState>, id: i64) -> Result<(), AppError> {
    state.workspace().await?.retry_write(id).await
}

/// Drops a queued write; the UI has asked the user first.
#[tauri::command]
pub async fn discard_write(state: State<'_, AppState>, id: i64) -> Result<(), AppError> {
    state.workspace().await?.discard_write(id).await
}

/// Settles a write that met a newer version on the platform: apply mine on top, or take theirs.
#[tauri::command]
pub async fn resolve_conflict(state: State<'_, AppState>, id: i64, choice: ConflictChoice) -> Result<(), AppError> {
    state.workspace().await?.resolve_conflict(id, choice).await
}

/// Makes an unreadable cache anew; the UI has warned that its unsent writes are lost.
#[tauri::command]
pub async fn recreate_cache(state: State<'_, AppState>) -> Result<(), AppError> {
    state.workspace().await?.recreate_cache().await
}

/// Signs out with unsent writes, after the user confirmed they may be lost.
#[tauri::command]
pub async fn sign_out_discarding(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    super::app_windows::close_all(&app);
    let opener = state.opener();
    state.workspace().await?.sign_out_discarding(Some(opener.as_ref())).await
}

/// The patient overview's layout for the signed-in clinician.
#[tauri::command]
pub async fn layout(state: State<'_, AppState>) -> Result<WorkspaceLayout, AppError> {
    state.workspace().await?.layout().await
}

/// Saves the clinician's arrangement; `invalid_input` if it breaks IT's locks.
#[tauri::command]
pub async fn save_layout(state: State<'_, AppState>, items: Vec<LayoutItem>) -> Result<WorkspaceLayout, AppError> {
    state.workspace().await?.save_layout(items).await
}

/// Back to the role's default layout.
#[tauri::command]
pub async fn reset_layout(state: State<'_, AppState>) -> Result<WorkspaceLayout, AppError> {
    state.workspace().await?.reset_layout().await
}

/// The open patient's vital signs over a period, for the chart.
#[tauri::command]
pub async fn vitals_history(state: State<'_, AppState>, period: VitalsPeriod) -> Result<VitalsHistory, AppError> {
    state.workspace().await?.vitals_history(period).await
}

/// NEWS2, open tasks, new documents and offline readiness per worklist patient, from the cache.
#[tauri::command]
pub async fn worklist_signals(state: State<'_, AppState>) -> Result<Vec<PatientSignals>, AppError> {
    state.workspace().await?.worklist_signals().await
}

/// Where the app stands with signed updates (polled by the window).
#[tauri::command]
pub fn update_status(updates: State<'_, Updates>) -> UpdateStatus {
    updates.status()
}

/// Installs the downloaded and verified update, then restarts into it. Off the main
/// thread: the package tool may wait for an administrator to authenticate.
#[tauri::command]
pub async fn install_update<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    updates: State<'_, Updates>,
) -> Result<(), AppError> {
    let updates = updates.inner().clone();
    let result = tokio::task::spawn_blocking(move || updates.install(&app))
        .await
        .unwrap_or_else(|_| Err(AppError::new(ErrorCode::UpdateInstallFailed, "the installing task failed")));
    result.inspect_err(|e| tracing::warn!(code = ?e.code, "update not installed"))
}

/// The catalogue's apps for the signed-in clinician's role.
#[tauri::command]
pub async fn catalogue_apps(state: State<'_, AppState>) -> Result<Vec<CatalogueApp>, AppError> {
    Ok(state.workspace().await?.apps().await?.iter().map(|a| a.listing()).collect())
}

/// Launches an app for the open patient: in a window of its own (no IPC; only its
/// origin), or in the system browser where the catalogue says so.
#[tauri::command]
pub async fn launch_app(app: AppHandle, state: State<'_, AppState>, app_id: String) -> Result<(), AppError> {
    let ws = state.workspace().await?;
    let launched = ws.launch_app(&app_id).await?;
    let iss = ws.smart_iss().unwrap_or_default();
    let opener = state.opener();
    super::app_windows::open(&app, &launched, &iss, opener.as_ref()).await
}

/// Opens link `index` of the open patient's decision-support card `card_id`: a web page
/// in the system browser, a SMART link as the catalogue's app for the patient. Found by
/// card and index in what the service sent, never by an address from the page.
#[tauri::command]
pub async fn open_card_link(
    app: AppHandle,
    state: State<'_, AppState>,
    card_id: String,
    index: u32,
) -> Result<(), AppError> {
    let ws = state.workspace().await?;
    let link = ws.card_link(&card_id, index as usize)?;
    let opener = state.opener();
    match (link.kind, link.app_id) {
        (CardLinkKind::Absolute, _) => opener
            .open(&link.url)
            .await
            .map_err(|e| AppError::new(ErrorCode::ServiceUnavailable, format!("the browser could not be opened: {e}"))),
        (CardLinkKind::Smart, Some(app_id)) => {
            let launched = ws.launch_app_with(&app_id, link.app_context).await?;
            let iss = ws.smart_iss().unwrap_or_default();
            super::app_windows::open(&app, &launched, &iss, opener.as_ref()).await
        }
        (CardLinkKind::Smart, None) => {
            Err(AppError::new(ErrorCode::AppNotAvailable, "the link's app is not in the catalogue"))
        }
    }
}

/// Applies suggestion `suggestion_id` of the open patient's card `card_id`, which the
/// clinician has confirmed: its resources go through the outbox and the service is told.
#[tauri::command]
pub async fn accept_suggestion(
    state: State<'_, AppState>,
    card_id: String,
    suggestion_id: String,
) -> Result<WriteReceipt, AppError> {
    let used = CardUse::Accept { suggestion_id: &suggestion_id };
    state.workspace().await?.use_card(&card_id, used).await
}

/// Dismisses the open patient's card `card_id` for today, with one of the card's own
/// reasons (`reason_code`) and a comment if given; the service is told.
#[tauri::command]
pub async fn dismiss_card(
    state: State<'_, AppState>,
    card_id: String,
    reason_code: Option<String>,
    comment: Option<String>,
) -> Result<WriteReceipt, AppError> {
    let used = CardUse::Dismiss { reason_code: reason_code.as_deref(), comment: comment.as_deref() };
    state.workspace().await?.use_card(&card_id, used).await
}
