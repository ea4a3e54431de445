//! The campaign activity generator (issue 5): for a campaign and the enterprises already in its
//! region, deterministic self-inspections, on-site inspections and hazards in realistic
//! proportions and states as of a date — for tests, the demo and the benchmarks. Written in
//! bulk (batched transactions, one audit entry for the run), not through the per-record use
//! cases, so a province of millions of hazards loads in minutes.
//!
//! What it draws, per producer operating in the campaign's region (enterprise `e` from its own
//! stream seeded by (`seed`, `e`'s credit code), so a run depends only on its arguments and the ledger):
//! - each county is "lagging" with probability 1 in 5 (its own stream): it self-inspects and
//!   inspects less and rectifies slower — what the progress table should flag;
//! - a self-inspection submitted during the self-inspection stage by 85 % (45 % lagging) of
//!   enterprises, a failed item (general) in 30 % of them with the enterprise's plan;
//! - `inspections_per_enterprise` completed inspections, each by 90 % (55 % lagging), dated
//!   within the campaign up to `as_of`, two officers, 0–3 findings (0.93 on average; or, with
//!   `findings_per_inspection` N, 0 to 2N evenly — benchmarks use 2), a major one 1 in 10, 15 %
//!   corrected on the spot;
//! - each hazard moves through its lifecycle as far as its age allows: planned after 1–5 days,
//!   (never, by 5 % of enterprises — 15 % lagging), evidence within its deadline (or late, or
//!   never: overdue), review passed after 1–7 days
//!   (failed 1 in 10 and re-submitted), voided 1 in 50 — every step an event at its date, so
//!   "as of" reports rebuild the same states.

use std::collections::HashMap;

use serde::Serialize;
use time::{Date, Duration};
use touchstone_domain::hazard::{Level, Status};
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_domain::time::{Timestamp, parse_date};
use touchstone_store::bulk::insert_all;
use touchstone_store::hazards::{HazardEventRow, HazardRow};
use touchstone_store::inspections::InspectionRow;
use touchstone_store::self_inspections::SelfInspectionRow;
use touchstone_store::{Db, Tx, args};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::generate::Rng;
use crate::{Actor, App, Error, Result};

/// Enterprises per transaction.
const BATCH: i64 = 500;

/// The rows of one transaction's enterprises, written together in multi-row statements.
#[derive(Default)]
struct Rows {
    self_inspections: Vec<SelfInspectionRow>,
    inspections: Vec<InspectionRow>,
    hazards: Vec<HazardRow>,
    events: Vec<HazardEventRow>,
}

impl Rows {
    async fn write(self, tx: &mut Tx) -> Result<()> {
        insert_all(tx, &self.self_inspections).await?;
        insert_all(tx, &self.inspections).await?;
        insert_all(tx, &self.hazards).await?;
        insert_all(tx, &self.events).await?;
        Ok(())
    }
}

/// How much activity to draw, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Draw {
    pub seed: u64,
    /// Inspections each inspected enterprise gets (benchmarks use 15).
    pub inspections_per_enterprise: u32,
    /// The mean number of findings per inspection, drawn evenly from 0 to twice it; `None`: the
    /// realistic spread (0–3, 0.93 on average).
    pub findings_per_inspection: Option<u32>,
}

impl Draw {
    /// One inspection each, the realistic spread of findings: the demo's draw.
    pub fn new(seed: u64) -> Draw {
        Draw { seed, inspections_per_enterprise: 1, findings_per_inspection: None }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignActivity {
    pub campaign_id: Uuid,
    #[serde(flatten)]
    pub draw: Draw,
    /// The day the generated world has reached: nothing is dated after it.
    #[serde(serialize_with = "as_text")]
    pub as_of: Date,
}

fn as_text<S: serde::Serializer>(d: &Date, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

/// What a run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ActivityReport {
    pub enterprises: usize,
    pub self_inspections: usize,
    pub inspections: usize,
    pub hazards: usize,
    pub events: usize,
}

#[derive(sqlx::FromRow)]
struct Target {
    id: Uuid,
    uscc: String,
    region_code: String,
    legal_representative: String,
}

/// The next batch of operating producers of `region` after `after` (by id).
async fn producers_after(db: &Db, region: &str, after: Uuid) -> Result<Vec<Target>> {
    let (cond, mut a) = touchstone_store::scope::subtree("e.region_code", region);
    let mut all = args![after];
    all.append(&mut a);
    Ok(db
        .fetch_all(
            &format!(
                "SELECT e.id, e.uscc, e.region_code, e.legal_representative FROM enterprises e WHERE e.id > ? AND {cond} \
                 AND e.is_producer = TRUE AND e.status = 'operating' ORDER BY e.id LIMIT {BATCH}"
            ),
            all,
        )
        .await?)
}

/// Document numbers handed out in memory per series, starting after those already stored.
#[derive(Default)]
struct Numbers(HashMap<String, i64>);

impl Numbers {
    async fn next(&mut self, tx: &mut Tx, table: &'static str, prefix: String, width: usize) -> Result<String> {
        let n = match self.0.get(&prefix) {
            Some(n) => n + 1,
            None => {
                let first = touchstone_store::numbers::next(tx, table, &prefix, width).await?;
                first[prefix.len()..].parse::<i64>().map_err(|e| Error::Internal(e.to_string()))?
            }
        };
        self.0.insert(prefix.clone(), n);
        Ok(format!("{prefix}{n:0width$}"))
    }
}

fn day_at(d: Date, hour: i64) -> i64 {
    Timestamp::parse_china_date(&d.to_string()).map(|t| t.plus_seconds(hour * 3600).as_micros()).unwrap_or(0)
}

fn days(n: u64) -> Duration {
    Duration::days(n as i64)
}

/// A date drawn in `[from, to]` (`from` when the span is empty).
fn date_between(rng: &mut Rng, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days();
    if span <= 0 { from } else { from + days(rng.between(0, span as u64)) }
}

fn uuid_of(seed: u64, rng: &mut Rng) -> Uuid {
    let hi = rng.next() ^ seed;
    Uuid::from_u64_pair(hi, rng.next())
}

/// What inspectors find: the wording, the category and the provisions it breaches.
const FINDINGS: &[(&str, &str, &str)] = &[
    ("出厂检验记录缺失导体电阻项目", "04.01", "《产品质量法》第十二条"),
    ("原材料进货查验记录不全，未索取供应商检验报告", "04", "《产品质量法》第三条"),
    ("生产设备未按规定校准，计量器具超期未检", "04", "《计量法》第九条"),
    ("产品合格证未标注执行标准编号", "04", "《产品质量法》第二十七条"),
    ("关键工序作业指导书未及时更新", "04", "《产品质量法》第三条"),
    ("检验人员未经培训上岗", "04", "《产品质量法》第三条"),
    ("库存成品未按批次标识，无法追溯", "04", "《产品质量法》第三条"),
    ("CCC认证证书暂停期间仍在出厂销售", "04", "《强制性产品认证管理规定》"),
];
const OFFICERS: &[&str] = &["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞"];

/// One hazard's history, drawn as far as `as_of` allows: the row and its events.
#[allow(clippy::too_many_arguments)]
fn hazard_history(
    rng: &mut Rng,
    row: &mut HazardRow,
    found: Date,
    as_of: Date,
    lagging: bool,
    on_spot: bool,
    finder: &str,
) -> Vec<HazardEventRow> {
    let mut events = Vec::new();
    let mut push =
        |row: &HazardRow, action: &str, from: Option<Status>, to: Status, on: Date, note: &str, actor: &str| {
            let seq = events.len() as i64 + 1;
            events.push(HazardEventRow {
                id: Uuid::from_u64_pair(row.id.as_u64_pair().0, row.id.as_u64_pair().1 ^ seq as u64),
                hazard_id: row.id,
                seq,
                action: action.into(),
                from_status: from.map(|s| s.code().into()),
                to_status: to.code().into(),
                at: day_at(on, 10) + seq * 1_000_000,
                on_date: on.to_string(),
                actor_id: None,
                actor_name: actor.into(),
                on_behalf: false,
                note: (!note.is_empty()).then(|| note.to_string()),
                deadline_before: None,
                deadline_after: None,
                attachment_ids: None,
                organisation_id: None,
            });
        };
    push(row, crate::hazards::EVENT_RECORD, None, Status::Open, found, "", finder);
    let close = |row: &mut HazardRow, because: &str, on: Date| {
        row.status = Status::Closed.code().into();
        row.closed_because = Some(because.into());
        row.closed_on = Some(on.to_string());
        row.escalation_due_on = None;
    };
    if on_spot {
        push(row, "correct_on_spot", Some(Status::Open), Status::Closed, found, "现场整改完毕", finder);
        close(row, "corrected_on_spot", found);
        return events;
    }
    if rng.percent(2) {
        let on = date_between(rng, found, (found + days(3)).min(as_of));
        push(row, "void", Some(Status::Open), Status::Voided, on, "重复录入", "质量监督股");
        row.status = Status::Voided.code().into();
        row.escalation_due_on = None;
        return events;
    }
    let deadline = parse_date(&row.deadline).unwrap_or(found);
    let planned = found + days(rng.between(1, 5));
    let unresponsive = rng.percent(if lagging { 15 } else { 5 });
    if planned > as_of || unresponsive {
        return events;
    }
    push(row, "plan", Some(Status::Open), Status::Rectifying, planned, "制定整改方案，落实责任人", "企业质量负责人");
    row.status = Status::Rectifying.code().into();
    row.plan = Some("制定整改方案，落实责任人".into());
    let span = (deadline - planned).whole_days().max(1) as u64;
    let mut evidence = match rng.below(100) {
        x if x < if lagging { 50 } else { 75 } => planned + days(rng.between(1, span)),
        x if x < 90 => deadline + days(rng.between(1, 30)),
        _ => return events,
    };
    loop {
        if evidence > as_of {
            return events;
        }
        push(
            row,
            "submit_evidence",
            Some(Status::Rectifying),
            Status::EvidenceSubmitted,
            evidence,
            "整改完成，附照片",
            "企业质量负责人",
        );
        row.status = Status::EvidenceSubmitted.code().into();
        row.evidence_submitted_on = Some(evidence.to_string());
        let reviewed = evidence + days(rng.between(1, if lagging { 12 } else { 7 }));
        if reviewed > as_of {
            return events;
        }
        if rng.percent(10) {
            push(
                row,
                "fail_review",
                Some(Status::EvidenceSubmitted),
                Status::Rectifying,
                reviewed,
                "整改不到位",
                "复查人员",
            );
            row.status = Status::Rectifying.code().into();
            row.evidence_submitted_on = None;
            evidence = reviewed + days(rng.between(3, 10));
            continue;
        }
        push(
            row,
            "pass_review",
            Some(Status::EvidenceSubmitted),
            Status::Closed,
            reviewed,
            "复查合格，予以销号",
            "复查人员",
        );
        row.evidence_submitted_on = None;
        close(row, "review_passed", reviewed);
        return events;
    }
}

/// Generates the campaign's activity into the database (see the module documentation).
/// Refuses a campaign that already has generated or recorded inspections: run it once.
pub async fn load(app: &App, actor: &Actor, opts: &CampaignActivity) -> Result<ActivityReport> {
    actor.require(Permission::ManageCampaigns, "generating campaign activity")?;
    let campaign = touchstone_store::campaigns::find(&app.db, opts.campaign_id)
        .await?
        .ok_or_else(|| Error::field("campaign", "not_found", "no such campaign"))?;
    if !actor.regions.contains(&campaign.region_code) {
        return Err(Error::field("campaign", "outside_jurisdiction", "a campaign of your jurisdiction"));
    }
    let milestones = touchstone_store::campaigns::milestones(&app.db, campaign.id).await?;
    let start = parse_date(&campaign.starts_on).ok_or_else(|| Error::Internal("campaign start".into()))?;
    let end = parse_date(&campaign.ends_on).unwrap_or(start).min(opts.as_of);
    if end < start {
        return Err(Error::field("as_of", "before_campaign", format!("the campaign starts on {start}")));
    }
    let stage_due =
        |kind: &str| milestones.iter().find(|m| m.kind == kind).and_then(|m| m.due_on.as_deref()).and_then(parse_date);
    let self_due = stage_due("self_inspection").unwrap_or(end).min(end);
    let deadlines = app.config.hazards;
    let mut report = ActivityReport::default();
    let mut numbers = Numbers::default();
    let mut lagging: HashMap<String, bool> = HashMap::new();
    let mut after = Uuid::nil();
    let items = touchstone_domain::checklist::items();
    loop {
        let batch = producers_after(&app.db, &campaign.region_code, after).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let mut tx = app.db.begin().await?;
        let mut rows = Rows::default();
        for e in &batch {
            report.enterprises += 1;
            // Seeded by the credit code, which a generated ledger reproduces (its ids it does not).
            let key =
                e.uscc.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3));
            let mut rng = Rng::for_enterprise(opts.draw.seed, key);
            let lag = *lagging.entry(e.region_code.clone()).or_insert_with(|| {
                let code: u64 = e.region_code.parse().unwrap_or(0);
                Rng::for_enterprise(opts.draw.seed ^ 0x5EED, code).percent(20)
            });
            let county = regions().get(&e.region_code).map(|r| r.name).unwrap_or("");
            // Self-inspection.
            if rng.percent(if lag { 45 } else { 85 }) {
                let on = date_between(&mut rng, start, self_due);
                let failed = rng.percent(30).then(|| rng.below(items.len().min(10) as u64) as usize);
                let answers: Vec<serde_json::Value> = items
                    .iter()
                    .take(10)
                    .enumerate()
                    .map(|(i, it)| {
                        if Some(i) == failed {
                            serde_json::json!({"item": it.code, "result": "fail", "plan": "立即整改，完善制度"})
                        } else {
                            serde_json::json!({"item": it.code, "result": "pass"})
                        }
                    })
                    .collect();
                let id = uuid_of(opts.draw.seed, &mut rng);
                let number = numbers
                    .next(&mut tx, "self_inspections", format!("ZC-{}-{}-", e.region_code, on.year()), 6)
                    .await?;
                let row = SelfInspectionRow {
                    id,
                    number,
                    enterprise_id: e.id,
                    region_code: e.region_code.clone(),
                    campaign_id: Some(campaign.id),
                    status: "submitted".into(),
                    enterprise_types: "other".into(),
                    category_codes: String::new(),
                    answers: serde_json::Value::from(answers).to_string(),
                    major_risk: None,
                    responsible_person: Some(e.legal_representative.clone()),
                    submitted_on: Some(on.to_string()),
                    submitted_at: Some(day_at(on, 15)),
                    submitted_by: Some("企业质量负责人".into()),
                    version: 2,
                    created_at: day_at(on, 9),
                    updated_at: day_at(on, 15),
                    updated_by: "generator".into(),
                };
                rows.self_inspections.push(row);
                report.self_inspections += 1;
                if let Some(i) = failed {
                    let it = &items[i];
                    let level = Level::General;
                    report.events += draw_hazard(
                        &mut tx,
                        &mut rows,
                        &mut numbers,
                        &mut rng,
                        app,
                        &campaign.id,
                        e,
                        "self_inspection",
                        id,
                        level,
                        (format!("【{}】{}", it.code, it.question), it.legal_basis),
                        on,
                        deadlines.default_deadline(level, on),
                        opts.as_of,
                        lag,
                        false,
                        "企业质量负责人",
                        it.category,
                    )
                    .await?;
                    report.hazards += 1;
                }
            }
            // On-site inspections.
            for _ in 0..opts.draw.inspections_per_enterprise {
                if !rng.percent(if lag { 55 } else { 90 }) {
                    continue;
                }
                let on = date_between(&mut rng, start, end);
                let id = uuid_of(opts.draw.seed, &mut rng);
                let o1 = rng.word(OFFICERS);
                let o2 = rng.word(OFFICERS);
                let officers = serde_json::json!([
                    {"user_id": uuid_of(opts.draw.seed, &mut rng), "name": format!("{county}局执法人员 {o1}")},
                    {"user_id": uuid_of(opts.draw.seed, &mut rng), "name": format!("{county}局执法人员 {o2}")}
                ]);
                let n_findings = match opts.draw.findings_per_inspection {
                    Some(mean) => rng.between(0, 2 * u64::from(mean)),
                    None => match rng.below(100) {
                        x if x < 40 => 0,
                        x if x < 75 => 1,
                        x if x < 92 => 2,
                        _ => 3,
                    },
                };
                let mut findings = Vec::new();
                for _ in 0..n_findings {
                    let (text, category, basis) = *rng.pick(FINDINGS);
                    let level = if rng.percent(10) { Level::Major } else { Level::General };
                    findings.push((text, category, basis, level, rng.percent(15)));
                }
                let finding_json: Vec<serde_json::Value> = findings
                    .iter()
                    .map(|(t, c, b, l, s)| serde_json::json!({"description": t, "level": l.code(), "category_code": c, "legal_basis": b, "corrected_on_spot": s}))
                    .collect();
                let number =
                    numbers.next(&mut tx, "inspections", format!("XC-{}-{}-", e.region_code, on.year()), 6).await?;
                let row = InspectionRow {
                    id,
                    number,
                    plan_id: None,
                    campaign_id: Some(campaign.id),
                    enterprise_id: e.id,
                    region_code: e.region_code.clone(),
                    kind: "special".into(),
                    status: "completed".into(),
                    archived: false,
                    archive_source: None,
                    external_id: None,
                    notice: "none".into(),
                    notice_note: None,
                    officers: officers.to_string(),
                    experts: "[]".into(),
                    staff_present: format!("{}（法定代表人）", e.legal_representative),
                    place: format!("{county} 生产车间"),
                    started_at: Some(format!("{on}T09:30")),
                    ended_at: Some(format!("{on}T11:30")),
                    inspected_on: on.to_string(),
                    checklist: "[]".into(),
                    findings: serde_json::Value::from(finding_json).to_string(),
                    measures: String::new(),
                    feedback: "当场反馈检查情况".into(),
                    attachment_ids: String::new(),
                    completed_on: Some(on.to_string()),
                    completed_at: Some(day_at(on, 12)),
                    client_key: None,
                    version: 1,
                    created_at: day_at(on, 9),
                    updated_at: day_at(on, 12),
                    updated_by: "generator".into(),
                };
                rows.inspections.push(row);
                report.inspections += 1;
                let finder = format!("{county}局执法人员 {o1}、{county}局执法人员 {o2}");
                for (text, category, basis, level, on_spot) in findings {
                    report.events += draw_hazard(
                        &mut tx,
                        &mut rows,
                        &mut numbers,
                        &mut rng,
                        app,
                        &campaign.id,
                        e,
                        "inspection",
                        id,
                        level,
                        (text.into(), basis),
                        on,
                        deadlines.default_deadline(level, on),
                        opts.as_of,
                        lag,
                        on_spot,
                        &finder,
                        Some(category),
                    )
                    .await?;
                    report.hazards += 1;
                }
            }
        }
        rows.write(&mut tx).await?;
        tx.commit().await?;
    }
    // A bulk load: the planner's statistics are taken again (they are not at the next start).
    touchstone_store::dialect::refresh_statistics(&app.db).await?;
    let mut tx = app.db.begin().await?;
    let change = Change::new("campaign.generate", "campaign", campaign.id).region(campaign.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(serde_json::json!({"options": opts, "report": report}))).await?;
    tx.commit().await?;
    Ok(report)
}

/// Draws one hazard and its history into `rows`; how many events it has.
#[allow(clippy::too_many_arguments)]
async fn draw_hazard(
    tx: &mut Tx,
    rows: &mut Rows,
    numbers: &mut Numbers,
    rng: &mut Rng,
    app: &App,
    campaign_id: &Uuid,
    e: &Target,
    source: &str,
    source_id: Uuid,
    level: Level,
    (description, legal_basis): (String, &str),
    found: Date,
    deadline: Date,
    as_of: Date,
    lagging: bool,
    on_spot: bool,
    finder: &str,
    category: Option<&str>,
) -> Result<usize> {
    let number = numbers.next(tx, "hazards", format!("YH-{}-{}-", e.region_code, found.year()), 6).await?;
    let escalation = deadline + Duration::days(app.config.hazards.escalation_days.max(1));
    let mut row = HazardRow {
        id: uuid_of(0, rng),
        number,
        enterprise_id: e.id,
        region_code: e.region_code.clone(),
        campaign_id: Some(*campaign_id),
        source: source.into(),
        source_id: Some(source_id),
        category_code: category.map(String::from),
        product: None,
        level: level.code().into(),
        description,
        legal_basis: legal_basis.to_string(),
        found_on: found.to_string(),
        deadline: deadline.to_string(),
        original_deadline: deadline.to_string(),
        responsible_person: e.legal_representative.clone(),
        found_by: String::new(),
        found_by_names: finder.into(),
        status: Status::Open.code().into(),
        plan: None,
        evidence_submitted_on: None,
        extension_requested_to: None,
        extensions_granted: 0,
        escalations: 0,
        escalated_to: None,
        escalation_due_on: Some(escalation.to_string()),
        referred_to_case: false,
        closed_because: None,
        closed_on: None,
        version: 1,
        created_at: day_at(found, 10),
        updated_at: day_at(found, 10),
        state_changed_at: day_at(found, 10),
        updated_by: "generator".into(),
    };
    let events = hazard_history(rng, &mut row, found, as_of, lagging, on_spot, finder);
    row.version = events.len() as i64;
    row.updated_at = events.last().map(|e| e.at).unwrap_or(row.created_at);
    row.state_changed_at = row.updated_at;
    let n = events.len();
    rows.hazards.push(row);
    rows.events.extend(events);
    Ok(n)
}
