//! Who may change the machine profile on Unix: its owner and mode bits.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Root owns it and neither group nor others may write it.
pub(super) fn only_administrators_can_change(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.uid() != 0 {
        return Err(format!(
            "{} is owned by user {}, not root; IT must make root its owner",
            path.display(),
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{} can be changed by other users (mode {:o}); IT must make it writable by root only (e.g. chmod go-w)",
            path.display(),
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}
