//! The GP register's contents for the synthetic world: three offices in Sandvik, their
//! GPs, and each patient's list. Most patients have a GP; every seventh (from the
//! sixth) is on a list whose GP left (a list without a GP); the third patient's list
//! changed GP a week ago (the old GP's period ended the day before the new one's
//! began); the fourth patient is on no list at all.

use crate::fhir_store::FhirStore;
use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;

/// What kind of answer a patient's lookup gives: for tests and training notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpCase {
    WithGp,
    ListWithoutGp,
    GpChangedLastWeek,
    NoList,
}

#[derive(Debug, Clone)]
pub struct Doctor {
    pub hpr: u32,
    pub first: &'static str,
    pub last: &'static str,
}

#[derive(Debug, Clone)]
pub struct DoctorCycle {
    pub doctor: Doctor,
    /// `LPFL` (the list's GP) or `LPVI` (a substitute).
    pub relationship: &'static str,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Office {
    pub name: &'static str,
    pub orgnr: u32,
    pub phone: &'static str,
    pub street: &'static str,
    pub postal_code: u32,
    pub city: &'static str,
    pub her_id: u32,
}

#[derive(Debug, Clone)]
pub struct Association {
    pub id: u64,
    pub contract_id: u64,
    pub office: Office,
    pub cycles: Vec<DoctorCycle>,
    pub patient_from: NaiveDate,
    pub case: GpCase,
}

/// Telephone numbers from the 12 range, which no Norwegian subscriber has.
const OFFICES: [Office; 3] = [
    Office {
        name: "Sandvik legesenter",
        orgnr: 999_000_011,
        phone: "12 00 11 01",
        street: "Torget 2",
        postal_code: 9990,
        city: "SANDVIK",
        her_id: 8_100_011,
    },
    Office {
        name: "Fjordgata legekontor",
        orgnr: 999_000_012,
        phone: "12 00 11 02",
        street: "Fjordgata 14",
        postal_code: 9990,
        city: "SANDVIK",
        her_id: 8_100_012,
    },
    Office {
        name: "Sandvik helsehus fastleger",
        orgnr: 999_000_013,
        phone: "12 00 11 03",
        street: "Helseveien 1",
        postal_code: 9991,
        city: "SANDVIK",
        her_id: 8_100_013,
    },
];

const GPS: [Doctor; 3] = [
    Doctor { hpr: 9_200_001, first: "Kari", last: "Nordby" },
    Doctor { hpr: 9_200_002, first: "Anders", last: "Lien" },
    Doctor { hpr: 9_200_003, first: "Hilde", last: "Strand" },
];
/// Left the list without a successor.
const RETIRED: Doctor = Doctor { hpr: 9_200_004, first: "Per", last: "Dahl" };
/// The third patient's list changed hands a week ago: from the first to the second.
const HANDED_OVER: Doctor = Doctor { hpr: 9_200_005, first: "Tor", last: "Haug" };
const TOOK_OVER: Doctor = Doctor { hpr: 9_200_006, first: "Ane", last: "Berg" };

/// Each patient's association, by national identity number (none for the patient on no list).
pub fn generate(store: &FhirStore, today: NaiveDate) -> (BTreeMap<String, Association>, BTreeMap<String, GpCase>) {
    let long_ago = NaiveDate::from_ymd_opt(2012, 1, 1).expect("a date");
    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).expect("a date");
    let mut lists = BTreeMap::new();
    let mut cases = BTreeMap::new();
    for (i, p) in store.all("Patient").iter().enumerate() {
        let Some(nin) = p["identifier"][0]["value"].as_str() else { continue };
        let office = OFFICES[i % OFFICES.len()].clone();
        let regular = |doctor: Doctor, from, to| DoctorCycle { doctor, relationship: "LPFL", from, to };
        let (case, cycles) = match i {
            3 => (GpCase::NoList, Vec::new()),
            2 => (
                GpCase::GpChangedLastWeek,
                vec![regular(HANDED_OVER, long_ago, Some(days_ago(8))), regular(TOOK_OVER, days_ago(7), None)],
            ),
            i if i % 7 == 5 => (GpCase::ListWithoutGp, vec![regular(RETIRED, long_ago, Some(days_ago(40)))]),
            i => (GpCase::WithGp, vec![regular(GPS[i % GPS.len()].clone(), long_ago, None)]),
        };
        cases.insert(nin.to_string(), case);
        if case == GpCase::NoList {
            continue;
        }
        let contract_id = 1000 + (i % OFFICES.len()) as u64 * 10 + u64::from(case == GpCase::ListWithoutGp);
        let association = Association {
            id: 50_000 + i as u64,
            contract_id,
            office,
            cycles,
            patient_from: NaiveDate::from_ymd_opt(2015 + (i % 9) as i32, 1 + (i % 12) as u32, 1).expect("a date"),
            case,
        };
        lists.insert(nin.to_string(), association);
    }
    (lists, cases)
}
