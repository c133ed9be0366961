//! `arbeidsflate view`: the patient view the window shows, from every source, printed
//! as the sources answer (or as JSON once all have), for supplier tests and support.

use super::output::{app_error, fail, print_json, signed_in};
use super::AppArgs;
use arbeidsflate_core::aggregate::{Concurrency, PartSink};
use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::collected::CollectedView;
use arbeidsflate_model::gp::GpRegistration;
use arbeidsflate_model::overview::{AccessRequest, OverviewPart, PatientTarget, SourceState, SourceStatus};
use arbeidsflate_model::AppError;
use std::sync::PoisonError;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// `unntak`, `samtykke`, `akutt`, `forhoyet_samtykke`, `forhoyet_akutt`.
pub fn parse_basis(value: &str) -> Result<AccessBasis, String> {
    AccessBasis::from_header_value(&value.to_uppercase())
        .ok_or_else(|| format!("expected unntak, samtykke, akutt, forhoyet_samtykke or forhoyet_akutt, got `{value}`"))
}

pub async fn view(
    app: &AppArgs,
    nin: &str,
    user: Option<String>,
    access: Option<AccessRequest>,
    prepare: bool,
    json: bool,
) -> i32 {
    let (_env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let list = match ws.worklist().await {
        Ok(list) => list,
        Err(e) => return app_error(e),
    };
    if prepare {
        let digits = nin.replace(' ', "");
        let Some(entry) = list.entries.iter().find(|e| e.national_id.replace(' ', "") == digits) else {
            return fail("only a worklist patient can be prepared (the window prepares the row in focus)");
        };
        let started = Instant::now();
        match ws.prepare_patient(&entry.patient_ref).await {
            Ok(outcome) if !json => println!("[prepared in {} ms: {outcome:?}]", started.elapsed().as_millis()),
            Ok(_) => {}
            Err(e) => return app_error(e),
        }
    }
    let ws = Arc::new(ws);
    if let Err(e) = ws.start_app_host().await {
        return app_error(e);
    }
    let target = PatientTarget::NationalId { national_id: nin.to_string() };
    let (parts, sink) = printing_sink(json);
    let result = ws.open_patient_view(&target, access.as_ref(), Concurrency::Parallel, sink).await;
    // The decision-support services' answers come after the sources' (the window does
    // not wait for them); they are part of what is printed.
    ws.decision_support_settled().await;
    report(result, &parts, json)
}

/// `patient <nin>`: a worklist patient's view through the same door as the window's
/// (access decided and logged), printed once every source has answered.
pub async fn patient(app: &AppArgs, nin: &str, user: Option<String>, json: bool) -> i32 {
    let (_env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let target = PatientTarget::NationalId { national_id: nin.to_string() };
    match ws.open_patient_view_collected(&target, None).await {
        Ok(view) if json => {
            print_view_json(&view);
            0
        }
        Ok(view) => {
            print!("{}", super::output::view_text(&view));
            0
        }
        Err(e) => refused(e, "open them with `view --basis`"),
    }
}

/// `patient <nin> --offline`: the view from the offline cache only, with no network
/// and no sign-in.
pub fn cached(app: &AppArgs, nin: &str, user: Option<String>, json: bool) -> i32 {
    let reader = match super::offline::offline_reader(app, user) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let target = PatientTarget::NationalId { national_id: nin.to_string() };
    let (parts, sink) = printing_sink(json);
    let result = reader.open_view(&target, sink);
    report(result, &parts, json)
}

type Collected = Arc<Mutex<Vec<OverviewPart>>>;

/// A sink that prints each part as it comes (unless `json`) and keeps them all.
fn printing_sink(json: bool) -> (Collected, PartSink) {
    let started = Instant::now();
    let parts: Collected = Arc::default();
    let collected = parts.clone();
    let sink = Arc::new(move |batch: Vec<OverviewPart>| {
        if !json {
            let ms = started.elapsed().as_millis();
            for part in &batch {
                if let Some(line) = describe(part) {
                    println!("[{ms:>5} ms] {line}");
                }
            }
        }
        collected.lock().unwrap_or_else(PoisonError::into_inner).extend(batch);
    });
    (parts, sink)
}

fn report(result: Result<Vec<SourceStatus>, AppError>, parts: &Collected, json: bool) -> i32 {
    match result {
        Ok(sources) if json => {
            let parts = std::mem::take(&mut *parts.lock().unwrap_or_else(PoisonError::into_inner));
            print_view_json(&CollectedView { parts, sources });
            0
        }
        Ok(statuses) => {
            let failed = statuses.iter().filter(|s| matches!(s.state, SourceState::Failed { .. })).count();
            let partial = statuses.iter().filter(|s| matches!(s.state, SourceState::Partial { .. })).count();
            println!("{} of {} sources failed, {partial} answered in part", failed, statuses.len());
            0
        }
        Err(e) => refused(e, "state one with --basis"),
    }
}

/// The view as JSON: every part, every source's final status, and the last word on who
/// the patient is (every description the sources gave, checked).
fn print_view_json(view: &CollectedView) {
    print_json(&serde_json::json!({
        "parts": view.parts, "sources": view.sources, "identity_warning": view.identity().flatten(),
        "decision_support": decision_support(&view.parts),
        "general_practitioner": view.general_practitioner(),
    }));
}

/// Each decision-support service's last word (its status, cards and what was left
/// out), in the order they were first heard of, beside the sources' statuses.
fn decision_support(parts: &[OverviewPart]) -> Vec<serde_json::Value> {
    let mut last: Vec<(&str, &OverviewPart)> = Vec::new();
    for part in parts {
        if let OverviewPart::DecisionSupport { status, .. } = part {
            match last.iter_mut().find(|(id, _)| *id == status.service_id) {
                Some(seen) => seen.1 = part,
                None => last.push((&status.service_id, part)),
            }
        }
    }
    last.into_iter().filter_map(|(_, part)| serde_json::to_value(part).ok()).collect()
}

/// An error's exit; a missing access basis says how to give one (`how`).
fn refused(e: AppError, how: &str) -> i32 {
    if e.code == arbeidsflate_model::ErrorCode::AccessBasisRequired {
        return fail(format!("{} ({how}; emergency access also needs --reason)", e.detail));
    }
    app_error(e)
}

/// A value's serde name (`timed_out`, `conditions`).
fn snake(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// One line per part, without clinical detail beyond counts and the banner's name.
fn describe(part: &OverviewPart) -> Option<String> {
    Some(match part {
        OverviewPart::Opened { access, .. } => format!(
            "opened on {}{}",
            access.basis.header_value(),
            if access.emergency { " (EMERGENCY ACCESS)" } else { "" }
        ),
        OverviewPart::Status { status } => {
            let state = serde_json::to_value(&status.state).ok()?;
            let reason = match &status.state {
                SourceState::Partial { failed } => {
                    let parts: Vec<String> =
                        failed.iter().map(|f| format!("{} ({})", snake(&f.part), snake(&f.reason))).collect();
                    format!(", failed: {}", parts.join(", "))
                }
                _ => state.get("reason").and_then(|r| r.as_str()).map(|r| format!(": {r}")).unwrap_or_default(),
            };
            let age = match (&status.state, &status.fetched_at) {
                (SourceState::Cached, Some(at)) => format!(" (fetched {at})"),
                _ => String::new(),
            };
            format!("{}: {}{reason}{age}", status.name, state["state"].as_str()?)
        }
        OverviewPart::Banner { banner } => format!("patient {} ({})", banner.name, banner.national_id),
        OverviewPart::Allergies { items } => format!("allergies: {} (merged)", items.len()),
        OverviewPart::Medications { items, .. } => format!("medications: {} (merged)", items.len()),
        OverviewPart::Vitals { news2, .. } => format!("NEWS2 {}", news2.total),
        OverviewPart::Documents { items, hidden } => format!("documents: {} ({} hidden)", items.len(), hidden),
        OverviewPart::Warnings { items } => format!("warnings: {}", items.len()),
        OverviewPart::Visits { items } => format!("visits: {}", items.len()),
        OverviewPart::Notes { items } => format!("nursing notes: {}", items.len()),
        OverviewPart::HomeMeasurements { series } => format!("home measurements: {} kinds", series.len()),
        OverviewPart::Care { conditions, activities, tasks } => format!(
            "care: {} conditions, {} plan activities, {} open tasks",
            conditions.len(),
            activities.len(),
            tasks.len()
        ),
        OverviewPart::Identity { warning: Some(w) } => {
            let fields: Vec<String> = w.fields.iter().map(snake).collect();
            let claims: Vec<String> = w
                .claims
                .iter()
                .map(|c| {
                    let facts = [&c.name, &c.national_id, &c.birth_date, &c.gender];
                    let facts: Vec<&str> = facts.iter().filter_map(|f| f.as_deref()).collect();
                    format!("{}: {}", snake(&c.source), facts.join(", "))
                })
                .collect();
            format!("IDENTITY WARNING: the sources disagree on {} ({})", fields.join(", "), claims.join("; "))
        }
        OverviewPart::Unreadable { list, records } => {
            format!("{}: {}", snake(list), super::output::unreadable_text(records)?)
        }
        OverviewPart::DecisionSupport { status, cards, left_out } => {
            let state = serde_json::to_value(&status.state).ok()?;
            let reason = state.get("reason").and_then(|r| r.as_str()).map(|r| format!(": {r}")).unwrap_or_default();
            let left: u32 = left_out.iter().map(|l| l.count).sum();
            let left = if left > 0 { format!(", {left} left out") } else { String::new() };
            format!(
                "decision support {}: {}{reason} ({} cards{left})",
                status.name,
                state["state"].as_str()?,
                cards.len()
            )
        }
        OverviewPart::GeneralPractitioner { gp } => match &gp.registration {
            GpRegistration::NoList => "GP: on no GP's list".into(),
            GpRegistration::OnList { list } => {
                let phone = list.office.phone.as_deref().map(|p| format!(", phone {p}")).unwrap_or_default();
                match &list.gp {
                    Some(doctor) => format!(
                        "GP: {}{} (HPR {}), {}{phone}",
                        doctor.name,
                        if doctor.substitute { " (substitute)" } else { "" },
                        doctor.hpr_number,
                        list.office.name
                    ),
                    None => format!("GP: a list without a GP at {}{phone}", list.office.name),
                }
            }
        },
        OverviewPart::Person { .. } | OverviewPart::Identity { warning: None } => return None,
    })
}
