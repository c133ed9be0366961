//! Wrong-patient protection. Whenever more than one source describes the person —
//! the municipal platform's Patient, Folkeregisteret, and the national identity number
//! itself (its birth date and sex digit) — what they say is compared: number, name,
//! birth date and sex. Any disagreement becomes a warning listing what each said.
//!
//! The banner trusts Folkeregisteret first (the authority on identity), then the
//! platform; it never mixes their fields.

use arbeidsflate_model::identity::{IdentityClaim, IdentityField, IdentitySource, IdentityWarning};
use arbeidsflate_model::nin::NationalId;
use arbeidsflate_model::person::PersonDetails;
use arbeidsflate_model::view::PatientBanner;

/// What the number says of itself: the birth date and sex it encodes.
pub fn number_claim(nin: &NationalId) -> IdentityClaim {
    IdentityClaim {
        source: IdentitySource::NationalIdNumber,
        name: None,
        national_id: Some(nin.formatted()),
        birth_date: Some(nin.birth_date().to_string()),
        gender: Some(nin.sex().fhir_gender().to_string()),
    }
}

/// What the platform's Patient says.
pub fn platform_claim(banner: &PatientBanner) -> IdentityClaim {
    IdentityClaim {
        source: IdentitySource::Platform,
        name: Some(banner.name.clone()),
        national_id: Some(banner.national_id.clone()).filter(|n| !n.is_empty()),
        birth_date: banner.birth_date.clone(),
        gender: banner.gender.clone(),
    }
}

/// What Folkeregisteret says, asked by `nin`.
pub fn register_claim(person: &PersonDetails, nin: &NationalId) -> IdentityClaim {
    IdentityClaim {
        source: IdentitySource::Register,
        name: Some(person.name.clone()).filter(|n| !n.is_empty()),
        national_id: Some(nin.formatted()),
        birth_date: person.birth_date.clone(),
        gender: person.gender.clone(),
    }
}

/// The fields the claims disagree on; `None` when they agree or fewer than two speak.
pub fn check(claims: &[IdentityClaim]) -> Option<IdentityWarning> {
    let mut fields = Vec::new();
    let known = |get: fn(&IdentityClaim) -> Option<&str>| -> Vec<&str> { claims.iter().filter_map(get).collect() };
    let numbers = known(|c| c.national_id.as_deref());
    if disagree(&numbers, |a, b| digits(a) == digits(b)) {
        fields.push(IdentityField::NationalId);
    }
    if disagree(&known(|c| c.name.as_deref()), names_agree) {
        fields.push(IdentityField::Name);
    }
    if disagree(&known(|c| c.birth_date.as_deref()), |a, b| a.get(..10) == b.get(..10)) {
        fields.push(IdentityField::BirthDate);
    }
    // `unknown` and `other` say nothing about the number's sex digit.
    let genders: Vec<&str> =
        known(|c| c.gender.as_deref()).into_iter().filter(|g| matches!(*g, "female" | "male")).collect();
    if disagree(&genders, |a, b| a == b) {
        fields.push(IdentityField::Gender);
    }
    (!fields.is_empty()).then(|| IdentityWarning { fields, claims: claims.to_vec() })
}

fn disagree(values: &[&str], same: impl Fn(&str, &str) -> bool) -> bool {
    values.iter().any(|a| values.iter().any(|b| !same(a, b)))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Two names of one person: every word of the shorter is in the longer (case and
/// punctuation aside), so "Olsen, Asbjørn" and "Asbjørn Kristian Olsen" agree and
/// "Gunnhild Hostilesen" and "Asbjørn Olsen" do not.
fn names_agree(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let (a, b) = (words(a), words(b));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    !short.is_empty() && short.iter().all(|w| long.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbeidsflate_model::Sex;
    use chrono::NaiveDate;

    fn nin(y: i32, m: u32, d: u32, sex: Sex) -> NationalId {
        NationalId::synthetic_for(NaiveDate::from_ymd_opt(y, m, d).unwrap(), 5, sex).unwrap()
    }

    fn claim(source: IdentitySource, name: &str, number: &NationalId, birth: &str, gender: &str) -> IdentityClaim {
        IdentityClaim {
            source,
            name: Some(name.into()),
            national_id: Some(number.formatted()),
            birth_date: Some(birth.into()),
            gender: Some(gender.into()),
        }
    }

    #[test]
    fn sources_that_agree_give_no_warning() {
        let n = nin(1948, 4, 12, Sex::Male);
        let claims = [
            number_claim(&n),
            claim(IdentitySource::Platform, "Asbjørn Olsen", &n, "1948-04-12", "male"),
            claim(IdentitySource::Register, "OLSEN, Asbjørn Kristian", &n, "1948-04-12", "male"),
        ];
        assert_eq!(check(&claims), None);
        assert_eq!(check(&claims[..1]), None, "one source cannot disagree with itself");
    }

    #[test]
    fn the_platform_describing_someone_else_is_named_field_by_field() {
        let n = nin(1948, 4, 12, Sex::Male);
        let claims = [
            number_claim(&n),
            claim(IdentitySource::Platform, "Gunnhild Hostilesen", &n, "1940-02-03", "female"),
            claim(IdentitySource::Register, "Asbjørn Olsen", &n, "1948-04-12", "male"),
        ];
        let warning = check(&claims).expect("a warning");
        assert_eq!(warning.fields, [IdentityField::Name, IdentityField::BirthDate, IdentityField::Gender]);
        assert_eq!(warning.claims.len(), 3, "what each source said");
    }

    #[test]
    fn the_number_alone_catches_a_wrong_sex_or_birth_date() {
        let n = nin(1948, 4, 12, Sex::Male);
        let platform = claim(IdentitySource::Platform, "Asbjørn Olsen", &n, "1948-04-12", "female");
        assert_eq!(check(&[number_claim(&n), platform]).unwrap().fields, [IdentityField::Gender]);
        let platform = claim(IdentitySource::Platform, "Asbjørn Olsen", &n, "1948-04-21", "male");
        assert_eq!(check(&[number_claim(&n), platform]).unwrap().fields, [IdentityField::BirthDate]);
        let mut unknown = claim(IdentitySource::Platform, "Asbjørn Olsen", &n, "1948-04-12", "unknown");
        assert_eq!(check(&[number_claim(&n), unknown.clone()]), None, "unknown says nothing");
        unknown.national_id = Some(nin(1948, 4, 12, Sex::Female).formatted());
        assert_eq!(check(&[number_claim(&n), unknown]).unwrap().fields, [IdentityField::NationalId]);
    }

    #[test]
    fn names_agree_on_words_not_on_order_case_or_punctuation() {
        assert!(names_agree("Kari Nordmann", "NORDMANN, Kari"));
        assert!(names_agree("Anne-Grethe Li", "Anne-Grethe Marie Li"));
        assert!(!names_agree("Kari Nordmann", "Kari Nordmo"));
        assert!(!names_agree("", "Kari"));
    }
}
