//! Renders the actor's jurisdiction as a SQL condition (R-AUTH-1, in one place): every store
//! query of regional data calls `condition` for its region column.

use touchstone_domain::jurisdiction::{BureauScope, Scope};

use crate::Arg;

/// `(sql, args)` restricting `column` to the scope: `1=1` for everything, `1=0` for nothing,
/// otherwise `column IN (?, …)`.
pub fn condition(column: &str, scope: &Scope) -> (String, Vec<Arg>) {
    match scope {
        Scope::Everything => ("1=1".to_string(), vec![]),
        Scope::Nothing => ("1=0".to_string(), vec![]),
        Scope::Regions(codes) if codes.is_empty() => ("1=0".to_string(), vec![]),
        Scope::Regions(codes) => {
            let marks = vec!["?"; codes.len()].join(", ");
            (format!("{column} IN ({marks})"), codes.iter().map(|c| Arg::from(c.as_str())).collect())
        }
    }
}

/// `(sql, args)` restricting `column` to the region `code` and every region under it (a
/// list filter, not a jurisdiction); `1=0` for a code not in the table.
pub fn subtree(column: &str, code: &str) -> (String, Vec<Arg>) {
    let codes = touchstone_domain::region::regions().descendants_and_self(code);
    if codes.is_empty() {
        return ("1=0".to_string(), vec![]);
    }
    (format!("{column} IN ({})", vec!["?"; codes.len()].join(", ")), codes.into_iter().map(Arg::from).collect())
}

/// `(sql, args)` restricting an organisation-id `column` to the actor's bureau subtree, found
/// by a recursive query over the reporting line (the same text on both engines).
pub fn bureau_condition(column: &str, scope: &BureauScope) -> (String, Vec<Arg>) {
    match scope {
        BureauScope::Everything => ("1=1".to_string(), vec![]),
        BureauScope::Nothing => ("1=0".to_string(), vec![]),
        BureauScope::Subtree(root) => (
            format!(
                "{column} IN (WITH RECURSIVE sub(id) AS (SELECT id FROM organisations WHERE id = ? \
                 UNION ALL SELECT o.id FROM organisations o JOIN sub ON o.parent_id = sub.id) SELECT id FROM sub)"
            ),
            vec![Arg::from(*root)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn an_empty_jurisdiction_matches_nothing() {
        assert_eq!(condition("region_code", &Scope::Regions(BTreeSet::new())).0, "1=0");
        assert_eq!(condition("region_code", &Scope::Nothing).0, "1=0");
    }

    #[test]
    fn a_jurisdiction_becomes_a_bound_in_list() {
        let scope = Scope::Regions(["360781".to_string(), "360700".to_string()].into_iter().collect());
        let (sql, args) = condition("u.region_code", &scope);
        assert_eq!(sql, "u.region_code IN (?, ?)");
        assert_eq!(args.len(), 2);
    }
}
