//! Certificates (R-CERT-1, R-CERT-2, R-CERT-4): kinds, the status lifecycle with its legal
//! transitions, and the consistency checks the ledger alone can make.

/// Kinds of certificate, as stored.
pub const KINDS: &[&str] = &[
    "production_licence",
    "ccc",
    "quality_management",
    "environmental_management",
    "occupational_health_safety",
    "other",
];

/// Statuses, as stored.
pub const STATUSES: &[&str] = &["valid", "suspended", "revoked", "cancelled", "withdrawn", "expired"];

/// Whether a certificate may move from `from` to `to`. Revoked, cancelled, withdrawn and
/// expired are final; a suspension can be lifted.
pub fn can_transition(from: &str, to: &str) -> bool {
    match from {
        "valid" => matches!(to, "suspended" | "revoked" | "cancelled" | "withdrawn" | "expired"),
        "suspended" => matches!(to, "valid" | "revoked" | "cancelled" | "withdrawn" | "expired"),
        _ => false,
    }
}

/// The certificate kind a product category's requirement calls for.
pub fn required_kinds(licence_required: bool, ccc_required: bool) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    if licence_required {
        kinds.push("production_licence");
    }
    if ccc_required {
        kinds.push("ccc");
    }
    kinds
}

/// Whether a category is covered by a certificate scope: the scope names it or one of its
/// ancestors (a scope of 电线电缆 covers its sub-categories).
pub fn scope_covers(scope: &[String], category: &str) -> bool {
    scope.iter().any(|s| category == s || category.starts_with(&format!("{s}.")))
}

/// Days from `today` to `expires_on` (both `YYYY-MM-DD`), or `None` when unparseable.
pub fn days_until(today: &str, expires_on: &str) -> Option<i64> {
    Some((crate::time::parse_date(expires_on)? - crate::time::parse_date(today)?).whole_days())
}

/// Parses and normalises a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<String> {
    crate::time::parse_date(s).map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_legal_status_transitions_are_allowed() {
        assert!(can_transition("valid", "suspended"));
        assert!(can_transition("suspended", "valid"));
        assert!(!can_transition("revoked", "valid"), "revocation is final");
        assert!(!can_transition("expired", "valid"));
        assert!(!can_transition("valid", "valid"));
    }

    #[test]
    fn a_scope_covers_its_categories_and_their_descendants() {
        let scope = vec!["04.01".to_string()];
        assert!(scope_covers(&scope, "04.01"));
        assert!(scope_covers(&scope, "04.01.02"));
        assert!(!scope_covers(&scope, "04.010"));
        assert!(!scope_covers(&scope, "04"));
    }

    #[test]
    fn days_until_counts_calendar_days() {
        assert_eq!(days_until("2026-11-23", "2027-02-21"), Some(90));
        assert_eq!(days_until("2026-11-23", "2026-11-22"), Some(-1));
        assert_eq!(parse_date(" 2026-2-3 "), None);
        assert_eq!(parse_date("2026-02-03"), Some("2026-02-03".into()));
    }
}
