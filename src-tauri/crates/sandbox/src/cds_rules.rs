//! The clinical rules of the sandbox's decision-support service ([`crate::cds_service`]),
//! as pure functions from one patient's FHIR resources and the moment of the call to
//! CDS Hooks cards. Kept apart from the HTTP side so a rule can be tested on a handful
//! of crafted resources and a fixed date, and changed without touching how the service
//! is called.
//!
//! Three rules, each written to be plainly right rather than clinically complete:
//! NEWS2 needing a quick clinical review, an allergy against a drug on the medication
//! list, and a sleeping pill in someone over 80 (fall risk).

use crate::catalog::ALLERGENS;
use crate::world::{SYSTEM_ATC, SYSTEM_LOINC, SYSTEM_SNOMED};
use arbeidsflate_model::news2::{self, News2, News2Parameter, News2Risk, Spo2Scale};
use arbeidsflate_model::provenance::Provenance;
use arbeidsflate_model::vitals::{VitalKind, VitalSign};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::{json, Value};

/// Who the cards say they come from.
pub const SOURCE_LABEL: &str = "Sandkassens beslutningsstøtte";
/// The code system of the override reasons the cards offer.
pub const OVERRIDE_SYSTEM: &str = "https://arbeidsflate.example/cds/override";
/// The `appContext` the fall-risk card hands to the sample app.
pub const FALL_RISK_APP_CONTEXT: &str = "{\"grunn\":\"sovemiddel\"}";
/// CDS Hooks: a summary is shorter than 140 characters.
const SUMMARY_MAX_CHARS: usize = 139;
/// SNOMED CT "Alert" (ACVPU): any other coded level of consciousness scores 3.
const ALERT: &str = "248234008";
/// The age from which a sleeping pill gets a fall-risk card.
const FALL_RISK_AGE: i32 = 80;
/// ATC groups of benzodiazepines and z-hypnotics.
const SEDATIVE_ATC: &[&str] = &["N05BA", "N05CD", "N05CF"];

/// Which drugs (ATC prefixes) an allergen's class covers. Every allergen named here is
/// one of the world's [`ALLERGENS`].
const ALLERGY_CLASSES: &[(&str, &[&str])] = &[
    ("373270004", &["J01C"]),               // penicillin: beta-lactam penicillins
    ("372687004", &["J01C"]),               // amoxicillin: the same class
    ("387458008", &["B01AC06", "N02BA01"]), // acetylsalicylic acid
    ("387207008", &["M01AE01"]),            // ibuprofen
    ("387406002", &["J01E"]),               // sulfonamides
];

/// One patient's resources, as the service gathered them for a call.
pub struct PatientRecord<'a> {
    pub patient_id: &'a str,
    /// The Patient resource; `None` when the client said there is none.
    pub patient: Option<&'a Value>,
    pub vitals: &'a [Value],
    pub medications: &'a [Value],
    pub allergies: &'a [Value],
}

/// What the cards need besides the record: the moment (the sandbox's clock) and where
/// their links point.
pub struct CardSetting<'a> {
    pub now: DateTime<Utc>,
    /// `source.url` of every card.
    pub source_url: &'a str,
    /// Origin of the sample SMART app the fall-risk card launches.
    pub sample_app_url: &'a str,
}

/// Every card the record calls for, most urgent first.
pub fn cards(record: &PatientRecord, setting: &CardSetting) -> Vec<Value> {
    let mut cards: Vec<Value> = news2_card(record, setting).into_iter().collect();
    cards.extend(allergy_cards(record, setting));
    cards.extend(fall_risk_card(record, setting));
    cards
}

/// NEWS2 from the latest staff-measured value of each vital sign: a `critical` card when
/// the total is 5 or more, or when one parameter alone scores 3.
pub fn news2_card(record: &PatientRecord, setting: &CardSetting) -> Option<Value> {
    let latest = latest_vitals(record.vitals, setting.now);
    if latest.is_empty() {
        return None;
    }
    let score = news2::score(&latest, Spo2Scale::Scale1, None);
    let single_three = score.inputs.iter().any(|i| i.points == 3);
    if score.total < 5 && !single_three {
        return None;
    }
    let total = score.total;
    let task = json!({
        "resourceType": "Task", "status": "requested", "intent": "order", "priority": "urgent",
        "for": {"reference": format!("Patient/{}", record.patient_id)},
        "description": format!("Legetilsyn: NEWS2 {total}"),
        "authoredOn": clock::rfc3339_in_zone(setting.now)
    });
    let mut card =
        card(&format!("NEWS2 {total}: behov for rask klinisk vurdering"), "critical", news2_detail(&score), setting);
    card["suggestions"] = json!([suggestion("Be om legetilsyn", "Opprett oppgave om legetilsyn", task)]);
    card["selectionBehavior"] = json!("at-most-one");
    card["overrideReasons"] = override_reasons(&[
        ("allerede-vurdert", "Allerede vurdert av lege"),
        ("forventet-tilstand", "Forventet ut fra kjent tilstand"),
        ("feil-maling", "Feil i målingen – måles på nytt"),
    ]);
    Some(card)
}

/// A `warning` card for each allergy whose class covers an active drug on the list.
pub fn allergy_cards(record: &PatientRecord, setting: &CardSetting) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cards = Vec::new();
    for allergy in record.allergies.iter().filter(|a| allergy_applies(a)) {
        let Some((code, allergen)) = known_allergen(allergy) else { continue };
        let Some((_, classes)) = ALLERGY_CLASSES.iter().find(|(c, _)| *c == code) else { continue };
        for statement in record.medications.iter().filter(|m| is_active(m)) {
            let Some(atc) = atc_code(statement) else { continue };
            if !classes.iter().any(|class| atc.starts_with(class)) {
                continue;
            }
            // The same allergy and drug from two sources (the platform and Kjernejournal) is one warning.
            if seen.contains(&(code, atc)) {
                continue;
            }
            seen.push((code, atc));
            let drug = drug_name(statement, atc);
            let allergen_lower = allergen.to_lowercase();
            let task = json!({
                "resourceType": "Task", "status": "requested", "intent": "order", "priority": "asap",
                "for": {"reference": format!("Patient/{}", record.patient_id)},
                "description": format!("Legevurdering: {drug} hos pasient med allergi mot {allergen_lower}"),
                "authoredOn": clock::rfc3339_in_zone(setting.now)
            });
            let summary = format!("Allergi mot {allergen_lower}, men {drug} står på legemiddellisten");
            let detail = allergy_detail(allergy, &allergen_lower, &drug, atc);
            let mut card = card(&summary, "warning", detail, setting);
            card["suggestions"] =
                json!([suggestion(&format!("Be lege vurdere {drug}"), "Opprett oppgave om legevurdering", task)]);
            card["selectionBehavior"] = json!("at-most-one");
            card["overrideReasons"] = override_reasons(&[
                ("toleranse-dokumentert", "Pasienten tåler legemiddelet (dokumentert)"),
                ("allergi-avkreftet", "Allergien er avkreftet eller feilregistrert"),
                ("allerede-vurdert", "Allerede vurdert av lege"),
            ]);
            cards.push(card);
        }
    }
    cards
}

/// An `info` card when someone aged 80 or more on the sandbox's day uses a
/// benzodiazepine or a z-hypnotic, linking to the sample fall-risk app.
pub fn fall_risk_card(record: &PatientRecord, setting: &CardSetting) -> Option<Value> {
    let birth = record.patient?["birthDate"].as_str().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())?;
    let age = age_on(birth, clock::clinical_day(setting.now));
    if age < FALL_RISK_AGE {
        return None;
    }
    let sedatives: Vec<(String, &str)> = record
        .medications
        .iter()
        .filter(|m| is_active(m))
        .filter_map(|m| atc_code(m).map(|atc| (m, atc)))
        .filter(|(_, atc)| SEDATIVE_ATC.iter().any(|group| atc.starts_with(group)))
        .map(|(m, atc)| (drug_name(m, atc), atc))
        .collect();
    let (first, _) = sedatives.first()?;
    let names: Vec<&str> = sedatives.iter().map(|(name, _)| name.as_str()).collect();
    let drugs = if names.len() > 1 { names.join(" og ") } else { first.clone() };
    let mut detail = format!("Pasienten er **{age} år** og har aktiv bruk av:\n\n");
    for (name, atc) in &sedatives {
        detail.push_str(&format!("- {} (ATC {})\n", markdown_text(name), markdown_text(atc)));
    }
    detail.push_str(
        "\nBenzodiazepiner og z-hypnotika øker faren for fall hos eldre. Vurder fallrisiko, og om \
         behandlingen kan trappes ned eller erstattes.",
    );
    let mut card = card(&format!("Over 80 år og bruker {drugs}: vurder fallrisiko"), "info", detail, setting);
    card["links"] = json!([{
        "label": "Vurder fallrisiko",
        "url": format!("{}{}", setting.sample_app_url, crate::sample_app::LAUNCH_PATH),
        "type": "smart",
        "appContext": FALL_RISK_APP_CONTEXT
    }]);
    card["overrideReasons"] = override_reasons(&[
        ("fallrisiko-vurdert", "Fallrisiko er nylig vurdert"),
        ("behandling-vurdert", "Behandlingen er vurdert av lege og videreføres"),
    ]);
    Some(card)
}

/// The skeleton every card shares: a fresh uuid, the summary within CDS Hooks' limit,
/// the indicator, Markdown detail and the source.
fn card(summary: &str, indicator: &str, detail: String, setting: &CardSetting) -> Value {
    json!({
        "uuid": uuid_v4(),
        "summary": within_summary_limit(summary),
        "indicator": indicator,
        "detail": detail,
        "source": {"label": SOURCE_LABEL, "url": setting.source_url}
    })
}

fn suggestion(label: &str, action: &str, resource: Value) -> Value {
    json!({
        "label": label, "uuid": uuid_v4(), "isRecommended": true,
        "actions": [{"type": "create", "description": action, "resource": resource}]
    })
}

fn override_reasons(reasons: &[(&str, &str)]) -> Value {
    reasons.iter().map(|(code, display)| json!({"system": OVERRIDE_SYSTEM, "code": code, "display": display})).collect()
}

/// A random (version 4) UUID.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b[..]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Cuts a summary that would reach 140 characters (a drug's long name can).
fn within_summary_limit(summary: &str) -> String {
    if summary.chars().count() <= SUMMARY_MAX_CHARS {
        return summary.to_string();
    }
    let mut cut: String = summary.chars().take(SUMMARY_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Text from a resource, made safe to put mid-line in Markdown: every character that
/// could start markup there (emphasis, code, links, table cells, inline HTML, entities)
/// is escaped, so a name never renders as anything but itself.
fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whole years between a birth date and a day.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

fn coding_code<'a>(concept: &'a Value, system: &str) -> Option<&'a str> {
    concept["coding"].as_array()?.iter().find(|c| c["system"] == system).and_then(|c| c["code"].as_str())
}

fn is_active(statement: &Value) -> bool {
    statement["status"] == "active"
}

fn atc_code(statement: &Value) -> Option<&str> {
    coding_code(&statement["medicationCodeableConcept"], SYSTEM_ATC)
}

/// The drug as the list names it, else its ATC code.
fn drug_name(statement: &Value, atc: &str) -> String {
    let concept = &statement["medicationCodeableConcept"];
    concept["text"]
        .as_str()
        .or_else(|| concept["coding"].as_array()?.iter().find_map(|c| c["display"].as_str()))
        .map(|s| s.trim().replace(['\n', '\r'], " "))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("ATC {atc}"))
}

/// An allergy that still holds: not inactive or resolved, not refuted or entered in error.
fn allergy_applies(allergy: &Value) -> bool {
    let clinical =
        coding_code(&allergy["clinicalStatus"], "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical");
    let verification = coding_code(
        &allergy["verificationStatus"],
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
    );
    !matches!(clinical, Some("inactive" | "resolved")) && !matches!(verification, Some("refuted" | "entered-in-error"))
}

/// The allergy's SNOMED CT code when it is one of the world's allergens, with its name.
fn known_allergen(allergy: &Value) -> Option<(&'static str, &'static str)> {
    let codes = allergy["code"]["coding"].as_array()?;
    codes
        .iter()
        .filter(|c| c["system"] == SYSTEM_SNOMED)
        .find_map(|c| ALLERGENS.iter().find(|(code, ..)| c["code"] == *code).map(|(code, name, ..)| (*code, *name)))
}

fn allergy_detail(allergy: &Value, allergen: &str, drug: &str, atc: &str) -> String {
    let criticality = match allergy["criticality"].as_str() {
        Some("high") => Some("høy"),
        Some("low") => Some("lav"),
        Some("unable-to-assess") => Some("kan ikke vurderes"),
        _ => None,
    };
    let reaction = allergy["reaction"][0]["manifestation"][0]
        .get("text")
        .and_then(Value::as_str)
        .or_else(|| allergy["reaction"][0]["manifestation"][0]["coding"][0]["display"].as_str());
    let mut about = Vec::new();
    if let Some(c) = criticality {
        about.push(format!("kritikalitet {c}"));
    }
    if let Some(r) = reaction {
        about.push(format!("reaksjon: {}", markdown_text(&r.to_lowercase())));
    }
    let about = if about.is_empty() { String::new() } else { format!(" ({})", about.join("; ")) };
    let mut detail = format!(
        "Pasienten har registrert allergi mot **{}**{about}.\n\n**{}** (ATC {}) står som aktivt legemiddel på \
         legemiddellisten og hører til legemiddelgruppen allergien gjelder.\n\n",
        markdown_text(allergen),
        markdown_text(drug),
        markdown_text(atc)
    );
    if let Some(source) = allergy["meta"]["source"].as_str().filter(|s| !s.trim().is_empty()) {
        detail.push_str(&format!("Allergien er registrert i: {}\n\n", markdown_text(source.trim())));
    }
    detail.push_str("Be lege vurdere om legemiddelet skal seponeres eller byttes, eller om allergien er avkreftet.");
    detail
}

/// The latest value of each vital sign measured by staff, no later than `now`: home
/// readings (which name the device that sent them) are not NEWS2 observations, and
/// readings that are not final, or carry no usable time, are left out.
pub fn latest_vitals(observations: &[Value], now: DateTime<Utc>) -> Vec<VitalSign> {
    let mut latest: Vec<(DateTime<Utc>, VitalSign)> = Vec::new();
    for o in observations {
        if o.get("device").is_some_and(|d| !d.is_null())
            || !matches!(o["status"].as_str(), Some("final" | "amended" | "corrected"))
        {
            continue;
        }
        let Some(effective) = o["effectiveDateTime"].as_str() else { continue };
        let Ok(at) = DateTime::parse_from_rfc3339(effective).map(|t| t.to_utc()) else { continue };
        if at > now {
            continue;
        }
        for (kind, value) in vital_values(o) {
            let sign = VitalSign {
                kind,
                value,
                display: String::new(),
                unit: String::new(),
                effective: effective.to_string(),
                provenance: Provenance::fetched("cds", clock::rfc3339_in_zone(now)),
            };
            match latest.iter_mut().find(|(_, v)| v.kind == kind) {
                Some(slot) if slot.0 < at => *slot = (at, sign),
                Some(_) => {}
                None => latest.push((at, sign)),
            }
        }
    }
    latest.into_iter().map(|(_, v)| v).collect()
}

/// The NEWS2 inputs one Observation holds (a blood-pressure panel gives its systolic).
fn vital_values(o: &Value) -> Vec<(VitalKind, f64)> {
    let quantity = |q: &Value| q["value"].as_f64();
    let kind = match coding_code(&o["code"], SYSTEM_LOINC) {
        Some("8867-4") => VitalKind::Pulse,
        Some("8310-5") => VitalKind::Temperature,
        Some("59408-5" | "2708-6") => VitalKind::Spo2,
        Some("9279-1") => VitalKind::RespiratoryRate,
        Some("85354-9") => {
            let systolic = o["component"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| coding_code(&c["code"], SYSTEM_LOINC) == Some("8480-6"))
                .and_then(|c| quantity(&c["valueQuantity"]));
            return systolic.map(|v| (VitalKind::SystolicBp, v)).into_iter().collect();
        }
        Some("80288-4") => {
            // 0 = alert, 1 = new confusion, voice, pain or unresponsive (as the model counts).
            let Some(level) = coding_code(&o["valueCodeableConcept"], SYSTEM_SNOMED) else { return Vec::new() };
            return vec![(VitalKind::Consciousness, if level == ALERT { 0.0 } else { 1.0 })];
        }
        _ => return Vec::new(),
    };
    quantity(&o["valueQuantity"]).map(|v| (kind, v)).into_iter().collect()
}

fn news2_detail(score: &News2) -> String {
    let risk = match score.risk {
        News2Risk::High => "høy klinisk risiko",
        News2Risk::Medium => "middels klinisk risiko",
        News2Risk::LowMedium => "lav–middels klinisk risiko: én parameter gir 3 poeng",
        News2Risk::Low => "lav klinisk risiko",
    };
    let mut detail = format!(
        "NEWS2 er **{}** ({risk}), regnet fra siste måling av hver parameter.\n\n\
         | Parameter | Verdi | Poeng | Målt |\n| --- | --- | --- | --- |\n",
        score.total
    );
    for input in &score.inputs {
        let value = match input.parameter {
            News2Parameter::Consciousness if input.value > 0.0 => "Ny forvirring, V, P eller U".to_string(),
            News2Parameter::Consciousness => "Våken (A)".to_string(),
            News2Parameter::SupplementalOxygen if input.value > 0.0 => "Ja".to_string(),
            News2Parameter::SupplementalOxygen => "Nei (antatt romluft)".to_string(),
            p => format!("{} {}", norwegian_number(input.value), unit(p)),
        };
        let measured = input.measured_at.as_deref().and_then(clock::parse_instant).map(norwegian_time);
        detail.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            parameter_name(input.parameter),
            value.trim(),
            input.points,
            measured.as_deref().unwrap_or("–")
        ));
    }
    if !score.missing.is_empty() {
        let missing: Vec<&str> = score.missing.iter().map(|p| parameter_name(*p)).collect();
        detail.push_str(&format!(
            "\nMangler måling av {}: skåren kan være høyere enn vist.\n",
            missing.join(", ").to_lowercase()
        ));
    }
    if score.oxygen_assumed_air {
        detail.push_str("\nOksygentilførsel er ikke registrert og er regnet som romluft (0 poeng).\n");
    }
    detail
}

fn parameter_name(p: News2Parameter) -> &'static str {
    match p {
        News2Parameter::RespiratoryRate => "Respirasjonsfrekvens",
        News2Parameter::Spo2 => "Oksygenmetning (SpO₂)",
        News2Parameter::SupplementalOxygen => "Oksygentilførsel",
        News2Parameter::SystolicBp => "Systolisk blodtrykk",
        News2Parameter::Pulse => "Puls",
        News2Parameter::Consciousness => "Bevissthet (ACVPU)",
        News2Parameter::Temperature => "Temperatur",
    }
}

fn unit(p: News2Parameter) -> &'static str {
    match p {
        News2Parameter::RespiratoryRate | News2Parameter::Pulse => "/min",
        News2Parameter::Spo2 => "%",
        News2Parameter::SystolicBp => "mmHg",
        News2Parameter::Temperature => "°C",
        News2Parameter::SupplementalOxygen | News2Parameter::Consciousness => "",
    }
}

fn norwegian_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

fn norwegian_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&clock::CLINICAL_ZONE).format("%d.%m.%Y kl. %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATIENT: &str = "pas-7";

    fn now() -> DateTime<Utc> {
        clock::parse_instant("2026-11-22T09:30:00+01:00").unwrap()
    }

    fn setting() -> CardSetting<'static> {
        CardSetting { now: now(), source_url: "http://127.0.0.1:1/om", sample_app_url: "http://127.0.0.1:2" }
    }

    fn observation(loinc: &str, at: &str, value: Value) -> Value {
        let mut o = json!({
            "resourceType": "Observation", "status": "final", "effectiveDateTime": at,
            "subject": {"reference": format!("Patient/{PATIENT}")},
            "code": {"coding": [{"system": SYSTEM_LOINC, "code": loinc}]}
        });
        o.as_object_mut().unwrap().extend(value.as_object().unwrap().clone());
        o
    }

    fn quantity(loinc: &str, at: &str, v: f64) -> Value {
        observation(loinc, at, json!({"valueQuantity": {"value": v}}))
    }

    /// A full set of readings at one time.
    fn vitals(at: &str, rr: f64, spo2: f64, sys: f64, pulse: f64, alert: bool, temp: f64) -> Vec<Value> {
        let level = if alert { ALERT } else { "130987000" };
        vec![
            quantity("9279-1", at, rr),
            quantity("59408-5", at, spo2),
            observation(
                "85354-9",
                at,
                json!({"component": [
                    {"code": {"coding": [{"system": SYSTEM_LOINC, "code": "8480-6"}]}, "valueQuantity": {"value": sys}},
                    {"code": {"coding": [{"system": SYSTEM_LOINC, "code": "8462-4"}]}, "valueQuantity": {"value": 70}}
                ]}),
            ),
            quantity("8867-4", at, pulse),
            observation(
                "80288-4",
                at,
                json!({"valueCodeableConcept": {"coding": [{"system": SYSTEM_SNOMED, "code": level}]}}),
            ),
            quantity("8310-5", at, temp),
        ]
    }

    fn statement(atc: &str, name: &str, status: &str) -> Value {
        json!({
            "resourceType": "MedicationStatement", "status": status,
            "medicationCodeableConcept": {"coding": [{"system": SYSTEM_ATC, "code": atc, "display": name}], "text": name},
            "subject": {"reference": format!("Patient/{PATIENT}")}
        })
    }

    fn allergy(snomed: &str, source: Option<&str>) -> Value {
        let mut a = json!({
            "resourceType": "AllergyIntolerance", "criticality": "high",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
            "code": {"coding": [{"system": SYSTEM_SNOMED, "code": snomed}]},
            "patient": {"reference": format!("Patient/{PATIENT}")},
            "reaction": [{"manifestation": [{"text": "Urtikaria"}]}]
        });
        if let Some(source) = source {
            a["meta"] = json!({"source": source});
        }
        a
    }

    fn patient(birth: &str) -> Value {
        json!({"resourceType": "Patient", "id": PATIENT, "birthDate": birth})
    }

    fn record<'a>(
        patient: Option<&'a Value>,
        vitals: &'a [Value],
        medications: &'a [Value],
        allergies: &'a [Value],
    ) -> PatientRecord<'a> {
        PatientRecord { patient_id: PATIENT, patient, vitals, medications, allergies }
    }

    fn is_uuid(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
    }

    #[test]
    fn news2_of_seven_is_a_critical_card_asking_for_a_doctor() {
        // rr 26 → 3, SpO2 94 → 1, systolic 105 → 1, pulse 115 → 2, alert → 0, 36.8 → 0: 7.
        let readings = vitals("2026-11-21T18:00:00+01:00", 26.0, 94.0, 105.0, 115.0, true, 36.8);
        let card = news2_card(&record(None, &readings, &[], &[]), &setting()).expect("a card");
        assert_eq!(card["summary"], "NEWS2 7: behov for rask klinisk vurdering");
        assert_eq!(card["indicator"], "critical");
        assert!(is_uuid(card["uuid"].as_str().unwrap()));
        assert_eq!(card["source"], json!({"label": SOURCE_LABEL, "url": "http://127.0.0.1:1/om"}));
        let detail = card["detail"].as_str().unwrap();
        assert!(detail.contains("| Respirasjonsfrekvens | 26 /min | 3 |"), "{detail}");
        assert!(detail.contains("| Puls | 115 /min | 2 |"), "{detail}");
        assert!(detail.contains("21.11.2026 kl. 18:00"), "{detail}");
        assert!(!detail.contains('<'), "no HTML");
        assert_eq!(card["selectionBehavior"], "at-most-one");
        let suggestions = card["suggestions"].as_array().unwrap();
        assert_eq!(suggestions.len(), 1);
        assert_eq!(suggestions[0]["label"], "Be om legetilsyn");
        assert!(is_uuid(suggestions[0]["uuid"].as_str().unwrap()));
        let actions = suggestions[0]["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0]["type"], "create");
        let task = &actions[0]["resource"];
        assert_eq!(
            (&task["resourceType"], &task["status"], &task["intent"], &task["priority"]),
            (&json!("Task"), &json!("requested"), &json!("order"), &json!("urgent"))
        );
        assert_eq!(task["for"], json!({"reference": "Patient/pas-7"}));
        assert_eq!(task["description"], "Legetilsyn: NEWS2 7");
        assert_eq!(task["authoredOn"], "2026-11-22T09:30:00+01:00", "the sandbox clock's now");
        let reasons = card["overrideReasons"].as_array().unwrap();
        assert!((2..=3).contains(&reasons.len()));
        assert!(reasons.iter().all(|r| r["system"] == OVERRIDE_SYSTEM && r["display"].is_string()));
        assert!(reasons.iter().any(|r| r["code"] == "allerede-vurdert" && r["display"] == "Allerede vurdert av lege"));
    }

    #[test]
    fn news2_uses_the_latest_reading_and_ignores_home_and_future_ones() {
        // Yesterday: normal. Last week: alarming. Only yesterday's counts.
        let mut readings = vitals("2026-11-21T08:00:00+01:00", 16.0, 97.0, 130.0, 72.0, true, 36.8);
        readings.extend(vitals("2026-11-15T08:00:00+01:00", 30.0, 88.0, 85.0, 140.0, false, 40.0));
        assert!(news2_card(&record(None, &readings, &[], &[]), &setting()).is_none());
        // A later reading from a home device, and one dated after now, do not count either.
        let mut home = quantity("8867-4", "2026-11-22T07:00:00+01:00", 150.0);
        home["device"] = json!({"display": "Blodtrykksmåler"});
        let future = quantity("9279-1", "2026-11-22T12:00:00+01:00", 35.0);
        readings.extend([home, future]);
        assert!(news2_card(&record(None, &readings, &[], &[]), &setting()).is_none());
        // A newer staff reading does.
        readings.push(quantity("9279-1", "2026-11-22T09:00:00+01:00", 26.0));
        let card = news2_card(&record(None, &readings, &[], &[]), &setting()).expect("rr 26 scores 3 alone");
        assert_eq!(card["summary"], "NEWS2 3: behov for rask klinisk vurdering");
    }

    #[test]
    fn news2_of_four_without_a_single_three_gives_no_card_but_one_three_does() {
        // rr 22 → 2, SpO2 94 → 1, pulse 95 → 1: 4, no parameter at 3.
        let four = vitals("2026-11-21T08:00:00+01:00", 22.0, 94.0, 130.0, 95.0, true, 36.8);
        assert!(news2_card(&record(None, &four, &[], &[]), &setting()).is_none());
        // Confused and otherwise normal: 3 in one parameter.
        let confused = vitals("2026-11-21T08:00:00+01:00", 16.0, 97.0, 130.0, 72.0, false, 36.8);
        let card = news2_card(&record(None, &confused, &[], &[]), &setting()).expect("a single 3");
        assert_eq!(card["indicator"], "critical");
        assert!(card["detail"].as_str().unwrap().contains("| Bevissthet (ACVPU) | Ny forvirring, V, P eller U | 3 |"));
        // Five without a three.
        let five = vitals("2026-11-21T08:00:00+01:00", 22.0, 94.0, 105.0, 95.0, true, 36.8);
        assert!(news2_card(&record(None, &five, &[], &[]), &setting()).is_some());
        assert!(news2_card(&record(None, &[], &[], &[]), &setting()).is_none(), "no readings, no score");
    }

    #[test]
    fn news2_says_which_inputs_were_missing() {
        let only_rr = [quantity("9279-1", "2026-11-21T08:00:00+01:00", 7.0)];
        let card = news2_card(&record(None, &only_rr, &[], &[]), &setting()).unwrap();
        let detail = card["detail"].as_str().unwrap();
        assert!(detail.contains("Mangler måling av"), "{detail}");
        assert!(detail.contains("temperatur"), "{detail}");
    }

    #[test]
    fn an_allergy_against_an_active_drug_of_its_class_is_a_warning() {
        let meds = [statement("J01CA04", "Amoksicillin 500 mg kapsel", "active")];
        let allergies = [allergy("373270004", Some("Kjernejournal"))];
        let cards = allergy_cards(&record(None, &[], &meds, &allergies), &setting());
        assert_eq!(cards.len(), 1);
        let card = &cards[0];
        assert_eq!(card["summary"], "Allergi mot penicillin, men Amoksicillin 500 mg kapsel står på legemiddellisten");
        assert_eq!(card["indicator"], "warning");
        let detail = card["detail"].as_str().unwrap();
        assert!(detail.contains("Allergien er registrert i: Kjernejournal"), "{detail}");
        assert!(detail.contains("reaksjon: urtikaria"), "{detail}");
        let suggestion = &card["suggestions"][0];
        assert_eq!(suggestion["label"], "Be lege vurdere Amoksicillin 500 mg kapsel");
        let task = &suggestion["actions"][0]["resource"];
        assert_eq!(
            (&task["status"], &task["intent"], &task["priority"]),
            (&json!("requested"), &json!("order"), &json!("asap"))
        );
        assert_eq!(task["for"]["reference"], "Patient/pas-7");
        let description = task["description"].as_str().unwrap();
        assert!(description.contains("Amoksicillin") && description.contains("penicillin"), "{description}");
        assert!(card["overrideReasons"].as_array().unwrap().len() >= 2);
    }

    #[test]
    fn each_allergen_class_covers_its_drugs_and_no_others() {
        let fires = |snomed: &str, atc: &str| {
            let meds = [statement(atc, "Et legemiddel", "active")];
            let allergies = [allergy(snomed, None)];
            !allergy_cards(&record(None, &[], &meds, &allergies), &setting()).is_empty()
        };
        assert!(fires("372687004", "J01CE02"), "amoxicillin allergy vs a penicillin");
        assert!(fires("387458008", "B01AC06"));
        assert!(fires("387458008", "N02BA01"));
        assert!(fires("387207008", "M01AE01"));
        assert!(fires("387406002", "J01EE01"));
        assert!(!fires("387207008", "M01AE02"), "naproxen is not ibuprofen");
        assert!(!fires("387458008", "B01AC04"), "clopidogrel is not aspirin");
        assert!(!fires("111088007", "J01CA04"), "latex has no drug class");
        for (code, _) in ALLERGY_CLASSES {
            assert!(ALLERGENS.iter().any(|(c, ..)| c == code), "{code} is one of the world's allergens");
        }
    }

    #[test]
    fn an_allergy_with_an_unrelated_or_stopped_drug_gives_no_card() {
        let allergies = [allergy("373270004", None)];
        let unrelated = [statement("N02BE01", "Paracetamol 500 mg tablett", "active")];
        assert!(allergy_cards(&record(None, &[], &unrelated, &allergies), &setting()).is_empty());
        let stopped = [statement("J01CA04", "Amoksicillin 500 mg kapsel", "stopped")];
        assert!(allergy_cards(&record(None, &[], &stopped, &allergies), &setting()).is_empty());
        let active = [statement("J01CA04", "Amoksicillin 500 mg kapsel", "active")];
        let mut refuted = allergy("373270004", None);
        refuted["verificationStatus"] = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "refuted"}]});
        assert!(allergy_cards(&record(None, &[], &active, &[refuted]), &setting()).is_empty());
        // The same pair from two sources is one card.
        let twice = [allergy("373270004", None), allergy("373270004", Some("Kjernejournal"))];
        assert_eq!(allergy_cards(&record(None, &[], &active, &twice), &setting()).len(), 1);
    }

    #[test]
    fn markdown_from_records_cannot_become_markup() {
        let meds = [statement("J01CA04", "<img src=x> *Amoks* [lenke](http://x)", "active")];
        let allergies = [allergy("373270004", Some("<b>kilde</b>"))];
        let cards = allergy_cards(&record(None, &[], &meds, &allergies), &setting());
        let detail = cards[0]["detail"].as_str().unwrap();
        // Without the escaped characters and the card's own bold markers, no markup is left.
        let rest = detail.replace("\\<", "").replace("\\[", "").replace("\\*", "").replace("**", "");
        assert!(!rest.contains(['<', '[', '*']), "{detail}");
        assert!(
            detail.contains("\\<img") && detail.contains("\\*Amoks\\*") && detail.contains("\\[lenke\\]"),
            "{detail}"
        );
    }

    #[test]
    fn a_sleeping_pill_at_eighty_links_to_the_fall_risk_app_and_at_seventy_nine_does_not() {
        let meds =
            [statement("N05CF01", "Zopiklon 5 mg tablett", "active"), statement("C03CA01", "Furosemid", "active")];
        // 80 today (22 November 2026).
        let eighty = patient("1946-11-22");
        let card = fall_risk_card(&record(Some(&eighty), &[], &meds, &[]), &setting()).expect("a card");
        assert_eq!(card["summary"], "Over 80 år og bruker Zopiklon 5 mg tablett: vurder fallrisiko");
        assert_eq!(card["indicator"], "info");
        assert_eq!(
            card["links"],
            json!([{"label": "Vurder fallrisiko", "url": "http://127.0.0.1:2/launch.html", "type": "smart",
                "appContext": "{\"grunn\":\"sovemiddel\"}"}])
        );
        assert!(card["detail"].as_str().unwrap().contains("**80 år**"));
        // 80 tomorrow: 79 today.
        let seventy_nine = patient("1946-11-23");
        assert!(fall_risk_card(&record(Some(&seventy_nine), &[], &meds, &[]), &setting()).is_none());
        // 80, but the pill was stopped; or no sedative at all.
        let stopped = [statement("N05CF01", "Zopiklon 5 mg tablett", "stopped")];
        assert!(fall_risk_card(&record(Some(&eighty), &[], &stopped, &[]), &setting()).is_none());
        assert!(fall_risk_card(&record(Some(&eighty), &[], &meds[1..], &[]), &setting()).is_none());
        // No Patient resource: no age, no card.
        assert!(fall_risk_card(&record(None, &[], &meds, &[]), &setting()).is_none());
        for atc in ["N05BA01", "N05CD02"] {
            let benzo = [statement(atc, "Benzodiazepin", "active")];
            assert!(fall_risk_card(&record(Some(&eighty), &[], &benzo, &[]), &setting()).is_some(), "{atc}");
        }
    }

    #[test]
    fn summaries_stay_under_140_characters() {
        let name = "Et legemiddel med et svært langt navn ".repeat(6);
        let meds = [statement("N05CF01", &name, "active")];
        let old = patient("1930-01-01");
        let card = fall_risk_card(&record(Some(&old), &[], &meds, &[]), &setting()).unwrap();
        let summary = card["summary"].as_str().unwrap();
        assert!(summary.chars().count() < 140, "{}", summary.chars().count());
        assert!(summary.ends_with('…'));
    }

    #[test]
    fn every_card_has_its_own_uuid() {
        let readings = vitals("2026-11-21T08:00:00+01:00", 26.0, 94.0, 105.0, 115.0, true, 36.8);
        let meds = [statement("J01CA04", "Amoksicillin", "active"), statement("N05CF01", "Zopiklon", "active")];
        let allergies = [allergy("373270004", None)];
        let old = patient("1930-01-01");
        let all = cards(&record(Some(&old), &readings, &meds, &allergies), &setting());
        let indicators: Vec<&str> = all.iter().map(|c| c["indicator"].as_str().unwrap()).collect();
        assert_eq!(indicators, ["critical", "warning", "info"]);
        let mut uuids: Vec<&str> = all.iter().map(|c| c["uuid"].as_str().unwrap()).collect();
        uuids.sort();
        uuids.dedup();
        assert_eq!(uuids.len(), 3);
    }

    #[test]
    fn age_counts_whole_years_to_the_birthday() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(age_on(NaiveDate::from_ymd_opt(1946, 2, 28).unwrap(), day), 80);
        assert_eq!(age_on(NaiveDate::from_ymd_opt(1946, 3, 1).unwrap(), day), 79);
        // Born on a leap day: not yet 80 on 28 February of a common year.
        assert_eq!(age_on(NaiveDate::from_ymd_opt(1944, 2, 29).unwrap(), day), 81);
        assert_eq!(age_on(NaiveDate::from_ymd_opt(1948, 2, 29).unwrap(), day), 77);
    }
}
