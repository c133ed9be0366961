//! How Arbeidsflate is deployed, apart from what it does: the deployment profile
//! (TOML, with the rules its JSON Schema states), the machine-wide profile IT installs
//! and who may write it, the extra CAs the profile trusts, the app's version and the
//! update feed, the catalogue of other suppliers' apps and the decision-support services. It knows nothing of patients or sessions.

pub mod apps;
pub mod decision_support;
pub mod gp_register;
pub mod machine_profile;
pub mod profile;
pub mod profile_error;
pub mod trust;
pub mod update_feed;
pub mod version;

pub use profile::{Profile, ProfileError};
