//! `arbeidsflate gp-register credentials --username NAME`: IT installs the service user
//! NHN gave the municipality for Fastlegeregisteret in this user's OS keyring, in the
//! entry the profile names. The password is read from standard input, never taken as an
//! argument (which shell history and process lists would keep).

use super::AppArgs;
use crate::environment::{load_profile, KEYRING_SERVICE};
use crate::output::{app_error, fail};
use arbeidsflate_core::gp_register::DEFAULT_CREDENTIALS_ENTRY;
use arbeidsflate_core::keystore::OsKeyring;
use arbeidsflate_core::workspace::gp_register::store_service_user;
use std::io::BufRead;

pub fn store_credentials(app: &AppArgs, username: &str) -> i32 {
    let entry = match &app.profile {
        Some(path) => match load_profile(path) {
            Ok(p) => match p.national.gp_register {
                Some(settings) => settings.credentials_entry,
                None => return fail("the profile has no [national.gp_register]"),
            },
            Err(e) => return fail(e.to_string()),
        },
        None => DEFAULT_CREDENTIALS_ENTRY.to_string(),
    };
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return fail("could not read the password from standard input");
    }
    let password = helseid::Secret::new(line.trim_end_matches(['\r', '\n']));
    match store_service_user(&OsKeyring::new(KEYRING_SERVICE), &entry, username, &password) {
        Ok(()) => {
            println!("the service user {username} is in the keyring entry {entry}");
            0
        }
        Err(e) => app_error(e),
    }
}
