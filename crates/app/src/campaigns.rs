//! Special campaigns (R-CAMP-1, R-CAMP-2): a bureau launches one for its region — from a
//! shipped template or by hand — with key products, stages and reporting schedule; the
//! regions under it see it (published downward), their progress is tallied per region, and
//! bureaus above record supervision actions (reminder, interview, notice, listed supervision)
//! on lagging regions. Every change is audited.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use touchstone_domain::ValidationErrors;
use touchstone_domain::campaign::format_percent_one_decimal;
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_store::campaigns::{
    self as store, ActionRow, CampaignFilter, CampaignRow, HazardTally, MilestoneRow, Readers,
};
use touchstone_store::list::{Page, Window};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::key_products::inherited;
use crate::{Actor, App, Error, Result};

/// Kinds of supervision action on a region, as stored.
pub const ACTION_KINDS: &[&str] = &["reminder", "interview", "notice", "listed_supervision"];

/// Kinds of milestone: the stages, then the reports the schedule asks for.
pub const MILESTONE_KINDS: &[&str] = &[
    "self_inspection",
    "investigation",
    "full_coverage_inspection",
    "concentrated_rectification",
    "look_back",
    "completion",
    "weekly_report",
    "stage_summary",
    "annual_summary",
];

/// One stage or report of a campaign as entered.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MilestoneInput {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub starts_on: Option<String>,
    /// The deadline; none for the weekly report (every Wednesday).
    #[serde(default)]
    pub due_on: Option<String>,
}

/// A campaign as a bureau launches it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CampaignInput {
    pub name: String,
    /// The shipped template it follows, if any.
    #[serde(default)]
    pub template: Option<String>,
    /// The issuing authority as printed on its documents; the actor's bureau by default.
    #[serde(default)]
    pub issuing_authority: Option<String>,
    pub region_code: String,
    pub starts_on: String,
    pub ends_on: String,
    /// Catalogue codes of the key products.
    pub key_products: Vec<String>,
    #[serde(default)]
    pub key_objects: String,
    #[serde(default)]
    pub key_problems: String,
    #[serde(default)]
    pub targets: String,
    #[serde(default)]
    pub milestones: Vec<MilestoneInput>,
}

/// A supervision action on a region of the campaign.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    pub region_code: String,
    /// `reminder`, `interview`, `notice` or `listed_supervision`.
    pub kind: String,
    pub note: String,
    /// The document's number, e.g. `赣市监质〔2026〕12号`.
    #[serde(default)]
    pub document_number: Option<String>,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    pub taken_on: Option<String>,
}

/// One region's line of the progress table.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct RegionProgress {
    pub region_code: String,
    pub region_name: String,
    pub hazards_general: i64,
    pub hazards_major: i64,
    pub hazards_closed: i64,
    /// Closed ÷ found (voided left out), as "66.7", or "—" when nothing was found.
    pub closure_rate: String,
    pub open: i64,
    /// Behind on a stage whose deadline has passed (rectification: hazards still open).
    pub lagging: bool,
    pub actions: i64,
}

/// A campaign with its schedule, the actions taken and the progress of its regions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    #[serde(flatten)]
    pub campaign: CampaignRow,
    pub milestones: Vec<MilestoneRow>,
    pub actions: Vec<ActionRow>,
    /// The regions directly under the campaign's region (or under the reader's own, when the
    /// campaign comes from above), within the reader's jurisdiction.
    pub progress: Vec<RegionProgress>,
    /// The reader may change it and take actions (the campaign is of their jurisdiction).
    pub editable: bool,
}

fn may_read(actor: &Actor) -> Result<()> {
    actor.require(Permission::ReadEnterprises, "reading campaigns")
}

/// The campaign if the actor reads it (in or above the jurisdiction).
pub async fn readable(app: &App, actor: &Actor, id: Uuid) -> Result<Option<CampaignRow>> {
    let above = inherited(actor);
    Ok(store::get(&app.db, &Readers { scope: &actor.regions, above: &above }, id).await?)
}

fn date(errors: &mut ValidationErrors, field: &str, v: &str) -> Option<String> {
    let d = touchstone_domain::certificate::parse_date(v);
    if d.is_none() {
        errors.add(field, "invalid_date", "a date like 2026-04-30");
    }
    d
}

/// Launches a campaign for a region of the jurisdiction.
pub async fn create(app: &App, actor: &Actor, input: CampaignInput) -> Result<CampaignView> {
    actor.require(Permission::ManageCampaigns, "launching campaigns")?;
    let mut errors = ValidationErrors::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "required", "the campaign's name");
    } else if name.chars().count() > 200 {
        errors.add("name", "too_long", "at most 200 characters");
    }
    let region_code = actor.region_in_jurisdiction(&mut errors, &input.region_code);
    let starts_on = date(&mut errors, "starts_on", &input.starts_on);
    let ends_on = date(&mut errors, "ends_on", &input.ends_on);
    if let (Some(s), Some(e)) = (&starts_on, &ends_on)
        && e < s
    {
        errors.add("ends_on", "before_start", "the campaign ends before it starts");
    }
    let mut key_products: Vec<String> = Vec::new();
    for code in &input.key_products {
        let code = code.trim();
        if catalogue().get(code).is_none() {
            errors.add("key_products", "invalid_choice", format!("unknown product category {code:?}"));
        } else if !key_products.iter().any(|c| c == code) {
            key_products.push(code.to_string());
        }
    }
    if key_products.is_empty() && input.key_products.is_empty() {
        errors.add("key_products", "required", "at least one key product");
    }
    for (field, v, max) in [
        ("key_objects", &input.key_objects, 4000),
        ("key_problems", &input.key_problems, 4000),
        ("targets", &input.targets, 4000),
    ] {
        if v.chars().count() > max {
            errors.add(field, "too_long", format!("at most {max} characters"));
        }
    }
    let id = Uuid::now_v7();
    let mut milestones = Vec::new();
    for (i, m) in input.milestones.iter().enumerate() {
        let field = format!("milestones[{i}]");
        if !MILESTONE_KINDS.contains(&m.kind.as_str()) {
            errors.add(&format!("{field}.kind"), "invalid_choice", MILESTONE_KINDS.join(", "));
        }
        if m.name.trim().is_empty() {
            errors.add(&format!("{field}.name"), "required", "the stage's name");
        }
        let (starts_field, due_field) = (format!("{field}.starts_on"), format!("{field}.due_on"));
        let starts =
            m.starts_on.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| date(&mut errors, &starts_field, s));
        let due = m.due_on.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| date(&mut errors, &due_field, s));
        if m.kind != "weekly_report" && due.is_none() && m.due_on.as_deref().is_none_or(|s| s.trim().is_empty()) {
            errors.add(&due_field, "required", "the stage's deadline");
        }
        if let (Some(s), Some(d)) = (&starts, &due)
            && d < s
        {
            errors.add(&due_field, "before_start", "the stage is due before it starts");
        }
        milestones.push(MilestoneRow {
            id: Uuid::now_v7(),
            campaign_id: id,
            seq: i as i64 + 1,
            kind: m.kind.clone(),
            name: m.name.trim().to_string(),
            starts_on: starts,
            due_on: due,
        });
    }
    errors.into_result()?;
    let (Some(starts_on), Some(ends_on)) = (starts_on, ends_on) else {
        return Err(Error::Internal("validated campaign lacks dates".into()));
    };
    let now = app.clock.now().as_micros();
    let issuing_authority = input
        .issuing_authority
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .or_else(|| actor.organisation.as_ref().map(|o| o.name.clone()))
        .unwrap_or_else(|| regions().path_name(&region_code, false));
    let mut tx = app.db.begin().await?;
    let prefix = format!("ZX-{region_code}-{}-", starts_on.get(..4).unwrap_or_default());
    let number = touchstone_store::numbers::next(&mut tx, "campaigns", &prefix, 2).await?;
    let row = CampaignRow {
        id,
        number,
        name,
        template: input.template.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from),
        organisation_id: actor.organisation.as_ref().map(|o| o.id),
        issuing_authority,
        region_code,
        starts_on,
        ends_on,
        key_products: key_products.join(" "),
        key_objects: input.key_objects.trim().to_string(),
        key_problems: input.key_problems.trim().to_string(),
        targets: input.targets.trim().to_string(),
        status: "active".into(),
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    store::insert(&mut tx, &row, &milestones).await?;
    let change =
        Change::new("campaign.create", "campaign", row.id).region(row.region_code.clone(), row.organisation_id);
    audit::record(
        app,
        &mut tx,
        actor,
        change.after(json!({"campaign": audit::record_fields(&row), "milestones": milestones})),
    )
    .await?;
    tx.commit().await?;
    get(app, actor, id).await
}

/// What launching from a shipped template asks for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FromTemplate {
    /// `jiangxi-2022` (seed 004) or `guizhou-2023` (seed 001).
    pub template: String,
    /// The year to run it in: every date of the template moves to it.
    pub year: i32,
    /// The region it covers; the template's own region by default.
    #[serde(default)]
    pub region_code: Option<String>,
}

/// The name a stage or report is given when it comes from a template, and the name a new
/// campaign's form offers for it.
pub fn milestone_name(kind: &str) -> &'static str {
    match kind {
        "self_inspection" => "企业自查自改",
        "investigation" => "自查和现场排查",
        "full_coverage_inspection" => "生产企业全覆盖检查",
        "concentrated_rectification" => "隐患集中整治",
        "look_back" => "“回头看”",
        "completion" => "全面完成",
        "weekly_report" => "每周三报送上周进展",
        "stage_summary" => "阶段性总结",
        "annual_summary" => "年度总结",
        _ => "阶段",
    }
}

/// Launches a shipped template (seed 004 Jiangxi, seed 001 Guizhou) for `year`.
pub async fn from_template(app: &App, actor: &Actor, input: FromTemplate) -> Result<CampaignView> {
    create(app, actor, template_input(input)?).await
}

/// A shipped template run in `input.year`, as the campaign it launches: what
/// [`from_template`] creates, and what the campaign form starts from when a bureau adapts a
/// template before launching it.
pub fn template_input(input: FromTemplate) -> Result<CampaignInput> {
    use touchstone_domain::campaign::template;
    let day = |d: time::Date| d.to_string();
    let t = template(input.template.trim()).ok_or_else(|| {
        let ids: Vec<&str> = touchstone_domain::campaign::templates().iter().map(|t| t.id).collect();
        Error::field("template", "invalid_choice", ids.join(", "))
    })?;
    let original_year = format!("{}年", t.year);
    let t = t.instantiate(input.year).map_err(|e| Error::field("year", "invalid_year", e.to_string()))?;
    // A title that names its year names the campaign's year ("2022年…方案" run in 2026 is the
    // 2026 campaign); otherwise the year is added.
    let name = if t.title.contains(&original_year) {
        t.title.replace(&original_year, &format!("{}年", t.year))
    } else {
        format!("{}（{}年）", t.title, t.year)
    };
    let mut milestones: Vec<MilestoneInput> = t
        .stages
        .iter()
        .map(|s| MilestoneInput {
            kind: s.kind.code().into(),
            name: milestone_name(s.kind.code()).into(),
            starts_on: Some(day(s.starts_on)),
            due_on: Some(day(s.deadline)),
        })
        .collect();
    milestones.extend(t.reports.iter().map(|r| MilestoneInput {
        kind: r.kind.code().into(),
        name: milestone_name(r.kind.code()).into(),
        starts_on: None,
        due_on: r.due_on.map(day),
    }));
    let targets = t
        .targets
        .iter()
        .map(|g| format!("{}（≥ {}.{}%）", g.basis, g.minimum_permille / 10, g.minimum_permille % 10))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(CampaignInput {
        name,
        template: Some(t.id.into()),
        issuing_authority: None,
        region_code: input.region_code.unwrap_or_else(|| t.region_code.into()),
        starts_on: day(t.starts_on),
        ends_on: day(t.ends_on),
        key_products: t.key_products.iter().map(|c| c.to_string()).collect(),
        key_objects: t.key_objects.join("；"),
        key_problems: t.key_problems.join("；"),
        targets,
        milestones,
    })
}

/// One campaign with its schedule, actions and regional progress; 404 when neither in nor
/// above the jurisdiction.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<CampaignView> {
    may_read(actor)?;
    let campaign = readable(app, actor, id).await?.ok_or(Error::NotFound)?;
    let milestones = store::milestones(&app.db, id).await?;
    let actions = store::actions(&app.db, &actor.regions, id).await?;
    let tally = store::hazard_tally(&app.db, &actor.regions, id).await?;
    let editable = actor.can(Permission::ManageCampaigns) && actor.regions.contains(&campaign.region_code);
    let today = app.clock.now().china_date();
    let progress = progress(actor, &campaign, &milestones, &tally, &actions, &today);
    Ok(CampaignView { campaign, milestones, actions, progress, editable })
}

/// The regions a reader's progress table shows: those directly under the campaign's region
/// when the reader covers it, otherwise the reader's own jurisdiction roots.
fn progress_regions(actor: &Actor, campaign: &CampaignRow) -> Vec<String> {
    if actor.regions.contains(&campaign.region_code) {
        let children = regions().children(&campaign.region_code);
        if children.is_empty() {
            vec![campaign.region_code.clone()]
        } else {
            children.iter().map(|c| c.to_string()).collect()
        }
    } else {
        actor.jurisdiction.clone()
    }
}

fn progress(
    actor: &Actor,
    campaign: &CampaignRow,
    milestones: &[MilestoneRow],
    tally: &[HazardTally],
    actions: &[ActionRow],
    today: &str,
) -> Vec<RegionProgress> {
    let rectification_over = milestones
        .iter()
        .filter(|m| m.kind == "concentrated_rectification")
        .filter_map(|m| m.due_on.as_deref())
        .any(|d| d < today);
    let mut rows: BTreeMap<String, RegionProgress> = BTreeMap::new();
    let lines = progress_regions(actor, campaign);
    for code in &lines {
        rows.insert(
            code.clone(),
            RegionProgress {
                region_code: code.clone(),
                region_name: regions().get(code).map(|r| r.name.to_string()).unwrap_or_else(|| code.clone()),
                ..Default::default()
            },
        );
    }
    let line_of = |region: &str| lines.iter().find(|l| regions().is_within(region, l)).cloned();
    for t in tally {
        let Some(line) = line_of(&t.region_code) else { continue };
        let Some(p) = rows.get_mut(&line) else { continue };
        if t.status == "voided" {
            continue;
        }
        match t.level.as_str() {
            "major" => p.hazards_major += t.n,
            _ => p.hazards_general += t.n,
        }
        if t.status == "closed" {
            p.hazards_closed += t.n;
        } else {
            p.open += t.n;
        }
    }
    for a in actions {
        if let Some(line) = line_of(&a.region_code)
            && let Some(p) = rows.get_mut(&line)
        {
            p.actions += 1;
        }
    }
    for p in rows.values_mut() {
        let found = p.hazards_general + p.hazards_major;
        p.closure_rate = format_percent_one_decimal(p.hazards_closed, found);
        p.lagging = rectification_over && p.open > 0;
    }
    rows.into_values().collect()
}

/// Campaigns of and above the jurisdiction.
pub async fn list(app: &App, actor: &Actor, filter: &CampaignFilter, window: &Window) -> Result<Page<CampaignRow>> {
    may_read(actor)?;
    if let Some(s) = &filter.status
        && !["active", "completed"].contains(&s.as_str())
    {
        return Err(Error::field("status", "invalid_choice", "active or completed"));
    }
    let above = inherited(actor);
    Ok(store::list(&app.db, &Readers { scope: &actor.regions, above: &above }, filter, window).await?)
}

/// Records a supervision action on a region of the jurisdiction under the campaign.
pub async fn take_action(app: &App, actor: &Actor, id: Uuid, input: ActionInput) -> Result<ActionRow> {
    actor.require(Permission::ManageCampaigns, "taking supervision actions")?;
    let campaign = readable(app, actor, id).await?.ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    let region_code = actor.region_in_jurisdiction(&mut errors, &input.region_code);
    if !region_code.is_empty() && !regions().is_within(&region_code, &campaign.region_code) {
        errors.add("region_code", "outside_campaign", "the region is not under the campaign's region");
    } else if actor.jurisdiction.contains(&region_code) {
        errors.add("region_code", "own_region", "supervision actions are taken on a region below your own");
    }
    if !ACTION_KINDS.contains(&input.kind.as_str()) {
        errors.add("kind", "invalid_choice", ACTION_KINDS.join(", "));
    }
    let note = input.note.trim().to_string();
    if note.is_empty() {
        errors.add("note", "required", "what was done and why");
    } else if note.chars().count() > 4000 {
        errors.add("note", "too_long", "at most 4000 characters");
    }
    let taken_on = match input.taken_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(app.clock.now().china_date()),
        Some(s) => date(&mut errors, "taken_on", s),
    };
    errors.into_result()?;
    let row = ActionRow {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        region_code,
        kind: input.kind.clone(),
        note,
        document_number: input.document_number.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from),
        taken_on: taken_on.unwrap_or_default(),
        created_at: app.clock.now().as_micros(),
        created_by: actor.username.clone(),
    };
    let mut tx = app.db.begin().await?;
    store::insert_action(&mut tx, &row).await?;
    let change = Change::new("campaign.action", "campaign", campaign.id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(&row)).await?;
    if let Some(bureau) = crate::notifications::responsible_bureau(&app.db, &row.region_code).await? {
        crate::notifications::send(
            app,
            &mut tx,
            crate::notifications::Notice {
                to: crate::notifications::Recipient::Bureau(bureau.id),
                kind: "campaign_action",
                subject_type: "campaign",
                subject_id: campaign.id,
                params: json!({"campaign": campaign.name, "kind": row.kind, "note": row.note}),
                link: format!("/campaigns/{}", campaign.id),
                dedup_key: format!("campaign_action:{}", row.id),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(row)
}
