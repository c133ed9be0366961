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
    v.leeway = expect.leeway.as_secs();
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub", "iat"]);
    let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| invalid(&e.to_string()))?;
    let c = data.claims;
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
