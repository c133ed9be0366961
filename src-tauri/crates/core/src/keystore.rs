//! Where the installation's HelseID keys live: the OS keyring (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows). Never a file beside the
//! data: without a keyring the app refuses to sign in rather than fall back.

use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::MasterKey;
use helseid::{ClientKeys, Secret, SigningKey};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::PoisonError;

pub trait SecretStore: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<Secret>, AppError>;
    fn set(&self, name: &str, value: &Secret) -> Result<(), AppError>;
}

fn unavailable(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::KeyringUnavailable, format!("the OS keyring is unavailable or locked: {e}"))
}

/// The OS keyring under one service name.
pub struct OsKeyring {
    service: String,
}

impl OsKeyring {
    pub fn new(service: impl Into<String>) -> Self {
        Self { service: service.into() }
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, name: &str) -> Result<Option<Secret>, AppError> {
        let entry = keyring::Entry::new(&self.service, name).map_err(unavailable)?;
        match entry.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), AppError> {
        let entry = keyring::Entry::new(&self.service, name).map_err(unavailable)?;
        entry.set_password(value.expose()).map_err(unavailable)
    }
}

/// An in-memory store that forgets everything when dropped: for tests and for
/// headless tools that must leave the user's keyring alone.
#[derive(Default)]
pub struct EphemeralStore(Mutex<HashMap<String, Secret>>);

impl EphemeralStore {
    /// Removes entries whose name starts with `prefix`, as a user or IT deleting them
    /// from the keyring would.
    pub fn remove_prefixed(&self, prefix: &str) -> usize {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let before = map.len();
        map.retain(|name, _| !name.starts_with(prefix));
        before - map.len()
    }
}

impl SecretStore for EphemeralStore {
    fn get(&self, name: &str) -> Result<Option<Secret>, AppError> {
        Ok(self.0.lock().unwrap_or_else(PoisonError::into_inner).get(name).cloned())
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), AppError> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_string(), value.clone());
        Ok(())
    }
}

fn master_key_name(user_pid: &str) -> String {
    format!("cache-master-key:{}", arbeidsflate_store::user_tag(user_pid))
}

/// The user's cache master key from the keyring, if one is there and whole; nothing
/// is made (for reading a cache that must already exist).
pub fn load_master_key(store: &dyn SecretStore, user_pid: &str) -> Result<Option<MasterKey>, AppError> {
    use base64::Engine;
    let Some(stored) = store.get(&master_key_name(user_pid))? else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD.decode(stored.expose()).ok();
    Ok(bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()).map(MasterKey::from_bytes))
}

/// The master key that wraps the user's local database key, from the keyring; made at
/// the user's first use. A value that is not a key (damaged entry) is replaced, which
/// means the cache is recreated: it only ever held what can be fetched again. No
/// keyring → an error, never a key in a file.
pub fn load_or_create_master_key(store: &dyn SecretStore, user_pid: &str) -> Result<MasterKey, AppError> {
    use base64::Engine;
    if let Some(key) = load_master_key(store, user_pid)? {
        return Ok(key);
    }
    if store.get(&master_key_name(user_pid))?.is_some() {
        tracing::warn!("the cache master key in the keyring is damaged; a new one is made");
    }
    let key = MasterKey::generate();
    store.set(
        &master_key_name(user_pid),
        &Secret::new(base64::engine::general_purpose::STANDARD.encode(key.to_bytes())),
    )?;
    Ok(key)
}

/// Loads the client's assertion and DPoP keys, generating and storing them at first
/// start. `installed_entry` names a keyring entry where IT installed the assertion key
/// (a private JWK); then that key is used and never generated.
pub fn load_or_create_keys(
    store: &dyn SecretStore,
    client_id: &str,
    installed_entry: Option<&str>,
) -> Result<ClientKeys, AppError> {
    let installed = |entry: &str| -> Result<SigningKey, AppError> {
        let jwk = store.get(entry)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidProfile,
                format!("the client key IT installed in the keyring entry {entry} is missing"),
            )
        })?;
        SigningKey::from_private_jwk(&jwk).map_err(|e| AppError::new(ErrorCode::InvalidProfile, e.to_string()))
    };
    let load = |purpose: &str| load_or_create_signing_key(store, &format!("helseid-{purpose}-key:{client_id}"));
    let assertion = match installed_entry {
        Some(entry) => installed(entry)?,
        None => load("assertion")?,
    };
    Ok(ClientKeys { assertion, dpop: load("dpop")? })
}

/// The signing key kept in the keyring entry `name`, generated and stored at first use.
pub fn load_or_create_signing_key(store: &dyn SecretStore, name: &str) -> Result<SigningKey, AppError> {
    load_or_create_signing_key_on(store, name, helseid::Curve::P256)
}

/// As [`load_or_create_signing_key`], generating a key on `curve` (a stored key keeps
/// the curve it has).
pub fn load_or_create_signing_key_on(
    store: &dyn SecretStore,
    name: &str,
    curve: helseid::Curve,
) -> Result<SigningKey, AppError> {
    match store.get(name)? {
        Some(stored) => {
            SigningKey::from_storage(&stored).map_err(|e| AppError::new(ErrorCode::KeyringUnavailable, e.to_string()))
        }
        None => {
            let key = SigningKey::generate_on(curve);
            store.set(name, &key.to_storage())?;
            tracing::info!(entry = name, kid = key.kid(), "generated a signing key");
            Ok(key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_master_key_is_made_once_per_user_and_a_damaged_one_replaced() {
        let store = EphemeralStore::default();
        let (a, b) = ("13814006675", "01918049866");
        let first = load_or_create_master_key(&store, a).unwrap().to_bytes();
        assert_eq!(load_or_create_master_key(&store, a).unwrap().to_bytes(), first);
        assert_ne!(load_or_create_master_key(&store, b).unwrap().to_bytes(), first);
        // The entry's name does not reveal the user.
        let name = format!("cache-master-key:{}", arbeidsflate_store::user_tag(a));
        assert!(!name.contains(a));
        store.set(&name, &Secret::new("not a key")).unwrap();
        let replaced = load_or_create_master_key(&store, a).unwrap().to_bytes();
        assert_ne!(replaced, first);
        assert_eq!(load_or_create_master_key(&store, a).unwrap().to_bytes(), replaced);
    }

    #[test]
    fn keys_are_created_once_and_reused() {
        let store = EphemeralStore::default();
        let first = load_or_create_keys(&store, "c1", None).unwrap();
        let again = load_or_create_keys(&store, "c1", None).unwrap();
        assert_eq!(first.assertion.public_jwk(), again.assertion.public_jwk());
        assert_ne!(first.assertion.public_jwk(), first.dpop.public_jwk());
        let other = load_or_create_keys(&store, "c2", None).unwrap();
        assert_ne!(other.assertion.public_jwk(), first.assertion.public_jwk());
    }

    #[test]
    fn a_key_installed_by_it_is_used_and_a_missing_one_is_an_error() {
        let store = EphemeralStore::default();
        let e = load_or_create_keys(&store, "c1", Some("it-installed")).err().unwrap();
        assert_eq!(e.code, ErrorCode::InvalidProfile);
        // IT installs a private JWK (here made from a generated key's PKCS#8 scalar).
        let k = SigningKey::generate();
        let jwk = k.public_jwk();
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD.decode(k.to_storage().expose()).unwrap();
        let d_at = der.windows(2).position(|w| w == [0x04, 0x20]).unwrap();
        let d = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&der[d_at + 2..d_at + 34]);
        let private = serde_json::json!({"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"], "d": d});
        store.set("it-installed", &Secret::new(private.to_string())).unwrap();
        let keys = load_or_create_keys(&store, "c1", Some("it-installed")).unwrap();
        assert_eq!(keys.assertion.public_jwk(), k.public_jwk());
    }

    struct Locked;
    impl SecretStore for Locked {
        fn get(&self, _: &str) -> Result<Option<Secret>, AppError> {
            Err(unavailable("locked"))
        }
        fn set(&self, _: &str, _: &Secret) -> Result<(), AppError> {
            Err(unavailable("locked"))
        }
    }

    #[test]
    fn a_locked_keyring_is_a_clear_error() {
        let e = load_or_create_keys(&Locked, "c1", None).err().unwrap();
        assert_eq!(e.code, ErrorCode::KeyringUnavailable);
    }
}
