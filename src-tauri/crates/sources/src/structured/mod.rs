//! Structured clinical documents (HL7 CDA, KITH XML, plain text) turned into titled
//! sections of sanitised HTML for the app's own viewer. Each format has its renderer;
//! all of them write through one HTML builder and end in the allowlist sanitiser.

mod cda;
mod html;
mod kith;
mod tree;

use crate::{sanitize, SourceError};
use arbeidsflate_model::overview::{DocumentFormat, DocumentSection};
use html::Html;

#[derive(Debug, Clone, PartialEq)]
pub struct StructuredDocument {
    pub format: DocumentFormat,
    pub title: Option<String>,
    pub sections: Vec<DocumentSection>,
}

/// The document as sections, or an error if it is not a format the app can show.
pub fn render(bytes: &[u8]) -> Result<StructuredDocument, SourceError> {
    match sanitize::sniff(bytes) {
        sanitize::SniffedType::Xml => {
            let root = tree::parse(bytes)?;
            if root.name == "ClinicalDocument" {
                Ok(cda::render(&root))
            } else if root.namespaces().any(|ns| ns.contains("kith.no/xmlstds")) {
                Ok(kith::render(&root))
            } else {
                Err(SourceError::Malformed(format!("an XML document of a kind the app cannot show ({})", root.name)))
            }
        }
        sanitize::SniffedType::Text => Ok(plain_text(&String::from_utf8_lossy(bytes))),
        _ => Err(SourceError::Malformed("the document is neither structured nor text".into())),
    }
}

/// Paragraphs at blank lines, line breaks kept.
fn plain_text(text: &str) -> StructuredDocument {
    let mut html = Html::default();
    for paragraph in text.replace("\r\n", "\n").split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.wrap("p", |h| {
            for (i, line) in paragraph.trim().lines().enumerate() {
                if i > 0 {
                    h.line_break();
                }
                h.text(line);
            }
        });
    }
    StructuredDocument {
        format: DocumentFormat::Text,
        title: None,
        sections: section(None, html).into_iter().collect(),
    }
}

/// A section worth showing: one with words, or a heading over sub-sections.
fn section(title: Option<String>, html: Html) -> Option<DocumentSection> {
    let title = title.map(|t| sanitize::text(&t)).filter(|t| !t.is_empty());
    (html.has_text() || title.is_some()).then(|| DocumentSection { title, html: html.finish() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_goes_to_its_renderer_and_others_are_refused() {
        let cda = render(b"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>T</title></ClinicalDocument>").unwrap();
        assert_eq!(cda.format, DocumentFormat::Cda);
        let kith = render(b"<Message xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\"/>").unwrap();
        assert_eq!(kith.format, DocumentFormat::Kith);
        let text = render(b"Linje en\nlinje to\n\nAndre <avsnitt>").unwrap();
        assert_eq!(text.format, DocumentFormat::Text);
        assert_eq!(text.sections[0].html, "<p>Linje en<br>linje to</p><p>Andre &lt;avsnitt&gt;</p>");
        for refused in [&b"<html><body>hei</body></html>"[..], b"%PDF-1.4", b"\xff\xfe\x00", b"<ClinicalDocument>"] {
            assert!(render(refused).is_err(), "{}", String::from_utf8_lossy(refused));
        }
    }
}
