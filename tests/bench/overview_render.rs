//! The patient overview in the real window under Xvfb (WebKitGTK), against a standalone
//! sandbox whose vital signs reach two years back, signed in as the nursing-home doctor
//! (both wards: a 40-row worklist). N runs each (default 8), medians and extremes of:
//!   - click on a patient → first widget with content, and → every widget filled, every
//!     source settled and the vital-signs chart drawn (then the next painted frame),
//!     online and, with the sandbox suspended, from the offline cache;
//!   - frame times while scrolling the overview with the two-year chart, and the worklist.
//!
//!   tests/desktop-session.sh cargo run -p arbeidsflate-tests --example overview_render -- [runs]
//! `ARBEIDSFLATE_BIN` picks the binary (e.g. target/release/arbeidsflate).

use arbeidsflate_tests::page::{attrs_of, click, wait_for, wait_for_attr};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow, StandaloneSandbox};
use fantoccini::Client;
use serde_json::{json, Value};
use std::time::Duration;

const DOCTOR: &str = "Sigrid Bakkeli";
const SCROLL_MS: u64 = 4000;

/// Clicks the row and then looks at every frame: when the first widget and then all of
/// them have content (no loading message), every source has settled and the chart is
/// drawn. Times are at frame granularity (a frame is what the clinician sees).
const OVERVIEW_TIMER: &str = r#"
const ref = arguments[0];
const timing = {};
window.__overview = timing;
// Checked once per frame (not per DOM change), from the click on.
const check = () => {
  const widgets = [...document.querySelectorAll('[data-testid=widget]')];
  const filled = widgets.filter((w) => w.querySelector('h2') && !w.querySelector('.loading'));
  const now = performance.now() - t0;
  if (filled.length > 0 && timing.first === undefined) timing.first = now;
  const settled = [...document.querySelectorAll('[data-testid=source-status]')]
    .every((s) => s.dataset.state !== 'waiting' && s.dataset.state !== 'slow');
  const chart = !document.querySelector('[data-testid=vitals-chart]') || document.querySelector('[data-testid=chart-body]');
  if (widgets.length > 0 && filled.length === widgets.length && settled && chart) {
    timing.all = now;
    timing.widgets = widgets.length;
    requestAnimationFrame(() => { timing.painted = performance.now() - t0; });
  } else {
    requestAnimationFrame(check);
  }
};
const t0 = performance.now();
document.querySelector(`[data-testid=worklist-row][data-patient-ref="${ref}"] [data-testid=open-patient]`).click();
requestAnimationFrame(check);
"#;

/// Scrolls the page top → bottom → top over `arguments[0]` ms, one step per frame, and
/// answers the time between frames.
const SCROLL_FRAMES: &str = r#"
const duration = arguments[0];
const done = arguments[arguments.length - 1];
const max = document.documentElement.scrollHeight - window.innerHeight;
const deltas = [];
let start = null;
let last = null;
window.scrollTo(0, 0);
function step(ts) {
  if (start === null) start = ts;
  if (last !== null) deltas.push(ts - last);
  last = ts;
  const t = (ts - start) / duration;
  window.scrollTo(0, Math.round((t < 0.5 ? t * 2 : (1 - t) * 2) * max));
  if (ts - start < duration) requestAnimationFrame(step);
  else done({ deltas, scrolled: max });
}
requestAnimationFrame(step);
"#;

fn stats(mut v: Vec<f64>) -> (f64, f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (v[0], at(0.5), at(0.95), v[v.len() - 1])
}

async fn open_timed(client: &Client, patient_ref: &str) -> (f64, f64, f64, u64) {
    client.execute(OVERVIEW_TIMER, vec![json!(patient_ref)]).await.unwrap();
    for _ in 0..600 {
        let t = client.execute("return window.__overview;", vec![]).await.unwrap();
        if let Some(painted) = t["painted"].as_f64() {
            let back = async {
                click(client, "[data-testid=back-to-worklist]").await;
                wait_for(client, "body[data-screen=worklist]", Duration::from_secs(30)).await;
            };
            back.await;
            return (t["first"].as_f64().unwrap(), t["all"].as_f64().unwrap(), painted, t["widgets"].as_u64().unwrap());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the overview did not complete in 30 s");
}

async fn frames(client: &Client) -> (Vec<f64>, f64) {
    let answer: Value = client.execute_async(SCROLL_FRAMES, vec![json!(SCROLL_MS)]).await.unwrap();
    let deltas = answer["deltas"].as_array().unwrap().iter().filter_map(Value::as_f64).collect();
    (deltas, answer["scrolled"].as_f64().unwrap_or(0.0))
}

fn report_frames(what: &str, deltas: Vec<f64>, scrolled: f64) {
    let n = deltas.len();
    let long = deltas.iter().filter(|d| **d > 25.0).count();
    let (min, median, p95, max) = stats(deltas);
    println!(
        "{what}: {n} frames over {SCROLL_MS} ms scrolling {scrolled:.0} px: median {median:.1} ms, p95 {p95:.1} ms, \
         min {min:.1}, max {max:.1}; frames over 25 ms (a dropped frame at 60 Hz): {long}"
    );
}

fn report_times(what: &str, runs: &[(f64, f64, f64, u64)]) {
    let col = |f: fn(&(f64, f64, f64, u64)) -> f64| stats(runs.iter().map(f).collect());
    let (fmin, fmed, _, fmax) = col(|r| r.0);
    let (amin, amed, _, amax) = col(|r| r.1);
    let (pmin, pmed, _, pmax) = col(|r| r.2);
    println!(
        "{what} ({} runs, {} widgets): first widget median {fmed:.0} ms ({fmin:.0}–{fmax:.0}); all widgets {amed:.0} ms \
         ({amin:.0}–{amax:.0}); painted {pmed:.0} ms ({pmin:.0}–{pmax:.0})",
        runs.len(),
        runs[0].3
    );
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let sandbox = StandaloneSandbox::start(&["--history-days", "731"]);
    let app = AppWindow::open(&[("ARBEIDSFLATE_PROFILE", sandbox.profile.as_path())]).await;
    let client = app.client.clone();
    let long = Duration::from_secs(600);

    click(&client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(&app.url_file, DOCTOR).await.expect("sign in");
    wait_for(&client, "[data-testid=worklist-row]", Duration::from_secs(60)).await;
    wait_for_attr(&client, "[data-testid=last-sync]", "data-last-sync", long, |v| !v.is_empty()).await;
    let patients = attrs_of(&client, "[data-testid=worklist-row]", "data-patient-ref").await;
    println!("worklist: {} rows, prepared for offline use", patients.len());

    let (deltas, scrolled) = frames(&client).await;
    report_frames("worklist scroll", deltas, scrolled);

    // One opening first, so the WebKit caches are warm as in a shift.
    open_timed(&client, &patients[0]).await;
    let mut online = Vec::new();
    for i in 0..runs {
        online.push(open_timed(&client, &patients[(i + 1) % patients.len()]).await);
    }
    report_times("online", &online);
    if std::env::var_os("OVERVIEW_RENDER_VERBOSE").is_some() {
        println!("online runs (first, all, painted): {online:?}");
        for entry in std::fs::read_dir(&app.logs).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for line in text.lines().rev().take(60).collect::<Vec<_>>().into_iter().rev() {
                println!("log: {line}");
            }
        }
    }

    // The two-year chart: the overview scrolled with it on screen.
    click(
        &client,
        &format!("[data-testid=worklist-row][data-patient-ref=\"{}\"] [data-testid=open-patient]", patients[0]),
    )
    .await;
    wait_for(&client, "[data-testid=chart-body]", Duration::from_secs(30)).await;
    click(&client, "[data-testid=chart-period-two_years]").await;
    let points = wait_for_attr(&client, "[data-testid=chart-body]", "data-points", Duration::from_secs(30), |v| {
        v.parse::<u32>().is_ok_and(|n| n > 150)
    })
    .await;
    let (deltas, scrolled) = frames(&client).await;
    report_frames(&format!("overview scroll with a two-year chart ({points} NEWS2 points)"), deltas, scrolled);
    click(&client, "[data-testid=back-to-worklist]").await;
    wait_for(&client, "body[data-screen=worklist]", Duration::from_secs(30)).await;

    // The network goes: the app finds out at its next request (a sync, which gives up
    // after the profile's 3 s) and from then on reads from the cache.
    sandbox.disconnect();
    click(&client, "[data-testid=sync-start]").await;
    wait_for_attr(&client, "[data-testid=offline-status]", "data-online", Duration::from_secs(60), |v| v == "false")
        .await;
    let mut cached = Vec::new();
    for i in 0..runs {
        cached.push(open_timed(&client, &patients[(i + 1) % patients.len()]).await);
    }
    report_times("from the offline cache", &cached);
    sandbox.reconnect();
    let _logs = app.close().await;
}
