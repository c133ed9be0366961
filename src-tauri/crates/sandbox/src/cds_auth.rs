//! How the sandbox's CDS service knows its caller (CDS Hooks 2.0, "Trusting CDS
//! Clients"): every call carries `Authorization: Bearer <JWT>` signed with a key the
//! client registered out of band. Written from the specification, apart from the
//! workspace's CDS client, so a client that cuts a corner is refused here with a
//! reason it can act on.
//!
//! Stricter than the specification's minimum where it leaves room: only ES384, RS384
//! and ES256; no `jku` (no JWK Set URL is registered, so none is trusted); a token
//! lives at most five minutes and is used once.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The algorithms a client may sign with: the two the specification recommends, and ES256.
pub const ALGORITHMS: [&str; 3] = ["ES384", "RS384", "ES256"];
/// The longest a client JWT may live (`exp - iat`).
pub const MAX_LIFETIME_SECS: i64 = 300;
/// Leeway between the client's clock and the service's.
pub const SKEW_SECS: i64 = 5;
/// RSA keys shorter than this are refused at registration.
const MIN_RSA_BITS: usize = 2048;

/// The public keys of the clients this service trusts, by issuer, as IT would register
/// them out of band.
#[derive(Default)]
pub struct ClientKeys(Mutex<HashMap<String, Vec<Jwk>>>);

impl ClientKeys {
    /// Registers a public key for `iss`, replacing an earlier key with the same `kid`.
    pub fn register(&self, iss: &str, jwk: &Value) -> Result<(), String> {
        if iss.trim().is_empty() {
            return Err("iss must be a non-empty string".into());
        }
        if jwk.get("d").is_some() {
            return Err("the jwk holds a private key: register the public key only".into());
        }
        let parsed: Jwk = serde_json::from_value(jwk.clone()).map_err(|e| format!("jwk is not a JSON Web Key: {e}"))?;
        let kid = parsed.common.key_id.clone().filter(|k| !k.is_empty()).ok_or("the jwk needs a kid")?;
        let fits = algorithm_for(&parsed).ok_or("only EC P-256, EC P-384 and RSA keys of 2048 bits or more")?;
        if let Some(declared) = jwk.get("alg").and_then(Value::as_str) {
            if declared != fits {
                return Err(format!("the jwk's alg {declared} does not fit its key (which signs {fits})"));
            }
        }
        let mut clients = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let keys = clients.entry(iss.to_string()).or_default();
        keys.retain(|k| k.common.key_id.as_deref() != Some(kid.as_str()));
        keys.push(parsed);
        Ok(())
    }

    fn knows(&self, iss: &str) -> bool {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).contains_key(iss)
    }

    fn find(&self, iss: &str, kid: &str) -> Option<Jwk> {
        let clients = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        clients.get(iss)?.iter().find(|k| k.common.key_id.as_deref() == Some(kid)).cloned()
    }
}

/// The one algorithm a registered key signs with here: P-256 → ES256, P-384 → ES384,
/// RSA → RS384. None for any other key.
fn algorithm_for(jwk: &Jwk) -> Option<&'static str> {
    match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Some("ES256"),
            EllipticCurve::P384 => Some("ES384"),
            _ => None,
        },
        AlgorithmParameters::RSA(rsa) => {
            let modulus = URL_SAFE_NO_PAD.decode(rsa.n.as_bytes()).ok()?;
            let bits = modulus.iter().skip_while(|b| **b == 0).count() * 8;
            (bits >= MIN_RSA_BITS).then_some("RS384")
        }
        _ => None,
    }
}

/// The `jti`s already presented, per issuer, kept until their token has expired.
#[derive(Default)]
pub struct SeenJtis(Mutex<HashMap<(String, String), i64>>);

impl SeenJtis {
    /// True the first time this issuer presents this `jti`.
    fn first_use(&self, iss: &str, jti: &str, exp: i64, now: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, until| *until + SKEW_SECS >= now);
        seen.insert((iss.to_string(), jti.to_string()), exp).is_none()
    }
}

/// Checks the `Authorization` header of a call whose URL is one of `audiences`
/// (`now` in Unix seconds, by the sandbox's clock). Returns the client (`iss`), or
/// why the token is refused.
pub fn verify(
    authorization: Option<&str>,
    audiences: &[&str],
    keys: &ClientKeys,
    seen: &SeenJtis,
    now: i64,
) -> Result<String, String> {
    let authorization =
        authorization.ok_or("no Authorization header: every CDS Hooks call needs Authorization: Bearer <JWT>")?;
    let token = match authorization.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") && !token.trim().is_empty() => token.trim(),
        _ => return Err("the Authorization header must be Bearer <JWT>".into()),
    };
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("the bearer token is not a signed JWT (header.payload.signature)".into());
    }
    let header = decode_part(parts[0]).ok_or("the JWT header is not base64url-encoded JSON")?;
    let alg = header["alg"].as_str().ok_or("the JWT header has no alg")?;
    if alg.eq_ignore_ascii_case("none") {
        return Err("alg none is refused: CDS Hooks forbids unsigned JWTs".into());
    }
    if alg.starts_with("HS") {
        return Err(format!("alg {alg} is refused: CDS Hooks forbids symmetric (HMAC) signatures"));
    }
    if !ALGORITHMS.contains(&alg) {
        return Err(format!("alg {alg} is not accepted: sign with ES384, RS384 or ES256"));
    }
    if header.get("jku").is_some() || header.get("x5u").is_some() {
        return Err("jku is refused: this service trusts no JWK Set URL; register the key out of band".into());
    }
    if header.get("crit").is_some() {
        return Err("crit is refused: this service understands no critical header extensions".into());
    }
    let kid = header["kid"].as_str().filter(|k| !k.is_empty()).ok_or("the JWT header needs a kid")?;
    if header.get("typ").is_some_and(|typ| !typ.as_str().is_some_and(|t| t.eq_ignore_ascii_case("JWT"))) {
        return Err("typ must be JWT".into());
    }
    let unverified = decode_part(parts[1]).ok_or("the JWT payload is not base64url-encoded JSON")?;
    let iss = unverified["iss"].as_str().filter(|i| !i.is_empty()).ok_or("the JWT has no iss")?;
    if !keys.knows(iss) {
        return Err(format!("iss {iss} is not a registered client"));
    }
    let key = keys.find(iss, kid).ok_or_else(|| format!("kid {kid} is not registered for iss {iss}"))?;
    let fits = algorithm_for(&key).unwrap_or_default();
    if fits != alg {
        return Err(format!("alg {alg} does not fit the key registered as {kid}, which signs {fits}"));
    }
    let algorithm: Algorithm = alg.parse().map_err(|_| format!("alg {alg} is not accepted"))?;
    let mut validation = Validation::new(algorithm);
    // Time and audience are checked below against the sandbox's clock and URL.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let decoding = DecodingKey::from_jwk(&key).map_err(|_| format!("the key registered as {kid} is unusable"))?;
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                format!("the signature does not verify with key {kid}")
            }
            _ => format!("the JWT does not verify: {e}"),
        })?
        .claims;
    check_audience(&claims["aud"], audiences)?;
    let exp = claims["exp"].as_i64().ok_or("the JWT needs exp (whole seconds since the epoch)")?;
    let iat = claims["iat"].as_i64().ok_or("the JWT needs iat (whole seconds since the epoch)")?;
    if exp + SKEW_SECS <= now {
        return Err(format!("the JWT expired at {exp}; it is now {now} by the service's clock"));
    }
    if iat > now + SKEW_SECS {
        return Err(format!("the JWT's iat {iat} lies in the future; it is now {now} by the service's clock"));
    }
    if exp <= iat {
        return Err("the JWT's exp is not after its iat".into());
    }
    if exp - iat > MAX_LIFETIME_SECS + SKEW_SECS {
        return Err(format!("the JWT lives {} s (exp - iat): at most {MAX_LIFETIME_SECS} s", exp - iat));
    }
    if claims["nbf"].as_i64().is_some_and(|nbf| nbf > now + SKEW_SECS) {
        return Err("the JWT is not valid yet (nbf)".into());
    }
    let jti = claims["jti"].as_str().filter(|j| !j.is_empty()).ok_or("the JWT needs a jti")?;
    if !seen.first_use(iss, jti, exp, now) {
        return Err(format!("jti {jti} was used before: a JWT is good for one call"));
    }
    Ok(iss.to_string())
}

/// `aud` is the exact URL called, as a string or an array holding just that string.
fn check_audience(aud: &Value, audiences: &[&str]) -> Result<(), String> {
    let given = match aud {
        Value::String(s) => Some(s.as_str()),
        Value::Array(a) if a.len() == 1 => a[0].as_str(),
        _ => None,
    };
    if given.is_some_and(|g| audiences.contains(&g)) {
        return Ok(());
    }
    Err(match audiences {
        [one] => format!("aud must be exactly {one}"),
        many => format!("aud must be exactly one of {}", many.join(", ")),
    })
}

fn decode_part(part: &str) -> Option<Value> {
    serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(part).ok()?).ok().filter(Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registered_p384() -> Value {
        // A public P-384 key (the point is not checked at registration; verification would fail).
        json!({"kty": "EC", "crv": "P-384", "kid": "k1",
            "x": URL_SAFE_NO_PAD.encode([1u8; 48]), "y": URL_SAFE_NO_PAD.encode([2u8; 48])})
    }

    #[test]
    fn registration_takes_public_ec_and_rsa_keys_and_replaces_by_kid() {
        let keys = ClientKeys::default();
        keys.register("https://arbeidsflate.example", &registered_p384()).unwrap();
        let mut p256 = registered_p384();
        p256["crv"] = json!("P-256");
        p256["x"] = json!(URL_SAFE_NO_PAD.encode([1u8; 32]));
        p256["y"] = json!(URL_SAFE_NO_PAD.encode([2u8; 32]));
        keys.register("https://arbeidsflate.example", &p256).unwrap();
        let key = keys.find("https://arbeidsflate.example", "k1").unwrap();
        assert_eq!(algorithm_for(&key), Some("ES256"), "the same kid again replaced the key");
        assert_eq!(keys.0.lock().unwrap()["https://arbeidsflate.example"].len(), 1);

        let mut private = registered_p384();
        private["d"] = json!("c2VjcmV0");
        assert!(keys.register("x", &private).unwrap_err().contains("private"));
        let mut no_kid = registered_p384();
        no_kid.as_object_mut().unwrap().remove("kid");
        assert!(keys.register("x", &no_kid).unwrap_err().contains("kid"));
        let short_rsa = json!({"kty": "RSA", "kid": "r", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128]), "e": "AQAB"});
        assert!(keys.register("x", &short_rsa).is_err(), "1024-bit RSA");
        let rsa = json!({"kty": "RSA", "kid": "r", "n": URL_SAFE_NO_PAD.encode([0xffu8; 256]), "e": "AQAB"});
        keys.register("x", &rsa).unwrap();
        let mut wrong_alg = registered_p384();
        wrong_alg["alg"] = json!("ES256");
        assert!(keys.register("x", &wrong_alg).unwrap_err().contains("does not fit"));
        let secret = json!({"kty": "oct", "kid": "s", "k": "c2VjcmV0"});
        assert!(keys.register("x", &secret).is_err());
        assert!(keys.register(" ", &registered_p384()).is_err());
    }

    #[test]
    fn a_jti_is_good_once_per_issuer_until_it_expires() {
        let seen = SeenJtis::default();
        assert!(seen.first_use("a", "j", 1_000, 900));
        assert!(!seen.first_use("a", "j", 1_000, 950));
        assert!(seen.first_use("b", "j", 1_000, 950), "another client's jti is its own");
        // Long after its expiry the entry is forgotten (a token that old fails on exp anyway).
        assert!(seen.first_use("a", "j", 2_000, 1_100));
    }

    #[test]
    fn audience_is_the_exact_url_as_a_string_or_a_one_element_array() {
        let url = "http://127.0.0.1:1/cds-services/klinisk-vurdering";
        assert!(check_audience(&json!(url), &[url]).is_ok());
        assert!(check_audience(&json!([url]), &[url]).is_ok());
        assert!(check_audience(&json!(format!("{url}/")), &[url]).is_err());
        assert!(check_audience(&json!([url, "http://other"]), &[url]).is_err());
        assert!(check_audience(&Value::Null, &[url]).unwrap_err().contains(url));
    }
}
