//! Attachment records of the enterprise file (the bytes live in the content-addressed store).

use serde::{Deserialize, Serialize};
use touchstone_domain::jurisdiction::Scope;
use uuid::Uuid;

use crate::scope::condition;
use crate::{Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AttachmentRow {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub region_code: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub note: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

pub(crate) const COLUMNS: &str = "a.id, a.enterprise_id, a.region_code, a.file_name, a.content_type, a.size_bytes, a.sha256, a.note, a.uploaded_by, a.uploaded_at";

pub async fn insert(tx: &mut Tx, a: &AttachmentRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO attachments (id, enterprise_id, region_code, file_name, content_type, size_bytes, sha256, note, uploaded_by, uploaded_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![a.id, a.enterprise_id, &a.region_code, &a.file_name, &a.content_type, a.size_bytes, &a.sha256, a.note.clone(), &a.uploaded_by, a.uploaded_at],
    )
    .await?;
    Ok(())
}

pub async fn of_enterprise(db: &Db, enterprise_id: Uuid) -> Result<Vec<AttachmentRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {COLUMNS} FROM attachments a WHERE a.enterprise_id = ? ORDER BY a.uploaded_at DESC"),
        args![enterprise_id],
    )
    .await
}

/// One attachment visible to the scope (or the enterprise's own users via `own`).
pub async fn get(db: &Db, regions: &Scope, own: Option<Uuid>, id: Uuid) -> Result<Option<AttachmentRow>, StoreError> {
    let (cond, mut a) = condition("a.region_code", regions);
    let mut args = args![id];
    args.append(&mut a);
    let own_clause = match own {
        Some(e) => {
            args.push(crate::Arg::from(e));
            " OR a.enterprise_id = ?"
        }
        None => "",
    };
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM attachments a WHERE a.id = ? AND (({cond}){own_clause})"), args)
        .await
}
