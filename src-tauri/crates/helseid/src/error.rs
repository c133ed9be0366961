use thiserror::Error;

/// Everything that can go wrong talking to HelseID. The variants are what the app
/// maps to user-facing codes; details never contain tokens.
#[derive(Debug, Error)]
pub enum HelseIdError {
    #[error("HelseID could not be reached: {0}")]
    Unreachable(String),
    #[error("HelseID answered with an error: {error}: {description}")]
    Protocol { error: String, description: String },
    #[error("HelseID answered something unreadable: {0}")]
    BadResponse(String),
    #[error("the sign-in was cancelled in the browser")]
    Cancelled,
    #[error("the sign-in did not complete within {0} seconds")]
    TimedOut(u64),
    #[error("the callback failed a check: {0}")]
    CallbackRejected(&'static str),
    #[error("the ID token failed validation: {0}")]
    InvalidIdToken(String),
    #[error("the browser could not be opened: {0}")]
    Browser(String),
    #[error("not signed in")]
    NotSignedIn,
    #[error("the refresh token has expired or was revoked")]
    SessionExpired,
    #[error("configuration error: {0}")]
    Config(String),
}

impl From<reqwest::Error> for HelseIdError {
    fn from(e: reqwest::Error) -> Self {
        // Strip the URL: query strings may hold codes.
        HelseIdError::Unreachable(e.without_url().to_string())
    }
}
