//! Vital signs as the views and the NEWS2 score use them.

use crate::provenance::Provenance;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "VitalKind.ts")]
pub enum VitalKind {
    Pulse,
    SystolicBp,
    DiastolicBp,
    Temperature,
    Spo2,
    RespiratoryRate,
    Consciousness,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "VitalSign.ts")]
pub struct VitalSign {
    pub kind: VitalKind,
    /// Numeric value; for consciousness, 0 = Alert and 1 = new confusion/voice/pain/unresponsive.
    pub value: f64,
    /// Display text, e.g. "A" for ACVPU alert.
    pub display: String,
    pub unit: String,
    pub effective: String,
    pub provenance: Provenance,
}
