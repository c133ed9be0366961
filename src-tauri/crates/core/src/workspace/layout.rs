//! Which widgets a clinician's patient overview shows: the role's default from the
//! deployment profile (or the built-in one), IT's locks on top, and the clinician's own
//! arrangement, saved per user outside the encrypted cache (it holds no patient data,
//! and must survive sign-out, a wiped cache and updates); and the signed-in
//! clinician's use of it (read, save, reset).

use super::Workspace;
use crate::profile::RoleLayoutSettings;
use crate::Profile;
use arbeidsflate_model::layout::{LayoutItem, WidgetId, WidgetSize, WorkspaceLayout};
use arbeidsflate_model::view::ClinicianRole;
use arbeidsflate_model::{AppError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The role's layout settings: the profile's where IT gave them, else the built-in ones.
pub fn role_settings(profile: &Profile, role: ClinicianRole) -> RoleLayoutSettings {
    profile.layouts.for_role(role).cloned().unwrap_or_else(|| built_in(role))
}

/// The defaults a new deployment starts from: what each role looks at first.
pub fn built_in(role: ClinicianRole) -> RoleLayoutSettings {
    use WidgetId::*;
    use WidgetSize::*;
    let widgets: &[(WidgetId, WidgetSize)] = match role {
        // Decision support first: a critical card is the first thing seen.
        ClinicianRole::NursingHomeNurse => &[
            (DecisionSupport, Full),
            (CriticalInfo, Medium),
            (Vitals, Medium),
            (CarePlan, Medium),
            (RecordVitals, Medium),
            (Medications, Medium),
            (Notes, Medium),
            (Documents, Medium),
            (Problems, Medium),
            (GeneralPractitioner, Medium),
        ],
        ClinicianRole::HomeCareNurse => &[
            (DecisionSupport, Full),
            (CriticalInfo, Medium),
            (Visits, Medium),
            (CarePlan, Medium),
            (Medications, Medium),
            (Vitals, Medium),
            (HomeMeasurements, Medium),
            (RecordVitals, Medium),
            (Notes, Medium),
            (Documents, Medium),
            (GeneralPractitioner, Medium),
        ],
        ClinicianRole::NursingHomeDoctor => &[
            (DecisionSupport, Full),
            (CriticalInfo, Medium),
            (Problems, Medium),
            (Medications, Large),
            (Visits, Small),
            (Vitals, Large),
            (Documents, Medium),
            (Notes, Medium),
            (CarePlan, Medium),
        ],
    };
    RoleLayoutSettings {
        widgets: widgets.iter().map(|&(widget, size)| LayoutItem { widget, size }).collect(),
        locked_on: Vec::new(),
        locked_off: Vec::new(),
    }
}

/// The layout in force: the user's saved arrangement where there is one, held to IT's
/// locks (a lock added after the user saved wins: locked-off widgets go, locked-on ones
/// come back in their default place).
pub fn resolve(role: ClinicianRole, settings: &RoleLayoutSettings, saved: Option<&[LayoutItem]>) -> WorkspaceLayout {
    let items = match saved {
        None => settings.widgets.clone(),
        Some(saved) => {
            let mut items: Vec<LayoutItem> = Vec::with_capacity(saved.len());
            for item in saved {
                if !settings.locked_off.contains(&item.widget) && !items.iter().any(|i| i.widget == item.widget) {
                    items.push(*item);
                }
            }
            for (default_pos, default) in settings.widgets.iter().enumerate() {
                if settings.locked_on.contains(&default.widget) && !items.iter().any(|i| i.widget == default.widget) {
                    items.insert(default_pos.min(items.len()), *default);
                }
            }
            items
        }
    };
    WorkspaceLayout {
        role,
        customised: items != settings.widgets,
        items,
        locked_on: settings.locked_on.clone(),
        locked_off: settings.locked_off.clone(),
        role_default: settings.widgets.clone(),
    }
}

/// Checks an arrangement the user asks to save against IT's locks.
pub fn check_user_layout(settings: &RoleLayoutSettings, items: &[LayoutItem]) -> Result<(), AppError> {
    let invalid = |detail: String| Err(AppError::new(ErrorCode::InvalidInput, detail));
    for (i, item) in items.iter().enumerate() {
        if items[..i].iter().any(|earlier| earlier.widget == item.widget) {
            return invalid(format!("layout: widget {} appears twice", item.widget.as_str()));
        }
        if settings.locked_off.contains(&item.widget) {
            return invalid(format!("layout: widget {} is switched off by the deployment", item.widget.as_str()));
        }
    }
    if let Some(missing) = settings.locked_on.iter().find(|w| !items.iter().any(|i| i.widget == **w)) {
        return invalid(format!("layout: widget {} is required by the deployment", missing.as_str()));
    }
    Ok(())
}

/// The saved layouts of one user, one arrangement per role, as a small JSON file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SavedLayouts {
    version: u32,
    #[serde(default)]
    roles: BTreeMap<String, Vec<SavedItem>>,
}

/// Stored as plain strings so that a file written by a newer or older version (with a
/// widget this one does not know) still loads: the unknown entries are skipped.
#[derive(Debug, Serialize, Deserialize)]
struct SavedItem {
    widget: String,
    #[serde(default)]
    size: Option<String>,
}

const FILE_VERSION: u32 = 1;

/// Where users' layouts are kept: `<data dir>/layouts/<user tag>.json`. Not under the
/// per-user cache directory, which a sign-out, retention or IT's wipe removes.
pub struct LayoutFiles {
    dir: PathBuf,
}

impl LayoutFiles {
    pub fn new(data_dir: &Path) -> Self {
        Self { dir: data_dir.join("layouts") }
    }

    fn path(&self, user_pid: &str) -> PathBuf {
        self.dir.join(format!("{}.json", arbeidsflate_store::user_tag(user_pid)))
    }

    /// The user's saved arrangement for `role`; none if never saved. A file that cannot
    /// be read as a layout counts as none (the role's default shows), and is logged.
    pub fn load(&self, user_pid: &str, role: ClinicianRole) -> Option<Vec<LayoutItem>> {
        let saved = self.read(user_pid)?;
        let items = saved.roles.get(role_key(role))?;
        Some(
            items
                .iter()
                .filter_map(|item| {
                    let widget = WidgetId::parse(&item.widget)?;
                    let size = item.size.as_deref().and_then(parse_size).unwrap_or_default();
                    Some(LayoutItem { widget, size })
                })
                .collect(),
        )
    }

    fn read(&self, user_pid: &str) -> Option<SavedLayouts> {
        let path = self.path(user_pid);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(error = %e, "saved layout unreadable; the role's default is shown");
                return None;
            }
        };
        match serde_json::from_str(&text) {
            Ok(saved) => Some(saved),
            Err(e) => {
                tracing::warn!(error = %e, "saved layout is not a layout; the role's default is shown");
                None
            }
        }
    }

    /// Saves the arrangement for `role` (`None` forgets it: back to the default),
    /// keeping the user's arrangements for other roles. Written to a temporary file and
    /// renamed, so a crash leaves the old layout or the new one, never half of one.
    pub fn store(&self, user_pid: &str, role: ClinicianRole, items: Option<&[LayoutItem]>) -> Result<(), AppError> {
        let mut saved = self.read(user_pid).unwrap_or_default();
        saved.version = FILE_VERSION;
        match items {
            Some(items) => {
                let stored = items
                    .iter()
                    .map(|i| SavedItem { widget: i.widget.as_str().into(), size: Some(size_key(i.size).into()) })
                    .collect();
                saved.roles.insert(role_key(role).into(), stored);
            }
            None => {
                saved.roles.remove(role_key(role));
            }
        }
        let text = serde_json::to_string_pretty(&saved).expect("a layout always serialises");
        let path = self.path(user_pid);
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            std::fs::write(&tmp, text.as_bytes())?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            if e.raw_os_error() == Some(28) {
                AppError::new(ErrorCode::DiskFull, "the layout could not be saved: the disk is full")
            } else {
                AppError::new(ErrorCode::Internal, format!("the layout could not be saved: {e}"))
            }
        })
    }
}

fn role_key(role: ClinicianRole) -> &'static str {
    match role {
        ClinicianRole::NursingHomeNurse => "nursing_home_nurse",
        ClinicianRole::HomeCareNurse => "home_care_nurse",
        ClinicianRole::NursingHomeDoctor => "nursing_home_doctor",
    }
}

fn size_key(size: WidgetSize) -> &'static str {
    match size {
        WidgetSize::Small => "small",
        WidgetSize::Medium => "medium",
        WidgetSize::Large => "large",
        WidgetSize::Full => "full",
    }
}

fn parse_size(name: &str) -> Option<WidgetSize> {
    [WidgetSize::Small, WidgetSize::Medium, WidgetSize::Large, WidgetSize::Full]
        .into_iter()
        .find(|s| size_key(*s) == name)
}

/// The signed-in clinician's layout: read, saved and reset per user and role.
impl Workspace {
    /// The layout in force for the signed-in clinician.
    pub async fn layout(&self) -> Result<WorkspaceLayout, AppError> {
        let s = self.current().await?;
        let role = s.clinician.role;
        let saved = LayoutFiles::new(&self.data_dir).load(s.session.user.pid.expose(), role);
        Ok(resolve(role, &role_settings(&self.profile, role), saved.as_deref()))
    }

    /// Saves the clinician's arrangement; refused (`invalid_input`) if it breaks IT's
    /// locks or names a widget twice. Returns the layout now in force.
    pub async fn save_layout(&self, items: Vec<LayoutItem>) -> Result<WorkspaceLayout, AppError> {
        let s = self.current().await?;
        let role = s.clinician.role;
        let settings = role_settings(&self.profile, role);
        check_user_layout(&settings, &items)?;
        let pid = s.session.user.pid.expose();
        LayoutFiles::new(&self.data_dir).store(pid, role, Some(&items))?;
        tracing::info!(widgets = items.len(), "layout saved");
        Ok(resolve(role, &settings, Some(&items)))
    }

    /// Forgets the clinician's arrangement: the role's default shows again.
    pub async fn reset_layout(&self) -> Result<WorkspaceLayout, AppError> {
        let s = self.current().await?;
        let role = s.clinician.role;
        LayoutFiles::new(&self.data_dir).store(s.session.user.pid.expose(), role, None)?;
        tracing::info!("layout reset to the role's default");
        Ok(resolve(role, &role_settings(&self.profile, role), None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WidgetId::*;

    fn item(widget: WidgetId) -> LayoutItem {
        LayoutItem { widget, size: WidgetSize::Medium }
    }

    fn settings(widgets: &[WidgetId], on: &[WidgetId], off: &[WidgetId]) -> RoleLayoutSettings {
        RoleLayoutSettings {
            widgets: widgets.iter().copied().map(item).collect(),
            locked_on: on.to_vec(),
            locked_off: off.to_vec(),
        }
    }

    #[test]
    fn every_built_in_layout_passes_its_own_checks_and_has_no_duplicates() {
        for role in [ClinicianRole::NursingHomeNurse, ClinicianRole::HomeCareNurse, ClinicianRole::NursingHomeDoctor] {
            let s = built_in(role);
            check_user_layout(&s, &s.widgets).unwrap();
            assert!(s.widgets.iter().any(|i| i.widget == CriticalInfo), "{role:?} must show critical information");
        }
    }

    #[test]
    fn without_a_saved_layout_the_role_default_shows() {
        let s = settings(&[CriticalInfo, Vitals], &[], &[]);
        let layout = resolve(ClinicianRole::NursingHomeNurse, &s, None);
        assert_eq!(layout.items, s.widgets);
        assert!(!layout.customised);
    }

    #[test]
    fn a_lock_added_after_saving_wins_over_the_saved_layout() {
        // The user removed critical information and added documents; IT then locked
        // critical information on and documents off.
        let saved = [item(Vitals), item(Documents), item(Notes)];
        let s = settings(&[CriticalInfo, Vitals, Notes], &[CriticalInfo], &[Documents]);
        let layout = resolve(ClinicianRole::NursingHomeNurse, &s, Some(&saved));
        let widgets: Vec<_> = layout.items.iter().map(|i| i.widget).collect();
        assert_eq!(widgets, [CriticalInfo, Vitals, Notes]);
        assert!(!layout.customised, "the result equals the default again");
        assert!(!layout.addable().contains(&Documents));
    }

    #[test]
    fn checks_refuse_duplicates_locked_off_and_missing_locked_on() {
        let s = settings(&[CriticalInfo, Vitals], &[CriticalInfo], &[Documents]);
        let dup = check_user_layout(&s, &[item(CriticalInfo), item(Vitals), item(Vitals)]).unwrap_err();
        assert_eq!(dup.code, ErrorCode::InvalidInput);
        assert!(dup.detail.contains("vitals appears twice"), "{}", dup.detail);
        let off = check_user_layout(&s, &[item(CriticalInfo), item(Documents)]).unwrap_err();
        assert!(off.detail.contains("documents is switched off"), "{}", off.detail);
        let on = check_user_layout(&s, &[item(Vitals)]).unwrap_err();
        assert!(on.detail.contains("critical_info is required"), "{}", on.detail);
        check_user_layout(&s, &[item(Vitals), LayoutItem { widget: CriticalInfo, size: WidgetSize::Full }]).unwrap();
    }

    #[test]
    fn saved_layouts_round_trip_per_user_and_role_and_reset_forgets_only_that_role() {
        let dir = tempfile::tempdir().unwrap();
        let files = LayoutFiles::new(dir.path());
        let mine = [LayoutItem { widget: Vitals, size: WidgetSize::Full }, item(Notes)];
        files.store("13886910074", ClinicianRole::HomeCareNurse, Some(&mine)).unwrap();
        files.store("13886910074", ClinicianRole::NursingHomeNurse, Some(&[item(Documents)])).unwrap();
        assert_eq!(files.load("13886910074", ClinicianRole::HomeCareNurse).unwrap(), mine);
        assert_eq!(files.load("01818010083", ClinicianRole::HomeCareNurse), None, "another user has none");
        files.store("13886910074", ClinicianRole::HomeCareNurse, None).unwrap();
        assert_eq!(files.load("13886910074", ClinicianRole::HomeCareNurse), None);
        assert_eq!(files.load("13886910074", ClinicianRole::NursingHomeNurse).unwrap(), [item(Documents)]);
        // The file name does not reveal the number.
        for entry in std::fs::read_dir(dir.path().join("layouts")).unwrap() {
            assert!(!entry.unwrap().file_name().to_string_lossy().contains("13886910074"));
        }
    }

    #[test]
    fn a_layout_from_another_version_loads_what_this_one_knows() {
        let dir = tempfile::tempdir().unwrap();
        let files = LayoutFiles::new(dir.path());
        std::fs::create_dir_all(dir.path().join("layouts")).unwrap();
        let text = r#"{"version": 7, "roles": {"home_care_nurse": [
            {"widget": "hologram"}, {"widget": "vitals", "size": "enormous"}, {"widget": "notes", "size": "small"}]}}"#;
        std::fs::write(files.path("13886910074"), text).unwrap();
        let loaded = files.load("13886910074", ClinicianRole::HomeCareNurse).unwrap();
        assert_eq!(loaded, [item(Vitals), LayoutItem { widget: Notes, size: WidgetSize::Small }]);
    }

    #[test]
    fn a_damaged_file_means_the_default_and_saving_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = LayoutFiles::new(dir.path());
        std::fs::create_dir_all(dir.path().join("layouts")).unwrap();
        std::fs::write(files.path("13886910074"), "{ not json").unwrap();
        assert_eq!(files.load("13886910074", ClinicianRole::HomeCareNurse), None);
        files.store("13886910074", ClinicianRole::HomeCareNurse, Some(&[item(Vitals)])).unwrap();
        assert_eq!(files.load("13886910074", ClinicianRole::HomeCareNurse).unwrap(), [item(Vitals)]);
    }
}
