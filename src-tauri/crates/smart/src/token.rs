//! The token endpoint: an authorization code (with its PKCE verifier) or a refresh token
//! for an access token, with the launch context beside it as SMART says (`patient`,
//! `encounter`, `need_patient_banner`, `smart_style_url`), an `id_token` naming the
//! clinician (`fhirUser`) when `openid fhirUser` was granted, and a refresh token, good
//! only within the clinician's session, when `online_access` was.
//!
//! Browsers may call it only from a registered app's origin (CORS).

use crate::oauth_error::{no_store, OAuthError};
use crate::registry::{LaunchContext, ACCESS_LIFETIME};
use crate::state::{random_token, Host};
use arbeidsflate_config::apps::AppRegistration;
use arbeidsflate_model::smart_scope::{Grant, SmartScope};
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

type Params = Vec<(String, String)>;

/// CORS preflight: only registered apps' origins may call the token endpoint.
pub async fn preflight(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    crate::cors::preflight(&host, &headers, "POST", "content-type, authorization", "")
}

pub async fn token(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    form: Result<Form<Params>, FormRejection>,
) -> Response {
    let Ok(Form(params)) = form else {
        return OAuthError::invalid_request("the body must be application/x-www-form-urlencoded").into_response();
    };
    let mut map: HashMap<&str, &str> = HashMap::new();
    for (k, v) in &params {
        if map.insert(k.as_str(), v.as_str()).is_some() {
            return OAuthError::invalid_request(format!("the parameter {k} is given twice")).into_response();
        }
    }
    let app = match crate::client_auth::authenticate(&host, &map).await {
        Ok(app) => app,
        Err(e) => return e.into_response(),
    };
    let from = crate::cors::origin(&headers);
    if from.is_some_and(|o| o != app.origin()) {
        return OAuthError::invalid_client("the request comes from another origin than the app's").into_response();
    }
    let result = match map.get("grant_type") {
        Some(&"authorization_code") => by_code(&host, app, &map),
        Some(&"refresh_token") => by_refresh(&host, app, &map),
        _ => Err(OAuthError::new("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")),
    };
    let response = match result {
        Ok(body) => {
            let mut r = Json(body).into_response();
            no_store(&mut r);
            r
        }
        Err(e) => e.into_response(),
    };
    match from {
        Some(o) => crate::cors::allow(response, o),
        None => response,
    }
}

fn by_code(host: &Host, app: &AppRegistration, params: &HashMap<&str, &str>) -> Result<serde_json::Value, OAuthError> {
    let code = params.get("code").ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let now = host.clock.now();
    let pending = host
        .registry()
        .take_code(code, now)
        .map_err(|_| OAuthError::invalid_grant("the code is unknown, used or expired"))?;
    if pending.context.app_id != app.id {
        return Err(OAuthError::invalid_grant("the code was issued to another app"));
    }
    if params.get("redirect_uri") != Some(&pending.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant("redirect_uri differs from the authorization request's"));
    }
    let verifier = params.get("code_verifier").ok_or_else(|| OAuthError::invalid_grant("code_verifier is required"))?;
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != pending.code_challenge {
        return Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge"));
    }
    Ok(issue(host, pending.context, pending.grant, pending.nonce))
}

fn by_refresh(
    host: &Host,
    app: &AppRegistration,
    params: &HashMap<&str, &str>,
) -> Result<serde_json::Value, OAuthError> {
    let token = params.get("refresh_token").ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let (context, grant) = host
        .registry()
        .take_refresh(token, &app.id)
        .map_err(|_| OAuthError::invalid_grant("the refresh token is unknown, used, or its session has ended"))?;
    Ok(issue(host, context, grant, None))
}

/// A fresh access token (and refresh token, with `online_access`) for `grant`.
fn issue(host: &Host, context: LaunchContext, grant: Grant, nonce: Option<String>) -> serde_json::Value {
    let now = host.clock.now();
    let access_token = random_token();
    let refresh_token = grant.has(&SmartScope::OnlineAccess).then(random_token);
    host.registry().issue(access_token.clone(), refresh_token.clone(), context.clone(), grant.clone(), now);
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_LIFETIME.num_seconds(),
        "scope": grant.to_string(),
        "patient": context.patient,
        "need_patient_banner": !context.embedded,
        "smart_style_url": format!("{}/smart-style.json", host.base),
    });
    if let Some(app_context) = &context.app_context {
        body["appContext"] = json!(app_context);
    }
    if let Some(encounter) = &context.encounter {
        body["encounter"] = json!(encounter);
    }
    if let Some(refresh) = refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    if grant.has(&SmartScope::OpenId) && grant.has(&SmartScope::FhirUser) {
        let mut claims = json!({
            "iss": host.iss(),
            "sub": context.practitioner,
            "aud": context.app_id,
            "iat": now.timestamp(),
            "exp": (now + ACCESS_LIFETIME).timestamp(),
            "fhirUser": format!("{}/Practitioner/{}", host.iss(), context.practitioner),
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        body["id_token"] = json!(host.id_token_key.sign("JWT", &claims, false));
    }
    body
}
