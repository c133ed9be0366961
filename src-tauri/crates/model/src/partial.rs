//! What could not be shown, and the parts an answer comes in. A list is built from the records that could be read and
//! says how many could not, and why: by reason, never by content (a record that cannot
//! be read may be hostile, and its text has no place on the screen or in a log).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One part of the municipal platform's answer: each is its own search (the banner
/// its own read), with its own deadline and outcome, so one failing leaves the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "PlatformPart.ts")]
pub enum PlatformPart {
    /// The Patient resource: name, number, birth date, sex.
    Banner,
    Allergies,
    Medications,
    /// Staff-measured vital signs (the latest of each, NEWS2).
    Vitals,
    HomeMeasurements,
    Conditions,
    CarePlans,
    Tasks,
    Warnings,
    Visits,
    Notes,
}

impl PlatformPart {
    pub const ALL: [PlatformPart; 11] = [
        PlatformPart::Banner,
        PlatformPart::Allergies,
        PlatformPart::Medications,
        PlatformPart::Vitals,
        PlatformPart::HomeMeasurements,
        PlatformPart::Conditions,
        PlatformPart::CarePlans,
        PlatformPart::Tasks,
        PlatformPart::Warnings,
        PlatformPart::Visits,
        PlatformPart::Notes,
    ];
}

/// Why a record was left out (a stable code the UI translates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export_to = "UnreadableReason.ts")]
#[serde(rename_all = "snake_case")]
pub enum UnreadableReason {
    /// A person with no name to show.
    NoName,
    /// A resource without the id that opens it.
    NoId,
    /// A record that points at a patient the answer did not hold.
    MissingPatient,
    /// Not the kind of resource it should be, or unreadable in another way.
    Malformed,
    /// Nothing to show: no substance, medicine, text or description.
    NoText,
}

/// Records of one type left out for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Unreadable.ts")]
pub struct Unreadable {
    /// The FHIR resource type that could not be read (`Patient`, `Encounter`, …).
    pub resource_type: String,
    pub reason: UnreadableReason,
    pub count: u32,
}

/// What one list of a source's answer left out (the care widget's three lists each
/// have their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "LeftOut.ts")]
pub struct LeftOut {
    pub list: PlatformPart,
    pub records: Vec<Unreadable>,
}

/// Counts one more record of `resource_type` left out for `reason`.
pub fn note_unreadable(list: &mut Vec<Unreadable>, resource_type: &str, reason: UnreadableReason) {
    match list.iter_mut().find(|u| u.resource_type == resource_type && u.reason == reason) {
        Some(u) => u.count += 1,
        None => list.push(Unreadable { resource_type: resource_type.to_string(), reason, count: 1 }),
    }
}

/// Adds the counts of `more` to `list`.
pub fn add_unreadable(list: &mut Vec<Unreadable>, more: &[Unreadable]) {
    for u in more {
        match list.iter_mut().find(|l| l.resource_type == u.resource_type && l.reason == u.reason) {
            Some(l) => l.count += u.count,
            None => list.push(u.clone()),
        }
    }
}

/// How many records were left out in all.
pub fn unreadable_count(list: &[Unreadable]) -> u32 {
    list.iter().map(|u| u.count).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_left_out_are_counted_by_type_and_reason() {
        let mut list = Vec::new();
        note_unreadable(&mut list, "Patient", UnreadableReason::NoName);
        note_unreadable(&mut list, "Encounter", UnreadableReason::MissingPatient);
        note_unreadable(&mut list, "Patient", UnreadableReason::NoName);
        assert_eq!(
            list,
            [
                Unreadable { resource_type: "Patient".into(), reason: UnreadableReason::NoName, count: 2 },
                Unreadable { resource_type: "Encounter".into(), reason: UnreadableReason::MissingPatient, count: 1 },
            ]
        );
        assert_eq!(unreadable_count(&list), 3);
        add_unreadable(
            &mut list,
            &[Unreadable { resource_type: "Patient".into(), reason: UnreadableReason::NoName, count: 4 }],
        );
        assert_eq!((list.len(), list[0].count), (2, 6));
        assert_eq!(serde_json::to_value(UnreadableReason::MissingPatient).unwrap(), "missing_patient");
    }
}
