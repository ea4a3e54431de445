//! Enterprise facts that are rules, not storage: scale and status codes, the roles an
//! enterprise plays, and how personal data is masked (R-ENT-2, R-PRIV-1).

use serde::{Deserialize, Serialize};

/// Enterprise scale (GB/T enterprise size classes).
pub const SCALES: &[&str] = &["large", "medium", "small", "micro"];
/// Operating status.
pub const STATUSES: &[&str] = &["operating", "suspended", "closed"];
/// What an enterprise does with products.
pub const ROLES: &[&str] = &["producer", "distributor", "online_seller"];

/// Masks an identity-card number: the first four and last four characters stay.
pub fn mask_id_number(s: &str) -> String {
    mask(s, 4, 4)
}

/// Masks a phone number: the first three and last four digits stay.
pub fn mask_phone(s: &str) -> String {
    mask(s, 3, 4)
}

fn mask(s: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let middle = chars.len() - keep_start - keep_end;
    format!(
        "{}{}{}",
        chars[..keep_start].iter().collect::<String>(),
        "*".repeat(middle),
        chars[chars.len() - keep_end..].iter().collect::<String>()
    )
}

/// Coordinates in integer micro-degrees, checked to lie on Earth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coordinates {
    pub latitude_e6: i64,
    pub longitude_e6: i64,
}

impl Coordinates {
    /// Parses decimal degrees ("28.682892", "115.858197").
    pub fn parse(latitude: &str, longitude: &str) -> Option<Coordinates> {
        let lat: f64 = latitude.trim().parse().ok()?;
        let lon: f64 = longitude.trim().parse().ok()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
            .then(|| Coordinates { latitude_e6: (lat * 1e6).round() as i64, longitude_e6: (lon * 1e6).round() as i64 })
    }

    pub fn display(latitude_e6: i64, longitude_e6: i64) -> String {
        format!("{:.6}, {:.6}", latitude_e6 as f64 / 1e6, longitude_e6 as f64 / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers_and_phones_keep_only_their_ends() {
        assert_eq!(mask_id_number("360121199001011234"), "3601**********1234");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("1234"), "****");
    }

    #[test]
    fn coordinates_off_the_earth_are_refused() {
        assert_eq!(
            Coordinates::parse("28.682892", "115.858197"),
            Some(Coordinates { latitude_e6: 28_682_892, longitude_e6: 115_858_197 })
        );
        assert_eq!(Coordinates::parse("91", "0"), None);
        assert_eq!(Coordinates::parse("x", "0"), None);
    }
}

/// Checks a resident identity-card number (GB 11643: 17 digits and an ISO 7064 MOD 11-2
/// check character).
pub fn valid_id_number(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECKS: &[u8; 11] = b"10X98765432";
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    b[17].to_ascii_uppercase() == CHECKS[(sum % 11) as usize]
}

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn an_identity_number_needs_its_check_character() {
        assert!(valid_id_number("11010519491231002X"));
        assert!(!valid_id_number("110105194912310021"));
        assert!(!valid_id_number("1101051949123100"));
    }
}
