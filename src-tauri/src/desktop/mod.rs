//! The desktop app: the Tauri window, its state and its commands.

mod commands;
mod state;
pub mod updates;

use arbeidsflate_cli::AppArgs;
use state::AppState;

pub fn run(args: AppArgs) -> i32 {
    // A bad profile, or one IT's machine-wide profile does not allow, stops the app
    // before any window opens, saying why.
    let source = match arbeidsflate_cli::environment::profile_source(args.profile.as_deref()) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("error: {e}");
            tracing::error!("the deployment profile cannot be used");
            return 2;
        }
    };
    let profile = match source.path().map(arbeidsflate_cli::environment::load_profile).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            tracing::error!(field = %e.field, "invalid deployment profile");
            return 2;
        }
    };
    let opener = match state::opener_from(&args.open_url_with) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: --open-url-with: {e}");
            return 2;
        }
    };
    let data_dir = args.data_dir.clone().unwrap_or_else(arbeidsflate_core::cache::default_data_dir);
    // One window per data directory: a second would share the cache and send the outbox twice.
    let _instance = match arbeidsflate_core::cache::instance::InstanceLock::acquire(&data_dir) {
        Ok(lock) => lock,
        Err(e) => {
            eprintln!("error: {}", e.detail);
            tracing::error!(code = ?e.code, "another instance is running");
            return 3;
        }
    };
    let feed_check = profile.as_ref().and_then(|p| {
        let roots = arbeidsflate_core::trust::extra_roots(&p.network.extra_ca_certificates).unwrap_or_default();
        updates::FeedCheck::from_settings(&p.updates, roots).map(|check| (check, p.updates.check_hours))
    });
    let updates = updates::Updates::new(feed_check.is_some());
    let clock = match arbeidsflate_cli::environment::run_clock() {
        Ok(clock) => clock,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let state = AppState::new(profile, opener, data_dir, clock.clone());
    state.keep_outbox_moving();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(state)
        .manage(updates.clone())
        .setup(move |app| {
            if let Some((check, hours)) = feed_check {
                updates.keep_checking(app.handle().clone(), check, hours, clock);
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::sign_in,
            commands::cancel_sign_in,
            commands::lock_session,
            commands::current_clinician,
            commands::worklist,
            commands::open_patient,
            commands::open_document,
            commands::sign_out,
            commands::offline_status,
            commands::sync_worklist,
            commands::cancel_sync,
            commands::record_vitals,
            commands::record_note,
            commands::complete_task,
            commands::complete_visit,
            commands::prepare_patient,
            commands::outbox,
            commands::retry_write,
            commands::discard_write,
            commands::resolve_conflict,
            commands::recreate_cache,
            commands::sign_out_discarding,
            commands::layout,
            commands::save_layout,
            commands::reset_layout,
            commands::vitals_history,
            commands::worklist_signals,
            commands::update_status,
            commands::install_update,
        ])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
