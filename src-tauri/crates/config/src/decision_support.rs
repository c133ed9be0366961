//! Decision support: the CDS Hooks services IT chose for the municipality. Each entry is
//! a service base URL (its discovery is `{base_url}/cds-services`), the hooks the
//! workspace calls it at, whether it may read the patient's record through the SMART
//! facade itself, and how long the workspace waits for it.

use crate::profile_error::{err, ProfileError};
use serde::{Deserialize, Serialize};

/// The hooks the workspace fires.
pub const SUPPORTED_HOOKS: &[&str] = &["patient-view"];

/// How long a service may take when IT sets nothing: cards that come later than the
/// sources are still shown, but a service is not waited on for ever.
const DEFAULT_DEADLINE_MS: u32 = 3000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionSupportService {
    /// Shown until discovery gives the service's own title.
    pub name: String,
    /// Without `/cds-services`; https (or loopback http for the sandbox).
    pub base_url: String,
    /// Hooks the workspace calls this service at (`patient-view`).
    #[serde(default = "default_hooks")]
    pub hooks: Vec<String>,
    /// Whether the call carries `fhirServer` and a short-lived token for the patient
    /// (read scopes only, through the SMART facade), so the service can fetch what its
    /// prefetch did not get.
    #[serde(default)]
    pub fhir_access: bool,
    /// Milliseconds the workspace waits for an answer.
    #[serde(default = "default_deadline")]
    pub deadline_ms: u32,
}

fn default_hooks() -> Vec<String> {
    vec!["patient-view".into()]
}

fn default_deadline() -> u32 {
    DEFAULT_DEADLINE_MS
}

impl DecisionSupportService {
    /// The discovery endpoint.
    pub fn discovery_url(&self) -> String {
        format!("{}/cds-services", self.base_url.trim_end_matches('/'))
    }

    /// The endpoint of one of its services (an id discovery gave).
    pub fn service_url(&self, id: &str) -> String {
        format!("{}/{id}", self.discovery_url())
    }

    pub fn calls(&self, hook: &str) -> bool {
        self.hooks.iter().any(|h| h == hook)
    }
}

/// Checks the services; `check_url` is the profile's rule for addresses.
pub(crate) fn validate(
    services: &[DecisionSupportService],
    check_url: impl Fn(&str, &str) -> Result<(), ProfileError>,
) -> Result<(), ProfileError> {
    for (i, service) in services.iter().enumerate() {
        let field = |name: &str| format!("decision_support[{i}].{name}");
        if service.name.trim().is_empty() {
            return Err(err(&field("name"), "must not be empty"));
        }
        check_url(&field("base_url"), &service.base_url)?;
        let parsed = url::Url::parse(&service.base_url).map_err(|e| err(&field("base_url"), e.to_string()))?;
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(err(&field("base_url"), "must have no query or fragment"));
        }
        if services[..i].iter().any(|earlier| earlier.base_url == service.base_url) {
            return Err(err(&field("base_url"), format!("{} is listed twice", service.base_url)));
        }
        if service.hooks.is_empty() {
            return Err(err(&field("hooks"), "must name at least one hook"));
        }
        if let Some(hook) = service.hooks.iter().find(|h| !SUPPORTED_HOOKS.contains(&h.as_str())) {
            return Err(err(
                &field("hooks"),
                format!("{hook} is not a hook the workspace fires (it fires {})", SUPPORTED_HOOKS.join(", ")),
            ));
        }
        if !(100..=30_000).contains(&service.deadline_ms) {
            return Err(err(&field("deadline_ms"), "must be between 100 and 30000 milliseconds"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::profile::tests::GOOD;
    use crate::profile::Profile;

    const SERVICE: &str = r#"
[[decision_support]]
name = "Klinisk vurdering"
base_url = "https://cds.example.no/api"
"#;

    fn with(text: &str) -> Result<Profile, crate::profile_error::ProfileError> {
        Profile::parse(&format!("{GOOD}\n{text}"))
    }

    #[test]
    fn a_service_is_read_with_its_defaults_and_its_addresses() {
        let p = with(SERVICE).unwrap();
        let s = &p.decision_support[0];
        assert_eq!(
            (s.hooks.as_slice(), s.fhir_access, s.deadline_ms),
            (&["patient-view".to_string()][..], false, 3000)
        );
        assert_eq!(s.discovery_url(), "https://cds.example.no/api/cds-services");
        assert_eq!(s.service_url("vurdering"), "https://cds.example.no/api/cds-services/vurdering");
        assert!(s.calls("patient-view") && !s.calls("order-sign"));
        assert!(Profile::parse(&p.to_toml()).unwrap() == p, "written back as read");
    }

    #[test]
    fn a_wrong_service_is_refused_naming_the_field() {
        let cases = [
            (SERVICE.replace("\"Klinisk vurdering\"", "\" \""), "decision_support[0].name", "empty"),
            (SERVICE.replace("https://cds", "http://cds"), "decision_support[0].base_url", "https"),
            (SERVICE.replace("/api\"", "/api?x=1\""), "decision_support[0].base_url", "no query"),
            (format!("{SERVICE}{SERVICE}"), "decision_support[1].base_url", "twice"),
            (format!("{SERVICE}hooks = []\n"), "decision_support[0].hooks", "at least one"),
            (format!("{SERVICE}hooks = [\"order-sign\"]\n"), "decision_support[0].hooks", "order-sign is not"),
            (format!("{SERVICE}deadline_ms = 50\n"), "decision_support[0].deadline_ms", "between"),
            (format!("{SERVICE}token = \"x\"\n"), "decision_support.token", "unknown field"),
        ];
        for (text, field, reason) in cases {
            let e = with(&text).unwrap_err();
            assert!(e.field.starts_with(field), "{field}: {e}");
            assert!(e.reason.contains(reason) || e.to_string().contains(reason), "{reason}: {e}");
        }
    }
}
