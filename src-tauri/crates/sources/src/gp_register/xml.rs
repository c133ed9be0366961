//! A strict, namespace-aware element tree for SOAP answers. Strict because the answer
//! decides who a nurse calls at night: a document type declaration is refused (so no
//! entity is ever defined, let alone expanded: no XML bomb, no external entity), an
//! entity that is not one of XML's five or a character reference is an error, and a
//! document that ends early or nests absurdly is an error, never a partial tree.

use crate::SourceError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// No SOAP answer of this service nests deeper than about 12.
const MAX_DEPTH: usize = 64;
/// A patient's answer has a few hundred elements at most.
const MAX_ELEMENTS: usize = 20_000;

pub const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct XmlElement {
    /// The namespace the element is in ("" for none).
    pub ns: String,
    pub name: String,
    /// `xsi:nil="true"`: present, and explicitly without a value.
    pub nil: bool,
    pub text: String,
    pub children: Vec<XmlElement>,
}

impl XmlElement {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The first child with this namespace and name that is not nil.
    pub fn child(&self, ns: &str, name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.is(ns, name) && !c.nil)
    }

    pub fn children<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a XmlElement> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name) && !c.nil)
    }

    /// A child's text, trimmed; `None` when it is absent, nil or empty.
    pub fn text_of(&self, ns: &str, name: &str) -> Option<&str> {
        self.child(ns, name).map(|c| c.text.trim()).filter(|t| !t.is_empty())
    }

    /// `{ns}name`, for errors.
    pub fn qualified(&self) -> String {
        format!("{{{}}}{}", self.ns, self.name)
    }
}

/// The document's root element.
pub fn parse(bytes: &[u8]) -> Result<XmlElement, SourceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| SourceError::Malformed("the XML is not valid UTF-8".into()))?;
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut root: Option<XmlElement> = None;
    let mut count = 0usize;
    loop {
        let (resolved, event) =
            reader.read_resolved_event().map_err(|e| SourceError::Malformed(format!("not XML: {e}")))?;
        let ns = namespace(resolved)?;
        match event {
            Event::DocType(_) => {
                return Err(SourceError::Malformed(
                    "a document type declaration is refused (entities are never expanded)".into(),
                ))
            }
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(SourceError::Malformed("content after the root element".into()));
            }
            Event::Start(start) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(SourceError::Malformed("the XML nests too deeply or is too large".into()));
                }
                stack.push(element(&reader, ns, &start)?);
            }
            Event::Empty(start) => {
                count += 1;
                let e = element(&reader, ns, &start)?;
                close(&mut stack, &mut root, e);
            }
            Event::End(_) => {
                let done =
                    stack.pop().ok_or_else(|| SourceError::Malformed("an element closes that never opened".into()))?;
                close(&mut stack, &mut root, done);
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content())?,
            Event::CData(t) => push_text(&mut stack, &t.into_inner())?,
            Event::GeneralRef(r) => {
                push_text(&mut stack, &resolve_entity(r.as_ref())?)?;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(SourceError::Malformed("the XML ends before its elements do".into()));
    }
    root.ok_or_else(|| SourceError::Malformed("no XML element in the answer".into()))
}

fn namespace(resolved: ResolveResult<'_>) -> Result<String, SourceError> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(ns.as_ref().to_string()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(SourceError::Malformed(format!("undeclared namespace prefix {prefix}"))),
    }
}

fn element(reader: &NsReader<&[u8]>, ns: String, start: &BytesStart) -> Result<XmlElement, SourceError> {
    let name = start.local_name().as_ref().to_string();
    let mut nil = false;
    for a in start.attributes() {
        let a = a.map_err(|e| SourceError::Malformed(format!("unreadable attribute: {e}")))?;
        let (attr_ns, local) = reader.resolver().resolve_attribute(a.key);
        let in_xsi = matches!(attr_ns, ResolveResult::Bound(n) if n.as_ref() == NS_XSI);
        if in_xsi && local.as_ref() == "nil" {
            nil = a.value.as_ref() == "true";
        }
    }
    Ok(XmlElement { ns, name, nil, ..XmlElement::default() })
}

fn close(stack: &mut [XmlElement], root: &mut Option<XmlElement>, done: XmlElement) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None => *root = Some(done),
    }
}

fn push_text(stack: &mut [XmlElement], text: &str) -> Result<(), SourceError> {
    match stack.last_mut() {
        Some(parent) => parent.text.push_str(text),
        // Whitespace around the root is allowed; anything else is not XML.
        None if text.trim().is_empty() => {}
        None => return Err(SourceError::Malformed("text outside the root element".into())),
    }
    Ok(())
}

/// Character references and XML's five predefined entities. Anything else could only
/// be defined by a DTD, which is refused, so it is an error here.
fn resolve_entity(name: &str) -> Result<String, SourceError> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse().ok(),
        };
        return code
            .and_then(char::from_u32)
            .map(String::from)
            .ok_or_else(|| SourceError::Malformed(format!("an invalid character reference &{name};")));
    }
    quick_xml::escape::resolve_predefined_entity(name)
        .map(str::to_string)
        .ok_or_else(|| SourceError::Malformed(format!("an undefined entity &{name}; (entities are never expanded)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_nil_text_and_references_are_read() {
        let root = parse(
            br#"<?xml version="1.0"?><a xmlns="urn:a" xmlns:b="urn:b" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
                <b:c>x &amp; &#x41;<![CDATA[<y>]]></b:c><d i:nil="true"/><e xmlns="urn:e"><f/></e></a>"#,
        )
        .unwrap();
        assert!(root.is("urn:a", "a"));
        assert_eq!(root.text_of("urn:b", "c"), Some("x & A<y>"));
        assert!(root.children.iter().any(|c| c.is("urn:a", "d") && c.nil));
        assert_eq!(root.child("urn:a", "d"), None, "a nil element is not a value");
        assert!(root.child("urn:e", "e").unwrap().child("urn:e", "f").is_some(), "a default namespace is inherited");
    }

    #[test]
    fn a_dtd_is_refused_so_no_entity_is_expanded() {
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><a>&lol2;</a>"#;
        let err = parse(bomb).unwrap_err().to_string();
        assert!(err.contains("document type declaration"), "{err}");
        let external = br#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        assert!(parse(external).unwrap_err().to_string().contains("document type declaration"));
        // Without a DTD an entity cannot be defined: a reference to one is an error too.
        assert!(parse(b"<a>&x;</a>").unwrap_err().to_string().contains("undefined entity"));
    }

    #[test]
    fn truncated_or_broken_xml_is_an_error_not_a_partial_tree() {
        for bad in [&b"<a><b>1</b>"[..], b"<a><b>1</a>", b"", b"just text", b"<a/><b/>", b"<x:a/>"] {
            assert!(matches!(parse(bad), Err(SourceError::Malformed(_))), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).unwrap_err().to_string().contains("too deeply"));
    }
}
