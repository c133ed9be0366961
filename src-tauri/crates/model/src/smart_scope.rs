//! SMART App Launch 2.2 scopes as this workspace grants them to other suppliers' apps.
//!
//! Only the patient compartment is offered: an app sees the patient in context and no
//! one else, so `user/` and `system/` resource scopes are refused, and so are query
//! constraints (`patient/Observation.rs?category=…`), which this host does not enforce.
//! Scopes use the v2 syntax (`.cruds`); v1's `.read`/`.write`/`.*` are refused with the
//! v2 spelling to use instead.

use std::fmt;

/// What an app may do with one kind of resource: SMART v2's `c r u d s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions {
    pub create: bool,
    pub read: bool,
    pub update: bool,
    pub delete: bool,
    pub search: bool,
}

impl Permissions {
    const ORDER: [char; 5] = ['c', 'r', 'u', 'd', 's'];

    fn flags(self) -> [bool; 5] {
        [self.create, self.read, self.update, self.delete, self.search]
    }

    fn from_flags(f: [bool; 5]) -> Self {
        Self { create: f[0], read: f[1], update: f[2], delete: f[3], search: f[4] }
    }

    /// `cruds`, a non-empty subset in that order.
    fn parse(text: &str) -> Option<Self> {
        let mut flags = [false; 5];
        let mut next = 0;
        for ch in text.chars() {
            let at = Self::ORDER.iter().position(|c| *c == ch)?;
            if at < next {
                return None;
            }
            flags[at] = true;
            next = at + 1;
        }
        flags.iter().any(|f| *f).then(|| Self::from_flags(flags))
    }

    pub fn intersect(self, other: Self) -> Self {
        let (a, b) = (self.flags(), other.flags());
        Self::from_flags(std::array::from_fn(|i| a[i] && b[i]))
    }

    pub fn is_empty(self) -> bool {
        !self.flags().iter().any(|f| *f)
    }

    /// Whether the app may change data (create, update or delete).
    pub fn writes(self) -> bool {
        self.create || self.update || self.delete
    }

    /// Whether everything `other` allows is allowed here.
    pub fn covers(self, other: Self) -> bool {
        self.intersect(other) == other
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (ch, on) in Self::ORDER.iter().zip(self.flags()) {
            if on {
                write!(f, "{ch}")?;
            }
        }
        Ok(())
    }
}

/// A resource type, or `*` for every type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceTypes {
    All,
    One(String),
}

impl ResourceTypes {
    pub fn includes(&self, resource_type: &str) -> bool {
        match self {
            ResourceTypes::All => true,
            ResourceTypes::One(t) => t == resource_type,
        }
    }

    fn intersect(&self, other: &Self) -> Option<Self> {
        match (self, other) {
            (ResourceTypes::All, x) | (x, ResourceTypes::All) => Some(x.clone()),
            (ResourceTypes::One(a), ResourceTypes::One(b)) => (a == b).then(|| self.clone()),
        }
    }
}

/// One scope this host understands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SmartScope {
    /// `launch`: the EHR's context for this launch.
    Launch,
    /// `launch/patient`
    LaunchPatient,
    /// `launch/encounter`
    LaunchEncounter,
    OpenId,
    /// `fhirUser`: the clinician's Practitioner in the id_token.
    FhirUser,
    /// `online_access`: a refresh token for as long as the clinician's session lasts.
    OnlineAccess,
    /// `patient/<Type|*>.<cruds>`
    Patient {
        types: ResourceTypes,
        permissions: Permissions,
    },
}

/// Why a scope string is not one this host grants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{scope}: {reason}")]
pub struct ScopeError {
    pub scope: String,
    pub reason: String,
}

impl SmartScope {
    pub fn parse(text: &str) -> Result<Self, ScopeError> {
        let refuse = |reason: &str| Err(ScopeError { scope: text.to_string(), reason: reason.to_string() });
        match text {
            "launch" => return Ok(Self::Launch),
            "launch/patient" => return Ok(Self::LaunchPatient),
            "launch/encounter" => return Ok(Self::LaunchEncounter),
            "openid" => return Ok(Self::OpenId),
            "fhirUser" => return Ok(Self::FhirUser),
            "online_access" => return Ok(Self::OnlineAccess),
            "offline_access" => {
                return refuse("not offered: an app's access ends with the clinician's session (use online_access)")
            }
            _ => {}
        }
        let Some((context, rest)) = text.split_once('/') else { return refuse("not a SMART scope") };
        match context {
            "patient" => {}
            "user" | "system" => return refuse("only patient/ scopes are offered: an app sees the patient in context"),
            _ => return refuse("not a SMART scope"),
        }
        if rest.contains('?') {
            return refuse("query constraints on scopes are not supported by this host");
        }
        let Some((resource, permissions)) = rest.split_once('.') else {
            return refuse("no permissions after the type");
        };
        let types = match resource {
            "*" => ResourceTypes::All,
            t if is_resource_type(t) => ResourceTypes::One(t.to_string()),
            _ => return refuse("not a FHIR resource type"),
        };
        let permissions = match permissions {
            "read" | "write" | "*" => return refuse("SMART v1 permissions: use the v2 form (.rs, .cud or .cruds)"),
            p => match Permissions::parse(p) {
                Some(p) => p,
                None => return refuse("permissions must be a subset of cruds, in that order"),
            },
        };
        Ok(Self::Patient { types, permissions })
    }

    /// The scope `requested` narrowed to what `allowed` permits, if anything.
    fn narrowed_by(&self, allowed: &Self) -> Option<Self> {
        match (self, allowed) {
            (
                Self::Patient { types: want, permissions: want_perms },
                Self::Patient { types: may, permissions: may_perms },
            ) => {
                let types = want.intersect(may)?;
                let permissions = want_perms.intersect(*may_perms);
                (!permissions.is_empty()).then_some(Self::Patient { types, permissions })
            }
            (a, b) if a == b => Some(a.clone()),
            _ => None,
        }
    }
}

impl fmt::Display for SmartScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Launch => f.write_str("launch"),
            Self::LaunchPatient => f.write_str("launch/patient"),
            Self::LaunchEncounter => f.write_str("launch/encounter"),
            Self::OpenId => f.write_str("openid"),
            Self::FhirUser => f.write_str("fhirUser"),
            Self::OnlineAccess => f.write_str("online_access"),
            Self::Patient { types: ResourceTypes::All, permissions } => write!(f, "patient/*.{permissions}"),
            Self::Patient { types: ResourceTypes::One(t), permissions } => write!(f, "patient/{t}.{permissions}"),
        }
    }
}

/// A FHIR resource type's shape: an upper-case letter, then letters (`Observation`).
pub fn is_resource_type(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphabetic()) && text.len() <= 64
}

/// A set of granted scopes, as the token answer's space-separated `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grant(Vec<SmartScope>);

impl Grant {
    /// What an app asking for `requested` (space-separated) gets, given what IT allows it:
    /// each requested scope narrowed to the allowed ones; what it may not have, and what
    /// this host does not understand, is left out (the answer's `scope` says what was
    /// granted, as SMART lets an EHR do).
    pub fn narrow(requested: &str, allowed: &[SmartScope]) -> Self {
        let mut granted: Vec<SmartScope> = Vec::new();
        for want in requested.split_ascii_whitespace().filter_map(|s| SmartScope::parse(s).ok()) {
            for may in allowed {
                if let Some(scope) = want.narrowed_by(may) {
                    if !granted.contains(&scope) {
                        granted.push(scope);
                    }
                }
            }
        }
        Self(granted)
    }

    pub fn scopes(&self) -> &[SmartScope] {
        &self.0
    }

    pub fn has(&self, scope: &SmartScope) -> bool {
        self.0.contains(scope)
    }

    /// Whether the grant lets the app do `wanted` with `resource_type` in the patient's
    /// compartment.
    pub fn permits(&self, resource_type: &str, wanted: Permissions) -> bool {
        let mut have = Permissions::default();
        for scope in &self.0 {
            if let SmartScope::Patient { types, permissions } = scope {
                if types.includes(resource_type) {
                    have = Permissions::from_flags(std::array::from_fn(|i| have.flags()[i] || permissions.flags()[i]));
                }
            }
        }
        have.covers(wanted)
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> Vec<SmartScope> {
        list.iter().map(|s| SmartScope::parse(s).unwrap()).collect()
    }

    #[test]
    fn v2_scopes_parse_and_print_back() {
        for text in ["launch", "openid", "fhirUser", "patient/Observation.rs", "patient/*.cruds", "patient/Patient.r"] {
            assert_eq!(SmartScope::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn what_this_host_does_not_grant_is_refused_with_the_reason() {
        for (text, reason) in [
            ("user/Observation.rs", "only patient/"),
            ("system/*.rs", "only patient/"),
            ("patient/Observation.read", "v2 form"),
            ("patient/Observation.*", "v2 form"),
            ("patient/Observation.sr", "in that order"),
            ("patient/Observation.rr", "in that order"),
            ("patient/Observation.", "subset of cruds"),
            ("patient/Observation.x", "subset of cruds"),
            ("patient/observation.rs", "resource type"),
            ("patient/Observation.rs?category=laboratory", "query constraints"),
            ("offline_access", "online_access"),
            ("patient/Observation", "no permissions"),
            ("profile", "not a SMART scope"),
        ] {
            let e = SmartScope::parse(text).unwrap_err();
            assert!(e.reason.contains(reason), "{text}: {e}");
        }
    }

    #[test]
    fn a_request_is_narrowed_to_what_the_profile_allows_the_app() {
        let allowed = scopes(&["launch", "openid", "fhirUser", "patient/Observation.crs", "patient/Patient.rs"]);
        let grant = Grant::narrow(
            "launch openid fhirUser patient/*.cruds user/*.cruds patient/MedicationRequest.rs online_access junk",
            &allowed,
        );
        assert_eq!(grant.to_string(), "launch openid fhirUser patient/Observation.crs patient/Patient.rs");
        assert!(grant.permits("Observation", Permissions { create: true, ..Default::default() }));
        assert!(!grant.permits("Observation", Permissions { delete: true, ..Default::default() }));
        assert!(!grant.permits("MedicationRequest", Permissions { read: true, ..Default::default() }));
        assert!(!grant.permits("Patient", Permissions { update: true, ..Default::default() }));
    }

    #[test]
    fn a_wildcard_allowance_grants_only_what_was_asked() {
        let grant = Grant::narrow("patient/Condition.rs patient/Observation.r", &scopes(&["patient/*.rs"]));
        assert_eq!(grant.to_string(), "patient/Condition.rs patient/Observation.r");
        assert!(!grant.permits("Observation", Permissions { search: true, ..Default::default() }));
        assert_eq!(Grant::narrow("", &scopes(&["patient/*.rs"])).scopes(), &[]);
    }
}
