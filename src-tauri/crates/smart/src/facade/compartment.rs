//! The patient compartment as this facade offers it: which resource types an app may
//! see, which element ties each to its patient, and the search parameter that does. A
//! type not listed here is not offered at all. Everything an app asks for is narrowed
//! to the patient in context, and everything that comes back is checked against it.

use serde_json::Value;

/// One offered type: the element naming its patient and whether apps may write it.
pub struct CompartmentType {
    pub resource_type: &'static str,
    /// The element holding the patient reference (`subject`, `patient`, `for`).
    pub patient_element: &'static str,
    pub writable: bool,
}

/// The clinical types an app may read (and, where IT's scopes allow, write) for the
/// patient in context. `Patient` itself is the patient.
pub const OFFERED: &[CompartmentType] = &[
    CompartmentType { resource_type: "Observation", patient_element: "subject", writable: true },
    CompartmentType { resource_type: "Condition", patient_element: "subject", writable: false },
    CompartmentType { resource_type: "AllergyIntolerance", patient_element: "patient", writable: false },
    CompartmentType { resource_type: "MedicationStatement", patient_element: "subject", writable: false },
    CompartmentType { resource_type: "Encounter", patient_element: "subject", writable: false },
    CompartmentType { resource_type: "CarePlan", patient_element: "subject", writable: false },
    CompartmentType { resource_type: "DocumentReference", patient_element: "subject", writable: false },
    CompartmentType { resource_type: "Flag", patient_element: "subject", writable: false },
    CompartmentType { resource_type: "Task", patient_element: "for", writable: false },
    CompartmentType { resource_type: "QuestionnaireResponse", patient_element: "subject", writable: true },
];

pub fn offered(resource_type: &str) -> Option<&'static CompartmentType> {
    OFFERED.iter().find(|t| t.resource_type == resource_type)
}

/// Whether `reference` (as an app or a resource writes it) names the patient `patient`
/// on this facade: `id`, `Patient/id`, or the absolute `{iss}/Patient/id`. Absolute
/// references to any other server never do.
pub fn names_patient(reference: &str, patient: &str, iss: &str) -> bool {
    let relative = format!("Patient/{patient}");
    reference == patient || reference == relative || reference == format!("{iss}/{relative}")
}

/// Whether `resource` is of `resource_type` and in `patient`'s compartment.
pub fn belongs(resource: &Value, resource_type: &str, patient: &str, iss: &str) -> bool {
    if resource["resourceType"] != resource_type {
        return false;
    }
    if resource_type == "Patient" {
        return resource["id"] == patient;
    }
    let Some(kind) = offered(resource_type) else { return false };
    resource[kind.patient_element]["reference"].as_str().is_some_and(|r| r != patient && names_patient(r, patient, iss))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISS: &str = "http://127.0.0.1:5000/fhir";

    #[test]
    fn a_resource_belongs_only_by_its_own_patient_element() {
        let obs = |reference: &str| json!({"resourceType": "Observation", "subject": {"reference": reference}});
        assert!(belongs(&obs("Patient/p1"), "Observation", "p1", ISS));
        assert!(belongs(&obs(&format!("{ISS}/Patient/p1")), "Observation", "p1", ISS));
        for other in ["Patient/p2", "Patient/p1x", "https://elsewhere/fhir/Patient/p1", "Group/p1", "p1"] {
            assert!(!belongs(&obs(other), "Observation", "p1", ISS), "{other}");
        }
        assert!(!belongs(&obs("Patient/p1"), "Condition", "p1", ISS), "the type must match the request");
        let wrong_element = json!({"resourceType": "AllergyIntolerance", "subject": {"reference": "Patient/p1"}});
        assert!(!belongs(&wrong_element, "AllergyIntolerance", "p1", ISS));
        let task = json!({"resourceType": "Task", "for": {"reference": "Patient/p1"}});
        assert!(belongs(&task, "Task", "p1", ISS));
        assert!(belongs(&json!({"resourceType": "Patient", "id": "p1"}), "Patient", "p1", ISS));
        assert!(!belongs(&json!({"resourceType": "Patient", "id": "p2"}), "Patient", "p1", ISS));
        let unoffered = json!({"resourceType": "Practitioner", "subject": {"reference": "Patient/p1"}});
        assert!(!belongs(&unoffered, "Practitioner", "p1", ISS));
    }
}
