//! Gathers one patient's view from every source at once. Each source has its own
//! deadline; its answer is turned into parts (merged with what other sources said)
//! and handed to the sink as it arrives, with a status per source, so a slow or
//! failing service never holds back or removes the others' data.

use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::gp::GpDetails;
use arbeidsflate_model::merged::{MergedAllergy, MergedMedication};
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::overview::{
    DocumentSummary, NotAvailableReason, OverviewPart, PartFailure, PlatformPart, RegisterRetrieval, SourceFailure,
    SourceKind, SourceState, SourceStatus,
};
use arbeidsflate_model::person::PersonDetails;
use arbeidsflate_model::view::{Allergy, ClinicianRole, Medication, PatientBanner, PatientOverview};
use chrono::NaiveDate;
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::Value;
use sources::documents::{DocumentList, DocumentSharing, SharedDocumentRef};
use sources::gp_register::GpRegister;
use sources::kjernejournal::{KjOutcome, KjStatus, Kjernejournal, NhnContext};
use sources::person::PersonLookup;
use sources::record::{PatientRecord, RecordView};
use sources::sfm::{MedicationList, Sfm};
use sources::{MunicipalPlatform, RequestAuthorizer, SourceError};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Receives the view's parts in the order they are ready: each call carries one
/// source's answer (its parts, then its status), so the UI updates once per answer.
pub type PartSink = Arc<dyn Fn(Vec<OverviewPart>) + Send + Sync>;

#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// A source still working after this is shown as slow.
    pub slow_after: Duration,
    /// A source that has not answered by this is given up on (timed out).
    pub deadline: Duration,
}

/// Whether sources are asked together (the app) or one after another (the
/// benchmark's baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    Parallel,
    Serial,
}

/// The adapters for one opening; `None` where the profile has no such service.
pub struct SourceSet<'a> {
    pub municipal: &'a MunicipalPlatform,
    pub kjernejournal: Option<Kjernejournal>,
    pub medication_list: Option<Sfm>,
    /// With the authoriser whose tokens carry this patient's attestation.
    pub documents: Option<(DocumentSharing, Arc<dyn RequestAuthorizer>)>,
    pub person: Option<PersonLookup>,
    /// With the service user from the keyring; `Err` when IT configured the register but
    /// its credentials are not there (the source shows as refused, saying so).
    pub gp_register: Option<Result<GpRegister, String>>,
}

/// Who the patient is to each source.
pub struct PatientKeys {
    /// The platform's logical id; `None` when the platform must be searched by number.
    pub municipal_id: Option<String>,
    pub nin: Option<NationalId>,
    pub nhn: NhnContext,
    pub today: NaiveDate,
    /// When each source's answer arrived, by the session's clock.
    pub clock: clock::SharedClock,
    /// Kjernejournal's status from just before, when it can stand in for asking again.
    pub critical_status: Option<KjStatus>,
}

/// What the gathering leaves behind for the workspace.
pub struct Gathered {
    pub statuses: Vec<SourceStatus>,
    /// The shared documents listed, by their `DocumentSummary::id` (the index).
    pub documents: Vec<SharedDocumentRef>,
    pub session_expired: bool,
    /// The platform's record as it came (`None` when the platform did not have the
    /// patient or gave nothing), for decision support's prefetch …
    pub record: Option<PatientRecord>,
    /// … and the parts of it that did not come (their lists are unknown, not empty).
    pub failed_parts: Vec<PlatformPart>,
    /// Kjernejournal's allergies, where it answered with any (for the same prefetch).
    pub critical_allergies: Vec<Allergy>,
}

pub(crate) enum Answer {
    Municipal(Result<Option<Box<PatientOverview>>, SourceError>),
    Kjernejournal(Result<KjOutcome, SourceError>),
    MedicationList(Result<MedicationList, SourceError>),
    Documents(Result<DocumentList, SourceError>),
    Person(Result<PersonDetails, SourceError>),
    GpRegister(Result<GpDetails, SourceError>),
}

/// A national source's answer as the offline cache keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) enum CachedAnswer {
    Kjernejournal(KjOutcome),
    MedicationList(MedicationList),
    Documents(DocumentList),
    Person(PersonDetails),
    GpRegister(GpDetails),
}

impl Answer {
    /// The answer to keep for offline use: a national source's successful answer.
    pub(crate) fn to_cached(&self) -> Option<CachedAnswer> {
        Some(match self {
            Answer::Kjernejournal(Ok(a)) => CachedAnswer::Kjernejournal(a.clone()),
            Answer::MedicationList(Ok(a)) => CachedAnswer::MedicationList(a.clone()),
            Answer::Documents(Ok(a)) => CachedAnswer::Documents(a.clone()),
            Answer::Person(Ok(a)) => CachedAnswer::Person(a.clone()),
            Answer::GpRegister(Ok(a)) => CachedAnswer::GpRegister(a.clone()),
            _ => return None,
        })
    }
}

impl From<CachedAnswer> for Answer {
    fn from(c: CachedAnswer) -> Self {
        match c {
            CachedAnswer::Kjernejournal(a) => Answer::Kjernejournal(Ok(a)),
            CachedAnswer::MedicationList(a) => Answer::MedicationList(Ok(a)),
            // Offline, nothing can be retrieved: the list shows what there is, none opens.
            CachedAnswer::Documents(mut a) => {
                a.documents.iter_mut().for_each(|d| d.url = None);
                Answer::Documents(Ok(a))
            }
            CachedAnswer::Person(a) => Answer::Person(Ok(a)),
            CachedAnswer::GpRegister(a) => Answer::GpRegister(Ok(a)),
        }
    }
}

type AnswerFuture<'a> = Pin<Box<dyn Future<Output = (SourceKind, Option<Answer>, Duration)> + Send + 'a>>;

/// What the national services are told about the lookup: this system, the user's role
/// and the access basis.
pub fn nhn_context(role: ClinicianRole, access_basis: AccessBasis) -> NhnContext {
    NhnContext {
        source_system: format!("Arbeidsflate {}", env!("CARGO_PKG_VERSION")),
        user_role: role.hpr_category().into(),
        access_basis,
    }
}

pub fn source_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Municipal => sources::municipal::SOURCE_NAME,
        SourceKind::Kjernejournal => sources::kjernejournal::SOURCE_NAME,
        SourceKind::MedicationList => sources::sfm::SOURCE_NAME,
        SourceKind::Documents => sources::documents::SOURCE_NAME,
        SourceKind::Person => sources::person::SOURCE_NAME,
        SourceKind::GpRegister => sources::gp_register::SOURCE_NAME,
    }
}

fn status(kind: SourceKind, state: SourceState) -> SourceStatus {
    SourceStatus {
        source: kind,
        name: source_name(kind).into(),
        state,
        fetched_at: None,
        elapsed_ms: None,
        detail: None,
    }
}

/// The sources' statuses before anything is asked.
pub fn initial_statuses(set: &SourceSet<'_>, keys: &PatientKeys) -> Vec<SourceStatus> {
    SourceKind::ALL
        .iter()
        .map(|&kind| {
            let configured = match kind {
                SourceKind::Municipal => true,
                SourceKind::Kjernejournal => set.kjernejournal.is_some(),
                SourceKind::MedicationList => set.medication_list.is_some(),
                SourceKind::Documents => set.documents.is_some(),
                SourceKind::Person => set.person.is_some(),
                SourceKind::GpRegister => set.gp_register.is_some(),
            };
            let state = match (configured, kind == SourceKind::Municipal || keys.nin.is_some()) {
                (false, _) => SourceState::NotConfigured,
                // Without a valid number the national services cannot be asked.
                (true, false) => SourceState::NotAvailable { reason: NotAvailableReason::NotRegistered },
                (true, true) => SourceState::Waiting,
            };
            status(kind, state)
        })
        .collect()
}

/// Asks every configured source, hands parts to `sink` as answers arrive, and
/// returns when every source has answered or passed its deadline. The municipal
/// platform is asked part by part (each search its own deadline), so one slow or
/// failing search holds back or removes nothing else.
pub async fn gather(
    set: &SourceSet<'_>,
    keys: &PatientKeys,
    deadlines: Deadlines,
    concurrency: Concurrency,
    sink: PartSink,
) -> Gathered {
    let mut statuses = initial_statuses(set, keys);
    let mut view = Assembled::default();
    let started = Instant::now();
    let mut asked: Vec<SettledFuture<'_>> = Vec::new();
    for s in statuses.iter().filter(|s| s.state == SourceState::Waiting) {
        if s.source == SourceKind::Municipal {
            asked.push(find_on_platform(set.municipal, keys, deadlines.deadline));
        } else {
            asked.push(Box::pin(settled_source(ask(set, keys, s.source, deadlines.deadline))));
        }
    }
    match concurrency {
        Concurrency::Parallel => {
            let mut pending: FuturesUnordered<SettledFuture<'_>> = asked.into_iter().collect();
            let slow = tokio::time::sleep(deadlines.slow_after);
            tokio::pin!(slow);
            let mut slow_marked = false;
            loop {
                tokio::select! {
                    next = pending.next() => match next {
                        Some((settled, elapsed)) => {
                            let more = view.settle(settled, elapsed, set, keys, deadlines, &mut statuses, &sink);
                            pending.extend(more);
                        }
                        None => break,
                    },
                    _ = &mut slow, if !slow_marked => {
                        slow_marked = true;
                        let mut parts = Vec::new();
                        for s in statuses.iter_mut().filter(|s| s.state == SourceState::Waiting) {
                            s.state = SourceState::Slow;
                            parts.push(OverviewPart::Status { status: s.clone() });
                        }
                        if !parts.is_empty() {
                            sink(parts);
                        }
                    }
                }
            }
        }
        Concurrency::Serial => {
            for future in asked {
                let (settled, elapsed) = future.await;
                // The platform's parts are one source: asked together, as one answer would be.
                let parts = view.settle(settled, elapsed, set, keys, deadlines, &mut statuses, &sink);
                for (settled, elapsed) in futures_util::future::join_all(parts).await {
                    view.settle(settled, elapsed, set, keys, deadlines, &mut statuses, &sink);
                }
            }
        }
    }
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "patient view gathered");
    let failed_parts = view.platform.failed.iter().map(|f| f.part).collect();
    let record = (!view.platform.not_registered && !view.platform.settled.is_empty()).then_some(view.platform.record);
    Gathered {
        statuses,
        documents: view.documents,
        session_expired: view.session_expired,
        record,
        failed_parts,
        critical_allergies: view.kj_allergies,
    }
}

/// What settled: a national source's whole answer, the platform finding the patient,
/// or one part of the platform's answer (`None`: past its deadline).
enum Settled {
    Source(SourceKind, Option<Box<Answer>>),
    /// The patient's id on the platform (`Ok(None)`: the platform does not have them).
    PlatformFound(Option<Result<Option<String>, SourceError>>),
    PlatformPart(PlatformPart, Option<Result<Vec<Value>, SourceError>>),
}

type SettledFuture<'a> = Pin<Box<dyn Future<Output = (Settled, Duration)> + Send + 'a>>;

async fn settled_source(asked: AnswerFuture<'_>) -> (Settled, Duration) {
    let (kind, answer, elapsed) = asked.await;
    (Settled::Source(kind, answer.map(Box::new)), elapsed)
}

/// The platform's id for the patient: known from the worklist, or searched by number.
fn find_on_platform<'a>(
    platform: &'a MunicipalPlatform,
    keys: &'a PatientKeys,
    deadline: Duration,
) -> SettledFuture<'a> {
    Box::pin(async move {
        let started = Instant::now();
        let found = match (&keys.municipal_id, &keys.nin) {
            (Some(id), _) => Some(Ok(Some(id.clone()))),
            (None, Some(nin)) => tokio::time::timeout(deadline, platform.find_patient(nin)).await.ok(),
            (None, None) => Some(Ok(None)),
        };
        (Settled::PlatformFound(found), started.elapsed())
    })
}

/// One part of the platform's answer, bounded by the deadline.
fn platform_part<'a>(
    platform: &'a MunicipalPlatform,
    id: String,
    today: NaiveDate,
    part: PlatformPart,
    deadline: Duration,
) -> SettledFuture<'a> {
    Box::pin(async move {
        let started = Instant::now();
        let answer = tokio::time::timeout(deadline, platform.part(&id, today, part)).await.ok();
        (Settled::PlatformPart(part, answer), started.elapsed())
    })
}

/// Builds the view from answers kept offline, through the same merging as online:
/// each source still waiting in `statuses` gets its kept answer (marked cached, with
/// the time it was fetched) or, with none kept, "not cached".
pub(crate) fn replay(
    mut statuses: Vec<SourceStatus>,
    mut answers: Vec<(SourceKind, Answer, String)>,
    keys: &PatientKeys,
    sink: PartSink,
) -> Vec<SourceStatus> {
    let mut view = Assembled::default();
    let waiting: Vec<SourceKind> =
        statuses.iter().filter(|s| s.state == SourceState::Waiting).map(|s| s.source).collect();
    for kind in waiting {
        let kept = answers.iter().position(|(k, _, _)| *k == kind).map(|i| answers.swap_remove(i));
        let Some((_, answer, fetched_at)) = kept else {
            let s = statuses.iter_mut().find(|s| s.source == kind).expect("every source has a status");
            s.state = SourceState::NotAvailable { reason: NotAvailableReason::NotCached };
            sink(vec![OverviewPart::Status { status: s.clone() }]);
            continue;
        };
        view.receive(kind, Some(answer), Duration::ZERO, &mut statuses, keys, &sink_cached(&sink, &fetched_at));
        let s = statuses.iter_mut().find(|s| s.source == kind).expect("every source has a status");
        if s.state == SourceState::Fresh {
            s.state = SourceState::Cached;
        }
        s.fetched_at = Some(fetched_at);
        s.elapsed_ms = None;
    }
    statuses
}

/// Passes parts on, with a source's status rewritten as cached (at `fetched_at`).
fn sink_cached(sink: &PartSink, fetched_at: &str) -> PartSink {
    let (sink, fetched_at) = (sink.clone(), fetched_at.to_string());
    Arc::new(move |parts: Vec<OverviewPart>| {
        let parts = parts
            .into_iter()
            .map(|p| match p {
                OverviewPart::Status { mut status } => {
                    if status.state == SourceState::Fresh {
                        status.state = SourceState::Cached;
                    }
                    status.fetched_at = Some(fetched_at.clone());
                    status.elapsed_ms = None;
                    OverviewPart::Status { status }
                }
                other => other,
            })
            .collect();
        sink(parts)
    })
}

/// One national source's request, bounded by the deadline (`None` answer = timed out).
pub(crate) fn ask<'a>(
    set: &'a SourceSet<'a>,
    keys: &'a PatientKeys,
    kind: SourceKind,
    deadline: Duration,
) -> AnswerFuture<'a> {
    Box::pin(async move {
        let started = Instant::now();
        let work: Pin<Box<dyn Future<Output = Answer> + Send + 'a>> = match kind {
            // Callers ask the platform part by part (`gather`) or not at all (`sync`).
            SourceKind::Municipal => unreachable!("the platform is asked part by part"),
            SourceKind::Kjernejournal => Box::pin(async move {
                let (kj, nin) = (set.kjernejournal.as_ref().expect("asked only when configured"), nin(keys));
                Answer::Kjernejournal(
                    kj.critical_information_after(nin, &keys.nhn, keys.critical_status.as_ref()).await,
                )
            }),
            SourceKind::MedicationList => Box::pin(async move {
                let sfm = set.medication_list.as_ref().expect("asked only when configured");
                Answer::MedicationList(sfm.get_medication(nin(keys)).await)
            }),
            SourceKind::Documents => Box::pin(async move {
                let (docs, auth) = set.documents.as_ref().expect("asked only when configured");
                Answer::Documents(docs.search(nin(keys), auth.clone()).await)
            }),
            SourceKind::Person => Box::pin(async move {
                let person = set.person.as_ref().expect("asked only when configured");
                Answer::Person(person.get_by_nin(nin(keys), true).await)
            }),
            SourceKind::GpRegister => Box::pin(async move {
                Answer::GpRegister(match set.gp_register.as_ref().expect("asked only when configured") {
                    Ok(register) => register.patient_gp(nin(keys)).await,
                    Err(why) => Err(SourceError::NotAuthorised(why.clone())),
                })
            }),
        };
        let answer = tokio::time::timeout(deadline, work).await.ok();
        (kind, answer, started.elapsed())
    })
}

fn nin(keys: &PatientKeys) -> &NationalId {
    keys.nin.as_ref().expect("national services are asked only with a valid number")
}

fn failure(e: &SourceError) -> SourceFailure {
    match e {
        SourceError::Unreachable(_) => SourceFailure::Unreachable,
        SourceError::NotAuthorised(_) | SourceError::NoToken(_) => SourceFailure::Refused,
        SourceError::SessionExpired => SourceFailure::SessionExpired,
        SourceError::Malformed(_) | SourceError::InvalidInput(_) => SourceFailure::Malformed,
        SourceError::NotFound | SourceError::Http { .. } | SourceError::Config(_) => SourceFailure::ServiceError,
    }
}

/// The parts so far, kept per source so each answer re-merges the lists.
#[derive(Default)]
struct Assembled {
    platform: PlatformProgress,
    municipal_allergies: Vec<Allergy>,
    kj_allergies: Vec<Allergy>,
    municipal_medications: Vec<Medication>,
    list_medications: Vec<Medication>,
    list_history: Vec<Medication>,
    retrievals: Vec<RegisterRetrieval>,
    /// Who the sources say the patient is, for the banner and the identity check.
    platform_banner: Option<PatientBanner>,
    register: Option<PersonDetails>,
    documents: Vec<SharedDocumentRef>,
    session_expired: bool,
}

/// The platform's parts so far: what came (as a record the views read), what did not.
#[derive(Default)]
struct PlatformProgress {
    record: PatientRecord,
    settled: Vec<PlatformPart>,
    failed: Vec<PartFailure>,
    details: Vec<String>,
    /// The platform does not have the patient: its other parts no longer count.
    not_registered: bool,
}

impl PlatformProgress {
    fn has(&self, part: PlatformPart) -> bool {
        self.settled.contains(&part) && !self.failed.iter().any(|f| f.part == part)
    }

    fn done(&self) -> bool {
        self.not_registered || self.settled.len() == PlatformPart::ALL.len()
    }

    /// The platform's state once every part settled: all came, some, or none.
    fn state(&self) -> SourceState {
        let mut failed = self.failed.clone();
        failed.sort_by_key(|f| f.part);
        match failed.first() {
            None => SourceState::Fresh,
            Some(first) if failed.len() == PlatformPart::ALL.len() => SourceState::Failed { reason: first.reason },
            Some(_) => SourceState::Partial { failed },
        }
    }
}

const CARE_PARTS: [PlatformPart; 3] = [PlatformPart::Conditions, PlatformPart::CarePlans, PlatformPart::Tasks];

impl Assembled {
    /// Takes what settled; returns what is to be asked next (the platform's parts once
    /// the patient is found there).
    #[allow(clippy::too_many_arguments)]
    fn settle<'a>(
        &mut self,
        settled: Settled,
        elapsed: Duration,
        set: &'a SourceSet<'a>,
        keys: &'a PatientKeys,
        deadlines: Deadlines,
        statuses: &mut [SourceStatus],
        sink: &PartSink,
    ) -> Vec<SettledFuture<'a>> {
        match settled {
            Settled::Source(kind, answer) => self.receive(kind, answer.map(|a| *a), elapsed, statuses, keys, sink),
            Settled::PlatformFound(Some(Ok(Some(id)))) => {
                return PlatformPart::ALL
                    .into_iter()
                    .map(|part| platform_part(set.municipal, id.clone(), keys.today, part, deadlines.deadline))
                    .collect();
            }
            Settled::PlatformFound(found) => {
                let answer = found.map(|r| r.map(|_| None));
                self.receive(SourceKind::Municipal, answer.map(Answer::Municipal), elapsed, statuses, keys, sink)
            }
            Settled::PlatformPart(part, answer) => {
                self.receive_platform_part(part, answer, elapsed, statuses, keys, sink)
            }
        }
        Vec::new()
    }

    /// One part of the platform's answer: the views it completes go to the sink at
    /// once; the platform's status once every part has settled.
    fn receive_platform_part(
        &mut self,
        part: PlatformPart,
        answer: Option<Result<Vec<Value>, SourceError>>,
        elapsed: Duration,
        statuses: &mut [SourceStatus],
        keys: &PatientKeys,
        sink: &PartSink,
    ) {
        if self.platform.not_registered {
            return;
        }
        let mut parts = Vec::new();
        self.platform.settled.push(part);
        let failure = match answer {
            Some(Ok(resources)) => {
                self.platform.record.put(part, resources);
                None
            }
            Some(Err(SourceError::NotFound)) if part == PlatformPart::Banner => {
                self.platform.not_registered = true;
                None
            }
            Some(Err(e)) => {
                self.session_expired |= matches!(e, SourceError::SessionExpired);
                self.platform.details.push(format!("{part:?}: {e}"));
                Some(failure(&e))
            }
            None => Some(SourceFailure::TimedOut),
        };
        if let Some(reason) = failure {
            tracing::warn!(?part, ?reason, "a part of the platform's answer failed");
            self.platform.failed.push(PartFailure { part, reason });
        }
        // A failed part shows nothing of its own, but may be the last of care's three.
        if !self.platform.not_registered && (failure.is_none() || CARE_PARTS.contains(&part)) {
            self.platform_views(part, keys, &mut parts);
        }
        if self.platform.done() {
            let s = statuses.iter_mut().find(|s| s.source == SourceKind::Municipal).expect("the platform has a status");
            s.state = if self.platform.not_registered {
                SourceState::NotAvailable { reason: NotAvailableReason::NotRegistered }
            } else {
                self.platform.state()
            };
            s.detail = (!self.platform.details.is_empty()).then(|| self.platform.details.join("; "));
            s.elapsed_ms = Some(elapsed.as_millis().min(u32::MAX as u128) as u32);
            s.fetched_at = Some(keys.clock.now().to_rfc3339());
            parts.push(OverviewPart::Status { status: s.clone() });
        }
        if !parts.is_empty() {
            sink(parts);
        }
    }

    /// The views `part` completes, read from the platform's record so far.
    fn platform_views(&mut self, part: PlatformPart, keys: &PatientKeys, parts: &mut Vec<OverviewPart>) {
        let at = keys.clock.now().to_rfc3339();
        let platform = &self.platform;
        let view = RecordView {
            record: &platform.record,
            source: sources::municipal::SOURCE_NAME,
            at: &at,
            today: keys.today,
            now: keys.clock.now(),
        };
        // Counted now, sent after the list it belongs to.
        let left_out = view.unreadable(part);
        match part {
            PlatformPart::Banner => match view.banner() {
                Ok(banner) => self.platform_banner(banner, keys, parts),
                // Read, but not a patient that can be shown: the register's banner stands in.
                Err(e) => {
                    self.platform.details.push(format!("Banner: {e}"));
                    self.platform.failed.push(PartFailure { part, reason: failure(&e) });
                }
            },
            PlatformPart::Allergies => {
                self.municipal_allergies = view.allergies();
                parts.push(self.allergies_part());
            }
            PlatformPart::Medications => {
                self.municipal_medications = view.medications();
                parts.push(self.medications_part());
            }
            PlatformPart::Vitals => {
                let (latest, news2) = view.vitals();
                parts.push(OverviewPart::Vitals { latest, news2 });
            }
            PlatformPart::HomeMeasurements => {
                parts.push(OverviewPart::HomeMeasurements { series: view.home_measurements() })
            }
            PlatformPart::Warnings => parts.push(OverviewPart::Warnings { items: view.warnings() }),
            PlatformPart::Visits => parts.push(OverviewPart::Visits { items: view.visits() }),
            PlatformPart::Notes => parts.push(OverviewPart::Notes { items: view.notes() }),
            // Care is one view of three searches: shown once all three have settled (a
            // failed one is named by the platform's status, not shown as "none").
            PlatformPart::Conditions | PlatformPart::CarePlans | PlatformPart::Tasks => {
                // Nothing when none of the three came: the widget says the platform failed.
                let settled = CARE_PARTS.iter().all(|p| platform.settled.contains(p));
                if settled && CARE_PARTS.iter().any(|&p| platform.has(p)) {
                    let (has_conditions, has_plans, has_tasks) = (
                        platform.has(PlatformPart::Conditions),
                        platform.has(PlatformPart::CarePlans),
                        platform.has(PlatformPart::Tasks),
                    );
                    parts.push(OverviewPart::Care {
                        conditions: if has_conditions { view.conditions() } else { Vec::new() },
                        activities: if has_plans { view.care_activities() } else { Vec::new() },
                        tasks: if has_tasks { view.tasks() } else { Vec::new() },
                    });
                }
            }
        }
        // Said even when nothing was left out, so a refreshed list's count replaces the old one.
        parts.push(OverviewPart::Unreadable { list: part, records: left_out });
    }

    fn receive(
        &mut self,
        kind: SourceKind,
        answer: Option<Answer>,
        elapsed: Duration,
        statuses: &mut [SourceStatus],
        keys: &PatientKeys,
        sink: &PartSink,
    ) {
        let mut parts = Vec::new();
        let s = statuses.iter_mut().find(|s| s.source == kind).expect("every source has a status");
        s.state = match answer {
            None => SourceState::Failed { reason: SourceFailure::TimedOut },
            Some(answer) => match self.apply(answer, keys, &mut parts) {
                Ok(state) => state,
                Err(e) => {
                    self.session_expired |= matches!(e, SourceError::SessionExpired);
                    let reason = failure(&e);
                    tracing::warn!(source = ?kind, ?reason, "source failed");
                    s.detail = Some(e.to_string());
                    SourceState::Failed { reason }
                }
            },
        };
        s.elapsed_ms = Some(elapsed.as_millis().min(u32::MAX as u128) as u32);
        s.fetched_at = Some(keys.clock.now().to_rfc3339());
        parts.push(OverviewPart::Status { status: s.clone() });
        sink(parts);
    }

    /// Turns an answer into parts; the source's new state, or its error.
    fn apply(
        &mut self,
        answer: Answer,
        keys: &PatientKeys,
        parts: &mut Vec<OverviewPart>,
    ) -> Result<SourceState, SourceError> {
        match answer {
            Answer::Municipal(r) => {
                let Some(o) = r? else {
                    return Ok(SourceState::NotAvailable { reason: NotAvailableReason::NotRegistered });
                };
                self.platform_banner(o.banner, keys, parts);
                parts.push(OverviewPart::Warnings { items: o.warnings });
                parts.push(OverviewPart::Vitals { latest: o.latest_vitals, news2: o.news2 });
                parts.push(OverviewPart::Care {
                    conditions: o.conditions,
                    activities: o.care_activities,
                    tasks: o.tasks,
                });
                parts.push(OverviewPart::Visits { items: o.visits });
                parts.push(OverviewPart::Notes { items: o.notes });
                parts.push(OverviewPart::HomeMeasurements { series: o.home_measurements });
                self.municipal_allergies = o.allergies;
                self.municipal_medications = o.medications;
                parts.push(self.allergies_part());
                parts.push(self.medications_part());
                parts.extend(
                    o.unreadable.into_iter().map(|l| OverviewPart::Unreadable { list: l.list, records: l.records }),
                );
            }
            Answer::Kjernejournal(r) => match r? {
                KjOutcome::Reserved => {
                    return Ok(SourceState::NotAvailable { reason: NotAvailableReason::Reserved });
                }
                KjOutcome::Restricted => {
                    return Ok(SourceState::NotAvailable { reason: NotAvailableReason::Restricted });
                }
                KjOutcome::NoCriticalInformation => {}
                KjOutcome::Allergies(list) => {
                    self.kj_allergies = list;
                    parts.push(self.allergies_part());
                }
            },
            Answer::MedicationList(r) => {
                let list = r?;
                self.list_medications = list.current;
                self.list_history = list.history;
                self.list_history.sort_by(|a, b| b.started.cmp(&a.started));
                self.retrievals = list.retrievals;
                parts.push(self.medications_part());
            }
            Answer::Documents(r) => {
                let list = r?;
                let items = list
                    .documents
                    .iter()
                    .enumerate()
                    .map(|(i, d)| DocumentSummary {
                        id: i as u32,
                        title: d.title.clone(),
                        date: d.date.clone(),
                        author: d.author.clone(),
                        content_type: d.content_type.clone(),
                        can_open: d.url.is_some(),
                        provenance: d.provenance.clone(),
                    })
                    .collect();
                self.documents = list.documents;
                parts.push(OverviewPart::Documents { items, hidden: list.hidden });
            }
            Answer::Person(r) => {
                let person = r?;
                // Folkeregisteret is the authority on identity: its banner replaces the platform's.
                if let Some(banner) = banner_from_register(&person, keys) {
                    parts.push(OverviewPart::Banner { banner });
                }
                self.register = Some(person.clone());
                parts.push(OverviewPart::Person { person });
                parts.push(self.identity_part(keys));
            }
            Answer::GpRegister(r) => parts.push(OverviewPart::GeneralPractitioner { gp: r? }),
        }
        Ok(SourceState::Fresh)
    }

    /// The platform's banner: shown unless Folkeregisteret's already is, and checked.
    fn platform_banner(&mut self, banner: PatientBanner, keys: &PatientKeys, parts: &mut Vec<OverviewPart>) {
        if self.register.is_none() {
            parts.push(OverviewPart::Banner { banner: banner.clone() });
        }
        self.platform_banner = Some(banner);
        parts.push(self.identity_part(keys));
    }

    /// What every source so far says about who the patient is, compared.
    fn identity_part(&self, keys: &PatientKeys) -> OverviewPart {
        let mut claims = Vec::new();
        if let Some(nin) = &keys.nin {
            claims.push(crate::identity::number_claim(nin));
        }
        if let Some(banner) = &self.platform_banner {
            claims.push(crate::identity::platform_claim(banner));
        }
        if let (Some(person), Some(nin)) = (&self.register, &keys.nin) {
            claims.push(crate::identity::register_claim(person, nin));
        }
        let warning = crate::identity::check(&claims);
        if warning.is_some() {
            tracing::warn!("the sources disagree on who the patient is");
        }
        OverviewPart::Identity { warning }
    }

    fn allergies_part(&self) -> OverviewPart {
        let items: Vec<MergedAllergy> = crate::merge::allergies(&[&self.municipal_allergies, &self.kj_allergies]);
        OverviewPart::Allergies { items }
    }

    fn medications_part(&self) -> OverviewPart {
        let items: Vec<MergedMedication> =
            crate::merge::medications(&[&self.municipal_medications, &self.list_medications]);
        OverviewPart::Medications { items, retrievals: self.retrievals.clone(), history: self.list_history.clone() }
    }
}

/// A banner from the population register, for a patient the platform does not know.
fn banner_from_register(person: &PersonDetails, keys: &PatientKeys) -> Option<PatientBanner> {
    let nin = keys.nin.as_ref()?;
    // The register's birth date, else the number's; the age from that same date.
    let written = person.birth_date.as_deref().and_then(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").ok());
    let birth = written.unwrap_or(nin.birth_date());
    Some(PatientBanner {
        source: sources::person::SOURCE_NAME.to_string(),
        name: person.name.clone(),
        national_id: nin.formatted(),
        national_id_valid: true,
        synthetic: nin.is_synthetic(),
        birth_date: Some(birth.to_string()),
        age: keys.today.years_since(birth),
        gender: person.gender.clone(),
    })
}
