//! Documents handed to the system's viewer (PDFs: the webview embeds nothing). They
//! go to a directory only the user can read, preferably the tmpfs runtime directory,
//! and are wiped at sign-out and when another user signs in.

use std::io::Write;
use std::path::PathBuf;

fn directory() -> PathBuf {
    let base = dirs::runtime_dir().unwrap_or_else(std::env::temp_dir);
    base.join(format!("arbeidsflate-documents-{}", whoami()))
}

fn whoami() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "user".into())
}

/// Writes the document for the viewer; the file name says nothing about the patient.
pub fn store(bytes: &[u8], extension: &str) -> std::io::Result<PathBuf> {
    let dir = directory();
    std::fs::create_dir_all(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let path = dir.join(format!("{}.{extension}", sources::random_uuid()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(&path)?.write_all(bytes)?;
    Ok(path)
}

/// Removes every document handed to the viewer.
pub fn wipe() {
    let dir = directory();
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            tracing::warn!(error = %e, "could not wipe the viewer's documents");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_documents_are_private_and_wiped() {
        let path = super::store(b"%PDF-1.4 test", "pdf").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.4 test");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        super::wipe();
        assert!(!path.exists());
    }
}
