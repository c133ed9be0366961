//! HelseID's `authorization_details`, built from typed values: the organisation the
//! user acts for (`helseid_authorization`) and the trust framework attestation
//! (`nhn:tillitsrammeverk:parameters`: who is looking, from where, and why). They
//! travel per token call inside the client assertion as `assertion_details`, so each
//! patient can get a token attested for that patient.

use serde_json::{json, Value};

pub const SYSTEM_ORGNR: &str = "urn:oid:2.16.578.1.12.4.1.4.101";
pub const SYSTEM_RESH: &str = "urn:oid:2.16.578.1.12.4.1.4.102";
pub const SYSTEM_HP_CATEGORY: &str = "urn:oid:2.16.578.1.12.4.1.1.9060";
pub const SYSTEM_HEALTHCARE_SERVICE: &str = "urn:oid:2.16.578.1.12.4.1.1.8663";
pub const SYSTEM_PURPOSE_OF_USE: &str = "urn:oid:2.16.840.1.113883.1.11.20448";
pub const SYSTEM_PURPOSE_DETAILS: &str = "urn:AuditEventHL7Norway/CodeSystem/carerelation";
pub const SYSTEM_MULTI_TENANT: &str = "urn:oid:1.0.6523";

/// The organisation the user acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Organisation {
    /// The client belongs to one organisation; only the sub-unit is named.
    SingleTenant { child_orgnr: String },
    /// A multi-tenant client names both the legal entity and the sub-unit.
    MultiTenant { parent_orgnr: String, child_orgnr: String },
}

impl Organisation {
    pub fn to_json(&self) -> Value {
        let identifier = match self {
            Organisation::SingleTenant { child_orgnr } => {
                json!({"system": SYSTEM_ORGNR, "type": "ENH", "value": child_orgnr})
            }
            Organisation::MultiTenant { parent_orgnr, child_orgnr } => {
                json!({"system": SYSTEM_MULTI_TENANT, "type": "ENH", "value": format!("NO:ORGNR:{parent_orgnr}:{child_orgnr}")})
            }
        };
        json!({"type": "helseid_authorization", "practitioner_role": {"organization": {"identifier": identifier}}})
    }
}

/// Purpose of use (HL7 v3 `PurposeOfUse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PurposeOfUse {
    Treat,
    /// Emergency treatment.
    EmergencyTreat,
    CoordinationOfCare,
    /// Break the glass.
    BreakTheGlass,
}

impl PurposeOfUse {
    pub fn code(self) -> &'static str {
        match self {
            PurposeOfUse::Treat => "TREAT",
            PurposeOfUse::EmergencyTreat => "ETREAT",
            PurposeOfUse::CoordinationOfCare => "COC",
            PurposeOfUse::BreakTheGlass => "BTG",
        }
    }
}

/// The care relationship behind the lookup (HL7 Norway's carerelation codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PurposeDetails {
    Behandler,
    HenvistBehandler,
    Henvisning,
    Blaalys,
    ItSystemArbeid,
}

impl PurposeDetails {
    pub fn code(self) -> &'static str {
        match self {
            PurposeDetails::Behandler => "BEHANDLER",
            PurposeDetails::HenvistBehandler => "HENV_BEH",
            PurposeDetails::Henvisning => "HENVISNING",
            PurposeDetails::Blaalys => "BLAALYS",
            PurposeDetails::ItSystemArbeid => "ITSYSARB",
        }
    }
}

/// A place of care: the point of care (sub-unit orgnr) and an optional department.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CarePlace {
    pub point_of_care_orgnr: String,
    pub department_id: Option<String>,
}

impl CarePlace {
    fn fields(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("point_of_care".into(), json!({"id": self.point_of_care_orgnr, "system": SYSTEM_ORGNR}));
        if let Some(d) = &self.department_id {
            m.insert("department".into(), json!({"id": d, "system": SYSTEM_RESH}));
        }
        m
    }
}

/// The trust framework attestation. The user's pid and HPR number are not part of
/// it: HelseID adds them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attestation {
    /// Helsepersonell category code, e.g. `SP` (nurse) or `LE` (doctor).
    pub practitioner_category: String,
    pub legal_entity_orgnr: String,
    pub place: CarePlace,
    /// Healthcare service code (OID 8663), e.g. `KP01`.
    pub healthcare_service: String,
    pub purpose_of_use: PurposeOfUse,
    pub purpose_details: PurposeDetails,
    /// Id of the local access decision (the access-basis choice), and whether the
    /// user chose it.
    pub decision_ref: Option<(String, bool)>,
    /// Where the patient is cared for, when known.
    pub patient_place: Option<CarePlace>,
}

impl Attestation {
    pub fn to_json(&self) -> Value {
        let mut practitioner = self.place.fields();
        practitioner
            .insert("authorization".into(), json!({"code": self.practitioner_category, "system": SYSTEM_HP_CATEGORY}));
        practitioner.insert("legal_entity".into(), json!({"id": self.legal_entity_orgnr, "system": SYSTEM_ORGNR}));
        let mut care = serde_json::Map::new();
        care.insert(
            "healthcare_service".into(),
            json!({"code": self.healthcare_service, "system": SYSTEM_HEALTHCARE_SERVICE}),
        );
        care.insert(
            "purpose_of_use".into(),
            json!({"code": self.purpose_of_use.code(), "system": SYSTEM_PURPOSE_OF_USE}),
        );
        care.insert(
            "purpose_of_use_details".into(),
            json!({"code": self.purpose_details.code(), "system": SYSTEM_PURPOSE_DETAILS}),
        );
        if let Some((id, user_selected)) = &self.decision_ref {
            care.insert("decision_ref".into(), json!({"id": id, "user_selected": user_selected}));
        }
        let patients: Vec<Value> = self.patient_place.iter().map(|p| Value::Object(p.fields())).collect();
        json!({
            "type": "nhn:tillitsrammeverk:parameters",
            "practitioner": practitioner,
            "care_relationship": care,
            "patients": patients
        })
    }
}

/// `assertion_details` for one token call: the organisation, and the attestation if any.
pub fn assertion_details(organisation: Option<&Organisation>, attestation: Option<&Attestation>) -> Option<Value> {
    let mut items = Vec::new();
    if let Some(o) = organisation {
        items.push(o.to_json());
    }
    if let Some(a) = attestation {
        items.push(a.to_json());
    }
    (!items.is_empty()).then_some(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attestation() -> Attestation {
        Attestation {
            practitioner_category: "SP".into(),
            legal_entity_orgnr: "999000001".into(),
            place: CarePlace { point_of_care_orgnr: "999000002".into(), department_id: Some("avd-1".into()) },
            healthcare_service: "KP01".into(),
            purpose_of_use: PurposeOfUse::Treat,
            purpose_details: PurposeDetails::Behandler,
            decision_ref: Some(("3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(), true)),
            patient_place: None,
        }
    }

    #[test]
    fn organisation_forms_follow_helseid() {
        let single = Organisation::SingleTenant { child_orgnr: "999000002".into() }.to_json();
        assert_eq!(single["practitioner_role"]["organization"]["identifier"]["system"], SYSTEM_ORGNR);
        assert_eq!(single["practitioner_role"]["organization"]["identifier"]["value"], "999000002");
        let multi =
            Organisation::MultiTenant { parent_orgnr: "999000001".into(), child_orgnr: "999000002".into() }.to_json();
        assert_eq!(multi["practitioner_role"]["organization"]["identifier"]["value"], "NO:ORGNR:999000001:999000002");
        assert_eq!(multi["practitioner_role"]["organization"]["identifier"]["system"], SYSTEM_MULTI_TENANT);
    }

    #[test]
    fn attestation_has_the_trust_framework_shape() {
        let a = attestation().to_json();
        assert_eq!(a["type"], "nhn:tillitsrammeverk:parameters");
        assert_eq!(a["practitioner"]["authorization"]["code"], "SP");
        assert_eq!(a["practitioner"]["legal_entity"]["id"], "999000001");
        assert_eq!(a["practitioner"]["point_of_care"]["id"], "999000002");
        assert_eq!(a["practitioner"]["department"]["system"], SYSTEM_RESH);
        assert_eq!(a["care_relationship"]["purpose_of_use"]["code"], "TREAT");
        assert_eq!(a["care_relationship"]["purpose_of_use_details"]["code"], "BEHANDLER");
        assert_eq!(a["care_relationship"]["decision_ref"]["user_selected"], true);
        assert!(a["patients"].as_array().unwrap().is_empty());
        // The user's own identifiers are never part of it.
        assert!(!a.to_string().contains("pid"));
    }

    #[test]
    fn break_the_glass_is_its_own_code() {
        let mut a = attestation();
        a.purpose_of_use = PurposeOfUse::BreakTheGlass;
        assert_eq!(a.to_json()["care_relationship"]["purpose_of_use"]["code"], "BTG");
        assert_eq!(assertion_details(None, None), None);
        assert_eq!(assertion_details(None, Some(&a)).unwrap().as_array().unwrap().len(), 1);
    }
}
