//! The installation's asymmetric keys: ES256 (P-256) ones sign client assertions
//! (`private_key_jwt`) and DPoP proofs; an ES384 (P-384) one signs the calls to
//! decision-support services, which CDS Hooks recommends ES384 for. Private parts never
//! print, never serialise; they leave this type only as a `Secret` for the OS keyring.

use crate::{HelseIdError, Secret};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The curve of a key, and with it the JWS algorithm it signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }

    pub fn alg(self) -> &'static str {
        match self {
            Curve::P256 => "ES256",
            Curve::P384 => "ES384",
        }
    }

    fn signing(self) -> &'static EcdsaSigningAlgorithm {
        match self {
            Curve::P256 => &ECDSA_P256_SHA256_FIXED_SIGNING,
            Curve::P384 => &ECDSA_P384_SHA384_FIXED_SIGNING,
        }
    }

    /// Bytes in one coordinate.
    fn size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }
}

/// An EC key, signing with ring (the same library the TLS stack uses): a proof
/// costs tens of microseconds, and it is made for every request.
pub struct SigningKey {
    curve: Curve,
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
    /// A new P-256 (ES256) key.
    pub fn generate() -> Self {
        Self::generate_on(Curve::P256)
    }

    pub fn generate_on(curve: Curve) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(curve.signing(), &rng).expect("EC key generation");
        Self::from_pkcs8(pkcs8.as_ref().to_vec()).expect("a freshly generated key is valid")
    }

    fn from_pkcs8(pkcs8: Vec<u8>) -> Result<Self, HelseIdError> {
        let rng = SystemRandom::new();
        let (curve, pair) = [Curve::P256, Curve::P384]
            .into_iter()
            .find_map(|curve| EcdsaKeyPair::from_pkcs8(curve.signing(), &pkcs8, &rng).ok().map(|pair| (curve, pair)))
            .ok_or_else(|| HelseIdError::Config("the stored key is not a P-256 or P-384 PKCS#8 key".into()))?;
        // The public key is the uncompressed point 0x04 ‖ x ‖ y.
        let point = pair.public_key().as_ref();
        let n = curve.size();
        let x = URL_SAFE_NO_PAD.encode(&point[1..1 + n]);
        let y = URL_SAFE_NO_PAD.encode(&point[1 + n..1 + 2 * n]);
        let kid = thumbprint_on(curve, &x, &y);
        Ok(Self { curve, pair, stored: Secret::new(STANDARD.encode(&pkcs8)), rng, kid, x, y })
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

    /// Restores a key installed by IT as a private JWK (`kty` EC, `crv` P-256 or P-384,
    /// `x`, `y`, `d`).
    pub fn from_private_jwk(jwk: &Secret) -> Result<Self, HelseIdError> {
        let bad = |why: &str| HelseIdError::Config(format!("the installed client key: {why}"));
        let v: Value = serde_json::from_str(jwk.expose()).map_err(|_| bad("not JSON"))?;
        let curve = match (&v["kty"], v["crv"].as_str()) {
            (kty, Some("P-256")) if kty == "EC" => Curve::P256,
            (kty, Some("P-384")) if kty == "EC" => Curve::P384,
            _ => return Err(bad("must be an EC P-256 or P-384 key")),
        };
        let field = |name: &str| -> Result<Vec<u8>, HelseIdError> {
            let text = v[name].as_str().ok_or_else(|| bad(&format!("{name} is missing")))?;
            URL_SAFE_NO_PAD.decode(text).map_err(|_| bad(&format!("{name} is not base64url")))
        };
        let (d, x, y) = (field("d")?, field("x")?, field("y")?);
        let mut public = vec![4u8];
        public.extend_from_slice(&x);
        public.extend_from_slice(&y);
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(curve.signing(), &d, &public, &rng)
            .map_err(|_| bad("the private and public parts do not form a key on its curve"))?;
        // ring has no PKCS#8 export for an imported key; the JWK stays its stored form.
        let (xs, ys) = (URL_SAFE_NO_PAD.encode(&x), URL_SAFE_NO_PAD.encode(&y));
        Ok(Self { curve, pair, stored: jwk.clone(), rng, kid: thumbprint_on(curve, &xs, &ys), x: xs, y: ys })
    }

    /// The form kept in the OS keyring (base64 PKCS#8, or the installed JWK).
    pub fn to_storage(&self) -> Secret {
        self.stored.clone()
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// The RFC 7638 thumbprint of the public key (DPoP's `jkt`).
    pub fn thumbprint(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (what is registered with HelseID, or sent in a DPoP header).
    pub fn public_jwk(&self) -> Value {
        let (crv, alg) = (self.curve.name(), self.curve.alg());
        json!({"kty": "EC", "crv": crv, "x": self.x, "y": self.y, "kid": self.kid, "alg": alg, "use": "sig"})
    }

    /// Signs `claims` as a compact JWS (ES256 or ES384 by the key's curve) with the given
    /// `typ`; `embed_jwk` puts the public key in the header (DPoP), otherwise the header
    /// names it by `kid`.
    pub fn sign(&self, typ: &str, claims: &Value, embed_jwk: bool) -> String {
        let (crv, alg) = (self.curve.name(), self.curve.alg());
        let header = if embed_jwk {
            json!({"alg": alg, "typ": typ, "jwk": {"kty": "EC", "crv": crv, "x": self.x, "y": self.y}})
        } else {
            json!({"alg": alg, "typ": typ, "kid": self.kid})
        };
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self.pair.sign(&self.rng, input.as_bytes()).expect("ECDSA signing");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

/// RFC 7638 thumbprint of an EC public key: required members, sorted, no spaces.
fn thumbprint_on(curve: Curve, x: &str, y: &str) -> String {
    let crv = curve.name();
    let canonical = format!("{{\"crv\":\"{crv}\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}");
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
    fn a_p384_key_signs_es384_and_comes_back_from_storage() {
        let k = SigningKey::generate_on(Curve::P384);
        assert_eq!(k.public_jwk()["crv"], "P-384");
        let token = k.sign("JWT", &json!({"sub": "x", "exp": 4_000_000_000u64}), false);
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(k.public_jwk()).unwrap();
        let mut v = Validation::new(Algorithm::ES384);
        v.validate_aud = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &v).unwrap();
        // Verifying as ES256 must fail: the algorithm is the curve's.
        let mut wrong = Validation::new(Algorithm::ES256);
        wrong.required_spec_claims.clear();
        assert!(jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &wrong).is_err());
        let back = SigningKey::from_storage(&k.to_storage()).unwrap();
        assert_eq!((back.curve(), back.public_jwk()), (Curve::P384, k.public_jwk()));
        assert_ne!(back.kid(), SigningKey::generate().kid());
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
        let t = thumbprint_on(
            Curve::P256,
            "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
            "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
        );
        assert_eq!(t, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    }
}
