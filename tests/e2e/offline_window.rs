//! An offline shift through the real Tauri window (tauri-driver + WebKitWebDriver under
//! Xvfb, D-Bus and an unlocked gnome-keyring; tests/desktop-session.sh sets that up).
//!
//! The app runs against a standalone sandbox (`arbeidsflate sandbox --write-profile`),
//! so the test can take the network away: the sandbox process is suspended (SIGSTOP),
//! which looks to the app like a network that swallows every request, and resumed
//! (SIGCONT) to bring it back. Suspending rather than killing keeps the sandbox's
//! signing key, registered client key and issued tokens, so the same session carries on
//! once the network is back; a restarted sandbox would know none of them.

use arbeidsflate_tests::page::{attrs_of, click, type_into, wait_for, wait_for_attr, write_screenshot};
use arbeidsflate_tests::{complete_browser_sign_in, AppWindow, StandaloneSandbox};
use fantoccini::{Client, Locator};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

const NURSE: &str = "Ingrid Solbakken";
/// A home-care nurse: her worklist is today's route.
const HOME_CARE_NURSE: &str = "Mona Haugland";
/// A high pulse (NEWS2: 3 points) with other values that make the NEWS2 risk high.
const PULSE: &str = "135";

/// Marks the test's progress on stderr (shown for a failing test), with the time.
fn step(started: Instant, what: &str) {
    eprintln!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());
}

async fn open_patient(client: &Client, patient_ref: &str, timeout: Duration) {
    let css = format!("[data-testid=worklist-row][data-patient-ref=\"{patient_ref}\"] [data-testid=open-patient]");
    click(client, &css).await;
    wait_for(client, "body[data-screen=patient]", timeout).await;
}

async fn back_to_worklist(client: &Client, timeout: Duration) {
    click(client, "[data-testid=back-to-worklist]").await;
    wait_for(client, "body[data-screen=worklist]", timeout).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nurse_prepares_her_ward_loses_the_network_records_vitals_and_they_are_sent_when_it_returns() {
    let sandbox = StandaloneSandbox::start(&[]).giving_up_quickly();
    let app = AppWindow::open(&[("ARBEIDSFLATE_PROFILE", sandbox.profile.as_path())]).await;
    let outcome = shift(&app.client, &sandbox, &app.url_file).await;
    drop(app.close().await);
    drop(sandbox);
    outcome.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_care_nurse_marks_a_visit_done_on_the_road_and_the_platform_has_it_when_she_is_back() {
    let sandbox = StandaloneSandbox::start(&[]).giving_up_quickly();
    let app = AppWindow::open(&[("ARBEIDSFLATE_PROFILE", sandbox.profile.as_path())]).await;
    let outcome = route(&app.client, &sandbox, &app.url_file).await;
    drop(app.close().await);
    drop(sandbox);
    outcome.unwrap_or_else(|e| panic!("{e}"));
}

/// Signs in and waits for the worklist to be prepared for offline use.
async fn sign_in_and_prepare(client: &Client, url_file: &Path, clinician: &str) -> Result<(), String> {
    let short = Duration::from_secs(30);
    click(client, "[data-testid=sign-in-button]").await;
    complete_browser_sign_in(url_file, clinician).await?;
    let name = wait_for(client, "[data-testid=clinician-name]", short).await.text().await.unwrap();
    assert_eq!(name, clinician);
    wait_for(client, "[data-testid=worklist-row]", short).await;
    wait_for_attr(client, "[data-testid=offline-status]", "data-online", short, |v| v == "true").await;
    wait_for_attr(client, "[data-testid=last-sync]", "data-last-sync", Duration::from_secs(90), |v| !v.is_empty())
        .await;
    Ok(())
}

/// The route: a visit marked done with no network shows done at once and waits in the
/// outbox; back online it is sent, and the route the platform gives shows it done.
async fn route(client: &Client, sandbox: &StandaloneSandbox, url_file: &Path) -> Result<(), String> {
    let t0 = Instant::now();
    let short = Duration::from_secs(30);
    let long = Duration::from_secs(90);

    step(t0, "sign in");
    sign_in_and_prepare(client, url_file, HOME_CARE_NURSE).await?;
    let heading = wait_for(client, "#worklist-heading", short).await.text().await.unwrap();
    assert!(heading.starts_with("Dagens besøk"), "{heading:?}");
    let planned = "[data-testid=worklist-row][data-visit-done=false]";
    let visit_id = wait_for(client, planned, short).await.attr("data-visit-id").await.unwrap().expect("a visit id");
    let row = format!("[data-testid=worklist-row][data-visit-id=\"{visit_id}\"]");

    step(t0, "disconnect");
    // The network goes; the app learns it from a sync that gets no answer.
    sandbox.disconnect();
    click(client, "[data-testid=sync-start]").await;
    wait_for(client, "[data-testid=sync-offline]", long).await;
    wait_for_attr(client, "[data-testid=offline-status]", "data-online", short, |v| v == "false").await;

    step(t0, "mark done");
    let button = wait_for(client, &format!("{row} [data-testid=visit-complete]"), short).await;
    let label = button.attr("aria-label").await.unwrap().unwrap_or_default();
    assert!(label.starts_with("Marker utført: besøket hos"), "{label:?}");
    button.click().await.unwrap();
    let result = wait_for(client, "[data-testid=visit-write-result]", long).await;
    assert_eq!(result.attr("data-outcome").await.unwrap().as_deref(), Some("queued"));
    assert!(result.text().await.unwrap().contains("Besøk utført"));
    wait_for_attr(client, &row, "data-visit-done", long, |v| v == "true").await;
    let done = wait_for(client, &format!("{row} [data-testid=visit-done]"), short).await.text().await.unwrap();
    assert!(done.contains("Utført"), "{done:?}");
    step(t0, "shown done");
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", short, |v| v == "1").await;
    write_screenshot(client, "offline-route.png").await;

    step(t0, "reconnect");
    sandbox.reconnect();
    click(client, "[data-testid=outbox-count]").await;
    assert_eq!(
        wait_for(client, "[data-testid=outbox-item]", short).await.attr("data-kind").await.unwrap().as_deref(),
        Some("visit_completed")
    );
    click(client, "[data-testid=outbox-item][data-kind=visit_completed] [data-testid=outbox-retry]").await;
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", long, |v| v == "0").await;
    wait_for_attr(client, "[data-testid=offline-status]", "data-online", short, |v| v == "true").await;
    click(client, "[data-testid=outbox-close]").await;

    step(t0, "route from the platform");
    // A patient and back: the route is read again from the platform, which has it done.
    let patient_ref = wait_for(client, &row, short).await.attr("data-patient-ref").await.unwrap().unwrap();
    open_patient(client, &patient_ref, long).await;
    back_to_worklist(client, long).await;
    let done = wait_for_attr(client, &row, "data-visit-done", long, |v| v == "true").await;
    assert_eq!(done, "true");
    assert!(client.find_all(Locator::Css(&format!("{row} [data-testid=visit-complete]"))).await.unwrap().is_empty());
    Ok(())
}

/// The shift itself; the session is closed whatever happens here.
async fn shift(client: &Client, sandbox: &StandaloneSandbox, url_file: &Path) -> Result<(), String> {
    let t0 = Instant::now();
    let short = Duration::from_secs(30);
    // Offline, each request waits out its 3 s timeout; a patient view takes a few of them.
    let long = Duration::from_secs(90);

    step(t0, "sign in");
    // Sign in; the worklist loads and is prepared for offline use by itself.
    sign_in_and_prepare(client, url_file, NURSE).await?;
    let refs: BTreeSet<String> =
        attrs_of(client, "[data-testid=worklist-row]", "data-patient-ref").await.into_iter().collect();
    assert!(!refs.is_empty());
    let summary = wait_for(client, "[data-testid=sync-summary]", long).await;
    assert_eq!(summary.attr("data-patients").await.unwrap().as_deref(), Some(refs.len().to_string().as_str()));
    assert_eq!(summary.attr("data-cancelled").await.unwrap().as_deref(), Some("false"));
    assert_eq!(
        wait_for(client, "[data-testid=outbox-count]", short).await.attr("data-count").await.unwrap().as_deref(),
        Some("0")
    );

    step(t0, "manual sync");
    // Prepared by hand as well: the progress bar and its cancel button show while it
    // runs (read in one script, as the sync may end any moment), then a new summary.
    click(client, "[data-testid=sync-start]").await;
    let seen = client
        .execute(
            "const p = document.querySelector('[data-testid=sync-progress]');
             return p ? { total: p.dataset.total, cancel: !!p.querySelector('[data-testid=sync-cancel]'),
                          bar: !!p.querySelector('progress') } : null;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(seen["cancel"], json!(true), "no progress bar with a cancel button while syncing: {seen}");
    assert_eq!(seen["bar"], json!(true), "{seen}");
    let total = seen["total"].as_str().unwrap_or_default().to_string();
    assert!(total == "0" || total == refs.len().to_string(), "progress total {total}");
    let summary = wait_for(client, "[data-testid=sync-summary]", long).await;
    assert_eq!(summary.attr("data-patients").await.unwrap().as_deref(), Some(refs.len().to_string().as_str()));
    // Prepared: every row has its signals from the cache (the README's picture of the worklist).
    wait_for(client, "[data-testid=signal-news2][data-total]", long).await;
    write_screenshot(client, "worklist.png").await;

    // A resident to visit: the first on the list.
    let patient_ref = attrs_of(client, "[data-testid=worklist-row]", "data-patient-ref").await.remove(0);

    step(t0, "disconnect");
    // The network goes. Preparing again finds that out (the platform does not answer) and
    // says so calmly; what was saved stays. Learning it here also means the patient below
    // opens straight from the cache, with no sign-in traffic toward a HelseID that cannot
    // answer (a suspended sandbox would still handle such a request once resumed, and
    // rotate the refresh token behind the app's back).
    sandbox.disconnect();
    click(client, "[data-testid=sync-start]").await;
    wait_for(client, "[data-testid=sync-offline]", long).await;
    wait_for_attr(client, "[data-testid=offline-status]", "data-online", short, |v| v == "false").await;
    let line = wait_for(client, "[data-testid=connection-state]", short).await.text().await.unwrap();
    assert!(line.contains("Frakoblet"), "{line:?}");
    assert!(!wait_for(client, "[data-testid=last-sync]", short)
        .await
        .attr("data-last-sync")
        .await
        .unwrap()
        .unwrap_or_default()
        .is_empty());

    step(t0, "open offline");
    // The resident opens from what was saved: the platform's part says "cached" and how old.
    open_patient(client, &patient_ref, long).await;
    let municipal = "[data-testid=source-status][data-source=municipal]";
    let state = wait_for(client, municipal, short).await.attr("data-state").await.unwrap();
    assert_eq!(state.as_deref(), Some("cached"), "the platform's part should come from the cache");
    let cached_at = wait_for(client, &format!("{municipal} [data-testid=source-cached-at]"), short).await;
    assert!(!cached_at.text().await.unwrap().is_empty());
    // Nothing from the cache counts as a failed platform.
    assert!(client.find_all(Locator::Css(&format!("{municipal}[data-state=failed]"))).await.unwrap().is_empty());

    step(t0, "record vitals");
    // Vital signs, taken at the bedside; the decimal comma is what a Norwegian nurse types.
    wait_for(client, "[data-testid=vitals-form]", short).await;
    type_into(client, "[data-testid=vitals-respiratory-rate]", "24").await;
    type_into(client, "[data-testid=vitals-spo2]", "95").await;
    type_into(client, "[data-testid=vitals-systolic]", "105").await;
    type_into(client, "[data-testid=vitals-diastolic]", "68").await;
    type_into(client, "[data-testid=vitals-pulse]", PULSE).await;
    type_into(client, "[data-testid=vitals-temperature]", "38,4").await;
    wait_for(client, "[data-testid=vitals-consciousness]", short).await.select_by_value("alert").await.unwrap();
    click(client, "[data-testid=vitals-save]").await;

    step(t0, "check receipt");
    // Kept for sending, and on screen at once with the NEWS2 it gives.
    let receipt = wait_for(client, "[data-testid=write-receipt]", long).await;
    assert_eq!(receipt.attr("data-outcome").await.unwrap().as_deref(), Some("queued"));
    let receipt_text = receipt.text().await.unwrap();
    assert!(receipt_text.contains("sendes når nett er tilbake"), "{receipt_text:?}");
    wait_for(client, ".patient-overview[data-refreshing=false]", long).await;
    let pulse =
        wait_for_attr(client, "[data-testid=vital-item][data-kind=pulse]", "data-value", short, |v| v == PULSE).await;
    assert_eq!(pulse, PULSE);
    let pulse_text =
        client.find(Locator::Css("[data-testid=vital-item][data-kind=pulse]")).await.unwrap().text().await.unwrap();
    assert!(pulse_text.contains(PULSE), "{pulse_text:?}");
    let risk = wait_for(client, "[data-testid=news2]", short).await.attr("data-risk").await.unwrap();
    assert_eq!(risk.as_deref(), Some("high"), "pulse 135, RR 24, BP 105, 38.4 °C is a high NEWS2");
    assert_eq!(wait_for(client, municipal, short).await.attr("data-state").await.unwrap().as_deref(), Some("cached"));
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", short, |v| v == "1").await;
    let count_text = wait_for(client, "[data-testid=outbox-count]", short).await.text().await.unwrap();
    assert!(count_text.contains("1 venter på sending"), "{count_text:?}");
    // The top of the view (status line, cached sources, the receipt), then the vital signs.
    client.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    write_screenshot(client, "offline-shift.png").await;
    client
        .execute("document.querySelector('[data-testid=vitals]').scrollIntoView({ block: 'start' });", vec![])
        .await
        .unwrap();
    write_screenshot(client, "offline-vitals.png").await;

    step(t0, "note and discard");
    // A note written by mistake goes to the outbox too, and is discarded after a question.
    type_into(client, "[data-testid=note-text]", "Feil pasient – skal forkastes").await;
    click(client, "[data-testid=note-save]").await;
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", long, |v| v == "2").await;
    wait_for(client, ".patient-overview[data-refreshing=false]", long).await;
    click(client, "[data-testid=outbox-count]").await;
    wait_for(client, "[data-testid=outbox]", short).await;
    wait_for_attr(client, "[data-testid=outbox-item][data-kind=note]", "data-state", short, |v| v == "queued").await;
    assert_eq!(attrs_of(client, "[data-testid=outbox-item]", "data-state").await, vec!["queued", "queued"]);
    click(client, "[data-testid=outbox-item][data-kind=note] [data-testid=outbox-discard]").await;
    wait_for(client, "[data-testid=outbox-discard-confirm]", short).await;
    click(client, "[data-testid=outbox-discard-confirm] [data-testid=outbox-discard-yes]").await;
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", short, |v| v == "1").await;
    let kinds = attrs_of(client, "[data-testid=outbox-item]", "data-kind").await;
    assert_eq!(kinds, vec!["vitals"], "only the vital signs wait now");
    assert!(client.find_all(Locator::Css("[data-testid=outbox-discard-confirm]")).await.unwrap().is_empty());
    client.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    write_screenshot(client, "offline-outbox.png").await;

    step(t0, "sign-out warning");
    // Signing out now would lose the vital signs: the app warns, and "Avbryt" keeps them.
    click(client, "[data-testid=sign-out]").await;
    let warning = wait_for(client, "[data-testid=unsent-warning]", long).await.text().await.unwrap();
    assert!(warning.contains("Logg ut og forkast"), "{warning:?}");
    click(client, "[data-testid=unsent-cancel]").await;
    assert!(client.find_all(Locator::Css("[data-testid=unsent-warning]")).await.unwrap().is_empty());
    assert_eq!(wait_for(client, "[data-testid=clinician-name]", short).await.text().await.unwrap(), NURSE);

    step(t0, "reconnect");
    // The network returns; "Send nå" sends the vital signs, and the outbox empties.
    sandbox.reconnect();
    click(client, "[data-testid=outbox-item][data-kind=vitals] [data-testid=outbox-retry]").await;
    wait_for_attr(client, "[data-testid=outbox-count]", "data-count", long, |v| v == "0").await;
    wait_for(client, "[data-testid=outbox-empty]", short).await;
    wait_for_attr(client, "[data-testid=offline-status]", "data-online", short, |v| v == "true").await;

    step(t0, "reopen online");
    // Opened again online, the platform itself now holds the pulse.
    back_to_worklist(client, long).await;
    open_patient(client, &patient_ref, long).await;
    let state = wait_for_attr(client, municipal, "data-state", long, |v| v != "waiting" && v != "slow").await;
    assert_eq!(state, "fresh", "the platform answers again");
    let pulse =
        wait_for_attr(client, "[data-testid=vital-item][data-kind=pulse]", "data-value", short, |v| v == PULSE).await;
    assert_eq!(pulse, PULSE, "the platform has the vital signs recorded offline");

    step(t0, "sign out");
    // Nothing waits: signing out needs no warning.
    click(client, "[data-testid=sign-out]").await;
    wait_for(client, "[data-testid=sign-in-button]", long).await;
    Ok(())
}
