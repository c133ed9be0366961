//! Signed updates as the UI shows them.

use crate::AppError;
use serde::Serialize;
use ts_rs::TS;

/// Where the app stands with updates. A refusal is only a notice: the running version
/// keeps working.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export_to = "UpdateStatus.ts")]
pub enum UpdateStatus {
    /// The profile names no update feed.
    Off,
    /// Asking the feed, or downloading and verifying what it offers.
    Checking,
    /// The feed offers nothing newer.
    UpToDate { checked_at: String },
    /// A newer version is downloaded and its signature verified; the user installs it.
    Ready { version: String, notes: Option<String>, checked_at: String },
    /// The update was refused or the feed could not be used; `offered` is the version
    /// the feed named, when it named one.
    Refused { error: AppError, offered: Option<String>, checked_at: String },
}
