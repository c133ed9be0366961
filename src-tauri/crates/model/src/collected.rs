//! A patient's view gathered whole. The window takes the parts as the sources answer;
//! the CLI's JSON and the tests want the view once every source has answered, and read
//! the latest of each part here. A part that never came is `None`: unknown, not empty.

use crate::identity::IdentityWarning;
use crate::merged::{MergedAllergy, MergedMedication};
use crate::news2::News2;
use crate::overview::{OverviewPart, PlatformPart, SourceStatus};
use crate::partial::Unreadable;
use crate::view::{CareActivity, CareTask, Condition, HomeSeries, NursingNote, PatientBanner, PatientWarning, Visit};
use crate::vitals::VitalSign;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct CollectedView {
    /// Every part in the order it came.
    pub parts: Vec<OverviewPart>,
    /// Every source's final status.
    pub sources: Vec<SourceStatus>,
}

/// The platform's care lists, as one part carries them.
pub struct CareLists<'a> {
    pub conditions: &'a [Condition],
    pub activities: &'a [CareActivity],
    pub tasks: &'a [CareTask],
}

impl CollectedView {
    /// The latest part `pick` recognises (a later answer replaces an earlier one).
    fn latest<'a, T>(&'a self, pick: impl Fn(&'a OverviewPart) -> Option<T>) -> Option<T> {
        self.parts.iter().rev().find_map(pick)
    }

    /// The patient's reference in this view (the platform's id, or the number).
    pub fn patient_ref(&self) -> Option<&str> {
        self.latest(|p| match p {
            OverviewPart::Opened { patient_ref, .. } => Some(patient_ref.as_str()),
            _ => None,
        })
    }

    pub fn banner(&self) -> Option<&PatientBanner> {
        self.latest(|p| match p {
            OverviewPart::Banner { banner } => Some(banner),
            _ => None,
        })
    }

    /// What the sources said about who the patient is: `Some(None)` when they agree.
    pub fn identity(&self) -> Option<Option<&IdentityWarning>> {
        self.latest(|p| match p {
            OverviewPart::Identity { warning } => Some(warning.as_ref()),
            _ => None,
        })
    }

    /// The GP register's answer (`None`: it has not answered).
    pub fn general_practitioner(&self) -> Option<&crate::gp::GpDetails> {
        self.latest(|p| match p {
            OverviewPart::GeneralPractitioner { gp } => Some(gp),
            _ => None,
        })
    }

    pub fn allergies(&self) -> Option<&[MergedAllergy]> {
        self.latest(|p| match p {
            OverviewPart::Allergies { items, .. } => Some(items.as_slice()),
            _ => None,
        })
    }

    pub fn medications(&self) -> Option<&[MergedMedication]> {
        self.latest(|p| match p {
            OverviewPart::Medications { items, .. } => Some(items.as_slice()),
            _ => None,
        })
    }

    /// The latest value of each vital sign and NEWS2 from them.
    pub fn vitals(&self) -> Option<(&[VitalSign], &News2)> {
        self.latest(|p| match p {
            OverviewPart::Vitals { latest, news2 } => Some((latest.as_slice(), news2)),
            _ => None,
        })
    }

    pub fn warnings(&self) -> Option<&[PatientWarning]> {
        self.latest(|p| match p {
            OverviewPart::Warnings { items } => Some(items.as_slice()),
            _ => None,
        })
    }

    pub fn care(&self) -> Option<CareLists<'_>> {
        self.latest(|p| match p {
            OverviewPart::Care { conditions, activities, tasks } => Some(CareLists { conditions, activities, tasks }),
            _ => None,
        })
    }

    pub fn visits(&self) -> Option<&[Visit]> {
        self.latest(|p| match p {
            OverviewPart::Visits { items } => Some(items.as_slice()),
            _ => None,
        })
    }

    pub fn notes(&self) -> Option<&[NursingNote]> {
        self.latest(|p| match p {
            OverviewPart::Notes { items } => Some(items.as_slice()),
            _ => None,
        })
    }

    pub fn home_measurements(&self) -> Option<&[HomeSeries]> {
        self.latest(|p| match p {
            OverviewPart::HomeMeasurements { series } => Some(series.as_slice()),
            _ => None,
        })
    }

    /// The records of one of the platform's lists that could not be shown.
    pub fn unreadable(&self, list: PlatformPart) -> Option<&[Unreadable]> {
        self.latest(|p| match p {
            OverviewPart::Unreadable { list: l, records } if *l == list => Some(records.as_slice()),
            _ => None,
        })
    }
}
