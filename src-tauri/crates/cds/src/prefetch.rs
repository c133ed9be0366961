//! Prefetch: the data a service asks for up front, filled from what the workspace
//! already holds (no request is made for it). A template whose tokens cannot be filled,
//! or whose query the workspace cannot answer from what it holds, is left out — the
//! service then fetches it itself through `fhirServer`, or answers 412. A query that
//! can be answered and finds nothing is `null`, as the spec has it.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What the templates' tokens are filled from.
#[derive(Debug, Clone, Default)]
pub struct PrefetchContext {
    /// The hook's context (`{{context.patientId}}`, …).
    pub context: Map<String, Value>,
    /// `{{userPractitionerId}}`: the clinician's Practitioner id.
    pub user_practitioner_id: Option<String>,
    /// `{{userPractitionerRoleId}}`.
    pub user_practitioner_role_id: Option<String>,
}

/// The patient's resources the workspace holds.
pub trait HeldRecord {
    /// The resources of the query's type held for the patient, when they are all there
    /// are for that query (the filters are applied after); `None` when the workspace
    /// cannot say (then nothing is said, not even "none"). A holder with only the latest
    /// vital signs, say, answers a vital-signs query and no other Observation query.
    fn held(&self, query: &PrefetchQuery) -> Option<Vec<Value>>;
}

/// Fills one template; `None` when a token cannot be filled (the key is then left out).
pub fn fill_template(template: &str, ctx: &PrefetchContext) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let value = token_value(after[..end].trim(), ctx)?;
        // A value goes into a URL: FHIR ids only, so nothing can break out of it.
        if !is_fhir_id(&value) {
            return None;
        }
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

fn token_value(token: &str, ctx: &PrefetchContext) -> Option<String> {
    match token {
        "userPractitionerId" => ctx.user_practitioner_id.clone(),
        "userPractitionerRoleId" => ctx.user_practitioner_role_id.clone(),
        _ => {
            let name = token.strip_prefix("context.")?;
            ctx.context.get(name)?.as_str().map(str::to_string)
        }
    }
}

fn is_fhir_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= 64 && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
}

/// A filled query the workspace knows how to answer from what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct PrefetchQuery {
    pub resource_type: String,
    pub id: Option<String>,
    pub params: Vec<(String, String)>,
}

impl PrefetchQuery {
    /// `Type/id` or `Type?param=value&…`; `None` for anything else.
    pub fn parse(query: &str) -> Option<PrefetchQuery> {
        let (path, search) = match query.split_once('?') {
            Some((p, s)) => (p, Some(s)),
            None => (query, None),
        };
        let mut segments = path.split('/');
        let resource_type = segments.next().filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic()))?;
        let id = segments.next().map(str::to_string);
        if segments.next().is_some() || (id.is_some() && search.is_some()) {
            return None;
        }
        if id.as_deref().is_some_and(|i| !is_fhir_id(i)) {
            return None;
        }
        let params = match search {
            None => Vec::new(),
            Some(s) => {
                url::form_urlencoded::parse(s.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
            }
        };
        Some(PrefetchQuery { resource_type: resource_type.to_string(), id, params })
    }

    /// The answer from `held` for the patient `patient_id`: `Some(Value::Null)` when it
    /// finds nothing, `None` when it cannot be answered from what is held.
    pub fn answer(&self, patient_id: &str, held: &dyn HeldRecord) -> Option<Value> {
        let resources = held.held(self)?;
        if let Some(id) = &self.id {
            // The patient herself, or one of her resources by id.
            let found = resources.into_iter().find(|r| r["id"].as_str() == Some(id));
            return Some(found.unwrap_or(Value::Null));
        }
        let mut count = None;
        let mut filters: Vec<&(String, String)> = Vec::new();
        for param in &self.params {
            match param.0.as_str() {
                "patient" | "subject" | "patient:Patient" | "subject:Patient" => {
                    let wanted = param.1.trim_start_matches("Patient/");
                    if wanted != patient_id {
                        return None; // only the open patient's data is held, or given
                    }
                }
                "_count" => count = Some(param.1.parse::<usize>().ok()?),
                "status" | "category" | "code" | "clinical-status" => filters.push(param),
                _ => return None,
            }
        }
        let mut matched: Vec<Value> = resources
            .into_iter()
            .filter(|r| filters.iter().all(|(name, value)| matches_param(r, name, value)))
            .collect();
        if let Some(n) = count {
            matched.truncate(n);
        }
        if matched.is_empty() {
            return Some(Value::Null);
        }
        let entry: Vec<Value> = matched.into_iter().map(|r| json!({ "resource": r })).collect();
        Some(json!({"resourceType": "Bundle", "type": "searchset", "total": entry.len(), "entry": entry}))
    }
}

/// FHIR token search on the few parameters prefetch templates use: any of the
/// comma-separated values, each `code` or `system|code`.
fn matches_param(resource: &Value, name: &str, value: &str) -> bool {
    let field = match name {
        "status" => return value.split(',').any(|v| resource["status"].as_str() == Some(v)),
        "clinical-status" => &resource["clinicalStatus"],
        other => &resource[other],
    };
    let concepts: Vec<&Value> = match field {
        Value::Array(items) => items.iter().collect(),
        Value::Null => return false,
        one => vec![one],
    };
    value.split(',').any(|wanted| {
        let (system, code) = match wanted.split_once('|') {
            Some((s, c)) => (Some(s), c),
            None => (None, wanted),
        };
        concepts.iter().flat_map(|c| c["coding"].as_array().into_iter().flatten()).any(|coding| {
            coding["code"].as_str() == Some(code)
                && system.is_none_or(|s| s.is_empty() || coding["system"].as_str() == Some(s))
        })
    })
}

/// A service's prefetch, each key filled and answered or left out.
pub fn build(
    templates: &BTreeMap<String, String>,
    ctx: &PrefetchContext,
    patient_id: &str,
    held: &dyn HeldRecord,
) -> Map<String, Value> {
    let mut prefetch = Map::new();
    for (key, template) in templates {
        let answer = fill_template(template, ctx)
            .and_then(|q| PrefetchQuery::parse(&q))
            .and_then(|q| q.answer(patient_id, held));
        if let Some(value) = answer {
            prefetch.insert(key.clone(), value);
        }
    }
    prefetch
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Held(HashMap<&'static str, Vec<Value>>);

    impl HeldRecord for Held {
        fn held(&self, query: &PrefetchQuery) -> Option<Vec<Value>> {
            self.0.get(query.resource_type.as_str()).cloned()
        }
    }

    fn ctx() -> PrefetchContext {
        let mut context = Map::new();
        context.insert("patientId".into(), json!("pas-1"));
        context.insert("userId".into(), json!("Practitioner/sykepleier-1"));
        PrefetchContext { context, user_practitioner_id: Some("sykepleier-1".into()), user_practitioner_role_id: None }
    }

    fn vital(id: &str, code: &str) -> Value {
        json!({"resourceType": "Observation", "id": id, "status": "final",
               "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
               "code": {"coding": [{"system": "http://loinc.org", "code": code}]}})
    }

    fn held() -> Held {
        Held(HashMap::from([
            ("Patient", vec![json!({"resourceType": "Patient", "id": "pas-1"})]),
            (
                "Observation",
                vec![
                    vital("o1", "8867-4"),
                    vital("o2", "9279-1"),
                    json!({"resourceType": "Observation", "id": "o3", "status": "final", "code": {"coding": [{"code": "x"}]}}),
                ],
            ),
            (
                "MedicationStatement",
                vec![json!({"resourceType": "MedicationStatement", "id": "m1", "status": "stopped"})],
            ),
        ]))
    }

    #[test]
    fn tokens_are_filled_and_an_unfillable_or_unsafe_one_leaves_the_key_out() {
        assert_eq!(fill_template("Patient/{{context.patientId}}", &ctx()).as_deref(), Some("Patient/pas-1"));
        assert_eq!(
            fill_template("Practitioner/{{userPractitionerId}}", &ctx()).as_deref(),
            Some("Practitioner/sykepleier-1")
        );
        assert_eq!(fill_template("PractitionerRole/{{userPractitionerRoleId}}", &ctx()), None);
        assert_eq!(fill_template("Encounter/{{context.encounterId}}", &ctx()), None, "no stay in context");
        // A context value that is not an id cannot smuggle parameters into the query.
        assert_eq!(fill_template("Observation?patient={{context.userId}}", &ctx()), None);
        assert_eq!(fill_template("Patient/{{context.patientId", &ctx()), None, "unclosed token");
    }

    #[test]
    fn queries_are_answered_from_what_is_held_without_asking_anyone() {
        let templates: BTreeMap<String, String> = [
            ("patient", "Patient/{{context.patientId}}"),
            ("vitals", "Observation?patient={{context.patientId}}&category=vital-signs"),
            ("pulse", "Observation?subject=Patient/{{context.patientId}}&code=http://loinc.org|8867-4&_count=5"),
            ("active", "MedicationStatement?patient={{context.patientId}}&status=active"),
            ("allergies", "AllergyIntolerance?patient={{context.patientId}}"),
            ("sorted", "Observation?patient={{context.patientId}}&_sort=-date"),
            ("other", "Observation?patient=pas-2"),
            ("role", "PractitionerRole/{{userPractitionerRoleId}}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let p = build(&templates, &ctx(), "pas-1", &held());
        assert_eq!(p["patient"]["id"], "pas-1");
        let ids = |key: &str| -> Vec<String> {
            p[key]["entry"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["resource"]["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids("vitals"), ["o1", "o2"]);
        assert_eq!(ids("pulse"), ["o1"]);
        assert_eq!(p["vitals"]["total"], 2);
        assert_eq!(p["active"], Value::Null, "answered, and nothing found: null");
        // Not held, a parameter it cannot apply, another patient, an unfilled token: left out.
        for key in ["allergies", "sorted", "other", "role"] {
            assert!(!p.contains_key(key), "{key}: {p:?}");
        }
    }
}
