//! Launch click → the app's first FHIR answer painted, in the real window under Xvfb:
//! the nurse opens a resident and launches the built-in sandbox's sample app
//! (Fallrisiko, on fhirclient) N times (default 10). Each launch is timed from the click
//! in the workspace's window (its `Date.now()`) to the app's own mark after the frame
//! that shows its first answers (`data-painted-at`, the same machine clock), so the
//! WebDriver's polling is not in the figure. Prints min, median and max.
//!   tests/desktop-session.sh cargo run -p arbeidsflate-tests --example app_launch -- [runs]
//! `ARBEIDSFLATE_BIN` picks the binary (e.g. target/release/arbeidsflate).

use arbeidsflate_tests::page::{wait_for, wait_for_attr};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow};
use std::time::{Duration, Instant};

const SHORT: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let app = AppWindow::open(&[]).await;
    let client = &app.client;
    wait_for(client, "body[data-screen=sign-in]", SHORT).await;
    wait_for(client, "[data-testid=sign-in-button]", SHORT).await.click().await.unwrap();
    complete_browser_sign_in(&app.url_file, "Ingrid Solbakken").await.unwrap();
    wait_for(client, "[data-testid=worklist-row] [data-testid=open-patient]", SHORT).await.click().await.unwrap();
    wait_for(client, "body[data-screen=patient]", SHORT).await;
    wait_for(client, "[data-testid=patient-banner]", SHORT).await;
    wait_for(client, "[data-testid=launch-app][data-app=fallrisiko]", SHORT).await;
    let main = client.window().await.unwrap();
    let mut timings = Vec::new();
    for _ in 0..runs {
        let before: Vec<_> = client.windows().await.unwrap();
        let clicked = client
            .execute(
                "const b = document.querySelector('[data-testid=launch-app][data-app=fallrisiko]'); \
                 const t = Date.now(); b.click(); return t;",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        let deadline = Instant::now() + SHORT;
        let handle = loop {
            let now: Vec<_> = client.windows().await.unwrap();
            if let Some(h) = now.into_iter().find(|h| *h != main && !before.contains(h)) {
                break h;
            }
            assert!(Instant::now() < deadline, "no app window: {}", client.source().await.unwrap_or_default());
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        client.switch_to_window(handle).await.unwrap();
        let painted = wait_for_attr(client, "body", "data-painted-at", SHORT, |v| !v.is_empty()).await;
        timings.push(painted.parse::<f64>().unwrap() - clicked);
        // Closed before the next launch, so each launch is a new window.
        client.close_window().await.unwrap();
        client.switch_to_window(main.clone()).await.unwrap();
    }
    drop(app.close().await);
    timings.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "launch click → the app's first answers painted, {runs} launches: min {:.0} ms, median {:.0} ms, max {:.0} ms",
        timings[0],
        timings[timings.len() / 2],
        timings[timings.len() - 1]
    );
}
