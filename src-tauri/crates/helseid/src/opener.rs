//! How the authorization URL reaches a browser. The app uses the system browser;
//! tests and the headless CLI swap in other openers.

use crate::HelseIdError;
use std::future::Future;
use std::pin::Pin;

pub type OpenFuture<'a> = Pin<Box<dyn Future<Output = Result<(), HelseIdError>> + Send + 'a>>;

pub trait UrlOpener: Send + Sync {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a>;
}

/// Opens the URL in the user's default browser (`xdg-open`, `open`, or `start`).
pub struct SystemBrowser;

impl UrlOpener for SystemBrowser {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            #[cfg(target_os = "linux")]
            let mut cmd = std::process::Command::new("xdg-open");
            #[cfg(target_os = "macos")]
            let mut cmd = std::process::Command::new("open");
            #[cfg(target_os = "windows")]
            let mut cmd = {
                let mut c = std::process::Command::new("rundll32");
                c.arg("url.dll,FileProtocolHandler");
                c
            };
            cmd.arg(url)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            cmd.spawn().map(|_| ()).map_err(|e| HelseIdError::Browser(e.to_string()))
        })
    }
}

/// Writes the URL to a file instead of opening it: an end-to-end test stands in
/// for the browser by reading the file.
pub struct WriteToFile(pub std::path::PathBuf);

impl UrlOpener for WriteToFile {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            let tmp = self.0.with_extension("tmp");
            std::fs::write(&tmp, url)
                .and_then(|_| std::fs::rename(&tmp, &self.0))
                .map_err(|e| HelseIdError::Browser(e.to_string()))
        })
    }
}

/// Follows the authorization URL's redirects over HTTP, as a browser would when the
/// IdP needs no interaction (HelseID's test IdP shortcut). For test profiles only.
pub struct FollowRedirects(pub reqwest::Client);

impl UrlOpener for FollowRedirects {
    fn open<'a>(&'a self, url: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            let resp = self.0.get(url).send().await?;
            if !resp.status().is_success() {
                return Err(HelseIdError::Browser(format!("the login page answered {}", resp.status())));
            }
            Ok(())
        })
    }
}
