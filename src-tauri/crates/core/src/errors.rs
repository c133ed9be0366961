//! Maps the lower crates' errors onto the stable codes the UI translates.

use arbeidsflate_model::{AppError, ErrorCode};
use helseid::HelseIdError;
use sources::SourceError;

pub fn from_helseid(e: HelseIdError) -> AppError {
    let code = match &e {
        HelseIdError::Unreachable(_) => ErrorCode::ServiceUnavailable,
        HelseIdError::Cancelled => ErrorCode::SignInCancelled,
        HelseIdError::TimedOut(_) => ErrorCode::SignInTimedOut,
        HelseIdError::NotSignedIn => ErrorCode::NotSignedIn,
        HelseIdError::SessionExpired => ErrorCode::SessionExpired,
        HelseIdError::Config(_) => ErrorCode::InvalidProfile,
        HelseIdError::Browser(_) => ErrorCode::Internal,
        HelseIdError::Protocol { .. }
        | HelseIdError::BadResponse(_)
        | HelseIdError::CallbackRejected(_)
        | HelseIdError::InvalidIdToken(_) => ErrorCode::SignInRejected,
    };
    AppError::new(code, e.to_string())
}

pub fn from_source(e: SourceError) -> AppError {
    let code = match &e {
        SourceError::Unreachable(_) => ErrorCode::ServiceUnavailable,
        SourceError::NotFound => ErrorCode::PatientNotFound,
        SourceError::NoToken(_) | SourceError::NotAuthorised(_) => ErrorCode::NotSignedIn,
        SourceError::SessionExpired => ErrorCode::SessionExpired,
        SourceError::InvalidInput(_) => ErrorCode::InvalidNationalId,
        SourceError::Config(_) => ErrorCode::InvalidProfile,
        SourceError::Http { .. } | SourceError::Malformed(_) => ErrorCode::ServiceError,
    };
    AppError::new(code, e.to_string())
}
