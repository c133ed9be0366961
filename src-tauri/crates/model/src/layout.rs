//! The patient overview's layout: which widgets show, in what order and how wide.
//! Defaults per role come from the deployment profile, IT may lock widgets on or off,
//! and the clinician arranges the rest.

use crate::view::ClinicianRole;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A widget of the patient overview. The patient banner is not one: it always shows,
/// first, so the patient in front of the clinician is never in doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "WidgetId.ts")]
pub enum WidgetId {
    /// Critical information (Kjernejournal), allergies and the warnings staff must see.
    CriticalInfo,
    Medications,
    /// Problems and diagnoses.
    Problems,
    /// Vital signs over time, with NEWS2 and its trend.
    Vitals,
    /// The form to record a new set of vital signs.
    RecordVitals,
    /// Care plan and today's tasks.
    CarePlan,
    /// Visits and appointments.
    Visits,
    Documents,
    /// Nursing notes, read and written.
    Notes,
    /// Measurements from welfare technology in the patient's home.
    HomeMeasurements,
    /// Other suppliers' apps (the catalogue IT set for the role), launched for the patient.
    Apps,
    /// Cards from the decision-support services (CDS Hooks), critical first.
    DecisionSupport,
    /// The patient's GP (fastlege) and the office's number, from Fastlegeregisteret.
    GeneralPractitioner,
}

impl WidgetId {
    pub const ALL: [WidgetId; 13] = [
        WidgetId::CriticalInfo,
        WidgetId::Medications,
        WidgetId::Problems,
        WidgetId::Vitals,
        WidgetId::RecordVitals,
        WidgetId::CarePlan,
        WidgetId::Visits,
        WidgetId::Documents,
        WidgetId::Notes,
        WidgetId::HomeMeasurements,
        WidgetId::Apps,
        WidgetId::DecisionSupport,
        WidgetId::GeneralPractitioner,
    ];

    /// The name used in profiles and saved layouts.
    pub fn as_str(self) -> &'static str {
        match self {
            WidgetId::CriticalInfo => "critical_info",
            WidgetId::Medications => "medications",
            WidgetId::Problems => "problems",
            WidgetId::Vitals => "vitals",
            WidgetId::RecordVitals => "record_vitals",
            WidgetId::CarePlan => "care_plan",
            WidgetId::Visits => "visits",
            WidgetId::Documents => "documents",
            WidgetId::Notes => "notes",
            WidgetId::HomeMeasurements => "home_measurements",
            WidgetId::Apps => "apps",
            WidgetId::DecisionSupport => "decision_support",
            WidgetId::GeneralPractitioner => "general_practitioner",
        }
    }

    pub fn parse(name: &str) -> Option<WidgetId> {
        Self::ALL.into_iter().find(|w| w.as_str() == name)
    }
}

/// How much of the overview's width a widget takes (at narrow widths, and at large
/// text sizes, every widget takes the full width).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "WidgetSize.ts")]
pub enum WidgetSize {
    /// A third.
    Small,
    /// Half.
    #[default]
    Medium,
    /// Two thirds.
    Large,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "LayoutItem.ts")]
pub struct LayoutItem {
    pub widget: WidgetId,
    #[serde(default)]
    pub size: WidgetSize,
}

/// The layout in force for the signed-in clinician.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "WorkspaceLayout.ts")]
pub struct WorkspaceLayout {
    pub role: ClinicianRole,
    /// The widgets shown, in order.
    pub items: Vec<LayoutItem>,
    /// IT's locks: these always show and cannot be removed …
    pub locked_on: Vec<WidgetId>,
    /// … and these never show and cannot be added.
    pub locked_off: Vec<WidgetId>,
    /// The role's default, for "reset" and to tell whether the user changed it.
    pub role_default: Vec<LayoutItem>,
    /// The clinician has arranged it (false: the role's default is shown).
    pub customised: bool,
}

impl WorkspaceLayout {
    /// Widgets not shown that the clinician may add.
    pub fn addable(&self) -> Vec<WidgetId> {
        WidgetId::ALL
            .into_iter()
            .filter(|w| !self.locked_off.contains(w) && !self.items.iter().any(|i| i.widget == *w))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for w in WidgetId::ALL {
            assert_eq!(WidgetId::parse(w.as_str()), Some(w));
            assert_eq!(serde_json::to_value(w).unwrap(), w.as_str());
        }
        assert_eq!(WidgetId::parse("banner"), None);
    }

    #[test]
    fn addable_leaves_out_shown_and_locked_off_widgets() {
        let layout = WorkspaceLayout {
            role: ClinicianRole::HomeCareNurse,
            items: vec![LayoutItem { widget: WidgetId::Vitals, size: WidgetSize::Full }],
            locked_on: vec![],
            locked_off: vec![WidgetId::Documents],
            role_default: vec![],
            customised: true,
        };
        let addable = layout.addable();
        assert!(!addable.contains(&WidgetId::Vitals));
        assert!(!addable.contains(&WidgetId::Documents));
        assert_eq!(addable.len(), WidgetId::ALL.len() - 2);
    }
}
