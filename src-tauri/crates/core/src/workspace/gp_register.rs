//! Fastlegeregisteret for the workspace: its adapter, with the service user IT put in
//! the OS keyring (read once per run, never logged). In the sandbox the workspace
//! installs the sandbox's training user itself, as IT would install a real one.

use super::Workspace;
use crate::keystore::SecretStore;
use crate::profile::EnvironmentKind;
use arbeidsflate_config::gp_register::GpRegisterSettings;
use arbeidsflate_model::{AppError, ErrorCode};
use helseid::Secret;
use sources::gp_register::{GpRegister, ServiceUser};
use std::time::Duration;

/// How a service user is kept in its keyring entry.
#[derive(serde::Deserialize)]
struct StoredUser {
    username: String,
    password: Secret,
}

/// The service user in `entry`; why there is none or it cannot be read.
pub fn read_service_user(keys: &dyn SecretStore, entry: &str) -> Result<ServiceUser, AppError> {
    let missing = || {
        AppError::new(
            ErrorCode::GpRegisterCredentials,
            format!("no service user for Fastlegeregisteret in the keyring entry {entry}"),
        )
    };
    let secret = keys.get(entry)?.ok_or_else(missing)?;
    let stored: StoredUser = serde_json::from_str(secret.expose()).map_err(|_| {
        AppError::new(
            ErrorCode::GpRegisterCredentials,
            format!("the keyring entry {entry} is not {{\"username\": …, \"password\": …}}"),
        )
    })?;
    if stored.username.trim().is_empty() || stored.password.expose().is_empty() {
        return Err(missing());
    }
    Ok(ServiceUser::new(stored.username, stored.password.expose()))
}

/// Writes a service user into `entry` (what `arbeidsflate gp-register credentials` does for IT).
pub fn store_service_user(
    keys: &dyn SecretStore,
    entry: &str,
    username: &str,
    password: &Secret,
) -> Result<(), AppError> {
    if username.trim().is_empty() || password.expose().is_empty() {
        return Err(AppError::new(ErrorCode::InvalidInput, "the user name and the password must not be empty"));
    }
    let value = serde_json::json!({"username": username, "password": password.expose()}).to_string();
    keys.set(entry, &Secret::new(value))
}

impl Workspace {
    /// The register's adapter for one opening; `None` when the profile has none, `Err`
    /// (the reason) when its service user is missing.
    pub(super) async fn gp_register(&self) -> Option<Result<GpRegister, String>> {
        let settings = self.profile.national.gp_register.as_ref()?;
        let user = match self.gp_service_user(settings).await {
            Ok(user) => user,
            Err(e) => return Some(Err(e.detail)),
        };
        Some(Ok(GpRegister::new(self.http.clone(), &settings.url, user).with_clock(self.clock())))
    }

    async fn gp_service_user(&self, settings: &GpRegisterSettings) -> Result<ServiceUser, AppError> {
        self.gp_user
            .get_or_try_init(|| service_user(settings, self.profile.environment.kind, &self.http, self.keys.as_ref()))
            .await
            .cloned()
    }
}

/// The service user for the register in `settings`: from the keyring, where a sandbox
/// first installs its training user if none is there.
pub(crate) async fn service_user(
    settings: &GpRegisterSettings,
    kind: EnvironmentKind,
    http: &reqwest::Client,
    keys: &dyn SecretStore,
) -> Result<ServiceUser, AppError> {
    match read_service_user(keys, &settings.credentials_entry) {
        Err(e) if e.code == ErrorCode::GpRegisterCredentials && kind == EnvironmentKind::Sandbox => {
            install_sandbox_user(settings, http, keys).await?;
            read_service_user(keys, &settings.credentials_entry)
        }
        other => other,
    }
}

/// The sandbox register's training user, into the keyring entry.
async fn install_sandbox_user(
    settings: &GpRegisterSettings,
    http: &reqwest::Client,
    keys: &dyn SecretStore,
) -> Result<(), AppError> {
    let unavailable = || AppError::new(ErrorCode::ServiceUnavailable, "the sandbox's GP register gave no service user");
    let origin = url::Url::parse(&settings.url).map_err(|_| unavailable())?;
    let url = format!("{}/sandbox/service-user", origin.origin().ascii_serialization());
    let resp = http.get(&url).timeout(Duration::from_secs(2)).send().await.map_err(|_| unavailable())?;
    let user: StoredUser = resp.json().await.map_err(|_| unavailable())?;
    store_service_user(keys, &settings.credentials_entry, &user.username, &user.password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::EphemeralStore;

    #[test]
    fn a_stored_user_reads_back_and_a_broken_entry_says_what_it_should_hold() {
        let keys = EphemeralStore::default();
        let err = read_service_user(&keys, "flr").unwrap_err();
        assert_eq!(err.code, ErrorCode::GpRegisterCredentials);
        store_service_user(&keys, "flr", "bruker", &Secret::new("passord")).unwrap();
        assert_eq!(read_service_user(&keys, "flr").unwrap().username(), "bruker");
        keys.set("flr", &Secret::new("bruker:passord")).unwrap();
        let err = read_service_user(&keys, "flr").unwrap_err();
        assert!(err.detail.contains("username") && !err.detail.contains("passord"), "{}", err.detail);
        assert_eq!(store_service_user(&keys, "flr", " ", &Secret::new("x")).unwrap_err().code, ErrorCode::InvalidInput);
    }
}
