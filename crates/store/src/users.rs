//! User accounts: identity, role, bureau or bound record, credentials and lockout state.

use serde::Serialize;
use touchstone_domain::jurisdiction::{BureauScope, Scope};
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::scope::{bureau_condition, condition};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub department: Option<String>,
    pub officer_number: Option<String>,
    pub binding_kind: Option<String>,
    pub binding_id: Option<Uuid>,
    pub region_code: String,
    #[serde(skip)]
    pub password_hash: String,
    pub password_changed_at: i64,
    pub must_change_password: bool,
    #[serde(skip)]
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub locale: Option<String>,
    pub locked: bool,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub last_login_at: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

const COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.organisation_id, u.department, u.officer_number, \
     u.binding_kind, u.binding_id, u.region_code, u.password_hash, u.password_changed_at, u.must_change_password, \
     u.totp_secret, u.totp_enabled, u.totp_last_step, u.locale, u.locked, u.failed_logins, u.locked_until, \
     u.last_login_at, u.version, u.created_at, u.updated_at, u.updated_by";

pub async fn insert(tx: &mut Tx, u: &UserRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO users (id, username, display_name, role, organisation_id, department, officer_number, binding_kind, \
         binding_id, region_code, password_hash, password_changed_at, must_change_password, totp_secret, totp_enabled, \
         totp_last_step, locale, locked, failed_logins, locked_until, last_login_at, version, created_at, updated_at, updated_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            u.id, &u.username, &u.display_name, &u.role, u.organisation_id, u.department.clone(), u.officer_number.clone(),
            u.binding_kind.clone(), u.binding_id, &u.region_code, &u.password_hash, u.password_changed_at,
            u.must_change_password, u.totp_secret.clone(), u.totp_enabled, u.totp_last_step, u.locale.clone(), u.locked,
            u.failed_logins, u.locked_until, u.last_login_at, u.version, u.created_at, u.updated_at, &u.updated_by
        ],
    )
    .await?;
    Ok(())
}

/// Writes every mutable column of `u` if the stored version is still `expected_version`.
pub async fn update(tx: &mut Tx, u: &UserRow, expected_version: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE users SET display_name = ?, role = ?, organisation_id = ?, department = ?, officer_number = ?, \
             binding_kind = ?, binding_id = ?, region_code = ?, password_hash = ?, password_changed_at = ?, \
             must_change_password = ?, totp_secret = ?, totp_enabled = ?, totp_last_step = ?, locale = ?, locked = ?, \
             failed_logins = ?, locked_until = ?, last_login_at = ?, version = ?, updated_at = ?, updated_by = ? \
             WHERE id = ? AND version = ?",
            args![
                &u.display_name,
                &u.role,
                u.organisation_id,
                u.department.clone(),
                u.officer_number.clone(),
                u.binding_kind.clone(),
                u.binding_id,
                &u.region_code,
                &u.password_hash,
                u.password_changed_at,
                u.must_change_password,
                u.totp_secret.clone(),
                u.totp_enabled,
                u.totp_last_step,
                u.locale.clone(),
                u.locked,
                u.failed_logins,
                u.locked_until,
                u.last_login_at,
                u.version,
                u.updated_at,
                &u.updated_by,
                u.id,
                expected_version
            ],
        )
        .await?;
    Ok(n == 1)
}

/// The scope condition for users: bureau staff by the reporting line, supervised-side users
/// (no bureau) by the region of their bound record.
fn visible(bureaus: &BureauScope, regions: &Scope) -> (String, Vec<Arg>) {
    let (b, mut args) = bureau_condition("u.organisation_id", bureaus);
    let (r, mut a2) = condition("u.region_code", regions);
    args.append(&mut a2);
    (format!("(({b}) OR (u.organisation_id IS NULL AND {r}))"), args)
}

/// One user inside the actor's scope; `None` when absent or outside (never confirm existence).
pub async fn get(db: &Db, bureaus: &BureauScope, regions: &Scope, id: Uuid) -> Result<Option<UserRow>, StoreError> {
    let (cond, mut a) = visible(bureaus, regions);
    let mut args = args![id];
    args.append(&mut a);
    db.fetch_optional(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = ? AND {cond}"), args).await
}

pub async fn get_for_update(
    tx: &mut Tx,
    bureaus: &BureauScope,
    regions: &Scope,
    id: Uuid,
) -> Result<Option<UserRow>, StoreError> {
    let (cond, mut a) = visible(bureaus, regions);
    let mut args = args![id];
    args.append(&mut a);
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = ? AND {cond}{lock}"), args).await
}

/// Unscoped lookups used by authentication (before there is an actor) and system work.
pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<UserRow>, StoreError> {
    db.fetch_optional_primary(&format!("SELECT {COLUMNS} FROM users u WHERE u.username = ?"), args![username]).await
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<UserRow>, StoreError> {
    db.fetch_optional_primary(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = ?"), args![id]).await
}

pub async fn find_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<UserRow>, StoreError> {
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = ?{lock}"), args![id]).await
}

/// The accounts bound to one record (a certification body's or a laboratory's users), by
/// name. Unscoped: the caller has checked the record is in the actor's jurisdiction.
pub async fn bound_to(db: &Db, kind: &str, id: Uuid) -> Result<Vec<UserRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {COLUMNS} FROM users u WHERE u.binding_kind = ? AND u.binding_id = ? ORDER BY u.username"),
        args![kind, id],
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub text: Option<String>,
    pub role: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub locked: Option<bool>,
}

pub async fn list(
    db: &Db,
    bureaus: &BureauScope,
    regions: &Scope,
    filter: &UserFilter,
    window: &Window,
) -> Result<Page<UserRow>, StoreError> {
    let (cond, mut args) = visible(bureaus, regions);
    let mut from_where = format!("FROM users u WHERE {cond}");
    if let Some(t) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        from_where.push_str(" AND (LOWER(u.username) LIKE ? ESCAPE '\\' OR LOWER(u.display_name) LIKE ? ESCAPE '\\')");
        let p = crate::dialect::contains_pattern(t.trim());
        args.extend([Arg::from(&p), Arg::from(&p)]);
    }
    if let Some(r) = &filter.role {
        from_where.push_str(" AND u.role = ?");
        args.push(Arg::from(r));
    }
    if let Some(o) = filter.organisation_id {
        from_where.push_str(" AND u.organisation_id = ?");
        args.push(Arg::from(o));
    }
    if let Some(l) = filter.locked {
        from_where.push_str(" AND u.locked = ?");
        args.push(Arg::from(l));
    }
    fetch_page(db, COLUMNS, &from_where, args, window, "u.id").await
}
