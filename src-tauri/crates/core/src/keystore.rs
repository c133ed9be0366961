//! Where the installation's HelseID keys live: the OS keyring (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows). Never a file beside the
//! data: without a keyring the app refuses to sign in rather than fall back.

use arbeidsflate_model::{AppError, ErrorCode};
use helseid::{ClientKeys, Secret, SigningKey};
use std::collections::HashMap;
use std::sync::Mutex;

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

impl SecretStore for EphemeralStore {
    fn get(&self, name: &str) -> Result<Option<Secret>, AppError> {
        Ok(self.0.lock().unwrap().get(name).cloned())
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), AppError> {
        self.0.lock().unwrap().insert(name.to_string(), value.clone());
        Ok(())
    }
}

/// Loads the client's assertion and DPoP keys, generating and storing them at first start.
pub fn load_or_create_keys(store: &dyn SecretStore, client_id: &str) -> Result<ClientKeys, AppError> {
    let load = |purpose: &str| -> Result<SigningKey, AppError> {
        let name = format!("helseid-{purpose}-key:{client_id}");
        match store.get(&name)? {
            Some(stored) => SigningKey::from_storage(&stored)
                .map_err(|e| AppError::new(ErrorCode::KeyringUnavailable, e.to_string())),
            None => {
                let key = SigningKey::generate();
                store.set(&name, &key.to_storage())?;
                tracing::info!(purpose, kid = key.kid(), "generated a HelseID key");
                Ok(key)
            }
        }
    };
    Ok(ClientKeys { assertion: load("assertion")?, dpop: load("dpop")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_and_reused() {
        let store = EphemeralStore::default();
        let first = load_or_create_keys(&store, "c1").unwrap();
        let again = load_or_create_keys(&store, "c1").unwrap();
        assert_eq!(first.assertion.public_jwk(), again.assertion.public_jwk());
        assert_ne!(first.assertion.public_jwk(), first.dpop.public_jwk());
        let other = load_or_create_keys(&store, "c2").unwrap();
        assert_ne!(other.assertion.public_jwk(), first.assertion.public_jwk());
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
        let e = load_or_create_keys(&Locked, "c1").err().unwrap();
        assert_eq!(e.code, ErrorCode::KeyringUnavailable);
    }
}
