//! Official documents (R-INSP-3, R-HAZ-2): their kinds, how they are numbered, and how dates
//! and labels print on them. Pure: the app builds the documents, this module says how they read.
//!
//! **Numbering.** A document number is `{省}{局}市监{类}〔{年}〕{n}号`, the shape of an official
//! 发文字号: `赣360121市监现检〔2026〕12号`. `省` is the province's one-character abbreviation,
//! `局` the issuing bureau's GB/T 2260 region code standing in for its 机关代字 (which no
//! register gives us; the code is unique and stable, and omitted for a province's own bureau),
//! `类` the kind's designator (现检, 责改, 复查), `年` the year of issue and `n` the sequence of
//! that kind, bureau and year from 1, without padding. A region with no bureau of its own is
//! numbered by the bureau responsible for it.

use time::Date;

code_enum!(
    /// The kinds of official document.
    DocumentKind {
        /// 现场检查笔录, of a completed on-site inspection (R-INSP-3).
        InspectionRecord = "inspection_record",
        /// 责令限期整改通知书, for hazards still open (R-HAZ-2).
        RectificationOrder = "rectification_order",
        /// 整改复查意见书, after a hazard's review passed or failed (R-HAZ-2).
        ReviewOpinion = "review_opinion",
    }
);

impl DocumentKind {
    /// The document's title as printed.
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::InspectionRecord => "现场检查笔录",
            DocumentKind::RectificationOrder => "责令限期整改通知书",
            DocumentKind::ReviewOpinion => "整改复查意见书",
        }
    }

    /// The kind's designator in the number.
    pub fn designator(self) -> &'static str {
        match self {
            DocumentKind::InspectionRecord => "现检",
            DocumentKind::RectificationOrder => "责改",
            DocumentKind::ReviewOpinion => "复查",
        }
    }
}

/// The one-character abbreviation of the province of a GB/T 2260 code (`36…` → `赣`).
pub fn province_abbreviation(region_code: &str) -> Option<&'static str> {
    let abbreviation = match region_code.get(..2)? {
        "11" => "京",
        "12" => "津",
        "13" => "冀",
        "14" => "晋",
        "15" => "蒙",
        "21" => "辽",
        "22" => "吉",
        "23" => "黑",
        "31" => "沪",
        "32" => "苏",
        "33" => "浙",
        "34" => "皖",
        "35" => "闽",
        "36" => "赣",
        "37" => "鲁",
        "41" => "豫",
        "42" => "鄂",
        "43" => "湘",
        "44" => "粤",
        "45" => "桂",
        "46" => "琼",
        "50" => "渝",
        "51" => "川",
        "52" => "黔",
        "53" => "滇",
        "54" => "藏",
        "61" => "陕",
        "62" => "甘",
        "63" => "青",
        "64" => "宁",
        "65" => "新",
        "71" => "台",
        "81" => "港",
        "82" => "澳",
        _ => return None,
    };
    Some(abbreviation)
}

/// Everything of the number before the sequence: `赣360121市监现检〔2026〕`. `bureau_region` is
/// the issuing bureau's region code; a province's own (`360000`) prints no code.
pub fn number_prefix(kind: DocumentKind, bureau_region: &str, year: i32) -> String {
    let province = province_abbreviation(bureau_region).unwrap_or("");
    let code = if bureau_region.len() == 6 && bureau_region.ends_with("0000") { "" } else { bureau_region };
    format!("{province}{code}市监{}〔{year}〕", kind.designator())
}

/// What follows the sequence.
pub const NUMBER_SUFFIX: &str = "号";

/// A date as documents print it: `2026年3月5日`.
pub fn chinese_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// A local date-time `YYYY-MM-DDTHH:MM` as printed: `2026年3月5日 9时30分`; `None` when it
/// is not one.
pub fn chinese_date_time(local: &str) -> Option<String> {
    let date = crate::time::parse_date(local.get(..10)?)?;
    if local.get(10..11)? != "T" {
        return None;
    }
    let hour: u8 = local.get(11..13)?.parse().ok()?;
    let minute: u8 = local.get(14..16)?.parse().ok()?;
    (hour < 24 && minute < 60).then(|| format!("{} {hour}时{minute:02}分", chinese_date(date)))
}

/// The inspection kinds of R-INSP-1 as printed in 检查类别.
pub fn inspection_kind_label(code: &str) -> &'static str {
    match code {
        "routine" => "日常检查",
        "special" => "专项检查",
        "unannounced" => "飞行检查",
        "cross_region" => "交叉检查",
        "joint" => "联合检查",
        "key" => "重点检查",
        _ => "监督检查",
    }
}

/// A checklist result as printed.
pub fn check_result_label(code: &str) -> &'static str {
    match code {
        "pass" => "符合",
        "fail" => "不符合",
        "not_applicable" => "不适用",
        _ => "",
    }
}

/// A hazard level as printed.
pub fn hazard_level_label(code: &str) -> &'static str {
    match code {
        "major" => "重大隐患",
        _ => "一般隐患",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_reads_like_an_official_document_number() {
        let prefix = number_prefix(DocumentKind::InspectionRecord, "360121", 2026);
        assert_eq!(format!("{prefix}12{NUMBER_SUFFIX}"), "赣360121市监现检〔2026〕12号");
        assert_eq!(number_prefix(DocumentKind::RectificationOrder, "360000", 2026), "赣市监责改〔2026〕");
        assert_eq!(number_prefix(DocumentKind::ReviewOpinion, "110105", 2027), "京110105市监复查〔2027〕");
    }

    #[test]
    fn every_kind_has_its_own_designator_so_no_series_is_a_prefix_of_another() {
        for a in DocumentKind::ALL {
            for b in DocumentKind::ALL {
                if a != b {
                    assert!(!number_prefix(*a, "360121", 2026).starts_with(&number_prefix(*b, "360121", 2026)));
                }
            }
        }
    }

    #[test]
    fn dates_and_times_print_the_chinese_way() {
        let d = crate::time::parse_date("2026-03-05").expect("date");
        assert_eq!(chinese_date(d), "2026年3月5日");
        assert_eq!(chinese_date_time("2026-03-05T09:30").as_deref(), Some("2026年3月5日 9时30分"));
        assert_eq!(chinese_date_time("2026-03-05T14:05").as_deref(), Some("2026年3月5日 14时05分"));
        assert_eq!(chinese_date_time("2026-03-05 09:30"), None);
        assert_eq!(chinese_date_time("2026-03-05T25:00"), None);
    }
}
