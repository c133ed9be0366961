//! Certificate authorities IT adds beside the OS's own (the health network's, a
//! municipality's internal CA), read from the profile's PEM files.

use crate::profile::{NetworkSettings, ProfileError};
use std::time::Duration;

/// The extra roots, each file read and checked; the error names the file's field.
pub fn extra_roots(settings: &NetworkSettings) -> Result<Vec<reqwest::Certificate>, ProfileError> {
    let mut roots = Vec::new();
    for (i, path) in settings.extra_ca_certificates.iter().enumerate() {
        let field = format!("network.extra_ca_certificates[{i}]");
        let fail = |reason: String| ProfileError { field: field.clone(), reason };
        let pem = std::fs::read(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| fail(format!("{} is not PEM: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(fail(format!("{} holds no PEM certificate", path.display())));
        }
        // Building a client is what parses the certificates themselves.
        helseid::http_client_trusting(Duration::from_secs(1), certs.clone())
            .map_err(|_| fail(format!("{} holds a certificate that cannot be used as a root", path.display())))?;
        roots.extend(certs);
    }
    Ok(roots)
}

/// How many extra roots there are, and from where, for the doctor's report.
pub fn describe(settings: &NetworkSettings) -> Result<String, String> {
    if settings.extra_ca_certificates.is_empty() {
        return Ok("the OS's roots only".into());
    }
    let roots = extra_roots(settings).map_err(|e| format!("{}: {}", e.field, e.reason))?;
    let files: Vec<String> = settings.extra_ca_certificates.iter().map(|p| p.display().to_string()).collect();
    Ok(format!("the OS's roots and {} from {}", roots.len(), files.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn settings(paths: &[PathBuf]) -> NetworkSettings {
        NetworkSettings { extra_ca_certificates: paths.to_vec() }
    }

    fn openssl_ca(dir: &std::path::Path) -> PathBuf {
        let pem = dir.join("ca.pem");
        let out = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Synthetic Test CA"])
            .args(["-keyout", dir.join("ca.key").to_str().unwrap(), "-out", pem.to_str().unwrap()])
            .output()
            .expect("openssl");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        pem
    }

    #[test]
    fn a_ca_file_from_openssl_is_one_extra_root() {
        let dir = tempfile::tempdir().unwrap();
        let ca = openssl_ca(dir.path());
        assert_eq!(extra_roots(&settings(std::slice::from_ref(&ca))).unwrap().len(), 1);
        // Two certificates in one bundle count twice.
        let bundle = dir.path().join("bundle.pem");
        let one = std::fs::read_to_string(&ca).unwrap();
        std::fs::write(&bundle, format!("{one}{one}")).unwrap();
        assert_eq!(extra_roots(&settings(&[bundle])).unwrap().len(), 2);
        assert!(describe(&settings(&[ca])).unwrap().contains("and 1 from"));
        assert_eq!(describe(&settings(&[])).unwrap(), "the OS's roots only");
    }

    #[test]
    fn unusable_files_are_refused_naming_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let ca = openssl_ca(dir.path());
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let key_only = dir.path().join("ca.key");
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
            .unwrap();
        for (bad, why) in [
            (&empty, "holds no PEM certificate"),
            (&key_only, "holds no PEM certificate"),
            (&garbage, "cannot be used"),
        ] {
            let e = extra_roots(&settings(&[ca.clone(), bad.clone()])).unwrap_err();
            assert_eq!(e.field, "network.extra_ca_certificates[1]", "{}", bad.display());
            assert!(e.reason.contains(why), "{}: {}", bad.display(), e.reason);
        }
        let missing = extra_roots(&settings(&[dir.path().join("nope.pem")])).unwrap_err();
        assert!(missing.reason.contains("cannot read"), "{}", missing.reason);
        assert!(describe(&settings(&[empty])).unwrap_err().contains("[0]"));
    }
}
