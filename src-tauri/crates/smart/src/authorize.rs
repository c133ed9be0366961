//! The authorization endpoint (GET and POST, as SMART requires both). The clinician is
//! signed in already and launched the app from the workspace, and IT approved the app in
//! the catalogue, so there is nothing to ask: a valid request is answered at once with a
//! code. Until the client and its exact redirect URI are known, a refusal is a page of
//! its own (never a redirect anywhere); after that, it goes back to the app as OAuth says.

use crate::registry::CodeBinding;
use crate::state::{random_token, Host};
use arbeidsflate_model::smart_scope::Grant;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use std::collections::HashMap;
use std::sync::Arc;

type Params = Vec<(String, String)>;

pub async fn by_get(State(host): State<Arc<Host>>, Query(params): Query<Params>) -> Response {
    authorize(&host, params)
}

pub async fn by_post(State(host): State<Arc<Host>>, Form(params): Form<Params>) -> Response {
    authorize(&host, params)
}

/// A refusal shown to the user, for a request that cannot be sent back to any app.
fn refusal_page(reason: &str) -> Response {
    let body = format!("Arbeidsflate refused the app's sign-in request: {reason}\n");
    let mut response = (StatusCode::BAD_REQUEST, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Back to the app's redirect URI with `query` added.
fn back_to(redirect_uri: &str, query: &[(&str, &str)]) -> Response {
    let mut url = url::Url::parse(redirect_uri).expect("a registered redirect URI is a URL");
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    let mut response = (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response();
    crate::oauth_error::no_store(&mut response);
    response
}

fn authorize(host: &Host, params: Params) -> Response {
    let mut map: HashMap<&str, &str> = HashMap::new();
    for (k, v) in &params {
        if map.insert(k.as_str(), v.as_str()).is_some() {
            return refusal_page(&format!("the parameter {k} is given twice"));
        }
    }
    let Some(app) = map.get("client_id").and_then(|id| host.app(id)) else {
        return refusal_page("the app (client_id) is not in this workspace's catalogue");
    };
    let Some(redirect_uri) = map.get("redirect_uri").copied() else {
        return refusal_page("the request names no redirect_uri");
    };
    if !app.redirect_uris.iter().any(|r| r == redirect_uri) {
        return refusal_page("the redirect_uri is not one the app registered");
    }
    // From here, the app hears why, at its own address.
    let state = map.get("state").copied().unwrap_or_default();
    let refuse = |code: &str, description: &str| {
        let mut query = vec![("error", code), ("error_description", description)];
        if !state.is_empty() {
            query.push(("state", state));
        }
        back_to(redirect_uri, &query)
    };
    if map.get("response_type") != Some(&"code") {
        return refuse("unsupported_response_type", "only response_type=code is supported");
    }
    if state.is_empty() {
        return refuse("invalid_request", "state is required");
    }
    match map.get("code_challenge_method") {
        Some(&"S256") => {}
        Some(&"plain") => return refuse("invalid_request", "PKCE method plain is not supported: use S256"),
        _ => return refuse("invalid_request", "PKCE is required: code_challenge_method=S256"),
    }
    let challenge = map.get("code_challenge").copied().unwrap_or_default();
    if challenge.len() != 43 || !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return refuse(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the verifier (43 characters)",
        );
    }
    let iss = host.iss();
    if map.get("aud").map(|a| a.trim_end_matches('/')) != Some(iss.as_str()) {
        return refuse("invalid_request", "aud must be this server's FHIR base URL (the iss of the launch)");
    }
    let Some(handle) = map.get("launch") else {
        return refuse("invalid_request", "launch is required: apps start from the workspace (EHR launch)");
    };
    let grant = Grant::narrow(map.get("scope").copied().unwrap_or_default(), &app.allowed_scopes());
    if grant.scopes().is_empty() {
        return refuse("invalid_scope", "none of the requested scopes is allowed for this app");
    }
    let now = host.clock.now();
    let context = match host.registry().take_launch(handle, &app.id, now) {
        Ok(context) => context,
        Err(why) => {
            tracing::warn!(app = %app.id, ?why, "a launch handle was refused");
            return refuse("invalid_request", "the launch is unknown, used, expired or for another app: launch again");
        }
    };
    let code = random_token();
    let nonce = map.get("nonce").map(|n| n.to_string());
    let binding = CodeBinding {
        context,
        redirect_uri: redirect_uri.to_string(),
        code_challenge: challenge.to_string(),
        grant,
        nonce,
    };
    host.registry().add_code(code.clone(), binding, now);
    back_to(redirect_uri, &[("code", &code), ("state", state)])
}
