//! The weekly campaign statistics report (R-REP-1, its first rows; R-HAZ-3; METHODS.md §2):
//! the table for a region of the jurisdiction — one row per region directly under it, and
//! the whole — for an ISO week or cumulatively, as of any past moment; the records behind
//! every figure; its export as CSV, XLSX and PDF; bureaus submitting their own region's
//! report for a week (the published version, kept with its SHA-256) and the level above
//! seeing who has not; the sweep's Wednesday reminder (R-NOTE-1).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;
use touchstone_domain::ValidationErrors;
use touchstone_domain::campaign::{IsoWeek, weekly_report_due};
use touchstone_domain::region::regions;
use touchstone_domain::report::{self as rules, ChangedFigure, Counts, Kind, Period, Value};
use touchstone_domain::role::Permission;
use touchstone_domain::time::{Timestamp, parse_date};
use touchstone_store::campaigns::CampaignRow;
use touchstone_store::reports::{self as store, Area, Cut, ReportRecord, SubmissionRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::notifications::{self, Notice, Recipient};
use crate::{Actor, App, Error, Result};

/// What report is asked for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportRequest {
    pub campaign_id: Uuid,
    /// A region of the jurisdiction: its rows are the regions directly under it.
    pub region_code: String,
    /// `2022-W18`, or `cumulative` (from the campaign's start to `to`).
    pub week: String,
    /// For `cumulative`: the last day, `YYYY-MM-DD`; by default today, or the campaign's
    /// end when it has ended.
    #[serde(default)]
    pub to: Option<String>,
    /// The moment the records are taken as known at: microseconds since the epoch, or RFC
    /// 3339 (`2022-05-11T09:00:00+08:00`); now by default.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// A column of the table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FigureView {
    pub code: String,
    pub label: String,
    pub label_en: String,
    /// A percentage of two counts (recomputed for the whole, never summed).
    pub percent: bool,
    /// The count figure whose records its link lists.
    pub lists: String,
}

/// One figure on one row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportCell {
    pub figure: String,
    /// A count, or a percentage in tenths (`null`: no figure, the denominator is zero).
    #[schema(value_type = Option<i64>)]
    pub value: Value,
    /// As printed: `12`, `66.7`, `—`.
    pub text: String,
}

/// One row: a region directly under the report's region, the records of that region itself
/// (`direct`), or the whole.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    pub region_code: String,
    pub region_name: String,
    pub region_name_en: String,
    /// The records of the report's region itself (not of a region under it).
    pub direct: bool,
    #[schema(value_type = BTreeMap<String, i64>)]
    pub counts: Counts,
    pub cells: Vec<ReportCell>,
}

/// The published (submitted) version of this report, and whether the figures still agree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Published {
    pub id: Uuid,
    pub submitted_at: i64,
    pub submitted_by_name: String,
    pub as_of: i64,
    pub sha256: String,
    /// The figures regenerated now equal the published ones.
    pub matches: bool,
    /// Which figures of which rows (`total` for the whole) differ, published → now: a record
    /// dated inside the period was recorded or corrected afterwards (METHODS §1).
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<ChangedFigure>,
}

/// The statistics table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeeklyReport {
    pub campaign_id: Uuid,
    pub campaign_number: String,
    pub campaign_name: String,
    pub region_code: String,
    pub region_name: String,
    /// `2022-W18` or `cumulative`.
    pub period: String,
    pub week: Option<String>,
    pub from: String,
    pub to: String,
    /// The moment the records are taken as known at (µs).
    pub as_of: i64,
    /// When this week's report is due (the Wednesday after the week).
    pub due_on: Option<String>,
    pub figures: Vec<FigureView>,
    pub rows: Vec<ReportRow>,
    pub total: ReportRow,
    pub published: Option<Published>,
}

/// What a submitted report keeps: its figures by row, hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Snapshot {
    campaign_id: Uuid,
    region_code: String,
    week: String,
    from: String,
    to: String,
    as_of: i64,
    rows: BTreeMap<String, Counts>,
    total: Counts,
}

fn may_read(actor: &Actor) -> Result<()> {
    actor.require(Permission::ReadEnterprises, "reading campaign reports")
}

/// `as_of` as microseconds: an integer, or RFC 3339.
fn parse_instant(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Some(n);
    }
    let dt = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(dt.unix_timestamp_nanos() / 1000).ok()
}

/// The campaign, region, period and cut a request names, checked: the campaign readable (404
/// otherwise), the region in the jurisdiction and covered by the campaign, a valid week.
async fn resolve(app: &App, actor: &Actor, req: &ReportRequest) -> Result<(CampaignRow, String, Period, Cut)> {
    may_read(actor)?;
    let campaign = crate::campaigns::readable(app, actor, req.campaign_id).await?.ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    let region = actor.region_in_jurisdiction(&mut errors, &req.region_code);
    let table = regions();
    if !region.is_empty()
        && !table.is_within(&region, &campaign.region_code)
        && !table.is_within(&campaign.region_code, &region)
    {
        errors.add("region_code", "outside_campaign", "the region is outside the campaign's region");
    }
    let now = app.clock.now().as_micros();
    let as_of = match req.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => now,
        Some(t) => match parse_instant(t) {
            Some(a) if a <= now => a,
            Some(_) => {
                errors.add("as_of", "in_future", "a moment that has passed");
                now
            }
            None => {
                errors.add("as_of", "invalid", "microseconds, or a time like 2022-05-11T09:00:00+08:00");
                now
            }
        },
    };
    let ends = parse_date(&campaign.ends_on).unwrap_or(Date::MAX);
    let as_of_day = parse_date(&Timestamp::from_micros(as_of).china_date()).unwrap_or(app.today());
    let cumulative_to = match req.to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => as_of_day.min(ends),
        Some(t) => parse_date(t).unwrap_or_else(|| {
            errors.add("to", "invalid_date", "a date like 2022-05-08");
            as_of_day
        }),
    };
    let period = Period::parse(&req.week, cumulative_to).map_err(|e| {
        let mut all = errors.clone();
        all.add("week", "invalid_week", format!("{e}; or `cumulative`"));
        Error::Validation(all)
    })?;
    errors.into_result()?;
    let cut = Cut::new(&campaign, &period, as_of)?;
    Ok((campaign, region, period, cut))
}

fn figure_views() -> Vec<FigureView> {
    rules::FIGURES
        .iter()
        .map(|f| FigureView {
            code: f.code.into(),
            label: f.zh.into(),
            label_en: f.en.into(),
            percent: matches!(f.kind, Kind::Percent { .. }),
            lists: f.lists.into(),
        })
        .collect()
}

fn row(code: &str, direct: bool, counts: Counts) -> ReportRow {
    let (name, name_en) = match regions().get(code) {
        Some(r) => (r.name.to_string(), r.name_en.to_string()),
        None => (code.to_string(), code.to_string()),
    };
    let (region_name, region_name_en) =
        if direct { (format!("{name}（本级）"), format!("{name_en} (itself)")) } else { (name, name_en) };
    let cells = rules::values(&counts)
        .into_iter()
        .map(|(f, v)| ReportCell { figure: f.code.into(), text: v.text(), value: v })
        .collect();
    ReportRow { region_code: code.into(), region_name, region_name_en, direct, counts, cells }
}

/// The rows of `region`: one per region directly under it (every one, zeros included), and
/// the records of the region itself when it has any (or when it has no region under it).
fn region_lines(region: &str, by_code: BTreeMap<String, Counts>) -> Vec<ReportRow> {
    let table = regions();
    let children = table.children(region);
    if children.is_empty() {
        let all = rules::total(by_code.values());
        return vec![row(region, false, all)];
    }
    let mut lines: BTreeMap<&str, Vec<Counts>> = children.iter().map(|c| (*c, Vec::new())).collect();
    let mut direct: Vec<Counts> = Vec::new();
    for (code, counts) in by_code {
        match children.iter().find(|c| table.is_within(&code, c)) {
            Some(line) => lines.entry(line).or_default().push(counts),
            None => direct.push(counts),
        }
    }
    let mut out: Vec<ReportRow> = lines.into_iter().map(|(code, c)| row(code, false, rules::total(c.iter()))).collect();
    if !direct.is_empty() {
        out.push(row(region, true, rules::total(direct.iter())));
    }
    out
}

fn snapshot_rows(rows: &[ReportRow], total: &ReportRow) -> BTreeMap<String, Counts> {
    let mut m: BTreeMap<String, Counts> = rows.iter().map(|r| (r.region_code.clone(), r.counts.clone())).collect();
    m.insert("total".into(), total.counts.clone());
    m
}

/// The table as it stands for the request (R-REP-1), with its published version compared
/// when the region submitted this week's report.
pub async fn weekly(app: &App, actor: &Actor, req: &ReportRequest) -> Result<WeeklyReport> {
    let (campaign, region, period, cut) = resolve(app, actor, req).await?;
    let report = compute(app, &campaign, &region, &period, &cut).await?;
    let Some(week) = period.week() else { return Ok(report) };
    let published = store::submissions(&app.db, campaign.id, &week.to_string(), std::slice::from_ref(&region)).await?;
    Ok(with_published(report, published.into_iter().next()))
}

async fn compute(app: &App, campaign: &CampaignRow, region: &str, period: &Period, cut: &Cut) -> Result<WeeklyReport> {
    let by_code = store::counts_by_region(&app.db, campaign, cut, region).await?;
    let rows = region_lines(region, by_code);
    let total = row("total", false, rules::total(rows.iter().map(|r| &r.counts)));
    let total = ReportRow { region_name: "合计".into(), region_name_en: "Total".into(), ..total };
    Ok(WeeklyReport {
        campaign_id: campaign.id,
        campaign_number: campaign.number.clone(),
        campaign_name: campaign.name.clone(),
        region_code: region.to_string(),
        region_name: regions().get(region).map(|r| r.name.to_string()).unwrap_or_else(|| region.to_string()),
        period: period.key(),
        week: period.week().map(|w| w.to_string()),
        from: cut.from.clone(),
        to: cut.to.clone(),
        as_of: cut.known_before - 1,
        due_on: period.week().map(|w| weekly_report_due(w).to_string()),
        figures: figure_views(),
        rows,
        total,
        published: None,
    })
}

fn with_published(mut report: WeeklyReport, submission: Option<SubmissionRow>) -> WeeklyReport {
    let Some(s) = submission else { return report };
    let published: Option<Snapshot> = serde_json::from_str(&s.figures).ok();
    let mut then = published.map(|p| {
        let mut m = p.rows;
        m.insert("total".into(), p.total);
        m
    });
    let now = snapshot_rows(&report.rows, &report.total);
    let changes = rules::changed(then.get_or_insert_with(BTreeMap::new), &now);
    report.published = Some(Published {
        id: s.id,
        submitted_at: s.submitted_at,
        submitted_by_name: s.submitted_by_name,
        as_of: s.as_of,
        sha256: s.sha256,
        matches: changes.is_empty(),
        changes,
    });
    report
}

// ---------------------------------------------------------------------------------------------
// Drill-down
// ---------------------------------------------------------------------------------------------

/// Which records of a report to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RecordsRequest {
    /// A figure's code; a percentage lists its numerator's records.
    pub figure: String,
    /// The row's region (by default the report's region: every record).
    #[serde(default)]
    pub area: Option<String>,
    /// Only the records of `area` itself, not of the regions under it (the "本级" row).
    #[serde(default)]
    pub direct: bool,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub per_page: Option<i64>,
    /// Also list which records differ from the published version (a week's report only).
    #[serde(default)]
    pub compare: bool,
}

/// Records that entered or left a figure since the published version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecordChanges {
    pub published_as_of: i64,
    /// Counted now, not in the published version.
    pub added: Vec<ReportRecord>,
    /// Counted in the published version, not now.
    pub removed: Vec<ReportRecord>,
}

/// The records a figure counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecordsView {
    pub campaign_id: Uuid,
    pub region_code: String,
    pub area: String,
    pub direct: bool,
    pub figure: String,
    pub label: String,
    pub label_en: String,
    pub period: String,
    pub from: String,
    pub to: String,
    pub as_of: i64,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<ReportRecord>,
    pub changes: Option<RecordChanges>,
}

/// Most records one comparison with the published version reads per side.
const COMPARE_CAP: i64 = 10_000;

/// The records behind one figure of the report (same predicates as the counts).
pub async fn records(app: &App, actor: &Actor, req: &ReportRequest, r: &RecordsRequest) -> Result<RecordsView> {
    let (campaign, region, period, cut) = resolve(app, actor, req).await?;
    let f = rules::figure(r.figure.trim()).ok_or_else(|| {
        let codes: Vec<&str> = rules::FIGURES.iter().map(|f| f.code).collect();
        Error::field("figure", "invalid_choice", format!("one of {}", codes.join(", ")))
    })?;
    let area = r.area.as_deref().map(str::trim).filter(|a| !a.is_empty()).unwrap_or(&region).to_string();
    if !regions().is_within(&area, &region) {
        return Err(Error::field("area", "outside_report", "a region of the report"));
    }
    let per_page = r.per_page.unwrap_or(100).clamp(1, 500);
    let page = r.page.unwrap_or(1).max(1);
    let where_ = Area { region_code: &area, direct: r.direct };
    let (total, items) =
        store::records(&app.db, &campaign, &cut, &region, where_, f.lists, per_page, (page - 1) * per_page)
            .await?
            .ok_or_else(|| Error::Internal(format!("figure {} lists nothing", f.code)))?;
    let mut changes = None;
    if r.compare
        && let Some(week) = period.week()
    {
        let subs = store::submissions(&app.db, campaign.id, &week.to_string(), std::slice::from_ref(&region)).await?;
        if let Some(s) = subs.into_iter().next() {
            let then_cut = Cut { known_before: s.as_of.saturating_add(1), ..cut.clone() };
            let (_, then) = store::records(&app.db, &campaign, &then_cut, &region, where_, f.lists, COMPARE_CAP, 0)
                .await?
                .unwrap_or_default();
            let (_, now) = store::records(&app.db, &campaign, &cut, &region, where_, f.lists, COMPARE_CAP, 0)
                .await?
                .unwrap_or_default();
            let added = now.iter().filter(|n| !then.iter().any(|t| t.id == n.id)).cloned().collect();
            let removed = then.iter().filter(|t| !now.iter().any(|n| n.id == t.id)).cloned().collect();
            changes = Some(RecordChanges { published_as_of: s.as_of, added, removed });
        }
    }
    let listed = rules::figure(f.lists).unwrap_or(f);
    Ok(RecordsView {
        campaign_id: campaign.id,
        region_code: region,
        area,
        direct: r.direct,
        figure: listed.code.into(),
        label: listed.zh.into(),
        label_en: listed.en.into(),
        period: period.key(),
        from: cut.from.clone(),
        to: cut.to.clone(),
        as_of: cut.known_before - 1,
        total,
        page,
        per_page,
        items,
        changes,
    })
}

// ---------------------------------------------------------------------------------------------
// Submission
// ---------------------------------------------------------------------------------------------

/// A week's report as a bureau submits it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubmitInput {
    /// `2022-W18`: a week that has ended.
    pub week: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A bureau submits its own region's report for a week that has ended: the figures as they
/// stand now are kept, hashed, as the published version; the level above sees it.
pub async fn submit(app: &App, actor: &Actor, campaign_id: Uuid, input: SubmitInput) -> Result<SubmissionRow> {
    actor.require(Permission::ManageCampaigns, "submitting campaign reports")?;
    let org = actor.organisation.clone().ok_or(Error::Forbidden("only a bureau submits its weekly report"))?;
    let campaign = crate::campaigns::readable(app, actor, campaign_id).await?.ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    let week = IsoWeek::parse(&input.week);
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(String::from);
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        errors.add("note", "too_long", "at most 2000 characters");
    }
    let table = regions();
    if table.get(&org.region_code).is_none() || !table.is_within(&org.region_code, &campaign.region_code) {
        errors.add("region_code", "outside_campaign", "your bureau's region is outside the campaign's region");
    }
    match &week {
        Err(e) => errors.add("week", "invalid_week", e.to_string()),
        Ok(w) => {
            if w.sunday() >= app.today() {
                errors.add("week", "not_ended", "a week that has ended");
            }
            let starts = parse_date(&campaign.starts_on).unwrap_or(Date::MIN);
            let ends = parse_date(&campaign.ends_on).unwrap_or(Date::MAX);
            if w.sunday() < starts || w.monday() > ends {
                errors.add(
                    "week",
                    "outside_campaign",
                    format!("a week of {} – {}", campaign.starts_on, campaign.ends_on),
                );
            }
        }
    }
    errors.into_result()?;
    let week = week.map_err(|e| Error::field("week", "invalid_week", e.to_string()))?;
    let now = app.clock.now().as_micros();
    let req = ReportRequest {
        campaign_id,
        region_code: org.region_code.clone(),
        week: week.to_string(),
        to: None,
        as_of: Some(now.to_string()),
    };
    let report = weekly(app, actor, &req).await?;
    if report.published.is_some() {
        return Err(Error::Conflict {
            code: "already_submitted",
            message: format!("the report on {week} was submitted"),
        });
    }
    let snapshot = Snapshot {
        campaign_id,
        region_code: org.region_code.clone(),
        week: week.to_string(),
        from: report.from.clone(),
        to: report.to.clone(),
        as_of: report.as_of,
        rows: report.rows.iter().map(|r| (r.region_code.clone(), r.counts.clone())).collect(),
        total: report.total.counts.clone(),
    };
    let figures = serde_json::to_string(&snapshot).map_err(|e| Error::Internal(e.to_string()))?;
    let row = SubmissionRow {
        id: Uuid::now_v7(),
        campaign_id,
        region_code: org.region_code.clone(),
        week: week.to_string(),
        organisation_id: Some(org.id),
        submitted_by: actor.user_id,
        submitted_by_name: actor.display_name.clone(),
        submitted_at: now,
        as_of: report.as_of,
        sha256: hex::encode(Sha256::digest(figures.as_bytes())),
        figures,
        note,
    };
    let mut tx = app.db.begin().await?;
    if let Err(e) = store::insert_submission(&mut tx, &row).await {
        return Err(if e.is_unique_violation() {
            Error::Conflict { code: "already_submitted", message: format!("the report on {week} was submitted") }
        } else {
            e.into()
        });
    }
    let change =
        Change::new("weekly_report.submit", "weekly_report", row.id).region(row.region_code.clone(), Some(org.id));
    let after = json!({"campaign_id": campaign_id, "region_code": row.region_code, "week": row.week,
                       "sha256": row.sha256, "as_of": row.as_of, "total": snapshot.total});
    audit::record(app, &mut tx, actor, change.after(after)).await?;
    tx.commit().await?;
    Ok(row)
}

/// One region's line of the submission status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubmissionStatus {
    pub region_code: String,
    pub region_name: String,
    pub submitted: Option<SubmissionRow>,
}

/// Who has submitted a week's report: the region itself and each region directly under it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Submissions {
    pub campaign_id: Uuid,
    pub region_code: String,
    pub week: String,
    pub due_on: String,
    /// The region's own report.
    pub own: SubmissionStatus,
    /// The regions directly under it; `submitted` is empty for those that have not.
    pub below: Vec<SubmissionStatus>,
    pub missing: usize,
}

/// The submission status of `week` for `region_code` and the regions directly under it.
pub async fn submissions(
    app: &App,
    actor: &Actor,
    campaign_id: Uuid,
    region_code: &str,
    week: &str,
) -> Result<Submissions> {
    may_read(actor)?;
    let campaign = crate::campaigns::readable(app, actor, campaign_id).await?.ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    let region = actor.region_in_jurisdiction(&mut errors, region_code);
    let week = IsoWeek::parse(week);
    if let Err(e) = &week {
        errors.add("week", "invalid_week", e.to_string());
    }
    errors.into_result()?;
    let week = week.map_err(|e| Error::field("week", "invalid_week", e.to_string()))?;
    let children: Vec<String> = regions().children(&region).iter().map(|c| c.to_string()).collect();
    let mut codes = children.clone();
    codes.push(region.clone());
    let rows = store::submissions(&app.db, campaign.id, &week.to_string(), &codes).await?;
    let status = |code: &str| SubmissionStatus {
        region_code: code.to_string(),
        region_name: regions().get(code).map(|r| r.name.to_string()).unwrap_or_else(|| code.to_string()),
        submitted: rows.iter().find(|s| s.region_code == code).cloned(),
    };
    let below: Vec<SubmissionStatus> = children.iter().map(|c| status(c)).collect();
    Ok(Submissions {
        campaign_id: campaign.id,
        region_code: region.clone(),
        week: week.to_string(),
        due_on: weekly_report_due(week).to_string(),
        own: status(&region),
        missing: below.iter().filter(|s| s.submitted.is_none()).count(),
        below,
    })
}

// ---------------------------------------------------------------------------------------------
// Reminders (R-NOTE-1)
// ---------------------------------------------------------------------------------------------

/// From the Wednesday a week's report is due, reminds every bureau under a running campaign's
/// region that has not submitted it: once per campaign, region and week (the dedup key).
/// Returns how many reminders were sent.
pub async fn remind_due(app: &App) -> Result<usize> {
    let today = app.today();
    let week = IsoWeek::of(today).previous();
    let due = weekly_report_due(week);
    if today < due {
        return Ok(0);
    }
    let campaigns = store::running_campaigns(&app.db, &week.monday().to_string(), &week.sunday().to_string()).await?;
    let mut sent = 0;
    for c in campaigns {
        let below: Vec<&str> = regions().descendants_and_self(&c.region_code).into_iter().skip(1).collect();
        let submitted = store::submitted_regions(&app.db, c.id, &week.to_string()).await?;
        let bureaus = touchstone_store::organisations::with_roots(&app.db, &below).await?;
        let mut tx = app.db.begin().await?;
        for (bureau, root) in bureaus {
            if bureau.region_code != root || submitted.contains(&root) {
                continue;
            }
            let notice = Notice {
                to: Recipient::Bureau(bureau.id),
                kind: "report_due",
                subject_type: "campaign",
                subject_id: c.id,
                params: json!({"campaign": c.name, "number": week.to_string(), "deadline": due.to_string()}),
                link: format!("/campaigns/{}/report?region_code={root}&week={week}", c.id),
                dedup_key: format!("report_due:{}:{root}:{week}", c.id),
            };
            if notifications::send(app, &mut tx, notice).await? {
                sent += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}

// ---------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }
}

/// An exported report: the file's name and bytes.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The header row: the region column, then every figure.
pub fn header(english: bool) -> Vec<String> {
    let mut h = vec![if english { "Region".to_string() } else { "地区".to_string() }];
    h.extend(rules::FIGURES.iter().map(|f| f.label(english).to_string()));
    h
}

fn body_rows(r: &WeeklyReport, english: bool) -> Vec<Vec<String>> {
    r.rows
        .iter()
        .chain(std::iter::once(&r.total))
        .map(|row| {
            let mut cells = vec![if english { row.region_name_en.clone() } else { row.region_name.clone() }];
            cells.extend(row.cells.iter().map(|c| c.text.clone()));
            cells
        })
        .collect()
}

fn title(r: &WeeklyReport, english: bool) -> String {
    if english {
        format!("{} — statistics, {} ({} to {})", r.campaign_name, r.period, r.from, r.to)
    } else {
        let p = if r.period == "cumulative" { "累计".to_string() } else { r.period.clone() };
        format!("{}统计表（{}，{} 至 {}）", r.campaign_name, p, r.from, r.to)
    }
}

fn facts(r: &WeeklyReport, english: bool) -> Vec<(String, String)> {
    let as_of = Timestamp::from_micros(r.as_of).to_china_local();
    let mut out = if english {
        vec![
            ("Campaign".to_string(), format!("{} {}", r.campaign_number, r.campaign_name)),
            ("Region".into(), regions().path_name(&r.region_code, true)),
            ("Period".into(), format!("{} ({} to {})", r.period, r.from, r.to)),
            ("As of".into(), format!("{as_of} (UTC+8)")),
        ]
    } else {
        vec![
            ("专项行动".to_string(), format!("{} {}", r.campaign_number, r.campaign_name)),
            ("地区".into(), regions().path_name(&r.region_code, false)),
            ("统计期间".into(), format!("{}（{} 至 {}）", r.period, r.from, r.to)),
            ("数据截至".into(), as_of),
        ]
    };
    if let Some(p) = &r.published {
        let when = Timestamp::from_micros(p.submitted_at).to_china_local();
        let state = match (p.matches, english) {
            (true, true) => "matches the figures now".to_string(),
            (true, false) => "与当前数据一致".to_string(),
            (false, true) => format!("{} figure(s) differ now", p.changes.len()),
            (false, false) => format!("当前有 {} 项数据与报送版本不同", p.changes.len()),
        };
        let label = if english { "Submitted" } else { "已报送" };
        out.push((label.into(), format!("{when} {} · SHA-256 {} · {state}", p.submitted_by_name, p.sha256)));
    }
    out
}

fn csv_bytes(r: &WeeklyReport, english: bool) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record(header(english)).map_err(err)?;
    for cells in body_rows(r, english) {
        w.write_record(cells).map_err(err)?;
    }
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(w.into_inner().map_err(|e| Error::Internal(format!("writing CSV: {e}")))?);
    Ok(out)
}

fn xlsx_bytes(r: &WeeklyReport, english: bool) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("writing the workbook: {e}"));
    let mut wb = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let tenths = CellFormat::new().set_num_format("0.0");
    let sheet = wb.add_worksheet();
    sheet.set_name(if english { "Report" } else { "周报" }).map_err(err)?;
    for (c, h) in header(english).iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
    }
    for (i, row) in r.rows.iter().chain(std::iter::once(&r.total)).enumerate() {
        let line = (i + 1) as u32;
        let total = i == r.rows.len();
        let name = if english { &row.region_name_en } else { &row.region_name };
        if total {
            sheet.write_string_with_format(line, 0, name, &bold).map_err(err)?;
        } else {
            sheet.write_string(line, 0, name).map_err(err)?;
        }
        for (c, cell) in row.cells.iter().enumerate() {
            let col = (c + 1) as u16;
            match cell.value {
                Value::Count(n) => sheet.write_number(line, col, n as f64).map(|_| ()),
                Value::Tenths(Some(t)) => {
                    sheet.write_number_with_format(line, col, t as f64 / 10.0, &tenths).map(|_| ())
                }
                Value::Tenths(None) => sheet.write_string(line, col, "—").map(|_| ()),
            }
            .map_err(err)?;
        }
    }
    sheet.set_column_width(0, 16).map_err(err)?;
    let about = wb.add_worksheet();
    about.set_name(if english { "About" } else { "说明" }).map_err(err)?;
    about.write_string_with_format(0, 0, title(r, english), &bold).map_err(err)?;
    for (i, (k, v)) in facts(r, english).into_iter().enumerate() {
        about.write_string(i as u32 + 1, 0, k).map_err(err)?;
        about.write_string(i as u32 + 1, 1, v).map_err(err)?;
    }
    let note = if english {
        "Definitions: METHODS.md §1–§2. Percentages are rounded half-up to one decimal; \"—\" means no figure (nothing to divide by)."
    } else {
        "口径见 METHODS.md §1–§2；百分比四舍五入保留一位小数，“—”表示分母为零、无数据。"
    };
    about.write_string(7, 0, note).map_err(err)?;
    about.set_column_width(0, 14).map_err(err)?;
    about.set_column_width(1, 80).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

/// The report as the PDF table document (landscape A4, header repeated on each page).
pub fn pdf_table(r: &WeeklyReport, english: bool) -> touchstone_pdf::Table {
    use touchstone_pdf::{Cell, HeaderCell};
    let mut rows = body_rows(r, english);
    let totals = rows.pop().map(|t| {
        t.into_iter().enumerate().map(|(i, v)| if i == 0 { Cell::text(v) } else { Cell::number(v) }).collect()
    });
    let cells = |row: Vec<String>| -> Vec<Cell> {
        row.into_iter().enumerate().map(|(i, v)| if i == 0 { Cell::text(v) } else { Cell::number(v) }).collect()
    };
    let mut widths = vec![2.2];
    widths.extend(rules::FIGURES.iter().map(|_| 1.0));
    touchstone_pdf::Table {
        title: title(r, english),
        subtitles: facts(r, english).into_iter().map(|(k, v)| format!("{k}：{v}")).collect(),
        header: vec![header(english).into_iter().map(HeaderCell::new).collect()],
        rows: rows.into_iter().map(cells).collect(),
        totals,
        footnotes: vec![if english {
            "Definitions: METHODS.md §1–§2; percentages rounded half-up to one decimal; — = nothing to divide by."
                .into()
        } else {
            "口径见 METHODS.md §1–§2；百分比四舍五入保留一位小数；“—”表示分母为零。".into()
        }],
        column_widths: widths,
    }
}

async fn pdf_bytes(app: &App, r: &WeeklyReport, english: bool) -> Result<Vec<u8>> {
    let renderer = app.renderer.clone();
    let doc = touchstone_pdf::Document::Table(pdf_table(r, english));
    tokio::task::spawn_blocking(move || renderer.render(&doc))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| match e.field() {
            Some(field) => Error::field(field, e.code(), e.to_string()),
            None => Error::Internal(format!("rendering the PDF: {e}")),
        })
}

/// The report as a file, its export audited (a sensitive read, R-AUD-1).
pub async fn export(
    app: &App,
    actor: &Actor,
    req: &ReportRequest,
    format: Format,
    english: bool,
) -> Result<ExportFile> {
    let report = weekly(app, actor, req).await?;
    let bytes = match format {
        Format::Csv => csv_bytes(&report, english)?,
        Format::Xlsx => xlsx_bytes(&report, english)?,
        Format::Pdf => pdf_bytes(app, &report, english).await?,
    };
    audit::record_export(
        app,
        actor,
        "weekly_report",
        json!({"campaign_id": report.campaign_id, "region_code": report.region_code, "period": report.period,
               "to": report.to, "as_of": report.as_of, "format": format.extension()}),
    )
    .await?;
    Ok(ExportFile {
        file_name: format!(
            "weekly-report-{}-{}-{}.{}",
            report.campaign_number,
            report.region_code,
            report.period,
            format.extension()
        ),
        content_type: format.content_type(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_line_puts_each_record_under_the_region_directly_below_and_keeps_every_region() {
        let by_code: BTreeMap<String, Counts> = [
            ("360121".to_string(), [(rules::TARGET_ENTERPRISES.to_string(), 2)].into_iter().collect()),
            ("360100".to_string(), [(rules::TARGET_ENTERPRISES.to_string(), 1)].into_iter().collect()),
        ]
        .into_iter()
        .collect();
        let lines = region_lines("360100", by_code);
        let children = regions().children("360100").len();
        assert_eq!(lines.len(), children + 1, "every county, and the city's own records");
        let nanchang_county = lines.iter().find(|l| l.region_code == "360121").expect("line");
        assert_eq!(nanchang_county.counts[rules::TARGET_ENTERPRISES], 2);
        let own = lines.last().expect("own");
        assert!(own.direct && own.region_code == "360100");
        let leaf = region_lines("360121", BTreeMap::new());
        assert_eq!(leaf.len(), 1);
        assert_eq!(leaf[0].counts[rules::TARGET_ENTERPRISES], 0);
    }

    #[test]
    fn as_of_reads_microseconds_or_rfc_3339() {
        assert_eq!(parse_instant("1651800000000000"), Some(1_651_800_000_000_000));
        assert_eq!(parse_instant("2022-05-11T09:00:00+08:00"), Some(1_652_230_800_000_000));
        assert_eq!(parse_instant("yesterday"), None);
    }
}
