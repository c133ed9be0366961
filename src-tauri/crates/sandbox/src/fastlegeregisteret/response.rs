//! The answers, written as the service's DataContract serialiser writes them: members
//! in alphabetical order with base-class (Business) members first, each in the
//! namespace of the contract that declares it, and nulls as `i:nil="true"`.

use super::lists::{Association, DoctorCycle, GpCase};
use super::request::{Refusal, SoapRequest, NS_FLR, NS_SOAP12, NS_WSA};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

const NS_COMMON: &str = "http://register.nhn.no/Common";
const NS_COMMON_EN: &str = "http://schemas.nhn.no/reg/Common/en";
const NS_CORPORATE: &str = "http://register.nhn.no/Corporate";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const RESPONSE_ACTION: &str = "http://schemas.nhn.no/reg/flr/IFlrReadOperations/GetPatientGPDetailsResponse";
const FAULT_ACTION: &str = "http://schemas.nhn.no/reg/flr/IFlrReadOperations/GetPatientGPDetailsGenericFaultFault";
const SOAP_CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";

fn envelope(action: &str, relates_to: Option<&str>, body: &str) -> String {
    let relates = relates_to.map(|id| format!("<a:RelatesTo>{}</a:RelatesTo>", escape(id))).unwrap_or_default();
    format!(
        r#"<s:Envelope xmlns:s="{NS_SOAP12}" xmlns:a="{NS_WSA}"><s:Header><a:Action s:mustUnderstand="1">{action}</a:Action>{relates}</s:Header><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn period(from: NaiveDate, to: Option<NaiveDate>) -> String {
    let to = to.map_or(r#"<ce:To i:nil="true"/>"#.to_string(), |t| format!("<ce:To>{t}T00:00:00</ce:To>"));
    format!("<ce:From>{from}T00:00:00</ce:From>{to}")
}

fn code(value: &str, text: &str, oid: u32) -> String {
    format!("<c:Active>true</c:Active><c:CodeText>{text}</c:CodeText><c:CodeValue>{value}</c:CodeValue><c:OID>{oid}</c:OID><c:SimpleType i:nil=\"true\"/>")
}

fn cycle(c: &DoctorCycle, contract_id: u64, id: u64) -> String {
    let text = if c.relationship == "LPFL" { "Fastlege" } else { "Vikar" };
    format!(
        "<GPOnContractAssociation><GP><DateOfBirth i:nil=\"true\"/><DateOfDeath i:nil=\"true\"/><FirstName>{}</FirstName><LastName>{}</LastName><MiddleName i:nil=\"true\"/><NIN i:nil=\"true\"/><PhysicalAddresses i:nil=\"true\"/><Sex i:nil=\"true\"/><Status i:nil=\"true\"/></GP>\
         <GPContract i:nil=\"true\"/><GPContractId>{contract_id}</GPContractId><HprNumber>{}</HprNumber><Id>{id}</Id>\
         <Relationship>{}</Relationship><SubstituteForHprNumber i:nil=\"true\"/><UpdatedOn>2026-01-02T08:00:00</UpdatedOn>\
         <Valid>{}</Valid><WorkingOnDays i:nil=\"true\"/><WorkingPercentage>100</WorkingPercentage></GPOnContractAssociation>",
        c.doctor.first,
        c.doctor.last,
        c.doctor.hpr,
        code(c.relationship, text, 7750),
        period(c.from, c.to),
    )
}

/// `GetPatientGPDetailsResponse` for the patient's association.
pub fn details(request: &SoapRequest, nin: &str, a: &Association) -> Response {
    let cycles: String =
        a.cycles.iter().enumerate().map(|(k, c)| cycle(c, a.contract_id, a.id * 10 + k as u64)).collect();
    let o = &a.office;
    // The HER-id of today's GP, else the office's "list without a GP" party.
    let her_id = match (a.case, a.cycles.iter().find(|c| c.to.is_none())) {
        (GpCase::ListWithoutGp, _) | (_, None) => o.her_id,
        (_, Some(current)) => 8_200_000 + current.doctor.hpr % 10_000,
    };
    let office = format!(
        "<GPOffice><corp:Children i:nil=\"true\"/><corp:DisplayName>{name}</corp:DisplayName>\
         <corp:ElectronicAddresses><c:ElectronicAddress><c:Address>{phone}</c:Address><c:Inherited>false</c:Inherited><c:LastChanged>2025-06-01T00:00:00</c:LastChanged><c:Type>{tlf}</c:Type><c:TypeCodeValue>E_TLF</c:TypeCodeValue></c:ElectronicAddress></corp:ElectronicAddresses>\
         <corp:GeographicalCoordinates i:nil=\"true\"/><corp:IndustryCodes i:nil=\"true\"/><corp:IsGovernmentCompany i:nil=\"true\"/><corp:LastChanged>2025-06-01T00:00:00</corp:LastChanged><corp:Municipality i:nil=\"true\"/>\
         <corp:Name>{upper}</corp:Name><corp:OpeningHours i:nil=\"true\"/><corp:OrganizationNumber>{orgnr}</corp:OrganizationNumber><corp:ParentOrganizationName i:nil=\"true\"/><corp:ParentOrganizationNumber i:nil=\"true\"/>\
         <corp:PhysicalAddresses><c:PhysicalAddress><c:City>{city}</c:City><c:Country i:nil=\"true\"/><c:Description i:nil=\"true\"/><c:Inherited>false</c:Inherited><c:LastChanged>2025-06-01T00:00:00</c:LastChanged><c:Municipality i:nil=\"true\"/><c:PostalCode>{postal}</c:PostalCode><c:Postbox i:nil=\"true\"/><c:StreetAddress>{street}</c:StreetAddress><c:Type>{res}</c:Type></c:PhysicalAddress></corp:PhysicalAddresses>\
         <corp:Properties i:nil=\"true\"/><corp:ResponsiblePerson i:nil=\"true\"/><corp:SectorCode i:nil=\"true\"/><corp:UpdatedOn>2025-06-01T00:00:00</corp:UpdatedOn><corp:Valid i:nil=\"true\"/>\
         <District i:nil=\"true\"/><IsGroupOffice>true</IsGroupOffice><PrimaryHealthCareTeamId i:nil=\"true\"/></GPOffice>",
        name = o.name,
        phone = o.phone,
        tlf = code("E_TLF", "Telefonnummer", 9044),
        upper = o.name.to_uppercase(),
        orgnr = o.orgnr,
        city = o.city,
        postal = o.postal_code,
        street = o.street,
        res = code("RES", "Besøksadresse", 3401),
    );
    let body = format!(
        "<GetPatientGPDetailsResponse xmlns=\"{NS_FLR}\" xmlns:c=\"{NS_COMMON}\" xmlns:ce=\"{NS_COMMON_EN}\" xmlns:corp=\"{NS_CORPORATE}\" xmlns:i=\"{NS_XSI}\">\
         <GetPatientGPDetailsResult><BeginCode>{begin}</BeginCode><DoctorCycles>{cycles}</DoctorCycles><EndCode i:nil=\"true\"/>\
         <GPContract><AgreementDate>2012-01-01T00:00:00</AgreementDate><CoopMunicipalities i:nil=\"true\"/><DoctorCycles i:nil=\"true\"/><EndReason i:nil=\"true\"/>{office}\
         <GPOfficeOrganizationNumber>{orgnr}</GPOfficeOrganizationNumber><Id>{contract}</Id><IsFixedSalary>false</IsFixedSalary><MaxPatients>1200</MaxPatients></GPContract>\
         <GPContractId>{contract}</GPContractId><GPHerId>{her_id}</GPHerId><Id>{id}</Id><Patient i:nil=\"true\"/><PatientNIN>{nin}</PatientNIN>\
         <Period>{period}</Period><UpdatedOn>2026-01-02T08:00:00</UpdatedOn></GetPatientGPDetailsResult></GetPatientGPDetailsResponse>",
        begin = code("N", "Ny på liste", 7754),
        orgnr = o.orgnr,
        contract = a.contract_id,
        id = a.id,
        nin = escape(nin),
        period = period(a.patient_from, None),
    );
    soap_answer(StatusCode::OK, envelope(RESPONSE_ACTION, request.message_id.as_deref(), &body))
}

/// A SOAP 1.2 fault, with HTTP 500 as WCF sends it.
pub fn fault(refusal: Refusal) -> Response {
    let (code, subcode, reason, detail) = match refusal {
        Refusal::NotSoap(why) => ("s:Sender", None, why, None),
        Refusal::AddressingHeaderRequired(header) => (
            "s:Sender",
            Some("a:MessageAddressingHeaderRequired"),
            format!("A required header representing a Message Addressing Property is not present: {header}"),
            None,
        ),
        Refusal::ActionNotSupported(action) => (
            "s:Sender",
            Some("a:ActionNotSupported"),
            format!("The message with Action '{}' cannot be processed at the receiver.", escape(&action)),
            None,
        ),
        Refusal::Generic(message) => ("s:Sender", None, message.clone(), Some(message)),
    };
    let subcode = subcode.map(|s| format!("<s:Subcode><s:Value>{s}</s:Value></s:Subcode>")).unwrap_or_default();
    let detail = detail
        .map(|m| {
            format!(
                "<s:Detail><GenericFault xmlns=\"{NS_COMMON}\" xmlns:i=\"{NS_XSI}\"><ErrorCode>Feil</ErrorCode><Message>{}</Message></GenericFault></s:Detail>",
                escape(&m)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<s:Fault><s:Code><s:Value>{code}</s:Value>{subcode}</s:Code><s:Reason><s:Text xml:lang=\"nb-NO\">{}</s:Text></s:Reason>{detail}</s:Fault>",
        escape(&reason)
    );
    soap_answer(StatusCode::INTERNAL_SERVER_ERROR, envelope(FAULT_ACTION, None, &body))
}

fn soap_answer(status: StatusCode, xml: String) -> Response {
    (status, [(header::CONTENT_TYPE, SOAP_CONTENT_TYPE)], xml).into_response()
}
