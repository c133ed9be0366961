//! The signed-in clinician's overview layout: read, saved and reset per user and role.

use super::Workspace;
use crate::layout::{check_user_layout, resolve, role_settings, LayoutFiles};
use arbeidsflate_model::layout::{LayoutItem, WorkspaceLayout};
use arbeidsflate_model::AppError;

impl Workspace {
    /// The layout in force for the signed-in clinician.
    pub async fn layout(&self) -> Result<WorkspaceLayout, AppError> {
        let s = self.current().await?;
        let role = s.clinician.role;
        let saved = LayoutFiles::new(&self.data_dir).load(s.session.user.pid.expose(), role);
        Ok(resolve(role, &role_settings(&self.profile, role), saved.as_deref()))
    }

    /// Saves the clinician's arrangement; refused (`invalid_input`) if it breaks IT's
    /// locks or names a widget twice. Returns the layout now in force.
    pub async fn save_layout(&self, items: Vec<LayoutItem>) -> Result<WorkspaceLayout, AppError> {
        let s = self.current().await?;
        let role = s.clinician.role;
        let settings = role_settings(&self.profile, role);
        check_user_layout(&settings, &items)?;
        let pid = s.session.user.pid.expose();
        LayoutFiles::new(&self.data_dir).store(pid, role, Some(&items))?;
        tracing::info!(widgets = items.len(), "layout saved");
        Ok(resolve(role, &settings, Some(&items)))
    }

    /// Forgets the clinician's arrangement: the role's default shows again.
    pub async fn reset_layout(&self) -> Result<WorkspaceLayout, AppError> {
        let s = self.current().await?;
        let role = s.clinician.role;
        LayoutFiles::new(&self.data_dir).store(s.session.user.pid.expose(), role, None)?;
        tracing::info!("layout reset to the role's default");
        Ok(resolve(role, &role_settings(&self.profile, role), None))
    }
}
