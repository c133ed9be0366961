//! The encrypted local store: one SQLCipher database per signed-in user. The
//! database key is random and kept only wrapped (AES-256-GCM) by a master key that
//! the caller holds in the OS keyring, so neither key touches disk in clear. A key
//! that no longer opens the database means the cache is recreated, and the caller is
//! told so it can tell the user.

mod access_log;
mod envelope;
mod migrations;

pub use access_log::Verification;
pub use envelope::MasterKey;

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

const DATABASE: &str = "cache.db";
const WRAPPED_KEY: &str = "cache.key";

impl Store {
    /// Opens (or creates) the user's database and brings its schema up to date.
    pub fn open(data_dir: &Path, user_pid: &str, master: &MasterKey) -> Result<(Store, Opened), StoreError> {
        let dir = user_dir(data_dir, user_pid);
        std::fs::create_dir_all(&dir)?;
        restrict(&dir, 0o700)?;
        let key_path = dir.join(WRAPPED_KEY);
        let db_path = dir.join(DATABASE);
        let existing = key_path.exists() && db_path.exists();
        if existing {
            match Self::open_existing(&dir, master) {
                Ok(store) => return Ok((store, Opened::Existing)),
                Err(e) => {
                    // Only cache is lost here: callers keep queued writes elsewhere first.
                    tracing::warn!(error = %e, "the local database could not be opened; recreating it");
                    remove_database(&dir)?;
                    let store = Self::create(&dir, master)?;
                    return Ok((store, Opened::Recreated { reason: e.to_string() }));
                }
            }
        }
        remove_database(&dir)?;
        Ok((Self::create(&dir, master)?, Opened::Created))
    }

    fn open_existing(dir: &Path, master: &MasterKey) -> Result<Store, StoreError> {
        let wrapped = std::fs::read(dir.join(WRAPPED_KEY))?;
        let key = master.unwrap_key(&wrapped).ok_or(StoreError::KeyUnwrap)?;
        let conn = connect(&dir.join(DATABASE), &key)?;
        // The first read fails when the key does not fit the file.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
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

fn connect(path: &Path, key: &[u8; 32]) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    // A raw key (x'…'): no passphrase derivation, the key is random already.
    conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

fn remove_database(dir: &Path) -> Result<(), StoreError> {
    for name in [DATABASE, "cache.db-wal", "cache.db-shm", WRAPPED_KEY] {
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
