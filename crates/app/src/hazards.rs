//! The hazard ledger's use cases (R-HAZ-1…3, R-AUTH-3): record a hazard, move it through the
//! lifecycle of `domain::hazard` (each step an event with who/when/note, audited, notified),
//! list and count it, and the sweep's reminders and escalations. An enterprise's own users
//! plan, submit evidence and ask for more time on their hazards; officers do the rest.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::Date;
use touchstone_domain::ValidationErrors;
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::hazard::{self as rules, Action, Level, Source, Status};
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::role::Permission;
use touchstone_domain::time::parse_date as date_of;
use touchstone_store::enterprises::{self as enterprise_store, Visibility};
use touchstone_store::hazards::{self as store, HazardEventRow, HazardFilter, HazardListRow, HazardRow};
use touchstone_store::list::{Page, Window};
use touchstone_store::organisations::OrganisationRow;
use touchstone_store::{Tx, attachments as attachment_store};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::input::{check_len, trimmed};
use crate::notifications::{self, Notice, Recipient};
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

/// Events that are not a user's action: how a hazard's history starts, and the sweep's step.
pub const EVENT_RECORD: &str = "record";
pub const EVENT_ESCALATE: &str = "escalate";

/// Sources an officer records by hand; self-inspections and archives make their own.
pub const RECORDED_SOURCES: &[Source] =
    &[Source::Inspection, Source::SpotCheck, Source::CertificationAudit, Source::RiskSignal, Source::Complaint];

/// A hazard as an officer records it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct HazardInput {
    pub enterprise_id: Uuid,
    /// The campaign it was found in, if any.
    #[serde(default)]
    pub campaign_id: Option<Uuid>,
    /// `inspection`, `spot_check`, `certification_audit`, `risk_signal` or `complaint`.
    pub source: String,
    /// The record it was found in (an inspection, a spot-check batch…).
    #[serde(default)]
    pub source_id: Option<Uuid>,
    /// Catalogue code of the product category concerned.
    #[serde(default)]
    pub category_code: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    /// `general` or `major`.
    pub level: String,
    pub description: String,
    /// The provisions it breaches (违反的规定), printed on the order to rectify.
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    pub found_on: Option<String>,
    /// `YYYY-MM-DD`; by default 30 days (general) or 15 days (major) after it was found.
    #[serde(default)]
    pub deadline: Option<String>,
    /// The enterprise's person responsible for the rectification.
    pub responsible_person: String,
    /// Other officers who found it with you (user ids); they may not close it either.
    #[serde(default)]
    pub co_finders: Vec<Uuid>,
    /// Corrected during the inspection: recorded closed at once (the note says how).
    #[serde(default)]
    pub corrected_on_spot: bool,
    /// How it was corrected on the spot.
    #[serde(default)]
    pub correction_note: Option<String>,
}

/// One step on a hazard.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    /// `plan`, `submit_evidence`, `pass_review`, `fail_review`, `correct_on_spot`, `void`,
    /// `close_enterprise_gone`, `request_extension`, `grant_extension`, `refuse_extension`
    /// or `refer_to_case`.
    pub action: String,
    /// The plan, the evidence's description, the review's or refusal's reason…
    #[serde(default)]
    pub note: Option<String>,
    /// For `request_extension` (required) and `grant_extension` (optional: the requested one).
    #[serde(default)]
    pub deadline: Option<String>,
    /// Evidence files already uploaded to the enterprise's file.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// The version read.
    pub version: i64,
}

/// A hazard with its history and what the reader may do next.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardView {
    #[serde(flatten)]
    pub hazard: HazardRow,
    pub enterprise_name: String,
    pub enterprise_uscc: String,
    pub campaign_name: Option<String>,
    /// Open or rectifying past its deadline, today.
    pub overdue: bool,
    /// Evidence has waited longer than the review time.
    pub review_late: bool,
    pub events: Vec<HazardEventRow>,
    /// The steps this reader may take now.
    pub allowed_actions: Vec<String>,
}

fn can_read(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() {
        Ok(())
    } else {
        actor.require(Permission::ReadEnterprises, "reading hazards")
    }
}

/// The longest statement of the provisions a hazard breaches.
pub const LEGAL_BASIS_MAX: usize = 500;

/// Records a hazard found in the jurisdiction; corrected on the spot, it is closed at once.
pub async fn create(app: &App, actor: &Actor, input: HazardInput) -> Result<HazardView> {
    actor.require(Permission::RecordHazards, "recording hazards")?;
    let enterprise = enterprise_store::get(&app.db, &actor.officer_visibility(), input.enterprise_id)
        .await?
        .ok_or_else(|| Error::field("enterprise_id", "not_found", "no such enterprise in your jurisdiction"))?;
    let today = app.today();
    let mut errors = ValidationErrors::new();
    let source = Source::parse(&input.source).filter(|s| RECORDED_SOURCES.contains(s));
    if source.is_none() {
        let codes: Vec<&str> = RECORDED_SOURCES.iter().map(|s| s.code()).collect();
        errors.add("source", "invalid_choice", format!("one of {}", codes.join(", ")));
    }
    let level = Level::parse(&input.level);
    if level.is_none() {
        errors.add("level", "invalid_choice", "general or major");
    }
    let description = input.description.trim().to_string();
    if description.is_empty() {
        errors.add("description", "required", "what is wrong");
    }
    check_len(&mut errors, "description", &description, 2000);
    let legal_basis = trimmed(&input.legal_basis).unwrap_or_default();
    check_len(&mut errors, "legal_basis", &legal_basis, LEGAL_BASIS_MAX);
    let responsible_person = input.responsible_person.trim().to_string();
    if responsible_person.is_empty() {
        errors.add("responsible_person", "required", "the enterprise's person responsible");
    }
    check_len(&mut errors, "responsible_person", &responsible_person, 100);
    let category_code = trimmed(&input.category_code);
    if let Some(c) = &category_code
        && catalogue().get(c).is_none()
    {
        errors.add("category_code", "invalid_choice", format!("unknown product category {c:?}"));
    }
    let product = trimmed(&input.product);
    if let Some(p) = &product {
        check_len(&mut errors, "product", p, 200);
    }
    let found_on = match trimmed(&input.found_on) {
        None => Some(today),
        Some(s) => match date_of(&s) {
            Some(d) if d <= today => Some(d),
            Some(_) => {
                errors.add("found_on", "in_future", "a hazard cannot be found after today");
                None
            }
            None => {
                errors.add("found_on", "invalid_date", "a date like 2026-11-23");
                None
            }
        },
    };
    let deadline = match (trimmed(&input.deadline), found_on, level) {
        (None, Some(f), Some(l)) => Some(app.config.hazards.default_deadline(l, f)),
        (Some(s), f, _) => match date_of(&s) {
            Some(d) if f.is_none_or(|f| d >= f) => Some(d),
            Some(_) => {
                errors.add("deadline", "before_found", "the deadline cannot be before the hazard was found");
                None
            }
            None => {
                errors.add("deadline", "invalid_date", "a date like 2026-12-23");
                None
            }
        },
        _ => None,
    };
    let correction_note = trimmed(&input.correction_note);
    if input.corrected_on_spot && correction_note.is_none() {
        errors.add("correction_note", "required", "how it was corrected on the spot");
    }
    let campaign = match input.campaign_id {
        None => None,
        Some(id) => {
            let c = crate::campaigns::readable(app, actor, id).await?;
            match c {
                Some(c) if touchstone_domain::region::regions().is_within(&enterprise.region_code, &c.region_code) => {
                    Some(c)
                }
                Some(_) => {
                    errors.add("campaign_id", "outside_campaign", "the enterprise is outside the campaign's region");
                    None
                }
                None => {
                    errors.add("campaign_id", "not_found", "no such campaign");
                    None
                }
            }
        }
    };
    let mut finders = vec![(actor.user_id, actor.display_name.clone())];
    for id in &input.co_finders {
        match touchstone_store::users::find(&app.db, *id).await? {
            Some(u) if u.organisation_id.is_some() && Some(u.id) != actor.user_id => {
                finders.push((Some(u.id), u.display_name.clone()))
            }
            Some(u) if Some(u.id) == actor.user_id => {}
            _ => errors.add("co_finders", "not_found", format!("no officer with id {id}")),
        }
    }
    errors.into_result()?;
    let (Some(source), Some(level), Some(found_on), Some(deadline)) = (source, level, found_on, deadline) else {
        return Err(Error::Internal("validated hazard lacks a field".into()));
    };

    let mut tx = app.db.begin().await?;
    let new = NewHazard {
        enterprise_id: enterprise.id,
        enterprise_name: enterprise.name.clone(),
        region_code: enterprise.region_code.clone(),
        campaign_id: campaign.as_ref().map(|c| c.id),
        source,
        source_id: input.source_id,
        category_code,
        product,
        level,
        description,
        legal_basis,
        found_on,
        deadline,
        responsible_person,
        finders,
        plan: None,
        corrected_on_spot: if input.corrected_on_spot { correction_note } else { None },
    };
    let row = write_new(app, &mut tx, actor, new).await?;
    tx.commit().await?;
    view(app, actor, row).await
}

/// A validated hazard to write: from the officer's form, a submitted self-inspection (with the
/// enterprise's own plan) or a completed inspection (perhaps corrected on the spot).
#[derive(Debug, Clone)]
pub(crate) struct NewHazard {
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub region_code: String,
    pub campaign_id: Option<Uuid>,
    pub source: Source,
    pub source_id: Option<Uuid>,
    pub category_code: Option<String>,
    pub product: Option<String>,
    pub level: Level,
    pub description: String,
    /// The provisions it breaches; empty when none was given.
    pub legal_basis: String,
    pub found_on: Date,
    pub deadline: Date,
    pub responsible_person: String,
    /// Who found it (user id when an account, and the name); none of them may close it.
    pub finders: Vec<(Option<Uuid>, String)>,
    /// The enterprise's rectification plan given with it: the hazard starts rectifying.
    pub plan: Option<String>,
    /// How it was corrected on the spot: the hazard is closed at once.
    pub corrected_on_spot: Option<String>,
}

/// Writes a new hazard with its first events, its audit entry and its notifications (the
/// enterprise; the responsible bureau too for a major one), inside the caller's transaction.
pub(crate) async fn write_new(app: &App, tx: &mut Tx, actor: &Actor, new: NewHazard) -> Result<HazardRow> {
    let now = app.clock.now().as_micros();
    let found_by = new.finders.iter().filter_map(|(id, _)| id.map(|i| i.to_string())).collect::<Vec<_>>().join(" ");
    let found_by_names = new.finders.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("、");
    let prefix = format!("YH-{}-{}-", new.region_code, new.found_on.year());
    let number = touchstone_store::numbers::next(tx, "hazards", &prefix, 6).await?;
    let mut row = HazardRow {
        id: Uuid::now_v7(),
        number,
        enterprise_id: new.enterprise_id,
        region_code: new.region_code,
        campaign_id: new.campaign_id,
        source: new.source.code().into(),
        source_id: new.source_id,
        category_code: new.category_code,
        product: new.product,
        level: new.level.code().into(),
        description: new.description,
        legal_basis: new.legal_basis,
        found_on: new.found_on.to_string(),
        deadline: new.deadline.to_string(),
        original_deadline: new.deadline.to_string(),
        responsible_person: new.responsible_person,
        found_by,
        found_by_names,
        status: Status::Open.code().into(),
        plan: None,
        evidence_submitted_on: None,
        extension_requested_to: None,
        extensions_granted: 0,
        escalations: 0,
        escalated_to: None,
        escalation_due_on: Some(next_escalation(&app.config.hazards, new.deadline, 0)),
        referred_to_case: false,
        closed_because: None,
        closed_on: None,
        version: 1,
        created_at: now,
        updated_at: now,
        state_changed_at: now,
        updated_by: actor.username.clone(),
    };
    let mut events = vec![event(app, actor, &row, 1, EVENT_RECORD, None, Status::Open, None)];
    if let Some(note) = new.corrected_on_spot {
        row.status = Status::Closed.code().into();
        row.closed_because = Some(rules::ClosedBecause::CorrectedOnSpot.code().into());
        row.closed_on = Some(row.found_on.clone());
        events.push(event(
            app,
            actor,
            &row,
            2,
            Action::CorrectOnSpot.code(),
            Some(Status::Open),
            Status::Closed,
            Some(note),
        ));
    } else if let Some(plan) = new.plan {
        row.status = Status::Rectifying.code().into();
        row.plan = Some(plan.clone());
        events.push(event(
            app,
            actor,
            &row,
            2,
            Action::Plan.code(),
            Some(Status::Open),
            Status::Rectifying,
            Some(plan),
        ));
    }
    row.state_changed_at = events.iter().map(|e| e.at).max().unwrap_or(now);
    store::insert(tx, &row).await?;
    for e in &events {
        store::insert_event(tx, e).await?;
    }
    let change = Change::new("hazard.create", "hazard", row.id).region(row.region_code.clone(), None);
    audit::record(app, tx, actor, change.after(audit::record_fields(&row))).await?;
    let params =
        json!({"number": row.number, "enterprise": new.enterprise_name, "deadline": row.deadline, "level": row.level});
    notify(app, tx, Recipient::Enterprise(row.enterprise_id), "hazard_recorded", &row, params.clone(), "").await?;
    if new.level == Level::Major
        && let Some(bureau) = notifications::responsible_bureau(&app.db, &row.region_code).await?
    {
        notify(app, tx, Recipient::Bureau(bureau.id), "major_risk", &row, params, "").await?;
    }
    Ok(row)
}

#[allow(clippy::too_many_arguments)]
fn event(
    app: &App,
    actor: &Actor,
    h: &HazardRow,
    seq: i64,
    action: &str,
    from: Option<Status>,
    to: Status,
    note: Option<String>,
) -> HazardEventRow {
    let now = app.clock.now();
    HazardEventRow {
        id: Uuid::now_v7(),
        hazard_id: h.id,
        seq,
        action: action.into(),
        from_status: from.map(|s| s.code().into()),
        to_status: to.code().into(),
        at: now.as_micros(),
        on_date: now.china_date(),
        actor_id: actor.user_id,
        actor_name: actor.display_name.clone(),
        on_behalf: false,
        note,
        deadline_before: None,
        deadline_after: None,
        attachment_ids: None,
        organisation_id: None,
    }
}

async fn notify(
    app: &App,
    tx: &mut Tx,
    to: Recipient,
    kind: &'static str,
    h: &HazardRow,
    params: serde_json::Value,
    key_suffix: &str,
) -> Result<bool> {
    notifications::send(
        app,
        tx,
        Notice {
            to,
            kind,
            subject_type: "hazard",
            subject_id: h.id,
            params,
            link: format!("/hazards/{}", h.id),
            dedup_key: format!("{kind}:{}:{}{key_suffix}", h.id, h.version),
        },
    )
    .await
}

/// The user ids who found the hazard.
fn finders(h: &HazardRow) -> Vec<Uuid> {
    h.found_by.split_whitespace().filter_map(|s| Uuid::parse_str(s).ok()).collect()
}

/// Everyone who submitted evidence for it, ever.
fn evidence_submitters(events: &[HazardEventRow]) -> Vec<Uuid> {
    events.iter().filter(|e| e.action == Action::SubmitEvidence.code()).filter_map(|e| e.actor_id).collect()
}

/// Whether `actor` acts for the enterprise (its own user) or as an officer on this hazard.
fn acts_as_enterprise(actor: &Actor, h: &HazardRow) -> bool {
    actor.own_enterprise() == Some(h.enterprise_id)
}

/// May `actor` take `action` on `h` at all: the enterprise's own steps, or an officer of
/// the hazard's region?
fn may_take(actor: &Actor, h: &HazardRow, action: Action) -> Result<()> {
    if acts_as_enterprise(actor, h) {
        return if action.needs_officer() {
            Err(Error::Forbidden("this step is the bureau's: an officer takes it"))
        } else {
            Ok(())
        };
    }
    actor.require(Permission::RecordHazards, "acting on hazards")?;
    if !actor.regions.contains(&h.region_code) {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// R-AUTH-3: closing after review needs an officer who neither found the hazard nor
/// submitted any of its evidence.
fn may_close(actor: &Actor, h: &HazardRow, events: &[HazardEventRow]) -> Result<()> {
    let Some(me) = actor.user_id else { return Ok(()) };
    let is_officer = !acts_as_enterprise(actor, h) && actor.can(Permission::RecordHazards);
    rules::may_review(&me, is_officer, &finders(h), &evidence_submitters(events)).map_err(|e| match e {
        rules::ReviewRefused::NotAnOfficer => Error::Forbidden("closing hazards (an officer of the supervising bureau does)"),
        rules::ReviewRefused::FoundIt => Error::Duty {
            code: "second_officer_required",
            message: "you found this hazard: an officer who neither found it nor submitted its evidence closes it",
        },
        rules::ReviewRefused::SubmittedEvidence => Error::Duty {
            code: "second_officer_required",
            message: "you submitted this hazard's evidence: an officer who neither found it nor submitted its evidence closes it",
        },
    })
}

/// Takes one step of the lifecycle on a hazard; `version` must be the one read.
pub async fn step(app: &App, actor: &Actor, id: Uuid, input: StepInput) -> Result<HazardView> {
    can_read(actor)?;
    let current = store::get(&app.db, &actor.visibility(), id).await?.ok_or(Error::NotFound)?;
    let action = Action::parse(&input.action)
        .ok_or_else(|| Error::field("action", "invalid_choice", format!("one of {}", Action::codes().join(", "))))?;
    if current.version != input.version {
        return Err(stale(&current.updated_by, current.updated_at));
    }
    // Who may take the step at all, then whether the lifecycle has it, then who may close.
    may_take(actor, &current, action)?;
    let from =
        Status::parse(&current.status).ok_or_else(|| Error::Internal(format!("hazard {id} has unknown status")))?;
    let to = rules::transition(from, action).map_err(|e| Error::field("action", "illegal_step", e.to_string()))?;
    if action == Action::PassReview {
        may_close(actor, &current, &store::events(&app.db, id).await?)?;
    }

    let today = app.today();
    let mut errors = ValidationErrors::new();
    let note = trimmed(&input.note);
    if let Some(n) = &note {
        check_len(&mut errors, "note", n, 2000);
    }
    let evidenced_by_files = action == Action::SubmitEvidence && !input.attachment_ids.is_empty();
    if action.needs_note() && note.is_none() && !evidenced_by_files {
        errors.add("note", "required", "say why, or what was done");
    }
    let asked = match trimmed(&input.deadline) {
        None => None,
        Some(s) => match date_of(&s) {
            Some(d) => Some(d),
            None => {
                errors.add("deadline", "invalid_date", "a date like 2026-12-23");
                None
            }
        },
    };
    let mut attachment_ids = Vec::new();
    for a in &input.attachment_ids {
        match attachment_store::get(&app.db, &Scope::Everything, None, *a).await? {
            Some(att) if att.enterprise_id == current.enterprise_id => attachment_ids.push(a.to_string()),
            _ => errors.add("attachment_ids", "not_found", format!("no attachment {a} on this enterprise's file")),
        }
    }
    let current_deadline = date_of(&current.deadline).unwrap_or(today);
    let mut next = current.clone();
    let (mut deadline_before, mut deadline_after) = (None, None);
    match action {
        Action::Plan => next.plan = note.clone(),
        Action::SubmitEvidence => next.evidence_submitted_on = Some(today.to_string()),
        Action::FailReview => next.evidence_submitted_on = None,
        Action::RequestExtension => match asked {
            Some(d) if d > current_deadline => next.extension_requested_to = Some(d.to_string()),
            Some(_) => {
                errors.add("deadline", "not_later", format!("a deadline after the current one, {}", current.deadline))
            }
            None if errors.is_empty() => errors.add("deadline", "required", "the deadline you ask for"),
            None => {}
        },
        Action::GrantExtension => {
            if current.extensions_granted >= app.config.hazards.extensions_allowed {
                errors.add(
                    "action",
                    "extension_limit",
                    format!("this hazard has had its {} extension(s)", app.config.hazards.extensions_allowed),
                );
            }
            match asked.or_else(|| current.extension_requested_to.as_deref().and_then(date_of)) {
                Some(d) if d > current_deadline => {
                    deadline_before = Some(current.deadline.clone());
                    deadline_after = Some(d.to_string());
                    next.deadline = d.to_string();
                    next.escalation_due_on = Some(next_escalation(&app.config.hazards, d, current.escalations));
                    next.extension_requested_to = None;
                    next.extensions_granted += 1;
                }
                Some(_) => errors.add(
                    "deadline",
                    "not_later",
                    format!("a deadline after the current one, {}", current.deadline),
                ),
                None => errors.add("deadline", "required", "the new deadline (nothing was asked for)"),
            }
        }
        Action::RefuseExtension => {
            if current.extension_requested_to.is_none() {
                errors.add("action", "nothing_asked", "the enterprise has not asked for an extension");
            }
            next.extension_requested_to = None;
        }
        Action::ReferToCase => next.referred_to_case = true,
        Action::PassReview | Action::CorrectOnSpot | Action::CloseEnterpriseGone | Action::Void => {}
    }
    errors.into_result()?;
    if let Some(because) = action.closes_because() {
        next.closed_because = Some(because.code().into());
        next.closed_on = Some(today.to_string());
    }
    next.status = to.code().into();
    next.version = current.version + 1;
    next.updated_at = app.clock.now().as_micros();
    next.updated_by = actor.username.clone();

    let mut tx = app.db.begin().await?;
    let locked = store::get_for_update(&mut tx, &actor.visibility(), id).await?.ok_or(Error::NotFound)?;
    if locked.version != input.version {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    let events = store::events_tx(&mut tx, id).await?;
    let mut ev = event(app, actor, &next, events.len() as i64 + 1, action.code(), Some(from), to, note);
    ev.on_behalf = !action.needs_officer() && !acts_as_enterprise(actor, &current);
    ev.deadline_before = deadline_before;
    ev.deadline_after = deadline_after;
    ev.attachment_ids = (!attachment_ids.is_empty()).then(|| attachment_ids.join(" "));
    next.state_changed_at = ev.at;
    if !store::update(&mut tx, &next, input.version).await? {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    store::insert_event(&mut tx, &ev).await?;
    let change = Change::new("hazard.step", "hazard", id).region(next.region_code.clone(), None);
    audit::record(
        app,
        &mut tx,
        actor,
        change
            .before(audit::record_fields(&locked))
            .after(json!({"action": action.code(), "hazard": audit::record_fields(&next)})),
    )
    .await?;
    let params =
        json!({"number": next.number, "action": action.code(), "status": next.status, "deadline": next.deadline});
    match action {
        Action::SubmitEvidence | Action::RequestExtension => {
            if let Some(bureau) = notifications::responsible_bureau(&app.db, &next.region_code).await? {
                notify(app, &mut tx, Recipient::Bureau(bureau.id), "hazard_needs_officer", &next, params, "").await?;
            }
        }
        Action::Plan => {}
        _ => {
            notify(app, &mut tx, Recipient::Enterprise(next.enterprise_id), "hazard_changed", &next, params, "")
                .await?;
        }
    }
    tx.commit().await?;
    view(app, actor, next).await
}

async fn view(app: &App, actor: &Actor, h: HazardRow) -> Result<HazardView> {
    let everything = Scope::Everything;
    let e = enterprise_store::get(&app.db, &Visibility { regions: &everything, own: None }, h.enterprise_id).await?;
    let campaign_name = match h.campaign_id {
        Some(c) => touchstone_store::campaigns::find(&app.db, c).await?.map(|c| c.name),
        None => None,
    };
    let events = store::events(&app.db, h.id).await?;
    let today = app.today();
    let status = Status::parse(&h.status).unwrap_or(Status::Open);
    let overdue = date_of(&h.deadline).is_some_and(|d| rules::is_overdue(status, d, today));
    let review_late = h
        .evidence_submitted_on
        .as_deref()
        .and_then(date_of)
        .is_some_and(|d| rules::review_is_late(status, d, today, &app.config.hazards));
    let allowed_actions = Action::allowed_from(status)
        .into_iter()
        .filter(|a| may_take(actor, &h, *a).is_ok())
        .filter(|a| *a != Action::PassReview || may_close(actor, &h, &events).is_ok())
        .filter(|a| match a {
            Action::GrantExtension => h.extensions_granted < app.config.hazards.extensions_allowed,
            Action::RefuseExtension => h.extension_requested_to.is_some(),
            Action::ReferToCase => !h.referred_to_case,
            _ => true,
        })
        .map(|a| a.code().to_string())
        .collect();
    Ok(HazardView {
        enterprise_name: e.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
        enterprise_uscc: e.map(|e| e.uscc).unwrap_or_default(),
        campaign_name,
        overdue,
        review_late,
        events,
        allowed_actions,
        hazard: h,
    })
}

/// One hazard with its history; 404 when it is not visible.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<HazardView> {
    can_read(actor)?;
    let h = store::get(&app.db, &actor.visibility(), id).await?.ok_or(Error::NotFound)?;
    view(app, actor, h).await
}

/// The ledger as filtered; `overdue=true` means overdue today.
pub async fn list(app: &App, actor: &Actor, filter: &HazardFilter, window: &Window) -> Result<Page<HazardListRow>> {
    can_read(actor)?;
    let mut errors = ValidationErrors::new();
    if let Some(s) = &filter.status
        && Status::parse(s).is_none()
    {
        errors.add("status", "invalid_choice", Status::codes().join(", "));
    }
    if let Some(l) = &filter.level
        && Level::parse(l).is_none()
    {
        errors.add("level", "invalid_choice", "general or major");
    }
    if let Some(s) = &filter.source
        && Source::parse(s).is_none()
    {
        errors.add("source", "invalid_choice", Source::codes().join(", "));
    }
    if let Some(r) = &filter.region_code
        && touchstone_domain::region::RegionCode::parse(r).is_err()
    {
        errors.add("region_code", "invalid_region", "a GB/T 2260 region code");
    }
    for (field, d) in
        [("found_from", &filter.found_from), ("found_to", &filter.found_to), ("overdue_on", &filter.overdue_on)]
    {
        if let Some(d) = d
            && date_of(d).is_none()
        {
            errors.add(field, "invalid_date", "a date like 2026-11-23");
        }
    }
    errors.into_result()?;
    Ok(store::list(&app.db, &actor.visibility(), filter, window).await?)
}

/// Today's date in the bureau's zone, for an `overdue` filter.
pub fn today_text(app: &App) -> String {
    app.today().to_string()
}

/// 动态清零 (R-HAZ-3): hazards in `region_code` (and below, within the jurisdiction) found
/// before `cutoff` (`YYYY-MM-DD`) and still open at its start, optionally of one campaign.
pub async fn open_at_cutoff(
    app: &App,
    actor: &Actor,
    region_code: &str,
    campaign_id: Option<Uuid>,
    cutoff: &str,
) -> Result<i64> {
    actor.require(Permission::ReadEnterprises, "counting hazards")?;
    let mut errors = ValidationErrors::new();
    let region = actor.region_in_jurisdiction(&mut errors, region_code);
    let start = touchstone_domain::time::Timestamp::parse_china_date(cutoff);
    if start.is_none() {
        errors.add("cutoff", "invalid_date", "a date like 2026-11-23");
    }
    errors.into_result()?;
    let Some(start) = start else { return Err(Error::Internal("validated cut-off lacks a date".into())) };
    let cutoff = date_of(cutoff).unwrap_or(Date::MIN).to_string();
    Ok(store::open_at_cutoff(&app.db, &actor.officer_visibility(), &region, campaign_id, &cutoff, start.as_micros())
        .await?)
}

/// The date the escalation after `done` ones falls due for a hazard with `deadline`.
pub(crate) fn next_escalation(d: &rules::Deadlines, deadline: Date, done: i64) -> String {
    deadline.saturating_add(time::Duration::days(d.escalation_days.max(1) * (done + 1))).to_string()
}

/// Most hazards one sweep round handles per kind; the next round takes the rest.
const SWEEP_BATCH: i64 = 500;
/// Days before the deadline the enterprise is reminded.
const REMINDER_DAYS: i64 = 3;

/// Each region's responsible bureau and the bureaus above it, looked up once per sweep round
/// (a province's overdue hazards share a few dozen regions).
#[derive(Default)]
struct ReportingLines(std::collections::HashMap<String, (Option<OrganisationRow>, Vec<OrganisationRow>)>);

impl ReportingLines {
    async fn of(&mut self, app: &App, region: &str) -> Result<&(Option<OrganisationRow>, Vec<OrganisationRow>)> {
        if !self.0.contains_key(region) {
            let bureau = notifications::responsible_bureau(&app.db, region).await?;
            let above = match &bureau {
                Some(b) => notifications::bureaus_above(&app.db, b).await?,
                None => Vec::new(),
            };
            self.0.insert(region.to_string(), (bureau, above));
        }
        self.0.get(region).ok_or_else(|| Error::Internal("reporting line lost".into()))
    }
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Swept {
    pub reminders: usize,
    pub escalations: usize,
    pub late_reviews: usize,
}

/// The sweep (METHODS.md §3): reminds enterprises before a deadline and at it, escalates
/// overdue hazards one bureau up every `escalation_days` up to the top of the reporting line
/// (each escalation an event, an audit entry and a notification), and tells the bureau of
/// reviews waiting too long. Repeating a round changes nothing.
pub async fn sweep(app: &App) -> Result<Swept> {
    let system = Actor::system(None);
    let today = app.today();
    let d = app.config.hazards;
    let mut swept = Swept::default();
    let mut lines = ReportingLines::default();

    let soon = today.saturating_add(time::Duration::days(REMINDER_DAYS)).to_string();
    for h in store::due_between(&app.db, &today.to_string(), &soon, SWEEP_BATCH).await? {
        let kind = if h.deadline == today.to_string() { "deadline_reached" } else { "deadline_soon" };
        let mut tx = app.db.begin().await?;
        let params = json!({"number": h.number, "deadline": h.deadline});
        let suffix = format!(":{}", h.deadline);
        if notifications::send(
            app,
            &mut tx,
            Notice {
                to: Recipient::Enterprise(h.enterprise_id),
                kind,
                subject_type: "hazard",
                subject_id: h.id,
                params,
                link: format!("/hazards/{}", h.id),
                dedup_key: format!("{kind}:{}{suffix}", h.id),
            },
        )
        .await?
        {
            swept.reminders += 1;
        }
        tx.commit().await?;
    }

    for h in store::escalations_due(&app.db, &today.to_string(), SWEEP_BATCH).await? {
        let Some(deadline) = date_of(&h.deadline) else { continue };
        let above = lines.of(app, &h.region_code).await?.1.clone();
        let mut tx = app.db.begin().await?;
        let everything = Visibility { regions: &Scope::Everything, own: None };
        let Some(mut row) = store::get_for_update(&mut tx, &everything, h.id).await? else { continue };
        let status = Status::parse(&row.status).unwrap_or(Status::Closed);
        if row.version != h.version || !rules::is_overdue(status, deadline, today) {
            continue;
        }
        let expected = row.version;
        let due = d.escalations_due(deadline, today, above.len());
        let mut seq = store::events_tx(&mut tx, h.id).await?.len() as i64;
        let before = row.escalations;
        let done = row.escalations.max(0) as usize;
        for (level, to) in above.iter().enumerate().take(due).skip(done) {
            row.escalations = level as i64 + 1;
            row.escalated_to = Some(to.id);
            seq += 1;
            let mut ev = event(app, &system, &row, seq, EVENT_ESCALATE, Some(status), status, None);
            ev.organisation_id = Some(to.id);
            ev.note = Some(format!("overdue since {}; escalated to {}", row.deadline, to.name));
            store::insert_event(&mut tx, &ev).await?;
            let params = json!({"number": row.number, "deadline": row.deadline, "bureau": to.name, "level": level + 1});
            notifications::send(
                app,
                &mut tx,
                Notice {
                    to: Recipient::Bureau(to.id),
                    kind: "overdue_escalated",
                    subject_type: "hazard",
                    subject_id: row.id,
                    params,
                    link: format!("/hazards/{}", row.id),
                    dedup_key: format!("overdue_escalated:{}:{}", row.id, level + 1),
                },
            )
            .await?;
            swept.escalations += 1;
        }
        // At the top of the reporting line there is nowhere further to go.
        row.escalation_due_on =
            ((row.escalations as usize) < above.len()).then(|| next_escalation(&d, deadline, row.escalations));
        row.version = expected + 1;
        row.updated_at = app.clock.now().as_micros();
        row.updated_by = system.username.clone();
        if !store::update(&mut tx, &row, expected).await? {
            continue;
        }
        let change = Change::new("hazard.escalate", "hazard", row.id).region(row.region_code.clone(), None);
        let after =
            json!({"escalations": row.escalations, "escalated_to": row.escalated_to, "next": row.escalation_due_on});
        audit::record(app, &mut tx, &system, change.before(json!({"escalations": before})).after(after)).await?;
        tx.commit().await?;
    }

    let late_before = today.saturating_sub(time::Duration::days(d.review_days)).to_string();
    for h in store::reviews_waiting_since(&app.db, &late_before, SWEEP_BATCH).await? {
        let Some(bureau) = lines.of(app, &h.region_code).await?.0.clone() else { continue };
        let mut tx = app.db.begin().await?;
        let submitted = h.evidence_submitted_on.clone().unwrap_or_default();
        if notifications::send(
            app,
            &mut tx,
            Notice {
                to: Recipient::Bureau(bureau.id),
                kind: "review_late",
                subject_type: "hazard",
                subject_id: h.id,
                params: json!({"number": h.number, "submitted_on": submitted}),
                link: format!("/hazards/{}", h.id),
                dedup_key: format!("review_late:{}:{submitted}", h.id),
            },
        )
        .await?
        {
            swept.late_reviews += 1;
        }
        tx.commit().await?;
    }
    Ok(swept)
}
