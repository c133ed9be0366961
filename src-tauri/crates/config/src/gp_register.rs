//! Fastlegeregisteret's patient lookup (`[national.gp_register]`): NHN's SOAP read
//! service, which takes a service user's name and password rather than HelseID. IT
//! puts those in the OS keyring under `credentials_entry`; the profile only names the
//! entry, so the password is never in a file that is copied between machines.

use crate::profile_error::{err, ProfileError};
use serde::{Deserialize, Serialize};

/// The keyring entry used when IT names none.
pub const DEFAULT_CREDENTIALS_ENTRY: &str = "gp-register-credentials";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpRegisterSettings {
    /// The read service's endpoint (the address the WSDL's port gives).
    pub url: String,
    /// The keyring entry holding the service user, as
    /// `{"username": "...", "password": "..."}` (`arbeidsflate gp-register credentials` writes it).
    #[serde(default = "default_entry")]
    pub credentials_entry: String,
}

fn default_entry() -> String {
    DEFAULT_CREDENTIALS_ENTRY.into()
}

/// Checks the section; `check_url` is the profile's rule for addresses.
pub fn validate(
    settings: &GpRegisterSettings,
    check_url: impl Fn(&str, &str) -> Result<(), ProfileError>,
) -> Result<(), ProfileError> {
    check_url("national.gp_register.url", &settings.url)?;
    let entry = settings.credentials_entry.trim();
    if entry.is_empty() || entry.len() > 100 || entry.chars().any(char::is_control) {
        return Err(err(
            "national.gp_register.credentials_entry",
            "must be a keyring entry name of 1 to 100 characters",
        ));
    }
    Ok(())
}
