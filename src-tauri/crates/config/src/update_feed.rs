//! The update feed as IT's tooling sees it: where it is for this machine and what it
//! offers. The desktop app downloads and verifies updates with Tauri's updater; this is
//! the doctor's read-only look at the same feed (no download, no signature check).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The feed URL with Tauri's placeholders filled in for this machine and build.
pub fn url_for_this_machine(template: &str) -> String {
    template
        .replace("{{target}}", os_name())
        .replace("{{arch}}", std::env::consts::ARCH)
        .replace("{{current_version}}", crate::version::CURRENT)
        .replace("{{bundle_type}}", installer_name())
}

/// Whether the next update check is due: `every` after the last one by the wall clock,
/// so a laptop asleep overnight (when a monotonic timer stands still) checks as it
/// wakes. A clock set back before the last check makes one due at once.
pub fn check_due(last: Option<DateTime<Utc>>, now: DateTime<Utc>, every: chrono::Duration) -> bool {
    last.is_none_or(|last| now < last || now - last >= every)
}

/// The OS as Tauri's feeds name it.
fn os_name() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

/// The installer a feed names for this OS's package (Tauri's `{{bundle_type}}`).
fn installer_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "deb",
        "windows" => "msi",
        _ => "app",
    }
}

/// Tauri's static update manifest, the parts the doctor reports on.
#[derive(Debug, Deserialize)]
struct Manifest {
    version: String,
    #[serde(default)]
    platforms: BTreeMap<String, Platform>,
}

#[derive(Debug, Deserialize)]
struct Platform {
    url: String,
    signature: String,
}

/// What a feed's answer offers this machine, in words for a help desk.
pub fn describe_answer(status: u16, body: &[u8]) -> Result<String, String> {
    if status == 204 {
        return Ok("answers 204: no update offered".into());
    }
    if !(200..300).contains(&status) {
        return Err(format!("answered {status}"));
    }
    let manifest: Manifest =
        serde_json::from_slice(body).map_err(|e| format!("answered something that is not an update feed ({e})"))?;
    let offered = crate::version::parse(manifest.version.trim_start_matches('v'))
        .map(|_| manifest.version.trim_start_matches('v').to_string())
        .ok_or_else(|| format!("offers the version {:?}, which is not a version", manifest.version))?;
    let os = os_name();
    let arch = std::env::consts::ARCH;
    let keys = [format!("{os}-{arch}-{}", installer_name()), format!("{os}-{arch}")];
    let Some((key, platform)) = keys.iter().find_map(|k| manifest.platforms.get(k).map(|p| (k, p))) else {
        return Err(format!("offers {offered} but nothing for this machine (looked for {})", keys.join(" or ")));
    };
    if platform.signature.trim().is_empty() || url::Url::parse(&platform.url).is_err() {
        return Err(format!("offers {offered} for {key} without a signature or a usable URL"));
    }
    let current = crate::version::CURRENT;
    Ok(if crate::version::is_older(current, &offered) {
        format!("offers {offered} for {key} (this is {current}); the app verifies its signature before installing")
    } else if offered == current {
        format!("offers {offered} for {key}: this version, up to date")
    } else {
        format!("offers {offered} for {key}, older than this {current}: the app will not install it")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_check_is_due_every_so_many_real_hours_at_every_instant_of_the_date_matrix() {
        let every = chrono::Duration::hours(6);
        for (at, why) in clock::matrix::date_matrix() {
            assert!(check_due(None, at, every), "{why}: the first check at start");
            assert!(!check_due(Some(at), at + every - chrono::Duration::seconds(1), every), "{why}");
            assert!(check_due(Some(at), at + every, every), "{why}");
            assert!(check_due(Some(at), at - chrono::Duration::minutes(1), every), "{why}: the clock went back");
        }
        // Across the night the clocks go forward, six hours are six hours: 01:30 winter
        // time to 08:30 summer time on the wall clock.
        let before = clock::parse_instant("2027-03-28T01:30:00+01:00").unwrap();
        assert!(!check_due(Some(before), clock::parse_instant("2027-03-28T07:29:00+02:00").unwrap(), every));
        assert!(check_due(Some(before), clock::parse_instant("2027-03-28T08:30:00+02:00").unwrap(), every));
    }

    use super::*;

    fn feed(version: &str) -> Vec<u8> {
        let os = if cfg!(target_os = "macos") { "darwin" } else { std::env::consts::OS };
        format!(
            r#"{{"version":"{version}","platforms":{{"{os}-{}":{{"url":"https://updates.example/a","signature":"c2ln"}}}}}}"#,
            std::env::consts::ARCH
        )
        .into_bytes()
    }

    #[test]
    fn placeholders_are_filled_for_this_machine() {
        let url = url_for_this_machine("https://u.example/{{target}}/{{arch}}/{{current_version}}");
        assert!(!url.contains("{{"), "{url}");
        assert!(url.ends_with(&format!("/{}/{}", std::env::consts::ARCH, crate::version::CURRENT)), "{url}");
    }

    #[test]
    fn newer_same_and_older_offers_are_told_apart() {
        assert!(describe_answer(200, &feed("999.0.0")).unwrap().contains("verifies its signature"));
        assert!(describe_answer(200, &feed(crate::version::CURRENT)).unwrap().contains("up to date"));
        assert!(describe_answer(200, &feed("0.0.1")).unwrap().contains("will not install"));
        assert!(describe_answer(204, b"").unwrap().contains("no update"));
    }

    #[test]
    fn garbage_errors_and_missing_platforms_are_failures() {
        assert!(describe_answer(200, b"<html>captive portal</html>").unwrap_err().contains("not an update feed"));
        assert!(describe_answer(404, b"").unwrap_err().contains("404"));
        let other = br#"{"version":"9.0.0","platforms":{"plan9-mips":{"url":"https://x/a","signature":"s"}}}"#;
        assert!(describe_answer(200, other).unwrap_err().contains("nothing for this machine"));
        assert!(describe_answer(200, br#"{"version":"soon","platforms":{}}"#).unwrap_err().contains("not a version"));
    }
}
