//! The deployment profile IT installs for the whole machine, and which profile a run
//! uses. IT's profile is at the OS's machine-wide place (`/etc/arbeidsflate/`,
//! `%ProgramData%\Arbeidsflate\`, `/Library/Application Support/Arbeidsflate/`); when
//! it is there it is the only one: a profile given on the command line cannot point
//! the app at other services. It is used only when users cannot change it: on Unix
//! owned by root and not writable by group or others, nor its directory; on Windows
//! owned by Administrators or SYSTEM, and no one else allowed to change it or its folder.

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;
pub mod windows_acl;

use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "profile.toml";

/// The OS's machine-wide configuration directory for Arbeidsflate.
pub fn machine_dir() -> PathBuf {
    #[cfg(windows)]
    {
        std::env::var_os("ProgramData")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"))
            .join("Arbeidsflate")
    }
    #[cfg(target_os = "macos")]
    {
        PathBuf::from("/Library/Application Support/Arbeidsflate")
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        PathBuf::from("/etc/arbeidsflate")
    }
}

/// Where a run's profile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSource {
    /// IT's, for the whole machine.
    Machine(PathBuf),
    /// Given with `--profile` or `ARBEIDSFLATE_PROFILE` (no machine profile installed).
    Given(PathBuf),
    /// None: the built-in sandbox.
    Sandbox,
}

impl ProfileSource {
    pub fn path(&self) -> Option<&Path> {
        match self {
            ProfileSource::Machine(p) | ProfileSource::Given(p) => Some(p),
            ProfileSource::Sandbox => None,
        }
    }

    /// For the doctor's report and the log.
    pub fn describe(&self) -> String {
        match self {
            ProfileSource::Machine(p) => format!("machine-wide {} (installed by IT)", p.display()),
            ProfileSource::Given(p) => format!("{} (given on the command line)", p.display()),
            ProfileSource::Sandbox => "none: the built-in sandbox".into(),
        }
    }
}

/// Which profile to use: IT's machine-wide one when installed (then a given one is an
/// error, not silently ignored), else the given one, else the sandbox. A machine
/// profile users could change is refused, with what IT must do.
pub fn choose(machine_dir: &Path, given: Option<&Path>) -> Result<ProfileSource, String> {
    let machine = machine_dir.join(FILE_NAME);
    if !machine.exists() {
        return Ok(given.map_or(ProfileSource::Sandbox, |p| ProfileSource::Given(p.to_path_buf())));
    }
    if let Some(p) = given {
        return Err(format!(
            "IT has installed the deployment profile {} for this machine; another profile ({}) cannot be used here",
            machine.display(),
            p.display()
        ));
    }
    only_administrators_can_change(machine_dir)?;
    only_administrators_can_change(&machine)?;
    Ok(ProfileSource::Machine(machine))
}

#[cfg(unix)]
use unix::only_administrators_can_change;
#[cfg(windows)]
use windows::only_administrators_can_change;

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("arbeidsflate-machine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn without_a_machine_profile_the_given_one_or_the_sandbox() {
        let dir = temp_dir("none");
        assert_eq!(choose(&dir, None).unwrap(), ProfileSource::Sandbox);
        let given = Path::new("/tmp/mine.toml");
        assert_eq!(choose(&dir, Some(given)).unwrap(), ProfileSource::Given(given.into()));
    }

    #[cfg(unix)]
    #[test]
    fn the_machine_profile_wins_and_must_be_out_of_users_reach() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = temp_dir("installed");
        let file = dir.join(FILE_NAME);
        std::fs::write(&file, "# IT's profile").unwrap();
        let set = |p: &Path, mode: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        set(&dir, 0o755);
        set(&file, 0o644);
        let refused = choose(&dir, Some(Path::new("/tmp/mine.toml"))).unwrap_err();
        assert!(refused.contains("IT has installed") && refused.contains("mine.toml"), "{refused}");
        let root_owned = std::fs::metadata(&file).unwrap().uid() == 0;
        match choose(&dir, None) {
            Ok(source) => {
                assert!(root_owned);
                assert_eq!(source, ProfileSource::Machine(file.clone()));
            }
            Err(e) => assert!(!root_owned && e.contains("not root"), "{e}"),
        }
        if root_owned {
            set(&file, 0o666);
            let e = choose(&dir, None).unwrap_err();
            assert!(e.contains("can be changed by other users") && e.contains("666"), "{e}");
            set(&file, 0o644);
            set(&dir, 0o777);
            assert!(choose(&dir, None).unwrap_err().contains("777"), "a writable directory lets users swap the file");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
