//! NEWS2 (National Early Warning Score 2, Royal College of Physicians 2017) from the
//! latest vital signs. The score shows the inputs it used and when each was measured,
//! and says so when an input is missing rather than scoring it as normal.

use crate::vitals::{VitalKind, VitalSign};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which SpO2 scale applies. Scale 2 is for patients with confirmed hypercapnic
/// respiratory failure, chosen by a clinician — never guessed from a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "Spo2Scale.ts")]
pub enum Spo2Scale {
    Scale1,
    Scale2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "News2Risk.ts")]
pub enum News2Risk {
    /// 0–4 with no single parameter scoring 3.
    Low,
    /// 0–4, but one parameter scores 3: urgent ward-based response.
    LowMedium,
    /// 5–6.
    Medium,
    /// 7 or more.
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "News2Parameter.ts")]
pub enum News2Parameter {
    RespiratoryRate,
    Spo2,
    SupplementalOxygen,
    SystolicBp,
    Pulse,
    Consciousness,
    Temperature,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "News2Input.ts")]
pub struct News2Input {
    pub parameter: News2Parameter,
    pub value: f64,
    pub points: u8,
    /// RFC 3339, when the value was measured (None for an assumption such as "on air").
    pub measured_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "News2.ts")]
pub struct News2 {
    /// Sum of the points of the inputs present.
    pub total: u8,
    pub risk: News2Risk,
    pub scale: Spo2Scale,
    pub inputs: Vec<News2Input>,
    /// Parameters with no measurement: the score is then incomplete.
    pub missing: Vec<News2Parameter>,
    /// Measured on air unless an oxygen observation says otherwise; shown so the
    /// clinician knows the 0 points for oxygen are an assumption.
    pub oxygen_assumed_air: bool,
}

impl News2 {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

fn respiratory_points(rate: f64) -> u8 {
    match rate {
        r if r <= 8.0 => 3,
        r if r <= 11.0 => 1,
        r if r <= 20.0 => 0,
        r if r <= 24.0 => 2,
        _ => 3,
    }
}

fn spo2_points(spo2: f64, scale: Spo2Scale, on_oxygen: bool) -> u8 {
    match scale {
        Spo2Scale::Scale1 => match spo2 {
            s if s <= 91.0 => 3,
            s if s <= 93.0 => 2,
            s if s <= 95.0 => 1,
            _ => 0,
        },
        Spo2Scale::Scale2 => match spo2 {
            s if s <= 83.0 => 3,
            s if s <= 85.0 => 2,
            s if s <= 87.0 => 1,
            s if s <= 92.0 => 0,
            _ if !on_oxygen => 0,
            s if s <= 94.0 => 1,
            s if s <= 96.0 => 2,
            _ => 3,
        },
    }
}

fn systolic_points(bp: f64) -> u8 {
    match bp {
        b if b <= 90.0 => 3,
        b if b <= 100.0 => 2,
        b if b <= 110.0 => 1,
        b if b <= 219.0 => 0,
        _ => 3,
    }
}

fn pulse_points(pulse: f64) -> u8 {
    match pulse {
        p if p <= 40.0 => 3,
        p if p <= 50.0 => 1,
        p if p <= 90.0 => 0,
        p if p <= 110.0 => 1,
        p if p <= 130.0 => 2,
        _ => 3,
    }
}

fn temperature_points(t: f64) -> u8 {
    match t {
        t if t <= 35.0 => 3,
        t if t <= 36.0 => 1,
        t if t <= 38.0 => 0,
        t if t <= 39.0 => 1,
        _ => 2,
    }
}

/// Scores the latest value of each vital sign. `on_oxygen` is `None` when no
/// observation says whether the patient receives oxygen (then air is assumed and
/// flagged).
pub fn score(latest: &[VitalSign], scale: Spo2Scale, on_oxygen: Option<bool>) -> News2 {
    let find = |kind: VitalKind| latest.iter().find(|v| v.kind == kind);
    let oxygen = on_oxygen.unwrap_or(false);
    let mut inputs = Vec::new();
    let mut missing = Vec::new();
    let mut add = |parameter: News2Parameter, kind: VitalKind, points: &dyn Fn(f64) -> u8| match find(kind) {
        Some(v) => inputs.push(News2Input {
            parameter,
            value: v.value,
            points: points(v.value),
            measured_at: Some(v.effective.clone()),
        }),
        None => missing.push(parameter),
    };
    add(News2Parameter::RespiratoryRate, VitalKind::RespiratoryRate, &respiratory_points);
    add(News2Parameter::Spo2, VitalKind::Spo2, &|s| spo2_points(s, scale, oxygen));
    add(News2Parameter::SystolicBp, VitalKind::SystolicBp, &systolic_points);
    add(News2Parameter::Pulse, VitalKind::Pulse, &pulse_points);
    // Consciousness is recorded as 0 = alert, 1 = new confusion, voice, pain or unresponsive.
    add(News2Parameter::Consciousness, VitalKind::Consciousness, &|c| if c > 0.0 { 3 } else { 0 });
    add(News2Parameter::Temperature, VitalKind::Temperature, &temperature_points);
    inputs.push(News2Input {
        parameter: News2Parameter::SupplementalOxygen,
        value: if oxygen { 1.0 } else { 0.0 },
        points: if oxygen { 2 } else { 0 },
        measured_at: None,
    });
    let total: u8 = inputs.iter().map(|i| i.points).sum();
    let any_three = inputs.iter().any(|i| i.points == 3);
    let risk = match total {
        t if t >= 7 => News2Risk::High,
        t if t >= 5 => News2Risk::Medium,
        _ if any_three => News2Risk::LowMedium,
        _ => News2Risk::Low,
    };
    News2 { total, risk, scale, inputs, missing, oxygen_assumed_air: on_oxygen.is_none() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::Provenance;

    fn vital(kind: VitalKind, value: f64) -> VitalSign {
        VitalSign {
            kind,
            value,
            display: value.to_string(),
            unit: String::new(),
            effective: "2026-11-21T08:00:00+01:00".into(),
            provenance: Provenance::fetched("test", "now"),
        }
    }

    fn set(rr: f64, spo2: f64, sys: f64, pulse: f64, alert: bool, temp: f64) -> Vec<VitalSign> {
        vec![
            vital(VitalKind::RespiratoryRate, rr),
            vital(VitalKind::Spo2, spo2),
            vital(VitalKind::SystolicBp, sys),
            vital(VitalKind::Pulse, pulse),
            vital(VitalKind::Consciousness, if alert { 0.0 } else { 1.0 }),
            vital(VitalKind::Temperature, temp),
        ]
    }

    #[test]
    fn normal_values_score_zero_and_low_risk() {
        let n = score(&set(16.0, 97.0, 125.0, 72.0, true, 36.8), Spo2Scale::Scale1, Some(false));
        assert_eq!(n.total, 0);
        assert_eq!(n.risk, News2Risk::Low);
        assert!(n.is_complete());
        assert!(!n.oxygen_assumed_air);
    }

    #[test]
    fn each_band_edge_scores_as_the_chart_says() {
        // Respiration: 8 → 3, 9 → 1, 11 → 1, 12 → 0, 20 → 0, 21 → 2, 24 → 2, 25 → 3.
        for (rr, p) in [(8.0, 3), (9.0, 1), (11.0, 1), (12.0, 0), (20.0, 0), (21.0, 2), (24.0, 2), (25.0, 3)] {
            assert_eq!(respiratory_points(rr), p, "rr {rr}");
        }
        for (s, p) in [(91.0, 3), (92.0, 2), (93.0, 2), (94.0, 1), (95.0, 1), (96.0, 0)] {
            assert_eq!(spo2_points(s, Spo2Scale::Scale1, false), p, "spo2 {s}");
        }
        for (b, p) in [(90.0, 3), (91.0, 2), (100.0, 2), (101.0, 1), (110.0, 1), (111.0, 0), (219.0, 0), (220.0, 3)] {
            assert_eq!(systolic_points(b), p, "sys {b}");
        }
        for (h, p) in [
            (40.0, 3),
            (41.0, 1),
            (50.0, 1),
            (51.0, 0),
            (90.0, 0),
            (91.0, 1),
            (110.0, 1),
            (111.0, 2),
            (130.0, 2),
            (131.0, 3),
        ] {
            assert_eq!(pulse_points(h), p, "pulse {h}");
        }
        for (t, p) in [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2)] {
            assert_eq!(temperature_points(t), p, "temp {t}");
        }
    }

    #[test]
    fn scale_2_scores_high_saturation_only_on_oxygen() {
        assert_eq!(spo2_points(88.0, Spo2Scale::Scale2, false), 0);
        assert_eq!(spo2_points(97.0, Spo2Scale::Scale2, false), 0);
        assert_eq!(spo2_points(97.0, Spo2Scale::Scale2, true), 3);
        assert_eq!(spo2_points(93.0, Spo2Scale::Scale2, true), 1);
        assert_eq!(spo2_points(83.0, Spo2Scale::Scale2, false), 3);
    }

    #[test]
    fn a_single_three_raises_low_to_low_medium_and_sums_set_the_rest() {
        let confused = score(&set(16.0, 97.0, 125.0, 72.0, false, 36.8), Spo2Scale::Scale1, Some(false));
        assert_eq!((confused.total, confused.risk), (3, News2Risk::LowMedium));
        let medium = score(&set(22.0, 94.0, 105.0, 95.0, true, 36.8), Spo2Scale::Scale1, Some(false));
        assert_eq!((medium.total, medium.risk), (5, News2Risk::Medium));
        let high = score(&set(26.0, 90.0, 95.0, 120.0, true, 39.5), Spo2Scale::Scale1, Some(true));
        // rr 3, SpO2 3, systolic 2, pulse 2, alert 0, temperature 2, oxygen 2.
        assert_eq!(high.total, 14);
        assert_eq!(high.risk, News2Risk::High);
    }

    #[test]
    fn missing_inputs_are_reported_not_scored_as_normal() {
        let partial = score(&set(16.0, 97.0, 125.0, 72.0, true, 36.8)[..3], Spo2Scale::Scale1, None);
        assert!(!partial.is_complete());
        assert_eq!(
            partial.missing,
            vec![News2Parameter::Pulse, News2Parameter::Consciousness, News2Parameter::Temperature]
        );
        assert!(partial.oxygen_assumed_air);
        let inputs: Vec<_> = partial.inputs.iter().map(|i| i.parameter).collect();
        assert!(inputs.contains(&News2Parameter::SupplementalOxygen));
        assert!(partial
            .inputs
            .iter()
            .filter(|i| i.parameter != News2Parameter::SupplementalOxygen)
            .all(|i| i.measured_at.is_some()));
    }
}
