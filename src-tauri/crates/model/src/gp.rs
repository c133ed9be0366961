//! The patient's regular GP (fastlege) as Fastlegeregisteret records them: who to call
//! when a resident deteriorates at night. A list without a GP and no list at all are
//! answers of their own, never an empty field.

use crate::provenance::Provenance;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the GP register says about the patient today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "GpRegistration.ts")]
pub enum GpRegistration {
    /// On a GP's list. `list.gp` is `None` when the list has no GP today ("liste uten
    /// fast lege"): the office is still who to call.
    OnList { list: GpList },
    /// The patient is on no GP's list.
    NoList,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "GpDetails.ts")]
pub struct GpDetails {
    pub registration: GpRegistration,
    pub provenance: Provenance,
}

/// The list (a GP contract at an office) the patient is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "GpList.ts")]
pub struct GpList {
    /// The GP responsible for the list today; `None` for a list without a GP.
    pub gp: Option<GeneralPractitioner>,
    pub office: GpOffice,
    /// The date the patient joined this list (ISO 8601 date).
    pub patient_since: Option<String>,
    /// Every GP the list has had, newest first, the one of today among them.
    pub doctors: Vec<GpPeriod>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "GeneralPractitioner.ts")]
pub struct GeneralPractitioner {
    /// The GP's number in Helsepersonellregisteret.
    pub hpr_number: String,
    pub name: String,
    /// A substitute (vikar) holding the list, not its regular GP.
    pub substitute: bool,
}

/// One GP's time on the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "GpPeriod.ts")]
pub struct GpPeriod {
    pub gp: GeneralPractitioner,
    /// ISO 8601 date.
    pub from: Option<String>,
    /// ISO 8601 date; `None` while it lasts.
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "GpOffice.ts")]
pub struct GpOffice {
    pub name: String,
    /// Organisation number (9 digits), where the register gives one.
    pub org_number: Option<String>,
    /// The visiting address on one line, where given.
    pub address: Option<String>,
    /// The number to call, as the register writes it.
    pub phone: Option<String>,
}

impl GpDetails {
    /// The GP of today, where the patient has one.
    pub fn current_gp(&self) -> Option<&GeneralPractitioner> {
        match &self.registration {
            GpRegistration::OnList { list } => list.gp.as_ref(),
            GpRegistration::NoList => None,
        }
    }
}
