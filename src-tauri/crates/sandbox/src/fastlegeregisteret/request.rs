//! Reading a request as the service's WCF stack would: a SOAP 1.2 envelope (no DTD),
//! the WS-Addressing Action and To headers, and the operation's `patientNin`.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

pub const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const NS_WSA: &str = "http://www.w3.org/2005/08/addressing";
pub const NS_FLR: &str = "http://schemas.nhn.no/reg/flr";
pub const ACTION: &str = "http://schemas.nhn.no/reg/flr/IFlrReadOperations/GetPatientGPDetails";

pub struct SoapRequest {
    pub action: String,
    pub message_id: Option<String>,
    pub patient_nin: Option<String>,
}

/// Why a request gets a fault instead of an answer.
pub enum Refusal {
    /// Not a SOAP 1.2 envelope, or not XML at all.
    NotSoap(String),
    /// A required WS-Addressing header is missing.
    AddressingHeaderRequired(&'static str),
    ActionNotSupported(String),
    /// The operation's own fault, with the register's words.
    Generic(String),
}

pub fn read(body: &[u8]) -> Result<SoapRequest, Refusal> {
    let text = std::str::from_utf8(body).map_err(|_| Refusal::NotSoap("the message is not UTF-8".into()))?;
    let mut reader = NsReader::from_str(text);
    let mut path: Vec<(String, String)> = Vec::new();
    let mut text_of: Vec<((String, String), String)> = Vec::new();
    let mut current = String::new();
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| Refusal::NotSoap(format!("not XML: {e}")))?;
        let ns = match resolved {
            ResolveResult::Bound(n) => n.as_ref().to_string(),
            _ => String::new(),
        };
        match event {
            Event::DocType(_) => return Err(Refusal::NotSoap("DTDs are not allowed".into())),
            Event::Start(e) => {
                if path.is_empty() && (ns != NS_SOAP12 || e.local_name().as_ref() != "Envelope") {
                    return Err(Refusal::NotSoap("not a SOAP 1.2 envelope".into()));
                }
                path.push((ns, e.local_name().as_ref().to_string()));
                current.clear();
            }
            Event::Text(t) => current.push_str(&t.xml10_content()),
            Event::End(_) => {
                if let Some(name) = path.pop() {
                    text_of.push((name, std::mem::take(&mut current).trim().to_string()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let find = |ns: &str, name: &str| text_of.iter().find(|((n, l), _)| n == ns && l == name).map(|(_, v)| v.clone());
    let action = find(NS_WSA, "Action").ok_or(Refusal::AddressingHeaderRequired("Action"))?;
    find(NS_WSA, "To").ok_or(Refusal::AddressingHeaderRequired("To"))?;
    Ok(SoapRequest {
        action,
        message_id: find(NS_WSA, "MessageID"),
        patient_nin: find(NS_FLR, "patientNin").filter(|n| !n.is_empty()),
    })
}
