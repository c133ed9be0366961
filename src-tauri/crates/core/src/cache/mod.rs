//! The user's encrypted cache (opened at sign-in): the patients' records kept for use
//! without a network and the sync that fills them, the view read from it, and the
//! access log kept in it and shipped as AuditEvents. The writes queued in it are the
//! outbox's (`crate::outbox`).

pub mod access_log;
pub mod instance;
pub mod reader;
pub mod record;
pub(crate) mod record_sync;

use crate::keystore::{load_or_create_master_key, SecretStore};
use crate::profile::OfflineSettings;
use arbeidsflate_model::offline::OfflineUnavailable;
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::{Opened, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

/// The cache's name for the municipal platform's resources.
pub(crate) const MUNICIPAL: &str = "municipal";

/// Where Arbeidsflate keeps its per-user data: the OS's local data directory
/// (`$XDG_DATA_HOME/arbeidsflate`, by default `~/.local/share/arbeidsflate`, on Linux;
/// `%LOCALAPPDATA%\arbeidsflate` on Windows, never the roaming profile, which would
/// copy the encrypted cache to the municipality's file servers at every sign-out).
pub fn default_data_dir() -> PathBuf {
    dirs::data_local_dir().unwrap_or_else(std::env::temp_dir).join("arbeidsflate")
}

/// The signed-in user's cache. The connection is used from one task at a time.
pub struct LocalCache {
    store: std::sync::Mutex<Store>,
}

impl LocalCache {
    /// Runs `f` on the store; a store error becomes an error the UI can translate.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, AppError> {
        let store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        f(&store).map_err(from_store)
    }
}

/// The cache this session has, or why it has none.
pub(crate) enum LocalState {
    Ready { cache: std::sync::Arc<LocalCache>, recreated: Option<String> },
    Unavailable { why: OfflineUnavailable, detail: String },
}

impl LocalState {
    pub(crate) fn cache(&self) -> Option<&std::sync::Arc<LocalCache>> {
        match self {
            LocalState::Ready { cache, .. } => Some(cache),
            LocalState::Unavailable { .. } => None,
        }
    }
}

/// Opens the user's cache with the master key from the keyring. No keyring, or
/// offline use turned off, means no cache, never one in clear.
pub(crate) fn open_local(
    data_dir: &Path,
    user_pid: &str,
    keys: &dyn SecretStore,
    settings: &OfflineSettings,
) -> LocalState {
    if !settings.enabled || settings.wipe {
        return LocalState::Unavailable {
            why: OfflineUnavailable::Disabled,
            detail: "turned off in the profile".into(),
        };
    }
    let master = match load_or_create_master_key(keys, user_pid) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(code = ?e.code, "no offline cache: the keyring cannot hold its key");
            return LocalState::Unavailable { why: OfflineUnavailable::NoKeyring, detail: e.detail };
        }
    };
    match Store::open(data_dir, user_pid, &master) {
        Ok((store, opened)) => {
            let recreated = match opened {
                Opened::Recreated { reason, salvaged } => {
                    tracing::warn!(salvaged, "the offline cache was made anew");
                    Some(format!("{reason}; {salvaged} unsent item(s) kept"))
                }
                _ => None,
            };
            LocalState::Ready {
                cache: std::sync::Arc::new(LocalCache { store: std::sync::Mutex::new(store) }),
                recreated,
            }
        }
        Err(e @ StoreError::UnsentWritesUnreadable { .. }) => {
            LocalState::Unavailable { why: OfflineUnavailable::Unreadable, detail: e.to_string() }
        }
        Err(e) => LocalState::Unavailable { why: OfflineUnavailable::Failed, detail: e.to_string() },
    }
}

/// Recreates an unreadable cache after the user accepted losing its unsent writes.
pub(crate) fn recreate_local(data_dir: &Path, user_pid: &str, keys: &dyn SecretStore) -> LocalState {
    let master = match load_or_create_master_key(keys, user_pid) {
        Ok(m) => m,
        Err(e) => return LocalState::Unavailable { why: OfflineUnavailable::NoKeyring, detail: e.detail },
    };
    match Store::recreate(data_dir, user_pid, &master) {
        Ok(store) => LocalState::Ready {
            cache: std::sync::Arc::new(LocalCache { store: std::sync::Mutex::new(store) }),
            recreated: Some("recreated at the user's request; unsent writes were lost".into()),
        },
        Err(e) => LocalState::Unavailable { why: OfflineUnavailable::Failed, detail: e.to_string() },
    }
}

/// Removes every user's cache on this machine (IT's wipe flag), keys or no keys.
pub fn wipe_all(data_dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(data_dir.join("users")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

pub(crate) fn from_store(e: StoreError) -> AppError {
    let disk_full = match &e {
        StoreError::Io(io) => io.raw_os_error() == Some(28),
        StoreError::Sqlite(rusqlite_error) => rusqlite_error.to_string().contains("full"),
        _ => false,
    };
    if disk_full {
        return AppError::new(ErrorCode::DiskFull, "the disk is full; nothing was changed");
    }
    AppError::new(ErrorCode::Internal, format!("offline cache: {e}"))
}
