//! The deterministic synthetic world: clinicians, two nursing-home wards, a home-care
//! district, and per patient the FHIR resources a municipal platform would hold.
//!
//! Same seed, same day, same scale → the same world, byte for byte. "Today" is the
//! Norwegian day the world is made for (the sandbox's clock decides it), and its
//! times are Norwegian wall-clock times.

use crate::catalog::*;
use crate::fhir_store::FhirStore;
use crate::rng::SeededRng;
use arbeidsflate_model::nin::{NationalId, Sex, SYSTEM_FNR, SYSTEM_HPR};
use arbeidsflate_model::view::ClinicianRole;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime};
use serde_json::{json, Value};

/// HL7 Norway / Volven systems used in the generated resources.
pub const SYSTEM_HPR_CATEGORY: &str = "urn:oid:2.16.578.1.12.4.1.1.9060";
pub const SYSTEM_ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
pub const SYSTEM_ATC: &str = "http://www.whocc.no/atc";
pub const SYSTEM_SNOMED: &str = "http://snomed.info/sct";
pub const SYSTEM_LOINC: &str = "http://loinc.org";
pub const SYSTEM_ORGNR: &str = "urn:oid:2.16.578.1.12.4.1.4.101";

/// Sandbox organisation numbers: obviously fictitious 9-digit values.
pub const MUNICIPALITY_ORGNR: &str = "999000001";
pub const NURSING_HOME_ORGNR: &str = "999000002";
pub const HOME_CARE_ORGNR: &str = "999000003";

#[derive(Debug, Clone)]
pub struct WorldOptions {
    pub seed: u64,
    /// Multiplies the number of patients per ward and district.
    pub scale: u32,
    /// How many days back the vital-sign series reach (benchmarks chart two years).
    pub history_days: u32,
}

impl Default for WorldOptions {
    fn default() -> Self {
        Self { seed: 2026, scale: 1, history_days: 182 }
    }
}

/// A synthetic clinician the sandbox's HelseID can sign in.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SandboxClinician {
    /// Synthetic fødselsnummer (HelseID's `pid` claim).
    pub pid: String,
    pub hpr_number: String,
    pub given_name: String,
    pub family_name: String,
    pub role: ClinicianRole,
    pub unit_name: String,
    pub practitioner_id: String,
}

impl SandboxClinician {
    pub fn name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

pub struct World {
    pub clinicians: Vec<SandboxClinician>,
    pub store: FhirStore,
    pub options: WorldOptions,
    /// The day the world was made for.
    pub today: NaiveDate,
}

struct Unit {
    location_id: &'static str,
    name: &'static str,
    physical_type: &'static str,
    org_id: &'static str,
}

/// Rooms per nursing-home ward (times `--scale`).
const WARD_ROOMS: i64 = 20;
/// Home-care visits are generated this many days back as well (carried out).
const PAST_VISIT_DAYS: i64 = 3;

/// The practitioner id of the first home-care nurse (Mona Haugland, the third clinician).
pub(crate) const FIRST_HOME_CARE_NURSE: &str = "hp-3";
/// The ward resident on amoxicillin whom Kjernejournal knows as allergic to penicillin.
pub const AMOXICILLIN_RESIDENT: &str = "pas-10";
pub(crate) const WARD_A_LOCATION: &str = "avd-solsikken";
pub(crate) const WARD_A_NAME: &str = "Solsikken";
const WARD_A: Unit =
    Unit { location_id: WARD_A_LOCATION, name: WARD_A_NAME, physical_type: "wa", org_id: "org-furulund" };
const WARD_B: Unit =
    Unit { location_id: "avd-blaaklokka", name: "Blåklokka", physical_type: "wa", org_id: "org-furulund" };
const DISTRICT: Unit = Unit {
    location_id: "sone-sentrum",
    name: "Hjemmetjenesten sone sentrum",
    physical_type: "area",
    org_id: "org-hjemmetjenesten",
};

/// The world of `options` as it stands on the Norwegian day `today`: visits and tasks
/// today, readings and notes up to yesterday.
pub fn generate(options: WorldOptions, today: NaiveDate) -> World {
    let mut rng = SeededRng::new(options.seed);
    let mut store = FhirStore::default();
    // Notes and home measurements draw from their own sequence, so adding them left
    // the rest of the world as it was.
    let later_rng = SeededRng::new(options.seed ^ 0x4e4f_5445);
    let mut gen =
        Generator { rng: &mut rng, later_rng, store: &mut store, options: &options, today, patient_seq: 0, nin_seq: 0 };

    gen.organisations();
    let clinicians = gen.clinicians();
    let scale = options.scale.max(1) as i64;

    for (ward, nurse_idx) in [(&WARD_A, 0usize), (&WARD_B, 1usize)] {
        // Nursing-home wards are full: every one of the 20 rooms has a resident.
        let n = WARD_ROOMS * scale;
        for room in 1..=n {
            let pid = gen.patient(ward, false);
            gen.ward_stay(&pid, ward, room as u32);
            gen.clinical_record(&pid, true);
            gen.tasks_for_today(&pid, &clinicians[nurse_idx].practitioner_id);
            gen.nursing_notes(&pid, &[&clinicians[nurse_idx]]);
        }
    }
    gen.amoxicillin_for(AMOXICILLIN_RESIDENT);
    let home_nurses = [&clinicians[2], &clinicians[3]];
    let n = gen.rng.range(15, 25) * scale;
    for i in 0..n {
        let pid = gen.patient(&DISTRICT, true);
        gen.clinical_record(&pid, false);
        let nurse = home_nurses[(i % 2) as usize];
        gen.visits_today(&pid, &nurse.practitioner_id);
        gen.nursing_notes(&pid, &home_nurses);
        if gen.later_rng.chance(0.5) {
            gen.home_monitoring(&pid);
        }
    }
    World { clinicians, store, options, today }
}

struct Generator<'a> {
    rng: &'a mut SeededRng,
    later_rng: SeededRng,
    store: &'a mut FhirStore,
    options: &'a WorldOptions,
    today: NaiveDate,
    patient_seq: u32,
    nin_seq: u32,
}

impl Generator<'_> {
    /// A course of amoxicillin on the municipal list, drawn from no random sequence so the
    /// rest of the world stays as it was (Kjernejournal gives the same resident a
    /// penicillin allergy: the cross-source case decision support warns about).
    fn amoxicillin_for(&mut self, patient_id: &str) {
        let started = format!("{}T08:00:00+01:00", self.today - chrono::Days::new(2));
        self.store.insert(json!({
            "resourceType": "MedicationStatement", "id": format!("lm-{patient_id}-kur"),
            "meta": {"versionId": "1", "lastUpdated": started},
            "status": "active",
            "medicationCodeableConcept": {"coding": [{"system": SYSTEM_ATC, "code": "J01CA04", "display": "Amoksicillin 500 mg kapsel"}], "text": "Amoksicillin 500 mg kapsel"},
            "subject": {"reference": format!("Patient/{patient_id}")}, "effectivePeriod": {"start": started},
            "dosage": [{"text": "1 kapsel 3 ganger daglig i 7 dager"}]
        }));
    }

    fn organisations(&mut self) {
        self.store.insert(json!({
            "resourceType": "Organization", "id": "org-kommune",
            "identifier": [{"system": SYSTEM_ORGNR, "value": MUNICIPALITY_ORGNR}],
            "name": "Sandvik kommune"
        }));
        for (id, orgnr, name) in [
            ("org-furulund", NURSING_HOME_ORGNR, "Furulund sykehjem"),
            ("org-hjemmetjenesten", HOME_CARE_ORGNR, "Hjemmetjenesten Sandvik"),
        ] {
            self.store.insert(json!({
                "resourceType": "Organization", "id": id,
                "identifier": [{"system": SYSTEM_ORGNR, "value": orgnr}],
                "name": name, "partOf": {"reference": "Organization/org-kommune"}
            }));
        }
        for unit in [&WARD_A, &WARD_B, &DISTRICT] {
            self.store.insert(json!({
                "resourceType": "Location", "id": unit.location_id, "status": "active",
                "name": unit.name,
                "physicalType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/location-physical-type", "code": unit.physical_type}]},
                "managingOrganization": {"reference": format!("Organization/{}", unit.org_id)}
            }));
        }
    }

    fn clinicians(&mut self) -> Vec<SandboxClinician> {
        let specs: [(&str, &str, bool, ClinicianRole, &Unit); 5] = [
            ("Ingrid", "Solbakken", true, ClinicianRole::NursingHomeNurse, &WARD_A),
            ("Jonas", "Vik", false, ClinicianRole::NursingHomeNurse, &WARD_B),
            ("Mona", "Haugland", true, ClinicianRole::HomeCareNurse, &DISTRICT),
            ("Erlend", "Sørli", false, ClinicianRole::HomeCareNurse, &DISTRICT),
            ("Sigrid", "Bakkeli", true, ClinicianRole::NursingHomeDoctor, &WARD_A),
        ];
        let mut out = Vec::new();
        for (i, (given, family, female, role, unit)) in specs.into_iter().enumerate() {
            let birth = NaiveDate::from_ymd_opt(1970 + i as i32 * 3, 1 + i as u32 * 2, 3 + i as u32 * 4).unwrap();
            let pid = self.synthetic_nin(birth, female);
            let hpr = format!("{}", 9_100_001 + i as u32 * 17);
            let practitioner_id = format!("hp-{}", i + 1);
            self.store.insert(json!({
                "resourceType": "Practitioner", "id": practitioner_id, "active": true,
                "identifier": [{"system": SYSTEM_HPR, "value": hpr}],
                "name": [{"family": family, "given": [given], "text": format!("{given} {family}")}],
                "gender": if female { "female" } else { "male" }
            }));
            let mut locations = vec![json!({"reference": format!("Location/{}", unit.location_id)})];
            if role == ClinicianRole::NursingHomeDoctor {
                locations.push(json!({"reference": format!("Location/{}", WARD_B.location_id)}));
            }
            self.store.insert(json!({
                "resourceType": "PractitionerRole", "id": format!("hpr-role-{}", i + 1), "active": true,
                "practitioner": {"reference": format!("Practitioner/{practitioner_id}")},
                "organization": {"reference": format!("Organization/{}", unit.org_id)},
                "code": [{"coding": [{"system": SYSTEM_HPR_CATEGORY, "code": role.hpr_category()}]}],
                "location": locations
            }));
            let unit_name = if role == ClinicianRole::NursingHomeDoctor {
                format!("Furulund sykehjem ({}, {})", WARD_A.name, WARD_B.name)
            } else {
                unit.name.to_string()
            };
            out.push(SandboxClinician {
                pid: pid.as_str().to_string(),
                hpr_number: hpr,
                given_name: given.into(),
                family_name: family.into(),
                role,
                unit_name,
                practitioner_id,
            });
        }
        out
    }

    fn synthetic_nin(&mut self, birth: NaiveDate, female: bool) -> NationalId {
        self.nin_seq += 1;
        let sex = if female { Sex::Female } else { Sex::Male };
        NationalId::synthetic_for(birth, self.nin_seq * 7, sex).expect("sandbox birth dates are encodable")
    }

    fn patient(&mut self, unit: &Unit, with_address: bool) -> String {
        self.patient_seq += 1;
        let id = format!("pas-{}", self.patient_seq);
        let female = self.rng.chance(0.62);
        let given = if female { *self.rng.pick(GIVEN_FEMALE) } else { *self.rng.pick(GIVEN_MALE) };
        let family = *self.rng.pick(FAMILY);
        let age = if with_address { self.rng.range(58, 96) } else { self.rng.range(72, 101) };
        let birth = self.today - Duration::days(age * 365 + self.rng.range(0, 364));
        let nin = self.synthetic_nin(birth, female);
        let mut patient = json!({
            "resourceType": "Patient", "id": id, "active": true,
            "meta": {"versionId": "1", "lastUpdated": self.days_ago(1, 400)},
            "identifier": [{"system": SYSTEM_FNR, "value": nin.as_str()}],
            "name": [{"use": "official", "family": family, "given": [given]}],
            "gender": if female { "female" } else { "male" },
            "birthDate": birth.to_string(),
            "managingOrganization": {"reference": format!("Organization/{}", unit.org_id)}
        });
        if with_address {
            let street = *self.rng.pick(STREETS);
            patient["address"] = json!([{
                "use": "home", "line": [format!("{street} {}", self.rng.range(1, 80))],
                "postalCode": "9990", "city": "Sandvik"
            }]);
        }
        self.store.insert(patient);
        id
    }

    fn ward_stay(&mut self, patient_id: &str, ward: &Unit, room: u32) {
        let since = self.days_ago(20, 900);
        self.store.insert(json!({
            "resourceType": "Encounter", "id": format!("opphold-{patient_id}"), "status": "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP", "display": "inpatient encounter"},
            "subject": {"reference": format!("Patient/{patient_id}")},
            "period": {"start": since},
            "location": [
                {"location": {"reference": format!("Location/{}", ward.location_id), "display": ward.name}},
                {"location": {"display": format!("Rom {room}")}, "physicalType": {"coding": [{"code": "ro"}]}}
            ],
            "serviceProvider": {"reference": format!("Organization/{}", ward.org_id)}
        }));
    }

    /// Warnings the staff must see at once (Flag). Chosen by the patient's number, not
    /// drawn from the generator, so adding them left the rest of the world unchanged.
    fn flags(&mut self, patient_id: &str) {
        let seq: i64 = patient_id.trim_start_matches("pas-").parse().unwrap_or(0);
        let warnings = [
            (4, 1, "safety", "Fallrisiko – bruk sengehest og sklisikre sokker"),
            (6, 2, "clinical", "Svelgvansker – moset kost og fortykket drikke"),
            (9, 5, "clinical", "Kontaktsmitte (MRSA) – bruk smittefrakk og hansker"),
        ];
        for (i, (every, at, category, text)) in warnings.into_iter().enumerate() {
            if seq % every != at {
                continue;
            }
            let start = (self.today - Duration::days(30 + seq)).to_string();
            self.store.insert(json!({
                "resourceType": "Flag", "id": format!("varsel-{patient_id}-{i}"), "status": "active",
                "meta": {"versionId": "1", "lastUpdated": format!("{start}T09:00:00+01:00")},
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/flag-category", "code": category}]}],
                "code": {"text": text},
                "subject": {"reference": format!("Patient/{patient_id}")},
                "period": {"start": start}
            }));
        }
    }

    fn clinical_record(&mut self, patient_id: &str, nursing_home: bool) {
        let subject = json!({"reference": format!("Patient/{patient_id}")});
        let n_cond = self.rng.range(2, 5) as usize;
        for (i, (code, display)) in self.rng.sample(CONDITIONS, n_cond).into_iter().enumerate() {
            let onset = self.days_ago(60, 3000);
            self.store.insert(json!({
                "resourceType": "Condition", "id": format!("cond-{patient_id}-{i}"),
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                "code": {"coding": [{"system": SYSTEM_ICD10, "code": code, "display": display}], "text": display},
                "subject": subject, "onsetDateTime": onset
            }));
        }
        let n_allergy = self.rng.range(0, 3) as usize;
        for (i, (code, display, reaction, criticality)) in self.rng.sample(ALLERGENS, n_allergy).into_iter().enumerate()
        {
            let recorded = self.days_ago(100, 4000);
            self.store.insert(json!({
                "resourceType": "AllergyIntolerance", "id": format!("allergi-{patient_id}-{i}"),
                "meta": {"versionId": "1", "lastUpdated": recorded},
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
                "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "confirmed"}]},
                "criticality": criticality,
                "code": {"coding": [{"system": SYSTEM_SNOMED, "code": code, "display": display}], "text": display},
                "patient": subject, "recordedDate": recorded,
                "reaction": [{"manifestation": [{"text": reaction}]}]
            }));
        }
        let n_med = self.rng.range(3, 8) as usize;
        for (i, (atc, display, dosage)) in self.rng.sample(MEDICATIONS, n_med).into_iter().enumerate() {
            let stopped = self.rng.chance(0.15);
            let started = self.days_ago(14, 1500);
            self.store.insert(json!({
                "resourceType": "MedicationStatement", "id": format!("lm-{patient_id}-{i}"),
                "meta": {"versionId": "1", "lastUpdated": started},
                "status": if stopped { "stopped" } else { "active" },
                "medicationCodeableConcept": {"coding": [{"system": SYSTEM_ATC, "code": atc, "display": display}], "text": display},
                "subject": subject, "effectivePeriod": {"start": started},
                "dosage": [{"text": dosage}]
            }));
        }
        self.vital_series(patient_id, nursing_home);
        self.flags(patient_id);
        let activities: Vec<Value> = self
            .rng
            .sample(CARE_ACTIVITIES, 3)
            .into_iter()
            .map(|a| json!({"detail": {"status": "in-progress", "description": a}}))
            .collect();
        self.store.insert(json!({
            "resourceType": "CarePlan", "id": format!("tiltaksplan-{patient_id}"), "status": "active", "intent": "plan",
            "title": "Tiltaksplan", "subject": subject, "activity": activities
        }));
        let n_docs = self.rng.range(1, 3) as usize;
        for (i, (loinc, title)) in self.rng.sample(DOCUMENTS, n_docs).into_iter().enumerate() {
            let date = self.days_ago(3, 700);
            self.store.insert(json!({
                "resourceType": "DocumentReference", "id": format!("dok-{patient_id}-{i}"), "status": "current",
                "type": {"coding": [{"system": SYSTEM_LOINC, "code": loinc, "display": title}]},
                "subject": subject, "date": date, "description": title,
                "content": [{"attachment": {"contentType": "text/plain", "title": title,
                    "data": base64_text(&format!("{title}. Syntetisk dokument for opplæring."))}}]
            }));
        }
    }

    /// Vital signs every 2–4 days (nursing homes; 5–9 at home) over `history_days`
    /// (six months by default): the NEWS2 inputs.
    fn vital_series(&mut self, patient_id: &str, nursing_home: bool) {
        let subject = json!({"reference": format!("Patient/{patient_id}")});
        let base_pulse = self.rng.normal(76.0, 8.0);
        let base_sys = self.rng.normal(132.0, 12.0);
        let base_spo2 = if self.rng.chance(0.2) { 92.0 } else { 96.5 };
        let interval = if nursing_home { self.rng.range(2, 4) } else { self.rng.range(5, 9) };
        let mut day = i64::from(self.options.history_days);
        let mut set = 0;
        // Up to yesterday: a measurement later today would lie in the future.
        while day >= 1 {
            let (hour, minute) = (self.rng.range(7, 20) as u32, self.rng.range(0, 59) as u32);
            let when = self.at(day, hour, minute);
            let pulse = self.rng.normal(base_pulse, 6.0).round();
            let sys = self.rng.normal(base_sys, 9.0).round();
            let dia = (sys * 0.58 + self.rng.normal(0.0, 5.0)).round();
            let temp = (self.rng.normal(36.8, 0.35) * 10.0).round() / 10.0;
            let spo2 = self.rng.normal(base_spo2, 1.2).round().min(100.0);
            let resp = self.rng.normal(16.0, 2.0).round();
            let alert = !self.rng.chance(0.04);
            let id = |kind: &str| format!("vital-{patient_id}-{set}-{kind}");
            let category = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}]);
            let simple = |kind: &str, loinc: &str, display: &str, value: f64, unit: &str, ucum: &str| {
                json!({
                    "resourceType": "Observation", "id": id(kind), "status": "final",
                    "meta": {"versionId": "1", "lastUpdated": when},
                    "category": category, "subject": subject, "effectiveDateTime": when,
                    "code": {"coding": [{"system": SYSTEM_LOINC, "code": loinc, "display": display}]},
                    "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum}
                })
            };
            self.store.insert(simple("puls", "8867-4", "Heart rate", pulse, "slag/min", "/min"));
            self.store.insert(simple("temp", "8310-5", "Body temperature", temp, "°C", "Cel"));
            self.store.insert(simple("spo2", "59408-5", "Oxygen saturation by pulse oximetry", spo2, "%", "%"));
            self.store.insert(simple("resp", "9279-1", "Respiratory rate", resp, "/min", "/min"));
            self.store.insert(json!({
                "resourceType": "Observation", "id": id("bt"), "status": "final",
                "meta": {"versionId": "1", "lastUpdated": when},
                "category": category, "subject": subject, "effectiveDateTime": when,
                "code": {"coding": [{"system": SYSTEM_LOINC, "code": "85354-9", "display": "Blood pressure panel"}]},
                "component": [
                    {"code": {"coding": [{"system": SYSTEM_LOINC, "code": "8480-6", "display": "Systolic blood pressure"}]},
                     "valueQuantity": {"value": sys, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
                    {"code": {"coding": [{"system": SYSTEM_LOINC, "code": "8462-4", "display": "Diastolic blood pressure"}]},
                     "valueQuantity": {"value": dia, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}
                ]
            }));
            let (code, display) = if alert { ("248234008", "Alert") } else { ("130987000", "Acute confusion") };
            self.store.insert(json!({
                "resourceType": "Observation", "id": id("acvpu"), "status": "final",
                "meta": {"versionId": "1", "lastUpdated": when},
                "category": category, "subject": subject, "effectiveDateTime": when,
                "code": {"coding": [{"system": SYSTEM_LOINC, "code": "80288-4", "display": "Level of consciousness"}]},
                "valueCodeableConcept": {"coding": [{"system": SYSTEM_SNOMED, "code": code, "display": display}]}
            }));
            set += 1;
            day -= interval;
        }
    }

    fn tasks_for_today(&mut self, patient_id: &str, practitioner_id: &str) {
        for (i, text) in ["Medisinutdeling morgen", "Vitale parametre"].iter().enumerate() {
            self.store.insert(json!({
                "resourceType": "Task", "id": format!("oppgave-{patient_id}-{i}"), "status": "requested", "intent": "order",
                "description": text, "for": {"reference": format!("Patient/{patient_id}")},
                "owner": {"reference": format!("Practitioner/{practitioner_id}")},
                "executionPeriod": {"start": self.at(0, 8 + i as u32 * 6, 0)}
            }));
        }
    }

    /// Today's visits, and the same visits on the days before.
    fn visits_today(&mut self, patient_id: &str, practitioner_id: &str) {
        let visits = self.rng.range(1, 2);
        for v in 0..visits {
            let hour = if v == 0 { self.rng.range(7, 12) } else { self.rng.range(15, 21) } as u32;
            let minute = (self.rng.range(0, 3) * 15) as u32;
            let length = self.rng.range(1, 3) * 15;
            let reason = *self.rng.pick(VISIT_REASONS);
            // The same visit on the days before, carried out: the visits widget's history.
            for days_ago in 0..=PAST_VISIT_DAYS {
                let start = self.at(days_ago, hour, minute);
                let end = shift_minutes(&start, length);
                let (id, status) = match days_ago {
                    0 => (format!("besok-{patient_id}-{v}"), "booked"),
                    d => (format!("besok-{patient_id}-{v}-d{d}"), "fulfilled"),
                };
                self.store.insert(json!({
                    "resourceType": "Appointment", "id": id, "status": status,
                    "description": reason,
                    "start": start, "end": end, "minutesDuration": length,
                    "participant": [
                        {"actor": {"reference": format!("Patient/{patient_id}")}, "status": "accepted"},
                        {"actor": {"reference": format!("Practitioner/{practitioner_id}")}, "status": "accepted"}
                    ]
                }));
            }
        }
    }

    /// Nursing notes of the last nine days (one to five), by the patient's nurses, as
    /// the app writes them: DocumentReference, LOINC 34746-8, the text inline.
    fn nursing_notes(&mut self, patient_id: &str, nurses: &[&SandboxClinician]) {
        let n = self.later_rng.range(1, 5) as usize;
        for i in 0..n {
            let text = *self.later_rng.pick(NURSING_NOTES);
            let nurse = *self.later_rng.pick(nurses);
            let days = self.later_rng.range(1, 9);
            let (hour, minute) = (self.later_rng.range(7, 21) as u32, self.later_rng.range(0, 59) as u32);
            let date = self.at(days, hour, minute);
            self.store.insert(json!({
                "resourceType": "DocumentReference", "id": format!("notat-{patient_id}-{i}"), "status": "current",
                "meta": {"versionId": "1", "lastUpdated": date},
                "type": {"coding": [{"system": SYSTEM_LOINC, "code": "34746-8", "display": "Nurse Note"}]},
                "subject": {"reference": format!("Patient/{patient_id}")}, "date": date,
                "author": [{"reference": format!("Practitioner/{}", nurse.practitioner_id),
                    "display": format!("{} {}", nurse.given_name, nurse.family_name)}],
                "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": base64_text(text)}}]
            }));
        }
    }

    /// Two weeks of welfare technology at home: blood pressure and pulse each morning,
    /// weight twice a week, and blood glucose every morning for some. Each reading
    /// names the patient as performer and the device that sent it.
    fn home_monitoring(&mut self, patient_id: &str) {
        let subject = json!({"reference": format!("Patient/{patient_id}")});
        let category = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}]);
        let glucose = self.later_rng.chance(0.4);
        let (base_sys, base_weight) = (self.later_rng.normal(138.0, 10.0), self.later_rng.normal(72.0, 9.0));
        for day in 1..=14 {
            let minute = self.later_rng.range(0, 45) as u32;
            let at = self.at(day, 7, minute);
            let reading = |id: String, code: &str, text: &str, device: &str, value: Value| {
                let mut o = json!({
                    "resourceType": "Observation", "id": id, "status": "final",
                    "meta": {"versionId": "1", "lastUpdated": at}, "category": category,
                    "code": {"coding": [{"system": SYSTEM_LOINC, "code": code}], "text": text},
                    "subject": subject, "effectiveDateTime": at, "performer": [subject],
                    "device": {"reference": format!("Device/{device}-{patient_id}"), "display": device_name(device)}
                });
                o.as_object_mut().unwrap().extend(value.as_object().unwrap().clone());
                o
            };
            let quantity = |v: f64, unit: &str, ucum: &str| json!({"value": (v * 10.0).round() / 10.0, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum});
            let sys = (base_sys + self.later_rng.normal(0.0, 8.0)).round();
            let dia = (sys * 0.6 + self.later_rng.normal(0.0, 4.0)).round();
            let component = |code: &str, v: f64| json!({"code": {"coding": [{"system": SYSTEM_LOINC, "code": code}]}, "valueQuantity": quantity(v, "mmHg", "mm[Hg]")});
            let bp = json!({"component": [component("8480-6", sys), component("8462-4", dia)]});
            self.store.insert(reading(format!("hjem-bt-{patient_id}-{day}"), "85354-9", "Blodtrykk", "bt", bp));
            let pulse =
                json!({"valueQuantity": quantity(self.later_rng.normal(72.0, 6.0).round(), "slag/min", "/min")});
            self.store.insert(reading(format!("hjem-puls-{patient_id}-{day}"), "8867-4", "Puls", "bt", pulse));
            if day % 3 == 0 {
                let kg = json!({"valueQuantity": quantity(base_weight + self.later_rng.normal(0.0, 0.4), "kg", "kg")});
                self.store.insert(reading(format!("hjem-vekt-{patient_id}-{day}"), "29463-7", "Vekt", "vekt", kg));
            }
            if glucose {
                let mmol =
                    json!({"valueQuantity": quantity(self.later_rng.normal(7.2, 1.4).max(3.5), "mmol/L", "mmol/L")});
                let id = format!("hjem-bs-{patient_id}-{day}");
                self.store.insert(reading(id, "15074-8", "Blodsukker", "bs", mmol));
            }
        }
    }

    /// `days_ago` days before today at hh:mm on a Norwegian wall clock, as RFC 3339
    /// with that moment's offset.
    fn at(&self, days_ago: i64, hour: u32, minute: u32) -> String {
        let date = self.today - Duration::days(days_ago);
        let time = NaiveTime::from_hms_opt(hour, minute, 0).expect("a valid time of day");
        clock::rfc3339_in_zone(clock::wall_clock(date, time))
    }

    /// A random moment between `lo` and `hi` days ago.
    fn days_ago(&mut self, lo: i64, hi: i64) -> String {
        let days = self.rng.range(lo, hi);
        self.at(days, 10, 0)
    }
}

fn shift_minutes(rfc3339: &str, minutes: i64) -> String {
    DateTime::parse_from_rfc3339(rfc3339).map(|t| (t + Duration::minutes(minutes)).to_rfc3339()).unwrap_or_default()
}

fn device_name(device: &str) -> &'static str {
    match device {
        "bt" => "Blodtrykksmåler (syntetisk)",
        "vekt" => "Personvekt (syntetisk)",
        _ => "Blodsukkerapparat (syntetisk)",
    }
}

fn base64_text(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(scale: u32) -> WorldOptions {
        WorldOptions { seed: 42, scale, history_days: 182 }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn same_seed_gives_the_same_world() {
        let a = generate(opts(1), day());
        let b = generate(opts(1), day());
        assert_eq!(a.store.fingerprint(), b.store.fingerprint());
        let c = generate(WorldOptions { seed: 43, ..opts(1) }, day());
        assert_ne!(a.store.fingerprint(), c.store.fingerprint());
    }

    #[test]
    fn wards_and_district_have_the_sizes_promised() {
        let w = generate(opts(1), day());
        let stays = w.store.all("Encounter");
        let in_ward = |loc: &str| {
            stays.iter().filter(|e| e["location"][0]["location"]["reference"] == format!("Location/{loc}")).count()
        };
        assert!((15..=20).contains(&in_ward("avd-solsikken")));
        assert!((15..=20).contains(&in_ward("avd-blaaklokka")));
        let home: std::collections::HashSet<String> = w
            .store
            .all("Appointment")
            .iter()
            .map(|a| a["participant"][0]["actor"]["reference"].as_str().unwrap().to_string())
            .collect();
        assert!((15..=25).contains(&home.len()));
    }

    #[test]
    fn every_patient_has_a_valid_synthetic_number() {
        let w = generate(opts(1), day());
        for p in w.store.all("Patient") {
            let nin = p["identifier"][0]["value"].as_str().unwrap();
            let parsed = NationalId::parse(nin).expect("valid check digits");
            assert!(parsed.is_synthetic());
            assert_eq!(parsed.birth_date().to_string(), p["birthDate"].as_str().unwrap());
            assert_eq!(parsed.sex().fhir_gender(), p["gender"].as_str().unwrap(), "the sex digit agrees");
        }
        for c in &w.clinicians {
            let pid = NationalId::parse(&c.pid).unwrap();
            assert!(pid.is_synthetic());
            let practitioner = w.store.get("Practitioner", &c.practitioner_id).unwrap();
            assert_eq!(pid.sex().fhir_gender(), practitioner["gender"].as_str().unwrap(), "{}", c.name());
        }
    }

    #[test]
    fn the_first_home_care_nurse_is_who_the_bad_records_name() {
        let w = generate(opts(1), day());
        let first = w.clinicians.iter().find(|c| c.role == ClinicianRole::HomeCareNurse).unwrap();
        assert_eq!(first.practitioner_id, FIRST_HOME_CARE_NURSE);
    }

    #[test]
    fn scale_multiplies_the_patients() {
        let one = generate(opts(1), day()).store.all("Patient").len();
        let three = generate(opts(3), day()).store.all("Patient").len();
        assert!(three >= one * 2, "{one} → {three}");
    }

    #[test]
    fn vital_series_cover_every_news2_input() {
        let w = generate(opts(1), day());
        let codes: std::collections::HashSet<String> = w
            .store
            .all("Observation")
            .iter()
            .map(|o| o["code"]["coding"][0]["code"].as_str().unwrap().to_string())
            .collect();
        for loinc in ["8867-4", "85354-9", "8310-5", "59408-5", "9279-1", "80288-4"] {
            assert!(codes.contains(loinc), "missing {loinc}");
        }
    }
}
