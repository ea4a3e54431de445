//! Special campaigns (专项行动), their stages and reporting schedule, and the supervision
//! actions taken on regions. A campaign is published downward: an officer reads the
//! campaigns of the jurisdiction and of the regions above it, and changes only the former.

use serde::{Deserialize, Serialize};
use touchstone_domain::jurisdiction::Scope;
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::scope::condition;
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CampaignRow {
    pub id: Uuid,
    /// Human-readable number, e.g. `ZX-360000-2026-01`.
    pub number: String,
    pub name: String,
    /// The shipped template it was made from, e.g. `jiangxi-2022`.
    pub template: Option<String>,
    /// The issuing bureau.
    pub organisation_id: Option<Uuid>,
    pub issuing_authority: String,
    /// The region it covers (and every region under it).
    pub region_code: String,
    pub starts_on: String,
    pub ends_on: String,
    /// Space-separated catalogue codes of its key products.
    pub key_products: String,
    pub key_objects: String,
    pub key_problems: String,
    pub targets: String,
    /// `active` or `completed`.
    pub status: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

/// A stage with its deadline, or a report the schedule asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MilestoneRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub seq: i64,
    /// A stage kind (`self_inspection`, `full_coverage_inspection`, …) or a report kind
    /// (`weekly_report`, `stage_summary`, `annual_summary`).
    pub kind: String,
    pub name: String,
    pub starts_on: Option<String>,
    pub due_on: Option<String>,
}

/// A supervision action on a region of the campaign (R-CAMP-2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ActionRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub region_code: String,
    /// `reminder`, `interview`, `notice` or `listed_supervision`.
    pub kind: String,
    pub note: String,
    pub document_number: Option<String>,
    pub taken_on: String,
    pub created_at: i64,
    pub created_by: String,
}

const COLUMNS: &str = "c.id, c.number, c.name, c.template, c.organisation_id, c.issuing_authority, c.region_code, \
     c.starts_on, c.ends_on, c.key_products, c.key_objects, c.key_problems, c.targets, c.status, c.version, \
     c.created_at, c.updated_at, c.updated_by";
const MILESTONE_COLUMNS: &str = "m.id, m.campaign_id, m.seq, m.kind, m.name, m.starts_on, m.due_on";
const ACTION_COLUMNS: &str =
    "a.id, a.campaign_id, a.region_code, a.kind, a.note, a.document_number, a.taken_on, a.created_at, a.created_by";

/// Who reads which campaigns: the region scope, plus the regions above it (published down).
#[derive(Debug, Clone, Copy)]
pub struct Readers<'a> {
    pub scope: &'a Scope,
    pub above: &'a [String],
}

fn readable(r: &Readers) -> (String, Vec<Arg>) {
    r.condition("c.region_code")
}

impl Readers<'_> {
    /// `(sql, args)`: `column` is a region of the scope or one above it.
    pub(crate) fn condition(&self, column: &str) -> (String, Vec<Arg>) {
        let r = self;
        let (cond, mut args) = condition(column, r.scope);
        if r.above.is_empty() {
            return (format!("({cond})"), args);
        }
        let marks = vec!["?"; r.above.len()].join(", ");
        args.extend(r.above.iter().map(Arg::from));
        (format!("(({cond}) OR {column} IN ({marks}))"), args)
    }
}

pub async fn insert(tx: &mut Tx, c: &CampaignRow, milestones: &[MilestoneRow]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO campaigns (id, number, name, template, organisation_id, issuing_authority, region_code, starts_on, ends_on, \
         key_products, key_objects, key_problems, targets, status, version, created_at, updated_at, updated_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            c.id, &c.number, &c.name, c.template.clone(), c.organisation_id, &c.issuing_authority, &c.region_code, &c.starts_on,
            &c.ends_on, &c.key_products, &c.key_objects, &c.key_problems, &c.targets, &c.status, c.version, c.created_at,
            c.updated_at, &c.updated_by
        ],
    )
    .await?;
    for m in milestones {
        tx.execute(
            "INSERT INTO campaign_milestones (id, campaign_id, seq, kind, name, starts_on, due_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
            args![m.id, m.campaign_id, m.seq, &m.kind, &m.name, m.starts_on.clone(), m.due_on.clone()],
        )
        .await?;
    }
    Ok(())
}

pub async fn get(db: &Db, r: &Readers<'_>, id: Uuid) -> Result<Option<CampaignRow>, StoreError> {
    let (cond, mut a) = readable(r);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM campaigns c WHERE c.id = ? AND {cond}"), args).await
}

/// Unscoped (the hazard being recorded has already been checked against the jurisdiction).
pub async fn find(db: &Db, id: Uuid) -> Result<Option<CampaignRow>, StoreError> {
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM campaigns c WHERE c.id = ?"), args![id]).await
}

/// Unscoped: the campaign launched from `template` for `region` in `year`, if any.
pub async fn find_by_template(
    db: &Db,
    template: &str,
    region: &str,
    year: i32,
) -> Result<Option<CampaignRow>, StoreError> {
    db.fetch_optional(
        &format!(
            "SELECT {COLUMNS} FROM campaigns c WHERE c.template = ? AND c.region_code = ? AND c.starts_on LIKE ? \
             ORDER BY c.created_at LIMIT 1"
        ),
        args![template, region, format!("{year:04}-%")],
    )
    .await
}

pub async fn milestones(db: &Db, campaign_id: Uuid) -> Result<Vec<MilestoneRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {MILESTONE_COLUMNS} FROM campaign_milestones m WHERE m.campaign_id = ? ORDER BY m.seq"),
        args![campaign_id],
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    /// Name or number contains.
    pub text: Option<String>,
    pub status: Option<String>,
    /// Running on this date (`YYYY-MM-DD`).
    pub running_on: Option<String>,
}

pub async fn list(
    db: &Db,
    r: &Readers<'_>,
    f: &CampaignFilter,
    window: &Window,
) -> Result<Page<CampaignRow>, StoreError> {
    let (cond, mut args) = readable(r);
    let mut from_where = format!("FROM campaigns c WHERE {cond}");
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        from_where.push_str(" AND (c.name LIKE ? ESCAPE '\\' OR c.number LIKE ? ESCAPE '\\')");
        let pattern = crate::dialect::contains_pattern(t);
        args.push(Arg::from(pattern.clone()));
        args.push(Arg::from(pattern.to_uppercase()));
    }
    if let Some(s) = &f.status {
        from_where.push_str(" AND c.status = ?");
        args.push(Arg::from(s));
    }
    if let Some(d) = &f.running_on {
        from_where.push_str(" AND c.starts_on <= ? AND c.ends_on >= ?");
        args.push(Arg::from(d));
        args.push(Arg::from(d));
    }
    fetch_page(db, COLUMNS, &from_where, args, window, "c.id").await
}

pub async fn insert_action(tx: &mut Tx, a: &ActionRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO campaign_actions (id, campaign_id, region_code, kind, note, document_number, taken_on, created_at, created_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            a.id, a.campaign_id, &a.region_code, &a.kind, &a.note, a.document_number.clone(), &a.taken_on, a.created_at,
            &a.created_by
        ],
    )
    .await?;
    Ok(())
}

/// Supervision actions on the campaign's regions within `scope`, newest first.
pub async fn actions(db: &Db, scope: &Scope, campaign_id: Uuid) -> Result<Vec<ActionRow>, StoreError> {
    let (cond, mut a) = condition("a.region_code", scope);
    let mut args = args![campaign_id];
    args.append(&mut a);
    db.fetch_all(
        &format!(
            "SELECT {ACTION_COLUMNS} FROM campaign_actions a WHERE a.campaign_id = ? AND {cond} ORDER BY a.taken_on DESC, a.id DESC"
        ),
        args,
    )
    .await
}

/// A count of a campaign's hazards of one region, status and level (the progress table).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct HazardTally {
    pub region_code: String,
    pub status: String,
    pub level: String,
    pub n: i64,
}

/// The campaign's hazards in `scope`, counted by region, status and level.
pub async fn hazard_tally(db: &Db, scope: &Scope, campaign_id: Uuid) -> Result<Vec<HazardTally>, StoreError> {
    let (cond, mut a) = condition("h.region_code", scope);
    let mut args = args![campaign_id];
    args.append(&mut a);
    db.fetch_all(
        &format!(
            "SELECT h.region_code, h.status, h.level, COUNT(*) AS n FROM hazards h WHERE h.campaign_id = ? AND {cond} \
             GROUP BY h.region_code, h.status, h.level"
        ),
        args,
    )
    .await
}
