//! The binary's headless faces, run as a user would run them.

use arbeidsflate_tests::{
    app_command, assert_nothing_in_clear, json_of, observations_written_here, sandbox_world, StandaloneSandbox, TempDir,
};

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn run(args: &[&str]) -> Output {
    let logs = TempDir::new("cli-logs");
    // A data directory per run: one command per data directory may run at a time.
    app_command()
        .args(args)
        .env("ARBEIDSFLATE_LOG_DIR", logs.path())
        .env("ARBEIDSFLATE_DATA_DIR", logs.path().join("data"))
        .output()
        .expect("run arbeidsflate")
}

/// `arbeidsflate sandbox --write-profile`, stopped on drop.
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
    let world = sandbox_world();
    let list = json_of(&run(&["worklist", "--json"]));
    assert_eq!(list["clinician"]["role"], "nursing_home_nurse");
    let entries = list["worklist"]["entries"].as_array().unwrap();
    let first = &entries[0];
    let nin = first["national_id"].as_str().unwrap().replace(' ', "");

    // The patient's view from every source, as the window opens it.
    let view = json_of(&run(&["patient", &nin, "--json"]));
    let part = |name: &str| {
        let parts = view["parts"].as_array().unwrap();
        parts.iter().rev().find(|p| p["part"] == name).unwrap_or_else(|| panic!("no {name} part: {view}")).clone()
    };
    let patient_ref = part("opened")["patient_ref"].as_str().unwrap().to_string();
    let active_meds = world
        .store
        .all("MedicationStatement")
        .iter()
        .filter(|m| m["subject"]["reference"] == format!("Patient/{patient_ref}") && m["status"] == "active")
        .count();
    let from_platform = part("medications")["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["sources"].as_array().unwrap().iter().any(|s| s["source"] == "Kommunal plattform"))
        .count();
    assert_eq!(from_platform, active_meds);
    assert_eq!(part("banner")["banner"]["national_id"].as_str().unwrap().replace(' ', ""), nin);

    // The home-care nurse's worklist is a route in time order.
    let home =
        world.clinicians.iter().find(|c| c.role == arbeidsflate_model::view::ClinicianRole::HomeCareNurse).unwrap();
    let route = json_of(&run(&["worklist", "--json", "--user", &home.pid]));
    assert_eq!(route["worklist"]["kind"]["kind"], "route");
}

#[test]
fn a_ward_with_bad_records_lists_everyone_it_can_and_says_what_it_left_out() {
    let bad = ["nameless", "impossible-birth-date", "missing-patient", "script", "textless"];
    let sb = StandaloneSandbox::start(&bad.iter().flat_map(|b| ["--bad-record", b]).collect::<Vec<_>>());
    let profile = sb.profile.to_str().unwrap();
    let healthy = sandbox_world()
        .store
        .all("Encounter")
        .iter()
        .filter(|e| e["location"][0]["location"]["reference"] == "Location/avd-solsikken")
        .count();

    let list = json_of(&run(&["--profile", profile, "worklist", "--json"]));
    let entries = list["worklist"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), healthy + 3, "every healthy resident, the undated, scripted and textless ones");
    let unreadable = &list["worklist"]["unreadable"];
    assert_eq!(
        unreadable,
        &serde_json::json!([
            {"resource_type": "Patient", "reason": "no_name", "count": 1},
            {"resource_type": "Encounter", "reason": "missing_patient", "count": 1}
        ])
    );
    let undated = entries.iter().find(|e| e["patient_ref"] == "pas-feil-fodselsdato").unwrap();
    assert_eq!((&undated["age"], &undated["national_id"]), (&Value::Null, &serde_json::json!("")));

    let text = run(&["--profile", profile, "worklist"]);
    let said = String::from_utf8_lossy(&text.stdout);
    assert!(text.status.success(), "{said}");
    assert!(
        said.contains("2 kunne ikke vises: 1 pasient uten navn, 1 opphold som viser til en pasient svaret mangler"),
        "{said}"
    );
    assert!(said.contains("ukjent alder") && said.contains("(fødselsnummer ukjent)"), "{said}");

    // Another resident opens from every source as before.
    let nin = entries[0]["national_id"].as_str().unwrap().replace(' ', "");
    let view = json_of(&run(&["--profile", profile, "view", &nin, "--json"]));
    assert_eq!(view["parts"][0]["part"], "opened");
    assert_eq!(view["identity_warning"], Value::Null, "the sources agree on who this is");

    // A resident whose allergy, task and note have nothing to show: the rest of each list
    // is shown, and what was left out is counted where it belongs, in JSON and in text.
    let textless = entries.iter().find(|e| e["patient_ref"] == "pas-feil-uten-tekst").unwrap();
    let nin = textless["national_id"].as_str().unwrap().replace(' ', "");
    let view = json_of(&run(&["--profile", profile, "view", &nin, "--json"]));
    let mut left_out: Vec<(String, Value)> = view["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["part"] == "unreadable" && !p["records"].as_array().unwrap().is_empty())
        .map(|p| (p["list"].as_str().unwrap().to_string(), p["records"].clone()))
        .collect();
    left_out.sort_by(|a, b| a.0.cmp(&b.0));
    let no_text = |rtype: &str| serde_json::json!([{"resource_type": rtype, "reason": "no_text", "count": 1}]);
    let expected = [("allergies", "AllergyIntolerance"), ("notes", "DocumentReference"), ("tasks", "Task")]
        .map(|(list, rtype)| (list.to_string(), no_text(rtype)));
    assert_eq!(left_out, expected, "{view}");
    let text = run(&["--profile", profile, "view", &nin]);
    let said = String::from_utf8_lossy(&text.stdout);
    assert!(said.contains("allergies: 1 kunne ikke vises: 1 allergi uten noe å vise"), "{said}");
    assert!(said.contains("tasks: 1 kunne ikke vises: 1 oppgave uten noe å vise"), "{said}");
}

#[test]
fn view_says_loudly_when_the_sources_disagree_on_who_the_patient_is() {
    let sb = StandaloneSandbox::start(&["--bad-record", "identity-mismatch"]);
    let profile = sb.profile.to_str().unwrap();
    let list = json_of(&run(&["--profile", profile, "worklist", "--json"]));
    let impostor = list["worklist"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Gunnhild Hostilesen")
        .expect("the platform lists her");
    let nin = impostor["national_id"].as_str().unwrap().replace(' ', "");
    let view = json_of(&run(&["--profile", profile, "view", &nin, "--json"]));
    assert_eq!(view["identity_warning"]["fields"], serde_json::json!(["name", "birth_date", "gender"]));
    let text = run(&["--profile", profile, "view", &nin]);
    let said = String::from_utf8_lossy(&text.stdout);
    assert!(said.contains("IDENTITY WARNING: the sources disagree on name, birth_date, gender"), "{said}");
    assert!(said.contains("platform: Gunnhild Hostilesen"), "{said}");
}

#[test]
fn view_shows_the_platform_answering_in_part_with_the_part_that_failed() {
    let sb = StandaloneSandbox::start(&["--fault", "fhir/Condition=500"]);
    let profile = sb.profile.to_str().unwrap();
    let list = json_of(&run(&["--profile", profile, "worklist", "--json"]));
    let nin = list["worklist"]["entries"][0]["national_id"].as_str().unwrap().replace(' ', "");

    let view = json_of(&run(&["--profile", profile, "view", &nin, "--json"]));
    let platform = view["sources"].as_array().unwrap().iter().find(|s| s["source"] == "municipal").unwrap();
    assert_eq!(
        platform["state"],
        serde_json::json!({"state": "partial", "failed": [{"part": "conditions", "reason": "service_error"}]})
    );
    let parts: Vec<&str> = view["parts"].as_array().unwrap().iter().map(|p| p["part"].as_str().unwrap()).collect();
    for part in ["banner", "allergies", "vitals", "care", "warnings", "notes"] {
        assert!(parts.contains(&part), "{part} missing: {parts:?}");
    }

    let text = run(&["--profile", profile, "view", &nin]);
    let said = String::from_utf8_lossy(&text.stdout);
    assert!(said.contains("Kommunal plattform: partial, failed: conditions (service_error)"), "{said}");
    assert!(said.contains("answered in part"), "{said}");
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
    assert_eq!(states.len(), 6, "the platform and five national services: {states:?}");
    assert!(states.iter().all(|s| *s != "waiting" && *s != "slow"), "{states:?}");

    let world = sandbox_world();
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

    // Prepared first, as the window prepares the row in focus: said, with its time.
    let prepared = run(&["view", &on_list[1], "--prepare"]);
    let said = String::from_utf8_lossy(&prepared.stdout);
    assert!(prepared.status.success(), "{}", String::from_utf8_lossy(&prepared.stderr));
    assert!(said.lines().next().is_some_and(|l| l.starts_with("[prepared in ") && l.contains("Prepared")), "{said}");
    assert!(said.contains("0 of 6 sources failed"), "{said}");
    let off_list = run(&["view", &stranger, "--prepare", "--basis", "samtykke"]);
    assert!(!off_list.status.success());
    assert!(String::from_utf8_lossy(&off_list.stderr).contains("only a worklist patient"), "{off_list:?}");
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
    let sb = StandaloneSandbox::start(&[]);
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
        "gp_register service user",
        "os keyring",
        "data directory",
        "trusted certificate authorities",
        "update feed",
        "technical log",
    ] {
        assert!(names.contains(&check), "{check} missing");
    }
    assert!(check_named(&report, "update feed")["detail"].as_str().unwrap().starts_with("off"));
    assert!(check_named(&report, "technical log")["detail"].as_str().unwrap().starts_with("level info"));
    let list = json_of(&run(&["worklist", "--json", "--profile", profile]));
    assert!(!list["worklist"]["entries"].as_array().unwrap().is_empty());

    // Decision support: the doctor's signed discovery, `cds`, its key, and `view`'s cards.
    let discovery = check_named(&report, "decision support Sandkassens beslutningsstøtte discovery");
    assert!(discovery["detail"].as_str().unwrap().contains("offers klinisk-vurdering at patient-view"), "{discovery}");
    let listed = json_of(&run(&["cds", "--json", "--profile", profile]));
    let offered = &listed["services"][0]["offered"][0];
    assert_eq!((offered["id"].as_str(), offered["called"].as_bool()), (Some("klinisk-vurdering"), Some(true)));
    assert_eq!(offered["prefetch"], serde_json::json!(["allergies", "medications", "patient", "vitals"]));
    let jwks = json_of(&run(&["cds", "--jwks", "--profile", profile]));
    assert_eq!((jwks["keys"][0]["crv"].as_str(), jwks["keys"][0]["alg"].as_str()), (Some("P-384"), Some("ES384")));
    assert!(jwks["keys"][0].get("d").is_none(), "the private part never leaves the keyring");
    let entries = list["worklist"]["entries"].as_array().unwrap();
    let resident = entries.iter().find(|e| e["patient_ref"] == "pas-16").unwrap();
    let nin = resident["national_id"].as_str().unwrap().replace(' ', "");
    let view = json_of(&run(&["view", &nin, "--json", "--profile", profile]));
    let word = &view["decision_support"][0];
    assert_eq!(word["status"]["state"]["state"], "fresh", "{word:#}");
    let indicators: Vec<&str> =
        word["cards"].as_array().unwrap().iter().map(|c| c["indicator"].as_str().unwrap()).collect();
    assert_eq!(indicators, ["critical", "info"], "{word:#}");

    // The GP register: the doctor's check, and the GP beside the other sources in `view`.
    let gp_check = check_named(&report, "gp_register service user")["detail"].as_str().unwrap();
    assert!(gp_check.contains("the service user accepted"), "{gp_check}");
    let register = view["sources"].as_array().unwrap().iter().find(|s| s["source"] == "gp_register").unwrap();
    assert_eq!(register["state"]["state"], "fresh", "{register:#}");
    let list = &view["general_practitioner"]["registration"]["list"];
    assert_eq!(view["general_practitioner"]["registration"]["kind"], "on_list");
    assert!(list["gp"]["name"].is_string() && list["office"]["phone"].is_string(), "{list:#}");
    assert_eq!(view["general_practitioner"]["provenance"]["source"], "Fastlegeregisteret");
}

/// `arbeidsflate ARGS` with `input` on standard input.
fn run_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let logs = TempDir::new("cli-logs");
    let mut child = app_command()
        .args(args)
        .env("ARBEIDSFLATE_LOG_DIR", logs.path())
        .env("ARBEIDSFLATE_DATA_DIR", logs.path().join("data"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run arbeidsflate");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn it_installs_the_gp_registers_service_user_and_doctor_says_whether_the_register_accepts_it() {
    let sb = StandaloneSandbox::start(&[]);
    // An entry of this test's own, so no other test's sandbox user is touched.
    let text = std::fs::read_to_string(&sb.profile).unwrap();
    let entry = format!("gp-register-cli-test-{}", std::process::id());
    let text =
        text.replace("credentials_entry = \"gp-register-credentials\"", &format!("credentials_entry = \"{entry}\""));
    assert!(text.contains(&entry), "the sandbox profile names the entry");
    let dir = TempDir::new("gp-profile");
    let profile = dir.path().join("profile.toml");
    std::fs::write(&profile, text).unwrap();
    let profile = profile.to_str().unwrap();
    let gp_check = |report: &Value| check_named(report, "gp_register service user").clone();

    let stored = run_with_input(
        &["gp-register", "credentials", "--username", "sandkasse-flr", "--profile", profile],
        "feil-passord\n",
    );
    assert!(stored.status.success(), "{}", String::from_utf8_lossy(&stored.stderr));
    let said = String::from_utf8_lossy(&stored.stdout);
    assert!(said.contains(&entry) && !said.contains("feil-passord"), "{said}");
    // The doctor fails (a non-zero exit), saying why in its report.
    let failing = run(&["doctor", "--json", "--profile", profile]);
    assert!(!failing.status.success());
    let report: Value = serde_json::from_slice(&failing.stdout).expect("the doctor's JSON");
    let check = gp_check(&report);
    assert_eq!(check["ok"], false, "{check}");
    assert!(check["detail"].as_str().unwrap().contains("did not accept the service user"), "{check}");

    let right = format!("{}\n", sandbox::fastlegeregisteret::SERVICE_PASSWORD);
    assert!(run_with_input(
        &["gp-register", "credentials", "--username", "sandkasse-flr", "--profile", profile],
        &right
    )
    .status
    .success());
    assert_eq!(gp_check(&json_of(&run(&["doctor", "--json", "--profile", profile])))["ok"], true);

    // An empty password is refused, and the entry keeps what it had.
    let empty =
        run_with_input(&["gp-register", "credentials", "--username", "sandkasse-flr", "--profile", profile], "\n");
    assert!(!empty.status.success());
    assert_eq!(gp_check(&json_of(&run(&["doctor", "--json", "--profile", profile])))["ok"], true);
}

/// `arbeidsflate ARGS` with IT's machine-wide place at `machine_dir` (debug builds only).
fn run_with_machine_dir(machine_dir: &std::path::Path, args: &[&str]) -> Output {
    let logs = TempDir::new("cli-logs");
    app_command()
        .args(args)
        .env("ARBEIDSFLATE_LOG_DIR", logs.path())
        .env("ARBEIDSFLATE_DATA_DIR", logs.path().join("data"))
        .env("ARBEIDSFLATE_MACHINE_DIR", machine_dir)
        .output()
        .expect("run arbeidsflate")
}

#[cfg(unix)]
#[test]
fn the_machine_wide_profile_is_used_without_asking_and_cannot_be_bypassed_or_left_writable() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let sb = StandaloneSandbox::start(&[]);
    let machine = TempDir::new("machine");
    let installed = machine.path().join("profile.toml");
    std::fs::copy(&sb.profile, &installed).unwrap();
    let mode = |p: &std::path::Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(machine.path(), 0o755);
    mode(&installed, 0o644);
    if std::fs::metadata(&installed).unwrap().uid() != 0 {
        // Run as a user, the file is theirs, not root's as IT installs it: refused.
        let out = run_with_machine_dir(machine.path(), &["worklist", "--json"]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("not root"));
        return;
    }

    // No --profile: IT's profile, named in the doctor's report, against its services.
    let report = json_of(&run_with_machine_dir(machine.path(), &["doctor", "--json"]));
    assert_eq!(report["ok"], true, "{report:#}");
    let source = &report["checks"][0];
    assert_eq!(source["name"], "profile source");
    assert!(source["detail"].as_str().unwrap().contains("machine-wide"), "{source}");
    let list = json_of(&run_with_machine_dir(machine.path(), &["worklist", "--json"]));
    assert!(!list["worklist"]["entries"].as_array().unwrap().is_empty(), "the installed profile's platform");

    // Another profile on the command line is refused, not silently ignored.
    let other = run_with_machine_dir(machine.path(), &["doctor", "--json", "--profile", "/tmp/elsewhere.toml"]);
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stdout).contains("IT has installed"));

    // A profile users could change is not used.
    mode(&installed, 0o666);
    let writable = run_with_machine_dir(machine.path(), &["worklist", "--json"]);
    assert!(!writable.status.success());
    let said = String::from_utf8_lossy(&writable.stderr);
    assert!(said.contains("can be changed by other users"), "{said}");
}

#[test]
fn below_the_minimum_version_the_doctor_says_so_and_no_patient_data_opens() {
    let sb = StandaloneSandbox::start(&[]);
    let dir = TempDir::new("minimum");
    // The sandbox's profile, with IT's minimum set far ahead.
    let profile = sandbox_profile_with(&sb, &dir, |p| p.updates.minimum_version = Some("99.0.0".into()));
    let profile = profile.to_str().unwrap();
    let out = run(&["doctor", "--json", "--profile", profile]);
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "version").unwrap();
    assert_eq!(version["ok"], false);
    assert!(version["detail"].as_str().unwrap().contains("99.0.0"), "{version}");
    let list = run(&["worklist", "--json", "--profile", profile]);
    assert!(!list.status.success());
    let said = String::from_utf8_lossy(&list.stderr);
    assert!(said.contains("UpdateRequired") && said.contains("99.0.0"), "{said}");
}

/// The standalone sandbox's profile with `change` made, written into `dir`.
fn sandbox_profile_with(
    sb: &StandaloneSandbox,
    dir: &TempDir,
    change: impl FnOnce(&mut arbeidsflate_core::Profile),
) -> std::path::PathBuf {
    let mut profile = arbeidsflate_core::Profile::load(&sb.profile).unwrap();
    change(&mut profile);
    let path = dir.path().join(format!("changed-{}.toml", std::process::id()));
    std::fs::write(&path, profile.to_toml()).unwrap();
    path
}

fn check_named<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

/// An app for the catalogue, launched from `launch_url`, seen by `roles`.
fn catalogue_app(id: &str, launch_url: &str, roles: &[&str]) -> arbeidsflate_core::apps::AppRegistration {
    let origin = launch_url.rsplit_once('/').unwrap().0;
    serde_json::from_value(serde_json::json!({
        "id": id, "name": format!("App {id}"), "supplier": "Eksempel AS", "launch_url": launch_url,
        "redirect_uris": [format!("{origin}/app")], "client": "public",
        "scopes": ["launch", "openid", "fhirUser", "patient/Observation.rs"], "roles": roles,
    }))
    .unwrap()
}

/// The catalogue as each role sees it, and the doctor checking every app's launch page.
#[test]
fn apps_lists_the_catalogue_for_the_users_role_and_the_doctor_checks_each_launch_page() {
    use arbeidsflate_tests::updates::InternalServer;
    let sb = StandaloneSandbox::start(&[]);
    let pages = InternalServer::start_plain();
    pages.put("launch", b"<!doctype html><title>launch</title>");
    let gone = format!("http://127.0.0.1:{}/launch", arbeidsflate_tests::free_port());
    let dir = TempDir::new("apps");
    let profile = sandbox_profile_with(&sb, &dir, |p| {
        p.apps = vec![
            catalogue_app("fallrisiko", &pages.url("launch"), &["nursing_home_nurse", "nursing_home_doctor"]),
            catalogue_app("legemiddelgjennomgang", &gone, &["nursing_home_doctor"]),
        ]
    });
    let profile = profile.to_str().unwrap();

    let nurse = json_of(&run(&["apps", "--json", "--profile", profile]));
    assert_eq!(nurse["role"], "nursing_home_nurse");
    let ids: Vec<&str> = nurse["apps"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["fallrisiko"], "the doctor's app is not the nurse's");
    let users = json_of(&run(&["users", "--json", "--profile", profile]));
    let doctor = users.as_array().unwrap().iter().find(|u| u["role"] == "nursing_home_doctor").unwrap();
    let listed = json_of(&run(&["apps", "--json", "--profile", profile, "--user", doctor["pid"].as_str().unwrap()]));
    assert_eq!(listed["apps"].as_array().unwrap().len(), 2);

    let out = run(&["doctor", "--json", "--profile", profile]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!out.status.success(), "an app whose launch page is gone fails the doctor");
    assert_eq!(check_named(&report, "app fallrisiko launch page")["ok"], true, "{report:#}");
    let missing = check_named(&report, "app legemiddelgjennomgang launch page");
    assert_eq!(missing["ok"], false);
    assert!(missing["detail"].as_str().unwrap().contains(&gone), "{missing}");
}

/// `arbeidsflate launch --print-url`: the launch URL on the first line, and the SMART host
/// and its FHIR facade served until stopped, so any SMART client can run the launch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_prints_the_launch_url_and_serves_the_app_until_stopped() {
    let sb = StandaloneSandbox::start(&[]);
    let dir = TempDir::new("launch");
    let profile = sandbox_profile_with(&sb, &dir, |p| {
        p.apps = vec![catalogue_app("fallrisiko", "http://127.0.0.1:4410/launch", &["nursing_home_nurse"])]
    });
    let profile = profile.to_str().unwrap();
    let list = json_of(&run(&["worklist", "--json", "--profile", profile]));
    let first = &list["worklist"]["entries"][0];
    let nin = first["national_id"].as_str().unwrap().replace(' ', "");
    let logs = TempDir::new("launch-logs");
    let mut child = app_command()
        .args(["launch", "fallrisiko", &nin, "--print-url", "--profile", profile])
        .env("ARBEIDSFLATE_LOG_DIR", logs.path())
        .env("ARBEIDSFLATE_DATA_DIR", logs.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    assert!(url.starts_with("http://127.0.0.1:4410/launch?iss="), "{url}");

    let app = arbeidsflate_tests::smart::run_launch(
        &url,
        "fallrisiko",
        "http://127.0.0.1:4410/app",
        "launch patient/Observation.rs",
    )
    .await;
    assert_eq!(app.patient, first["patient_ref"].as_str().unwrap(), "{}", app.answer);
    let (status, bundle) = app.get("Observation").await;
    assert_eq!(status, 200, "{bundle}");
    let subject = format!("Patient/{}", first["patient_ref"].as_str().unwrap());
    let entries = bundle["entry"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["resource"]["subject"]["reference"] == subject));
    let _ = child.kill();
    let _ = child.wait();
}

/// `arbeidsflate update` is the window's check from the command line: off without a feed,
/// refused from a server it cannot trust, verified with the profile's CA and the trusted
/// key, and never installed over a copy that no package installed.
#[test]
fn update_checks_the_feed_as_the_window_does_and_installs_only_over_a_packaged_copy() {
    use arbeidsflate_tests::updates::{manifest, next_version, InternalServer, Signer};
    let off = run(&["update", "--json"]);
    assert_eq!((off.status.code(), json_of(&off)["state"].as_str()), (Some(0), Some("off")));

    let signer = Signer::generate();
    let server = InternalServer::start();
    let next = next_version(arbeidsflate_core::version::CURRENT);
    let artifact = b"!<arch>\nsynthetic update for the update face\n";
    server.put("artifact", artifact);
    server.put("feed.json", manifest(&next, &server.url("artifact"), &signer.sign(artifact, &next)).as_bytes());
    let dir = TempDir::new("update-face");
    let profile_with = |extra_ca: bool| {
        let mut profile = arbeidsflate_core::Profile::load(&repo_profile("sandbox.toml")).unwrap();
        profile.updates.feed = Some(server.url("feed.json"));
        if extra_ca {
            profile.network.extra_ca_certificates = vec![server.ca()];
        }
        let path = dir.path().join(format!("update-{extra_ca}.toml"));
        std::fs::write(&path, profile.to_toml()).unwrap();
        path
    };
    let update = |profile: &std::path::Path, extra: &[&str]| {
        let logs = TempDir::new("cli-logs");
        app_command()
            .args(["update", "--profile", profile.to_str().unwrap()])
            .args(extra)
            .env("ARBEIDSFLATE_LOG_DIR", logs.path())
            .env("ARBEIDSFLATE_UPDATE_PUBKEY", &signer.public_key)
            .output()
            .unwrap()
    };

    let untrusted = update(&profile_with(false), &["--json"]);
    assert_eq!(untrusted.status.code(), Some(1));
    let refused: Value = serde_json::from_slice(&untrusted.stdout).unwrap();
    assert_eq!(refused["error"]["code"], "update_unreachable", "{refused:#}");

    let trusted = profile_with(true);
    let verified = update(&trusted, &[]);
    let text = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{text}");
    assert!(text.contains(&format!("{next} downloaded; its signature is verified")), "{text}");

    let install = update(&trusted, &["--install"]);
    assert_eq!(install.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&install.stderr).contains("not installed from a package"));
}

fn repo_profile(name: &str) -> std::path::PathBuf {
    arbeidsflate_tests::updates::repo_root().join("src-tauri/profiles").join(name)
}

#[test]
fn the_doctor_reads_the_update_feed_through_the_profiles_extra_ca() {
    use arbeidsflate_tests::updates::{manifest, next_version, InternalServer};
    let sb = StandaloneSandbox::start(&[]);
    let server = InternalServer::start();
    let next = next_version(arbeidsflate_core::version::CURRENT);
    server.put("feed.json", manifest(&next, &server.url("artifact"), "c2lnbmF0dXJl").as_bytes());
    let feed = Some(server.url("feed.json"));

    let dir = TempDir::new("feed");
    let without_ca = sandbox_profile_with(&sb, &dir, |p| p.updates.feed = feed.clone());
    let out = run(&["doctor", "--json", "--profile", without_ca.to_str().unwrap()]);
    assert!(!out.status.success(), "an untrusted update server fails the doctor");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check_named(&report, "update feed")["ok"], false, "{report:#}");

    let dir = TempDir::new("feed-ca");
    let with_ca = sandbox_profile_with(&sb, &dir, |p| {
        p.updates.feed = feed.clone();
        p.network.extra_ca_certificates = vec![server.ca()];
    });
    let report = json_of(&run(&["doctor", "--json", "--profile", with_ca.to_str().unwrap()]));
    let feed_check = check_named(&report, "update feed");
    assert!(feed_check["detail"].as_str().unwrap().contains(&format!("offers {next}")), "{feed_check}");
    let cas = check_named(&report, "trusted certificate authorities");
    assert!(cas["detail"].as_str().unwrap().contains("and 1 from"), "{cas}");

    // Garbage where the feed should be: the doctor says so.
    server.put("feed.json", b"<html>Welcome to the guest network</html>");
    let out = run(&["doctor", "--json", "--profile", with_ca.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let feed_check = check_named(&report, "update feed");
    assert_eq!(feed_check["ok"], false);
    assert!(feed_check["detail"].as_str().unwrap().contains("not an update feed"), "{feed_check}");

    // A CA file that is gone fails the profile, naming the entry; the app would not start.
    let dir = TempDir::new("feed-missing-ca");
    let missing =
        sandbox_profile_with(&sb, &dir, |p| p.network.extra_ca_certificates = vec!["/nonexistent/ca.pem".into()]);
    let out = run(&["doctor", "--json", "--profile", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let profile = check_named(&report, "profile");
    assert!(profile["detail"].as_str().unwrap().contains("network.extra_ca_certificates[0]"), "{profile}");
    let list = run(&["worklist", "--json", "--profile", missing.to_str().unwrap()]);
    assert!(!list.status.success());
    assert!(String::from_utf8_lossy(&list.stderr).contains("network.extra_ca_certificates[0]"));
}

#[test]
fn the_profiles_log_level_decides_what_the_technical_log_holds() {
    let sb = StandaloneSandbox::start(&[]);
    let log_lines = |level: arbeidsflate_core::profile::LogLevel| {
        let dir = TempDir::new("log-level");
        let profile = sandbox_profile_with(&sb, &dir, |p| p.logging.level = level);
        let logs = dir.path().join("logs");
        let out = app_command()
            .args(["worklist", "--json", "--profile", profile.to_str().unwrap()])
            .env("ARBEIDSFLATE_LOG_DIR", &logs)
            .env("ARBEIDSFLATE_DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_dir(&logs)
            .unwrap()
            .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
            .collect::<String>()
    };
    use arbeidsflate_core::profile::LogLevel;
    let info = log_lines(LogLevel::Info);
    assert!(info.contains(" INFO "), "the default level logs the run's steps:\n{info}");
    let errors_only = log_lines(LogLevel::Error);
    assert!(!errors_only.contains(" INFO ") && !errors_only.contains(" WARN "), "{errors_only}");
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
    let out = app_command()
        .args(["worklist", "--data-dir", dir.path().to_str().unwrap()])
        .env("ARBEIDSFLATE_LOG_DIR", dir.path().join("logs"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/arbeidsflate-test-bus")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KeyringUnavailable"), "{err}");
    // Nothing key-like was written anywhere in the data directory instead (the empty
    // instance lock is the only file besides the logs).
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(files.iter().all(|f| f == "logs" || f == "instance.lock"), "unexpected files: {files:?}");
    assert_eq!(std::fs::metadata(dir.path().join("instance.lock")).unwrap().len(), 0);
}

/// Every file under `dir`.
#[test]
fn a_sync_killed_halfway_resumes_one_instance_at_a_time_and_leaves_nothing_in_clear() {
    let mut sandbox = StandaloneSandbox::start(&[]);
    let data = TempDir::new("offline-cli");
    let profile = sandbox.profile.to_str().unwrap().to_string();
    let data_dir = data.path().join("data");
    let cli = |args: &[&str]| {
        let mut c = app_command();
        c.args(["--profile", &profile, "--data-dir", data_dir.to_str().unwrap()])
            .args(args)
            .env("ARBEIDSFLATE_LOG_DIR", data.path().join("logs"));
        c
    };
    // The doctor: no other CLI test signs in as her, so her cache key is hers alone here.
    let users = json_of(&cli(&["users", "--json"]).output().unwrap());
    let doctor = users.as_array().unwrap().iter().find(|u| u["role"] == "nursing_home_doctor").unwrap()["pid"]
        .as_str()
        .unwrap()
        .to_string();

    // Killed (SIGKILL) in the middle of preparing the worklist.
    let mut first = cli(&["sync", "--user", &doctor]).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut progress = BufReader::new(first.stderr.take().unwrap()).lines();
    let halfway = progress.by_ref().map_while(Result::ok).find(|l| l.trim_start().starts_with("3/"));
    assert!(halfway.is_some(), "the sync reported progress");
    // While it runs, a second instance on the same data is refused, clearly.
    let second = cli(&["sync", "--user", &doctor]).output().unwrap();
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("AlreadyRunning"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    first.kill().unwrap();
    first.wait().unwrap();

    // The next sync completes from where the cache stands; the log's chain holds.
    let report = json_of(&cli(&["sync", "--user", &doctor, "--json"]).output().unwrap());
    let patients = report["patients"].as_u64().unwrap();
    assert!(patients > 3, "{report}");
    assert!(report["sources"].as_array().unwrap().iter().all(|s| s["failed"] == 0), "{report}");
    let verified = json_of(&cli(&["audit", "verify", "--user", &doctor, "--json"]).output().unwrap());
    assert_eq!(verified["intact"], true);
    assert!(verified["entries"].as_u64().unwrap() >= patients);

    // The cache answers for a worklist patient with no patient data fetched.
    let list = json_of(&cli(&["worklist", "--user", &doctor, "--json"]).output().unwrap());
    let entries = list["worklist"]["entries"].as_array().unwrap().clone();
    let nin = entries[0]["national_id"].as_str().unwrap().replace(' ', "");
    let cached = json_of(&cli(&["patient", &nin, "--offline", "--user", &doctor, "--json"]).output().unwrap());
    let states: Vec<&str> =
        cached["sources"].as_array().unwrap().iter().map(|s| s["state"]["state"].as_str().unwrap()).collect();
    assert!(states.iter().all(|s| *s == "cached"), "{states:?}");

    // With the sandbox stopped, the cache and its access log need only the keyring and the disk.
    sandbox.stop();
    let offline = cli(&["patient", &nin, "--offline", "--user", &doctor, "--json"]).output().unwrap();
    assert!(offline.status.success(), "{}", String::from_utf8_lossy(&offline.stderr));
    let offline = json_of(&offline);
    let name = entries[0]["name"].as_str().unwrap();
    let banner = offline["parts"].as_array().unwrap().iter().find(|p| p["part"] == "banner").expect("a banner");
    assert_eq!(banner["banner"]["name"], name, "{offline}");
    let verified_offline = cli(&["audit", "verify", "--user", &doctor, "--json"]).output().unwrap();
    assert!(verified_offline.status.success(), "{}", String::from_utf8_lossy(&verified_offline.stderr));
    let verified_offline = json_of(&verified_offline);
    assert_eq!(verified_offline["intact"], true);
    // Both offline lookups were logged, with no one signed in.
    assert_eq!(verified_offline["entries"].as_u64().unwrap(), verified["entries"].as_u64().unwrap() + 2);

    // Whose cache must be said; a clinician with none here is told so, and nothing is made.
    let no_user = cli(&["patient", &nin, "--offline"]).output().unwrap();
    assert_eq!(no_user.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&no_user.stderr).contains("--user"),
        "{}",
        String::from_utf8_lossy(&no_user.stderr)
    );
    let stranger = cli(&["audit", "verify", "--user", "07908010056"]).output().unwrap();
    assert!(!stranger.status.success());
    assert!(
        String::from_utf8_lossy(&stranger.stderr).contains("NotCached"),
        "{}",
        String::from_utf8_lossy(&stranger.stderr)
    );
    let users_dir = data_dir.join("users");
    assert_eq!(std::fs::read_dir(&users_dir).unwrap().count(), 1, "no cache made for the stranger");

    assert_nothing_in_clear(&data_dir, &entries);
}

#[test]
fn an_outbox_send_killed_halfway_loses_nothing_and_stores_nothing_twice() {
    // The sandbox runs in this process, so the test sees what the platform stored.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sb = runtime.block_on(sandbox::Sandbox::start(sandbox::SandboxOptions::at(clock::matrix::test_now()))).unwrap();
    let dir = TempDir::new("outbox-kill");
    let profile = dir.path().join("sandbox.toml");
    std::fs::write(&profile, arbeidsflate_core::profile::for_sandbox(&sb).to_toml()).unwrap();
    let data_dir = dir.path().join("data");
    let cli = |args: &[&str]| {
        let mut c = app_command();
        c.args(["--profile", profile.to_str().unwrap(), "--data-dir", data_dir.to_str().unwrap()])
            .args(args)
            .env("ARBEIDSFLATE_LOG_DIR", dir.path().join("logs"));
        c
    };
    // Ward B's nurse: no other test signs in as him, so his cache key is his alone here.
    let nurse = sb.clinicians.iter().find(|c| c.family_name == "Vik").expect("the ward B nurse").pid.clone();
    let list = json_of(&cli(&["worklist", "--user", &nurse, "--json"]).output().unwrap());
    let entries = list["worklist"]["entries"].as_array().unwrap().clone();

    // Three sets recorded "with no network": each waits in the outbox.
    let pulses = ["101", "102", "103"];
    for (e, pulse) in entries.iter().zip(pulses) {
        let nin = e["national_id"].as_str().unwrap().replace(' ', "");
        let receipt =
            json_of(&cli(&["vitals", &nin, "--pulse", pulse, "--hold", "--user", &nurse, "--json"]).output().unwrap());
        assert_eq!(receipt["sent"], false);
    }
    // A pulse no body has is refused, clearly, and queues nothing.
    let nin = entries[0]["national_id"].as_str().unwrap().replace(' ', "");
    let refused = cli(&["vitals", &nin, "--pulse", "400", "--hold", "--user", &nurse]).output().unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("pulse must be between") && stderr.contains("InvalidInput"), "{stderr}");
    let outbox = json_of(&cli(&["outbox", "--user", &nurse, "--json"]).output().unwrap());
    assert_eq!(outbox["waiting"].as_array().unwrap().len(), 3, "{outbox}");
    assert!(observations_written_here(&sb).is_empty(), "held writes were not sent");

    // Sending, slowed down, is killed (SIGKILL) once the platform has stored the first.
    sb.set_fault(sandbox::faults::Service::Fhir, Some(sandbox::faults::Fault::Slow(700)));
    let mut send = cli(&["outbox", "--send", "--user", &nurse]).stdout(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while observations_written_here(&sb).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(60), "nothing was sent in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    send.kill().unwrap();
    send.wait().unwrap();
    let stored_when_killed = observations_written_here(&sb).len();
    assert!(stored_when_killed < 3, "killed before the end: {stored_when_killed} of 3 stored");
    sb.set_fault(sandbox::faults::Service::Fhir, None);

    // Sent again: everything arrives, each set once, and the outbox is empty.
    let after = json_of(&cli(&["outbox", "--send", "--user", &nurse, "--json"]).output().unwrap());
    assert_eq!(after["waiting"].as_array().unwrap().len(), 0, "{after}");
    let stored = observations_written_here(&sb);
    let mut values: Vec<String> = stored.iter().map(|o| o["valueQuantity"]["value"].to_string()).collect();
    values.sort();
    assert_eq!(values, vec!["101.0", "102.0", "103.0"], "each set stored exactly once");
    let verified = json_of(&cli(&["audit", "verify", "--user", &nurse, "--json"]).output().unwrap());
    assert_eq!(verified["intact"], true);
    assert_nothing_in_clear(&data_dir, &entries);
    sb.stop();
}
