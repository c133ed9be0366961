//! What an app reads before it asks for anything: the SMART configuration, the OpenID
//! configuration and keys, and the workspace's style. Any origin may read these.

use crate::state::Host;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// The capabilities this host offers: "Clinician access for EHR launch", both client
/// kinds SMART's asymmetric profile allows us, OpenID Connect, banner and style, v2 scopes.
pub const CAPABILITIES: [&str; 11] = [
    "launch-ehr",
    "context-ehr-patient",
    "context-ehr-encounter",
    "permission-patient",
    "permission-user",
    "client-public",
    "client-confidential-asymmetric",
    "sso-openid-connect",
    "context-banner",
    "context-style",
    "permission-v2",
];

fn readable_by_anyone(body: Value) -> Response {
    crate::cors::allow_any(Json(body).into_response())
}

pub async fn smart_configuration(State(host): State<Arc<Host>>) -> Response {
    readable_by_anyone(json!({
        "issuer": host.iss(),
        "jwks_uri": format!("{}/auth/jwks", host.base),
        "authorization_endpoint": host.authorize_url(),
        "token_endpoint": host.token_url(),
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "scopes_supported": ["openid", "fhirUser", "launch", "launch/patient", "launch/encounter", "online_access", "patient/*.cruds"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": CAPABILITIES,
    }))
}

pub async fn openid_configuration(State(host): State<Arc<Host>>) -> Response {
    readable_by_anyone(json!({
        "issuer": host.iss(),
        "jwks_uri": format!("{}/auth/jwks", host.base),
        "authorization_endpoint": host.authorize_url(),
        "token_endpoint": host.token_url(),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "fhirUser"],
    }))
}

pub async fn jwks(State(host): State<Arc<Host>>) -> Response {
    readable_by_anyone(json!({ "keys": [host.id_token_key.public_jwk()] }))
}

/// The workspace's look, for apps inside it (SMART's `smart_style_url`): the colours of
/// `ui/src/app.css`.
pub async fn style() -> Response {
    readable_by_anyone(json!({
        "color_background": "#f3f5f8",
        "color_error": "#c62828",
        "color_highlight": "#0a5aa8",
        "color_modal_backdrop": "rgba(0, 0, 0, 0.4)",
        "color_success": "#1b7f3b",
        "color_text": "#17212b",
        "dim_border_radius": "6px",
        "dim_font_size": "16px",
        "dim_spacing_size": "16px",
        "font_family_body": "system-ui, sans-serif",
        "font_family_heading": "system-ui, sans-serif"
    }))
}
