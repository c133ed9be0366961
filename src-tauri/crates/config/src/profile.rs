//! The deployment profile: a TOML file that IT controls, naming the environment,
//! HelseID and the data sources. Validated at start; every error names its field.

use crate::profile_error::err;
pub use crate::profile_error::ProfileError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

pub use arbeidsflate_model::layout::{LayoutItem, WidgetId};
use arbeidsflate_model::view::ClinicianRole;
pub use arbeidsflate_model::view::EnvironmentKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub environment: Environment,
    pub helseid: HelseIdSettings,
    pub municipal: MunicipalSettings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<OrganisationSettings>,
    /// NHN's national services; each may be left out (then it shows as not configured).
    #[serde(default)]
    pub national: NationalSettings,
    #[serde(default)]
    pub session: SessionSettings,
    #[serde(default)]
    pub offline: OfflineSettings,
    /// The patient overview's widgets per role; a role left out gets the built-in default.
    #[serde(default)]
    pub layouts: LayoutSettings,
    #[serde(default)]
    pub updates: UpdateSettings,
    #[serde(default)]
    pub network: NetworkSettings,
    #[serde(default)]
    pub logging: LoggingSettings,
    /// Other suppliers' SMART apps IT lets run inside the workspace ("Butikken").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<crate::apps::AppRegistration>,
    /// The CDS Hooks services whose cards the workspace shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decision_support: Vec<crate::decision_support::DecisionSupportService>,
}

/// How the app reaches the health network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    /// PEM files of certificate authorities to trust beside the OS's own (the health
    /// network's or the municipality's internal CA), for every connection the app makes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_ca_certificates: Vec<std::path::PathBuf>,
}

/// How much the technical log says. Whatever the level, it never holds patient data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingSettings {
    #[serde(default)]
    pub level: LogLevel,
}

/// The level of Arbeidsflate's own log lines (other libraries stay at warnings: their
/// debug lines can hold URLs with identifiers in them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
}

/// What IT decides about versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// The oldest version allowed to open patient data (`MAJOR.MINOR.PATCH`): an older
    /// one tells the user to update and shows nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_version: Option<String>,
    /// Where the app asks for signed updates (Tauri's update feed; `{{target}}`, `{{arch}}`,
    /// `{{current_version}}` and `{{bundle_type}}` are filled in). Absent: updates are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
    /// How often a running app asks the feed again.
    #[serde(default = "default_check_hours")]
    pub check_hours: u32,
}

impl Default for UpdateSettings {
    fn default() -> Self {
        Self { minimum_version: None, feed: None, check_hours: default_check_hours() }
    }
}

impl UpdateSettings {
    /// Whether this build is older than IT allows.
    pub fn update_required(&self) -> bool {
        self.minimum_version.as_deref().is_some_and(|m| crate::version::is_older(crate::version::CURRENT, m))
    }
}

/// Default layouts per role, with IT's locks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nursing_home_nurse: Option<RoleLayoutSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_care_nurse: Option<RoleLayoutSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nursing_home_doctor: Option<RoleLayoutSettings>,
}

impl LayoutSettings {
    pub fn for_role(&self, role: ClinicianRole) -> Option<&RoleLayoutSettings> {
        match role {
            ClinicianRole::NursingHomeNurse => self.nursing_home_nurse.as_ref(),
            ClinicianRole::HomeCareNurse => self.home_care_nurse.as_ref(),
            ClinicianRole::NursingHomeDoctor => self.nursing_home_doctor.as_ref(),
        }
    }

    fn named(&self) -> [(&'static str, Option<&RoleLayoutSettings>); 3] {
        [
            ("nursing_home_nurse", self.nursing_home_nurse.as_ref()),
            ("home_care_nurse", self.home_care_nurse.as_ref()),
            ("nursing_home_doctor", self.nursing_home_doctor.as_ref()),
        ]
    }
}

/// One role's default widgets, in order, and the widgets IT locks on or off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleLayoutSettings {
    pub widgets: Vec<LayoutItem>,
    /// Always shown; the user cannot remove them. Must be among `widgets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locked_on: Vec<WidgetId>,
    /// Never shown; the user cannot add them. Must not be among `widgets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locked_off: Vec<WidgetId>,
}

/// The offline cache: whether it is used, how long it is kept, and IT's wipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineSettings {
    /// Keep the worklist in an encrypted cache for use without a network.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Cached data older than this since the last sync is removed.
    #[serde(default = "default_retention_hours")]
    pub retention_hours: u32,
    /// How long the cache stays readable after the sign-in can no longer be renewed.
    #[serde(default = "default_grace_hours")]
    pub grace_hours: u32,
    /// IT's remote wipe: every user's cache on this machine is removed at start, and none is kept.
    #[serde(default)]
    pub wipe: bool,
    /// Resources per page when syncing.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

impl Default for OfflineSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            retention_hours: default_retention_hours(),
            grace_hours: default_grace_hours(),
            wipe: false,
            page_size: default_page_size(),
        }
    }
}

/// One API behind HelseID: where it is, its audience, its scopes (space-separated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    pub base_url: String,
    pub audience: String,
    pub scope: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kjernejournal: Option<ServiceSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication_list: Option<ServiceSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<ServiceSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<ServiceSettings>,
    /// Fastlegeregisteret: not behind HelseID, so not a [`ServiceSettings`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp_register: Option<crate::gp_register::GpRegisterSettings>,
}

impl NationalSettings {
    /// A service's slot by its profile name; `None` for a name the profile does not have.
    pub fn service_mut(&mut self, name: &str) -> Option<&mut Option<ServiceSettings>> {
        match name {
            "kjernejournal" => Some(&mut self.kjernejournal),
            "medication_list" => Some(&mut self.medication_list),
            "documents" => Some(&mut self.documents),
            "person" => Some(&mut self.person),
            _ => None,
        }
    }

    /// Sets a service by its profile name; `false` for a name the profile does not have.
    pub fn set(&mut self, name: &str, settings: ServiceSettings) -> bool {
        self.service_mut(name).map(|slot| *slot = Some(settings)).is_some()
    }

    /// Whether the profile names the service behind a source of the patient view.
    pub fn is_configured(&self, kind: arbeidsflate_model::overview::SourceKind) -> bool {
        use arbeidsflate_model::overview::SourceKind;
        match kind {
            SourceKind::Municipal => true,
            SourceKind::Kjernejournal => self.kjernejournal.is_some(),
            SourceKind::MedicationList => self.medication_list.is_some(),
            SourceKind::Documents => self.documents.is_some(),
            SourceKind::Person => self.person.is_some(),
            SourceKind::GpRegister => self.gp_register.is_some(),
        }
    }

    /// The configured services behind HelseID, with their profile names.
    pub fn configured(&self) -> Vec<(&'static str, &ServiceSettings)> {
        [
            ("kjernejournal", &self.kjernejournal),
            ("medication_list", &self.medication_list),
            ("documents", &self.documents),
            ("person", &self.person),
        ]
        .into_iter()
        .filter_map(|(name, s)| s.as_ref().map(|s| (name, s)))
        .collect()
    }
}

/// The organisation users act for, sent to HelseID with every token call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationSettings {
    /// The legal entity (hovedenhet), 9 digits.
    pub parent_orgnr: String,
    /// The sub-unit (underenhet) where care is given, 9 digits.
    pub child_orgnr: String,
    /// A client registered as multi-tenant in HelseID names both.
    #[serde(default)]
    pub multi_tenant: bool,
    /// The healthcare service (kodeverk 8663) named in the trust framework attestation.
    #[serde(default = "default_healthcare_service")]
    pub healthcare_service: String,
    /// The department's local id (RESH), if the attestation should name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
}

impl OrganisationSettings {
    pub fn to_helseid(&self) -> helseid::Organisation {
        if self.multi_tenant {
            helseid::Organisation::MultiTenant {
                parent_orgnr: self.parent_orgnr.clone(),
                child_orgnr: self.child_orgnr.clone(),
            }
        } else {
            helseid::Organisation::SingleTenant { child_orgnr: self.child_orgnr.clone() }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub kind: EnvironmentKind,
    /// Shown in the title bar, e.g. "Sandvik kommune – test".
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelseIdSettings {
    pub issuer: String,
    pub client_id: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    #[serde(default = "default_clock_skew")]
    pub clock_skew_seconds: u64,
    #[serde(default = "default_sign_in_timeout")]
    pub sign_in_timeout_seconds: u64,
    /// The OS keyring entry (under Arbeidsflate's service) where IT installed the
    /// client's private key as a JWK. Without it, a key is generated at first start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_entry: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalSettings {
    pub fhir_base_url: String,
    /// HelseID resource indicator (audience) of the platform's API.
    pub audience: String,
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    #[serde(default = "default_idle_lock")]
    pub idle_lock_minutes: u32,
    #[serde(default = "default_request_timeout")]
    pub request_timeout_seconds: u64,
    /// A source of the patient view still working after this shows as slow.
    #[serde(default = "default_source_slow_after")]
    pub source_slow_after_ms: u64,
    /// A source of the patient view that has not answered by this is given up on.
    #[serde(default = "default_source_deadline")]
    pub source_deadline_seconds: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle_lock_minutes: default_idle_lock(),
            request_timeout_seconds: default_request_timeout(),
            source_slow_after_ms: default_source_slow_after(),
            source_deadline_seconds: default_source_deadline(),
        }
    }
}

fn default_scopes() -> Vec<String> {
    [
        "openid",
        "profile",
        "offline_access",
        "helseid://scopes/identity/pid",
        "helseid://scopes/identity/security_level",
        "helseid://scopes/hpr/hpr_number",
    ]
    .map(String::from)
    .to_vec()
}
fn default_healthcare_service() -> String {
    "KP01".into()
}
fn default_clock_skew() -> u64 {
    30
}
fn default_sign_in_timeout() -> u64 {
    300
}
fn default_true() -> bool {
    true
}
fn default_retention_hours() -> u32 {
    24
}
fn default_grace_hours() -> u32 {
    12
}
fn default_page_size() -> u32 {
    200
}
fn default_check_hours() -> u32 {
    6
}
fn default_idle_lock() -> u32 {
    15
}
fn default_request_timeout() -> u64 {
    20
}
fn default_source_slow_after() -> u64 {
    2000
}
fn default_source_deadline() -> u64 {
    15
}

/// The dotted key (`table.key`) on the line at `offset`, for error messages.
fn field_at(text: &str, offset: Option<usize>) -> String {
    let Some(offset) = offset.filter(|o| *o <= text.len()) else { return "(document)".into() };
    let mut table = String::new();
    let mut key = String::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            table = trimmed.trim_matches(['[', ']']).trim().to_string();
            key.clear();
        } else if let Some((k, _)) = trimmed.split_once('=') {
            key = k.trim().to_string();
        }
        pos += line.len();
        if pos > offset {
            break;
        }
    }
    match (table.is_empty(), key.is_empty()) {
        (true, true) => "(document)".into(),
        (true, false) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

impl Profile {
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| err("(file)", format!("cannot read {}: {e}", path.display())))?;
        let profile = Self::parse(&text)?;
        // The files it names are part of it: a missing CA file stops the start, naming it.
        crate::trust::extra_roots(&profile.network.extra_ca_certificates)
            .map_err(|e| err(&format!("network.extra_ca_certificates[{}]", e.index), e.reason))?;
        Ok(profile)
    }

    pub fn parse(text: &str) -> Result<Self, ProfileError> {
        let profile: Profile = toml::from_str(text)
            .map_err(|e| err(&field_at(text, e.span().map(|s| s.start)), e.message().to_string()))?;
        profile.validate()?;
        Ok(profile)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a profile always serialises")
    }

    /// The profile for the built-in sandbox at the given addresses.
    pub fn sandbox(idp_url: &str, fhir_url: &str, audience: &str, scope: &str, client_id: &str) -> Self {
        Profile {
            environment: Environment { kind: EnvironmentKind::Sandbox, name: "Sandkasse".into() },
            helseid: HelseIdSettings {
                issuer: idp_url.into(),
                client_id: client_id.into(),
                scopes: default_scopes(),
                clock_skew_seconds: default_clock_skew(),
                sign_in_timeout_seconds: default_sign_in_timeout(),
                client_key_entry: None,
            },
            municipal: MunicipalSettings {
                fhir_base_url: fhir_url.into(),
                audience: audience.into(),
                scope: scope.into(),
            },
            // Synthetic organisation numbers: the sandbox's nursing-home sub-unit.
            organisation: Some(OrganisationSettings {
                parent_orgnr: "999000001".into(),
                child_orgnr: "999000002".into(),
                multi_tenant: false,
                healthcare_service: default_healthcare_service(),
                department_id: None,
            }),
            national: NationalSettings::default(),
            session: SessionSettings::default(),
            offline: OfflineSettings::default(),
            layouts: LayoutSettings::default(),
            updates: UpdateSettings::default(),
            network: NetworkSettings::default(),
            logging: LoggingSettings::default(),
            apps: Vec::new(),
            decision_support: Vec::new(),
        }
    }

    /// Whether HelseID's test IdP shortcut and synthetic-only features are allowed.
    pub fn allows_test_login(&self) -> bool {
        matches!(self.environment.kind, EnvironmentKind::Sandbox | EnvironmentKind::Test)
    }

    pub fn validate(&self) -> Result<(), ProfileError> {
        if self.environment.name.trim().is_empty() {
            return Err(err("environment.name", "must not be empty"));
        }
        self.check_url("helseid.issuer", &self.helseid.issuer)?;
        if self.helseid.issuer.ends_with('/') {
            return Err(err(
                "helseid.issuer",
                "must not end with '/': it is compared exactly with the issuer HelseID states",
            ));
        }
        if self.helseid.client_id.trim().is_empty() {
            return Err(err("helseid.client_id", "must not be empty"));
        }
        if !self.helseid.scopes.iter().any(|s| s == "openid") {
            return Err(err("helseid.scopes", "must include openid"));
        }
        if self.helseid.clock_skew_seconds > 300 {
            return Err(err("helseid.clock_skew_seconds", "must be at most 300"));
        }
        if !(10..=3600).contains(&self.helseid.sign_in_timeout_seconds) {
            return Err(err("helseid.sign_in_timeout_seconds", "must be between 10 and 3600"));
        }
        if !(1..=24 * 14).contains(&self.offline.retention_hours) {
            return Err(err("offline.retention_hours", "must be between 1 and 336 (two weeks)"));
        }
        if self.offline.grace_hours > 72 {
            return Err(err("offline.grace_hours", "must be at most 72"));
        }
        if !(10..=1000).contains(&self.offline.page_size) {
            return Err(err("offline.page_size", "must be between 10 and 1000"));
        }
        self.check_url("municipal.fhir_base_url", &self.municipal.fhir_base_url)?;
        if self.municipal.audience.trim().is_empty() {
            return Err(err("municipal.audience", "must not be empty"));
        }
        for (name, service) in self.national.configured() {
            self.check_url(&format!("national.{name}.base_url"), &service.base_url)?;
            if service.audience.trim().is_empty() {
                return Err(err(&format!("national.{name}.audience"), "must not be empty"));
            }
        }
        if let Some(gp) = &self.national.gp_register {
            crate::gp_register::validate(gp, |field, url| self.check_url(field, url))?;
        }
        if let Some(o) = &self.organisation {
            let orgnr = |v: &str| v.len() == 9 && v.bytes().all(|b| b.is_ascii_digit());
            if !orgnr(&o.parent_orgnr) {
                return Err(err("organisation.parent_orgnr", "must be a 9-digit organisation number"));
            }
            if !orgnr(&o.child_orgnr) {
                return Err(err("organisation.child_orgnr", "must be a 9-digit organisation number"));
            }
            if o.healthcare_service.trim().is_empty() {
                return Err(err("organisation.healthcare_service", "must not be empty"));
            }
        }
        if let Some(v) = &self.updates.minimum_version {
            if crate::version::parse(v).is_none() {
                return Err(err("updates.minimum_version", "must be a version like 1.4.0"));
            }
        }
        if let Some(feed) = &self.updates.feed {
            self.check_url("updates.feed", feed)?;
        }
        if !(1..=168).contains(&self.updates.check_hours) {
            return Err(err("updates.check_hours", "must be between 1 and 168 (a week)"));
        }
        for (i, path) in self.network.extra_ca_certificates.iter().enumerate() {
            if !path.is_absolute() {
                return Err(err(&format!("network.extra_ca_certificates[{i}]"), "must be an absolute path"));
            }
        }
        if !(1..=480).contains(&self.session.idle_lock_minutes) {
            return Err(err("session.idle_lock_minutes", "must be between 1 and 480"));
        }
        if !(1..=300).contains(&self.session.request_timeout_seconds) {
            return Err(err("session.request_timeout_seconds", "must be between 1 and 300"));
        }
        if !(1..=120).contains(&self.session.source_deadline_seconds) {
            return Err(err("session.source_deadline_seconds", "must be between 1 and 120"));
        }
        if self.session.source_slow_after_ms == 0
            || self.session.source_slow_after_ms >= self.session.source_deadline_seconds * 1000
        {
            return Err(err("session.source_slow_after_ms", "must be above 0 and below the source deadline"));
        }
        for (role, layout) in self.layouts.named() {
            if let Some(layout) = layout {
                check_role_layout(&format!("layouts.{role}"), layout)?;
            }
        }
        crate::apps::validate(&self.apps, |field, url| self.check_url(field, url))?;
        crate::decision_support::validate(&self.decision_support, |field, url| self.check_url(field, url))
    }

    /// HTTPS everywhere, except loopback URLs in sandbox and test profiles.
    fn check_url(&self, field: &str, value: &str) -> Result<(), ProfileError> {
        let url = url::Url::parse(value).map_err(|e| err(field, format!("not a URL ({e})")))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        match url.scheme() {
            "https" => Ok(()),
            "http" if loopback && self.allows_test_login() => Ok(()),
            "http" => {
                Err(err(field, "must use https (plain http is allowed only on loopback in sandbox and test profiles)"))
            }
            other => Err(err(field, format!("unsupported scheme {other}"))),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.session.request_timeout_seconds)
    }
}

/// A role's layout must name each widget once, lock on only widgets it shows and lock
/// off only widgets it does not.
fn check_role_layout(field: &str, layout: &RoleLayoutSettings) -> Result<(), ProfileError> {
    if layout.widgets.is_empty() {
        return Err(err(&format!("{field}.widgets"), "must name at least one widget"));
    }
    for (i, item) in layout.widgets.iter().enumerate() {
        if layout.widgets[..i].iter().any(|earlier| earlier.widget == item.widget) {
            return Err(err(&format!("{field}.widgets"), format!("{} appears twice", item.widget.as_str())));
        }
    }
    let shown = |w: &WidgetId| layout.widgets.iter().any(|i| i.widget == *w);
    if let Some(w) = layout.locked_on.iter().find(|w| !shown(w)) {
        return Err(err(
            &format!("{field}.locked_on"),
            format!("{} is locked on but not among the widgets", w.as_str()),
        ));
    }
    if let Some(w) = layout.locked_off.iter().find(|w| shown(w)) {
        return Err(err(&format!("{field}.locked_off"), format!("{} is locked off but among the widgets", w.as_str())));
    }
    Ok(())
}

/// The profile for a running built-in sandbox, with every national service it simulates.
#[cfg(feature = "sandbox")]
pub fn for_sandbox(sb: &sandbox::Sandbox) -> Profile {
    let mut profile = Profile::sandbox(
        &sb.idp_url,
        &sb.fhir_url,
        sandbox::MUNICIPAL_AUDIENCE,
        sandbox::MUNICIPAL_SCOPE,
        sandbox::CLIENT_ID,
    );
    for e in sb.national_endpoints() {
        let settings = ServiceSettings { base_url: e.base_url, audience: e.audience.into(), scope: e.scope };
        let known = profile.national.set(e.service, settings);
        debug_assert!(known, "the sandbox simulates a service the profile cannot name");
    }
    profile.national.gp_register = Some(crate::gp_register::GpRegisterSettings {
        url: sb.gp_register_url.clone(),
        credentials_entry: crate::gp_register::DEFAULT_CREDENTIALS_ENTRY.into(),
    });
    profile.apps = vec![sandbox_sample_app(&sb.sample_app_url)];
    profile.decision_support = vec![crate::decision_support::DecisionSupportService {
        name: "Sandkassens beslutningsstøtte".into(),
        base_url: sb.cds_url.clone(),
        hooks: vec!["patient-view".into()],
        fhir_access: true,
        deadline_ms: 3000,
    }];
    profile
}

/// The sandbox's sample SMART app, as its catalogue lists it.
#[cfg(feature = "sandbox")]
fn sandbox_sample_app(origin: &str) -> crate::apps::AppRegistration {
    use arbeidsflate_model::view::ClinicianRole;
    let scope = |s: &str| s.to_string();
    crate::apps::AppRegistration {
        id: sandbox::sample_app::CLIENT_ID.into(),
        name: "Fallrisiko".into(),
        supplier: "Sandkassen (eksempelapp)".into(),
        launch_url: format!("{origin}{}", sandbox::sample_app::LAUNCH_PATH),
        redirect_uris: vec![format!("{origin}{}", sandbox::sample_app::REDIRECT_PATH)],
        client: crate::apps::ClientKind::Public,
        jwks: None,
        jwks_uri: None,
        scopes: ["launch", "openid", "fhirUser", "patient/Patient.r", "patient/Condition.rs"]
            .into_iter()
            .chain(["patient/MedicationStatement.rs", "patient/Observation.crs"])
            .map(scope)
            .collect(),
        may_write: true,
        roles: vec![ClinicianRole::NursingHomeNurse, ClinicianRole::NursingHomeDoctor, ClinicianRole::HomeCareNurse],
        opens_in: crate::apps::OpensIn::Window,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use arbeidsflate_model::layout::WidgetSize;

    pub(crate) const GOOD: &str = r#"
[environment]
kind = "test"
name = "Sandvik kommune – test"

[helseid]
issuer = "https://helseid-sts.test.nhn.no"
client_id = "c7a8e1f0-test"

[municipal]
fhir_base_url = "https://fhir.sandvik.kommune.test/fhir"
audience = "sandvik:fhir"
scope = "sandvik:fhir/api"
"#;

    #[test]
    fn a_good_profile_parses_with_defaults() {
        let p = Profile::parse(GOOD).unwrap();
        assert_eq!(p.session.idle_lock_minutes, 15);
        assert!(p.helseid.scopes.contains(&"offline_access".to_string()));
        assert!(p.allows_test_login());
        assert_eq!(Profile::parse(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn a_misspelt_field_is_named() {
        let bad = GOOD.replace("client_id", "clientid");
        let e = Profile::parse(&bad).unwrap_err();
        assert_eq!(e.field, "helseid.clientid", "{e}");
    }

    #[test]
    fn a_wrong_type_is_named() {
        let bad = format!("{GOOD}\n[session]\nidle_lock_minutes = \"soon\"\n");
        let e = Profile::parse(&bad).unwrap_err();
        assert_eq!(e.field, "session.idle_lock_minutes", "{e}");
    }

    #[test]
    fn plain_http_is_refused_in_production_and_off_loopback() {
        let prod =
            GOOD.replace("kind = \"test\"", "kind = \"production\"").replace("https://helseid", "http://helseid");
        assert_eq!(Profile::parse(&prod).unwrap_err().field, "helseid.issuer");
        let off_loopback = GOOD.replace("https://fhir.sandvik", "http://fhir.sandvik");
        assert_eq!(Profile::parse(&off_loopback).unwrap_err().field, "municipal.fhir_base_url");
    }

    #[test]
    fn role_layouts_parse_with_locks_and_round_trip() {
        let good = format!(
            "{GOOD}\n[layouts.home_care_nurse]\nwidgets = [{{ widget = \"medications\", size = \"full\" }}, \
             {{ widget = \"critical_info\" }}]\nlocked_on = [\"critical_info\"]\nlocked_off = [\"documents\"]\n"
        );
        let p = Profile::parse(&good).unwrap();
        let home = p.layouts.for_role(ClinicianRole::HomeCareNurse).unwrap();
        assert_eq!(home.widgets[0], LayoutItem { widget: WidgetId::Medications, size: WidgetSize::Full });
        assert_eq!(home.widgets[1].size, WidgetSize::Medium, "size defaults to medium");
        assert_eq!(home.locked_off, [WidgetId::Documents]);
        assert!(p.layouts.for_role(ClinicianRole::NursingHomeDoctor).is_none());
        assert_eq!(Profile::parse(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn contradictory_role_layouts_are_refused_with_the_field() {
        let layout = |body: &str| format!("{GOOD}\n[layouts.nursing_home_doctor]\n{body}\n");
        let cases = [
            ("widgets = []", "layouts.nursing_home_doctor.widgets", "at least one"),
            (
                "widgets = [{ widget = \"vitals\" }, { widget = \"vitals\", size = \"full\" }]",
                "layouts.nursing_home_doctor.widgets",
                "vitals appears twice",
            ),
            (
                "widgets = [{ widget = \"vitals\" }]\nlocked_on = [\"notes\"]",
                "layouts.nursing_home_doctor.locked_on",
                "notes is locked on",
            ),
            (
                "widgets = [{ widget = \"vitals\" }]\nlocked_off = [\"vitals\"]",
                "layouts.nursing_home_doctor.locked_off",
                "vitals is locked off",
            ),
        ];
        for (body, field, reason) in cases {
            let e = Profile::parse(&layout(body)).unwrap_err();
            assert_eq!(e.field, field, "{body}: {e}");
            assert!(e.reason.contains(reason), "{body}: {e}");
        }
        let unknown = Profile::parse(&layout("widgets = [{ widget = \"hologram\" }]")).unwrap_err();
        assert!(unknown.field.starts_with("layouts.nursing_home_doctor"), "{unknown}");
        assert!(unknown.reason.contains("hologram"), "{unknown}");
    }

    #[test]
    fn organisation_numbers_are_checked() {
        let good = format!("{GOOD}\n[organisation]\nparent_orgnr = \"999000001\"\nchild_orgnr = \"999000002\"\n");
        let p = Profile::parse(&good).unwrap();
        assert!(matches!(p.organisation.unwrap().to_helseid(), helseid::Organisation::SingleTenant { .. }));
        let bad = good.replace("999000002", "12345");
        assert_eq!(Profile::parse(&bad).unwrap_err().field, "organisation.child_orgnr");
    }

    #[test]
    fn national_services_are_optional_and_checked_when_given() {
        let with = format!(
            "{GOOD}\n[national.kjernejournal]\nbase_url = \"https://test1.critical-information.hit.nhn.no/api/critical-information/v1\"\n\
             audience = \"nhn:critical-information\"\nscope = \"nhn:critical-information/api\"\n"
        );
        let p = Profile::parse(&with).unwrap();
        assert_eq!(p.national.configured().len(), 1);
        assert!(Profile::parse(GOOD).unwrap().national.configured().is_empty());
        let bad = with.replace("https://test1", "ftp://test1");
        assert_eq!(Profile::parse(&bad).unwrap_err().field, "national.kjernejournal.base_url");
        let unknown =
            format!("{GOOD}\n[national.horoscope]\nbase_url = \"https://x\"\naudience = \"a\"\nscope = \"s\"\n");
        assert!(Profile::parse(&unknown).unwrap_err().to_string().contains("horoscope"));
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let bad = format!("{GOOD}\n[session]\nidle_lock_minutes = 0\n");
        assert_eq!(Profile::parse(&bad).unwrap_err().field, "session.idle_lock_minutes");
        let slash = GOOD.replace("test.nhn.no\"", "test.nhn.no/\"");
        assert_eq!(Profile::parse(&slash).unwrap_err().field, "helseid.issuer");
    }

    #[test]
    fn a_minimum_version_must_be_a_version_and_decides_whether_to_update() {
        let with = |v: &str| Profile::parse(&format!("{GOOD}\n[updates]\nminimum_version = \"{v}\"\n"));
        assert_eq!(with("1.4").unwrap_err().field, "updates.minimum_version");
        assert_eq!(with("latest").unwrap_err().field, "updates.minimum_version");
        assert!(with("999.0.0").unwrap().updates.update_required());
        assert!(!with("0.0.1").unwrap().updates.update_required());
        assert!(!Profile::parse(GOOD).unwrap().updates.update_required(), "no minimum: nothing required");
        let typo = format!("{GOOD}\n[updates]\nminimum = \"1.0.0\"\n");
        assert!(Profile::parse(&typo).unwrap_err().field.starts_with("updates"));
    }

    #[test]
    fn the_update_feed_is_optional_and_checked_like_every_url() {
        let with = |extra: &str| Profile::parse(&format!("{GOOD}\n[updates]\n{extra}\n"));
        let off = Profile::parse(GOOD).unwrap();
        assert_eq!((off.updates.feed.as_deref(), off.updates.check_hours), (None, 6), "no feed: updates off");
        let on = with("feed = \"https://oppdatering.sandvik.kommune.no/{{target}}/{{arch}}/{{current_version}}\"");
        assert!(on.unwrap().updates.feed.unwrap().contains("{{target}}"), "Tauri's placeholders kept");
        assert_eq!(with("feed = \"http://updates.example/feed.json\"").unwrap_err().field, "updates.feed");
        assert_eq!(with("feed = \"not a url\"").unwrap_err().field, "updates.feed");
        assert_eq!(with("check_hours = 0").unwrap_err().field, "updates.check_hours");
        assert_eq!(with("check_hours = 169").unwrap_err().field, "updates.check_hours");
    }

    #[test]
    fn extra_cas_must_be_absolute_and_the_log_level_one_of_four() {
        let with = |extra: &str| Profile::parse(&format!("{GOOD}\n{extra}\n"));
        let relative = with("[network]\nextra_ca_certificates = [\"ca/nhn.pem\"]").unwrap_err();
        assert_eq!(relative.field, "network.extra_ca_certificates[0]");
        let p = with("[network]\nextra_ca_certificates = [\"/etc/arbeidsflate/ca/nhn.pem\"]").unwrap();
        assert_eq!(p.network.extra_ca_certificates.len(), 1);
        assert_eq!(Profile::parse(GOOD).unwrap().logging.level, LogLevel::Info);
        assert_eq!(with("[logging]\nlevel = \"debug\"").unwrap().logging.level, LogLevel::Debug);
        assert_eq!(with("[logging]\nlevel = \"trace\"").unwrap_err().field, "logging.level");
    }

    #[test]
    fn loading_a_profile_reads_the_ca_files_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("missing.pem");
        let text = format!("{GOOD}\n[network]\nextra_ca_certificates = [{:?}]\n", ca.display().to_string());
        let path = dir.path().join("profile.toml");
        std::fs::write(&path, &text).unwrap();
        let e = Profile::load(&path).unwrap_err();
        assert_eq!(e.field, "network.extra_ca_certificates[0]");
        assert!(e.reason.contains("cannot read"), "{}", e.reason);
    }

    #[test]
    fn garbage_is_a_clear_error_not_a_panic() {
        assert!(Profile::parse("this is not toml = = =").is_err());
        assert!(Profile::parse("").unwrap_err().to_string().contains("environment"));
    }

    #[test]
    fn production_profiles_may_not_use_the_test_login() {
        let prod = GOOD.replace("kind = \"test\"", "kind = \"production\"");
        assert!(!Profile::parse(&prod).unwrap().allows_test_login());
    }
}
