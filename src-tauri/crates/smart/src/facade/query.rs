//! An app's search, narrowed to the patient in context before it is forwarded. Anything
//! that could reach past the compartment is refused rather than rewritten: `_include`
//! and `_revinclude` (other resources by reference), chained parameters (`subject.name`),
//! `_has`, and patient parameters naming anyone else. What is left is forwarded with
//! the patient parameter set by the facade, and what comes back is checked again.

use super::compartment::{names_patient, offered};

/// Why a search is refused (the message goes back to the app in an OperationOutcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryRefusal {
    /// Reaches outside the patient in context (403).
    OutsideCompartment(String),
    /// Not something this facade supports (400).
    Unsupported(String),
}

/// The page size the platform is read in.
pub const PAGE_SIZE: u32 = 200;

/// Parameters that only shape the answer, allowed as they are.
const RESULT_PARAMETERS: &[&str] = &["_count", "_sort", "_elements", "_summary", "_total", "_format"];

/// Parameters refused because they reach other resources or run queries of their own.
const REFUSED: &[&str] =
    &["_include", "_revinclude", "_has", "_query", "_filter", "_list", "_contained", "_containedType"];

/// Modifiers that only narrow the parameter they are on.
const MODIFIERS: &[&str] =
    &["missing", "exact", "contains", "not", "text", "above", "below", "in", "not-in", "of-type"];

/// The parameters to forward for the app's `params` on `resource_type`, with the
/// compartment's own parameter set to `patient`.
pub fn narrow(
    resource_type: &str,
    params: &[(String, String)],
    patient: &str,
    iss: &str,
) -> Result<Vec<(String, String)>, QueryRefusal> {
    let compartment_param = if resource_type == "Patient" { "_id" } else { "patient" };
    let patient_params: &[&str] = if resource_type == "Patient" { &["_id"] } else { &["patient", "subject", "for"] };
    let mut forwarded = Vec::new();
    for (name, value) in params {
        let (base, modifier) = match name.split_once(':') {
            Some((b, m)) => (b, Some(m)),
            None => (name.as_str(), None),
        };
        let bare = base.trim_end_matches(|c: char| c.is_ascii_digit());
        if REFUSED.iter().any(|r| bare == *r || base.starts_with(&format!("{r}:"))) {
            return Err(QueryRefusal::OutsideCompartment(format!("{base} reaches other resources and is not offered")));
        }
        if base.contains('.') || modifier.is_some_and(|m| m.contains('.')) {
            return Err(QueryRefusal::OutsideCompartment(format!("chained parameters ({name}) are not offered")));
        }
        if !base.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') || base.is_empty() {
            return Err(QueryRefusal::Unsupported(format!("{name} is not a search parameter")));
        }
        if let Some(m) = modifier {
            let patient_type = m == "Patient" && patient_params.contains(&base);
            if !(MODIFIERS.contains(&m) || patient_type) {
                return Err(QueryRefusal::Unsupported(format!("the modifier :{m} is not supported")));
            }
        }
        if patient_params.contains(&base) {
            // Every value (comma-separated alternatives too) must name the patient in context.
            if modifier.is_some_and(|m| m != "Patient") || !value.split(',').all(|v| names_patient(v, patient, iss)) {
                return Err(QueryRefusal::OutsideCompartment(format!(
                    "{name} may only name the patient the app was launched for"
                )));
            }
            continue;
        }
        if base == "_count" {
            // The facade answers with every match in one Bundle; the platform is read in
            // pages of its own size, so an app's `_count=1` is not a thousand requests.
            continue;
        }
        if base == "_id" {
            // Allowed: it can only narrow within the compartment the facade sets.
        } else if base.starts_with('_') && !RESULT_PARAMETERS.contains(&base) && base != "_lastUpdated" {
            return Err(QueryRefusal::Unsupported(format!("{base} is not supported")));
        }
        forwarded.push((name.clone(), value.clone()));
    }
    if resource_type != "Patient" && offered(resource_type).is_none() {
        return Err(QueryRefusal::OutsideCompartment(format!("{resource_type} is not offered to apps")));
    }
    let value = if resource_type == "Patient" { patient.to_string() } else { format!("Patient/{patient}") };
    forwarded.push((compartment_param.to_string(), value));
    forwarded.push(("_count".to_string(), PAGE_SIZE.to_string()));
    Ok(forwarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "http://127.0.0.1:5000/fhir";

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_search_is_forwarded_for_the_patient_in_context_only() {
        let out = narrow("Observation", &p(&[("code", "8867-4"), ("_count", "50")]), "p1", ISS).unwrap();
        assert_eq!(
            out,
            p(&[("code", "8867-4"), ("patient", "Patient/p1"), ("_count", "200")]),
            "the app's _count does not page"
        );
        let same = narrow("Observation", &p(&[("subject", &format!("{ISS}/Patient/p1"))]), "p1", ISS).unwrap();
        assert_eq!(
            same,
            p(&[("patient", "Patient/p1"), ("_count", "200")]),
            "the app's own patient parameter is replaced"
        );
        let typed = narrow("Observation", &p(&[("subject:Patient", "p1")]), "p1", ISS).unwrap();
        assert_eq!(typed, p(&[("patient", "Patient/p1"), ("_count", "200")]));
        assert_eq!(narrow("Patient", &p(&[]), "p1", ISS).unwrap(), p(&[("_id", "p1"), ("_count", "200")]));
        let by_id = narrow("Observation", &p(&[("_id", "o9")]), "p1", ISS).unwrap();
        assert_eq!(
            by_id,
            p(&[("_id", "o9"), ("patient", "Patient/p1"), ("_count", "200")]),
            "_id narrows within the compartment"
        );
    }

    #[test]
    fn everything_reaching_past_the_patient_is_refused() {
        let outside = |rtype: &str, params: &[(&str, &str)]| {
            matches!(narrow(rtype, &p(params), "p1", ISS), Err(QueryRefusal::OutsideCompartment(_)))
        };
        assert!(outside("Observation", &[("patient", "p2")]));
        assert!(outside("Observation", &[("patient", "p1,p2")]));
        assert!(outside("Observation", &[("subject", "https://elsewhere/fhir/Patient/p1")]));
        assert!(outside("Observation", &[("subject", "Group/g1")]));
        assert!(outside("Patient", &[("_id", "p2")]));
        assert!(outside("Observation", &[("_include", "Observation:subject")]));
        assert!(outside("Observation", &[("_include:iterate", "Observation:subject")]));
        assert!(outside("Patient", &[("_revinclude", "Observation:subject")]));
        assert!(outside("Observation", &[("subject.name", "Nordmann")]));
        assert!(outside("Observation", &[("subject:Patient.name", "Nordmann")]));
        assert!(outside("Patient", &[("_has:Observation:patient:code", "8867-4")]));
        assert!(outside("Practitioner", &[]), "a type outside the compartment");
        assert!(outside("Observation", &[("patient:missing", "true")]));
    }

    #[test]
    fn what_the_facade_does_not_support_is_refused_plainly() {
        let unsupported = |params: &[(&str, &str)]| {
            matches!(narrow("Observation", &p(params), "p1", ISS), Err(QueryRefusal::Unsupported(_)))
        };
        assert!(unsupported(&[("code:weird", "x")]));
        assert!(unsupported(&[("_text", "x")]));
        assert!(unsupported(&[("co de", "x")]));
        assert!(unsupported(&[("", "x")]));
    }
}
