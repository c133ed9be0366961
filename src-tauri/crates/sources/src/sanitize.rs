//! Everything a source sends is treated as possibly hostile (NHN asks clients to) and
//! made harmless here, in Rust, before it can reach the UI:
//! - display strings lose control characters and bidirectional overrides (which can
//!   make a name or a dose read differently than it is) and are length-limited;
//! - narrative HTML keeps only structural markup, with no attributes, links, scripts,
//!   styles or event handlers (ammonia, an html5ever-based allowlist sanitiser);
//! - attachment URLs must be https (or http on loopback, for the sandbox): no
//!   `javascript:`, `data:`, `file:`;
//! - a document's declared content type must match what its bytes are.

use std::collections::HashSet;
use std::sync::OnceLock;

// Display strings are cleaned by the model (core cleans what users type with the same
// rule); re-exported so every adapter says `sanitize::text`.
pub(crate) use arbeidsflate_model::text::is_bidi_control;
pub use arbeidsflate_model::text::{clean as text, clean_lines as multiline_text, MAX_TEXT};

/// Narrative XHTML (`text.div`, CDA sections) reduced to structure only.
pub fn narrative_html(input: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let tags: HashSet<&str> = [
                "p",
                "br",
                "div",
                "span",
                "ul",
                "ol",
                "li",
                "b",
                "strong",
                "i",
                "em",
                "u",
                "sub",
                "sup",
                "table",
                "thead",
                "tbody",
                "tr",
                "th",
                "td",
                "caption",
                "tfoot",
                "h1",
                "h2",
                "h3",
                "h4",
                "h5",
                "h6",
                "pre",
                "code",
                "blockquote",
                "dl",
                "dt",
                "dd",
            ]
            .into_iter()
            .collect();
            let mut b = ammonia::Builder::empty();
            b.tags(tags)
                .clean_content_tags(["script", "style"].into_iter().collect())
                .strip_comments(true)
                .link_rel(None);
            b
        })
        .clean(input)
        .to_string()
}

/// An attachment URL the viewer may fetch, or `None` if its scheme is unsafe.
pub fn attachment_url(input: &str) -> Option<String> {
    let url = url::Url::parse(input.trim()).ok()?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Some(url.to_string()),
        "http" if loopback => Some(url.to_string()),
        _ => None,
    }
}

/// What a document's bytes actually are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SniffedType {
    Pdf,
    Xml,
    Text,
    Unknown,
}

pub fn sniff(bytes: &[u8]) -> SniffedType {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let head = &bytes[start..];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.starts_with(b"%PDF-") {
        SniffedType::Pdf
    } else if head.starts_with(b"<?xml") || head.starts_with(b"<ClinicalDocument") || head.starts_with(b"<") {
        SniffedType::Xml
    } else if std::str::from_utf8(bytes).is_ok() {
        SniffedType::Text
    } else {
        SniffedType::Unknown
    }
}

/// Whether the declared MIME type is what the bytes are. A lie means the document is
/// refused, not rendered as whatever it claims to be.
pub fn content_type_matches(declared: &str, bytes: &[u8]) -> bool {
    let declared = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    matches!(
        (declared.as_str(), sniff(bytes)),
        ("application/pdf", SniffedType::Pdf)
            | ("application/xml" | "text/xml" | "application/hl7-v3+xml" | "application/x-kith+xml", SniffedType::Xml)
            | ("text/plain", SniffedType::Text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_links_are_removed_from_narratives() {
        let hostile = r#"<div><p onclick="steal()">Penicillin</p><script>alert(1)</script>
            <img src=x onerror=alert(1)><a href="javascript:alert(1)">klikk</a>
            <style>body{display:none}</style><iframe src="https://evil.example"></iframe>
            <svg><script>alert(2)</script></svg><p style="color:red">ok</p></div>"#;
        let clean = narrative_html(hostile);
        for bad in ["script", "onclick", "onerror", "javascript", "<img", "<a", "style", "iframe", "svg", "alert"] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains("Penicillin") && clean.contains("klikk") && clean.contains("ok"));
    }

    #[test]
    fn only_safe_attachment_urls_pass() {
        assert!(attachment_url("https://api.pjd.test.nhn.no/mhd/iti68/document?id=1").is_some());
        assert!(attachment_url("http://127.0.0.1:4000/doc").is_some());
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "file:///etc/passwd",
            "http://evil.example/x",
            "vbscript:x",
            "not a url",
        ] {
            assert!(attachment_url(bad).is_none(), "{bad} passed");
        }
    }

    #[test]
    fn a_lying_content_type_is_caught() {
        assert!(content_type_matches("application/pdf", b"%PDF-1.7\n..."));
        assert!(!content_type_matches("application/pdf", b"<html><script>alert(1)</script></html>"));
        assert!(content_type_matches("application/xml; charset=utf-8", b"<?xml version=\"1.0\"?><ClinicalDocument/>"));
        assert!(!content_type_matches("text/plain", b"%PDF-1.4"));
        assert!(!content_type_matches("text/html", b"<p>hi</p>"), "HTML documents are never accepted as such");
    }
}
