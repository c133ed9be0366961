//! Where an item came from and how fresh it is: carried by every clinical item.

use serde::Serialize;
use ts_rs::TS;

/// Where an item came from and when.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "Provenance.ts")]
pub struct Provenance {
    /// Human name of the source service, e.g. "Kommunal plattform".
    pub source: String,
    /// RFC 3339; when the source last changed the item, if it says.
    pub last_updated: Option<String>,
    /// RFC 3339; when we fetched it.
    pub fetched_at: String,
}
