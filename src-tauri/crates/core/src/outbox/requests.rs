//! The writes a clinician records, as the FHIR requests the outbox sends: a set of
//! vital signs (one transaction of Observations, each created only if its identifier
//! is new), a nursing note (a DocumentReference, the same way) and completing a task
//! (an update on the version the clinician saw). Values are checked here, before
//! anything is queued.

use arbeidsflate_model::offline::{Consciousness, VitalsEntry};
use arbeidsflate_model::{AppError, ErrorCode};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const LOINC: &str = "http://loinc.org";
const SNOMED: &str = "http://snomed.info/sct";
const UCUM: &str = "http://unitsofmeasure.org";
/// Client ids are URNs (RFC 3986) so any FHIR server can search them as identifiers.
const URN_SYSTEM: &str = "urn:ietf:rfc:3986";
const NOTE_MAX_CHARS: usize = 2000;

/// A queued request, as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum OutboxRequest {
    /// Conditional creates in one transaction bundle: all stored once, or none.
    Transaction { bundle: Value },
    /// An update on the version the clinician saw (`If-Match`).
    Update { resource: Value, if_match: String },
    /// Feedback on a card, to the decision-support service that sent it (not the platform).
    Feedback { service_url: String, body: Value },
}

fn invalid(detail: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidInput, detail)
}

fn identifier(id: &str) -> Value {
    json!([{"system": URN_SYSTEM, "value": format!("urn:uuid:{id}")}])
}

/// Gives a resource made here the outbox's client id: as its id until the server names
/// it, and as an identifier, so a resend after a lost answer finds the first instead of
/// storing twice.
pub fn with_client_id(resource: &mut Value, client_id: &str) {
    let identifier = json!({"system": URN_SYSTEM, "value": format!("urn:uuid:{client_id}")});
    match resource["identifier"].as_array_mut() {
        Some(list) => list.push(identifier),
        None => resource["identifier"] = json!([identifier]),
    }
    resource["id"] = json!(client_id);
}

/// The search that finds a resource made from this client id (for `If-None-Exist`).
pub fn if_none_exist(id: &str) -> String {
    format!("identifier={URN_SYSTEM}|urn:uuid:{id}")
}

fn check(name: &str, value: Option<f64>, range: std::ops::RangeInclusive<f64>) -> Result<(), AppError> {
    match value {
        Some(v) if !v.is_finite() || !range.contains(&v) => {
            Err(invalid(format!("{name} must be between {} and {}", range.start(), range.end())))
        }
        _ => Ok(()),
    }
}

/// Checks a set of vital signs: at least one value, each within what a body can show.
pub fn validate_vitals(v: &VitalsEntry) -> Result<(), AppError> {
    check("respiratory rate", v.respiratory_rate, 0.0..=80.0)?;
    check("SpO2", v.spo2, 50.0..=100.0)?;
    check("systolic pressure", v.systolic_bp, 40.0..=300.0)?;
    check("diastolic pressure", v.diastolic_bp, 20.0..=200.0)?;
    check("pulse", v.pulse, 20.0..=300.0)?;
    check("temperature", v.temperature, 25.0..=45.0)?;
    match (v.systolic_bp, v.diastolic_bp) {
        (Some(s), Some(d)) if d >= s => return Err(invalid("diastolic pressure must be below systolic")),
        (Some(_), None) | (None, Some(_)) => return Err(invalid("blood pressure needs both values")),
        _ => {}
    }
    let any = [v.respiratory_rate, v.spo2, v.systolic_bp, v.pulse, v.temperature].iter().any(Option::is_some)
        || v.consciousness.is_some();
    if !any {
        return Err(invalid("enter at least one value"));
    }
    Ok(())
}

fn consciousness_code(c: Consciousness) -> (&'static str, &'static str) {
    match c {
        Consciousness::Alert => ("248234008", "Våken"),
        Consciousness::NewConfusion => ("130987000", "Nyoppstått forvirring"),
        Consciousness::Voice => ("300202002", "Reagerer på tiltale"),
        Consciousness::Pain => ("450847001", "Reagerer på smerte"),
        Consciousness::Unresponsive => ("422768004", "Reagerer ikke"),
    }
}

/// The Observations for a set of vital signs, each with its own client id (`new_id`).
pub fn vitals_observations(
    v: &VitalsEntry,
    patient_ref: &str,
    performer_ref: &str,
    effective: &str,
    mut new_id: impl FnMut() -> String,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut base = |code: &str, display: &str| {
        let id = new_id();
        json!({
            "resourceType": "Observation",
            "id": id,
            "identifier": identifier(&id),
            "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": {"reference": format!("Patient/{patient_ref}")},
            "performer": [{"reference": performer_ref}],
            "effectiveDateTime": effective,
        })
    };
    let quantity =
        |value: f64, unit: &str, code: &str| json!({"value": value, "unit": unit, "system": UCUM, "code": code});
    if let Some(x) = v.respiratory_rate {
        let mut o = base("9279-1", "Respiratory rate");
        o["valueQuantity"] = quantity(x, "/min", "/min");
        out.push(o);
    }
    if let Some(x) = v.spo2 {
        let mut o = base("59408-5", "Oxygen saturation by pulse oximetry");
        o["valueQuantity"] = quantity(x, "%", "%");
        out.push(o);
    }
    if let (Some(s), Some(d)) = (v.systolic_bp, v.diastolic_bp) {
        let mut o = base("85354-9", "Blood pressure panel");
        o["component"] = json!([
            {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]}, "valueQuantity": quantity(s, "mmHg", "mm[Hg]")},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}, "valueQuantity": quantity(d, "mmHg", "mm[Hg]")},
        ]);
        out.push(o);
    }
    if let Some(x) = v.pulse {
        let mut o = base("8867-4", "Heart rate");
        o["valueQuantity"] = quantity(x, "/min", "/min");
        out.push(o);
    }
    if let Some(c) = v.consciousness {
        let (code, text) = consciousness_code(c);
        let mut o = base("80288-4", "Level of consciousness");
        o["valueCodeableConcept"] = json!({"coding": [{"system": SNOMED, "code": code}], "text": text});
        out.push(o);
    }
    if let Some(x) = v.temperature {
        let mut o = base("8310-5", "Body temperature");
        o["valueQuantity"] = quantity(x, "°C", "Cel");
        out.push(o);
    }
    out
}

/// Who wrote a note: the Practitioner reference and the name shown with it (so the
/// note reads the same from the cache, where the Practitioner is not).
pub struct Author<'a> {
    pub reference: &'a str,
    pub name: &'a str,
}

/// A short nursing note as a DocumentReference (LOINC 34746-8, nurse note) with the
/// text inline; the text is checked for length and emptiness.
pub fn nursing_note(text: &str, id: &str, patient_ref: &str, author: Author, at: &str) -> Result<Value, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("the note is empty"));
    }
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(invalid(format!("the note is longer than {NOTE_MAX_CHARS} characters")));
    }
    let data = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    Ok(json!({
        "resourceType": "DocumentReference",
        "id": id,
        "identifier": identifier(id),
        "status": "current",
        "type": {"coding": [{"system": LOINC, "code": "34746-8", "display": "Nurse Note"}]},
        "subject": {"reference": format!("Patient/{patient_ref}")},
        "author": [{"reference": author.reference, "display": author.name}],
        "date": at,
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": data}}],
    }))
}

/// A transaction that creates each resource only if its identifier is new, so sending
/// it again after a lost answer stores nothing twice.
pub fn conditional_creates(resources: &[Value]) -> Value {
    let entries: Vec<Value> = resources
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap_or_default();
            let mut body = r.clone();
            // The server names what it creates; the client id lives on as the identifier.
            body.as_object_mut().map(|o| o.remove("id"));
            json!({
                "fullUrl": format!("urn:uuid:{id}"),
                "resource": body,
                "request": {"method": "POST", "url": r["resourceType"], "ifNoneExist": if_none_exist(id)},
            })
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
}

/// The task as completed now, from the version the clinician saw; `None` if it is not
/// a task that can be completed.
pub fn completed_task(task: &Value, at: &str) -> Option<Value> {
    if task["resourceType"] != "Task"
        || !matches!(task["status"].as_str(), Some("requested" | "accepted" | "in-progress"))
    {
        return None;
    }
    let mut done = task.clone();
    done["status"] = json!("completed");
    done["lastModified"] = json!(at);
    done["executionPeriod"]["end"] = json!(at);
    Some(done)
}

/// The `meta.tag` system naming the write that made a version: an update whose answer
/// was lost (sent, then the network went) is known again by it, not taken for a conflict.
const WRITE_TAG_SYSTEM: &str = "urn:arbeidsflate:write";

/// Marks an update as made by the write `client_id`, replacing an earlier write's mark.
pub fn tag_write(resource: &mut Value, client_id: &str) {
    let mut tags: Vec<Value> = resource["meta"]["tag"].as_array().cloned().unwrap_or_default();
    tags.retain(|t| t["system"] != WRITE_TAG_SYSTEM);
    tags.push(json!({"system": WRITE_TAG_SYSTEM, "code": client_id}));
    if !resource["meta"].is_object() {
        resource["meta"] = json!({});
    }
    resource["meta"]["tag"] = Value::Array(tags);
}

/// Whether `theirs` (the server's version) was made by the write that `mine` carries.
pub fn made_by_same_write(theirs: &Value, mine: &Value) -> bool {
    // A server may keep earlier versions' tags too: any of theirs may be ours.
    let theirs = writes_of(theirs);
    writes_of(mine).first().is_some_and(|id| theirs.contains(id))
}

/// The write ids a version's tags name.
fn writes_of(r: &Value) -> Vec<&str> {
    let tags = r["meta"]["tag"].as_array().map(Vec::as_slice).unwrap_or_default();
    tags.iter().filter(|t| t["system"] == WRITE_TAG_SYSTEM).filter_map(|t| t["code"].as_str()).collect()
}

/// The visit as carried out (`fulfilled`); `None` unless it is still planned or under way.
pub fn fulfilled_visit(appointment: &Value) -> Option<Value> {
    if appointment["resourceType"] != "Appointment"
        || !matches!(appointment["status"].as_str(), Some("booked" | "arrived" | "checked-in"))
    {
        return None;
    }
    let mut done = appointment.clone();
    done["status"] = json!("fulfilled");
    Some(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("00000000-0000-4000-8000-{n:012}")
        }
    }

    #[test]
    fn a_version_is_known_as_made_by_a_write_only_by_that_writes_tag() {
        let mut mine = json!({"resourceType": "Task", "id": "t", "meta": {"tag": [{"system": "x", "code": "y"}]}});
        tag_write(&mut mine, "w1");
        tag_write(&mut mine, "w2");
        let tags = mine["meta"]["tag"].as_array().unwrap();
        assert_eq!(tags.len(), 2, "an earlier write's mark is replaced, other tags kept: {tags:?}");
        let mut theirs = mine.clone();
        theirs["meta"]["versionId"] = json!("2");
        assert!(made_by_same_write(&theirs, &mine));
        let mut someone_elses = mine.clone();
        tag_write(&mut someone_elses, "w3");
        assert!(!made_by_same_write(&someone_elses, &mine));
        assert!(!made_by_same_write(&json!({"resourceType": "Task"}), &json!({"resourceType": "Task"})));
    }

    #[test]
    fn a_full_set_of_vitals_becomes_six_observations_the_view_reads_back() {
        let v = VitalsEntry {
            respiratory_rate: Some(22.0),
            spo2: Some(93.0),
            systolic_bp: Some(105.0),
            diastolic_bp: Some(60.0),
            pulse: Some(112.0),
            temperature: Some(38.4),
            consciousness: Some(Consciousness::Alert),
        };
        validate_vitals(&v).unwrap();
        let obs = vitals_observations(&v, "pat-1", "Practitioner/p1", "2026-11-22T09:00:00Z", ids());
        assert_eq!(obs.len(), 6);
        let read: Vec<_> =
            obs.iter().flat_map(|o| sources::normalize::vital_signs(o, "here", "2026-11-22T09:00:00Z")).collect();
        assert_eq!(read.len(), 7, "the blood-pressure panel reads as two");
        let news2 = arbeidsflate_model::news2::score(&read, arbeidsflate_model::news2::Spo2Scale::Scale1, None);
        assert_eq!(news2.total, 2 + 2 + 1 + 2 + 1, "RR 22, SpO2 93, BP 105, pulse 112, temp 38.4");
        let bundle = conditional_creates(&obs);
        assert_eq!(bundle["entry"][0]["request"]["ifNoneExist"], if_none_exist(obs[0]["id"].as_str().unwrap()));
        assert!(bundle["entry"][0]["resource"].get("id").is_none());
    }

    #[test]
    fn values_no_body_can_have_are_refused_with_the_field_named() {
        let bad = [
            (VitalsEntry { pulse: Some(400.0), ..Default::default() }, "pulse"),
            (VitalsEntry { spo2: Some(f64::NAN), ..Default::default() }, "SpO2"),
            (VitalsEntry { systolic_bp: Some(80.0), diastolic_bp: Some(90.0), ..Default::default() }, "diastolic"),
            (VitalsEntry { systolic_bp: Some(120.0), ..Default::default() }, "both"),
            (VitalsEntry::default(), "at least one"),
        ];
        for (v, word) in bad {
            let e = validate_vitals(&v).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput);
            assert!(e.detail.contains(word), "{} should name {word}", e.detail);
        }
    }

    const AUTHOR: Author = Author { reference: "Practitioner/a", name: "Ingrid Solbakken" };

    #[test]
    fn a_note_says_who_wrote_it() {
        let note = nursing_note("Sov godt i natt.", "n1", "p", AUTHOR, "2026-11-29T08:00:00+01:00").unwrap();
        assert_eq!(note["author"][0]["display"], "Ingrid Solbakken");
        let read = sources::normalize::nursing_note(&note, "Kommunal plattform", "t").unwrap();
        assert_eq!((read.text.as_str(), read.author.as_deref()), ("Sov godt i natt.", Some("Ingrid Solbakken")));
    }

    #[test]
    fn a_note_must_say_something_and_not_too_much() {
        assert_eq!(nursing_note("   ", "n1", "p", AUTHOR, "t").unwrap_err().code, ErrorCode::InvalidInput);
        assert!(nursing_note(&"x".repeat(2001), "n1", "p", AUTHOR, "t").is_err());
        let note = nursing_note("Sov godt i natt.", "n1", "p", AUTHOR, "t").unwrap();
        let data = note["content"][0]["attachment"]["data"].as_str().unwrap();
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(data).unwrap(), "Sov godt i natt.".as_bytes());
    }

    #[test]
    fn only_an_open_task_can_be_completed() {
        let open = json!({"resourceType": "Task", "id": "t1", "status": "requested", "meta": {"versionId": "3"}});
        let done = completed_task(&open, "2026-11-22T10:00:00Z").unwrap();
        assert_eq!(done["status"], "completed");
        assert_eq!(done["executionPeriod"]["end"], "2026-11-22T10:00:00Z");
        assert!(completed_task(&done, "2026-11-22T10:00:00Z").is_none());
    }
}
