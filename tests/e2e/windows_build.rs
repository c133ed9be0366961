//! The Windows build as far as Wine goes (`make windows`: cross-built with MinGW-w64,
//! packaged with wixl; `make test` builds it first and names its folder in
//! `ARBEIDSFLATE_WINDOWS_DIR` and the cargo release folder in `ARBEIDSFLATE_WINDOWS_RELEASE`):
//! the CLI's faces against a sandbox on the Linux side with their keys in Wine's
//! Credential Manager and the encrypted cache in `%LOCALAPPDATA%`, IT's machine profile in
//! `%ProgramData%`, the MSI installed silently, upgraded in place and removed, and the
//! Authenticode signatures of the executable and the MSI.
//!
//! What Wine 8.0 lacks: `bcryptprimitives.dll` (the tests put a stand-in in each prefix,
//! `tests/wine/bcryptprimitives.c`), file owners other than the Wine user, and WebView2.

use arbeidsflate_tests::updates::{self, repo_root, InternalServer, Signer};
use arbeidsflate_tests::{assert_nothing_in_clear, files_under, json_of, observations_written_here, TempDir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn env_dir(name: &str) -> PathBuf {
    let dir = std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| {
        panic!("{name} names the Windows build to test: build it with `make windows` (make test does)")
    });
    assert!(dir.is_dir(), "{} is not there: build it with `make windows`", dir.display());
    dir
}

/// The folder `make windows` writes: the executable, the WebView2 loader and the MSI.
fn build() -> PathBuf {
    env_dir("ARBEIDSFLATE_WINDOWS_DIR")
}

/// The MSI in `dir`: the site one (with IT's profile) when `site`, else the plain one.
fn msi_in(dir: &Path, site: bool) -> PathBuf {
    files_under(dir)
        .into_iter()
        .filter(|f| f.parent() == Some(dir) && f.extension().is_some_and(|e| e == "msi"))
        .find(|f| f.to_string_lossy().ends_with("-site.msi") == site)
        .unwrap_or_else(|| panic!("no {} MSI in {}", if site { "site" } else { "plain" }, dir.display()))
}

/// A Windows path for a Linux one (Wine maps `/` to drive Z:).
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// A fresh Wine prefix of the test's own, removed with it.
struct Wine {
    prefix: TempDir,
}

impl Wine {
    fn new(label: &str) -> Self {
        let wine = Wine { prefix: TempDir::new(label) };
        let booted =
            wine.command("wineboot").arg("--init").output().expect("run wine: install it with `make deps-windows`");
        assert!(booted.status.success(), "wineboot: {}", String::from_utf8_lossy(&booted.stderr));
        // Rust's standard library asks bcryptprimitives.dll for random bytes; Wine 8.0 has none.
        let system32 = wine.drive_c().join("windows/system32");
        let built = Command::new("x86_64-w64-mingw32-gcc")
            .args(["-O2", "-shared", "-o"])
            .arg(system32.join("bcryptprimitives.dll"))
            .arg(repo_root().join("tests/wine/bcryptprimitives.c"))
            .arg("-lbcrypt")
            .output()
            .expect("run the MinGW-w64 compiler");
        assert!(built.status.success(), "the ProcessPrng stand-in: {}", String::from_utf8_lossy(&built.stderr));
        wine
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("wine");
        c.arg(program)
            .env("WINEPREFIX", self.prefix.path())
            .env("WINEDEBUG", "-all")
            // No .NET or Gecko installers: nothing here needs them.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("ARBEIDSFLATE_PROFILE")
            .env_remove("ARBEIDSFLATE_DATA_DIR")
            .env_remove("ARBEIDSFLATE_LOG_DIR");
        c
    }

    fn drive_c(&self) -> PathBuf {
        self.prefix.path().join("drive_c")
    }

    /// The Wine user's `%APPDATA%\..` (the one folder under `users` that is not Public).
    fn app_data(&self) -> PathBuf {
        let users = self.drive_c().join("users");
        let user = std::fs::read_dir(&users)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.file_name().is_some_and(|n| n != "Public"))
            .expect("the Wine user's folder");
        user.join("AppData")
    }

    /// Waits until every process in the prefix has ended (`wineserver -w`).
    fn wait_for_idle(&self) -> bool {
        Command::new("wineserver").arg("-w").env("WINEPREFIX", self.prefix.path()).status().is_ok_and(|s| s.success())
    }

    /// Runs `msiexec` with `args`; Wine hands back the exit code's low byte only.
    fn msiexec(&self, args: &[&str]) -> Output {
        self.command("msiexec").args(args).output().expect("run msiexec")
    }
}

/// The Windows executable's command, with the profile given.
fn app(wine: &Wine, exe: &Path, profile: Option<&Path>) -> Command {
    let mut c = wine.command(exe);
    if let Some(p) = profile {
        c.args(["--profile", &windows_path(p)]);
    }
    c
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name}: {report}"))
}

#[test]
fn the_windows_cli_runs_a_shift_against_the_sandbox_with_its_keys_in_credential_manager() {
    // A release build runs on the system's clock (only debug builds take ARBEIDSFLATE_NOW),
    // so the sandbox shares it: its tokens and the app's assertions must agree on the time.
    // Nothing asserted here depends on the day.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sb = runtime.block_on(sandbox::Sandbox::start(sandbox::SandboxOptions::default())).unwrap();
    let dir = TempDir::new("windows-shift");
    let wine = Wine::new("wine-shift");
    // The profile as a Windows editor saves it (CRLF line ends).
    let settings = arbeidsflate_core::profile::for_sandbox(&sb);
    let profile = dir.path().join("sandbox.toml");
    std::fs::write(&profile, settings.to_toml().replace('\n', "\r\n")).unwrap();
    let exe = build().join("arbeidsflate.exe");
    let cli = |args: &[&str]| app(&wine, &exe, Some(&profile)).args(args).output().unwrap();

    // The doctor: the keyring is Credential Manager, the data in %LOCALAPPDATA%.
    let report: Value = serde_json::from_slice(&cli(&["doctor", "--json"]).stdout).expect("the doctor's JSON");
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(check(&report, "os keyring")["detail"].as_str().unwrap().contains("succeeded"));
    let data = check(&report, "data directory")["detail"].as_str().unwrap().to_string();
    assert!(data.contains(r"AppData\Local\arbeidsflate"), "{data}");

    let nurse = sb.clinicians.iter().find(|c| c.family_name == "Vik").expect("the ward B nurse").pid.clone();
    let list = json_of(&cli(&["worklist", "--user", &nurse, "--json"]));
    let entries = list["worklist"]["entries"].as_array().unwrap().clone();
    let nin = entries[0]["national_id"].as_str().unwrap().replace(' ', "");

    // The patient from every source, through the same door as on Linux.
    let view = json_of(&cli(&["view", &nin, "--user", &nurse, "--json"]));
    let states: Vec<&str> =
        view["sources"].as_array().unwrap().iter().map(|s| s["state"]["state"].as_str().unwrap()).collect();
    assert!(states.iter().all(|s| *s == "fresh"), "{states:?}");

    // Offline: the worklist kept, a measurement held and then sent once.
    let report = json_of(&cli(&["sync", "--user", &nurse, "--json"]));
    assert!(report["patients"].as_u64().unwrap() > 3, "{report}");
    assert!(report["sources"].as_array().unwrap().iter().all(|s| s["failed"] == 0), "{report}");
    let receipt = json_of(&cli(&["vitals", &nin, "--pulse", "104", "--hold", "--user", &nurse, "--json"]));
    assert_eq!(receipt["sent"], false);
    assert!(observations_written_here(&sb).is_empty());
    let after = json_of(&cli(&["outbox", "--send", "--user", &nurse, "--json"]));
    assert_eq!(after["waiting"].as_array().unwrap().len(), 0, "{after}");
    let stored: Vec<String> =
        observations_written_here(&sb).iter().map(|o| o["valueQuantity"]["value"].to_string()).collect();
    assert_eq!(stored, ["104.0"]);

    // With the sandbox gone, the cache answers with the keyring and the disk only.
    sb.stop();
    let cached = json_of(&cli(&["patient", &nin, "--offline", "--user", &nurse, "--json"]));
    let banner = cached["parts"].as_array().unwrap().iter().find(|p| p["part"] == "banner").expect("a banner");
    assert_eq!(banner["banner"]["name"], entries[0]["name"]);
    let verified = json_of(&cli(&["audit", "verify", "--user", &nurse, "--json"]));
    assert_eq!(verified["intact"], true, "{verified}");

    // The keys are in Credential Manager, not on disk; the cache is in %LOCALAPPDATA% and
    // nothing in it reads in clear; nothing went to the roaming profile.
    let creds = wine.command("reg").args(["query", r"HKCU\Software\Wine\Credential Manager"]).output().unwrap();
    let creds = String::from_utf8_lossy(&creds.stdout);
    assert!(creds.contains("cache-master-key:") && creds.contains("helseid-dpop-key:"), "{creds}");
    let local = wine.app_data().join("Local/arbeidsflate");
    assert_nothing_in_clear(&local, &entries);
    assert!(!wine.app_data().join("Roaming/arbeidsflate").exists(), "the cache must not roam");
}

#[test]
fn the_machine_profile_in_programdata_is_the_only_one_and_must_be_out_of_users_reach() {
    let wine = Wine::new("wine-machine");
    let exe = build().join("arbeidsflate.exe");
    let dir = TempDir::new("windows-machine");
    let mine = dir.path().join("mine.toml");
    std::fs::write(&mine, "# a user's own profile").unwrap();
    let machine = wine.drive_c().join("ProgramData/Arbeidsflate");
    std::fs::create_dir_all(&machine).unwrap();
    std::fs::copy(repo_root().join("src-tauri/profiles/nhn-test.toml"), machine.join("profile.toml")).unwrap();

    // Another profile on the command line is refused, naming both.
    let given = app(&wine, &exe, Some(&mine)).args(["doctor", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&given.stdout).unwrap();
    let detail = check(&report, "profile")["detail"].as_str().unwrap();
    assert!(detail.contains("IT has installed") && detail.contains("mine.toml"), "{detail}");

    // IT's own is read from %ProgramData%, and its owner checked: under Wine every file
    // belongs to the Wine user, which is not Administrators, so it is refused, saying why.
    let used = app(&wine, &exe, None).args(["doctor", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&used.stdout).unwrap();
    let detail = check(&report, "profile")["detail"].as_str().unwrap();
    assert!(detail.contains(r"C:\ProgramData\Arbeidsflate") && detail.contains("not by Administrators"), "{detail}");
    assert!(!used.status.success());
}

/// A throwaway code-signing certificate and key (PEM), valid 2020–2040, made with
/// Python's `cryptography` so its dates are fixed rather than read from the clock.
fn throwaway_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("test-signing.crt"), dir.join("test-signing.key"));
    let script = r#"
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Arbeidsflate test signing (throwaway)")])
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(datetime.datetime(2020, 1, 1)).not_valid_after(datetime.datetime(2040, 1, 1))
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    .sign(key, hashes.SHA256()))
open(sys.argv[1], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(sys.argv[2], "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
"#;
    let made = Command::new("python3").args(["-c", script]).arg(&cert).arg(&key).output().expect("python3");
    assert!(made.status.success(), "the certificate: {}", String::from_utf8_lossy(&made.stderr));
    (cert, key)
}

/// `osslsigncode verify` at a fixed instant inside the certificate's validity.
fn verify(file: &Path, cert: &Path) -> Output {
    Command::new("osslsigncode")
        .args(["verify", "-time", "1893456000", "-CAfile"])
        .arg(cert)
        .arg("-in")
        .arg(file)
        .output()
        .expect("run osslsigncode")
}

/// The versions of the products installed in the prefix (Windows' Uninstall list).
fn installed_products(wine: &Wine) -> Vec<String> {
    let out = wine
        .command("reg")
        .args(["query", r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall", "/s"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("DisplayVersion"))
        .map(|l| l.split_whitespace().last().unwrap_or_default().to_string())
        .collect()
}

/// The next release's version: the build an upgrade installs.
fn next_version() -> String {
    updates::next_version(arbeidsflate_core::version::CURRENT)
}

/// `src-tauri/windows/package.sh` over the cross-built release, into `out`, as the next
/// version, with `env` (signing, IT's profile).
fn package(out: &Path, env: &[(&str, &Path)]) {
    package_build(&env_dir("ARBEIDSFLATE_WINDOWS_RELEASE"), out, &next_version(), env);
}

/// `package.sh` over the cargo output folder `build`, into `out`, as `version`.
fn package_build(build: &Path, out: &Path, version: &str, env: &[(&str, &Path)]) {
    let mut command = Command::new(repo_root().join("src-tauri/windows/package.sh"));
    command.arg(build).arg(out).arg(version);
    for (name, value) in env {
        command.env(name, value);
    }
    let packaged = command.output().unwrap();
    assert!(packaged.status.success(), "package.sh: {}", String::from_utf8_lossy(&packaged.stderr));
}

#[test]
fn the_msi_is_signed_installs_silently_upgrades_in_place_and_leaves_nothing_when_removed() {
    // A newer build of the same app, signed as `make windows` signs with IT's certificate.
    let dir = TempDir::new("windows-msi");
    let (cert, key) = throwaway_certificate(dir.path());
    let newer = dir.path().join("newer");
    package(&newer, &[("SIGN_CERT", &cert), ("SIGN_KEY", &key)]);
    let newer_msi = msi_in(&newer, false);
    for signed in [newer.join("arbeidsflate.exe"), newer_msi.clone()] {
        let ok = verify(&signed, &cert);
        assert!(ok.status.success(), "{}: {}", signed.display(), String::from_utf8_lossy(&ok.stdout));
        // One byte changed in the middle, and the signature no longer holds.
        let mut bytes = std::fs::read(&signed).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        let tampered = dir.path().join("tampered");
        std::fs::write(&tampered, bytes).unwrap();
        assert!(!verify(&tampered, &cert).status.success(), "a tampered {} still verified", signed.display());
    }

    let wine = Wine::new("wine-msi");
    let msi = windows_path(&msi_in(&build(), false));
    let installed = wine.drive_c().join("Program Files/Arbeidsflate");

    // Without the WebView2 runtime (Wine has none) the installation stops and installs nothing.
    let refused = wine.msiexec(&["/i", &msi, "/qn"]);
    assert!(!refused.status.success());
    assert!(!installed.exists());

    // Silently, per machine; the installed binary works.
    assert!(wine.msiexec(&["/i", &msi, "/qn", "SKIP_WEBVIEW2_CHECK=1"]).status.success());
    for file in ["arbeidsflate.exe", "WebView2Loader.dll", "profiles/profile.schema.json", "profiles/production.toml"] {
        assert!(installed.join(file).is_file(), "{file} installed");
    }
    // The installed binary's doctor, against its built-in sandbox (no profile on this machine).
    let doctor = wine.command(installed.join("arbeidsflate.exe")).args(["doctor", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&doctor.stdout).expect("the doctor's JSON");
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(check(&report, "os keyring")["detail"].as_str().unwrap().contains("succeeded"));
    let before = installed_products(&wine);
    assert_eq!(before.len(), 1, "{before:?}");

    // The newer build replaces it in place: one product, the new version.
    let newer_msi = windows_path(&newer_msi);
    assert!(wine.msiexec(&["/i", &newer_msi, "/qn", "SKIP_WEBVIEW2_CHECK=1"]).status.success());
    assert_eq!(installed_products(&wine), [next_version()]);
    assert!(installed.join("arbeidsflate.exe").is_file());

    // Removed silently: no program files left behind.
    assert!(wine.msiexec(&["/x", &newer_msi, "/qn"]).status.success());
    assert!(!installed.exists(), "{:?}", files_under(&installed));
    assert!(installed_products(&wine).is_empty());
}

#[test]
fn a_site_msi_puts_its_machine_profile_in_programdata_where_the_app_reads_it() {
    // IT's own build: `make windows MACHINE_PROFILE=site.toml`.
    let dir = TempDir::new("windows-site");
    let site = repo_root().join("src-tauri/profiles/nhn-test.toml");
    package(dir.path(), &[("MACHINE_PROFILE", &site)]);
    let msi = msi_in(dir.path(), true);

    let wine = Wine::new("wine-site");
    assert!(wine.msiexec(&["/i", &windows_path(&msi), "/qn", "SKIP_WEBVIEW2_CHECK=1"]).status.success());
    let installed = wine.drive_c().join("ProgramData/Arbeidsflate/profile.toml");
    assert_eq!(std::fs::read(&installed).unwrap(), std::fs::read(&site).unwrap());

    // The installed app takes it as IT's profile without being told: it reads it and checks
    // who may change it (under Wine the owner is always the Wine user, so it says so).
    let exe = wine.drive_c().join("Program Files/Arbeidsflate/arbeidsflate.exe");
    let doctor = wine.command(&exe).args(["doctor", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&doctor.stdout).expect("the doctor's JSON");
    let detail = check(&report, "profile")["detail"].as_str().unwrap();
    assert!(detail.contains(r"C:\ProgramData\Arbeidsflate"), "{detail}");

    // Removed with the app.
    assert!(wine.msiexec(&["/x", &windows_path(&msi), "/qn"]).status.success());
    assert!(!installed.exists());
}

/// The updater on Windows, end to end: an installed copy finds the next version's MSI in
/// the feed `make feed` writes (its `windows-x86_64-msi` entry), refuses it tampered or
/// signed by another key, verifies it when genuine and hands it to msiexec, which
/// upgrades the installation. A release build trusts only the built-in key, so the
/// installed copy is the debug build (`ARBEIDSFLATE_WINDOWS_DEBUG`), which takes the test's
/// key from `ARBEIDSFLATE_UPDATE_PUBKEY`. The feed is plain HTTP because Wine cannot verify
/// a chain to a test CA; the signature is what is under test.
#[test]
fn an_installed_copy_takes_a_signed_msi_from_the_feed_and_refuses_a_tampered_or_foreign_one() {
    let dir = TempDir::new("windows-update");
    let current = arbeidsflate_core::version::CURRENT;
    package_build(&env_dir("ARBEIDSFLATE_WINDOWS_DEBUG"), &dir.path().join("current"), current, &[]);
    package(&dir.path().join("next"), &[]);
    let next_msi = msi_in(&dir.path().join("next"), false);

    let trusted = Signer::generate();
    let server = InternalServer::start_plain();
    let published = Command::new("make")
        .current_dir(repo_root())
        .args(["--no-print-directory", "feed", "DEB="])
        .arg(format!("MSI={}", next_msi.display()))
        .arg(format!("VERSION={}", next_version()))
        .arg(format!("FEED_DIR={}", server.dir().display()))
        .arg(format!("FEED_URL={}", server.base_url()))
        .env("TAURI_SIGNING_PRIVATE_KEY_PATH", trusted.key_path())
        .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "")
        .output()
        .unwrap();
    assert!(published.status.success(), "make feed: {}", String::from_utf8_lossy(&published.stderr));
    let feed_text = std::fs::read_to_string(server.dir().join("latest.json")).unwrap();
    let feed: Value = serde_json::from_str(&feed_text).unwrap();
    let msi_name = next_msi.file_name().unwrap().to_str().unwrap();
    assert_eq!(feed["platforms"]["windows-x86_64-msi"]["url"], server.url(msi_name), "{feed:#}");

    let mut profile = arbeidsflate_core::Profile::load(&repo_root().join("src-tauri/profiles/sandbox.toml")).unwrap();
    profile.updates.feed = Some(server.url("latest.json"));
    let profile_path = dir.path().join("with-updates.toml");
    std::fs::write(&profile_path, profile.to_toml()).unwrap();

    let wine = Wine::new("wine-update");
    // The machine has the WebView2 runtime, as Windows registers it (the MSI checks).
    let webview2 = r"HKCU\Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}";
    let registered = wine.command("reg").args(["add", webview2, "/v", "pv", "/d", "131.0.2903.70", "/f"]).output();
    assert!(registered.unwrap().status.success());
    let installed_msi = windows_path(&msi_in(&dir.path().join("current"), false));
    assert!(wine.msiexec(&["/i", &installed_msi, "/qn"]).status.success(), "the current version installs");
    let exe = wine.drive_c().join("Program Files/Arbeidsflate/arbeidsflate.exe");
    let update = |extra: &[&str]| {
        let out = app(&wine, &exe, Some(&profile_path))
            .arg("update")
            .args(["--json"])
            .args(extra)
            .env("ARBEIDSFLATE_UPDATE_PUBKEY", &trusted.public_key)
            .output()
            .unwrap();
        let status: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {} {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
        });
        (out.status.code(), status)
    };

    // Tampered: one byte of the package changed after signing.
    let served_msi = server.dir().join(msi_name);
    let genuine = std::fs::read(&served_msi).unwrap();
    let mut tampered = genuine.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    std::fs::write(&served_msi, &tampered).unwrap();
    let (code, status) = update(&["--install"]);
    assert_eq!(
        (code, &status["state"], &status["error"]["code"]),
        (Some(1), &"refused".into(), &"update_signature_invalid".into()),
        "{status:#}"
    );

    // Signed by a key this copy does not trust.
    std::fs::write(&served_msi, &genuine).unwrap();
    let stranger = Signer::generate();
    let genuine_signature = feed["platforms"]["windows-x86_64-msi"]["signature"].as_str().unwrap();
    let foreign = feed_text.replace(genuine_signature, &stranger.sign(&genuine, &next_version()));
    server.put("latest.json", foreign.as_bytes());
    let (code, status) = update(&["--install"]);
    assert_eq!((code, &status["error"]["code"]), (Some(1), &"update_untrusted_key".into()), "{status:#}");
    assert_eq!(installed_products(&wine), [current], "nothing refused was installed");

    // Genuine: verified, then msiexec upgrades the installation in place.
    server.put("latest.json", feed_text.as_bytes());
    let (code, status) = update(&[]);
    assert_eq!(
        (code, &status["state"], &status["version"]),
        (Some(0), &"ready".into(), &next_version().into()),
        "{status:#}"
    );
    let (code, _) = update(&["--install"]);
    assert_eq!(code, Some(0));
    // msiexec runs on after the app hands over; wait for everything in the prefix to end.
    assert!(wine.wait_for_idle(), "msiexec finished");
    assert_eq!(installed_products(&wine), [next_version()]);
}
