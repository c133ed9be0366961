//! A structured clinical document (HL7 CDA, or other XML) turned into plain sections
//! and paragraphs. Only text survives: markup, scripts, references and embedded
//! objects are dropped, so nothing in the document can act in the UI.

use crate::{sanitize, SourceError};
use arbeidsflate_model::overview::DocumentSection;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Elements whose text is never shown: scripts and styles smuggled into a narrative,
/// and the CDA header parts that carry identifiers rather than content.
const SKIPPED: [&str; 5] = ["script", "style", "recordTarget", "author", "custodian"];
/// Elements that end a paragraph.
const BLOCKS: [&str; 6] = ["paragraph", "item", "tr", "br", "text", "list"];

/// The document's title and its sections' text. Refuses XML that does not parse.
pub fn sections(bytes: &[u8]) -> Result<(Option<String>, Vec<DocumentSection>), SourceError> {
    let mut reader = Reader::from_reader(bytes);
    let mut title = None;
    let mut sections: Vec<DocumentSection> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut skip_depth: Option<usize> = None;
    // Text since the last block boundary, entities resolved.
    let mut text = String::new();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| SourceError::Malformed(format!("not XML: {e}")))?;
        let shown = skip_depth.is_none();
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if shown && SKIPPED.contains(&name.as_str()) {
                    skip_depth = Some(path.len());
                }
                if name == "section" {
                    sections.push(DocumentSection { title: None, paragraphs: Vec::new() });
                }
                if name == "title" {
                    text.clear();
                }
                path.push(name);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let in_section = path.iter().any(|n| n == "section");
                if name == "title" && shown {
                    let t = collapse(&text);
                    text.clear();
                    match sections.last_mut() {
                        Some(s) if in_section => s.title = Some(t),
                        _ if title.is_none() && !in_section => title = Some(t),
                        _ => {}
                    }
                } else if BLOCKS.contains(&name.as_str()) && in_section {
                    flush(&mut text, &mut sections);
                }
                if skip_depth == Some(path.len()) {
                    skip_depth = None;
                }
            }
            Event::Empty(e) if e.local_name().as_ref() == "br" => flush(&mut text, &mut sections),
            Event::Text(t) if shown => text.push_str(&t.xml10_content()),
            Event::CData(t) if shown => text.push_str(&t.into_inner()),
            Event::GeneralRef(r) if shown => {
                let name = r.into_inner();
                let resolved = match name.strip_prefix('#') {
                    Some(num) => {
                        let code = match num.strip_prefix('x') {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => num.parse().ok(),
                        };
                        code.and_then(char::from_u32).map(String::from)
                    }
                    None => quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string),
                };
                text.push_str(&resolved.unwrap_or_default());
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(SourceError::Malformed("the XML ends before its elements do".into()));
    }
    Ok((title, sections))
}

/// Whitespace collapsed, controls and bidi overrides removed.
fn collapse(text: &str) -> String {
    sanitize::text(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn flush(text: &mut String, sections: &mut [DocumentSection]) {
    let paragraph = collapse(text);
    text.clear();
    if let (false, Some(section)) = (paragraph.is_empty(), sections.last_mut()) {
        section.paragraphs.push(paragraph);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_titles_and_paragraphs_are_read_and_markup_is_dropped() {
        let xml = br#"<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>Epikrise</title>
            <recordTarget><patientRole><id extension="01817012345"/><patient><name>Skjult Navn</name></patient></patientRole></recordTarget>
            <component><structuredBody><component><section><title>Funn</title><text>
            <paragraph>Stabil &amp; <content>bedre</content> i dag.</paragraph><paragraph>Neste kontroll om 2 uker.</paragraph>
            <script>alert(1)</script><paragraph onclick="x()">&lt;img src=x onerror=alert(1)&gt;</paragraph>
            </text></section></component></structuredBody></component></ClinicalDocument>"#;
        let (title, sections) = sections(xml).unwrap();
        assert_eq!(title.as_deref(), Some("Epikrise"));
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].title.as_deref(), Some("Funn"));
        let all = sections[0].paragraphs.join("|");
        assert!(all.contains("Stabil &") && all.contains("bedre") && all.contains("Neste kontroll"), "{all}");
        assert!(!all.contains("alert(1)</script") && !all.contains("Skjult"), "{all}");
        // Escaped markup stays text: the UI shows it as text, never as HTML.
        assert!(sections[0].paragraphs.iter().any(|p| p.contains("<img")), "{all}");
        assert!(!all.contains("alert(1)\u{0}"));
    }

    #[test]
    fn broken_xml_is_an_error_not_a_partial_document() {
        assert!(sections(b"<ClinicalDocument><section><text>half").is_err());
        assert!(sections(b"<a><b></a>").is_err());
        assert!(sections(b"%PDF-1.4").map(|(_, s)| s.is_empty()).unwrap_or(true));
    }
}
