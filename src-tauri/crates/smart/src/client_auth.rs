//! Who is asking at the token endpoint. A public app names itself (`client_id`) and
//! proves the launch with PKCE; a confidential-asymmetric app signs a client assertion
//! (`private_key_jwt`) as SMART requires: RS384 or ES384 with a registered key, `iss` =
//! `sub` = its client id, `aud` = the token URL, `exp` at most five minutes ahead, and a
//! `jti` never used before. Times are checked against the host's clock, not the system's.

use crate::oauth_error::OAuthError;
use crate::state::Host;
use arbeidsflate_config::apps::{AppRegistration, ClientKind};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The most of a `jwks_uri` answer that is read.
const MAX_JWKS_BYTES: usize = 64 * 1024;
/// The furthest ahead an assertion's `exp` may be.
const MAX_ASSERTION_SECONDS: i64 = 300;

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    exp: i64,
    jti: String,
}

/// The app making the request, authenticated as its registration says.
pub async fn authenticate<'h>(host: &'h Host, params: &HashMap<&str, &str>) -> Result<&'h AppRegistration, OAuthError> {
    match params.get("client_assertion") {
        None => {
            let id = params.get("client_id").ok_or_else(|| OAuthError::invalid_client("client_id is required"))?;
            let app = host.app(id).ok_or_else(|| OAuthError::invalid_client("unknown client"))?;
            if app.client != ClientKind::Public {
                return Err(OAuthError::invalid_client("this client must authenticate with private_key_jwt"));
            }
            Ok(app)
        }
        Some(assertion) => {
            if params.get("client_assertion_type") != Some(&ASSERTION_TYPE) {
                return Err(OAuthError::invalid_client(format!("client_assertion_type must be {ASSERTION_TYPE}")));
            }
            verify_assertion(host, assertion, params.get("client_id").copied()).await
        }
    }
}

async fn verify_assertion<'h>(
    host: &'h Host,
    assertion: &str,
    named: Option<&str>,
) -> Result<&'h AppRegistration, OAuthError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| OAuthError::invalid_client("client_assertion is not a JWT"))?;
    if !matches!(header.alg, Algorithm::RS384 | Algorithm::ES384) {
        return Err(OAuthError::invalid_client("client_assertion must be signed with RS384 or ES384"));
    }
    if header.jku.is_some() {
        return Err(OAuthError::invalid_client("jku is not accepted: the keys are the ones IT registered"));
    }
    // Which app it claims to be, read before the signature is checked only to find the key.
    let claimed = unverified_issuer(assertion)?;
    if named.is_some_and(|n| n != claimed) {
        return Err(OAuthError::invalid_client("client_id and the assertion's iss differ"));
    }
    let app = host.app(&claimed).ok_or_else(|| OAuthError::invalid_client("unknown client"))?;
    if app.client != ClientKind::ConfidentialAsymmetric {
        return Err(OAuthError::invalid_client("this client is registered as public"));
    }
    let keys = registered_keys(host, app).await?;
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or_else(|| OAuthError::invalid_client("no registered key matches the assertion's kid"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| OAuthError::invalid_client("the registered key is not usable"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[host.token_url()]);
    validation.set_issuer(&[&app.id]);
    validation.sub = Some(app.id.clone());
    // Times are judged by the host's clock below.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims = ["iss", "sub", "aud", "exp"].into_iter().map(String::from).collect();
    let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation)
        .map_err(|e| OAuthError::invalid_client(format!("client_assertion refused: {e}")))?
        .claims;
    debug_assert!(claims.iss == app.id && claims.sub == app.id);
    let now = host.clock.now();
    let ahead = claims.exp - now.timestamp();
    if ahead <= 0 {
        return Err(OAuthError::invalid_client("client_assertion has expired"));
    }
    if ahead > MAX_ASSERTION_SECONDS {
        return Err(OAuthError::invalid_client("client_assertion's exp is more than five minutes ahead"));
    }
    if claims.jti.is_empty() {
        return Err(OAuthError::invalid_client("client_assertion has no jti"));
    }
    let until = now + chrono::Duration::seconds(ahead);
    if !host.registry().first_use_of_jti(&app.id, &claims.jti, until, now) {
        return Err(OAuthError::invalid_client("client_assertion's jti was used before"));
    }
    Ok(app)
}

/// The `iss` of a JWT whose signature is not yet checked.
fn unverified_issuer(jwt: &str) -> Result<String, OAuthError> {
    use base64::Engine;
    let bad = || OAuthError::invalid_client("client_assertion is not a JWT");
    let payload = jwt.split('.').nth(1).ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).map_err(|_| bad())?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    value["iss"].as_str().map(str::to_string).ok_or_else(bad)
}

/// The app's public keys: inline in the catalogue, or fetched from its `jwks_uri`.
async fn registered_keys(host: &Host, app: &AppRegistration) -> Result<JwkSet, OAuthError> {
    let unusable = |why: String| OAuthError::invalid_client(format!("the app's registered keys: {why}"));
    if let Some(inline) = &app.jwks {
        return serde_json::from_str(inline).map_err(|e| unusable(e.to_string()));
    }
    let uri = app.jwks_uri.as_deref().ok_or_else(|| unusable("none registered".into()))?;
    let mut answer = host.http.get(uri).send().await.map_err(|e| unusable(e.without_url().to_string()))?;
    if !answer.status().is_success() {
        return Err(unusable(format!("{uri} answered {}", answer.status())));
    }
    // A key set is a few kilobytes; more is read no further.
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| unusable(e.without_url().to_string()))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_JWKS_BYTES {
            return Err(unusable(format!("{uri} answered more than {MAX_JWKS_BYTES} bytes")));
        }
    }
    serde_json::from_slice(&body).map_err(|e| unusable(e.to_string()))
}
