//! Technical logs: a daily-rotated file in the OS log directory, seven days kept.
//! Only our own crates log at info; nothing logged may identify a patient (the
//! code logs counts and codes, never names, numbers or clinical text).

use std::path::PathBuf;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// `$ARBEIDSFLATE_LOG_DIR`, else the OS state/log directory.
pub fn log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ARBEIDSFLATE_LOG_DIR") {
        return PathBuf::from(dir);
    }
    dirs::state_dir().or_else(dirs::data_local_dir).unwrap_or_else(std::env::temp_dir).join("arbeidsflate").join("logs")
}

pub fn init(desktop: bool) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("arbeidsflate", LevelFilter::INFO)
        .with_target("arbeidsflate_core", LevelFilter::INFO)
        .with_target("helseid", LevelFilter::INFO)
        .with_target("sources", LevelFilter::INFO)
        .with_target("sandbox", LevelFilter::INFO);
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
