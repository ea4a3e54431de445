//! Enterprises' self-inspections (R-SELF-1, R-SELF-2): an enterprise user starts one — for a
//! campaign or on its own initiative — against the checklist that applies to it (its
//! enterprise types by the valid certificates it holds, its product categories), saves drafts,
//! and submits. Submitting turns each failed item into a hazard with the enterprise's own
//! rectification plan, and a reported major risk into a major hazard that notifies the bureau
//! at once. Officers of the region read them.

use serde::{Deserialize, Serialize};
use time::Date;
use touchstone_domain::ValidationErrors;
use touchstone_domain::checklist::{self, EnterpriseType, Item, Severity};
use touchstone_domain::hazard::{Level, Source};
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_domain::time::parse_date as date_of;
use touchstone_store::campaigns::{CampaignFilter, CampaignRow, Readers};
use touchstone_store::enterprises::{self as enterprise_store, EnterpriseRow, Visibility};
use touchstone_store::hazards::{HazardFilter, HazardListRow};
use touchstone_store::list::{Page, Window};
use touchstone_store::self_inspections::{
    self as store, SelfInspectionFilter, SelfInspectionListRow, SelfInspectionRow,
};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::hazards::{NewHazard, write_new};
use crate::input::trimmed;
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

/// The answers an item may have.
pub const RESULTS: &[&str] = &["pass", "fail", "not_applicable"];

/// One answer as stored and as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Answer {
    /// The checklist item's code, e.g. `LH-03`.
    pub item: String,
    /// `pass`, `fail` or `not_applicable`.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a failed item: how the enterprise will rectify it (required to submit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// For a failed item: the deadline the enterprise sets itself, `YYYY-MM-DD`; by default
    /// the deadline for the item's severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

/// Starting a self-inspection.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StartInput {
    /// The campaign it answers, if any.
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
}

/// Saving a draft, or submitting it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FillInput {
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// A major quality-safety risk to report to the bureau, beyond the failed items.
    #[serde(default)]
    pub major_risk: Option<String>,
    /// The enterprise's person responsible for rectifying what it found.
    #[serde(default)]
    pub responsible_person: Option<String>,
    /// Submit now (every item answered); otherwise the draft is saved.
    #[serde(default)]
    pub submit: bool,
    /// The version read.
    pub version: i64,
}

/// A checklist item with the answer given to it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub code: &'static str,
    pub question: &'static str,
    pub question_en: &'static str,
    pub legal_basis: &'static str,
    /// `general` or `major`.
    pub severity: &'static str,
    pub answer: Option<Answer>,
}

/// A self-inspection with its checklist, the hazards it raised and what the reader may do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelfInspectionView {
    #[serde(flatten)]
    pub self_inspection: SelfInspectionRow,
    pub enterprise_name: String,
    pub campaign_name: Option<String>,
    pub lines: Vec<Line>,
    pub hazards: Vec<HazardListRow>,
    /// The reader is the enterprise and it is still a draft.
    pub editable: bool,
}

fn can_read(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() {
        Ok(())
    } else {
        actor.require(Permission::ReadEnterprises, "reading self-inspections")
    }
}

fn own_enterprise(actor: &Actor) -> Result<Uuid> {
    actor.own_enterprise().ok_or(Error::Forbidden("self-inspection (the enterprise's own users fill it)"))
}

/// The enterprise types its valid certificates make it, and its product categories.
async fn profile(app: &App, enterprise: &EnterpriseRow) -> Result<(Vec<EnterpriseType>, Vec<String>)> {
    let certificates = touchstone_store::certificates::of_holder(&app.db, enterprise.id).await?;
    let holds = |kind: &str| certificates.iter().any(|c| c.kind == kind && c.status == "valid");
    let types = checklist::enterprise_types(holds("production_licence"), holds("ccc")).to_vec();
    let categories = enterprise_store::categories(&app.db, enterprise.id).await?;
    Ok((types, categories))
}

/// The checklist a stored self-inspection was started with.
fn items_of(row: &SelfInspectionRow) -> Vec<&'static Item> {
    let types: Vec<EnterpriseType> =
        row.enterprise_types.split_whitespace().filter_map(EnterpriseType::parse).collect();
    let categories: Vec<&str> = row.category_codes.split_whitespace().collect();
    checklist::items_for(&types, &categories)
}

/// The checklist that applies to an enterprise the actor reads — its types by the valid
/// certificates it holds, its product categories: what its self-inspection answers and what
/// an on-site inspection of it checks.
pub async fn checklist_for_enterprise(app: &App, actor: &Actor, enterprise_id: Uuid) -> Result<Vec<&'static Item>> {
    let enterprise =
        enterprise_store::get(&app.db, &actor.visibility(), enterprise_id).await?.ok_or(Error::NotFound)?;
    let (types, categories) = profile(app, &enterprise).await?;
    let categories: Vec<&str> = categories.iter().map(String::as_str).collect();
    Ok(checklist::items_for(&types, &categories))
}

/// The running campaigns an enterprise's user may answer with a self-inspection: those of the
/// enterprise's region or of a region above it, newest first.
pub async fn campaigns_open_to(app: &App, actor: &Actor) -> Result<Vec<CampaignRow>> {
    let enterprise_id = own_enterprise(actor)?;
    let enterprise =
        enterprise_store::get(&app.db, &actor.visibility(), enterprise_id).await?.ok_or(Error::NotFound)?;
    let mut covering: Vec<String> =
        regions().ancestors(&enterprise.region_code).into_iter().map(String::from).collect();
    covering.push(enterprise.region_code.clone());
    let filter = CampaignFilter { status: Some("active".into()), ..Default::default() };
    let window = Window { sort: "c.starts_on", descending: true, page: 1, per_page: Window::MAX_PER_PAGE };
    let readers = Readers { scope: &Scope::Nothing, above: &covering };
    Ok(touchstone_store::campaigns::list(&app.db, &readers, &filter, &window).await?.items)
}

fn answers_of(row: &SelfInspectionRow) -> Result<Vec<Answer>> {
    serde_json::from_str(&row.answers)
        .map_err(|e| Error::Internal(format!("self-inspection {} has unreadable answers: {e}", row.id)))
}

/// Starts the enterprise's self-inspection, or returns the draft it already has for the
/// same campaign.
pub async fn start(app: &App, actor: &Actor, input: StartInput) -> Result<SelfInspectionView> {
    let enterprise_id = own_enterprise(actor)?;
    let enterprise =
        enterprise_store::get(&app.db, &actor.visibility(), enterprise_id).await?.ok_or(Error::NotFound)?;
    let campaign = match input.campaign_id {
        None => None,
        Some(id) => match touchstone_store::campaigns::find(&app.db, id).await? {
            Some(c) if regions().is_within(&enterprise.region_code, &c.region_code) => Some(c),
            _ => return Err(Error::field("campaign_id", "not_found", "no such campaign for your region")),
        },
    };
    if let Some(draft) = store::draft_of(&app.db, enterprise.id, input.campaign_id).await? {
        return view(app, actor, draft).await;
    }
    let (types, categories) = profile(app, &enterprise).await?;
    let now = app.clock.now().as_micros();
    let mut tx = app.db.begin().await?;
    let prefix = format!("ZC-{}-{}-", enterprise.region_code, app.today().year());
    let number = touchstone_store::numbers::next(&mut tx, "self_inspections", &prefix, 6).await?;
    let row = SelfInspectionRow {
        id: Uuid::now_v7(),
        number,
        enterprise_id: enterprise.id,
        region_code: enterprise.region_code.clone(),
        campaign_id: campaign.as_ref().map(|c| c.id),
        status: "draft".into(),
        enterprise_types: types.iter().map(|t| t.code()).collect::<Vec<_>>().join(" "),
        category_codes: categories.join(" "),
        answers: "[]".into(),
        major_risk: None,
        responsible_person: None,
        submitted_on: None,
        submitted_at: None,
        submitted_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    store::insert(&mut tx, &row).await?;
    let change = Change::new("self_inspection.start", "self_inspection", row.id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(audit::record_fields(&row))).await?;
    tx.commit().await?;
    view(app, actor, row).await
}

/// Checks the answers against the checklist; on submission every item must be answered and
/// every failure planned. Returns the answers cleaned (trimmed, in checklist order).
fn check_answers(
    items: &[&'static Item],
    input: &FillInput,
    today: Date,
    errors: &mut ValidationErrors,
) -> Vec<Answer> {
    let mut by_item: Vec<Option<Answer>> = vec![None; items.len()];
    for (i, a) in input.answers.iter().enumerate() {
        let field = |f: &str| format!("answers[{i}].{f}");
        let Some(pos) = items.iter().position(|it| it.code == a.item.trim()) else {
            errors.add(&field("item"), "not_in_checklist", format!("{:?} is not an item of this checklist", a.item));
            continue;
        };
        if by_item[pos].is_some() {
            errors.add(&field("item"), "duplicate", format!("{} is answered twice", a.item.trim()));
            continue;
        }
        let result = a.result.trim();
        if !RESULTS.contains(&result) {
            errors.add(&field("result"), "invalid_choice", "pass, fail or not_applicable");
            continue;
        }
        let note = trimmed(&a.note);
        let plan = trimmed(&a.plan).filter(|_| result == "fail");
        for (name, v) in [("note", &note), ("plan", &plan)] {
            if v.as_ref().is_some_and(|v| v.chars().count() > 2000) {
                errors.add(&field(name), "too_long", "at most 2000 characters");
            }
        }
        let deadline = match trimmed(&a.deadline).filter(|_| result == "fail") {
            None => None,
            Some(s) => match date_of(&s) {
                Some(d) if d >= today => Some(d.to_string()),
                Some(_) => {
                    errors.add(&field("deadline"), "in_past", "a deadline from today on");
                    None
                }
                None => {
                    errors.add(&field("deadline"), "invalid_date", "a date like 2026-12-23");
                    None
                }
            },
        };
        if input.submit && result == "fail" && plan.is_none() {
            errors.add(&field("plan"), "required", "how you will rectify this failed item");
        }
        by_item[pos] = Some(Answer { item: items[pos].code.into(), result: result.into(), note, plan, deadline });
    }
    if input.submit {
        let missing: Vec<&str> =
            items.iter().zip(&by_item).filter(|(_, a)| a.is_none()).map(|(it, _)| it.code).collect();
        if !missing.is_empty() {
            errors.add("answers", "incomplete", format!("answer every item before submitting: {}", missing.join(", ")));
        }
    }
    by_item.into_iter().flatten().collect()
}

/// Saves the draft, or submits it: each failed item becomes a hazard with the enterprise's
/// plan; a reported major risk becomes a major hazard the bureau is told of at once.
pub async fn fill(app: &App, actor: &Actor, id: Uuid, input: FillInput) -> Result<SelfInspectionView> {
    let enterprise_id = own_enterprise(actor)?;
    let current = store::get(&app.db, &actor.visibility(), id).await?.ok_or(Error::NotFound)?;
    if current.enterprise_id != enterprise_id {
        return Err(Error::NotFound);
    }
    if current.status != "draft" {
        return Err(Error::Conflict {
            code: "already_submitted",
            message: format!(
                "self-inspection {} was submitted on {}",
                current.number,
                current.submitted_on.clone().unwrap_or_default()
            ),
        });
    }
    if current.version != input.version {
        return Err(stale(&current.updated_by, current.updated_at));
    }
    let today = app.today();
    let items = items_of(&current);
    let mut errors = ValidationErrors::new();
    let answers = check_answers(&items, &input, today, &mut errors);
    let major_risk = trimmed(&input.major_risk);
    if major_risk.as_ref().is_some_and(|m| m.chars().count() > 2000) {
        errors.add("major_risk", "too_long", "at most 2000 characters");
    }
    let responsible_person = trimmed(&input.responsible_person);
    let anything_found = major_risk.is_some() || answers.iter().any(|a| a.result == "fail");
    if input.submit && anything_found && responsible_person.is_none() {
        errors.add("responsible_person", "required", "who is responsible for rectifying what was found");
    }
    if responsible_person.as_ref().is_some_and(|p| p.chars().count() > 100) {
        errors.add("responsible_person", "too_long", "at most 100 characters");
    }
    errors.into_result()?;

    let enterprise =
        enterprise_store::get(&app.db, &actor.visibility(), current.enterprise_id).await?.ok_or(Error::NotFound)?;
    let now = app.clock.now();
    let mut next = current.clone();
    next.answers = serde_json::to_string(&answers).map_err(|e| Error::Internal(e.to_string()))?;
    next.major_risk = major_risk.clone();
    next.responsible_person = responsible_person.clone();
    next.version += 1;
    next.updated_at = now.as_micros();
    next.updated_by = actor.username.clone();
    if input.submit {
        next.status = "submitted".into();
        next.submitted_on = Some(today.to_string());
        next.submitted_at = Some(now.as_micros());
        next.submitted_by = Some(actor.display_name.clone());
    }
    let mut tx = app.db.begin().await?;
    if !store::update(&mut tx, &next, current.version).await? {
        return Err(stale(&current.updated_by, current.updated_at));
    }
    let action = if input.submit { "self_inspection.submit" } else { "self_inspection.save" };
    let change = Change::new(action, "self_inspection", next.id).region(next.region_code.clone(), None);
    audit::record(
        app,
        &mut tx,
        actor,
        change.before(audit::record_fields(&current)).after(audit::record_fields(&next)),
    )
    .await?;
    if input.submit {
        let finder = vec![(actor.user_id, actor.display_name.clone())];
        let responsible = responsible_person.unwrap_or_default();
        // Each failed item's hazard cites the item's legal basis; a major risk reported cites none.
        let hazard = |level: Level,
                      description: String,
                      plan: Option<String>,
                      deadline: Date,
                      category: Option<&str>,
                      legal_basis: &str| {
            NewHazard {
                enterprise_id: enterprise.id,
                enterprise_name: enterprise.name.clone(),
                region_code: next.region_code.clone(),
                campaign_id: next.campaign_id,
                source: Source::SelfInspection,
                source_id: Some(next.id),
                category_code: category.map(String::from),
                product: None,
                level,
                description,
                legal_basis: legal_basis.to_string(),
                found_on: today,
                deadline,
                responsible_person: responsible.clone(),
                finders: finder.clone(),
                plan,
                corrected_on_spot: None,
            }
        };
        for a in answers.iter().filter(|a| a.result == "fail") {
            let Some(item) = items.iter().find(|it| it.code == a.item) else { continue };
            let level = match item.severity {
                Severity::Major => Level::Major,
                Severity::General => Level::General,
            };
            let deadline = a
                .deadline
                .as_deref()
                .and_then(date_of)
                .unwrap_or_else(|| app.config.hazards.default_deadline(level, today));
            let description = match &a.note {
                Some(n) => format!("【{}】{}——{}", item.code, item.question, n),
                None => format!("【{}】{}", item.code, item.question),
            };
            let new = hazard(level, description, a.plan.clone(), deadline, item.category, item.legal_basis);
            write_new(app, &mut tx, actor, new).await?;
        }
        if let Some(risk) = &major_risk {
            let deadline = app.config.hazards.default_deadline(Level::Major, today);
            write_new(
                app,
                &mut tx,
                actor,
                hazard(Level::Major, format!("【重大风险报告】{risk}"), None, deadline, None, ""),
            )
            .await?;
        }
    }
    tx.commit().await?;
    view(app, actor, next).await
}

pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<SelfInspectionView> {
    can_read(actor)?;
    let row = store::get(&app.db, &actor.visibility(), id).await?.ok_or(Error::NotFound)?;
    view(app, actor, row).await
}

pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &SelfInspectionFilter,
    window: &Window,
) -> Result<Page<SelfInspectionListRow>> {
    can_read(actor)?;
    Ok(store::list(&app.db, &actor.visibility(), filter, window).await?)
}

async fn view(app: &App, actor: &Actor, row: SelfInspectionRow) -> Result<SelfInspectionView> {
    let everything = Visibility { regions: &Scope::Everything, own: None };
    let enterprise_name =
        enterprise_store::get(&app.db, &everything, row.enterprise_id).await?.map(|e| e.name).unwrap_or_default();
    let campaign_name = match row.campaign_id {
        Some(c) => touchstone_store::campaigns::find(&app.db, c).await?.map(|c| c.name),
        None => None,
    };
    let answers = answers_of(&row)?;
    let lines = items_of(&row)
        .into_iter()
        .map(|it| Line {
            code: it.code,
            question: it.question,
            question_en: it.question_en,
            legal_basis: it.legal_basis,
            severity: it.severity.code(),
            answer: answers.iter().find(|a| a.item == it.code).cloned(),
        })
        .collect();
    let hazards = if row.status == "submitted" {
        let filter = HazardFilter { source_id: Some(row.id), ..Default::default() };
        let window = Window { sort: "h.number", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
        touchstone_store::hazards::list(&app.db, &actor.visibility(), &filter, &window).await?.items
    } else {
        Vec::new()
    };
    let editable = row.status == "draft" && actor.own_enterprise() == Some(row.enterprise_id);
    Ok(SelfInspectionView { self_inspection: row, enterprise_name, campaign_name, lines, hazards, editable })
}
