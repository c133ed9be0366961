//! Helpers for the cross-crate tests: where the app binary is, a tauri-driver
//! process, and a stand-in for the system browser during sign-in.

pub mod browser;
pub mod page;
pub mod smart;
pub mod updates;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The instant the app under test lives at: `ARBEIDSFLATE_TEST_NOW` when set, else the
/// suite's fixed one. The app (a debug build) starts its clock there through
/// `ARBEIDSFLATE_NOW` and runs on, so its sandbox's world is that day's.
pub fn app_now() -> String {
    clock::matrix::test_now().to_rfc3339()
}

/// The world the app's built-in sandbox makes at [`app_now`].
pub fn sandbox_world() -> sandbox::world::World {
    sandbox::world::generate(Default::default(), clock::clinical_day(clock::matrix::test_now()))
}

/// The app binary as a command, living at [`app_now`].
pub fn app_command() -> Command {
    let mut command = Command::new(app_binary());
    command.env("ARBEIDSFLATE_NOW", app_now());
    command
}

/// The app binary built with `--features custom-protocol` (the Makefile builds it
/// before the tests run). `ARBEIDSFLATE_BIN` overrides.
pub fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("ARBEIDSFLATE_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/<test> → target/<profile>/arbeidsflate
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target directory");
    let bin = dir.join(if cfg!(windows) { "arbeidsflate.exe" } else { "arbeidsflate" });
    assert!(bin.exists(), "{} is missing: build it first (make test does)", bin.display());
    bin
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        // Unique per process and per call (no clock needed for that).
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("arbeidsflate-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `tauri-driver` on a free port, killed on drop.
pub struct TauriDriver {
    child: Child,
    pub port: u16,
}

impl TauriDriver {
    /// Starts tauri-driver; `env` is passed on to the app it launches.
    pub fn start(env: &[(&str, &Path)]) -> Self {
        assert!(
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
            "no display: run the window tests through tests/desktop-session.sh (make test does)"
        );
        let port = free_port();
        let native = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("tauri-driver on PATH (cargo install tauri-driver --version ^2 --locked)");
        assert!(wait_for_port(port, Duration::from_secs(10)), "tauri-driver did not start");
        Self { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// rustls needs one process-wide crypto provider; the project uses ring.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn http() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Stands in for the system browser: reads the authorization URL the app wrote,
/// opens the sandbox's login page, picks the clinician and follows the redirect
/// back to the app's loopback listener, as a person's browser would.
pub async fn complete_browser_sign_in(url_file: &Path, clinician_name: &str) -> Result<(), String> {
    let start = Instant::now();
    let authorize = loop {
        if let Ok(u) = std::fs::read_to_string(url_file) {
            break u;
        }
        if start.elapsed() > Duration::from_secs(20) {
            return Err("the app never opened the sign-in page".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let http = http();
    let page = http.get(&authorize).send().await.map_err(|e| e.to_string())?.text().await.map_err(|e| e.to_string())?;
    let request_uri =
        attribute_after(&page, "name=\"request_uri\" value=\"").ok_or("no request_uri on the login page")?;
    let button = page
        .split("<button")
        .find(|b| b.contains(clinician_name))
        .ok_or_else(|| format!("{clinician_name} is not on the login page"))?;
    let pid = attribute_after(button, "value=\"").ok_or("no pid on the button")?;
    let origin = url::Url::parse(&authorize).map_err(|e| e.to_string())?;
    let login = origin.join("/connect/authorize/login").map_err(|e| e.to_string())?;
    let resp = http
        .post(login)
        .form(&[("request_uri", request_uri.as_str()), ("pid", pid.as_str())])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let callback = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("the login answered {} without a redirect", resp.status()))?
        .to_string();
    let done = http.get(&callback).send().await.map_err(|e| e.to_string())?;
    if !done.status().is_success() {
        return Err(format!("the app's callback answered {}", done.status()));
    }
    Ok(())
}

fn attribute_after(haystack: &str, marker: &str) -> Option<String> {
    let rest = &haystack[haystack.find(marker)? + marker.len()..];
    Some(rest[..rest.find('"')?].replace("&amp;", "&"))
}

/// Every file under `dir` whose text contains any of `needles` (for "no patient
/// data in logs" checks).
pub fn files_containing(dir: &Path, needles: &[String]) -> Vec<(PathBuf, String)> {
    let mut hits = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return hits };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            hits.extend(files_containing(&path, needles));
        } else if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            for n in needles {
                if !n.is_empty() && text.contains(n.as_str()) {
                    hits.push((path.clone(), n.clone()));
                }
            }
        }
    }
    hits
}

/// The app's window through tauri-driver, with its own sign-in URL file, data and log
/// folders (and any further environment, e.g. a profile).
pub struct AppWindow {
    pub client: fantoccini::Client,
    pub url_file: PathBuf,
    pub logs: PathBuf,
    driver: TauriDriver,
    _tmp: TempDir,
}

impl AppWindow {
    pub async fn open(env: &[(&str, &Path)]) -> Self {
        let tmp = TempDir::new("e2e");
        let url_file = tmp.path().join("authorize-url");
        let logs = tmp.path().join("logs");
        let data = tmp.path().join("data");
        let open_with = PathBuf::from(format!("file:{}", url_file.display()));
        let now = PathBuf::from(app_now());
        let mut all: Vec<(&str, &Path)> = vec![
            ("ARBEIDSFLATE_NOW", now.as_path()),
            ("ARBEIDSFLATE_OPEN_URL_WITH", open_with.as_path()),
            ("ARBEIDSFLATE_LOG_DIR", logs.as_path()),
            ("ARBEIDSFLATE_DATA_DIR", data.as_path()),
        ];
        all.extend_from_slice(env);
        let driver = TauriDriver::start(&all);
        install_crypto();
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), serde_json::json!("wry"));
        caps.insert("tauri:options".into(), serde_json::json!({"application": app_binary()}));
        let client = fantoccini::ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .expect("WebDriver session");
        Self { client, url_file, logs, driver, _tmp: tmp }
    }

    /// Ends the WebDriver session and the driver (so the app); the folders stay until the
    /// returned guard drops, for a look at the logs.
    pub async fn close(self) -> TempDir {
        self.client.close().await.expect("end the WebDriver session");
        drop(self.driver);
        self._tmp
    }
}

/// `arbeidsflate sandbox --write-profile`: the built binary serving a sandbox, and the
/// profile it wrote pointing at it. Killed on drop.
pub struct StandaloneSandbox {
    child: Child,
    pub profile: PathBuf,
    /// Kept open: the sandbox must not find its stdout closed.
    _stdout: BufReader<ChildStdout>,
    _dir: TempDir,
}

impl StandaloneSandbox {
    /// `extra` goes to `arbeidsflate sandbox` (e.g. `--bad-record nameless`).
    pub fn start(extra: &[&str]) -> Self {
        let dir = TempDir::new("standalone-sandbox");
        let profile = dir.path().join("sandbox.toml");
        let mut child = app_command()
            .args(["sandbox", "--write-profile", profile.to_str().unwrap()])
            .args(extra)
            .env("ARBEIDSFLATE_LOG_DIR", dir.path().join("logs"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the standalone sandbox");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let start = Instant::now();
        loop {
            assert!(start.elapsed() < Duration::from_secs(60), "the sandbox did not start in time");
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "the sandbox exited early");
            if line.starts_with("Serving") {
                break;
            }
        }
        assert!(profile.exists(), "the sandbox wrote no profile");
        Self { child, profile, _stdout: stdout, _dir: dir }
    }

    /// The profile's requests give up after 3 s and a patient-view source after 5 s, so
    /// the app sees a suspended sandbox (which never answers) as unreachable quickly.
    pub fn giving_up_quickly(self) -> Self {
        let text = std::fs::read_to_string(&self.profile).expect("the written profile");
        let shortened = text
            .replace("request_timeout_seconds = 20", "request_timeout_seconds = 3")
            .replace("source_deadline_seconds = 15", "source_deadline_seconds = 5");
        assert_ne!(shortened, text, "the profile's [session] timeouts were not found");
        std::fs::write(&self.profile, shortened).unwrap();
        self
    }

    /// Stops the sandbox; its profile stays, pointing at nothing.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The network goes: the process is suspended and answers nothing.
    pub fn disconnect(&self) {
        self.signal("-STOP");
    }

    /// The network comes back: the same process, keys and tokens.
    pub fn reconnect(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill").args([sig, &self.child.id().to_string()]).status().expect("kill").success();
        assert!(ok, "kill {sig} failed");
    }
}

impl Drop for StandaloneSandbox {
    fn drop(&mut self) {
        // SIGKILL ends a suspended process too.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command's JSON on stdout; the command must have succeeded.
pub fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Every file under `dir`, at any depth.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Nothing readable on disk: no worklist patient's name or national identity number,
/// no SQLite header.
pub fn assert_nothing_in_clear(data_dir: &Path, entries: &[serde_json::Value]) {
    let mut needles: Vec<Vec<u8>> = vec![b"SQLite format 3".to_vec()];
    for e in entries {
        needles.push(e["national_id"].as_str().unwrap().replace(' ', "").into_bytes());
        needles.push(e["name"].as_str().unwrap().as_bytes().to_vec());
    }
    let files = files_under(data_dir);
    assert!(files.iter().any(|f| f.ends_with("cache.db")), "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for needle in &needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{} holds {:?} in clear",
                file.display(),
                String::from_utf8_lossy(needle)
            );
        }
    }
}

/// Writes this app made: Observations carrying a client id (a `urn:uuid:` identifier).
pub fn observations_written_here(sb: &sandbox::Sandbox) -> Vec<serde_json::Value> {
    sb.fhir_resources()
        .into_iter()
        .filter(|r| r["resourceType"] == "Observation")
        .filter(|r| {
            r["identifier"].as_array().into_iter().flatten().any(|i| {
                i["system"] == "urn:ietf:rfc:3986" && i["value"].as_str().is_some_and(|v| v.starts_with("urn:uuid:"))
            })
        })
        .collect()
}
