//! The checks HelseID and NHN's APIs make on what a client signs: `private_key_jwt`
//! client assertions and DPoP proofs (RFC 9449). Written independently of the
//! `helseid` client crate, so a client that cuts a corner fails here.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::PoisonError;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far a proof's `iat` may be from the server's clock.
const IAT_WINDOW_SECS: i64 = 60;
/// HelseID refuses assertions living longer than this.
const MAX_ASSERTION_LIFETIME: i64 = 60;

/// Remembers `jti`s until they could no longer be valid, refusing replays.
#[derive(Default)]
pub struct ReplayGuard(Mutex<HashMap<String, i64>>);

impl ReplayGuard {
    /// True the first time a `jti` is seen (`now` in Unix seconds).
    pub fn first_use(&self, jti: &str, valid_until: i64, now: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, until| *until >= now);
        seen.insert(jti.to_string(), valid_until + IAT_WINDOW_SECS).is_none()
    }
}

/// Leeway for `exp` and `nbf` against the server's clock.
pub const LEEWAY_SECS: i64 = 5;

/// `exp` (required) and `nbf` (when present) against the server's clock `now`,
/// checked here rather than by `jsonwebtoken`, which only knows the system's clock.
pub fn check_lifetime(claims: &Value, now: i64, leeway: i64) -> Result<(), &'static str> {
    let exp = claims["exp"].as_i64().ok_or("exp missing")?;
    if exp + leeway < now {
        return Err("expired");
    }
    if claims["nbf"].as_i64().is_some_and(|nbf| nbf - leeway > now) {
        return Err("not valid yet");
    }
    Ok(())
}

/// Client public keys, as registered in HelseID's self-service portal.
#[derive(Default)]
pub struct ClientRegistry(Mutex<HashMap<String, Vec<Jwk>>>);

impl ClientRegistry {
    pub fn register(&self, client_id: &str, jwk: Jwk) {
        let mut clients = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let keys = clients.entry(client_id.to_string()).or_default();
        if !keys.contains(&jwk) {
            keys.push(jwk);
        }
    }

    fn keys(&self, client_id: &str) -> Vec<Jwk> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(client_id).cloned().unwrap_or_default()
    }
}

fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(_) => Some(Algorithm::ES256),
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        _ => None,
    }
}

/// Verifies the `client_assertion` in a form body: registered key, `typ`, `iss` =
/// `sub` = client id, `aud` = issuer, lifetime ≤ 60 s, unexpired, unused `jti`.
/// Returns the client id and the assertion's claims.
pub fn verify_client_assertion(
    form: &[(String, String)],
    issuer: &str,
    registry: &ClientRegistry,
    replay: &ReplayGuard,
    now: i64,
) -> Result<(String, Value), String> {
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("client_assertion_type") != Some(ASSERTION_TYPE) {
        return Err("client_assertion_type must be jwt-bearer (private_key_jwt is required)".into());
    }
    let assertion = get("client_assertion").ok_or("client_assertion is required")?;
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| "client_assertion is not a JWT")?;
    if header.typ.as_deref() != Some("client-authentication+jwt") {
        return Err("client_assertion must have typ client-authentication+jwt".into());
    }
    let unverified: Value = unverified_claims(assertion).ok_or("unreadable client_assertion")?;
    let client_id = unverified["iss"].as_str().ok_or("client_assertion without iss")?.to_string();
    if get("client_id").is_some_and(|c| c != client_id) {
        return Err("client_id does not match the assertion".into());
    }
    let keys = registry.keys(&client_id);
    let key = keys
        .iter()
        .find(|k| header.kid.is_none() || k.common.key_id == header.kid)
        .ok_or("no key registered for this client and kid")?;
    let alg = algorithm_of(key).ok_or("unsupported key type")?;
    if header.alg != alg {
        return Err("assertion algorithm does not match the registered key".into());
    }
    let mut v = Validation::new(alg);
    v.set_audience(&[issuer]);
    v.set_issuer(&[&client_id]);
    v.sub = Some(client_id.clone());
    v.validate_exp = false;
    v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let decoding = DecodingKey::from_jwk(key).map_err(|_| "unusable registered key")?;
    let claims =
        jsonwebtoken::decode::<Value>(assertion, &decoding, &v).map_err(|e| format!("client_assertion: {e}"))?.claims;
    check_lifetime(&claims, now, LEEWAY_SECS).map_err(|why| format!("client_assertion: {why}"))?;
    let exp = claims["exp"].as_i64().unwrap_or(0);
    let iat = claims["iat"].as_i64().unwrap_or(now);
    if exp - iat > MAX_ASSERTION_LIFETIME {
        return Err("client_assertion lives longer than 60 seconds".into());
    }
    let jti = claims["jti"].as_str().ok_or("client_assertion without jti")?;
    if !replay.first_use(&format!("assertion:{jti}"), exp, now) {
        return Err("client_assertion jti was already used".into());
    }
    Ok((client_id, claims))
}

/// Why a DPoP proof was refused.
#[derive(Debug, PartialEq)]
pub enum DpopError {
    /// The server wants a (new) nonce: answer with `use_dpop_nonce` and `DPoP-Nonce`.
    UseNonce,
    Invalid(String),
}

/// What a proof must match.
pub struct DpopExpectations<'a> {
    pub method: &'a str,
    /// The request URL without query.
    pub url: &'a str,
    /// The server's current nonce, when it demands one.
    pub nonce: Option<&'a str>,
    /// The access token presented with the proof (toward resource servers).
    pub access_token: Option<&'a str>,
}

/// Verifies a DPoP proof and returns the JWK thumbprint of its key (`jkt`).
pub fn verify_dpop(
    proof: Option<&str>,
    expect: &DpopExpectations,
    replay: &ReplayGuard,
    now: i64,
) -> Result<String, DpopError> {
    let invalid = |why: &str| DpopError::Invalid(why.to_string());
    let proof = proof.ok_or_else(|| invalid("a DPoP proof is required"))?;
    let header = jsonwebtoken::decode_header(proof).map_err(|_| invalid("the DPoP proof is not a JWT"))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(invalid("the DPoP proof must have typ dpop+jwt"));
    }
    let jwk = header.jwk.ok_or_else(|| invalid("the DPoP proof must carry its public jwk"))?;
    if algorithm_of(&jwk) != Some(header.alg)
        || matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    {
        return Err(invalid("the DPoP proof's alg does not fit its key"));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| invalid("unusable DPoP key"))?;
    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims =
        jsonwebtoken::decode::<Value>(proof, &key, &v).map_err(|e| invalid(&format!("DPoP signature: {e}")))?.claims;
    if claims["htm"] != expect.method {
        return Err(invalid("DPoP htm does not match the request method"));
    }
    if claims["htu"] != expect.url {
        return Err(invalid("DPoP htu does not match the request URL"));
    }
    let iat = claims["iat"].as_i64().ok_or_else(|| invalid("DPoP proof without iat"))?;
    if (now - iat).abs() > IAT_WINDOW_SECS {
        return Err(invalid("DPoP iat is outside the accepted window"));
    }
    if let Some(token) = expect.access_token {
        let ath = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
        if claims["ath"] != ath.as_str() {
            return Err(invalid("DPoP ath does not match the access token"));
        }
    }
    if let Some(nonce) = expect.nonce {
        if claims["nonce"] != nonce {
            return Err(DpopError::UseNonce);
        }
    }
    let jti = claims["jti"].as_str().ok_or_else(|| invalid("DPoP proof without jti"))?;
    if !replay.first_use(&format!("dpop:{jti}"), iat, now) {
        return Err(invalid("DPoP jti was already used"));
    }
    thumbprint(&jwk).ok_or_else(|| invalid("unsupported DPoP key"))
}

/// RFC 7638 thumbprint of an EC or RSA public JWK.
pub fn thumbprint(jwk: &Jwk) -> Option<String> {
    let canonical = match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec) => {
            format!("{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{}\",\"y\":\"{}\"}}", ec.x, ec.y)
        }
        AlgorithmParameters::RSA(rsa) => format!("{{\"e\":\"{}\",\"kty\":\"RSA\",\"n\":\"{}\"}}", rsa.e, rsa.n),
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

/// The payload of a JWS before verification (to learn who claims to have signed it).
fn unverified_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}
