//! One bad record never blinds the nurse, through the real window (tauri-driver +
//! WebKitWebDriver under Xvfb; tests/desktop-session.sh sets it up). The app runs
//! against a standalone sandbox with every bad record on and the platform's Condition
//! searches failing: the ward list shows everyone it can and says who it could not, a
//! resident opens with the platform partly answered, the resident known by someone
//! else's number opens with an identity warning, and no script from any field runs
//! (`window.__pwned` stays unset: names, rooms, the ward's name, warnings, notes and
//! their authors all carry a probe).

use arbeidsflate_tests::page::{click, wait_for, wait_for_attr, write_screenshot};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow, StandaloneSandbox};
use fantoccini::{Client, Locator};
use std::path::Path;
use std::time::Duration;

const NURSE: &str = "Ingrid Solbakken";
const SCRIPTED: &str = "pas-feil-skript";
const IMPOSTOR: &str = "pas-feil-identitet";
const UNDATED: &str = "pas-feil-fodselsdato";
const TEXTLESS: &str = "pas-feil-uten-tekst";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ward_with_bad_records_a_partial_platform_and_an_impostor_never_blinds_the_nurse() {
    let bad = ["nameless", "impossible-birth-date", "missing-patient", "script", "identity-mismatch", "textless"];
    let mut args: Vec<&str> = bad.iter().flat_map(|b| ["--bad-record", b]).collect();
    args.extend(["--fault", "fhir/Condition=500"]);
    let sandbox = StandaloneSandbox::start(&args).giving_up_quickly();
    let app = AppWindow::open(&[("ARBEIDSFLATE_PROFILE", sandbox.profile.as_path())]).await;
    let outcome = shift(&app.client, &app.url_file).await;
    drop(app.close().await);
    drop(sandbox);
    outcome.unwrap_or_else(|e| panic!("{e}"));
}

/// Whether any script from a source ran in the page.
async fn pwned(client: &Client) -> bool {
    client.execute("return window.__pwned !== undefined", vec![]).await.unwrap() != serde_json::json!(false)
}

async fn text_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css}")).text().await.unwrap()
}

async fn open_patient(client: &Client, patient_ref: &str) {
    click(
        client,
        &format!("[data-testid=worklist-row][data-patient-ref=\"{patient_ref}\"] [data-testid=open-patient]"),
    )
    .await;
    wait_for(client, "body[data-screen=patient]", Duration::from_secs(30)).await;
}

async fn shift(client: &Client, url_file: &Path) -> Result<(), String> {
    let short = Duration::from_secs(30);
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(url_file, NURSE).await?;
    wait_for(client, "[data-testid=worklist-row]", short).await;

    // The list: everyone who can be shown, and a line for who could not.
    let unreadable = wait_for(client, "[data-testid=worklist-unreadable]", short).await.text().await.unwrap();
    assert_eq!(unreadable, "2 kunne ikke vises: 1 uten navn, 1 viser til en pasient som mangler.");
    let undated = format!("[data-testid=worklist-row][data-patient-ref=\"{UNDATED}\"] [data-testid=worklist-age]");
    assert_eq!(text_of(client, &undated).await, "ukjent");
    let scripted = format!("[data-testid=worklist-row][data-patient-ref=\"{SCRIPTED}\"] [data-testid=open-patient]");
    assert!(text_of(client, &scripted).await.contains("<img src=x onerror="), "shown as text");
    assert!(!pwned(client).await, "no script ran from the ward list");

    // A resident with script in her record, the platform answering in part.
    open_patient(client, SCRIPTED).await;
    let platform = "[data-testid=source-status][data-source=municipal]";
    wait_for_attr(client, platform, "data-state", short, |s| s == "partial").await;
    let problems = "[data-testid=widget-unavailable][data-widget=problems] [data-testid=part-failed]";
    assert_eq!(
        wait_for(client, problems, short).await.attr("data-parts").await.unwrap().as_deref(),
        Some("conditions")
    );
    wait_for(client, "[data-testid=patient-warning]", short).await;
    assert!(text_of(client, "[data-testid=patient-warning]").await.contains("onerror"), "shown as text");
    assert!(!pwned(client).await, "no script ran from the record");
    click(client, "[data-testid=back-to-worklist]").await;
    wait_for(client, "body[data-screen=worklist]", short).await;

    // A resident whose allergy, task and note have nothing to show: the rest shown, the gaps counted.
    open_patient(client, TEXTLESS).await;
    let allergies_left_out = wait_for(client, "[data-testid=left-out-allergies]", short).await.text().await.unwrap();
    assert_eq!(allergies_left_out, "1 kunne ikke vises: 1 uten noe å vise.");
    wait_for(client, "[data-testid=left-out-care]", short).await;
    wait_for(client, "[data-testid=left-out-notes]", short).await;
    click(client, "[data-testid=back-to-worklist]").await;
    wait_for(client, "body[data-screen=worklist]", short).await;

    // The resident the platform knows by someone else's number: a warning before her name.
    open_patient(client, IMPOSTOR).await;
    let warning = wait_for(client, "[data-testid=identity-warning]", short).await;
    assert_eq!(warning.attr("role").await.unwrap().as_deref(), Some("alert"));
    let fields = text_of(client, "[data-testid=identity-fields]").await;
    assert!(fields.starts_with("Uenige om: navn, fødselsdato, kjønn."), "{fields}");
    let platform_name = "[data-testid=identity-claim][data-source=platform] [data-field=name]";
    assert_eq!(text_of(client, platform_name).await, "Gunnhild Hostilesen");
    let banner_source = text_of(client, "[data-testid=banner-source]").await;
    assert!(banner_source.contains("Folkeregisteret"), "the banner is the register's: {banner_source}");
    write_screenshot(client, "identity-warning.png").await;
    assert!(!pwned(client).await);
    Ok(())
}
