//! Candidates for similar-hazard suggestions (R-HAZ-4): recent hazards of the reader's scope
//! and samples of the shared bank whose category is in the same branch or whose wording
//! contains one of a few of the probe's token pairs. The ranking is `domain::similar`'s.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::enterprises::Visibility;
use crate::list::{Page, Window, fetch_page};
use crate::scope::condition;
use crate::{Arg, Db, StoreError, Tx, args};

/// Most candidates one suggestion ranks, from the ledger and from the bank each.
pub const CANDIDATES: i64 = 500;

/// A hazard of the ledger as a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LedgerCandidate {
    pub id: Uuid,
    pub number: String,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub region_code: String,
    pub category_code: Option<String>,
    pub product: Option<String>,
    pub level: String,
    pub description: String,
    pub found_on: String,
    pub status: String,
}

/// A typical hazard of the shared bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SampleRow {
    pub id: Uuid,
    /// The ledger hazard it was promoted from (readable only in that hazard's jurisdiction).
    pub hazard_id: Uuid,
    pub category_code: Option<String>,
    pub product: Option<String>,
    pub level: String,
    /// The text with the enterprise's details removed.
    pub description: String,
    pub organisation_id: Option<Uuid>,
    pub promoted_by: String,
    pub created_at: i64,
}

const SAMPLE_COLUMNS: &str = "s.id, s.hazard_id, s.category_code, s.product, s.level, s.description, s.organisation_id, \
     s.promoted_by, s.created_at";

/// `(sql, args)`: `{a}.category_code` in the branch of `category`, or the description contains
/// one of `pairs`.
fn prefilter(a: &str, category: Option<&str>, pairs: &[String]) -> (String, Vec<Arg>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    if let Some(branch) = category.and_then(|c| c.split('.').next()).filter(|b| !b.is_empty()) {
        parts.push(format!("{a}.category_code LIKE ? ESCAPE '\\'"));
        args.push(Arg::from(format!("{}%", crate::dialect::escape_like(branch))));
    }
    for p in pairs {
        parts.push(format!("{a}.description LIKE ? ESCAPE '\\'"));
        args.push(Arg::from(crate::dialect::contains_pattern(p)));
    }
    if parts.is_empty() {
        return ("1 = 0".into(), args);
    }
    (format!("({})", parts.join(" OR ")), args)
}

/// Recent hazards of the scope (never voided, never `except`) passing the prefilter.
pub async fn ledger_candidates(
    db: &Db,
    v: &Visibility<'_>,
    category: Option<&str>,
    pairs: &[String],
    except: Option<Uuid>,
) -> Result<Vec<LedgerCandidate>, StoreError> {
    let (scope, mut args) = condition("h.region_code", v.regions);
    let (filter, mut more) = prefilter("h", category, pairs);
    args.append(&mut more);
    args.push(Arg::from(except.unwrap_or_else(Uuid::nil)));
    db.fetch_all(
        &format!(
            "SELECT h.id, h.number, h.enterprise_id, e.name AS enterprise_name, h.region_code, h.category_code, h.product, \
             h.level, h.description, h.found_on, h.status FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id \
             WHERE ({scope}) AND {filter} AND h.status <> 'voided' AND h.id <> ? ORDER BY h.found_on DESC, h.id \
             LIMIT {CANDIDATES}"
        ),
        args,
    )
    .await
}

/// Samples of the bank passing the prefilter.
pub async fn sample_candidates(
    db: &Db,
    category: Option<&str>,
    pairs: &[String],
) -> Result<Vec<SampleRow>, StoreError> {
    let (filter, args) = prefilter("s", category, pairs);
    db.fetch_all(
        &format!(
            "SELECT {SAMPLE_COLUMNS} FROM hazard_samples s WHERE {filter} ORDER BY s.created_at DESC LIMIT {CANDIDATES}"
        ),
        args,
    )
    .await
}

pub async fn insert_sample(tx: &mut Tx, s: &SampleRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO hazard_samples (id, hazard_id, category_code, product, level, description, organisation_id, promoted_by, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            s.id, s.hazard_id, s.category_code.clone(), s.product.clone(), &s.level, &s.description, s.organisation_id,
            &s.promoted_by, s.created_at
        ],
    )
    .await?;
    Ok(())
}

/// The sample promoted from `hazard_id`, if any.
pub async fn sample_of(db: &Db, hazard_id: Uuid) -> Result<Option<SampleRow>, StoreError> {
    db.fetch_optional(&format!("SELECT {SAMPLE_COLUMNS} FROM hazard_samples s WHERE s.hazard_id = ?"), args![hazard_id])
        .await
}

/// The bank, filtered by text and category, for every bureau.
pub async fn samples(
    db: &Db,
    text: Option<&str>,
    category: Option<&str>,
    window: &Window,
) -> Result<Page<SampleRow>, StoreError> {
    let mut from_where = "FROM hazard_samples s WHERE 1 = 1".to_string();
    let mut args = Vec::new();
    if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
        from_where.push_str(" AND s.description LIKE ? ESCAPE '\\'");
        args.push(Arg::from(crate::dialect::contains_pattern(t)));
    }
    if let Some(c) = category.map(str::trim).filter(|c| !c.is_empty()) {
        from_where.push_str(" AND s.category_code LIKE ? ESCAPE '\\'");
        args.push(Arg::from(format!("{}%", crate::dialect::escape_like(c))));
    }
    fetch_page(db, SAMPLE_COLUMNS, &from_where, args, window, "s.id").await
}
