//! The installation's asymmetric keys (ES256, P-256): one signs client assertions
//! (`private_key_jwt`), one signs DPoP proofs. Private parts never print, never
//! serialise; they leave this type only as a `Secret` for the OS keyring.

use crate::{HelseIdError, Secret};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct SigningKey {
    secret: p256::SecretKey,
    encoding: EncodingKey,
    kid: String,
    x: String,
    y: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    pub fn generate() -> Self {
        Self::from_secret(p256::SecretKey::random(&mut rand_core::OsRng))
    }

    fn from_secret(secret: p256::SecretKey) -> Self {
        let der = secret.to_pkcs8_der().expect("PKCS#8 encoding of a valid key");
        let point = secret.public_key().to_encoded_point(false);
        let x = URL_SAFE_NO_PAD.encode(point.x().expect("uncompressed point"));
        let y = URL_SAFE_NO_PAD.encode(point.y().expect("uncompressed point"));
        let kid = thumbprint_of(&x, &y);
        Self { encoding: EncodingKey::from_ec_der(der.as_bytes()), secret, kid, x, y }
    }

    /// Restores a key from what `to_storage` produced.
    pub fn from_storage(stored: &Secret) -> Result<Self, HelseIdError> {
        let der = STANDARD
            .decode(stored.expose())
            .map_err(|_| HelseIdError::Config("the stored key is not base64".into()))?;
        let secret = p256::SecretKey::from_pkcs8_der(&der)
            .map_err(|_| HelseIdError::Config("the stored key is not a P-256 PKCS#8 key".into()))?;
        Ok(Self::from_secret(secret))
    }

    /// Restores a key installed by IT as a private JWK (`kty` EC, `crv` P-256, `d`).
    pub fn from_private_jwk(jwk: &Secret) -> Result<Self, HelseIdError> {
        let secret = p256::SecretKey::from_jwk_str(jwk.expose())
            .map_err(|_| HelseIdError::Config("the installed key is not a private P-256 JWK".into()))?;
        Ok(Self::from_secret(secret))
    }

    /// PKCS#8 DER, base64: the form kept in the OS keyring.
    pub fn to_storage(&self) -> Secret {
        let der = self.secret.to_pkcs8_der().expect("PKCS#8 encoding of a valid key");
        Secret::new(STANDARD.encode(der.as_bytes()))
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The RFC 7638 thumbprint of the public key (DPoP's `jkt`).
    pub fn thumbprint(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (what is registered with HelseID, or sent in a DPoP header).
    pub fn public_jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "kid": self.kid, "alg": "ES256", "use": "sig"})
    }

    /// Signs `claims` as an ES256 JWS with the given `typ`; `embed_jwk` puts the public
    /// key in the header (DPoP), otherwise the header names the key by `kid`.
    pub fn sign(&self, typ: &str, claims: &Value, embed_jwk: bool) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(typ.into());
        if embed_jwk {
            let jwk = json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y});
            header.jwk = Some(serde_json::from_value(jwk).expect("a valid EC JWK"));
        } else {
            header.kid = Some(self.kid.clone());
        }
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signing with a valid key")
    }
}

/// RFC 7638 thumbprint of an EC P-256 public key: required members, sorted, no spaces.
pub fn thumbprint_of(x: &str, y: &str) -> String {
    let canonical = format!("{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}");
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn stored_keys_come_back_identical() {
        let k = SigningKey::generate();
        let back = SigningKey::from_storage(&k.to_storage()).unwrap();
        assert_eq!(back.public_jwk(), k.public_jwk());
        assert!(SigningKey::from_storage(&Secret::new("bm90IGEga2V5")).is_err());
    }

    #[test]
    fn signatures_verify_against_the_public_jwk() {
        let k = SigningKey::generate();
        let token = k.sign("client-authentication+jwt", &json!({"sub": "x", "exp": 4_000_000_000u64}), false);
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(k.public_jwk()).unwrap();
        let mut v = Validation::new(Algorithm::ES256);
        v.validate_aud = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &v).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(), Some(k.kid()));
    }

    #[test]
    fn debug_hides_the_private_key() {
        let k = SigningKey::generate();
        let shown = format!("{k:?}");
        assert!(!shown.contains(k.to_storage().expose()));
    }

    #[test]
    fn thumbprint_matches_the_rfc9449_example() {
        // RFC 9449 §6.1: the example DPoP key and its jkt.
        let t =
            thumbprint_of("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs", "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA");
        assert_eq!(t, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    }
}
