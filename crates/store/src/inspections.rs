//! On-site inspection plans (R-INSP-1) and inspection records (R-INSP-3). A plan belongs to
//! the region it covers; an inspection to its enterprise's region, and the enterprise's own
//! users read the completed ones. No rules here: the app decides, this module stores.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bulk::{Insert, insert_all};
use crate::campaigns::Readers;
use crate::enterprises::Visibility;
use crate::list::{Page, Window, fetch_page};
use crate::scope::{condition, subtree};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlanRow {
    pub id: Uuid,
    /// Human-readable number, e.g. `JC-360121-2026-0003`.
    pub number: String,
    pub name: String,
    /// `routine`, `special`, `unannounced`, `cross_region`, `joint` or `key`.
    pub kind: String,
    /// The bureau that set it up.
    pub organisation_id: Option<Uuid>,
    /// The region it covers (and every region under it).
    pub region_code: String,
    pub campaign_id: Option<Uuid>,
    /// Every target enterprise of the campaign in the region, rather than a list.
    pub full_coverage: bool,
    pub starts_on: String,
    pub ends_on: String,
    /// Other departments of a joint inspection.
    pub departments: String,
    pub note: String,
    /// `active` or `closed`.
    pub status: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InspectionRow {
    pub id: Uuid,
    /// Human-readable number, e.g. `XC-360121-2026-000042`.
    pub number: String,
    pub plan_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub enterprise_id: Uuid,
    /// The enterprise's region when it was inspected.
    pub region_code: String,
    /// `routine`, `special`, `unannounced`, `cross_region`, `joint` or `key`.
    pub kind: String,
    /// `draft` or `completed`.
    pub status: String,
    /// Imported from a legacy archive.
    pub archived: bool,
    pub archive_source: Option<String>,
    pub external_id: Option<String>,
    /// `none` (unannounced) or `given`.
    pub notice: String,
    /// When and how notice was given.
    pub notice_note: Option<String>,
    /// JSON array of `{user_id, name}`.
    pub officers: String,
    /// JSON array of expert names.
    pub experts: String,
    pub staff_present: String,
    pub place: String,
    /// Local `YYYY-MM-DDTHH:MM`.
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub inspected_on: String,
    /// JSON array of `{item, result, note}`.
    pub checklist: String,
    pub findings: String,
    pub measures: String,
    pub feedback: String,
    /// Space-separated attachment ids on the enterprise file.
    pub attachment_ids: String,
    pub completed_on: Option<String>,
    pub completed_at: Option<i64>,
    /// The phone's key for the draft, so a re-sent draft lands once.
    pub client_key: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

/// An inspection with its enterprise's name, as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InspectionListRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub inspection: InspectionRow,
    pub enterprise_name: String,
}

const PLAN_COLUMNS: &str = "p.id, p.number, p.name, p.kind, p.organisation_id, p.region_code, p.campaign_id, \
     p.full_coverage, p.starts_on, p.ends_on, p.departments, p.note, p.status, p.version, p.created_at, p.updated_at, \
     p.updated_by";

const COLUMNS: &str = "i.id, i.number, i.plan_id, i.campaign_id, i.enterprise_id, i.region_code, i.kind, i.status, \
     i.archived, i.archive_source, i.external_id, i.notice, i.notice_note, i.officers, i.experts, i.staff_present, \
     i.place, i.started_at, i.ended_at, i.inspected_on, i.checklist, i.findings, i.measures, i.feedback, \
     i.attachment_ids, i.completed_on, i.completed_at, i.client_key, i.version, i.created_at, i.updated_at, i.updated_by";

/// `(sql, args)`: in the region scope, or a completed inspection of the actor's own enterprise.
fn visible(v: &Visibility) -> (String, Vec<Arg>) {
    let (r, mut args) = condition("i.region_code", v.regions);
    match v.own {
        Some(id) => {
            args.push(Arg::from(id));
            (format!("(({r}) OR (i.enterprise_id = ? AND i.status = 'completed'))"), args)
        }
        None => (format!("({r})"), args),
    }
}

pub async fn insert_plan(tx: &mut Tx, p: &PlanRow, targets: &[Uuid]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO inspection_plans (id, number, name, kind, organisation_id, region_code, campaign_id, full_coverage, \
         starts_on, ends_on, departments, note, status, version, created_at, updated_at, updated_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            p.id, &p.number, &p.name, &p.kind, p.organisation_id, &p.region_code, p.campaign_id, p.full_coverage,
            &p.starts_on, &p.ends_on, &p.departments, &p.note, &p.status, p.version, p.created_at, p.updated_at,
            &p.updated_by
        ],
    )
    .await?;
    for t in targets {
        tx.execute("INSERT INTO inspection_plan_targets (plan_id, enterprise_id) VALUES (?, ?)", args![p.id, *t])
            .await?;
    }
    Ok(())
}

/// A plan in the scope, or set up for a region above it (a higher bureau's cross-region plan
/// is read by the regions it sends inspectors to).
pub async fn get_plan(db: &Db, r: &Readers<'_>, id: Uuid) -> Result<Option<PlanRow>, StoreError> {
    let (cond, mut a) = r.condition("p.region_code");
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {PLAN_COLUMNS} FROM inspection_plans p WHERE p.id = ? AND {cond}"), args).await
}

/// The plan's listed targets.
pub async fn plan_targets(db: &Db, plan_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Target {
        enterprise_id: Uuid,
    }
    let rows: Vec<Target> = db
        .fetch_all(
            "SELECT t.enterprise_id FROM inspection_plan_targets t WHERE t.plan_id = ? ORDER BY t.enterprise_id",
            args![plan_id],
        )
        .await?;
    Ok(rows.into_iter().map(|t| t.enterprise_id).collect())
}

/// What a list of plans filters by.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    pub text: Option<String>,
    pub kind: Option<String>,
    pub campaign_id: Option<Uuid>,
}

pub async fn list_plans(
    db: &Db,
    r: &Readers<'_>,
    f: &PlanFilter,
    window: &Window,
) -> Result<Page<PlanRow>, StoreError> {
    let (cond, mut args) = r.condition("p.region_code");
    let mut from_where = format!("FROM inspection_plans p WHERE {cond}");
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        from_where.push_str(" AND (p.number LIKE ? ESCAPE '\\' OR p.name LIKE ? ESCAPE '\\')");
        let pattern = crate::dialect::contains_pattern(t);
        args.push(Arg::from(pattern.to_uppercase()));
        args.push(Arg::from(pattern));
    }
    if let Some(k) = &f.kind {
        from_where.push_str(" AND p.kind = ?");
        args.push(Arg::from(k));
    }
    if let Some(c) = f.campaign_id {
        from_where.push_str(" AND p.campaign_id = ?");
        args.push(Arg::from(c));
    }
    fetch_page(db, PLAN_COLUMNS, &from_where, args, window, "p.id").await
}

impl Insert for InspectionRow {
    const TABLE: &'static str = "inspections";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "number",
        "plan_id",
        "campaign_id",
        "enterprise_id",
        "region_code",
        "kind",
        "status",
        "archived",
        "archive_source",
        "external_id",
        "notice",
        "notice_note",
        "officers",
        "experts",
        "staff_present",
        "place",
        "started_at",
        "ended_at",
        "inspected_on",
        "checklist",
        "findings",
        "measures",
        "feedback",
        "attachment_ids",
        "completed_on",
        "completed_at",
        "client_key",
        "version",
        "created_at",
        "updated_at",
        "updated_by",
    ];

    fn values(&self) -> Vec<Arg> {
        let i = self;
        args![
            i.id,
            &i.number,
            i.plan_id,
            i.campaign_id,
            i.enterprise_id,
            &i.region_code,
            &i.kind,
            &i.status,
            i.archived,
            i.archive_source.clone(),
            i.external_id.clone(),
            &i.notice,
            i.notice_note.clone(),
            &i.officers,
            &i.experts,
            &i.staff_present,
            &i.place,
            i.started_at.clone(),
            i.ended_at.clone(),
            &i.inspected_on,
            &i.checklist,
            &i.findings,
            &i.measures,
            &i.feedback,
            &i.attachment_ids,
            i.completed_on.clone(),
            i.completed_at,
            i.client_key.clone(),
            i.version,
            i.created_at,
            i.updated_at,
            &i.updated_by
        ]
    }
}

pub async fn insert(tx: &mut Tx, i: &InspectionRow) -> Result<(), StoreError> {
    insert_all(tx, std::slice::from_ref(i)).await?;
    Ok(())
}

/// Writes everything a draft's editing and completing change if the stored version is still
/// `expected`.
pub async fn update(tx: &mut Tx, i: &InspectionRow, expected: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE inspections SET status = ?, notice = ?, notice_note = ?, officers = ?, experts = ?, staff_present = ?, \
             place = ?, started_at = ?, ended_at = ?, inspected_on = ?, checklist = ?, findings = ?, measures = ?, \
             feedback = ?, attachment_ids = ?, completed_on = ?, completed_at = ?, version = ?, updated_at = ?, \
             updated_by = ? WHERE id = ? AND version = ?",
            args![
                &i.status, &i.notice, i.notice_note.clone(), &i.officers, &i.experts, &i.staff_present, &i.place,
                i.started_at.clone(), i.ended_at.clone(), &i.inspected_on, &i.checklist, &i.findings, &i.measures,
                &i.feedback, &i.attachment_ids, i.completed_on.clone(), i.completed_at, i.version, i.updated_at,
                &i.updated_by, i.id, expected
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn get(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Option<InspectionRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM inspections i WHERE i.id = ? AND {cond}"), args).await
}

pub async fn get_for_update(tx: &mut Tx, v: &Visibility<'_>, id: Uuid) -> Result<Option<InspectionRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM inspections i WHERE i.id = ? AND {cond}{lock}"), args).await
}

/// The inspection a phone created under `client_key`, wherever it is (the key is unique).
pub async fn by_client_key(db: &Db, client_key: &str) -> Result<Option<InspectionRow>, StoreError> {
    db.fetch_optional_primary(&format!("SELECT {COLUMNS} FROM inspections i WHERE i.client_key = ?"), args![client_key])
        .await
}

/// What a list of inspections filters by. Dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, Default)]
pub struct InspectionFilter {
    /// Number or enterprise name contains.
    pub text: Option<String>,
    pub region_code: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    pub archived: Option<bool>,
    pub inspected_from: Option<String>,
    pub inspected_to: Option<String>,
}

pub async fn list(
    db: &Db,
    v: &Visibility<'_>,
    f: &InspectionFilter,
    window: &Window,
) -> Result<Page<InspectionListRow>, StoreError> {
    let (cond, mut args) = visible(v);
    let mut from_where = format!("FROM inspections i JOIN enterprises e ON e.id = i.enterprise_id WHERE {cond}");
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        from_where.push_str(" AND (i.number LIKE ? ESCAPE '\\' OR e.name LIKE ? ESCAPE '\\')");
        let pattern = crate::dialect::contains_pattern(t);
        args.push(Arg::from(pattern.to_uppercase()));
        args.push(Arg::from(pattern));
    }
    if let Some(r) = &f.region_code {
        let (c, mut a) = subtree("i.region_code", r);
        from_where.push_str(&format!(" AND {c}"));
        args.append(&mut a);
    }
    for (col, val) in [("i.status", &f.status), ("i.kind", &f.kind)] {
        if let Some(v) = val {
            from_where.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::from(v));
        }
    }
    for (col, val) in [("i.campaign_id", f.campaign_id), ("i.plan_id", f.plan_id), ("i.enterprise_id", f.enterprise_id)]
    {
        if let Some(v) = val {
            from_where.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::from(v));
        }
    }
    if let Some(a) = f.archived {
        from_where.push_str(" AND i.archived = ?");
        args.push(Arg::from(a));
    }
    if let Some(d) = &f.inspected_from {
        from_where.push_str(" AND i.inspected_on >= ?");
        args.push(Arg::from(d));
    }
    if let Some(d) = &f.inspected_to {
        from_where.push_str(" AND i.inspected_on <= ?");
        args.push(Arg::from(d));
    }
    fetch_page(db, &format!("{COLUMNS}, e.name AS enterprise_name"), &from_where, args, window, "i.id").await
}
