//! Another supplier's app through the real window (tauri-driver + WebKitWebDriver under
//! Xvfb): the nurse opens a resident and launches the built-in sandbox's sample app
//! (Fallrisiko, on fhirclient); it opens in a window of its own that has no IPC, shows
//! the resident's assessment from the platform through the facade, saves it, and closes
//! when she opens someone else.

use arbeidsflate_tests::page::{click, wait_for, write_screenshot};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow};
use fantoccini::Client;
use std::time::{Duration, Instant};

const NURSE: &str = "Ingrid Solbakken";
const SHORT: Duration = Duration::from_secs(30);

/// The element's text once it has some.
async fn filled(client: &Client, css: &str) -> String {
    let deadline = Instant::now() + SHORT;
    loop {
        let text = wait_for(client, css, SHORT).await.text().await.unwrap_or_default();
        if !text.trim().is_empty() {
            return text;
        }
        assert!(Instant::now() < deadline, "{css} stayed empty: {}", client.source().await.unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The window handle that is not `main`'s, once there is one.
async fn other_window(client: &Client, main: &fantoccini::wd::WindowHandle) -> Option<fantoccini::wd::WindowHandle> {
    let deadline = Instant::now() + SHORT;
    while Instant::now() < deadline {
        if let Some(h) = client.windows().await.unwrap_or_default().into_iter().find(|h| h != main) {
            return Some(h);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_app_opens_in_its_own_window_without_ipc_and_closes_with_the_patient() {
    let app = AppWindow::open(&[]).await;
    let result = run(&app).await;
    drop(app.close().await);
    result.unwrap_or_else(|e| panic!("{e}"));
}

async fn run(app: &AppWindow) -> Result<(), String> {
    let client = &app.client;
    wait_for(client, "body[data-screen=sign-in]", SHORT).await;
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(&app.url_file, NURSE).await?;
    wait_for(client, "[data-testid=worklist-row]", SHORT).await;
    click(client, "[data-testid=worklist-row] [data-testid=open-patient]").await;
    wait_for(client, "body[data-screen=patient]", SHORT).await;
    let main = client.window().await.map_err(|e| e.to_string())?;
    click(client, "[data-testid=launch-app][data-app=fallrisiko]").await;

    let handle = other_window(client, &main).await.ok_or("no app window opened")?;
    client.switch_to_window(handle).await.map_err(|e| e.to_string())?;
    let score = filled(client, "[data-testid=fall-risk-score]").await;
    if score.trim().parse::<u32>().is_err() {
        return Err(format!("the score is {score}"));
    }
    // No IPC here: no Tauri global, and the internal bridge (if injected) refuses.
    let probe = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const bridge = window.__TAURI_INTERNALS__;
               if (typeof window.__TAURI__ !== 'undefined') { done('global'); return; }
               if (!bridge || typeof bridge.invoke !== 'function') { done('none'); return; }
               bridge.invoke('worklist').then(() => done('answered'), (e) => done('refused:' + String(e)));"#,
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let probe = probe.as_str().unwrap_or_default().to_string();
    eprintln!("the app window's IPC probe: {probe}");
    if !(probe == "none" || probe.starts_with("refused:")) {
        return Err(format!("the app window reached the workspace's IPC: {probe}"));
    }
    click(client, "#save").await;
    let saved = filled(client, "[data-testid=fall-risk-saved]").await;
    if saved != "Lagret i journalen." {
        return Err(format!("saving said {saved}"));
    }
    write_screenshot(client, "app-window.png").await;

    // Back in the workspace, another resident: the app window goes with the first.
    client.switch_to_window(main.clone()).await.map_err(|e| e.to_string())?;
    click(client, "[data-testid=back-to-worklist]").await;
    wait_for(client, "[data-testid=worklist-row]", SHORT).await;
    let rows = client.find_all(fantoccini::Locator::Css("[data-testid=worklist-row] [data-testid=open-patient]")).await;
    let rows = rows.map_err(|e| e.to_string())?;
    rows.get(1).ok_or("a second resident")?.click().await.map_err(|e| e.to_string())?;
    wait_for(client, "body[data-screen=patient]", SHORT).await;
    let deadline = Instant::now() + SHORT;
    while client.windows().await.map_err(|e| e.to_string())?.len() > 1 {
        if Instant::now() > deadline {
            return Err("the app window stayed open with another patient".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
