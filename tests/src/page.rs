//! Steps on the app's page through WebDriver, shared by the real-window tests: each
//! waits with a deadline and, when it fails, says what the window showed.

use fantoccini::{elements::Element, Client, Locator};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots")
}

pub async fn wait_for(client: &Client, css: &str, timeout: Duration) -> Element {
    match client.wait().at_most(timeout).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => {
            let shot = failure_screenshot(client).await;
            panic!("{css} did not appear within {timeout:?}: {e} (screen: {shot})")
        }
    }
}

/// WebKitWebDriver's snapshot waits for the page to paint again, and a page where
/// nothing changes may not until its clock ticks (up to a minute; measured: 78 s). A dot
/// at 1 % opacity in the corner, shown for a moment just after the request, gives it
/// that paint without changing the picture.
async fn nudge_paint(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    let nudge = "setTimeout(() => {
                   const dot = document.createElement('div');
                   dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0.01;background:#000';
                   document.body.append(dot);
                   setTimeout(() => dot.remove(), 1000);
                 }, 150);";
    client.execute(nudge, vec![]).await.map(|_| ())
}

/// What the window showed when a step failed: a screenshot in the temp directory and
/// the page's screen marker and visible text.
pub async fn failure_screenshot(client: &Client) -> String {
    let path = std::env::temp_dir().join("arbeidsflate-window-failure.png");
    let within = Duration::from_secs(10);
    let _ = tokio::time::timeout(within, nudge_paint(client)).await;
    if let Ok(Ok(png)) = tokio::time::timeout(within, client.screenshot()).await {
        let _ = std::fs::write(&path, png);
    }
    let script = "return document.body.dataset.screen + ' | ' + document.body.innerText.slice(0, 2000);";
    let text = match tokio::time::timeout(within, client.execute(script, vec![])).await {
        Ok(Ok(v)) => v.to_string(),
        _ => "(the page did not answer)".into(),
    };
    format!("{} — {text}", path.display())
}

/// Polls `css`'s attribute until `ok` holds; returns the last value.
pub async fn wait_for_attr(
    client: &Client,
    css: &str,
    attr: &str,
    timeout: Duration,
    ok: impl Fn(&str) -> bool,
) -> String {
    let start = Instant::now();
    let mut last = None;
    while start.elapsed() < timeout {
        if let Ok(e) = client.find(Locator::Css(css)).await {
            if let Ok(Some(v)) = e.attr(attr).await {
                if ok(&v) {
                    return v;
                }
                last = Some(v);
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let shot = failure_screenshot(client).await;
    panic!("{css} [{attr}] never became as expected within {timeout:?}; last {last:?} (screen: {shot})");
}

pub async fn attrs_of(client: &Client, css: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in client.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.attr(attr).await.unwrap().unwrap_or_default());
    }
    out
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    let field = wait_for(client, css, Duration::from_secs(10)).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub async fn click(client: &Client, css: &str) {
    wait_for(client, css, Duration::from_secs(20)).await.click().await.unwrap();
}

/// Takes a screenshot of the window into tests/screenshots (the README shows them).
pub async fn write_screenshot(client: &Client, name: &str) {
    nudge_paint(client).await.expect("schedule a paint");
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::create_dir_all(screenshot_dir()).unwrap();
    std::fs::write(screenshot_dir().join(name), png).unwrap();
}

/// Waits until nothing matches `css` (a dialog closed).
pub async fn wait_gone(client: &Client, css: &str, timeout: Duration) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if client.find_all(Locator::Css(css)).await.map(|found| found.is_empty()).unwrap_or(false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shot = failure_screenshot(client).await;
    panic!("{css} was still there after {timeout:?} (screen: {shot})");
}

/// The text of the element at `css` once it has some (an app filling a field after its
/// requests); the page's source is in the panic when it never does.
pub async fn wait_for_text(client: &Client, css: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let text = wait_for(client, css, timeout).await.text().await.unwrap_or_default();
        if !text.trim().is_empty() {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} stayed empty; the page says: {}",
            client.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the WebDriver session is down to `count` windows within `timeout`.
pub async fn windows_down_to(client: &Client, count: usize, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while client.windows().await.map(|w| w.len()).unwrap_or(usize::MAX) > count {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    true
}
