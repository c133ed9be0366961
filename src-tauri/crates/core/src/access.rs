//! Need to know: the basis a clinician states for looking a patient up, and the
//! trust framework attestation it becomes. The worklist's own patients get the care
//! relationship without a question; anyone else needs an explicit choice, and
//! emergency access needs a written reason.

use crate::profile::OrganisationSettings;
use arbeidsflate_model::access::AccessBasis;
use arbeidsflate_model::overview::{AccessGrant, AccessRequest};
use arbeidsflate_model::view::ClinicianRole;
use arbeidsflate_model::{AppError, ErrorCode};
use helseid::authorization_details::{CarePlace, PurposeDetails, PurposeOfUse};
use helseid::Attestation;

/// Emergency reasons shorter than this are not a reason.
const MIN_REASON_CHARS: usize = 5;
const MAX_REASON_CHARS: usize = 500;

/// A grant in force, with the id of the local access decision it records.
#[derive(Debug, Clone)]
pub struct Decision {
    pub grant: AccessGrant,
    pub decision_id: String,
}

/// Decides the basis for this opening: the stated one, else the one already in force
/// for the patient, else the care relationship for worklist patients.
pub fn decide(
    request: Option<&AccessRequest>,
    in_force: Option<&Decision>,
    on_worklist: bool,
    now: &str,
) -> Result<Decision, AppError> {
    let now = now.to_string();
    let Some(request) = request else {
        if let Some(d) = in_force {
            return Ok(d.clone());
        }
        if !on_worklist {
            return Err(AppError::new(
                ErrorCode::AccessBasisRequired,
                "the patient is not on your worklist: state the basis for the lookup",
            ));
        }
        return Ok(Decision {
            grant: AccessGrant {
                basis: AccessBasis::Unntak,
                emergency: false,
                from_worklist: true,
                reason: None,
                granted_at: now,
            },
            decision_id: sources::random_uuid(),
        });
    };
    let reason = request
        .reason
        .as_deref()
        .map(arbeidsflate_model::text::clean)
        .map(|r| r.chars().take(MAX_REASON_CHARS).collect::<String>())
        .filter(|r| !r.trim().is_empty());
    let emergency = request.basis.is_emergency();
    if emergency && reason.as_deref().is_none_or(|r| r.trim().chars().count() < MIN_REASON_CHARS) {
        return Err(AppError::new(ErrorCode::AccessReasonRequired, "emergency access needs a written reason"));
    }
    Ok(Decision {
        grant: AccessGrant { basis: request.basis, emergency, from_worklist: on_worklist, reason, granted_at: now },
        decision_id: sources::random_uuid(),
    })
}

/// The attestation for tokens used for this patient; `None` without an organisation
/// in the profile (then services that demand one are not configured).
pub fn attestation(
    organisation: Option<&OrganisationSettings>,
    role: ClinicianRole,
    decision: &Decision,
) -> Option<Attestation> {
    let o = organisation?;
    Some(Attestation {
        practitioner_category: role.hpr_category().into(),
        legal_entity_orgnr: o.parent_orgnr.clone(),
        place: CarePlace { point_of_care_orgnr: o.child_orgnr.clone(), department_id: o.department_id.clone() },
        healthcare_service: o.healthcare_service.clone(),
        purpose_of_use: if decision.grant.emergency { PurposeOfUse::EmergencyTreat } else { PurposeOfUse::Treat },
        purpose_details: PurposeDetails::Behandler,
        decision_ref: Some((decision.decision_id.clone(), !decision.grant.from_worklist)),
        patient_place: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-20T09:14:00.000Z";

    fn ask(basis: AccessBasis, reason: Option<&str>) -> AccessRequest {
        AccessRequest { basis, reason: reason.map(str::to_string) }
    }

    #[test]
    fn worklist_patients_get_the_care_relationship_without_a_question() {
        let d = decide(None, None, true, NOW).unwrap();
        assert_eq!(d.grant.basis, AccessBasis::Unntak);
        assert_eq!(d.grant.granted_at, NOW);
        assert!(d.grant.from_worklist && !d.grant.emergency);
    }

    #[test]
    fn anyone_else_needs_a_stated_basis() {
        assert_eq!(decide(None, None, false, NOW).unwrap_err().code, ErrorCode::AccessBasisRequired);
        let d = decide(Some(&ask(AccessBasis::Samtykke, None)), None, false, NOW).unwrap();
        assert_eq!(d.grant.basis, AccessBasis::Samtykke);
        // Once stated, it stays in force for the patient without asking again.
        assert_eq!(decide(None, Some(&d), false, NOW).unwrap().decision_id, d.decision_id);
    }

    #[test]
    fn emergency_access_needs_a_written_reason() {
        for reason in [None, Some(""), Some("   "), Some("akut")] {
            let e = decide(Some(&ask(AccessBasis::Akutt, reason)), None, false, NOW).unwrap_err();
            assert_eq!(e.code, ErrorCode::AccessReasonRequired, "{reason:?}");
        }
        let d = decide(
            Some(&ask(AccessBasis::ForhoyetAkutt, Some("Bevisstløs, trenger legemiddelliste"))),
            None,
            true,
            NOW,
        )
        .unwrap();
        assert!(d.grant.emergency);
        assert_eq!(d.grant.reason.as_deref(), Some("Bevisstløs, trenger legemiddelliste"));
    }

    #[test]
    fn the_attestation_follows_the_decision() {
        let org = OrganisationSettings {
            parent_orgnr: "999000001".into(),
            child_orgnr: "999000002".into(),
            multi_tenant: false,
            healthcare_service: "KP01".into(),
            department_id: None,
        };
        let routine = decide(None, None, true, NOW).unwrap();
        let a = attestation(Some(&org), ClinicianRole::HomeCareNurse, &routine).unwrap();
        assert_eq!((a.practitioner_category.as_str(), a.purpose_of_use), ("SP", PurposeOfUse::Treat));
        assert_eq!(a.decision_ref, Some((routine.decision_id.clone(), false)));
        let emergency = decide(Some(&ask(AccessBasis::Akutt, Some("Akutt forverring"))), None, false, NOW).unwrap();
        let a = attestation(Some(&org), ClinicianRole::NursingHomeDoctor, &emergency).unwrap();
        assert_eq!((a.practitioner_category.as_str(), a.purpose_of_use), ("LE", PurposeOfUse::EmergencyTreat));
        assert!(attestation(None, ClinicianRole::HomeCareNurse, &routine).is_none());
    }
}
