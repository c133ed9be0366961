//! The CDS Hooks 2.0.1 client. The workspace calls the decision-support services IT
//! chose at defined moments (`patient-view` when a patient opens) and shows the cards
//! they send back. This crate does the protocol: discovery, the signed call with its
//! prefetch filled from what the workspace already holds, and turning an answer — which
//! may be hostile — into cards the UI can show as they are. It knows nothing of the
//! session, the cache or Tauri; core gives it a key, a clock and the data.

pub mod auth;
pub mod cards;
pub mod client;
pub mod discovery;
pub mod error;
pub mod markdown;
pub mod prefetch;

pub use client::{CdsClient, HookAnswer, HookCall};
pub use discovery::{Discovery, ServiceDefinition};
pub use error::CdsError;

/// A random RFC 4122 version-4 UUID: `hookInstance`, `jti`, and ids for cards and
/// suggestions that came without one.
pub fn random_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}
