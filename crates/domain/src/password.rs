//! The password policy (R-AUTH-4): length and character classes a level-3 system expects.

use crate::error::ValidationErrors;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// Checks a new password against the policy; `field` names the form field in the error.
pub fn check_policy(field: &str, password: &str, username: &str) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let len = password.chars().count();
    if len < MIN_LENGTH {
        errors.add(field, "password_too_short", format!("at least {MIN_LENGTH} characters"));
    } else if len > MAX_LENGTH {
        errors.add(field, "password_too_long", format!("at most {MAX_LENGTH} characters"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|present| **present).count() < 3 {
        errors.add(
            field,
            "password_too_simple",
            "use at least three of: lower-case letters, upper-case letters, digits, symbols",
        );
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        errors.add(field, "password_contains_username", "must not contain the user name");
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_mixed_password_passes_the_policy() {
        assert!(check_policy("password", "Touchstone#2026", "zhang").is_ok());
    }

    #[test]
    fn a_short_or_simple_password_is_refused_naming_the_field() {
        let e = check_policy("new_password", "abc", "zhang").expect_err("too short");
        assert_eq!(e.0[0].field, "new_password");
        assert!(e.0.iter().any(|f| f.code == "password_too_short"));
        let e = check_policy("password", "abcdefghijkl", "zhang").expect_err("one class");
        assert!(e.0.iter().any(|f| f.code == "password_too_simple"));
    }

    #[test]
    fn a_password_containing_the_user_name_is_refused() {
        let e = check_policy("password", "Zhang.San#2026", "zhang.san").expect_err("contains name");
        assert!(e.0.iter().any(|f| f.code == "password_contains_username"));
    }
}
