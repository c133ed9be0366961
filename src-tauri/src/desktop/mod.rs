//! The desktop app: the Tauri window, its state and its commands.

mod app_windows;
mod commands;
mod state;
pub mod updates;

use arbeidsflate_cli::AppArgs;

// The list of commands is generated from `commands.rs` (`make bindings`).
include!("command_list.rs");

/// The window's IPC handler for every command in `commands.rs`.
macro_rules! handler {
    ($($command:ident,)*) => {
        tauri::generate_handler![$(commands::$command),*]
    };
}
use state::AppState;

pub fn run(args: AppArgs) -> i32 {
    let profile = match profile_of(&args) {
        Ok(p) => p,
        Err(code) => return code,
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
    let feed_check = profile.as_ref().and_then(|p| Some((updates::FeedCheck::of_profile(p)?, p.updates.check_hours)));
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
        .invoke_handler(for_each_command!(handler))
        .run(context());
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// The run's profile: IT's machine profile, the one given, or none (the sandbox). A bad
/// profile, or one IT's machine-wide profile does not allow, stops the run before any
/// window opens, saying why (the exit code is the error).
fn profile_of(args: &AppArgs) -> Result<Option<arbeidsflate_core::Profile>, i32> {
    let source = arbeidsflate_cli::environment::profile_source(args.profile.as_deref()).map_err(|e| {
        eprintln!("error: {e}");
        tracing::error!("the deployment profile cannot be used");
        2
    })?;
    source.path().map(arbeidsflate_cli::environment::load_profile).transpose().map_err(|e| {
        eprintln!("error: {e}");
        tracing::error!(field = %e.field, "invalid deployment profile");
        2
    })
}

/// The app's Tauri context (its configuration and the UI's assets), made in one place so
/// the assets are embedded once.
fn context() -> tauri::Context {
    tauri::generate_context!()
}
