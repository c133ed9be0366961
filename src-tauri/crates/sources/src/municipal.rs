//! The municipal FHIR platform: who the clinician is there, their worklist, and a
//! patient's overview.

use crate::fhir::FhirClient;
use crate::normalize;
use crate::record::{build_overview, PatientRecord};
pub use crate::record::{latest_per_kind, not_in_future};
use crate::SourceError;
use arbeidsflate_model::nin::{NationalId, SYSTEM_HPR};
use arbeidsflate_model::overview::PlatformPart;
use arbeidsflate_model::partial::{note_unreadable, Unreadable, UnreadableReason};
use arbeidsflate_model::view::{ClinicianRole, PatientOverview, Provenance, Worklist, WorklistEntry, WorklistKind};
use chrono::NaiveDate;
use clock::{day_start, parse_instant, rfc3339_in_zone};
use serde_json::Value;

pub const SOURCE_NAME: &str = "Kommunal plattform";
const HPR_CATEGORY_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.1.9060";

/// Where the clinician works, as the platform records it.
#[derive(Debug, Clone)]
pub struct ClinicianContext {
    pub practitioner_id: String,
    pub role: ClinicianRole,
    pub location_ids: Vec<String>,
    pub unit_name: String,
}

pub struct MunicipalPlatform {
    fhir: FhirClient,
}

/// A FHIR date-search value for the start of a Norwegian day, with its offset, so the
/// server cannot read the day in a zone of its own: `ge2027-07-15T00:00:00+02:00`.
fn from_day(prefix: &str, day: NaiveDate) -> String {
    format!("{prefix}{}", rfc3339_in_zone(day_start(day)))
}

impl MunicipalPlatform {
    pub fn new(fhir: FhirClient) -> Self {
        Self { fhir }
    }

    /// Finds the practitioner by HPR number and their role and units.
    pub async fn clinician_context(&self, hpr_number: &str) -> Result<ClinicianContext, SourceError> {
        let ident = format!("{SYSTEM_HPR}|{hpr_number}");
        let found = self.fhir.search("Practitioner", &[("identifier", &ident)]).await?;
        let practitioner = found.matches.first().ok_or(SourceError::NotFound)?;
        let id = practitioner["id"].as_str().ok_or_else(|| SourceError::Malformed("Practitioner without id".into()))?;
        let reference = format!("Practitioner/{id}");
        let roles = self
            .fhir
            .search("PractitionerRole", &[("practitioner", &reference), ("_include", "PractitionerRole:location")])
            .await?;
        let role = roles.matches.first().ok_or(SourceError::NotFound)?;
        let category = role["code"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["coding"].as_array().into_iter().flatten())
            .find(|c| c["system"] == HPR_CATEGORY_SYSTEM)
            .and_then(|c| c["code"].as_str())
            .unwrap_or("");
        let locations: Vec<&Value> = role["location"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["reference"].as_str())
            .filter_map(|r| roles.resolve(r))
            .collect();
        let home_care = locations.iter().any(|l| l["physicalType"]["coding"][0]["code"] == "area");
        let role = match (category, home_care) {
            ("LE", _) => ClinicianRole::NursingHomeDoctor,
            (_, true) => ClinicianRole::HomeCareNurse,
            _ => ClinicianRole::NursingHomeNurse,
        };
        let names: Vec<&str> = locations.iter().filter_map(|l| l["name"].as_str()).collect();
        Ok(ClinicianContext {
            practitioner_id: id.to_string(),
            role,
            location_ids: locations.iter().filter_map(|l| l["id"].as_str()).map(str::to_string).collect(),
            unit_name: names.join(", "),
        })
    }

    /// Ward residents (nursing homes) or today's visits in time order (home care).
    pub async fn worklist(&self, ctx: &ClinicianContext, today: NaiveDate) -> Result<Worklist, SourceError> {
        let provenance = Provenance::fetched(SOURCE_NAME, self.fhir.now().to_rfc3339());
        if ctx.role == ClinicianRole::HomeCareNurse {
            let actor = format!("Practitioner/{}", ctx.practitioner_id);
            // Today in Norway, from its first to its last moment (23 or 25 hours when
            // the clocks change), whatever the UTC date is.
            let (from, to) = (from_day("ge", today), from_day("lt", today + chrono::Duration::days(1)));
            let r = self
                .fhir
                .search(
                    "Appointment",
                    &[
                        ("actor", &actor),
                        ("date", &from),
                        ("date", &to),
                        ("_include", "Appointment:patient"),
                        ("_sort", "date"),
                        ("_count", "200"),
                    ],
                )
                .await?;
            let (mut entries, mut unreadable) = (Vec::new(), skipped(&r));
            for a in &r.matches {
                let patient = a["participant"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["actor"]["reference"].as_str())
                    .find(|r| r.starts_with("Patient/"))
                    .and_then(|p| r.resolve(p));
                let Some(mut entry) = row_for(patient, "Appointment", today, &mut unreadable) else { continue };
                entry.visit_start = a["start"].as_str().map(str::to_string);
                entry.visit_end = a["end"].as_str().map(str::to_string);
                entry.visit_reason = a["description"].as_str().map(crate::sanitize::text);
                entry.visit_id = a["id"].as_str().map(str::to_string);
                entry.visit_done = a["status"] == "fulfilled";
                entries.push(entry);
            }
            entries.sort_by_key(|e| e.visit_start.as_deref().and_then(parse_instant));
            let kind = WorklistKind::Route { date: today.to_string() };
            return Ok(Worklist { kind, entries, provenance, unreadable });
        }
        let locations: Vec<String> = ctx.location_ids.iter().map(|l| format!("Location/{l}")).collect();
        let r = self
            .fhir
            .search(
                "Encounter",
                &[
                    ("location", &locations.join(",")),
                    ("status", "in-progress"),
                    ("_include", "Encounter:subject"),
                    ("_count", "500"),
                ],
            )
            .await?;
        let (mut entries, mut unreadable) = (Vec::new(), skipped(&r));
        for e in &r.matches {
            let patient = e["subject"]["reference"].as_str().and_then(|p| r.resolve(p));
            let Some(mut entry) = row_for(patient, "Encounter", today, &mut unreadable) else { continue };
            let locs: Vec<&str> = e["location"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l["location"]["display"].as_str())
                .collect();
            entry.room = Some(locs.join(" · "));
            entry.stay_id = e["id"].as_str().map(str::to_string);
            entries.push(entry);
        }
        entries.sort_by_key(|e| natural_key(e.room.as_deref()));
        Ok(Worklist { kind: WorklistKind::Ward { ward_name: ctx.unit_name.clone() }, entries, provenance, unreadable })
    }

    /// The platform's id for a patient with this number, if it has the patient.
    /// Two patients with one number are one too many: which is meant cannot be known.
    pub async fn find_patient(&self, nin: &NationalId) -> Result<Option<String>, SourceError> {
        let ident = format!("{}|{}", nin.kind().fhir_system(), nin.as_str());
        let found = self.fhir.search_first_page("Patient", &[("identifier", &ident), ("_count", "2")]).await?;
        match found.matches.as_slice() {
            [] => Ok(None),
            [one] => Ok(one["id"].as_str().map(str::to_string)),
            _ => Err(SourceError::InvalidInput("the platform has more than one patient with this number".into())),
        }
    }

    /// Banner, active allergies, active medications, the latest of each vital sign, the
    /// problem list, care plan activities, open tasks, warnings, the visits around
    /// today, the recent nursing notes and home measurements: eleven searches in one
    /// round trip, all of which must answer (the patient view asks them part by part
    /// with [`Self::part`], so that one failing leaves the rest).
    pub async fn overview(&self, patient_id: &str, today: NaiveDate) -> Result<PatientOverview, SourceError> {
        let answers = futures_util::future::join_all(PlatformPart::ALL.map(|p| self.part(patient_id, today, p))).await;
        let mut record = PatientRecord::default();
        for (part, answer) in PlatformPart::ALL.into_iter().zip(answers) {
            record.put(part, answer?);
        }
        let now = self.fhir.now();
        build_overview(patient_id, &record, SOURCE_NAME, &now.to_rfc3339(), today, now)
    }

    /// One part of a patient's overview: the Patient (for the banner) or one search.
    /// A patient the platform does not have is `NotFound`.
    pub async fn part(
        &self,
        patient_id: &str,
        today: NaiveDate,
        part: PlatformPart,
    ) -> Result<Vec<Value>, SourceError> {
        let reference = format!("Patient/{patient_id}");
        let patient_ref = reference.as_str();
        let days_back = |days: i64| from_day("ge", today - chrono::Duration::days(days));
        let search = |rtype: &'static str, query: Vec<(&'static str, String)>| async move {
            let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Ok::<_, SourceError>(self.fhir.search(rtype, &query).await?.matches)
        };
        let p = |v: &str| v.to_string();
        match part {
            PlatformPart::Banner => Ok(vec![self.fhir.read("Patient", patient_id).await?]),
            PlatformPart::Allergies => {
                search("AllergyIntolerance", vec![("patient", p(patient_ref)), ("clinical-status", p("active"))]).await
            }
            PlatformPart::Medications => {
                search("MedicationStatement", vec![("patient", p(patient_ref)), ("status", p("active"))]).await
            }
            PlatformPart::Vitals => {
                // Staff measurements only, the latest page: daily home readings would crowd them out.
                let q = [
                    ("patient", patient_ref),
                    ("category", "vital-signs"),
                    ("device:missing", "true"),
                    ("_sort", "-date"),
                    ("_count", "30"),
                ];
                Ok(self.fhir.search_first_page("Observation", &q).await?.matches)
            }
            PlatformPart::HomeMeasurements => {
                let q = vec![
                    ("patient", p(patient_ref)),
                    ("category", p("vital-signs")),
                    ("device:missing", p("false")),
                    ("date", days_back(crate::record::HOME_DAYS)),
                    ("_count", p("200")),
                ];
                search("Observation", q).await
            }
            PlatformPart::Conditions => {
                search("Condition", vec![("patient", p(patient_ref)), ("clinical-status", p("active"))]).await
            }
            PlatformPart::CarePlans => {
                search("CarePlan", vec![("patient", p(patient_ref)), ("status", p("active"))]).await
            }
            PlatformPart::Tasks => {
                let open = p("requested,accepted,in-progress");
                search("Task", vec![("patient", p(patient_ref)), ("status", open)]).await
            }
            PlatformPart::Warnings => search("Flag", vec![("patient", p(patient_ref)), ("status", p("active"))]).await,
            PlatformPart::Visits => {
                let to = from_day("lt", today + chrono::Duration::days(crate::record::VISIT_DAYS + 1));
                let q = vec![("patient", p(patient_ref)), ("date", days_back(crate::record::VISIT_DAYS)), ("date", to)];
                search("Appointment", q).await
            }
            PlatformPart::Notes => {
                let max = crate::record::MAX_NOTES.to_string();
                let from = days_back(crate::record::NOTE_DAYS);
                let q = [
                    ("patient", patient_ref),
                    ("type", crate::record::NURSE_NOTE_TYPE),
                    ("status", "current"),
                    ("date", from.as_str()),
                    ("_sort", "-date"),
                    ("_count", max.as_str()),
                ];
                Ok(self.fhir.search_first_page("DocumentReference", &q).await?.matches)
            }
        }
    }

    /// The patient's vital-sign Observations measured since `from` (RFC 3339), every page.
    pub async fn vitals_since(&self, patient_id: &str, from: &str) -> Result<Vec<Value>, SourceError> {
        let reference = format!("Patient/{patient_id}");
        let since = format!("ge{from}");
        let q = [
            ("patient", reference.as_str()),
            ("category", "vital-signs"),
            ("device:missing", "true"),
            ("date", &since),
            ("_count", "500"),
        ];
        Ok(self.fhir.search("Observation", &q).await?.matches)
    }

    /// The FHIR client underneath, for syncing records into the offline cache and
    /// sending queued writes.
    pub fn fhir(&self) -> &FhirClient {
        &self.fhir
    }
}

/// Bundle entries the client could not read at all.
fn skipped(r: &crate::fhir::SearchResult) -> Vec<Unreadable> {
    let n = u32::try_from(r.skipped).unwrap_or(u32::MAX);
    let reason = UnreadableReason::Malformed;
    if n == 0 {
        return Vec::new();
    }
    vec![Unreadable { resource_type: "Bundle.entry".into(), reason, count: n }]
}

/// The row for the patient a stay or visit (`via`) points at; when there is none, or
/// it cannot be shown, the record is counted as unreadable instead.
fn row_for(
    patient: Option<&Value>,
    via: &str,
    today: NaiveDate,
    unreadable: &mut Vec<Unreadable>,
) -> Option<WorklistEntry> {
    let Some(patient) = patient else {
        note_unreadable(unreadable, via, UnreadableReason::MissingPatient);
        return None;
    };
    entry_for(patient, today).map_err(|reason| note_unreadable(unreadable, "Patient", reason)).ok()
}

/// A worklist row, or why the patient cannot be shown.
fn entry_for(patient: &Value, today: NaiveDate) -> Result<WorklistEntry, UnreadableReason> {
    let Some(id) = patient["id"].as_str().filter(|id| !id.is_empty()) else { return Err(UnreadableReason::NoId) };
    if normalize::human_name(patient).is_none() {
        return Err(UnreadableReason::NoName);
    }
    let banner = normalize::patient_banner(patient, today, SOURCE_NAME).map_err(|_| UnreadableReason::Malformed)?;
    let address = patient["address"][0]["line"][0].as_str().map(|line| {
        let city = patient["address"][0]["city"].as_str().unwrap_or("");
        crate::sanitize::text(format!("{line}, {city}").trim_end_matches(", "))
    });
    Ok(WorklistEntry {
        patient_ref: id.to_string(),
        name: banner.name,
        national_id: banner.national_id,
        age: banner.age,
        room: None,
        visit_start: None,
        visit_end: None,
        visit_reason: None,
        visit_id: None,
        visit_done: false,
        address,
        stay_id: None,
    })
}

/// Sort "Solsikken · Rom 2" before "Solsikken · Rom 10".
fn natural_key(s: Option<&str>) -> (String, u32) {
    let s = s.unwrap_or("");
    let digits: String =
        s.chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
    let prefix = s[..s.len() - digits.len()].to_string();
    (prefix, digits.parse().unwrap_or(0))
}
