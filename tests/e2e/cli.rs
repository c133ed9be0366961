//! The binary's headless faces, run as a user would run them.

use arbeidsflate_tests::{app_binary, TempDir};
use sandbox::world::{generate, WorldOptions};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run(args: &[&str]) -> Output {
    let logs = TempDir::new("cli-logs");
    Command::new(app_binary()).args(args).env("ARBEIDSFLATE_LOG_DIR", logs.path()).output().expect("run arbeidsflate")
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// `arbeidsflate sandbox --write-profile`, stopped on drop.
struct StandaloneSandbox {
    child: Child,
    profile: std::path::PathBuf,
    _dir: TempDir,
}

impl StandaloneSandbox {
    fn start() -> Self {
        let dir = TempDir::new("standalone");
        let profile = dir.path().join("sandbox.toml");
        let mut child = Command::new(app_binary())
            .args(["sandbox", "--write-profile", profile.to_str().unwrap()])
            .env("ARBEIDSFLATE_LOG_DIR", dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("Serving") => break,
                Some(_) => {}
                None => panic!("the sandbox exited early"),
            }
        }
        assert!(profile.exists());
        Self { child, profile, _dir: dir }
    }
}

impl Drop for StandaloneSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn users_lists_the_three_roles() {
    let users = json_of(&run(&["users", "--json"]));
    let roles: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["role"].as_str().unwrap()).collect();
    for role in ["nursing_home_nurse", "home_care_nurse", "nursing_home_doctor"] {
        assert!(roles.contains(&role), "{role} missing: {roles:?}");
    }
}

#[test]
fn worklist_and_patient_print_what_the_platform_holds() {
    let world = generate(WorldOptions::default());
    let list = json_of(&run(&["worklist", "--json"]));
    assert_eq!(list["clinician"]["role"], "nursing_home_nurse");
    let entries = list["worklist"]["entries"].as_array().unwrap();
    let first = &entries[0];
    let nin = first["national_id"].as_str().unwrap().replace(' ', "");

    let overview = json_of(&run(&["patient", &nin, "--json"]));
    let patient_ref = overview["patient_ref"].as_str().unwrap();
    let active_meds = world
        .store
        .all("MedicationStatement")
        .iter()
        .filter(|m| m["subject"]["reference"] == format!("Patient/{patient_ref}") && m["status"] == "active")
        .count();
    assert_eq!(overview["medications"].as_array().unwrap().len(), active_meds);
    assert_eq!(overview["banner"]["national_id"].as_str().unwrap().replace(' ', ""), nin);

    // The home-care nurse's worklist is a route in time order.
    let home =
        world.clinicians.iter().find(|c| c.role == arbeidsflate_model::view::ClinicianRole::HomeCareNurse).unwrap();
    let route = json_of(&run(&["worklist", "--json", "--user", &home.pid]));
    assert_eq!(route["worklist"]["kind"]["kind"], "route");
}

#[test]
fn view_opens_a_patient_from_every_source_and_asks_for_a_basis_off_the_worklist() {
    let list = json_of(&run(&["worklist", "--json"]));
    let on_list: Vec<String> = list["worklist"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["national_id"].as_str().unwrap().replace(' ', ""))
        .collect();
    let view = json_of(&run(&["view", &on_list[0], "--json"]));
    assert_eq!(view["parts"][0]["part"], "opened");
    assert_eq!(view["parts"][0]["access"]["basis"], "unntak");
    let states: Vec<&str> =
        view["sources"].as_array().unwrap().iter().map(|s| s["state"]["state"].as_str().unwrap()).collect();
    assert_eq!(states.len(), 5);
    assert!(states.iter().all(|s| *s != "waiting" && *s != "slow"), "{states:?}");

    let world = generate(WorldOptions::default());
    let stranger = world
        .store
        .all("Patient")
        .iter()
        .map(|p| p["identifier"][0]["value"].as_str().unwrap().to_string())
        .find(|n| !on_list.contains(n))
        .unwrap();
    let refused = run(&["view", &stranger]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--basis"));
    let no_reason = run(&["view", &stranger, "--basis", "akutt"]);
    assert!(String::from_utf8_lossy(&no_reason.stderr).contains("reason"), "{no_reason:?}");
    let emergency =
        json_of(&run(&["view", &stranger, "--basis", "akutt", "--reason", "Falt i gangen, bevisstløs", "--json"]));
    assert_eq!(emergency["parts"][0]["access"]["emergency"], true);
}

#[test]
fn a_bad_national_number_is_a_clear_error() {
    let out = run(&["patient", "12345678901"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("check digits"), "{err}");
}

#[test]
fn a_bad_profile_is_rejected_at_start_naming_the_field() {
    let dir = TempDir::new("bad-profile");
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[environment]\nkind = \"test\"\nname = \"x\"\n[helseid]\nissuer = \"ftp://nope\"\nclient_id = \"c\"\n\
         [municipal]\nfhir_base_url = \"https://f.example/fhir\"\naudience = \"a\"\nscope = \"s\"\n",
    )
    .unwrap();
    // The desktop app itself refuses to start, before any window opens.
    let out = run(&["--profile", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("helseid.issuer"), "{err}");
    let missing = run(&["--profile", "/nonexistent/profile.toml", "doctor"]);
    assert!(!missing.status.success());
}

#[test]
fn a_standalone_sandbox_serves_the_cli_and_doctor_passes_against_it() {
    let sb = StandaloneSandbox::start();
    let profile = sb.profile.to_str().unwrap();
    let report = json_of(&run(&["doctor", "--json", "--profile", profile]));
    assert_eq!(report["ok"], true, "{report:#}");
    let names: Vec<&str> = report["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    for check in [
        "helseid reachable",
        "clock skew",
        "municipal platform reachable",
        "kjernejournal reachable",
        "medication_list reachable",
        "documents reachable",
        "person reachable",
        "os keyring",
        "data directory",
    ] {
        assert!(names.contains(&check), "{check} missing");
    }
    let list = json_of(&run(&["worklist", "--json", "--profile", profile]));
    assert!(!list["worklist"]["entries"].as_array().unwrap().is_empty());
}

#[test]
fn doctor_fails_when_the_services_are_down() {
    let dir = TempDir::new("down");
    let path = dir.path().join("down.toml");
    // Loopback ports nobody listens on.
    let port = arbeidsflate_tests::free_port();
    std::fs::write(
        &path,
        format!(
            "[environment]\nkind = \"sandbox\"\nname = \"down\"\n[helseid]\nissuer = \"http://127.0.0.1:{port}\"\nclient_id = \"c\"\n\
             [municipal]\nfhir_base_url = \"http://127.0.0.1:{port}/fhir\"\naudience = \"a\"\nscope = \"s\"\n"
        ),
    )
    .unwrap();
    let out = run(&["doctor", "--json", "--profile", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(failed.contains(&"helseid reachable") && failed.contains(&"municipal platform reachable"), "{failed:?}");
}

#[test]
fn without_a_keyring_the_app_refuses_to_sign_in_rather_than_fall_back_to_a_file() {
    let dir = TempDir::new("no-keyring");
    let out = Command::new(app_binary())
        .args(["worklist", "--data-dir", dir.path().to_str().unwrap()])
        .env("ARBEIDSFLATE_LOG_DIR", dir.path().join("logs"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/arbeidsflate-test-bus")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KeyringUnavailable"), "{err}");
    // Nothing key-like was written anywhere in the data directory instead.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(files.iter().all(|f| f == "logs"), "unexpected files: {files:?}");
}
