//! A sample third-party SMART app, "Fallrisiko", served by the sandbox from an origin of
//! its own, for training, demos and supplier tests of the app launch. It is written
//! against the official SMART JavaScript client (`fhirclient` from npm, Apache-2.0),
//! which the binary embeds when built with the `sample-app` feature (the release and
//! window builds are); without it, the pages say so.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Its client id in the sandbox profile's catalogue.
pub const CLIENT_ID: &str = "fallrisiko";
pub const LAUNCH_PATH: &str = "/launch.html";
pub const REDIRECT_PATH: &str = "/app.html";

#[cfg(feature = "sample-app")]
const FHIR_CLIENT: Option<&str> = Some(include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../ui/node_modules/fhirclient/build/fhir-client.pure.min.js"
)));
#[cfg(not(feature = "sample-app"))]
const FHIR_CLIENT: Option<&str> = None;

/// Its own pages may talk to the workspace's loopback SMART host and nothing else.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' http://127.0.0.1:*; \
                   img-src 'self' data:; form-action 'none'; base-uri 'none'";

fn page(content_type: &'static str, body: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn fhir_client() -> Response {
    match FHIR_CLIENT {
        Some(script) => page("text/javascript; charset=utf-8", script),
        None => (StatusCode::SERVICE_UNAVAILABLE, "this build has no sample app (feature sample-app)").into_response(),
    }
}

pub fn router() -> Router {
    const HTML: &str = "text/html; charset=utf-8";
    const JS: &str = "text/javascript; charset=utf-8";
    Router::new()
        .route(LAUNCH_PATH, get(|| async { page(HTML, include_str!("../sample-app/launch.html")) }))
        .route(REDIRECT_PATH, get(|| async { page(HTML, include_str!("../sample-app/app.html")) }))
        .route("/launch.js", get(|| async { page(JS, include_str!("../sample-app/launch.js")) }))
        .route("/app.js", get(|| async { page(JS, include_str!("../sample-app/app.js")) }))
        .route("/app.css", get(|| async { page("text/css; charset=utf-8", include_str!("../sample-app/app.css")) }))
        .route("/fhir-client.js", get(fhir_client))
}
