//! What the clinician does with a card: a suggestion applied after she confirmed it (its
//! resources through the outbox), or the card dismissed with one of the service's
//! reasons. Either way the card stays away for that patient today, and the service is
//! told through the outbox.

use crate::outbox::requests::{self, OutboxRequest};
use crate::workspace::writes::QueuedWrite;
use crate::workspace::{SignedIn, Workspace};
use arbeidsflate_cds::cards::{card_key, feedback, HeldSuggestion, Outcome};
use arbeidsflate_cds::CdsClient;
use arbeidsflate_model::cds::DecisionCard;
use arbeidsflate_model::offline::{WriteKind, WriteReceipt};
use arbeidsflate_model::{AppError, ErrorCode};
use arbeidsflate_store::DismissedCard;
use std::sync::PoisonError;

/// What the clinician does with a card.
pub enum CardUse<'a> {
    /// Applies one suggestion (through the outbox) after the clinician confirmed it.
    Accept { suggestion_id: &'a str },
    /// Dismisses the card for this patient today, with the service's reason if one was chosen.
    Dismiss { reason_code: Option<&'a str>, comment: Option<&'a str> },
}

impl Workspace {
    /// The client that sends feedback from the outbox, where there are services at all.
    pub(in crate::workspace) async fn feedback_client(&self) -> Option<&CdsClient> {
        if self.profile.decision_support.is_empty() {
            return None;
        }
        self.cds_client().await.ok()
    }

    pub(super) async fn dismissed_today(&self, s: &SignedIn, patient_id: &str) -> Vec<DismissedCard> {
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
        self.decision_support.used.lock().unwrap_or_else(PoisonError::into_inner).push((patient_ref.clone(), key));
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
