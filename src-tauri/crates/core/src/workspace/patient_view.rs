//! Opening a patient: the access basis, the attested adapters for this patient, the
//! parts as the sources answer, and the documents listed in the open view.

use super::decision_support::Held;
use super::{SessionAuthorizer, SignedIn, Workspace};
use crate::access::{self, Decision};
use crate::aggregate::{self, Concurrency, Deadlines, PartSink, PatientKeys, SourceSet};
use crate::errors::from_source;
use arbeidsflate_model::collected::CollectedView;
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::overview::{
    AccessRequest, DocumentView, OverviewPart, PatientTarget, SourceKind, SourceState, SourceStatus,
};
use arbeidsflate_model::{AppError, ErrorCode};
use sources::documents::{DocumentContent, DocumentSharing, RetrievedDocument, SharedDocumentRef};
use sources::kjernejournal::{Kjernejournal, NhnContext};
use sources::person::PersonLookup;
use sources::sfm::Sfm;
use sources::RequestAuthorizer;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What opening a document needs: the listed references and the attested authoriser.
pub(super) struct OpenPatient {
    nin: NationalId,
    documents: Vec<SharedDocumentRef>,
    authorizer: Arc<dyn RequestAuthorizer>,
    nhn: NhnContext,
}

impl Workspace {
    /// Opens a patient's view from every source, handing its parts to `sink` as the
    /// sources answer; returns every source's final status. Worklist patients open on
    /// the care relationship; anyone else needs `access` (emergency with a reason).
    pub async fn open_patient_view(
        &self,
        target: &PatientTarget,
        access: Option<&AccessRequest>,
        concurrency: Concurrency,
        sink: PartSink,
    ) -> Result<Vec<SourceStatus>, AppError> {
        let s = self.current().await?;
        *s.open.write().await = None;
        // The patient open before is closed: the apps launched for them lose their access.
        if let Some(previous) = s.open_ref.write().await.take() {
            self.close_patient_for_apps(&previous);
        }
        self.decision_support.forget_patient();
        if s.worklist.read().await.is_empty() {
            self.worklist().await?;
        }
        // Known to be offline: the cache answers at once instead of every source timing out.
        if !self.is_online() && self.cache_of(&s).await.is_ok() {
            let statuses = self.open_cached_view(target, sink.clone()).await?;
            self.decision_support_offline(&sink);
            return Ok(statuses);
        }
        let (municipal_id, nin, on_worklist) = self.resolve_target(&s, target).await?;
        let key = nin.as_ref().map(|n| n.as_str().to_string()).or(municipal_id.clone()).unwrap_or_default();
        let decision = self.decide_for(&s, &key, access, on_worklist).await?;
        *s.open_ref.write().await = municipal_id.clone();
        // Emergency access is logged as such; the reason itself is clinical text and stays out.
        tracing::info!(
            basis = decision.grant.basis.header_value(),
            emergency = decision.grant.emergency,
            "access basis"
        );

        let set = self.sources_for(&s, &decision).await?;
        let nhn = aggregate::nhn_context(s.clinician.role, decision.grant.basis);
        let keys = PatientKeys {
            municipal_id: municipal_id.clone(),
            nin: nin.clone(),
            nhn: nhn.clone(),
            today: self.today(),
            clock: self.clock(),
            critical_status: Self::usable_critical_status(&s, nin.as_ref()),
        };
        let initial = aggregate::initial_statuses(&set, &keys);
        let asked = initial.iter().filter(|st| st.state == SourceState::Waiting).map(|st| st.name.clone()).collect();
        let logged = self.access_entry(&s, &key, "view", asked, &decision, "online");
        self.log_access(&s, &logged).await;
        sink(vec![OverviewPart::Opened {
            patient_ref: municipal_id.clone().unwrap_or_else(|| key.clone()),
            access: decision.grant.clone(),
            sources: initial,
        }]);
        let deadlines = Deadlines {
            slow_after: Duration::from_millis(self.profile.session.source_slow_after_ms),
            deadline: Duration::from_secs(self.profile.session.source_deadline_seconds),
        };
        // Decision support starts at once on the cached record where there is one, so its
        // cards come with the sources' answers; otherwise on the record the sources give.
        let cached = match (&municipal_id, self.cache_of(&s).await) {
            (Some(id), Ok(cache)) => {
                crate::cache::record::cached_record(&cache, id, self.now_ms()).ok().flatten().map(|record| Held {
                    record,
                    failed: Vec::new(),
                    critical_allergies: crate::cache::reader::cached_critical_allergies(&cache, id),
                })
            }
            _ => None,
        };
        let fired_early = cached.is_some();
        if fired_early {
            self.fire_patient_view(&s, (&key, &decision), municipal_id.as_deref(), cached, sink.clone()).await;
        }
        let gathered = aggregate::gather(&set, &keys, deadlines, concurrency, sink.clone()).await;
        if !fired_early {
            let record = gathered.record.clone().map(|record| Held {
                record,
                failed: gathered.failed_parts.clone(),
                critical_allergies: gathered.critical_allergies.clone(),
            });
            self.fire_patient_view(&s, (&key, &decision), municipal_id.as_deref(), record, sink.clone()).await;
        }
        let platform_unreachable = gathered.statuses.iter().any(|st| {
            st.source == SourceKind::Municipal
                && st.state
                    == (SourceState::Failed { reason: arbeidsflate_model::overview::SourceFailure::Unreachable })
        });
        self.online.store(!platform_unreachable, std::sync::atomic::Ordering::SeqCst);
        // The network went while asking: a worklist patient is shown from the cache instead.
        if platform_unreachable && on_worklist && self.cache_of(&s).await.is_ok() {
            match self.open_cached_view(target, sink).await {
                Ok(statuses) => return Ok(statuses),
                Err(e) => tracing::info!(code = ?e.code, "no cached view to fall back on"),
            }
        }
        if gathered.session_expired {
            return Err(AppError::new(ErrorCode::SessionExpired, "sign in again"));
        }
        if let (Some(nin), Some((_, auth))) = (nin, set.documents) {
            *s.open.write().await = Some(OpenPatient { nin, documents: gathered.documents, authorizer: auth, nhn });
        }
        Ok(gathered.statuses)
    }

    /// The adapters for one patient with the decision in force: patient-data services
    /// get tokens attested for the patient where the profile allows one.
    pub(super) async fn sources_for<'a>(
        &self,
        s: &'a SignedIn,
        decision: &Decision,
    ) -> Result<SourceSet<'a>, AppError> {
        let helseid = self.helseid().await?;
        let attested: Option<Arc<dyn RequestAuthorizer>> =
            access::attestation(self.profile.organisation.as_ref(), s.clinician.role, decision).map(|attestation| {
                Arc::new(SessionAuthorizer {
                    client: helseid.clone(),
                    session: s.session.clone(),
                    attestation: Some(attestation),
                }) as Arc<dyn RequestAuthorizer>
            });
        let plain: Arc<dyn RequestAuthorizer> =
            Arc::new(SessionAuthorizer { client: helseid, session: s.session.clone(), attestation: None });
        // Patient-data services get the attested tokens where the profile allows one.
        let patient_auth = attested.clone().unwrap_or_else(|| plain.clone());
        let national = &self.profile.national;
        let http = &self.http;
        let nhn = aggregate::nhn_context(s.clinician.role, decision.grant.basis);
        let clock = self.clock();
        let gp_register = self.gp_register().await;
        Ok(SourceSet {
            municipal: &s.platform,
            kjernejournal: national.kjernejournal.as_ref().map(|c| {
                Kjernejournal::new(http.clone(), &c.base_url, &c.audience, patient_auth.clone())
                    .with_clock(clock.clone())
            }),
            // The medication list asks for the organisation's claims, not a patient's
            // attestation: the session's token serves every patient.
            medication_list: national.medication_list.as_ref().map(|c| {
                Sfm::new(http.clone(), &c.base_url, &c.audience, plain.clone())
                    .with_nhn(nhn.clone())
                    .with_clock(clock.clone())
            }),
            documents: national.documents.as_ref().zip(attested.clone()).map(|(c, auth)| {
                let sharing = DocumentSharing::new(http.clone(), &c.base_url, &c.audience);
                (sharing.with_nhn(nhn.clone()).with_clock(clock.clone()), auth)
            }),
            person: national.person.as_ref().map(|c| {
                PersonLookup::new(http.clone(), &c.base_url, &c.audience, plain.clone())
                    .with_nhn(nhn.clone())
                    .with_clock(clock.clone())
            }),
            gp_register,
        })
    }

    /// The platform id and number of the patient to open, and whether the care
    /// relationship of the worklist covers them. A number is validated before any lookup.
    /// The access decision for the patient known by `key` (number, else platform id):
    /// the one stated now, else the one in force, else the worklist's care relationship;
    /// kept for the session, so every later use (opening, preparing, the sync) shares
    /// one decision and the tokens attested for it.
    pub(super) async fn decide_for(
        &self,
        s: &SignedIn,
        key: &str,
        access: Option<&AccessRequest>,
        on_worklist: bool,
    ) -> Result<Decision, AppError> {
        let mut decisions = s.decisions.write().await;
        let decision = access::decide(access, decisions.get(key), on_worklist, &self.now())?;
        decisions.insert(key.to_string(), decision.clone());
        Ok(decision)
    }

    pub(super) async fn resolve_target(
        &self,
        s: &SignedIn,
        target: &PatientTarget,
    ) -> Result<(Option<String>, Option<NationalId>, bool), AppError> {
        match target {
            PatientTarget::Worklist { patient_ref } => {
                let Some(nin) = s.worklist.read().await.get(patient_ref).cloned() else {
                    return Err(AppError::new(ErrorCode::PatientNotFound, "the patient is not on your worklist"));
                };
                Ok((Some(patient_ref.clone()), nin, true))
            }
            PatientTarget::NationalId { national_id } => {
                let nin = NationalId::parse(national_id)
                    .map_err(|e| AppError::new(ErrorCode::InvalidNationalId, e.to_string()))?;
                let on_list: Vec<String> = s
                    .worklist
                    .read()
                    .await
                    .iter()
                    .filter(|(_, n)| n.as_ref() == Some(&nin))
                    .map(|(r, _)| r.clone())
                    .collect();
                if on_list.len() > 1 {
                    return Err(AppError::new(
                        ErrorCode::AmbiguousPatient,
                        format!(
                            "{} patients on your worklist have this number: open the one meant from the list",
                            on_list.len()
                        ),
                    ));
                }
                let on_list = on_list.into_iter().next();
                let on_worklist = on_list.is_some();
                Ok((on_list, Some(nin), on_worklist))
            }
        }
    }

    /// [`Self::open_patient_view`] gathered whole: every part and every source's final
    /// status once all have answered (the CLI's JSON, tests and benchmarks).
    pub async fn open_patient_view_collected(
        &self,
        target: &PatientTarget,
        access: Option<&AccessRequest>,
    ) -> Result<CollectedView, AppError> {
        let parts: Arc<Mutex<Vec<OverviewPart>>> = Arc::default();
        let collected = parts.clone();
        let sink: PartSink =
            Arc::new(move |batch| collected.lock().unwrap_or_else(PoisonError::into_inner).extend(batch));
        let sources = self.open_patient_view(target, access, Concurrency::Parallel, sink).await?;
        let parts = std::mem::take(&mut *parts.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(CollectedView { parts, sources })
    }

    /// Opens a document listed in the open patient's view for the app's own viewer:
    /// a PDF as its bytes, anything structured as sanitised sections.
    pub async fn open_document(&self, id: u32) -> Result<DocumentView, AppError> {
        let (doc, retrieved) = self.retrieve_document(id).await?;
        match retrieved.into_content() {
            Ok(DocumentContent::Pdf(bytes)) => {
                use base64::Engine;
                let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
                Ok(DocumentView::Pdf { title: doc.title, data })
            }
            Ok(DocumentContent::Structured(rendered)) => Ok(DocumentView::Structured {
                title: rendered.title.unwrap_or(doc.title),
                format: rendered.format,
                sections: rendered.sections,
            }),
            Err(e) => Err(AppError::new(ErrorCode::DocumentUnavailable, e.to_string())),
        }
    }

    /// Retrieves a document listed in the open patient's view (ITI-68), checked to be
    /// what it declares.
    pub async fn retrieve_document(&self, id: u32) -> Result<(SharedDocumentRef, RetrievedDocument), AppError> {
        let s = self.current().await?;
        let open = s.open.read().await;
        let open = open.as_ref().ok_or_else(|| AppError::new(ErrorCode::PatientNotFound, "no patient is open"))?;
        let doc = open
            .documents
            .get(id as usize)
            .ok_or_else(|| AppError::new(ErrorCode::DocumentUnavailable, "no such document"))?;
        let service = self
            .profile
            .national
            .documents
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::DocumentUnavailable, "document sharing is not configured"))?;
        let sharing =
            DocumentSharing::new(self.http.clone(), &service.base_url, &service.audience).with_nhn(open.nhn.clone());
        let retrieved = sharing.retrieve(doc, &open.nin, open.authorizer.clone()).await.map_err(|e| match e {
            sources::SourceError::Malformed(_) => AppError::new(ErrorCode::DocumentUnavailable, e.to_string()),
            other => from_source(other),
        })?;
        Ok((doc.clone(), retrieved))
    }
}
