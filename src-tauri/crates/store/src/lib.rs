//! The encrypted local store: one SQLCipher database per signed-in user. The
//! database key is random and kept only wrapped (AES-256-GCM) by a master key that
//! the caller holds in the OS keyring, so neither key touches disk in clear. A key
//! that no longer opens the database means the cache is recreated, and the caller is
//! told so it can tell the user.

mod access_log;
mod cache;
mod dismissed;
mod envelope;
mod migrations;
mod outbox;
mod salvage;

pub use access_log::{LoggedAccess, Verification};
pub use cache::{epoch_ms, CachedAnswer, Fetched};
pub use dismissed::DismissedCard;
pub use envelope::MasterKey;
pub use migrations::MIGRATIONS;
pub use outbox::{AccessEntry, NewWrite, OutboxEntry, OutboxState, MAX_BACKOFF_MS};

use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local store could not be used: {0}")]
    Io(#[from] std::io::Error),
    #[error("the local database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the local database's key could not be unwrapped")]
    KeyUnwrap,
    /// The database cannot be read and it held writes not yet sent: recreating it
    /// loses them, so the caller must warn the user and call [`Store::recreate`].
    #[error("the local database cannot be read ({reason}) and it held {unsent} unsent write(s)")]
    UnsentWritesUnreadable { unsent: u64, reason: String },
    #[error(
        "the local database was written by a newer version of Arbeidsflate (schema {found}, this one knows {known})"
    )]
    NewerSchema { found: u32, known: u32 },
}

/// How the database was found when it was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    Existing,
    Created,
    /// The previous database could not be opened with the key (lost or wrong master
    /// key, corrupt file); it was removed and a new one made.
    Recreated {
        reason: String,
        /// Unsent writes and access log entries read from the old database and kept.
        salvaged: u64,
    },
}

pub struct Store {
    conn: Connection,
    dir: PathBuf,
}

/// The user's directory under `data_dir`, named by a hash of the user's pid, so the
/// national identity number never appears in a path.
pub fn user_dir(data_dir: &Path, user_pid: &str) -> PathBuf {
    data_dir.join("users").join(user_tag(user_pid))
}

/// A stable name for the user that does not reveal the pid: for paths and keyring entries.
pub fn user_tag(user_pid: &str) -> String {
    let digest = Sha256::digest(format!("arbeidsflate-user:{user_pid}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub(crate) const DATABASE: &str = "cache.db";
pub(crate) const WRAPPED_KEY: &str = "cache.key";
/// How many writes wait in the outbox, kept beside the database (a number, nothing
/// else) so that a database that cannot be read still tells whether writes were lost.
pub(crate) const UNSENT_COUNT: &str = "unsent.count";

impl Store {
    /// Opens (or creates) the user's database and brings its schema up to date. One
    /// that no longer opens is recreated, keeping what can be read of its outbox and
    /// unshipped access log; when unsent writes cannot be read, nothing is removed and
    /// the caller gets [`StoreError::UnsentWritesUnreadable`].
    pub fn open(data_dir: &Path, user_pid: &str, master: &MasterKey) -> Result<(Store, Opened), StoreError> {
        let dir = user_dir(data_dir, user_pid);
        std::fs::create_dir_all(&dir)?;
        restrict(&dir, 0o700)?;
        let existing = dir.join(WRAPPED_KEY).exists() && dir.join(DATABASE).exists();
        if !existing {
            remove_database(&dir)?;
            return Ok((Self::create(&dir, master)?, Opened::Created));
        }
        let failure = match Self::open_existing(&dir, master) {
            Ok(store) => return Ok((store, Opened::Existing)),
            Err(e @ StoreError::NewerSchema { .. }) => return Err(e),
            Err(e) => e,
        };
        tracing::warn!(error = %failure, "the local database could not be opened");
        let salvage = salvage::read(&dir, master);
        let recorded_unsent = salvage::recorded_unsent(&dir);
        if salvage.is_none() && recorded_unsent > 0 {
            return Err(StoreError::UnsentWritesUnreadable { unsent: recorded_unsent, reason: failure.to_string() });
        }
        remove_database(&dir)?;
        let store = Self::create(&dir, master)?;
        let salvaged = match salvage {
            Some(s) => s.restore(&store)?,
            None => 0,
        };
        Ok((store, Opened::Recreated { reason: failure.to_string(), salvaged }))
    }

    /// Opens the user's database if there is one, never creating or recreating it:
    /// for reading a cache with no sign-in, where a cache that will not open must be
    /// left for the next sign-in to deal with.
    pub fn open_if_present(data_dir: &Path, user_pid: &str, master: &MasterKey) -> Result<Option<Store>, StoreError> {
        let dir = user_dir(data_dir, user_pid);
        if !(dir.join(WRAPPED_KEY).exists() && dir.join(DATABASE).exists()) {
            return Ok(None);
        }
        Self::open_existing(&dir, master).map(Some)
    }

    /// Creates the user's database at an earlier schema version, as an earlier release
    /// left it: for the migration tests.
    #[doc(hidden)]
    pub fn create_at_schema(
        data_dir: &Path,
        user_pid: &str,
        master: &MasterKey,
        version: usize,
    ) -> Result<Store, StoreError> {
        let dir = user_dir(data_dir, user_pid);
        std::fs::create_dir_all(&dir)?;
        remove_database(&dir)?;
        let key = envelope::random_key();
        write_private(&dir.join(WRAPPED_KEY), &master.wrap_key(&key))?;
        let conn = connect(&dir.join(DATABASE), &key)?;
        migrations::apply_up_to(&conn, version)?;
        Ok(Store { conn, dir })
    }

    /// A database in clear with the same schema, for pricing SQLCipher in a benchmark.
    /// Only with the `bench-plaintext` feature, which the app never enables.
    #[cfg(feature = "bench-plaintext")]
    pub fn open_plaintext_for_benchmarks(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        let conn = Connection::open(dir.join(DATABASE))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
        migrations::apply(&conn)?;
        Ok(Store { conn, dir: dir.to_path_buf() })
    }

    /// Replaces an unreadable database with an empty one, after the user was told
    /// that its unsent writes are lost.
    pub fn recreate(data_dir: &Path, user_pid: &str, master: &MasterKey) -> Result<Store, StoreError> {
        let dir = user_dir(data_dir, user_pid);
        remove_database(&dir)?;
        Self::create(&dir, master)
    }

    fn open_existing(dir: &Path, master: &MasterKey) -> Result<Store, StoreError> {
        let wrapped = std::fs::read(dir.join(WRAPPED_KEY))?;
        let key = master.unwrap_key(&wrapped).ok_or(StoreError::KeyUnwrap)?;
        let conn = connect(&dir.join(DATABASE), &key)?;
        // The first read fails when the key does not fit the file.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.len() as u32;
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        // A damaged page shows here rather than halfway through a shift.
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(check),
            )));
        }
        migrations::apply(&conn)?;
        Ok(Store { conn, dir: dir.to_path_buf() })
    }

    fn create(dir: &Path, master: &MasterKey) -> Result<Store, StoreError> {
        let key = envelope::random_key();
        let wrapped = master.wrap_key(&key);
        write_private(&dir.join(WRAPPED_KEY), &wrapped)?;
        let conn = connect(&dir.join(DATABASE), &key)?;
        migrations::apply(&conn)?;
        restrict(&dir.join(DATABASE), 0o600)?;
        Ok(Store { conn, dir: dir.to_path_buf() })
    }

    /// Records the outbox's size beside the database. Best effort: the database is
    /// the record; the count only tells, should it become unreadable, what was lost.
    pub(crate) fn record_unsent(&self) {
        let count = self.unsent_count().unwrap_or(0);
        if let Err(e) = write_private(&self.dir.join(UNSENT_COUNT), count.to_string().as_bytes()) {
            tracing::warn!(error = %e, "could not record the outbox size");
        }
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub fn directory(&self) -> &Path {
        &self.dir
    }

    /// Removes the user's database and key: at sign-out, user switch, or IT's wipe.
    /// Works with no network and without the master key.
    pub fn wipe(data_dir: &Path, user_pid: &str) -> Result<(), StoreError> {
        let dir = user_dir(data_dir, user_pid);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        Ok(())
    }
}

pub(crate) fn connect(path: &Path, key: &[u8; 32]) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    // A raw key (x'…'): no passphrase derivation, the key is random already.
    conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

fn remove_database(dir: &Path) -> Result<(), StoreError> {
    for name in [DATABASE, "cache.db-wal", "cache.db-shm", WRAPPED_KEY, UNSENT_COUNT] {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    std::fs::write(path, bytes)?;
    restrict(path, 0o600)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<(), StoreError> {
    Ok(())
}
