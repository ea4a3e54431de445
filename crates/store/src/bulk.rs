//! Multi-row `INSERT`s for bulk writes (imports, generation): one statement per chunk of rows
//! instead of one per row, the same text on both engines.

use crate::{Arg, StoreError, Tx};

/// Parameters per statement: far below SQLite's and PostgreSQL's limits, large enough that
/// statement overhead stops mattering.
const MAX_PARAMS: usize = 4_000;

/// A row written with multi-row `INSERT`s: its table, its columns, and its values in their order.
pub trait Insert {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    fn values(&self) -> Vec<Arg>;
}

/// Inserts `rows` in a few multi-row statements.
pub async fn insert_all<T: Insert>(tx: &mut Tx, rows: &[T]) -> Result<u64, StoreError> {
    insert_rows(tx, T::TABLE, T::COLUMNS, rows.iter().map(T::values).collect()).await
}

/// Inserts `rows` (each one value per column, in order) into `table`. (Rows come as a
/// vector, not an iterator: a borrowing iterator held across `.await` would make callers'
/// futures lose `Send`.)
pub async fn insert_rows(tx: &mut Tx, table: &str, columns: &[&str], rows: Vec<Vec<Arg>>) -> Result<u64, StoreError> {
    let per_statement = (MAX_PARAMS / columns.len().max(1)).max(1);
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut written = 0;
    let mut chunk: Vec<Arg> = Vec::with_capacity(per_statement * columns.len());
    let mut count = 0;
    let mut rows = rows.into_iter().peekable();
    while let Some(row) = rows.next() {
        debug_assert_eq!(row.len(), columns.len());
        chunk.extend(row);
        count += 1;
        if count == per_statement || rows.peek().is_none() {
            let sql = format!("{head}{}", vec![one.as_str(); count].join(", "));
            written += tx.execute(&sql, std::mem::take(&mut chunk)).await?;
            count = 0;
        }
    }
    Ok(written)
}
