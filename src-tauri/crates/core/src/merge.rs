//! Shows an allergy or a medication present in several sources once, with all its
//! sources. Items match on their code (SNOMED CT for allergens; for medications any
//! coding they share: ATC, the Norwegian medication codes)
//! and fall back to normalised text only when neither side has a code; what the
//! sources then say differently (dose, status, criticality) is flagged.

use arbeidsflate_model::merged::{Disagreement, MergedAllergy, MergedMedication};
use arbeidsflate_model::view::{Allergy, Medication};
use std::collections::HashMap;

/// Lower case, letters and digits only, single spaces: "PENICILLIN " ≈ "penicillin".
fn normalised(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What makes two items the same: the code when there is one, else the normalised
/// text (so a coded item never matches an uncoded one on words alone).
fn identity(code: Option<&str>, text: &str) -> String {
    match code {
        Some(c) => format!("code:{c}"),
        None => format!("text:{}", normalised(text)),
    }
}

fn differs(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => normalised(a) != normalised(b),
        _ => false,
    }
}

/// Merges allergy lists, each already from one source, in the order given.
pub fn allergies<L: AsRef<[Allergy]>>(lists: &[L]) -> Vec<MergedAllergy> {
    let mut merged: Vec<MergedAllergy> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for a in lists.iter().flat_map(AsRef::as_ref) {
        match index.get(&identity(a.code.as_deref(), &a.substance)).map(|&i| &mut merged[i]) {
            Some(m) => {
                if differs(m.allergy.criticality.as_deref(), a.criticality.as_deref()) {
                    m.disagreements.push(Disagreement::Criticality {
                        source: m.allergy.provenance.source.clone(),
                        value: m.allergy.criticality.clone().unwrap_or_default(),
                        other_source: a.provenance.source.clone(),
                        other_value: a.criticality.clone().unwrap_or_default(),
                    });
                }
                m.sources.push(a.provenance.clone());
            }
            None => {
                index.insert(identity(a.code.as_deref(), &a.substance), merged.len());
                merged.push(MergedAllergy {
                    allergy: a.clone(),
                    sources: vec![a.provenance.clone()],
                    disagreements: vec![],
                })
            }
        }
    }
    merged
}

/// Merges medication lists, each already from one source, in the order given.
pub fn medications<L: AsRef<[Medication]>>(lists: &[L]) -> Vec<MergedMedication> {
    let mut merged: Vec<MergedMedication> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for m in lists.iter().flat_map(AsRef::as_ref) {
        let keys: Vec<String> = if m.codes.is_empty() {
            vec![identity(None, &m.name)]
        } else {
            m.codes.iter().map(|c| identity(Some(c), &m.name)).collect()
        };
        match keys.iter().find_map(|k| index.get(k).copied()) {
            Some(i) => {
                let x = &mut merged[i];
                // Codes only this source gave now lead to the same row.
                for k in &keys {
                    index.entry(k.clone()).or_insert(i);
                }
                let (source, other_source) = (x.medication.provenance.source.clone(), m.provenance.source.clone());
                if differs(x.medication.dosage.as_deref(), m.dosage.as_deref()) {
                    x.disagreements.push(Disagreement::Dosage {
                        source: source.clone(),
                        value: x.medication.dosage.clone().unwrap_or_default(),
                        other_source: other_source.clone(),
                        other_value: m.dosage.clone().unwrap_or_default(),
                    });
                }
                if x.medication.status != m.status {
                    x.disagreements.push(Disagreement::Status {
                        source,
                        value: x.medication.status.clone(),
                        other_source,
                        other_value: m.status.clone(),
                    });
                }
                x.sources.push(m.provenance.clone());
            }
            None => {
                for k in keys {
                    index.insert(k, merged.len());
                }
                merged.push(MergedMedication {
                    medication: m.clone(),
                    sources: vec![m.provenance.clone()],
                    disagreements: vec![],
                })
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbeidsflate_model::provenance::Provenance;

    fn prov(source: &str) -> Provenance {
        Provenance::fetched(source, "2026-11-22T06:00:00Z")
    }

    fn allergy(source: &str, code: Option<&str>, text: &str, criticality: &str) -> Allergy {
        Allergy {
            substance: text.into(),
            code: code.map(str::to_string),
            criticality: Some(criticality.into()),
            reaction: None,
            recorded: None,
            provenance: prov(source),
        }
    }

    fn medication(source: &str, atc: Option<&str>, name: &str, dose: &str, status: &str) -> Medication {
        Medication {
            name: name.into(),
            atc: atc.map(str::to_string),
            codes: atc.map(|a| format!("http://www.whocc.no/atc|{a}")).into_iter().collect(),
            dosage: Some(dose.into()),
            status: status.into(),
            started: None,
            provenance: prov(source),
        }
    }

    #[test]
    fn the_same_coded_allergy_is_shown_once_with_both_sources() {
        let municipal = vec![allergy("Kommunal plattform", Some("373270004"), "Penicillin", "high")];
        let kj = vec![
            allergy("Kjernejournal", Some("373270004"), "PENICILLIN", "high"),
            allergy("Kjernejournal", Some("111088007"), "LATEKS", "low"),
        ];
        let merged = allergies(&[municipal, kj]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].allergy.substance, "Penicillin");
        assert_eq!(merged[0].sources.len(), 2);
        assert!(merged[0].disagreements.is_empty());
        assert_eq!(merged[1].sources[0].source, "Kjernejournal");
    }

    #[test]
    fn codes_decide_over_text_and_text_only_matches_uncoded_items() {
        // Same words, different codes: two different things.
        let a = vec![allergy("A", Some("1"), "Nøtter", "low")];
        let b = vec![allergy("B", Some("2"), "Nøtter", "low")];
        assert_eq!(allergies(&[a, b]).len(), 2);
        // Uncoded on both sides: normalised text decides.
        let a = vec![allergy("A", None, "Nøtter, alle typer", "low")];
        let b = vec![allergy("B", None, "nøtter alle  typer", "low")];
        assert_eq!(allergies(&[a, b]).len(), 1);
        // One coded, one not: not merged on text alone.
        let a = vec![allergy("A", Some("1"), "Nøtter", "low")];
        let b = vec![allergy("B", None, "Nøtter", "low")];
        assert_eq!(allergies(&[a, b]).len(), 2);
    }

    #[test]
    fn a_different_criticality_is_flagged() {
        let a = vec![allergy("Kommunal plattform", Some("1"), "Penicillin", "low")];
        let b = vec![allergy("Kjernejournal", Some("1"), "Penicillin", "high")];
        let merged = allergies(&[a, b]);
        assert_eq!(
            merged[0].disagreements,
            vec![Disagreement::Criticality {
                source: "Kommunal plattform".into(),
                value: "low".into(),
                other_source: "Kjernejournal".into(),
                other_value: "high".into()
            }]
        );
    }

    #[test]
    fn dose_and_status_disagreements_are_kept_not_resolved() {
        let municipal =
            vec![medication("Kommunal plattform", Some("C03CA01"), "Furosemid 40 mg", "1 tablett morgen", "active")];
        let sfm = vec![medication(
            "Pasientens legemiddelliste",
            Some("C03CA01"),
            "Furosemid 40 mg tablett",
            "2 tabletter morgen",
            "stopped",
        )];
        let merged = medications(&[municipal, sfm]);
        assert_eq!(merged.len(), 1);
        let kinds: Vec<&str> = merged[0]
            .disagreements
            .iter()
            .map(|d| match d {
                Disagreement::Dosage { .. } => "dosage",
                Disagreement::Status { .. } => "status",
                Disagreement::Criticality { .. } => "criticality",
            })
            .collect();
        assert_eq!(kinds, vec!["dosage", "status"]);
        assert_eq!(merged[0].sources.len(), 2);
        // The first source's wording is what is shown; nothing is dropped.
        assert_eq!(merged[0].medication.dosage.as_deref(), Some("1 tablett morgen"));
    }

    #[test]
    fn wording_differences_alone_are_not_disagreements() {
        let a = vec![medication("A", Some("N02BE01"), "Paracetamol", "2 tabletter morgen og kveld", "active")];
        let b = vec![medication("B", Some("N02BE01"), "PARACETAMOL", "2 tabletter, morgen og kveld.", "active")];
        assert!(medications(&[a, b])[0].disagreements.is_empty());
    }

    #[test]
    fn a_norwegian_medication_code_shared_without_atc_is_the_same_medication() {
        const FEST: &str = "http://ehelse.no/fhir/CodeSystem/FEST";
        let mut municipal = medication("Kommunal plattform", None, "Marevan 2,5 mg", "etter INR", "active");
        municipal.codes = vec![format!("{FEST}|ID_1234")];
        let mut list = medication("Pasientens legemiddelliste", Some("B01AA03"), "Warfarin", "etter INR", "active");
        list.codes.push(format!("{FEST}|ID_1234"));
        let mut other = medication("Pasientens legemiddelliste", None, "Marevan 2,5 mg", "etter INR", "active");
        other.codes = vec![format!("{FEST}|ID_9999")];
        let merged = medications(&[vec![municipal], vec![list, other]]);
        assert_eq!(merged.len(), 2, "same FEST code merges; another code does not, whatever the name");
        assert_eq!(merged[0].sources.len(), 2);
    }
}
