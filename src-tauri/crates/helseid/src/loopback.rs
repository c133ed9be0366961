//! The loopback redirect receiver (RFC 8252 §7.3): a one-shot HTTP listener on
//! `127.0.0.1` with a random port that waits for `/callback?code=…&state=…&iss=…`.

use crate::HelseIdError;
use std::collections::HashMap;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct LoopbackReceiver {
    listener: TcpListener,
    port: u16,
}

/// The query parameters the browser brought back.
pub type CallbackParams = HashMap<String, String>;

const DONE_PAGE: &str =
    "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>Arbeidsflate</title></head>\
<body style=\"font-family:sans-serif;margin:3rem\"><h1>Pålogging mottatt</h1>\
<p>Du kan lukke denne fanen og gå tilbake til Arbeidsflate.</p></body></html>";

impl LoopbackReceiver {
    pub async fn bind() -> Result<Self, HelseIdError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| HelseIdError::Config(format!("cannot listen on loopback: {e}")))?;
        let port = listener.local_addr().map_err(|e| HelseIdError::Config(e.to_string()))?.port();
        Ok(Self { listener, port })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Waits for the browser to hit `/callback`; other paths (favicon) get a 404.
    pub async fn wait(self, timeout: Duration) -> Result<CallbackParams, HelseIdError> {
        let work = async {
            loop {
                let Ok((mut stream, _)) = self.listener.accept().await else { continue };
                let mut buf = vec![0u8; 8192];
                let mut read = 0;
                // Read until the end of the request head (or the buffer is full).
                loop {
                    match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf[read..])).await {
                        Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                        Ok(Ok(n)) => {
                            read += n;
                            if buf[..read].windows(4).any(|w| w == b"\r\n\r\n") || read == buf.len() {
                                break;
                            }
                        }
                    }
                }
                let head = String::from_utf8_lossy(&buf[..read]);
                let target = head.lines().next().and_then(|l| l.split(' ').nth(1)).unwrap_or("");
                let Some(query) = target.strip_prefix("/callback") else {
                    let _ = stream
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                    continue;
                };
                let params: CallbackParams =
                    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).into_owned().collect();
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
                     Cache-Control: no-store\r\nConnection: close\r\n\r\n{DONE_PAGE}",
                    DONE_PAGE.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
                return params;
            }
        };
        tokio::time::timeout(timeout, work).await.map_err(|_| HelseIdError::TimedOut(timeout.as_secs()))
    }
}
