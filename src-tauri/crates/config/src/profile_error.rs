//! What a profile that cannot be used says: the field (`table.key`, `apps[0].scopes`) and
//! why, for every part of the profile's rules.

/// A profile that failed to load, with the field and the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("deployment profile: {field}: {reason}")]
pub struct ProfileError {
    pub field: String,
    pub reason: String,
}

pub(crate) fn err(field: &str, reason: impl Into<String>) -> ProfileError {
    ProfileError { field: field.into(), reason: reason.into() }
}
