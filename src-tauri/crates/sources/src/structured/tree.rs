//! A small element tree over quick-xml, for documents small enough to hold (they
//! arrive size-limited): renderers walk it instead of juggling a stream. Names are
//! local (namespace prefixes dropped); namespace declarations are kept as attributes
//! so a renderer can tell a format by its namespace.

use crate::SourceError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper nesting than this is refused: no real document needs it, and the
/// renderers recurse.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    pub name: String,
    /// (qualified name, value); `xmlns` and `xmlns:x` declarations included.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    /// An attribute by its local name.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k.rsplit(':').next() == Some(local) && !k.starts_with("xmlns"))
            .map(|(_, v)| v.as_str())
    }

    /// Every namespace this element declares.
    pub fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.attributes.iter().filter(|(k, _)| k == "xmlns" || k.starts_with("xmlns:")).map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// Every element below this one, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.elements().collect::<Vec<_>>().into_iter().rev().collect();
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.elements().collect::<Vec<_>>().into_iter().rev());
        }
        out
    }

    /// All text below this element, whitespace collapsed.
    pub fn text(&self) -> String {
        let mut raw = String::new();
        collect_text(self, &mut raw);
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn collect_text(e: &Element, into: &mut String) {
    for n in &e.children {
        match n {
            Node::Text(t) => into.push_str(t),
            Node::Element(child) => {
                into.push(' ');
                collect_text(child, into);
            }
        }
    }
}

/// The document's root element. XML that does not parse, ends early or nests too
/// deeply is an error, never a partial tree.
pub fn parse(bytes: &[u8]) -> Result<Element, SourceError> {
    let decoded = decode(bytes)?;
    let mut reader = Reader::from_str(&decoded);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let event = reader.read_event().map_err(|e| SourceError::Malformed(format!("not XML: {e}")))?;
        match event {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err(SourceError::Malformed("the XML nests too deeply".into()));
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                let e = element(&start)?;
                push(&mut stack, Node::Element(e));
            }
            Event::End(_) => {
                let done = stack.pop().filter(|_| !stack.is_empty());
                let done = done.ok_or_else(|| SourceError::Malformed("an element closes that never opened".into()))?;
                push(&mut stack, Node::Element(done));
            }
            Event::Text(t) => {
                push_text(&mut stack, &t.xml10_content());
            }
            Event::CData(t) => push_text(&mut stack, &t.into_inner()),
            Event::GeneralRef(r) => {
                push_text(&mut stack, &resolve_entity(&r.into_inner()));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().filter(|_| stack.is_empty());
    let root = document
        .as_mut()
        .and_then(|d| d.children.drain(..).find_map(|n| if let Node::Element(e) = n { Some(e) } else { None }));
    root.ok_or_else(|| SourceError::Malformed("the XML ends before its elements do".into()))
}

fn element(start: &BytesStart) -> Result<Element, SourceError> {
    let name = start.local_name().as_ref().to_string();
    let mut attributes = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| SourceError::Malformed(format!("unreadable attribute: {e}")))?;
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| SourceError::Malformed(format!("unreadable attribute: {e}")))?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element { name, attributes, children: Vec::new() })
}

fn push(stack: &mut [Element], node: Node) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(node);
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(parent) = stack.last_mut() {
        match parent.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => parent.children.push(Node::Text(text.to_string())),
        }
    }
}

/// Character references and the five predefined entities; anything else (a DTD's
/// own entities) becomes nothing rather than being expanded.
fn resolve_entity(name: &str) -> String {
    match name.strip_prefix('#') {
        Some(num) => {
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            code.and_then(char::from_u32).map(String::from).unwrap_or_default()
        }
        None => quick_xml::escape::resolve_predefined_entity(name).unwrap_or_default().to_string(),
    }
}

/// The bytes as text. Older KITH messages are ISO-8859-1 (or its Windows superset),
/// declared in the XML declaration; everything else must be UTF-8.
fn decode(bytes: &[u8]) -> Result<String, SourceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    let declared = head
        .split("encoding=")
        .nth(1)
        .and_then(|rest| rest.trim_start_matches(['"', '\'']).split(['"', '\'']).next())
        .unwrap_or("utf-8")
        .to_string();
    match declared.as_str() {
        "iso-8859-1" | "latin1" | "iso-8859-15" | "windows-1252" => Ok(bytes.iter().map(|&b| b as char).collect()),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| SourceError::Malformed("the XML is not valid UTF-8".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_attributes_text_and_entities_are_read() {
        let root = parse(br#"<?xml version="1.0"?><a xmlns="urn:x" xmlns:k="urn:k"><k:b V="1" k:DN="Navn">x &amp; &#x263A;<![CDATA[<c>]]></k:b><d/></a>"#).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.namespaces().collect::<Vec<_>>(), ["urn:x", "urn:k"]);
        let b = root.child("b").unwrap();
        assert_eq!((b.attr("V"), b.attr("DN")), (Some("1"), Some("Navn")));
        assert_eq!(b.text(), "x & \u{263A}<c>");
        assert_eq!(root.descendants().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["b", "d"]);
    }

    #[test]
    fn latin1_declared_documents_are_decoded() {
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>bl".to_vec();
        bytes.push(0xE5); // å
        bytes.extend_from_slice(b"b\xE6r</a>");
        assert_eq!(parse(&bytes).unwrap().text(), "blåbær");
        assert!(parse(b"<a>bl\xE5</a>").is_err(), "undeclared non-UTF-8 is refused");
    }

    #[test]
    fn broken_or_abusive_xml_is_an_error() {
        for bad in [&b"<a><b></a>"[..], b"<a>half", b"", b"%PDF-1.4", b"</a>"] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 5), "</a>".repeat(MAX_DEPTH + 5));
        assert!(parse(deep.as_bytes()).is_err());
        let with_dtd = parse(b"<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;ok</a>").unwrap();
        assert_eq!(with_dtd.text(), "ok", "a DTD's entities are not expanded");
    }
}
