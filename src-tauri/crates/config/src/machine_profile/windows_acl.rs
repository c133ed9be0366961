//! Who may change the machine profile on Windows, judged from its security descriptor:
//! the owner and the DACL's entries, as SID strings and access masks. Pure, so that the
//! rule is tested on every platform; `windows.rs` reads the descriptor.

/// SIDs that only administrators act as: SYSTEM, the Administrators group, TrustedInstaller.
const ADMINISTRATIVE: [&str; 3] =
    ["S-1-5-18", "S-1-5-32-544", "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"];

/// `CREATOR OWNER`: an entry for it on a folder only says what new children inherit.
const CREATOR_OWNER: &str = "S-1-3-0";

// Access rights (winnt.h) that let someone change a file or swap it in its folder.
const FILE_WRITE_DATA: u32 = 0x2;
const FILE_APPEND_DATA: u32 = 0x4;
const FILE_WRITE_EA: u32 = 0x10;
const FILE_DELETE_CHILD: u32 = 0x40;
const DELETE: u32 = 0x1_0000;
const WRITE_DAC: u32 = 0x4_0000;
const WRITE_OWNER: u32 = 0x8_0000;
const GENERIC_ALL: u32 = 0x1000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;

/// On the file: changing its content, its rights or its owner, or deleting it.
const CHANGES_A_FILE: u32 =
    FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL | GENERIC_WRITE;
/// On the folder: deleting what is in it (to put another file there), or taking it
/// over. Adding files is harmless: the profile file itself must be an administrator's.
const CHANGES_A_FOLDER: u32 = FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL;

/// `ACCESS_ALLOWED_ACE_TYPE`; deny entries only take rights away.
pub const ACCESS_ALLOWED: u8 = 0;
/// `INHERIT_ONLY_ACE`: the entry applies to children only, not to this object.
pub const INHERIT_ONLY: u8 = 0x8;

/// One entry of a DACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: u8,
    pub flags: u8,
    pub mask: u32,
    pub sid: String,
}

/// What a security descriptor says, read from a file or a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub owner: String,
    /// `None`: no DACL at all, which lets everyone do everything.
    pub dacl: Option<Vec<Entry>>,
}

/// Ok when only administrators can change `what` (`folder` for the profile's folder);
/// otherwise what IT must change, naming the SID.
pub fn judge(what: &str, folder: bool, descriptor: &Descriptor) -> Result<(), String> {
    if !ADMINISTRATIVE.contains(&descriptor.owner.as_str()) {
        return Err(format!(
            "{what} is owned by {}, not by Administrators or SYSTEM; IT must make Administrators its owner",
            descriptor.owner
        ));
    }
    let Some(entries) = &descriptor.dacl else {
        return Err(format!("{what} has no access list, so everyone may change it; IT must set one"));
    };
    let changes = if folder { CHANGES_A_FOLDER } else { CHANGES_A_FILE };
    let open_to = entries.iter().find(|e| {
        e.kind == ACCESS_ALLOWED
            && e.flags & INHERIT_ONLY == 0
            && e.mask & changes != 0
            && !ADMINISTRATIVE.contains(&e.sid.as_str())
            && e.sid != CREATOR_OWNER
    });
    match open_to {
        Some(e) => Err(format!(
            "{what} can be changed by {} (access mask {:#x}); IT must let only Administrators and SYSTEM change it",
            e.sid, e.mask
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMINS: &str = "S-1-5-32-544";
    const USERS: &str = "S-1-5-32-545";
    const SOME_USER: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";
    const READ_EXECUTE: u32 = 0x1200a9;
    const FULL: u32 = 0x1f01ff;

    fn allow(sid: &str, mask: u32) -> Entry {
        Entry { kind: ACCESS_ALLOWED, flags: 0, mask, sid: sid.into() }
    }

    fn locked_down() -> Descriptor {
        Descriptor {
            owner: ADMINS.into(),
            dacl: Some(vec![allow("S-1-5-18", FULL), allow(ADMINS, FULL), allow(USERS, READ_EXECUTE)]),
        }
    }

    #[test]
    fn a_profile_only_administrators_may_change_is_used() {
        assert_eq!(judge("profile.toml", false, &locked_down()), Ok(()));
        assert_eq!(judge("Arbeidsflate", true, &locked_down()), Ok(()));
    }

    #[test]
    fn a_profile_owned_by_a_user_is_refused_naming_the_owner() {
        let mut d = locked_down();
        d.owner = SOME_USER.into();
        let e = judge("profile.toml", false, &d).unwrap_err();
        assert!(e.contains(SOME_USER) && e.contains("owner"), "{e}");
    }

    #[test]
    fn users_allowed_to_write_the_file_or_swap_it_are_refused() {
        for (folder, mask) in
            [(false, 0x2), (false, FULL), (false, GENERIC_WRITE), (true, FILE_DELETE_CHILD), (true, WRITE_DAC)]
        {
            let mut d = locked_down();
            d.dacl.as_mut().unwrap().push(allow(USERS, mask));
            let e = judge("x", folder, &d).unwrap_err();
            assert!(e.contains(USERS) && e.contains(&format!("{mask:#x}")), "{folder} {mask:#x}: {e}");
        }
    }

    #[test]
    fn what_does_not_let_anyone_change_it_is_no_reason_to_refuse() {
        let mut d = locked_down();
        let entries = d.dacl.as_mut().unwrap();
        // Denied writes, inherit-only entries, and adding files to the folder.
        entries.push(Entry { kind: 1, flags: 0, mask: FULL, sid: USERS.into() });
        entries.push(Entry { kind: ACCESS_ALLOWED, flags: INHERIT_ONLY, mask: FULL, sid: USERS.into() });
        entries.push(allow(CREATOR_OWNER, GENERIC_ALL));
        assert_eq!(judge("profile.toml", false, &d), Ok(()));
        d.dacl.as_mut().unwrap().push(allow(USERS, FILE_WRITE_DATA | FILE_APPEND_DATA));
        assert_eq!(judge("Arbeidsflate", true, &d), Ok(()), "adding a file to the folder changes nothing");
    }

    #[test]
    fn no_access_list_at_all_is_refused() {
        let d = Descriptor { owner: ADMINS.into(), dacl: None };
        assert!(judge("profile.toml", false, &d).unwrap_err().contains("no access list"));
    }
}
