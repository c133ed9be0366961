//! Offline shifts as the UI sees them: whether the cache works, preparing it (sync),
//! writes to record and the outbox of writes waiting for the platform.

use crate::overview::SourceKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Why this session has no offline cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "OfflineUnavailable.ts")]
pub enum OfflineUnavailable {
    /// The OS keyring cannot hold the cache's key: no cache rather than one in clear.
    NoKeyring,
    /// The deployment profile turns offline use off (or IT wiped it).
    Disabled,
    /// The cache cannot be read and held unsent writes; the user must decide.
    Unreadable,
    /// Another Arbeidsflate window already uses the cache.
    InUse,
    /// Anything else (disk full, permissions): the detail says what.
    Failed,
}

/// The cache and the outbox, for the status line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "OfflineStatus.ts")]
pub struct OfflineStatus {
    /// Whether the platform answered the last time it was asked.
    pub online: bool,
    pub cache_available: bool,
    pub unavailable: Option<OfflineUnavailable>,
    /// Technical detail for an unavailable cache; never patient data.
    pub detail: Option<String>,
    /// RFC 3339; when the worklist was last prepared for offline use.
    pub last_sync: Option<String>,
    pub cached_patients: u32,
    /// Writes waiting (queued, failed or in conflict).
    pub unsent: u32,
    pub failed: u32,
    pub conflicts: u32,
    /// Set when the cache had to be made anew this session: what was lost, in short.
    pub recreated: Option<String>,
}

/// How far a sync has come: patients done of the total, and the source being read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "SyncProgress.ts")]
pub struct SyncProgress {
    pub done: u32,
    pub total: u32,
    pub source: Option<SourceKind>,
}

/// One source's share of a sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "SourceSync.ts")]
pub struct SourceSync {
    pub source: SourceKind,
    /// Resources (platform) or answers (national services) stored.
    pub items: u32,
    /// JSON bytes stored.
    pub bytes: u64,
    /// Time spent asking this source, summed over the patients.
    pub elapsed_ms: u64,
    /// Patients this source failed for (their earlier cache is kept).
    pub failed: u32,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "SyncReport.ts")]
pub struct SyncReport {
    pub patients: u32,
    pub sources: Vec<SourceSync>,
    /// Patients no longer on the worklist whose cache was removed.
    pub purged: u32,
    pub elapsed_ms: u64,
    pub database_bytes: u64,
    pub cancelled: bool,
    /// Whether this sync asked only for changes since the last one.
    pub incremental: bool,
    /// Records of the platform that could not be kept, by type and reason.
    #[serde(default)]
    pub unreadable: Vec<crate::partial::Unreadable>,
}

/// Level of consciousness, ACVPU (NEWS2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "Consciousness.ts")]
pub enum Consciousness {
    Alert,
    NewConfusion,
    Voice,
    Pain,
    Unresponsive,
}

/// A set of vital signs as the clinician enters it; at least one value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "VitalsEntry.ts")]
pub struct VitalsEntry {
    pub respiratory_rate: Option<f64>,
    pub spo2: Option<f64>,
    pub systolic_bp: Option<f64>,
    pub diastolic_bp: Option<f64>,
    pub pulse: Option<f64>,
    pub temperature: Option<f64>,
    pub consciousness: Option<Consciousness>,
}

/// What a write records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "WriteKind.ts")]
pub enum WriteKind {
    Vitals,
    Note,
    TaskCompleted,
    VisitCompleted,
    /// A resource another supplier's app saved for the patient (SMART launch).
    App,
    /// A decision-support suggestion the clinician confirmed.
    Suggestion,
    /// What the clinician did with a decision-support card, told to its service.
    Feedback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "OutboxState.ts")]
pub enum OutboxItemState {
    /// Waiting to be sent (again).
    Queued,
    /// Refused by the platform; retry or discard.
    Failed,
    /// The platform has a newer version; the clinician chooses.
    Conflict,
}

/// Both sides of a conflict, in short, for the clinician to choose between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "ConflictView.ts")]
pub struct ConflictView {
    pub mine: String,
    pub theirs: String,
    /// RFC 3339; when the platform's version was written.
    pub their_updated: Option<String>,
}

/// A write waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "OutboxItem.ts")]
pub struct OutboxItem {
    pub id: i64,
    pub kind: WriteKind,
    pub created_at: String,
    pub summary: String,
    /// The platform's id of the patient the write concerns.
    pub patient_ref: String,
    pub state: OutboxItemState,
    pub attempts: u32,
    /// Why the last try failed; for support, not translated.
    pub last_error: Option<String>,
    pub conflict: Option<ConflictView>,
}

/// How the clinician settles a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "ConflictChoice.ts")]
pub enum ConflictChoice {
    /// Apply my change on top of the platform's version.
    KeepMine,
    /// Drop my change; the platform's version stands.
    TakeTheirs,
}

/// What happened to a write just recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "WriteReceipt.ts")]
pub struct WriteReceipt {
    pub outbox_id: i64,
    /// Whether the platform already confirmed it (online); otherwise it waits in the outbox.
    pub sent: bool,
}
