//! Enterprises' self-registrations: pending requests for an enterprise account, read and
//! decided inside the jurisdiction of the region each one belongs to.

use serde::{Deserialize, Serialize};
use touchstone_domain::jurisdiction::Scope;
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::scope::condition;
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub uscc: String,
    pub company_name: String,
    pub contact_name: String,
    pub phone: String,
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    /// The region the applicant chose.
    pub chosen_region_code: String,
    /// Where the request is decided: the registered enterprise's region, or the chosen one.
    pub region_code: String,
    /// The registered enterprise with this credit code, when there is one.
    pub enterprise_id: Option<Uuid>,
    /// `pending`, `confirmed` or `rejected`.
    pub status: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// The account a confirmation opened.
    pub user_id: Option<Uuid>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

const COLUMNS: &str = "r.id, r.uscc, r.company_name, r.contact_name, r.phone, r.username, r.password_hash, r.chosen_region_code, \
     r.region_code, r.enterprise_id, r.status, r.reason, r.decided_by, r.decided_at, r.user_id, r.version, r.created_at, \
     r.updated_at, r.updated_by";

pub async fn insert(tx: &mut Tx, r: &RegistrationRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO enterprise_registrations (id, uscc, company_name, contact_name, phone, username, password_hash, \
         chosen_region_code, region_code, enterprise_id, status, reason, decided_by, decided_at, user_id, version, created_at, \
         updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            r.id, &r.uscc, &r.company_name, &r.contact_name, &r.phone, &r.username, &r.password_hash, &r.chosen_region_code,
            &r.region_code, r.enterprise_id, &r.status, r.reason.clone(), r.decided_by.clone(), r.decided_at, r.user_id, r.version,
            r.created_at, r.updated_at, &r.updated_by
        ],
    )
    .await?;
    Ok(())
}

/// Writes the decision columns if the stored version is still `expected_version`.
pub async fn update(tx: &mut Tx, r: &RegistrationRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE enterprise_registrations SET password_hash = ?, region_code = ?, enterprise_id = ?, status = ?, reason = ?, \
             decided_by = ?, decided_at = ?, user_id = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            args![
                &r.password_hash, &r.region_code, r.enterprise_id, &r.status, r.reason.clone(), r.decided_by.clone(), r.decided_at,
                r.user_id, r.version, r.updated_at, &r.updated_by, r.id, expected_version
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn get(db: &Db, regions: &Scope, id: Uuid) -> Result<Option<RegistrationRow>, StoreError> {
    let (cond, mut a) = condition("r.region_code", regions);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM enterprise_registrations r WHERE r.id = ? AND {cond}"), args)
        .await
}

pub async fn get_for_update(tx: &mut Tx, regions: &Scope, id: Uuid) -> Result<Option<RegistrationRow>, StoreError> {
    let (cond, mut a) = condition("r.region_code", regions);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(
        &format!("SELECT {COLUMNS} FROM enterprise_registrations r WHERE r.id = ? AND {cond}{lock}"),
        args,
    )
    .await
}

/// Whether a pending request already asks for this user name (unscoped: names are global).
pub async fn username_pending(db: &Db, username: &str) -> Result<bool, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Found {
        #[allow(dead_code)]
        id: Uuid,
    }
    let found: Option<Found> = db
        .fetch_optional_primary(
            "SELECT id FROM enterprise_registrations WHERE username = ? AND status = 'pending'",
            args![username],
        )
        .await?;
    Ok(found.is_some())
}

#[derive(Debug, Clone, Default)]
pub struct RegistrationFilter {
    /// Company name or credit code contains this text.
    pub text: Option<String>,
    pub status: Option<String>,
}

pub async fn list(
    db: &Db,
    regions: &Scope,
    f: &RegistrationFilter,
    window: &Window,
) -> Result<Page<RegistrationRow>, StoreError> {
    let (cond, mut args) = condition("r.region_code", regions);
    let mut from_where = format!("FROM enterprise_registrations r WHERE {cond}");
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        from_where.push_str(" AND (LOWER(r.company_name) LIKE ? ESCAPE '\\' OR r.uscc LIKE ? ESCAPE '\\')");
        let p = crate::dialect::contains_pattern(t);
        args.extend([Arg::from(&p), Arg::from(p.to_uppercase())]);
    }
    if let Some(s) = &f.status {
        from_where.push_str(" AND r.status = ?");
        args.push(Arg::from(s));
    }
    fetch_page(db, COLUMNS, &from_where, args, window, "r.id").await
}
