//! The Debian package as IT would receive it (`make deb`: a release build bundled by
//! the Tauri CLI; `make test` builds it first and names it in `ARBEIDSFLATE_DEB`):
//! its control data and files, its desktop entry (checked by `desktop-file-validate`),
//! installed by dpkg into a throwaway root, and the installed binary's `doctor`
//! passing against the sandbox.

use arbeidsflate_tests::{StandaloneSandbox, TempDir};
use std::path::{Path, PathBuf};
use std::process::Command;

fn deb() -> PathBuf {
    let path = std::env::var_os("ARBEIDSFLATE_DEB")
        .map(PathBuf::from)
        .expect("ARBEIDSFLATE_DEB names the package to test: build it with `make deb` (make test does)");
    assert!(path.is_file(), "{} is not there: build it with `make deb`", path.display());
    path
}

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Installs the package with dpkg into `root` (its own database; dependencies are the
/// host's business, so they are not checked there).
fn install(deb: &Path, root: &Path) {
    let admin = root.join("var/lib/dpkg");
    std::fs::create_dir_all(admin.join("info")).unwrap();
    std::fs::create_dir_all(admin.join("updates")).unwrap();
    std::fs::write(admin.join("status"), "").unwrap();
    output(
        Command::new("dpkg")
            .arg(format!("--root={}", root.display()))
            .args(["--force-depends", "--force-not-root", "--force-script-chrootless", "--log=/dev/null", "-i"])
            .arg(deb),
    );
}

#[test]
fn the_package_declares_what_it_needs_and_carries_the_app_its_entry_icons_and_profiles() {
    let deb = deb();
    let info = output(Command::new("dpkg-deb").arg("--info").arg(&deb));
    for field in ["Package: arbeidsflate", "Version: 0.1.0", "Architecture: amd64", "Section: misc"] {
        assert!(info.contains(field), "{field} missing from the control data:\n{info}");
    }
    let depends = info.lines().find(|l| l.trim_start().starts_with("Depends:")).expect("a Depends line").to_string();
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libsecret-1-0", "gnome-keyring | kwalletmanager"] {
        assert_eq!(depends.matches(needed).count(), 1, "{needed} not once in: {depends}");
    }
    let contents = output(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for file in [
        "usr/bin/arbeidsflate",
        "usr/share/applications/Arbeidsflate.desktop",
        "usr/share/icons/hicolor/32x32/apps/arbeidsflate.png",
        "usr/share/icons/hicolor/128x128/apps/arbeidsflate.png",
        "usr/share/icons/hicolor/512x512/apps/arbeidsflate.png",
        "usr/share/arbeidsflate/profiles/nhn-test.toml",
        "usr/share/arbeidsflate/profiles/production.toml",
        "usr/share/arbeidsflate/profiles/sandbox.toml",
        "usr/share/arbeidsflate/profiles/profile.schema.json",
    ] {
        // `dpkg-deb --contents` lists like `tar -tv`: the path is the last column.
        let listed = |l: &str| l.split_whitespace().last().map(|p| p.trim_start_matches("./")) == Some(file);
        assert!(contents.lines().any(listed), "{file} missing:\n{contents}");
    }
}

#[test]
fn it_installs_into_a_throwaway_root_and_the_installed_app_passes_its_doctor() {
    let deb = deb();
    let root = TempDir::new("deb-root");
    install(&deb, root.path());
    let app = root.path().join("usr/bin/arbeidsflate");
    assert!(app.is_file());

    // The desktop entry starts the installed binary with its icon, and the freedesktop
    // validator has nothing to say about it.
    let entry_path = root.path().join("usr/share/applications/Arbeidsflate.desktop");
    let entry = std::fs::read_to_string(&entry_path).unwrap();
    for line in ["Type=Application", "Name=Arbeidsflate", "Exec=arbeidsflate", "Icon=arbeidsflate"] {
        assert!(entry.lines().any(|l| l.trim() == line), "{line} missing:\n{entry}");
    }
    let validated = Command::new("desktop-file-validate").arg(&entry_path).output().unwrap();
    assert!(
        validated.status.success() && validated.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&validated.stdout)
    );

    // The installed release binary against a running sandbox.
    let version = output(Command::new(&app).arg("--version"));
    assert!(version.contains("0.1.0"), "{version}");
    let sb = StandaloneSandbox::start(&[]).giving_up_quickly();
    let logs = TempDir::new("deb-logs");
    // A release build runs on the machine's clock and cannot be given the test's instant,
    // which the sandbox runs on; decision support's signed calls are dated, so the doctor
    // of the installed app is asked without them (the debug build's tests cover them).
    let mut profile = arbeidsflate_core::Profile::parse(&std::fs::read_to_string(&sb.profile).unwrap()).unwrap();
    profile.decision_support.clear();
    let undated = logs.path().join("profile.toml");
    std::fs::write(&undated, profile.to_toml()).unwrap();
    let out = Command::new(&app)
        .args(["doctor", "--json", "--profile"])
        .arg(&undated)
        .env("ARBEIDSFLATE_LOG_DIR", logs.path())
        .env("ARBEIDSFLATE_DATA_DIR", logs.path().join("data"))
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["ok"], true, "{report:#}");
}
