//! Official documents issued to enterprises (现场检查笔录, 责令限期整改通知书, 整改复查意见书):
//! their numbers, subjects and the PDF on the enterprise's file. A document is regional data of
//! its subject's region; an enterprise's own users read theirs. Rows are never updated.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::enterprises::Visibility;
use crate::list::{Page, Window, fetch_page};
use crate::scope::condition;
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: Uuid,
    /// As printed, e.g. `赣360121市监现检〔2026〕12号`.
    pub number: String,
    /// `inspection_record`, `rectification_order` or `review_opinion`.
    pub kind: String,
    pub enterprise_id: Uuid,
    /// The subject's region.
    pub region_code: String,
    /// The issuing bureau.
    pub organisation_id: Option<Uuid>,
    /// `inspection` or `hazard`.
    pub subject_type: String,
    pub subject_id: Uuid,
    /// Space-separated ids of the hazards it lists.
    pub hazard_ids: String,
    /// The PDF on the enterprise's file.
    pub attachment_id: Uuid,
    /// SHA-256 of the PDF, hex.
    pub sha256: String,
    /// SHA-256 of the data printed without the number and the issue date.
    pub content_hash: String,
    /// 1, 2… for the documents of this kind about this subject.
    pub edition: i64,
    pub issued_by: String,
    pub issued_by_name: String,
    /// `YYYY-MM-DD` in the bureau's zone.
    pub issued_on: String,
    pub issued_at: i64,
}

const COLUMNS: &str = "d.id, d.number, d.kind, d.enterprise_id, d.region_code, d.organisation_id, d.subject_type, \
     d.subject_id, d.hazard_ids, d.attachment_id, d.sha256, d.content_hash, d.edition, d.issued_by, d.issued_by_name, \
     d.issued_on, d.issued_at";

/// `(sql, args)`: in the region scope, or of the actor's own enterprise.
fn visible(v: &Visibility) -> (String, Vec<Arg>) {
    let (r, mut args) = condition("d.region_code", v.regions);
    match v.own {
        Some(id) => {
            args.push(Arg::from(id));
            (format!("(({r}) OR d.enterprise_id = ?)"), args)
        }
        None => (format!("({r})"), args),
    }
}

pub async fn insert(tx: &mut Tx, d: &DocumentRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO documents (id, number, kind, enterprise_id, region_code, organisation_id, subject_type, subject_id, \
         hazard_ids, attachment_id, sha256, content_hash, edition, issued_by, issued_by_name, issued_on, issued_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            d.id, &d.number, &d.kind, d.enterprise_id, &d.region_code, d.organisation_id, &d.subject_type, d.subject_id,
            &d.hazard_ids, d.attachment_id, &d.sha256, &d.content_hash, d.edition, &d.issued_by, &d.issued_by_name,
            &d.issued_on, d.issued_at
        ],
    )
    .await?;
    Ok(())
}

/// One document visible to `v`.
pub async fn get(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Option<DocumentRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM documents d WHERE d.id = ? AND {cond}"), args).await
}

/// The documents of `kind` about `subject_id`, newest first (inside the issuing transaction,
/// after the table is locked, so two officers issuing at once share one).
pub async fn of_subject(tx: &mut Tx, kind: &str, subject_id: Uuid) -> Result<Vec<DocumentRow>, StoreError> {
    tx.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM documents d WHERE d.subject_id = ? AND d.kind = ? ORDER BY d.edition DESC, d.id DESC"
        ),
        args![subject_id, kind],
    )
    .await
}

/// The latest document of `kind` of the enterprise that lists the hazard `hazard_id`.
pub async fn latest_listing(
    db: &Db,
    kind: &str,
    enterprise_id: Uuid,
    hazard_id: Uuid,
) -> Result<Option<DocumentRow>, StoreError> {
    db.fetch_optional(
        &format!(
            "SELECT {COLUMNS} FROM documents d WHERE d.enterprise_id = ? AND d.kind = ? AND d.hazard_ids LIKE ? \
             ORDER BY d.issued_at DESC, d.id DESC LIMIT 1"
        ),
        args![enterprise_id, kind, format!("%{hazard_id}%")],
    )
    .await
}

/// The documents of an enterprise visible to `v`, as `window` orders them.
pub async fn of_enterprise(
    db: &Db,
    v: &Visibility<'_>,
    enterprise_id: Uuid,
    window: &Window,
) -> Result<Page<DocumentRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![enterprise_id];
    args.append(&mut a);
    fetch_page(
        db,
        COLUMNS,
        &format!("FROM documents d WHERE d.enterprise_id = ? AND {cond}"),
        args,
        window,
        "d.id DESC",
    )
    .await
}

/// The documents about `id` visible to `v` — whose subject it is, or that list it as a
/// hazard — newest first.
pub async fn about(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Vec<DocumentRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id, format!("%{id}%")];
    args.append(&mut a);
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM documents d WHERE (d.subject_id = ? OR d.hazard_ids LIKE ?) AND {cond} \
             ORDER BY d.issued_at DESC, d.id DESC LIMIT 100"
        ),
        args,
    )
    .await
}
