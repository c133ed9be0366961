//! Other suppliers' apps as the window lists them: the catalogue IT set, for the
//! clinician's role, and where each opens.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where an app runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "OpensIn.ts")]
pub enum OpensIn {
    /// A widget in the patient overview, under the workspace's patient banner.
    #[default]
    Widget,
    /// Its own window, with its own banner.
    Window,
    /// The system browser (for apps that sign in to HelseID again themselves).
    Browser,
}

/// One app the clinician may launch for the open patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "CatalogueApp.ts")]
pub struct CatalogueApp {
    pub id: String,
    pub name: String,
    pub supplier: String,
    pub opens_in: OpensIn,
}
