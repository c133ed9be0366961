//! The headless commands that sign in and print what the UI would show.

use super::AppArgs;
use crate::environment::{clinicians, resolve_environment, Environment, KEYRING_SERVICE};
use arbeidsflate_core::keystore::OsKeyring;
use arbeidsflate_core::Workspace;
use arbeidsflate_model::collected::CollectedView;
use arbeidsflate_model::overview::PlatformPart;
use arbeidsflate_model::partial::{Unreadable, UnreadableReason};
use arbeidsflate_model::view::{ClinicianRole, VitalKind, Worklist, WorklistKind};
use arbeidsflate_model::AppError;
use std::sync::Arc;

/// Held for as long as the command runs.
static INSTANCE: std::sync::OnceLock<arbeidsflate_core::cache::instance::InstanceLock> = std::sync::OnceLock::new();

pub(super) fn fail(message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    1
}

/// A command used wrongly: said, with exit code 2.
pub(super) fn usage(message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    2
}

/// One user of the cache at a time: not while the app (or another command) has it.
pub(super) fn hold_instance(data_dir: &std::path::Path) -> Result<(), i32> {
    let lock = arbeidsflate_core::cache::instance::InstanceLock::acquire(data_dir).map_err(app_error)?;
    let _ = INSTANCE.set(lock);
    Ok(())
}

pub(super) fn print_json<T: serde::Serialize>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).expect("views serialise"));
}

pub(super) fn app_error(e: AppError) -> i32 {
    fail(format!("{} ({:?})", e.detail, e.code))
}

pub async fn doctor(app: &AppArgs, json: bool) -> i32 {
    let env = match resolve_environment(app.profile.as_deref()).await {
        Ok(env) => env,
        Err(e) => {
            if json {
                print_json(
                    &serde_json::json!({"ok": false, "checks": [{"name": "profile", "ok": false, "detail": e}]}),
                );
            } else {
                eprintln!("[FAIL] profile                      {e}");
            }
            return 1;
        }
    };
    let mut report =
        arbeidsflate_core::doctor::run(&env.profile, app.data_dir.as_deref(), KEYRING_SERVICE, env.clock.clone()).await;
    // Resolving succeeded, so the source is known and allowed.
    if let Ok(source) = crate::environment::profile_source(app.profile.as_deref()) {
        report.checks.insert(
            0,
            arbeidsflate_core::doctor::Check { name: "profile source".into(), ok: true, detail: source.describe() },
        );
    }
    report.checks.push(crate::logging::check(env.profile.logging.level));
    report.ok = report.checks.iter().all(|c| c.ok);
    if json {
        print_json(&report);
    } else {
        print!("{}", report.to_text());
    }
    i32::from(!report.ok)
}

/// Resolves the environment and signs in as the chosen (or default) test user.
pub(super) async fn signed_in(app: &AppArgs, user: Option<String>) -> Result<(Environment, Workspace), i32> {
    let env = resolve_environment(app.profile.as_deref()).await.map_err(fail)?;
    if !env.profile.allows_test_login() {
        return Err(fail("headless sign-in is only for sandbox and test profiles"));
    }
    let pid = match user {
        Some(pid) => pid,
        None => {
            let all = clinicians(&env).await.map_err(fail)?;
            all.into_iter()
                .find(|c| c.role == ClinicianRole::NursingHomeNurse)
                .map(|c| c.pid)
                .ok_or_else(|| fail("the sandbox has no nursing-home nurse"))?
        }
    };
    let keys = Arc::new(OsKeyring::new(KEYRING_SERVICE));
    let data_dir = app.data_dir.clone().unwrap_or_else(arbeidsflate_core::cache::default_data_dir);
    hold_instance(&data_dir)?;
    let ws = Workspace::with_test_user(env.profile.clone(), keys, Some(pid))
        .with_data_dir(data_dir)
        .with_clock(env.clock.clone());
    ws.apply_wipe_flag().map_err(app_error)?;
    ws.sign_in_headless().await.map_err(app_error)?;
    Ok((env, ws))
}

pub async fn worklist(app: &AppArgs, user: Option<String>, json: bool) -> i32 {
    let (_env, ws) = match signed_in(app, user).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let me = ws.clinician().await.expect("signed in");
    match ws.worklist().await {
        Ok(list) if json => {
            print_json(&serde_json::json!({"clinician": me, "worklist": list}));
            0
        }
        Ok(list) => {
            println!("{} (HPR {}) – {}", me.name, me.hpr_number, me.unit_name);
            print!("{}", worklist_text(&list));
            0
        }
        Err(e) => app_error(e),
    }
}

pub async fn users(app: &AppArgs, json: bool) -> i32 {
    let env = match resolve_environment(app.profile.as_deref()).await {
        Ok(env) => env,
        Err(e) => return fail(e),
    };
    match clinicians(&env).await {
        Ok(list) if json => {
            print_json(&list);
            0
        }
        Ok(list) => {
            for c in list {
                println!("{}  HPR {:<10} {:<22} {:?} – {}", c.pid, c.hpr_number, c.name(), c.role, c.unit_name);
            }
            0
        }
        Err(e) => fail(e),
    }
}

fn worklist_text(list: &Worklist) -> String {
    let mut out = match &list.kind {
        WorklistKind::Ward { ward_name } => format!("Avdeling {ward_name}: {} beboere\n", list.entries.len()),
        WorklistKind::Route { date } => format!("Besøk {date}: {}\n", list.entries.len()),
    };
    for e in &list.entries {
        let when = e.visit_start.as_deref().map(oslo_time).unwrap_or_default();
        let place = e.room.as_deref().or(e.address.as_deref()).unwrap_or("");
        let age = e.age.map_or("ukjent alder".to_string(), |a| format!("{a:>3} år"));
        let nin = if e.national_id.is_empty() { "(fødselsnummer ukjent)" } else { e.national_id.as_str() };
        out.push_str(&format!("  {when:<5} {:<26} {nin}  {age}  {place}\n", e.name));
    }
    if let Some(line) = unreadable_text(&list.unreadable) {
        out.push_str(&format!("  ! {line}\n"));
    }
    out
}

/// The wall-clock time in Norway of an RFC 3339 time (`14:30`), or the text as it came.
fn oslo_time(at: &str) -> String {
    match clock::parse_instant(at) {
        Some(t) => t.with_timezone(&clock::CLINICAL_ZONE).format("%H:%M").to_string(),
        None => at.to_string(),
    }
}

/// "2 kunne ikke vises: 1 pasient uten navn, 1 henvisning til en pasient som mangler".
pub(super) fn unreadable_text(list: &[Unreadable]) -> Option<String> {
    let total = arbeidsflate_model::partial::unreadable_count(list);
    if total == 0 {
        return None;
    }
    let reasons: Vec<String> = list
        .iter()
        .map(|u| {
            let why = match u.reason {
                UnreadableReason::NoName => "uten navn",
                UnreadableReason::NoId => "uten id",
                UnreadableReason::MissingPatient => "som viser til en pasient svaret mangler",
                UnreadableReason::Malformed => "som ikke kunne leses",
                UnreadableReason::NoText => "uten noe å vise",
            };
            let what = match u.resource_type.as_str() {
                "Patient" => "pasient",
                "Encounter" => "opphold",
                "Appointment" => "besøk",
                "AllergyIntolerance" => "allergi",
                "MedicationStatement" => "legemiddel",
                "Flag" => "varsel",
                "Condition" => "diagnose",
                "CarePlan" => "tiltak",
                "Task" => "oppgave",
                "DocumentReference" => "notat",
                _ => "oppføring",
            };
            format!("{} {what} {why}", u.count)
        })
        .collect();
    Some(format!("{total} kunne ikke vises: {}", reasons.join(", ")))
}

fn vital_name(kind: VitalKind) -> &'static str {
    match kind {
        VitalKind::Pulse => "Puls",
        VitalKind::SystolicBp => "Systolisk BT",
        VitalKind::DiastolicBp => "Diastolisk BT",
        VitalKind::Temperature => "Temperatur",
        VitalKind::Spo2 => "SpO2",
        VitalKind::RespiratoryRate => "Respirasjonsfrekvens",
        VitalKind::Consciousness => "Bevissthet (ACVPU)",
    }
}

/// A patient's view as text: who, what could not be shown, allergies, medications and
/// the latest vital signs from every source, and how each source answered.
pub(super) fn view_text(view: &CollectedView) -> String {
    let mut out = match view.banner() {
        Some(b) => format!(
            "{}, {} år, fødselsnummer {}{}\n",
            b.name,
            b.age.map(|a| a.to_string()).unwrap_or_else(|| "ukjent".into()),
            b.national_id,
            if b.synthetic { " (syntetisk testperson)" } else { "" }
        ),
        None => "Pasienten: ukjent (ingen kilde svarte med navn)\n".into(),
    };
    if let Some(Some(warning)) = view.identity() {
        out.push_str(&format!("ADVARSEL: kildene er uenige om hvem pasienten er ({} felt)\n", warning.fields.len()));
    }
    let left_out = |list: PlatformPart| {
        view.unreadable(list).and_then(unreadable_text).map(|t| format!("  ({t})\n")).unwrap_or_default()
    };
    let unknown = "  ukjent: kilden svarte ikke\n";
    out.push_str(&gp_text(view.general_practitioner()));
    out.push_str("Allergier:\n");
    match view.allergies() {
        None => out.push_str(unknown),
        Some([]) if view.unreadable(PlatformPart::Allergies).is_none_or(|u| u.is_empty()) => {
            out.push_str("  ingen registrert\n")
        }
        Some(items) => {
            for a in items.iter().map(|m| &m.allergy) {
                let crit = if a.criticality.as_deref() == Some("high") { " (høy kritikalitet)" } else { "" };
                out.push_str(&format!("  - {}{crit}: {}\n", a.substance, a.reaction.as_deref().unwrap_or("")));
            }
        }
    }
    out.push_str(&left_out(PlatformPart::Allergies));
    out.push_str("Legemidler:\n");
    match view.medications() {
        None => out.push_str(unknown),
        Some(items) => {
            for m in items.iter().map(|m| &m.medication) {
                out.push_str(&format!("  - {} – {}\n", m.name, m.dosage.as_deref().unwrap_or("")));
            }
        }
    }
    out.push_str(&left_out(PlatformPart::Medications));
    out.push_str("Siste vitale parametre:\n");
    match view.vitals() {
        None => out.push_str(unknown),
        Some((latest, _)) => {
            for v in latest {
                let at = v.effective.get(..16).unwrap_or("");
                out.push_str(&format!(
                    "  - {}: {} {} ({at}, {})\n",
                    vital_name(v.kind),
                    v.display,
                    v.unit,
                    v.provenance.source
                ));
            }
        }
    }
    out.push_str("Kilder:\n");
    for s in &view.sources {
        let state = serde_json::to_value(&s.state).ok().and_then(|v| v["state"].as_str().map(str::to_string));
        out.push_str(&format!("  - {}: {}\n", s.name, state.unwrap_or_default()));
    }
    out
}

/// Who to call: the GP and the office's number, said plainly when there is none.
fn gp_text(gp: Option<&arbeidsflate_model::gp::GpDetails>) -> String {
    use arbeidsflate_model::gp::GpRegistration;
    let Some(gp) = gp else { return "Fastlege: ukjent (Fastlegeregisteret svarte ikke)\n".into() };
    match &gp.registration {
        GpRegistration::NoList => "Fastlege: står ikke på noen fastlegeliste\n".into(),
        GpRegistration::OnList { list } => {
            let phone = list.office.phone.as_deref().map(|p| format!(", telefon {p}")).unwrap_or_default();
            let who = match &list.gp {
                Some(g) if g.substitute => format!("{} (vikar)", g.name),
                Some(g) => g.name.clone(),
                None => "liste uten fast lege".into(),
            };
            format!("Fastlege: {who}, {}{phone}\n", list.office.name)
        }
    }
}
