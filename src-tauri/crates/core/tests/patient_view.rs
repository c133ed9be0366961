//! The aggregated patient view against the sandbox's platform and national services:
//! parts arrive per source, each source has a status, the access basis is asked for
//! where the worklist does not cover the patient, and a failing source keeps the
//! others' data.

mod common;

use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::overview::{
    AccessRequest, DocumentView, NotAvailableReason, OverviewPart, PatientTarget, SourceFailure, SourceKind,
    SourceState,
};
use arbeidsflate_model::person::Address;
use arbeidsflate_model::view::WorklistEntry;
use arbeidsflate_model::ErrorCode;
use common::{nin_of, open, signed_in, signed_in_with, state_of, worklist, Setup};
use sandbox::faults::{Fault, Service};

fn allergies(parts: &[OverviewPart]) -> Vec<arbeidsflate_model::merged::MergedAllergy> {
    parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::Allergies { items } => Some(items.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_worklist_patient_opens_on_the_care_relationship_with_every_source() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    // A patient with critical information in Kjernejournal, not reserved or restricted.
    let entry = entries
        .iter()
        .find(|e| {
            sb.kjernejournal_record(&nin_of(e)).is_some_and(|r| !r.reserved && !r.restricted && !r.allergies.is_empty())
        })
        .expect("a worklist patient with critical information");
    let (result, parts) = open(&ws, worklist(entry), None).await;
    let statuses = result.unwrap();

    let OverviewPart::Opened { access, sources, .. } = &parts[0] else { panic!("first part: {:?}", parts[0]) };
    assert_eq!(access.basis, AccessBasis::Unntak);
    assert!(access.from_worklist && !access.emergency);
    assert!(sources.iter().all(|s| s.state == SourceState::Waiting), "{sources:?}");
    for kind in SourceKind::ALL {
        assert_eq!(state_of(&statuses, kind), SourceState::Fresh, "{kind:?}");
        // Each source's status was sent as its own part.
        assert!(parts.iter().any(|p| matches!(p, OverviewPart::Status { status } if status.source == kind)));
    }
    // Kjernejournal's allergies are merged with the platform's: each substance once.
    let merged = allergies(&parts);
    let kj_codes: Vec<String> = sb
        .kjernejournal_record(&nin_of(entry))
        .unwrap()
        .allergies
        .iter()
        .map(|a| a["code"]["coding"][0]["code"].as_str().unwrap().to_string())
        .collect();
    for code in &kj_codes {
        let hits: Vec<_> = merged.iter().filter(|m| m.allergy.code.as_deref() == Some(code)).collect();
        assert_eq!(hits.len(), 1, "{code} shown once");
        assert!(hits[0].sources.iter().any(|s| s.source == "Kjernejournal"));
    }
    // Kjernejournal names who recorded it.
    let from_kj = merged.iter().flat_map(|m| &m.sources).find(|s| s.source == "Kjernejournal").unwrap();
    assert!(from_kj.author.is_some() && from_kj.recorded.is_some(), "{from_kj:?}");
    assert!(parts.iter().any(|p| matches!(p, OverviewPart::Banner { banner } if banner.name == entry.name)));
    assert!(parts.iter().any(|p| matches!(p, OverviewPart::Vitals { .. })));
    assert!(parts.iter().any(|p| matches!(p, OverviewPart::Person { .. })));
    assert!(parts.iter().any(|p| matches!(p, OverviewPart::Documents { .. })));
}

#[tokio::test]
async fn reservation_and_restriction_are_shown_never_as_no_allergies() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    let nins = sb.patient_nins();
    let reserved = nins.iter().find(|n| sb.kjernejournal_record(n).is_some_and(|r| r.reserved)).unwrap();
    let restricted =
        nins.iter().find(|n| sb.kjernejournal_record(n).is_some_and(|r| r.restricted && !r.reserved)).unwrap();
    let _ = entries;
    let consent = || Some(AccessRequest { basis: AccessBasis::Samtykke, reason: None });

    let (r, _) = open(&ws, PatientTarget::NationalId { national_id: reserved.clone() }, consent()).await;
    let reason = NotAvailableReason::Reserved;
    assert_eq!(state_of(&r.unwrap(), SourceKind::Kjernejournal), SourceState::NotAvailable { reason });

    let (r, _) = open(&ws, PatientTarget::NationalId { national_id: restricted.clone() }, consent()).await;
    let reason = NotAvailableReason::Restricted;
    assert_eq!(state_of(&r.unwrap(), SourceKind::Kjernejournal), SourceState::NotAvailable { reason });

    // An elevated basis opens the restricted record.
    let elevated = Some(AccessRequest { basis: AccessBasis::ForhoyetSamtykke, reason: None });
    let (r, _) = open(&ws, PatientTarget::NationalId { national_id: restricted.clone() }, elevated).await;
    assert_eq!(state_of(&r.unwrap(), SourceKind::Kjernejournal), SourceState::Fresh);
}

#[tokio::test]
async fn anyone_off_the_worklist_needs_a_basis_and_emergency_needs_a_reason() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    let on_list: Vec<String> = entries.iter().map(nin_of).collect();
    let stranger = sb.patient_nins().into_iter().find(|n| !on_list.contains(n)).unwrap();
    let target = PatientTarget::NationalId { national_id: stranger.clone() };

    let (r, parts) = open(&ws, target.clone(), None).await;
    assert_eq!(r.unwrap_err().code, ErrorCode::AccessBasisRequired);
    assert!(parts.is_empty(), "nothing is looked up before a basis is stated");

    let no_reason = Some(AccessRequest { basis: AccessBasis::Akutt, reason: Some("  ".into()) });
    let (r, parts) = open(&ws, target.clone(), no_reason).await;
    assert_eq!(r.unwrap_err().code, ErrorCode::AccessReasonRequired);
    assert!(parts.is_empty());

    let emergency = Some(AccessRequest { basis: AccessBasis::Akutt, reason: Some("Bevisstløs i hjemmet".into()) });
    let (r, parts) = open(&ws, target.clone(), emergency).await;
    r.unwrap();
    let OverviewPart::Opened { access, .. } = &parts[0] else { panic!() };
    assert!(access.emergency && !access.from_worklist);
    assert_eq!(access.reason.as_deref(), Some("Bevisstløs i hjemmet"));

    // The basis stays in force for the patient: opening again does not ask.
    let (r, parts) = open(&ws, target, None).await;
    r.unwrap();
    let OverviewPart::Opened { access, .. } = &parts[0] else { panic!() };
    assert!(access.emergency, "still marked as emergency access");

    // A worklist patient opened by number gets the care relationship.
    let (r, parts) = open(&ws, PatientTarget::NationalId { national_id: on_list[0].clone() }, None).await;
    r.unwrap();
    let OverviewPart::Opened { access, .. } = &parts[0] else { panic!() };
    assert!(access.from_worklist);
}

#[tokio::test]
async fn a_number_that_fails_its_check_digits_is_refused_before_any_lookup() {
    let Setup { sb, ws, .. } = signed_in().await;
    let requests = sb.fhir_requests();
    let mut bad = sb.patient_nins()[0].clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    let consent = Some(AccessRequest { basis: AccessBasis::Samtykke, reason: None });
    let (r, parts) = open(&ws, PatientTarget::NationalId { national_id: bad }, consent).await;
    assert_eq!(r.unwrap_err().code, ErrorCode::InvalidNationalId);
    assert!(parts.is_empty());
    assert_eq!(sb.fhir_requests(), requests);
}

#[tokio::test]
async fn a_failing_source_keeps_the_others_data() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    let entry = entries
        .iter()
        .find(|e| sb.kjernejournal_record(&nin_of(e)).is_some_and(|r| !r.reserved && !r.restricted))
        .unwrap();
    for (fault, expected) in [
        (Fault::ServerError, SourceFailure::ServiceError),
        (Fault::MalformedJson, SourceFailure::Malformed),
        (Fault::TruncatedBody, SourceFailure::Malformed),
    ] {
        sb.set_fault(Service::Kjernejournal, Some(fault));
        let (r, parts) = open(&ws, worklist(entry), None).await;
        let statuses = r.unwrap();
        assert_eq!(
            state_of(&statuses, SourceKind::Kjernejournal),
            SourceState::Failed { reason: expected },
            "{fault:?}"
        );
        let kj = statuses.iter().find(|s| s.source == SourceKind::Kjernejournal).unwrap();
        assert!(kj.detail.is_some());
        for kind in [SourceKind::Municipal, SourceKind::MedicationList, SourceKind::Person] {
            assert_eq!(state_of(&statuses, kind), SourceState::Fresh, "{kind:?} under {fault:?}");
        }
        let merged = allergies(&parts);
        assert!(merged.iter().all(|m| m.sources.iter().all(|s| s.source != "Kjernejournal")));
    }
    sb.set_fault(Service::Kjernejournal, None);
    // The platform itself failing still leaves the national services' parts.
    sb.set_fault(Service::Fhir, Some(Fault::ServerError));
    let (r, parts) = open(&ws, worklist(entry), None).await;
    let statuses = r.unwrap();
    assert!(matches!(state_of(&statuses, SourceKind::Municipal), SourceState::Failed { .. }));
    assert_eq!(state_of(&statuses, SourceKind::MedicationList), SourceState::Fresh);
    assert!(parts.iter().any(|p| matches!(p, OverviewPart::Medications { items, .. } if !items.is_empty())));
    // Without the platform, the register supplies the banner.
    assert!(parts.iter().any(|p| matches!(p, OverviewPart::Banner { banner } if banner.name == entry.name)));
}

#[tokio::test]
async fn the_national_lists_earlier_versions_come_with_it_newest_first() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    let tails = |e: &WorklistEntry| sb.sfm_list(&nin_of(e)).0.iter().filter(|s| s["partOf"].is_array()).count();
    let entry = entries.iter().find(|e| tails(e) > 0).expect("someone whose dose was changed or stopped");
    let (r, parts) = open(&ws, worklist(entry), None).await;
    r.unwrap();
    let history = parts
        .iter()
        .rev()
        .find_map(|p| match p {
            OverviewPart::Medications { history, .. } => Some(history.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(history.len(), tails(entry));
    assert!(history.iter().all(|m| m.status == "completed"), "{history:?}");
    assert!(history.windows(2).all(|w| w[0].started >= w[1].started));
}

#[tokio::test]
async fn a_slow_source_is_marked_slow_then_given_up_at_its_deadline() {
    let Setup { sb, ws, entries, .. } = signed_in_with(|p| {
        p.session.source_slow_after_ms = 300;
        p.session.source_deadline_seconds = 1;
    })
    .await;
    sb.set_fault(Service::Person, Some(Fault::Slow(600)));
    sb.set_fault(Service::MedicationList, Some(Fault::Slow(3000)));
    let (r, parts) = open(&ws, worklist(&entries[0]), None).await;
    let statuses = r.unwrap();
    let person_states: Vec<SourceState> = parts
        .iter()
        .filter_map(|p| match p {
            OverviewPart::Status { status } if status.source == SourceKind::Person => Some(status.state.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(person_states, vec![SourceState::Slow, SourceState::Fresh]);
    assert_eq!(
        state_of(&statuses, SourceKind::MedicationList),
        SourceState::Failed { reason: SourceFailure::TimedOut }
    );
    assert_eq!(state_of(&statuses, SourceKind::Municipal), SourceState::Fresh);
}

#[tokio::test]
async fn unconfigured_services_say_so_and_protected_addresses_stay_protected() {
    let Setup { sb, ws, .. } = signed_in_with(|p| p.national.documents = None).await;
    let strictly = sb
        .patient_nins()
        .into_iter()
        .find(|n| {
            sb.person_record(n).is_some_and(|r| r["addressProtection"]["protectionLevel"] == "StrictlyConfidential")
        })
        .unwrap();
    let consent = Some(AccessRequest { basis: AccessBasis::Samtykke, reason: None });
    let (r, parts) = open(&ws, PatientTarget::NationalId { national_id: strictly }, consent).await;
    let statuses = r.unwrap();
    assert_eq!(state_of(&statuses, SourceKind::Documents), SourceState::NotConfigured);
    let person = parts
        .iter()
        .find_map(|p| match p {
            OverviewPart::Person { person } => Some(person.clone()),
            _ => None,
        })
        .unwrap();
    assert!(matches!(person.address, Address::Protected { .. }));
}

#[tokio::test]
async fn hidden_documents_are_counted_and_a_listed_document_opens() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    // One with hidden documents and one of each format (the sandbox's third is KITH).
    let all_formats = |e: &&WorklistEntry| {
        let docs = sb.pjd_documents(&nin_of(e));
        docs.documents.len() == 3 && docs.documents[0].bytes.starts_with(b"%PDF")
    };
    let entry = entries
        .iter()
        .find(|e| all_formats(e) && sb.pjd_documents(&nin_of(e)).hidden > 0)
        .or_else(|| entries.iter().find(all_formats))
        .expect("a worklist patient with a PDF, a CDA and a KITH document");
    let expected = sb.pjd_documents(&nin_of(entry));
    let (r, parts) = open(&ws, worklist(entry), None).await;
    r.unwrap();
    let (items, hidden) = parts
        .iter()
        .find_map(|p| match p {
            OverviewPart::Documents { items, hidden } => Some((items.clone(), *hidden)),
            _ => None,
        })
        .unwrap();
    assert_eq!(hidden, expected.hidden);
    assert_eq!(items.len(), expected.documents.len());
    let first = items.iter().find(|d| d.can_open).unwrap();
    let (doc, retrieved) = ws.retrieve_document(first.id).await.unwrap();
    assert_eq!(doc.title, first.title);
    assert!(!retrieved.bytes.is_empty());
    assert_eq!(ws.open_document(9999).await.unwrap_err().code, ErrorCode::DocumentUnavailable);
    // Every format opens in the app: PDFs as their bytes, CDA and KITH as sections.
    let mut formats = std::collections::BTreeSet::new();
    for d in items.iter().filter(|d| d.can_open) {
        match ws.open_document(d.id).await {
            Ok(DocumentView::Structured { sections, format, .. }) => {
                assert!(sections.iter().any(|s| s.html.contains("<p>") || s.html.contains("<td>")), "{sections:?}");
                formats.insert(format!("{format:?}"));
            }
            Ok(DocumentView::Pdf { data, .. }) => {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
                assert!(bytes.starts_with(b"%PDF-") && bytes.ends_with(b"%%EOF\n"));
                formats.insert("Pdf".into());
            }
            // The sandbox's lying documents (HTML declared as PDF) are refused.
            Err(e) => assert_eq!(e.code, ErrorCode::DocumentUnavailable),
        }
    }
    assert_eq!(formats.into_iter().collect::<Vec<_>>(), ["Cda", "Kith", "Pdf"]);
}

#[tokio::test]
async fn kjernejournal_status_asked_with_the_worklist_saves_a_round_trip_but_never_hides_news() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    let with_info = entries
        .iter()
        .find(|e| {
            sb.kjernejournal_record(&nin_of(e)).is_some_and(|r| !r.reserved && !r.restricted && !r.allergies.is_empty())
        })
        .unwrap();
    // The statuses are asked in the background while the worklist loads.
    let expected = entries.len() as u64;
    let mut waited = 0;
    while sb.kjernejournal_requests() < expected && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let before = sb.kjernejournal_requests();
    let (r, parts) = open(&ws, worklist(with_info), None).await;
    assert_eq!(state_of(&r.unwrap(), SourceKind::Kjernejournal), SourceState::Fresh);
    assert_eq!(sb.kjernejournal_requests() - before, 1, "the data call only; the status was known");
    assert!(allergies(&parts).iter().any(|m| m.sources.iter().any(|s| s.source == "Kjernejournal")));

    // A patient whose status said "nothing there" is asked again: new information shows.
    if let Some(without) =
        entries.iter().find(|e| sb.kjernejournal_record(&nin_of(e)).is_some_and(|r| r.allergies.is_empty()))
    {
        let before = sb.kjernejournal_requests();
        open(&ws, worklist(without), None).await.0.unwrap();
        assert!(sb.kjernejournal_requests() - before >= 1);
    }
}

#[tokio::test]
async fn the_platforms_warnings_and_care_details_arrive_with_its_answer() {
    let Setup { sb, ws, entries, .. } = signed_in().await;
    let resources = sb.fhir_resources();
    let flags_of = |patient_ref: &str| -> Vec<String> {
        resources
            .iter()
            .filter(|r| r["resourceType"] == "Flag" && r["subject"]["reference"] == format!("Patient/{patient_ref}"))
            .map(|r| r["code"]["text"].as_str().unwrap().to_string())
            .collect()
    };
    let entry = entries.iter().find(|e| !flags_of(&e.patient_ref).is_empty()).expect("a patient with a warning");
    let (r, parts) = open(&ws, worklist(entry), None).await;
    r.unwrap();
    let shown: Vec<String> = parts
        .iter()
        .find_map(|p| match p {
            OverviewPart::Warnings { items } => Some(items.iter().map(|w| w.text.clone()).collect()),
            _ => None,
        })
        .unwrap();
    assert_eq!(shown, flags_of(&entry.patient_ref));
    let care = parts.iter().find(|p| matches!(p, OverviewPart::Care { .. })).unwrap();
    let OverviewPart::Care { conditions, activities, .. } = care else { unreachable!() };
    assert!(!conditions.is_empty() && !activities.is_empty());
}
