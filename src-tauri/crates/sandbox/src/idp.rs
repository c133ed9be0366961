//! A HelseID-shaped OpenID Connect provider on loopback: discovery, jwks, PAR,
//! authorize (with an HTML login page listing the synthetic clinicians), token
//! (authorization code and refresh token with resource indicators), revocation and
//! end session. Paths, parameter names and claims follow HelseID.
//!
//! It also honours HelseID's test shortcut: a PAR with `acr_values=idp:testidp-oidc`,
//! `test_pid` and `test_security_level=4` skips the login page.

use crate::keys::KeySet;
use crate::proof_check::{
    verify_client_assertion, verify_dpop, ClientRegistry, DpopError, DpopExpectations, ReplayGuard,
};
use crate::world::{SandboxClinician, HOME_CARE_ORGNR, MUNICIPALITY_ORGNR, NURSING_HOME_ORGNR};
use arbeidsflate_model::view::ClinicianRole;
use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use clock::SharedClock;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::PoisonError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const PID_CLAIM: &str = "helseid://claims/identity/pid";
pub const HPR_CLAIM: &str = "helseid://claims/hpr/hpr_number";
pub const SECURITY_LEVEL_CLAIM: &str = "helseid://claims/identity/security_level";
pub const ASSURANCE_LEVEL_CLAIM: &str = "helseid://claims/identity/assurance_level";
pub const ORGNR_PARENT_CLAIM: &str = "helseid://claims/client/claims/orgnr_parent";
pub const ORGNR_CHILD_CLAIM: &str = "helseid://claims/client/claims/orgnr_child";

/// Lifetimes the sandbox hands out. HelseID's real values are not published; clients
/// must read them from `expires_in` / `rt_expires_in`.
#[derive(Debug, Clone)]
pub struct TokenLifetimes {
    pub access: Duration,
    pub refresh: Duration,
    pub par: Duration,
    pub code: Duration,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access: Duration::from_secs(300),
            refresh: Duration::from_secs(10 * 3600),
            par: Duration::from_secs(60),
            code: Duration::from_secs(60),
        }
    }
}

pub struct IdpState {
    pub issuer: String,
    pub keys: Arc<KeySet>,
    pub clients: ClientRegistry,
    replay: ReplayGuard,
    /// When set, token requests must carry the server's current DPoP nonce.
    pub require_dpop_nonce: AtomicBool,
    dpop_nonce: Mutex<String>,
    pub clinicians: Vec<SandboxClinician>,
    pub lifetimes: TokenLifetimes,
    clock: SharedClock,
    pars: Mutex<HashMap<String, ParRequest>>,
    codes: Mutex<HashMap<String, CodeGrant>>,
    refresh: Mutex<HashMap<String, RefreshGrant>>,
    /// Refresh tokens already used, with their session (family) and expiry: presenting
    /// one again is taken as theft and revokes the whole family, as rotation demands.
    spent: Mutex<HashMap<String, (String, SystemTime)>>,
    /// How often a spent refresh token came back (a client that raced its own chain).
    reuses: std::sync::atomic::AtomicUsize,
    /// Token requests answered with a token, for counting round trips in tests.
    issued: std::sync::atomic::AtomicUsize,
}

#[derive(Clone)]
struct ParRequest {
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    code_challenge: String,
    scope: String,
    resources: Vec<String>,
    /// Set when the test shortcut applies: the user is already chosen.
    test_pid: Option<String>,
    expires: SystemTime,
}

struct CodeGrant {
    par: ParRequest,
    pid: String,
    auth_time: u64,
    sid: String,
    expires: SystemTime,
}

#[derive(Clone)]
struct RefreshGrant {
    client_id: String,
    pid: String,
    scope: String,
    resources: Vec<String>,
    sid: String,
    auth_time: u64,
    expires: SystemTime,
}

impl IdpState {
    pub fn new(
        issuer: String,
        keys: Arc<KeySet>,
        clinicians: Vec<SandboxClinician>,
        lifetimes: TokenLifetimes,
        clock: SharedClock,
    ) -> Self {
        Self {
            issuer,
            keys,
            clients: ClientRegistry::default(),
            replay: ReplayGuard::default(),
            require_dpop_nonce: AtomicBool::new(false),
            dpop_nonce: Mutex::new(random_token(16)),
            clinicians,
            lifetimes,
            clock,
            pars: Mutex::default(),
            codes: Mutex::default(),
            refresh: Mutex::default(),
            spent: Mutex::default(),
            reuses: Default::default(),
            issued: Default::default(),
        }
    }

    /// The sandbox's time (a test's fixed clock, or the system's).
    fn now(&self) -> SystemTime {
        SystemTime::from(self.clock.now())
    }

    fn now_secs(&self) -> u64 {
        self.now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
    }

    fn clinician(&self, pid: &str) -> Option<&SandboxClinician> {
        self.clinicians.iter().find(|c| c.pid == pid)
    }

    /// A new DPoP nonce: proofs carrying the old one get `use_dpop_nonce`.
    pub fn rotate_dpop_nonce(&self) {
        *self.dpop_nonce.lock().unwrap_or_else(PoisonError::into_inner) = random_token(16);
    }

    /// How many times a spent refresh token was presented again.
    pub fn refresh_reuses(&self) -> usize {
        self.reuses.load(Ordering::SeqCst)
    }

    /// How many token requests were answered with a token.
    pub fn tokens_issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }

    /// Revokes every refresh token (as if an administrator ended all sessions).
    pub fn revoke_all(&self) {
        self.refresh.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

pub fn router(state: Arc<IdpState>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/.well-known/openid-configuration/jwks", get(jwks))
        .route("/connect/par", post(par))
        .route("/connect/authorize", get(authorize))
        .route("/connect/authorize/login", post(login))
        .route("/connect/token", post(token))
        .route("/connect/revocation", post(revocation))
        .route("/connect/endsession", get(endsession))
        // Not part of HelseID: lets the CLI and tests list the synthetic clinicians.
        .route("/sandbox/clinicians", get(list_clinicians))
        // Not part of HelseID: stands in for registering a client key in HelseID's self-service portal.
        .route("/sandbox/register-client", post(register_client))
        .with_state(state)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

async fn discovery(State(s): State<Arc<IdpState>>) -> Json<Value> {
    let i = &s.issuer;
    Json(json!({
        "issuer": i,
        "jwks_uri": format!("{i}/.well-known/openid-configuration/jwks"),
        "authorization_endpoint": format!("{i}/connect/authorize"),
        "pushed_authorization_request_endpoint": format!("{i}/connect/par"),
        "require_pushed_authorization_requests": true,
        "token_endpoint": format!("{i}/connect/token"),
        "revocation_endpoint": format!("{i}/connect/revocation"),
        "end_session_endpoint": format!("{i}/connect/endsession"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "dpop_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": ["openid", "profile", "offline_access", "helseid://scopes/identity/pid",
            "helseid://scopes/identity/security_level", "helseid://scopes/hpr/hpr_number"],
        "acr_values_supported": ["idp:testidp-oidc"]
    }))
}

async fn list_clinicians(State(s): State<Arc<IdpState>>) -> Json<Vec<SandboxClinician>> {
    Json(s.clinicians.clone())
}

async fn jwks(State(s): State<Arc<IdpState>>) -> Json<Value> {
    Json(s.keys.jwks())
}

#[derive(serde::Deserialize)]
struct Registration {
    client_id: String,
    jwk: jsonwebtoken::jwk::Jwk,
}

async fn register_client(State(s): State<Arc<IdpState>>, Json(r): Json<Registration>) -> StatusCode {
    if r.jwk.common.key_id.is_none() {
        return StatusCode::BAD_REQUEST;
    }
    s.clients.register(&r.client_id, r.jwk);
    StatusCode::NO_CONTENT
}

fn client_error(why: &str) -> Response {
    oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", why)
}

/// The form body may repeat `resource`, so it is read as a list of pairs.
type FormPairs = Vec<(String, String)>;

fn one<'a>(form: &'a FormPairs, name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn all(form: &FormPairs, name: &str) -> Vec<String> {
    form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
}

async fn par(State(s): State<Arc<IdpState>>, Form(form): Form<FormPairs>) -> Response {
    let client_id = match verify_client_assertion(&form, &s.issuer, &s.clients, &s.replay, s.now_secs() as i64) {
        Ok((client_id, _)) => client_id,
        Err(why) => return client_error(&why),
    };
    let required = [
        "client_id",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "code_challenge_method",
        "state",
        "nonce",
        "scope",
    ];
    for name in required {
        if one(&form, name).is_none_or(str::is_empty) {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &format!("{name} is required"));
        }
    }
    if one(&form, "response_type") != Some("code") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_response_type", "only code is supported");
    }
    if one(&form, "code_challenge_method") != Some("S256") {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "PKCE with S256 is required");
    }
    let redirect_uri = one(&form, "redirect_uri").unwrap_or_default();
    match url::Url::parse(redirect_uri) {
        Ok(u)
            if u.scheme() == "http"
                && matches!(u.host_str(), Some("127.0.0.1") | Some("localhost") | Some("[::1]")) => {}
        _ => {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "redirect_uri must be a loopback http URL")
        }
    }
    let resources = all(&form, "resource");
    if resources.is_empty() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_target", "at least one resource is required");
    }
    let test_pid = if one(&form, "acr_values").is_some_and(|a| a.split(' ').any(|v| v == "idp:testidp-oidc")) {
        let pid = one(&form, "test_pid").unwrap_or_default();
        if one(&form, "test_security_level") != Some("4") {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "test_security_level must be 4");
        }
        if s.clinician(pid).is_none() {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "test_pid is not a sandbox clinician");
        }
        Some(pid.to_string())
    } else {
        None
    };
    let request_uri = format!("urn:ietf:params:oauth:request_uri:{}", random_token(24));
    let req = ParRequest {
        client_id,
        redirect_uri: redirect_uri.into(),
        state: one(&form, "state").unwrap_or_default().into(),
        nonce: one(&form, "nonce").unwrap_or_default().into(),
        code_challenge: one(&form, "code_challenge").unwrap_or_default().into(),
        scope: one(&form, "scope").unwrap_or_default().into(),
        resources,
        test_pid,
        expires: s.now() + s.lifetimes.par,
    };
    s.pars.lock().unwrap_or_else(PoisonError::into_inner).insert(request_uri.clone(), req);
    (StatusCode::CREATED, Json(json!({"request_uri": request_uri, "expires_in": s.lifetimes.par.as_secs()})))
        .into_response()
}

#[derive(serde::Deserialize)]
struct AuthorizeQuery {
    client_id: Option<String>,
    request_uri: Option<String>,
}

fn pending_par(s: &IdpState, request_uri: &str) -> Option<ParRequest> {
    let pars = s.pars.lock().unwrap_or_else(PoisonError::into_inner);
    pars.get(request_uri).filter(|p| p.expires > s.now()).cloned()
}

async fn authorize(State(s): State<Arc<IdpState>>, Query(q): Query<AuthorizeQuery>) -> Response {
    let Some(request_uri) = q.request_uri else {
        return error_page("Pålogging krever en forhåndsregistrert forespørsel (PAR).");
    };
    let Some(par) = pending_par(&s, &request_uri) else {
        return error_page("Forespørselen er ukjent eller utløpt. Start påloggingen på nytt.");
    };
    if q.client_id.as_deref() != Some(par.client_id.as_str()) {
        return error_page("client_id stemmer ikke med forespørselen.");
    }
    if let Some(pid) = par.test_pid.clone() {
        return complete_login(&s, &request_uri, &pid);
    }
    Html(login_page(&s.clinicians, &request_uri)).into_response()
}

#[derive(serde::Deserialize)]
struct LoginForm {
    request_uri: String,
    pid: Option<String>,
    cancel: Option<String>,
}

async fn login(State(s): State<Arc<IdpState>>, Form(f): Form<LoginForm>) -> Response {
    let Some(par) = pending_par(&s, &f.request_uri) else {
        return error_page("Forespørselen er ukjent eller utløpt. Start påloggingen på nytt.");
    };
    if f.cancel.is_some() {
        s.pars.lock().unwrap_or_else(PoisonError::into_inner).remove(&f.request_uri);
        let mut url = url::Url::parse(&par.redirect_uri).expect("validated at PAR");
        url.query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The user cancelled the sign-in")
            .append_pair("state", &par.state)
            .append_pair("iss", &s.issuer);
        return Redirect::to(url.as_str()).into_response();
    }
    match f.pid.as_deref().filter(|p| s.clinician(p).is_some()) {
        Some(pid) => complete_login(&s, &f.request_uri, pid),
        None => error_page("Velg en bruker."),
    }
}

fn complete_login(s: &IdpState, request_uri: &str, pid: &str) -> Response {
    let Some(par) = s.pars.lock().unwrap_or_else(PoisonError::into_inner).remove(request_uri) else {
        return error_page("Forespørselen er allerede brukt.");
    };
    let code = random_token(32);
    let mut url = url::Url::parse(&par.redirect_uri).expect("validated at PAR");
    url.query_pairs_mut().append_pair("code", &code).append_pair("state", &par.state).append_pair("iss", &s.issuer);
    s.codes.lock().unwrap_or_else(PoisonError::into_inner).insert(
        code,
        CodeGrant {
            par,
            pid: pid.to_string(),
            auth_time: s.now_secs(),
            sid: random_token(16),
            expires: s.now() + s.lifetimes.code,
        },
    );
    Redirect::to(url.as_str()).into_response()
}

async fn token(
    State(s): State<Arc<IdpState>>,
    headers: axum::http::HeaderMap,
    Form(form): Form<FormPairs>,
) -> Response {
    // DPoP first: a nonce challenge must not consume the code or the refresh token.
    let nonce = s.dpop_nonce.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let expect = DpopExpectations {
        method: "POST",
        url: &format!("{}/connect/token", s.issuer),
        nonce: s.require_dpop_nonce.load(Ordering::Relaxed).then_some(nonce.as_str()),
        access_token: None,
    };
    let proof = headers.get("DPoP").and_then(|v| v.to_str().ok());
    let jkt = match verify_dpop(proof, &expect, &s.replay, s.now_secs() as i64) {
        Ok(jkt) => jkt,
        Err(DpopError::UseNonce) => {
            let mut r = oauth_error(StatusCode::BAD_REQUEST, "use_dpop_nonce", "a DPoP nonce is required");
            r.headers_mut().insert("DPoP-Nonce", nonce.parse().unwrap());
            return r;
        }
        Err(DpopError::Invalid(why)) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_dpop_proof", &why),
    };
    let (client_id, assertion) =
        match verify_client_assertion(&form, &s.issuer, &s.clients, &s.replay, s.now_secs() as i64) {
            Ok(x) => x,
            Err(why) => return client_error(&why),
        };
    let resources = all(&form, "resource");
    if resources.len() > 1 {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_target", "exactly one resource per token request");
    }
    let grant = match one(&form, "grant_type") {
        Some("authorization_code") => {
            let code = one(&form, "code").unwrap_or_default();
            let Some(g) = s.codes.lock().unwrap_or_else(PoisonError::into_inner).remove(code) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or used code");
            };
            if g.expires < s.now() {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "code expired");
            }
            if g.par.client_id != client_id || one(&form, "redirect_uri") != Some(g.par.redirect_uri.as_str()) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "client_id or redirect_uri mismatch");
            }
            let verifier = one(&form, "code_verifier").unwrap_or_default();
            if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != g.par.code_challenge {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "PKCE verification failed");
            }
            let grant = RefreshGrant {
                client_id,
                pid: g.pid,
                scope: g.par.scope.clone(),
                resources: g.par.resources.clone(),
                sid: g.sid,
                auth_time: g.auth_time,
                expires: s.now() + s.lifetimes.refresh,
            };
            (grant, Some(g.par.nonce))
        }
        Some("refresh_token") => {
            let rt = one(&form, "refresh_token").unwrap_or_default();
            // Rotation: the presented refresh token is spent; presented again, its whole
            // family (the sign-in it came from) is revoked.
            let Some(g) = s.refresh.lock().unwrap_or_else(PoisonError::into_inner).remove(rt) else {
                let family =
                    s.spent.lock().unwrap_or_else(PoisonError::into_inner).get(rt).map(|(family, _)| family.clone());
                if let Some(family) = family {
                    s.reuses.fetch_add(1, Ordering::SeqCst);
                    s.refresh.lock().unwrap_or_else(PoisonError::into_inner).retain(|_, g| g.sid != family);
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "refresh token reused: session revoked",
                    );
                }
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown, used or revoked refresh token");
            };
            {
                let mut spent = s.spent.lock().unwrap_or_else(PoisonError::into_inner);
                let now = s.now();
                spent.retain(|_, (_, expires)| *expires > now);
                spent.insert(rt.to_string(), (g.sid.clone(), g.expires));
            }
            if g.expires < s.now() || g.client_id != client_id {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "refresh token expired or not yours");
            }
            (g, None)
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "authorization_code or refresh_token",
            )
        }
    };
    let (grant, nonce) = grant;
    let audience = match resources.first() {
        Some(r) if grant.resources.contains(r) => r.clone(),
        Some(_) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_target", "resource was not requested at PAR"),
        None => grant.resources[0].clone(),
    };
    let Some(clinician) = s.clinician(&grant.pid).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown user");
    };
    let now = s.now_secs();
    let access_token = sign(
        &s,
        &json!({
            "iss": s.issuer, "aud": audience, "client_id": grant.client_id, "sub": subject(&clinician.pid),
            "iat": now, "nbf": now, "exp": now + s.lifetimes.access.as_secs(), "jti": random_token(16),
            "scope": grant.scope, "sid": grant.sid, "auth_time": grant.auth_time,
            PID_CLAIM: clinician.pid, HPR_CLAIM: clinician.hpr_number,
            SECURITY_LEVEL_CLAIM: "4", ASSURANCE_LEVEL_CLAIM: "high",
            ORGNR_PARENT_CLAIM: MUNICIPALITY_ORGNR, ORGNR_CHILD_CLAIM: org_child(clinician.role),
            "name": clinician.name(), "cnf": {"jkt": jkt},
            // The organisation and attestation sent in this call, echoed for the API.
            "authorization_details": assertion.get("assertion_details").cloned().unwrap_or(Value::Null)
        }),
        "at+jwt",
    );
    let mut body = json!({
        "access_token": access_token, "token_type": "DPoP",
        "expires_in": s.lifetimes.access.as_secs(), "scope": grant.scope,
    });
    if let Some(nonce) = nonce {
        body["id_token"] = Value::String(sign(
            &s,
            &json!({
                "iss": s.issuer, "aud": grant.client_id, "sub": subject(&clinician.pid),
                "iat": now, "exp": now + 300, "auth_time": grant.auth_time, "nonce": nonce, "sid": grant.sid,
                "name": clinician.name(), "given_name": clinician.given_name, "family_name": clinician.family_name,
                PID_CLAIM: clinician.pid, HPR_CLAIM: clinician.hpr_number,
                SECURITY_LEVEL_CLAIM: "4", ASSURANCE_LEVEL_CLAIM: "high", "idp": "testidp-oidc", "amr": ["pwd"]
            }),
            "JWT",
        ));
    }
    let remaining = grant.expires.duration_since(s.now()).unwrap_or_default();
    let new_rt = random_token(32);
    body["refresh_token"] = Value::String(new_rt.clone());
    body["rt_expires_in"] = json!(remaining.as_secs());
    s.refresh.lock().unwrap_or_else(PoisonError::into_inner).insert(new_rt, grant);
    s.issued.fetch_add(1, Ordering::SeqCst);
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// HelseID's `sub` is a pairwise pseudonym, not the national number.
fn subject(pid: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!("arbeidsflate-sandbox:{pid}")))
}

fn org_child(role: ClinicianRole) -> &'static str {
    match role {
        ClinicianRole::HomeCareNurse => HOME_CARE_ORGNR,
        _ => NURSING_HOME_ORGNR,
    }
}

fn sign(s: &IdpState, claims: &Value, typ: &str) -> String {
    let key = s.keys.current();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    header.typ = Some(typ.into());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("signing with a valid key")
}

async fn revocation(State(s): State<Arc<IdpState>>, Form(form): Form<FormPairs>) -> Response {
    let client_id = match verify_client_assertion(&form, &s.issuer, &s.clients, &s.replay, s.now_secs() as i64) {
        Ok((client_id, _)) => client_id,
        Err(why) => return client_error(&why),
    };
    if let Some(t) = one(&form, "token") {
        let mut refresh = s.refresh.lock().unwrap_or_else(PoisonError::into_inner);
        if refresh.get(t).is_some_and(|g| g.client_id == client_id) {
            refresh.remove(t);
        }
    }
    // RFC 7009: 200 whether or not the token was known.
    StatusCode::OK.into_response()
}

#[derive(serde::Deserialize)]
struct EndSessionQuery {
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

async fn endsession(State(s): State<Arc<IdpState>>, Query(q): Query<EndSessionQuery>) -> Response {
    let _ = &s;
    match q.post_logout_redirect_uri.and_then(|u| url::Url::parse(&u).ok()) {
        Some(mut url) => {
            if let Some(state) = q.state {
                url.query_pairs_mut().append_pair("state", &state);
            }
            Redirect::to(url.as_str()).into_response()
        }
        None => Html(page("Logget ut", "<p>Du er logget ut av HelseID (sandkasse).</p>")).into_response(),
    }
}

fn error_page(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Html(page("Feil", &format!("<p role=\"alert\">{}</p>", escape(message))))).into_response()
}

fn role_label(role: ClinicianRole) -> &'static str {
    match role {
        ClinicianRole::NursingHomeNurse => "Sykepleier, sykehjem",
        ClinicianRole::HomeCareNurse => "Sykepleier, hjemmetjenesten",
        ClinicianRole::NursingHomeDoctor => "Sykehjemslege",
    }
}

fn login_page(clinicians: &[SandboxClinician], request_uri: &str) -> String {
    let mut rows = String::new();
    for c in clinicians {
        rows.push_str(&format!(
            "<li><button type=\"submit\" name=\"pid\" value=\"{}\" data-hpr=\"{}\">{} <small>{} · {}</small></button></li>",
            escape(&c.pid),
            escape(&c.hpr_number),
            escape(&c.name()),
            role_label(c.role),
            escape(&c.unit_name)
        ));
    }
    page(
        "HelseID (sandkasse)",
        &format!(
            "<p>Velg en syntetisk bruker. Dette er sandkassen til Arbeidsflate; ingen ekte personer finnes her.</p>\
             <form method=\"post\" action=\"/connect/authorize/login\">\
             <input type=\"hidden\" name=\"request_uri\" value=\"{}\">\
             <ul class=\"users\">{rows}</ul>\
             <button type=\"submit\" name=\"cancel\" value=\"1\" class=\"cancel\">Avbryt</button></form>",
            escape(request_uri)
        ),
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;color:#1d2733}}\
         ul.users{{list-style:none;padding:0}}ul.users button{{display:block;width:100%;text-align:left;\
         margin:.4rem 0;padding:.8rem;font-size:1rem;border:1px solid #8aa;border-radius:6px;background:#f5fafa}}\
         small{{color:#456;display:block}}</style></head><body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
