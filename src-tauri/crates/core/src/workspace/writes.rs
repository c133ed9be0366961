//! Writes recorded online or offline: queued in the outbox with what they show locally
//! and their access entry, sent in order, conflicts settled by the clinician.

use super::{SignedIn, Workspace};
use crate::access;
use crate::cache::MUNICIPAL;
use crate::outbox::drain::{drain, DrainReport};
use crate::outbox::requests::{self, OutboxRequest};
use arbeidsflate_model::offline::{
    ConflictChoice, ConflictView, OutboxItem, OutboxItemState, VitalsEntry, WriteKind, WriteReceipt,
};
use arbeidsflate_model::view::Worklist;
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::{AccessEntry, NewWrite, OutboxState};
use std::sync::atomic::Ordering;

/// A write for the outbox: the request, what it shows locally until sent, and the app
/// that made it, if another supplier's app did (for the access log).
pub(super) struct QueuedWrite<'a> {
    pub patient_ref: &'a str,
    pub kind: WriteKind,
    pub summary: String,
    pub request: OutboxRequest,
    pub local: Vec<serde_json::Value>,
    pub app: Option<&'a str>,
}

impl<'a> QueuedWrite<'a> {
    pub(super) fn new(
        patient_ref: &'a str,
        kind: WriteKind,
        summary: String,
        request: OutboxRequest,
        local: Vec<serde_json::Value>,
    ) -> Self {
        Self { patient_ref, kind, summary, request, local, app: None }
    }
}

impl Workspace {
    /// The platform's practitioner reference of the signed-in clinician.
    fn practitioner_ref(s: &SignedIn) -> String {
        format!("Practitioner/{}", s.context.practitioner_id)
    }

    /// Queues a write with what it shows locally and its access log entry, then tries
    /// to send it at once when online.
    pub(super) async fn queue_write(&self, s: &SignedIn, write: QueuedWrite<'_>) -> Result<WriteReceipt, AppError> {
        let QueuedWrite { patient_ref, kind, summary, mut request, local, app } = write;
        let cache = self.cache_of(s).await?;
        let list = match self.cached_worklist(s).await {
            Ok(l) => l,
            Err(_) => self.worklist().await?,
        };
        let entry = list
            .entries
            .iter()
            .find(|e| e.patient_ref == patient_ref)
            .ok_or_else(|| AppError::new(ErrorCode::PatientNotFound, "the patient is not on your worklist"))?;
        let decision = access::decide(None, None, true, &self.now())?;
        let action = format!("write:{}", kind_name(kind));
        let patient = entry.national_id.replace(' ', "");
        let mut logged = self.access_entry(
            s,
            &patient,
            &action,
            vec![sources::municipal::SOURCE_NAME.into()],
            &decision,
            if self.is_online() { "online" } else { "cache" },
        );
        logged.app = app.map(str::to_string);
        let client_id = sources::random_uuid();
        if let OutboxRequest::Update { resource, .. } = &mut request {
            requests::tag_write(resource, &client_id);
        }
        let body = serde_json::to_string(&request).expect("a request serialises");
        let at = self.now();
        let entry_json = serde_json::to_string(&logged).expect("an access entry serialises");
        let write = NewWrite {
            client_id: &client_id,
            created_at: &at,
            kind: kind_name(kind),
            patient_key: patient_ref,
            summary: &summary,
            body: &body,
        };
        let seq =
            cache.with(|st| st.enqueue(&write, MUNICIPAL, &local, &AccessEntry { at: &at, entry: &entry_json }))?;
        tracing::info!(kind = kind_name(kind), "write queued");
        let mut sent = false;
        if self.is_online() {
            let report = self.drain_outbox().await?;
            sent = report.sent > 0 && cache.with(|st| st.outbox_entry(seq))?.is_none();
        }
        Ok(WriteReceipt { outbox_id: seq, sent })
    }

    pub async fn record_vitals(&self, patient_ref: &str, vitals: &VitalsEntry) -> Result<WriteReceipt, AppError> {
        requests::validate_vitals(vitals)?;
        let s = self.current().await?;
        let observations = requests::vitals_observations(
            vitals,
            patient_ref,
            &Self::practitioner_ref(&s),
            &self.now(),
            sources::random_uuid,
        );
        let request = OutboxRequest::Transaction { bundle: requests::conditional_creates(&observations) };
        let summary = format!("{} målinger", observations.len());
        let write = QueuedWrite::new(patient_ref, WriteKind::Vitals, summary, request, observations);
        self.queue_write(&s, write).await
    }

    pub async fn record_note(&self, patient_ref: &str, text: &str) -> Result<WriteReceipt, AppError> {
        let s = self.current().await?;
        let reference = Self::practitioner_ref(&s);
        let author = requests::Author { reference: &reference, name: &s.clinician.name };
        let note = requests::nursing_note(text, &sources::random_uuid(), patient_ref, author, &self.now())?;
        let request = OutboxRequest::Transaction { bundle: requests::conditional_creates(std::slice::from_ref(&note)) };
        self.queue_write(
            &s,
            QueuedWrite::new(patient_ref, WriteKind::Note, "Sykepleienotat".into(), request, vec![note]),
        )
        .await
    }

    /// Completes a task on the version the clinician saw; a newer one on the server
    /// becomes a conflict to settle, never an overwrite.
    pub async fn complete_task(&self, patient_ref: &str, task_id: &str) -> Result<WriteReceipt, AppError> {
        let s = self.current().await?;
        let task = self.resource_to_update(&s, "Task", task_id).await?;
        if task["for"]["reference"].as_str() != Some(&format!("Patient/{patient_ref}")) {
            return Err(AppError::new(ErrorCode::InvalidInput, "the task is not this patient's"));
        }
        let version = task["meta"]["versionId"].as_str().unwrap_or("1").to_string();
        let done = requests::completed_task(&task, &self.now())
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "the task is not open"))?;
        let summary =
            sources::normalize::task(&task, "", "").map(|t| t.description).unwrap_or_else(|| "Oppgave".into());
        let request = OutboxRequest::Update { resource: done.clone(), if_match: version };
        self.queue_write(&s, QueuedWrite::new(patient_ref, WriteKind::TaskCompleted, summary, request, vec![done]))
            .await
    }

    /// Marks a visit on today's route as carried out, on the version the clinician saw.
    pub async fn complete_visit(&self, visit_id: &str) -> Result<WriteReceipt, AppError> {
        let s = self.current().await?;
        let visit = self.resource_to_update(&s, "Appointment", visit_id).await?;
        let patient_ref = visit["participant"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["actor"]["reference"].as_str()?.strip_prefix("Patient/"))
            .next()
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "the visit names no patient"))?
            .to_string();
        let version = visit["meta"]["versionId"].as_str().unwrap_or("1").to_string();
        let done = requests::fulfilled_visit(&visit)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "the visit is not planned or under way"))?;
        let summary = match visit["description"].as_str() {
            Some(d) => format!("Besøk: {}", arbeidsflate_model::text::clean(d)),
            None => "Besøk".into(),
        };
        let request = OutboxRequest::Update { resource: done.clone(), if_match: version };
        self.queue_write(&s, QueuedWrite::new(&patient_ref, WriteKind::VisitCompleted, summary, request, vec![done]))
            .await
    }

    /// The version of a resource a change is made on: the cached one (what the
    /// clinician saw), else the server's when online.
    async fn resource_to_update(&self, s: &SignedIn, rtype: &str, id: &str) -> Result<serde_json::Value, AppError> {
        let cache = self.cache_of(s).await?;
        match cache.with(|st| st.resource(rtype, id))? {
            Some(r) => Ok(r),
            None if self.is_online() => s.platform.fhir().read(rtype, id).await.map_err(crate::errors::from_source),
            None => Err(AppError::new(ErrorCode::NotCached, format!("the {rtype} is not in the offline cache"))),
        }
    }

    /// Shows visits marked done here, and not yet sent, as done in the worklist.
    pub(super) async fn with_local_visits(&self, s: &SignedIn, mut list: Worklist) -> Worklist {
        let Ok(cache) = self.cache_of(s).await else { return list };
        for entry in list.entries.iter_mut().filter(|e| !e.visit_done) {
            let Some(id) = &entry.visit_id else { continue };
            if let Ok(Some(local)) = cache.with(|st| st.pending_resource("Appointment", id)) {
                entry.visit_done = local["status"] == "fulfilled";
            }
        }
        list
    }

    /// Sends what waits in the outbox, then ships the access log.
    pub async fn drain_outbox(&self) -> Result<DrainReport, AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        let _one_at_a_time = self.draining.lock().await;
        let cds = self.feedback_client().await;
        let report = drain(&cache, s.platform.fhir(), cds, || self.now_ms()).await?;
        let attempted = report.sent + report.failed + report.conflicts + report.deferred + report.audit_shipped > 0;
        if attempted {
            self.online.store(report.deferred == 0 || report.session_expired, Ordering::SeqCst);
        } else {
            // Nothing was sent, which says nothing about the network: ask the platform.
            let probe =
                s.platform.fhir().search_first_page("Practitioner", &[("_id", &s.context.practitioner_id)]).await;
            self.note_reachability(probe.as_ref().err());
        }
        if report.sent + report.failed + report.conflicts > 0 {
            tracing::info!(sent = report.sent, failed = report.failed, conflicts = report.conflicts, "outbox drained");
        }
        Ok(report)
    }

    pub async fn outbox_items(&self) -> Result<Vec<OutboxItem>, AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        Ok(cache.with(|st| st.outbox())?.into_iter().map(outbox_item).collect())
    }

    pub async fn retry_write(&self, id: i64) -> Result<(), AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        if !cache.with(|st| st.requeue(id, None))? {
            return Err(AppError::new(ErrorCode::InvalidInput, "no such write in the outbox"));
        }
        // Asked for by the user: tried now, online or not (a failure queues it again).
        self.drain_outbox().await?;
        Ok(())
    }

    /// Drops a queued write (the UI asks first).
    pub async fn discard_write(&self, id: i64) -> Result<(), AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        if !cache.with(|st| st.discard(id))? {
            return Err(AppError::new(ErrorCode::InvalidInput, "no such write in the outbox"));
        }
        tracing::info!("a queued write was discarded by the user");
        Ok(())
    }

    /// Settles a conflict: my change on top of the platform's version, or theirs stands.
    pub async fn resolve_conflict(&self, id: i64, choice: ConflictChoice) -> Result<(), AppError> {
        let s = self.current().await?;
        let cache = self.cache_of(&s).await?;
        let entry = cache
            .with(|st| st.outbox_entry(id))?
            .filter(|e| e.state == OutboxState::Conflict)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "no conflict with that id"))?;
        let theirs: serde_json::Value =
            serde_json::from_str(entry.conflict.as_deref().unwrap_or("null")).unwrap_or_default();
        match choice {
            ConflictChoice::TakeTheirs => {
                cache.with(|st| {
                    st.discard(id)?;
                    if theirs.is_object() {
                        st.put_resources(MUNICIPAL, &entry.patient_key, std::slice::from_ref(&theirs))?;
                    }
                    Ok(())
                })?;
            }
            ConflictChoice::KeepMine => {
                let Ok(OutboxRequest::Update { resource: mine, .. }) = serde_json::from_str(&entry.body) else {
                    return Err(AppError::new(ErrorCode::InvalidInput, "only an update can be re-applied"));
                };
                let version = theirs["meta"]["versionId"]
                    .as_str()
                    .ok_or_else(|| AppError::new(ErrorCode::ServiceError, "the platform's version is not known"))?;
                let mut merged = theirs.clone();
                // What the write changed (a task's or a visit's), on top of their version.
                for field in ["status", "lastModified", "executionPeriod"] {
                    if !mine[field].is_null() {
                        merged[field] = mine[field].clone();
                    }
                }
                requests::tag_write(&mut merged, &entry.client_id);
                let body = serde_json::to_string(&OutboxRequest::Update { resource: merged, if_match: version.into() })
                    .expect("a request serialises");
                cache.with(|st| st.requeue(id, Some(&body)))?;
                if self.is_online() {
                    self.drain_outbox().await?;
                }
            }
        }
        Ok(())
    }
}

fn kind_name(kind: WriteKind) -> &'static str {
    match kind {
        WriteKind::Vitals => "vitals",
        WriteKind::Note => "note",
        WriteKind::TaskCompleted => "task-completed",
        WriteKind::VisitCompleted => "visit-completed",
        WriteKind::App => "app",
        WriteKind::Suggestion => "suggestion",
        WriteKind::Feedback => "feedback",
    }
}

fn outbox_item(e: arbeidsflate_store::OutboxEntry) -> OutboxItem {
    let kind = match e.kind.as_str() {
        "note" => WriteKind::Note,
        "task-completed" => WriteKind::TaskCompleted,
        "visit-completed" => WriteKind::VisitCompleted,
        "app" => WriteKind::App,
        "suggestion" => WriteKind::Suggestion,
        "feedback" => WriteKind::Feedback,
        _ => WriteKind::Vitals,
    };
    let state = match e.state {
        OutboxState::Queued => OutboxItemState::Queued,
        OutboxState::Failed => OutboxItemState::Failed,
        OutboxState::Conflict => OutboxItemState::Conflict,
    };
    let conflict = e.conflict.as_deref().map(|theirs| {
        let theirs: serde_json::Value = serde_json::from_str(theirs).unwrap_or_default();
        let mine: Option<OutboxRequest> = serde_json::from_str(&e.body).ok();
        let mine_status = match &mine {
            Some(OutboxRequest::Update { resource, .. }) => resource["status"].as_str().unwrap_or("").to_string(),
            _ => String::new(),
        };
        ConflictView {
            mine: arbeidsflate_model::text::clean(&mine_status),
            theirs: arbeidsflate_model::text::clean(theirs["status"].as_str().unwrap_or("")),
            their_updated: theirs["meta"]["lastUpdated"].as_str().map(arbeidsflate_model::text::clean),
        }
    });
    OutboxItem {
        id: e.seq,
        kind,
        created_at: e.created_at,
        summary: arbeidsflate_model::text::clean(&e.summary),
        patient_ref: e.patient_key,
        state,
        attempts: e.attempts,
        last_error: e.last_error.map(|x| arbeidsflate_model::text::clean(&x)),
        conflict,
    }
}
