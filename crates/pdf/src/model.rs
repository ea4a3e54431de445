//! The plain data each document is rendered from: serde structs of strings, no touchstone types.
//!
//! Dates and times are strings the caller has already formatted the way the document
//! shows them (`2026年3月5日 9时30分`): this crate formats nothing and reads no clock.

use serde::{Deserialize, Serialize};

/// One document to render. The variant picks the template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Document {
    /// 现场检查笔录 (R-INSP-3).
    InspectionRecord(InspectionRecord),
    /// 责令限期整改通知书 (R-HAZ-2).
    RectificationOrder(RectificationOrder),
    /// 整改复查意见书 (R-HAZ-2).
    ReviewOpinion(ReviewOpinion),
    /// A report table, landscape A4 (R-REP-1).
    Table(Table),
}

impl Document {
    /// The template that renders this kind, also the kind's stable name.
    pub fn kind(&self) -> &'static str {
        match self {
            Document::InspectionRecord(_) => "inspection_record",
            Document::RectificationOrder(_) => "rectification_order",
            Document::ReviewOpinion(_) => "review_opinion",
            Document::Table(_) => "table",
        }
    }
}

/// The enterprise a document is addressed to or about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Enterprise {
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    pub address: String,
    /// 法定代表人（负责人）.
    pub legal_representative: String,
}

/// A law-enforcement officer: name and certificate (执法证) number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Officer {
    pub name: String,
    pub certificate_number: String,
}

/// Anyone else named on a document: an expert (role = employer or title) or a member of
/// the enterprise's staff (role = position).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub role: String,
}

/// One checklist line of an inspection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChecklistResult {
    pub item: String,
    /// As shown: 符合 / 不符合 / 不适用 …
    pub result: String,
    pub note: String,
}

/// 现场检查笔录. Officers and the enterprise's representative sign the printed copy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InspectionRecord {
    /// Document number as printed, e.g. `赣市监检〔2026〕12号`.
    pub number: String,
    /// The bureau's full name, e.g. `赣州市市场监督管理局`.
    pub bureau: String,
    pub enterprise: Enterprise,
    pub place: String,
    pub start: String,
    pub end: String,
    /// 检查类别, e.g. `专项检查`.
    pub kind: String,
    /// At least two (R-INSP-3).
    pub officers: Vec<Officer>,
    #[serde(default)]
    pub experts: Vec<Person>,
    #[serde(default)]
    pub staff_present: Vec<Person>,
    /// 是否提前告知, as a sentence: `未提前告知` or `2026年3月3日电话告知`.
    pub advance_notice: String,
    #[serde(default)]
    pub checklist: Vec<ChecklistResult>,
    pub findings: String,
    pub measures: String,
    pub feedback: String,
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// One hazard listed on an order or a review opinion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HazardItem {
    /// The hazard's ledger number.
    pub number: String,
    pub description: String,
    /// 一般隐患 / 重大隐患.
    pub level: String,
    /// The provision broken; may be empty on a review opinion.
    #[serde(default)]
    pub legal_basis: String,
}

/// 责令限期整改通知书.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RectificationOrder {
    pub number: String,
    pub bureau: String,
    pub enterprise: Enterprise,
    /// The facts the order rests on, e.g. `2026年3月5日，本局执法人员对你单位进行现场检查，发现你单位存在下列安全隐患：`.
    pub facts: String,
    /// At least one.
    pub hazards: Vec<HazardItem>,
    /// The deadline as printed, e.g. `2026年4月5日`.
    pub deadline: String,
    /// What the enterprise must do and report by the deadline.
    pub requirements: String,
    /// 权利告知: how to apply for reconsideration or sue.
    pub rights_notice: String,
    /// Issue date as printed.
    pub date: String,
    /// Contact officer and telephone, printed when not empty.
    #[serde(default)]
    pub contact: String,
}

/// The outcome of a review (R-HAZ-2): passed closes the hazards (销号), failed sends them
/// back to rectifying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewConclusion {
    #[default]
    Passed,
    Failed,
}

/// 整改复查意见书.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewOpinion {
    pub number: String,
    pub bureau: String,
    pub enterprise: Enterprise,
    /// The number of the order being reviewed, e.g. `赣市监责改〔2026〕7号`.
    pub order_number: String,
    /// At least one.
    pub hazards: Vec<HazardItem>,
    /// The materials and on-site evidence looked at.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// 复查情况: what the reviewer saw.
    pub findings: String,
    pub conclusion: ReviewConclusion,
    /// For a failed review: the new deadline as printed (empty when none was set).
    #[serde(default)]
    pub new_deadline: String,
    /// The reviewing officer(s); the app makes sure this is not the officer who found the
    /// hazard (R-HAZ-2's second-officer close-out). At least one.
    pub reviewers: Vec<Officer>,
    pub date: String,
}

/// One header cell of a report table; spans let headers be grouped over two or more rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeaderCell {
    pub text: String,
    #[serde(default = "one")]
    pub colspan: usize,
    #[serde(default = "one")]
    pub rowspan: usize,
}

fn one() -> usize {
    1
}

impl HeaderCell {
    /// A cell spanning one column and one row.
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), colspan: 1, rowspan: 1 }
    }
    /// A group heading over `colspan` columns.
    pub fn group(text: impl Into<String>, colspan: usize) -> Self {
        Self { text: text.into(), colspan, rowspan: 1 }
    }
    /// A heading standing alone over `rowspan` header rows.
    pub fn tall(text: impl Into<String>, rowspan: usize) -> Self {
        Self { text: text.into(), colspan: 1, rowspan }
    }
}

/// One body cell: text is left-aligned, a number (already formatted: `1,234`, `87.5%`) is
/// right-aligned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Text(String),
    Number(String),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }
    pub fn number(s: impl ToString) -> Self {
        Cell::Number(s.to_string())
    }
}

/// A report table on landscape A4; the header repeats on every page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    /// Centred lines under the title: campaign, region, week, as-of moment, generated-at.
    #[serde(default)]
    pub subtitles: Vec<String>,
    /// Header rows, top first; together they must cover every column exactly once.
    pub header: Vec<Vec<HeaderCell>>,
    pub rows: Vec<Vec<Cell>>,
    /// Printed in bold after the rows.
    #[serde(default)]
    pub totals: Option<Vec<Cell>>,
    #[serde(default)]
    pub footnotes: Vec<String>,
    /// Relative column widths (`fr`), one per column; empty = the first column sized to its
    /// content and the others sharing the rest equally.
    #[serde(default)]
    pub column_widths: Vec<f64>,
}
