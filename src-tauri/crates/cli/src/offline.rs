//! `arbeidsflate sync` and `arbeidsflate audit verify`: the offline cache from the
//! command line, for IT, supplier tests and the benchmarks.

use super::output::{app_error, fail, hold_instance, print_json, signed_in, usage};
use super::AppArgs;
use crate::environment::KEYRING_SERVICE;
use arbeidsflate_core::cache::reader::OfflineReader;
use arbeidsflate_core::keystore::OsKeyring;
use arbeidsflate_core::profile::OfflineSettings;
use std::sync::atomic::AtomicBool;

pub async fn sync(app: &AppArgs, user: Option<String>, json: bool) -> i32 {
    let (_env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let Ok(status) = ws.offline_status().await {
        if !status.cache_available {
            return fail(format!("no offline cache: {}", status.detail.unwrap_or_default()));
        }
    }
    let progress = |p: arbeidsflate_model::offline::SyncProgress| {
        if !json {
            eprintln!("  {}/{} {:?}", p.done, p.total, p.source);
        }
    };
    match ws.sync(progress, &AtomicBool::new(false)).await {
        Ok(report) if json => {
            let mut out = serde_json::to_value(&report).expect("a report serialises");
            out["process_peak_rss_kib"] = peak_rss_kib().into();
            print_json(&out);
            0
        }
        Ok(r) => {
            println!(
                "{} patients in {} ms ({}), database {} bytes, {} purged",
                r.patients,
                r.elapsed_ms,
                if r.incremental { "changes only" } else { "full" },
                r.database_bytes,
                r.purged
            );
            if let Some(left_out) = super::output::unreadable_text(&r.unreadable) {
                println!("  {left_out} (not kept)");
            }
            if let Some(kib) = peak_rss_kib() {
                println!("  peak memory of this process: {} MiB", kib / 1024);
            }
            for s in &r.sources {
                println!(
                    "  {:<16} {:>6} items {:>10} bytes {:>7} ms  {} failed",
                    arbeidsflate_core::aggregate::source_name(s.source),
                    s.items,
                    s.bytes,
                    s.elapsed_ms,
                    s.failed
                );
            }
            0
        }
        Err(e) => app_error(e),
    }
}

/// A clinician's cache opened with nothing but the keyring and the disk: no sandbox
/// started, no sign-in, no request sent (`patient --offline`, `audit verify`).
pub(super) fn offline_reader(app: &AppArgs, user: Option<String>) -> Result<OfflineReader, i32> {
    let Some(pid) = user else {
        return Err(usage("reading the offline cache needs the clinician whose cache it is: --user PID"));
    };
    let settings = match crate::environment::profile_source(app.profile.as_deref()).map_err(fail)?.path() {
        Some(path) => crate::environment::load_profile(path).map_err(fail)?.offline,
        None => OfflineSettings::default(),
    };
    let clock = crate::environment::run_clock().map_err(fail)?;
    let data_dir = app.data_dir.clone().unwrap_or_else(arbeidsflate_core::cache::default_data_dir);
    hold_instance(&data_dir)?;
    let keys = OsKeyring::new(KEYRING_SERVICE);
    OfflineReader::open(&settings, &data_dir, &pid, &keys, clock).map_err(app_error)
}

pub async fn verify(app: &AppArgs, user: Option<String>, json: bool) -> i32 {
    let reader = match offline_reader(app, user) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match reader.verify_access_log() {
        Ok(v) if json => {
            print_json(
                &serde_json::json!({"entries": v.entries, "intact": v.first_broken.is_none(), "first_broken": v.first_broken}),
            );
            i32::from(v.first_broken.is_some())
        }
        Ok(v) => match v.first_broken {
            None => {
                println!("access log intact: {} entries", v.entries);
                0
            }
            Some(seq) => fail(format!("the access log is broken at entry {seq}: edited or removed")),
        },
        Err(e) => app_error(e),
    }
}

/// The process's peak resident memory (Linux), for sizing a sync.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
