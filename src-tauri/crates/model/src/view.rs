//! Typed views the UI renders. Every clinical item carries where it came from and
//! how fresh it is.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::provenance::Provenance;
pub use crate::vitals::{VitalKind, VitalSign};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "ClinicianRole.ts")]
pub enum ClinicianRole {
    NursingHomeNurse,
    HomeCareNurse,
    NursingHomeDoctor,
}

impl ClinicianRole {
    /// Helsepersonell category code (OID 2.16.578.1.12.4.1.1.9060).
    pub fn hpr_category(self) -> &'static str {
        match self {
            ClinicianRole::NursingHomeNurse | ClinicianRole::HomeCareNurse => "SP",
            ClinicianRole::NursingHomeDoctor => "LE",
        }
    }
}

/// The signed-in user as the UI shows them. The national identity number stays in
/// the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Clinician.ts")]
pub struct Clinician {
    pub name: String,
    pub hpr_number: String,
    pub role: ClinicianRole,
    /// Ward or home-care district the clinician works in.
    pub unit_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "WorklistKind.ts")]
pub enum WorklistKind {
    Ward { ward_name: String },
    Route { date: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "WorklistEntry.ts")]
pub struct WorklistEntry {
    /// Opaque handle for `open_patient`; the platform's logical id.
    pub patient_ref: String,
    pub name: String,
    pub national_id: String,
    /// `None` when neither a valid number nor a birth date says: unknown, never 0.
    pub age: Option<u32>,
    /// Room for ward residents.
    pub room: Option<String>,
    /// Visit start (RFC 3339) for home-care visits.
    pub visit_start: Option<String>,
    pub visit_end: Option<String>,
    /// Short description of the visit, e.g. "Morgenstell, medisiner".
    pub visit_reason: Option<String>,
    /// The visit's handle for `complete_visit`.
    pub visit_id: Option<String>,
    /// The visit was carried out (here, or recorded so elsewhere).
    pub visit_done: bool,
    pub address: Option<String>,
    /// A ward resident's stay in progress (the platform's Encounter id): the context
    /// decision-support services are called with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stay_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Worklist.ts")]
pub struct Worklist {
    pub kind: WorklistKind,
    pub entries: Vec<WorklistEntry>,
    pub provenance: Provenance,
    /// Records the list could not show, by type and reason (the rest are shown).
    #[serde(default)]
    pub unreadable: Vec<crate::partial::Unreadable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "PatientBanner.ts")]
pub struct PatientBanner {
    /// Which source the banner's facts come from, all of them (never a mix): the
    /// population register when it answered, else the municipal platform.
    pub source: String,
    pub name: String,
    /// Formatted `DDMMYY NNNNN`.
    pub national_id: String,
    /// Whether the number passed validation; a failing number is shown flagged.
    pub national_id_valid: bool,
    pub synthetic: bool,
    /// The source's birth date, else the one the number encodes.
    pub birth_date: Option<String>,
    /// From `birth_date` (so the two never disagree); `None` when unknown.
    pub age: Option<u32>,
    /// FHIR administrative gender.
    pub gender: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Allergy.ts")]
pub struct Allergy {
    pub substance: String,
    pub code: Option<String>,
    pub criticality: Option<String>,
    pub reaction: Option<String>,
    pub recorded: Option<String>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Medication.ts")]
pub struct Medication {
    pub name: String,
    /// ATC code where the source gives one.
    pub atc: Option<String>,
    /// Every coding the source gives, as `system|code` (ATC, the Norwegian medication
    /// codes from FEST, …): items sharing any of them are the same medication.
    pub codes: Vec<String>,
    pub dosage: Option<String>,
    pub status: String,
    pub started: Option<String>,
    pub provenance: Provenance,
}

/// A warning staff must see at once (FHIR Flag): fall risk, swallowing problems,
/// infection control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "PatientWarning.ts")]
pub struct PatientWarning {
    pub text: String,
    /// `safety`, `clinical`, `behavioral`, … as the source categorises it.
    pub category: Option<String>,
    pub since: Option<String>,
    pub provenance: Provenance,
}

/// An active problem or diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Condition.ts")]
pub struct Condition {
    pub text: String,
    /// ICD-10, ICPC-2 or SNOMED CT code where the source gives one.
    pub code: Option<String>,
    pub onset: Option<String>,
    pub provenance: Provenance,
}

/// One activity of an active care plan (tiltaksplan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CareActivity.ts")]
pub struct CareActivity {
    pub plan: String,
    pub description: String,
    pub status: Option<String>,
    pub provenance: Provenance,
}

/// An open task for the patient (e.g. today's medication round).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CareTask.ts")]
pub struct CareTask {
    /// The platform's id, for completing the task.
    pub id: String,
    pub description: String,
    pub status: String,
    /// RFC 3339; when it is to be done.
    pub due: Option<String>,
    pub provenance: Provenance,
}

/// A visit or appointment (home-care visit, doctor's round) around today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Visit.ts")]
pub struct Visit {
    pub id: String,
    /// RFC 3339.
    pub start: Option<String>,
    pub end: Option<String>,
    pub description: Option<String>,
    /// FHIR Appointment status: booked, fulfilled, cancelled, noshow, …
    pub status: String,
    pub provenance: Provenance,
}

/// A reading from welfare technology in the patient's home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "HomeReading.ts")]
pub struct HomeReading {
    /// The value compared over time (systolic for blood pressure).
    pub value: f64,
    /// As shown: "132/84" for blood pressure.
    pub display: String,
    /// RFC 3339.
    pub effective: String,
}

/// One kind of home measurement (blood pressure, weight, blood glucose …) from one
/// device: the patient measures, the device sends (HL7 Personal Health Device style:
/// an Observation that names its device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "HomeSeries.ts")]
pub struct HomeSeries {
    /// LOINC code.
    pub code: String,
    /// What is measured, as the source names it.
    pub label: String,
    pub unit: String,
    pub device: Option<String>,
    /// Newest first.
    pub readings: Vec<HomeReading>,
    /// Of the newest reading.
    pub provenance: Provenance,
}

/// A nursing note from the platform (or written here and waiting to be sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "NursingNote.ts")]
pub struct NursingNote {
    pub id: String,
    /// RFC 3339.
    pub date: Option<String>,
    pub author: Option<String>,
    /// Plain text; line breaks kept.
    pub text: String,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "PatientOverview.ts")]
pub struct PatientOverview {
    pub patient_ref: String,
    pub banner: PatientBanner,
    pub allergies: Vec<Allergy>,
    pub medications: Vec<Medication>,
    /// The latest value of each vital sign.
    pub latest_vitals: Vec<VitalSign>,
    /// NEWS2 from those latest values, with its inputs and what is missing.
    pub news2: crate::news2::News2,
    pub warnings: Vec<PatientWarning>,
    pub conditions: Vec<Condition>,
    pub care_activities: Vec<CareActivity>,
    pub tasks: Vec<CareTask>,
    /// Visits from a week back to a week ahead, oldest first.
    pub visits: Vec<Visit>,
    /// Nursing notes of the last `NOTE_DAYS`, newest first.
    pub notes: Vec<NursingNote>,
    /// Home measurements of the last `HOME_DAYS`, by kind.
    pub home_measurements: Vec<HomeSeries>,
    /// Per list, the records that could not be shown.
    #[serde(default)]
    pub unreadable: Vec<crate::partial::LeftOut>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "EnvironmentKind.ts")]
pub enum EnvironmentKind {
    Sandbox,
    Test,
    Production,
}

/// What the UI needs to know about the running app before sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "AppInfo.ts")]
pub struct AppInfo {
    pub version: String,
    pub environment_name: String,
    pub environment_kind: EnvironmentKind,
    /// Inactivity before the screen locks, in seconds.
    pub idle_lock_seconds: u32,
    /// The oldest version IT allows (the profile's `updates.minimum_version`), when set.
    pub minimum_version: Option<String>,
    /// This version is older than that: the app tells the user and opens no patient data.
    pub update_required: bool,
    /// How far the app's clock is ahead of the system's, in milliseconds: 0, except in a
    /// debug build started at another instant (`ARBEIDSFLATE_NOW`), whose window then
    /// keeps the same time as the rest of the app.
    #[ts(type = "number")]
    pub clock_offset_ms: i64,
}

/// What a worklist row shows at a glance about its patient, from the offline cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "PatientSignals.ts")]
pub struct PatientSignals {
    pub patient_ref: String,
    /// NEWS2 from the latest measurements, if any were made.
    pub news2: Option<News2Signal>,
    /// Open tasks (requested, accepted, in progress).
    pub open_tasks: u32,
    /// Shared documents dated in the last few days.
    pub new_documents: u32,
    /// The patient's record is in the offline cache.
    pub offline_ready: bool,
    /// When the cached record was fetched (RFC 3339).
    pub synced_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "News2Signal.ts")]
pub struct News2Signal {
    pub total: u8,
    pub risk: crate::news2::News2Risk,
    /// Every parameter had a value (else the total is a lower bound).
    pub complete: bool,
    /// When the newest value was measured (RFC 3339).
    pub measured_at: Option<String>,
}
