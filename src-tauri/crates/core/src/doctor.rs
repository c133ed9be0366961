//! `arbeidsflate doctor`: checks the profile, each endpoint's reachability and TLS,
//! clock skew against the IdP, the OS keyring and the data directory. A help desk
//! acts on the report; `--json` gives it to their tooling.

use crate::profile::Profile;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            out.push_str(&format!("[{}] {:<28} {}\n", if c.ok { " ok " } else { "FAIL" }, c.name, c.detail));
        }
        out.push_str(if self.ok { "All checks passed.\n" } else { "Some checks failed.\n" });
        out
    }
}

fn check(name: &str, result: Result<String, String>) -> Check {
    match result {
        Ok(detail) => Check { name: name.into(), ok: true, detail },
        Err(detail) => Check { name: name.into(), ok: false, detail },
    }
}

/// `clock` is the app's (the machine's, or the instant a test runs the app at): the
/// decision-support services' signed calls are dated by it.
pub async fn run(
    profile: &Profile,
    data_dir: Option<&Path>,
    keyring_service: &str,
    clock: clock::SharedClock,
) -> Report {
    let ca_files = &profile.network.extra_ca_certificates;
    let roots = crate::trust::extra_roots(ca_files);
    let mut checks =
        vec![check("profile", Ok(format!("{} ({:?})", profile.environment.name, profile.environment.kind)))];
    checks.push(check("version", version_result(profile)));
    checks.push(check("trusted certificate authorities", crate::trust::describe(ca_files, &roots)));
    let http = crate::trust::http_client(Duration::from_secs(10), roots.unwrap_or_default());
    checks.push(check("update feed", update_feed_result(&http, profile).await));

    let discovery = format!("{}/.well-known/openid-configuration", profile.helseid.issuer);
    let idp = http.get(&discovery).send().await;
    let skew =
        idp.as_ref().ok().and_then(|r| r.headers().get(reqwest::header::DATE)?.to_str().ok().map(str::to_string));
    checks.push(check("helseid reachable", endpoint_result(idp, &discovery).await));
    checks.push(check("helseid tls", tls_result(&profile.helseid.issuer)));
    // The machine's own clock is what this check is about.
    let local = chrono::Utc::now();
    checks.push(check("clock skew", clock_result(skew.as_deref(), profile.helseid.clock_skew_seconds, local)));

    let metadata = format!("{}/metadata", profile.municipal.fhir_base_url.trim_end_matches('/'));
    let fhir = http.get(&metadata).header("accept", "application/fhir+json").send().await;
    checks.push(check("municipal platform reachable", endpoint_result(fhir, &metadata).await));
    checks.push(check("municipal platform tls", tls_result(&profile.municipal.fhir_base_url)));

    // The national services answer unauthenticated requests with an error, and that
    // is enough: it proves the address, the network path and TLS.
    for (name, service) in profile.national.configured() {
        let answer = http.get(&service.base_url).send().await;
        checks.push(check(&format!("{name} reachable"), reachable_result(answer, &service.base_url)));
        checks.push(check(&format!("{name} tls"), tls_result(&service.base_url)));
    }

    // Each app in the catalogue: its launch page must be there, through the profile's CAs.
    for app in &profile.apps {
        let answer = http.get(&app.launch_url).send().await;
        checks.push(check(&format!("app {} launch page", app.id), endpoint_result(answer, &app.launch_url).await));
        checks.push(check(&format!("app {} tls", app.id), tls_result(&app.launch_url)));
    }

    // Each decision-support service's discovery, with the workspace's signed call (its key
    // from the keyring): reachable, TLS through the profile's CAs, the key accepted.
    if !profile.decision_support.is_empty() {
        let keys = crate::keystore::OsKeyring::new(keyring_service);
        match crate::workspace::decision_support::client_for(profile, &http, &keys, clock).await {
            Ok(client) => {
                for service in &profile.decision_support {
                    let found = client.discover(service).await;
                    let name = format!("decision support {} discovery", service.name);
                    let result = found
                        .map(|d| {
                            format!(
                                "{}: {}",
                                service.discovery_url(),
                                crate::workspace::decision_support::offered_line(&d, service)
                            )
                        })
                        .map_err(|e| format!("{}: {e}", service.discovery_url()));
                    checks.push(check(&name, result));
                    checks
                        .push(check(&format!("decision support {} tls", service.name), tls_result(&service.base_url)));
                }
            }
            Err(e) => checks.push(check("decision support key", Err(e.detail))),
        }
    }

    // Fastlegeregisteret: a lookup of a number it must refuse proves the address, TLS
    // and the service user from the keyring, without looking anybody up.
    if let Some(settings) = &profile.national.gp_register {
        let keys = crate::keystore::OsKeyring::new(keyring_service);
        let kind = profile.environment.kind;
        let result = match crate::workspace::gp_register::service_user(settings, kind, &http, &keys).await {
            Ok(user) => {
                let register = sources::gp_register::GpRegister::new(http.clone(), &settings.url, user);
                register
                    .check_access()
                    .await
                    .map(|()| format!("{}: reachable, the service user accepted", settings.url))
                    .map_err(|e| format!("{}: {e}", settings.url))
            }
            Err(e) => Err(e.detail),
        };
        checks.push(check("gp_register service user", result));
        checks.push(check("gp_register tls", tls_result(&settings.url)));
    }

    checks.push(check("os keyring", keyring_result(keyring_service)));
    checks.push(check("data directory", data_dir_result(data_dir)));
    Report { ok: checks.iter().all(|c| c.ok), checks }
}

/// This build against IT's minimum version.
fn version_result(profile: &Profile) -> Result<String, String> {
    let current = crate::version::CURRENT;
    match profile.updates.minimum_version.as_deref() {
        None => Ok(format!("{current} (no minimum set)")),
        Some(minimum) if profile.updates.update_required() => {
            Err(format!("{current} is older than the minimum {minimum}: install the new version"))
        }
        Some(minimum) => Ok(format!("{current} (minimum {minimum})")),
    }
}

/// Whether the feed IT named answers this machine, and with what (updates off is fine).
async fn update_feed_result(http: &reqwest::Client, profile: &Profile) -> Result<String, String> {
    let Some(template) = &profile.updates.feed else { return Ok("off (no feed in the profile)".into()) };
    let url = crate::update_feed::url_for_this_machine(template);
    let answer = http.get(&url).header("accept", "application/json").send().await;
    let answer = answer.map_err(|e| format!("{url}: {}", e.without_url()))?;
    let status = answer.status().as_u16();
    let body = answer.bytes().await.map_err(|e| format!("{url}: {}", e.without_url()))?;
    crate::update_feed::describe_answer(status, &body).map(|d| format!("{url} {d}")).map_err(|e| format!("{url} {e}"))
}

async fn endpoint_result(resp: Result<reqwest::Response, reqwest::Error>, url: &str) -> Result<String, String> {
    match resp {
        Ok(r) if r.status().is_success() => Ok(format!("{url} answered {}", r.status())),
        Ok(r) => Err(format!("{url} answered {}", r.status())),
        Err(e) => Err(format!("{url}: {}", e.without_url())),
    }
}

/// Any HTTP answer counts: the service is there, even if it refuses us.
fn reachable_result(resp: Result<reqwest::Response, reqwest::Error>, url: &str) -> Result<String, String> {
    match resp {
        Ok(r) => Ok(format!("{url} answered {}", r.status())),
        Err(e) => Err(format!("{url}: {}", e.without_url())),
    }
}

fn tls_result(url: &str) -> Result<String, String> {
    match url::Url::parse(url).map(|u| u.scheme().to_string()) {
        Ok(s) if s == "https" => Ok("https, certificate verified by the reachability check".into()),
        Ok(_) => Ok("plain http on loopback (sandbox/test profile only)".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// This machine's clock (`local`) against the IdP's `Date` header.
fn clock_result(
    date_header: Option<&str>,
    leeway: u64,
    local: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let Some(header) = date_header else { return Err("the IdP sent no Date header; skew unknown".into()) };
    let server = chrono::DateTime::parse_from_rfc2822(header).map_err(|e| format!("unreadable Date header: {e}"))?;
    let skew = (local.timestamp() - server.timestamp()).unsigned_abs();
    if skew <= leeway {
        Ok(format!("{skew} s (leeway {leeway} s)"))
    } else {
        Err(format!("{skew} s off the IdP's clock, more than the {leeway} s leeway; fix the system clock"))
    }
}

fn keyring_result(service: &str) -> Result<String, String> {
    // One probe entry per process, so two doctors running at once cannot disturb each other.
    let probe = format!("probe-{}", std::process::id());
    let entry = keyring::Entry::new(service, &format!("doctor-{probe}")).map_err(|e| format!("no keyring: {e}"))?;
    entry.set_password(&probe).map_err(|e| format!("cannot write to the keyring: {e}"))?;
    let read = entry.get_password().map_err(|e| format!("cannot read from the keyring: {e}"));
    let _ = entry.delete_credential();
    match read {
        Ok(v) if v == probe => Ok("write, read and delete succeeded".into()),
        Ok(_) => Err("the keyring returned something else than was stored".into()),
        Err(e) => Err(e),
    }
}

fn data_dir_result(dir: Option<&Path>) -> Result<String, String> {
    let dir = dir.map_or_else(crate::cache::default_data_dir, Path::to_path_buf);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let probe = dir.join(".doctor-probe");
    std::fs::write(&probe, b"ok").map_err(|e| format!("{} is not writable: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(format!("{} is writable", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_skew_beyond_the_leeway_fails() {
        let now = clock::matrix::test_now();
        let far = (now - chrono::Duration::seconds(400)).to_rfc2822();
        assert!(clock_result(Some(&far), 30, now).is_err());
        assert!(clock_result(Some(&(now + chrono::Duration::seconds(31)).to_rfc2822()), 30, now).is_err());
        let near = (now - chrono::Duration::seconds(29)).to_rfc2822();
        assert_eq!(clock_result(Some(&near), 30, now), Ok("29 s (leeway 30 s)".into()));
        assert!(clock_result(None, 30, now).is_err());
    }

    #[test]
    fn an_unwritable_data_directory_fails() {
        assert!(data_dir_result(Some(Path::new("/proc/arbeidsflate-cannot-exist"))).is_err());
        let tmp = std::env::temp_dir().join(format!("af-doctor-{}", std::process::id()));
        assert!(data_dir_result(Some(&tmp)).is_ok());
        let _ = std::fs::remove_dir_all(tmp);
    }
}
