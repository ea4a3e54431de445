//! Renders the actor's jurisdiction as a SQL condition (R-AUTH-1, in one place): every store
//! query of regional data calls `condition` for its region column.

use touchstone_domain::jurisdiction::{BureauScope, Scope};
use touchstone_domain::region::regions;

use crate::Arg;

/// `(sql, args)` restricting `column` to the scope: `1=1` for everything, `1=0` for nothing,
/// otherwise `column IN (?, …)`.
pub fn condition(column: &str, scope: &Scope) -> (String, Vec<Arg>) {
    match scope {
        Scope::Everything => ("1=1".to_string(), vec![]),
        Scope::Nothing => ("1=0".to_string(), vec![]),
        Scope::Regions(codes) if codes.is_empty() => ("1=0".to_string(), vec![]),
        Scope::Regions(codes) => {
            // Consecutive table codes become one index range: a province is one `BETWEEN`,
            // not an `IN` of a hundred codes.
            let (runs, unknown) = regions().runs(codes.iter().map(String::as_str));
            let mut parts = Vec::new();
            let mut args = Vec::new();
            for (first, last) in runs {
                if first == last {
                    parts.push(format!("{column} = ?"));
                    args.push(Arg::from(first));
                } else {
                    parts.push(format!("{column} BETWEEN ? AND ?"));
                    args.extend([Arg::from(first), Arg::from(last)]);
                }
            }
            if !unknown.is_empty() {
                parts.push(format!("{column} IN ({})", vec!["?"; unknown.len()].join(", ")));
                args.extend(unknown.into_iter().map(Arg::from));
            }
            match parts.len() {
                1 => (parts.remove(0), args),
                _ => (format!("({})", parts.join(" OR ")), args),
            }
        }
    }
}

/// `(sql, args)` restricting `column` to the region `code` and every region under it (a
/// list filter, not a jurisdiction); `1=0` for a code not in the table.
pub fn subtree(column: &str, code: &str) -> (String, Vec<Arg>) {
    let codes = regions().descendants_and_self(code);
    condition(column, &Scope::Regions(codes.into_iter().map(String::from).collect()))
}

/// The regions a list reads as a list of codes, for [`listed`]: the filter's region and every
/// region under it, or else the viewer's jurisdiction; `None` for a viewer who sees everything or
/// only its own enterprise's records. Where an index goes on past the region, as the hazard
/// list's `(region_code, status, …)` does, each region is then sought on the next columns too,
/// where one range reads every hazard of a city to count its open ones.
pub fn regions_to_list<'a>(filter: Option<&str>, jurisdiction: &'a Scope, own_only: bool) -> Option<Vec<&'a str>> {
    match (filter, jurisdiction, own_only) {
        (Some(code), _, _) => Some(regions().descendants_and_self(code)),
        (None, Scope::Regions(codes), false) => Some(codes.iter().map(String::as_str).collect()),
        _ => None,
    }
}

/// `(sql, args)` restricting `column` to `codes` as a list (`IN`); `1=0` for none.
pub fn listed<'a>(column: &str, codes: impl IntoIterator<Item = &'a str>) -> (String, Vec<Arg>) {
    let args: Vec<Arg> = codes.into_iter().map(Arg::from).collect();
    if args.is_empty() {
        return ("1=0".to_string(), vec![]);
    }
    (format!("{column} IN ({})", vec!["?"; args.len()].join(", ")), args)
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
    fn a_jurisdiction_becomes_bound_ranges_of_consecutive_codes() {
        let scope = Scope::Regions(["360781".to_string(), "360700".to_string()].into_iter().collect());
        let (sql, args) = condition("u.region_code", &scope);
        assert_eq!(sql, "(u.region_code = ? OR u.region_code = ?)");
        assert_eq!(args.len(), 2);
        let province = regions().descendants_and_self("360000").into_iter().map(String::from).collect();
        let (sql, args) = condition("u.region_code", &Scope::Regions(province));
        assert_eq!(sql, "u.region_code BETWEEN ? AND ?");
        assert_eq!(args[0], Arg::from("360000"));
    }

    #[test]
    fn a_listed_subtree_names_the_region_and_every_region_under_it_and_an_unknown_one_matches_nothing() {
        let subtree_listed = |column, code| {
            listed(column, regions_to_list(Some(code), &Scope::Everything, false).expect("a filter lists"))
        };
        let (sql, args) = subtree_listed("h.region_code", "360100");
        let codes = regions().descendants_and_self("360100");
        assert!(codes.len() > 1 && codes.contains(&"360100") && codes.contains(&"360121"), "{codes:?}");
        assert_eq!(sql, format!("h.region_code IN ({})", vec!["?"; codes.len()].join(", ")));
        assert_eq!(args, codes.into_iter().map(Arg::from).collect::<Vec<_>>());
        assert_eq!(subtree_listed("h.region_code", "999999").0, "1=0");
    }
}
