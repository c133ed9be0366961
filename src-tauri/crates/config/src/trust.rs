//! Certificate authorities IT adds beside the OS's own (the health network's, a
//! municipality's internal CA), read from the profile's PEM files.

use std::path::PathBuf;
use std::time::Duration;

/// A CA file that cannot be used: which entry of the list, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustError {
    pub index: usize,
    pub reason: String,
}

/// The extra roots from `files`, each read and checked.
pub fn extra_roots(files: &[PathBuf]) -> Result<Vec<reqwest::Certificate>, TrustError> {
    let mut per_file = Vec::with_capacity(files.len());
    for (index, path) in files.iter().enumerate() {
        let fail = |reason: String| TrustError { index, reason };
        let pem = std::fs::read(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| fail(format!("{} is not PEM: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(fail(format!("{} holds no PEM certificate", path.display())));
        }
        per_file.push(certs);
    }
    // Building a client is what parses the certificates themselves (and reads the OS's
    // roots, so once for all files; file by file only to name the one that fails).
    let roots: Vec<reqwest::Certificate> = per_file.iter().flatten().cloned().collect();
    if roots.is_empty() || usable(roots.clone()) {
        return Ok(roots);
    }
    let index = per_file.iter().position(|certs| !usable(certs.clone())).unwrap_or(0);
    let reason = format!("{} holds a certificate that cannot be used as a root", files[index].display());
    Err(TrustError { index, reason })
}

fn usable(roots: Vec<reqwest::Certificate>) -> bool {
    helseid::http_client_trusting(Duration::from_secs(1), roots).is_ok()
}

/// The shared HTTP client (see [`helseid::http_client`]) trusting `roots` as well.
pub fn http_client(timeout: Duration, roots: Vec<reqwest::Certificate>) -> reqwest::Client {
    // `extra_roots` built a client with these already, so this cannot fail on them.
    helseid::http_client_trusting(timeout, roots).unwrap_or_else(|_| helseid::http_client(timeout))
}

/// How many extra roots there are, and from where, for the doctor's report.
pub fn describe(files: &[PathBuf], roots: &Result<Vec<reqwest::Certificate>, TrustError>) -> Result<String, String> {
    if files.is_empty() {
        return Ok("the OS's roots only".into());
    }
    let roots = roots.as_ref().map_err(|e| format!("entry [{}]: {}", e.index, e.reason))?;
    let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    Ok(format!("the OS's roots and {} from {}", roots.len(), files.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

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
        assert_eq!(extra_roots(std::slice::from_ref(&ca)).unwrap().len(), 1);
        // Two certificates in one bundle count twice.
        let bundle = dir.path().join("bundle.pem");
        let one = std::fs::read_to_string(&ca).unwrap();
        std::fs::write(&bundle, format!("{one}{one}")).unwrap();
        assert_eq!(extra_roots(&[bundle]).unwrap().len(), 2);
        assert!(describe(std::slice::from_ref(&ca), &extra_roots(std::slice::from_ref(&ca)))
            .unwrap()
            .contains("and 1 from"));
        assert_eq!(describe(&[], &extra_roots(&[])).unwrap(), "the OS's roots only");
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
            let e = extra_roots(&[ca.clone(), bad.clone()]).unwrap_err();
            assert_eq!(e.index, 1, "{}", bad.display());
            assert!(e.reason.contains(why), "{}: {}", bad.display(), e.reason);
        }
        let missing = extra_roots(&[dir.path().join("nope.pem")]).unwrap_err();
        assert!(missing.reason.contains("cannot read"), "{}", missing.reason);
        assert!(describe(std::slice::from_ref(&empty), &extra_roots(std::slice::from_ref(&empty)))
            .unwrap_err()
            .contains("[0]"));
    }
}
