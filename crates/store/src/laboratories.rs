//! The laboratory registry: test institutions with their accreditation and approved test
//! scope. Like certification bodies, a registry every regulator reads; changes are checked
//! against the jurisdiction by the caller.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LaboratoryRow {
    pub id: Uuid,
    pub name: String,
    /// CNAS accreditation number, `CNAS L1234`.
    pub accreditation_number: String,
    /// CMA (检验检测机构资质认定) certificate number.
    pub cma_number: Option<String>,
    pub region_code: String,
    /// Space-separated product-category codes of the approved test scope.
    pub scope: String,
    /// Standards and parameters of the approved scope, as written.
    pub scope_text: Option<String>,
    /// `active`, `suspended` or `revoked`.
    pub status: String,
    pub version: i64,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
}

const COLUMNS: &str = "l.id, l.name, l.accreditation_number, l.cma_number, l.region_code, l.scope, l.scope_text, l.status, \
     l.version, l.created_at, l.created_by, l.updated_at, l.updated_by";

pub async fn insert(tx: &mut Tx, l: &LaboratoryRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO laboratories (id, name, accreditation_number, cma_number, region_code, scope, scope_text, status, version, \
         created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            l.id, &l.name, &l.accreditation_number, l.cma_number.clone(), &l.region_code, &l.scope, l.scope_text.clone(),
            &l.status, l.version, l.created_at, &l.created_by, l.updated_at, &l.updated_by
        ],
    )
    .await?;
    Ok(())
}

/// Writes every mutable column if the stored version is still `expected_version`.
pub async fn update(tx: &mut Tx, l: &LaboratoryRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE laboratories SET name = ?, accreditation_number = ?, cma_number = ?, region_code = ?, scope = ?, scope_text = ?, \
             status = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![
                &l.name, &l.accreditation_number, l.cma_number.clone(), &l.region_code, &l.scope, l.scope_text.clone(), &l.status,
                l.version, l.updated_at, &l.updated_by, l.id, expected_version
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<LaboratoryRow>, StoreError> {
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM laboratories l WHERE l.id = ?"), args![id]).await
}

pub async fn get_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<LaboratoryRow>, StoreError> {
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM laboratories l WHERE l.id = ?{lock}"), args![id]).await
}

#[derive(Debug, Clone, Default)]
pub struct LaboratoryFilter {
    /// Name or accreditation number contains this text.
    pub text: Option<String>,
    pub status: Option<String>,
    /// In this region or below it.
    pub region_code: Option<String>,
    /// Approved for this product category (or one under it).
    pub category: Option<String>,
}

pub async fn list(db: &Db, f: &LaboratoryFilter, window: &Window) -> Result<Page<LaboratoryRow>, StoreError> {
    let mut args = Vec::new();
    let mut from_where = "FROM laboratories l WHERE 1=1".to_string();
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        from_where
            .push_str(" AND (LOWER(l.name) LIKE ? ESCAPE '\\' OR LOWER(l.accreditation_number) LIKE ? ESCAPE '\\')");
        let p = crate::dialect::contains_pattern(t);
        args.extend([Arg::from(&p), Arg::from(&p)]);
    }
    if let Some(s) = &f.status {
        from_where.push_str(" AND l.status = ?");
        args.push(Arg::from(s));
    }
    if let Some(r) = &f.region_code {
        let (cond, mut a) = crate::scope::subtree("l.region_code", r);
        from_where.push_str(&format!(" AND {cond}"));
        args.append(&mut a);
    }
    if let Some(c) = &f.category {
        // Laboratories whose scope names the category, one of its ancestors, or a part of it.
        let mut codes = vec![c.clone()];
        let mut rest = c.as_str();
        while let Some((parent, _)) = rest.rsplit_once('.') {
            codes.push(parent.to_string());
            rest = parent;
        }
        let escape = |s: &str| s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let mut alternatives: Vec<String> = codes.iter().map(|code| format!("% {} %", escape(code))).collect();
        alternatives.push(format!("% {}.%", escape(c)));
        let likes = vec!["(' ' || l.scope || ' ') LIKE ? ESCAPE '\\'"; alternatives.len()].join(" OR ");
        from_where.push_str(&format!(" AND ({likes})"));
        args.extend(alternatives.into_iter().map(Arg::from));
    }
    fetch_page(db, COLUMNS, &from_where, args, window, "l.id").await
}
