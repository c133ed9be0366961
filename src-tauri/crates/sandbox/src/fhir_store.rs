//! An in-memory FHIR R4 resource store with the subset of search a municipal platform
//! offers: token, reference, string and date parameters (`_lastUpdated` among them),
//! `_sort`, `_count`/`_offset` paging with `next` links, `_include`, `_revinclude` and
//! `_elements`. Writes (versions, preconditions, transactions) are in `fhir_write`.
//!
//! Unknown search parameters are refused (like `Prefer: handling=strict`) so a client
//! that relies on a parameter the platform does not offer fails here first.

use chrono::{DateTime, NaiveDate};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 1000;

// Clone: a transaction works on a copy that replaces the store only when every entry succeeds.
#[derive(Default, Clone)]
pub struct FhirStore {
    by_type: BTreeMap<String, Vec<Value>>,
    index: HashMap<(String, String), usize>,
    /// (type, "Patient/id") → positions: searches for one patient's resources scan
    /// only those, not every resource of the type.
    by_patient: HashMap<(String, String), Vec<usize>>,
    /// (type, identifier value) → positions: a conditional create finds its match
    /// without scanning every resource of the type.
    by_identifier: HashMap<(String, String), Vec<usize>>,
}

fn identifier_values(r: &Value) -> impl Iterator<Item = &str> {
    r["identifier"].as_array().into_iter().flatten().filter_map(|i| i["value"].as_str())
}

/// The patient a clinical resource belongs to, by the field its type uses.
fn patient_of(r: &Value) -> Option<&str> {
    let direct = ["subject", "patient", "for"].iter().find_map(|f| r[*f]["reference"].as_str());
    // An Appointment names its patient among its participants.
    let participant = || {
        r["participant"]
            .as_array()?
            .iter()
            .filter_map(|p| p["actor"]["reference"].as_str())
            .find(|s| s.starts_with("Patient/"))
    };
    direct.or_else(participant).filter(|s| s.starts_with("Patient/"))
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SearchError {
    #[error("unknown resource type {0}")]
    UnknownType(String),
    #[error("search parameter '{0}' is not supported for this resource type")]
    UnknownParameter(String),
    #[error("invalid value for search parameter '{0}'")]
    BadValue(String),
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Token,
    Reference,
    Str,
    Date,
}

/// The search parameters this platform offers: (resource type, name) → kind and paths.
fn parameter(rtype: &str, name: &str) -> Option<(Kind, &'static [&'static str])> {
    use Kind::*;
    let subject: &'static [&'static str] = &["subject.reference"];
    Some(match (rtype, name) {
        (_, "_id") => (Token, &["id"]),
        (_, "_lastUpdated") => (Date, &["meta.lastUpdated"]),
        ("Patient" | "Practitioner" | "Organization" | "Observation" | "DocumentReference" | "Task", "identifier") => {
            (Token, &["identifier"])
        }
        ("Patient" | "Practitioner", "name") => (Str, &["name.family", "name.given", "name.text"]),
        ("Patient", "birthdate") => (Date, &["birthDate"]),
        ("Location" | "Organization", "name") => (Str, &["name"]),
        ("PractitionerRole", "practitioner") => (Reference, &["practitioner.reference"]),
        ("PractitionerRole", "location") => (Reference, &["location.reference"]),
        ("Encounter", "subject" | "patient") => (Reference, subject),
        ("Encounter", "location") => (Reference, &["location.location.reference"]),
        ("Encounter" | "Appointment" | "MedicationStatement" | "CarePlan" | "Task" | "DocumentReference", "status") => {
            (Token, &["status"])
        }
        ("Appointment", "actor" | "patient" | "practitioner") => (Reference, &["participant.actor.reference"]),
        ("Appointment", "date") => (Date, &["start"]),
        ("AllergyIntolerance", "patient") => (Reference, &["patient.reference"]),
        ("AllergyIntolerance" | "Condition", "clinical-status") => (Token, &["clinicalStatus.coding"]),
        (
            "MedicationStatement" | "Observation" | "Condition" | "CarePlan" | "DocumentReference",
            "subject" | "patient",
        ) => (Reference, subject),
        ("Observation", "category") => (Token, &["category.coding"]),
        ("Observation", "code") => (Token, &["code.coding"]),
        ("Observation", "date") => (Date, &["effectiveDateTime"]),
        ("Observation", "device") => (Reference, &["device.reference"]),
        ("Task", "patient" | "subject") => (Reference, &["for.reference"]),
        ("Flag", "patient" | "subject") => (Reference, &["subject.reference"]),
        ("Flag", "status") => (Token, &["status"]),
        ("Task", "owner") => (Reference, &["owner.reference"]),
        ("DocumentReference", "date") => (Date, &["date"]),
        ("DocumentReference", "type") => (Token, &["type.coding"]),
        _ => return None,
    })
}

/// The `meta.tag` a server puts on resources it returns only in part (`_elements`).
pub const SUBSETTED: (&str, &str) = ("http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "SUBSETTED");

pub const RESOURCE_TYPES: &[&str] = &[
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "Encounter",
    "Appointment",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Observation",
    "CarePlan",
    "Task",
    "DocumentReference",
    "Flag",
    "AuditEvent",
];

impl FhirStore {
    pub fn insert(&mut self, resource: Value) {
        let rtype = resource["resourceType"].as_str().expect("resourceType").to_string();
        let id = resource["id"].as_str().expect("id").to_string();
        let list = self.by_type.entry(rtype.clone()).or_default();
        match self.index.get(&(rtype.clone(), id.clone())) {
            Some(&i) => {
                // A new version may name another patient: move it in the patient index.
                let (old, new) = (patient_of(&list[i]).map(str::to_string), patient_of(&resource).map(str::to_string));
                if old != new {
                    if let Some(positions) = old.and_then(|p| self.by_patient.get_mut(&(rtype.clone(), p))) {
                        positions.retain(|&x| x != i);
                    }
                    if let Some(p) = new {
                        self.by_patient.entry((rtype.clone(), p)).or_default().push(i);
                    }
                }
                for v in identifier_values(&list[i]) {
                    if let Some(positions) = self.by_identifier.get_mut(&(rtype.clone(), v.to_string())) {
                        positions.retain(|&x| x != i);
                    }
                }
                for v in identifier_values(&resource) {
                    self.by_identifier.entry((rtype.clone(), v.to_string())).or_default().push(i);
                }
                list[i] = resource;
            }
            None => {
                for v in identifier_values(&resource) {
                    self.by_identifier.entry((rtype.clone(), v.to_string())).or_default().push(list.len());
                }
                if let Some(p) = patient_of(&resource) {
                    self.by_patient.entry((rtype.clone(), p.to_string())).or_default().push(list.len());
                }
                self.index.insert((rtype, id), list.len());
                list.push(resource);
            }
        }
    }

    pub fn get(&self, rtype: &str, id: &str) -> Option<&Value> {
        let i = *self.index.get(&(rtype.to_string(), id.to_string()))?;
        self.by_type.get(rtype)?.get(i)
    }

    pub fn all(&self, rtype: &str) -> &[Value] {
        self.by_type.get(rtype).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every resource, type by type.
    pub fn resources(&self) -> impl Iterator<Item = &Value> {
        self.by_type.values().flatten()
    }

    pub fn count(&self) -> usize {
        self.by_type.values().map(Vec::len).sum()
    }

    /// A digest of every resource, for determinism checks.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for list in self.by_type.values() {
            for r in list {
                h.update(r.to_string().as_bytes());
            }
        }
        format!("{:x}", h.finalize())
    }

    /// Runs a search and returns a `searchset` Bundle. `base` is the server's base URL,
    /// used for `fullUrl`s and paging links.
    pub fn search(&self, rtype: &str, query: &[(String, String)], base: &str) -> Result<Value, SearchError> {
        let q = Query::parse(rtype, query)?;
        let matches = self.matching(rtype, query, &q)?;
        let total = matches.len();
        let page: Vec<&Value> = matches.into_iter().skip(q.offset).take(q.count).collect();
        let mut entries: Vec<Value> = page
            .iter()
            .map(|r| {
                let r = match &q.elements {
                    Some(keep) => subset(r, keep),
                    None => (*r).clone(),
                };
                json!({"fullUrl": full_url(base, &r), "resource": r, "search": {"mode": "match"}})
            })
            .collect();
        let mut seen: HashSet<String> = page.iter().map(|r| reference_to(r)).collect();
        let extra = [self.included(&page, &q.includes), self.revincluded(&page, &q.revincludes)];
        entries.extend(
            extra
                .into_iter()
                .flatten()
                .filter(|r| seen.insert(reference_to(r)))
                .map(|r| json!({"fullUrl": full_url(base, r), "resource": r, "search": {"mode": "include"}})),
        );

        let own_query: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "_offset").cloned().collect();
        let link = |off: usize| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &own_query {
                s.append_pair(k, v);
            }
            s.append_pair("_offset", &off.to_string());
            format!("{base}/{rtype}?{}", s.finish())
        };
        let mut links = vec![json!({"relation": "self", "url": link(q.offset)})];
        if q.offset + q.count < total {
            links.push(json!({"relation": "next", "url": link(q.offset + q.count)}));
        }
        Ok(json!({
            "resourceType": "Bundle", "type": "searchset", "total": total,
            "link": links, "entry": entries
        }))
    }

    /// Every resource of `rtype` matching the query's filters, sorted as it asks, ignoring
    /// paging (conditional writes use this to count matches).
    pub fn find(&self, rtype: &str, query: &[(String, String)]) -> Result<Vec<&Value>, SearchError> {
        self.matching(rtype, query, &Query::parse(rtype, query)?)
    }

    fn matching(&self, rtype: &str, query: &[(String, String)], q: &Query) -> Result<Vec<&Value>, SearchError> {
        let mut matches: Vec<&Value> = Vec::new();
        for r in self.candidates(rtype, query) {
            let mut ok = q.presence.iter().all(|(paths, missing)| values_at(r, paths).is_empty() == *missing);
            for (kind, paths, name, value) in &q.filters {
                if !matches_filter(r, *kind, paths, value).map_err(|_| SearchError::BadValue(name.to_string()))? {
                    ok = false;
                    break;
                }
            }
            if ok {
                matches.push(r);
            }
        }
        if let Some((key, desc)) = &q.sort {
            let (_, paths) = parameter(rtype, key).expect("checked when parsed");
            matches.sort_by_key(|r| first_value(r, paths).and_then(|v| instant(&v)).unwrap_or(i64::MIN));
            if *desc {
                matches.reverse();
            }
        }
        Ok(matches)
    }

    /// A fresh id for a new resource of `rtype`.
    pub fn new_id(&self, rtype: &str) -> String {
        let mut n = self.all(rtype).len() + 1;
        loop {
            let id = format!("ny-{n}");
            if self.get(rtype, &id).is_none() {
                return id;
            }
            n += 1;
        }
    }

    /// The resources a search must look at: one patient's, when the query names a
    /// single patient, else all of the type.
    fn candidates<'a>(&'a self, rtype: &str, query: &[(String, String)]) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
        let all = self.all(rtype);
        let single_patient = query
            .iter()
            .find(|(k, v)| matches!(k.as_str(), "patient" | "subject") && !v.contains(','))
            .map(|(_, v)| if v.starts_with("Patient/") { v.clone() } else { format!("Patient/{v}") });
        // One identifier value (with or without its system): only the resources carrying it.
        let identifier = query
            .iter()
            .find(|(k, v)| k == "identifier" && !v.contains(','))
            .map(|(_, v)| v.rsplit_once('|').map_or(v.as_str(), |(_, value)| value).to_string());
        if let Some(value) = identifier {
            let positions = self.by_identifier.get(&(rtype.to_string(), value)).cloned().unwrap_or_default();
            return Box::new(positions.into_iter().map(move |i| &all[i]));
        }
        match single_patient {
            Some(p) => {
                let positions = self.by_patient.get(&(rtype.to_string(), p)).map(Vec::as_slice).unwrap_or(&[]);
                Box::new(positions.iter().map(move |&i| &all[i]))
            }
            None => Box::new(all.iter()),
        }
    }

    /// `_include=Source:param`: the resources the page's resources refer to.
    fn included<'a>(&'a self, page: &[&Value], includes: &[&'static [&'static str]]) -> Vec<&'a Value> {
        let mut out = Vec::new();
        for paths in includes {
            for r in page {
                for reference in values_at(r, paths) {
                    let Some((t, id)) = reference.as_str().and_then(|s| s.split_once('/')) else { continue };
                    if let Some(target) = self.get(t, id) {
                        out.push(target);
                    }
                }
            }
        }
        out
    }

    /// `_revinclude=Source:param`: the resources of type Source whose `param` refers to
    /// one of the page's resources.
    fn revincluded<'a>(&'a self, page: &[&Value], revincludes: &[(&'static [&'static str], String)]) -> Vec<&'a Value> {
        let targets: HashSet<String> = page.iter().map(|r| reference_to(r)).collect();
        let mut out = Vec::new();
        for (paths, source) in revincludes {
            for r in self.all(source) {
                if values_at(r, paths).iter().filter_map(|v| v.as_str()).any(|s| targets.contains(s)) {
                    out.push(r);
                }
            }
        }
        out
    }
}

/// A search query taken apart: paging, sorting, what to include, which elements, and
/// the filters. Anything this platform does not offer is refused here.
struct Query<'q> {
    count: usize,
    offset: usize,
    sort: Option<(String, bool)>,
    /// Reference paths in the searched type.
    includes: Vec<&'static [&'static str]>,
    /// (reference paths in the source type, the source type)
    revincludes: Vec<(&'static [&'static str], String)>,
    elements: Option<Vec<String>>,
    filters: Vec<(Kind, &'static [&'static str], &'q str, &'q str)>,
    /// `name:missing=true|false`: (paths, whether the element must be absent).
    presence: Vec<(&'static [&'static str], bool)>,
}

impl<'q> Query<'q> {
    fn parse(rtype: &str, query: &'q [(String, String)]) -> Result<Self, SearchError> {
        if !RESOURCE_TYPES.contains(&rtype) {
            return Err(SearchError::UnknownType(rtype.into()));
        }
        let mut q = Query {
            count: DEFAULT_PAGE,
            offset: 0,
            sort: None,
            includes: Vec::new(),
            revincludes: Vec::new(),
            elements: None,
            filters: Vec::new(),
            presence: Vec::new(),
        };
        for (name, value) in query {
            let bad = || SearchError::BadValue(name.clone());
            match name.as_str() {
                "_count" => q.count = value.parse::<usize>().map_err(|_| bad())?.min(MAX_PAGE),
                "_offset" => q.offset = value.parse().map_err(|_| bad())?,
                "_sort" => {
                    let (desc, key) = value.strip_prefix('-').map(|k| (true, k)).unwrap_or((false, value.as_str()));
                    match parameter(rtype, key) {
                        Some((Kind::Date, _)) => q.sort = Some((key.to_string(), desc)),
                        _ => return Err(bad()),
                    }
                }
                "_include" => {
                    let (src, param) = value.split_once(':').ok_or_else(bad)?;
                    match parameter(rtype, param) {
                        Some((Kind::Reference, paths)) if src == rtype => q.includes.push(paths),
                        _ => return Err(bad()),
                    }
                }
                "_revinclude" => {
                    let (src, param) = value.split_once(':').ok_or_else(bad)?;
                    match parameter(src, param) {
                        Some((Kind::Reference, paths)) if RESOURCE_TYPES.contains(&src) => {
                            q.revincludes.push((paths, src.to_string()))
                        }
                        _ => return Err(bad()),
                    }
                }
                "_elements" => {
                    let names: Vec<String> = value.split(',').map(|e| e.trim().to_string()).collect();
                    let element_name = |e: &String| {
                        e.starts_with(|c: char| c.is_ascii_lowercase()) && e.chars().all(|c| c.is_ascii_alphanumeric())
                    };
                    if !names.iter().all(element_name) {
                        return Err(bad());
                    }
                    q.elements = Some(names);
                }
                "_total" | "_format" => {}
                _ if name.ends_with(":missing") => {
                    let base = name.trim_end_matches(":missing");
                    let (_, paths) =
                        parameter(rtype, base).ok_or_else(|| SearchError::UnknownParameter(name.clone()))?;
                    let missing = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(bad()),
                    };
                    q.presence.push((paths, missing));
                }
                _ => {
                    let (kind, paths) =
                        parameter(rtype, name).ok_or_else(|| SearchError::UnknownParameter(name.clone()))?;
                    q.filters.push((kind, paths, name.as_str(), value.as_str()));
                }
            }
        }
        Ok(q)
    }
}

/// `_elements`: only the listed top-level elements (and what every resource needs),
/// tagged SUBSETTED so no one mistakes it for the whole resource.
fn subset(r: &Value, keep: &[String]) -> Value {
    let mut out = serde_json::Map::new();
    for (k, v) in r.as_object().into_iter().flatten() {
        if matches!(k.as_str(), "resourceType" | "id" | "meta") || keep.iter().any(|e| e == k) {
            out.insert(k.clone(), v.clone());
        }
    }
    let tag = json!({"system": SUBSETTED.0, "code": SUBSETTED.1});
    if let Some(meta) = out.entry("meta").or_insert_with(|| json!({})).as_object_mut() {
        match meta.entry("tag").or_insert_with(|| json!([])).as_array_mut() {
            Some(tags) => tags.push(tag),
            None => {
                meta.insert("tag".into(), json!([tag]));
            }
        }
    }
    Value::Object(out)
}

/// `Type/id` of a resource.
fn reference_to(r: &Value) -> String {
    format!("{}/{}", r["resourceType"].as_str().unwrap_or(""), r["id"].as_str().unwrap_or(""))
}

fn full_url(base: &str, r: &Value) -> String {
    format!("{base}/{}/{}", r["resourceType"].as_str().unwrap_or(""), r["id"].as_str().unwrap_or(""))
}

/// All values at a dotted path, flattening arrays on the way.
fn values_at<'a>(r: &'a Value, paths: &[&str]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for path in paths {
        let mut current = vec![r];
        for part in path.split('.') {
            let mut next = Vec::new();
            for v in current {
                match v.get(part) {
                    Some(Value::Array(items)) => next.extend(items.iter()),
                    Some(x) => next.push(x),
                    None => {}
                }
            }
            current = next;
        }
        out.extend(current);
    }
    out
}

fn first_value(r: &Value, paths: &[&str]) -> Option<String> {
    values_at(r, paths).into_iter().find_map(|v| v.as_str().map(str::to_string))
}

fn matches_filter(r: &Value, kind: Kind, paths: &[&str], query: &str) -> Result<bool, ()> {
    let values = values_at(r, paths);
    // Comma-separated values are OR-ed.
    for q in query.split(',') {
        let hit = match kind {
            Kind::Token => values.iter().any(|v| token_matches(v, q)),
            Kind::Reference => {
                values.iter().filter_map(|v| v.as_str()).any(|s| s == q || s.rsplit('/').next() == Some(q))
            }
            Kind::Str => {
                let q = q.to_lowercase();
                values.iter().filter_map(|v| v.as_str()).any(|s| s.to_lowercase().starts_with(&q))
            }
            Kind::Date => {
                let (prefix, lo, hi) = date_query(q).ok_or(())?;
                values.iter().filter_map(|v| v.as_str()).filter_map(instant).any(|t| match prefix {
                    "eq" => lo <= t && t < hi,
                    "ge" => t >= lo,
                    "gt" => t >= hi,
                    "le" => t < hi,
                    "lt" => t < lo,
                    _ => false,
                })
            }
        };
        if hit {
            return Ok(true);
        }
    }
    Ok(false)
}

fn token_matches(v: &Value, q: &str) -> bool {
    let (system, code) = match q.split_once('|') {
        Some((s, c)) => (Some(s), c),
        None => (None, q),
    };
    match v {
        Value::String(s) => system.is_none() && s == code,
        Value::Object(o) => {
            let v_code = o.get("code").or_else(|| o.get("value")).and_then(Value::as_str);
            let v_system = o.get("system").and_then(Value::as_str);
            let code_ok = code.is_empty() || v_code == Some(code);
            let system_ok = match system {
                None => true,
                Some("") => v_system.is_none(),
                Some(s) => v_system == Some(s),
            };
            code_ok && system_ok
        }
        _ => false,
    }
}

/// Milliseconds since the epoch for a FHIR date or dateTime (a date from its first
/// moment in Norway, as a Norwegian platform reckons days).
pub fn instant(s: &str) -> Option<i64> {
    clock::parse_instant(s).map(|t| t.timestamp_millis())
}

/// A date query value → (prefix, start, end) of the interval it names.
fn date_query(q: &str) -> Option<(&str, i64, i64)> {
    let (prefix, rest) = match q.get(..2) {
        Some(p @ ("eq" | "ge" | "gt" | "le" | "lt")) => (p, &q[2..]),
        _ => ("eq", q),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(rest) {
        let ms = t.timestamp_millis();
        return Some((prefix, ms, ms + 1));
    }
    let day = NaiveDate::parse_from_str(rest, "%Y-%m-%d").ok()?;
    let lo = clock::day_start(day).timestamp_millis();
    let hi = clock::day_start(day.succ_opt()?).timestamp_millis();
    Some((prefix, lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> FhirStore {
        let mut s = FhirStore::default();
        s.insert(json!({"resourceType": "Patient", "id": "p1", "identifier": [{"system": "urn:x", "value": "1"}]}));
        for i in 0..7 {
            s.insert(json!({
                "resourceType": "Observation", "id": format!("o{i}"), "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "http://loinc.org", "code": if i % 2 == 0 { "8867-4" } else { "8310-5" }}]},
                "effectiveDateTime": format!("2026-11-{:02}T10:00:00+01:00", 10 + i)
            }));
        }
        s
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn pages_follow_next_links_until_the_end() {
        let s = store();
        let b = s.search("Observation", &q(&[("patient", "p1"), ("_count", "3")]), "http://x/fhir").unwrap();
        assert_eq!(b["total"], 7);
        assert_eq!(b["entry"].as_array().unwrap().len(), 3);
        let next = b["link"].as_array().unwrap().iter().find(|l| l["relation"] == "next").unwrap();
        assert!(next["url"].as_str().unwrap().contains("_offset=3"));
        let last = s
            .search("Observation", &q(&[("patient", "p1"), ("_count", "3"), ("_offset", "6")]), "http://x/fhir")
            .unwrap();
        assert_eq!(last["entry"].as_array().unwrap().len(), 1);
        assert!(!last["link"].as_array().unwrap().iter().any(|l| l["relation"] == "next"));
    }

    #[test]
    fn missing_asks_whether_an_element_is_there() {
        let mut s = store();
        s.insert(json!({
            "resourceType": "Observation", "id": "home", "subject": {"reference": "Patient/p1"},
            "device": {"reference": "Device/bt-1", "display": "Blodtrykksmåler"},
            "effectiveDateTime": "2026-11-20T08:00:00+01:00"
        }));
        let total = |query: &[(&str, &str)]| s.search("Observation", &q(query), "http://x").unwrap()["total"].clone();
        assert_eq!(total(&[("patient", "p1"), ("device:missing", "true")]), 7);
        assert_eq!(total(&[("patient", "p1"), ("device:missing", "false")]), 1);
        assert!(s.search("Observation", &q(&[("device:missing", "maybe")]), "http://x").is_err());
        assert!(s.search("Observation", &q(&[("nonsense:missing", "true")]), "http://x").is_err());
    }

    #[test]
    fn a_patient_search_finds_visits_that_name_the_patient_as_a_participant() {
        let mut s = store();
        s.insert(json!({
            "resourceType": "Appointment", "id": "a1", "status": "booked",
            "participant": [{"actor": {"reference": "Practitioner/x"}}, {"actor": {"reference": "Patient/p1"}}]
        }));
        let b = s.search("Appointment", &q(&[("patient", "Patient/p1")]), "http://x").unwrap();
        assert_eq!(b["total"], 1);
        let other = s.search("Appointment", &q(&[("patient", "Patient/p2")]), "http://x").unwrap();
        assert_eq!(other["total"], 0);
    }

    #[test]
    fn token_date_and_sort_filters_apply() {
        let s = store();
        let b = s
            .search(
                "Observation",
                &q(&[("code", "http://loinc.org|8867-4"), ("date", "ge2026-11-12"), ("_sort", "-date")]),
                "http://x",
            )
            .unwrap();
        let ids: Vec<&str> =
            b["entry"].as_array().unwrap().iter().map(|e| e["resource"]["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec!["o6", "o4", "o2"]);
    }

    #[test]
    fn include_adds_referenced_resources_once() {
        let s = store();
        let b = s.search("Observation", &q(&[("_include", "Observation:subject")]), "http://x").unwrap();
        let included: Vec<&Value> =
            b["entry"].as_array().unwrap().iter().filter(|e| e["search"]["mode"] == "include").collect();
        assert_eq!(included.len(), 1);
        assert_eq!(included[0]["resource"]["id"], "p1");
    }

    #[test]
    fn revinclude_adds_referring_resources_and_elements_subsets_matches() {
        let s = store();
        let b = s
            .search("Patient", &q(&[("_revinclude", "Observation:subject"), ("_elements", "gender")]), "http://x")
            .unwrap();
        let entries = b["entry"].as_array().unwrap();
        assert_eq!(entries.iter().filter(|e| e["search"]["mode"] == "include").count(), 7);
        let p = &entries[0]["resource"];
        assert!(p.get("identifier").is_none());
        assert_eq!(p["meta"]["tag"][0]["code"], "SUBSETTED");
        assert!(entries[1]["resource"].get("code").is_some(), "included resources are whole");
        for bad in ["Observation:code", "Spaceship:subject", "Observation"] {
            assert!(s.search("Patient", &q(&[("_revinclude", bad)]), "http://x").is_err(), "{bad}");
        }
        assert!(s.search("Patient", &q(&[("_elements", "name.family")]), "http://x").is_err());
    }

    #[test]
    fn unknown_parameters_and_bad_values_are_refused() {
        let s = store();
        assert_eq!(
            s.search("Observation", &q(&[("colour", "red")]), "http://x").unwrap_err(),
            SearchError::UnknownParameter("colour".into())
        );
        assert!(matches!(
            s.search("Observation", &q(&[("date", "yesterday")]), "http://x"),
            Err(SearchError::BadValue(_))
        ));
        assert!(matches!(s.search("Spaceship", &[], "http://x"), Err(SearchError::UnknownType(_))));
    }
}
