//! Errors as the UI sees them: a stable code it translates, and a technical detail
//! that never contains patient data.

use serde::Serialize;
use ts_rs::TS;

/// Stable error codes. The UI's catalogues hold one message per code
/// (`error.<code>`), so renaming a variant is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "ErrorCode.ts")]
pub enum ErrorCode {
    /// Not signed in, or the session has ended.
    NotSignedIn,
    /// The sign-in can no longer be renewed: sign in again; the screen is kept.
    SessionExpired,
    /// The screen is locked after inactivity: sign in again to unlock.
    Locked,
    /// The user closed or cancelled the sign-in in the browser.
    SignInCancelled,
    /// The sign-in did not complete in time.
    SignInTimedOut,
    /// The identity provider answered something we must not accept.
    SignInRejected,
    /// A service could not be reached.
    ServiceUnavailable,
    /// A service answered with an error or with content we could not read.
    ServiceError,
    /// The patient is not on the worklist or does not exist.
    PatientNotFound,
    /// More than one patient has this national identity number (on the worklist or
    /// the platform): which one is meant cannot be known, so none is opened.
    AmbiguousPatient,
    /// The patient is not on the clinician's worklist: a basis must be stated first.
    AccessBasisRequired,
    /// Emergency access needs a written reason.
    AccessReasonRequired,
    /// The document cannot be opened (unsafe address, or content not as declared).
    DocumentUnavailable,
    /// A national identity number failed validation.
    InvalidNationalId,
    /// The deployment profile is invalid.
    InvalidProfile,
    /// The OS keyring is missing or locked.
    KeyringUnavailable,
    /// Fastlegeregisteret's service user is not in the keyring (or is unreadable there).
    GpRegisterCredentials,
    /// Offline, and the patient is not in the offline cache (only the worklist is).
    NotCached,
    /// There is no offline cache this session (the detail says why).
    OfflineUnavailable,
    /// This would lose writes not yet sent: the user must confirm first.
    UnsentWrites,
    /// A value entered is not accepted (the detail says which).
    InvalidInput,
    /// Arbeidsflate is already running for this data directory.
    AlreadyRunning,
    /// The disk is full: what was being saved was not saved, nothing else changed.
    DiskFull,
    /// IT requires a newer version of Arbeidsflate: no patient data until it is updated.
    UpdateRequired,
    /// The update server could not be reached (network, TLS, or it answered an error).
    UpdateUnreachable,
    /// The update server answered something that is not an update feed, or nothing for this machine.
    UpdateFeedInvalid,
    /// The downloaded update does not match its signature: altered or damaged on the way.
    UpdateSignatureInvalid,
    /// The update is signed, but not with the key this build trusts.
    UpdateUntrustedKey,
    /// The feed announced one version and the signature is for another (a replayed old release).
    UpdateVersionMismatch,
    /// The feed offers a version older than the running one; it is never installed.
    UpdateDowngrade,
    /// The verified update could not be installed (cancelled, no rights, or the installer failed).
    UpdateInstallFailed,
    /// The app is not in the catalogue for this user's role, or cannot be launched now.
    AppNotAvailable,
    /// Anything else; the detail says what.
    Internal,
}

/// The error type every IPC command returns.
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[ts(export_to = "AppError.ts")]
#[error("{code:?}: {detail}")]
pub struct AppError {
    pub code: ErrorCode,
    /// Technical detail for support; never patient data.
    pub detail: String,
}

impl AppError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self { code, detail: detail.into() }
    }
}
