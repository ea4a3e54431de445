//! Human-readable document numbers beside the UUID keys (`YH-360121-2026-000042`): the next
//! number of a series, taken under the table's write lock so two writers never share one.

use crate::list::Count;
use crate::{StoreError, Tx, args};

/// The next number `prefix` + sequence (zero-padded to `width`) in `table`'s `number` column.
/// Locks the table for the rest of the transaction.
pub async fn next(tx: &mut Tx, table: &'static str, prefix: &str, width: usize) -> Result<String, StoreError> {
    crate::dialect::lock_table(tx, table).await?;
    let escaped = crate::dialect::escape_like(prefix);
    let c: Count = tx
        .fetch_one(
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE number LIKE ? ESCAPE '\\'"),
            args![format!("{escaped}%")],
        )
        .await?;
    Ok(format!("{prefix}{:0width$}", c.n + 1))
}
