//! ID token validation as HelseID requires: RS256 signature against the jwks, `iss`,
//! `aud` = client id, `exp`/`iat` with a small leeway, `nonce`, `auth_time`, and
//! security level 4.

use crate::{HelseIdError, Secret};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::time::Duration;

pub struct IdTokenExpectations<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub leeway: Duration,
    /// The client's time, Unix seconds.
    pub now: i64,
}

/// Who signed in. The pid (a national identity number) is a `Secret` so it cannot
/// reach a log line by accident.
#[derive(Debug, Clone)]
pub struct UserClaims {
    pub pid: Secret,
    pub hpr_number: Option<String>,
    pub name: String,
    pub subject: String,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    iat: i64,
    #[serde(default)]
    nbf: Option<i64>,
    nonce: Option<String>,
    auth_time: Option<u64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "helseid://claims/identity/pid")]
    pid: Option<String>,
    #[serde(rename = "helseid://claims/hpr/hpr_number")]
    hpr_number: Option<String>,
    #[serde(rename = "helseid://claims/identity/security_level")]
    security_level: Option<String>,
}

pub fn validate_id_token(
    token: &str,
    jwks: &serde_json::Value,
    expect: &IdTokenExpectations,
) -> Result<UserClaims, HelseIdError> {
    let invalid = |why: &str| HelseIdError::InvalidIdToken(why.to_string());
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("not a JWT"))?;
    if header.alg != Algorithm::RS256 {
        return Err(invalid("ID tokens must be RS256"));
    }
    let set: JwkSet = serde_json::from_value(jwks.clone()).map_err(|_| invalid("unreadable jwks"))?;
    let jwk = match &header.kid {
        Some(kid) => set.find(kid),
        None => set.keys.first(),
    }
    .ok_or_else(|| invalid("signing key not in jwks"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| invalid("unusable signing key"))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[expect.issuer]);
    v.set_audience(&[expect.client_id]);
    // Times are checked below against the client's clock (jsonwebtoken knows only the system's).
    v.validate_exp = false;
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub", "iat"]);
    let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| invalid(&e.to_string()))?;
    let c = data.claims;
    let leeway = i64::try_from(expect.leeway.as_secs()).unwrap_or(i64::MAX / 2);
    if c.exp + leeway < expect.now {
        return Err(invalid("expired"));
    }
    if c.iat - leeway > expect.now || c.nbf.is_some_and(|nbf| nbf - leeway > expect.now) {
        return Err(invalid("issued in the future"));
    }
    if c.nonce.as_deref() != Some(expect.nonce) {
        return Err(invalid("nonce does not match"));
    }
    if c.auth_time.is_none() {
        return Err(invalid("auth_time missing"));
    }
    if c.security_level.as_deref() != Some("4") {
        return Err(invalid("security level must be 4"));
    }
    let pid = c.pid.ok_or_else(|| invalid("pid missing"))?;
    Ok(UserClaims { pid: Secret::new(pid), hpr_number: c.hpr_number, name: c.name.unwrap_or_default(), subject: c.sub })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use jsonwebtoken::{EncodingKey, Header};
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    use serde_json::{json, Value};
    use std::sync::OnceLock;

    const ISS: &str = "https://helseid-sts.test.nhn.no";

    /// One RSA key for all tests (generation is slow), and its jwks.
    fn key() -> &'static (EncodingKey, Value) {
        static KEY: OnceLock<(EncodingKey, Value)> = OnceLock::new();
        KEY.get_or_init(|| {
            let k = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
            let jwk = json!({"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
                "n": URL_SAFE_NO_PAD.encode(k.n().to_bytes_be()), "e": URL_SAFE_NO_PAD.encode(k.e().to_bytes_be())});
            (EncodingKey::from_rsa_der(k.to_pkcs1_der().unwrap().as_bytes()), json!({"keys": [jwk]}))
        })
    }

    /// The client's clock in these tests.
    fn now() -> i64 {
        clock::matrix::test_now().timestamp()
    }

    fn claims() -> Value {
        json!({"iss": ISS, "aud": "client-1", "sub": "s", "iat": now(), "exp": now() + 300, "nonce": "n1",
            "auth_time": now(), "name": "Test Testesen",
            "helseid://claims/identity/pid": "03817000737", "helseid://claims/hpr/hpr_number": "9100001",
            "helseid://claims/identity/security_level": "4"})
    }

    fn signed(claims: &Value, kid: &str) -> String {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, claims, &key().0).unwrap()
    }

    fn check(token: &str) -> Result<UserClaims, HelseIdError> {
        let expect = IdTokenExpectations {
            issuer: ISS,
            client_id: "client-1",
            nonce: "n1",
            leeway: Duration::from_secs(30),
            now: now(),
        };
        validate_id_token(token, &key().1, &expect)
    }

    fn rejected_because(token: &str, why: &str) {
        match check(token) {
            Err(HelseIdError::InvalidIdToken(w)) => assert!(w.contains(why), "expected {why:?}, got {w:?}"),
            other => panic!("expected a rejection ({why}), got {other:?}"),
        }
    }

    #[test]
    fn a_valid_token_gives_the_user() {
        let u = check(&signed(&claims(), "k1")).unwrap();
        assert_eq!(u.hpr_number.as_deref(), Some("9100001"));
        assert_eq!(u.pid.expose(), "03817000737");
    }

    #[test]
    fn a_forged_signature_is_rejected() {
        let token = signed(&claims(), "k1");
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        let mut c = claims();
        c["helseid://claims/hpr/hpr_number"] = json!("6666666");
        parts[1] = URL_SAFE_NO_PAD.encode(c.to_string());
        rejected_because(&parts.join("."), "InvalidSignature");
    }

    #[test]
    fn an_unsigned_token_is_rejected() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims().to_string());
        assert!(check(&format!("{header}.{body}.")).is_err());
    }

    #[test]
    fn expired_wrong_audience_and_wrong_issuer_are_rejected() {
        let mut c = claims();
        c["exp"] = json!(now() - 120);
        rejected_because(&signed(&c, "k1"), "expired");
        let mut c = claims();
        c["aud"] = json!("someone-else");
        rejected_because(&signed(&c, "k1"), "InvalidAudience");
        let mut c = claims();
        c["iss"] = json!("https://evil.example");
        rejected_because(&signed(&c, "k1"), "InvalidIssuer");
    }

    #[test]
    fn security_level_3_and_a_wrong_nonce_are_rejected() {
        let mut c = claims();
        c["helseid://claims/identity/security_level"] = json!("3");
        rejected_because(&signed(&c, "k1"), "security level");
        let mut c = claims();
        c["nonce"] = json!("other");
        rejected_because(&signed(&c, "k1"), "nonce");
        let mut c = claims();
        c.as_object_mut().unwrap().remove("auth_time");
        rejected_because(&signed(&c, "k1"), "auth_time");
    }

    #[test]
    fn clock_skew_within_the_leeway_passes_and_beyond_it_fails() {
        let mut c = claims();
        c["exp"] = json!(now() - 10);
        assert!(check(&signed(&c, "k1")).is_ok(), "10 s late is inside a 30 s leeway");
        c["exp"] = json!(now() - 45);
        rejected_because(&signed(&c, "k1"), "expired");
    }

    #[test]
    fn times_are_judged_by_the_clients_clock_at_every_instant_of_the_date_matrix() {
        for (at, why) in clock::matrix::date_matrix() {
            let t = at.timestamp();
            let mut c = claims();
            (c["iat"], c["exp"], c["auth_time"]) = (json!(t), json!(t + 300), json!(t));
            let token = signed(&c, "k1");
            let at_time = |now: i64| {
                let expect = IdTokenExpectations {
                    issuer: ISS,
                    client_id: "client-1",
                    nonce: "n1",
                    leeway: Duration::from_secs(30),
                    now,
                };
                validate_id_token(&token, &key().1, &expect)
            };
            assert!(at_time(t).is_ok(), "{why}");
            assert!(at_time(t + 329).is_ok(), "{why}: inside exp + leeway");
            assert!(matches!(at_time(t + 331), Err(HelseIdError::InvalidIdToken(w)) if w == "expired"), "{why}");
            assert!(
                matches!(at_time(t - 31), Err(HelseIdError::InvalidIdToken(w)) if w == "issued in the future"),
                "{why}"
            );
        }
    }

    #[test]
    fn an_unknown_key_id_asks_for_the_jwks_again() {
        rejected_because(&signed(&claims(), "rotated"), "not in jwks");
    }
}
