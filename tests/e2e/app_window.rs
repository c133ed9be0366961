//! Another supplier's app through the real window (tauri-driver + WebKitWebDriver under
//! Xvfb): the nurse opens a resident and launches the built-in sandbox's sample app
//! (Fallrisiko, on fhirclient); it opens in a window of its own that has no IPC, shows
//! the resident's assessment from the platform through the facade, saves it, and closes
//! when she opens someone else.

use arbeidsflate_tests::page::{
    attrs_of, click, wait_for, wait_for_attr, wait_for_text, windows_down_to, write_screenshot,
};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow, StandaloneSandbox};
use fantoccini::Client;
use std::time::{Duration, Instant};

const NURSE: &str = "Ingrid Solbakken";
const SHORT: Duration = Duration::from_secs(30);

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

/// Signs the nurse in, opens the first resident and launches the sample app; the app's
/// window is the WebDriver's current one after. Returns the workspace's window and the
/// worklist's patients.
async fn launch_for_first_resident(app: &AppWindow) -> Result<(fantoccini::wd::WindowHandle, Vec<String>), String> {
    let client = &app.client;
    wait_for(client, "body[data-screen=sign-in]", SHORT).await;
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(&app.url_file, NURSE).await?;
    wait_for(client, "[data-testid=worklist-row]", SHORT).await;
    let residents = attrs_of(client, "[data-testid=worklist-row] [data-testid=open-patient]", "data-patient-ref").await;
    click(client, "[data-testid=worklist-row] [data-testid=open-patient]").await;
    wait_for(client, "body[data-screen=patient]", SHORT).await;
    let main = client.window().await.map_err(|e| e.to_string())?;
    click(client, "[data-testid=launch-app][data-app=fallrisiko]").await;
    let handle = other_window(client, &main).await.ok_or("no app window opened")?;
    client.switch_to_window(handle).await.map_err(|e| e.to_string())?;
    Ok((main, residents))
}

/// In the app's page: its token (from fhirclient's state) used on `path` of its FHIR base.
async fn status_of_app_request(client: &Client, path: &str) -> Result<String, String> {
    let answer = client
        .execute_async(
            r#"const [path, done] = [arguments[0], arguments[arguments.length - 1]];
               const state = JSON.parse(sessionStorage.getItem(JSON.parse(sessionStorage.getItem('SMART_KEY'))));
               fetch(state.serverUrl + '/' + path, {headers: {authorization: 'Bearer ' + state.tokenResponse.access_token}})
                 .then((r) => done(String(r.status)), (e) => done('failed: ' + e));"#,
            vec![serde_json::json!(path)],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(answer.as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_network_gone_the_app_saves_to_the_outbox_and_cannot_reach_another_resident() {
    let sandbox = StandaloneSandbox::start(&[]).giving_up_quickly();
    let app = AppWindow::open(&[("ARBEIDSFLATE_PROFILE", sandbox.profile.as_path())]).await;
    let result = offline_run(&app, &sandbox).await;
    drop(app.close().await);
    result.unwrap_or_else(|e| panic!("{e}"));
}

async fn offline_run(app: &AppWindow, sandbox: &StandaloneSandbox) -> Result<(), String> {
    let client = &app.client;
    let (main, residents) = launch_for_first_resident(app).await?;
    wait_for_text(client, "[data-testid=fall-risk-score]", SHORT).await;
    // Another resident, with the app's own token: not found, as if she did not exist.
    let other = residents.get(1).ok_or("a second resident")?;
    let status = status_of_app_request(client, &format!("Patient/{other}")).await?;
    let own = status_of_app_request(client, "Observation?_count=1").await?;
    if status != "404" || own != "200" {
        return Err(format!("another resident answered {status}; her own search {own}"));
    }

    // The network goes: the assessment waits in the workspace's outbox.
    sandbox.disconnect();
    click(client, "#save").await;
    let saved = wait_for_text(client, "[data-testid=fall-risk-saved]", SHORT).await;
    if !saved.starts_with("Lagret i Arbeidsflates utboks") {
        return Err(format!("offline, saving said {saved}"));
    }
    client.switch_to_window(main).await.map_err(|e| e.to_string())?;
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", SHORT, |v| v == "1").await;
    // Back: the outbox sends it.
    sandbox.reconnect();
    click(client, "[data-testid=outbox-count]").await;
    click(client, "[data-testid=outbox-item] [data-testid=outbox-retry]").await;
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", Duration::from_secs(90), |v| v == "0").await;
    Ok(())
}

/// IT's shortest idle lock (a minute): after it, the app's window is gone and its token
/// is refused. Waits that minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_idle_lock_the_apps_window_is_gone_and_its_token_refused() {
    let sandbox = StandaloneSandbox::start(&[]);
    let text = std::fs::read_to_string(&sandbox.profile).unwrap();
    let one_minute = text.replace("idle_lock_minutes = 15", "idle_lock_minutes = 1");
    assert_ne!(one_minute, text, "the profile's idle lock was not found");
    std::fs::write(&sandbox.profile, one_minute).unwrap();
    let app = AppWindow::open(&[("ARBEIDSFLATE_PROFILE", sandbox.profile.as_path())]).await;
    let result = idle_lock_run(&app).await;
    drop(app.close().await);
    result.unwrap_or_else(|e| panic!("{e}"));
}

async fn idle_lock_run(app: &AppWindow) -> Result<(), String> {
    let client = &app.client;
    let (main, _) = launch_for_first_resident(app).await?;
    wait_for_text(client, "[data-testid=fall-risk-score]", SHORT).await;
    // The app's FHIR base, patient and token, as fhirclient keeps them.
    let state = client
        .execute(
            "const s = JSON.parse(sessionStorage.getItem(JSON.parse(sessionStorage.getItem('SMART_KEY')))); \
             return [s.serverUrl, s.tokenResponse.patient, s.tokenResponse.access_token];",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let [server, patient, token] = [0, 1, 2].map(|i| state[i].as_str().unwrap_or_default().to_string());
    let read = || {
        let url = format!("{server}/Patient/{patient}");
        let token = token.clone();
        async move {
            let http = arbeidsflate_tests::http();
            http.get(url).bearer_auth(token).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
        }
    };
    if read().await != 200 {
        return Err("the app's token did not read her record before the lock".into());
    }
    client.switch_to_window(main).await.map_err(|e| e.to_string())?;
    wait_for(client, "body[data-screen=locked]", Duration::from_secs(100)).await;
    if !windows_down_to(client, 1, SHORT).await {
        return Err("the app's window stayed open behind the lock".into());
    }
    match read().await {
        401 => Ok(()),
        other => Err(format!("after the lock the app's token answered {other}")),
    }
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
    let score = wait_for_text(client, "[data-testid=fall-risk-score]", SHORT).await;
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
    let saved = wait_for_text(client, "[data-testid=fall-risk-saved]", SHORT).await;
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
    if !windows_down_to(client, 1, SHORT).await {
        return Err("the app window stayed open with another patient".into());
    }
    Ok(())
}
