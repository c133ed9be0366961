//! The SMART App Launch 2.2 host (EHR launch). Other suppliers' apps run inside the
//! workspace with the patient in context: the workspace makes a launch handle bound to
//! the clinician, the patient and the stay, opens the app's launch URL with it, and this
//! host, listening on 127.0.0.1 only, is the app's authorization server. The app never
//! sees a HelseID token; what this host issues ends with the clinician's session, the
//! idle lock, a user switch, or when the patient is closed.
//!
//! It follows the "Clinician access for EHR launch" capability set, plus public clients
//! (PKCE S256) and confidential asymmetric ones (`private_key_jwt`, RS384 or ES384),
//! OpenID Connect (`fhirUser`), the patient banner and style contexts, and v2 scopes.

mod authorize;
mod client_auth;
mod cors;
mod discovery;
pub mod facade;
mod host;
mod oauth_error;
pub mod registry;
mod state;
mod token;

pub use facade::platform::{AppRequest, BoxFuture, Interaction, Outcome, Platform, PlatformError, WriteOutcome};
pub use host::{HostConfig, LaunchError, ServiceToken, ServiceTokens, SmartHost, SERVICE_TOKEN_LIFETIME};
pub use registry::LaunchContext;
