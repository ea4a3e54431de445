//! The ledger's search index (ADR 0005): `enterprise_search` holds each enterprise's
//! searchable fields as tokens, refreshed in the transaction that changes the enterprise, its
//! categories or its products; each engine's full-text index (FTS5 / GIN tsvector) answers a
//! phrase query over it. Derived data: rebuilt from the ledger after a restore.

use std::collections::HashMap;

use touchstone_domain::catalogue::catalogue;
use touchstone_domain::search::{code_document, document};
use uuid::Uuid;

use crate::{Arg, StoreError, Tx, args};

pub use crate::dialect::FullText;

#[derive(sqlx::FromRow)]
struct Source {
    id: Uuid,
    uscc: String,
    name: String,
    legal_representative: String,
    address: String,
    industrial_park: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Product {
    enterprise_id: Uuid,
    name: String,
}

#[derive(sqlx::FromRow)]
struct Category {
    enterprise_id: Uuid,
    category_code: String,
}

/// How many enterprises one statement reads or writes.
const CHUNK: usize = 400;

/// Re-indexes the given enterprises from what the transaction sees now.
pub async fn refresh(tx: &mut Tx, ids: &[Uuid]) -> Result<(), StoreError> {
    for chunk in ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let ids: Vec<Arg> = chunk.iter().map(|id| Arg::from(*id)).collect();
        let sources: Vec<Source> = tx
            .fetch_all(
                &format!(
                    "SELECT id, uscc, name, legal_representative, address, industrial_park FROM enterprises WHERE id IN ({marks})"
                ),
                ids.clone(),
            )
            .await?;
        let categories: Vec<Category> = tx
            .fetch_all(
                &format!(
                    "SELECT enterprise_id, category_code FROM enterprise_categories WHERE enterprise_id IN ({marks}) \
                     ORDER BY enterprise_id, category_code"
                ),
                ids,
            )
            .await?;
        let products: Vec<Product> = tx
            .fetch_all(
                &format!("SELECT enterprise_id, name FROM products WHERE enterprise_id IN ({marks}) ORDER BY enterprise_id, name"),
                chunk.iter().map(|id| Arg::from(*id)).collect(),
            )
            .await?;
        let mut codes: HashMap<Uuid, Vec<String>> = HashMap::new();
        for c in categories {
            codes.entry(c.enterprise_id).or_default().push(c.category_code);
        }
        let mut names: HashMap<Uuid, Vec<String>> = HashMap::new();
        for p in products {
            names.entry(p.enterprise_id).or_default().push(p.name);
        }
        let docs: Vec<Doc> = sources
            .iter()
            .map(|s| {
                let categories = codes.get(&s.id).map(Vec::as_slice).unwrap_or_default();
                let products = names.get(&s.id).map(Vec::as_slice).unwrap_or_default();
                let park = s.industrial_park.as_deref();
                let e =
                    Fields { uscc: &s.uscc, name: &s.name, person: &s.legal_representative, address: &s.address, park };
                Doc::of(s.id, &e, categories, products)
            })
            .collect();
        write(tx, &docs).await?;
    }
    Ok(())
}

/// One enterprise's row of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    enterprise_id: Uuid,
    code: String,
    name: String,
    person: String,
    address: String,
    products: String,
}

impl Doc {
    /// The index row of an enterprise from its fields, its category codes (found by their
    /// catalogue names) and its products' names.
    pub fn of(id: Uuid, e: &Fields, categories: &[String], products: &[String]) -> Doc {
        let mut goods: Vec<&str> = categories.iter().filter_map(|c| catalogue().get(c)).map(|c| c.name).collect();
        goods.extend(products.iter().map(String::as_str));
        Doc {
            enterprise_id: id,
            code: code_document(e.uscc),
            name: document(e.name),
            person: document(e.person),
            address: document(&format!("{} {}", e.address, e.park.unwrap_or(""))),
            products: document(&goods.join(" ")),
        }
    }
}

/// The searchable fields of an enterprise.
pub struct Fields<'a> {
    pub uscc: &'a str,
    pub name: &'a str,
    pub person: &'a str,
    pub address: &'a str,
    pub park: Option<&'a str>,
}

/// Writes index rows, replacing any the enterprises had.
pub async fn write(tx: &mut Tx, docs: &[Doc]) -> Result<(), StoreError> {
    for chunk in docs.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let ids: Vec<Arg> = chunk.iter().map(|d| Arg::from(d.enterprise_id)).collect();
        tx.execute(&format!("DELETE FROM enterprise_search WHERE enterprise_id IN ({marks})"), ids).await?;
    }
    insert(tx, docs).await
}

/// The columns of an index row as the application writes them.
const COLUMNS: &str = "enterprise_id, code, name, person, address, products";

fn rows_of(docs: &[Doc]) -> Vec<Vec<Arg>> {
    docs.iter().map(|d| args![d.enterprise_id, &d.code, &d.name, &d.person, &d.address, &d.products]).collect()
}

async fn insert(tx: &mut Tx, docs: &[Doc]) -> Result<(), StoreError> {
    let columns: Vec<&str> = COLUMNS.split(", ").collect();
    crate::bulk::insert_rows(tx, "enterprise_search", &columns, rows_of(docs)).await?;
    Ok(())
}

/// Starts a bulk load of new enterprises in `tx`: their index rows wait in a temporary table
/// ([`insert_deferred`]) and [`end_bulk`] indexes them in one statement. SQLite's FTS5 writes
/// a segment of its index at every statement that touches it and merges the segments as they
/// pile up; in a transaction that also writes a million enterprises, their history and their
/// contacts, those merges re-read pages the cache had let go and took three quarters of an
/// import's time. One statement at the end lets FTS5 build its segments from memory.
pub async fn begin_bulk(tx: &mut Tx) -> Result<(), StoreError> {
    tx.execute(
        "CREATE TEMPORARY TABLE enterprise_search_pending (enterprise_id UUID NOT NULL, code TEXT NOT NULL, \
         name TEXT NOT NULL, person TEXT NOT NULL, address TEXT NOT NULL, products TEXT NOT NULL)",
        vec![],
    )
    .await?;
    Ok(())
}

/// Writes the index rows of new enterprises inside a bulk load ([`begin_bulk`]).
pub async fn insert_deferred(tx: &mut Tx, docs: &[Doc]) -> Result<(), StoreError> {
    let columns: Vec<&str> = COLUMNS.split(", ").collect();
    crate::bulk::insert_rows(tx, "enterprise_search_pending", &columns, rows_of(docs)).await?;
    Ok(())
}

/// Ends a bulk load: indexes the waiting rows and drops the temporary table.
pub async fn end_bulk(tx: &mut Tx) -> Result<(), StoreError> {
    tx.execute(
        &format!("INSERT INTO enterprise_search ({COLUMNS}) SELECT {COLUMNS} FROM enterprise_search_pending"),
        vec![],
    )
    .await?;
    tx.execute("DROP TABLE enterprise_search_pending", vec![]).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Id {
    id: Uuid,
}

/// Rebuilds the whole index from the ledger inside `tx` (after a restore). Returns how many
/// enterprises were indexed.
pub async fn rebuild(tx: &mut Tx) -> Result<usize, StoreError> {
    let ids: Vec<Id> = tx.fetch_all("SELECT id FROM enterprises ORDER BY id", vec![]).await?;
    tx.execute("DELETE FROM enterprise_search", vec![]).await?;
    let ids: Vec<Uuid> = ids.into_iter().map(|i| i.id).collect();
    refresh(tx, &ids).await?;
    Ok(ids.len())
}
