//! Special campaigns (专项行动, R-CAMP-1): ISO weeks and the weekly-report calendar, stage and
//! report kinds, the campaign templates shipped from the seeds (Jiangxi 2022, seed 004; Guizhou
//! 2023, seed 001), how far a region is behind on a stage (R-CAMP-2), and percentages computed
//! in integers the way METHODS.md §1 defines them.
//!
//! Pure: every function takes the date it reasons about; nothing reads the clock.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize, Serializer};
use time::macros::date;
use time::{Date, Duration, Month, Weekday};

use crate::catalogue::{KeyProduct, catalogue};

/// Why a week, a year or a campaign date is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    #[error("{0:?} is not an ISO week: write YYYY-Www, e.g. 2022-W18")]
    MalformedWeek(String),
    #[error("{year} has no ISO week {week}: it has weeks 1 to {weeks}")]
    NoSuchWeek { year: i32, week: u8, weeks: u8 },
    #[error("year {0} is outside the supported range (-9999 to 9999)")]
    YearOutOfRange(i32),
}

// ---------------------------------------------------------------------------------------------
// ISO weeks and the weekly report
// ---------------------------------------------------------------------------------------------

/// An ISO 8601 week (Monday to Sunday), e.g. `2022-W18` = 2022-05-02 … 2022-05-08 (METHODS §1).
/// The year is the ISO week-numbering year, which differs from the calendar year for a few days
/// around New Year (2021-01-03 is in `2020-W53`).
///
/// Always valid: the week exists in its year. Serialized as its text, `"2022-W18"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u8,
}

impl IsoWeek {
    /// The week `week` of ISO year `year`; an error when the year has no such week (week 0, week
    /// 53 in a 52-week year) or lies outside the `time` crate's range.
    pub fn new(year: i32, week: u8) -> Result<IsoWeek, CampaignError> {
        if !(Date::MIN.year()..=Date::MAX.year()).contains(&year) {
            return Err(CampaignError::YearOutOfRange(year));
        }
        let weeks = time::util::weeks_in_year(year);
        if week == 0 || week > weeks {
            return Err(CampaignError::NoSuchWeek { year, week, weeks });
        }
        Ok(IsoWeek { year, week })
    }

    /// Parses `YYYY-Www` exactly (four-digit year, capital `W`, two-digit week), surrounding
    /// whitespace ignored: `2022-W18`, `2020-W53`.
    pub fn parse(text: &str) -> Result<IsoWeek, CampaignError> {
        let malformed = || CampaignError::MalformedWeek(text.to_string());
        let trimmed = text.trim();
        let (year, week) = trimmed.split_once("-W").ok_or_else(malformed)?;
        let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(year, 4) || !all_digits(week, 2) {
            return Err(malformed());
        }
        let year = year.parse::<i32>().map_err(|_| malformed())?;
        let week = week.parse::<u8>().map_err(|_| malformed())?;
        IsoWeek::new(year, week)
    }

    /// The week `date` falls in.
    pub fn of(date: Date) -> IsoWeek {
        let (year, week, _) = date.to_iso_week_date();
        IsoWeek { year, week }
    }

    /// The ISO week-numbering year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The week number, 1 to 52 or 53.
    pub fn week(self) -> u8 {
        self.week
    }

    /// The week's Monday (saturates at the earliest date the `time` crate represents).
    pub fn monday(self) -> Date {
        Date::from_iso_week_date(self.year, self.week, Weekday::Monday).unwrap_or(Date::MIN)
    }

    /// The week's Sunday (saturates at the latest date the `time` crate represents).
    pub fn sunday(self) -> Date {
        Date::from_iso_week_date(self.year, self.week, Weekday::Sunday).unwrap_or(Date::MAX)
    }

    /// The week before: `2021-W01` → `2020-W53`.
    pub fn previous(self) -> IsoWeek {
        if self.week > 1 {
            IsoWeek { year: self.year, week: self.week - 1 }
        } else {
            let year = self.year - 1;
            IsoWeek { year, week: time::util::weeks_in_year(year) }
        }
    }

    /// The week after: `2020-W53` → `2021-W01`.
    pub fn next(self) -> IsoWeek {
        if self.week < time::util::weeks_in_year(self.year) {
            IsoWeek { year: self.year, week: self.week + 1 }
        } else {
            IsoWeek { year: self.year + 1, week: 1 }
        }
    }

    /// Whether `date` falls in this week.
    pub fn contains(self, date: Date) -> bool {
        IsoWeek::of(date) == self
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = CampaignError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IsoWeek::parse(s)
    }
}

impl Serialize for IsoWeek {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoWeek {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        IsoWeek::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The day the weekly report on `week` is due: the Wednesday after the week (METHODS §1: "a
/// weekly report due on Wednesday covers the previous full week"; seed 004 四(五):
/// "各单位应于每周三报送工作周报及报表"). `2022-W18` → 2022-05-11.
pub fn weekly_report_due(week: IsoWeek) -> Date {
    week.sunday().checked_add(Duration::days(3)).unwrap_or(Date::MAX)
}

/// The week covered by the weekly report due on the Wednesday of `date`'s week: the previous
/// full ISO week. For a Wednesday this is the inverse of [`weekly_report_due`]:
/// 2022-05-11 → `2022-W18`.
pub fn week_reported_on(date: Date) -> IsoWeek {
    IsoWeek::of(date).previous()
}

// ---------------------------------------------------------------------------------------------
// Percentages (METHODS §1)
// ---------------------------------------------------------------------------------------------

/// `numerator ÷ denominator` as a percentage in tenths (permille), rounded half-up (half away
/// from zero, 四舍五入) in integer arithmetic: 2/3 → `Some(667)` (66.7 %), 1/8 → `Some(125)`,
/// 1/16 → `Some(63)`. `None` for a zero denominator — "no figure" (METHODS §1) — and for a
/// result too large for an `i64`.
pub fn percent_one_decimal(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let negative = (numerator < 0) != (denominator < 0);
    let n = i128::from(numerator).abs() * 1000;
    let d = i128::from(denominator).abs();
    // ⌊(n ÷ d) + ½⌋ = ⌊(2n + d) ÷ 2d⌋ for non-negative n, d.
    let magnitude = (2 * n + d) / (2 * d);
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// A percentage in tenths as text with one decimal: `Some(667)` → `"66.7"`, `Some(-5)` →
/// `"-0.5"`; `None` (no figure) → `"—"`.
pub fn format_tenths(tenths: Option<i64>) -> String {
    match tenths {
        None => "—".to_string(),
        Some(t) => {
            let sign = if t < 0 { "-" } else { "" };
            let abs = t.unsigned_abs();
            format!("{sign}{}.{}", abs / 10, abs % 10)
        }
    }
}

/// `numerator ÷ denominator` as a percentage with one decimal, rounded half-up: 2/3 → `"66.7"`;
/// a zero denominator → `"—"`.
pub fn format_percent_one_decimal(numerator: i64, denominator: i64) -> String {
    format_tenths(percent_one_decimal(numerator, denominator))
}

// ---------------------------------------------------------------------------------------------
// Stages, reports, targets
// ---------------------------------------------------------------------------------------------

code_enum!(
    /// The kind of a campaign stage, as stored.
    StageKind {
        /// Enterprises inspect themselves and correct what they find (企业自查自改).
        SelfInspection = "self_inspection",
        /// Every producer inspected on site (生产企业全覆盖检查).
        FullCoverageInspection = "full_coverage_inspection",
        /// Hazards found by self-inspection, inspection and spot checks rectified (隐患集中治理).
        ConcentratedRectification = "concentrated_rectification",
        /// Look-back inspection of what was rectified (“回头看”).
        LookBack = "look_back",
        /// The whole campaign's work completed (全面完成).
        Completion = "completion",
        /// Enterprise self-inspection together with on-site investigation by the bureau
        /// (Guizhou, seed 001: "enterprise self-inspection and on-site investigation of hidden
        /// dangers").
        Investigation = "investigation",
    }
);

code_enum!(
    /// The kind of a report a campaign asks regions to submit, as stored.
    ReportKind {
        /// Weekly report with its tables, every Wednesday, on the previous ISO week (工作周报).
        WeeklyReport = "weekly_report",
        /// Summary of a stage, with tables (阶段性工作总结).
        StageSummary = "stage_summary",
        /// Summary of the year's (the campaign's) work, with tables (全年工作总结).
        AnnualSummary = "annual_summary",
    }
);

code_enum!(
    /// What a campaign target measures, as stored.
    TargetKind {
        /// Spot-check batches of key products ÷ all spot-check batches, per level of bureau and
        /// per year (METHODS §4, key-product share).
        KeyProductSpotCheckShare = "key_product_spot_check_share",
    }
);

code_enum!(
    /// Where a region stands on a stage on a given day (see [`stage_status`]).
    StageStatus {
        /// The stage has not started.
        NotStarted = "not_started",
        /// The stage has started and its deadline is still ahead.
        InProgress = "in_progress",
        /// Today is the deadline.
        Due = "due",
        /// The deadline has passed and the stage is not complete.
        Overdue = "overdue",
        /// The stage's work is complete (100 %), whatever the date.
        Completed = "completed",
    }
);

fn serialize_date<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    // `Date`'s `Display` is `YYYY-MM-DD`.
    serializer.collect_str(date)
}

fn serialize_optional_date<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.collect_str(date),
        None => serializer.serialize_none(),
    }
}

/// One stage of a campaign, from its first day to its deadline, both inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub kind: StageKind,
    /// First day of the stage. Seeds give deadlines only; where a seed is silent the stage starts
    /// the day after the previous stage's deadline (or on the campaign's first day) — see the
    /// template's `notes`.
    #[serde(serialize_with = "serialize_date")]
    pub starts_on: Date,
    /// Last day of the stage: the work is due by the end of this day.
    #[serde(serialize_with = "serialize_date")]
    pub deadline: Date,
    /// The source's wording the stage comes from.
    pub basis: &'static str,
}

impl Stage {
    /// Length of the stage in days, both ends included (at least 1).
    pub fn days(&self) -> i64 {
        ((self.deadline - self.starts_on).whole_days() + 1).max(1)
    }
}

/// A report regions submit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub kind: ReportKind,
    /// The day it is due by; `None` for the weekly report, which is due every Wednesday on the
    /// previous ISO week ([`weekly_report_due`], [`Template::weekly_reports`]).
    #[serde(serialize_with = "serialize_optional_date")]
    pub due_on: Option<Date>,
    /// The source's wording the report comes from.
    pub basis: &'static str,
}

/// A quantified campaign target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub kind: TargetKind,
    /// The minimum, in tenths of a percent (300 = 30.0 %).
    pub minimum_permille: i64,
    /// The source's wording the target comes from.
    pub basis: &'static str,
}

impl Target {
    /// Whether `numerator ÷ denominator` meets the target, judged on the figure officers see —
    /// the percentage rounded half-up to one decimal — so that the verdict never contradicts the
    /// displayed number. `None` when the denominator is zero (no figure).
    pub fn is_met(&self, numerator: i64, denominator: i64) -> Option<bool> {
        percent_one_decimal(numerator, denominator).map(|tenths| tenths >= self.minimum_permille)
    }
}

/// A region's position on a stage, as computed by [`stage_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StageProgress {
    pub status: StageStatus,
    /// Whether the region is behind (see [`stage_status`] for the definition).
    pub lagging: bool,
    /// The share of the stage's days that ended before `today`, in tenths of a percent (0 before
    /// the stage, 1000 after its deadline).
    pub elapsed_permille: i64,
    /// The completion passed in, clamped to 0–1000.
    pub done_permille: i64,
}

/// Where a region stands on `stage` at the start of `today`, given its completion of the stage's
/// work in tenths of a percent (e.g. from [`percent_one_decimal`] of enterprises self-inspected ÷
/// target enterprises; values outside 0–1000 are clamped). A region with nothing to do (a zero
/// denominator) should be passed 1000.
///
/// Status: `Completed` when `done_permille` is 1000, whatever the date; otherwise `NotStarted`
/// before `starts_on`, `InProgress` from `starts_on` to the day before the deadline, `Due` on the
/// deadline, `Overdue` after it.
///
/// **Lagging** — kept deliberately simple so an officer can explain it:
/// - after the deadline, a region is lagging when its completion is below 100 %;
/// - from the stage's first day to its deadline, a region is lagging when its completion is below
///   the elapsed share of the stage's time, counted in whole days that ended before `today`
///   (on the first day nothing has elapsed, so nobody lags; on the deadline of a 10-day stage a
///   region needs 90 % not to lag, and 100 % by the end of the day not to be overdue);
/// - before the stage, or once complete, nobody lags.
///
/// The comparison is exact integer cross-multiplication (done × days < 1000 × elapsed days), not a
/// comparison of rounded figures.
pub fn stage_status(stage: &Stage, today: Date, done_permille: i64) -> StageProgress {
    let done = done_permille.clamp(0, 1000);
    let total_days = stage.days();
    let elapsed_days = (today - stage.starts_on).whole_days().clamp(0, total_days);
    let elapsed_permille = percent_one_decimal(elapsed_days, total_days).unwrap_or(0);
    let progress = |status, lagging| StageProgress { status, lagging, elapsed_permille, done_permille: done };
    if done >= 1000 {
        return progress(StageStatus::Completed, false);
    }
    if today < stage.starts_on {
        return progress(StageStatus::NotStarted, false);
    }
    if today > stage.deadline {
        return progress(StageStatus::Overdue, true);
    }
    let behind = i128::from(done) * i128::from(total_days) < 1000 * i128::from(elapsed_days);
    let status = if today == stage.deadline { StageStatus::Due } else { StageStatus::InProgress };
    progress(status, behind)
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/// A campaign as a source document sets it up (R-CAMP-1): who issues it for which region, its
/// period, key products, key objects and key problems, stages, reports and targets. Shipped
/// templates come from the seeds ([`templates`]); [`Template::instantiate`] moves one to another
/// year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// Stable identifier of the template, e.g. `jiangxi-2022`; kept by [`Template::instantiate`].
    pub id: &'static str,
    /// The source document: `seed004`, `seed001`.
    pub source: &'static str,
    /// The document's title (Chinese).
    pub title: &'static str,
    /// The document number (发文字号), when the source gives one.
    pub document_number: Option<&'static str>,
    /// The issuing authority (Chinese).
    pub issuing_authority: &'static str,
    /// GB/T 2260 code of the region the campaign covers.
    pub region_code: &'static str,
    /// The campaign's year (changed by [`Template::instantiate`]).
    pub year: i32,
    /// First day of the campaign.
    #[serde(serialize_with = "serialize_date")]
    pub starts_on: Date,
    /// Last day of the campaign (the completion deadline).
    #[serde(serialize_with = "serialize_date")]
    pub ends_on: Date,
    /// The key-product list (`data/key_products.tsv`) the campaign uses.
    pub key_product_list: &'static str,
    /// The catalogue category codes of that list, in the source's order.
    pub key_products: Vec<&'static str>,
    /// Key objects (重点对象), short Chinese phrases from the source.
    pub key_objects: Vec<&'static str>,
    /// Key problems (重点问题), short Chinese phrases from the source.
    pub key_problems: Vec<&'static str>,
    /// Stages, in order.
    pub stages: Vec<Stage>,
    /// Reports due, in order.
    pub reports: Vec<Report>,
    /// Quantified targets.
    pub targets: Vec<Target>,
    /// What is inferred rather than read in the source (English).
    pub notes: Vec<&'static str>,
}

impl Template {
    /// The same campaign with every date moved to `year` (same month and day; 29 February becomes
    /// 28 February in a common year). A campaign spanning New Year keeps its span: every date
    /// moves by the same number of years. An error only when a date would leave the supported
    /// range.
    pub fn instantiate(&self, year: i32) -> Result<Template, CampaignError> {
        let years = year.checked_sub(self.year).ok_or(CampaignError::YearOutOfRange(year))?;
        let shift = |date: Date| shift_years(date, years);
        let mut out = self.clone();
        out.year = year;
        out.starts_on = shift(self.starts_on)?;
        out.ends_on = shift(self.ends_on)?;
        for stage in &mut out.stages {
            stage.starts_on = shift(stage.starts_on)?;
            stage.deadline = shift(stage.deadline)?;
        }
        for report in &mut out.reports {
            report.due_on = report.due_on.map(shift).transpose()?;
        }
        Ok(out)
    }

    /// The stage of this kind, if the campaign has one.
    pub fn stage(&self, kind: StageKind) -> Option<&Stage> {
        self.stages.iter().find(|s| s.kind == kind)
    }

    /// The report of this kind, if the campaign asks for one.
    pub fn report(&self, kind: ReportKind) -> Option<&Report> {
        self.reports.iter().find(|r| r.kind == kind)
    }

    /// The key-product list's entries (names as listed, categories), in the source's order.
    pub fn key_product_entries(&self) -> Vec<&'static KeyProduct> {
        catalogue().key_products(self.key_product_list)
    }

    /// The weekly reports the campaign asks for: every ISO week overlapping the campaign period,
    /// with the Wednesday its report is due. Empty when the campaign has no weekly report.
    pub fn weekly_reports(&self) -> Vec<(IsoWeek, Date)> {
        if self.report(ReportKind::WeeklyReport).is_none() || self.ends_on < self.starts_on {
            return Vec::new();
        }
        let last = IsoWeek::of(self.ends_on);
        let mut week = IsoWeek::of(self.starts_on);
        let mut out = Vec::new();
        while week <= last {
            out.push((week, weekly_report_due(week)));
            week = week.next();
        }
        out
    }
}

/// `date` moved by `years` years, same month and day; 29 February → 28 February in a common year.
fn shift_years(date: Date, years: i32) -> Result<Date, CampaignError> {
    let year = date.year().checked_add(years).ok_or(CampaignError::YearOutOfRange(i32::MAX))?;
    let day = if date.month() == Month::February && date.day() == 29 && !time::util::is_leap_year(year) {
        28
    } else {
        date.day()
    };
    Date::from_calendar_date(year, date.month(), day).map_err(|_| CampaignError::YearOutOfRange(year))
}

static TEMPLATES: LazyLock<Vec<Template>> = LazyLock::new(|| vec![jiangxi_2022(), guizhou_2023()]);

/// The campaign templates shipped from the seeds: `jiangxi-2022` (seed 004) and `guizhou-2023`
/// (seed 001).
pub fn templates() -> &'static [Template] {
    &TEMPLATES
}

/// The shipped template with this id.
pub fn template(id: &str) -> Option<&'static Template> {
    templates().iter().find(|t| t.id == id)
}

fn list_codes(list: &str) -> Vec<&'static str> {
    catalogue().key_products(list).iter().map(|k| k.category_code).collect()
}

/// Jiangxi 2022 — seed 004: 江西省市场监督管理局《2022年重点工业产品质量安全排查整治专项行动
/// 工作方案》(赣市监质监〔2022〕1号), signed 2022-04-13, published 2022-04-19.
///
/// - Key products, §二(一): "危险化学品、危险化学品包装物、车载常压罐体、钢筋、水泥、电线电缆、
///   燃气具、烟花爆竹、消防产品、电动自行车、电动自行车充电器和电池等11类产品" — list
///   `jiangxi-2022`.
/// - Key objects, §二(二): "重点产品生产企业集聚区、质量问题易发多发区,城乡结合部、农村市场和
///   销售门店等薄弱环节,以及发生过质量安全事故的企业。"
/// - Key problems, §二(三): "生产领域以无证生产、超范围生产、未检验出厂或出厂检验记录不全,以及
///   生产过程存在偷工减料、掺杂掺假等问题为重点;流通领域以销售无证产品、产品一致性不符、质量低劣、
///   产品质量不符合国家标准和认证要求等问题为重点。"
/// - Target, §三(三): "原则上各级市场监管部门监督抽查相关重点产品的批次不低于全年总批次的30%。"
/// - Stages, §四(四): "企业自查自改应于4月底前完成,生产企业全覆盖检查应于6月底前完成,自查、检查、
///   抽查等工作中发现的隐患集中治理应于7月底前完成,7月份以后发现的风险隐患即时处置、动态清零,
///   9月份开展一次“回头看”检查,10月底前全面完成重点工业产品质量安全排查治理工作。"
/// - Reports, §四(五): "从即日起实行工作周报制度,各单位应于每周三报送工作周报及报表(详见附件),
///   阶段性工作总结及报表于7月底前报送,全年工作总结及报表于11月10日前报送"。
fn jiangxi_2022() -> Template {
    let list = "jiangxi-2022";
    Template {
        id: "jiangxi-2022",
        source: "seed004",
        title: "2022年重点工业产品质量安全排查整治专项行动工作方案",
        document_number: Some("赣市监质监〔2022〕1号"),
        issuing_authority: "江西省市场监督管理局",
        region_code: "360000",
        year: 2022,
        starts_on: date!(2022 - 04 - 13),
        ends_on: date!(2022 - 10 - 31),
        key_product_list: list,
        key_products: list_codes(list),
        key_objects: vec![
            "重点产品生产企业集聚区",
            "质量问题易发多发区",
            "城乡结合部、农村市场和销售门店等薄弱环节",
            "发生过质量安全事故的企业",
        ],
        key_problems: vec![
            "生产领域：无证生产",
            "生产领域：超范围生产",
            "生产领域：未检验出厂或出厂检验记录不全",
            "生产领域：生产过程偷工减料、掺杂掺假",
            "流通领域：销售无证产品",
            "流通领域：产品一致性不符",
            "流通领域：质量低劣",
            "流通领域：产品质量不符合国家标准和认证要求",
        ],
        stages: vec![
            Stage {
                kind: StageKind::SelfInspection,
                starts_on: date!(2022 - 04 - 13),
                deadline: date!(2022 - 04 - 30),
                basis: "企业自查自改应于4月底前完成",
            },
            Stage {
                kind: StageKind::FullCoverageInspection,
                starts_on: date!(2022 - 05 - 01),
                deadline: date!(2022 - 06 - 30),
                basis: "生产企业全覆盖检查应于6月底前完成",
            },
            Stage {
                kind: StageKind::ConcentratedRectification,
                starts_on: date!(2022 - 07 - 01),
                deadline: date!(2022 - 07 - 31),
                basis: "自查、检查、抽查等工作中发现的隐患集中治理应于7月底前完成",
            },
            Stage {
                kind: StageKind::LookBack,
                starts_on: date!(2022 - 09 - 01),
                deadline: date!(2022 - 09 - 30),
                basis: "9月份开展一次“回头看”检查",
            },
            Stage {
                kind: StageKind::Completion,
                starts_on: date!(2022 - 10 - 01),
                deadline: date!(2022 - 10 - 31),
                basis: "10月底前全面完成重点工业产品质量安全排查治理工作",
            },
        ],
        reports: vec![
            Report {
                kind: ReportKind::WeeklyReport,
                due_on: None,
                basis: "从即日起实行工作周报制度,各单位应于每周三报送工作周报及报表",
            },
            Report {
                kind: ReportKind::StageSummary,
                due_on: Some(date!(2022 - 07 - 31)),
                basis: "阶段性工作总结及报表于7月底前报送",
            },
            Report {
                kind: ReportKind::AnnualSummary,
                due_on: Some(date!(2022 - 11 - 10)),
                basis: "全年工作总结及报表于11月10日前报送",
            },
        ],
        targets: vec![Target {
            kind: TargetKind::KeyProductSpotCheckShare,
            minimum_permille: 300,
            basis: "原则上各级市场监管部门监督抽查相关重点产品的批次不低于全年总批次的30%",
        }],
        notes: vec![
            "starts_on 2022-04-13 is the date the notice was signed (\"从即日起实行工作周报制度\"); \
             the website published it on 2022-04-19.",
            "The seed gives deadlines only; each stage is taken to start the day after the previous \
             stage's deadline (分步推进), the look-back stage spans September as the seed says, and \
             August has no stage (\"7月份以后发现的风险隐患即时处置、动态清零\").",
            "\"…前\" deadlines are read as inclusive: the work is due by the end of that day.",
        ],
    }
}

/// Guizhou 2023 — seed 001: an English translation of 贵州省市场监督管理局's notice on the
/// special action to investigate and control hidden dangers in the quality and safety of key
/// industrial products; the Chinese original and its date are not in the seed.
///
/// - Year: the notice implements the SAMR General Office notice it cites as "(No.2023, see
///   annex)", so 2023 (key-product list `guizhou-2023`).
/// - Key products, §2(1): "focusing on 18 key products such as dangerous chemicals (dissolved
///   acetylene, liquid chlorine, etc.), cement, wire and cable, fertilizer, gas supplies, fire
///   products, electric bicycles, etc." — 7 named, list `guizhou-2023`.
/// - Key objects (paraphrase): §2(1) "other implementation of industrial product production
///   license management, compulsory product certification management, as well as related to
///   personal health and life and property safety and mandatory national standards for key
///   industrial products"; "In the production and sales links, enterprises are organized to
///   conduct self-examination and on-site supervision investigation"; §2(2) "enterprises that
///   fail to pass two or more supervision spot checks within two years at the higher level and at
///   the local level, key on-site inspections shall be organized".
/// - Key problems (paraphrase): §2(2) "If no control measures are taken for major quality and
///   safety risks, or if major quality and safety risks are not rectified"; "unlicensed
///   production, counterfeit and inferior products, and fake products"; §2(3) "Illegal acts such
///   as unlicensed production, sales and jerry-building".
/// - Stages and reports, §3(3): "Complete the enterprise self-inspection and on-site
///   investigation of hidden dangers before the middle of August, … complete the special work of
///   quality and safety investigation and management of key industrial products before the end of
///   October. Local market supervision departments are requested to submit the stage and annual
///   work summary before August 15 and October 20".
fn guizhou_2023() -> Template {
    let list = "guizhou-2023";
    Template {
        id: "guizhou-2023",
        source: "seed001",
        title: "关于开展重点工业产品质量安全隐患排查治理专项行动的通知",
        document_number: None,
        issuing_authority: "贵州省市场监督管理局",
        region_code: "520000",
        year: 2023,
        starts_on: date!(2023 - 07 - 01),
        ends_on: date!(2023 - 10 - 31),
        key_product_list: list,
        key_products: list_codes(list),
        key_objects: vec![
            "实行生产许可证、强制性产品认证管理的工业产品的生产销售企业",
            "涉及人身健康和生命财产安全、有强制性国家标准的重点工业产品的生产销售企业",
            "两年内在上级和本级监督抽查中两次及以上不合格的企业（组织重点现场检查）",
        ],
        key_problems: vec![
            "无证生产、销售",
            "偷工减料",
            "假冒伪劣、以假充真",
            "对重大质量安全风险不采取管控措施",
            "对重大质量安全隐患拒不整改",
        ],
        stages: vec![
            Stage {
                kind: StageKind::Investigation,
                starts_on: date!(2023 - 07 - 01),
                deadline: date!(2023 - 08 - 15),
                basis: "Complete the enterprise self-inspection and on-site investigation of hidden dangers \
                        before the middle of August",
            },
            Stage {
                kind: StageKind::Completion,
                starts_on: date!(2023 - 08 - 16),
                deadline: date!(2023 - 10 - 31),
                basis: "complete the special work of quality and safety investigation and management of key \
                        industrial products before the end of October",
            },
        ],
        reports: vec![
            Report {
                kind: ReportKind::StageSummary,
                due_on: Some(date!(2023 - 08 - 15)),
                basis: "submit the stage and annual work summary before August 15 and October 20",
            },
            Report {
                kind: ReportKind::AnnualSummary,
                due_on: Some(date!(2023 - 10 - 20)),
                basis: "submit the stage and annual work summary before August 15 and October 20",
            },
        ],
        targets: Vec::new(),
        notes: vec![
            "The seed is an English translation without a date; the year 2023 is inferred from the SAMR \
             notice it cites (\"No.2023\"). Title, key objects and key problems are rendered back into \
             Chinese from the translation.",
            "starts_on 2023-07-01 is assumed: the seed does not say when the action starts.",
            "\"Before the middle of August\" is read as 2023-08-15, the day the stage summary is due \
             (8月中旬 could also mean up to 08-20).",
            "The completion stage is taken to start the day after the investigation stage's deadline.",
            "The seed asks for no weekly report (it asks for a morning/express report mechanism for \
             incidents and to \"fill in the schedule\") and sets no quantified target.",
            "The annual summary is due on 2023-10-20, before the completion deadline of 2023-10-31, as \
             the seed says.",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(text: &str) -> IsoWeek {
        IsoWeek::parse(text).expect("valid week")
    }

    #[test]
    fn week_2022_w18_runs_from_2_to_8_may_2022() {
        let w = week("2022-W18");
        assert_eq!((w.year(), w.week()), (2022, 18));
        assert_eq!(w.monday(), date!(2022 - 05 - 02));
        assert_eq!(w.sunday(), date!(2022 - 05 - 08));
        assert_eq!(w.to_string(), "2022-W18");
        assert_eq!(IsoWeek::of(date!(2022 - 05 - 02)), w);
        assert_eq!(IsoWeek::of(date!(2022 - 05 - 08)), w);
        assert_eq!(IsoWeek::of(date!(2022 - 05 - 09)), week("2022-W19"));
        assert!(w.contains(date!(2022 - 05 - 05)));
        assert_eq!(" 2022-W18\n".parse::<IsoWeek>(), Ok(w));
    }

    #[test]
    fn week_53_exists_in_2020_but_not_in_2021() {
        let w = week("2020-W53");
        assert_eq!(w.monday(), date!(2020 - 12 - 28));
        assert_eq!(w.sunday(), date!(2021 - 01 - 03));
        assert_eq!(IsoWeek::parse("2021-W53"), Err(CampaignError::NoSuchWeek { year: 2021, week: 53, weeks: 52 }));
        let message = IsoWeek::parse("2021-W53").expect_err("no such week").to_string();
        assert!(message.contains("2021") && message.contains("53"), "{message}");
        assert!(matches!(IsoWeek::parse("2022-W00"), Err(CampaignError::NoSuchWeek { week: 0, .. })));
        assert!(IsoWeek::new(2022, 54).is_err());
    }

    #[test]
    fn malformed_week_text_is_a_clear_error() {
        for bad in ["", "2022", "2022-18", "2022-W1", "2022-w18", "22-W18", "2022-W18x", "2022W18", "+202-W18"] {
            let err = IsoWeek::parse(bad).expect_err(bad);
            assert_eq!(err, CampaignError::MalformedWeek(bad.to_string()));
            assert!(err.to_string().contains("YYYY-Www"), "{err}");
        }
    }

    #[test]
    fn weeks_around_new_year_belong_to_their_iso_year() {
        assert_eq!(IsoWeek::of(date!(2021 - 01 - 03)), week("2020-W53"));
        assert_eq!(IsoWeek::of(date!(2024 - 12 - 30)), week("2025-W01"));
        assert_eq!(week("2021-W01").previous(), week("2020-W53"));
        assert_eq!(week("2022-W01").previous(), week("2021-W52"));
        assert_eq!(week("2020-W53").next(), week("2021-W01"));
        assert_eq!(week("2021-W52").next(), week("2022-W01"));
        assert!(week("2021-W52") < week("2022-W01"));
    }

    #[test]
    fn a_weekly_report_is_due_on_the_wednesday_after_its_week() {
        assert_eq!(weekly_report_due(week("2022-W18")), date!(2022 - 05 - 11));
        assert_eq!(weekly_report_due(week("2022-W18")).weekday(), Weekday::Wednesday);
        assert_eq!(week_reported_on(date!(2022 - 05 - 11)), week("2022-W18"));
        assert_eq!(weekly_report_due(week("2020-W53")), date!(2021 - 01 - 06));
        assert_eq!(week_reported_on(date!(2021 - 01 - 06)), week("2020-W53"));
        // Round trip over two years, across a 53-week year.
        let mut w = week("2020-W01");
        for _ in 0..110 {
            let due = weekly_report_due(w);
            assert_eq!(due.weekday(), Weekday::Wednesday);
            assert_eq!(week_reported_on(due), w);
            w = w.next();
        }
    }

    #[test]
    fn weeks_serialize_as_their_text() {
        let w = week("2022-W18");
        assert_eq!(serde_json::to_string(&w).expect("serializes"), "\"2022-W18\"");
        let back: IsoWeek = serde_json::from_str("\"2022-W18\"").expect("deserializes");
        assert_eq!(back, w);
        assert!(serde_json::from_str::<IsoWeek>("\"2021-W53\"").is_err());
    }

    #[test]
    fn percentages_round_half_up_in_integers() {
        assert_eq!(percent_one_decimal(2, 3), Some(667));
        assert_eq!(percent_one_decimal(1, 8), Some(125));
        assert_eq!(percent_one_decimal(1, 16), Some(63));
        assert_eq!(percent_one_decimal(1, 3), Some(333));
        assert_eq!(percent_one_decimal(0, 5), Some(0));
        assert_eq!(percent_one_decimal(5, 5), Some(1000));
        assert_eq!(percent_one_decimal(-1, 16), Some(-63));
        assert_eq!(percent_one_decimal(1, 0), None);
        assert_eq!(percent_one_decimal(i64::MAX, 1), None);
        assert_eq!(format_percent_one_decimal(2, 3), "66.7");
        assert_eq!(format_percent_one_decimal(1, 8), "12.5");
        assert_eq!(format_percent_one_decimal(1, 16), "6.3");
        assert_eq!(format_percent_one_decimal(3, 3), "100.0");
        assert_eq!(format_percent_one_decimal(0, 7), "0.0");
        assert_eq!(format_percent_one_decimal(7, 0), "—");
        assert_eq!(format_tenths(Some(-5)), "-0.5");
        assert_eq!(format_tenths(None), "—");
    }

    #[test]
    fn stage_and_report_codes_round_trip() {
        for kind in StageKind::ALL {
            assert_eq!(StageKind::parse(kind.code()), Some(*kind));
        }
        for kind in ReportKind::ALL {
            assert_eq!(ReportKind::parse(kind.code()), Some(*kind));
        }
        for status in StageStatus::ALL {
            assert_eq!(StageStatus::parse(status.code()), Some(*status));
        }
        assert_eq!(StageKind::ALL.len(), 6);
        assert_eq!(StageKind::parse(" look_back "), Some(StageKind::LookBack));
        assert_eq!(StageKind::parse("weekly_report"), None);
        assert_eq!(ReportKind::WeeklyReport.to_string(), "weekly_report");
        assert_eq!(
            serde_json::to_string(&StageKind::FullCoverageInspection).expect("serializes"),
            "\"full_coverage_inspection\""
        );
    }

    #[test]
    fn the_jiangxi_template_has_the_dates_of_seed_004() {
        let t = template("jiangxi-2022").expect("shipped");
        assert_eq!((t.source, t.region_code, t.year), ("seed004", "360000", 2022));
        assert_eq!(t.document_number, Some("赣市监质监〔2022〕1号"));
        assert_eq!((t.starts_on, t.ends_on), (date!(2022 - 04 - 13), date!(2022 - 10 - 31)));
        let deadlines: Vec<(StageKind, Date)> = t.stages.iter().map(|s| (s.kind, s.deadline)).collect();
        assert_eq!(
            deadlines,
            vec![
                (StageKind::SelfInspection, date!(2022 - 04 - 30)),
                (StageKind::FullCoverageInspection, date!(2022 - 06 - 30)),
                (StageKind::ConcentratedRectification, date!(2022 - 07 - 31)),
                (StageKind::LookBack, date!(2022 - 09 - 30)),
                (StageKind::Completion, date!(2022 - 10 - 31)),
            ]
        );
        assert_eq!(t.stage(StageKind::LookBack).map(|s| s.starts_on), Some(date!(2022 - 09 - 01)));
        assert_eq!(t.report(ReportKind::WeeklyReport).map(|r| r.due_on), Some(None));
        assert_eq!(t.report(ReportKind::StageSummary).and_then(|r| r.due_on), Some(date!(2022 - 07 - 31)));
        assert_eq!(t.report(ReportKind::AnnualSummary).and_then(|r| r.due_on), Some(date!(2022 - 11 - 10)));
        assert_eq!(t.targets.len(), 1);
        assert_eq!(t.targets[0].kind, TargetKind::KeyProductSpotCheckShare);
        assert_eq!(t.targets[0].minimum_permille, 300);
        assert!(t.key_problems.iter().any(|p| p.contains("超范围生产")));
        assert!(t.key_objects.iter().any(|o| o.contains("发生过质量安全事故的企业")));
    }

    #[test]
    fn the_jiangxi_template_lists_the_11_key_products_of_seed_004() {
        let t = template("jiangxi-2022").expect("shipped");
        assert_eq!(t.key_products.len(), 11);
        let names: Vec<&str> = t.key_product_entries().iter().map(|k| k.name_as_listed).collect();
        assert_eq!(names.first(), Some(&"危险化学品"));
        assert_eq!(names.last(), Some(&"电动自行车充电器和电池"));
        for code in &t.key_products {
            assert!(catalogue().get(code).is_some(), "{code}");
        }
    }

    #[test]
    fn the_guizhou_template_has_the_deadlines_of_seed_001() {
        let t = template("guizhou-2023").expect("shipped");
        assert_eq!((t.source, t.region_code, t.year), ("seed001", "520000", 2023));
        let stages: Vec<(StageKind, Date)> = t.stages.iter().map(|s| (s.kind, s.deadline)).collect();
        assert_eq!(
            stages,
            vec![(StageKind::Investigation, date!(2023 - 08 - 15)), (StageKind::Completion, date!(2023 - 10 - 31))]
        );
        assert_eq!(t.report(ReportKind::StageSummary).and_then(|r| r.due_on), Some(date!(2023 - 08 - 15)));
        assert_eq!(t.report(ReportKind::AnnualSummary).and_then(|r| r.due_on), Some(date!(2023 - 10 - 20)));
        assert!(t.report(ReportKind::WeeklyReport).is_none());
        assert!(t.weekly_reports().is_empty());
        assert_eq!(t.key_products.len(), 7);
        assert!(t.key_products.contains(&"02.01"), "fertilizer");
    }

    #[test]
    fn every_template_is_consistent() {
        assert_eq!(templates().len(), 2);
        for t in templates() {
            assert!(!t.key_products.is_empty(), "{}", t.id);
            assert_eq!(t.key_products.len(), t.key_product_entries().len());
            for entry in t.key_product_entries() {
                assert_eq!(entry.region_code, t.region_code, "{}", t.id);
                assert_eq!(entry.source, t.source, "{}", t.id);
                assert!(catalogue().get(entry.category_code).is_some());
            }
            assert!(crate::region::regions().get(t.region_code).is_some(), "{}", t.id);
            assert!(!t.key_objects.is_empty() && !t.key_problems.is_empty(), "{}", t.id);
            assert!(t.starts_on <= t.ends_on);
            let mut previous_deadline = None;
            for stage in &t.stages {
                assert!(stage.starts_on <= stage.deadline, "{} {}", t.id, stage.kind);
                assert!(t.starts_on <= stage.starts_on && stage.deadline <= t.ends_on, "{} {}", t.id, stage.kind);
                if let Some(previous) = previous_deadline {
                    assert!(previous < stage.starts_on, "{} {} overlaps", t.id, stage.kind);
                }
                previous_deadline = Some(stage.deadline);
                assert!(!stage.basis.is_empty());
            }
            assert_eq!(t.stages.last().map(|s| s.deadline), Some(t.ends_on), "{}", t.id);
            for report in &t.reports {
                assert!(report.due_on.is_none_or(|d| d >= t.starts_on), "{} {}", t.id, report.kind);
                assert_eq!(report.due_on.is_none(), report.kind == ReportKind::WeeklyReport);
            }
            assert!(template(t.id).is_some());
        }
        assert!(template("no-such-template").is_none());
    }

    #[test]
    fn jiangxi_weekly_reports_cover_every_week_of_the_campaign() {
        let t = template("jiangxi-2022").expect("shipped");
        let reports = t.weekly_reports();
        assert_eq!(reports.first(), Some(&(week("2022-W15"), date!(2022 - 04 - 20))));
        assert_eq!(reports.last(), Some(&(week("2022-W44"), date!(2022 - 11 - 09))));
        assert_eq!(reports.len(), 30);
        assert!(reports.iter().all(|(_, due)| due.weekday() == Weekday::Wednesday));
    }

    #[test]
    fn instantiating_a_template_moves_every_date_to_the_year() {
        let t = template("jiangxi-2022").expect("shipped");
        let moved = t.instantiate(2026).expect("in range");
        assert_eq!(moved.year, 2026);
        assert_eq!(moved.id, t.id);
        assert_eq!((moved.starts_on, moved.ends_on), (date!(2026 - 04 - 13), date!(2026 - 10 - 31)));
        assert_eq!(moved.stage(StageKind::SelfInspection).map(|s| s.deadline), Some(date!(2026 - 04 - 30)));
        assert_eq!(moved.stage(StageKind::LookBack).map(|s| s.starts_on), Some(date!(2026 - 09 - 01)));
        assert_eq!(moved.report(ReportKind::AnnualSummary).and_then(|r| r.due_on), Some(date!(2026 - 11 - 10)));
        assert_eq!(moved.report(ReportKind::WeeklyReport).map(|r| r.due_on), Some(None));
        assert_eq!(moved.key_products, t.key_products);
        assert_eq!(moved.instantiate(2022).as_ref(), Ok(t));
        assert!(t.instantiate(10_000).is_err());
    }

    #[test]
    fn the_29th_of_february_becomes_the_28th_in_a_common_year() {
        assert_eq!(shift_years(date!(2024 - 02 - 29), 1), Ok(date!(2025 - 02 - 28)));
        assert_eq!(shift_years(date!(2024 - 02 - 29), 4), Ok(date!(2028 - 02 - 29)));
        assert_eq!(shift_years(date!(2023 - 02 - 28), 1), Ok(date!(2024 - 02 - 28)));
        let mut t = template("guizhou-2023").expect("shipped").clone();
        t.year = 2024;
        t.starts_on = date!(2024 - 02 - 29);
        assert_eq!(t.instantiate(2025).map(|m| m.starts_on), Ok(date!(2025 - 02 - 28)));
    }

    #[test]
    fn a_stage_is_not_started_in_progress_due_overdue_or_completed() {
        // 10 days: 2022-05-01 … 2022-05-10.
        let stage = Stage {
            kind: StageKind::SelfInspection,
            starts_on: date!(2022 - 05 - 01),
            deadline: date!(2022 - 05 - 10),
            basis: "test",
        };
        assert_eq!(stage.days(), 10);
        let at = |today, done| stage_status(&stage, today, done);

        let before = at(date!(2022 - 04 - 30), 0);
        assert_eq!((before.status, before.lagging, before.elapsed_permille), (StageStatus::NotStarted, false, 0));

        // First day: nothing has elapsed yet, nobody lags.
        let first = at(date!(2022 - 05 - 01), 0);
        assert_eq!((first.status, first.lagging), (StageStatus::InProgress, false));

        // Day 6: five days (50 %) have ended.
        assert!(at(date!(2022 - 05 - 06), 499).lagging);
        assert!(!at(date!(2022 - 05 - 06), 500).lagging);
        assert_eq!(at(date!(2022 - 05 - 06), 500).elapsed_permille, 500);

        // Deadline: nine days (90 %) have ended.
        let due = at(date!(2022 - 05 - 10), 899);
        assert_eq!((due.status, due.lagging), (StageStatus::Due, true));
        assert!(!at(date!(2022 - 05 - 10), 900).lagging);

        let overdue = at(date!(2022 - 05 - 11), 999);
        assert_eq!((overdue.status, overdue.lagging, overdue.elapsed_permille), (StageStatus::Overdue, true, 1000));

        let done = at(date!(2022 - 05 - 11), 1000);
        assert_eq!((done.status, done.lagging), (StageStatus::Completed, false));
        assert_eq!(at(date!(2022 - 05 - 03), 1500).status, StageStatus::Completed);
        assert_eq!(at(date!(2022 - 05 - 03), 1500).done_permille, 1000);
        assert_eq!(at(date!(2022 - 05 - 03), -3).done_permille, 0);
    }

    #[test]
    fn lagging_compares_exactly_not_rounded_figures() {
        // 3 days: on day 2 one third has elapsed; 333 permille is just below 1/3.
        let stage = Stage {
            kind: StageKind::LookBack,
            starts_on: date!(2022 - 09 - 01),
            deadline: date!(2022 - 09 - 03),
            basis: "test",
        };
        let progress = stage_status(&stage, date!(2022 - 09 - 02), 333);
        assert_eq!(progress.elapsed_permille, 333);
        assert!(progress.lagging);
        assert!(!stage_status(&stage, date!(2022 - 09 - 02), 334).lagging);
    }

    #[test]
    fn the_key_product_target_is_judged_on_the_displayed_figure() {
        let t = template("jiangxi-2022").expect("shipped");
        let target = &t.targets[0];
        assert_eq!(target.is_met(30, 100), Some(true));
        assert_eq!(target.is_met(29, 100), Some(false));
        // 2999/10000 = 29.99 % is shown as 30.0 and counts as met.
        assert_eq!(target.is_met(2999, 10000), Some(true));
        assert_eq!(target.is_met(2994, 10000), Some(false));
        assert_eq!(target.is_met(0, 0), None);
    }

    #[test]
    fn a_template_serializes_with_dates_as_text() {
        let t = template("jiangxi-2022").expect("shipped");
        let json = serde_json::to_value(t).expect("serializes");
        assert_eq!(json["id"], "jiangxi-2022");
        assert_eq!(json["starts_on"], "2022-04-13");
        assert_eq!(json["stages"][0]["kind"], "self_inspection");
        assert_eq!(json["stages"][0]["deadline"], "2022-04-30");
        assert_eq!(json["reports"][0]["due_on"], serde_json::Value::Null);
        assert_eq!(json["reports"][2]["due_on"], "2022-11-10");
        assert_eq!(json["targets"][0]["minimum_permille"], 300);
        assert_eq!(json["key_products"].as_array().map(Vec::len), Some(11));
        assert!(json["notes"].is_array());
        let progress = stage_status(&t.stages[0], date!(2022 - 05 - 01), 0);
        assert_eq!(serde_json::to_value(progress).expect("serializes")["status"], "overdue");
    }
}
