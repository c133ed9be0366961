//! Decision support in the workspace: the CDS Hooks services IT chose are discovered at
//! sign-in, and `patient-view` is fired when a patient opens — beside the sources, never
//! in their way: the calls run on their own task, each service's cards go to the view
//! as they come, and opening the patient returns when the sources are done, whatever
//! the services do. The prefetch is filled from what the workspace already holds (the
//! offline cache's record at once, else the record the sources just gave), so nothing
//! is fetched twice.

mod card_use;
mod round;

pub use card_use::CardUse;
use round::Round;

use super::{SignedIn, Workspace};
use crate::access::Decision;
use crate::aggregate::PartSink;
use crate::keystore::load_or_create_signing_key_on;
use arbeidsflate_cds::auth::ClientIdentity;
use arbeidsflate_cds::cards::HeldSuggestion;
use arbeidsflate_cds::client::CdsClient;
use arbeidsflate_cds::{CdsError, Discovery, ServiceDefinition};
use arbeidsflate_config::decision_support::DecisionSupportService;
use arbeidsflate_model::cds::{
    CardLink, CdsFailure, CdsServiceListing, CdsServiceStatus, CdsState, DecisionCard, OfferedService,
};
use arbeidsflate_model::overview::{OverviewPart, PlatformPart};
use arbeidsflate_model::{AppError, ErrorCode};
use futures_util::future::join_all;
use serde_json::{json, Value};
use sources::record::PatientRecord;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The keyring entry of the key the workspace signs its calls to services with.
pub const CDS_KEY_ENTRY: &str = "cds-client-key";
const HOOK: &str = "patient-view";
/// What a suggestion may create, through the outbox once the clinician confirms.
const CREATABLE: &[&str] = &["Task"];

/// What the workspace holds of the patient for the services' prefetch.
pub(crate) struct Held {
    pub record: PatientRecord,
    /// The platform's parts that did not come: their lists are unknown, not empty.
    pub failed: Vec<PlatformPart>,
    /// Kjernejournal's allergies, where it answered with any.
    pub critical_allergies: Vec<arbeidsflate_model::view::Allergy>,
}

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
    /// The ids the open patient's cards were shown with, by card key: a card sent again
    /// when she is opened again (a refresh after a write) keeps its id.
    shown_ids: Arc<Mutex<ShownIds>>,
    /// Cards used this session (patient, card): a round asked before one was used must
    /// not bring it back when its answer comes after.
    used: Arc<Mutex<Vec<(String, arbeidsflate_store::DismissedCard)>>>,
}

/// The card ids shown for one patient, by card key.
#[derive(Default)]
pub(super) struct ShownIds {
    pub(super) patient_id: String,
    pub(super) ids: std::collections::HashMap<String, String>,
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
        *self.shown_ids.lock().unwrap_or_else(PoisonError::into_inner) = ShownIds::default();
        self.used.lock().unwrap_or_else(PoisonError::into_inner).clear();
        if let Ok(mut discovered) = self.discovered.try_lock() {
            *discovered = None;
        }
    }
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
        record: Option<Held>,
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
            shown_ids: self.decision_support.shown_ids.clone(),
            used: self.decision_support.used.clone(),
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
