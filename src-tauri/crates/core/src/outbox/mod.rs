//! The outbox: the writes a clinician records, queued in the encrypted cache as the
//! FHIR requests that carry them, and sent in order when the platform answers, each
//! exactly once, a conflicting edit kept for the clinician to settle.

pub(crate) mod drain;
pub mod requests;
