//! The deployment profiles IT starts from (`src-tauri/profiles/*.toml`: the sandbox,
//! NHN's test environment, production) and the JSON Schema documenting them
//! (`src-tauri/profiles/profile.schema.json`). Each example, and the profile the
//! sandbox writes, is accepted by the app and valid against the schema by an
//! independent validator (Debian's python3-jsonschema, Draft 2020-12, reading the
//! TOML with Python's own tomllib); a broken profile is refused by both.

use arbeidsflate_core::Profile;
use arbeidsflate_tests::StandaloneSandbox;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn profiles_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src-tauri/profiles")
}

const VALIDATE: &str = r#"
import json, sys, tomllib, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
found = sorted(jsonschema.Draft202012Validator(schema).iter_errors(tomllib.loads(sys.stdin.read())), key=str)
for e in found:
    print("/".join(map(str, e.absolute_path)) + ": " + e.message)
sys.exit(1 if found else 0)
"#;

/// The schema's verdict on a profile's text: `Ok` or the errors it printed.
fn schema_verdict(toml: &str) -> Result<(), String> {
    let schema = profiles_dir().join("profile.schema.json");
    let mut child = Command::new("python3")
        .args(["-c", VALIDATE, schema.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (with python3-jsonschema) is installed by `make deps-test`");
    child.stdin.take().unwrap().write_all(toml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!said.contains("Traceback") || !out.status.success(), "the validator itself failed: {said}");
    if out.status.success() {
        Ok(())
    } else {
        Err(said)
    }
}

#[test]
fn every_example_is_accepted_by_the_app_and_valid_against_the_schema() {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(profiles_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    examples.sort();
    let names: Vec<String> = examples.iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect();
    assert_eq!(names, ["nhn-test.toml", "production.toml", "sandbox.toml"]);
    for path in &examples {
        let text = std::fs::read_to_string(path).unwrap();
        let profile = Profile::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Err(e) = schema_verdict(&text) {
            panic!("{} is not valid against the schema:\n{e}", path.display());
        }
        // What the app writes back is valid too (every default spelt out).
        schema_verdict(&profile.to_toml()).unwrap_or_else(|e| panic!("{} rewritten:\n{e}", path.display()));
    }
}

#[test]
fn the_profile_the_sandbox_writes_is_valid_against_the_schema() {
    let sb = StandaloneSandbox::start(&[]);
    let text = std::fs::read_to_string(&sb.profile).unwrap();
    Profile::parse(&text).unwrap();
    schema_verdict(&text).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_broken_profile_is_refused_by_the_app_and_by_the_schema() {
    let base = std::fs::read_to_string(profiles_dir().join("nhn-test.toml")).unwrap();
    let broken = [
        ("a misspelt key", base.replace("idle_lock_minutes = 15", "idle_lock = 15"), "idle_lock"),
        ("a value out of range", base.replace("idle_lock_minutes = 15", "idle_lock_minutes = 0"), "idle_lock_minutes"),
        ("a wrong type", base.replace("retention_hours = 24", "retention_hours = \"a day\""), "retention_hours"),
        ("a short organisation number", base.replace("\"888888888\"", "\"8888\""), "child_orgnr"),
        ("an unknown environment", base.replace("kind = \"test\"", "kind = \"staging\""), "kind"),
        ("no municipal platform", base.replace("[municipal]", "[unused]"), ""),
        (
            "a minimum that is no version",
            base.replace("minimum_version = \"0.1.0\"", "minimum_version = \"latest\""),
            "minimum_version",
        ),
        ("an unknown log level", base.replace("level = \"debug\"", "level = \"verbose\""), "level"),
        ("updates checked every minute", base.replace("check_hours = 1", "check_hours = 0"), "check_hours"),
        (
            "a relative CA path",
            format!("{base}\n[network]\nextra_ca_certificates = [\"ca/helsenett.pem\"]\n"),
            "extra_ca_certificates",
        ),
        (
            "an app asking for another user's data",
            base.replace("\"patient/Patient.r\"", "\"user/Patient.r\""),
            "scopes",
        ),
        (
            "a confidential app without keys",
            base.replace("client = \"public\"", "client = \"confidential-asymmetric\""),
            "apps",
        ),
        (
            "an app seen by no role",
            base.replace("roles = [\"nursing_home_nurse\", \"nursing_home_doctor\"]", "roles = []"),
            "roles",
        ),
    ];
    for (what, text, field) in broken {
        assert_ne!(text, base, "{what}: the example changed shape");
        let app = Profile::parse(&text).expect_err(what);
        assert!(app.to_string().contains(field), "{what}: the app named {app}");
        let schema = schema_verdict(&text).expect_err(what);
        assert!(schema.contains(field), "{what}: the schema said {schema}");
    }
}
