//! Versions as IT writes them in the profile (`MAJOR.MINOR.PATCH`), and whether this
//! build is older than IT allows.

/// `MAJOR.MINOR.PATCH`, numbers only (a pre-release or build suffix is not accepted
/// in a profile: IT names released versions).
pub fn parse(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.trim().split('.');
    let mut next = || -> Option<u64> {
        let p = parts.next()?;
        (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok()).flatten()
    };
    let version = (next()?, next()?, next()?);
    parts.next().is_none().then_some(version)
}

/// Whether `current` (this build's, which may carry a `-pre` suffix, counted as that
/// release) is older than `minimum`.
pub fn is_older(current: &str, minimum: &str) -> bool {
    let released = current.split(['-', '+']).next().unwrap_or(current);
    match (parse(released), parse(minimum)) {
        (Some(c), Some(m)) => c < m,
        // A minimum that is no version was refused when the profile was read.
        _ => false,
    }
}

/// This build's version.
pub const CURRENT: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_not_by_text() {
        assert!(is_older("0.1.0", "0.2.0"));
        assert!(is_older("0.9.9", "0.10.0"), "10 is more than 9");
        assert!(is_older("1.2.3-rc.1", "1.2.4"));
        assert!(!is_older("0.2.0", "0.2.0"));
        assert!(!is_older("1.0.0", "0.99.99"));
    }

    #[test]
    fn only_plain_versions_are_versions() {
        assert_eq!(parse("2.10.3"), Some((2, 10, 3)));
        for bad in ["", "1", "1.2", "1.2.3.4", "v1.2.3", "1.2.x", "1.-2.3", "1.2.3-rc1", " . . ", "1..3"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
