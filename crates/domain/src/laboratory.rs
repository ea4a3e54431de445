//! Laboratories (test institutions, R-SC-3): the CNAS accreditation number in its one written
//! form, the optional CMA number, and the statuses a laboratory's approval can have.

/// Statuses of a laboratory's approval, as stored.
pub const STATUSES: &[&str] = &["active", "suspended", "revoked"];

/// Normalises a CNAS laboratory accreditation number to `CNAS L1234`: the prefix `CNAS` is
/// optional, case and spaces do not matter, the number is `L` and 4 or 5 digits. `None` when
/// it is not one.
pub fn accreditation_number(input: &str) -> Option<String> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let rest = compact.strip_prefix("CNAS").unwrap_or(&compact);
    let digits = rest.strip_prefix('L')?;
    ((4..=5).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())).then(|| format!("CNAS L{digits}"))
}

/// Normalises a CMA (检验检测机构资质认定) certificate number: 8 to 20 letters and digits,
/// upper-case. `None` when it is not one.
pub fn cma_number(input: &str) -> Option<String> {
    let n = input.trim().to_uppercase();
    ((8..=20).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric())).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accreditation_number_has_one_written_form() {
        assert_eq!(accreditation_number("CNAS L0123").as_deref(), Some("CNAS L0123"));
        assert_eq!(accreditation_number(" cnas l12345 ").as_deref(), Some("CNAS L12345"));
        assert_eq!(accreditation_number("L0789").as_deref(), Some("CNAS L0789"));
        for bad in ["", "CNAS", "CNAS L12", "CNAS L123456", "CNAS X1234", "CNAS L12A4"] {
            assert_eq!(accreditation_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_cma_number_is_letters_and_digits() {
        assert_eq!(cma_number(" 201536000123 ").as_deref(), Some("201536000123"));
        assert_eq!(cma_number("1234"), None);
        assert_eq!(cma_number("2015-3600-0123"), None);
    }
}
