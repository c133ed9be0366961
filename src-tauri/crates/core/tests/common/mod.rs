//! Signing a workspace in against the sandbox with every national simulator, and
//! opening patients with their parts collected: shared by the patient-view tests and
//! the overview latency example.

// Each user of this module uses a different part of it.
#![allow(dead_code)]

pub mod smart_app;

use arbeidsflate_core::aggregate::Concurrency;
use arbeidsflate_core::keystore::EphemeralStore;
use arbeidsflate_core::{Profile, Workspace};
use arbeidsflate_model::collected::CollectedView;
use arbeidsflate_model::overview::{AccessRequest, OverviewPart, PatientTarget, SourceKind, SourceState, SourceStatus};
use arbeidsflate_model::view::{ClinicianRole, WorklistEntry};
use arbeidsflate_model::AppError;
use sandbox::{Sandbox, SandboxOptions};
use std::sync::{Arc, Mutex};

/// A data directory of the test's own. It outlives the workspace's open database (a
/// test may destructure `Setup` with `..`, dropping this at once), so it is not removed
/// on drop; directories left by earlier runs are removed after an hour.
pub struct TempData(pub std::path::PathBuf);

impl TempData {
    pub fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let root = std::env::temp_dir().join("arbeidsflate-core-tests");
        for old in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let stale = old.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if stale.is_some_and(|age| age > std::time::Duration::from_secs(3600)) {
                let _ = std::fs::remove_dir_all(old.path());
            }
        }
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = root.join(format!("{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

pub struct Setup {
    pub sb: Sandbox,
    /// The clock the sandbox and the workspace share; a test may move it on.
    pub clock: Arc<clock::TickingClock>,
    pub ws: Workspace,
    pub entries: Vec<WorklistEntry>,
    pub data: TempData,
}

/// The sandbox's profile with every national service it simulates.
pub fn profile_for(sb: &Sandbox) -> Profile {
    arbeidsflate_core::profile::for_sandbox(sb)
}

/// Signs in as the first clinician in `role`, with `edit` applied to the profile, and
/// loads the worklist.
pub async fn signed_in_as(role: ClinicianRole, edit: impl FnOnce(&mut Profile)) -> Setup {
    signed_in_at(clock::matrix::test_now(), role, edit).await
}

/// Like [`signed_in_as`], with the sandbox and the workspace living at `at`.
pub async fn signed_in_at(
    at: chrono::DateTime<chrono::Utc>,
    role: ClinicianRole,
    edit: impl FnOnce(&mut Profile),
) -> Setup {
    signed_in_on(SandboxOptions::default(), at, role, edit).await
}

/// Like [`signed_in_at`], on a sandbox started with `options` (its clock replaced).
pub async fn signed_in_on(
    options: SandboxOptions,
    at: chrono::DateTime<chrono::Utc>,
    role: ClinicianRole,
    edit: impl FnOnce(&mut Profile),
) -> Setup {
    let clock = clock::TickingClock::shared(at);
    let sb = Sandbox::start(SandboxOptions { clock: clock.clone(), ..options }).await.unwrap();
    let mut profile = profile_for(&sb);
    edit(&mut profile);
    let pid = sb.clinicians.iter().find(|c| c.role == role).unwrap().pid.clone();
    let data = TempData::new();
    let ws = Workspace::with_test_user(profile, Arc::new(EphemeralStore::default()), Some(pid))
        .with_data_dir(data.0.clone())
        .with_clock(sb.clock.clone());
    ws.sign_in_headless().await.unwrap();
    let entries = ws.worklist().await.unwrap().entries;
    Setup { sb, clock, ws, entries, data }
}

/// A second workspace on `sb` with `profile` and its own keys and data, signed in as the
/// first clinician in `role` with her worklist loaded (benchmarks compare two profiles).
pub async fn beside(
    sb: &Sandbox,
    role: ClinicianRole,
    profile: Profile,
    keys: Arc<EphemeralStore>,
) -> (Workspace, TempData) {
    let pid = sb.clinicians.iter().find(|c| c.role == role).unwrap().pid.clone();
    let data = TempData::new();
    let ws =
        Workspace::with_test_user(profile, keys, Some(pid)).with_data_dir(data.0.clone()).with_clock(sb.clock.clone());
    ws.sign_in_headless().await.unwrap();
    ws.worklist().await.unwrap();
    (ws, data)
}

/// The home-care nurse, with `edit` applied to the profile.
pub async fn signed_in_with(edit: impl FnOnce(&mut Profile)) -> Setup {
    signed_in_as(ClinicianRole::HomeCareNurse, edit).await
}

pub async fn signed_in() -> Setup {
    signed_in_with(|_| {}).await
}

/// Opens a patient in parallel; the result and every part in the order they came.
/// A worklist patient's view, once every source has answered.
pub async fn view_of(ws: &Workspace, patient_ref: &str) -> Result<CollectedView, AppError> {
    ws.open_patient_view_collected(&PatientTarget::Worklist { patient_ref: patient_ref.into() }, None).await
}

pub async fn open(
    ws: &Workspace,
    target: PatientTarget,
    access: Option<AccessRequest>,
) -> (Result<Vec<SourceStatus>, AppError>, Vec<OverviewPart>) {
    let parts: Arc<Mutex<Vec<OverviewPart>>> = Arc::default();
    let sink = parts.clone();
    let result = ws
        .open_patient_view(
            &target,
            access.as_ref(),
            Concurrency::Parallel,
            Arc::new(move |p| sink.lock().unwrap().extend(p)),
        )
        .await;
    let parts = parts.lock().unwrap().clone();
    (result, parts)
}

pub fn worklist(entry: &WorklistEntry) -> PatientTarget {
    PatientTarget::Worklist { patient_ref: entry.patient_ref.clone() }
}

pub fn nin_of(entry: &WorklistEntry) -> String {
    entry.national_id.replace(' ', "")
}

pub fn state_of(statuses: &[SourceStatus], kind: SourceKind) -> SourceState {
    statuses.iter().find(|s| s.source == kind).unwrap().state.clone()
}

/// The sandbox's first home-care nurse.
pub fn home_care_nurse(sb: &Sandbox) -> String {
    sb.clinicians.iter().find(|c| c.role == ClinicianRole::HomeCareNurse).unwrap().pid.clone()
}
