//! The hazard ledger (隐患台账) and each hazard's event history. A hazard is regional data of
//! the region its enterprise had when it was found; an enterprise's own users see theirs.
//! No lifecycle rules here: `domain::hazard` decides, this module stores.

use serde::{Deserialize, Serialize};
use touchstone_domain::hazard::Status;
use uuid::Uuid;

use crate::bulk::{Insert, insert_all};
use crate::enterprises::Visibility;
use crate::list::{Page, PageFrom, WALK_SORT_INDEX_FROM, Window, fetch_planned_page};
use crate::scope::{condition, listed, regions_to_list, subtree};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HazardRow {
    pub id: Uuid,
    /// Human-readable number, e.g. `YH-360121-2022-000042`.
    pub number: String,
    pub enterprise_id: Uuid,
    /// The enterprise's region when the hazard was found.
    pub region_code: String,
    pub campaign_id: Option<Uuid>,
    /// `self_inspection`, `inspection`, `spot_check`, `certification_audit`, `risk_signal`,
    /// `complaint` or `archive`.
    pub source: String,
    /// The self-inspection, inspection or other record the hazard was found in.
    pub source_id: Option<Uuid>,
    pub category_code: Option<String>,
    pub product: Option<String>,
    /// `general` or `major`.
    pub level: String,
    pub description: String,
    /// The provisions it breaches (违反的规定), e.g. `《中华人民共和国产品质量法》第十三条`;
    /// empty when none was given.
    #[serde(default)]
    pub legal_basis: String,
    pub found_on: String,
    /// The rectification deadline in force (extended ones included).
    pub deadline: String,
    /// The deadline first set.
    pub original_deadline: String,
    pub responsible_person: String,
    /// Space-separated user ids of whoever found it (never its reviewer, R-AUTH-3).
    pub found_by: String,
    /// Their names, `、`-separated, for display.
    pub found_by_names: String,
    /// `open`, `rectifying`, `evidence_submitted`, `closed` or `voided`.
    pub status: String,
    /// The enterprise's rectification plan.
    pub plan: Option<String>,
    /// When the evidence now waiting for review was submitted.
    pub evidence_submitted_on: Option<String>,
    /// A deadline the enterprise asked for and no officer has answered yet.
    pub extension_requested_to: Option<String>,
    pub extensions_granted: i64,
    /// How many bureaus above the responsible one it has been escalated to.
    pub escalations: i64,
    /// The bureau it was last escalated to.
    pub escalated_to: Option<Uuid>,
    /// When the next escalation falls due while the hazard stays overdue; none at the top.
    pub escalation_due_on: Option<String>,
    /// A refusal to rectify was referred for an enforcement case.
    pub referred_to_case: bool,
    /// `review_passed`, `corrected_on_spot`, `enterprise_gone` or `archived`.
    pub closed_because: Option<String>,
    pub closed_on: Option<String>,
    pub version: i64,
    pub created_at: i64,
    /// When the row last changed, an escalation included.
    pub updated_at: i64,
    /// When its status, deadline or closing last changed: the instant of its last event other
    /// than an escalation (which changes neither). Reports "as of" an instant read a hazard's
    /// history only when this falls after it, so escalating long-overdue hazards does not send
    /// every report to their histories.
    pub state_changed_at: i64,
    pub updated_by: String,
}

/// A hazard with its enterprise's name, as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HazardListRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub hazard: HazardRow,
    pub enterprise_name: String,
}

/// One step of a hazard's history: who did what, when, from which status to which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HazardEventRow {
    pub id: Uuid,
    pub hazard_id: Uuid,
    pub seq: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub at: i64,
    /// The date it took effect, in the bureau's zone.
    pub on_date: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    /// An officer recorded it on the enterprise's behalf.
    pub on_behalf: bool,
    pub note: Option<String>,
    pub deadline_before: Option<String>,
    pub deadline_after: Option<String>,
    /// Space-separated ids of the attachments (evidence) it brought.
    pub attachment_ids: Option<String>,
    /// For an escalation: the bureau it went to.
    pub organisation_id: Option<Uuid>,
}

/// The live statuses ([`Status::is_open`]) as an SQL list, written as the live hazards'
/// partial indexes (migrations 0019 and 0020) write their condition: a query uses them only if it
/// repeats it.
const LIVE_STATUSES: &str = "('open', 'rectifying', 'evidence_submitted')";

const COLUMNS: &str = "h.id, h.number, h.enterprise_id, h.region_code, h.campaign_id, h.source, h.source_id, \
     h.category_code, h.product, h.level, h.description, h.legal_basis, h.found_on, h.deadline, h.original_deadline, \
     h.responsible_person, h.found_by, h.found_by_names, h.status, h.plan, h.evidence_submitted_on, \
     h.extension_requested_to, h.extensions_granted, h.escalations, h.escalated_to, h.escalation_due_on, h.referred_to_case, \
     h.closed_because, h.closed_on, h.version, h.created_at, h.updated_at, h.state_changed_at, h.updated_by";

const EVENT_COLUMNS: &str = "ev.id, ev.hazard_id, ev.seq, ev.action, ev.from_status, ev.to_status, ev.at, ev.on_date, \
     ev.actor_id, ev.actor_name, ev.on_behalf, ev.note, ev.deadline_before, ev.deadline_after, ev.attachment_ids, \
     ev.organisation_id";

/// `(sql, args)`: the hazard is in the region scope, or of the actor's own enterprise.
fn visible(v: &Visibility) -> (String, Vec<Arg>) {
    visible_on("h.region_code", v)
}

/// [`visible`] with the hazard's region written as `region` (see [`list`]).
fn visible_on(region: &str, v: &Visibility) -> (String, Vec<Arg>) {
    let (r, mut args) = condition(region, v.regions);
    match v.own {
        Some(id) => {
            args.push(Arg::from(id));
            (format!("(({r}) OR h.enterprise_id = ?)"), args)
        }
        None => (format!("({r})"), args),
    }
}

impl Insert for HazardRow {
    const TABLE: &'static str = "hazards";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "number",
        "enterprise_id",
        "region_code",
        "campaign_id",
        "source",
        "source_id",
        "category_code",
        "product",
        "level",
        "description",
        "legal_basis",
        "found_on",
        "deadline",
        "original_deadline",
        "responsible_person",
        "found_by",
        "found_by_names",
        "status",
        "plan",
        "evidence_submitted_on",
        "extension_requested_to",
        "extensions_granted",
        "escalations",
        "escalated_to",
        "escalation_due_on",
        "referred_to_case",
        "closed_because",
        "closed_on",
        "version",
        "created_at",
        "updated_at",
        "state_changed_at",
        "updated_by",
    ];

    fn values(&self) -> Vec<Arg> {
        let h = self;
        args![
            h.id,
            &h.number,
            h.enterprise_id,
            &h.region_code,
            h.campaign_id,
            &h.source,
            h.source_id,
            h.category_code.clone(),
            h.product.clone(),
            &h.level,
            &h.description,
            &h.legal_basis,
            &h.found_on,
            &h.deadline,
            &h.original_deadline,
            &h.responsible_person,
            &h.found_by,
            &h.found_by_names,
            &h.status,
            h.plan.clone(),
            h.evidence_submitted_on.clone(),
            h.extension_requested_to.clone(),
            h.extensions_granted,
            h.escalations,
            h.escalated_to,
            h.escalation_due_on.clone(),
            h.referred_to_case,
            h.closed_because.clone(),
            h.closed_on.clone(),
            h.version,
            h.created_at,
            h.updated_at,
            h.state_changed_at,
            &h.updated_by
        ]
    }
}

pub async fn insert(tx: &mut Tx, h: &HazardRow) -> Result<(), StoreError> {
    insert_all(tx, std::slice::from_ref(h)).await?;
    Ok(())
}

/// Writes the columns the lifecycle changes if the stored version is still `expected`.
pub async fn update(tx: &mut Tx, h: &HazardRow, expected: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE hazards SET deadline = ?, status = ?, plan = ?, evidence_submitted_on = ?, extension_requested_to = ?, \
             extensions_granted = ?, escalations = ?, escalated_to = ?, escalation_due_on = ?, referred_to_case = ?, closed_because = ?, closed_on = ?, \
             version = ?, updated_at = ?, state_changed_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![
                &h.deadline, &h.status, h.plan.clone(), h.evidence_submitted_on.clone(), h.extension_requested_to.clone(),
                h.extensions_granted, h.escalations, h.escalated_to, h.escalation_due_on.clone(), h.referred_to_case, h.closed_because.clone(),
                h.closed_on.clone(), h.version, h.updated_at, h.state_changed_at, &h.updated_by, h.id, expected
            ],
        )
        .await?;
    Ok(n == 1)
}

impl Insert for HazardEventRow {
    const TABLE: &'static str = "hazard_events";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "hazard_id",
        "seq",
        "action",
        "from_status",
        "to_status",
        "at",
        "on_date",
        "actor_id",
        "actor_name",
        "on_behalf",
        "note",
        "deadline_before",
        "deadline_after",
        "attachment_ids",
        "organisation_id",
    ];

    fn values(&self) -> Vec<Arg> {
        let e = self;
        args![
            e.id,
            e.hazard_id,
            e.seq,
            &e.action,
            e.from_status.clone(),
            &e.to_status,
            e.at,
            &e.on_date,
            e.actor_id,
            &e.actor_name,
            e.on_behalf,
            e.note.clone(),
            e.deadline_before.clone(),
            e.deadline_after.clone(),
            e.attachment_ids.clone(),
            e.organisation_id
        ]
    }
}

pub async fn insert_event(tx: &mut Tx, e: &HazardEventRow) -> Result<(), StoreError> {
    insert_all(tx, std::slice::from_ref(e)).await?;
    Ok(())
}

pub async fn get(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Option<HazardRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM hazards h WHERE h.id = ? AND {cond}"), args).await
}

pub async fn get_for_update(tx: &mut Tx, v: &Visibility<'_>, id: Uuid) -> Result<Option<HazardRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM hazards h WHERE h.id = ? AND {cond}{lock}"), args).await
}

/// A hazard's history, oldest first (the caller has checked the hazard is visible).
pub async fn events(db: &Db, hazard_id: Uuid) -> Result<Vec<HazardEventRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {EVENT_COLUMNS} FROM hazard_events ev WHERE ev.hazard_id = ? ORDER BY ev.seq"),
        args![hazard_id],
    )
    .await
}

/// The same inside a transaction (the next event's sequence and who submitted evidence).
pub async fn events_tx(tx: &mut Tx, hazard_id: Uuid) -> Result<Vec<HazardEventRow>, StoreError> {
    tx.fetch_all(
        &format!("SELECT {EVENT_COLUMNS} FROM hazard_events ev WHERE ev.hazard_id = ? ORDER BY ev.seq"),
        args![hazard_id],
    )
    .await
}

#[derive(sqlx::FromRow)]
struct Counter {
    n: i64,
}

/// What a ledger list filters by. Dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, Default)]
pub struct HazardFilter {
    /// Number or description contains.
    pub text: Option<String>,
    /// The region and every region under it.
    pub region_code: Option<String>,
    pub status: Option<String>,
    pub level: Option<String>,
    pub source: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    /// Found in this self-inspection, inspection or other record.
    pub source_id: Option<Uuid>,
    /// Open or rectifying with a deadline before this date (overdue as of it).
    pub overdue_on: Option<String>,
    /// Evidence submitted on or before this date and still waiting for review.
    pub review_due_by: Option<String>,
    /// Escalated to this bureau.
    pub escalated_to: Option<Uuid>,
    pub found_from: Option<String>,
    pub found_to: Option<String>,
}

pub async fn list(
    db: &Db,
    v: &Visibility<'_>,
    f: &HazardFilter,
    window: &Window,
) -> Result<Page<HazardListRow>, StoreError> {
    let engine = db.engine();
    // The regions the list reads, as a list of codes: the filter's subtree, or else the
    // viewer's jurisdiction. Each region is then sought on the region index's next columns
    // (status, level, …). The jurisdiction's own condition stays, kept out of SQLite's choice
    // of index entries: offered its one range (a whole province), SQLite read every hazard in
    // it to count ten thousand rectifying ones, where seeking each region's read only those.
    let listed =
        regions_to_list(f.region_code.as_deref(), v.regions, v.own.is_some()).map(|c| listed("h.region_code", c));
    let (cond, mut args) = match listed {
        Some(_) => visible_on(&crate::dialect::not_an_index_key(engine, "h.region_code"), v),
        None => visible(v),
    };
    let mut filters = cond;
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = crate::dialect::contains_pattern(t);
        // A number is ASCII (`YH-360121-2026-000042`): wording with Chinese in it is looked for
        // in descriptions only.
        if t.is_ascii() {
            filters.push_str(" AND (h.number LIKE ? ESCAPE '\\' OR h.description LIKE ? ESCAPE '\\')");
            args.push(Arg::from(pattern.to_uppercase()));
        } else {
            filters.push_str(" AND h.description LIKE ? ESCAPE '\\'");
        }
        args.push(Arg::from(pattern));
    }
    if let Some((c, mut a)) = listed {
        filters.push_str(&format!(" AND {c}"));
        args.append(&mut a);
    }
    for (col, val) in [("h.status", &f.status), ("h.level", &f.level), ("h.source", &f.source)] {
        if let Some(v) = val {
            filters.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::from(v));
        }
    }
    for (col, val) in [
        ("h.campaign_id", f.campaign_id),
        ("h.enterprise_id", f.enterprise_id),
        ("h.source_id", f.source_id),
        ("h.escalated_to", f.escalated_to),
    ] {
        if let Some(v) = val {
            filters.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::from(v));
        }
    }
    // A level without a status: every status is named, so SQLite seeks each region's statuses
    // for the level on the region index (region, status, level, …) instead of reading all the
    // region's hazards to count them (a county's major hazards: 8 ms → under 1).
    if f.level.is_some() && f.status.is_none() && f.overdue_on.is_none() && f.review_due_by.is_none() {
        let every: Vec<String> = Status::ALL.iter().map(|s| format!("'{}'", s.code())).collect();
        filters.push_str(&format!(" AND h.status IN ({})", every.join(", ")));
    }
    if let Some(d) = &f.overdue_on {
        filters.push_str(" AND h.status IN ('open', 'rectifying') AND h.deadline < ?");
        args.push(Arg::from(d));
    }
    if let Some(d) = &f.review_due_by {
        filters.push_str(" AND h.status = 'evidence_submitted' AND h.evidence_submitted_on <= ?");
        args.push(Arg::from(d));
    }
    if let Some(d) = &f.found_from {
        filters.push_str(" AND h.found_on >= ?");
        args.push(Arg::from(d));
    }
    if let Some(d) = &f.found_to {
        filters.push_str(" AND h.found_on <= ?");
        args.push(Arg::from(d));
    }
    // A list of live hazards only may walk the live hazards' indexes (migration 0020); the
    // page then repeats their condition, which a query must to use them. The count does not:
    // offered the partial index, it would read all of it.
    let live_only = f.status.as_deref().is_some_and(|s| Status::parse(s).is_some_and(Status::is_open))
        || f.overdue_on.is_some()
        || f.review_due_by.is_some();
    // With plenty of matches, the page walks the index of its sort column (which carries the
    // common filters) and stops after its rows; with few, the filters' own indexes find them
    // and they are sorted. Ties go by identifier in the sort's direction, the order the walked
    // indexes hold them in (migration 0020), so a walk never sorts a day's hazards.
    let walk = match (window.sort, live_only) {
        ("h.found_on", false) => Some("hazards_list_found"),
        ("h.found_on", true) => Some("hazards_live_found"),
        ("h.deadline", false) => Some("hazards_list_deadline"),
        ("h.deadline", true) => Some("hazards_live_deadline"),
        _ => None,
    };
    let page_from_where = |total: i64| match walk {
        Some(index) if total >= WALK_SORT_INDEX_FROM => {
            let indexed = crate::dialect::indexed_by(engine, index);
            let live = if live_only { format!(" AND h.status IN {LIVE_STATUSES}") } else { String::new() };
            PageFrom::Rows(format!(
                "FROM hazards h{indexed} JOIN enterprises e ON e.id = h.enterprise_id WHERE {filters}{live}"
            ))
        }
        _ => PageFrom::KeysFirst {
            table: "hazards h",
            joins: " JOIN enterprises e ON e.id = h.enterprise_id",
            filters: filters.clone(),
            key: "h.id",
        },
    };
    let count_from_where = format!("FROM hazards h WHERE {filters}");
    fetch_planned_page(
        db,
        &format!("{COLUMNS}, e.name AS enterprise_name"),
        &count_from_where,
        page_from_where,
        args,
        window,
        if window.descending { "h.id DESC" } else { "h.id" },
    )
    .await
}

/// Unscoped, for the sweep: open or rectifying hazards whose next escalation falls due on
/// or before `today`.
pub async fn escalations_due(db: &Db, today: &str, limit: i64) -> Result<Vec<HazardRow>, StoreError> {
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM hazards h WHERE h.escalation_due_on <= ? AND h.status IN ('open', 'rectifying') \
             ORDER BY h.escalation_due_on, h.id LIMIT {limit}"
        ),
        args![today],
    )
    .await
}

/// Unscoped, for the sweep: open or rectifying hazards whose deadline falls in `[from, to]`.
pub async fn due_between(db: &Db, from: &str, to: &str, limit: i64) -> Result<Vec<HazardRow>, StoreError> {
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM hazards h WHERE h.status IN ('open', 'rectifying') AND h.deadline >= ? AND h.deadline <= ? \
             ORDER BY h.deadline, h.id LIMIT {limit}"
        ),
        args![from, to],
    )
    .await
}

/// Unscoped, for the sweep: evidence waiting for review since before `before`.
pub async fn reviews_waiting_since(db: &Db, before: &str, limit: i64) -> Result<Vec<HazardRow>, StoreError> {
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM hazards h WHERE h.status = 'evidence_submitted' AND h.evidence_submitted_on < ? \
             ORDER BY h.evidence_submitted_on, h.id LIMIT {limit}"
        ),
        args![before],
    )
    .await
}

/// The status hazard `{a}` had at the start of the cut-off date D, as its history was known
/// before the instant `known_before` — the one place this rule is written (METHODS §1 "as of",
/// R-HAZ-3). It is the `to_status` of its last event (by sequence) recorded before
/// `known_before` and taking effect before D: an event takes effect on its own date, except
/// a closing, which takes effect on the hazard's `closed_on` (the found date when corrected on
/// the spot). A hazard found before D but recorded later, with no step before D, was open.
/// Shortcut: a hazard whose state has not changed since before both instants
/// ([`HazardRow::state_changed_at`]) has its current status. `(sql, args)`.
pub(crate) fn status_as_of(a: &str, cutoff_date: &str, cutoff_at: i64, known_before: i64) -> (String, Vec<Arg>) {
    (
        format!(
            "(CASE WHEN {a}.state_changed_at < ? THEN {a}.status ELSE COALESCE((SELECT ev.to_status FROM hazard_events ev \
             WHERE ev.hazard_id = {a}.id AND ev.at < ? AND (CASE WHEN ev.to_status = 'closed' THEN {a}.closed_on ELSE ev.on_date END) < ? \
             ORDER BY ev.seq DESC LIMIT 1), 'open') END)"
        ),
        args![cutoff_at.min(known_before), known_before, cutoff_date],
    )
}

/// The rectification deadline in force for hazard `{a}` at the start of D, as known before
/// `known_before`: the last granted extension by then, else the deadline first set (METHODS
/// §3: overdue counts from the extended deadline). `(sql, args)`.
pub(crate) fn deadline_as_of(a: &str, cutoff_date: &str, cutoff_at: i64, known_before: i64) -> (String, Vec<Arg>) {
    (
        format!(
            "(CASE WHEN {a}.state_changed_at < ? THEN {a}.deadline ELSE COALESCE((SELECT ev.deadline_after FROM hazard_events ev \
             WHERE ev.hazard_id = {a}.id AND ev.deadline_after IS NOT NULL AND ev.at < ? AND ev.on_date < ? \
             ORDER BY ev.seq DESC LIMIT 1), {a}.original_deadline) END)"
        ),
        args![cutoff_at.min(known_before), known_before, cutoff_date],
    )
}

/// The hazards of campaign `campaign_id` (METHODS §2): those whose source record — a
/// self-inspection, inspection or spot check — belongs to it. `(sql, args)`.
pub(crate) fn of_campaign(a: &str, campaign_id: Uuid) -> (String, Vec<Arg>) {
    (
        format!("({a}.campaign_id = ? AND {a}.source IN ('self_inspection', 'inspection', 'spot_check'))"),
        args![campaign_id],
    )
}

/// Hazard `{a}` was recorded before `known_before` and had not been voided by then ("voided
/// hazards never count", METHODS §2: voiding corrects the record). `(sql, args)`.
///
/// The history is read only for a hazard voided now, and as a count, not `NOT EXISTS`:
/// PostgreSQL turns a `NOT EXISTS` under `OR` into one hash of every voided event in the
/// database, built for each statement — most of a county's report (139 of 145 ms on 458,000
/// hazards) — where a scalar subquery runs only for the rows that reach it.
pub(crate) fn counts_as_known(a: &str, known_before: i64) -> (String, Vec<Arg>) {
    (
        format!(
            "({a}.created_at < ? AND ({a}.status <> 'voided' OR (SELECT COUNT(*) FROM hazard_events vd \
             WHERE vd.hazard_id = {a}.id AND vd.to_status = 'voided' AND vd.at < ?) = 0))"
        ),
        args![known_before, known_before],
    )
}

/// The count of hazards in `region_code`'s subtree (within the actor's scope) found before
/// the cut-off date `cutoff` and still open at its start (动态清零, R-HAZ-3), rebuilt from the
/// event history as it was known at the cut-off instant ([`status_as_of`]); of one campaign
/// ([`of_campaign`]) when given.
pub async fn open_at_cutoff(
    db: &Db,
    v: &Visibility<'_>,
    region_code: &str,
    campaign_id: Option<Uuid>,
    cutoff_date: &str,
    cutoff_at: i64,
) -> Result<i64, StoreError> {
    let (cond, mut args) = visible(v);
    let (sub, sub_args) = subtree("h.region_code", region_code);
    let (known, known_args) = counts_as_known("h", cutoff_at);
    let (status, status_args) = status_as_of("h", cutoff_date, cutoff_at, cutoff_at);
    args.extend(sub_args);
    args.push(Arg::from(cutoff_date));
    args.extend(known_args);
    args.extend(status_args);
    let mut sql = format!(
        "SELECT COUNT(*) AS n FROM hazards h WHERE {cond} AND {sub} AND h.found_on < ? AND {known} \
         AND {status} IN {LIVE_STATUSES}"
    );
    if let Some(c) = campaign_id {
        let (camp, camp_args) = of_campaign("h", c);
        sql.push_str(&format!(" AND {camp}"));
        args.extend(camp_args);
    }
    let c: Option<Counter> = db.fetch_optional(&sql, args).await?;
    Ok(c.map(|c| c.n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_status_list_is_the_domain_s_open_statuses_as_the_partial_indexes_write_them() {
        let open: Vec<String> = Status::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.code())).collect();
        assert_eq!(LIVE_STATUSES, format!("({})", open.join(", ")));
        for migration in [
            include_str!("../migrations/0019_live_hazard_indexes.sql"),
            include_str!("../migrations/0020_hazard_list_indexes.sql"),
        ] {
            assert_eq!(migration.matches(&format!("WHERE status IN {LIVE_STATUSES};")).count(), 2, "{migration}");
        }
    }
}
