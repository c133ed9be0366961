//! The two JWTs a HelseID client signs for every call: the client assertion
//! (`private_key_jwt`) toward the IdP, and the DPoP proof toward the IdP and APIs.
//! Both are fresh per call, with a unique `jti`.

use crate::keys::SigningKey;
use crate::pkce::random_url_safe;
use crate::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::PoisonError;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// HelseID accepts at most 60 seconds; stay well inside.
const ASSERTION_LIFETIME_SECS: i64 = 30;

/// A `private_key_jwt` client assertion: `iss` = `sub` = client id, `aud` = the issuer,
/// issued at `now` (Unix seconds).
pub fn client_assertion(
    key: &SigningKey,
    client_id: &str,
    issuer: &str,
    assertion_details: Option<&Value>,
    now: i64,
) -> Secret {
    let iat = now;
    let mut claims = json!({
        "iss": client_id, "sub": client_id, "aud": issuer,
        "iat": iat, "nbf": iat, "exp": iat + ASSERTION_LIFETIME_SECS,
        "jti": random_url_safe(18),
    });
    if let Some(details) = assertion_details {
        claims["assertion_details"] = details.clone();
    }
    Secret::new(key.sign("client-authentication+jwt", &claims, false))
}

/// `htu`: the request URL without query and fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or(url).to_string(),
    }
}

/// `ath`: base64url(SHA-256(access token)).
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// A DPoP proof for one request, issued at `now` (Unix seconds). `access_token` is
/// given toward APIs (adds `ath`).
pub fn dpop_proof(
    key: &SigningKey,
    method: &str,
    url: &str,
    nonce: Option<&str>,
    access_token: Option<&str>,
    now: i64,
) -> String {
    let mut claims = json!({"jti": random_url_safe(18), "htm": method, "htu": htu(url), "iat": now});
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    if let Some(t) = access_token {
        claims["ath"] = json!(ath(t));
    }
    key.sign("dpop+jwt", &claims, true)
}

/// The latest DPoP nonce each server gave, so a known nonce costs no extra round trip.
#[derive(Default)]
pub struct NonceCache(Mutex<HashMap<String, String>>);

fn origin(url: &str) -> String {
    url::Url::parse(url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

impl NonceCache {
    pub fn get(&self, url: &str) -> Option<String> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&origin(url)).cloned()
    }

    pub fn set(&self, url: &str, nonce: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(origin(url), nonce.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    fn decode(token: &str, key: &SigningKey) -> Value {
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk()).unwrap();
        let mut v = Validation::new(Algorithm::ES256);
        v.validate_aud = false;
        v.validate_exp = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(&jwk).unwrap(), &v).unwrap().claims
    }

    /// The time the proofs are made at.
    fn now() -> i64 {
        clock::matrix::test_now().timestamp()
    }

    #[test]
    fn client_assertions_are_as_helseid_specifies() {
        let key = SigningKey::generate();
        let a = client_assertion(&key, "client-1", "https://helseid-sts.test.nhn.no", None, now());
        let header = jsonwebtoken::decode_header(a.expose()).unwrap();
        assert_eq!(header.typ.as_deref(), Some("client-authentication+jwt"));
        assert_eq!(header.kid.as_deref(), Some(key.kid()));
        let c = decode(a.expose(), &key);
        assert_eq!(c["iss"], "client-1");
        assert_eq!(c["sub"], "client-1");
        assert_eq!(c["aud"], "https://helseid-sts.test.nhn.no");
        assert_eq!((c["iat"].as_i64(), c["nbf"].as_i64()), (Some(now()), Some(now())));
        assert_eq!(c["exp"].as_i64(), Some(now() + 30), "HelseID accepts at most 60 s");
        let b = client_assertion(&key, "client-1", "https://helseid-sts.test.nhn.no", None, now());
        assert_ne!(decode(b.expose(), &key)["jti"], c["jti"], "jti must be unique");
    }

    #[test]
    fn dpop_proofs_strip_the_query_and_bind_the_token() {
        let key = SigningKey::generate();
        let url = "https://api.example/fhir/Patient?identifier=x#frag";
        let p = dpop_proof(&key, "GET", url, Some("n1"), Some("tok"), now());
        let header = jsonwebtoken::decode_header(&p).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        assert!(header.jwk.is_some() && header.kid.is_none());
        let c = decode(&p, &key);
        assert_eq!(c["htu"], "https://api.example/fhir/Patient");
        assert_eq!(c["htm"], "GET");
        assert_eq!(c["nonce"], "n1");
        assert_eq!(c["iat"].as_i64(), Some(now()));
        assert_eq!(c["ath"], ath("tok"));
        // RFC 9449 §7.1 example: ath of this token.
        assert_eq!(ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    }

    #[test]
    fn nonces_are_kept_per_origin() {
        let cache = NonceCache::default();
        cache.set("https://a.example/connect/token", "n1");
        assert_eq!(cache.get("https://a.example/other?x=1").as_deref(), Some("n1"));
        assert_eq!(cache.get("https://b.example/"), None);
    }
}
