//! Enterprises' self-inspections (R-SELF-1, R-SELF-2): a draft the enterprise fills against
//! its checklist, then submits. Regional data of the enterprise's region; an enterprise's own
//! users see theirs. The checklist rules live in `domain::checklist`; this module stores.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bulk::{Insert, insert_all};
use crate::enterprises::Visibility;
use crate::list::{Page, Window, fetch_page};
use crate::scope::{condition, subtree};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SelfInspectionRow {
    pub id: Uuid,
    /// Human-readable number, e.g. `ZC-360121-2026-000012`.
    pub number: String,
    pub enterprise_id: Uuid,
    /// The enterprise's region when the self-inspection was started.
    pub region_code: String,
    pub campaign_id: Option<Uuid>,
    /// `draft` or `submitted`.
    pub status: String,
    /// Space-separated enterprise types the checklist was chosen for.
    pub enterprise_types: String,
    /// Space-separated catalogue codes the checklist was chosen for.
    pub category_codes: String,
    /// JSON array of answers: `{item, result, note, plan, deadline}`.
    pub answers: String,
    /// A major quality-safety risk the enterprise reports beyond its failed items.
    pub major_risk: Option<String>,
    /// The enterprise's person responsible for rectifying what it found.
    pub responsible_person: Option<String>,
    pub submitted_on: Option<String>,
    pub submitted_at: Option<i64>,
    pub submitted_by: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

/// A self-inspection with its enterprise's name, as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SelfInspectionListRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub self_inspection: SelfInspectionRow,
    pub enterprise_name: String,
}

const COLUMNS: &str = "s.id, s.number, s.enterprise_id, s.region_code, s.campaign_id, s.status, s.enterprise_types, \
     s.category_codes, s.answers, s.major_risk, s.responsible_person, s.submitted_on, s.submitted_at, s.submitted_by, \
     s.version, s.created_at, s.updated_at, s.updated_by";

/// `(sql, args)`: in the region scope, or of the actor's own enterprise.
fn visible(v: &Visibility) -> (String, Vec<Arg>) {
    let (r, mut args) = condition("s.region_code", v.regions);
    match v.own {
        Some(id) => {
            args.push(Arg::from(id));
            (format!("(({r}) OR s.enterprise_id = ?)"), args)
        }
        None => (format!("({r})"), args),
    }
}

impl Insert for SelfInspectionRow {
    const TABLE: &'static str = "self_inspections";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "number",
        "enterprise_id",
        "region_code",
        "campaign_id",
        "status",
        "enterprise_types",
        "category_codes",
        "answers",
        "major_risk",
        "responsible_person",
        "submitted_on",
        "submitted_at",
        "submitted_by",
        "version",
        "created_at",
        "updated_at",
        "updated_by",
    ];

    fn values(&self) -> Vec<Arg> {
        let s = self;
        args![
            s.id,
            &s.number,
            s.enterprise_id,
            &s.region_code,
            s.campaign_id,
            &s.status,
            &s.enterprise_types,
            &s.category_codes,
            &s.answers,
            s.major_risk.clone(),
            s.responsible_person.clone(),
            s.submitted_on.clone(),
            s.submitted_at,
            s.submitted_by.clone(),
            s.version,
            s.created_at,
            s.updated_at,
            &s.updated_by
        ]
    }
}

pub async fn insert(tx: &mut Tx, s: &SelfInspectionRow) -> Result<(), StoreError> {
    insert_all(tx, std::slice::from_ref(s)).await?;
    Ok(())
}

/// Writes what filling and submitting change if the stored version is still `expected`.
pub async fn update(tx: &mut Tx, s: &SelfInspectionRow, expected: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE self_inspections SET status = ?, answers = ?, major_risk = ?, responsible_person = ?, submitted_on = ?, \
             submitted_at = ?, submitted_by = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![
                &s.status, &s.answers, s.major_risk.clone(), s.responsible_person.clone(), s.submitted_on.clone(),
                s.submitted_at, s.submitted_by.clone(), s.version, s.updated_at, &s.updated_by, s.id, expected
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn get(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Option<SelfInspectionRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM self_inspections s WHERE s.id = ? AND {cond}"), args).await
}

pub async fn get_for_update(
    tx: &mut Tx,
    v: &Visibility<'_>,
    id: Uuid,
) -> Result<Option<SelfInspectionRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM self_inspections s WHERE s.id = ? AND {cond}{lock}"), args).await
}

/// The enterprise's draft for the campaign (or without one), if it has started one.
pub async fn draft_of(
    db: &Db,
    enterprise_id: Uuid,
    campaign_id: Option<Uuid>,
) -> Result<Option<SelfInspectionRow>, StoreError> {
    let (campaign_cond, mut args) = match campaign_id {
        Some(c) => ("s.campaign_id = ?", args![c]),
        None => ("s.campaign_id IS NULL", args![]),
    };
    let mut all = args![enterprise_id];
    all.append(&mut args);
    db.fetch_optional(
        &format!(
            "SELECT {COLUMNS} FROM self_inspections s WHERE s.enterprise_id = ? AND {campaign_cond} AND s.status = 'draft' \
             ORDER BY s.created_at DESC LIMIT 1"
        ),
        all,
    )
    .await
}

/// What a list of self-inspections filters by. Dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, Default)]
pub struct SelfInspectionFilter {
    /// Number or enterprise name contains.
    pub text: Option<String>,
    /// The region and every region under it.
    pub region_code: Option<String>,
    pub status: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    /// Submitted on or after / on or before.
    pub submitted_from: Option<String>,
    pub submitted_to: Option<String>,
    /// Only those reporting a major risk.
    pub major_risk: bool,
}

pub async fn list(
    db: &Db,
    v: &Visibility<'_>,
    f: &SelfInspectionFilter,
    window: &Window,
) -> Result<Page<SelfInspectionListRow>, StoreError> {
    let (cond, mut args) = visible(v);
    let mut from_where = format!("FROM self_inspections s JOIN enterprises e ON e.id = s.enterprise_id WHERE {cond}");
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        from_where.push_str(" AND (s.number LIKE ? ESCAPE '\\' OR e.name LIKE ? ESCAPE '\\')");
        let pattern = crate::dialect::contains_pattern(t);
        args.push(Arg::from(pattern.to_uppercase()));
        args.push(Arg::from(pattern));
    }
    if let Some(r) = &f.region_code {
        let (c, mut a) = subtree("s.region_code", r);
        from_where.push_str(&format!(" AND {c}"));
        args.append(&mut a);
    }
    if let Some(s) = &f.status {
        from_where.push_str(" AND s.status = ?");
        args.push(Arg::from(s));
    }
    for (col, val) in [("s.campaign_id", f.campaign_id), ("s.enterprise_id", f.enterprise_id)] {
        if let Some(v) = val {
            from_where.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::from(v));
        }
    }
    if let Some(d) = &f.submitted_from {
        from_where.push_str(" AND s.submitted_on >= ?");
        args.push(Arg::from(d));
    }
    if let Some(d) = &f.submitted_to {
        from_where.push_str(" AND s.submitted_on <= ?");
        args.push(Arg::from(d));
    }
    if f.major_risk {
        from_where.push_str(" AND (s.major_risk IS NOT NULL OR EXISTS (SELECT 1 FROM hazards h WHERE h.source_id = s.id AND h.level = 'major'))");
    }
    fetch_page(db, &format!("{COLUMNS}, e.name AS enterprise_name"), &from_where, args, window, "s.id").await
}
