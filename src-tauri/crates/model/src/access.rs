//! The clinician's legal ground for looking up a patient (tjenstlig behov), as NHN's
//! services take it in the `nhn-access-basis` header.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "AccessBasis.ts")]
pub enum AccessBasis {
    /// No consent needed: treating personnel in a care relationship.
    Unntak,
    /// The patient consented.
    Samtykke,
    /// Emergency (break the glass): needs a written reason and is logged as such.
    Akutt,
    /// Consent to open data the patient has restricted.
    ForhoyetSamtykke,
    /// Emergency access to data the patient has restricted.
    ForhoyetAkutt,
}

impl AccessBasis {
    /// The `nhn-access-basis` header value.
    pub fn header_value(self) -> &'static str {
        match self {
            AccessBasis::Unntak => "UNNTAK",
            AccessBasis::Samtykke => "SAMTYKKE",
            AccessBasis::Akutt => "AKUTT",
            AccessBasis::ForhoyetSamtykke => "FORHOYET_SAMTYKKE",
            AccessBasis::ForhoyetAkutt => "FORHOYET_AKUTT",
        }
    }

    pub fn from_header_value(v: &str) -> Option<Self> {
        [Self::Unntak, Self::Samtykke, Self::Akutt, Self::ForhoyetSamtykke, Self::ForhoyetAkutt]
            .into_iter()
            .find(|b| b.header_value() == v)
    }

    /// Whether this basis opens data the patient has restricted.
    pub fn is_elevated(self) -> bool {
        matches!(self, AccessBasis::ForhoyetSamtykke | AccessBasis::ForhoyetAkutt)
    }

    /// Whether this is emergency access (break the glass).
    pub fn is_emergency(self) -> bool {
        matches!(self, AccessBasis::Akutt | AccessBasis::ForhoyetAkutt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_round_trip_and_unknown_ones_are_refused() {
        for b in [
            AccessBasis::Unntak,
            AccessBasis::Samtykke,
            AccessBasis::Akutt,
            AccessBasis::ForhoyetSamtykke,
            AccessBasis::ForhoyetAkutt,
        ] {
            assert_eq!(AccessBasis::from_header_value(b.header_value()), Some(b));
        }
        assert_eq!(AccessBasis::from_header_value("unntak"), None);
        assert!(AccessBasis::ForhoyetAkutt.is_elevated() && AccessBasis::ForhoyetAkutt.is_emergency());
        assert!(!AccessBasis::Samtykke.is_elevated());
    }
}
