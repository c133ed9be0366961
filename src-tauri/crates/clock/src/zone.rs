//! The clinical time zone. Norwegian health services keep their days in Norwegian
//! time: "today's visits", "since yesterday" and a reading's date are Oslo's, whatever
//! zone the workstation (or a test machine) is set to. Instants stay in UTC; only the
//! step to a calendar day or a wall-clock time goes through here.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Norway's zone (CET, CEST in summer; Svalbard keeps the same time).
pub const CLINICAL_ZONE: Tz = chrono_tz::Europe::Oslo;

/// The Norwegian calendar day an instant falls on.
pub fn clinical_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&CLINICAL_ZONE).date_naive()
}

/// The first instant of a Norwegian calendar day (midnight always exists in Oslo: the
/// clocks change at 02:00 and 03:00).
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    wall_clock(day, NaiveTime::MIN)
}

/// The instant a Norwegian wall clock shows `time` on `day`. In the hour skipped when
/// the clocks go forward the time is read with winter's offset (02:30 → 03:30 summer
/// time); in the hour that repeats when they go back, the first of the two is meant.
pub fn wall_clock(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = day.and_time(time);
    match CLINICAL_ZONE.from_local_datetime(&naive).earliest() {
        Some(t) => t.to_utc(),
        None => with_offset_before(naive),
    }
}

fn with_offset_before(naive: NaiveDateTime) -> DateTime<Utc> {
    let before = CLINICAL_ZONE.offset_from_utc_datetime(&(naive - chrono::Duration::days(1))).fix();
    Utc.from_utc_datetime(&(naive - chrono::Duration::seconds(i64::from(before.local_minus_utc()))))
}

/// An instant as RFC 3339 with Norway's offset at that instant
/// (`2027-07-15T00:30:00+02:00`): what a FHIR date search or a generated record says.
pub fn rfc3339_in_zone(at: DateTime<Utc>) -> String {
    at.with_timezone(&CLINICAL_ZONE).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A FHIR `date`, `dateTime` or `instant` as the instant it starts: an RFC 3339 time
/// as written; a day, month or year (`2026-12-05`, `2026-12`, `2026`) from its first
/// moment in Norway. Anything else is `None`.
pub fn parse_instant(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.to_utc());
    }
    let day = match value.len() {
        10 => NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?,
        7 => NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d").ok()?,
        4 => NaiveDate::parse_from_str(&format!("{value}-01-01"), "%Y-%m-%d").ok()?,
        _ => return None,
    };
    Some(day_start(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_day_is_norways_not_utcs() {
        // 00:30 in Oslo is still the previous day in UTC, summer and winter.
        assert_eq!(clinical_day(utc("2027-07-14T22:30:00Z")), day("2027-07-15"));
        assert_eq!(clinical_day(utc("2026-12-06T23:30:00Z")), day("2026-12-07"));
        // 23:30 on New Year's Eve is still the old year.
        assert_eq!(clinical_day(utc("2026-12-31T22:30:00Z")), day("2026-12-31"));
        assert_eq!(clinical_day(utc("2026-12-31T23:00:00Z")), day("2027-01-01"));
        assert_eq!(clinical_day(utc("2028-02-29T11:00:00Z")), day("2028-02-29"));
    }

    #[test]
    fn days_start_at_norwegian_midnight_with_that_days_offset() {
        assert_eq!(day_start(day("2026-12-07")), utc("2026-12-06T23:00:00Z"));
        assert_eq!(day_start(day("2027-07-15")), utc("2027-07-14T22:00:00Z"));
        // The days the clocks change are 23 and 25 hours long.
        let spring = day_start(day("2027-03-29")) - day_start(day("2027-03-28"));
        let autumn = day_start(day("2027-11-01")) - day_start(day("2027-10-31"));
        assert_eq!((spring.num_hours(), autumn.num_hours()), (23, 25));
    }

    #[test]
    fn wall_clock_times_in_the_skipped_and_the_repeated_hour() {
        // 28 March 2027: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
        assert_eq!(wall_clock(day("2027-03-28"), hm(1, 30)), utc("2027-03-28T00:30:00Z"));
        assert_eq!(wall_clock(day("2027-03-28"), hm(2, 30)), utc("2027-03-28T01:30:00Z"));
        assert_eq!(wall_clock(day("2027-03-28"), hm(3, 30)), utc("2027-03-28T01:30:00Z"));
        // 31 October 2027: 03:00 CEST becomes 02:00 CET; 02:30 happens twice, the first is meant.
        assert_eq!(wall_clock(day("2027-10-31"), hm(2, 30)), utc("2027-10-31T00:30:00Z"));
        assert_eq!(wall_clock(day("2027-10-31"), hm(3, 30)), utc("2027-10-31T02:30:00Z"));
    }

    #[test]
    fn instants_are_written_with_norways_offset_of_the_moment() {
        assert_eq!(rfc3339_in_zone(utc("2027-07-14T22:30:00Z")), "2027-07-15T00:30:00+02:00");
        assert_eq!(rfc3339_in_zone(utc("2027-10-31T00:30:00Z")), "2027-10-31T02:30:00+02:00");
        assert_eq!(rfc3339_in_zone(utc("2027-10-31T01:30:00Z")), "2027-10-31T02:30:00+01:00");
    }

    #[test]
    fn fhir_dates_of_every_precision_start_in_norway() {
        assert_eq!(parse_instant("2027-07-15T00:30:00+02:00"), Some(utc("2027-07-14T22:30:00Z")));
        assert_eq!(parse_instant("2027-07-14T22:30:00Z"), Some(utc("2027-07-14T22:30:00Z")));
        assert_eq!(parse_instant("2027-07-15"), Some(utc("2027-07-14T22:00:00Z")));
        assert_eq!(parse_instant("2027-03"), Some(utc("2027-02-28T23:00:00Z")));
        assert_eq!(parse_instant("2028"), Some(utc("2027-12-31T23:00:00Z")));
        assert_eq!(parse_instant("2028-02-29"), Some(utc("2028-02-28T23:00:00Z")));
        for bad in ["", "2027-02-29", "15.07.2027", "2027-07-15T25:00:00Z", "yesterday", "2027-7-5"] {
            assert_eq!(parse_instant(bad), None, "{bad:?}");
        }
    }
}
