//! Certificates, their status history, and certification bodies. Certificates are regional
//! records (the holder's region); bodies are a registry every regulator reads.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::enterprises::Visibility;
use crate::list::{Page, Window, fetch_page};
use crate::scope::condition;
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BodyRow {
    pub id: Uuid,
    pub name: String,
    pub approval_number: String,
    pub region_code: String,
    /// Space-separated product-category codes the body is approved for.
    pub scope: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CertificateRow {
    pub id: Uuid,
    pub number: String,
    pub kind: String,
    pub holder_id: Uuid,
    pub issuer_body_id: Option<Uuid>,
    pub issuer_name: String,
    pub region_code: String,
    /// Space-separated product-category codes.
    pub scope: String,
    pub scope_text: Option<String>,
    pub issued_on: String,
    pub expires_on: String,
    pub status: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StatusChangeRow {
    pub id: Uuid,
    pub certificate_id: Uuid,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub effective_on: String,
    pub changed_at: i64,
    pub changed_by: String,
}

const BODY_COLUMNS: &str =
    "b.id, b.name, b.approval_number, b.region_code, b.scope, b.version, b.created_at, b.updated_at, b.updated_by";
const COLUMNS: &str = "c.id, c.number, c.kind, c.holder_id, c.issuer_body_id, c.issuer_name, c.region_code, c.scope, c.scope_text, \
     c.issued_on, c.expires_on, c.status, c.version, c.created_at, c.updated_at, c.updated_by";

pub async fn insert_body(tx: &mut Tx, b: &BodyRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO certification_bodies (id, name, approval_number, region_code, scope, version, created_at, updated_at, updated_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![b.id, &b.name, &b.approval_number, &b.region_code, &b.scope, b.version, b.created_at, b.updated_at, &b.updated_by],
    )
    .await?;
    Ok(())
}

pub async fn body(db: &Db, id: Uuid) -> Result<Option<BodyRow>, StoreError> {
    db.fetch_optional(&format!("SELECT {BODY_COLUMNS} FROM certification_bodies b WHERE b.id = ?"), args![id]).await
}

pub async fn bodies(db: &Db, text: Option<&str>, window: &Window) -> Result<Page<BodyRow>, StoreError> {
    let mut args = Vec::new();
    let mut from_where = "FROM certification_bodies b WHERE 1=1".to_string();
    if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
        from_where.push_str(" AND (LOWER(b.name) LIKE ? ESCAPE '\\' OR LOWER(b.approval_number) LIKE ? ESCAPE '\\')");
        let p = crate::dialect::contains_pattern(t);
        args.extend([Arg::from(&p), Arg::from(&p)]);
    }
    fetch_page(db, BODY_COLUMNS, &from_where, args, window, "b.id").await
}

pub async fn insert(tx: &mut Tx, c: &CertificateRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO certificates (id, number, kind, holder_id, issuer_body_id, issuer_name, region_code, scope, scope_text, issued_on, \
         expires_on, status, version, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            c.id, &c.number, &c.kind, c.holder_id, c.issuer_body_id, &c.issuer_name, &c.region_code, &c.scope, c.scope_text.clone(),
            &c.issued_on, &c.expires_on, &c.status, c.version, c.created_at, c.updated_at, &c.updated_by
        ],
    )
    .await?;
    Ok(())
}

pub async fn set_status(tx: &mut Tx, c: &CertificateRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE certificates SET status = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![&c.status, c.version, c.updated_at, &c.updated_by, c.id, expected_version],
        )
        .await?;
    Ok(n == 1)
}

/// Writes every mutable column (an import's update) if the stored version is still
/// `expected_version`.
pub async fn update(tx: &mut Tx, c: &CertificateRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE certificates SET kind = ?, issuer_body_id = ?, issuer_name = ?, scope = ?, scope_text = ?, issued_on = ?, \
             expires_on = ?, status = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![
                &c.kind, c.issuer_body_id, &c.issuer_name, &c.scope, c.scope_text.clone(), &c.issued_on, &c.expires_on, &c.status,
                c.version, c.updated_at, &c.updated_by, c.id, expected_version
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn insert_history(tx: &mut Tx, h: &StatusChangeRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO certificate_status_history (id, certificate_id, from_status, to_status, reason, effective_on, changed_at, changed_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        args![h.id, h.certificate_id, h.from_status.clone(), &h.to_status, &h.reason, &h.effective_on, h.changed_at, &h.changed_by],
    )
    .await?;
    Ok(())
}

pub async fn history(db: &Db, certificate_id: Uuid) -> Result<Vec<StatusChangeRow>, StoreError> {
    db.fetch_all(
        "SELECT id, certificate_id, from_status, to_status, reason, effective_on, changed_at, changed_by \
         FROM certificate_status_history WHERE certificate_id = ? ORDER BY changed_at DESC, id DESC",
        args![certificate_id],
    )
    .await
}

fn visible(v: &Visibility) -> (String, Vec<Arg>) {
    let (r, mut args) = condition("c.region_code", v.regions);
    match v.own {
        Some(id) => {
            args.push(Arg::from(id));
            (format!("(({r}) OR c.holder_id = ?)"), args)
        }
        None => (format!("({r})"), args),
    }
}

pub async fn get(db: &Db, v: &Visibility<'_>, id: Uuid) -> Result<Option<CertificateRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.id = ? AND {cond}"), args).await
}

pub async fn get_for_update(tx: &mut Tx, v: &Visibility<'_>, id: Uuid) -> Result<Option<CertificateRow>, StoreError> {
    let (cond, mut a) = visible(v);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.id = ? AND {cond}{lock}"), args).await
}

/// Unscoped lookup by number (the forged/transferred-certificate check compares holders).
pub async fn by_number(db: &Db, number: &str) -> Result<Option<CertificateRow>, StoreError> {
    db.fetch_optional_primary(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.number = ?"), args![number]).await
}

/// Unscoped: the registered certificates among `numbers` (imports decide insert or update).
pub async fn by_numbers(db: &Db, numbers: &[String]) -> Result<Vec<CertificateRow>, StoreError> {
    let mut out = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let args: Vec<Arg> = chunk.iter().map(Arg::from).collect();
        out.extend(
            db.fetch_all::<CertificateRow>(
                &format!("SELECT {COLUMNS} FROM certificates c WHERE c.number IN ({marks})"),
                args,
            )
            .await?,
        );
    }
    Ok(out)
}

pub async fn of_holder(db: &Db, holder_id: Uuid) -> Result<Vec<CertificateRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {COLUMNS} FROM certificates c WHERE c.holder_id = ? ORDER BY c.expires_on DESC"),
        args![holder_id],
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct CertificateFilter {
    pub number: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// Valid certificates expiring on or before this date (`YYYY-MM-DD`).
    pub expiring_by: Option<String>,
    pub holder_id: Option<Uuid>,
    /// Issued by this certification body.
    pub issuer_body_id: Option<Uuid>,
}

pub async fn list(
    db: &Db,
    v: &Visibility<'_>,
    f: &CertificateFilter,
    window: &Window,
) -> Result<Page<CertificateRow>, StoreError> {
    let (cond, mut args) = visible(v);
    let mut from_where = format!("FROM certificates c WHERE {cond}");
    if let Some(n) = f.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        from_where.push_str(" AND c.number LIKE ? ESCAPE '\\'");
        args.push(Arg::from(crate::dialect::contains_pattern(n).to_uppercase()));
    }
    for (col, val) in [("c.kind", &f.kind), ("c.status", &f.status)] {
        if let Some(v) = val {
            from_where.push_str(&format!(" AND {col} = ?"));
            args.push(Arg::from(v));
        }
    }
    if let Some(d) = &f.expiring_by {
        from_where.push_str(" AND c.status = 'valid' AND c.expires_on <= ?");
        args.push(Arg::from(d));
    }
    if let Some(h) = f.holder_id {
        from_where.push_str(" AND c.holder_id = ?");
        args.push(Arg::from(h));
    }
    if let Some(b) = f.issuer_body_id {
        from_where.push_str(" AND c.issuer_body_id = ?");
        args.push(Arg::from(b));
    }
    fetch_page(db, COLUMNS, &from_where, args, window, "c.id").await
}

/// Valid certificates whose expiry date lies before `today` (the daily sweep expires them).
pub async fn past_expiry(db: &Db, today: &str, limit: i64) -> Result<Vec<CertificateRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {COLUMNS} FROM certificates c WHERE c.status IN ('valid', 'suspended') AND c.expires_on < ? ORDER BY c.id LIMIT {limit}"),
        args![today],
    )
    .await
}
