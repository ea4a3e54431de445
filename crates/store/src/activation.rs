//! One-time activation codes with which an enterprise claims its account.

use uuid::Uuid;

use crate::{StoreError, Tx, args};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivationRow {
    pub id: Uuid,
    pub code_hash: String,
    pub enterprise_id: Uuid,
    pub region_code: String,
    pub issued_by: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub used_by: Option<Uuid>,
}

pub async fn insert(tx: &mut Tx, a: &ActivationRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO activation_codes (id, code_hash, enterprise_id, region_code, issued_by, issued_at, expires_at, used_at, used_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![a.id, &a.code_hash, a.enterprise_id, &a.region_code, &a.issued_by, a.issued_at, a.expires_at, a.used_at, a.used_by],
    )
    .await?;
    Ok(())
}

/// The unused code with this hash, locked for the claiming transaction.
pub async fn find_for_claim(tx: &mut Tx, code_hash: &str) -> Result<Option<ActivationRow>, StoreError> {
    let lock = crate::dialect::for_update(tx.engine());
    tx.fetch_optional(
        &format!(
            "SELECT id, code_hash, enterprise_id, region_code, issued_by, issued_at, expires_at, used_at, used_by \
             FROM activation_codes WHERE code_hash = ? AND used_at IS NULL{lock}"
        ),
        args![code_hash],
    )
    .await
}

pub async fn mark_used(tx: &mut Tx, id: Uuid, at: i64, user: Uuid) -> Result<(), StoreError> {
    tx.execute("UPDATE activation_codes SET used_at = ?, used_by = ? WHERE id = ?", args![at, user, id]).await?;
    Ok(())
}

/// Earlier unused codes of an enterprise stop working when a new one is issued.
pub async fn retire_unused(tx: &mut Tx, enterprise_id: Uuid, at: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE activation_codes SET expires_at = ? WHERE enterprise_id = ? AND used_at IS NULL AND expires_at > ?",
        args![at, enterprise_id, at],
    )
    .await?;
    Ok(())
}
