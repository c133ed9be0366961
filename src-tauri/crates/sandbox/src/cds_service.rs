//! A CDS Hooks 2.0.1 decision-support service on loopback, so the workspace's CDS
//! client has a peer to be tested, demonstrated and trained against without a real
//! vendor's service: discovery, one `patient-view` service ("klinisk-vurdering") and
//! its feedback endpoint. Written from the specification, apart from the client.
//!
//! Every call must carry a client JWT ([`crate::cds_auth`]). The service reads what the
//! client prefetched; what it left out it fetches from the client's `fhirServer` with
//! the `fhirAuthorization` token, and without those it answers 412, as the
//! specification says. The clinical rules themselves are in [`crate::cds_rules`].

use crate::cds_auth::{self, ClientKeys, SeenJtis};
use crate::cds_rules::{self, CardSetting, PatientRecord};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clock::SharedClock;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The one service's id: it is called at `{base}/cds-services/klinisk-vurdering`.
pub const SERVICE_ID: &str = "klinisk-vurdering";
/// The hook it answers.
pub const HOOK: &str = "patient-view";
/// Larger request bodies are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// What the service asks the client to prefetch, each key needed by a rule.
pub const PREFETCH: [(&str, &str); 4] = [
    ("patient", "Patient/{{context.patientId}}"),
    ("vitals", "Observation?patient={{context.patientId}}&category=vital-signs"),
    ("medications", "MedicationStatement?patient={{context.patientId}}"),
    ("allergies", "AllergyIntolerance?patient={{context.patientId}}"),
];
/// CDS Hooks expects an answer in about half a second: a FHIR server that takes longer
/// than this over one request has already made the call useless.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Pages of one search the service follows before giving up (a `next` link can loop).
const MAX_PAGES: usize = 50;
/// The largest page it reads from a FHIR server.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

pub struct CdsState {
    /// Scheme, host and port the service is reached at: the `aud` of every client JWT.
    base_url: String,
    /// The sample SMART app the fall-risk card launches.
    sample_app_url: String,
    clock: SharedClock,
    clients: ClientKeys,
    seen_jtis: SeenJtis,
    /// Calls to the service URL, authorised or not.
    hook_calls: AtomicU64,
    /// Every feedback entry accepted, as the client sent it.
    feedback: Mutex<Vec<Value>>,
    http: reqwest::Client,
}

impl CdsState {
    pub fn new(base_url: String, sample_app_url: String, clock: SharedClock) -> Self {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            // A redirect must not carry the client's FHIR token anywhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Arbeidsflate-sandbox-CDS")
            .build()
            .expect("HTTP client with static configuration");
        Self {
            base_url,
            sample_app_url,
            clock,
            clients: ClientKeys::default(),
            seen_jtis: SeenJtis::default(),
            hook_calls: AtomicU64::new(0),
            feedback: Mutex::default(),
            http,
        }
    }

    /// Calls to the service URL so far, authorised or not.
    pub fn hook_calls(&self) -> u64 {
        self.hook_calls.load(Ordering::Relaxed)
    }

    /// The feedback entries accepted so far, in the order they came.
    pub fn feedback(&self) -> Vec<Value> {
        self.feedback.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn discovery_url(&self) -> String {
        format!("{}/cds-services", self.base_url)
    }

    fn service_url(&self) -> String {
        format!("{}/cds-services/{SERVICE_ID}", self.base_url)
    }

    fn feedback_url(&self) -> String {
        format!("{}/feedback", self.service_url())
    }

    /// The client calling, or the 401 that refuses it. `audiences` are the URLs the
    /// token may name: the ones this route is reached at, from the sandbox's own base
    /// URL (never the Host header, which the caller chooses).
    fn authenticate(&self, headers: &HeaderMap, audiences: &[&str]) -> Result<String, Refusal> {
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        cds_auth::verify(authorization, audiences, &self.clients, &self.seen_jtis, self.clock.unix_seconds()).map_err(
            |why| {
                tracing::info!(reason = %why, "CDS call refused");
                Refusal::new(StatusCode::UNAUTHORIZED, "invalid_token", why)
            },
        )
    }
}

/// rustls needs one process-wide crypto provider; ring is the workspace's.
fn install_crypto_provider() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub fn router(state: Arc<CdsState>) -> Router {
    Router::new()
        .route("/cds-services", get(discovery))
        .route("/cds-services/{id}", post(hook_call))
        .route("/cds-services/{id}/feedback", post(feedback))
        // Where each card's source links to.
        .route("/om", get(about))
        // Not part of CDS Hooks: stands in for IT registering the workspace's public key
        // with the service out of band.
        .route("/sandbox/register-client", post(register_client))
        // Not part of CDS Hooks either: what the service was told, for supplier tests and
        // training (a standalone sandbox is another process).
        .route("/sandbox/feedback", get(told))
        .with_state(state)
}

async fn told(State(s): State<Arc<CdsState>>) -> axum::Json<Value> {
    axum::Json(Value::Array(s.feedback()))
}

/// Why a call is refused: its status, an error code and a reason the client can act on,
/// answered as `{"error", "error_description"}`.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self { status, error, description: description.into() }
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// CDS Hooks' answer when the service cannot get the data it needs.
    fn precondition(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, error, description)
    }

    fn unknown_service(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_service",
            format!("there is no CDS service {id} here; see /cds-services"),
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = Json(json!({"error": self.error, "error_description": self.description}));
        let mut response = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = "Bearer error=\"invalid_token\"".parse().expect("a static header value");
            response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// The discovery document: the one service, and what it wants prefetched.
pub fn discovery_document() -> Value {
    let prefetch: Map<String, Value> = PREFETCH.iter().map(|(key, query)| (key.to_string(), json!(query))).collect();
    json!({"services": [{
        "hook": HOOK,
        "id": SERVICE_ID,
        "title": "Klinisk vurdering (sandkasse)",
        "description": "Syntetisk beslutningsstøtte for test og opplæring: varsler om NEWS2 som krever rask vurdering, \
                        allergi mot et legemiddel på legemiddellisten og sovemidler hos pasienter over 80 år.",
        "prefetch": prefetch,
        "usageRequirements": "Hvert kall krever en klient-JWT (ES384, RS384 eller ES256) signert med en nøkkel som er \
                              registrert hos tjenesten. Det som ikke er forhåndshentet, hentes fra fhirServer med \
                              fhirAuthorization; uten dem svarer tjenesten 412."
    }]})
}

async fn discovery(State(s): State<Arc<CdsState>>, headers: HeaderMap) -> Result<Json<Value>, Refusal> {
    s.authenticate(&headers, &[&s.discovery_url()])?;
    Ok(Json(discovery_document()))
}

async fn about() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>Sandkassens beslutningsstøtte</title>\
         </head><body><h1>Sandkassens beslutningsstøtte</h1><p>En CDS Hooks-tjeneste i Arbeidsflates sandkasse, for \
         test og opplæring. Reglene er forenklede og bygger på syntetiske data: NEWS2 på 5 eller mer (eller 3 i én \
         parameter), allergi mot et legemiddel i samme legemiddelgruppe, og benzodiazepiner eller z-hypnotika hos \
         pasienter over 80 år.</p><p>Kortene er ikke medisinske råd.</p></body></html>",
    )
}

async fn register_client(State(s): State<Arc<CdsState>>, body: Bytes) -> Result<StatusCode, Refusal> {
    let registration: Value =
        serde_json::from_slice(&body).map_err(|e| Refusal::bad_request(format!("the body is not JSON: {e}")))?;
    let iss = registration["iss"].as_str().ok_or_else(|| Refusal::bad_request("iss is required"))?;
    if !registration["jwk"].is_object() {
        return Err(Refusal::bad_request("jwk is required (a public JSON Web Key)"));
    }
    s.clients.register(iss, &registration["jwk"]).map_err(Refusal::bad_request)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body, at most [`MAX_BODY_BYTES`], or the 413 that refuses it.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
    let too_large = || {
        let why = format!("the body is larger than {MAX_BODY_BYTES} bytes");
        Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", why)
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| too_large())
}

async fn hook_call(
    State(s): State<Arc<CdsState>>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, Refusal> {
    if id != SERVICE_ID {
        return Err(Refusal::unknown_service(&id));
    }
    s.hook_calls.fetch_add(1, Ordering::Relaxed);
    let (parts, body) = request.into_parts();
    // The caller first: nothing of the call is looked at before it is known.
    let client = s.authenticate(&parts.headers, &[&s.service_url()])?;
    let body = read_body(&parts.headers, body).await?;
    let call = HookCall::parse(&body).map_err(Refusal::bad_request)?;
    let data = s.gather(&call).await?;
    let record = PatientRecord {
        patient_id: &call.patient_id,
        patient: data.patient.as_ref(),
        vitals: &data.vitals,
        medications: &data.medications,
        allergies: &data.allergies,
    };
    let source_url = format!("{}/om", s.base_url);
    let setting = CardSetting { now: s.clock.now(), source_url: &source_url, sample_app_url: &s.sample_app_url };
    let cards = cds_rules::cards(&record, &setting);
    tracing::info!(client = %client, cards = cards.len(), fetched = data.fetched, "CDS hook answered");
    Ok(Json(json!({"cards": cards})))
}

/// A hook call, checked: what the rules and the FHIR fallback need from it.
struct HookCall {
    patient_id: String,
    fhir: Option<FhirAccess>,
    prefetch: Map<String, Value>,
}

/// The client's FHIR server and the bearer token it handed the service for this call.
struct FhirAccess {
    /// The base URL without a trailing slash.
    server: String,
    token: String,
}

impl HookCall {
    fn parse(body: &[u8]) -> Result<Self, String> {
        let request: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
        let request = request.as_object().ok_or("the body must be a JSON object")?;
        let hook = text(request.get("hook")).ok_or("hook is required")?;
        if hook != HOOK {
            return Err(format!("this service answers the {HOOK} hook, not {hook}"));
        }
        let instance = text(request.get("hookInstance")).ok_or("hookInstance is required")?;
        if !is_uuid(instance) {
            return Err("hookInstance must be a UUID".into());
        }
        let context = request.get("context").and_then(Value::as_object).ok_or("context is required (an object)")?;
        let user = text(context.get("userId")).ok_or("context.userId is required")?;
        let user_ok = user.split_once('/').is_some_and(|(rtype, id)| {
            matches!(rtype, "Practitioner" | "PractitionerRole" | "Patient" | "RelatedPerson") && is_fhir_id(id)
        });
        if !user_ok {
            return Err("context.userId must be a reference such as Practitioner/123".into());
        }
        let patient_id = text(context.get("patientId")).ok_or("context.patientId is required")?;
        if !is_fhir_id(patient_id) {
            return Err("context.patientId must be a FHIR id (letters, digits, - and ., at most 64)".into());
        }
        if context.get("encounterId").is_some_and(|e| !e.as_str().is_some_and(is_fhir_id)) {
            return Err("context.encounterId must be a FHIR id".into());
        }
        let prefetch = match request.get("prefetch") {
            None => Map::new(),
            Some(Value::Object(prefetch)) => prefetch.clone(),
            Some(_) => return Err("prefetch must be an object".into()),
        };
        let server = match request.get("fhirServer") {
            None => None,
            Some(server) => Some(fhir_server(server)?),
        };
        let fhir = match (server, request.get("fhirAuthorization")) {
            (_, None) => None,
            (None, Some(_)) => return Err("fhirAuthorization is given without fhirServer".into()),
            (Some(server), Some(authorization)) => {
                Some(FhirAccess { server, token: fhir_token(authorization, patient_id)? })
            }
        };
        Ok(Self { patient_id: patient_id.to_string(), fhir, prefetch })
    }
}

/// `fhirServer`: an absolute http(s) base URL, without credentials, query or fragment.
fn fhir_server(server: &Value) -> Result<String, String> {
    let wrong = || "fhirServer must be an absolute http(s) URL".to_string();
    let text = server.as_str().ok_or_else(wrong)?;
    let url = url::Url::parse(text).map_err(|_| wrong())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(wrong());
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// The access token of `fhirAuthorization`, after checking the fields the
/// specification requires.
fn fhir_token(authorization: &Value, patient_id: &str) -> Result<String, String> {
    let authorization = authorization.as_object().ok_or("fhirAuthorization must be an object")?;
    let text = |name: &str| authorization.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
    let token = text("access_token").ok_or("fhirAuthorization.access_token is required")?;
    if text("token_type") != Some("Bearer") {
        return Err("fhirAuthorization.token_type must be Bearer".into());
    }
    if authorization.get("expires_in").and_then(Value::as_u64).is_none() {
        return Err("fhirAuthorization.expires_in is required (whole seconds)".into());
    }
    if text("scope").is_none() {
        return Err("fhirAuthorization.scope is required".into());
    }
    if text("subject").is_none() {
        return Err("fhirAuthorization.subject is required (the service's client id)".into());
    }
    if authorization.get("patient").is_some_and(|p| p.as_str() != Some(patient_id)) {
        return Err("fhirAuthorization.patient is not context.patientId".into());
    }
    Ok(token.to_string())
}

/// A string field's value, when it is a non-empty string.
fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn is_fhir_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// A UUID in its usual form (8-4-4-4-12 hexadecimal digits).
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The resources the rules read, and how many prefetch keys had to be fetched.
struct PatientData {
    patient: Option<Value>,
    vitals: Vec<Value>,
    medications: Vec<Value>,
    allergies: Vec<Value>,
    fetched: usize,
}

/// Where one prefetch key's data came from: the client's mistakes in what it sent are
/// its request's fault (400); the FHIR server's answers are filtered as a search is.
#[derive(Clone, Copy, PartialEq)]
enum Origin {
    Prefetched,
    Fetched,
}

impl CdsState {
    /// Each prefetch key's data: as prefetched, or fetched from the client's FHIR server.
    async fn gather(&self, call: &HookCall) -> Result<PatientData, Refusal> {
        let mut found: Vec<(&str, Option<Value>, Origin)> = Vec::new();
        let mut missing = Vec::new();
        for (key, _) in PREFETCH {
            match call.prefetch.get(key) {
                None => missing.push(key),
                // The client's way of saying it tried and failed (CDS Hooks 2.0): fetch it ourselves.
                Some(v) if v["resourceType"] == "OperationOutcome" => missing.push(key),
                // Present and null: the client has no such data.
                Some(Value::Null) => found.push((key, None, Origin::Prefetched)),
                Some(v) => found.push((key, Some(v.clone()), Origin::Prefetched)),
            }
        }
        let fetched = missing.len();
        if !missing.is_empty() {
            let Some(access) = &call.fhir else {
                let why = format!(
                    "the request lacks prefetch {} and carries no fhirServer and fhirAuthorization to fetch it with",
                    missing.join(", ")
                );
                return Err(Refusal::precondition("missing_prefetch", why));
            };
            let queries = missing.iter().map(|key| self.fetch(access, key, &call.patient_id));
            for (key, result) in missing.iter().zip(futures_util::future::join_all(queries).await) {
                match result {
                    Ok(data) => found.push((key, data, Origin::Fetched)),
                    Err(why) => {
                        tracing::info!(key = %key, reason = %why, "CDS service could not fetch from fhirServer");
                        let why = format!("could not fetch {key} from fhirServer: {why}");
                        return Err(Refusal::precondition("fhir_fetch_failed", why));
                    }
                }
            }
        }
        // A prefetched search may be paged: with access to the server, read the rest.
        if let Some(access) = &call.fhir {
            for (key, data, origin) in found.iter_mut() {
                if *origin == Origin::Prefetched
                    && *key != "patient"
                    && data.as_ref().is_some_and(|d| next_link(d).is_some())
                {
                    let first = data.take().unwrap_or_default();
                    *data = Some(self.all_pages(access, first, None).await.map_err(|why| {
                        let why = format!("could not read the rest of prefetch {key} from fhirServer: {why}");
                        Refusal::precondition("fhir_fetch_failed", why)
                    })?);
                }
            }
        }
        let mut data =
            PatientData { patient: None, vitals: Vec::new(), medications: Vec::new(), allergies: Vec::new(), fetched };
        for (key, value, origin) in found {
            let Some(value) = value else { continue };
            let refuse = |why: String| match origin {
                Origin::Prefetched => Refusal::bad_request(format!("prefetch {key}: {why}")),
                Origin::Fetched => {
                    Refusal::precondition("fhir_fetch_failed", format!("fhirServer's answer for {key}: {why}"))
                }
            };
            match key {
                "patient" => {
                    if value["resourceType"] != "Patient" || value["id"] != call.patient_id.as_str() {
                        return Err(refuse("is not the Patient resource of context.patientId".into()));
                    }
                    data.patient = Some(value);
                }
                "vitals" => {
                    data.vitals = matches(&value, "Observation", "subject", &call.patient_id, origin).map_err(refuse)?
                }
                "medications" => {
                    data.medications =
                        matches(&value, "MedicationStatement", "subject", &call.patient_id, origin).map_err(refuse)?
                }
                _ => {
                    data.allergies =
                        matches(&value, "AllergyIntolerance", "patient", &call.patient_id, origin).map_err(refuse)?
                }
            }
        }
        Ok(data)
    }

    /// One prefetch key's query, run against the client's FHIR server with its token:
    /// `None` when the Patient read finds no one.
    async fn fetch(&self, access: &FhirAccess, key: &str, patient_id: &str) -> Result<Option<Value>, String> {
        let template = PREFETCH.iter().find(|(k, _)| *k == key).map(|(_, t)| *t).unwrap_or_default();
        // The id is a checked FHIR id: nothing in it needs encoding.
        let url = format!("{}/{}", access.server, template.replace("{{context.patientId}}", patient_id));
        let is_read = key == "patient";
        let Some(first) = self.get_json(access, &url, is_read).await? else { return Ok(None) };
        if is_read {
            return Ok(Some(first));
        }
        self.all_pages(access, first, Some(&url)).await.map(Some)
    }

    /// A searchset with every page's entries, following `next` links that stay on the
    /// client's FHIR server (its token goes nowhere else).
    async fn all_pages(&self, access: &FhirAccess, first: Value, first_url: Option<&str>) -> Result<Value, String> {
        if first["resourceType"] != "Bundle" {
            return Err("the search did not answer with a Bundle".into());
        }
        let mut visited: HashSet<String> = first_url.map(str::to_string).into_iter().collect();
        let mut entries: Vec<Value> = first["entry"].as_array().cloned().unwrap_or_default();
        let mut page = first;
        while let Some(next) = next_link(&page) {
            if !next.starts_with(&format!("{}/", access.server)) {
                return Err("a next link leads away from fhirServer".into());
            }
            if !visited.insert(next.clone()) {
                return Err("the next links go round in a loop".into());
            }
            if visited.len() > MAX_PAGES {
                return Err(format!("the search has more than {MAX_PAGES} pages"));
            }
            page = self.get_json(access, &next, false).await?.ok_or("a next page is gone")?;
            if page["resourceType"] != "Bundle" {
                return Err("a next page is not a Bundle".into());
            }
            entries.extend(page["entry"].as_array().cloned().unwrap_or_default());
        }
        Ok(json!({"resourceType": "Bundle", "type": "searchset", "entry": entries}))
    }

    /// GET a FHIR URL with the client's token. `None` for a read that finds nothing.
    async fn get_json(&self, access: &FhirAccess, url: &str, is_read: bool) -> Result<Option<Value>, String> {
        let mut response = self
            .http
            .get(url)
            .bearer_auth(&access.token)
            .header(header::ACCEPT, "application/fhir+json")
            .send()
            .await
            .map_err(|e| match e {
                e if e.is_timeout() => "the FHIR server did not answer in time".to_string(),
                e if e.is_connect() => "could not connect to the FHIR server".to_string(),
                e => format!("the request failed: {}", e.without_url()),
            })?;
        let status = response.status();
        if is_read && matches!(status, StatusCode::NOT_FOUND | StatusCode::GONE) {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(format!("the FHIR server answered HTTP {}", status.as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| "the FHIR server's answer broke off".to_string())? {
            if body.len() + chunk.len() > MAX_PAGE_BYTES {
                return Err(format!("the FHIR server's answer is larger than {MAX_PAGE_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map(Some).map_err(|_| "the FHIR server's answer is not JSON".to_string())
    }
}

fn next_link(bundle: &Value) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == "next")
        .and_then(|l| l["url"].as_str())
        .map(str::to_string)
}

/// The resources of `rtype` a searchset holds as matches, each about the patient (its
/// `field` referring to `Patient/{id}`). A prefetched bundle holding another patient's
/// resource is refused; a FHIR server's such entry is left out, as an `_include` would be.
fn matches(bundle: &Value, rtype: &str, field: &str, patient_id: &str, origin: Origin) -> Result<Vec<Value>, String> {
    if bundle["resourceType"] != "Bundle" {
        return Err("is not a Bundle".into());
    }
    let own = format!("Patient/{patient_id}");
    let mut resources = Vec::new();
    for entry in bundle["entry"].as_array().into_iter().flatten() {
        let resource = &entry["resource"];
        if resource["resourceType"] != rtype || matches!(entry["search"]["mode"].as_str(), Some("include" | "outcome"))
        {
            continue;
        }
        let reference = resource[field]["reference"].as_str().unwrap_or_default();
        if reference == own || reference.ends_with(&format!("/{own}")) {
            resources.push(resource.clone());
        } else if origin == Origin::Prefetched {
            return Err(format!("holds a {rtype} that is not about context.patientId"));
        }
    }
    Ok(resources)
}

async fn feedback(
    State(s): State<Arc<CdsState>>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Value>, Refusal> {
    if id != SERVICE_ID {
        return Err(Refusal::unknown_service(&id));
    }
    let (parts, body) = request.into_parts();
    let client = s.authenticate(&parts.headers, &[&s.service_url(), &s.feedback_url()])?;
    let body = read_body(&parts.headers, body).await?;
    let entries = feedback_entries(&body).map_err(Refusal::bad_request)?;
    let count = entries.len();
    s.feedback.lock().unwrap_or_else(PoisonError::into_inner).extend(entries);
    tracing::info!(client = %client, entries = count, "CDS feedback recorded");
    Ok(Json(json!({})))
}

/// The entries of a feedback body, all checked before any is recorded.
fn feedback_entries(body: &[u8]) -> Result<Vec<Value>, String> {
    let request: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let entries =
        request["feedback"].as_array().filter(|f| !f.is_empty()).ok_or("feedback must be a non-empty array")?;
    for (i, entry) in entries.iter().enumerate() {
        check_feedback(entry).map_err(|why| format!("feedback[{i}]: {why}"))?;
    }
    Ok(entries.clone())
}

fn check_feedback(entry: &Value) -> Result<(), String> {
    if !entry.is_object() {
        return Err("must be an object".into());
    }
    if !entry["card"].as_str().is_some_and(is_uuid) {
        return Err("card must be the card's uuid".into());
    }
    let timestamp = entry["outcomeTimestamp"].as_str().ok_or("outcomeTimestamp is required")?;
    let at = chrono::DateTime::parse_from_rfc3339(timestamp).map_err(|_| "outcomeTimestamp must be RFC 3339")?;
    if at.offset().local_minus_utc() != 0 {
        return Err("outcomeTimestamp must be in UTC".into());
    }
    let accepted = entry.get("acceptedSuggestions");
    let reason = entry.get("overrideReason");
    match entry["outcome"].as_str() {
        Some("accepted") => {
            let suggestions = accepted
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or("an accepted outcome needs acceptedSuggestions")?;
            if !suggestions.iter().all(|s| s["id"].as_str().is_some_and(is_uuid)) {
                return Err("each accepted suggestion needs the suggestion's uuid as id".into());
            }
            if reason.is_some() {
                return Err("an accepted outcome has no overrideReason".into());
            }
        }
        Some("overridden") => {
            if accepted.is_some() {
                return Err("an overridden card has no acceptedSuggestions".into());
            }
            if let Some(reason) = reason {
                check_override_reason(reason)?;
            }
        }
        _ => return Err("outcome must be accepted or overridden".into()),
    }
    Ok(())
}

fn check_override_reason(reason: &Value) -> Result<(), String> {
    let reason = reason.as_object().ok_or("overrideReason must be an object")?;
    if reason.is_empty() {
        return Err("overrideReason needs a reason or a userComment".into());
    }
    if let Some(coding) = reason.get("reason") {
        let text = |name: &str| coding[name].as_str().is_some_and(|s| !s.is_empty());
        if !coding.is_object() || !text("code") || !text("system") {
            return Err("overrideReason.reason must be a Coding with system and code".into());
        }
    }
    if reason.get("userComment").is_some_and(|c| c.as_str().is_none_or(str::is_empty)) {
        return Err("overrideReason.userComment must be a non-empty string".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(body: Value) -> Result<HookCall, String> {
        HookCall::parse(body.to_string().as_bytes())
    }

    fn valid() -> Value {
        json!({
            "hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"userId": "Practitioner/hp-1", "patientId": "pas-1"}
        })
    }

    #[test]
    fn a_hook_call_needs_its_hook_instance_and_context() {
        assert!(call(valid()).is_ok());
        for (path, value, why) in [
            ("hook", json!("order-sign"), "patient-view"),
            ("hookInstance", json!("1"), "UUID"),
            ("context", json!("pas-1"), "context"),
        ] {
            let mut body = valid();
            body[path] = value;
            assert!(call(body).err().unwrap().contains(why), "{path}");
        }
        let mut no_patient = valid();
        no_patient["context"].as_object_mut().unwrap().remove("patientId");
        assert_eq!(call(no_patient).err().unwrap(), "context.patientId is required");
        let mut odd_patient = valid();
        odd_patient["context"]["patientId"] = json!("../Practitioner/hp-1");
        assert!(call(odd_patient).is_err(), "a patient id that would walk the FHIR server's paths");
        let mut odd_user = valid();
        odd_user["context"]["userId"] = json!("hp-1");
        assert!(call(odd_user).err().unwrap().contains("userId"));
        assert!(HookCall::parse(b"not json").is_err());
    }

    #[test]
    fn fhir_authorization_needs_a_server_and_the_fields_the_specification_requires() {
        let authorization = json!({"access_token": "t", "token_type": "Bearer", "expires_in": 300, "scope": "user/*.read", "subject": "cds"});
        let mut with = valid();
        with["fhirServer"] = json!("http://127.0.0.1:9/fhir/");
        with["fhirAuthorization"] = authorization.clone();
        let parsed = call(with.clone()).unwrap();
        let access = parsed.fhir.unwrap();
        assert_eq!((access.server.as_str(), access.token.as_str()), ("http://127.0.0.1:9/fhir", "t"));

        let mut no_server = with.clone();
        no_server.as_object_mut().unwrap().remove("fhirServer");
        assert!(call(no_server).err().unwrap().contains("without fhirServer"));
        for (field, value) in
            [("token_type", json!("DPoP")), ("expires_in", json!("soon")), ("patient", json!("pas-2"))]
        {
            let mut wrong = with.clone();
            wrong["fhirAuthorization"][field] = value;
            assert!(call(wrong).is_err(), "{field}");
        }
        let mut no_subject = with.clone();
        no_subject["fhirAuthorization"].as_object_mut().unwrap().remove("subject");
        assert!(call(no_subject).is_err());
        let mut bad_server = with;
        bad_server["fhirServer"] = json!("ftp://127.0.0.1/fhir");
        assert!(call(bad_server).is_err());
    }

    #[test]
    fn discovery_names_the_prefetch_templates_exactly() {
        let doc = discovery_document();
        let service = &doc["services"][0];
        assert_eq!(service["id"], SERVICE_ID);
        assert_eq!(service["hook"], "patient-view");
        assert_eq!(service["title"], "Klinisk vurdering (sandkasse)");
        assert_eq!(
            service["prefetch"],
            json!({
                "patient": "Patient/{{context.patientId}}",
                "vitals": "Observation?patient={{context.patientId}}&category=vital-signs",
                "medications": "MedicationStatement?patient={{context.patientId}}",
                "allergies": "AllergyIntolerance?patient={{context.patientId}}"
            })
        );
    }

    #[test]
    fn feedback_shapes_the_specification_allows_and_those_it_does_not() {
        let card = "4e0a3a1e-3283-4575-ab82-028d55fe2719";
        let suggestion = "e56e1945-20b3-4393-8503-a1a20fd73152";
        let ok = |entry: Value| feedback_entries(json!({"feedback": [entry]}).to_string().as_bytes());
        assert!(ok(json!({"card": card, "outcome": "accepted", "acceptedSuggestions": [{"id": suggestion}],
            "outcomeTimestamp": "2026-11-22T08:05:31Z"}))
        .is_ok());
        assert!(
            ok(json!({"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-22T08:05:31.52Z"})).is_ok()
        );
        assert!(ok(json!({"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-22T08:05:31Z",
            "overrideReason": {"reason": {"system": cds_rules::OVERRIDE_SYSTEM, "code": "allerede-vurdert"},
                "userComment": "Sett av lege i dag"}}))
        .is_ok());
        for wrong in [
            json!({"card": "kort-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T08:05:31Z"}),
            json!({"card": card, "outcome": "ignored", "outcomeTimestamp": "2026-11-22T08:05:31Z"}),
            json!({"card": card, "outcome": "accepted", "outcomeTimestamp": "2026-11-22T08:05:31Z"}),
            json!({"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-22T09:05:31+01:00"}),
            json!({"card": card, "outcome": "overridden", "outcomeTimestamp": "i dag"}),
            json!({"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-22T08:05:31Z",
                "overrideReason": {"reason": "allerede-vurdert"}}),
            json!({"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-22T08:05:31Z",
                "acceptedSuggestions": [{"id": suggestion}]}),
        ] {
            assert!(ok(wrong.clone()).is_err(), "{wrong}");
        }
        assert!(feedback_entries(br#"{"feedback": []}"#).is_err());
    }

    #[test]
    fn a_prefetched_bundle_with_another_patients_resource_is_refused_a_fetched_one_is_filtered() {
        let bundle = json!({"resourceType": "Bundle", "type": "searchset", "entry": [
            {"resource": {"resourceType": "MedicationStatement", "subject": {"reference": "Patient/pas-1"}}},
            {"resource": {"resourceType": "MedicationStatement", "subject": {"reference": "http://x/fhir/Patient/pas-1"}}},
            {"resource": {"resourceType": "Medication"}, "search": {"mode": "include"}},
            {"resource": {"resourceType": "MedicationStatement", "subject": {"reference": "Patient/pas-10"}}}
        ]});
        assert!(matches(&bundle, "MedicationStatement", "subject", "pas-1", Origin::Prefetched).is_err());
        assert_eq!(matches(&bundle, "MedicationStatement", "subject", "pas-1", Origin::Fetched).unwrap().len(), 2);
    }
}
