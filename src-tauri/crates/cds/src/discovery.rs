//! Discovery (`GET {base}/cds-services`): which services a base offers, at which hook,
//! with which prefetch templates. A service entry that cannot be read is left out and
//! counted; the others are still used.

use crate::error::CdsError;
use serde_json::Value;
use std::collections::BTreeMap;

/// More than this many services behind one base is not a real deployment.
const MAX_SERVICES: usize = 100;
const MAX_PREFETCH_KEYS: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDefinition {
    /// Safe as one path segment of the service URL.
    pub id: String,
    pub hook: String,
    pub title: Option<String>,
    pub description: String,
    /// Key → FHIR query template.
    pub prefetch: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Discovery {
    pub services: Vec<ServiceDefinition>,
    /// Entries left out because they could not be read.
    pub unreadable: u32,
}

impl Discovery {
    pub fn parse(answer: &Value) -> Result<Discovery, CdsError> {
        let entries = answer
            .get("services")
            .and_then(Value::as_array)
            .ok_or_else(|| CdsError::malformed("discovery has no \"services\" array"))?;
        let mut discovery = Discovery::default();
        for entry in entries {
            match read_service(entry) {
                Some(service) if discovery.services.len() < MAX_SERVICES => discovery.services.push(service),
                _ => discovery.unreadable += 1,
            }
        }
        Ok(discovery)
    }

    /// The services offered at `hook`.
    pub fn at<'a>(&'a self, hook: &'a str) -> impl Iterator<Item = &'a ServiceDefinition> + 'a {
        self.services.iter().filter(move |s| s.hook == hook)
    }
}

fn read_service(entry: &Value) -> Option<ServiceDefinition> {
    let text = |name: &str| entry.get(name).and_then(Value::as_str);
    let id = text("id")?;
    let id_ok = !id.is_empty()
        && id.len() <= 128
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
        && id != "."
        && id != "..";
    let hook = text("hook")?;
    if !id_ok || hook.is_empty() || hook.len() > 128 {
        return None;
    }
    let mut prefetch = BTreeMap::new();
    match entry.get("prefetch") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) if map.len() <= MAX_PREFETCH_KEYS => {
            for (key, template) in map {
                prefetch.insert(key.clone(), template.as_str()?.to_string());
            }
        }
        Some(_) => return None,
    }
    Some(ServiceDefinition {
        id: id.to_string(),
        hook: hook.to_string(),
        title: text("title").map(arbeidsflate_model::text::clean).filter(|t| !t.is_empty()),
        description: text("description").map(arbeidsflate_model::text::clean).unwrap_or_default(),
        prefetch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn services_are_read_and_a_bad_entry_is_left_out_and_counted() {
        let answer = json!({"services": [
            {"hook": "patient-view", "id": "vurdering", "title": "Klinisk\u{202e} vurdering", "description": "NEWS2",
             "prefetch": {"patient": "Patient/{{context.patientId}}"}},
            {"hook": "order-sign", "id": "pris", "description": "Pris"},
            {"hook": "patient-view", "id": "../admin", "description": "path escape"},
            {"hook": "patient-view", "description": "no id"},
            {"hook": "patient-view", "id": "x", "description": "y", "prefetch": {"a": 1}},
        ]});
        let d = Discovery::parse(&answer).unwrap();
        assert_eq!(d.services.len(), 2);
        assert_eq!(d.unreadable, 3);
        let first = &d.services[0];
        assert_eq!(first.title.as_deref(), Some("Klinisk vurdering"), "bidi controls removed");
        assert_eq!(first.prefetch["patient"], "Patient/{{context.patientId}}");
        assert_eq!(d.at("patient-view").map(|s| s.id.as_str()).collect::<Vec<_>>(), ["vurdering"]);
    }

    #[test]
    fn an_answer_without_services_is_an_error_and_an_empty_list_is_none() {
        assert!(Discovery::parse(&json!({"cards": []})).is_err());
        assert!(Discovery::parse(&json!("services")).is_err());
        assert_eq!(Discovery::parse(&json!({"services": []})).unwrap(), Discovery::default());
    }
}
