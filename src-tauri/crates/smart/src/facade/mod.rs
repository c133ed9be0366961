//! The FHIR endpoint apps talk to (`iss`). Each request carries an access token this host
//! issued; the facade checks it, the granted scopes and the patient compartment, and
//! only then asks the workspace ([`Platform`]), which reaches the municipal platform with
//! the clinician's own HelseID token (the app never sees it), answers from the encrypted
//! cache when offline, and writes through the outbox. Every request an app makes with a
//! token is in the access log with the app's id, refused ones too.
//!
//! Not offered: transactions and batches, delete, `_include`/`_revinclude`, chaining,
//! and any type outside [`compartment::OFFERED`].

pub mod compartment;
pub mod platform;
pub mod query;

use crate::registry::AccessGrant;
use crate::state::Host;
use arbeidsflate_model::smart_scope::{Permissions, SmartScope};
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use platform::{AppRequest, Interaction, Outcome, PlatformError, WriteOutcome};
use query::QueryRefusal;
use serde_json::{json, Value};
use std::sync::Arc;

/// The largest resource an app may send (a questionnaire answer, an assessment).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// A FHIR answer: `body` as `application/fhir+json`, never cached.
fn fhir(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/fhir+json; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An OperationOutcome with one issue.
fn outcome(status: StatusCode, code: &str, text: &str) -> Response {
    let severity = if status.is_success() { "information" } else { "error" };
    fhir(
        status,
        json!({"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code, "diagnostics": text}]}),
    )
}

/// A request that passed the token and origin checks: who asks, for what.
struct Caller {
    grant: AccessGrant,
    origin: Option<String>,
}

impl Caller {
    fn request(&self, interaction: Interaction, resource_type: &str) -> AppRequest {
        AppRequest {
            app_id: self.grant.context.app_id.clone(),
            patient: self.grant.context.patient.clone(),
            interaction,
            resource_type: resource_type.to_string(),
        }
    }

    /// `response` with the CORS header for the app's own origin.
    fn answer(&self, response: Response) -> Response {
        match &self.origin {
            Some(origin) => crate::cors::allow(response, origin),
            None => response,
        }
    }
}

/// Why a request is turned away before any app is known to be asking.
enum Rejection {
    NoToken,
    InvalidToken,
    ForeignOrigin,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let challenge = match self {
            Rejection::ForeignOrigin => {
                return outcome(StatusCode::FORBIDDEN, "forbidden", "this origin is not the app's");
            }
            Rejection::NoToken => "Bearer realm=\"arbeidsflate\"",
            Rejection::InvalidToken => "Bearer realm=\"arbeidsflate\", error=\"invalid_token\"",
        };
        let mut r = outcome(StatusCode::UNAUTHORIZED, "login", "an access token from this workspace is required");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        r
    }
}

/// The bearer token's grant, from the app's own origin (when a browser says which).
fn caller(host: &Host, headers: &HeaderMap) -> Result<Caller, Rejection> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .ok_or(Rejection::NoToken)?;
    let now = host.clock.now();
    let grant = host.registry().access(token.trim(), now).map_err(|_| Rejection::InvalidToken)?;
    let origin = crate::cors::origin(headers).map(str::to_string);
    let app_origin = host.app(&grant.context.app_id).map(|a| a.origin()).unwrap_or_default();
    if origin.as_deref().is_some_and(|o| o != app_origin) {
        return Err(Rejection::ForeignOrigin);
    }
    Ok(Caller { grant, origin })
}

/// Refuses, records the refusal, and answers with `status`.
async fn refuse(
    host: &Host,
    caller: &Caller,
    request: &AppRequest,
    status: StatusCode,
    code: &str,
    text: &str,
) -> Response {
    host.platform.log(request, &Outcome::Refused(text.to_string())).await;
    caller.answer(outcome(status, code, text))
}

fn permission(interaction: Interaction) -> Permissions {
    let mut p = Permissions::default();
    match interaction {
        Interaction::Read => p.read = true,
        Interaction::Search => p.search = true,
        Interaction::Create => p.create = true,
        Interaction::Update => p.update = true,
        Interaction::Delete => p.delete = true,
        Interaction::Transaction => {}
    }
    p
}

/// Whether the grant covers `interaction` on `resource_type`.
fn scope_allows(grant: &AccessGrant, interaction: Interaction, resource_type: &str) -> bool {
    grant.grant.permits(resource_type, permission(interaction))
}

fn platform_failure(e: &PlatformError) -> Response {
    match e {
        PlatformError::NotFound => outcome(StatusCode::NOT_FOUND, "not-found", "not found in this patient's record"),
        PlatformError::Conflict(d) => outcome(StatusCode::PRECONDITION_FAILED, "conflict", d),
        PlatformError::Invalid(d) => outcome(StatusCode::UNPROCESSABLE_ENTITY, "processing", d),
        PlatformError::Unavailable(d) => outcome(StatusCode::SERVICE_UNAVAILABLE, "transient", d),
    }
}

/// `GET /fhir/metadata`: what this endpoint offers, readable by anyone.
pub(crate) async fn metadata(State(host): State<Arc<Host>>) -> Response {
    let resources: Vec<Value> = std::iter::once(("Patient", false))
        .chain(compartment::OFFERED.iter().map(|t| (t.resource_type, t.writable)))
        .map(|(rtype, writable)| {
            let mut interactions = vec![json!({"code": "read"}), json!({"code": "search-type"})];
            if writable {
                interactions.extend([json!({"code": "create"}), json!({"code": "update"})]);
            }
            // Apps (and their SMART client) find the patient parameter here.
            let mut params =
                vec![json!({"name": "_id", "type": "token"}), json!({"name": "_lastUpdated", "type": "date"})];
            if rtype != "Patient" {
                params.push(json!({"name": "patient", "type": "reference"}));
            }
            if rtype == "Observation" {
                params.extend([
                    json!({"name": "code", "type": "token"}),
                    json!({"name": "category", "type": "token"}),
                    json!({"name": "date", "type": "date"}),
                ]);
            }
            json!({"type": rtype, "interaction": interactions, "searchParam": params})
        })
        .collect();
    let response = fhir(
        StatusCode::OK,
        json!({
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "implementation": {"description": "Arbeidsflate's FHIR facade for apps in the workspace", "url": host.iss()},
            "rest": [{
                "mode": "server",
                "security": {
                    "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}]}],
                    "extension": [{
                        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                        "extension": [
                            {"url": "authorize", "valueUri": host.authorize_url()},
                            {"url": "token", "valueUri": host.token_url()}
                        ]
                    }]
                },
                "resource": resources
            }]
        }),
    );
    crate::cors::allow_any(response)
}

/// CORS preflight for the FHIR endpoint: registered apps' origins only.
pub(crate) async fn preflight(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    let request_headers = "authorization, content-type, accept, if-match, prefer";
    crate::cors::preflight(&host, &headers, "GET, POST, PUT", request_headers, "location, etag")
}

/// `GET /fhir/{type}/{id}`
pub(crate) async fn read(
    State(host): State<Arc<Host>>,
    Path((resource_type, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let caller = match caller(&host, &headers) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let request = caller.request(Interaction::Read, &resource_type);
    let context = &caller.grant.context;
    // The clinician's own Practitioner, for an app granted `openid fhirUser`.
    let own_practitioner = resource_type == "Practitioner"
        && id == context.practitioner
        && caller.grant.grant.has(&SmartScope::OpenId)
        && caller.grant.grant.has(&SmartScope::FhirUser);
    if !own_practitioner {
        if resource_type != "Patient" && compartment::offered(&resource_type).is_none() {
            return refuse(
                &host,
                &caller,
                &request,
                StatusCode::FORBIDDEN,
                "forbidden",
                "this type is not offered to apps",
            )
            .await;
        }
        if !scope_allows(&caller.grant, Interaction::Read, &resource_type) {
            return refuse(
                &host,
                &caller,
                &request,
                StatusCode::FORBIDDEN,
                "forbidden",
                "the granted scopes do not allow reading this",
            )
            .await;
        }
        if resource_type == "Patient" && id != context.patient {
            return refuse(
                &host,
                &caller,
                &request,
                StatusCode::NOT_FOUND,
                "not-found",
                "not found in this patient's record",
            )
            .await;
        }
    }
    host.platform.log(&request, &Outcome::Allowed).await;
    match host.platform.read(&request, &id).await {
        Ok(resource) if own_practitioner && resource["resourceType"] == "Practitioner" => {
            caller.answer(fhir(StatusCode::OK, resource))
        }
        Ok(resource) if compartment::belongs(&resource, &resource_type, &context.patient, &host.iss()) => {
            caller.answer(fhir(StatusCode::OK, resource))
        }
        // Another patient's resource is answered as if it did not exist.
        Ok(_) => caller.answer(platform_failure(&PlatformError::NotFound)),
        Err(e) => caller.answer(platform_failure(&e)),
    }
}

/// `GET /fhir/{type}?…`
pub(crate) async fn search_by_get(
    State(host): State<Arc<Host>>,
    Path(resource_type): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    search(&host, &resource_type, params, &headers).await
}

/// `POST /fhir/{type}/_search` with the parameters as a form.
pub(crate) async fn search_by_post(
    State(host): State<Arc<Host>>,
    Path(resource_type): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    Form(mut params): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(q) = query {
        params.extend(url::form_urlencoded::parse(q.as_bytes()).into_owned());
    }
    search(&host, &resource_type, params, &headers).await
}

async fn search(host: &Host, resource_type: &str, params: Vec<(String, String)>, headers: &HeaderMap) -> Response {
    let caller = match caller(host, headers) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let request = caller.request(Interaction::Search, resource_type);
    let patient = caller.grant.context.patient.clone();
    let iss = host.iss();
    let forwarded = match query::narrow(resource_type, &params, &patient, &iss) {
        Ok(f) => f,
        Err(QueryRefusal::OutsideCompartment(why)) => {
            return refuse(host, &caller, &request, StatusCode::FORBIDDEN, "forbidden", &why).await
        }
        Err(QueryRefusal::Unsupported(why)) => {
            return refuse(host, &caller, &request, StatusCode::BAD_REQUEST, "not-supported", &why).await
        }
    };
    if !scope_allows(&caller.grant, Interaction::Search, resource_type) {
        return refuse(
            host,
            &caller,
            &request,
            StatusCode::FORBIDDEN,
            "forbidden",
            "the granted scopes do not allow searching this",
        )
        .await;
    }
    host.platform.log(&request, &Outcome::Allowed).await;
    let found = match host.platform.search(&request, &forwarded).await {
        Ok(found) => found,
        Err(e) => return caller.answer(platform_failure(&e)),
    };
    let total = found.len();
    let entries: Vec<Value> = found
        .into_iter()
        .filter(|r| compartment::belongs(r, resource_type, &patient, &iss))
        .map(|r| {
            let full_url = format!("{iss}/{resource_type}/{}", r["id"].as_str().unwrap_or_default());
            json!({"fullUrl": full_url, "resource": r, "search": {"mode": "match"}})
        })
        .collect();
    if entries.len() != total {
        tracing::warn!(dropped = total - entries.len(), "the platform answered resources outside the compartment");
    }
    let self_link =
        url::Url::parse_with_params(&format!("{iss}/{resource_type}"), &params).map(String::from).unwrap_or_default();
    caller.answer(fhir(
        StatusCode::OK,
        json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": entries.len(),
            "link": [{"relation": "self", "url": self_link}],
            "entry": entries,
        }),
    ))
}

/// `POST /fhir/{type}`: create.
pub(crate) async fn create(
    State(host): State<Arc<Host>>,
    Path(resource_type): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&host, &resource_type, None, &headers, &body).await
}

/// `PUT /fhir/{type}/{id}`: update (with `If-Match` for a version).
pub(crate) async fn update(
    State(host): State<Arc<Host>>,
    Path((resource_type, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&host, &resource_type, Some(id), &headers, &body).await
}

async fn write(host: &Host, resource_type: &str, id: Option<String>, headers: &HeaderMap, body: &[u8]) -> Response {
    let caller = match caller(host, headers) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let interaction = if id.is_some() { Interaction::Update } else { Interaction::Create };
    let request = caller.request(interaction, resource_type);
    let patient = caller.grant.context.patient.clone();
    let iss = host.iss();
    // Refuses (and logs the refusal) from inside this function.
    macro_rules! refused {
        ($status:expr, $code:expr, $text:expr $(,)?) => {
            refuse(host, &caller, &request, $status, $code, $text).await
        };
    }
    let writable = compartment::offered(resource_type).is_some_and(|t| t.writable);
    let may_write = host.app(&caller.grant.context.app_id).is_some_and(|a| a.may_write);
    if !writable || !may_write || !scope_allows(&caller.grant, interaction, resource_type) {
        return refused!(StatusCode::FORBIDDEN, "forbidden", "the app may not write this type");
    }
    let Ok(mut resource) = serde_json::from_slice::<Value>(body) else {
        return refused!(StatusCode::BAD_REQUEST, "structure", "the body is not a FHIR JSON resource");
    };
    if !resource.is_object() || resource["resourceType"] != resource_type {
        return refused!(StatusCode::BAD_REQUEST, "structure", "the body's resourceType must match the address");
    }
    let element = compartment::offered(resource_type).expect("writable").patient_element;
    // The facade's absolute form of the patient becomes the platform's relative one.
    if resource[element]["reference"] == format!("{iss}/Patient/{patient}") {
        resource[element]["reference"] = json!(format!("Patient/{patient}"));
    }
    if !compartment::belongs(&resource, resource_type, &patient, &iss) {
        return refused!(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a resource an app writes must belong to the patient it was launched for",
        );
    }
    let if_match = match &id {
        Some(id) => {
            if resource["id"] != id.as_str() {
                return refused!(StatusCode::BAD_REQUEST, "structure", "the body's id must match the address");
            }
            // The resource being replaced must be this patient's too.
            let read = caller.request(Interaction::Read, resource_type);
            match host.platform.read(&read, id).await {
                Ok(existing) if compartment::belongs(&existing, resource_type, &patient, &iss) => {}
                Ok(_) | Err(PlatformError::NotFound) => {
                    return refused!(StatusCode::NOT_FOUND, "not-found", "not found in this patient's record")
                }
                Err(e) => return caller.answer(platform_failure(&e)),
            }
            // An update is made on the version the app read, or not at all: never a blind overwrite.
            let version = headers
                .get(header::IF_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().trim_start_matches("W/").trim_matches('"').to_string())
                .filter(|v| !v.is_empty());
            if version.is_none() {
                return refused!(
                    StatusCode::PRECONDITION_REQUIRED,
                    "conflict",
                    "an update needs If-Match with the version the app read"
                );
            }
            version
        }
        None => {
            if let Some(map) = resource.as_object_mut() {
                map.remove("id");
                map.remove("meta");
            }
            None
        }
    };
    host.platform.log(&request, &Outcome::Allowed).await;
    match host.platform.write(&request, resource.clone(), if_match).await {
        Ok(WriteOutcome::Stored { id, version }) => {
            resource["id"] = json!(id);
            let mut location = format!("{iss}/{resource_type}/{id}");
            if let Some(v) = &version {
                resource["meta"]["versionId"] = json!(v);
                location.push_str(&format!("/_history/{v}"));
            }
            let status = if interaction == Interaction::Create { StatusCode::CREATED } else { StatusCode::OK };
            let mut response = fhir(status, resource);
            response.headers_mut().insert(header::LOCATION, HeaderValue::from_str(&location).expect("ascii"));
            if let Some(v) = version {
                if let Ok(etag) = HeaderValue::from_str(&format!("W/\"{v}\"")) {
                    response.headers_mut().insert(header::ETAG, etag);
                }
            }
            caller.answer(response)
        }
        Ok(WriteOutcome::Queued) => caller.answer(outcome(
            StatusCode::ACCEPTED,
            "informational",
            "saved in the workspace's outbox; it is sent when the network is back",
        )),
        Err(e) => caller.answer(platform_failure(&e)),
    }
}

/// `POST /fhir`: transactions and batches are not offered (each entry would need the
/// checks a single write gets; apps write one resource at a time).
pub(crate) async fn transaction_refused(State(host): State<Arc<Host>>, headers: HeaderMap) -> Response {
    never_offered(
        &host,
        &headers,
        Interaction::Transaction,
        "Bundle",
        "transactions and batches are not offered: write resources one at a time",
    )
    .await
}

/// `DELETE /fhir/{type}/{id}`: apps do not delete from the record.
pub(crate) async fn delete_refused(
    State(host): State<Arc<Host>>,
    Path((resource_type, _id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    never_offered(&host, &headers, Interaction::Delete, &resource_type, "apps may not delete from the record").await
}

async fn never_offered(
    host: &Host,
    headers: &HeaderMap,
    interaction: Interaction,
    resource_type: &str,
    why: &str,
) -> Response {
    match caller(host, headers) {
        Ok(caller) => {
            let request = caller.request(interaction, resource_type);
            refuse(host, &caller, &request, StatusCode::METHOD_NOT_ALLOWED, "not-supported", why).await
        }
        Err(r) => r.into_response(),
    }
}
