//! The sandbox's sample SMART app ("Fallrisiko", written against the SMART JavaScript
//! client `fhirclient` from npm, which this project did not write) in WebKitGTK, launched
//! by `arbeidsflate launch --print-url` for a nurse's patient: fhirclient discovers the
//! SMART host, authorizes with PKCE, reads the patient, her diagnoses, medication and falls
//! through the FHIR facade, and saves its assessment, which the facade stores on the platform.

use arbeidsflate_tests::browser::Browser;
use arbeidsflate_tests::page::{click, wait_for, wait_for_text, write_screenshot};
use arbeidsflate_tests::{app_command, json_of, StandaloneSandbox, TempDir};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

const SHORT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_app_assesses_the_open_patient_and_saves_through_the_facade() {
    let sb = StandaloneSandbox::start(&[]);
    let profile = sb.profile.to_str().unwrap().to_string();
    let logs = TempDir::new("sample-app");
    let cli = |args: &[&str]| {
        let mut c = app_command();
        c.args(args)
            .args(["--profile", &profile])
            .env("ARBEIDSFLATE_LOG_DIR", logs.path())
            .env("ARBEIDSFLATE_DATA_DIR", logs.path().join("data"));
        c
    };
    let list = json_of(&cli(&["worklist", "--json"]).output().unwrap());
    let nin = list["worklist"]["entries"][0]["national_id"].as_str().unwrap().replace(' ', "");
    // The diagnoses the workspace shows for her, to hold the app's reading against.
    let view = json_of(&cli(&["view", &nin, "--json"]).output().unwrap());
    let care = view["parts"].as_array().unwrap().iter().find(|p| p["part"] == "care").expect("the care part");
    let codes: Vec<&str> = care["conditions"].as_array().unwrap().iter().filter_map(|c| c["code"].as_str()).collect();
    assert!(!codes.is_empty(), "{care}");
    let mut launch = cli(&["launch", "fallrisiko", &nin, "--print-url"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = BufReader::new(launch.stdout.take().unwrap()).lines().next().unwrap().unwrap();

    let browser = Browser::open().await;
    browser.client.goto(&url).await.unwrap();
    let score: u32 =
        wait_for_text(&browser.client, "[data-testid=fall-risk-score]", SHORT).await.trim().parse().unwrap();
    assert!(score <= 9, "{score}");
    let read = wait_for_text(&browser.client, "[data-testid=fall-risk-read]", SHORT).await;
    assert!(read.starts_with(&format!("{} diagnoser,", codes.len())), "{read} against {codes:?}");
    // Dementia, Parkinson's or a stroke among them counts, and only then.
    let risky = codes.iter().any(|c| ["F03", "G20", "I63.9"].contains(c));
    // Filled in the same task as the score, and empty when nothing counts.
    let factors = wait_for(&browser.client, "#factors", SHORT).await.text().await.unwrap();
    assert_eq!(factors.contains("Demens, Parkinson eller hjerneslag"), risky, "{factors} from {codes:?}");
    // Its own window, so it draws the patient banner the token answer asked for.
    assert!(!wait_for_text(&browser.client, "#patient-name", SHORT).await.is_empty());
    click(&browser.client, "#save").await;
    let saved = wait_for_text(&browser.client, "[data-testid=fall-risk-saved]", SHORT).await;
    assert_eq!(saved, "Lagret i journalen.", "stored on the platform, not only queued");
    write_screenshot(&browser.client, "sample-app.png").await;
    browser.close().await;
    let _ = launch.kill();
    let _ = launch.wait();
}
