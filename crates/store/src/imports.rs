//! Import jobs, their row errors, and the per-enterprise changes a bulk path records.

use serde::{Deserialize, Serialize};
use touchstone_domain::jurisdiction::BureauScope;
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::scope::bureau_condition;
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub file_name: String,
    pub file_sha256: String,
    pub strict: bool,
    /// `queued`, `validating`, `applying`, `done`, `refused`, `failed`.
    pub status: String,
    pub message: Option<String>,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub error_rows: i64,
    pub organisation_id: Option<Uuid>,
    pub region_code: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ImportErrorRow {
    pub id: Uuid,
    pub job_id: Uuid,
    pub row_number: i64,
    pub field: String,
    pub value: String,
    pub reason: String,
    /// The file of a several-file import (an archive); none for one file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ChangeRow {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub at: i64,
    pub actor_name: String,
    pub action: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub job_id: Option<Uuid>,
}

const JOB_COLUMNS: &str = "j.id, j.kind, j.file_name, j.file_sha256, j.strict, j.status, j.message, j.total_rows, j.processed_rows, \
     j.inserted, j.updated, j.unchanged, j.error_rows, j.organisation_id, j.region_code, j.created_by, j.created_at, j.updated_at";

pub async fn insert_job(db: &Db, j: &JobRow) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO import_jobs (id, kind, file_name, file_sha256, strict, status, message, total_rows, processed_rows, inserted, updated, \
         unchanged, error_rows, organisation_id, region_code, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            j.id, &j.kind, &j.file_name, &j.file_sha256, j.strict, &j.status, j.message.clone(), j.total_rows, j.processed_rows,
            j.inserted, j.updated, j.unchanged, j.error_rows, j.organisation_id, j.region_code.clone(), &j.created_by, j.created_at,
            j.updated_at
        ],
    )
    .await?;
    Ok(())
}

/// Progress outside any transaction (so a page can show it while the import runs).
pub async fn set_progress(
    db: &Db,
    id: Uuid,
    status: &str,
    processed: i64,
    total: i64,
    at: i64,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE import_jobs SET status = ?, processed_rows = ?, total_rows = ?, updated_at = ? WHERE id = ?",
        args![status, processed, total, at, id],
    )
    .await?;
    Ok(())
}

/// The outcome, inside the applying transaction (or alone for a refusal).
pub async fn finish(tx: &mut Tx, j: &JobRow) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE import_jobs SET status = ?, message = ?, total_rows = ?, processed_rows = ?, inserted = ?, updated = ?, unchanged = ?, \
         error_rows = ?, updated_at = ? WHERE id = ?",
        args![&j.status, j.message.clone(), j.total_rows, j.processed_rows, j.inserted, j.updated, j.unchanged, j.error_rows, j.updated_at, j.id],
    )
    .await?;
    Ok(())
}

pub async fn errors(db: &Db, job_id: Uuid, limit: i64) -> Result<Vec<ImportErrorRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT id, job_id, row_number, field, value, reason, file_name FROM import_errors WHERE job_id = ? ORDER BY file_name, row_number, id LIMIT {limit}"),
        args![job_id],
    )
    .await
}

pub async fn get(db: &Db, scope: &BureauScope, created_by: &str, id: Uuid) -> Result<Option<JobRow>, StoreError> {
    let (cond, mut a) = bureau_condition("j.organisation_id", scope);
    let mut args = args![id, created_by];
    args.append(&mut a);
    db.fetch_optional_primary(
        &format!("SELECT {JOB_COLUMNS} FROM import_jobs j WHERE j.id = ? AND (j.created_by = ? OR {cond})"),
        args,
    )
    .await
}

pub async fn list(db: &Db, scope: &BureauScope, created_by: &str, window: &Window) -> Result<Page<JobRow>, StoreError> {
    let (cond, mut a) = bureau_condition("j.organisation_id", scope);
    let mut args = args![created_by];
    args.append(&mut a);
    fetch_page(db, JOB_COLUMNS, &format!("FROM import_jobs j WHERE (j.created_by = ? OR {cond})"), args, window, "j.id")
        .await
}

pub async fn insert_change(tx: &mut Tx, c: &ChangeRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO enterprise_changes (id, enterprise_id, at, actor_name, action, before_json, after_json, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        args![c.id, c.enterprise_id, c.at, &c.actor_name, &c.action, c.before_json.clone(), c.after_json.clone(), c.job_id],
    )
    .await?;
    Ok(())
}

/// Writes an import's row errors in multi-row statements.
pub async fn insert_errors(tx: &mut Tx, errors: &[ImportErrorRow]) -> Result<(), StoreError> {
    const COLUMNS: [&str; 7] = ["id", "job_id", "row_number", "field", "value", "reason", "file_name"];
    let rows: Vec<Vec<Arg>> = errors
        .iter()
        .map(|e| args![e.id, e.job_id, e.row_number, &e.field, &e.value, &e.reason, e.file_name.clone()])
        .collect();
    crate::bulk::insert_rows(tx, "import_errors", &COLUMNS, rows).await?;
    Ok(())
}

/// Writes many history rows in multi-row statements (an import's new enterprises).
pub async fn insert_changes(tx: &mut Tx, changes: &[ChangeRow]) -> Result<(), StoreError> {
    const COLUMNS: [&str; 8] =
        ["id", "enterprise_id", "at", "actor_name", "action", "before_json", "after_json", "job_id"];
    let rows: Vec<Vec<Arg>> = changes
        .iter()
        .map(|c| {
            args![
                c.id,
                c.enterprise_id,
                c.at,
                &c.actor_name,
                &c.action,
                c.before_json.clone(),
                c.after_json.clone(),
                c.job_id
            ]
        })
        .collect();
    crate::bulk::insert_rows(tx, "enterprise_changes", &COLUMNS, rows).await?;
    Ok(())
}

pub async fn changes(db: &Db, enterprise_id: Uuid) -> Result<Vec<ChangeRow>, StoreError> {
    db.fetch_all(
        "SELECT id, enterprise_id, at, actor_name, action, before_json, after_json, job_id FROM enterprise_changes \
         WHERE enterprise_id = ? ORDER BY at DESC",
        args![enterprise_id],
    )
    .await
}

/// Marks jobs that stopped moving before `stale_before` as failed (their process died: the
/// transaction that would have applied them never committed, so nothing was imported).
pub async fn fail_stale(db: &Db, stale_before: i64, now: i64) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE import_jobs SET status = 'failed', message = 'interrupted: the server stopped during the import; nothing was imported', \
         updated_at = ? WHERE status IN ('queued', 'validating', 'applying') AND updated_at < ?",
        args![now, stale_before],
    )
    .await
}

/// A change a bulk import made to a product or certificate (its history beside the one audit
/// entry of the import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecordChangeRow {
    pub id: Uuid,
    /// `product` or `certificate`.
    pub entity_type: String,
    pub entity_id: Uuid,
    pub enterprise_id: Uuid,
    pub at: i64,
    pub actor_name: String,
    pub action: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub job_id: Option<Uuid>,
}

pub async fn insert_record_change(tx: &mut Tx, c: &RecordChangeRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO record_changes (id, entity_type, entity_id, enterprise_id, at, actor_name, action, before_json, after_json, job_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            c.id, &c.entity_type, c.entity_id, c.enterprise_id, c.at, &c.actor_name, &c.action, c.before_json.clone(),
            c.after_json.clone(), c.job_id
        ],
    )
    .await?;
    Ok(())
}

/// The import changes of one record, newest first.
pub async fn record_changes(db: &Db, entity_type: &str, entity_id: Uuid) -> Result<Vec<RecordChangeRow>, StoreError> {
    db.fetch_all(
        "SELECT id, entity_type, entity_id, enterprise_id, at, actor_name, action, before_json, after_json, job_id \
         FROM record_changes WHERE entity_type = ? AND entity_id = ? ORDER BY at DESC, id DESC",
        args![entity_type, entity_id],
    )
    .await
}
