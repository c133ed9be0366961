//! Items seen in several sources, shown once with all their sources, and what the
//! sources disagree on. Disagreements are flagged for the clinician, never resolved
//! silently or dropped.

use crate::provenance::Provenance;
use crate::view::{Allergy, Medication};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What two sources say differently about the same item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "Disagreement.ts")]
pub enum Disagreement {
    Dosage { source: String, value: String, other_source: String, other_value: String },
    Status { source: String, value: String, other_source: String, other_value: String },
    Criticality { source: String, value: String, other_source: String, other_value: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "MergedAllergy.ts")]
pub struct MergedAllergy {
    /// As the first source that has it says it.
    pub allergy: Allergy,
    /// Every source that has it, the first one included.
    pub sources: Vec<Provenance>,
    pub disagreements: Vec<Disagreement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "MergedMedication.ts")]
pub struct MergedMedication {
    pub medication: Medication,
    pub sources: Vec<Provenance>,
    pub disagreements: Vec<Disagreement>,
}
