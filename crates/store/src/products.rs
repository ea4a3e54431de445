//! Products on the enterprise file: what an enterprise makes or sells, one row per name and
//! model. Reads take the owning enterprise's visibility (region scope, or its own users).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::enterprises::{Visibility, visible};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProductRow {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    /// Catalogue code of the product category.
    pub category_code: String,
    pub name: String,
    /// Brand or trademark.
    pub brand: Option<String>,
    /// Model or specification; empty when the product has none.
    pub model: String,
    /// Executive standard, e.g. `GB/T 5023`.
    pub standard: Option<String>,
    /// Annual output as stated (a number with its unit, or text).
    pub annual_output: Option<String>,
    /// `in_production` or `stopped`.
    pub status: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

const COLUMNS: &str = "p.id, p.enterprise_id, p.category_code, p.name, p.brand, p.model, p.standard, p.annual_output, \
     p.status, p.version, p.created_at, p.updated_at, p.updated_by";

/// `(sql, args)`: the product's enterprise is visible.
fn visible_product(v: &Visibility) -> (String, Vec<Arg>) {
    let (cond, args) = visible(v);
    (format!("p.enterprise_id IN (SELECT e.id FROM enterprises e WHERE {cond})"), args)
}

pub async fn insert(tx: &mut Tx, p: &ProductRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO products (id, enterprise_id, category_code, name, brand, model, standard, annual_output, status, version, \
         created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            p.id, p.enterprise_id, &p.category_code, &p.name, p.brand.clone(), &p.model, p.standard.clone(),
            p.annual_output.clone(), &p.status, p.version, p.created_at, p.updated_at, &p.updated_by
        ],
    )
    .await?;
    // The enterprise is found by its products' names.
    crate::search::refresh(tx, &[p.enterprise_id]).await
}

/// Writes every mutable column if the stored version is still `expected_version`.
pub async fn update(tx: &mut Tx, p: &ProductRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE products SET category_code = ?, name = ?, brand = ?, model = ?, standard = ?, annual_output = ?, status = ?, \
             version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![
                &p.category_code, &p.name, p.brand.clone(), &p.model, p.standard.clone(), p.annual_output.clone(), &p.status,
                p.version, p.updated_at, &p.updated_by, p.id, expected_version
            ],
        )
        .await?;
    if n == 1 {
        crate::search::refresh(tx, &[p.enterprise_id]).await?;
    }
    Ok(n == 1)
}

pub async fn get(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Option<ProductRow>, StoreError> {
    let (cond, mut a) = visible_product(v);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM products p WHERE p.id = ? AND {cond}"), args).await
}

pub async fn get_for_update(tx: &mut Tx, v: &Visibility<'_>, id: Uuid) -> Result<Option<ProductRow>, StoreError> {
    let (cond, mut a) = visible_product(v);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM products p WHERE p.id = ? AND {cond}{lock}"), args).await
}

/// An enterprise's products by name and model (the caller has checked the enterprise is visible).
pub async fn of_enterprise(db: &Db, enterprise_id: Uuid) -> Result<Vec<ProductRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {COLUMNS} FROM products p WHERE p.enterprise_id = ? ORDER BY p.name, p.model"),
        args![enterprise_id],
    )
    .await
}

/// Unscoped: the products of these enterprises (imports decide insert or update).
pub async fn of_enterprises(db: &Db, ids: &[Uuid]) -> Result<Vec<ProductRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let args: Vec<Arg> = chunk.iter().map(|id| Arg::from(*id)).collect();
        out.extend(
            db.fetch_all::<ProductRow>(
                &format!("SELECT {COLUMNS} FROM products p WHERE p.enterprise_id IN ({marks})"),
                args,
            )
            .await?,
        );
    }
    Ok(out)
}
