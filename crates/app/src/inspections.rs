//! On-site inspections (R-INSP-1, R-INSP-3): plans of the six kinds with listed targets or
//! full coverage of a campaign's target enterprises, and the inspection record itself — kept
//! as a draft while the officers are on site (a phone re-sending the same draft after a
//! dropped connection lands once, by its client key), completed with at least two officers,
//! each finding then written to the hazard ledger (corrected on the spot ones closed at once).

use serde::{Deserialize, Serialize};
use time::Date;
use touchstone_domain::ValidationErrors;
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::checklist;
use touchstone_domain::hazard::{Level, Source};
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_domain::time::parse_date as date_of;
use touchstone_store::campaigns::{CampaignRow, Readers};
use touchstone_store::enterprises::{self as enterprise_store, Visibility};
use touchstone_store::hazards::{HazardFilter, HazardListRow};
use touchstone_store::inspections::{
    self as store, InspectionFilter, InspectionListRow, InspectionRow, PlanFilter, PlanRow,
};
use touchstone_store::list::{Page, Window};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::hazards::{NewHazard, write_new};
use crate::input::{check_len, trimmed};
use crate::key_products::inherited;
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

/// Kinds of plan and inspection (R-INSP-1).
pub const KINDS: &[&str] = &["routine", "special", "unannounced", "cross_region", "joint", "key"];
/// Advance notice: none (unannounced) or given.
pub const NOTICES: &[&str] = &["none", "given"];
/// Results of a checklist item on site.
pub const RESULTS: &[&str] = &["pass", "fail", "not_applicable"];
/// Officers an inspection needs to be completed (R-INSP-3).
pub const MIN_OFFICERS: usize = 2;

/// A plan as a bureau sets it up.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    pub name: String,
    /// `routine`, `special`, `unannounced`, `cross_region`, `joint` or `key`.
    pub kind: String,
    /// The region it covers: one of your jurisdiction.
    pub region_code: String,
    /// The campaign (required for `special` plans and for full coverage).
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
    /// Every target enterprise of the campaign in the region, instead of a list.
    #[serde(default)]
    pub full_coverage: bool,
    /// The enterprises to inspect, when not full coverage.
    #[serde(default)]
    pub targets: Vec<Uuid>,
    pub starts_on: String,
    pub ends_on: String,
    /// The other departments of a joint inspection (required for `joint`).
    #[serde(default)]
    pub departments: String,
    #[serde(default)]
    pub note: String,
}

/// A plan with its targets and how many of them have been inspected.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    #[serde(flatten)]
    pub plan: PlanRow,
    pub campaign_name: Option<String>,
    /// The targets in the reader's jurisdiction: those listed, or for full coverage the
    /// campaign's target enterprises in the plan's region as of today (METHODS §2) — the first
    /// [`TARGETS_SHOWN`] of them.
    pub targets: Vec<PlanTarget>,
    /// How many targets there are in the reader's jurisdiction (more than `targets` holds
    /// when over [`TARGETS_SHOWN`]).
    pub targets_total: usize,
    /// Completed inspections under the plan.
    pub inspections_completed: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanTarget {
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub region_code: String,
    /// The completed inspection of it under this plan, if any.
    pub inspection_id: Option<Uuid>,
}

/// One checklist item checked on site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckResult {
    pub item: String,
    /// `pass`, `fail` or `not_applicable`.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A problem found on site; each becomes a hazard when the inspection is completed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    pub description: String,
    /// `general` or `major`.
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_code: Option<String>,
    /// The provisions it breaches (违反的规定), printed on the order to rectify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// The rectification deadline, `YYYY-MM-DD`; the default for the level when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Corrected during the inspection: recorded closed at once (say how).
    #[serde(default)]
    pub corrected_on_spot: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction_note: Option<String>,
}

/// The inspection record as the officers fill it (all of it is sent each time).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InspectionInput {
    #[serde(default)]
    pub plan_id: Option<Uuid>,
    /// The campaign, when there is no plan (a plan's campaign otherwise).
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
    pub enterprise_id: Uuid,
    /// The plan's kind by default.
    #[serde(default)]
    pub kind: Option<String>,
    /// `none` (unannounced) or `given`.
    #[serde(default)]
    pub notice: String,
    #[serde(default)]
    pub notice_note: Option<String>,
    /// The other officers present (user ids); you are one of the officers.
    #[serde(default)]
    pub officers: Vec<Uuid>,
    #[serde(default)]
    pub experts: Vec<String>,
    /// The enterprise's staff present (names and positions).
    #[serde(default)]
    pub staff_present: String,
    #[serde(default)]
    pub place: String,
    /// `YYYY-MM-DDTHH:MM`, local time.
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub ended_at: Option<String>,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    pub inspected_on: Option<String>,
    #[serde(default)]
    pub checklist: Vec<CheckResult>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// On-site measures taken (sealing, stopping sales…).
    #[serde(default)]
    pub measures: String,
    /// The feedback given to the enterprise (required to complete).
    #[serde(default)]
    pub feedback: String,
    /// Photos and documents already uploaded to the enterprise's file.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// The phone's own key for this draft: sending it again returns the same record.
    #[serde(default)]
    pub client_key: Option<String>,
    /// Complete now (the record is then final and its findings go to the ledger).
    #[serde(default)]
    pub complete: bool,
    /// The version read (when saving an existing record).
    #[serde(default)]
    pub version: Option<i64>,
}

/// An officer of the inspection as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Officer {
    pub user_id: Uuid,
    pub name: String,
}

/// An inspection with its enterprise, its parts decoded, the hazards it raised.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    #[serde(flatten)]
    pub inspection: InspectionRow,
    pub enterprise_name: String,
    pub plan_name: Option<String>,
    pub campaign_name: Option<String>,
    pub officer_list: Vec<Officer>,
    pub expert_list: Vec<String>,
    pub checklist_results: Vec<CheckResult>,
    pub finding_list: Vec<Finding>,
    pub hazards: Vec<HazardListRow>,
    /// Still a draft and the reader is one of its officers.
    pub editable: bool,
}

fn readers(actor: &Actor) -> (Vec<String>, &Scope) {
    (inherited(actor), &actor.regions)
}

fn can_read(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() {
        Ok(())
    } else {
        actor.require(Permission::ReadEnterprises, "reading inspections")
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

fn from_json<T: for<'de> Deserialize<'de> + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

pub async fn readable_plan(app: &App, actor: &Actor, id: Uuid) -> Result<Option<PlanRow>> {
    let (above, scope) = readers(actor);
    Ok(store::get_plan(&app.db, &Readers { scope, above: &above }, id).await?)
}

/// Sets up an inspection plan for a region of the jurisdiction.
pub async fn create_plan(app: &App, actor: &Actor, input: PlanInput) -> Result<PlanView> {
    actor.require(Permission::ManageCampaigns, "setting up inspection plans")?;
    let mut errors = ValidationErrors::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "required", "the plan's name");
    }
    check_len(&mut errors, "name", &name, 200);
    let kind = input.kind.trim();
    if !KINDS.contains(&kind) {
        errors.add("kind", "invalid_choice", format!("one of {}", KINDS.join(", ")));
    }
    let region_code = input.region_code.trim().to_string();
    if !actor.regions.contains(&region_code) {
        errors.add("region_code", "outside_jurisdiction", "a region of your jurisdiction");
    } else if kind == "cross_region" && regions().children(&region_code).is_empty() {
        errors.add(
            "region_code",
            "no_regions_below",
            "a cross-region plan is set up by a bureau with regions under it",
        );
    }
    let starts_on = date_of(input.starts_on.trim());
    let ends_on = date_of(input.ends_on.trim());
    if starts_on.is_none() {
        errors.add("starts_on", "invalid_date", "a date like 2026-05-01");
    }
    match (starts_on, ends_on) {
        (_, None) => errors.add("ends_on", "invalid_date", "a date like 2026-06-30"),
        (Some(s), Some(e)) if e < s => errors.add("ends_on", "before_start", "the plan cannot end before it starts"),
        _ => {}
    }
    let departments = input.departments.trim().to_string();
    if kind == "joint" && departments.is_empty() {
        errors.add("departments", "required", "the other departments of a joint inspection");
    }
    check_len(&mut errors, "departments", &departments, 500);
    let note = input.note.trim().to_string();
    check_len(&mut errors, "note", &note, 2000);
    let campaign = match input.campaign_id {
        None => None,
        Some(id) => match crate::campaigns::readable(app, actor, id).await? {
            Some(c) => Some(c),
            None => {
                errors.add("campaign_id", "not_found", "no such campaign");
                None
            }
        },
    };
    if campaign.is_none() && input.campaign_id.is_none() && (kind == "special" || input.full_coverage) {
        errors.add("campaign_id", "required", "a special or full-coverage plan belongs to a campaign");
    }
    let mut targets: Vec<Uuid> = Vec::new();
    if input.full_coverage {
        if !input.targets.is_empty() {
            errors.add("targets", "not_with_full_coverage", "full coverage takes the campaign's targets: list none");
        }
    } else if input.targets.is_empty() {
        errors.add("targets", "required", "the enterprises to inspect, or full coverage");
    } else {
        for (i, id) in input.targets.iter().enumerate() {
            if targets.contains(id) {
                continue;
            }
            match enterprise_store::get(&app.db, &actor.officer_visibility(), *id).await? {
                Some(e) if regions().is_within(&e.region_code, &region_code) => targets.push(*id),
                _ => errors.add(
                    &format!("targets[{i}]"),
                    "not_found",
                    format!("no enterprise {id} in the plan's region"),
                ),
            }
        }
    }
    errors.into_result()?;
    let now = app.clock.now().as_micros();
    let mut tx = app.db.begin().await?;
    let year = starts_on.map(|d| d.year()).unwrap_or_else(|| app.today().year());
    let number =
        touchstone_store::numbers::next(&mut tx, "inspection_plans", &format!("JC-{region_code}-{year}-"), 4).await?;
    let plan = PlanRow {
        id: Uuid::now_v7(),
        number,
        name,
        kind: kind.into(),
        organisation_id: actor.organisation.as_ref().map(|o| o.id),
        region_code,
        campaign_id: campaign.as_ref().map(|c| c.id),
        full_coverage: input.full_coverage,
        starts_on: starts_on.map(|d| d.to_string()).unwrap_or_default(),
        ends_on: ends_on.map(|d| d.to_string()).unwrap_or_default(),
        departments,
        note,
        status: "active".into(),
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    store::insert_plan(&mut tx, &plan, &targets).await?;
    let change =
        Change::new("inspection_plan.create", "inspection_plan", plan.id).region(plan.region_code.clone(), None);
    audit::record(
        app,
        &mut tx,
        actor,
        change.after(serde_json::json!({"plan": audit::record_fields(&plan), "targets": targets})),
    )
    .await?;
    tx.commit().await?;
    plan_view(app, actor, plan).await
}

pub async fn get_plan(app: &App, actor: &Actor, id: Uuid) -> Result<PlanView> {
    actor.require(Permission::ReadEnterprises, "reading inspection plans")?;
    let plan = readable_plan(app, actor, id).await?.ok_or(Error::NotFound)?;
    plan_view(app, actor, plan).await
}

pub async fn list_plans(app: &App, actor: &Actor, filter: &PlanFilter, window: &Window) -> Result<Page<PlanRow>> {
    actor.require(Permission::ReadEnterprises, "reading inspection plans")?;
    let (above, scope) = readers(actor);
    Ok(store::list_plans(&app.db, &Readers { scope, above: &above }, filter, window).await?)
}

/// Most targets a plan's view lists: a province's full-coverage plan has tens of thousands.
pub const TARGETS_SHOWN: usize = 200;

/// A plan's target enterprises in the actor's jurisdiction, by id: those listed, or for full
/// coverage the campaign's target enterprises (METHODS §2) as of today, or the plan's last day
/// when it has ended, in the plan's region — or in the actor's, when the plan was set up above.
async fn plan_target_ids(
    app: &App,
    actor: &Actor,
    plan: &PlanRow,
    campaign: Option<&CampaignRow>,
) -> Result<Vec<Uuid>> {
    if !plan.full_coverage {
        return Ok(store::plan_targets(&app.db, plan.id).await?);
    }
    let Some(campaign) = campaign else { return Ok(Vec::new()) };
    let region = if actor.regions.contains(&plan.region_code) {
        plan.region_code.clone()
    } else {
        match &actor.organisation {
            Some(o) if regions().is_within(&o.region_code, &plan.region_code) => o.region_code.clone(),
            _ => return Ok(Vec::new()),
        }
    };
    let today = app.today().to_string();
    let on = if plan.ends_on < today { plan.ends_on.clone() } else { today };
    let now = app.clock.now().as_micros();
    Ok(touchstone_store::reports::target_enterprises(&app.db, campaign, &region, &on, now).await?)
}

async fn plan_view(app: &App, actor: &Actor, plan: PlanRow) -> Result<PlanView> {
    let campaign = match plan.campaign_id {
        Some(c) => touchstone_store::campaigns::find(&app.db, c).await?,
        None => None,
    };
    let campaign_name = campaign.as_ref().map(|c| c.name.clone());
    let filter = InspectionFilter { plan_id: Some(plan.id), status: Some("completed".into()), ..Default::default() };
    let window = Window { sort: "i.inspected_on", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
    let done = store::list(&app.db, &actor.officer_visibility(), &filter, &window).await?;
    let mut targets = Vec::new();
    let mut targets_total = 0;
    let everything = Visibility { regions: &Scope::Everything, own: None };
    for id in plan_target_ids(app, actor, &plan, campaign.as_ref()).await? {
        // Full coverage's targets are all in the region read; listed ones are checked one by one.
        if plan.full_coverage && targets.len() == TARGETS_SHOWN {
            targets_total += 1;
            continue;
        }
        let Some(e) = enterprise_store::get(&app.db, &everything, id).await? else { continue };
        if !actor.regions.contains(&e.region_code) {
            continue;
        }
        targets_total += 1;
        if targets.len() == TARGETS_SHOWN {
            continue;
        }
        let inspection_id = done.items.iter().find(|i| i.inspection.enterprise_id == id).map(|i| i.inspection.id);
        targets.push(PlanTarget {
            enterprise_id: id,
            enterprise_name: e.name,
            region_code: e.region_code,
            inspection_id,
        });
    }
    Ok(PlanView { plan, campaign_name, targets, targets_total, inspections_completed: done.total })
}

/// The other officers of the actor's bureau who may carry out an inspection with them (the
/// choices of a record's `officers`): unlocked accounts of a role that records hazards.
pub async fn colleagues(app: &App, actor: &Actor) -> Result<Vec<Officer>> {
    let Some(org) = &actor.organisation else { return Ok(Vec::new()) };
    let filter = touchstone_store::users::UserFilter { organisation_id: Some(org.id), ..Default::default() };
    let window = Window { sort: "u.display_name", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
    let users = touchstone_store::users::list(
        &app.db,
        &touchstone_domain::jurisdiction::BureauScope::Everything,
        &Scope::Everything,
        &filter,
        &window,
    )
    .await?;
    Ok(users
        .items
        .into_iter()
        .filter(|u| Some(u.id) != actor.user_id && !u.locked)
        .filter(|u| touchstone_domain::role::Role::parse(&u.role).is_some_and(|r| r.can(Permission::RecordHazards)))
        .map(|u| Officer { user_id: u.id, name: u.display_name })
        .collect())
}

/// An enterprise of the actor's jurisdiction named by its id or its unified social credit
/// code (as a plan's target list or an inspector types it); `None` when there is none.
pub async fn resolve_enterprise(app: &App, actor: &Actor, text: &str) -> Result<Option<Uuid>> {
    let text = text.trim();
    let id = match Uuid::parse_str(text) {
        Ok(id) => Some(id),
        Err(_) => enterprise_store::id_by_uscc(&app.db, &text.to_uppercase()).await?,
    };
    let Some(id) = id else { return Ok(None) };
    Ok(enterprise_store::get(&app.db, &actor.officer_visibility(), id).await?.map(|e| e.id))
}

/// The officers named on the record: the actor first, then the others, each an officer's
/// account (never an enterprise's), no one twice.
async fn officers(app: &App, actor: &Actor, ids: &[Uuid], errors: &mut ValidationErrors) -> Result<Vec<Officer>> {
    let mut out = Vec::new();
    if let Some(me) = actor.user_id {
        out.push(Officer { user_id: me, name: actor.display_name.clone() });
    }
    for (i, id) in ids.iter().enumerate() {
        if out.iter().any(|o| o.user_id == *id) {
            continue;
        }
        match touchstone_store::users::find(&app.db, *id).await? {
            Some(u) if u.organisation_id.is_some() => out.push(Officer { user_id: u.id, name: u.display_name }),
            _ => errors.add(&format!("officers[{i}]"), "not_found", format!("no officer with id {id}")),
        }
    }
    Ok(out)
}

/// Checks the record; `complete` adds what a final record needs.
fn check_record(
    input: &InspectionInput,
    officers: &[Officer],
    today: Date,
    errors: &mut ValidationErrors,
) -> Option<Date> {
    let notice = input.notice.trim();
    if !NOTICES.contains(&notice) {
        errors.add("notice", "invalid_choice", "none (unannounced) or given");
    }
    if notice == "given" && input.complete && trimmed(&input.notice_note).is_none() {
        errors.add("notice_note", "required", "when and how notice was given");
    }
    for (field, v, max) in [
        ("staff_present", input.staff_present.as_str(), 500),
        ("place", input.place.as_str(), 300),
        ("measures", input.measures.as_str(), 2000),
        ("feedback", input.feedback.as_str(), 2000),
    ] {
        check_len(errors, field, v.trim(), max);
    }
    for (i, e) in input.experts.iter().enumerate() {
        check_len(errors, &format!("experts[{i}]"), e.trim(), 100);
    }
    let inspected_on = match trimmed(&input.inspected_on) {
        None => Some(today),
        Some(s) => match date_of(&s) {
            Some(d) if d <= today => Some(d),
            Some(_) => {
                errors.add("inspected_on", "in_future", "an inspection cannot be dated after today");
                None
            }
            None => {
                errors.add("inspected_on", "invalid_date", "a date like 2026-11-23");
                None
            }
        },
    };
    let times: Vec<Option<String>> = [("started_at", &input.started_at), ("ended_at", &input.ended_at)]
        .into_iter()
        .map(|(field, v)| {
            let t = trimmed(v)?;
            let ok = t.len() == 16 && date_of(&t[..10]).is_some() && &t[10..11] == "T" && {
                let (h, m) = (t[11..13].parse::<u8>(), t[14..16].parse::<u8>());
                &t[13..14] == ":" && matches!((h, m), (Ok(h), Ok(m)) if h < 24 && m < 60)
            };
            if !ok {
                errors.add(field, "invalid_time", "a local time like 2026-11-23T09:30");
                return None;
            }
            Some(t)
        })
        .collect();
    if let (Some(Some(s)), Some(Some(e))) = (times.first(), times.get(1))
        && e < s
    {
        errors.add("ended_at", "before_start", "the inspection cannot end before it started");
    }
    let items: Vec<&str> = checklist::items().iter().map(|i| i.code).collect();
    for (i, c) in input.checklist.iter().enumerate() {
        if !items.contains(&c.item.trim()) {
            errors.add(
                &format!("checklist[{i}].item"),
                "not_in_checklist",
                format!("{:?} is not a checklist item", c.item),
            );
        }
        if !RESULTS.contains(&c.result.trim()) {
            errors.add(&format!("checklist[{i}].result"), "invalid_choice", "pass, fail or not_applicable");
        }
        if let Some(n) = &c.note {
            check_len(errors, &format!("checklist[{i}].note"), n, 1000);
        }
    }
    for (i, f) in input.findings.iter().enumerate() {
        let field = |x: &str| format!("findings[{i}].{x}");
        if f.description.trim().is_empty() {
            errors.add(&field("description"), "required", "what is wrong");
        }
        check_len(errors, &field("description"), f.description.trim(), 2000);
        if Level::parse(f.level.trim()).is_none() {
            errors.add(&field("level"), "invalid_choice", "general or major");
        }
        if let Some(c) = trimmed(&f.category_code)
            && catalogue().get(&c).is_none()
        {
            errors.add(&field("category_code"), "invalid_choice", format!("unknown product category {c:?}"));
        }
        if let Some(b) = trimmed(&f.legal_basis) {
            check_len(errors, &field("legal_basis"), &b, crate::hazards::LEGAL_BASIS_MAX);
        }
        if let Some(d) = trimmed(&f.deadline) {
            match (date_of(&d), inspected_on) {
                (None, _) => errors.add(&field("deadline"), "invalid_date", "a date like 2026-12-23"),
                (Some(d), Some(on)) if d < on => {
                    errors.add(&field("deadline"), "before_found", "the deadline cannot be before the inspection")
                }
                _ => {}
            }
        }
        if f.corrected_on_spot && trimmed(&f.correction_note).is_none() {
            errors.add(&field("correction_note"), "required", "how it was corrected on the spot");
        }
    }
    if input.complete {
        if officers.len() < MIN_OFFICERS {
            errors.add("officers", "too_few", format!("at least {MIN_OFFICERS} officers carry out an inspection"));
        }
        if input.place.trim().is_empty() {
            errors.add("place", "required", "where the inspection took place");
        }
        if input.feedback.trim().is_empty() {
            errors.add("feedback", "required", "the feedback given to the enterprise");
        }
        if input.findings.iter().any(|f| f.corrected_on_spot) && input.attachment_ids.is_empty() {
            errors.add("attachment_ids", "required", "evidence (a photo) of what was corrected on the spot");
        }
    }
    inspected_on
}

/// Creates the inspection record (a draft, or completed at once). Sending the same
/// `client_key` again returns the record it made: a phone re-sending after a dropped
/// connection creates nothing twice.
pub async fn create(app: &App, actor: &Actor, input: InspectionInput) -> Result<InspectionView> {
    actor.require(Permission::RecordHazards, "recording inspections")?;
    let client_key = trimmed(&input.client_key);
    if let Some(key) = &client_key {
        if key.chars().count() > 100 {
            return Err(Error::field("client_key", "too_long", "at most 100 characters"));
        }
        if let Some(existing) = store::by_client_key(&app.db, key).await? {
            if !actor.regions.contains(&existing.region_code) {
                return Err(Error::field("client_key", "taken", "this key belongs to another record"));
            }
            return view(app, actor, existing).await;
        }
    }
    let enterprise = enterprise_store::get(&app.db, &actor.officer_visibility(), input.enterprise_id)
        .await?
        .ok_or_else(|| Error::field("enterprise_id", "not_found", "no such enterprise in your jurisdiction"))?;
    let mut errors = ValidationErrors::new();
    let plan = match input.plan_id {
        None => None,
        Some(id) => match readable_plan(app, actor, id).await? {
            Some(p) if regions().is_within(&enterprise.region_code, &p.region_code) => Some(p),
            Some(_) => {
                errors.add("plan_id", "outside_plan", "the enterprise is outside the plan's region");
                None
            }
            None => {
                errors.add("plan_id", "not_found", "no such plan");
                None
            }
        },
    };
    let campaign_id = match (plan.as_ref().and_then(|p| p.campaign_id), input.campaign_id) {
        (Some(c), _) => Some(c),
        (None, Some(id)) => match crate::campaigns::readable(app, actor, id).await? {
            Some(c) if regions().is_within(&enterprise.region_code, &c.region_code) => Some(c.id),
            _ => {
                errors.add("campaign_id", "not_found", "no such campaign for the enterprise's region");
                None
            }
        },
        (None, None) => None,
    };
    let kind =
        trimmed(&input.kind).or_else(|| plan.as_ref().map(|p| p.kind.clone())).unwrap_or_else(|| "routine".into());
    if !KINDS.contains(&kind.as_str()) {
        errors.add("kind", "invalid_choice", format!("one of {}", KINDS.join(", ")));
    }
    let now = app.clock.now().as_micros();
    let row = InspectionRow {
        id: Uuid::now_v7(),
        number: String::new(),
        plan_id: plan.as_ref().map(|p| p.id),
        campaign_id,
        enterprise_id: enterprise.id,
        region_code: enterprise.region_code.clone(),
        kind,
        status: "draft".into(),
        archived: false,
        archive_source: None,
        external_id: None,
        notice: String::new(),
        notice_note: None,
        officers: "[]".into(),
        experts: "[]".into(),
        staff_present: String::new(),
        place: String::new(),
        started_at: None,
        ended_at: None,
        inspected_on: String::new(),
        checklist: "[]".into(),
        findings: "[]".into(),
        measures: String::new(),
        feedback: String::new(),
        attachment_ids: String::new(),
        completed_on: None,
        completed_at: None,
        client_key,
        version: 0,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    write(app, actor, None, row, input, errors).await
}

/// Saves the draft again, or completes it.
pub async fn save(app: &App, actor: &Actor, id: Uuid, input: InspectionInput) -> Result<InspectionView> {
    actor.require(Permission::RecordHazards, "recording inspections")?;
    let current = store::get(&app.db, &actor.officer_visibility(), id).await?.ok_or(Error::NotFound)?;
    if current.status != "draft" {
        return Err(Error::Conflict {
            code: "already_completed",
            message: format!(
                "inspection {} was completed on {}",
                current.number,
                current.completed_on.clone().unwrap_or_default()
            ),
        });
    }
    if input.version != Some(current.version) {
        return Err(stale(&current.updated_by, current.updated_at));
    }
    if input.enterprise_id != current.enterprise_id {
        return Err(Error::field("enterprise_id", "fixed", "a record's enterprise cannot change: start a new record"));
    }
    let row = current.clone();
    write(app, actor, Some(current), row, input, ValidationErrors::new()).await
}

/// Validates `input` onto `row` and writes it (insert when `before` is none), completing it
/// with its hazards when asked.
async fn write(
    app: &App,
    actor: &Actor,
    before: Option<InspectionRow>,
    mut row: InspectionRow,
    input: InspectionInput,
    mut errors: ValidationErrors,
) -> Result<InspectionView> {
    let today = app.today();
    let officers = officers(app, actor, &input.officers, &mut errors).await?;
    let inspected_on = check_record(&input, &officers, today, &mut errors);
    let mut attachment_ids = Vec::new();
    for (i, a) in input.attachment_ids.iter().enumerate() {
        match touchstone_store::attachments::get(&app.db, &Scope::Everything, None, *a).await? {
            Some(att) if att.enterprise_id == row.enterprise_id => attachment_ids.push(a.to_string()),
            _ => errors.add(
                &format!("attachment_ids[{i}]"),
                "not_found",
                format!("no attachment {a} on this enterprise's file"),
            ),
        }
    }
    errors.into_result()?;
    let Some(inspected_on) = inspected_on else {
        return Err(Error::Internal("validated inspection lacks its date".into()));
    };
    let now = app.clock.now();
    row.notice = input.notice.trim().into();
    row.notice_note = trimmed(&input.notice_note);
    row.officers = to_json(&officers)?;
    row.experts = to_json(&input.experts.iter().map(|e| e.trim()).filter(|e| !e.is_empty()).collect::<Vec<_>>())?;
    row.staff_present = input.staff_present.trim().into();
    row.place = input.place.trim().into();
    row.started_at = trimmed(&input.started_at);
    row.ended_at = trimmed(&input.ended_at);
    row.inspected_on = inspected_on.to_string();
    row.checklist = to_json(&input.checklist)?;
    row.findings = to_json(&input.findings)?;
    row.measures = input.measures.trim().into();
    row.feedback = input.feedback.trim().into();
    row.attachment_ids = attachment_ids.join(" ");
    row.version += 1;
    row.updated_at = now.as_micros();
    row.updated_by = actor.username.clone();
    if input.complete {
        row.status = "completed".into();
        row.completed_on = Some(today.to_string());
        row.completed_at = Some(now.as_micros());
    }
    let mut tx = app.db.begin().await?;
    let change = match &before {
        None => {
            let prefix = format!("XC-{}-{}-", row.region_code, inspected_on.year());
            row.number = touchstone_store::numbers::next(&mut tx, "inspections", &prefix, 6).await?;
            store::insert(&mut tx, &row).await?;
            Change::new("inspection.create", "inspection", row.id)
        }
        Some(b) => {
            if !store::update(&mut tx, &row, b.version).await? {
                return Err(stale(&b.updated_by, b.updated_at));
            }
            let action = if input.complete { "inspection.complete" } else { "inspection.save" };
            Change::new(action, "inspection", row.id).before(audit::record_fields(b))
        }
    };
    let change = change.region(row.region_code.clone(), None).after(audit::record_fields(&row));
    audit::record(app, &mut tx, actor, change).await?;
    if input.complete {
        let enterprise = enterprise_store::get(&app.db, &actor.officer_visibility(), row.enterprise_id)
            .await?
            .ok_or(Error::NotFound)?;
        let finders: Vec<(Option<Uuid>, String)> = officers.iter().map(|o| (Some(o.user_id), o.name.clone())).collect();
        let responsible = enterprise.legal_representative.clone();
        for f in &input.findings {
            let level = Level::parse(f.level.trim()).unwrap_or(Level::General);
            let deadline = trimmed(&f.deadline)
                .as_deref()
                .and_then(date_of)
                .unwrap_or_else(|| app.config.hazards.default_deadline(level, inspected_on));
            let new = NewHazard {
                enterprise_id: enterprise.id,
                enterprise_name: enterprise.name.clone(),
                region_code: row.region_code.clone(),
                campaign_id: row.campaign_id,
                source: Source::Inspection,
                source_id: Some(row.id),
                category_code: trimmed(&f.category_code),
                product: None,
                level,
                description: f.description.trim().into(),
                legal_basis: trimmed(&f.legal_basis).unwrap_or_default(),
                found_on: inspected_on,
                deadline,
                responsible_person: responsible.clone(),
                finders: finders.clone(),
                plan: None,
                corrected_on_spot: if f.corrected_on_spot { trimmed(&f.correction_note) } else { None },
            };
            write_new(app, &mut tx, actor, new).await?;
        }
    }
    tx.commit().await?;
    view(app, actor, row).await
}

pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<InspectionView> {
    can_read(actor)?;
    let row = store::get(&app.db, &actor.visibility(), id).await?.ok_or(Error::NotFound)?;
    view(app, actor, row).await
}

pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &InspectionFilter,
    window: &Window,
) -> Result<Page<InspectionListRow>> {
    can_read(actor)?;
    Ok(store::list(&app.db, &actor.visibility(), filter, window).await?)
}

async fn view(app: &App, actor: &Actor, row: InspectionRow) -> Result<InspectionView> {
    let everything = Visibility { regions: &Scope::Everything, own: None };
    let enterprise_name =
        enterprise_store::get(&app.db, &everything, row.enterprise_id).await?.map(|e| e.name).unwrap_or_default();
    let plan_name = match row.plan_id {
        Some(p) => {
            store::get_plan(&app.db, &Readers { scope: &Scope::Everything, above: &[] }, p).await?.map(|p| p.name)
        }
        None => None,
    };
    let campaign_name = match row.campaign_id {
        Some(c) => touchstone_store::campaigns::find(&app.db, c).await?.map(|c| c.name),
        None => None,
    };
    let hazards = if row.status == "completed" {
        let filter = HazardFilter { source_id: Some(row.id), ..Default::default() };
        let window = Window { sort: "h.number", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
        touchstone_store::hazards::list(&app.db, &actor.visibility(), &filter, &window).await?.items
    } else {
        Vec::new()
    };
    let officer_list: Vec<Officer> = from_json(&row.officers);
    let editable =
        row.status == "draft" && actor.can(Permission::RecordHazards) && actor.regions.contains(&row.region_code);
    Ok(InspectionView {
        expert_list: from_json(&row.experts),
        checklist_results: from_json(&row.checklist),
        finding_list: from_json(&row.findings),
        officer_list,
        enterprise_name,
        plan_name,
        campaign_name,
        hazards,
        editable,
        inspection: row,
    })
}
