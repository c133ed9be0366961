//! The request: a SOAP 1.2 envelope with the WS-Addressing headers the `/v2/flr`
//! binding requires (Action and To marked mustUnderstand, a fresh MessageID, replies
//! to the anonymous address), and the operation in the register's namespace.

use quick_xml::escape::escape;

pub const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const NS_WSA: &str = "http://www.w3.org/2005/08/addressing";
/// The register's service and data contracts.
pub const NS_FLR: &str = "http://schemas.nhn.no/reg/flr";
/// Codes, electronic and physical addresses, faults (NHN's older common namespace).
pub const NS_COMMON: &str = "http://register.nhn.no/Common";
/// Periods.
pub const NS_COMMON_EN: &str = "http://schemas.nhn.no/reg/Common/en";
/// What a GP office inherits from a business (name, number, addresses).
pub const NS_CORPORATE: &str = "http://register.nhn.no/Corporate";

pub const OPERATION: &str = "GetPatientGPDetails";
pub const ACTION: &str = "http://schemas.nhn.no/reg/flr/IFlrReadOperations/GetPatientGPDetails";
pub const RESPONSE_ACTION: &str = "http://schemas.nhn.no/reg/flr/IFlrReadOperations/GetPatientGPDetailsResponse";
pub const FAULT_ACTION: &str = "http://schemas.nhn.no/reg/flr/IFlrReadOperations/GetPatientGPDetailsGenericFaultFault";
pub const ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";

/// The HTTP content type of a SOAP 1.2 request for `action`.
pub fn content_type(action: &str) -> String {
    format!("application/soap+xml; charset=utf-8; action=\"{action}\"")
}

/// `GetPatientGPDetails(patientNin)` addressed to `to`, with `message_id` (a UUID).
pub fn get_patient_gp_details(to: &str, message_id: &str, patient_nin: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            r#"<s:Envelope xmlns:s="{soap}" xmlns:a="{wsa}">"#,
            r#"<s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">{action}</a:Action>"#,
            r#"<a:MessageID>urn:uuid:{id}</a:MessageID>"#,
            r#"<a:ReplyTo><a:Address>{anonymous}</a:Address></a:ReplyTo>"#,
            r#"<a:To s:mustUnderstand="1">{to}</a:To>"#,
            r#"</s:Header>"#,
            r#"<s:Body><{op} xmlns="{flr}"><patientNin>{nin}</patientNin></{op}></s:Body>"#,
            r#"</s:Envelope>"#
        ),
        soap = NS_SOAP12,
        wsa = NS_WSA,
        action = ACTION,
        id = escape(message_id),
        anonymous = ANONYMOUS,
        to = escape(to),
        op = OPERATION,
        flr = NS_FLR,
        nin = escape(patient_nin),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp_register::xml;

    #[test]
    fn the_request_is_soap_12_with_addressing_and_the_number_in_the_body() {
        let body = get_patient_gp_details("https://ws-web.test.nhn.no/v2/flr?a=1&b=2", "0000-1", "13844040088");
        let root = xml::parse(body.as_bytes()).unwrap();
        assert!(root.is(NS_SOAP12, "Envelope"));
        let header = root.child(NS_SOAP12, "Header").unwrap();
        assert_eq!(header.text_of(NS_WSA, "Action"), Some(ACTION));
        assert_eq!(header.text_of(NS_WSA, "To"), Some("https://ws-web.test.nhn.no/v2/flr?a=1&b=2"));
        assert_eq!(header.text_of(NS_WSA, "MessageID"), Some("urn:uuid:0000-1"));
        let op = root.child(NS_SOAP12, "Body").unwrap().child(NS_FLR, OPERATION).unwrap();
        assert_eq!(op.text_of(NS_FLR, "patientNin"), Some("13844040088"));
    }
}
