//! Key-product lists that regions define (R-CAT-2) and their items. A list is regional data:
//! reads and writes go through the actor's `Scope`, plus the regions above the jurisdiction
//! whose lists it inherits (read only).

use serde::{Deserialize, Serialize};
use touchstone_domain::jurisdiction::Scope;
use uuid::Uuid;

use crate::scope::condition;
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct KeyListRow {
    pub id: Uuid,
    pub name: String,
    pub year: i64,
    /// The campaign or document the list belongs to, as free text.
    pub campaign: Option<String>,
    /// The shipped list this one adds to, e.g. `jiangxi-2022`.
    pub extends_list: Option<String>,
    /// GB/T 2260 code of the region the list applies to (and every region below it).
    pub region_code: String,
    /// The bureau that defined it.
    pub organisation_id: Option<Uuid>,
    pub version: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct KeyItemRow {
    pub id: Uuid,
    pub list_id: Uuid,
    pub category_code: String,
    pub note: Option<String>,
    pub added_by: String,
    pub added_at: i64,
}

const COLUMNS: &str = "l.id, l.name, l.year, l.campaign, l.extends_list, l.region_code, l.organisation_id, l.version, \
     l.created_by, l.created_at, l.updated_by, l.updated_at";
const ITEM_COLUMNS: &str = "i.id, i.list_id, i.category_code, i.note, i.added_by, i.added_at";

/// `(sql, args)`: lists in `scope`, or of one of `inherited` regions (the regions above).
fn readable(scope: &Scope, inherited: &[String]) -> (String, Vec<Arg>) {
    let (cond, mut args) = condition("l.region_code", scope);
    if inherited.is_empty() {
        return (format!("({cond})"), args);
    }
    let marks = vec!["?"; inherited.len()].join(", ");
    args.extend(inherited.iter().map(Arg::from));
    (format!("(({cond}) OR l.region_code IN ({marks}))"), args)
}

pub async fn insert(tx: &mut Tx, l: &KeyListRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO key_product_lists (id, name, year, campaign, extends_list, region_code, organisation_id, version, created_by, \
         created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            l.id, &l.name, l.year, l.campaign.clone(), l.extends_list.clone(), &l.region_code, l.organisation_id, l.version,
            &l.created_by, l.created_at, &l.updated_by, l.updated_at
        ],
    )
    .await?;
    Ok(())
}

/// Writes the editable columns and the version if the stored version is still `expected`.
pub async fn update(tx: &mut Tx, l: &KeyListRow, expected: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE key_product_lists SET name = ?, campaign = ?, version = ?, updated_by = ?, updated_at = ? \
             WHERE id = ? AND version = ?",
            args![&l.name, l.campaign.clone(), l.version, &l.updated_by, l.updated_at, l.id, expected],
        )
        .await?;
    Ok(n == 1)
}

/// One list the actor may read: in the scope or inherited from a region above.
pub async fn get(db: &Db, scope: &Scope, inherited: &[String], id: Uuid) -> Result<Option<KeyListRow>, StoreError> {
    let (cond, mut a) = readable(scope, inherited);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM key_product_lists l WHERE l.id = ? AND {cond}"), args).await
}

/// One list in the scope (the ones the actor may change), locked for the transaction.
pub async fn get_for_update(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<Option<KeyListRow>, StoreError> {
    let (cond, mut a) = condition("l.region_code", scope);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM key_product_lists l WHERE l.id = ? AND ({cond}){lock}"), args)
        .await
}

/// Every list the actor may read, by year (newest first), region and name.
pub async fn list(db: &Db, scope: &Scope, inherited: &[String]) -> Result<Vec<KeyListRow>, StoreError> {
    let (cond, args) = readable(scope, inherited);
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM key_product_lists l WHERE {cond} ORDER BY l.year DESC, l.region_code, l.name, l.id"
        ),
        args,
    )
    .await
}

/// Unscoped: the lists of these regions for one year (the effective key products of a region).
pub async fn of_regions(db: &Db, regions: &[String], year: i64) -> Result<Vec<KeyListRow>, StoreError> {
    if regions.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; regions.len()].join(", ");
    let mut args: Vec<Arg> = regions.iter().map(Arg::from).collect();
    args.push(Arg::from(year));
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM key_product_lists l WHERE l.region_code IN ({marks}) AND l.year = ? ORDER BY l.id"
        ),
        args,
    )
    .await
}

pub async fn items(db: &Db, list_id: Uuid) -> Result<Vec<KeyItemRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {ITEM_COLUMNS} FROM key_product_list_items i WHERE i.list_id = ? ORDER BY i.category_code"),
        args![list_id],
    )
    .await
}

/// The items of several lists at once.
pub async fn items_of(db: &Db, list_ids: &[Uuid]) -> Result<Vec<KeyItemRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in list_ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let args: Vec<Arg> = chunk.iter().map(|id| Arg::from(*id)).collect();
        out.extend(
            db.fetch_all::<KeyItemRow>(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM key_product_list_items i WHERE i.list_id IN ({marks}) \
                     ORDER BY i.list_id, i.category_code"
                ),
                args,
            )
            .await?,
        );
    }
    Ok(out)
}

pub async fn insert_item(tx: &mut Tx, i: &KeyItemRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO key_product_list_items (id, list_id, category_code, note, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
        args![i.id, i.list_id, &i.category_code, i.note.clone(), &i.added_by, i.added_at],
    )
    .await?;
    Ok(())
}

/// Removes one item; returns the removed row, `None` when the list has no such item.
pub async fn delete_item(tx: &mut Tx, list_id: Uuid, category_code: &str) -> Result<Option<KeyItemRow>, StoreError> {
    let row: Option<KeyItemRow> = tx
        .fetch_optional(
            &format!("SELECT {ITEM_COLUMNS} FROM key_product_list_items i WHERE i.list_id = ? AND i.category_code = ?"),
            args![list_id, category_code],
        )
        .await?;
    if row.is_some() {
        tx.execute(
            "DELETE FROM key_product_list_items WHERE list_id = ? AND category_code = ?",
            args![list_id, category_code],
        )
        .await?;
    }
    Ok(row)
}
