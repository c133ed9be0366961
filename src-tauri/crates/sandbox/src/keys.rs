//! The sandbox IdP's RS256 signing key (HelseID signs ID and access tokens with RS256).
//! Generated fresh at every start: nothing secret is ever committed or written to disk.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use std::sync::PoisonError;

pub struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// The public key as a JWK, for the jwks document.
    pub public_jwk: Value,
}

impl SigningKey {
    pub fn generate() -> Self {
        let mut rng = rsa::rand_core::OsRng;
        let key = RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
        let der = key.to_pkcs1_der().expect("PKCS#1 encoding");
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let kid = {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(format!("{{\"e\":\"{e}\",\"kty\":\"RSA\",\"n\":\"{n}\"}}"));
            URL_SAFE_NO_PAD.encode(&digest[..12])
        };
        Self {
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding: DecodingKey::from_rsa_components(&n, &e).expect("valid RSA components"),
            public_jwk: json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e}),
            kid,
        }
    }
}

/// The IdP's signing keys, newest first. Rotation adds a key and keeps the old one
/// in the jwks for a while, as HelseID does, so tokens already issued still verify.
pub struct KeySet(std::sync::RwLock<Vec<std::sync::Arc<SigningKey>>>);

impl KeySet {
    pub fn new(first: SigningKey) -> Self {
        Self(std::sync::RwLock::new(vec![std::sync::Arc::new(first)]))
    }

    pub fn current(&self) -> std::sync::Arc<SigningKey> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)[0].clone()
    }

    pub fn find(&self, kid: &str) -> Option<std::sync::Arc<SigningKey>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).iter().find(|k| k.kid == kid).cloned()
    }

    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> =
            self.0.read().unwrap_or_else(PoisonError::into_inner).iter().map(|k| k.public_jwk.clone()).collect();
        json!({ "keys": keys })
    }

    /// Makes a new key current; `keep_old` keeps the previous keys published.
    pub fn rotate(&self, keep_old: bool) {
        let new = std::sync::Arc::new(SigningKey::generate());
        let mut keys = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if !keep_old {
            keys.clear();
        }
        keys.insert(0, new);
    }
}
