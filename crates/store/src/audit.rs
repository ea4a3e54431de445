//! Storage of the audit chain: appending inside the caller's transaction (the head row is
//! locked and moved in the same transaction), scoped reading for the viewer, and the
//! ordered scan `audit verify` walks.

use futures::TryStreamExt;
use serde::Serialize;
use touchstone_domain::jurisdiction::{BureauScope, Scope};
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::scope::{bureau_condition, condition};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub id: Uuid,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub os_user: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub region_code: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub key_id: String,
    pub prev_mac: String,
    pub mac: String,
}

const COLUMNS: &str = "a.seq, a.id, a.at, a.actor_id, a.actor_name, a.os_user, a.ip, a.user_agent, a.action, a.entity_type, \
     a.entity_id, a.region_code, a.organisation_id, a.before_json, a.after_json, a.key_id, a.prev_mac, a.mac";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeadRow {
    pub seq: i64,
    pub mac: String,
    pub signature: String,
}

/// Reads the chain head and locks it for the rest of the transaction.
pub async fn lock_head(tx: &mut Tx) -> Result<HeadRow, StoreError> {
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_one(&format!("SELECT seq, mac, signature FROM audit_head WHERE id = 1{lock}"), vec![]).await
}

pub async fn head(db: &Db) -> Result<HeadRow, StoreError> {
    db.fetch_optional_primary("SELECT seq, mac, signature FROM audit_head WHERE id = 1", vec![])
        .await?
        .ok_or_else(|| StoreError::Data("audit_head row is missing".into()))
}

pub async fn insert(tx: &mut Tx, r: &AuditRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_entries (seq, id, at, actor_id, actor_name, os_user, ip, user_agent, action, entity_type, entity_id, \
         region_code, organisation_id, before_json, after_json, key_id, prev_mac, mac) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            r.seq, r.id, r.at, r.actor_id, &r.actor_name, r.os_user.clone(), r.ip.clone(), r.user_agent.clone(), &r.action,
            &r.entity_type, r.entity_id.clone(), r.region_code.clone(), r.organisation_id, r.before_json.clone(),
            r.after_json.clone(), &r.key_id, &r.prev_mac, &r.mac
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_head(tx: &mut Tx, seq: i64, mac: &str, signature: &str) -> Result<(), StoreError> {
    tx.execute("UPDATE audit_head SET seq = ?, mac = ?, signature = ? WHERE id = 1", args![seq, mac, signature])
        .await?;
    Ok(())
}

/// Streams every entry in sequence order to `each` (constant memory, whatever the size).
pub async fn scan<F>(db: &Db, mut each: F) -> Result<(), StoreError>
where
    F: FnMut(AuditRow) -> Result<(), StoreError>,
{
    let sql = format!("SELECT {COLUMNS} FROM audit_entries a ORDER BY a.seq");
    match db {
        Db::Sqlite { reader, .. } => {
            let mut rows = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql)).fetch(reader);
            while let Some(r) = rows.try_next().await? {
                each(r)?;
            }
        }
        Db::Postgres { primary, .. } => {
            let mut rows = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql)).fetch(primary);
            while let Some(r) = rows.try_next().await? {
                each(r)?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Entries the actor may read: those of regions in the jurisdiction or of bureaus in the
/// subtree.
pub async fn list(
    db: &Db,
    bureaus: &BureauScope,
    regions: &Scope,
    filter: &AuditFilter,
    window: &Window,
) -> Result<Page<AuditRow>, StoreError> {
    let (r, mut args) = condition("a.region_code", regions);
    let (b, mut a2) = bureau_condition("a.organisation_id", bureaus);
    args.append(&mut a2);
    let mut from_where = format!("FROM audit_entries a WHERE (({r}) OR ({b}))");
    if let Some(actor) = filter.actor.as_deref().filter(|s| !s.trim().is_empty()) {
        from_where.push_str(" AND LOWER(a.actor_name) LIKE ? ESCAPE '\\'");
        args.push(Arg::from(crate::dialect::contains_pattern(actor.trim())));
    }
    if let Some(t) = filter.entity_type.as_deref().filter(|s| !s.is_empty()) {
        from_where.push_str(" AND a.entity_type = ?");
        args.push(Arg::from(t));
    }
    if let Some(t) = filter.entity_id.as_deref().filter(|s| !s.is_empty()) {
        from_where.push_str(" AND a.entity_id = ?");
        args.push(Arg::from(t));
    }
    if let Some(t) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        from_where.push_str(" AND a.action = ?");
        args.push(Arg::from(t));
    }
    if let Some(f) = filter.from {
        from_where.push_str(" AND a.at >= ?");
        args.push(Arg::from(f));
    }
    if let Some(t) = filter.to {
        from_where.push_str(" AND a.at < ?");
        args.push(Arg::from(t));
    }
    fetch_page(db, COLUMNS, &from_where, args, window, "a.seq").await
}
