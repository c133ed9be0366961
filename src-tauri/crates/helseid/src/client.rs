//! The sign-in flow and the per-audience token cache.
//!
//! Flow: loopback listener → PAR (PKCE S256, state, nonce, one `resource` per API)
//! → browser at `/connect/authorize?client_id&request_uri` → callback (`iss`, `state`
//! checked) → code exchange for the first audience → refresh-token grants for the rest.

use crate::authorization_details::{assertion_details, Attestation, Organisation};
use crate::id_token::{validate_id_token, IdTokenExpectations, UserClaims};
use crate::keys::SigningKey;
use crate::loopback::LoopbackReceiver;
use crate::opener::UrlOpener;
use crate::pkce::{random_url_safe, Pkce};
use crate::proofs::{client_assertion, dpop_proof, NonceCache, ASSERTION_TYPE};
use crate::{HelseIdError, Secret};
use chrono::{DateTime, Utc};
use clock::SharedClock;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::PoisonError;
use std::time::Duration;
use tokio::sync::Mutex;

/// Renew an access token this long before it expires.
const RENEW_AHEAD: chrono::Duration = chrono::Duration::seconds(30);

#[derive(Debug, Clone)]
pub struct HelseIdConfig {
    /// Issuer URL exactly as discovery states it (no trailing slash).
    pub issuer: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// API audiences (resource indicators); the first is used for the code exchange.
    pub resources: Vec<String>,
    /// HelseID's test IdP shortcut: sign in as this pid without a login page.
    /// Only sandbox and test profiles may set it.
    pub test_pid: Option<String>,
    /// How long the user has to finish signing in in the browser.
    pub sign_in_timeout: Duration,
    /// Clock-skew leeway for token validation.
    pub leeway: Duration,
    /// The organisation the user acts for, sent with every token call.
    pub organisation: Option<Organisation>,
}

/// The installation's two keys: one for client assertions, one for DPoP proofs.
pub struct ClientKeys {
    pub assertion: SigningKey,
    pub dpop: SigningKey,
}

/// The outcome of a sign-out: whether the IdP accepted the revocation, and the URL
/// that ends the user's browser session at the IdP.
#[derive(Debug)]
pub struct SignedOut {
    pub end_session_url: Option<String>,
    pub revoked: bool,
}

/// Headers for one API request: `Authorization: DPoP <token>` and a fresh `DPoP` proof.
pub struct ApiHeaders {
    pub authorization: Secret,
    pub dpop: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub pushed_authorization_request_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Secret,
    #[serde(default)]
    token_type: String,
    expires_in: u64,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    rt_expires_in: Option<u64>,
    #[serde(default)]
    id_token: Option<Secret>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

struct CachedToken {
    token: Secret,
    /// By the wall clock, not the monotonic one: a laptop asleep between two home
    /// visits does not count its sleep on the monotonic clock, while HelseID does.
    expires_at: DateTime<Utc>,
}

/// The refresh token chain. HelseID rotates the refresh token on every use, and a
/// spent one must never be presented again, so the chain is used by one request at a time.
struct TokenState {
    refresh_token: Secret,
    refresh_expires_at: DateTime<Utc>,
}

/// A signed-in session: who the user is, the refresh chain, and a token cache per
/// audience (and attestation).
pub struct Session {
    pub user: UserClaims,
    id_token: Secret,
    tokens: Mutex<TokenState>,
    /// Apart from the chain, so a cached token is handed out at once even while a
    /// refresh for another audience is on its way.
    access: std::sync::Mutex<HashMap<String, CachedToken>>,
}

impl Session {
    /// A cached token for `key` that is not about to expire.
    fn cached(&self, key: &str, now: DateTime<Utc>) -> Option<Secret> {
        let access = self.access.lock().unwrap_or_else(PoisonError::into_inner);
        access.get(key).filter(|t| t.expires_at > now + RENEW_AHEAD).map(|t| t.token.clone())
    }

    /// A second session holding the same refresh token and no access tokens, as a
    /// careless client restoring a stored token twice would: for the tests proving
    /// that HelseID's rotation rule is enforced.
    #[doc(hidden)]
    pub async fn duplicate_for_tests(&self) -> Session {
        let chain = self.tokens.lock().await;
        Session {
            user: self.user.clone(),
            id_token: self.id_token.clone(),
            tokens: Mutex::new(TokenState {
                refresh_token: chain.refresh_token.clone(),
                refresh_expires_at: chain.refresh_expires_at,
            }),
            access: std::sync::Mutex::default(),
        }
    }

    /// How many access tokens the session holds (any audience, any attestation), for tests.
    pub fn cached_tokens(&self) -> usize {
        self.access.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Until when the sign-in can be renewed without the user (the refresh token's expiry).
    pub async fn renewable_until(&self) -> DateTime<Utc> {
        self.tokens.lock().await.refresh_expires_at
    }

    /// How long before `now` the refresh token ran out (`None` while it is still
    /// valid): past that, no token can be had without signing in again.
    pub async fn renewable_until_passed(&self, now: DateTime<Utc>) -> Option<Duration> {
        let until = self.tokens.lock().await.refresh_expires_at;
        (now - until).to_std().ok()
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

pub struct HelseIdClient {
    http: reqwest::Client,
    config: HelseIdConfig,
    keys: ClientKeys,
    discovery: Mutex<Option<Discovery>>,
    jwks: Mutex<Option<serde_json::Value>>,
    nonces: NonceCache,
    /// Wall-clock time for what is signed and checked (`iat`, `exp`); how long a token
    /// is cached is measured on the monotonic clock instead.
    clock: SharedClock,
}

impl HelseIdClient {
    pub fn new(http: reqwest::Client, config: HelseIdConfig, keys: ClientKeys) -> Self {
        Self {
            http,
            config,
            keys,
            discovery: Mutex::new(None),
            jwks: Mutex::new(None),
            nonces: NonceCache::default(),
            clock: clock::system(),
        }
    }

    /// Signs and checks with `clock`'s time instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The public key to register with HelseID for this client's assertions.
    pub fn assertion_public_jwk(&self) -> serde_json::Value {
        self.keys.assertion.public_jwk()
    }

    /// The jwks, cached; `refresh` fetches it again (after a key rotation).
    async fn jwks(&self, d: &Discovery, refresh: bool) -> Result<serde_json::Value, HelseIdError> {
        let mut cached = self.jwks.lock().await;
        if let (false, Some(j)) = (refresh, cached.as_ref()) {
            return Ok(j.clone());
        }
        let j: serde_json::Value = read_json(self.http.get(&d.jwks_uri).send().await?).await?;
        *cached = Some(j.clone());
        Ok(j)
    }

    fn assertion_form(&self, issuer: &str, attestation: Option<&Attestation>) -> [(&'static str, String); 2] {
        let details = assertion_details(self.config.organisation.as_ref(), attestation);
        let now = self.clock.unix_seconds();
        let assertion = client_assertion(&self.keys.assertion, &self.config.client_id, issuer, details.as_ref(), now);
        [("client_assertion_type", ASSERTION_TYPE.to_string()), ("client_assertion", assertion.expose().to_string())]
    }

    /// POSTs to the token endpoint with a fresh assertion and DPoP proof; on
    /// `use_dpop_nonce` retries once with the server's nonce and a new assertion.
    async fn token_request(
        &self,
        d: &Discovery,
        form: &[(&str, String)],
        attestation: Option<&Attestation>,
    ) -> Result<TokenResponse, HelseIdError> {
        let mut retried = false;
        loop {
            let mut body: Vec<(&str, String)> = form.to_vec();
            body.push(("client_id", self.config.client_id.clone()));
            body.extend(self.assertion_form(&d.issuer, attestation));
            let nonce = self.nonces.get(&d.token_endpoint);
            let now = self.clock.unix_seconds();
            let proof = dpop_proof(&self.keys.dpop, "POST", &d.token_endpoint, nonce.as_deref(), None, now);
            let resp = self.http.post(&d.token_endpoint).header("DPoP", proof).form(&body).send().await?;
            if let Some(n) = resp.headers().get("DPoP-Nonce").and_then(|v| v.to_str().ok()) {
                self.nonces.set(&d.token_endpoint, n);
            }
            match read_json::<TokenResponse>(resp).await {
                Err(HelseIdError::Protocol { error, .. }) if error == "use_dpop_nonce" && !retried => retried = true,
                Ok(t) if !t.token_type.eq_ignore_ascii_case("DPoP") => {
                    return Err(HelseIdError::BadResponse(format!("token_type {} is not DPoP", t.token_type)))
                }
                other => return other,
            }
        }
    }

    pub fn config(&self) -> &HelseIdConfig {
        &self.config
    }

    /// Discovery, fetched once and cached.
    pub async fn discovery(&self) -> Result<Discovery, HelseIdError> {
        let mut cached = self.discovery.lock().await;
        if let Some(d) = cached.as_ref() {
            return Ok(d.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.config.issuer);
        let d: Discovery = read_json(self.http.get(&url).send().await?).await?;
        if d.issuer != self.config.issuer {
            return Err(HelseIdError::BadResponse("discovery names another issuer".into()));
        }
        *cached = Some(d.clone());
        Ok(d)
    }

    /// Runs the whole interactive sign-in and returns the session.
    pub async fn sign_in(&self, opener: &dyn UrlOpener) -> Result<Session, HelseIdError> {
        self.sign_in_with_prompt(opener, None).await
    }

    /// Like `sign_in`, with an OIDC `prompt`: `login` makes HelseID authenticate the
    /// person again even if the browser still has a HelseID session (used to unlock).
    pub async fn sign_in_with_prompt(
        &self,
        opener: &dyn UrlOpener,
        prompt: Option<&str>,
    ) -> Result<Session, HelseIdError> {
        let d = self.discovery().await?;
        let receiver = LoopbackReceiver::bind().await?;
        let redirect_uri = receiver.redirect_uri();
        let pkce = Pkce::new();
        let state = random_url_safe(24);
        let nonce = random_url_safe(24);

        let mut form: Vec<(&str, String)> = vec![
            ("client_id", self.config.client_id.clone()),
            ("redirect_uri", redirect_uri.clone()),
            ("response_type", "code".into()),
            ("scope", self.config.scopes.join(" ")),
            ("code_challenge", pkce.challenge.clone()),
            ("code_challenge_method", "S256".into()),
            ("state", state.clone()),
            ("nonce", nonce.clone()),
        ];
        for r in &self.config.resources {
            form.push(("resource", r.clone()));
        }
        if let Some(pid) = &self.config.test_pid {
            form.push(("acr_values", "idp:testidp-oidc".into()));
            form.push(("test_pid", pid.clone()));
            form.push(("test_security_level", "4".into()));
        }
        if let Some(p) = prompt {
            form.push(("prompt", p.to_string()));
        }
        form.extend(self.assertion_form(&d.issuer, None));
        #[derive(Deserialize)]
        struct ParResponse {
            request_uri: String,
        }
        let par: ParResponse =
            read_json(self.http.post(&d.pushed_authorization_request_endpoint).form(&form).send().await?).await?;

        let mut authorize =
            url::Url::parse(&d.authorization_endpoint).map_err(|e| HelseIdError::BadResponse(e.to_string()))?;
        authorize
            .query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("request_uri", &par.request_uri);
        let wait = receiver.wait(self.config.sign_in_timeout);
        let (opened, callback) = tokio::join!(opener.open(authorize.as_str()), wait);
        opened?;
        let callback = callback?;

        // Mix-up defence first, then CSRF, then the outcome.
        if callback.get("iss").map(String::as_str) != Some(d.issuer.as_str()) {
            return Err(HelseIdError::CallbackRejected("iss does not match the issuer"));
        }
        if callback.get("state").map(String::as_str) != Some(state.as_str()) {
            return Err(HelseIdError::CallbackRejected("state does not match"));
        }
        if let Some(error) = callback.get("error") {
            return Err(if error == "access_denied" {
                HelseIdError::Cancelled
            } else {
                HelseIdError::Protocol {
                    error: error.clone(),
                    description: callback.get("error_description").cloned().unwrap_or_default(),
                }
            });
        }
        let code = callback.get("code").ok_or(HelseIdError::CallbackRejected("no code"))?;

        let first = self
            .config
            .resources
            .first()
            .cloned()
            .ok_or_else(|| HelseIdError::Config("no API audience configured".into()))?;
        let form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.clone()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier.expose().to_string()),
            ("resource", first.clone()),
        ];
        let t = self.token_request(&d, &form, None).await?;
        let id_token = t.id_token.ok_or_else(|| HelseIdError::BadResponse("no id_token".into()))?;
        let expect = IdTokenExpectations {
            issuer: &d.issuer,
            client_id: &self.config.client_id,
            nonce: &nonce,
            leeway: self.config.leeway,
            now: self.clock.unix_seconds(),
        };
        let user = match validate_id_token(id_token.expose(), &self.jwks(&d, false).await?, &expect) {
            // An unknown key means HelseID rotated its keys: fetch discovery and the
            // jwks once more.
            Err(HelseIdError::InvalidIdToken(why)) if why.contains("not in jwks") => {
                self.discovery.lock().await.take();
                let fresh = self.discovery().await?;
                validate_id_token(id_token.expose(), &self.jwks(&fresh, true).await?, &expect)?
            }
            other => other?,
        };
        let refresh_token = t.refresh_token.ok_or_else(|| HelseIdError::BadResponse("no refresh_token".into()))?;
        let now = self.clock.now();
        let mut access = HashMap::new();
        access.insert(first, CachedToken { token: t.access_token, expires_at: now + seconds(t.expires_in) });
        tracing::info!(audiences = self.config.resources.len(), "signed in");
        Ok(Session {
            user,
            id_token,
            tokens: Mutex::new(TokenState {
                refresh_token,
                refresh_expires_at: now + seconds(t.rt_expires_in.unwrap_or(3600)),
            }),
            access: std::sync::Mutex::new(access),
        })
    }

    /// An access token for `audience` (attested for one patient when `attestation` is
    /// given), from the cache or renewed with the newest refresh token, which HelseID
    /// rotates on every use.
    pub async fn access_token(
        &self,
        session: &Session,
        audience: &str,
        attestation: Option<&Attestation>,
    ) -> Result<Secret, HelseIdError> {
        let key = cache_key(audience, attestation);
        if let Some(token) = session.cached(&key, self.clock.now()) {
            return Ok(token);
        }
        let mut state = session.tokens.lock().await;
        // Whoever held the chain before may have fetched this very token.
        let now = self.clock.now();
        if let Some(token) = session.cached(&key, now) {
            return Ok(token);
        }
        // A refresh token past its time is still offered: HelseID says `invalid_grant`
        // (the session expired) when it can be reached, and when it cannot, the caller
        // learns that the network is gone, so the offline cache can answer instead.
        let d = self.discovery().await?;
        let form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", state.refresh_token.expose().to_string()),
            ("resource", audience.to_string()),
        ];
        let t = match self.token_request(&d, &form, attestation).await {
            Err(HelseIdError::Protocol { error, .. }) if error == "invalid_grant" => {
                return Err(HelseIdError::SessionExpired)
            }
            other => other?,
        };
        if let Some(rt) = t.refresh_token {
            state.refresh_token = rt;
            if let Some(secs) = t.rt_expires_in {
                state.refresh_expires_at = now + seconds(secs);
            }
        }
        let token = t.access_token.clone();
        let expires_at = now + seconds(t.expires_in);
        session
            .access
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, CachedToken { token: t.access_token, expires_at });
        Ok(token)
    }

    /// Whether a token for `audience` (and `attestation`) is cached and not about to expire.
    pub fn has_token(&self, session: &Session, audience: &str, attestation: Option<&Attestation>) -> bool {
        session.cached(&cache_key(audience, attestation), self.clock.now()).is_some()
    }

    /// `Authorization` and `DPoP` headers for one API request.
    pub async fn api_headers(
        &self,
        session: &Session,
        audience: &str,
        attestation: Option<&Attestation>,
        method: &str,
        url: &str,
    ) -> Result<ApiHeaders, HelseIdError> {
        let token = self.access_token(session, audience, attestation).await?;
        let nonce = self.nonces.get(url);
        let now = self.clock.unix_seconds();
        let dpop = dpop_proof(&self.keys.dpop, method, url, nonce.as_deref(), Some(token.expose()), now);
        Ok(ApiHeaders { authorization: Secret::new(format!("DPoP {}", token.expose())), dpop })
    }

    /// Records a `DPoP-Nonce` an API gave, for the next proof toward it.
    pub fn remember_nonce(&self, url: &str, nonce: &str) {
        self.nonces.set(url, nonce);
    }

    /// Revokes the refresh token and forgets every token; returns the URL that ends
    /// the user's session at HelseID in the browser. The local state is gone whatever
    /// the network says.
    pub async fn sign_out(&self, session: Session) -> Result<SignedOut, HelseIdError> {
        let state = session.tokens.into_inner();
        let d = self.discovery().await?;
        let mut revoked = false;
        if let Some(revocation) = &d.revocation_endpoint {
            let mut form = vec![
                ("client_id", self.config.client_id.clone()),
                ("token", state.refresh_token.expose().to_string()),
                ("token_type_hint", "refresh_token".into()),
            ];
            form.extend(self.assertion_form(&d.issuer, None));
            let resp = self.http.post(revocation).form(&form).send().await?;
            revoked = resp.status().is_success();
            if !revoked {
                tracing::warn!(status = resp.status().as_u16(), "refresh token revocation refused");
            }
        }
        let end_session_url = d.end_session_endpoint.as_ref().and_then(|end| {
            let mut u = url::Url::parse(end).ok()?;
            u.query_pairs_mut().append_pair("id_token_hint", session.id_token.expose());
            Some(u.to_string())
        });
        Ok(SignedOut { end_session_url, revoked })
    }
}

/// A lifetime the server gave, in seconds (absurd values capped at a year).
fn seconds(secs: u64) -> chrono::Duration {
    chrono::Duration::seconds(secs.min(365 * 24 * 3600) as i64)
}

/// Tokens are cached per audience and per attestation: each patient's attested
/// token is its own.
fn cache_key(audience: &str, attestation: Option<&Attestation>) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    attestation.hash(&mut h);
    format!("{audience}#{:x}", h.finish())
}

async fn read_json<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T, HelseIdError> {
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        return Err(match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(e) => HelseIdError::Protocol { error: e.error, description: e.error_description },
            Err(_) => HelseIdError::BadResponse(format!("HTTP {status}")),
        });
    }
    serde_json::from_slice(&body).map_err(|e| HelseIdError::BadResponse(e.to_string()))
}
