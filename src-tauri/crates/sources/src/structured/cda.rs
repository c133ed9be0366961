//! HL7 CDA: the document's title and each section's narrative block (`section/text`)
//! as HTML. Only the narrative is shown: the header (patient, author, custodian) is
//! what the app's own banner shows from trusted sources, and the coded entries are
//! what the narrative says in words. Links, multimedia and footnote references are
//! dropped; their text stays.

use super::html::Html;
use super::tree::{Element, Node};
use super::{section, StructuredDocument};
use arbeidsflate_model::overview::DocumentFormat;

pub fn render(root: &Element) -> StructuredDocument {
    let title = root.child("title").map(Element::text).filter(|t| !t.is_empty());
    let sections = root
        .descendants()
        .into_iter()
        .filter(|e| e.name == "section")
        .filter_map(|s| {
            let mut html = Html::default();
            if let Some(text) = s.child("text") {
                narrative(text, &mut html);
            }
            section(s.child("title").map(Element::text), html)
        })
        .collect();
    StructuredDocument { format: DocumentFormat::Cda, title, sections }
}

fn narrative(e: &Element, out: &mut Html) {
    for node in &e.children {
        match node {
            Node::Text(t) => out.text(t),
            Node::Element(child) => element(child, &e.name, out),
        }
    }
}

fn element(e: &Element, parent: &str, out: &mut Html) {
    match e.name.as_str() {
        "paragraph" => out.wrap("p", |o| narrative(e, o)),
        "content" => out.wrap_all(&emphasis(e.attr("styleCode").unwrap_or("")), |o| narrative(e, o)),
        "list" => out.wrap(if e.attr("listType") == Some("ordered") { "ol" } else { "ul" }, |o| narrative(e, o)),
        "item" => out.wrap("li", |o| narrative(e, o)),
        "caption" if parent == "table" => out.wrap("caption", |o| narrative(e, o)),
        "caption" => out.wrap("strong", |o| narrative(e, o)),
        "table" | "thead" | "tbody" | "tfoot" | "tr" | "th" | "td" | "sub" | "sup" => {
            out.wrap(&e.name, |o| narrative(e, o))
        }
        "br" => out.line_break(),
        // Nothing to show, or nothing safe to show.
        "footnoteRef" | "renderMultiMedia" | "col" | "colgroup" | "script" | "style" => {}
        // linkHtml, footnote and anything unknown: their text, without them.
        _ => narrative(e, out),
    }
}

/// The emphasis a `styleCode` asks for; it can carry meaning ("Bold" on a warning).
fn emphasis(style: &str) -> Vec<&'static str> {
    let mut tags = Vec::new();
    for code in style.split_whitespace() {
        match code {
            "Bold" => tags.push("strong"),
            "Italics" => tags.push("em"),
            "Underline" => tags.push("u"),
            _ => {}
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structured::tree::parse;

    const EPIKRISE: &str = r#"<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>Epikrise</title>
        <recordTarget><patientRole><id extension="01817012345"/><patient><name>Skjult Navn</name></patient></patientRole></recordTarget>
        <component><structuredBody><component><section><title>Funn</title><text>
        <paragraph>Stabil &amp; <content styleCode="Bold Italics">bedre</content> i dag.</paragraph>
        <list listType="ordered"><item>Kontroll om 2 uker</item><item>Blodprøver</item></list>
        <table><caption>Prøver</caption><thead><tr><th>Prøve</th><th>Svar</th></tr></thead><tbody><tr><td>Hb</td><td>13,2</td></tr></tbody></table>
        <script>alert(1)</script><paragraph onclick="x()" style="color:red">&lt;img src=x onerror=alert(1)&gt;</paragraph>
        <linkHtml href="javascript:alert(2)">lenke</linkHtml><renderMultiMedia referencedObject="bilde"/>
        </text><component><section><title>Undersnitt</title><text>Indre tekst</text></section></component>
        </section></component></structuredBody></component></ClinicalDocument>"#;

    #[test]
    fn the_narrative_keeps_its_structure_and_emphasis_and_nothing_active() {
        let doc = render(&parse(EPIKRISE.as_bytes()).unwrap());
        assert_eq!(doc.title.as_deref(), Some("Epikrise"));
        let titles: Vec<_> = doc.sections.iter().map(|s| s.title.as_deref()).collect();
        assert_eq!(titles, [Some("Funn"), Some("Undersnitt")], "nested sections are their own");
        let html = &doc.sections[0].html;
        for wanted in [
            "<p>Stabil &amp; <strong><em>bedre</em></strong> i dag.</p>",
            "<ol><li>Kontroll om 2 uker</li><li>Blodprøver</li></ol>",
            "<caption>Prøver</caption>",
            "<th>Prøve</th>",
            "<td>13,2</td>",
            "&lt;img src=x onerror=alert(1)&gt;",
            "lenke",
        ] {
            assert!(html.contains(wanted), "{wanted} missing from {html}");
        }
        for bad in
            ["<script", "alert(1)</", "onclick", "style=", "javascript", "href", "Skjult", "01817012345", "Indre"]
        {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert_eq!(doc.sections[1].html, "Indre tekst");
    }

    #[test]
    fn sections_without_words_are_left_out() {
        let xml = br#"<ClinicalDocument><title>T</title><component><structuredBody>
            <component><section><text>  </text></section></component>
            <component><section><title>Med innhold</title><text><paragraph>Tekst</paragraph></text></section></component>
            </structuredBody></component></ClinicalDocument>"#;
        let doc = render(&parse(xml).unwrap());
        assert_eq!(doc.sections.len(), 1);
        assert_eq!(doc.sections[0].title.as_deref(), Some("Med innhold"));
    }
}
