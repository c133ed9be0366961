//! Norwegian national identity numbers: fødselsnummer, D-nummer, H-nummer and the
//! synthetic test numbers (month + 80) issued by Skatteetaten's Tenor test registry.
//!
//! Check digits follow the mod-11 rule. From 2032 new numbers may use other remainders
//! for the first check digit (Skatteetaten's new rule), so both rule sets are accepted.

use chrono::{Datelike, NaiveDate};
use std::fmt;

const W1: [u32; 10] = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const W2: [u32; 11] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// FHIR identifier systems (HL7 Norway no-basis).
pub const SYSTEM_FNR: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
pub const SYSTEM_DNR: &str = "urn:oid:2.16.578.1.12.4.1.4.2";
pub const SYSTEM_HNR: &str = "urn:oid:2.16.578.1.12.4.1.4.3";
pub const SYSTEM_HPR: &str = "urn:oid:2.16.578.1.12.4.1.4.4";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NationalIdKind {
    /// Ordinary fødselsnummer.
    Fnr,
    /// D-nummer: day + 40, for people temporarily in Norway.
    DNumber,
    /// H-nummer (felles hjelpenummer): month + 40.
    HNumber,
}

impl NationalIdKind {
    pub fn fhir_system(self) -> &'static str {
        match self {
            NationalIdKind::Fnr => SYSTEM_FNR,
            NationalIdKind::DNumber => SYSTEM_DNR,
            NationalIdKind::HNumber => SYSTEM_HNR,
        }
    }
}

/// The legal sex a number encodes: its ninth digit, even for women, odd for men.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// FHIR's `administrative-gender` code.
    pub fn fhir_gender(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NinError {
    #[error("a national identity number has 11 digits")]
    Length,
    #[error("a national identity number contains only digits")]
    NotDigits,
    #[error("the check digits do not match")]
    CheckDigits,
    #[error("the number does not encode a valid date of birth")]
    BirthDate,
}

/// A validated national identity number. Its `Debug` output hides the number so it
/// cannot leak into technical logs by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId {
    digits: String,
    kind: NationalIdKind,
    synthetic: bool,
    birth_date: NaiveDate,
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NationalId").field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl NationalId {
    /// Parses and validates. Spaces and a single separator between date and personal
    /// number are accepted, as people type them (`010180 12345`).
    pub fn parse(input: &str) -> Result<Self, NinError> {
        let cleaned: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if cleaned.chars().any(|c| !c.is_ascii_digit()) {
            return Err(NinError::NotDigits);
        }
        if cleaned.len() != 11 {
            return Err(NinError::Length);
        }
        let d: Vec<u32> = cleaned.bytes().map(|b| u32::from(b - b'0')).collect();
        if !check_digits_valid(&d) {
            return Err(NinError::CheckDigits);
        }
        let (kind, synthetic, birth_date) = decode_birth_date(&d).ok_or(NinError::BirthDate)?;
        Ok(Self { digits: cleaned, kind, synthetic, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn kind(&self) -> NationalIdKind {
        self.kind
    }

    /// True for Tenor's synthetic test persons (month + 80).
    pub fn is_synthetic(&self) -> bool {
        self.synthetic
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The sex the number encodes (its ninth digit).
    pub fn sex(&self) -> Sex {
        if (self.digits.as_bytes()[8] - b'0').is_multiple_of(2) {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        let b = self.birth_date;
        let mut age = today.year() - b.year();
        if (today.month(), today.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age.max(0) as u32
    }

    /// The form clinicians read: `DDMMYY NNNNN`.
    pub fn formatted(&self) -> String {
        format!("{} {}", &self.digits[..6], &self.digits[6..])
    }

    /// Builds a synthetic (month + 80) fødselsnummer for a birth date and sex, trying
    /// individual numbers from `seed` upwards until the sex digit and the check digits
    /// work out, as Tenor's numbers do. Returns `None` if the century cannot be encoded.
    pub fn synthetic_for(birth_date: NaiveDate, seed: u32, sex: Sex) -> Option<Self> {
        let year = birth_date.year();
        let ranges: &[(u32, u32)] = match year {
            1900..=1999 => &[(0, 499)],
            2000..=2039 => &[(500, 999)],
            _ => return None,
        };
        let (lo, hi) = ranges[0];
        let span = hi - lo + 1;
        for step in 0..span {
            let individual = lo + (seed + step) % span;
            if individual.is_multiple_of(2) != (sex == Sex::Female) {
                continue;
            }
            let base =
                format!("{:02}{:02}{:02}{:03}", birth_date.day(), birth_date.month() + 80, year % 100, individual);
            let mut d: Vec<u32> = base.bytes().map(|b| u32::from(b - b'0')).collect();
            let Some(k1) = classic_check(&d, &W1[..9]) else { continue };
            d.push(k1);
            let Some(k2) = classic_check(&d, &W2[..10]) else { continue };
            d.push(k2);
            let text: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
            return Self::parse(&text).ok();
        }
        None
    }
}

/// The classic check digit: 11 − (Σ dᵢ·wᵢ mod 11), 11 → 0, 10 → impossible.
fn classic_check(d: &[u32], w: &[u32]) -> Option<u32> {
    let sum: u32 = d.iter().zip(w).map(|(a, b)| a * b).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// Accepts both the classic rule and the 2032 rule, under which the first check
/// digit may leave a remainder of 0–3 over all ten digits (weights 3,7,6,1,8,9,4,5,2,1),
/// while the second check digit still gives remainder 0.
fn check_digits_valid(d: &[u32]) -> bool {
    let sum1: u32 = d[..10].iter().zip(W1).map(|(a, b)| a * b).sum();
    let sum2: u32 = d.iter().zip(W2).map(|(a, b)| a * b).sum();
    sum1 % 11 <= 3 && sum2.is_multiple_of(11)
}

fn decode_birth_date(d: &[u32]) -> Option<(NationalIdKind, bool, NaiveDate)> {
    let mut day = d[0] * 10 + d[1];
    let mut month = d[2] * 10 + d[3];
    let yy = (d[4] * 10 + d[5]) as i32;
    let individual = d[6] * 100 + d[7] * 10 + d[8];

    let mut kind = NationalIdKind::Fnr;
    if day > 40 {
        day -= 40;
        kind = NationalIdKind::DNumber;
    }
    let mut synthetic = false;
    if month > 80 {
        month -= 80;
        synthetic = true;
    } else if month > 40 {
        month -= 40;
        kind = NationalIdKind::HNumber;
    }
    let century = match individual {
        0..=499 => 1900,
        500..=749 if yy >= 54 => 1800,
        500..=999 if yy <= 39 => 2000,
        900..=999 if yy >= 40 => 1900,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(century + yy, month, day)?;
    Some((kind, synthetic, date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn generated_synthetic_numbers_validate_and_round_trip_birth_date() {
        for (i, birth) in [date(1938, 2, 28), date(1951, 12, 1), date(2004, 6, 30)].iter().enumerate() {
            let nin = NationalId::synthetic_for(*birth, i as u32 * 37, Sex::Female).expect("encodable");
            assert!(nin.is_synthetic());
            assert_eq!(nin.kind(), NationalIdKind::Fnr);
            assert_eq!(nin.birth_date(), *birth);
            let month: u32 = nin.as_str()[2..4].parse().unwrap();
            assert!(month > 80, "synthetic numbers carry month + 80");
            assert_eq!(NationalId::parse(nin.as_str()).unwrap(), nin);
        }
    }

    #[test]
    fn the_ninth_digit_is_the_sex_and_generated_numbers_follow_it() {
        for (i, sex) in [Sex::Female, Sex::Male].into_iter().cycle().take(40).enumerate() {
            let birth = date(1930 + i as i32, 1 + (i as u32 % 12), 1 + (i as u32 % 28));
            let nin = NationalId::synthetic_for(birth, i as u32 * 13, sex).expect("encodable");
            assert_eq!(nin.sex(), sex, "{i}");
            assert_eq!(nin.birth_date(), birth);
        }
        // A man's number has an odd ninth digit.
        let man = NationalId::synthetic_for(date(1948, 4, 12), 0, Sex::Male).unwrap();
        assert_eq!(u32::from(man.as_str().as_bytes()[8] - b'0') % 2, 1);
    }

    #[test]
    fn a_changed_digit_breaks_the_check_digits() {
        let nin = NationalId::synthetic_for(date(1940, 5, 17), 3, Sex::Female).unwrap();
        let mut bad: Vec<u8> = nin.as_str().bytes().collect();
        bad[10] = if bad[10] == b'9' { b'0' } else { bad[10] + 1 };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(NationalId::parse(&bad), Err(NinError::CheckDigits));
    }

    #[test]
    fn d_numbers_are_recognised() {
        // Day + 40 on a synthetic birth date; compute valid check digits by search.
        let base = NationalId::synthetic_for(date(1962, 3, 9), 11, Sex::Female).unwrap();
        let mut found = None;
        for ind in 0..500u32 {
            let head = format!("{}{}{:03}", 9 + 40, &base.as_str()[2..6], ind);
            let mut d: Vec<u32> = head.bytes().map(|b| u32::from(b - b'0')).collect();
            let Some(k1) = classic_check(&d, &W1[..9]) else { continue };
            d.push(k1);
            let Some(k2) = classic_check(&d, &W2[..10]) else { continue };
            d.push(k2);
            found = Some(d.iter().map(|x| char::from(b'0' + *x as u8)).collect::<String>());
            break;
        }
        let nin = NationalId::parse(&found.unwrap()).unwrap();
        assert_eq!(nin.kind(), NationalIdKind::DNumber);
        assert_eq!(nin.birth_date(), date(1962, 3, 9));
        assert!(nin.is_synthetic());
    }

    #[test]
    fn bad_shapes_are_rejected_with_their_reason() {
        assert_eq!(NationalId::parse("1234"), Err(NinError::Length));
        assert_eq!(NationalId::parse("12345abc901"), Err(NinError::NotDigits));
        assert_eq!(NationalId::parse(""), Err(NinError::Length));
        // Valid check digits are needed before the date is even looked at.
        assert_eq!(NationalId::parse("00000000001"), Err(NinError::CheckDigits));
        // All zeros passes mod 11 but encodes day 0.
        assert_eq!(NationalId::parse("00000000000"), Err(NinError::BirthDate));
    }

    #[test]
    fn typed_forms_with_spaces_are_accepted_and_formatted() {
        let nin = NationalId::synthetic_for(date(1944, 11, 2), 5, Sex::Female).unwrap();
        let typed = format!("{} {}", &nin.as_str()[..6], &nin.as_str()[6..]);
        let parsed = NationalId::parse(&typed).unwrap();
        assert_eq!(parsed.formatted(), typed);
    }

    #[test]
    fn the_2032_rule_accepts_other_first_remainders() {
        // A number whose first check digit leaves remainder 2 (invalid before 2032)
        // and whose second check digit is correct.
        let mut found = None;
        'search: for ind in 0..100u32 {
            for k1 in 0..10u32 {
                let head = format!("018140{ind:03}{k1}");
                let mut d: Vec<u32> = head.bytes().map(|b| u32::from(b - b'0')).collect();
                let sum1: u32 = d.iter().zip(W1).map(|(a, b)| a * b).sum();
                if sum1 % 11 != 2 {
                    continue;
                }
                if let Some(k2) = classic_check(&d, &W2[..10]) {
                    d.push(k2);
                    found = Some(d.iter().map(|x| char::from(b'0' + *x as u8)).collect::<String>());
                    break 'search;
                }
            }
        }
        let n = found.expect("such a number exists among 100 individual numbers");
        assert!(NationalId::parse(&n).is_ok());
    }

    #[test]
    fn age_counts_whole_years() {
        let nin = NationalId::synthetic_for(date(1940, 6, 15), 1, Sex::Female).unwrap();
        assert_eq!(nin.age_on(date(2026, 6, 14)), 85);
        assert_eq!(nin.age_on(date(2026, 6, 15)), 86);
    }

    #[test]
    fn debug_output_hides_the_number() {
        let nin = NationalId::synthetic_for(date(1940, 6, 15), 1, Sex::Female).unwrap();
        assert!(!format!("{nin:?}").contains(nin.as_str()));
    }
}
