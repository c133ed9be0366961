//! One round of `patient-view` calls, on its own task: discovery if it has not run, then
//! every service at once, each with its prefetch (from the record the workspace holds),
//! a token to read more where IT allows it, and its answer read into cards for the view.

use super::{
    discover_all, not_asked, status_part, title_of, Discovered, Held, ServiceAnswer, ShownIds, CREATABLE, HOOK,
};
use crate::aggregate::PartSink;
use arbeidsflate_cds::cards::{card_key, read_answer, CardRules, ReadCards};
use arbeidsflate_cds::client::{CdsClient, FhirAccess, HookCall};
use arbeidsflate_cds::prefetch::{self, HeldRecord, PrefetchContext, PrefetchQuery};
use arbeidsflate_cds::ServiceDefinition;
use arbeidsflate_config::decision_support::DecisionSupportService;
use arbeidsflate_model::cds::{CdsFailure, CdsServiceStatus, CdsState};
use arbeidsflate_model::overview::{OverviewPart, PlatformPart};
use arbeidsflate_model::view::Allergy;
use arbeidsflate_smart::ServiceTokens;
use arbeidsflate_store::DismissedCard;
use futures_util::future::join_all;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The patient's record as prefetch sees it. Only the latest vital signs are held, so
/// only a vital-signs query is answered from them; a part of the platform's answer that
/// failed is not known, so its type answers nothing (not "none"). Allergies are the
/// platform's and Kjernejournal's together: an allergy only the GP recorded counts too.
struct RecordHeld<'a>(&'a Held);

impl HeldRecord for RecordHeld<'_> {
    fn held(&self, query: &PrefetchQuery) -> Option<Vec<Value>> {
        let (r, failed) = (&self.0.record, &self.0.failed);
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
            "AllergyIntolerance" => {
                let national = self.0.critical_allergies.iter().map(|a| allergy_resource(a, &r.patient));
                r.allergies.iter().cloned().chain(national).collect()
            }
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

/// A national allergy as the resource a service reads: Kjernejournal's code, wording,
/// criticality and date, marked as coming from there, about this patient.
fn allergy_resource(allergy: &Allergy, patient: &Value) -> Value {
    let mut resource = json!({
        "resourceType": "AllergyIntolerance",
        "meta": {"source": allergy.provenance.source},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
        "code": {"text": allergy.substance},
        "patient": {"reference": format!("Patient/{}", patient["id"].as_str().unwrap_or_default())},
    });
    if let Some(code) = &allergy.code {
        resource["code"]["coding"] = json!([{"system": "http://snomed.info/sct", "code": code}]);
    }
    if let Some(c) = &allergy.criticality {
        resource["criticality"] = json!(c);
    }
    if let Some(r) = &allergy.recorded {
        resource["recordedDate"] = json!(r);
    }
    if let Some(r) = &allergy.reaction {
        resource["reaction"] = json!([{"manifestation": [{"text": r}]}]);
    }
    resource
}

/// A card the service sends again for the same patient (the same summary; services give
/// each answer new ids) keeps the id it was shown with, with its suggestions: what the
/// clinician has open on it — a confirmation, a dismissal — stays open when the patient
/// is asked about again after a write.
fn keep_ids_of_cards_sent_again(read: &mut ReadCards, patient_id: &str, shown: &Mutex<ShownIds>) {
    let mut shown = shown.lock().unwrap_or_else(PoisonError::into_inner);
    if shown.patient_id != patient_id {
        *shown = ShownIds { patient_id: patient_id.to_string(), ids: Default::default() };
    }
    for card in &mut read.cards {
        let key = card_key(card);
        let card_id = shown.ids.entry(key.clone()).or_insert_with(|| card.id.clone()).clone();
        for suggestion in &mut card.suggestions {
            // A suggestion is the same when its card and label are.
            let suggestion_key = format!("{key}\n{}", suggestion.label);
            let kept = shown.ids.entry(suggestion_key).or_insert_with(|| suggestion.id.clone()).clone();
            for held in read.suggestions.iter_mut().filter(|h| h.card_id == card.id && h.suggestion_id == suggestion.id)
            {
                held.suggestion_id = kept.clone();
            }
            suggestion.id = kept;
        }
        for held in read.suggestions.iter_mut().filter(|h| h.card_id == card.id) {
            held.card_id = card_id.clone();
        }
        card.id = card_id;
    }
}

/// Everything one round of calls needs, owned, so it runs on its own task.
pub(super) struct Round {
    pub(super) client: CdsClient,
    pub(super) discovered: Arc<tokio::sync::Mutex<Option<Vec<Discovered>>>>,
    pub(super) answers: Arc<Mutex<Vec<ServiceAnswer>>>,
    pub(super) shown_ids: Arc<Mutex<ShownIds>>,
    /// Cards used since this round was asked for (see `DecisionSupport::used`).
    pub(super) used: Arc<Mutex<Vec<(String, DismissedCard)>>>,
    pub(super) settings: Vec<DecisionSupportService>,
    pub(super) patient_id: String,
    /// Her stay in progress, where she has one (`encounterId`).
    pub(super) stay_id: Option<String>,
    pub(super) practitioner_id: String,
    pub(super) record: Option<Held>,
    pub(super) apps: Vec<(String, String)>,
    /// Cards the clinician dismissed for this patient today: not shown again.
    pub(super) dismissed: Vec<DismissedCard>,
    /// Tokens for the services IT lets read the record themselves (through the SMART
    /// facade), when the app host runs.
    pub(super) fhir: Option<ServiceTokens>,
    pub(super) clock: clock::SharedClock,
    pub(super) sink: PartSink,
}

impl Round {
    pub(super) async fn run(self) {
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
            Some(held) => prefetch::build(&service.prefetch, &ctx, &self.patient_id, &RecordHeld(held)),
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
                let used = self.used.lock().unwrap_or_else(PoisonError::into_inner).clone();
                let used_here = used.iter().filter(|(p, _)| *p == self.patient_id).map(|(_, d)| d);
                let gone: Vec<&DismissedCard> = self.dismissed.iter().chain(used_here).collect();
                read.cards.retain(|c| {
                    let key = card_key(c);
                    !gone.iter().any(|d| d.service_id == c.service_id && d.card_key == key)
                });
                let shown: Vec<&str> = read.cards.iter().map(|c| c.id.as_str()).collect();
                read.suggestions.retain(|s| shown.contains(&s.card_id.as_str()));
                tracing::info!(service = %service.id, cards = read.cards.len(), "decision support answered");
                keep_ids_of_cards_sent_again(&mut read, &self.patient_id, &self.shown_ids);
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
