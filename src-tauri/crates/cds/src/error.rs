//! What can go wrong with a service, as the workspace tells the clinician: one of
//! `CdsFailure`'s reasons, with the service's own words (made safe) for support.

use arbeidsflate_model::cds::CdsFailure;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason:?}: {detail}")]
pub struct CdsError {
    pub reason: CdsFailure,
    /// For support: never a patient's data, only what the service or the network said.
    pub detail: String,
}

impl CdsError {
    pub fn new(reason: CdsFailure, detail: impl Into<String>) -> Self {
        let detail = arbeidsflate_model::text::clean(&detail.into());
        Self { reason, detail }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(CdsFailure::Malformed, detail)
    }
}
