//! Vital signs over a period, for the chart: the series per vital sign and NEWS2's trend.

use crate::news2::News2Risk;
use crate::provenance::Provenance;
use crate::vitals::VitalKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How far back the vital-signs chart looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "VitalsPeriod.ts")]
pub enum VitalsPeriod {
    Day,
    Week,
    Month,
    HalfYear,
    TwoYears,
}

impl VitalsPeriod {
    pub fn days(self) -> i64 {
        match self {
            VitalsPeriod::Day => 1,
            VitalsPeriod::Week => 7,
            VitalsPeriod::Month => 30,
            VitalsPeriod::HalfYear => 183,
            VitalsPeriod::TwoYears => 731,
        }
    }
}

/// One measurement in a series: when (RFC 3339) and the value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "VitalPoint.ts")]
pub struct VitalPoint {
    pub at: String,
    pub value: f64,
}

/// One vital sign over the period, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "VitalSeries.ts")]
pub struct VitalSeries {
    pub kind: VitalKind,
    pub unit: String,
    pub points: Vec<VitalPoint>,
}

/// NEWS2 at one set of measurements, from that set and what was measured in the hours before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "News2Point.ts")]
pub struct News2Point {
    pub at: String,
    pub total: u8,
    pub risk: News2Risk,
    /// Every parameter had a value (else the total is a lower bound).
    pub complete: bool,
}

/// The vital signs of the open patient over a period, for the chart and its table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "VitalsHistory.ts")]
pub struct VitalsHistory {
    pub period: VitalsPeriod,
    /// The period's start and end (RFC 3339).
    pub from: String,
    pub to: String,
    pub series: Vec<VitalSeries>,
    pub news2: Vec<News2Point>,
    /// Where the series came from and when it was fetched (for the cache: last sync).
    pub provenance: Provenance,
}
