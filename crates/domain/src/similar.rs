//! Similar hazards (R-HAZ-4): how alike two hazards are, Chinese-aware, and how a hazard's text
//! loses its enterprise details when an officer promotes it to the shared sample bank.
//!
//! Wording is compared on overlapping pairs of search tokens (`search::tokens`: each Chinese
//! character a token, an ASCII word a token), so "导体电阻不合格" and "电阻值不合格" share 电阻,
//! 不合, 合格 although neither contains the other; the score is the Dice coefficient of the two
//! pair sets, in thousandths (integers, no floating point), plus a bonus for the same product
//! category (more for the same category than for one in the same branch of the catalogue) and
//! for the same product name.

use std::collections::BTreeSet;

use crate::search::tokens;

/// Points (of 1000) the wording alone must reach for a hazard to be suggested.
pub const MIN_WORDING: u32 = 200;
/// Bonus for the same category, for a category in the same branch, for the same product.
pub const SAME_CATEGORY: u32 = 300;
pub const SAME_BRANCH: u32 = 150;
pub const SAME_PRODUCT: u32 = 150;

/// The overlapping token pairs of a text (a lone token counts as a pair with itself).
pub fn shingles(text: &str) -> BTreeSet<String> {
    let t = tokens(text);
    match t.len() {
        0 => BTreeSet::new(),
        1 => BTreeSet::from([t[0].clone()]),
        _ => t.windows(2).map(|w| format!("{}{}", w[0], w[1])).collect(),
    }
}

/// Dice coefficient of two shingle sets, in thousandths.
pub fn wording(a: &BTreeSet<String>, b: &BTreeSet<String>) -> u32 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let common = a.intersection(b).count();
    (2000 * common / (a.len() + b.len())) as u32
}

/// What a hazard is compared on.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    pub description: &'a str,
    pub category_code: Option<&'a str>,
    pub product: Option<&'a str>,
}

/// The score of `candidate` against `probe` (None when the wording is too far apart to suggest).
pub fn score(probe: &Probe, shingled: &BTreeSet<String>, candidate: &Probe) -> Option<u32> {
    let w = wording(shingled, &shingles(candidate.description));
    if w < MIN_WORDING {
        return None;
    }
    let category = match (probe.category_code, candidate.category_code) {
        (Some(a), Some(b)) if a == b => SAME_CATEGORY,
        (Some(a), Some(b)) if a.split('.').next() == b.split('.').next() => SAME_BRANCH,
        _ => 0,
    };
    let product = match (probe.product, candidate.product) {
        (Some(a), Some(b)) if !a.trim().is_empty() && a.trim() == b.trim() => SAME_PRODUCT,
        _ => 0,
    };
    Some(w + category + product)
}

/// The hazard's text with the enterprise's details removed: each `(detail, placeholder)` — its
/// name → 某企业, credit code → 某代码, people → 某人, address → 某地 — replaced, longest detail
/// first so a name goes before a part of it; details shorter than two characters are left.
pub fn anonymise(text: &str, details: &[(&str, &str)]) -> String {
    let mut parts: Vec<(&str, &str)> =
        details.iter().map(|(d, p)| (d.trim(), *p)).filter(|(d, _)| d.chars().count() >= 2).collect();
    parts.sort_by_key(|(d, _)| std::cmp::Reverse(d.chars().count()));
    let mut out = text.to_string();
    for (d, placeholder) in parts {
        out = out.replace(d, placeholder);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p<'a>(d: &'a str, c: Option<&'a str>) -> Probe<'a> {
        Probe { description: d, category_code: c, product: None }
    }

    #[test]
    fn wording_that_shares_chinese_pairs_is_similar_though_neither_contains_the_other() {
        let a = shingles("导体电阻不合格");
        let b = shingles("电阻值不合格");
        assert!(wording(&a, &b) >= MIN_WORDING, "{}", wording(&a, &b));
        assert_eq!(wording(&a, &shingles("灭火器压力不足")), 0);
    }

    #[test]
    fn the_same_category_ranks_above_the_same_branch_and_unrelated_wording_is_not_suggested() {
        let probe = p("出厂检验记录缺失导体电阻项目", Some("04.01"));
        let s = shingles(probe.description);
        let same = score(&probe, &s, &p("出厂检验记录缺失导体电阻检测", Some("04.01"))).expect("similar");
        let branch = score(&probe, &s, &p("出厂检验记录缺失导体电阻检测", Some("04.02"))).expect("similar");
        let none = score(&probe, &s, &p("出厂检验记录缺失导体电阻检测", Some("05.01"))).expect("similar");
        assert!(same > branch && branch > none, "{same} {branch} {none}");
        assert_eq!(score(&probe, &s, &p("消防通道堵塞", Some("04.01"))), None);
    }

    #[test]
    fn an_identical_text_scores_a_thousand_for_its_wording() {
        let a = shingles("合格证未标注执行标准");
        assert_eq!(wording(&a, &a), 1000);
        assert_eq!(wording(&a, &BTreeSet::new()), 0);
    }

    #[test]
    fn promoting_removes_the_enterprise_name_code_and_people_longest_first() {
        let text = "南昌某某电缆有限公司（91360121MA35H8A1XX）法定代表人张建国称南昌某某电缆仓库无标识";
        let details = [
            ("南昌某某电缆", "某企业"),
            ("南昌某某电缆有限公司", "某企业"),
            ("91360121MA35H8A1XX", "某代码"),
            ("张建国", "某人"),
            ("", "某地"),
        ];
        assert_eq!(anonymise(text, &details), "某企业（某代码）法定代表人某人称某企业仓库无标识");
    }
}
