//! What every sandbox API checks before serving, as NHN's APIs do: a DPoP-bound
//! access token from the sandbox's HelseID for this API's audience, and its proof.

use crate::keys::KeySet;
use crate::proof_check::{check_lifetime, verify_dpop, DpopError, DpopExpectations, ReplayGuard, LEEWAY_SECS};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use clock::SharedClock;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::PoisonError;
use std::sync::{Arc, Mutex};

pub struct ApiGuard {
    /// Scheme, host and port the API is served at (for `htu`).
    pub origin: String,
    pub issuer: String,
    pub audience: String,
    pub keys: Arc<KeySet>,
    clock: SharedClock,
    replay: ReplayGuard,
    /// When set, calls must carry this API's current DPoP nonce.
    pub require_dpop_nonce: AtomicBool,
    nonce: Mutex<String>,
    /// Requests seen, authorised or not: round-trip counts for tests and benchmarks.
    pub requests: AtomicU64,
}

/// Why a request was refused: a nonce challenge, or an invalid token or proof.
pub enum Refusal {
    UseNonce(String),
    Invalid(String),
}

/// A FHIR `OperationOutcome` error response.
pub fn outcome(status: StatusCode, code: &str, text: &str) -> Response {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}]
    });
    (status, [(header::CONTENT_TYPE, "application/fhir+json")], Json(body)).into_response()
}

impl Refusal {
    pub fn into_response(self) -> Response {
        let (challenge, text, nonce) = match &self {
            Refusal::Invalid(why) => ("DPoP error=\"invalid_token\"", why.as_str(), None),
            Refusal::UseNonce(n) => ("DPoP error=\"use_dpop_nonce\"", "a DPoP nonce is required", Some(n)),
        };
        let mut r = outcome(StatusCode::UNAUTHORIZED, "login", text);
        let h = r.headers_mut();
        h.insert(header::WWW_AUTHENTICATE, challenge.parse().unwrap());
        if let Some(n) = nonce {
            h.insert("DPoP-Nonce", n.parse().unwrap());
        }
        r
    }
}

impl ApiGuard {
    pub fn new(
        origin: String,
        issuer: String,
        audience: &str,
        keys: Arc<KeySet>,
        clock: SharedClock,
        nonce_seed: &str,
    ) -> Self {
        Self {
            origin,
            issuer,
            audience: audience.into(),
            keys,
            clock,
            replay: ReplayGuard::default(),
            require_dpop_nonce: AtomicBool::new(false),
            nonce: Mutex::new(format!("{nonce_seed}-{}", std::process::id())),
            requests: AtomicU64::new(0),
        }
    }

    /// The API's time: `meta.lastUpdated` of writes, retrieval stamps.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn rotate_nonce(&self) {
        let mut n = [0u8; 12];
        rand::fill(&mut n[..]);
        *self.nonce.lock().unwrap_or_else(PoisonError::into_inner) =
            format!("n{}", n.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }

    /// Checks `Authorization: DPoP <token>` and its `DPoP` proof: the token's signature,
    /// issuer, audience and lifetime, its binding (`cnf.jkt`) to the proof's key, and the
    /// proof's `htm`, `htu`, `iat`, `jti`, `ath` and nonce. Returns the token's claims.
    pub fn check(&self, method: &str, path: &str, headers: &HeaderMap) -> Result<Value, Refusal> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let invalid = |why: &str| Refusal::Invalid(why.to_string());
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| invalid("missing access token"))?;
        let token =
            auth.strip_prefix("DPoP ").ok_or_else(|| invalid("access tokens are DPoP-bound: use the DPoP scheme"))?;
        let kid =
            jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid).ok_or_else(|| invalid("unreadable token"))?;
        let key = self.keys.find(&kid).ok_or_else(|| invalid("token signed by an unknown key"))?;
        let mut v = Validation::new(Algorithm::RS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(token, &key.decoding, &v)
            .map_err(|e| invalid(&format!("invalid token: {e}")))?
            .claims;
        let now = self.clock.unix_seconds();
        check_lifetime(&claims, now, LEEWAY_SECS).map_err(|why| invalid(&format!("invalid token: {why}")))?;
        let jkt = claims["cnf"]["jkt"].as_str().ok_or_else(|| invalid("the token is not DPoP-bound"))?;
        let nonce = self.nonce.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let url = format!("{}{}", self.origin, path);
        let expect = DpopExpectations {
            method,
            url: &url,
            nonce: self.require_dpop_nonce.load(Ordering::Relaxed).then_some(nonce.as_str()),
            access_token: Some(token),
        };
        let proof = headers.get("DPoP").and_then(|v| v.to_str().ok());
        match verify_dpop(proof, &expect, &self.replay, now) {
            Ok(proof_jkt) if proof_jkt == jkt => Ok(claims),
            Ok(_) => Err(invalid("the DPoP proof's key is not the one the token is bound to")),
            Err(DpopError::UseNonce) => Err(Refusal::UseNonce(nonce)),
            Err(DpopError::Invalid(why)) => Err(invalid(&why)),
        }
    }
}

/// Whether a token's claims carry the trust framework attestation (the services that
/// demand one refuse the call without it).
pub fn attested(claims: &Value) -> bool {
    claims["authorization_details"]
        .as_array()
        .is_some_and(|d| d.iter().any(|x| x["type"] == "nhn:tillitsrammeverk:parameters"))
}
