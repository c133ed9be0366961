//! The patient view as it arrives: one part per source answer, each source with a
//! status, so the UI shows what it has while slower sources are still working.

use crate::access::AccessBasis;
use crate::merged::{MergedAllergy, MergedMedication};
use crate::news2::News2;
pub use crate::partial::PlatformPart;
use crate::person::PersonDetails;
use crate::provenance::Provenance;
use crate::view::{CareActivity, CareTask, Condition, Medication, PatientBanner, PatientWarning};
use crate::vitals::VitalSign;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which patient to open: one from the worklist, or anyone by national identity number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "PatientTarget.ts")]
pub enum PatientTarget {
    Worklist { patient_ref: String },
    NationalId { national_id: String },
}

/// The basis the clinician states for looking the patient up.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export_to = "AccessRequest.ts")]
pub struct AccessRequest {
    pub basis: AccessBasis,
    /// Required for emergency access; written to the access log.
    pub reason: Option<String>,
}

/// The basis in force for the open patient, shown in the view while it is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "AccessGrant.ts")]
pub struct AccessGrant {
    pub basis: AccessBasis,
    /// Break the glass: the view is marked for as long as this grant is used.
    pub emergency: bool,
    /// True when the basis is the care relationship of the clinician's own worklist.
    pub from_worklist: bool,
    pub reason: Option<String>,
    /// RFC 3339.
    pub granted_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "SourceKind.ts")]
pub enum SourceKind {
    Municipal,
    Kjernejournal,
    MedicationList,
    Documents,
    Person,
    /// Fastlegeregisteret: the patient's GP.
    GpRegister,
}

impl SourceKind {
    pub const ALL: [SourceKind; 6] = [
        SourceKind::Municipal,
        SourceKind::Kjernejournal,
        SourceKind::MedicationList,
        SourceKind::Documents,
        SourceKind::Person,
        SourceKind::GpRegister,
    ];
}

/// Why a source gave nothing, in words the UI can translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "SourceFailure.ts")]
pub enum SourceFailure {
    /// No answer before the source's deadline.
    TimedOut,
    Unreachable,
    /// The service refused the request (token, attestation or basis).
    Refused,
    /// The service answered with an error.
    ServiceError,
    /// The answer could not be read.
    Malformed,
    /// The sign-in must be renewed.
    SessionExpired,
}

/// Why a source has nothing for this patient, though it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "NotAvailableReason.ts")]
pub enum NotAvailableReason {
    /// The patient has reserved against Kjernejournal: there is none — not "no allergies".
    Reserved,
    /// The patient restricted access: an elevated basis opens it.
    Restricted,
    /// The municipal platform has no record of this patient.
    NotRegistered,
    /// Offline, and the cache holds nothing from this source for the patient.
    NotCached,
}

/// A part of a source's answer that did not come, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "PartFailure.ts")]
pub struct PartFailure {
    pub part: PlatformPart,
    pub reason: SourceFailure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export_to = "SourceState.ts")]
pub enum SourceState {
    Waiting,
    /// Still waiting, past the point where an answer was expected.
    Slow,
    Fresh,
    /// Some parts came and some did not: `failed` names those that did not. What came
    /// is shown; a widget whose part failed says so instead of "none".
    Partial {
        failed: Vec<PartFailure>,
    },
    /// From the offline cache; `fetched_at` says when the source answered.
    Cached,
    Failed {
        reason: SourceFailure,
    },
    NotAvailable {
        reason: NotAvailableReason,
    },
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "SourceStatus.ts")]
pub struct SourceStatus {
    pub source: SourceKind,
    /// The service's name, e.g. "Kjernejournal".
    pub name: String,
    pub state: SourceState,
    /// RFC 3339; when the answer arrived.
    pub fetched_at: Option<String>,
    /// Milliseconds from asking to the answer (or to the deadline).
    pub elapsed_ms: Option<u32>,
    /// The service's own words on a failure, made safe; for support, not translated.
    pub detail: Option<String>,
}

/// When a register behind the medication list was read, and what it said went wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "RegisterRetrieval.ts")]
pub struct RegisterRetrieval {
    /// "Kjernejournal" or "Reseptformidleren".
    pub register: String,
    pub retrieved_at: Option<String>,
    pub error_code: Option<String>,
}

/// A shared document as listed; opened by `id` through the backend, never by URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "DocumentSummary.ts")]
pub struct DocumentSummary {
    pub id: u32,
    pub title: String,
    pub date: Option<String>,
    pub author: Option<String>,
    pub content_type: String,
    /// False when the source gave an address that is not safe to fetch.
    pub can_open: bool,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "part", rename_all = "snake_case")]
#[ts(export_to = "OverviewPart.ts")]
pub enum OverviewPart {
    /// First: the basis in force and every source's starting status.
    Opened {
        patient_ref: String,
        access: AccessGrant,
        sources: Vec<SourceStatus>,
    },
    Status {
        status: SourceStatus,
    },
    Banner {
        banner: PatientBanner,
    },
    Person {
        person: PersonDetails,
    },
    /// The patient's GP and office, or that there is none (Fastlegeregisteret).
    GeneralPractitioner {
        gp: crate::gp::GpDetails,
    },
    /// The sources compared on who the patient is, again with each new description:
    /// `warning` when they disagree, `None` when they agree (so far).
    Identity {
        warning: Option<crate::identity::IdentityWarning>,
    },
    /// Every source's allergies so far, merged.
    Allergies {
        items: Vec<MergedAllergy>,
    },
    /// Every source's current medications so far, merged, with the registers' retrievals.
    Medications {
        items: Vec<MergedMedication>,
        retrievals: Vec<RegisterRetrieval>,
        /// Earlier versions from the national list (stopped, or replaced by a changed
        /// dose), newest first: shown when asked for.
        history: Vec<Medication>,
    },
    Vitals {
        latest: Vec<VitalSign>,
        news2: News2,
    },
    /// Active warnings (FHIR Flag), shown with the banner.
    Warnings {
        items: Vec<PatientWarning>,
    },
    /// The platform's problem list, care plan activities and open tasks.
    Care {
        conditions: Vec<Condition>,
        activities: Vec<CareActivity>,
        tasks: Vec<CareTask>,
    },
    Visits {
        items: Vec<crate::view::Visit>,
    },
    Notes {
        items: Vec<crate::view::NursingNote>,
    },
    HomeMeasurements {
        series: Vec<crate::view::HomeSeries>,
    },
    /// Records of one of the platform's lists that could not be shown, by reason (sent
    /// after the list, only when some were left out).
    Unreadable {
        list: PlatformPart,
        records: Vec<crate::partial::Unreadable>,
    },
    Documents {
        items: Vec<DocumentSummary>,
        hidden: u32,
    },
    /// One decision-support service's answer (or its status while waiting): its cards
    /// replace any it sent before for this patient. Critical first, then warning, then
    /// info; in the service's order within each.
    DecisionSupport {
        status: crate::cds::CdsServiceStatus,
        cards: Vec<crate::cds::DecisionCard>,
        left_out: Vec<crate::cds::CardsLeftOut>,
    },
}

/// One source's answer as sent to the UI: its parts, its status last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "OverviewEvent.ts")]
pub struct OverviewEvent {
    /// 0, 1, 2… within one opening.
    pub seq: u32,
    /// Unix milliseconds when the answer left the backend, to measure time to screen.
    #[ts(type = "number")]
    pub emitted_at_ms: u64,
    pub parts: Vec<OverviewPart>,
}

/// A section of a structured document: its heading and its content as HTML that the
/// sources crate built and sanitised (structure and emphasis only: no attributes,
/// links, images, styles or scripts), so the viewer may insert it as markup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "DocumentSection.ts")]
pub struct DocumentSection {
    pub title: Option<String>,
    pub html: String,
}

/// What a structured document was before it became sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "DocumentFormat.ts")]
pub enum DocumentFormat {
    /// HL7 CDA.
    Cda,
    /// A KITH XML message (e.g. the discharge summary, Epikrise).
    Kith,
    Text,
}

/// An opened shared document, shown inside the app: structured ones as sections,
/// PDFs drawn by the viewer (pdf.js, scripting off) from their bytes. Nothing is
/// written to disk or handed to another program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "DocumentView.ts")]
pub enum DocumentView {
    Structured {
        title: String,
        format: DocumentFormat,
        sections: Vec<DocumentSection>,
    },
    /// `data` is the PDF, base64 (standard alphabet, padded).
    Pdf {
        title: String,
        data: String,
    },
}
