//! Arbeidsflate's use cases, free of Tauri: the deployment profile, the signed-in
//! workspace (worklist, patient overview) and the health checks behind `doctor`.

pub mod access;
pub mod aggregate;
pub mod doctor;
mod errors;
pub mod identity;
pub mod keystore;
pub mod layout;
pub mod machine_profile;
pub mod merge;
pub mod offline;
pub mod profile;
pub mod trust;
pub mod update_feed;
pub mod version;
pub mod workspace;

pub use profile::{Profile, ProfileError};
pub use workspace::{Preparation, Workspace, PREPARATIONS_PER_MINUTE};
