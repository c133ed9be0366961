//! Reads a file's or folder's owner and DACL (GetNamedSecurityInfoW) for the rule in
//! `windows_acl`. The only unsafe code in the crate: Win32 calls, each with what it
//! relies on.

use super::windows_acl::{judge, Descriptor, Entry};
use std::os::windows::ffi::OsStrExt;
use std::path::Path;
use windows_sys::Win32::Foundation::{LocalFree, ERROR_SUCCESS};
use windows_sys::Win32::Security::Authorization::{ConvertSidToStringSidW, GetNamedSecurityInfoW, SE_FILE_OBJECT};
use windows_sys::Win32::Security::{
    GetAce, ACE_HEADER, ACL, DACL_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID,
};

pub(super) fn only_administrators_can_change(path: &Path) -> Result<(), String> {
    let descriptor = read(path).map_err(|e| format!("cannot read who may change {}: {e}", path.display()))?;
    judge(&path.display().to_string(), path.is_dir(), &descriptor)
}

fn read(path: &Path) -> Result<Descriptor, String> {
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain(std::iter::once(0)).collect();
    let mut owner: PSID = std::ptr::null_mut();
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: `wide` is NUL-terminated and outlives the call; the out-pointers are
    // valid locals. On success `owner` and `dacl` point into `sd`, freed below.
    let rc = unsafe {
        GetNamedSecurityInfoW(
            wide.as_ptr(),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut owner,
            std::ptr::null_mut(),
            &mut dacl,
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if rc != ERROR_SUCCESS {
        return Err(format!("Windows error {rc}"));
    }
    let result = describe(owner, dacl);
    // SAFETY: `sd` was allocated by GetNamedSecurityInfoW for the caller to LocalFree.
    unsafe { LocalFree(sd) };
    result
}

fn describe(owner: PSID, dacl: *const ACL) -> Result<Descriptor, String> {
    let owner = sid_string(owner)?;
    if dacl.is_null() {
        return Ok(Descriptor { owner, dacl: None });
    }
    // SAFETY: a non-null DACL from GetNamedSecurityInfoW is a valid ACL header.
    let count = unsafe { (*dacl).AceCount };
    let mut entries = Vec::with_capacity(count.into());
    for index in 0..u32::from(count) {
        let mut ace: *mut core::ffi::c_void = std::ptr::null_mut();
        // SAFETY: `index` is below the ACL's own count; `ace` is a valid out-pointer.
        if unsafe { GetAce(dacl, index, &mut ace) } == 0 {
            return Err(format!("entry {index} of the access list cannot be read"));
        }
        // Allowed and denied entries share a layout: header, mask, then the SID.
        // SAFETY: GetAce returned a pointer to an ACE inside the ACL; every ACE starts
        // with an ACE_HEADER, and the allowed/denied kinds (0, 1) carry a u32 mask then the SID.
        let header = unsafe { *(ace as *const ACE_HEADER) };
        if header.AceType > 1 {
            continue; // object and callback entries do not appear on files
        }
        let mask = unsafe { *((ace as *const u8).add(std::mem::size_of::<ACE_HEADER>()) as *const u32) };
        let sid = unsafe { (ace as *mut u8).add(std::mem::size_of::<ACE_HEADER>() + 4) } as PSID;
        entries.push(Entry { kind: header.AceType, flags: header.AceFlags, mask, sid: sid_string(sid)? });
    }
    Ok(Descriptor { owner, dacl: Some(entries) })
}

fn sid_string(sid: PSID) -> Result<String, String> {
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: `sid` points at a SID inside a live security descriptor; `text` is a
    // valid out-pointer, allocated by the call for the caller to LocalFree.
    if unsafe { ConvertSidToStringSidW(sid, &mut text) } == 0 {
        return Err("a SID cannot be read".into());
    }
    // SAFETY: on success `text` is a NUL-terminated UTF-16 string.
    let len = (0..).take_while(|&i| unsafe { *text.add(i) } != 0).count();
    let value = String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(text, len) });
    unsafe { LocalFree(text.cast()) };
    Ok(value)
}
