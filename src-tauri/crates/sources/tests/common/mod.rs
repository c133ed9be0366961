//! Signing in to the sandbox for the adapter tests: a HelseID session asking for
//! every sandbox API, and an authoriser that gives adapters its DPoP-bound tokens.

use helseid::{ClientKeys, HelseIdClient, HelseIdConfig, Session, SigningKey};
use sandbox::Sandbox;
use sources::{AuthFuture, AuthHeaders, RequestAuthorizer, SourceError};
use std::sync::Arc;
use std::time::Duration;

pub struct Authorizer {
    pub client: Arc<HelseIdClient>,
    pub session: Arc<Session>,
}

impl RequestAuthorizer for Authorizer {
    fn authorize<'a>(&'a self, audience: &'a str, method: &'a str, url: &'a str) -> AuthFuture<'a> {
        Box::pin(async move {
            let h = self
                .client
                .api_headers(&self.session, audience, None, method, url)
                .await
                .map_err(|e| SourceError::NoToken(e.to_string()))?;
            Ok(AuthHeaders { authorization: h.authorization.expose().to_string(), dpop: Some(h.dpop) })
        })
    }

    fn observe_nonce(&self, url: &str, nonce: &str) {
        self.client.remember_nonce(url, nonce);
    }
}

pub async fn signed_in(sb: &Sandbox) -> Arc<Authorizer> {
    let http = helseid::http_client(Duration::from_secs(5));
    let config = HelseIdConfig {
        issuer: sb.idp_url.clone(),
        client_id: sandbox::CLIENT_ID.into(),
        scopes: vec![
            "openid".into(),
            "offline_access".into(),
            sandbox::MUNICIPAL_SCOPE.into(),
            sandbox::kjernejournal::SCOPE.into(),
            sandbox::persontjenesten::SCOPE.into(),
            sandbox::sfm::SCOPE.into(),
        ],
        resources: vec![
            sandbox::MUNICIPAL_AUDIENCE.into(),
            sandbox::kjernejournal::AUDIENCE.into(),
            sandbox::persontjenesten::AUDIENCE.into(),
            sandbox::sfm::AUDIENCE.into(),
        ],
        test_pid: Some(sb.clinicians[0].pid.clone()),
        sign_in_timeout: Duration::from_secs(5),
        leeway: Duration::from_secs(30),
        organisation: None,
    };
    let client = HelseIdClient::new(
        http.clone(),
        config,
        ClientKeys { assertion: SigningKey::generate(), dpop: SigningKey::generate() },
    );
    let body = serde_json::json!({"client_id": sandbox::CLIENT_ID, "jwk": client.assertion_public_jwk()});
    http.post(format!("{}/sandbox/register-client", sb.idp_url)).json(&body).send().await.unwrap();
    let session = client.sign_in(&helseid::FollowRedirects(http)).await.unwrap();
    Arc::new(Authorizer { client: Arc::new(client), session: Arc::new(session) })
}
