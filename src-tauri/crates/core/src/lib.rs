//! Arbeidsflate's use cases, free of Tauri: the signed-in workspace (worklist, patient
//! overview, offline cache, outbox) and the health checks behind `doctor`. The
//! deployment configuration is its own crate (`arbeidsflate-config`), re-exported here.

pub mod access;
pub mod aggregate;
pub mod cache;
pub mod doctor;
mod errors;
pub mod identity;
pub mod keystore;
pub mod merge;
pub mod outbox;
pub mod workspace;

pub use arbeidsflate_config::{
    apps, decision_support, gp_register, machine_profile, profile, trust, update_feed, version,
};
pub use arbeidsflate_config::{Profile, ProfileError};
pub use workspace::layout;
pub use workspace::{CardUse, LaunchedApp, Preparation, Workspace, PREPARATIONS_PER_MINUTE};
