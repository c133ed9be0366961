//! End to end through the real Tauri window: tauri-driver + WebKitWebDriver under
//! Xvfb, inside a D-Bus session with an unlocked gnome-keyring
//! (tests/desktop-session.sh sets that up). The app runs with no profile, so it
//! starts its built-in sandbox; this test stands in for the system browser.

use arbeidsflate_tests::{complete_browser_sign_in, files_containing, page, sandbox_world, AppWindow};
use fantoccini::{Client, Locator};
use sandbox::kjernejournal;
use sandbox::world::{World, WorldOptions};
use serde_json::Value;
use std::time::Duration;

const NURSE: &str = "Ingrid Solbakken";
/// Short enough to test, long enough not to lock between two steps of the test.
const IDLE_LOCK_SECONDS: &str = "8";
const NURSE_WARD: &str = "Location/avd-solsikken";

/// A resident of the nurse's ward with at least one allergy and one active medication,
/// found in the same synthetic world the app's sandbox generates (same seed, same day).
/// A resident with allergies, medications and one shared document of each format
/// (the sandbox gives a PDF, a CDA and a KITH document, in that order).
fn resident_with_allergies(world: &World) -> (String, Vec<String>, Vec<String>) {
    let documents = sandbox::pjd::generate(&world.store, WorldOptions::default().seed, "", clock::matrix::test_now());
    for stay in world.store.all("Encounter") {
        if stay["location"][0]["location"]["reference"] != NURSE_WARD {
            continue;
        }
        let patient = stay["subject"]["reference"].as_str().unwrap().to_string();
        let texts = |rtype: &str, field: &str, key: &str, active: &dyn Fn(&Value) -> bool| -> Vec<String> {
            world
                .store
                .all(rtype)
                .iter()
                .filter(|r| r[field]["reference"] == patient.as_str() && active(r))
                .map(|r| r[key]["text"].as_str().unwrap().to_string())
                .collect()
        };
        let allergies = texts("AllergyIntolerance", "patient", "code", &|_| true);
        let meds = texts("MedicationStatement", "subject", "medicationCodeableConcept", &|r| r["status"] == "active");
        let nin = world.store.get("Patient", patient.trim_start_matches("Patient/")).unwrap()["identifier"][0]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let docs = &documents.get(&nin).map(|d| d.documents.clone()).unwrap_or_default();
        let all_formats = docs.len() == 3 && docs[0].bytes.starts_with(b"%PDF");
        if !allergies.is_empty() && !meds.is_empty() && all_formats {
            return (patient.trim_start_matches("Patient/").to_string(), allergies, meds);
        }
    }
    panic!("the synthetic ward has no resident with allergies");
}

async fn texts_of(client: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in client.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap());
    }
    out
}

/// The national identity number of a synthetic patient who is not in `ward`.
fn stranger_to(world: &World, ward: &str) -> String {
    let residents: Vec<&str> = world
        .store
        .all("Encounter")
        .iter()
        .filter(|e| e["location"][0]["location"]["reference"] == ward)
        .filter_map(|e| e["subject"]["reference"].as_str())
        .collect();
    world
        .store
        .all("Patient")
        .iter()
        .find(|p| !residents.contains(&format!("Patient/{}", p["id"].as_str().unwrap()).as_str()))
        .and_then(|p| p["identifier"][0]["value"].as_str())
        .expect("a patient outside the ward")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nurse_signs_in_opens_her_ward_and_sees_a_residents_allergies_and_medications() {
    let world = sandbox_world();
    let (patient_ref, allergies, medications) = resident_with_allergies(&world);
    let patient = world.store.get("Patient", &patient_ref).unwrap().clone();

    let app = AppWindow::open(&[("ARBEIDSFLATE_IDLE_LOCK_SECONDS", std::path::Path::new(IDLE_LOCK_SECONDS))]).await;
    let (client, url_file, logs) = (app.client.clone(), app.url_file.clone(), app.logs.clone());

    let result = async {
        let wait = |css: &'static str| {
            let client = client.clone();
            async move { client.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css(css)).await.unwrap() }
        };

        // Sign in: the app "opens the browser"; the stand-in picks the nurse.
        wait("[data-testid=sign-in-button]").await.click().await.unwrap();
        complete_browser_sign_in(&url_file, NURSE).await.expect("browser stand-in");
        let name = wait("[data-testid=clinician-name]").await.text().await.unwrap();
        assert_eq!(name, NURSE);
        let hpr = wait("[data-testid=clinician-hpr]").await.text().await.unwrap();
        assert!(hpr.contains("9100001"), "{hpr}");

        // The ward: every resident of Solsikken, no one else.
        wait("[data-testid=worklist-row]").await;
        let rows = client.find_all(Locator::Css("[data-testid=worklist-row]")).await.unwrap();
        let expected_rows = world
            .store
            .all("Encounter")
            .iter()
            .filter(|e| e["location"][0]["location"]["reference"] == NURSE_WARD)
            .count();
        assert_eq!(rows.len(), expected_rows);
        // (The README's worklist picture is taken in offline_window.rs, once the ward is
        // prepared and every row has its signals; this test's idle lock is seconds short.)

        // Open the resident.
        let css = format!("[data-testid=worklist-row][data-patient-ref=\"{patient_ref}\"] [data-testid=open-patient]");
        client.find(Locator::Css(&css)).await.expect("the resident's row").click().await.unwrap();
        wait("body[data-screen=patient]").await;
        let banner = wait("[data-testid=patient-banner]").await.text().await.unwrap();
        let family = patient["name"][0]["family"].as_str().unwrap();
        assert!(banner.contains(family), "banner {banner:?} lacks {family}");
        let nin = patient["identifier"][0]["value"].as_str().unwrap();
        let shown_nin = wait("[data-testid=patient-nin]").await.text().await.unwrap();
        assert_eq!(shown_nin.replace(' ', ""), nin);

        let shown_allergies = texts_of(&client, "[data-testid=allergy-item]").await;
        for a in &allergies {
            assert!(
                shown_allergies.iter().any(|s| s.contains(a.as_str())),
                "allergy {a} not on screen: {shown_allergies:?}"
            );
        }
        // Items the platform does not have came from a national service, and say so.
        let kj = kjernejournal::generate(&world.store, WorldOptions::default().seed);
        let record = &kj[nin];
        for s in shown_allergies.iter().filter(|s| !allergies.iter().any(|a| s.contains(a.as_str()))) {
            assert!(s.contains("Kjernejournal"), "an allergy from nowhere: {s:?}");
        }
        if record.reserved {
            let notice = wait("[data-testid=source-notice][data-source=kjernejournal]").await;
            assert_eq!(notice.attr("data-reason").await.unwrap().as_deref(), Some("reserved"));
        } else if !record.restricted && !record.allergies.is_empty() {
            assert!(shown_allergies.iter().any(|s| s.contains("Kjernejournal")), "{shown_allergies:?}");
        }
        let shown_meds = texts_of(&client, "[data-testid=medication-item]").await;
        for m in &medications {
            assert!(shown_meds.iter().any(|s| s.contains(m.as_str())), "medication {m} not on screen: {shown_meds:?}");
        }
        for s in shown_meds.iter().filter(|s| !medications.iter().any(|m| s.contains(m.as_str()))) {
            assert!(s.contains("Pasientens legemiddelliste"), "a medication from nowhere: {s:?}");
        }
        // The platform's problem list, as the synthetic world holds it.
        let conditions = world
            .store
            .all("Condition")
            .iter()
            .filter(|c| c["subject"]["reference"] == format!("Patient/{patient_ref}").as_str())
            .count();
        assert_eq!(texts_of(&client, "[data-testid=condition-item]").await.len(), conditions);
        let flags: Vec<String> = world
            .store
            .all("Flag")
            .iter()
            .filter(|f| f["subject"]["reference"] == format!("Patient/{patient_ref}").as_str())
            .map(|f| f["code"]["text"].as_str().unwrap().to_string())
            .collect();
        let shown_flags = texts_of(&client, "[data-testid=patient-warning]").await;
        assert_eq!(shown_flags.len(), flags.len(), "{shown_flags:?}");
        assert!(flags.iter().all(|f| shown_flags.iter().any(|s| s.contains(f.as_str()))));
        // Every source has answered (or said why not) once the screen is complete.
        let states = page::attrs_of(&client, "[data-testid=source-status]", "data-state").await;
        assert_eq!(states.len(), 6, "the platform and five national services: {states:?}");
        assert!(states.iter().all(|s| s != "waiting" && s != "slow"), "{states:?}");
        assert_eq!(
            wait("[data-testid=access-basis]").await.attr("data-basis").await.unwrap().as_deref(),
            Some("unntak")
        );
        assert!(texts_of(&client, "[data-testid=vital-item]").await.len() >= 7);
        let news2 = wait("[data-testid=news2-total]").await.text().await.unwrap();
        assert!(news2.starts_with("NEWS2 ") && news2[6..].trim().parse::<u8>().is_ok(), "{news2:?}");
        page::write_screenshot(&client, "patient-overview.png").await;

        // Shared documents open inside the app: the PDF drawn by pdf.js in this
        // webview, under the app's CSP; the CDA and KITH documents as sections.
        let mut formats = Vec::new();
        for i in 0..client.find_all(Locator::Css("[data-testid=open-document]")).await.unwrap().len() {
            client.find_all(Locator::Css("[data-testid=open-document]")).await.unwrap()[i].click().await.unwrap();
            let viewer = page::wait_for(&client, "[data-testid=document-viewer]", Duration::from_secs(20)).await;
            let format = viewer.attr("data-format").await.unwrap().unwrap_or_default();
            if format == "pdf" {
                let css = "[data-testid=pdf-viewer]";
                page::wait_for_attr(&client, css, "data-drawn", Duration::from_secs(30), |d| d == "1").await;
                let inked = client
                    .execute(
                        "const c = document.querySelector('[data-testid=pdf-page]');
                         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                         let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) n++; return n;",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert!(inked.as_u64().unwrap() > 200, "the PDF page is blank: {inked}");
                page::write_screenshot(&client, "document-pdf.png").await;
            } else {
                let sections = texts_of(&client, "[data-testid=document-section]").await;
                assert!(sections.iter().any(|s| s.contains("Vurdering") || s.contains("Forløp")), "{sections:?}");
            }
            formats.push(format);
            page::click(&client, "[data-testid=document-close]").await;
            page::wait_gone(&client, "[data-testid=document-viewer]", Duration::from_secs(10)).await;
        }
        formats.sort();
        assert_eq!(formats, ["cda", "kith", "pdf"]);

        // Someone off the worklist: the basis is asked for, emergency access needs a
        // reason and stays marked on the view.
        wait("[data-testid=back-to-worklist]").await.click().await.unwrap();
        wait("body[data-screen=worklist]").await;
        let stranger = stranger_to(&world, NURSE_WARD);
        wait("[data-testid=lookup-nin]").await.send_keys(&stranger).await.unwrap();
        wait("[data-testid=lookup-submit]").await.click().await.unwrap();
        wait("body[data-screen=access]").await;
        wait("[data-testid=access-basis-akutt]").await.click().await.unwrap();
        wait("[data-testid=access-reason]").await.send_keys("Funnet bevisstløs i fellesstua").await.unwrap();
        wait("[data-testid=access-confirm]").await.click().await.unwrap();
        wait("body[data-screen=patient]").await;
        let marker = wait("[data-testid=emergency-access]").await.text().await.unwrap();
        assert!(marker.contains("NØDTILGANG") && marker.contains("bevisstløs"), "{marker:?}");
        page::write_screenshot(&client, "emergency-access.png").await;
        wait("[data-testid=back-to-worklist]").await.click().await.unwrap();
        wait("body[data-screen=worklist]").await;
        let css = format!("[data-testid=worklist-row][data-patient-ref=\"{patient_ref}\"] [data-testid=open-patient]");
        client.find(Locator::Css(&css)).await.expect("the resident's row").click().await.unwrap();
        wait("body[data-screen=patient]").await;

        // Left alone, the screen locks and every trace of the patient leaves the page.
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("[data-testid=lock-screen]"))
            .await
            .unwrap();
        wait("body[data-screen=locked]").await;
        assert!(client.find_all(Locator::Css("[data-testid=patient-banner]")).await.unwrap().is_empty());
        let page = client.source().await.unwrap();
        assert!(!page.contains(family), "the patient's name is still in the locked page");
        assert!(!page.contains(&shown_nin), "the patient's number is still in the locked page");
        // Unlocking needs HelseID again; the same nurse gets her patient back.
        std::fs::remove_file(&url_file).unwrap();
        wait("[data-testid=unlock-button]").await.click().await.unwrap();
        complete_browser_sign_in(&url_file, NURSE).await.expect("browser stand-in, unlock");
        wait("body[data-screen=patient]").await;
        let banner = wait("[data-testid=patient-banner]").await.text().await.unwrap();
        assert!(banner.contains(family), "after unlock the same patient is back: {banner:?}");

        // Sign out returns to the sign-in screen.
        wait("[data-testid=sign-out]").await.click().await.unwrap();
        wait("[data-testid=sign-in-button]").await;
        (patient, world)
    }
    .await;
    let _folders = app.close().await;

    // Technical logs were written, and hold nothing that identifies the patient or the user.
    let (patient, world) = result;
    let mut needles: Vec<String> = vec![
        patient["identifier"][0]["value"].as_str().unwrap().into(),
        patient["name"][0]["family"].as_str().unwrap().into(),
    ];
    needles.extend(world.clinicians.iter().flat_map(|c| [c.pid.clone(), c.family_name.clone()]));
    assert!(std::fs::read_dir(&logs).map(|d| d.count() > 0).unwrap_or(false), "no log file was written");
    let hits = files_containing(&logs, &needles);
    assert!(hits.is_empty(), "patient or user data in technical logs: {hits:?}");
}
