//! The clinician arranges her patient overview through the real Tauri window
//! (tauri-driver + WebKitWebDriver under Xvfb, in the D-Bus session that
//! tests/desktop-session.sh sets up), quits, starts the app again and finds it as she
//! left it; "reset" brings back her role's default.

use arbeidsflate_core::layout::built_in;
use arbeidsflate_model::view::ClinicianRole;
use arbeidsflate_tests::page::{attrs_of, click, wait_for, wait_for_attr, write_screenshot};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow, TempDir};
use fantoccini::Client;
use std::path::Path;
use std::time::Duration;

const NURSE: &str = "Ingrid Solbakken";
const SHORT: Duration = Duration::from_secs(30);

async fn sign_in_and_open_first_resident(client: &Client, url_file: &Path) -> Result<(), String> {
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(url_file, NURSE).await?;
    wait_for(client, "[data-testid=worklist-row]", SHORT).await;
    click(client, "[data-testid=worklist-row] [data-testid=open-patient]").await;
    wait_for(client, "body[data-screen=patient]", SHORT).await;
    wait_for(client, "[data-testid=widget-grid]", SHORT).await;
    Ok(())
}

async fn shown(client: &Client) -> Vec<(String, String)> {
    let widgets = attrs_of(client, "[data-testid=widget]", "data-widget").await;
    let sizes = attrs_of(client, "[data-testid=widget]", "data-size").await;
    widgets.into_iter().zip(sizes).collect()
}

fn names(layout: &[(String, String)]) -> Vec<&str> {
    layout.iter().map(|(w, _)| w.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nurse_arranges_her_overview_restarts_the_app_finds_it_kept_and_resets_it() {
    let default: Vec<(String, String)> = built_in(ClinicianRole::NursingHomeNurse)
        .widgets
        .iter()
        .map(|i| (i.widget.as_str().to_string(), serde_json::to_value(i.size).unwrap().as_str().unwrap().to_string()))
        .collect();
    assert!(default.iter().any(|(w, _)| w == "documents") && default[0].0 != "vitals", "the test needs these");
    // One data directory for both runs of the app, as on a real machine.
    let data = TempDir::new("layout-data");

    // First run: arrange.
    let app = AppWindow::open(&[("ARBEIDSFLATE_DATA_DIR", data.path())]).await;
    let arranged = async {
        sign_in_and_open_first_resident(&app.client, &app.url_file).await?;
        let client = &app.client;
        assert_eq!(shown(client).await, default, "a new user sees the role's default");

        click(client, "[data-testid=customise-start]").await;
        wait_for(client, "[data-testid=customise-bar]", SHORT).await;
        // Vital signs to the top, with the keyboard alternative to dragging.
        while shown(client).await[0].0 != "vitals" {
            click(client, "[data-widget=vitals] [data-testid=widget-move-up]").await;
        }
        // Visually hidden, so read its content rather than its rendered text.
        let said = wait_for(client, "[data-testid=customise-announcement]", SHORT).await;
        let said = said.prop("textContent").await.unwrap().unwrap_or_default();
        assert!(said.contains("nummer 1 av"), "the move is announced: {said:?}");
        // … full width, and no documents.
        click(client, "[data-widget=vitals] [data-testid=widget-wider]").await;
        click(client, "[data-widget=vitals] [data-testid=widget-wider]").await;
        click(client, "[data-widget=documents] [data-testid=widget-remove]").await;
        let arranged = shown(client).await;
        assert_eq!(arranged[0], ("vitals".to_string(), "full".to_string()));
        assert!(!names(&arranged).contains(&"documents"));
        // Documents can be added back: it is offered.
        let offered = attrs_of(client, "[data-testid=widget-add-choice] option", "value").await;
        assert!(offered.iter().any(|v| v == "documents"), "{offered:?}");
        client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
        write_screenshot(client, "customise-mode.png").await;

        click(client, "[data-testid=customise-save]").await;
        wait_for(client, "[data-testid=customise-start]", SHORT).await;
        assert_eq!(shown(client).await, arranged, "saved as arranged");
        Ok::<_, String>(arranged)
    }
    .await;
    let first_run = app.close().await;
    let arranged = arranged.expect("first run");
    drop(first_run);

    // Second run: the same machine, a new start of the app.
    let app = AppWindow::open(&[("ARBEIDSFLATE_DATA_DIR", data.path())]).await;
    let result = async {
        sign_in_and_open_first_resident(&app.client, &app.url_file).await?;
        let client = &app.client;
        wait_for_attr(client, "[data-testid=widget]", "data-widget", SHORT, |w| w == "vitals").await;
        assert_eq!(shown(client).await, arranged, "the arrangement survived the restart");

        click(client, "[data-testid=customise-start]").await;
        click(client, "[data-testid=customise-reset]").await;
        wait_for(client, "[data-testid=customise-start]", SHORT).await;
        assert_eq!(shown(client).await, default, "reset gives the role's default");
        Ok::<_, String>(())
    }
    .await;
    let _logs = app.close().await;
    result.expect("second run");
    let saved = std::fs::read_dir(data.path().join("layouts")).expect("layouts are kept per user").count();
    assert_eq!(saved, 1);
}
