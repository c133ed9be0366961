//! Launch click → the app's first FHIR answer painted, in the real window under Xvfb:
//! the nurse opens a resident and launches the built-in sandbox's sample app
//! (Fallrisiko, on fhirclient) N times (default 10). Each launch is timed on this
//! process's monotonic clock, from just before the click to the app's mark on the frame
//! that shows its first answers (`data-painted`), looked for every 5 ms; so a figure
//! includes up to one look and one WebDriver round trip. No wall clock is read: the
//! figures do not depend on the day. Prints min, median and max.
//!   tests/desktop-session.sh cargo run -p arbeidsflate-tests --example app_launch -- [runs]
//! `ARBEIDSFLATE_BIN` picks the binary (e.g. target/release/arbeidsflate).

use arbeidsflate_tests::page::wait_for;
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow};
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

const SHORT: Duration = Duration::from_secs(30);
const LOOK_EVERY: Duration = Duration::from_millis(5);

/// Waits for `found` to give something, looking every 5 ms.
async fn soon<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut found: impl FnMut() -> F) -> T {
    let deadline = Instant::now() + SHORT;
    loop {
        if let Some(v) = found().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what} never came");
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

async fn painted(client: &Client) -> Option<()> {
    let body = client.find(Locator::Css("body[data-painted=true]")).await;
    body.ok().map(|_| ())
}

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
    let launch = wait_for(client, "[data-testid=launch-app][data-app=fallrisiko]", SHORT).await;
    let main = client.window().await.unwrap();
    let mut timings = Vec::new();
    for _ in 0..runs {
        let before = client.windows().await.unwrap();
        let clicked = Instant::now();
        launch.click().await.unwrap();
        let handle = soon("the app's window", || async {
            client.windows().await.unwrap().into_iter().find(|h| *h != main && !before.contains(h))
        })
        .await;
        client.switch_to_window(handle).await.unwrap();
        soon("the app's first answers", || painted(client)).await;
        timings.push(clicked.elapsed().as_secs_f64() * 1000.0);
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
