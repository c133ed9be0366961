//! Decision support from the CDS Hooks services IT chose: the cards as the workspace
//! shows them, and each service's status beside the sources'. Everything here was made
//! safe in Rust first: texts cleaned, the detail's Markdown rendered to sanitised HTML,
//! links checked, suggestions held to the open patient.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How urgent a card is. Declared in display order: critical first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "CardIndicator.ts")]
pub enum CardIndicator {
    Critical,
    Warning,
    Info,
}

/// Who stands behind a card's advice (the service's own words).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CardSource.ts")]
pub struct CardSource {
    pub label: String,
    /// https (or loopback http); opened in the system browser, never in the workspace.
    pub url: Option<String>,
    pub topic: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "CardLinkKind.ts")]
pub enum CardLinkKind {
    /// A web page: the system browser.
    Absolute,
    /// A SMART app: launched through the app catalogue for the open patient.
    Smart,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CardLink.ts")]
pub struct CardLink {
    pub label: String,
    pub url: String,
    pub kind: CardLinkKind,
    /// For a SMART link, the catalogue app whose launch URL it is; `None` when the
    /// catalogue has no such app (the link is then shown, not offered).
    pub app_id: Option<String>,
    /// Handed to the app in its token answer (`appContext`).
    pub app_context: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "ActionKind.ts")]
pub enum ActionKind {
    Create,
    Update,
    Delete,
}

/// One change a suggestion would make, as the clinician sees it before confirming.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "SuggestedAction.ts")]
pub struct SuggestedAction {
    pub kind: ActionKind,
    pub description: String,
    pub resource_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CardSuggestion.ts")]
pub struct CardSuggestion {
    pub id: String,
    pub label: String,
    pub recommended: bool,
    pub actions: Vec<SuggestedAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "SelectionBehavior.ts")]
pub enum SelectionBehavior {
    AtMostOne,
    Any,
}

/// A reason the service offers for not following its card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "OverrideReason.ts")]
pub struct OverrideReason {
    pub system: Option<String>,
    pub code: String,
    pub display: String,
}

/// Why a suggestion on a card is not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "SuggestionRefusal.ts")]
pub enum SuggestionRefusal {
    /// It would change another patient's record.
    OtherPatient,
    /// A change the workspace does not make (a type it does not write, or a delete).
    Unsupported,
    /// Its actions could not be read.
    Malformed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "LeftOutSuggestion.ts")]
pub struct LeftOutSuggestion {
    pub label: String,
    pub reason: SuggestionRefusal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "DecisionCard.ts")]
pub struct DecisionCard {
    /// The card's `uuid` from the service; feedback is possible only with one.
    pub id: String,
    pub has_service_id: bool,
    /// The service (its id in discovery) that sent it.
    pub service_id: String,
    pub summary: String,
    /// The detail's Markdown as sanitised HTML: structure, emphasis and http(s) links
    /// only; no images, no raw HTML, no attributes but `href`.
    pub detail_html: Option<String>,
    pub indicator: CardIndicator,
    pub source: CardSource,
    pub links: Vec<CardLink>,
    pub suggestions: Vec<CardSuggestion>,
    pub selection_behavior: Option<SelectionBehavior>,
    pub left_out_suggestions: Vec<LeftOutSuggestion>,
    pub override_reasons: Vec<OverrideReason>,
    /// RFC 3339: when the service's answer arrived.
    pub received_at: String,
}

/// Why a service gave no cards, in words the UI can translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "CdsFailure.ts")]
pub enum CdsFailure {
    /// No answer before the service's deadline.
    TimedOut,
    Unreachable,
    /// The service did not accept the workspace's signed call (401/403).
    Refused,
    /// It needed data the workspace could not give it (412).
    NeedsData,
    /// It answered with another error.
    ServiceError,
    /// The answer was not CDS Hooks.
    Malformed,
    /// The answer was larger than a service may send.
    TooLarge,
    /// Its discovery did not answer, so it could not be called.
    NotDiscovered,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export_to = "CdsState.ts")]
pub enum CdsState {
    Waiting,
    Fresh,
    Failed {
        reason: CdsFailure,
    },
    /// Offline: services are not asked, and no old cards are shown as if current.
    Offline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CdsServiceStatus.ts")]
pub struct CdsServiceStatus {
    pub service_id: String,
    /// The service's title from discovery, else the name IT gave it.
    pub name: String,
    pub state: CdsState,
    /// RFC 3339; when the answer arrived.
    pub fetched_at: Option<String>,
    pub elapsed_ms: Option<u32>,
    /// The service's own words on a failure, made safe; for support, not translated.
    pub detail: Option<String>,
}

/// Why cards from a service are not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "CardRefusal.ts")]
pub enum CardRefusal {
    /// A required field missing or of the wrong kind.
    Malformed,
    /// An indicator other than info, warning or critical.
    UnknownIndicator,
    /// More cards than a service may show at once.
    OverLimit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CardsLeftOut.ts")]
pub struct CardsLeftOut {
    pub reason: CardRefusal,
    pub count: u32,
}

/// A configured service as `arbeidsflate cds` lists it: what IT set and what its
/// discovery offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "CdsServiceListing.ts")]
pub struct CdsServiceListing {
    pub name: String,
    pub base_url: String,
    pub hooks: Vec<String>,
    pub fhir_access: bool,
    pub deadline_ms: u32,
    /// What discovery offers; `None` when it could not be read (see `error`).
    pub offered: Option<Vec<OfferedService>>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "OfferedService.ts")]
pub struct OfferedService {
    pub id: String,
    pub hook: String,
    pub title: Option<String>,
    pub description: String,
    /// The prefetch keys it asks for.
    pub prefetch: Vec<String>,
    /// Whether the workspace calls it (its hook is among those IT set).
    pub called: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_sorts_before_warning_before_info() {
        let mut v = vec![CardIndicator::Info, CardIndicator::Critical, CardIndicator::Warning];
        v.sort();
        assert_eq!(v, [CardIndicator::Critical, CardIndicator::Warning, CardIndicator::Info]);
        assert_eq!(serde_json::to_value(CardIndicator::Critical).unwrap(), "critical");
    }
}
