//! Writes to the FHIR store as a FHIR R4 server makes them: the server assigns ids,
//! versions and `lastUpdated`; conditional create (`If-None-Exist`), versioned update
//! (`If-Match`) and all-or-nothing transactions with `urn:uuid:` references resolved.
//! HTTP lives in `fhir_server`; this module only decides what a write does.

use crate::fhir_store::{FhirStore, RESOURCE_TYPES};
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Why a write was refused: the status and `OperationOutcome` issue code to answer with.
#[derive(Debug)]
pub struct WriteError {
    pub status: StatusCode,
    pub code: &'static str,
    pub text: String,
}

fn refuse(status: StatusCode, code: &'static str, text: impl Into<String>) -> WriteError {
    WriteError { status, code, text: text.into() }
}

fn invalid(text: impl Into<String>) -> WriteError {
    refuse(StatusCode::BAD_REQUEST, "invalid", text)
}

/// A write that succeeded: 201 (created) or 200 (found or updated), and the stored resource.
#[derive(Debug)]
pub struct Written {
    pub status: StatusCode,
    pub resource: Value,
}

impl Written {
    pub fn version(&self) -> &str {
        self.resource["meta"]["versionId"].as_str().unwrap_or("1")
    }
}

/// The time stamp a write made at `at` gives `meta.lastUpdated`.
pub fn last_updated(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `POST [base]/[type]`, with `If-None-Exist` when `if_none_exist` is given: nothing
/// matching → create (201); one match → that one, unchanged (200); more → 412.
pub fn create(
    store: &mut FhirStore,
    rtype: &str,
    mut resource: Value,
    if_none_exist: Option<&str>,
    now: &str,
) -> Result<Written, WriteError> {
    check_body(rtype, &resource)?;
    if let Some(query) = if_none_exist {
        if let Some(existing) = existing_match(store, rtype, query)? {
            return Ok(Written { status: StatusCode::OK, resource: existing });
        }
    }
    // The server names new resources, whatever id the client sent.
    let id = store.new_id(rtype);
    resource["id"] = json!(id);
    stamp(&mut resource, 1, now);
    store.insert(resource.clone());
    Ok(Written { status: StatusCode::CREATED, resource })
}

/// `PUT [base]/[type]/[id]`, with `If-Match` when `if_match` is given: a version other
/// than the current one → 412 and nothing changes. Success bumps `meta.versionId`. An
/// unknown id without `If-Match` creates the resource with that id (update as create).
pub fn update(
    store: &mut FhirStore,
    rtype: &str,
    id: &str,
    mut resource: Value,
    if_match: Option<&str>,
    now: &str,
) -> Result<Written, WriteError> {
    check_body(rtype, &resource)?;
    let valid_id =
        (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !valid_id {
        return Err(invalid(format!("{id:?} is not a FHIR id")));
    }
    if resource["id"] != id {
        return Err(invalid(format!("the resource's id is not {id}, the id in the URL")));
    }
    let current = store.get(rtype, id).map(|r| r["meta"]["versionId"].as_str().unwrap_or("1").to_string());
    if let Some(expected) = if_match {
        let expected = expected.trim().trim_start_matches("W/").trim_matches('"');
        match &current {
            Some(v) if v == expected => {}
            Some(v) => {
                return Err(refuse(
                    StatusCode::PRECONDITION_FAILED,
                    "conflict",
                    format!("{rtype}/{id} is at version {v}, not {expected}"),
                ))
            }
            None => {
                return Err(refuse(StatusCode::PRECONDITION_FAILED, "conflict", format!("{rtype}/{id} does not exist")))
            }
        }
    }
    let next = match &current {
        Some(v) => v.parse::<u64>().map_err(|_| invalid(format!("{rtype}/{id} has an unreadable version")))? + 1,
        None => 1,
    };
    stamp(&mut resource, next, now);
    store.insert(resource.clone());
    let status = if current.is_some() { StatusCode::OK } else { StatusCode::CREATED };
    Ok(Written { status, resource })
}

/// `POST [base]` with a `transaction` Bundle of POST and PUT entries. Every entry is
/// applied to a copy of the store, which replaces the store only when all succeeded: a
/// failing entry refuses the whole transaction with its status and nothing changes.
/// POSTs go first (as FHIR orders them), so `urn:uuid:` references to their `fullUrl`s
/// can be rewritten to the ids they got before anything refers to them.
pub fn transaction(store: &mut FhirStore, bundle: &Value, now: &str) -> Result<Value, WriteError> {
    if bundle["resourceType"] != "Bundle" || bundle["type"] != "transaction" {
        return Err(invalid("expected a Bundle of type transaction"));
    }
    let entries = bundle["entry"].as_array().map(Vec::as_slice).unwrap_or_default();
    let mut results: Vec<Option<Written>> = entries.iter().map(|_| None).collect();
    let mut assigned: HashMap<String, String> = HashMap::new();
    let at = |i: usize, e: WriteError| WriteError { text: format!("entry {i}: {}", e.text), ..e };

    let method = |e: &Value| e["request"]["method"].as_str().unwrap_or("").to_string();
    for (i, e) in entries.iter().enumerate() {
        if !matches!(method(e).as_str(), "POST" | "PUT") {
            let e = refuse(StatusCode::BAD_REQUEST, "not-supported", "only POST and PUT entries are supported");
            return Err(at(i, e));
        }
    }
    // Creates only: checked first against the store as it is, then applied to it (a
    // failed check changes nothing). With updates, a copy is written and swapped in.
    let creates_only = entries.iter().all(|e| method(e) == "POST");
    let mut full_urls = std::collections::HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(full_url) = e["fullUrl"].as_str().filter(|u| u.starts_with("urn:uuid:")) {
            if !full_urls.insert(full_url) {
                return Err(at(i, invalid(format!("{full_url} is the fullUrl of more than one entry"))));
            }
        }
    }
    let mut staged = if creates_only {
        for (i, e) in entries.iter().enumerate() {
            let url = e["request"]["url"].as_str().unwrap_or("");
            check_body(url, &e["resource"]).map_err(|x| at(i, x))?;
            if let Some(query) = e["request"]["ifNoneExist"].as_str() {
                existing_match(store, url, query).map_err(|x| at(i, x))?;
            }
        }
        None
    } else {
        Some(store.clone())
    };
    let target: &mut FhirStore = match staged.as_mut() {
        Some(copy) => copy,
        None => &mut *store,
    };
    for (i, e) in entries.iter().enumerate().filter(|(_, e)| method(e) == "POST") {
        let url = e["request"]["url"].as_str().unwrap_or("");
        let written = create(target, url, e["resource"].clone(), e["request"]["ifNoneExist"].as_str(), now)
            .map_err(|x| at(i, x))?;
        if let Some(full_url) = e["fullUrl"].as_str().filter(|u| u.starts_with("urn:uuid:")) {
            let reference = format!("{url}/{}", written.resource["id"].as_str().unwrap_or(""));
            if assigned.insert(full_url.to_string(), reference).is_some() {
                return Err(at(i, invalid(format!("{full_url} is the fullUrl of more than one entry"))));
            }
        }
        results[i] = Some(written);
    }
    // Now every new resource has its id: point references at them.
    for written in results.iter_mut().flatten() {
        if written.status == StatusCode::CREATED && rewrite_references(&mut written.resource, &assigned) {
            target.insert(written.resource.clone());
        }
    }
    for (i, e) in entries.iter().enumerate().filter(|(_, e)| method(e) == "PUT") {
        let url = e["request"]["url"].as_str().unwrap_or("");
        let (rtype, id) = url.split_once('/').ok_or_else(|| at(i, invalid(format!("{url} is not Type/id"))))?;
        let mut resource = e["resource"].clone();
        rewrite_references(&mut resource, &assigned);
        let written =
            update(target, rtype, id, resource, e["request"]["ifMatch"].as_str(), now).map_err(|x| at(i, x))?;
        results[i] = Some(written);
    }

    if let Some(copy) = staged {
        *store = copy;
    }
    let response: Vec<Value> = results
        .into_iter()
        .flatten()
        .map(|w| {
            let r = &w.resource;
            let location = format!(
                "{}/{}/_history/{}",
                r["resourceType"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or(""),
                w.version()
            );
            json!({
                "response": {
                    "status": format!("{} {}", w.status.as_u16(), w.status.canonical_reason().unwrap_or("")),
                    "location": location,
                    "etag": format!("W/\"{}\"", w.version()),
                    "lastModified": r["meta"]["lastUpdated"],
                },
                "resource": w.resource,
            })
        })
        .collect();
    Ok(json!({"resourceType": "Bundle", "type": "transaction-response", "entry": response}))
}

fn check_body(rtype: &str, resource: &Value) -> Result<(), WriteError> {
    if !RESOURCE_TYPES.contains(&rtype) {
        return Err(refuse(StatusCode::NOT_FOUND, "not-supported", format!("unknown resource type {rtype}")));
    }
    if !resource.is_object() || resource["resourceType"] != rtype {
        return Err(invalid(format!("the body is not a {rtype}")));
    }
    Ok(())
}

/// The one resource matching an `If-None-Exist` query, `None` when none does; several
/// matches are a 412, as FHIR says.
fn existing_match(store: &FhirStore, rtype: &str, query: &str) -> Result<Option<Value>, WriteError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    if pairs.is_empty() {
        return Err(invalid("If-None-Exist has no search parameters"));
    }
    let found = store.find(rtype, &pairs).map_err(|e| invalid(format!("If-None-Exist: {e}")))?;
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some((*one).clone())),
        _ => Err(refuse(
            StatusCode::PRECONDITION_FAILED,
            "multiple-matches",
            format!("If-None-Exist matches {} resources", found.len()),
        )),
    }
}

fn stamp(resource: &mut Value, version: u64, now: &str) {
    if !resource["meta"].is_object() {
        resource["meta"] = json!({});
    }
    resource["meta"]["versionId"] = json!(version.to_string());
    resource["meta"]["lastUpdated"] = json!(now);
}

/// Replaces `reference`s naming a transaction's `urn:uuid:` with the ids assigned;
/// whether anything changed.
fn rewrite_references(v: &mut Value, assigned: &HashMap<String, String>) -> bool {
    match v {
        Value::Object(map) => {
            let mut changed = false;
            for (k, child) in map.iter_mut() {
                if k == "reference" {
                    if let Some(target) = child.as_str().and_then(|s| assigned.get(s)) {
                        *child = json!(target);
                        changed = true;
                    }
                } else {
                    changed |= rewrite_references(child, assigned);
                }
            }
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |acc, item| rewrite_references(item, assigned) | acc),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-20T10:00:00.000Z";

    fn store() -> FhirStore {
        let mut s = FhirStore::default();
        s.insert(json!({
            "resourceType": "Patient", "id": "p1", "meta": {"versionId": "1", "lastUpdated": "2026-01-01T00:00:00Z"},
            "identifier": [{"system": "urn:x", "value": "1"}]
        }));
        s
    }

    fn patient(value: &str) -> Value {
        json!({"resourceType": "Patient", "identifier": [{"system": "urn:x", "value": value}]})
    }

    #[test]
    fn conditional_create_creates_finds_or_refuses_by_match_count() {
        let mut s = store();
        let found = create(&mut s, "Patient", patient("1"), Some("identifier=urn:x|1"), NOW).unwrap();
        assert_eq!((found.status, found.resource["id"].as_str()), (StatusCode::OK, Some("p1")));
        let made = create(&mut s, "Patient", patient("2"), Some("identifier=urn:x|2"), NOW).unwrap();
        assert_eq!(made.status, StatusCode::CREATED);
        assert_eq!(made.version(), "1");
        assert_eq!(s.count(), 2);
        create(&mut s, "Patient", patient("2"), None, NOW).unwrap();
        let e = create(&mut s, "Patient", patient("2"), Some("identifier=urn:x|2"), NOW).unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_FAILED);
        let e = create(&mut s, "Patient", patient("3"), Some("colour=red"), NOW).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST, "unknown parameters stay refused");
    }

    #[test]
    fn update_checks_the_version_and_bumps_it() {
        let mut s = store();
        let mut p = s.get("Patient", "p1").unwrap().clone();
        p["gender"] = json!("female");
        let w = update(&mut s, "Patient", "p1", p.clone(), Some("W/\"1\""), NOW).unwrap();
        assert_eq!((w.status, w.version()), (StatusCode::OK, "2"));
        p["gender"] = json!("male");
        let e = update(&mut s, "Patient", "p1", p, Some("W/\"1\""), NOW).unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(s.get("Patient", "p1").unwrap()["gender"], "female");
    }

    #[test]
    fn a_failing_entry_leaves_the_store_as_it_was() {
        let mut s = store();
        let before = s.fingerprint();
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": "urn:uuid:a", "resource": patient("9"), "request": {"method": "POST", "url": "Patient"}},
            {"resource": {"resourceType": "Patient", "id": "p1"}, "request": {"method": "PUT", "url": "Patient/p1", "ifMatch": "W/\"7\""}}
        ]});
        let e = transaction(&mut s, &bundle, NOW).unwrap_err();
        assert_eq!(e.status, StatusCode::PRECONDITION_FAILED);
        assert!(e.text.starts_with("entry 1:"), "{}", e.text);
        assert_eq!(s.fingerprint(), before);
    }

    #[test]
    fn transaction_references_to_new_resources_get_their_ids() {
        let mut s = store();
        let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": {"resourceType": "AllergyIntolerance", "patient": {"reference": "urn:uuid:a"}},
             "request": {"method": "POST", "url": "AllergyIntolerance"}},
            {"fullUrl": "urn:uuid:a", "resource": patient("9"), "request": {"method": "POST", "url": "Patient"}}
        ]});
        let r = transaction(&mut s, &bundle, NOW).unwrap();
        let allergy = &r["entry"][0]["resource"];
        let new_patient = format!("Patient/{}", r["entry"][1]["resource"]["id"].as_str().unwrap());
        assert_eq!(allergy["patient"]["reference"], new_patient.as_str());
        let stored = s.get("AllergyIntolerance", allergy["id"].as_str().unwrap()).unwrap();
        assert_eq!(stored["patient"]["reference"], new_patient.as_str());
        assert_eq!(r["entry"][1]["response"]["status"], "201 Created");
    }
}
