//! The host's shared state, as every endpoint sees it: the catalogue, the clock, the
//! id_token key, the workspace's platform, and what has been issued.

use crate::facade::platform::Platform;
use crate::registry::Registry;
use arbeidsflate_config::apps::AppRegistration;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use clock::SharedClock;
use helseid::SigningKey;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub(crate) struct Host {
    pub apps: Vec<AppRegistration>,
    pub clock: SharedClock,
    pub id_token_key: SigningKey,
    pub http: reqwest::Client,
    pub platform: Arc<dyn Platform>,
    pub base: String,
    pub(crate) registry: Mutex<Registry>,
}

impl Host {
    /// `iss`: the FHIR base the apps talk to, which is also the OpenID issuer.
    pub fn iss(&self) -> String {
        format!("{}/fhir", self.base)
    }

    pub fn authorize_url(&self) -> String {
        format!("{}/auth/authorize", self.base)
    }

    pub fn token_url(&self) -> String {
        format!("{}/auth/token", self.base)
    }

    pub fn app(&self, id: &str) -> Option<&AppRegistration> {
        self.apps.iter().find(|a| a.id == id)
    }

    pub fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A random handle, code or token: 256 bits, base64url.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes[..]);
    URL_SAFE_NO_PAD.encode(bytes)
}
