//! Which browser pages may call the host: any origin reads discovery and the
//! CapabilityStatement; only registered apps' origins call the token endpoint and the
//! FHIR facade, and each app only from its own.

use crate::state::Host;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The `Origin` a browser sent, if any.
pub fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// `response` allowed to the page at `origin` (which the caller has checked).
pub fn allow(mut response: Response, origin: &str) -> Response {
    let h = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    h.insert(header::VARY, HeaderValue::from_static("origin"));
    response
}

/// `response` readable by any page.
pub fn allow_any(mut response: Response) -> Response {
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// A preflight answered for registered apps' origins only, for `methods` with
/// `request_headers`, exposing `exposed` response headers.
pub fn preflight(
    host: &Host,
    headers: &HeaderMap,
    methods: &'static str,
    request_headers: &'static str,
    exposed: &'static str,
) -> Response {
    match origin(headers) {
        Some(o) if host.apps.iter().any(|a| a.origin() == o) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let h = response.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(request_headers));
            if !exposed.is_empty() {
                h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(exposed));
            }
            allow(response, o)
        }
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}
