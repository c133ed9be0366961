fn main() {
    // Declaring the app's commands makes Tauri deny each one unless a capability
    // grants it: the window gets exactly the commands it needs.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "app_info",
        "sign_in",
        "cancel_sign_in",
        "lock_session",
        "current_clinician",
        "worklist",
        "open_patient",
        "open_document",
        "sign_out",
        "offline_status",
        "sync_worklist",
        "cancel_sync",
        "record_vitals",
        "record_note",
        "complete_task",
        "complete_visit",
        "prepare_patient",
        "outbox",
        "retry_write",
        "discard_write",
        "resolve_conflict",
        "recreate_cache",
        "sign_out_discarding",
        "layout",
        "save_layout",
        "reset_layout",
        "vitals_history",
        "worklist_signals",
        "update_status",
        "install_update",
    ])))
    .expect("tauri build script");
}
