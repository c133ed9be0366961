//! The raw record behind a patient's overview on the municipal platform: what the
//! overview is built from, fetched whole or changed-since page by page (for the offline
//! cache), and built into the overview the same way online and from the cache.

use crate::fhir::FhirClient;
use crate::normalize;
use crate::SourceError;
use arbeidsflate_model::news2;
use arbeidsflate_model::overview::PlatformPart;
use arbeidsflate_model::partial::{note_unreadable, LeftOut, Unreadable, UnreadableReason};
use arbeidsflate_model::view::{PatientOverview, VitalKind, VitalSign};
use chrono::{DateTime, NaiveDate, Utc};
use clock::parse_instant;
use serde_json::Value;
use std::cmp::Reverse;

/// The resource types of a patient's record besides `Patient`, with the search
/// parameter that names the patient and any filter the overview always applies.
pub const RECORD_SEARCHES: &[(&str, &[(&str, &str)])] = &[
    ("AllergyIntolerance", &[]),
    ("MedicationStatement", &[]),
    ("Observation", &[("category", "vital-signs")]),
    ("Condition", &[]),
    ("CarePlan", &[]),
    ("Task", &[]),
    ("Flag", &[]),
    // The patient's visits, so a visit can be marked done offline.
    ("Appointment", &[]),
    ("DocumentReference", &[("type", NURSE_NOTE_TYPE)]),
];

/// The FHIR token for a nursing note (LOINC 34746-8, Nurse note).
pub const NURSE_NOTE_TYPE: &str = "http://loinc.org|34746-8";
/// How many days back the overview's home measurements reach, and at most how many
/// readings of one kind it keeps.
pub const HOME_DAYS: i64 = 14;
pub const MAX_HOME_READINGS: usize = 60;
/// How many days back the overview's nursing notes reach, and at most how many.
pub const NOTE_DAYS: i64 = 14;
pub const MAX_NOTES: usize = 20;

/// One patient's resources, as the server has them (the overview picks what is current).
#[derive(Debug, Default, Clone)]
pub struct PatientRecord {
    pub patient: Value,
    pub allergies: Vec<Value>,
    pub medications: Vec<Value>,
    /// Vital-sign Observations, any order.
    pub vitals: Vec<Value>,
    pub conditions: Vec<Value>,
    pub care_plans: Vec<Value>,
    pub tasks: Vec<Value>,
    pub flags: Vec<Value>,
    pub appointments: Vec<Value>,
    /// Nursing notes (DocumentReference).
    pub notes: Vec<Value>,
}

impl PatientRecord {
    /// Files the resources one part of the platform's answer brought.
    pub fn put(&mut self, part: PlatformPart, resources: Vec<Value>) {
        let list = match part {
            PlatformPart::Banner => {
                self.patient = resources.into_iter().next().unwrap_or_default();
                return;
            }
            PlatformPart::Allergies => &mut self.allergies,
            PlatformPart::Medications => &mut self.medications,
            // Staff and home readings share the list: each view picks its own.
            PlatformPart::Vitals | PlatformPart::HomeMeasurements => &mut self.vitals,
            PlatformPart::Conditions => &mut self.conditions,
            PlatformPart::CarePlans => &mut self.care_plans,
            PlatformPart::Tasks => &mut self.tasks,
            PlatformPart::Warnings => &mut self.flags,
            PlatformPart::Visits => &mut self.appointments,
            PlatformPart::Notes => &mut self.notes,
        };
        list.extend(resources);
    }

    /// Files a resource under its type; other types are ignored.
    pub fn add(&mut self, r: Value) {
        let list = match r["resourceType"].as_str() {
            Some("Patient") => {
                self.patient = r;
                return;
            }
            Some("AllergyIntolerance") => &mut self.allergies,
            Some("MedicationStatement") => &mut self.medications,
            Some("Observation") => &mut self.vitals,
            Some("Condition") => &mut self.conditions,
            Some("CarePlan") => &mut self.care_plans,
            Some("Task") => &mut self.tasks,
            Some("Flag") => &mut self.flags,
            Some("Appointment") => &mut self.appointments,
            Some("DocumentReference") => &mut self.notes,
            _ => return,
        };
        list.push(r);
    }
}

/// Active, or of unknown status: an allergy whose status nobody recorded is shown, not hidden.
fn clinically_active(r: &Value) -> bool {
    match r["clinicalStatus"]["coding"].as_array() {
        None => r.get("clinicalStatus").is_none(),
        Some(codings) => codings.iter().any(|c| c["code"] == "active"),
    }
}

fn status_in(r: &Value, statuses: &[&str]) -> bool {
    r["status"].as_str().is_some_and(|s| statuses.contains(&s))
}

/// Whether the server marked a resource as recorded in error: the cache drops it.
pub fn entered_in_error(r: &Value) -> bool {
    r["status"] == "entered-in-error"
        || r["verificationStatus"]["coding"].as_array().into_iter().flatten().any(|c| c["code"] == "entered-in-error")
}

/// The overview from a record: active allergies, medications, conditions, care plans
/// and warnings, open tasks, the latest of each vital sign (none from the future) and NEWS2.
pub fn build_overview(
    patient_id: &str,
    record: &PatientRecord,
    source: &str,
    fetched_at: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PatientOverview, SourceError> {
    let view = RecordView { record, source, at: fetched_at, today, now };
    let (latest_vitals, news2) = view.vitals();
    Ok(PatientOverview {
        patient_ref: patient_id.to_string(),
        banner: view.banner()?,
        allergies: view.allergies(),
        medications: view.medications(),
        latest_vitals,
        news2,
        warnings: view.warnings(),
        conditions: view.conditions(),
        care_activities: view.care_activities(),
        tasks: view.tasks(),
        visits: visits_around(record, source, fetched_at, today),
        notes: recent_notes(record, source, fetched_at, today),
        home_measurements: home_series(record, source, fetched_at, today),
        unreadable: PlatformPart::ALL
            .iter()
            .map(|&list| LeftOut { list, records: view.unreadable(list) })
            .filter(|l| !l.records.is_empty())
            .collect(),
    })
}

/// What each part of the overview shows, from a record that may hold only some parts
/// yet (the platform's parts arrive one by one): each method reads only its own.
pub struct RecordView<'a> {
    pub record: &'a PatientRecord,
    /// The source's name, for provenance.
    pub source: &'a str,
    /// When the record was fetched (RFC 3339).
    pub at: &'a str,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

impl RecordView<'_> {
    pub fn banner(&self) -> Result<arbeidsflate_model::view::PatientBanner, SourceError> {
        normalize::patient_banner(&self.record.patient, self.today, self.source)
    }

    /// The latest of each staff-measured vital sign (none from the future) and NEWS2.
    pub fn vitals(&self) -> (Vec<VitalSign>, news2::News2) {
        let (source, at) = (self.source, self.at);
        let measured = self
            .record
            .vitals
            .iter()
            .filter(|r| !entered_in_error(r))
            .flat_map(|r| normalize::vital_signs(r, source, at))
            .collect::<Vec<_>>();
        let latest = latest_per_kind(not_in_future(measured, self.now));
        // Scale 1 and "on air" unless recorded otherwise: NEWS2 flags the assumption.
        let news2 = news2::score(&latest, news2::Spo2Scale::Scale1, None);
        (latest, news2)
    }

    pub fn allergies(&self) -> Vec<arbeidsflate_model::view::Allergy> {
        let (source, at) = (self.source, self.at);
        self.active_allergies().filter_map(|r| normalize::allergy(r, source, at)).collect()
    }

    pub fn medications(&self) -> Vec<arbeidsflate_model::view::Medication> {
        let (source, at) = (self.source, self.at);
        self.active_medications().filter_map(|r| normalize::medication(r, source, at)).collect()
    }

    pub fn warnings(&self) -> Vec<arbeidsflate_model::view::PatientWarning> {
        let (source, at) = (self.source, self.at);
        self.active_flags().filter_map(|r| normalize::warning(r, source, at)).collect()
    }

    pub fn conditions(&self) -> Vec<arbeidsflate_model::view::Condition> {
        let (source, at) = (self.source, self.at);
        self.active_conditions().filter_map(|r| normalize::condition(r, source, at)).collect()
    }

    pub fn care_activities(&self) -> Vec<arbeidsflate_model::view::CareActivity> {
        let (source, at) = (self.source, self.at);
        self.active_plans().flat_map(|r| normalize::care_activities(r, source, at)).collect()
    }

    /// Open tasks, the soonest due first.
    pub fn tasks(&self) -> Vec<arbeidsflate_model::view::CareTask> {
        let (source, at) = (self.source, self.at);
        let mut tasks: Vec<_> = self.open_tasks().filter_map(|r| normalize::task(r, source, at)).collect();
        tasks.sort_by_key(|t| t.due.as_deref().and_then(parse_instant));
        tasks
    }

    pub fn visits(&self) -> Vec<arbeidsflate_model::view::Visit> {
        visits_around(self.record, self.source, self.at, self.today)
    }

    pub fn notes(&self) -> Vec<arbeidsflate_model::view::NursingNote> {
        recent_notes(self.record, self.source, self.at, self.today)
    }

    pub fn home_measurements(&self) -> Vec<arbeidsflate_model::view::HomeSeries> {
        home_series(self.record, self.source, self.at, self.today)
    }

    // What each list is made of before it is read: the list and its count of records
    // that cannot be shown start from the same records.
    fn active_allergies(&self) -> impl Iterator<Item = &Value> {
        self.record.allergies.iter().filter(|r| clinically_active(r))
    }

    fn active_medications(&self) -> impl Iterator<Item = &Value> {
        self.record.medications.iter().filter(|r| status_in(r, &["active"]))
    }

    fn active_flags(&self) -> impl Iterator<Item = &Value> {
        self.record.flags.iter().filter(|r| status_in(r, &["active"]))
    }

    fn active_conditions(&self) -> impl Iterator<Item = &Value> {
        self.record.conditions.iter().filter(|r| clinically_active(r))
    }

    fn active_plans(&self) -> impl Iterator<Item = &Value> {
        self.record.care_plans.iter().filter(|r| status_in(r, &["active"]))
    }

    fn open_tasks(&self) -> impl Iterator<Item = &Value> {
        self.record.tasks.iter().filter(|r| status_in(r, &["requested", "accepted", "in-progress"]))
    }

    /// The records of `list` that would be shown but cannot be (nothing to show, no
    /// id), counted by reason; never their content.
    pub fn unreadable(&self, list: PlatformPart) -> Vec<Unreadable> {
        let (source, at, record) = (self.source, self.at, self.record);
        let mut out = Vec::new();
        let mut count = |resources: &mut dyn Iterator<Item = &Value>, reason: &dyn Fn(&Value) -> UnreadableReason| {
            for r in resources {
                note_unreadable(&mut out, r["resourceType"].as_str().unwrap_or("unknown"), reason(r));
            }
        };
        let no_text = |_: &Value| UnreadableReason::NoText;
        let no_id_or_text =
            |r: &Value| if r["id"].as_str().is_some() { UnreadableReason::NoText } else { UnreadableReason::NoId };
        match list {
            PlatformPart::Allergies => {
                count(&mut self.active_allergies().filter(|r| normalize::allergy(r, source, at).is_none()), &no_text)
            }
            PlatformPart::Medications => count(
                &mut self.active_medications().filter(|r| normalize::medication(r, source, at).is_none()),
                &no_text,
            ),
            PlatformPart::Warnings => {
                count(&mut self.active_flags().filter(|r| normalize::warning(r, source, at).is_none()), &no_text)
            }
            PlatformPart::Conditions => {
                count(&mut self.active_conditions().filter(|r| normalize::condition(r, source, at).is_none()), &no_text)
            }
            PlatformPart::CarePlans => {
                for plan in self.active_plans() {
                    let open = normalize::open_activities(plan).count();
                    let shown = normalize::care_activities(plan, source, at).len();
                    for _ in shown..open {
                        note_unreadable(&mut out, "CarePlan", UnreadableReason::NoText);
                    }
                }
            }
            PlatformPart::Tasks => {
                count(&mut self.open_tasks().filter(|r| normalize::task(r, source, at).is_none()), &no_text)
            }
            PlatformPart::Notes => {
                // Only those the list would hold: current, and not known to be older than its days.
                let from = clock::day_start(self.today - chrono::Duration::days(NOTE_DAYS));
                count(
                    &mut record
                        .notes
                        .iter()
                        .filter(|r| status_in(r, &["current"]))
                        .filter(|r| r["date"].as_str().and_then(parse_instant).is_none_or(|d| d >= from))
                        .filter(|r| normalize::nursing_note(r, source, at).is_none()),
                    &no_id_or_text,
                )
            }
            PlatformPart::Visits => {
                let (from, to) = visit_window(self.today);
                count(
                    &mut record
                        .appointments
                        .iter()
                        .filter(|r| r["start"].as_str().and_then(parse_instant).is_some_and(|s| s >= from && s < to))
                        .filter(|r| normalize::visit(r, source, at).is_none()),
                    &no_id_or_text,
                )
            }
            // A measurement without a value is no measurement; the banner fails as a part.
            PlatformPart::Banner | PlatformPart::Vitals | PlatformPart::HomeMeasurements => {}
        }
        out
    }
}

/// The instants between which the overview's visits fall.
fn visit_window(today: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        clock::day_start(today - chrono::Duration::days(VISIT_DAYS)),
        clock::day_start(today + chrono::Duration::days(VISIT_DAYS + 1)),
    )
}

/// The home measurements of the last `HOME_DAYS`, one series per kind and device,
/// readings newest first, series in the order of their labels.
fn home_series(
    record: &PatientRecord,
    source: &str,
    at: &str,
    today: NaiveDate,
) -> Vec<arbeidsflate_model::view::HomeSeries> {
    use arbeidsflate_model::view::HomeSeries;
    let from = clock::day_start(today - chrono::Duration::days(HOME_DAYS));
    let mut series: Vec<HomeSeries> = Vec::new();
    for r in &record.vitals {
        let Some((code, label, unit, device, reading)) = normalize::home_reading(r) else { continue };
        let Some(taken) = parse_instant(&reading.effective).filter(|t| *t >= from) else { continue };
        match series.iter_mut().find(|s| s.code == code && s.device == device) {
            Some(s) => {
                // The series' provenance is its newest reading's (readings arrive in any order).
                if s.readings.iter().all(|earlier| parse_instant(&earlier.effective).is_none_or(|e| taken > e)) {
                    s.provenance = normalize::provenance(source, r, at);
                }
                s.readings.push(reading);
            }
            None => {
                let provenance = normalize::provenance(source, r, at);
                series.push(HomeSeries { code, label, unit, device, readings: vec![reading], provenance })
            }
        }
    }
    for s in &mut series {
        s.readings.sort_by_key(|r| Reverse(parse_instant(&r.effective)));
        s.readings.truncate(MAX_HOME_READINGS);
    }
    series.sort_by(|a, b| a.label.cmp(&b.label));
    series
}

/// Current nursing notes of the last `NOTE_DAYS`, newest first, at most `MAX_NOTES`.
fn recent_notes(
    record: &PatientRecord,
    source: &str,
    at: &str,
    today: NaiveDate,
) -> Vec<arbeidsflate_model::view::NursingNote> {
    let from = clock::day_start(today - chrono::Duration::days(NOTE_DAYS));
    let mut notes: Vec<_> = record
        .notes
        .iter()
        .filter(|r| status_in(r, &["current"]))
        .filter_map(|r| normalize::nursing_note(r, source, at))
        .filter(|n| n.date.as_deref().and_then(parse_instant).is_some_and(|d| d >= from))
        .collect();
    notes.sort_by_key(|n| Reverse(n.date.as_deref().and_then(parse_instant)));
    notes.truncate(MAX_NOTES);
    notes
}

/// Visits from `VISIT_DAYS` back to `VISIT_DAYS` ahead of `today`, oldest first.
fn visits_around(
    record: &PatientRecord,
    source: &str,
    at: &str,
    today: NaiveDate,
) -> Vec<arbeidsflate_model::view::Visit> {
    let (from, to) = visit_window(today);
    let mut visits: Vec<_> = record
        .appointments
        .iter()
        .filter(|r| r["start"].as_str().and_then(parse_instant).is_some_and(|s| s >= from && s < to))
        .filter_map(|r| normalize::visit(r, source, at))
        .collect();
    visits.sort_by_key(|v| v.start.as_deref().and_then(parse_instant));
    visits
}

/// How many days back and ahead the overview's visits reach.
pub const VISIT_DAYS: i64 = 7;

/// What one sync of a patient's record brought.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RecordSync {
    pub resources: usize,
    pub pages: usize,
    /// The newest `meta.lastUpdated` seen: the next sync asks for changes since.
    pub watermark: Option<String>,
}

/// Fetches a patient's record, or only what changed since `since` (a server time),
/// handing each page to `on_page` as it arrives so memory holds one page at a time.
pub async fn sync_record(
    fhir: &FhirClient,
    patient_id: &str,
    since: Option<&str>,
    page_size: usize,
    mut on_page: impl FnMut(Vec<Value>) -> Result<(), SourceError>,
) -> Result<RecordSync, SourceError> {
    let mut out = RecordSync::default();
    let mut note = |page: Vec<Value>, out: &mut RecordSync| -> Result<(), SourceError> {
        for r in &page {
            if let Some(t) = r["meta"]["lastUpdated"].as_str() {
                if out.watermark.as_deref().is_none_or(|w| newer(t, w)) {
                    out.watermark = Some(t.to_string());
                }
            }
        }
        out.resources += page.len();
        out.pages += 1;
        on_page(page)
    };
    // The patient itself always: one resource, and proof the patient is still there.
    note(vec![fhir.read("Patient", patient_id).await?], &mut out)?;
    let reference = format!("Patient/{patient_id}");
    let count = page_size.to_string();
    let changed_since = since.map(|s| format!("ge{s}"));
    for (rtype, filters) in RECORD_SEARCHES {
        let mut params: Vec<(&str, &str)> = vec![("patient", reference.as_str()), ("_count", count.as_str())];
        params.extend_from_slice(filters);
        if let Some(s) = &changed_since {
            params.push(("_lastUpdated", s));
        }
        let mut failed = None;
        fhir.search_each_page(rtype, &params, |page| {
            if failed.is_none() {
                if let Err(e) = note(page.matches, &mut out) {
                    failed = Some(e);
                }
            }
            Ok(())
        })
        .await?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(out)
}

/// The ids the server holds now of a patient's resources of one type: what the cache
/// has beyond them was deleted on the server.
pub async fn current_ids(
    fhir: &FhirClient,
    patient_id: &str,
    rtype: &str,
    filters: &[(&str, &str)],
) -> Result<Vec<String>, SourceError> {
    let reference = format!("Patient/{patient_id}");
    let mut params: Vec<(&str, &str)> = vec![("patient", reference.as_str()), ("_elements", "id"), ("_count", "500")];
    params.extend_from_slice(filters);
    let mut ids = Vec::new();
    fhir.search_each_page(rtype, &params, |page| {
        ids.extend(page.matches.iter().filter_map(|r| r["id"].as_str()).map(str::to_string));
        Ok(())
    })
    .await?;
    Ok(ids)
}

/// Drops measurements dated later than `now` (beyond a few minutes of clock skew): a
/// clock or data-entry error must not pass for the latest value and drive NEWS2.
pub fn not_in_future(vitals: Vec<VitalSign>, now: chrono::DateTime<Utc>) -> Vec<VitalSign> {
    let limit = now + chrono::Duration::minutes(5);
    vitals.into_iter().filter(|v| parse_instant(&v.effective).is_none_or(|t| t <= limit)).collect()
}

/// The order vital signs are shown in: NEWS2's, with diastolic pressure after systolic.
pub const VITAL_ORDER: [VitalKind; 7] = [
    VitalKind::RespiratoryRate,
    VitalKind::Spo2,
    VitalKind::SystolicBp,
    VitalKind::DiastolicBp,
    VitalKind::Pulse,
    VitalKind::Consciousness,
    VitalKind::Temperature,
];

/// Vitals arrive newest first; keep the first of each kind, in NEWS2 order.
pub fn latest_per_kind(vitals: Vec<VitalSign>) -> Vec<VitalSign> {
    let order = VITAL_ORDER;
    let mut out: Vec<VitalSign> = Vec::new();
    for v in vitals {
        match out.iter_mut().find(|o| o.kind == v.kind) {
            // By instant, not by text: around the night the clocks go back
            // "02:45+02:00" is earlier than "02:30+01:00".
            Some(o) if parse_instant(&o.effective) < parse_instant(&v.effective) => *o = v,
            Some(_) => {}
            None => out.push(v),
        }
    }
    out.sort_by_key(|v| order.iter().position(|k| *k == v.kind));
    out
}

/// Whether RFC 3339 time `a` is later than `b` (unreadable times compare as text).
fn newer(a: &str, b: &str) -> bool {
    match (DateTime::parse_from_rfc3339(a), DateTime::parse_from_rfc3339(b)) {
        (Ok(a), Ok(b)) => a > b,
        _ => a > b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulse(effective: &str, value: f64) -> VitalSign {
        VitalSign {
            kind: VitalKind::Pulse,
            value,
            display: value.to_string(),
            unit: "/min".into(),
            effective: effective.into(),
            provenance: arbeidsflate_model::view::Provenance::fetched("Kommunal plattform", "2026-11-22T08:00:00Z"),
        }
    }

    #[test]
    fn a_measurement_dated_in_the_future_is_not_the_latest() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T08:00:00Z").unwrap().with_timezone(&Utc);
        let vitals = vec![
            pulse("2999-01-01T00:00:00Z", 180.0),
            pulse("2026-11-22T08:03:00Z", 90.0),
            pulse("2026-11-21T08:00:00Z", 70.0),
        ];
        let latest = latest_per_kind(not_in_future(vitals, now));
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].value, 90.0, "within the clock-skew allowance, the recent one counts");
    }

    #[test]
    fn on_the_night_the_clocks_go_back_the_latest_is_the_latest_instant() {
        // 31 October 2027: 02:50 summer time (00:50Z) came before 02:20 winter time (01:20Z).
        let now = clock::parse_instant("2027-10-31T01:30:00Z").unwrap();
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let readings = [
                pulse("2027-10-31T02:50:00+02:00", 64.0),
                pulse("2027-10-31T02:20:00+01:00", 63.0),
                pulse("2027-10-30T23:55:00Z", 62.0),
            ];
            let vitals = order.iter().map(|&i| readings[i].clone()).collect();
            let latest = latest_per_kind(not_in_future(vitals, now));
            assert_eq!(latest[0].value, 63.0, "in the order {order:?}");
        }
        // Ten minutes ahead of now (past the five minutes' allowance) is not "latest".
        let ahead = vec![pulse("2027-10-31T02:40:00+01:00", 99.0), pulse("2027-10-31T02:50:00+02:00", 64.0)];
        assert_eq!(latest_per_kind(not_in_future(ahead, now))[0].value, 64.0);
    }
}
