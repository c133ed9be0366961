//! Records a real platform gets wrong, added to the generated world on demand
//! (`SandboxOptions::bad_records`, `arbeidsflate sandbox --bad-record KIND`), so tests
//! and training can show that one bad record never blinds the clinician. Each one
//! is an extra resident of ward Solsikken: the healthy world stays as it was.

use crate::fhir_store::FhirStore;
use crate::world::{FIRST_HOME_CARE_NURSE, SYSTEM_LOINC, WARD_A_LOCATION, WARD_A_NAME};
use arbeidsflate_model::nin::{NationalId, Sex, SYSTEM_FNR};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::str::FromStr;

/// A page that runs this shows its script ran: a window test probes `window.__pwned`.
pub const SCRIPT_PROBE: &str = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script>";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadRecord {
    /// A resident whose Patient has no name at all.
    Nameless,
    /// A resident with an impossible birth date (31 February) and no national id.
    ImpossibleBirthDate,
    /// A ward stay (Encounter) and a home-care visit today (Appointment, on the first
    /// home-care nurse's route) pointing at a patient the platform does not have.
    MissingPatient,
    /// A resident whose name, room, warning and note carry script.
    Script,
    /// A resident the platform knows by another person's national identity number:
    /// Folkeregisteret describes someone else (another name, sex and birth date), a
    /// man the platform itself has never heard of.
    IdentityMismatch,
    /// A resident whose record holds an allergy with no substance, a task with no
    /// description and a nursing note with no text, beside one good allergy.
    Textless,
}

impl BadRecord {
    pub const ALL: [BadRecord; 6] = [
        BadRecord::Nameless,
        BadRecord::ImpossibleBirthDate,
        BadRecord::MissingPatient,
        BadRecord::Script,
        BadRecord::IdentityMismatch,
        BadRecord::Textless,
    ];

    /// The Encounter that puts this record on ward Solsikken.
    pub fn encounter_id(self) -> &'static str {
        match self {
            BadRecord::Nameless => "opphold-feil-uten-navn",
            BadRecord::ImpossibleBirthDate => "opphold-feil-fodselsdato",
            BadRecord::MissingPatient => "opphold-feil-mangler-pasient",
            BadRecord::Script => "opphold-feil-skript",
            BadRecord::IdentityMismatch => "opphold-feil-identitet",
            BadRecord::Textless => "opphold-feil-uten-tekst",
        }
    }

    /// The Patient behind it (the missing patient's id is referred to, never stored).
    pub fn patient_id(self) -> &'static str {
        match self {
            BadRecord::Nameless => "pas-feil-uten-navn",
            BadRecord::ImpossibleBirthDate => "pas-feil-fodselsdato",
            BadRecord::MissingPatient => "pas-feil-finnes-ikke",
            BadRecord::Script => "pas-feil-skript",
            BadRecord::IdentityMismatch => "pas-feil-identitet",
            BadRecord::Textless => "pas-feil-uten-tekst",
        }
    }
}

impl FromStr for BadRecord {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "nameless" => BadRecord::Nameless,
            "impossible-birth-date" => BadRecord::ImpossibleBirthDate,
            "missing-patient" => BadRecord::MissingPatient,
            "script" => BadRecord::Script,
            "identity-mismatch" => BadRecord::IdentityMismatch,
            "textless" => BadRecord::Textless,
            other => {
                return Err(format!(
                    "unknown bad record {other}: nameless, impossible-birth-date, missing-patient, script, \
                     identity-mismatch or textless"
                ))
            }
        })
    }
}

/// Adds `kinds` to the world of `today`, each as a resident of ward Solsikken in a room
/// past the ward's own (rooms 91 and up).
pub fn add(store: &mut FhirStore, kinds: &[BadRecord], today: NaiveDate) {
    for (i, &kind) in BadRecord::ALL.iter().enumerate().filter(|(_, k)| kinds.contains(k)) {
        let room = if kind == BadRecord::Script { format!("Rom 9{i} {SCRIPT_PROBE}") } else { format!("Rom 9{i}") };
        store.insert(stay(kind, &room));
        if let Some(patient) = patient(kind, today, i as u32) {
            store.insert(patient);
        }
        if kind == BadRecord::Script {
            script_in_the_record(store, kind.patient_id(), today);
            script_in_the_ward_name(store);
        }
        if kind == BadRecord::MissingPatient {
            store.insert(visit_to_nobody(kind.patient_id(), today));
        }
        if kind == BadRecord::Textless {
            nothing_to_show(store, kind.patient_id(), today);
        }
    }
}

/// The id of the visit on the first home-care nurse's route to a patient that is not there.
pub const VISIT_TO_NOBODY: &str = "besok-feil-mangler-pasient";

fn visit_to_nobody(patient_id: &str, today: NaiveDate) -> Value {
    let at = |h| clock::rfc3339_in_zone(clock::wall_clock(today, chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap()));
    json!({
        "resourceType": "Appointment", "id": VISIT_TO_NOBODY, "status": "booked", "description": "Tilsyn",
        "start": at(12), "end": at(13), "minutesDuration": 60,
        "participant": [
            {"actor": {"reference": format!("Patient/{patient_id}")}, "status": "accepted"},
            {"actor": {"reference": format!("Practitioner/{FIRST_HOME_CARE_NURSE}")}, "status": "accepted"}
        ]
    })
}

fn stay(kind: BadRecord, room: &str) -> Value {
    json!({
        "resourceType": "Encounter", "id": kind.encounter_id(), "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": format!("Patient/{}", kind.patient_id())},
        "location": [
            {"location": {"reference": format!("Location/{WARD_A_LOCATION}"), "display": WARD_A_NAME}},
            {"location": {"display": room}, "physicalType": {"coding": [{"code": "ro"}]}}
        ]
    })
}

/// The man whose number the platform's impostor carries: known to Folkeregisteret only.
fn the_numbers_owner() -> NationalId {
    let born = NaiveDate::from_ymd_opt(1948, 4, 12).expect("a date");
    NationalId::synthetic_for(born, 77, Sex::Male).expect("encodable")
}

/// Persontjenesten's records for people only the register knows (by number).
pub fn register_only(kinds: &[BadRecord]) -> Vec<(String, Value)> {
    if !kinds.contains(&BadRecord::IdentityMismatch) {
        return Vec::new();
    }
    let nin = the_numbers_owner();
    let person = json!({
        "nin": nin.as_str(),
        "name": {"firstName": "Asbjørn", "middleName": null, "lastName": "Olsen"},
        "dateOfBirth": nin.birth_date().to_string(), "dateOfDeath": null, "gender": "Male",
        "addressProtection": {"protectionLevel": "Unclassified"},
        "residentialAddress": {"addressLine": "Strandveien 4", "postalCode": "9990", "postalPlace": "SANDVIK"}
    });
    vec![(nin.as_str().to_string(), person)]
}

fn patient(kind: BadRecord, today: NaiveDate, seq: u32) -> Option<Value> {
    let born = today - chrono::Duration::days(85 * 365 + i64::from(seq) * 31);
    let nin = NationalId::synthetic_for(born, 400 + seq * 3, Sex::Female).expect("encodable");
    let mut p = json!({
        "resourceType": "Patient", "id": kind.patient_id(), "active": true,
        "identifier": [{"system": SYSTEM_FNR, "value": nin.as_str()}],
        "name": [{"use": "official", "family": "Feilsen", "given": ["Berit"]}],
        "gender": "female", "birthDate": born.to_string()
    });
    match kind {
        BadRecord::Nameless => {
            p.as_object_mut()?.remove("name");
        }
        BadRecord::ImpossibleBirthDate => {
            p.as_object_mut()?.remove("identifier");
            p["name"] = json!([{"use": "official", "family": "Datoløs", "given": ["Dagny"]}]);
            p["birthDate"] = json!("1940-02-31");
        }
        BadRecord::MissingPatient => return None,
        BadRecord::Script => {
            p["name"] = json!([{"use": "official", "family": format!("Skriptesen {SCRIPT_PROBE}"), "given": ["Sara"]}]);
        }
        BadRecord::IdentityMismatch => {
            p["name"] = json!([{"use": "official", "family": "Hostilesen", "given": ["Gunnhild"]}]);
            p["birthDate"] = json!("1940-02-03");
            p["identifier"] = json!([{"system": SYSTEM_FNR, "value": the_numbers_owner().as_str()}]);
        }
        BadRecord::Textless => {
            p["name"] = json!([{"use": "official", "family": "Tekstløs", "given": ["Tora"]}]);
        }
    }
    Some(p)
}

/// One good allergy, and an allergy, a task and a note with nothing to show.
fn nothing_to_show(store: &mut FhirStore, patient_id: &str, today: NaiveDate) {
    let yesterday = clock::rfc3339_in_zone(clock::wall_clock(
        today - chrono::Duration::days(1),
        chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("a time of day"),
    ));
    let subject = json!({"reference": format!("Patient/{patient_id}")});
    let active = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]});
    store.insert(json!({
        "resourceType": "AllergyIntolerance", "id": format!("allergi-{patient_id}-god"), "clinicalStatus": active,
        "code": {"text": "Penicillin"}, "criticality": "high", "patient": subject, "recordedDate": yesterday
    }));
    store.insert(json!({
        "resourceType": "AllergyIntolerance", "id": format!("allergi-{patient_id}-tom"), "clinicalStatus": active,
        "code": {"coding": [{"system": "http://snomed.info/sct"}]}, "patient": subject, "recordedDate": yesterday
    }));
    store.insert(json!({
        "resourceType": "Task", "id": format!("oppgave-{patient_id}-tom"), "status": "requested", "intent": "order",
        "for": subject, "executionPeriod": {"start": yesterday}
    }));
    store.insert(json!({
        "resourceType": "DocumentReference", "id": format!("notat-{patient_id}-tom"), "status": "current",
        "type": {"coding": [{"system": SYSTEM_LOINC, "code": "34746-8"}]}, "subject": subject, "date": yesterday,
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": ""}}]
    }));
}

/// The ward's own name carries script too (the nurse's unit name in the header).
fn script_in_the_ward_name(store: &mut FhirStore) {
    if let Some(mut ward) = store.get("Location", WARD_A_LOCATION).cloned() {
        ward["name"] = json!(format!("{WARD_A_NAME} {SCRIPT_PROBE}"));
        store.insert(ward);
    }
}

/// A warning and a nursing note, both with script, and a note author with script.
fn script_in_the_record(store: &mut FhirStore, patient_id: &str, today: NaiveDate) {
    let yesterday = clock::rfc3339_in_zone(clock::wall_clock(
        today - chrono::Duration::days(1),
        chrono::NaiveTime::from_hms_opt(14, 0, 0).expect("a time of day"),
    ));
    store.insert(json!({
        "resourceType": "Flag", "id": format!("varsel-{patient_id}"), "status": "active",
        "code": {"text": format!("Fallrisiko {SCRIPT_PROBE}")},
        "subject": {"reference": format!("Patient/{patient_id}")}
    }));
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(format!("Urolig natt. {SCRIPT_PROBE}"));
    store.insert(json!({
        "resourceType": "DocumentReference", "id": format!("notat-{patient_id}"), "status": "current",
        "meta": {"versionId": "1", "lastUpdated": yesterday},
        "type": {"coding": [{"system": SYSTEM_LOINC, "code": "34746-8"}]},
        "subject": {"reference": format!("Patient/{patient_id}")}, "date": yesterday,
        "author": [{"display": format!("Natt {SCRIPT_PROBE}")}],
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": text}}]
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{generate, WorldOptions};

    #[test]
    fn each_bad_record_joins_ward_solsikken_and_leaves_the_rest_as_it_was() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let healthy = generate(WorldOptions::default(), today).store;
        let mut world = generate(WorldOptions::default(), today).store;
        add(&mut world, &BadRecord::ALL, today);
        let added = 6 + 5 + 2 + 1 + 4;
        assert_eq!(
            world.count(),
            healthy.count() + added,
            "six stays, five patients, a warning, a note, a visit; two allergies, a task and a note"
        );
        let impostor = world.get("Patient", BadRecord::IdentityMismatch.patient_id()).unwrap();
        let number = impostor["identifier"][0]["value"].as_str().unwrap();
        let owner = register_only(&BadRecord::ALL);
        assert_eq!(owner.len(), 1);
        assert_eq!((owner[0].0.as_str(), &owner[0].1["gender"]), (number, &json!("Male")), "someone else's number");
        let on_platform = world.all("Patient").iter().filter(|p| p["identifier"][0]["value"] == number).count();
        assert_eq!(on_platform, 1, "the platform has the number once: hers");
        for kind in BadRecord::ALL {
            let stay = world.get("Encounter", kind.encounter_id()).expect("a stay on the ward");
            assert_eq!(stay["location"][0]["location"]["reference"], format!("Location/{WARD_A_LOCATION}"));
        }
        assert!(world.get("Patient", BadRecord::MissingPatient.patient_id()).is_none());
        assert!(world.get("Patient", BadRecord::Nameless.patient_id()).unwrap().get("name").is_none());
        let no_number = world.get("Patient", BadRecord::ImpossibleBirthDate.patient_id()).unwrap();
        assert_eq!((no_number["birthDate"].as_str(), no_number.get("identifier")), (Some("1940-02-31"), None));
        assert!("script".parse::<BadRecord>().is_ok() && "typo".parse::<BadRecord>().is_err());
    }
}
