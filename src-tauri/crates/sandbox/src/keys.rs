//! The sandbox IdP's RS256 signing key (HelseID signs ID and access tokens with RS256).
//! Generated fresh at every start: nothing secret is ever committed or written to disk.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

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
