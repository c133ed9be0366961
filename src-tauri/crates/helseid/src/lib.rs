//! A HelseID client for desktop apps. No Tauri, no patient concepts: it signs a
//! user in through the system browser and hands out one access token per API.

pub mod authorization_details;
mod client;
mod error;
mod id_token;
mod keys;
mod loopback;
mod opener;
mod pkce;
pub mod proofs;
mod secret;

pub use authorization_details::{Attestation, Organisation};
pub use client::{ApiHeaders, ClientKeys, Discovery, HelseIdClient, HelseIdConfig, Session, SignedOut};
pub use error::HelseIdError;
pub use id_token::UserClaims;
pub use keys::{Curve, SigningKey};
pub use opener::{FollowRedirects, OpenFuture, SystemBrowser, UrlOpener, WriteToFile};
pub use secret::Secret;

use std::time::Duration;

/// The HTTP client every Arbeidsflate crate uses: rustls with the ring provider,
/// the OS's trusted roots, no cookies, and a per-request timeout.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    http_client_trusting(timeout, Vec::new()).expect("HTTP client with static configuration")
}

/// [`http_client`] that also trusts `extra_roots` beside the OS's roots (a health
/// network's or municipality's own certificate authority). Fails on an unusable certificate.
pub fn http_client_trusting(
    timeout: Duration,
    extra_roots: Vec<reqwest::Certificate>,
) -> Result<reqwest::Client, reqwest::Error> {
    install_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("Arbeidsflate/", env!("CARGO_PKG_VERSION")))
        .tls_certs_merge(extra_roots)
        .build()
}

/// rustls needs one process-wide crypto provider; ring is ours.
fn install_crypto_provider() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
