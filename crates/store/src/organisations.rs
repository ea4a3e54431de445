//! Bureaus, their jurisdictions (sets of region roots) and their place in the reporting line.

use serde::Serialize;
use touchstone_domain::jurisdiction::BureauScope;
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::scope::bureau_condition;
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub region_code: String,
    pub parent_id: Option<Uuid>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

const COLUMNS: &str =
    "o.id, o.code, o.name, o.name_en, o.region_code, o.parent_id, o.version, o.created_at, o.updated_at, o.updated_by";

#[derive(sqlx::FromRow)]
struct RegionCodeRow {
    region_code: String,
}

pub async fn insert(tx: &mut Tx, o: &OrganisationRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO organisations (id, code, name, name_en, region_code, parent_id, version, created_at, updated_at, updated_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![o.id, &o.code, &o.name, &o.name_en, &o.region_code, o.parent_id, o.version, o.created_at, o.updated_at, &o.updated_by],
    )
    .await?;
    Ok(())
}

/// Writes `o` if the stored version is still `expected_version`; false when it is not.
pub async fn update(tx: &mut Tx, o: &OrganisationRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE organisations SET name = ?, name_en = ?, parent_id = ?, version = ?, updated_at = ?, updated_by = ? \
             WHERE id = ? AND version = ?",
            args![&o.name, &o.name_en, o.parent_id, o.version, o.updated_at, &o.updated_by, o.id, expected_version],
        )
        .await?;
    Ok(n == 1)
}

/// Replaces the jurisdiction roots of an organisation.
pub async fn set_jurisdiction(tx: &mut Tx, id: Uuid, roots: &[String]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM organisation_regions WHERE organisation_id = ?", args![id]).await?;
    for code in roots {
        tx.execute("INSERT INTO organisation_regions (organisation_id, region_code) VALUES (?, ?)", args![id, code])
            .await?;
    }
    Ok(())
}

pub async fn jurisdiction(db: &Db, id: Uuid) -> Result<Vec<String>, StoreError> {
    let rows: Vec<RegionCodeRow> = db
        .fetch_all(
            "SELECT region_code FROM organisation_regions WHERE organisation_id = ? ORDER BY region_code",
            args![id],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.region_code).collect())
}

/// One organisation inside the actor's bureau scope; `None` when absent or outside.
pub async fn get(db: &Db, scope: &BureauScope, id: Uuid) -> Result<Option<OrganisationRow>, StoreError> {
    let (cond, mut a) = bureau_condition("o.id", scope);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM organisations o WHERE o.id = ? AND {cond}"), args).await
}

/// The same, inside a write transaction (reads the row the update will check).
pub async fn get_for_update(tx: &mut Tx, scope: &BureauScope, id: Uuid) -> Result<Option<OrganisationRow>, StoreError> {
    let (cond, mut a) = bureau_condition("o.id", scope);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM organisations o WHERE o.id = ? AND {cond}{lock}"), args).await
}

/// Unscoped lookup for system work (seeding, CLI as the system account).
pub async fn find_by_code(db: &Db, code: &str) -> Result<Option<OrganisationRow>, StoreError> {
    db.fetch_optional_primary(&format!("SELECT {COLUMNS} FROM organisations o WHERE o.code = ?"), args![code]).await
}

/// Unscoped lookup by id (the actor's own bureau, resolved at sign-in).
pub async fn find(db: &Db, id: Uuid) -> Result<Option<OrganisationRow>, StoreError> {
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM organisations o WHERE o.id = ?"), args![id]).await
}

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub text: Option<String>,
    pub region_code: Option<String>,
}

pub async fn list(
    db: &Db,
    scope: &BureauScope,
    filter: &OrganisationFilter,
    window: &Window,
) -> Result<Page<OrganisationRow>, StoreError> {
    let (cond, mut args) = bureau_condition("o.id", scope);
    let mut from_where = format!("FROM organisations o WHERE {cond}");
    if let Some(t) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        from_where.push_str(" AND (LOWER(o.name) LIKE ? ESCAPE '\\' OR LOWER(o.name_en) LIKE ? ESCAPE '\\' OR o.code LIKE ? ESCAPE '\\')");
        let p = crate::dialect::contains_pattern(t.trim());
        args.extend([Arg::from(&p), Arg::from(&p), Arg::from(&p)]);
    }
    if let Some(r) = filter.region_code.as_deref().filter(|r| !r.is_empty()) {
        from_where.push_str(" AND o.region_code = ?");
        args.push(Arg::from(r));
    }
    fetch_page(db, COLUMNS, &from_where, args, window, "o.id").await
}

/// Every organisation (system work: seeding and the demo).
pub async fn count(db: &Db) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct N {
        n: i64,
    }
    let n: Option<N> = db.fetch_optional_primary("SELECT COUNT(*) AS n FROM organisations", vec![]).await?;
    Ok(n.map(|n| n.n).unwrap_or(0))
}

/// The bureaus whose jurisdiction has one of `codes` as a root, each with that root: the
/// caller picks the deepest (the bureau responsible for a region).
pub async fn with_roots(db: &Db, codes: &[&str]) -> Result<Vec<(OrganisationRow, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Rooted {
        #[sqlx(flatten)]
        organisation: OrganisationRow,
        root: String,
    }
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; codes.len()].join(", ");
    let rows: Vec<Rooted> = db
        .fetch_all(
            &format!(
                "SELECT {COLUMNS}, r.region_code AS root FROM organisations o \
                 JOIN organisation_regions r ON r.organisation_id = o.id WHERE r.region_code IN ({marks}) ORDER BY o.code"
            ),
            codes.iter().map(|c| Arg::from(*c)).collect(),
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.organisation, r.root)).collect())
}
