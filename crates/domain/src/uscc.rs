//! The unified social credit code (统一社会信用代码, GB 32100-2015; R-ENT-1), normalised and
//! checked exactly as METHODS.md §7 says: characters, authority/type pair, region digits,
//! the embedded GB 11714 organisation code, the check character. Errors name the rule and
//! the position.

use serde::{Deserialize, Serialize};

/// The characters a code may hold, in check-value order (no I, O, Z, S, V).
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Registration authority (position 1) and the entity types (position 2) it may register.
const AUTHORITY_TYPES: &[(char, &str)] = &[
    ('1', "1239"),
    ('2', "19"),
    ('3', "123459"),
    ('4', "19"),
    ('5', "1239"),
    ('6', "129"),
    ('7', "129"),
    ('8', "19"),
    ('9', "123"),
    ('A', "19"),
    ('N', "1239"),
    ('Y', "1"),
];

/// A code that passed every rule, in its normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// The first rule a code breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error(
        "position {position}: character {found:?} is not allowed (only digits, letters, spaces and hyphens may be pasted)"
    )]
    StrayCharacter { position: usize, found: char },
    #[error("must be 18 characters after removing spaces and hyphens, got {0}")]
    Length(usize),
    #[error("position {position}: {found:?} is not a code character (0-9 and A-H J-N P-R T-U W-Y; no I, O, Z, S, V)")]
    Character { position: usize, found: char },
    #[error("position 1: {0:?} is not a registration authority")]
    Authority(char),
    #[error("position 2: entity type {found:?} is not registered by authority {authority:?}")]
    EntityType { authority: char, found: char },
    #[error("positions 3-8: the region of registration must be six digits, got {0:?}")]
    Region(String),
    #[error("position {position}: {found:?} cannot appear in the organisation code (positions 9-16)")]
    OrganisationCharacter { position: usize, found: char },
    #[error("position 17: organisation-code check character should be {expected:?}, got {found:?}")]
    OrganisationCheck { expected: char, found: char },
    #[error("position 18: check character should be {expected:?}, got {found:?}")]
    Check { expected: char, found: char },
}

impl UsccError {
    /// A stable code for the rule (locale keys, error reports).
    pub fn rule(&self) -> &'static str {
        match self {
            UsccError::StrayCharacter { .. } => "uscc_stray_character",
            UsccError::Length(_) => "uscc_length",
            UsccError::Character { .. } => "uscc_character",
            UsccError::Authority(_) => "uscc_authority",
            UsccError::EntityType { .. } => "uscc_entity_type",
            UsccError::Region(_) => "uscc_region",
            UsccError::OrganisationCharacter { .. } => "uscc_organisation_character",
            UsccError::OrganisationCheck { .. } => "uscc_organisation_check",
            UsccError::Check { .. } => "uscc_check",
        }
    }
}

/// Trims; drops spaces of any kind and hyphens; turns full-width digits and letters into
/// ASCII; upper-cases. Anything else left over is an error naming its position.
pub fn normalise(input: &str) -> Result<String, UsccError> {
    let mut out = String::with_capacity(18);
    for (i, c) in input.trim().chars().enumerate() {
        let c = match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if c == '-'
            || c == '\u{2010}'
            || c == '\u{2011}'
            || c == '\u{2013}'
            || c == '\u{FF0D}'
            || (c.is_whitespace() && c != '\t')
            || c == '\u{3000}'
        {
            continue;
        } else {
            return Err(UsccError::StrayCharacter { position: i + 1, found: c });
        }
    }
    Ok(out)
}

fn value(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// GB 11714 value: digits 0-9, letters A=10 … Z=35 (no letter skipped).
fn organisation_value(c: char) -> Option<u32> {
    c.to_digit(36)
}

/// The check character for the first 17 characters (all from the alphabet).
pub fn check_character(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

fn organisation_check(first8: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first8.chars().zip(ORG_WEIGHTS) {
        sum += organisation_value(c)? * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    })
}

impl Uscc {
    /// Normalises and checks a code.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let code = normalise(input)?;
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(UsccError::Length(chars.len()));
        }
        if let Some((i, c)) = chars.iter().enumerate().find(|(_, c)| value(**c).is_none()) {
            return Err(UsccError::Character { position: i + 1, found: *c });
        }
        let (authority, kind) = (chars[0], chars[1]);
        let types = AUTHORITY_TYPES.iter().find(|(a, _)| *a == authority).ok_or(UsccError::Authority(authority))?.1;
        if !types.contains(kind) {
            return Err(UsccError::EntityType { authority, found: kind });
        }
        let region: String = chars[2..8].iter().collect();
        if !region.chars().all(|c| c.is_ascii_digit()) {
            return Err(UsccError::Region(region));
        }
        let org: String = chars[8..16].iter().collect();
        if let Some((i, c)) = org.chars().enumerate().find(|(_, c)| organisation_value(*c).is_none()) {
            return Err(UsccError::OrganisationCharacter { position: i + 9, found: c });
        }
        let expected =
            organisation_check(&org).ok_or(UsccError::OrganisationCheck { expected: '?', found: chars[16] })?;
        if chars[16] != expected {
            return Err(UsccError::OrganisationCheck { expected, found: chars[16] });
        }
        let first17: String = chars[..17].iter().collect();
        let expected = check_character(&first17).ok_or(UsccError::Check { expected: '?', found: chars[17] })?;
        if chars[17] != expected {
            return Err(UsccError::Check { expected, found: chars[17] });
        }
        Ok(Uscc(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 3–8: the region of registration (may be a code abolished since).
    pub fn region_digits(&self) -> &str {
        &self.0[2..8]
    }

    /// Builds a valid code from an authority/type pair, a region and an 8-character
    /// organisation code body (for the synthetic-province generator and tests).
    pub fn compose(authority_type: &str, region: &str, organisation8: &str) -> Option<Uscc> {
        let org_check = organisation_check(organisation8)?;
        let first17 = format!("{authority_type}{region}{organisation8}{org_check}");
        let check = check_character(&first17)?;
        Uscc::parse(&format!("{first17}{check}")).ok()
    }
}

impl std::fmt::Display for Uscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published codes: Huawei Technologies Co., Ltd. and Kweichow Moutai Co., Ltd.
    const HUAWEI: &str = "914403001922038216";
    const MOUTAI: &str = "91520000214434146R";

    #[test]
    fn published_codes_are_valid() {
        for c in [HUAWEI, MOUTAI] {
            assert_eq!(Uscc::parse(c).map(|u| u.to_string()), Ok(c.to_string()), "{c}");
        }
        assert_eq!(Uscc::parse(HUAWEI).expect("valid").region_digits(), "440300");
    }

    #[test]
    fn pasted_codes_are_normalised_before_checking() {
        let pasted = " ９１５２ ０000-2144 34146ｒ\u{3000}";
        assert_eq!(Uscc::parse(pasted).expect("normalises").as_str(), MOUTAI);
    }

    #[test]
    fn a_stray_character_is_named_with_its_position() {
        assert_eq!(Uscc::parse("9152\t0000214434146R"), Err(UsccError::StrayCharacter { position: 5, found: '\t' }));
        assert_eq!(
            Uscc::parse("91520000214434146R\u{200B}"),
            Err(UsccError::StrayCharacter { position: 19, found: '\u{200B}' })
        );
    }

    #[test]
    fn every_rule_broken_once_is_named() {
        assert_eq!(Uscc::parse("91520000214434146"), Err(UsccError::Length(17)));
        assert_eq!(Uscc::parse("9152000021443414OR"), Err(UsccError::Character { position: 17, found: 'O' }));
        assert_eq!(Uscc::parse("B1520000214434146R"), Err(UsccError::Authority('B')));
        assert_eq!(Uscc::parse("94520000214434146R"), Err(UsccError::EntityType { authority: '9', found: '4' }));
        assert_eq!(Uscc::parse("9152A000214434146R"), Err(UsccError::Region("52A000".into())));
        assert_eq!(Uscc::parse("91520000214434147R"), Err(UsccError::OrganisationCheck { expected: '6', found: '7' }));
        assert_eq!(Uscc::parse("91520000214434146Q"), Err(UsccError::Check { expected: 'R', found: 'Q' }));
    }

    #[test]
    fn a_composed_code_passes_every_rule() {
        let code = Uscc::compose("91", "360781", "MA35K8P0").expect("composes");
        assert_eq!(code.region_digits(), "360781");
        assert_eq!(code.as_str().len(), 18);
    }
}
