//! FHIR R4 resources → the domain model. Tolerant of what is optional in FHIR,
//! strict about what the view cannot do without.

use arbeidsflate_model::nin::{NationalId, SYSTEM_DNR, SYSTEM_FNR, SYSTEM_HNR};
use arbeidsflate_model::view::{
    Allergy, CareActivity, CareTask, Condition, HomeReading, Medication, NursingNote, PatientBanner, PatientWarning,
    Provenance, Visit, VitalKind, VitalSign,
};
use base64::Engine;
use chrono::NaiveDate;
use serde_json::Value;

use crate::{sanitize, SourceError};

pub fn provenance(source: &str, resource: &Value, fetched_at: &str) -> Provenance {
    Provenance {
        source: source.to_string(),
        author: author(resource),
        recorded: ["recordedDate", "dateAsserted", "authoredOn", "date", "issued"]
            .iter()
            .find_map(|k| resource[*k].as_str())
            .and_then(fhir_date_time),
        last_updated: resource["meta"]["lastUpdated"].as_str().and_then(fhir_date_time),
        fetched_at: fetched_at.to_string(),
    }
}

/// Who recorded the resource: the reference's display, or a contained
/// PractitionerRole/Practitioner/Organization's name (Kjernejournal's recorder).
fn author(resource: &Value) -> Option<String> {
    let reference = ["recorder", "asserter", "informationSource", "author", "performer"]
        .iter()
        .map(|k| if resource[*k].is_array() { &resource[*k][0] } else { &resource[*k] })
        .find(|r| r.is_object())?;
    if let Some(d) = display(&reference["display"]) {
        return Some(d);
    }
    let id = reference["reference"].as_str()?.strip_prefix('#')?;
    let contained = resource["contained"].as_array()?.iter().find(|c| c["id"] == id)?;
    human_name(contained)
        .or_else(|| display(&contained["name"]))
        .or_else(|| display(&contained["practitioner"]["display"]))
        .or_else(|| display(&contained["organization"]["display"]))
}

/// A FHIR `date`, `dateTime` or `instant` as the source wrote it, if it is one: `YYYY`,
/// `YYYY-MM`, `YYYY-MM-DD`, or a date-time with seconds and a zone. Anything else
/// (`"yesterday"`, `"1940-13-45"`) is not trusted: it is dropped rather than shown,
/// sorted on or used for an age.
pub fn fhir_date_time(s: &str) -> Option<String> {
    let date_time = s.as_bytes().get(10) == Some(&b'T') && chrono::DateTime::parse_from_rfc3339(s).is_ok();
    let valid = date_time || fhir_date(s).is_some();
    valid.then(|| s.to_string())
}

/// A FHIR `date` (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), as its first day when partial.
fn fhir_date(s: &str) -> Option<NaiveDate> {
    // The shape first: chrono alone would accept signs, short years and single digits.
    let shape_ok = s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shape_ok || ![4, 7, 10].contains(&s.len()) {
        return None;
    }
    let full = match s.len() {
        4 => format!("{s}-01-01"),
        7 => format!("{s}-01"),
        _ => s.to_string(),
    };
    NaiveDate::parse_from_str(&full, "%Y-%m-%d").ok()
}

/// The text of a CodeableConcept: `text`, else the first coding's display, else its code.
pub fn concept_text(c: &Value) -> Option<String> {
    c["text"]
        .as_str()
        .or_else(|| c["coding"].as_array()?.iter().find_map(|x| x["display"].as_str()))
        .or_else(|| c["coding"].as_array()?.iter().find_map(|x| x["code"].as_str()))
        .map(sanitize::text)
        .filter(|t| !t.is_empty())
}

/// A display string from the source, made safe.
fn display(v: &Value) -> Option<String> {
    v.as_str().map(sanitize::text).filter(|t| !t.is_empty())
}

fn coding_code(c: &Value, system: &str) -> Option<String> {
    c["coding"].as_array()?.iter().find(|x| x["system"] == system).and_then(|x| x["code"].as_str()).map(str::to_string)
}

pub fn human_name(resource: &Value) -> Option<String> {
    let names = resource["name"].as_array()?;
    let name = names.iter().find(|n| n["use"] == "official").or_else(|| names.first())?;
    if let Some(text) = display(&name["text"]) {
        return Some(text);
    }
    let given: Vec<&str> = name["given"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let family = name["family"].as_str().unwrap_or("");
    let full = sanitize::text(&format!("{} {family}", given.join(" ")));
    (!full.is_empty()).then_some(full)
}

/// The patient's national identity number as written, from the no-basis identifier systems.
pub fn national_id_text(patient: &Value) -> Option<String> {
    patient["identifier"]
        .as_array()?
        .iter()
        .find(|i| matches!(i["system"].as_str(), Some(SYSTEM_FNR | SYSTEM_DNR | SYSTEM_HNR)))
        .and_then(|i| i["value"].as_str())
        .map(str::to_string)
}

/// The banner from a platform's Patient. The birth date is the Patient's, else the one
/// its number encodes; the age is reckoned from that same date, so the two never disagree.
pub fn patient_banner(patient: &Value, today: NaiveDate, source: &str) -> Result<PatientBanner, SourceError> {
    if patient["resourceType"] != "Patient" {
        return Err(SourceError::Malformed("expected a Patient".into()));
    }
    let name = human_name(patient).ok_or_else(|| SourceError::Malformed("Patient without a name".into()))?;
    let raw = national_id_text(patient).unwrap_or_default();
    let parsed = NationalId::parse(&raw).ok();
    // A birth date that is no date is dropped, not shown or used for an age.
    let written = patient["birthDate"].as_str().and_then(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").ok());
    let birth = written.or(parsed.as_ref().map(NationalId::birth_date));
    Ok(PatientBanner {
        source: source.to_string(),
        name,
        national_id: parsed.as_ref().map_or(raw, NationalId::formatted),
        national_id_valid: parsed.is_some(),
        synthetic: parsed.as_ref().is_some_and(NationalId::is_synthetic),
        birth_date: birth.map(|b| b.to_string()),
        // A birth date after today gives no age, not 0.
        age: birth.and_then(|b| today.years_since(b)),
        gender: patient["gender"].as_str().map(fhir_gender),
    })
}

/// A sex or gender as FHIR's administrative gender code, from a FHIR code or a
/// register's word for it (`Female`, `kvinne`, `M`): `female`, `male`, `other` or `unknown`.
pub fn fhir_gender(word: &str) -> String {
    match word.trim().to_lowercase().as_str() {
        "female" | "f" | "kvinne" | "k" => "female",
        "male" | "m" | "mann" => "male",
        "other" | "annet" => "other",
        _ => "unknown",
    }
    .to_string()
}

pub fn allergy(r: &Value, source: &str, fetched_at: &str) -> Option<Allergy> {
    let substance = concept_text(&r["code"])?;
    Some(Allergy {
        substance,
        code: r["code"]["coding"][0]["code"].as_str().map(str::to_string),
        criticality: r["criticality"].as_str().map(str::to_string),
        reaction: r["reaction"][0]["manifestation"][0]
            .as_object()
            .and_then(|_| concept_text(&r["reaction"][0]["manifestation"][0])),
        recorded: r["recordedDate"].as_str().and_then(fhir_date_time),
        provenance: provenance(source, r, fetched_at),
    })
}

pub fn medication(r: &Value, source: &str, fetched_at: &str) -> Option<Medication> {
    let concept = &r["medicationCodeableConcept"];
    let name = concept_text(concept)?;
    Some(Medication {
        name,
        atc: coding_code(concept, "http://www.whocc.no/atc"),
        codes: concept["coding"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some(format!("{}|{}", c["system"].as_str()?, c["code"].as_str()?)))
            .map(|c| sanitize::text(&c))
            .collect(),
        dosage: display(&r["dosage"][0]["text"]),
        status: r["status"].as_str().unwrap_or("unknown").to_string(),
        started: r["effectivePeriod"]["start"]
            .as_str()
            .or_else(|| r["effectiveDateTime"].as_str())
            .and_then(fhir_date_time),
        provenance: provenance(source, r, fetched_at),
    })
}

pub fn warning(r: &Value, source: &str, fetched_at: &str) -> Option<PatientWarning> {
    Some(PatientWarning {
        text: concept_text(&r["code"])?,
        category: r["category"][0]["coding"][0]["code"].as_str().map(sanitize::text),
        since: r["period"]["start"].as_str().and_then(fhir_date_time),
        provenance: provenance(source, r, fetched_at),
    })
}

pub fn condition(r: &Value, source: &str, fetched_at: &str) -> Option<Condition> {
    Some(Condition {
        text: concept_text(&r["code"])?,
        code: r["code"]["coding"][0]["code"].as_str().map(sanitize::text),
        onset: r["onsetDateTime"].as_str().and_then(fhir_date_time),
        provenance: provenance(source, r, fetched_at),
    })
}

/// The details of a care plan's activities that are not finished.
pub fn open_activities(plan: &Value) -> impl Iterator<Item = &Value> {
    plan["activity"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| &a["detail"])
        .filter(|d| !matches!(d["status"].as_str(), Some("completed" | "cancelled" | "entered-in-error")))
}

/// A care plan's activities that are not finished, each named with the plan's title.
pub fn care_activities(plan: &Value, source: &str, fetched_at: &str) -> Vec<CareActivity> {
    let title = display(&plan["title"]).unwrap_or_default();
    open_activities(plan)
        .filter_map(|d| {
            Some(CareActivity {
                plan: title.clone(),
                description: display(&d["description"]).or_else(|| concept_text(&d["code"]))?,
                status: d["status"].as_str().map(sanitize::text),
                provenance: provenance(source, plan, fetched_at),
            })
        })
        .collect()
}

pub fn task(r: &Value, source: &str, fetched_at: &str) -> Option<CareTask> {
    Some(CareTask {
        id: r["id"].as_str().map(sanitize::text).unwrap_or_default(),
        description: display(&r["description"]).or_else(|| concept_text(&r["code"]))?,
        status: r["status"].as_str().map(sanitize::text).unwrap_or_else(|| "unknown".into()),
        due: r["executionPeriod"]["start"].as_str().and_then(fhir_date_time),
        provenance: provenance(source, r, fetched_at),
    })
}

pub fn visit(r: &Value, source: &str, fetched_at: &str) -> Option<Visit> {
    Some(Visit {
        id: r["id"].as_str().map(sanitize::text)?,
        start: r["start"].as_str().and_then(fhir_date_time),
        end: r["end"].as_str().and_then(fhir_date_time),
        description: display(&r["description"]).or_else(|| concept_text(&r["serviceType"][0])),
        status: r["status"].as_str().map(sanitize::text).unwrap_or_else(|| "unknown".into()),
        provenance: provenance(source, r, fetched_at),
    })
}

/// A nursing note (DocumentReference): its text from the inline plain-text
/// attachment, or its description; a note with no text is left out.
pub fn nursing_note(r: &Value, source: &str, fetched_at: &str) -> Option<NursingNote> {
    let attachment = &r["content"][0]["attachment"];
    let inline = attachment["contentType"]
        .as_str()
        .is_some_and(|t| t.starts_with("text/plain"))
        .then(|| attachment["data"].as_str())
        .flatten()
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let text = sanitize::multiline_text(inline.as_deref().or(r["description"].as_str())?);
    if text.is_empty() {
        return None;
    }
    Some(NursingNote {
        id: r["id"].as_str().map(sanitize::text)?,
        date: r["date"].as_str().and_then(fhir_date_time),
        author: display(&r["author"][0]["display"]),
        text,
        provenance: provenance(source, r, fetched_at),
    })
}

/// The LOINC codes of the vital-sign Observations `vital_signs` reads.
pub const VITAL_CODES: &[&str] = &["9279-1", "59408-5", "2708-6", "85354-9", "8867-4", "80288-4", "8310-5"];

/// Whether an Observation came from welfare technology at home: it names the device
/// that measured (staff measurements on the platform name none). Home readings are
/// shown as such and never count as the clinical observations NEWS2 is made of.
pub fn is_home_measurement(r: &Value) -> bool {
    r.get("device").is_some_and(|d| !d.is_null())
}

/// A home measurement: (LOINC code, label, unit, device, the reading). Blood pressure
/// panels read as "systolic/diastolic"; anything without a valid time or value is
/// left out.
pub fn home_reading(r: &Value) -> Option<(String, String, String, Option<String>, HomeReading)> {
    if !is_home_measurement(r) {
        return None;
    }
    let effective = r["effectiveDateTime"].as_str().and_then(fhir_date_time)?;
    let code = coding_code(&r["code"], "http://loinc.org")?;
    let label = concept_text(&r["code"])?;
    let device = display(&r["device"]["display"]);
    let (value, shown, unit) = if code == "85354-9" {
        let part = |loinc: &str| {
            r["component"]
                .as_array()?
                .iter()
                .find(|c| coding_code(&c["code"], "http://loinc.org").as_deref() == Some(loinc))
        };
        let sys = part("8480-6")?["valueQuantity"]["value"].as_f64()?;
        let dia = part("8462-4")?["valueQuantity"]["value"].as_f64()?;
        (sys, format!("{}/{}", format_number(sys), format_number(dia)), "mmHg".to_string())
    } else {
        let q = &r["valueQuantity"];
        let v = q["value"].as_f64()?;
        (v, format_number(v), q["unit"].as_str().map(sanitize::text).unwrap_or_default())
    };
    Some((code, label, unit, device, HomeReading { value, display: shown, effective }))
}

/// One Observation → zero or more vital signs (a blood-pressure panel gives two). A
/// measurement whose time is not a valid date-time is left out: NEWS2 must not use a
/// value of unknown age as the latest. Home measurements are not vital signs here.
pub fn vital_signs(r: &Value, source: &str, fetched_at: &str) -> Vec<VitalSign> {
    if is_home_measurement(r) {
        return Vec::new();
    }
    let Some(effective) = r["effectiveDateTime"].as_str().and_then(fhir_date_time) else { return Vec::new() };
    let code = coding_code(&r["code"], "http://loinc.org").unwrap_or_default();
    let make = |kind: VitalKind, q: &Value| -> Option<VitalSign> {
        let value = q["value"].as_f64()?;
        Some(VitalSign {
            kind,
            value,
            display: format_number(value),
            unit: q["unit"].as_str().unwrap_or("").to_string(),
            effective: effective.to_string(),
            provenance: provenance(source, r, fetched_at),
        })
    };
    match code.as_str() {
        "8867-4" => make(VitalKind::Pulse, &r["valueQuantity"]).into_iter().collect(),
        "8310-5" => make(VitalKind::Temperature, &r["valueQuantity"]).into_iter().collect(),
        "59408-5" | "2708-6" => make(VitalKind::Spo2, &r["valueQuantity"]).into_iter().collect(),
        "9279-1" => make(VitalKind::RespiratoryRate, &r["valueQuantity"]).into_iter().collect(),
        "85354-9" => r["component"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| match coding_code(&c["code"], "http://loinc.org").as_deref() {
                Some("8480-6") => make(VitalKind::SystolicBp, &c["valueQuantity"]),
                Some("8462-4") => make(VitalKind::DiastolicBp, &c["valueQuantity"]),
                _ => None,
            })
            .collect(),
        "80288-4" => {
            let display = concept_text(&r["valueCodeableConcept"]).unwrap_or_default();
            let alert =
                coding_code(&r["valueCodeableConcept"], "http://snomed.info/sct").as_deref() == Some("248234008");
            vec![VitalSign {
                kind: VitalKind::Consciousness,
                value: if alert { 0.0 } else { 1.0 },
                display,
                unit: String::new(),
                effective: effective.to_string(),
                provenance: provenance(source, r, fetched_at),
            }]
        }
        _ => Vec::new(),
    }
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_readings_name_their_device_and_are_never_vital_signs() {
        let loinc = |code: &str| json!({"coding": [{"system": "http://loinc.org", "code": code}]});
        let bp = json!({
            "resourceType": "Observation", "effectiveDateTime": "2026-11-20T07:10:00+01:00",
            "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}], "text": "Blodtrykk"},
            "device": {"reference": "Device/bt-1", "display": "Blodtrykksmåler"},
            "component": [
                {"code": loinc("8480-6"), "valueQuantity": {"value": 141, "unit": "mmHg"}},
                {"code": loinc("8462-4"), "valueQuantity": {"value": 86, "unit": "mmHg"}}
            ]
        });
        let (code, label, unit, device, reading) = home_reading(&bp).unwrap();
        assert_eq!((code.as_str(), label.as_str(), unit.as_str()), ("85354-9", "Blodtrykk", "mmHg"));
        assert_eq!(
            (device.as_deref(), reading.display.as_str(), reading.value),
            (Some("Blodtrykksmåler"), "141/86", 141.0)
        );
        assert!(vital_signs(&bp, "s", "t").is_empty(), "a home reading is not a staff measurement");

        let mut staff = bp.clone();
        staff.as_object_mut().unwrap().remove("device");
        assert_eq!(vital_signs(&staff, "s", "t").len(), 2);
        assert!(home_reading(&staff).is_none());

        let mut half = bp.clone();
        half["component"].as_array_mut().unwrap().pop();
        assert!(home_reading(&half).is_none(), "a pressure without its diastolic is not shown");
        let mut undated = bp.clone();
        undated["effectiveDateTime"] = json!("i morges");
        assert!(home_reading(&undated).is_none());
    }
    use serde_json::json;

    #[test]
    fn a_banner_with_a_bad_check_digit_is_flagged_not_dropped() {
        let p = json!({"resourceType": "Patient", "id": "x", "name": [{"family": "Test", "given": ["Ola"]}],
            "identifier": [{"system": SYSTEM_FNR, "value": "01814000000"}], "birthDate": "1940-01-01"});
        let b = patient_banner(&p, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), "Kommunal plattform").unwrap();
        assert!(!b.national_id_valid);
        assert_eq!(b.age, Some(86));
        assert_eq!(b.name, "Ola Test");
    }

    #[test]
    fn dates_that_are_no_dates_are_not_trusted() {
        for good in ["1940", "1940-05", "1940-05-17", "2026-11-20T10:00:00+01:00", "2026-11-20T09:00:00.123Z"] {
            assert_eq!(fhir_date_time(good).as_deref(), Some(good));
        }
        for bad in ["yesterday", "1940-13-45", "1940-02-30", "+1940", "40-05-17", "1940-5-17", "2026-11-20T10:00", ""] {
            assert_eq!(fhir_date_time(bad), None, "{bad}");
        }
        let today = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let banner = |birth: &str| {
            let p = json!({"resourceType": "Patient", "name": [{"text": "Ola Test"}], "birthDate": birth});
            patient_banner(&p, today, "Kommunal plattform").unwrap()
        };
        let impossible = banner("1940-13-45");
        assert_eq!((impossible.birth_date, impossible.age), (None, None));
        assert_eq!(banner("2090-01-01").age, None, "born after today: no age rather than 0");
        assert_eq!(banner("1940-05-17").age, Some(85));
    }

    #[test]
    fn a_blood_pressure_panel_gives_two_vitals() {
        let o = json!({"resourceType": "Observation", "effectiveDateTime": "2026-11-20T10:00:00+01:00",
            "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
            "component": [
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": {"value": 141, "unit": "mmHg"}},
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": {"value": 82, "unit": "mmHg"}}]});
        let v = vital_signs(&o, "s", "t");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].kind, VitalKind::SystolicBp);
        assert_eq!(v[1].display, "82");
    }

    #[test]
    fn hostile_display_strings_are_neutralised() {
        let a = json!({"resourceType": "AllergyIntolerance",
            "code": {"text": "Penicillin\u{202E}ekaf\u{202C}\u{0}"}, "reaction": [{"manifestation": [{"text": "  "}]}]});
        let allergy = allergy(&a, "s", "t").unwrap();
        assert_eq!(allergy.substance, "Penicillinekaf");
        assert_eq!(allergy.reaction, None, "blank text is no reaction");
        let nameless = json!({"resourceType": "Patient", "name": [{"text": "\u{202E}\u{7}"}]});
        assert!(patient_banner(&nameless, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), "Kommunal plattform").is_err());
    }

    #[test]
    fn the_age_is_always_that_of_the_birth_date_shown() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let nin =
            NationalId::synthetic_for(NaiveDate::from_ymd_opt(1948, 4, 12).unwrap(), 3, arbeidsflate_model::Sex::Male)
                .unwrap();
        let mut p = json!({"resourceType": "Patient", "name": [{"text": "Gunnhild Hostilesen"}], "gender": "female",
            "identifier": [{"system": SYSTEM_FNR, "value": nin.as_str()}], "birthDate": "1940-02-03"});
        let b = patient_banner(&p, today, "Kommunal plattform").unwrap();
        assert_eq!((b.birth_date.as_deref(), b.age), (Some("1940-02-03"), Some(86)), "the platform's date, its age");
        assert_eq!(b.source, "Kommunal plattform");
        p.as_object_mut().unwrap().remove("birthDate");
        let b = patient_banner(&p, today, "Kommunal plattform").unwrap();
        assert_eq!((b.birth_date.as_deref(), b.age), (Some("1948-04-12"), Some(78)), "the number's date, its age");
    }

    #[test]
    fn genders_become_fhir_codes_whatever_the_source_calls_them() {
        for (word, code) in [
            ("Female", "female"),
            ("male", "male"),
            ("Kvinne", "female"),
            ("M", "male"),
            ("annet", "other"),
            ("?", "unknown"),
        ] {
            assert_eq!(fhir_gender(word), code, "{word}");
        }
    }

    #[test]
    fn a_patient_without_a_name_is_an_error() {
        let p = json!({"resourceType": "Patient", "id": "x"});
        assert!(patient_banner(&p, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), "Kommunal plattform").is_err());
        let wrong = json!({"resourceType": "Observation"});
        assert!(patient_banner(&wrong, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), "Kommunal plattform").is_err());
    }
}
