//! What update tests need besides the app: key pairs and signatures from Tauri's own
//! signer (`tauri signer`, from the UI's npm packages), a feed in Tauri's format, and an
//! internal HTTPS update server with its own certificate authority (openssl, which this
//! project did not write).

use crate::{free_port, wait_for_port, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A throwaway minisign key pair from `tauri signer generate`, never committed.
pub struct Signer {
    dir: TempDir,
    pub public_key: String,
}

impl Signer {
    pub fn generate() -> Self {
        let dir = TempDir::new("update-key");
        let key = dir.path().join("update.key");
        run_tauri_cli(&["signer", "generate", "--ci", "-p", "", "-w", key.to_str().unwrap()]);
        let public_key = std::fs::read_to_string(dir.path().join("update.key.pub")).unwrap().trim().to_string();
        Self { dir, public_key }
    }

    /// The private key's file (no password), for tools that sign with it.
    pub fn key_path(&self) -> PathBuf {
        self.dir.path().join("update.key")
    }

    /// `tauri signer sign --app-version`: the signature binds the artifact to `version`.
    pub fn sign(&self, artifact: &[u8], version: &str) -> String {
        let file = self.dir.path().join(format!("artifact-{version}"));
        std::fs::write(&file, artifact).unwrap();
        let key = self.dir.path().join("update.key");
        run_tauri_cli(&[
            "signer",
            "sign",
            "-f",
            key.to_str().unwrap(),
            "-p",
            "",
            "--app-version",
            version,
            file.to_str().unwrap(),
        ]);
        std::fs::read_to_string(file.with_file_name(format!("artifact-{version}.sig"))).unwrap().trim().to_string()
    }
}

fn run_tauri_cli(args: &[&str]) {
    let cli = repo_root().join("ui/node_modules/.bin/tauri");
    assert!(cli.exists(), "the Tauri CLI is missing: run `npm ci` in ui/");
    let out = Command::new(&cli).args(args).env("CI", "true").output().unwrap();
    assert!(out.status.success(), "tauri {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The platform key Tauri's updater looks for on this machine.
pub fn platform_key() -> String {
    let os = if cfg!(target_os = "macos") { "darwin" } else { std::env::consts::OS };
    format!("{os}-{}", std::env::consts::ARCH)
}

/// A static update feed (Tauri's manifest) offering `version` at `url`.
pub fn manifest(version: &str, url: &str, signature: &str) -> String {
    serde_json::json!({
        "version": version,
        "notes": "Synthetic release notes",
        "pub_date": "2026-11-30T08:00:00Z",
        "platforms": { platform_key(): { "url": url, "signature": signature } }
    })
    .to_string()
}

/// One minor version up from `current`: what a real next release would be.
pub fn next_version(current: &str) -> String {
    let mut parts = current.split('.').map(|p| p.parse::<u64>().unwrap());
    let (major, minor) = (parts.next().unwrap(), parts.next().unwrap());
    format!("{major}.{}.0", minor + 1)
}

/// An HTTPS server on loopback serving the files of its folder (`openssl s_server -WWW`),
/// with a throwaway certificate authority (`ca.pem`) that nothing trusts by default.
pub struct InternalServer {
    child: Child,
    pub port: u16,
    dir: TempDir,
    scheme: &'static str,
}

impl InternalServer {
    pub fn start() -> Self {
        let dir = TempDir::new("update-server");
        make_ca(dir.path());
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-WWW", "-cert", "server.pem", "-key", "server.key"])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        assert!(wait_for_port(port, Duration::from_secs(10)), "openssl s_server did not start");
        Self { child, port, dir, scheme: "https" }
    }

    /// The same over plain HTTP (Python's `http.server`), for a client that cannot be
    /// given the test CA: an update's signature, not its transport, is what protects it.
    pub fn start_plain() -> Self {
        let dir = TempDir::new("update-server");
        let port = free_port();
        let child = Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        assert!(wait_for_port(port, Duration::from_secs(10)), "python3 -m http.server did not start");
        Self { child, port, dir, scheme: "http" }
    }

    pub fn url(&self, file: &str) -> String {
        format!("{}://127.0.0.1:{}/{file}", self.scheme, self.port)
    }

    /// Where the served files are, as `make feed`'s FEED_URL.
    pub fn base_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    /// The certificate authority that signed the server's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The folder it serves.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn put(&self, file: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(file), bytes).unwrap();
    }
}

impl Drop for InternalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it.
fn make_ca(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ca = "/CN=Synthetic Health Network Test CA";
    openssl(&[
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", ca, "-keyout", "ca.key", "-out",
        "ca.pem",
    ]);
    let server = ["-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"];
    openssl(&[&["req", "-newkey", "rsa:2048", "-nodes"][..], &server[..]].concat());
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    ]);
}
