//! Technical logs: a daily-rotated file in the OS log directory, seven days kept.
//! Only our own crates log at info; nothing logged may identify a patient (the
//! code logs counts and codes, never names, numbers or clinical text).

use arbeidsflate_core::profile::LogLevel;
use std::path::PathBuf;
use std::sync::OnceLock;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;
use tracing_subscriber::{reload, Registry};

/// Changes the level once the profile is read (the log starts before it is).
static LEVEL: OnceLock<reload::Handle<Targets, Registry>> = OnceLock::new();

/// `$ARBEIDSFLATE_LOG_DIR`, else the OS state/log directory.
pub fn log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ARBEIDSFLATE_LOG_DIR") {
        return PathBuf::from(dir);
    }
    dirs::state_dir().or_else(dirs::data_local_dir).unwrap_or_else(std::env::temp_dir).join("arbeidsflate").join("logs")
}

/// Our crates at `ours`; every other library at warnings, whatever IT chooses: their
/// debug lines can carry request URLs, and those can hold identifiers.
fn targets(ours: LevelFilter) -> Targets {
    ["arbeidsflate", "arbeidsflate_core", "helseid", "sources", "sandbox", "arbeidsflate_store"]
        .into_iter()
        .fold(Targets::new().with_default(LevelFilter::WARN), |t, target| t.with_target(target, ours))
}

/// The profile's `[logging] level`.
pub fn set_level(level: LogLevel) {
    let ours = match level {
        LogLevel::Error => LevelFilter::ERROR,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Debug => LevelFilter::DEBUG,
    };
    if let Some(handle) = LEVEL.get() {
        let _ = handle.reload(targets(ours));
    }
}

/// The doctor's line on the technical log: its level and folder, and whether it can be written.
pub fn check(level: LogLevel) -> arbeidsflate_core::doctor::Check {
    let dir = log_dir();
    let probe = dir.join(".doctor-probe");
    let writable = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&probe, b"")).is_ok();
    let _ = std::fs::remove_file(&probe);
    let level = format!("{level:?}").to_lowercase();
    arbeidsflate_core::doctor::Check {
        name: "technical log".into(),
        ok: writable,
        detail: if writable {
            format!("level {level}, daily files kept 7 days in {} (no patient data at any level)", dir.display())
        } else {
            format!("{} cannot be written: set ARBEIDSFLATE_LOG_DIR or fix its permissions", dir.display())
        },
    }
}

pub fn init(desktop: bool) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let (filter, handle) = reload::Layer::new(targets(LevelFilter::INFO));
    let _ = LEVEL.set(handle);
    let dir = log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(if desktop { "arbeidsflate" } else { "arbeidsflate-cli" })
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let file = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false);
    tracing_subscriber::registry().with(file.with_filter(filter)).try_init().ok()?;
    Some(guard)
}
