//! Decision support through the real window (tauri-driver + WebKitWebDriver under Xvfb),
//! against a standalone sandbox whose CDS service verifies every call: the nurse opens a
//! resident with new confusion on zopiclone; the service's critical card is above every
//! other widget's content; she sees what its suggestion would record, confirms it, and
//! the task reaches the platform once; she dismisses the fall-risk card with one of its
//! reasons, and the service is told both. The banner names her GP and the office's number.

use arbeidsflate_tests::page::{click, wait_for, wait_for_attr, wait_for_text, wait_gone, write_screenshot};
use arbeidsflate_tests::{app_command, complete_browser_sign_in, json_of, AppWindow, StandaloneSandbox, TempDir};
use fantoccini::Client;
use std::time::Duration;

const NURSE: &str = "Ingrid Solbakken";
const SHORT: Duration = Duration::from_secs(30);
/// On new confusion (a NEWS2 parameter at 3), and over 80 on zopiclone.
const RESIDENT: &str = "pas-16";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nurse_confirms_a_suggestion_and_dismisses_a_card_and_the_service_is_told() {
    let sandbox = StandaloneSandbox::start(&[]);
    let app = AppWindow::open(&[("ARBEIDSFLATE_PROFILE", sandbox.profile.as_path())]).await;
    let result = run(&app.client, &app.url_file).await;
    drop(app.close().await);
    result.unwrap_or_else(|e| panic!("{e}"));
    after_the_shift(&sandbox).await;
}

async fn run(client: &Client, url_file: &std::path::Path) -> Result<(), String> {
    wait_for(client, "body[data-screen=sign-in]", SHORT).await;
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(url_file, NURSE).await?;
    wait_for(client, "[data-testid=worklist-row]", SHORT).await;
    click(client, &format!("[data-testid=open-patient][data-patient-ref={RESIDENT}]")).await;
    wait_for(client, "body[data-screen=patient]", SHORT).await;
    let critical = "[data-testid=cds-card][data-indicator=critical]";
    let summary = wait_for_text(client, &format!("{critical} [data-testid=cds-summary]"), SHORT).await;
    if !summary.starts_with("NEWS2") {
        return Err(format!("the critical card says {summary}"));
    }
    wait_for(client, "[data-testid=cds-card][data-indicator=info]", SHORT).await;
    // Above every other widget's content, whatever the layout's widths.
    let above = client
        .execute(
            "const card = document.querySelector(arguments[0]).getBoundingClientRect().bottom; \
             const others = [...document.querySelectorAll('[data-testid=widget]:not([data-widget=decision_support])')]; \
             return others.length > 0 && others.every((w) => w.getBoundingClientRect().top >= card);",
            vec![serde_json::json!(critical)],
        )
        .await
        .map_err(|e| e.to_string())?;
    if above != serde_json::json!(true) {
        return Err("the critical card is not above the other widgets".into());
    }
    // Who to call: the GP and the office's number in the banner, the GP widget with the others.
    let phone = wait_for_text(client, "[data-testid=banner-gp-phone]", SHORT).await;
    if !phone.starts_with("tlf. 12 ") {
        return Err(format!("the banner's GP line says {phone}"));
    }
    wait_for(client, "[data-testid=gp-widget] [data-testid=gp-name]", SHORT).await;
    write_screenshot(client, "decision-support.png").await;

    // What the suggestion would record, before anything is.
    click(client, &format!("{critical} [data-testid=cds-accept]")).await;
    let action = wait_for_text(client, "[data-testid=cds-confirm-panel] [data-testid=cds-action]", SHORT).await;
    if !action.starts_with("Ny oppgave: ") || !action.to_lowercase().contains("legetilsyn") {
        return Err(format!("the confirmation shows {action}"));
    }
    click(client, "[data-testid=cds-confirm]").await;
    wait_for_attr(client, "[data-testid=write-receipt]", "data-outcome", SHORT, |v| v == "sent").await;
    wait_gone(client, critical, SHORT).await;

    // The fall-risk card, dismissed with the service's second reason and a comment.
    click(client, "[data-testid=cds-card][data-indicator=info] [data-testid=cds-dismiss]").await;
    wait_for(client, "[data-testid=cds-reason]", SHORT).await;
    client
        .execute(
            "const s = document.querySelector('[data-testid=cds-reason]'); s.selectedIndex = 2; \
             s.dispatchEvent(new Event('change', {bubbles: true})); \
             const c = document.querySelector('[data-testid=cds-comment]'); c.value = 'Vurdert på visitten'; \
             c.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    click(client, "[data-testid=cds-dismiss-confirm]").await;
    wait_gone(client, "[data-testid=cds-card]", SHORT).await;
    Ok(())
}

/// With the window closed: the service was told both, and the platform has the task
/// once (read by the command line, another door, with a data directory of its own).
async fn after_the_shift(sandbox: &StandaloneSandbox) {
    let profile = std::fs::read_to_string(&sandbox.profile).unwrap();
    let base = profile
        .lines()
        .skip_while(|l| l.trim() != "[[decision_support]]")
        .find_map(|l| l.trim().strip_prefix("base_url = ").map(|v| v.trim_matches('"').to_string()))
        .expect("the sandbox profile names its decision-support service");
    let told: serde_json::Value =
        arbeidsflate_tests::http().get(format!("{base}/sandbox/feedback")).send().await.unwrap().json().await.unwrap();
    let outcomes: Vec<&str> = told.as_array().unwrap().iter().map(|f| f["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["accepted", "overridden"], "{told:#}");
    assert_eq!(told[1]["overrideReason"]["userComment"], "Vurdert på visitten");
    assert!(told[1]["overrideReason"]["reason"]["code"].is_string(), "{told:#}");

    let dir = TempDir::new("cds-after");
    let cli = |args: &[&str]| {
        let mut c = app_command();
        c.args(args)
            .args(["--profile", sandbox.profile.to_str().unwrap()])
            .env("ARBEIDSFLATE_LOG_DIR", dir.path())
            .env("ARBEIDSFLATE_DATA_DIR", dir.path().join("data"));
        json_of(&c.output().unwrap())
    };
    let list = cli(&["worklist", "--json"]);
    let entry = list["worklist"]["entries"].as_array().unwrap().iter().find(|e| e["patient_ref"] == RESIDENT).unwrap();
    let nin = entry["national_id"].as_str().unwrap().replace(' ', "");
    let view = cli(&["patient", &nin, "--json"]);
    let care = view["parts"].as_array().unwrap().iter().find(|p| p["part"] == "care").expect("the care part");
    let reviews = care["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["description"].as_str().is_some_and(|d| d.starts_with("Legetilsyn")))
        .count();
    assert_eq!(reviews, 1, "{care:#}");
}
