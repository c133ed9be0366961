//! Which services the app talks to: a deployment profile, or the built-in sandbox;
//! shared by the desktop app and the command line.

use arbeidsflate_core::machine_profile::{self, ProfileSource};
use arbeidsflate_core::Profile;
use clock::SharedClock;
use sandbox::{Sandbox, SandboxClinician, SandboxOptions};
use std::path::{Path, PathBuf};

/// The OS keyring service name under which Arbeidsflate keeps its secrets.
pub const KEYRING_SERVICE: &str = "no.arbeidsflate.desktop";

pub struct Environment {
    pub profile: Profile,
    /// The embedded sandbox when no profile was given; dropping it stops it.
    pub sandbox: Option<Sandbox>,
    /// The run's clock, shared by the workspace and the embedded sandbox.
    pub clock: SharedClock,
}

/// The run's clock: the system's. Debug builds start it at another instant with
/// `ARBEIDSFLATE_NOW` (RFC 3339), so end-to-end tests run the app and its sandbox on
/// the day they choose; release builds cannot.
pub fn run_clock() -> Result<SharedClock, String> {
    #[cfg(debug_assertions)]
    if let Some(at) = std::env::var("ARBEIDSFLATE_NOW").ok().filter(|v| !v.is_empty()) {
        let at = chrono::DateTime::parse_from_rfc3339(&at)
            .map_err(|e| format!("ARBEIDSFLATE_NOW={at:?} is not an RFC 3339 instant: {e}"))?;
        return Ok(clock::TickingClock::shared(at.to_utc()));
    }
    Ok(clock::system())
}

pub fn sandbox_profile(sb: &Sandbox) -> Profile {
    arbeidsflate_core::profile::for_sandbox(sb)
}

/// Which profile this run uses: IT's machine-wide one when installed, else the one
/// given, else none (the sandbox). Debug builds may point the machine-wide place
/// elsewhere with `ARBEIDSFLATE_MACHINE_DIR`, for tests; release builds cannot.
pub fn profile_source(given: Option<&Path>) -> Result<ProfileSource, String> {
    #[cfg(debug_assertions)]
    let dir =
        std::env::var_os("ARBEIDSFLATE_MACHINE_DIR").map(PathBuf::from).unwrap_or_else(machine_profile::machine_dir);
    #[cfg(not(debug_assertions))]
    let dir = machine_profile::machine_dir();
    machine_profile::choose(&dir, given)
}

/// Reads a profile and applies what it sets for the whole process (the log level).
pub fn load_profile(path: &Path) -> Result<Profile, arbeidsflate_core::ProfileError> {
    let profile = Profile::load(path)?;
    crate::logging::set_level(profile.logging.level);
    Ok(profile)
}

/// Loads the run's profile (see [`profile_source`]), or starts the sandbox when there is none.
pub async fn resolve_environment(given: Option<&Path>) -> Result<Environment, String> {
    resolve_environment_with(given, run_clock()?).await
}

/// Like [`resolve_environment`], living by `clock`.
pub async fn resolve_environment_with(given: Option<&Path>, clock: SharedClock) -> Result<Environment, String> {
    match profile_source(given)?.path() {
        Some(path) => Ok(Environment { profile: load_profile(path).map_err(|e| e.to_string())?, sandbox: None, clock }),
        None => {
            let options = SandboxOptions { clock: clock.clone(), ..SandboxOptions::default() };
            let sb = Sandbox::start(options).await.map_err(|e| e.to_string())?;
            Ok(Environment { profile: sandbox_profile(&sb), sandbox: Some(sb), clock })
        }
    }
}

/// The synthetic clinicians of the environment's sandbox (embedded or standalone).
pub async fn clinicians(env: &Environment) -> Result<Vec<SandboxClinician>, String> {
    if let Some(sb) = &env.sandbox {
        return Ok(sb.clinicians.clone());
    }
    if !env.profile.allows_test_login() {
        return Err("this profile is not a sandbox or test profile".into());
    }
    let url = format!("{}/sandbox/clinicians", env.profile.helseid.issuer);
    let http = helseid::http_client(env.profile.request_timeout());
    let resp = http.get(&url).send().await.map_err(|e| format!("{url}: {}", e.without_url()))?;
    if !resp.status().is_success() {
        return Err(format!("{url} answered {}; is this the Arbeidsflate sandbox?", resp.status()));
    }
    resp.json().await.map_err(|e| format!("{url}: {e}"))
}

pub async fn serve_sandbox(options: SandboxOptions, write_profile: Option<PathBuf>) -> i32 {
    let sb = match Sandbox::start(options).await {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    println!("HelseID (sandbox):   {}", sb.idp_url);
    println!("Municipal FHIR:      {}", sb.fhir_url);
    println!("Kjernejournal:       {}", sb.kj_url);
    println!("Medication list:     {}", sb.sfm_url);
    println!("Document sharing:    {}", sb.pjd_url);
    println!("Person lookup:       {}", sb.person_url);
    println!("Resources:           {}", sb.resource_count);
    if let Some(path) = write_profile {
        if let Err(e) = std::fs::write(&path, sandbox_profile(&sb).to_toml()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return 1;
        }
        println!("Profile written to:  {}", path.display());
    }
    println!("Serving until stopped (Ctrl+C).");
    wait_for_stop_signal().await;
    sb.stop();
    0
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
