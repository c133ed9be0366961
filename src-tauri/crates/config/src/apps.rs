//! The app catalogue ("Butikken"): other suppliers' SMART apps that IT lets run inside
//! the workspace, with the patient in context. Each entry is the registration a SMART
//! authorization server needs (client id, launch URL, exact redirect URIs, the client's
//! kind and keys, the scopes it may get) and what the workspace needs to show it (who
//! sees it, where it opens).

use crate::profile_error::{err, ProfileError};
use arbeidsflate_model::apps::CatalogueApp;
pub use arbeidsflate_model::apps::OpensIn;
use arbeidsflate_model::smart_scope::SmartScope;
use arbeidsflate_model::view::ClinicianRole;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRegistration {
    /// The app's `client_id`: letters, digits, `.`, `_` and `-`.
    pub id: String,
    pub name: String,
    pub supplier: String,
    /// Where the launch starts (`?iss=…&launch=…` is added).
    pub launch_url: String,
    /// The only addresses the authorization code goes to, compared exactly; on the
    /// launch URL's origin, which is the app's one origin.
    pub redirect_uris: Vec<String>,
    pub client: ClientKind,
    /// For `confidential-asymmetric`: the app's public keys, as a JWKS document…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<String>,
    /// …or the address where the app publishes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The most the app may get (SMART v2, `patient/` scopes only); it gets what it
    /// asks for within these.
    pub scopes: Vec<String>,
    /// Whether the app may write (create, update); without it only read scopes are allowed.
    #[serde(default)]
    pub may_write: bool,
    /// The roles that see the app.
    pub roles: Vec<ClinicianRole>,
    #[serde(default)]
    pub opens_in: OpensIn,
}

/// How the app proves who it is at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// A browser app with no secret: PKCE alone.
    Public,
    /// `private_key_jwt` with RS384 or ES384, keys registered here.
    ConfidentialAsymmetric,
}

impl AppRegistration {
    /// The scopes IT allows, parsed (a valid profile has only valid ones).
    pub fn allowed_scopes(&self) -> Vec<SmartScope> {
        self.scopes.iter().filter_map(|s| SmartScope::parse(s).ok()).collect()
    }

    /// The app's origin (`scheme://host:port`), the only one its pages and calls may come from.
    pub fn origin(&self) -> String {
        url::Url::parse(&self.launch_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }

    pub fn visible_to(&self, role: ClinicianRole) -> bool {
        self.roles.contains(&role)
    }

    /// The app as the window lists it (names as display text).
    pub fn listing(&self) -> CatalogueApp {
        CatalogueApp {
            id: self.id.clone(),
            name: arbeidsflate_model::text::clean(&self.name),
            supplier: arbeidsflate_model::text::clean(&self.supplier),
            opens_in: self.opens_in,
        }
    }
}

/// Checks the catalogue; `check_url` is the profile's rule for addresses.
pub(crate) fn validate(
    apps: &[AppRegistration],
    check_url: impl Fn(&str, &str) -> Result<(), ProfileError>,
) -> Result<(), ProfileError> {
    for (i, app) in apps.iter().enumerate() {
        let field = |name: &str| format!("apps[{i}].{name}");
        let valid_id = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if app.id.is_empty() || app.id.len() > 64 || !app.id.chars().all(valid_id) {
            return Err(err(&field("id"), "must be 1–64 letters, digits, '.', '_' or '-'"));
        }
        if apps[..i].iter().any(|earlier| earlier.id == app.id) {
            return Err(err(&field("id"), format!("{} is used twice", app.id)));
        }
        if app.name.trim().is_empty() {
            return Err(err(&field("name"), "must not be empty"));
        }
        if app.supplier.trim().is_empty() {
            return Err(err(&field("supplier"), "must not be empty"));
        }
        check_url(&field("launch_url"), &app.launch_url)?;
        if app.redirect_uris.is_empty() {
            return Err(err(&field("redirect_uris"), "must name at least one address"));
        }
        for (j, uri) in app.redirect_uris.iter().enumerate() {
            let name = format!("apps[{i}].redirect_uris[{j}]");
            check_url(&name, uri)?;
            let parsed = url::Url::parse(uri).map_err(|e| err(&name, e.to_string()))?;
            if parsed.fragment().is_some() {
                return Err(err(&name, "must not have a fragment"));
            }
            if parsed.origin().ascii_serialization() != app.origin() {
                return Err(err(&name, format!("must be on the launch URL's origin {}", app.origin())));
            }
        }
        match (app.client, &app.jwks, &app.jwks_uri) {
            (ClientKind::Public, None, None) => {}
            (ClientKind::Public, _, _) => {
                return Err(err(&field("client"), "a public client has no keys: remove jwks/jwks_uri"))
            }
            (ClientKind::ConfidentialAsymmetric, Some(jwks), None) => check_jwks(&field("jwks"), jwks)?,
            (ClientKind::ConfidentialAsymmetric, None, Some(uri)) => check_url(&field("jwks_uri"), uri)?,
            (ClientKind::ConfidentialAsymmetric, _, _) => {
                return Err(err(
                    &field("client"),
                    "a confidential-asymmetric client needs exactly one of jwks and jwks_uri",
                ))
            }
        }
        if app.scopes.is_empty() {
            return Err(err(&field("scopes"), "must name at least one scope"));
        }
        for scope in &app.scopes {
            let parsed = SmartScope::parse(scope).map_err(|e| err(&field("scopes"), e.to_string()))?;
            if let SmartScope::Patient { permissions, .. } = parsed {
                if permissions.writes() && !app.may_write {
                    return Err(err(&field("scopes"), format!("{scope} writes, and may_write is not set")));
                }
            }
        }
        if app.roles.is_empty() {
            return Err(err(&field("roles"), "must name at least one role"));
        }
    }
    Ok(())
}

/// A JWKS document with at least one key.
fn check_jwks(field: &str, text: &str) -> Result<(), ProfileError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| err(field, format!("not JSON ({e})")))?;
    match doc["keys"].as_array() {
        Some(keys) if !keys.is_empty() => Ok(()),
        _ => Err(err(field, "must be a JWKS document with at least one key in \"keys\"")),
    }
}

#[cfg(test)]
mod tests {
    use crate::profile::tests::GOOD;
    use crate::profile::Profile;

    const APP: &str = r#"
[[apps]]
id = "fallrisiko"
name = "Fallrisiko"
supplier = "Eksempel AS"
launch_url = "https://fallrisiko.example.no/launch"
redirect_uris = ["https://fallrisiko.example.no/app"]
client = "public"
scopes = ["launch", "openid", "fhirUser", "patient/Patient.r", "patient/Observation.crs"]
may_write = true
roles = ["nursing_home_nurse"]
"#;

    fn with(app: &str) -> Result<Profile, crate::profile_error::ProfileError> {
        Profile::parse(&format!("{GOOD}\n{app}"))
    }

    #[test]
    fn a_catalogue_entry_is_read_with_its_defaults() {
        let p = with(APP).unwrap();
        let app = &p.apps[0];
        assert_eq!(app.opens_in, super::OpensIn::Widget);
        assert_eq!(app.origin(), "https://fallrisiko.example.no");
        assert_eq!(app.allowed_scopes().len(), 5);
        assert!(app.visible_to(arbeidsflate_model::view::ClinicianRole::NursingHomeNurse));
        assert!(!app.visible_to(arbeidsflate_model::view::ClinicianRole::HomeCareNurse));
        assert!(Profile::parse(&p.to_toml()).unwrap() == p, "written back as read");
    }

    #[test]
    fn a_wrong_entry_is_refused_naming_the_field() {
        let confidential = APP.replace("client = \"public\"", "client = \"confidential-asymmetric\"");
        let cases = [
            (APP.replace("\"fallrisiko\"", "\"fall risiko\""), "apps[0].id", "letters"),
            (format!("{APP}{APP}"), "apps[1].id", "twice"),
            (
                APP.replace("https://fallrisiko.example.no/launch", "http://fallrisiko.example.no/launch"),
                "apps[0].launch_url",
                "https",
            ),
            (APP.replace("[\"https://fallrisiko.example.no/app\"]", "[]"), "apps[0].redirect_uris", "at least one"),
            (APP.replace("no/app\"", "no/app#x\""), "apps[0].redirect_uris[0]", "fragment"),
            (
                APP.replace("https://fallrisiko.example.no/app", "https://elsewhere.example.no/app"),
                "apps[0].redirect_uris[0]",
                "origin",
            ),
            (APP.replace("may_write = true", "may_write = false"), "apps[0].scopes", "may_write"),
            (APP.replace("\"patient/Patient.r\"", "\"user/Patient.r\""), "apps[0].scopes", "only patient/"),
            (APP.replace("[\"nursing_home_nurse\"]", "[]"), "apps[0].roles", "at least one"),
            (confidential.clone(), "apps[0].client", "exactly one"),
            (format!("{confidential}jwks = \"{{}}\"\n"), "apps[0].jwks", "at least one key"),
            (
                format!("{APP}jwks_uri = \"https://fallrisiko.example.no/jwks\"\n"),
                "apps[0].client",
                "public client has no keys",
            ),
        ];
        for (text, field, reason) in cases {
            let e = with(&text).unwrap_err();
            assert_eq!(e.field, field, "{e}");
            assert!(e.reason.contains(reason), "{e}");
        }
        let good_confidential = format!("{confidential}jwks_uri = \"https://fallrisiko.example.no/jwks\"\n");
        assert!(with(&good_confidential).is_ok());
    }
}
