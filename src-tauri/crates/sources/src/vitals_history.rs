//! Vital signs over a period, for the chart: one series per vital sign, and NEWS2 at
//! each set of measurements so its trend shows. Built the same way from the platform's
//! answer and from the offline cache.

use crate::normalize;
use crate::record::{entered_in_error, VITAL_ORDER};
use arbeidsflate_model::history::{News2Point, VitalPoint, VitalSeries, VitalsHistory, VitalsPeriod};
use arbeidsflate_model::news2::{self, Spo2Scale};
use arbeidsflate_model::view::{Provenance, VitalSign};
use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use serde_json::Value;

/// A NEWS2 point uses values measured up to this long before its set: a set rarely has
/// every parameter, and a value from last week says nothing about now.
pub const NEWS2_LOOKBACK_HOURS: i64 = 12;

/// The period's start for `now`.
pub fn period_start(period: VitalsPeriod, now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(period.days())
}

/// The series from vital-sign Observations (any order; those outside the period, in
/// the future or recorded in error are left out).
pub fn vitals_history(
    observations: &[Value],
    period: VitalsPeriod,
    now: DateTime<Utc>,
    provenance: Provenance,
) -> VitalsHistory {
    let from = period_start(period, now);
    // A few minutes' allowance for clocks, as for the latest values.
    let until = now + Duration::minutes(5);
    let mut measured: Vec<(DateTime<Utc>, VitalSign)> = observations
        .iter()
        .filter(|r| !entered_in_error(r))
        .flat_map(|r| normalize::vital_signs(r, &provenance.source, &provenance.fetched_at))
        .filter_map(|v| {
            // To the second, as the points are stamped: measurements within one second are one set.
            let at = DateTime::parse_from_rfc3339(&v.effective).ok()?.with_timezone(&Utc).trunc_subsecs(0);
            (from <= at && at <= until).then_some((at, v))
        })
        .collect();
    measured.sort_by_key(|(at, _)| *at);

    let series = VITAL_ORDER
        .iter()
        .filter_map(|&kind| {
            let points: Vec<VitalPoint> = measured
                .iter()
                .filter(|(_, v)| v.kind == kind)
                .map(|(at, v)| VitalPoint { at: stamp(*at), value: v.value })
                .collect();
            let unit = measured.iter().find(|(_, v)| v.kind == kind)?.1.unit.clone();
            Some(VitalSeries { kind, unit, points })
        })
        .collect();

    VitalsHistory { period, from: stamp(from), to: stamp(now), series, news2: news2_trend(&measured), provenance }
}

/// NEWS2 at each distinct measurement time, from the latest value of each parameter in
/// the hours up to it. `measured` is oldest first.
fn news2_trend(measured: &[(DateTime<Utc>, VitalSign)]) -> Vec<News2Point> {
    let lookback = Duration::hours(NEWS2_LOOKBACK_HOURS);
    let mut out: Vec<News2Point> = Vec::new();
    let mut window_start = 0;
    for (end, (at, _)) in measured.iter().enumerate() {
        // One point per set: the last measurement of a set time carries it.
        if measured.get(end + 1).is_some_and(|(next, _)| next == at) {
            continue;
        }
        while measured[window_start].0 < *at - lookback {
            window_start += 1;
        }
        let mut latest: Vec<VitalSign> = Vec::with_capacity(VITAL_ORDER.len());
        for (_, v) in measured[window_start..=end].iter().rev() {
            if !latest.iter().any(|l| l.kind == v.kind) {
                latest.push(v.clone());
            }
        }
        let score = news2::score(&latest, Spo2Scale::Scale1, None);
        out.push(News2Point { at: stamp(*at), total: score.total, risk: score.risk, complete: score.is_complete() });
    }
    out
}

/// A time as the history gives it: RFC 3339, UTC, to the second.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbeidsflate_model::news2::News2Risk;
    use arbeidsflate_model::view::VitalKind;
    use serde_json::json;

    fn obs(code: &str, value: f64, unit: &str, at: &str) -> Value {
        json!({
            "resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": at,
            "valueQuantity": {"value": value, "unit": unit},
        })
    }

    /// A full NEWS2 set at `at` with the given pulse (the rest normal).
    fn set(at: &str, pulse: f64) -> Vec<Value> {
        vec![
            obs("9279-1", 16.0, "/min", at),
            obs("59408-5", 97.0, "%", at),
            json!({
                "resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
                "effectiveDateTime": at,
                "component": [
                    {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                     "valueQuantity": {"value": 125.0, "unit": "mm[Hg]"}},
                    {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                     "valueQuantity": {"value": 80.0, "unit": "mm[Hg]"}},
                ],
            }),
            obs("8867-4", pulse, "/min", at),
            obs("8310-5", 36.8, "Cel", at),
        ]
    }

    fn now() -> DateTime<Utc> {
        "2026-11-29T12:00:00Z".parse().unwrap()
    }

    fn provenance() -> Provenance {
        Provenance::fetched("Kommunal plattform", "2026-11-29T12:00:00Z")
    }

    #[test]
    fn series_are_oldest_first_within_the_period_and_leave_out_the_future_and_errors() {
        let mut all = set("2026-11-29T08:00:00Z", 80.0);
        all.extend(set("2026-11-28T08:00:00Z", 70.0));
        all.extend(set("2026-11-20T08:00:00Z", 60.0)); // nine days back: outside the week
        all.push(obs("8867-4", 99.0, "/min", "2026-11-29T18:00:00Z")); // the future
        let mut wrong = obs("8867-4", 200.0, "/min", "2026-11-29T09:00:00Z");
        wrong["status"] = json!("entered-in-error");
        all.push(wrong);
        let h = vitals_history(&all, VitalsPeriod::Week, now(), provenance());
        let pulse = h.series.iter().find(|s| s.kind == VitalKind::Pulse).unwrap();
        let values: Vec<f64> = pulse.points.iter().map(|p| p.value).collect();
        assert_eq!(values, [70.0, 80.0]);
        let kinds: Vec<VitalKind> = h.series.iter().map(|s| s.kind).collect();
        assert_eq!(kinds[2..4], [VitalKind::SystolicBp, VitalKind::DiastolicBp], "{kinds:?}");
        assert_eq!(pulse.unit, "/min");
        assert_eq!(h.from, "2026-11-22T12:00:00Z");
        let month = vitals_history(&all, VitalsPeriod::Month, now(), provenance());
        assert_eq!(month.series.iter().find(|s| s.kind == VitalKind::Pulse).unwrap().points.len(), 3);
    }

    #[test]
    fn news2_has_one_point_per_set_and_shows_the_trend() {
        let mut all = set("2026-11-28T08:00:00Z", 72.0);
        all.extend(set("2026-11-29T08:00:00Z", 135.0)); // pulse 135: 3 points
        let h = vitals_history(&all, VitalsPeriod::Week, now(), provenance());
        assert_eq!(h.news2.len(), 2);
        assert!(h.news2[0].total < h.news2[1].total, "{:?}", h.news2);
        assert_eq!(h.news2[1].total - h.news2[0].total, 3);
        assert_eq!(h.news2[1].risk, News2Risk::LowMedium, "a single parameter scoring 3");
    }

    #[test]
    fn a_news2_point_uses_recent_values_but_not_last_weeks() {
        // A pulse alone, 2 h after a full set: the set's other values count.
        let mut all = set("2026-11-29T06:00:00Z", 72.0);
        all.push(obs("8867-4", 135.0, "/min", "2026-11-29T08:00:00Z"));
        // A pulse alone, a week after: nothing else is recent.
        all.push(obs("8867-4", 72.0, "/min", "2026-11-22T06:00:00Z"));
        let h = vitals_history(&all, VitalsPeriod::Month, now(), provenance());
        let at = |t: &str| h.news2.iter().find(|p| p.at == t).unwrap().clone();
        assert!(!at("2026-11-22T06:00:00Z").complete);
        let later = at("2026-11-29T08:00:00Z");
        assert_eq!(later.total, 3);
        assert!(!later.complete, "consciousness was never recorded here");
    }

    #[test]
    fn measurements_within_one_second_are_one_set_with_one_point() {
        let mut all = set("2026-11-29T08:00:00.200Z", 72.0);
        all.push(obs("9279-1", 18.0, "/min", "2026-11-29T08:00:00.700Z"));
        let h = vitals_history(&all, VitalsPeriod::Week, now(), provenance());
        assert_eq!(h.news2.len(), 1, "{:?}", h.news2);
        assert_eq!(h.news2[0].at, "2026-11-29T08:00:00Z");
    }

    #[test]
    fn no_observations_give_an_empty_history() {
        let h = vitals_history(&[], VitalsPeriod::TwoYears, now(), provenance());
        assert!(h.series.is_empty() && h.news2.is_empty());
        assert_eq!(h.provenance.source, "Kommunal plattform");
    }
}
