//! The person as the population register knows them. A protected address never gets
//! here: only the fact that it is protected does.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "AddressProtection.ts")]
pub enum AddressProtection {
    /// A client address is registered instead of the home address.
    ClientAddress,
    /// Fortrolig adresse.
    Confidential,
    /// Strengt fortrolig adresse.
    StrictlyConfidential,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "Address.ts")]
pub enum Address {
    Shown { text: String },
    Protected { level: AddressProtection },
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "PersonDetails.ts")]
pub struct PersonDetails {
    pub name: String,
    pub birth_date: Option<String>,
    /// Set when the register records the person as dead.
    pub death_date: Option<String>,
    pub gender: Option<String>,
    pub address: Address,
    pub provenance: crate::provenance::Provenance,
}
