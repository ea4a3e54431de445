//! Server-side sessions, API tokens and the sign-in throttle: all in the database so several
//! nodes share them (R-AUTH-2).

use serde::Serialize;
use uuid::Uuid;

use crate::{Db, StoreError, Tx, args};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: Uuid,
    pub second_factor_passed: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn insert_session(tx: &mut Tx, s: &SessionRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO sessions (id_hash, user_id, second_factor_passed, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        args![&s.id_hash, s.user_id, s.second_factor_passed, s.created_at, s.last_seen_at, s.expires_at, s.ip.clone(), s.user_agent.clone()],
    )
    .await?;
    Ok(())
}

pub async fn find_session(db: &Db, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    db.fetch_optional_primary(
        "SELECT id_hash, user_id, second_factor_passed, created_at, last_seen_at, expires_at, ip, user_agent \
         FROM sessions WHERE id_hash = ?",
        args![id_hash],
    )
    .await
}

pub async fn touch_session(db: &Db, id_hash: &str, now: i64) -> Result<(), StoreError> {
    db.execute("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", args![now, id_hash]).await?;
    Ok(())
}

pub async fn delete_session(tx: &mut Tx, id_hash: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM sessions WHERE id_hash = ?", args![id_hash]).await?;
    Ok(())
}

pub async fn delete_sessions_of_user(tx: &mut Tx, user_id: Uuid) -> Result<u64, StoreError> {
    tx.execute("DELETE FROM sessions WHERE user_id = ?", args![user_id]).await
}

/// Ends every session of a user except `keep` (a session id hash), if given.
pub async fn delete_other_sessions(tx: &mut Tx, user_id: Uuid, keep: Option<&str>) -> Result<u64, StoreError> {
    tx.execute("DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", args![user_id, keep.unwrap_or("")]).await
}

/// Removes sessions idle since `idle_before` or past their absolute expiry.
pub async fn delete_expired(db: &Db, now: i64, idle_before: i64) -> Result<u64, StoreError> {
    db.execute("DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?", args![now, idle_before]).await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, prefix, token_hash, created_at, last_used_at, revoked_at";

pub async fn insert_token(tx: &mut Tx, t: &TokenRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        args![t.id, t.user_id, &t.name, &t.prefix, &t.token_hash, t.created_at, t.last_used_at, t.revoked_at],
    )
    .await?;
    Ok(())
}

pub async fn find_token_by_hash(db: &Db, hash: &str) -> Result<Option<TokenRow>, StoreError> {
    db.fetch_optional_primary(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?"), args![hash])
        .await
}

pub async fn tokens_of_user(db: &Db, user_id: Uuid) -> Result<Vec<TokenRow>, StoreError> {
    db.fetch_all(
        &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC"),
        args![user_id],
    )
    .await
}

/// Revokes a token of `user_id`; false when there is no such live token of that user.
pub async fn revoke_token(tx: &mut Tx, user_id: Uuid, id: Uuid, now: i64) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
            args![now, id, user_id],
        )
        .await?;
    Ok(n == 1)
}

pub async fn mark_token_used(db: &Db, id: Uuid, now: i64) -> Result<(), StoreError> {
    db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", args![now, id]).await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThrottleRow {
    pub throttle_key: String,
    pub window_start: i64,
    pub failures: i64,
}

pub async fn throttle(db: &Db, key: &str) -> Result<Option<ThrottleRow>, StoreError> {
    db.fetch_optional_primary(
        "SELECT throttle_key, window_start, failures FROM login_throttle WHERE throttle_key = ?",
        args![key],
    )
    .await
}

/// Counts one failure for `key`, starting a new window when the old one began before
/// `window_floor`.
pub async fn record_failure(tx: &mut Tx, key: &str, now: i64, window_floor: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO login_throttle (throttle_key, window_start, failures) VALUES (?, ?, 1) \
         ON CONFLICT (throttle_key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start < ? THEN 1 ELSE login_throttle.failures + 1 END, \
           window_start = CASE WHEN login_throttle.window_start < ? THEN ? ELSE login_throttle.window_start END",
        args![key, now, window_floor, window_floor, now],
    )
    .await?;
    Ok(())
}

pub async fn clear_failures(tx: &mut Tx, key: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM login_throttle WHERE throttle_key = ?", args![key]).await?;
    Ok(())
}
