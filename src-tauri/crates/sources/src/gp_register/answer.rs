//! Reading the register's answer: the SOAP 1.2 envelope, its addressing Action, then
//! either `GetPatientGPDetailsResponse` or a fault. Anything else is an error that says
//! what came instead. Who the GP is today is worked out here, by the session's day:
//! the list's regular GP (LPFL) whose period covers today, else a single substitute
//! (LPVI) covering today; with neither, the list is "without a GP".

use super::envelope::{
    FAULT_ACTION, NS_COMMON, NS_COMMON_EN, NS_CORPORATE, NS_FLR, NS_SOAP12, NS_WSA, OPERATION, RESPONSE_ACTION,
};
use super::xml::{self, XmlElement};
use crate::{sanitize, SourceError};
use arbeidsflate_model::gp::{GeneralPractitioner, GpList, GpOffice, GpPeriod, GpRegistration};
use chrono::NaiveDate;

/// A SOAP fault, with the register's `GenericFault` detail where it sent one.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `Sender` or `Receiver` (the local part of the SOAP fault code).
    pub code: String,
    pub reason: String,
    pub error_code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Registration(GpRegistration),
    Fault(Fault),
}

const RELATIONSHIP_GP: &str = "LPFL";
const RELATIONSHIP_SUBSTITUTE: &str = "LPVI";
const PHONE: &str = "E_TLF";
const VISITING_ADDRESS: &str = "RES";

/// The answer for `patient_nin`, read on the day `today`.
pub fn read(body: &[u8], patient_nin: &str, today: NaiveDate) -> Result<Answer, SourceError> {
    let envelope = xml::parse(body)?;
    if !envelope.is(NS_SOAP12, "Envelope") {
        return Err(SourceError::Malformed(format!("expected a SOAP 1.2 Envelope, got {}", envelope.qualified())));
    }
    let action = envelope.child(NS_SOAP12, "Header").and_then(|h| h.text_of(NS_WSA, "Action"));
    let body =
        envelope.child(NS_SOAP12, "Body").ok_or_else(|| SourceError::Malformed("an envelope without a Body".into()))?;
    let content = body.children.first().ok_or_else(|| SourceError::Malformed("an empty SOAP Body".into()))?;
    if content.is(NS_SOAP12, "Fault") {
        return Ok(Answer::Fault(fault(content)));
    }
    if let Some(action) = action.filter(|a| *a != RESPONSE_ACTION && *a != FAULT_ACTION) {
        return Err(SourceError::Malformed(format!("an answer to another operation ({})", sanitize::text(action))));
    }
    let response = format!("{OPERATION}Response");
    if !content.is(NS_FLR, &response) {
        return Err(SourceError::Malformed(format!(
            "expected {response}, got {}",
            sanitize::text(&content.qualified())
        )));
    }
    let Some(result) = content.child(NS_FLR, &format!("{OPERATION}Result")) else {
        // The contract allows a nil result: no association today.
        return Ok(Answer::Registration(GpRegistration::NoList));
    };
    let answered_for = result.text_of(NS_FLR, "PatientNIN");
    if answered_for != Some(patient_nin) {
        return Err(SourceError::Malformed("the answer is about another patient than the one asked for".into()));
    }
    Ok(Answer::Registration(GpRegistration::OnList { list: list(result, today)? }))
}

fn fault(f: &XmlElement) -> Fault {
    let code = f
        .child(NS_SOAP12, "Code")
        .and_then(|c| c.text_of(NS_SOAP12, "Value"))
        .map(|v| v.rsplit(':').next().unwrap_or(v).to_string())
        .unwrap_or_default();
    let reason = f.child(NS_SOAP12, "Reason").and_then(|r| r.text_of(NS_SOAP12, "Text")).unwrap_or_default();
    let detail = f.child(NS_SOAP12, "Detail").and_then(|d| d.child(NS_COMMON, "GenericFault"));
    Fault {
        code,
        reason: reason.to_string(),
        error_code: detail.and_then(|d| d.text_of(NS_COMMON, "ErrorCode")).map(str::to_string),
        message: detail.and_then(|d| d.text_of(NS_COMMON, "Message")).map(str::to_string),
    }
}

fn list(association: &XmlElement, today: NaiveDate) -> Result<GpList, SourceError> {
    let office = association
        .child(NS_FLR, "GPContract")
        .and_then(|c| c.child(NS_FLR, "GPOffice"))
        .ok_or_else(|| SourceError::Malformed("a GP list without its office".into()))?;
    let mut doctors = Vec::new();
    let mut regular = None;
    let mut substitutes = Vec::new();
    let cycles = association.child(NS_FLR, "DoctorCycles");
    for cycle in cycles.into_iter().flat_map(|c| c.children(NS_FLR, "GPOnContractAssociation")) {
        let period = doctor_period(cycle)?;
        let relationship = cycle.child(NS_FLR, "Relationship").and_then(|r| r.text_of(NS_COMMON, "CodeValue"));
        if covers(&period, today)? {
            match relationship {
                Some(RELATIONSHIP_GP) => regular = Some(period.gp.clone()),
                Some(RELATIONSHIP_SUBSTITUTE) => substitutes.push(period.gp.clone()),
                _ => {}
            }
        }
        doctors.push(period);
    }
    // The register names a substitute as the list's doctor only when they are the one.
    let gp = regular.or_else(|| if substitutes.len() == 1 { substitutes.pop() } else { None });
    doctors.sort_by(|a, b| b.from.cmp(&a.from));
    let patient_since = association.child(NS_FLR, "Period").map(|p| date_of(p, "From")).transpose()?.flatten();
    Ok(GpList { gp, office: gp_office(office)?, patient_since, doctors })
}

fn doctor_period(cycle: &XmlElement) -> Result<GpPeriod, SourceError> {
    let hpr = cycle
        .text_of(NS_FLR, "HprNumber")
        .filter(|h| h.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| SourceError::Malformed("a GP on the list without an HPR number".into()))?;
    let person = cycle.child(NS_FLR, "GP");
    let name: Vec<&str> = ["FirstName", "MiddleName", "LastName"]
        .iter()
        .filter_map(|part| person.and_then(|p| p.text_of(NS_FLR, part)))
        .collect();
    if name.is_empty() {
        return Err(SourceError::Malformed("a GP on the list without a name".into()));
    }
    let substitute = cycle.child(NS_FLR, "Relationship").and_then(|r| r.text_of(NS_COMMON, "CodeValue"))
        == Some(RELATIONSHIP_SUBSTITUTE);
    let valid = cycle.child(NS_FLR, "Valid");
    Ok(GpPeriod {
        gp: GeneralPractitioner { hpr_number: hpr.to_string(), name: sanitize::text(&name.join(" ")), substitute },
        from: valid.map(|v| date_of(v, "From")).transpose()?.flatten(),
        to: valid.map(|v| date_of(v, "To")).transpose()?.flatten(),
    })
}

/// Whether a doctor's period includes `today` (the end date counts as a day on the list).
fn covers(period: &GpPeriod, today: NaiveDate) -> Result<bool, SourceError> {
    let day = |d: &Option<String>| d.as_deref().map(|d| d.parse::<NaiveDate>()).transpose();
    let bad = |_| SourceError::Malformed("an unreadable date".into());
    let (from, to) = (day(&period.from).map_err(bad)?, day(&period.to).map_err(bad)?);
    Ok(from.is_none_or(|f| f <= today) && to.is_none_or(|t| t >= today))
}

/// A period's `From` or `To` as an ISO date. The register sends `xs:dateTime`; the day
/// is what matters here, and a value that is not a date is an error.
fn date_of(period: &XmlElement, which: &str) -> Result<Option<String>, SourceError> {
    let Some(value) = period.text_of(NS_COMMON_EN, which) else { return Ok(None) };
    let day = value.get(..10).and_then(|d| d.parse::<NaiveDate>().ok());
    day.map(|d| Some(d.to_string()))
        .ok_or_else(|| SourceError::Malformed(format!("the date {} is not a date", sanitize::text(value))))
}

fn gp_office(office: &XmlElement) -> Result<GpOffice, SourceError> {
    let name = office
        .text_of(NS_CORPORATE, "DisplayName")
        .or_else(|| office.text_of(NS_CORPORATE, "Name"))
        .ok_or_else(|| SourceError::Malformed("a GP office without a name".into()))?;
    let org_number = office
        .text_of(NS_CORPORATE, "OrganizationNumber")
        .filter(|n| n.len() == 9 && n.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string);
    let typed = |list: &'static str, item: &'static str, code: &'static str| {
        office
            .child(NS_CORPORATE, list)
            .into_iter()
            .flat_map(move |l| l.children(NS_COMMON, item))
            .find(move |a| a.child(NS_COMMON, "Type").and_then(|t| t.text_of(NS_COMMON, "CodeValue")) == Some(code))
    };
    let phone = typed("ElectronicAddresses", "ElectronicAddress", PHONE)
        .and_then(|a| a.text_of(NS_COMMON, "Address"))
        .map(|p| sanitize::text(p.trim_start_matches("tel:")));
    let address = typed("PhysicalAddresses", "PhysicalAddress", VISITING_ADDRESS).map(|a| {
        // A postal code is an integer in the contract: "150" is 0150.
        let postal = a.text_of(NS_COMMON, "PostalCode").map(|p| format!("{p:0>4}"));
        let place =
            [postal.as_deref(), a.text_of(NS_COMMON, "City")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let parts: Vec<&str> = [a.text_of(NS_COMMON, "StreetAddress"), Some(place.as_str())]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        sanitize::text(&parts.join(", "))
    });
    Ok(GpOffice { name: sanitize::text(name), org_number, address: address.filter(|a| !a.is_empty()), phone })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIN: &str = "13844040088";

    fn cycle(hpr: &str, first: &str, last: &str, relationship: &str, from: &str, to: Option<&str>) -> String {
        let to = to.map_or(r#"<ce:To i:nil="true"/>"#.to_string(), |t| format!("<ce:To>{t}T00:00:00</ce:To>"));
        format!(
            r#"<GPOnContractAssociation><GP><FirstName>{first}</FirstName><LastName>{last}</LastName></GP>
            <HprNumber>{hpr}</HprNumber><Relationship><c:CodeValue>{relationship}</c:CodeValue></Relationship>
            <Valid><ce:From>{from}T00:00:00</ce:From>{to}</Valid></GPOnContractAssociation>"#
        )
    }

    fn envelope(action: &str, body: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP12}" xmlns:a="{NS_WSA}"><s:Header><a:Action s:mustUnderstand="1">{action}</a:Action></s:Header><s:Body>{body}</s:Body></s:Envelope>"#
        )
    }

    fn answer(nin: &str, cycles: &str) -> String {
        let body = format!(
            r#"<GetPatientGPDetailsResponse xmlns="{NS_FLR}" xmlns:c="{NS_COMMON}" xmlns:ce="{NS_COMMON_EN}" xmlns:corp="{NS_CORPORATE}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
            <GetPatientGPDetailsResult><DoctorCycles>{cycles}</DoctorCycles><EndCode i:nil="true"/>
            <GPContract><GPOffice><corp:DisplayName>Sandvik legesenter</corp:DisplayName>
              <corp:ElectronicAddresses><c:ElectronicAddress><c:Address>12 00 11 01</c:Address><c:Type><c:CodeValue>E_TLF</c:CodeValue></c:Type></c:ElectronicAddress></corp:ElectronicAddresses>
              <corp:OrganizationNumber>999000011</corp:OrganizationNumber>
              <corp:PhysicalAddresses><c:PhysicalAddress><c:City>SANDVIK</c:City><c:PostalCode>150</c:PostalCode><c:StreetAddress>Torget 2</c:StreetAddress><c:Type><c:CodeValue>RES</c:CodeValue></c:Type></c:PhysicalAddress></corp:PhysicalAddresses>
            </GPOffice></GPContract>
            <PatientNIN>{nin}</PatientNIN><Period><ce:From>2019-03-01T00:00:00</ce:From><ce:To i:nil="true"/></Period>
            </GetPatientGPDetailsResult></GetPatientGPDetailsResponse>"#
        );
        envelope(RESPONSE_ACTION, &body)
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    fn list_of(xml: &str) -> GpList {
        match read(xml.as_bytes(), NIN, today()).unwrap() {
            Answer::Registration(GpRegistration::OnList { list }) => list,
            other => panic!("expected a list, got {other:?}"),
        }
    }

    #[test]
    fn the_gp_of_today_the_office_and_its_phone_are_read() {
        let list = list_of(&answer(NIN, &cycle("9100456", "Kari", "Lege", "LPFL", "2015-01-01", None)));
        let gp = list.gp.unwrap();
        assert_eq!((gp.hpr_number.as_str(), gp.name.as_str(), gp.substitute), ("9100456", "Kari Lege", false));
        assert_eq!(list.office.name, "Sandvik legesenter");
        assert_eq!(list.office.phone.as_deref(), Some("12 00 11 01"));
        assert_eq!(list.office.org_number.as_deref(), Some("999000011"));
        assert_eq!(list.office.address.as_deref(), Some("Torget 2, 0150 SANDVIK"), "the postal code regains its zero");
        assert_eq!(list.patient_since.as_deref(), Some("2019-03-01"));
    }

    #[test]
    fn a_gp_who_changed_last_week_leaves_both_in_the_history_and_the_new_one_as_gp() {
        let cycles = cycle("9100111", "Old", "Doctor", "LPFL", "2010-01-01", Some("2026-11-28"))
            + &cycle("9100222", "New", "Doctor", "LPFL", "2026-11-29", None);
        let list = list_of(&answer(NIN, &cycles));
        assert_eq!(list.gp.unwrap().hpr_number, "9100222");
        let hprs: Vec<&str> = list.doctors.iter().map(|d| d.gp.hpr_number.as_str()).collect();
        assert_eq!(hprs, ["9100222", "9100111"], "newest first");
        assert_eq!(list.doctors[1].to.as_deref(), Some("2026-11-28"));
    }

    #[test]
    fn a_list_whose_gp_left_is_a_list_without_a_gp_and_a_single_substitute_holds_it() {
        let left = cycle("9100111", "Old", "Doctor", "LPFL", "2010-01-01", Some("2026-10-31"));
        assert_eq!(list_of(&answer(NIN, &left)).gp, None);
        let with_substitute = left.clone() + &cycle("9100333", "Vera", "Vikar", "LPVI", "2026-11-01", None);
        let gp = list_of(&answer(NIN, &with_substitute)).gp.unwrap();
        assert!(gp.substitute && gp.hpr_number == "9100333");
        let two = with_substitute + &cycle("9100444", "Viggo", "Vikar", "LPVI", "2026-11-01", None);
        assert_eq!(list_of(&answer(NIN, &two)).gp, None, "two substitutes: nobody holds the list");
    }

    #[test]
    fn a_nil_result_is_no_list() {
        let body = format!(
            r#"<GetPatientGPDetailsResponse xmlns="{NS_FLR}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><GetPatientGPDetailsResult i:nil="true"/></GetPatientGPDetailsResponse>"#
        );
        assert_eq!(
            read(envelope(RESPONSE_ACTION, &body).as_bytes(), NIN, today()).unwrap(),
            Answer::Registration(GpRegistration::NoList)
        );
    }

    #[test]
    fn a_fault_is_read_with_its_generic_detail() {
        let body = format!(
            r#"<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="nb-NO">ArgumentException</s:Text></s:Reason>
            <s:Detail><GenericFault xmlns="{NS_COMMON}"><ErrorCode>Feil</ErrorCode><Message>ArgumentException: Personen er ikke tilknyttet fastlegekontrakt</Message></GenericFault></s:Detail></s:Fault>"#
        );
        let Answer::Fault(f) = read(envelope(FAULT_ACTION, &body).as_bytes(), NIN, today()).unwrap() else { panic!() };
        assert_eq!((f.code.as_str(), f.error_code.as_deref()), ("Sender", Some("Feil")));
        assert!(f.message.unwrap().contains("ikke tilknyttet"));
    }

    #[test]
    fn answers_that_are_not_this_contract_are_refused_with_a_reason() {
        let cycles = cycle("9100456", "Kari", "Lege", "LPFL", "2015-01-01", None);
        let refused = |xml: String, why: &str| {
            let err = read(xml.as_bytes(), NIN, today()).unwrap_err().to_string();
            assert!(err.contains(why), "{err} should say {why}");
        };
        refused(answer("13844040169", &cycles), "another patient");
        refused(answer(NIN, &cycles).replace(NS_SOAP12, "http://schemas.xmlsoap.org/soap/envelope/"), "SOAP 1.2");
        refused(
            answer(NIN, &cycles)
                .replace("<GetPatientGPDetailsResponse ", "<SearchForGPResponse ")
                .replace("</GetPatientGPDetailsResponse>", "</SearchForGPResponse>"),
            "expected GetPatientGPDetailsResponse",
        );
        refused(answer(NIN, &cycles).replace(RESPONSE_ACTION, "urn:other"), "another operation");
        refused(answer(NIN, &cycles).replace("2015-01-01T00:00:00", "in spring"), "not a date");
        refused(answer(NIN, &cycles).replace("<HprNumber>9100456</HprNumber>", ""), "HPR");
        refused(
            answer(NIN, &cycles).replace("<corp:DisplayName>Sandvik legesenter</corp:DisplayName>", ""),
            "office without a name",
        );
        let whole = answer(NIN, &cycles);
        refused(whole[..whole.find("</GetPatientGPDetailsResult>").unwrap()].to_string(), "ends before");
        refused(whole[..whole.len() / 2].to_string(), "not XML");
    }

    #[test]
    fn control_and_direction_characters_in_names_are_removed() {
        let cycles = cycle("9100456", "Kari&#x202E;", "Le&#x7;ge", "LPFL", "2015-01-01", None);
        let name = list_of(&answer(NIN, &cycles)).gp.unwrap().name;
        assert!(!name.contains('\u{202E}') && !name.contains('\u{7}'), "{name:?}");
    }
}
