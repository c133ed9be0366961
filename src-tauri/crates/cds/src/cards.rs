//! A service's answer turned into cards the workspace can show as they are. Each card is
//! read on its own: one that cannot be read is left out and counted, the others shown.
//! Texts are cleaned, the detail rendered to sanitised HTML, links checked (web pages
//! only, SMART links only to an app in the catalogue), and a suggestion is offered only
//! if every change in it is one the workspace makes, for the open patient.

use crate::error::CdsError;
use arbeidsflate_model::cds::{
    ActionKind, CardIndicator, CardLink, CardLinkKind, CardRefusal, CardSource, CardSuggestion, CardsLeftOut,
    DecisionCard, LeftOutSuggestion, OverrideReason, SelectionBehavior, SuggestedAction, SuggestionRefusal,
};
use arbeidsflate_model::text::clean;
use serde_json::Value;

/// A card's lasting name, for keeping it dismissed: a service gives a new `uuid` each
/// time it is asked, so the service and the summary say which card it is.
pub fn card_key(card: &DecisionCard) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}\n{}", card.service_id, card.summary).as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Feedback on one card (CDS Hooks' `feedback` endpoint): accepted, with the suggestion
/// taken, or overridden, with the clinician's reason.
pub fn feedback(card_id: &str, outcome: &Outcome<'_>, at: &str) -> Value {
    let mut entry = serde_json::json!({"card": card_id, "outcomeTimestamp": at});
    match outcome {
        Outcome::Accepted { suggestion_id } => {
            entry["outcome"] = "accepted".into();
            entry["acceptedSuggestions"] = serde_json::json!([{ "id": suggestion_id }]);
        }
        Outcome::Overridden { reason, comment } => {
            entry["outcome"] = "overridden".into();
            let mut given = serde_json::Map::new();
            if let Some(r) = reason {
                let mut coding = serde_json::json!({"code": r.code, "display": r.display});
                if let Some(system) = &r.system {
                    coding["system"] = system.clone().into();
                }
                given.insert("reason".into(), coding);
            }
            if let Some(c) = comment.filter(|c| !c.trim().is_empty()) {
                given.insert("userComment".into(), c.into());
            }
            if !given.is_empty() {
                entry["overrideReason"] = Value::Object(given);
            }
        }
    }
    serde_json::json!({ "feedback": [entry] })
}

/// What the clinician did with a card.
pub enum Outcome<'a> {
    Accepted { suggestion_id: &'a str },
    Overridden { reason: Option<&'a OverrideReason>, comment: Option<&'a str> },
}

/// The most cards one service shows at once (the most urgent kept).
pub const MAX_CARDS: usize = 20;
/// A summary is "<140 characters" by the spec.
const MAX_SUMMARY: usize = 140;
const MAX_LINKS: usize = 10;
const MAX_SUGGESTIONS: usize = 10;
const MAX_ACTIONS: usize = 10;
const MAX_APP_CONTEXT: usize = 4096;

/// What the cards are read against.
pub struct CardRules<'a> {
    pub service_id: &'a str,
    /// The open patient's id on the platform: suggestions may touch only her.
    pub patient_id: &'a str,
    /// RFC 3339: when the answer arrived.
    pub received_at: &'a str,
    /// The catalogue's apps, (id, launch URL): where a SMART link may go.
    pub apps: &'a [(String, String)],
    /// The resource types the workspace creates through its outbox.
    pub creatable: &'a [&'a str],
}

/// A suggestion's changes as the service sent them, kept in the backend until the
/// clinician confirms (the UI sees only their descriptions).
#[derive(Debug, Clone, PartialEq)]
pub struct HeldSuggestion {
    pub card_id: String,
    pub suggestion_id: String,
    pub label: String,
    /// Resources to create, each already held to the open patient.
    pub creates: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReadCards {
    pub cards: Vec<DecisionCard>,
    pub left_out: Vec<CardsLeftOut>,
    pub suggestions: Vec<HeldSuggestion>,
}

pub fn read_answer(answer: &Value, rules: &CardRules<'_>) -> Result<ReadCards, CdsError> {
    let entries = answer
        .get("cards")
        .and_then(Value::as_array)
        .ok_or_else(|| CdsError::malformed("the answer has no \"cards\" array"))?;
    let mut read = ReadCards::default();
    let mut refused = |reason: CardRefusal| match read.left_out.iter_mut().find(|l| l.reason == reason) {
        Some(l) => l.count += 1,
        None => read.left_out.push(CardsLeftOut { reason, count: 1 }),
    };
    let mut cards: Vec<(DecisionCard, Vec<HeldSuggestion>)> = Vec::new();
    for entry in entries {
        match read_card(entry, rules) {
            Ok(card) => cards.push(card),
            Err(reason) => refused(reason),
        }
    }
    // Stable: the service's order within each indicator.
    cards.sort_by_key(|(c, _)| c.indicator);
    for (i, (card, held)) in cards.into_iter().enumerate() {
        if i < MAX_CARDS {
            read.cards.push(card);
            read.suggestions.extend(held);
        } else {
            refused(CardRefusal::OverLimit);
        }
    }
    Ok(read)
}

fn text_of<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

fn read_card(entry: &Value, rules: &CardRules<'_>) -> Result<(DecisionCard, Vec<HeldSuggestion>), CardRefusal> {
    let summary = text_of(entry, "summary").map(clean).filter(|s| !s.is_empty()).ok_or(CardRefusal::Malformed)?;
    let summary = if summary.chars().count() > MAX_SUMMARY {
        format!("{}…", summary.chars().take(MAX_SUMMARY - 1).collect::<String>())
    } else {
        summary
    };
    let indicator = match entry.get("indicator").and_then(Value::as_str) {
        Some("critical") => CardIndicator::Critical,
        Some("warning") => CardIndicator::Warning,
        Some("info") => CardIndicator::Info,
        Some(_) => return Err(CardRefusal::UnknownIndicator),
        None => return Err(CardRefusal::Malformed),
    };
    let source = entry.get("source").ok_or(CardRefusal::Malformed)?;
    let label = text_of(source, "label").map(clean).filter(|s| !s.is_empty()).ok_or(CardRefusal::Malformed)?;
    let source = CardSource {
        label,
        url: text_of(source, "url").and_then(web_page),
        topic: source.get("topic").and_then(|t| text_of(t, "display")).map(clean),
    };
    let (id, has_service_id) = match text_of(entry, "uuid").filter(|u| valid_id(u)) {
        Some(u) => (u.to_string(), true),
        None => (crate::random_id(), false),
    };
    let detail_html = text_of(entry, "detail").map(crate::markdown::to_safe_html).filter(|h| !h.trim().is_empty());
    let links = list(entry, "links").take(MAX_LINKS).filter_map(|l| read_link(l, rules)).collect();
    let override_reasons = list(entry, "overrideReasons").filter_map(read_override_reason).collect();
    let mut suggestions = Vec::new();
    let mut left_out_suggestions = Vec::new();
    let mut held = Vec::new();
    for s in list(entry, "suggestions").take(MAX_SUGGESTIONS) {
        let label = text_of(s, "label").map(clean).filter(|l| !l.is_empty());
        match (label, read_suggestion(s, rules)) {
            (Some(label), Ok((actions, creates))) => {
                let suggestion_id = text_of(s, "uuid").filter(|u| valid_id(u)).map(str::to_string);
                let suggestion_id = suggestion_id.unwrap_or_else(crate::random_id);
                held.push(HeldSuggestion {
                    card_id: id.clone(),
                    suggestion_id: suggestion_id.clone(),
                    label: label.clone(),
                    creates,
                });
                suggestions.push(CardSuggestion {
                    id: suggestion_id,
                    label,
                    recommended: s.get("isRecommended").and_then(Value::as_bool).unwrap_or(false),
                    actions,
                });
            }
            (label, Err(reason)) => {
                left_out_suggestions.push(LeftOutSuggestion { label: label.unwrap_or_default(), reason })
            }
            (None, Ok(_)) => left_out_suggestions
                .push(LeftOutSuggestion { label: String::new(), reason: SuggestionRefusal::Malformed }),
        }
    }
    let selection_behavior = match text_of(entry, "selectionBehavior") {
        Some("any") => Some(SelectionBehavior::Any),
        // Required with suggestions; when missing or unknown, the stricter choice.
        _ if !suggestions.is_empty() => Some(SelectionBehavior::AtMostOne),
        _ => None,
    };
    let card = DecisionCard {
        id,
        has_service_id,
        service_id: rules.service_id.to_string(),
        summary,
        detail_html,
        indicator,
        source,
        links,
        suggestions,
        selection_behavior,
        left_out_suggestions,
        override_reasons,
        received_at: rules.received_at.to_string(),
    };
    Ok((card, held))
}

fn list<'a>(entry: &'a Value, name: &str) -> impl Iterator<Item = &'a Value> {
    entry.get(name).and_then(Value::as_array).into_iter().flatten()
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A page the system browser may open: https, or http on loopback (the sandbox).
fn web_page(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match parsed.scheme() {
        "https" => Some(parsed.to_string()),
        "http" if loopback => Some(parsed.to_string()),
        _ => None,
    }
}

fn read_link(link: &Value, rules: &CardRules<'_>) -> Option<CardLink> {
    let label = text_of(link, "label").map(clean).filter(|l| !l.is_empty())?;
    let url = web_page(text_of(link, "url")?)?;
    let app_context = text_of(link, "appContext").filter(|c| c.len() <= MAX_APP_CONTEXT).map(str::to_string);
    match text_of(link, "type")? {
        "absolute" => Some(CardLink { label, url, kind: CardLinkKind::Absolute, app_id: None, app_context: None }),
        "smart" => {
            let app_id = rules.apps.iter().find(|(_, launch)| same_page(launch, &url)).map(|(id, _)| id.clone());
            Some(CardLink { label, url, kind: CardLinkKind::Smart, app_id, app_context })
        }
        _ => None,
    }
}

/// The same launch page: origin and path, whatever the query.
fn same_page(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.path() == b.path(),
        _ => false,
    }
}

fn read_override_reason(reason: &Value) -> Option<OverrideReason> {
    let code = text_of(reason, "code").filter(|c| !c.is_empty() && c.len() <= 128)?;
    let display = text_of(reason, "display").map(clean).filter(|d| !d.is_empty())?;
    Some(OverrideReason { system: text_of(reason, "system").map(str::to_string), code: code.to_string(), display })
}

type ReadSuggestion = (Vec<SuggestedAction>, Vec<Value>);

fn read_suggestion(s: &Value, rules: &CardRules<'_>) -> Result<ReadSuggestion, SuggestionRefusal> {
    let actions = s.get("actions").and_then(Value::as_array).ok_or(SuggestionRefusal::Malformed)?;
    if actions.is_empty() || actions.len() > MAX_ACTIONS {
        return Err(SuggestionRefusal::Malformed);
    }
    let mut shown = Vec::new();
    let mut creates = Vec::new();
    for action in actions {
        let kind = match text_of(action, "type") {
            Some("create") => ActionKind::Create,
            Some("update") => ActionKind::Update,
            Some("delete") => ActionKind::Delete,
            _ => return Err(SuggestionRefusal::Malformed),
        };
        let resource = action.get("resource").filter(|r| r.is_object());
        let resource_type = resource.and_then(|r| text_of(r, "resourceType")).map(str::to_string);
        if let Some(r) = resource {
            if touches_another_patient(r, rules.patient_id) {
                return Err(SuggestionRefusal::OtherPatient);
            }
        }
        // The workspace creates; it does not change or delete on a service's word.
        let creatable = resource_type.as_deref().is_some_and(|t| rules.creatable.contains(&t));
        if kind != ActionKind::Create || !creatable {
            return Err(SuggestionRefusal::Unsupported);
        }
        let r = resource.expect("a creatable action has a resource");
        if !names_the_patient(r, rules.patient_id) {
            return Err(SuggestionRefusal::OtherPatient);
        }
        let description = text_of(action, "description").map(clean).filter(|d| !d.is_empty());
        shown.push(SuggestedAction { kind, description: description.unwrap_or_default(), resource_type });
        creates.push(r.clone());
    }
    Ok((shown, creates))
}

/// Any reference anywhere in the resource to a patient other than the open one.
fn touches_another_patient(v: &Value, patient_id: &str) -> bool {
    match v {
        Value::Object(map) => {
            map.iter().any(|(k, value)| {
                let other = k == "reference"
                    && value.as_str().is_some_and(|r| is_patient_reference(r) && !refers_to(r, patient_id));
                other || touches_another_patient(value, patient_id)
            }) || (map.get("resourceType").and_then(Value::as_str) == Some("Patient"))
        }
        Value::Array(items) => items.iter().any(|i| touches_another_patient(i, patient_id)),
        _ => false,
    }
}

fn is_patient_reference(r: &str) -> bool {
    r.starts_with("Patient/") || r.contains("/Patient/")
}

fn refers_to(r: &str, patient_id: &str) -> bool {
    r == format!("Patient/{patient_id}")
}

/// The resource says whose it is, and it is the open patient's.
fn names_the_patient(r: &Value, patient_id: &str) -> bool {
    ["subject", "patient", "for"]
        .iter()
        .any(|field| r[*field]["reference"].as_str().is_some_and(|reference| refers_to(reference, patient_id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apps() -> Vec<(String, String)> {
        vec![("fallrisiko".into(), "http://127.0.0.1:4406/launch.html".into())]
    }

    fn read(answer: Value) -> ReadCards {
        let apps = apps();
        let rules = CardRules {
            service_id: "vurdering",
            patient_id: "pas-1",
            received_at: "2026-03-02T08:00:00Z",
            apps: &apps,
            creatable: &["Task"],
        };
        read_answer(&answer, &rules).unwrap()
    }

    fn card(indicator: &str, summary: &str) -> Value {
        json!({"summary": summary, "indicator": indicator, "source": {"label": "Tjenesten"}})
    }

    fn task_for(patient: &str) -> Value {
        json!({"resourceType": "Task", "status": "requested", "intent": "order", "for": {"reference": format!("Patient/{patient}")}})
    }

    #[test]
    fn cards_come_critical_first_in_the_services_order_within_each() {
        let r = read(
            json!({"cards": [card("info", "i1"), card("critical", "c1"), card("warning", "w1"), card("critical", "c2")]}),
        );
        let order: Vec<&str> = r.cards.iter().map(|c| c.summary.as_str()).collect();
        assert_eq!(order, ["c1", "c2", "w1", "i1"]);
        assert!(r.cards.iter().all(|c| c.service_id == "vurdering" && c.received_at == "2026-03-02T08:00:00Z"));
        assert!(r.left_out.is_empty());
    }

    #[test]
    fn a_bad_card_is_left_out_and_counted_and_the_others_shown() {
        let r = read(json!({"cards": [
            card("warning", "ok"),
            card("severe", "unknown indicator"),
            {"summary": "no source", "indicator": "info"},
            {"indicator": "info", "source": {"label": "x"}},
            "not a card",
        ]}));
        assert_eq!(r.cards.len(), 1);
        assert_eq!(
            r.left_out,
            [
                CardsLeftOut { reason: CardRefusal::UnknownIndicator, count: 1 },
                CardsLeftOut { reason: CardRefusal::Malformed, count: 3 },
            ]
        );
    }

    #[test]
    fn five_hundred_cards_show_the_most_urgent_twenty_and_say_so() {
        let mut cards: Vec<Value> = (0..499).map(|i| card("info", &format!("info {i}"))).collect();
        cards.push(card("critical", "the one that matters"));
        let r = read(json!({"cards": cards}));
        assert_eq!(r.cards.len(), MAX_CARDS);
        assert_eq!(r.cards[0].summary, "the one that matters");
        assert_eq!(r.left_out, [CardsLeftOut { reason: CardRefusal::OverLimit, count: 480 }]);
    }

    #[test]
    fn texts_are_cleaned_and_cut_and_links_checked() {
        let mut c = card("info", &format!("Lang\u{202e} {}", "x".repeat(300)));
        c["detail"] = json!("<script>alert(1)</script>\n\n**viktig**");
        c["source"]["url"] = json!("javascript:alert(1)");
        c["links"] = json!([
            {"label": "Retningslinje", "url": "https://www.helsedirektoratet.no/r", "type": "absolute"},
            {"label": "Skript", "url": "javascript:alert(1)", "type": "absolute"},
            {"label": "Fil", "url": "file:///etc/passwd", "type": "absolute"},
            {"label": "Fallrisiko", "url": "http://127.0.0.1:4406/launch.html", "type": "smart", "appContext": "{\"grunn\":\"x\"}"},
            {"label": "Ukjent app", "url": "https://other.example/launch", "type": "smart"},
            {"label": "Rar type", "url": "https://ok.example", "type": "iframe"},
        ]);
        let r = read(json!({"cards": [c]}));
        let c = &r.cards[0];
        assert_eq!(c.summary.chars().count(), MAX_SUMMARY);
        assert!(!c.summary.contains('\u{202e}'));
        let html = c.detail_html.as_deref().unwrap();
        assert!(!html.contains("<script") && html.contains("<strong>viktig</strong>"), "{html}");
        assert_eq!(c.source.url, None);
        let links: Vec<(&str, Option<&str>)> =
            c.links.iter().map(|l| (l.label.as_str(), l.app_id.as_deref())).collect();
        assert_eq!(links, [("Retningslinje", None), ("Fallrisiko", Some("fallrisiko")), ("Ukjent app", None)]);
        assert_eq!(c.links[1].app_context.as_deref(), Some("{\"grunn\":\"x\"}"));
    }

    #[test]
    fn a_suggestion_is_offered_only_for_a_create_for_the_open_patient() {
        let mut c = card("warning", "Allergi");
        let suggestion =
            |label: &str, actions: Value| json!({"label": label, "uuid": format!("s-{label}"), "actions": actions});
        c["suggestions"] = json!([
            suggestion(
                "god",
                json!([{"type": "create", "description": "Be lege vurdere", "resource": task_for("pas-1")}])
            ),
            suggestion("annen", json!([{"type": "create", "description": "x", "resource": task_for("pas-2")}])),
            suggestion(
                "skjult",
                json!([{"type": "create", "description": "x",
                "resource": {"resourceType": "Task", "for": {"reference": "Patient/pas-1"}, "basedOn": [{"reference": "Patient/pas-2"}]}}])
            ),
            suggestion(
                "slett",
                json!([{"type": "delete", "description": "x", "resourceId": ["MedicationStatement/m1"]}])
            ),
            suggestion("endre", json!([{"type": "update", "description": "x", "resource": task_for("pas-1")}])),
            suggestion(
                "ukjent type",
                json!([{"type": "create", "description": "x",
                "resource": {"resourceType": "MedicationRequest", "subject": {"reference": "Patient/pas-1"}}}])
            ),
            suggestion(
                "uten pasient",
                json!([{"type": "create", "description": "x", "resource": {"resourceType": "Task"}}])
            ),
            suggestion("tom", json!([])),
        ]);
        let r = read(json!({"cards": [c]}));
        let c = &r.cards[0];
        assert_eq!(c.suggestions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["s-god"]);
        assert_eq!(c.selection_behavior, Some(SelectionBehavior::AtMostOne), "required with suggestions");
        let refusals: Vec<(&str, SuggestionRefusal)> =
            c.left_out_suggestions.iter().map(|l| (l.label.as_str(), l.reason)).collect();
        use SuggestionRefusal::*;
        assert_eq!(
            refusals,
            [
                ("annen", OtherPatient),
                ("skjult", OtherPatient),
                ("slett", Unsupported),
                ("endre", Unsupported),
                ("ukjent type", Unsupported),
                ("uten pasient", OtherPatient),
                ("tom", Malformed),
            ]
        );
        assert_eq!(r.suggestions.len(), 1);
        assert_eq!(r.suggestions[0].creates, [task_for("pas-1")]);
        assert_eq!(r.suggestions[0].card_id, c.id);
    }

    #[test]
    fn feedback_says_what_was_done_with_the_card() {
        let accepted = feedback("c1", &Outcome::Accepted { suggestion_id: "s1" }, "2026-03-02T08:00:00Z");
        assert_eq!(
            accepted,
            json!({"feedback": [{"card": "c1", "outcome": "accepted", "acceptedSuggestions": [{"id": "s1"}],
                                 "outcomeTimestamp": "2026-03-02T08:00:00Z"}]})
        );
        let reason = OverrideReason { system: Some("urn:x".into()), code: "vurdert".into(), display: "Vurdert".into() };
        let overridden =
            feedback("c1", &Outcome::Overridden { reason: Some(&reason), comment: Some("ok") }, "2026-03-02T08:00:00Z");
        assert_eq!(
            overridden["feedback"][0]["overrideReason"],
            json!({"reason": {"system": "urn:x", "code": "vurdert", "display": "Vurdert"}, "userComment": "ok"})
        );
        let bare = feedback("c1", &Outcome::Overridden { reason: None, comment: Some(" ") }, "t");
        assert!(bare["feedback"][0].get("overrideReason").is_none());
        // The same card from a later answer (a new uuid) has the same key; another has another.
        let mut a = read(json!({"cards": [card("critical", "NEWS2 7")]})).cards.remove(0);
        let b = read(json!({"cards": [card("critical", "NEWS2 7")]})).cards.remove(0);
        assert_eq!(card_key(&a), card_key(&b));
        a.summary = "NEWS2 8".into();
        assert_ne!(card_key(&a), card_key(&b));
    }

    #[test]
    fn an_answer_that_is_not_cds_hooks_is_an_error() {
        let apps = apps();
        let rules = CardRules { service_id: "s", patient_id: "p", received_at: "t", apps: &apps, creatable: &[] };
        assert!(read_answer(&json!({"services": []}), &rules).is_err());
        assert!(read_answer(&json!([1, 2]), &rules).is_err());
        assert_eq!(read_answer(&json!({"cards": []}), &rules).unwrap(), ReadCards::default());
    }
}
