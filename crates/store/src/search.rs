//! The ledger's search index (ADR 0005): `enterprise_search` holds each enterprise's
//! searchable fields as tokens, refreshed in the transaction that changes the enterprise, its
//! categories or its products; each engine's full-text index (FTS5 / GIN tsvector) answers a
//! phrase query over it. Derived data: rebuilt from the ledger after a restore.

use std::collections::HashMap;

use touchstone_domain::catalogue::catalogue;
use touchstone_domain::search::{code_document, document};
use uuid::Uuid;

use crate::{Arg, StoreError, Tx, args};

pub use crate::dialect::full_text_ids;

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
        let mut products: HashMap<Uuid, Vec<&'static str>> = HashMap::new();
        for c in &categories {
            if let Some(cat) = catalogue().get(&c.category_code) {
                products.entry(c.enterprise_id).or_default().push(cat.name);
            }
        }
        for s in &sources {
            let products = products.get(&s.id).map(|names| names.join(" ")).unwrap_or_default();
            let address = match &s.industrial_park {
                Some(park) => format!("{} {park}", s.address),
                None => s.address.clone(),
            };
            write(tx, s.id, &s.uscc, &s.name, &s.legal_representative, &address, &products).await?;
        }
    }
    Ok(())
}

async fn write(
    tx: &mut Tx,
    id: Uuid,
    code: &str,
    name: &str,
    person: &str,
    address: &str,
    products: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO enterprise_search (enterprise_id, code, name, person, address, products) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (enterprise_id) DO UPDATE SET code = excluded.code, name = excluded.name, person = excluded.person, \
         address = excluded.address, products = excluded.products",
        args![id, code_document(code), document(name), document(person), document(address), document(products)],
    )
    .await?;
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
