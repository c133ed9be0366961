//! The installation's asymmetric keys (ES256, P-256): one signs client assertions
//! (`private_key_jwt`), one signs DPoP proofs. Private parts never print, never
//! serialise; they leave this type only as a `Secret` for the OS keyring.

use crate::{HelseIdError, Secret};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// An ES256 key, signing with ring (the same library the TLS stack uses): a proof
/// costs tens of microseconds, and it is made for every request.
pub struct SigningKey {
    pair: EcdsaKeyPair,
    /// The form the key is kept in, in the OS keyring: base64 PKCS#8 for generated
    /// keys, the private JWK for keys IT installed.
    stored: Secret,
    rng: SystemRandom,
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
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("P-256 key generation");
        Self::from_pkcs8(pkcs8.as_ref().to_vec()).expect("a freshly generated key is valid")
    }

    fn from_pkcs8(pkcs8: Vec<u8>) -> Result<Self, HelseIdError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
            .map_err(|_| HelseIdError::Config("the stored key is not a P-256 PKCS#8 key".into()))?;
        // The public key is the uncompressed point 0x04 ‖ x ‖ y.
        let point = pair.public_key().as_ref();
        let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&point[33..65]);
        let kid = thumbprint_of(&x, &y);
        Ok(Self { pair, stored: Secret::new(STANDARD.encode(&pkcs8)), rng, kid, x, y })
    }

    /// Restores a key from what `to_storage` produced.
    pub fn from_storage(stored: &Secret) -> Result<Self, HelseIdError> {
        if stored.expose().trim_start().starts_with('{') {
            return Self::from_private_jwk(stored);
        }
        let der = STANDARD
            .decode(stored.expose())
            .map_err(|_| HelseIdError::Config("the stored key is not base64".into()))?;
        Self::from_pkcs8(der)
    }

    /// Restores a key installed by IT as a private JWK (`kty` EC, `crv` P-256, `x`, `y`, `d`).
    pub fn from_private_jwk(jwk: &Secret) -> Result<Self, HelseIdError> {
        let bad = |why: &str| HelseIdError::Config(format!("the installed client key: {why}"));
        let v: Value = serde_json::from_str(jwk.expose()).map_err(|_| bad("not JSON"))?;
        if v["kty"] != "EC" || v["crv"] != "P-256" {
            return Err(bad("must be an EC P-256 key"));
        }
        let field = |name: &str| -> Result<Vec<u8>, HelseIdError> {
            let text = v[name].as_str().ok_or_else(|| bad(&format!("{name} is missing")))?;
            URL_SAFE_NO_PAD.decode(text).map_err(|_| bad(&format!("{name} is not base64url")))
        };
        let (d, x, y) = (field("d")?, field("x")?, field("y")?);
        let mut public = vec![4u8];
        public.extend_from_slice(&x);
        public.extend_from_slice(&y);
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, &d, &public, &rng)
            .map_err(|_| bad("the private and public parts do not form a P-256 key"))?;
        // ring has no PKCS#8 export for an imported key; the JWK stays its stored form.
        let (xs, ys) = (URL_SAFE_NO_PAD.encode(&x), URL_SAFE_NO_PAD.encode(&y));
        Ok(Self { pair, stored: jwk.clone(), rng, kid: thumbprint_of(&xs, &ys), x: xs, y: ys })
    }

    /// The form kept in the OS keyring (base64 PKCS#8, or the installed JWK).
    pub fn to_storage(&self) -> Secret {
        self.stored.clone()
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

    /// Signs `claims` as a compact ES256 JWS with the given `typ`; `embed_jwk` puts
    /// the public key in the header (DPoP), otherwise the header names it by `kid`.
    pub fn sign(&self, typ: &str, claims: &Value, embed_jwk: bool) -> String {
        let header = if embed_jwk {
            json!({"alg": "ES256", "typ": typ, "jwk": {"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y}})
        } else {
            json!({"alg": "ES256", "typ": typ, "kid": self.kid})
        };
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self.pair.sign(&self.rng, input.as_bytes()).expect("ECDSA signing");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
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
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

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
    fn an_installed_private_jwk_signs_like_a_generated_key() {
        // RFC 9449 §6.1's example key is public only; make a private JWK from a generated key
        // by reading its scalar out of the PKCS#8 document (the last 32 bytes before the public part).
        let generated = SigningKey::generate();
        let der = STANDARD.decode(generated.to_storage().expose()).unwrap();
        let d_at = der.windows(2).position(|w| w == [0x04, 0x20]).unwrap();
        let d = &der[d_at + 2..d_at + 34];
        let jwk =
            json!({"kty": "EC", "crv": "P-256", "x": generated.x, "y": generated.y, "d": URL_SAFE_NO_PAD.encode(d)});
        let installed = SigningKey::from_private_jwk(&Secret::new(jwk.to_string())).unwrap();
        assert_eq!(installed.public_jwk(), generated.public_jwk());
        let back = SigningKey::from_storage(&installed.to_storage()).unwrap();
        assert_eq!(back.public_jwk(), generated.public_jwk());
        let mut wrong = jwk.clone();
        wrong["d"] = json!(URL_SAFE_NO_PAD.encode([7u8; 32]));
        assert!(SigningKey::from_private_jwk(&Secret::new(wrong.to_string())).is_err());
        assert!(SigningKey::from_private_jwk(&Secret::new("{\"kty\":\"RSA\"}")).is_err());
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
