//! The sign-in flow and the per-audience token cache.
//!
//! Flow: loopback listener → PAR (PKCE S256, state, nonce, one `resource` per API)
//! → browser at `/connect/authorize?client_id&request_uri` → callback (`iss`, `state`
//! checked) → code exchange for the first audience → refresh-token grants for the rest.

use crate::id_token::{validate_id_token, IdTokenExpectations, UserClaims};
use crate::loopback::LoopbackReceiver;
use crate::opener::UrlOpener;
use crate::pkce::{random_url_safe, Pkce};
use crate::{HelseIdError, Secret};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Renew an access token this long before it expires.
const RENEW_AHEAD: Duration = Duration::from_secs(30);

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
    expires_at: Instant,
}

struct TokenState {
    refresh_token: Secret,
    refresh_expires_at: Instant,
    access: HashMap<String, CachedToken>,
}

/// A signed-in session: who the user is and a token cache per audience.
pub struct Session {
    pub user: UserClaims,
    id_token: Secret,
    tokens: Mutex<TokenState>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

pub struct HelseIdClient {
    http: reqwest::Client,
    config: HelseIdConfig,
    discovery: Mutex<Option<Discovery>>,
}

impl HelseIdClient {
    pub fn new(http: reqwest::Client, config: HelseIdConfig) -> Self {
        Self { http, config, discovery: Mutex::new(None) }
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
            ("client_id", self.config.client_id.clone()),
            ("code", code.clone()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier.expose().to_string()),
            ("resource", first.clone()),
        ];
        let t: TokenResponse = read_json(self.http.post(&d.token_endpoint).form(&form).send().await?).await?;
        let id_token = t.id_token.ok_or_else(|| HelseIdError::BadResponse("no id_token".into()))?;
        let jwks: serde_json::Value = read_json(self.http.get(&d.jwks_uri).send().await?).await?;
        let user = validate_id_token(
            id_token.expose(),
            &jwks,
            &IdTokenExpectations {
                issuer: &d.issuer,
                client_id: &self.config.client_id,
                nonce: &nonce,
                leeway: self.config.leeway,
            },
        )?;
        let refresh_token = t.refresh_token.ok_or_else(|| HelseIdError::BadResponse("no refresh_token".into()))?;
        let now = Instant::now();
        let mut access = HashMap::new();
        access
            .insert(first, CachedToken { token: t.access_token, expires_at: now + Duration::from_secs(t.expires_in) });
        tracing::info!(audiences = self.config.resources.len(), "signed in");
        Ok(Session {
            user,
            id_token,
            tokens: Mutex::new(TokenState {
                refresh_token,
                refresh_expires_at: now + Duration::from_secs(t.rt_expires_in.unwrap_or(3600)),
                access,
            }),
        })
    }

    /// An access token for `audience`, from the cache or renewed with the newest
    /// refresh token (which HelseID rotates on every use).
    pub async fn access_token(&self, session: &Session, audience: &str) -> Result<Secret, HelseIdError> {
        let mut state = session.tokens.lock().await;
        let now = Instant::now();
        if let Some(t) = state.access.get(audience) {
            if t.expires_at > now + RENEW_AHEAD {
                return Ok(t.token.clone());
            }
        }
        if state.refresh_expires_at <= now {
            return Err(HelseIdError::SessionExpired);
        }
        let d = self.discovery().await?;
        let form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("client_id", self.config.client_id.clone()),
            ("refresh_token", state.refresh_token.expose().to_string()),
            ("resource", audience.to_string()),
        ];
        let resp = self.http.post(&d.token_endpoint).form(&form).send().await?;
        let t: TokenResponse = match read_json(resp).await {
            Err(HelseIdError::Protocol { error, .. }) if error == "invalid_grant" => {
                return Err(HelseIdError::SessionExpired)
            }
            other => other?,
        };
        if let Some(rt) = t.refresh_token {
            state.refresh_token = rt;
            if let Some(secs) = t.rt_expires_in {
                state.refresh_expires_at = now + Duration::from_secs(secs);
            }
        }
        let token = t.access_token.clone();
        state.access.insert(
            audience.to_string(),
            CachedToken { token: t.access_token, expires_at: now + Duration::from_secs(t.expires_in) },
        );
        Ok(token)
    }

    /// Revokes the refresh token and forgets every token. Best effort toward the IdP:
    /// the local state is gone whatever the network says.
    pub async fn sign_out(&self, session: Session) -> Result<(), HelseIdError> {
        let state = session.tokens.into_inner();
        let d = self.discovery().await?;
        if let Some(revocation) = &d.revocation_endpoint {
            let form = vec![
                ("client_id", self.config.client_id.clone()),
                ("token", state.refresh_token.expose().to_string()),
                ("token_type_hint", "refresh_token".into()),
            ];
            self.http.post(revocation).form(&form).send().await?;
        }
        if let Some(end) = &d.end_session_endpoint {
            let _ = self.http.get(end).query(&[("id_token_hint", session.id_token.expose())]).send().await;
        }
        Ok(())
    }
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
