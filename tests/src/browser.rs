//! A web browser for pages that are not the workspace's own (another supplier's app):
//! WebKitGTK's MiniBrowser driven by WebKitWebDriver, the same engine as the app's
//! window on Linux. Killed on drop.

use crate::{free_port, wait_for_port};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
}

impl Browser {
    pub async fn open() -> Self {
        assert!(std::env::var_os("DISPLAY").is_some(), "no display: run through tests/desktop-session.sh");
        let port = free_port();
        let driver = Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("WebKitWebDriver (Debian's webkit2gtk-driver)");
        assert!(wait_for_port(port, Duration::from_secs(10)), "WebKitWebDriver did not start");
        crate::install_crypto();
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), serde_json::json!("MiniBrowser"));
        caps.insert(
            "webkitgtk:browserOptions".into(),
            serde_json::json!({"binary": MINIBROWSER, "args": ["--automation"]}),
        );
        let client = fantoccini::ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a MiniBrowser session");
        Self { client, driver }
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
