//! What the access log says about each lookup and write, and how an entry is shipped
//! to the municipal platform: a FHIR `AuditEvent` in the shape of HL7 Norway's
//! AuditEvent profiles (who, on whose behalf, which patient, on which basis), with the
//! entry's chain hash as its id so shipping twice stores it once.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One access log entry. It names the patient and the user, so it is kept only in the
/// encrypted cache and sent only to the platform, never to technical logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessLogEntry {
    pub user_pid: String,
    pub hpr_number: String,
    /// The user's HPR category (`SP`, `LE` …).
    pub role: String,
    pub user_name: String,
    /// The organisation (sub-unit) number acted for, from the profile.
    pub organisation: Option<String>,
    /// The unit (point of care) as the platform names it.
    pub point_of_care: String,
    /// The patient's national identity number or, lacking one, the platform's id.
    pub patient: String,
    /// `view`, `sync`, `write:vitals`, `write:note`, `write:task-completed`.
    pub action: String,
    /// The sources asked, or written to.
    pub sources: Vec<String>,
    /// The access basis (`UNNTAK`, `AKUTT` …).
    pub basis: String,
    pub emergency_reason: Option<String>,
    /// `online`, or `cache` for what was read from the offline cache.
    pub mode: String,
    /// The other supplier's app that asked (its client id), when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
}

const FNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
const HPR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
const ORGNR_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.4.101";
/// The workspace's SMART client ids (the app catalogue's `id`).
const APP_SYSTEM: &str = "urn:arbeidsflate:smart-client-id";

/// The `AuditEvent` for an entry logged at `at` with chain hash `hash` (64 hex: a valid FHIR id).
pub fn audit_event(entry: &AccessLogEntry, at: &str, hash: &str) -> Value {
    let write = entry.action.starts_with("write:");
    let (action, subtype) = if write { ("C", "create") } else { ("R", "read") };
    let patient_identifier = if entry.patient.len() == 11 && entry.patient.chars().all(|c| c.is_ascii_digit()) {
        json!({"system": FNR_SYSTEM, "value": entry.patient})
    } else {
        json!({"value": entry.patient})
    };
    let mut detail = vec![
        json!({"type": "action", "valueString": entry.action}),
        json!({"type": "mode", "valueString": entry.mode}),
        json!({"type": "sources", "valueString": entry.sources.join(", ")}),
    ];
    if let Some(reason) = &entry.emergency_reason {
        detail.push(json!({"type": "emergency-reason", "valueString": reason}));
    }
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": hash,
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110", "display": "Patient Record"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": subtype}],
        "action": action,
        "recorded": at,
        "outcome": "0",
        "purposeOfEvent": [{"coding": [{"system": "urn:oid:2.16.578.1.12.4.1.1.9151", "code": entry.basis}]}],
        "agent": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}]},
            "who": {"identifier": {"system": HPR_SYSTEM, "value": entry.hpr_number}, "display": entry.user_name},
            "altId": entry.user_pid,
            "role": [{"coding": [{"system": "urn:oid:2.16.578.1.12.4.1.1.9060", "code": entry.role}]}],
            "requestor": true,
            "location": {"display": entry.point_of_care},
        }, {
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass", "code": "PROV"}]},
            "who": entry.organisation.as_ref().map(|o| json!({"identifier": {"system": ORGNR_SYSTEM, "value": o}})).unwrap_or(json!({"display": entry.point_of_care})),
            "requestor": false,
        }],
        "source": {
            "observer": {"display": format!("Arbeidsflate {}", env!("CARGO_PKG_VERSION"))},
            "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "1"}],
        },
        "entity": [{
            "what": {"identifier": patient_identifier},
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1"},
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"},
            "detail": detail,
        }],
    });
    // Another supplier's app asked on the clinician's behalf: it is an agent too.
    if let Some(app) = &entry.app {
        event["agent"].as_array_mut().expect("agents").push(json!({
            "type": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110150", "display": "Application"}]},
            "who": {"identifier": {"system": APP_SYSTEM, "value": app}},
            "requestor": false,
        }));
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, reason: Option<&str>) -> AccessLogEntry {
        AccessLogEntry {
            user_pid: "01918049866".into(),
            hpr_number: "565501872".into(),
            role: "SP".into(),
            user_name: "Syntetisk Sykepleier".into(),
            organisation: Some("999000002".into()),
            point_of_care: "Solsikken".into(),
            patient: "13814006675".into(),
            action: action.into(),
            sources: vec!["Kommunal plattform".into(), "Kjernejournal".into()],
            basis: "AKUTT".into(),
            emergency_reason: reason.map(str::to_string),
            mode: "online".into(),
            app: None,
        }
    }

    #[test]
    fn an_entry_becomes_an_audit_event_naming_who_whom_and_why() {
        let hash = "a".repeat(64);
        let e = audit_event(&entry("view", Some("Bevisstløs")), "2026-11-22T07:00:00Z", &hash);
        assert_eq!(e["id"], hash.as_str());
        assert_eq!(e["action"], "R");
        assert_eq!(e["entity"][0]["what"]["identifier"]["system"], FNR_SYSTEM);
        assert_eq!(e["entity"][0]["what"]["identifier"]["value"], "13814006675");
        assert_eq!(e["agent"][0]["who"]["identifier"]["value"], "565501872");
        assert_eq!(e["agent"][1]["who"]["identifier"]["value"], "999000002");
        assert_eq!(e["purposeOfEvent"][0]["coding"][0]["code"], "AKUTT");
        let details = e["entity"][0]["detail"].as_array().unwrap();
        assert!(details.iter().any(|d| d["type"] == "emergency-reason" && d["valueString"] == "Bevisstløs"));
        let w = audit_event(&entry("write:vitals", None), "2026-11-22T07:00:00Z", &hash);
        assert_eq!(w["action"], "C");
        assert!(!w["entity"][0]["detail"].as_array().unwrap().iter().any(|d| d["type"] == "emergency-reason"));
    }
}
