//! The domain model shared by every Arbeidsflate crate.
//!
//! Types here cross the IPC boundary, so each derives `ts_rs::TS`; the generated
//! TypeScript lives in `ui/src/lib/bindings/` and a test fails when it is stale.

pub mod error;
pub mod nin;
pub mod view;

pub use error::{AppError, ErrorCode};
pub use nin::{NationalId, NationalIdKind, NinError};
