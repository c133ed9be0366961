//! Measures the real window under Xvfb, N runs (default 10), and prints medians:
//!   - process start → sign-in screen interactive,
//!   - click on a resident → patient overview rendered (every source answered),
//!   - per source: its answer leaving the backend → its part in the page, and → the next frame,
//!   - resident memory of all the app's processes with one patient open.
//!
//! Run through the desktop session, against a built app:
//!   tests/desktop-session.sh cargo run -p arbeidsflate-tests --example window_timings -- [runs]
//! `ARBEIDSFLATE_BIN` picks the binary (e.g. target/release/arbeidsflate).

use arbeidsflate_tests::{app_binary, complete_browser_sign_in, install_crypto, TauriDriver, TempDir};
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

/// (RSS, PSS) in KiB of `pid` and all its descendants.
fn memory_of_tree(pid: u32) -> (u64, u64) {
    let mut total = (0, 0);
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            for line in text.lines() {
                let kib = |l: &str| l.split_whitespace().nth(1).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
                if line.starts_with("Rss:") {
                    total.0 += kib(line);
                } else if line.starts_with("Pss:") {
                    total.1 += kib(line);
                }
            }
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    total
}

/// The newest process running the app binary.
fn app_pid(binary: &std::path::Path) -> Option<u32> {
    let mut best = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        if std::fs::read_link(format!("/proc/{pid}/exe")).ok().as_deref() == Some(binary) {
            best = best.max(Some(pid));
        }
    }
    best
}

/// Click → overview complete, and per source: from the moment its answer left the
/// backend (`data-emitted-at`, Unix ms) to the page showing it (the DOM updated) and
/// to the next frame.
const PAGE_TIMER: &str = "window.__timing = { dom: {}, frame: {} };
document.addEventListener('click', () => { window.__timing.click = performance.now(); }, { capture: true, once: true });
new MutationObserver(() => {
  if (document.body.dataset.screen === 'patient' && !window.__timing.done) { window.__timing.done = performance.now(); }
}).observe(document.body, { attributes: true });
new MutationObserver(() => {
  for (const el of document.querySelectorAll('[data-testid=source-status]')) {
    const source = el.dataset.source, emitted = Number(el.dataset.emittedAt);
    const final = !['waiting', 'slow'].includes(el.dataset.state);
    if (final && emitted && window.__timing.dom[source] === undefined) {
      window.__timing.dom[source] = Date.now() - emitted;
      requestAnimationFrame(() => { window.__timing.frame[source] = Date.now() - emitted; });
    }
  }
}).observe(document.body, { attributes: true, childList: true, subtree: true });";

#[tokio::main]
async fn main() {
    install_crypto();
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let binary = std::fs::canonicalize(app_binary()).unwrap();
    let (mut to_sign_in, mut to_overview, mut rss, mut pss) = (vec![], vec![], vec![], vec![]);
    let (mut answer_to_dom, mut answer_to_frame) = (vec![], vec![]);
    for run in 0..runs {
        let tmp = TempDir::new("timings");
        let url_file = tmp.path().join("authorize-url");
        let open_with = PathBuf::from(format!("file:{}", url_file.display()));
        let logs = tmp.path().join("logs");
        let driver = TauriDriver::start(&[
            ("ARBEIDSFLATE_OPEN_URL_WITH", open_with.as_path()),
            ("ARBEIDSFLATE_LOG_DIR", logs.as_path()),
        ]);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({"application": binary}));
        let wait = Duration::from_secs(30);

        let started = Instant::now();
        let client = ClientBuilder::rustls().unwrap().capabilities(caps).connect(&driver.url()).await.unwrap();
        let poll = Duration::from_millis(5);
        let button = client
            .wait()
            .at_most(wait)
            .every(poll)
            .for_element(Locator::Css("[data-testid=sign-in-button]:enabled"))
            .await
            .unwrap();
        to_sign_in.push(started.elapsed().as_secs_f64() * 1000.0);

        button.click().await.unwrap();
        complete_browser_sign_in(&url_file, "Ingrid Solbakken").await.unwrap();
        let open = client.wait().at_most(wait).for_element(Locator::Css("[data-testid=open-patient]")).await.unwrap();
        // Timed inside the page: from the click event to the overview being rendered,
        // so WebDriver's own round trips are not counted.
        client.execute(PAGE_TIMER, vec![]).await.unwrap();
        open.click().await.unwrap();
        client.wait().at_most(wait).every(poll).for_element(Locator::Css("body[data-screen=patient]")).await.unwrap();
        let ms = client.execute("return window.__timing.done - window.__timing.click;", vec![]).await.unwrap();
        to_overview.push(ms.as_f64().expect("page timing"));
        let per_source = client.execute("return window.__timing;", vec![]).await.unwrap();
        let values = |key: &str| -> Vec<f64> {
            per_source[key].as_object().into_iter().flat_map(|o| o.values()).filter_map(|v| v.as_f64()).collect()
        };
        answer_to_dom.extend(values("dom"));
        answer_to_frame.extend(values("frame"));

        if let Some(pid) = app_pid(&binary) {
            let (r, p) = memory_of_tree(pid);
            rss.push(r as f64 / 1024.0);
            pss.push(p as f64 / 1024.0);
        }
        client.close().await.unwrap();
        drop(driver);
        eprintln!("run {}/{runs} done", run + 1);
    }
    let line = |name: &str, unit: &str, v: Vec<f64>| {
        if v.is_empty() {
            println!("{name:<44} (not measured)");
            return;
        }
        let (min, med, max) = median(v);
        println!("{name:<44} median {med:8.1} {unit}  (min {min:.1}, max {max:.1})");
    };
    println!("binary: {}  runs: {runs}", binary.display());
    line("process start → sign-in screen interactive", "ms", to_sign_in);
    line("click → patient overview rendered", "ms", to_overview);
    line("a source's answer → its part in the page", "ms", answer_to_dom);
    line("a source's answer → the next frame", "ms", answer_to_frame);
    line("memory, all app processes, RSS", "MiB", rss);
    line("memory, all app processes, PSS", "MiB", pss);
}
