//! Wrong-patient protection: what each source says about who the patient is, and
//! where they disagree. A disagreement is shown as a warning in the banner, with what
//! each source said; the clinician decides.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who says it: the national identity number itself (its birth date and sex digit),
/// or a source that describes the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "IdentitySource.ts")]
pub enum IdentitySource {
    NationalIdNumber,
    /// The municipal platform's Patient.
    Platform,
    /// Folkeregisteret, through Persontjenesten: the authority on identity.
    Register,
}

/// A fact about the person that sources disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "IdentityField.ts")]
pub enum IdentityField {
    NationalId,
    Name,
    BirthDate,
    Gender,
}

/// What one source says about who the patient is (`None`: it does not say).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "IdentityClaim.ts")]
pub struct IdentityClaim {
    pub source: IdentitySource,
    pub name: Option<String>,
    /// As written by the source (formatted `DDMMYY NNNNN` when valid).
    pub national_id: Option<String>,
    pub birth_date: Option<String>,
    /// FHIR administrative gender: `female`, `male`, `other`, `unknown`.
    pub gender: Option<String>,
}

/// The sources disagree about who the patient is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "IdentityWarning.ts")]
pub struct IdentityWarning {
    /// What they disagree on.
    pub fields: Vec<IdentityField>,
    /// What each of them says.
    pub claims: Vec<IdentityClaim>,
}
