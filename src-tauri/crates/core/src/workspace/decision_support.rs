//! Decision support in the workspace: the CDS Hooks services IT chose are discovered at
//! sign-in, and `patient-view` is fired when a patient opens — beside the sources, never
//! in their way: the calls run on their own task, each service's cards go to the view
//! as they come, and opening the patient returns when the sources are done, whatever
//! the services do. The prefetch is filled from what the workspace already holds (the
//! offline cache's record at once, else the record the sources just gave), so nothing
//! is fetched twice.

use super::writes::QueuedWrite;
use super::{SignedIn, Workspace};
use crate::access::Decision;
use crate::aggregate::PartSink;
use crate::keystore::load_or_create_signing_key_on;
use crate::outbox::requests::{self, OutboxRequest};
use arbeidsflate_cds::auth::ClientIdentity;
use arbeidsflate_cds::cards::{card_key, feedback, read_answer, CardRules, HeldSuggestion, Outcome};
use arbeidsflate_cds::client::{CdsClient, FhirAccess, HookCall};
use arbeidsflate_cds::prefetch::{self, HeldRecord, PrefetchContext, PrefetchQuery};
use arbeidsflate_cds::{CdsError, Discovery, ServiceDefinition};
use arbeidsflate_config::decision_support::DecisionSupportService;
use arbeidsflate_model::cds::{
    CardLink, CdsFailure, CdsServiceListing, CdsServiceStatus, CdsState, DecisionCard, OfferedService,
};
use arbeidsflate_model::offline::{WriteKind, WriteReceipt};
use arbeidsflate_model::overview::{OverviewPart, PlatformPart};
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_smart::ServiceTokens;
use arbeidsflate_store::DismissedCard;
use futures_util::future::join_all;
use serde_json::{json, Map, Value};
use sources::record::PatientRecord;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The keyring entry of the key the workspace signs its calls to services with.
pub const CDS_KEY_ENTRY: &str = "cds-client-key";
const HOOK: &str = "patient-view";
/// What a suggestion may create, through the outbox once the clinician confirms.
const CREATABLE: &[&str] = &["Task"];

/// One configured base and what its discovery offered (or why it did not answer).
#[derive(Clone)]
struct Discovered {
    settings: DecisionSupportService,
    offered: Result<Discovery, CdsError>,
}

/// The workspace's decision-support state: shared with the task that calls services.
#[derive(Default)]
pub(super) struct DecisionSupport {
    client: tokio::sync::OnceCell<CdsClient>,
    /// `None` until discovery ran for this sign-in.
    discovered: Arc<tokio::sync::Mutex<Option<Vec<Discovered>>>>,
    /// The calls for the open patient, while they run.
    running: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The open patient's cards and suggestions, by service: what the clinician may act on.
    answers: Arc<Mutex<Vec<ServiceAnswer>>>,
}

/// One service's latest answer for the open patient; a new answer replaces it.
struct ServiceAnswer {
    service_id: String,
    /// Where its feedback goes (`{url}/feedback`).
    service_url: String,
    cards: Vec<DecisionCard>,
    /// Held until the clinician confirms one.
    suggestions: Vec<HeldSuggestion>,
}

impl DecisionSupport {
    /// Stops calls for a patient no longer open and forgets what they sent.
    pub(super) fn forget_patient(&self) {
        if let Some(running) = self.running.lock().unwrap_or_else(PoisonError::into_inner).take() {
            running.abort();
        }
        self.answers.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// At the end of a session: discovery is done again at the next sign-in.
    pub(super) fn forget_session(&self) {
        self.forget_patient();
        if let Ok(mut discovered) = self.discovered.try_lock() {
            *discovered = None;
        }
    }
}

/// The patient's record as prefetch sees it. Only the latest vital signs are held, so
/// only a vital-signs query is answered from them; a part of the platform's answer that
/// failed is not known, so its type answers nothing (not "none").
struct RecordHeld<'a>(&'a PatientRecord, &'a [PlatformPart]);

impl HeldRecord for RecordHeld<'_> {
    fn held(&self, query: &PrefetchQuery) -> Option<Vec<Value>> {
        let (r, failed) = (self.0, self.1);
        let part = match query.resource_type.as_str() {
            "Patient" => PlatformPart::Banner,
            "AllergyIntolerance" => PlatformPart::Allergies,
            "MedicationStatement" => PlatformPart::Medications,
            "Condition" => PlatformPart::Conditions,
            "CarePlan" => PlatformPart::CarePlans,
            "Task" => PlatformPart::Tasks,
            "Flag" => PlatformPart::Warnings,
            "Observation" => PlatformPart::Vitals,
            _ => return None,
        };
        if failed.contains(&part) {
            return None;
        }
        Some(match query.resource_type.as_str() {
            "Patient" => vec![r.patient.clone()],
            "AllergyIntolerance" => r.allergies.clone(),
            "MedicationStatement" => r.medications.clone(),
            "Condition" => r.conditions.clone(),
            "CarePlan" => r.care_plans.clone(),
            "Task" => r.tasks.clone(),
            "Flag" => r.flags.clone(),
            "Observation" if query.params.iter().any(|(k, v)| k == "category" && v == "vital-signs") => {
                r.vitals.clone()
            }
            _ => return None,
        })
    }
}

/// Everything one round of calls needs, owned, so it runs on its own task.
struct Round {
    client: CdsClient,
    discovered: Arc<tokio::sync::Mutex<Option<Vec<Discovered>>>>,
    answers: Arc<Mutex<Vec<ServiceAnswer>>>,
    settings: Vec<DecisionSupportService>,
    patient_id: String,
    /// Her stay in progress, where she has one (`encounterId`).
    stay_id: Option<String>,
    practitioner_id: String,
    /// With the parts of it that did not come.
    record: Option<(PatientRecord, Vec<PlatformPart>)>,
    apps: Vec<(String, String)>,
    /// Cards the clinician dismissed for this patient today: not shown again.
    dismissed: Vec<DismissedCard>,
    /// Tokens for the services IT lets read the record themselves (through the SMART
    /// facade), when the app host runs.
    fhir: Option<ServiceTokens>,
    clock: clock::SharedClock,
    sink: PartSink,
}

impl Workspace {
    /// The client, with the workspace's ES384 key from the keyring. In the sandbox the
    /// public key is registered with its service (IT does that for real services).
    async fn cds_client(&self) -> Result<&CdsClient, AppError> {
        self.decision_support
            .client
            .get_or_try_init(|| client_for(&self.profile, &self.http, &*self.keys, self.clock()))
            .await
    }

    /// Discovery at sign-in, on its own task: the first patient's calls wait for it
    /// (they take the same lock) instead of doing it again; sign-in does not.
    pub(super) async fn discover_decision_support_in_background(&self) {
        let settings = self.profile.decision_support.clone();
        if settings.is_empty() {
            return;
        }
        let client = match self.cds_client().await {
            Ok(client) => client.clone(),
            Err(e) => return tracing::warn!(code = ?e.code, "no key for decision support"),
        };
        let discovered = self.decision_support.discovered.clone();
        let mut known = discovered.lock_owned().await;
        tokio::spawn(async move {
            if known.is_none() {
                *known = Some(discover_all(&client, &settings).await);
            }
        });
    }

    /// The public key services verify the workspace's calls with, as a JWKS document.
    pub async fn decision_support_jwks(&self) -> Result<Value, AppError> {
        Ok(self.cds_client().await?.identity().jwks())
    }

    /// The configured services and what their discovery offers (asked now).
    pub async fn decision_support_services(&self) -> Result<Vec<CdsServiceListing>, AppError> {
        let client = self.cds_client().await?.clone();
        let discovered = discover_all(&client, &self.profile.decision_support).await;
        let listings = discovered.iter().map(listing).collect();
        *self.decision_support.discovered.lock().await = Some(discovered);
        Ok(listings)
    }

    /// Fires `patient-view` at every service for the patient just opened. Called twice
    /// at most per opening: at once when the cache holds her record (`record`), else
    /// when the sources have given it. Earlier calls for any patient stop.
    pub(super) async fn fire_patient_view(
        &self,
        s: &SignedIn,
        opened: (&str, &Decision),
        patient_id: Option<&str>,
        record: Option<(PatientRecord, Vec<PlatformPart>)>,
        sink: PartSink,
    ) {
        self.decision_support.forget_patient();
        let settings: Vec<DecisionSupportService> =
            self.profile.decision_support.iter().filter(|d| d.calls(HOOK)).cloned().collect();
        if settings.is_empty() {
            return;
        }
        let Some(patient_id) = patient_id else {
            // Not on the platform: the services have no patient to look at, and say nothing.
            sink(settings.iter().map(|d| not_asked(d, CdsFailure::NeedsData, "no platform record")).collect());
            return;
        };
        let client = match self.cds_client().await {
            Ok(client) => client.clone(),
            Err(e) => {
                tracing::warn!(code = ?e.code, "no key for decision support");
                sink(settings.iter().map(|d| not_asked(d, CdsFailure::Refused, "no signing key")).collect());
                return;
            }
        };
        // Which services were shown the patient is in the access log, as each source is.
        let (log_key, decision) = opened;
        let names = settings.iter().map(|d| d.name.clone()).collect();
        let entry = self.access_entry(s, log_key, "decision_support", names, decision, "online");
        self.log_access(s, &entry).await;
        let round = Round {
            client,
            discovered: self.decision_support.discovered.clone(),
            answers: self.decision_support.answers.clone(),
            settings,
            patient_id: patient_id.to_string(),
            stay_id: s.stays.read().await.get(patient_id).cloned(),
            practitioner_id: s.context.practitioner_id.clone(),
            record,
            apps: self.profile.apps.iter().map(|a| (a.id.clone(), a.launch_url.clone())).collect(),
            dismissed: self.dismissed_today(s, patient_id).await,
            fhir: self.smart.get().map(|host| host.service_tokens()),
            clock: self.clock(),
            sink,
        };
        let handle = tokio::spawn(round.run());
        *self.decision_support.running.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
    }

    /// Offline: the services are not asked, and say so (no old cards shown as current).
    pub(super) fn decision_support_offline(&self, sink: &PartSink) {
        self.decision_support.forget_patient();
        let parts: Vec<OverviewPart> = self
            .profile
            .decision_support
            .iter()
            .filter(|d| d.calls(HOOK))
            .map(|d| status_part(d.base_url.clone(), d.name.clone(), CdsState::Offline, None))
            .collect();
        if !parts.is_empty() {
            sink(parts);
        }
    }

    /// Waits until the open patient's services have answered or passed their deadlines
    /// (the command line prints the view with them).
    pub async fn decision_support_settled(&self) {
        let running = self.decision_support.running.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(running) = running {
            let _ = running.await;
        }
    }

    /// The open patient's suggestions as the services sent them (applied only after the
    /// clinician confirms).
    pub fn held_suggestions(&self) -> Vec<HeldSuggestion> {
        let answers = self.decision_support.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.iter().flat_map(|a| a.suggestions.iter().cloned()).collect()
    }

    /// Link `index` of the open patient's card `card_id`: the window opens it (a web page
    /// in the system browser, a SMART link through the catalogue) by this, never by an
    /// address the page hands it.
    pub fn card_link(&self, card_id: &str, index: usize) -> Result<CardLink, AppError> {
        let answers = self.decision_support.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers
            .iter()
            .flat_map(|a| a.cards.iter())
            .find(|c| c.id == card_id)
            .and_then(|c| c.links.get(index))
            .cloned()
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "no such link on the open patient's cards"))
    }
}

/// What the clinician does with a card.
pub enum CardUse<'a> {
    /// Applies one suggestion (through the outbox) after the clinician confirmed it.
    Accept { suggestion_id: &'a str },
    /// Dismisses the card for this patient today, with the service's reason if one was chosen.
    Dismiss { reason_code: Option<&'a str>, comment: Option<&'a str> },
}

impl Workspace {
    /// The client that sends feedback from the outbox, where there are services at all.
    pub(super) async fn feedback_client(&self) -> Option<&CdsClient> {
        if self.profile.decision_support.is_empty() {
            return None;
        }
        self.cds_client().await.ok()
    }

    async fn dismissed_today(&self, s: &SignedIn, patient_id: &str) -> Vec<DismissedCard> {
        let Ok(cache) = self.cache_of(s).await else { return Vec::new() };
        let day = self.today().to_string();
        cache.with(|st| st.dismissed_cards(patient_id, &day)).unwrap_or_default()
    }

    /// Acts on card `card_id` of the open patient: accepts one of its suggestions (its
    /// resources go through the outbox, stored once, and the service is told) or dismisses
    /// it (the service is told why). Either way the card is gone for this patient for the
    /// rest of the day, and the use is in the access log. Writes are for worklist patients.
    pub async fn use_card(&self, card_id: &str, used: CardUse<'_>) -> Result<WriteReceipt, AppError> {
        let s = self.current().await?;
        let patient_ref = s
            .open_ref
            .read()
            .await
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::PatientNotFound, "no patient is open"))?;
        let (card, service_url, held) = self.find_card(card_id, &used)?;
        let at = self.now();
        let outcome = match &used {
            CardUse::Accept { suggestion_id } => Outcome::Accepted { suggestion_id },
            CardUse::Dismiss { reason_code, comment } => {
                let reason = reason_code.and_then(|code| card.override_reasons.iter().find(|r| r.code == code));
                if reason_code.is_some() && reason.is_none() {
                    return Err(AppError::new(ErrorCode::InvalidInput, "not one of the card's reasons"));
                }
                Outcome::Overridden { reason, comment: *comment }
            }
        };
        let written = match held {
            Some(held) => {
                let mut resources = held.creates.clone();
                for r in &mut resources {
                    requests::with_client_id(r, &sources::random_uuid());
                }
                let request = OutboxRequest::Transaction { bundle: requests::conditional_creates(&resources) };
                let summary = arbeidsflate_model::text::clean(&held.label);
                let write = QueuedWrite::new(&patient_ref, WriteKind::Suggestion, summary, request, resources);
                Some(self.queue_write(&s, write).await?)
            }
            None => None,
        };
        // Acted on either way: it does not come back for this patient today.
        let cache = self.cache_of(&s).await?;
        let key = DismissedCard { service_id: card.service_id.clone(), card_key: card_key(&card) };
        cache.with(|st| st.dismiss_card(&patient_ref, &key, &self.today().to_string(), &at))?;
        // Feedback needs the card's own uuid; without one the service cannot be told.
        let told = if card.has_service_id {
            let body = feedback(&card.id, &outcome, &at);
            let request = OutboxRequest::Feedback { service_url, body };
            let summary = arbeidsflate_model::text::clean(&format!("Tilbakemelding: {}", card.summary));
            let write = QueuedWrite::new(&patient_ref, WriteKind::Feedback, summary, request, Vec::new());
            Some(self.queue_write(&s, write).await?)
        } else {
            None
        };
        // Done with: gone from the open patient's answer (the page takes it away too).
        let mut answers = self.decision_support.answers.lock().unwrap_or_else(PoisonError::into_inner);
        for answer in answers.iter_mut() {
            answer.cards.retain(|c| c.id != card_id);
            answer.suggestions.retain(|s| s.card_id != card_id);
        }
        drop(answers);
        tracing::info!(service = %card.service_id, accepted = matches!(used, CardUse::Accept { .. }), "card used");
        Ok(written.or(told).unwrap_or(WriteReceipt { outbox_id: 0, sent: false }))
    }

    /// The card, its service's URL and the suggestion accepted, from the open patient's
    /// answers (left there until the use is recorded).
    fn find_card(
        &self,
        card_id: &str,
        used: &CardUse<'_>,
    ) -> Result<(DecisionCard, String, Option<HeldSuggestion>), AppError> {
        let answers = self.decision_support.answers.lock().unwrap_or_else(PoisonError::into_inner);
        let gone = || AppError::new(ErrorCode::InvalidInput, "no such card for the open patient");
        let answer = answers.iter().find(|a| a.cards.iter().any(|c| c.id == card_id)).ok_or_else(gone)?;
        let held = match used {
            CardUse::Accept { suggestion_id } => Some(
                answer
                    .suggestions
                    .iter()
                    .find(|s| s.card_id == card_id && s.suggestion_id == *suggestion_id)
                    .cloned()
                    .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "not a suggestion this card offers"))?,
            ),
            CardUse::Dismiss { .. } => None,
        };
        let card = answer.cards.iter().find(|c| c.id == card_id).cloned().ok_or_else(gone)?;
        Ok((card, answer.service_url.clone(), held))
    }
}

impl Round {
    async fn run(self) {
        let discovered = {
            let mut known = self.discovered.lock().await;
            if known.is_none() {
                *known = Some(discover_all(&self.client, &self.settings).await);
            }
            known.clone().unwrap_or_default()
        };
        let mut calls = Vec::new();
        for d in &discovered {
            match &d.offered {
                Ok(discovery) => {
                    for service in discovery.at(HOOK) {
                        self.sink.as_ref()(vec![status_part(
                            service.id.clone(),
                            title_of(service, &d.settings),
                            CdsState::Waiting,
                            None,
                        )]);
                        calls.push(self.call(&d.settings, service));
                    }
                }
                Err(e) => self.sink.as_ref()(vec![not_asked(&d.settings, CdsFailure::NotDiscovered, &e.to_string())]),
            }
        }
        join_all(calls).await;
    }

    async fn call(&self, settings: &DecisionSupportService, service: &ServiceDefinition) {
        let mut context = Map::new();
        context.insert("userId".into(), json!(format!("Practitioner/{}", self.practitioner_id)));
        context.insert("patientId".into(), json!(self.patient_id));
        if let Some(stay) = &self.stay_id {
            context.insert("encounterId".into(), json!(stay));
        }
        let ctx = PrefetchContext {
            context: context.clone(),
            user_practitioner_id: Some(self.practitioner_id.clone()),
            user_practitioner_role_id: None,
        };
        let prefetch = match &self.record {
            Some((record, failed)) => {
                prefetch::build(&service.prefetch, &ctx, &self.patient_id, &RecordHeld(record, failed))
            }
            None => Map::new(),
        };
        // A service IT allows gets a token for this patient, its read scopes and this call.
        let subject = format!("cds:{}", service.id);
        let token = match (&self.fhir, settings.fhir_access) {
            (Some(tokens), true) => {
                let types = read_types(service);
                Some((tokens, tokens.issue(&subject, &self.patient_id, &self.practitioner_id, &types)))
            }
            _ => None,
        };
        let fhir = token.as_ref().map(|(tokens, t)| FhirAccess {
            server: tokens.fhir_server(),
            access_token: t.access_token.clone(),
            expires_in: t.expires_in,
            scope: t.scope.clone(),
            subject: subject.clone(),
            patient: self.patient_id.clone(),
        });
        let call =
            HookCall { hook: HOOK.into(), hook_instance: arbeidsflate_cds::random_id(), context, prefetch, fhir };
        let url = settings.service_url(&service.id);
        let deadline = Duration::from_millis(settings.deadline_ms.into());
        let title = title_of(service, settings);
        let answered = self.client.call(&url, &call, deadline).await;
        // The spec asks the client to revoke the token after the call.
        if let Some((tokens, t)) = &token {
            tokens.revoke(t);
        }
        let received_at = self.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let part = match answered.and_then(|a| {
            let rules = CardRules {
                service_id: &service.id,
                patient_id: &self.patient_id,
                received_at: &received_at,
                apps: &self.apps,
                creatable: CREATABLE,
            };
            read_answer(&a.answer, &rules).map(|read| (read, a.elapsed))
        }) {
            Ok((mut read, elapsed)) => {
                read.cards.retain(|c| {
                    let key = card_key(c);
                    !self.dismissed.iter().any(|d| d.service_id == c.service_id && d.card_key == key)
                });
                let shown: Vec<&str> = read.cards.iter().map(|c| c.id.as_str()).collect();
                read.suggestions.retain(|s| shown.contains(&s.card_id.as_str()));
                tracing::info!(service = %service.id, cards = read.cards.len(), "decision support answered");
                let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
                answers.retain(|a| a.service_id != service.id);
                answers.push(ServiceAnswer {
                    service_id: service.id.clone(),
                    service_url: url.clone(),
                    cards: read.cards.clone(),
                    suggestions: read.suggestions,
                });
                drop(answers);
                let status = CdsServiceStatus {
                    service_id: service.id.clone(),
                    name: title,
                    state: CdsState::Fresh,
                    fetched_at: Some(received_at),
                    elapsed_ms: Some(elapsed.as_millis().min(u32::MAX as u128) as u32),
                    detail: None,
                };
                OverviewPart::DecisionSupport { status, cards: read.cards, left_out: read.left_out }
            }
            Err(e) => {
                tracing::warn!(service = %service.id, reason = ?e.reason, "decision support failed");
                // What it said before is no longer its word on the patient.
                self.answers.lock().unwrap_or_else(PoisonError::into_inner).retain(|a| a.service_id != service.id);
                let mut part = status_part(service.id.clone(), title, CdsState::Failed { reason: e.reason }, None);
                if let OverviewPart::DecisionSupport { status, .. } = &mut part {
                    status.detail = Some(e.detail);
                    status.fetched_at = Some(received_at);
                }
                part
            }
        };
        self.sink.as_ref()(vec![part]);
    }
}

/// The workspace as a CDS client: its ES384 key from the keyring (made at first use) and
/// the HelseID client id as `iss`. In a sandbox or test profile the public key is
/// registered with each service (IT does that for real services).
pub(crate) async fn client_for(
    profile: &arbeidsflate_config::Profile,
    http: &reqwest::Client,
    keys: &dyn crate::keystore::SecretStore,
    clock: clock::SharedClock,
) -> Result<CdsClient, AppError> {
    let key = load_or_create_signing_key_on(keys, CDS_KEY_ENTRY, helseid::Curve::P384)?;
    let identity = ClientIdentity { issuer: profile.helseid.client_id.clone(), key: Arc::new(key) };
    if profile.allows_test_login() {
        for service in &profile.decision_support {
            let url = format!("{}/sandbox/register-client", service.base_url.trim_end_matches('/'));
            let body = json!({"iss": identity.issuer, "jwk": identity.key.public_jwk()});
            // A real service has no such route; it was registered by IT.
            let _ = http.post(&url).json(&body).timeout(Duration::from_secs(2)).send().await;
        }
    }
    Ok(CdsClient::new(http.clone(), identity, clock))
}

/// What a base's discovery offers, in a line for the doctor.
pub(crate) fn offered_line(discovery: &Discovery, settings: &DecisionSupportService) -> String {
    let services: Vec<String> = discovery
        .services
        .iter()
        .map(|s| format!("{} at {}{}", s.id, s.hook, if settings.calls(&s.hook) { "" } else { " (not called)" }))
        .collect();
    let unreadable = match discovery.unreadable {
        0 => String::new(),
        n => format!("; {n} entries unreadable"),
    };
    match services.is_empty() {
        true => format!("offers no services{unreadable}"),
        false => format!("offers {}{unreadable}", services.join(", ")),
    }
}

async fn discover_all(client: &CdsClient, settings: &[DecisionSupportService]) -> Vec<Discovered> {
    join_all(settings.iter().map(|d| async move {
        let offered = client.discover(d).await;
        if let Err(e) = &offered {
            tracing::warn!(base = %d.base_url, reason = ?e.reason, "decision-support discovery failed");
        }
        Discovered { settings: d.clone(), offered }
    }))
    .await
}

/// The resource types a service's prefetch names: what its token may read.
fn read_types(service: &ServiceDefinition) -> Vec<String> {
    let mut types: Vec<String> = service
        .prefetch
        .values()
        .filter_map(|t| t.split(['/', '?']).next())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_string)
        .collect();
    if !types.iter().any(|t| t == "Patient") {
        types.push("Patient".into());
    }
    types.sort();
    types.dedup();
    types
}

fn title_of(service: &ServiceDefinition, settings: &DecisionSupportService) -> String {
    service.title.clone().unwrap_or_else(|| arbeidsflate_model::text::clean(&settings.name))
}

fn status_part(service_id: String, name: String, state: CdsState, detail: Option<String>) -> OverviewPart {
    OverviewPart::DecisionSupport {
        status: CdsServiceStatus { service_id, name, state, fetched_at: None, elapsed_ms: None, detail },
        cards: Vec::new(),
        left_out: Vec::new(),
    }
}

/// A base that could not be asked: named by its base URL, as it has no service id.
fn not_asked(settings: &DecisionSupportService, reason: CdsFailure, detail: &str) -> OverviewPart {
    let name = arbeidsflate_model::text::clean(&settings.name);
    status_part(settings.base_url.clone(), name, CdsState::Failed { reason }, Some(detail.to_string()))
}

fn listing(d: &Discovered) -> CdsServiceListing {
    let s = &d.settings;
    let (offered, error) = match &d.offered {
        Ok(discovery) => {
            let offered = discovery
                .services
                .iter()
                .map(|o| OfferedService {
                    id: o.id.clone(),
                    hook: o.hook.clone(),
                    title: o.title.clone(),
                    description: o.description.clone(),
                    prefetch: o.prefetch.keys().cloned().collect(),
                    called: s.calls(&o.hook),
                })
                .collect();
            (Some(offered), None)
        }
        Err(e) => (None, Some(e.to_string())),
    };
    CdsServiceListing {
        name: arbeidsflate_model::text::clean(&s.name),
        base_url: s.base_url.clone(),
        hooks: s.hooks.clone(),
        fhir_access: s.fhir_access,
        deadline_ms: s.deadline_ms,
        offered,
        error,
    }
}
