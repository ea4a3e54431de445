//! The campaign statistics table (R-REP-1, its first rows; R-HAZ-3) as data: which figures it
//! has, their Chinese and English labels, which are counts and which percentages of two
//! counts, the period a report covers (an ISO week, or cumulative from the campaign's start),
//! and how a region line's figures add up to the whole (METHODS.md §1, §2).
//!
//! Pure: the store counts, this module names and adds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::campaign::{IsoWeek, percent_one_decimal};

/// Whether a figure is a count of records (it adds up over regions) or a percentage of two
/// counts (recomputed from the added counts, never averaged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Count,
    /// `numerator ÷ denominator`, both codes of count figures.
    Percent {
        numerator: &'static str,
        denominator: &'static str,
    },
}

/// One column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// Stable code, used in exports, drill-down links and the published snapshot.
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub kind: Kind,
    /// The figure a percentage's link lists (its numerator); a count lists itself.
    pub lists: &'static str,
}

impl Figure {
    pub fn is_count(&self) -> bool {
        self.kind == Kind::Count
    }

    /// The label in Chinese (default) or English.
    pub fn label(&self, english: bool) -> &'static str {
        if english { self.en } else { self.zh }
    }
}

const fn count(code: &'static str, zh: &'static str, en: &'static str) -> Figure {
    Figure { code, zh, en, kind: Kind::Count, lists: code }
}

pub const TARGET_ENTERPRISES: &str = "target_enterprises";
pub const SELF_INSPECTED: &str = "self_inspected";
pub const INSPECTED: &str = "inspected";
pub const INSPECTED_TO_DATE: &str = "inspected_to_date";
pub const COVERAGE: &str = "coverage";
pub const HAZARDS_GENERAL: &str = "hazards_general";
pub const HAZARDS_MAJOR: &str = "hazards_major";
pub const HAZARDS_CLOSED: &str = "hazards_closed";
pub const HAZARDS_TO_DATE: &str = "hazards_to_date";
pub const CLOSED_TO_DATE: &str = "closed_to_date";
pub const CLOSURE_RATE: &str = "closure_rate";
pub const OVERDUE: &str = "overdue";
pub const OPEN_AT_CUTOFF: &str = "open_at_cutoff";

/// The figures in table order (METHODS §2). Coverage and the closure rate are "as of `to`"
/// whatever the period, so the counts they divide are columns too: enterprises inspected
/// since the campaign began, and the campaign's hazards found, and closed, up to `to`.
pub const FIGURES: &[Figure] = &[
    count(TARGET_ENTERPRISES, "目标企业数", "Target enterprises"),
    count(SELF_INSPECTED, "自查企业数", "Enterprises self-inspected"),
    count(INSPECTED, "检查企业数", "Enterprises inspected"),
    count(INSPECTED_TO_DATE, "累计检查企业数", "Enterprises inspected to date"),
    Figure {
        code: COVERAGE,
        zh: "检查覆盖率(%)",
        en: "Coverage (%)",
        kind: Kind::Percent { numerator: INSPECTED_TO_DATE, denominator: TARGET_ENTERPRISES },
        lists: INSPECTED_TO_DATE,
    },
    count(HAZARDS_GENERAL, "发现一般隐患", "General hazards found"),
    count(HAZARDS_MAJOR, "发现重大隐患", "Major hazards found"),
    count(HAZARDS_CLOSED, "整改销号隐患", "Hazards closed"),
    count(HAZARDS_TO_DATE, "累计发现隐患", "Hazards found to date"),
    count(CLOSED_TO_DATE, "累计销号隐患", "Hazards closed to date"),
    Figure {
        code: CLOSURE_RATE,
        zh: "整改销号率(%)",
        en: "Closure rate (%)",
        kind: Kind::Percent { numerator: CLOSED_TO_DATE, denominator: HAZARDS_TO_DATE },
        lists: CLOSED_TO_DATE,
    },
    count(OVERDUE, "逾期未整改隐患", "Overdue hazards"),
    count(OPEN_AT_CUTOFF, "动态清零：期末未销号隐患", "Open at cut-off (dynamic zeroing)"),
];

/// The figure with `code`.
pub fn figure(code: &str) -> Option<&'static Figure> {
    FIGURES.iter().find(|f| f.code == code)
}

/// The codes of the count figures, in table order.
pub fn count_codes() -> Vec<&'static str> {
    FIGURES.iter().filter(|f| f.is_count()).map(|f| f.code).collect()
}

/// A report's period P = [from, to] (METHODS §2): one ISO week, or cumulative from the
/// campaign's start to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week(IsoWeek),
    Cumulative { to: Date },
}

impl Period {
    /// Parses `2022-W18` or `cumulative`; a cumulative period ends on `cumulative_to`.
    pub fn parse(text: &str, cumulative_to: Date) -> Result<Period, crate::campaign::CampaignError> {
        if text.trim().eq_ignore_ascii_case("cumulative") {
            Ok(Period::Cumulative { to: cumulative_to })
        } else {
            IsoWeek::parse(text).map(Period::Week)
        }
    }

    /// The first day: the week's Monday, or the campaign's start.
    pub fn from(&self, campaign_start: Date) -> Date {
        match self {
            Period::Week(w) => w.monday(),
            Period::Cumulative { .. } => campaign_start,
        }
    }

    /// The last day, `to`: the week's Sunday, or the cumulative end.
    pub fn to(&self) -> Date {
        match self {
            Period::Week(w) => w.sunday(),
            Period::Cumulative { to } => *to,
        }
    }

    /// The cut-off date D = `to` + 1: "as of `to`" is the state at the start of D.
    pub fn cutoff(&self) -> Date {
        self.to().checked_add(Duration::days(1)).unwrap_or(Date::MAX)
    }

    /// `2022-W18` or `cumulative`, as links and files name it.
    pub fn key(&self) -> String {
        match self {
            Period::Week(w) => w.to_string(),
            Period::Cumulative { .. } => "cumulative".into(),
        }
    }

    pub fn week(&self) -> Option<IsoWeek> {
        match self {
            Period::Week(w) => Some(*w),
            Period::Cumulative { .. } => None,
        }
    }
}

/// One row's counts, by figure code.
pub type Counts = BTreeMap<String, i64>;

/// The value of a figure on a row: a count, or a percentage in tenths (`None`: "—", the
/// denominator is zero; METHODS §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Count(i64),
    Tenths(Option<i64>),
}

impl Value {
    /// As printed: `12`, `66.7`, `—`.
    pub fn text(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Tenths(t) => crate::campaign::format_tenths(*t),
        }
    }
}

/// Every figure of a row from its counts: counts as they are (missing ones are zero),
/// percentages recomputed from them.
pub fn values(counts: &Counts) -> Vec<(&'static Figure, Value)> {
    let get = |code: &str| counts.get(code).copied().unwrap_or(0);
    FIGURES
        .iter()
        .map(|f| {
            let v = match f.kind {
                Kind::Count => Value::Count(get(f.code)),
                Kind::Percent { numerator, denominator } => {
                    Value::Tenths(percent_one_decimal(get(numerator), get(denominator)))
                }
            };
            (f, v)
        })
        .collect()
}

/// The whole: the sum of its regions' counts (every count is additive, METHODS §2: "a
/// province's figure is the sum of its regions' figures"); its percentages follow from the
/// sums through [`values`].
pub fn total<'a>(rows: impl IntoIterator<Item = &'a Counts>) -> Counts {
    let mut out: Counts = count_codes().into_iter().map(|c| (c.to_string(), 0)).collect();
    for row in rows {
        for (code, n) in row {
            *out.entry(code.clone()).or_insert(0) += n;
        }
    }
    out
}

/// One cell of a report that differs from its published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFigure {
    /// The row's region, or `total`.
    pub region_code: String,
    pub figure: String,
    pub published: i64,
    pub now: i64,
}

/// The count cells of `now` that differ from `published` (rows by region code), in table
/// order; a row present on one side only compares with zeros.
pub fn changed(published: &BTreeMap<String, Counts>, now: &BTreeMap<String, Counts>) -> Vec<ChangedFigure> {
    let mut regions: Vec<&String> = published.keys().chain(now.keys()).collect();
    regions.sort();
    regions.dedup();
    let mut out = Vec::new();
    for region in regions {
        for code in count_codes() {
            let p = published.get(region).and_then(|c| c.get(code)).copied().unwrap_or(0);
            let n = now.get(region).and_then(|c| c.get(code)).copied().unwrap_or(0);
            if p != n {
                out.push(ChangedFigure { region_code: region.clone(), figure: code.to_string(), published: p, now: n });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn counts(pairs: &[(&str, i64)]) -> Counts {
        pairs.iter().map(|(c, n)| (c.to_string(), *n)).collect()
    }

    #[test]
    fn every_percentage_divides_two_count_figures_and_lists_its_numerator() {
        for f in FIGURES {
            if let Kind::Percent { numerator, denominator } = f.kind {
                assert!(figure(numerator).is_some_and(Figure::is_count), "{}", f.code);
                assert!(figure(denominator).is_some_and(Figure::is_count), "{}", f.code);
                assert_eq!(f.lists, numerator);
            } else {
                assert_eq!(f.lists, f.code);
            }
        }
        let mut codes: Vec<&str> = FIGURES.iter().map(|f| f.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), FIGURES.len(), "codes are unique");
    }

    #[test]
    fn a_week_is_monday_to_sunday_and_cumulative_starts_with_the_campaign_methods_1() {
        let start = date!(2022 - 04 - 15);
        let w = Period::parse("2022-W18", date!(2022 - 06 - 01)).expect("week");
        assert_eq!(
            (w.from(start), w.to(), w.cutoff()),
            (date!(2022 - 05 - 02), date!(2022 - 05 - 08), date!(2022 - 05 - 09))
        );
        assert_eq!(w.key(), "2022-W18");
        let c = Period::parse("cumulative", date!(2022 - 05 - 08)).expect("cumulative");
        assert_eq!((c.from(start), c.to()), (start, date!(2022 - 05 - 08)));
        assert_eq!(c.week(), None);
        assert!(Period::parse("2022-18", start).is_err());
    }

    #[test]
    fn the_whole_is_the_sum_of_its_regions_and_its_percentages_are_recomputed_from_the_sums() {
        let a = counts(&[(TARGET_ENTERPRISES, 3), (INSPECTED_TO_DATE, 1), (HAZARDS_TO_DATE, 0)]);
        let b = counts(&[(TARGET_ENTERPRISES, 5), (INSPECTED_TO_DATE, 4), (HAZARDS_TO_DATE, 2), (CLOSED_TO_DATE, 1)]);
        let whole = total([&a, &b]);
        assert_eq!(whole[TARGET_ENTERPRISES], 8);
        assert_eq!(whole[INSPECTED_TO_DATE], 5);
        assert_eq!(whole[OVERDUE], 0, "every count is present");
        let v: BTreeMap<&str, Value> = values(&whole).into_iter().map(|(f, v)| (f.code, v)).collect();
        // 5 ÷ 8 = 62.5 %, not the mean of 33.3 % and 80.0 %.
        assert_eq!(v[COVERAGE], Value::Tenths(Some(625)));
        assert_eq!(v[COVERAGE].text(), "62.5");
        assert_eq!(v[CLOSURE_RATE].text(), "50.0");
        let va: BTreeMap<&str, Value> = values(&a).into_iter().map(|(f, v)| (f.code, v)).collect();
        assert_eq!(va[CLOSURE_RATE].text(), "—", "no hazards found: no figure");
    }

    #[test]
    fn changes_against_the_published_version_name_the_region_and_the_figure() {
        let published: BTreeMap<String, Counts> =
            [("360121".to_string(), counts(&[(HAZARDS_GENERAL, 2)]))].into_iter().collect();
        let now: BTreeMap<String, Counts> = [
            ("360121".to_string(), counts(&[(HAZARDS_GENERAL, 1)])),
            ("360112".to_string(), counts(&[(HAZARDS_GENERAL, 0)])),
        ]
        .into_iter()
        .collect();
        let c = changed(&published, &now);
        assert_eq!(
            c,
            vec![ChangedFigure { region_code: "360121".into(), figure: HAZARDS_GENERAL.into(), published: 2, now: 1 }]
        );
        assert!(changed(&now, &now).is_empty());
    }
}
