//! The date matrix: the instants every date-sensitive test runs at, so the suite
//! passes on every day of the year and not only on the day it was written. The UI's
//! matrix (`ui/tests/date-matrix.mjs`) uses the same instants.
//!
//! `ARBEIDSFLATE_TEST_NOW=<RFC 3339>` runs one instant by hand: the matrix is then that
//! instant alone, and [`test_now`] returns it.

use chrono::{DateTime, Utc};

/// One instant of the matrix and what it is there to catch.
#[derive(Debug, Clone, Copy)]
pub struct MatrixInstant {
    pub at: &'static str,
    pub why: &'static str,
}

pub const DATE_MATRIX: &[MatrixInstant] = &[
    MatrixInstant { at: "2026-12-01T09:00:00Z", why: "the 1st of a month, 10:00" },
    MatrixInstant { at: "2027-01-09T08:15:00Z", why: "9 January: single-digit day and month" },
    MatrixInstant { at: "2026-12-31T22:30:00Z", why: "New Year's Eve 23:30: the year changes within the hour" },
    MatrixInstant { at: "2028-02-29T11:00:00Z", why: "29 February 2028, a leap day" },
    MatrixInstant { at: "2027-03-01T07:00:00Z", why: "1 March 2027 08:00: yesterday was 28 February" },
    MatrixInstant { at: "2027-03-28T01:30:00Z", why: "28 March 03:30 CEST: the hour after the clocks go forward" },
    MatrixInstant { at: "2027-10-31T01:30:00Z", why: "31 October, the second 02:30 (CET) as the clocks go back" },
    MatrixInstant { at: "2027-07-14T22:30:00Z", why: "15 July 00:30 in Oslo while the UTC date is still the 14th" },
    MatrixInstant { at: "2027-06-30T21:59:00Z", why: "30 June 23:59, a minute before the day and month end" },
];

/// "Now" for tests that need one but are not about the date.
pub const DEFAULT_TEST_NOW: &str = "2026-11-20T09:14:00Z";

const OVERRIDE: &str = "ARBEIDSFLATE_TEST_NOW";

fn parse(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("{at:?} is not an RFC 3339 instant: {e}")).to_utc()
}

fn overridden() -> Option<DateTime<Utc>> {
    std::env::var(OVERRIDE).ok().filter(|v| !v.is_empty()).map(|v| parse(&v))
}

/// The instants a date test runs at, with why each is there.
pub fn date_matrix() -> Vec<(DateTime<Utc>, &'static str)> {
    match overridden() {
        Some(at) => vec![(at, "ARBEIDSFLATE_TEST_NOW")],
        None => DATE_MATRIX.iter().map(|i| (parse(i.at), i.why)).collect(),
    }
}

/// The fixed "now" of a test that is not about dates.
pub fn test_now() -> DateTime<Utc> {
    overridden().unwrap_or_else(|| parse(DEFAULT_TEST_NOW))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{clinical_day, CLINICAL_ZONE};
    use chrono::{Datelike, Timelike};

    #[test]
    fn every_instant_is_what_it_claims_in_oslo() {
        let oslo: Vec<String> = DATE_MATRIX
            .iter()
            .map(|i| parse(i.at).with_timezone(&CLINICAL_ZONE).format("%Y-%m-%d %H:%M %Z").to_string())
            .collect();
        assert_eq!(
            oslo,
            [
                "2026-12-01 10:00 CET",
                "2027-01-09 09:15 CET",
                "2026-12-31 23:30 CET",
                "2028-02-29 12:00 CET",
                "2027-03-01 08:00 CET",
                "2027-03-28 03:30 CEST",
                "2027-10-31 02:30 CET",
                "2027-07-15 00:30 CEST",
                "2027-06-30 23:59 CEST",
            ]
        );
        let midnight = parse(DATE_MATRIX[7].at);
        assert_eq!(midnight.date_naive().to_string(), "2027-07-14");
        assert_ne!(midnight.date_naive(), clinical_day(midnight), "the UTC date differs from Oslo's");
        assert_eq!((midnight.hour(), midnight.day()), (22, 14));
    }

    #[test]
    fn the_uis_matrix_has_the_same_instants() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../ui/tests/date-matrix.mjs");
        let text = std::fs::read_to_string(script).expect("ui/tests/date-matrix.mjs");
        let ui: Vec<&str> = text.split("now: '").skip(1).filter_map(|rest| rest.split('\'').next()).collect();
        let ours: Vec<&str> = DATE_MATRIX.iter().map(|i| i.at).collect();
        assert_eq!(ui, ours, "ui/tests/date-matrix.mjs and DATE_MATRIX must list the same instants");
    }
}
