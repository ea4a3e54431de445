//! Small rules for form and JSON input shared by the use cases: optional text trimmed to
//! nothing, and length limits counted in characters (Chinese text counts per character).

use touchstone_domain::ValidationErrors;

/// The trimmed text, or none when blank.
pub(crate) fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Adds a `too_long` error for `field` when `v` has more than `max` characters.
pub(crate) fn check_len(errors: &mut ValidationErrors, field: &str, v: &str, max: usize) {
    if v.chars().count() > max {
        errors.add(field, "too_long", format!("at most {max} characters"));
    }
}
