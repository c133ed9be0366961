//! Where an item came from and how fresh it is: carried by every clinical item.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where an item came from and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Provenance.ts")]
pub struct Provenance {
    /// Human name of the source service, e.g. "Kommunal plattform".
    pub source: String,
    /// Who recorded it (person or organisation), where the source says.
    pub author: Option<String>,
    /// RFC 3339 or a date; when it was recorded or asserted, where the source says.
    pub recorded: Option<String>,
    /// RFC 3339; when the source last changed the item, if it says.
    pub last_updated: Option<String>,
    /// RFC 3339; when we fetched it.
    pub fetched_at: String,
}

impl Provenance {
    /// Provenance that says only which source and when it was fetched.
    pub fn fetched(source: impl Into<String>, fetched_at: impl Into<String>) -> Self {
        Self { source: source.into(), author: None, recorded: None, last_updated: None, fetched_at: fetched_at.into() }
    }
}
