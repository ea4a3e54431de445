//! Multi-row `INSERT`s for bulk writes (imports, generation): one statement per chunk of rows
//! instead of one per row, the same text on both engines (but for SQLite's `OR FAIL` in a bulk
//! transaction, `Tx::insert_into`); and, on SQLite, a table's secondary
//! indexes set aside while a load at least doubles it, then built again in the same transaction.

use crate::{Arg, Engine, StoreError, Tx};

/// Parameters per statement: half SQLite's limit (32,766) and a quarter of PostgreSQL's
/// (65,535), about a thousand rows of a narrow table. Each statement costs a round trip to the
/// connection's thread and, on SQLite, a statement journal outside bulk transactions; 4,000
/// made the archive import's writes about 4 % slower (BENCHMARKS.md, session 16).
pub(crate) const MAX_PARAMS: usize = 16_000;

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
    let head = format!("{} {table} ({}) VALUES ", tx.insert_into(), columns.join(", "));
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
            written += execute_rows(tx, &sql, std::mem::take(&mut chunk), count, per_statement).await?;
            count = 0;
        }
    }
    Ok(written)
}

/// Runs one insert of `rows` rows, where a statement takes at most `per_statement`. It stays
/// prepared in the connection's cache when its length recurs — a full statement, or a single
/// row (the everyday insert of one record) — and is prepared for this execution alone
/// otherwise: a load's shorter last statement varies in length from load to load
/// (`Tx::execute_once`).
pub(crate) async fn execute_rows(
    tx: &mut Tx,
    sql: &str,
    args: Vec<Arg>,
    rows: usize,
    per_statement: usize,
) -> Result<u64, StoreError> {
    match rows == per_statement || rows == 1 {
        true => tx.execute(sql, args).await,
        false => tx.execute_once(sql, args).await,
    }
}

/// The secondary indexes of a table, dropped inside a bulk load's transaction so that its rows
/// go into the table alone; [`SetAside::rebuild`] creates them again from their own definitions
/// before the transaction commits. One sort per index then replaces a descent of every index
/// per row: for the Toronto archive (87,115 hazards, 97,010 inspections, 174,230 events) the
/// seven hazard indexes cost 1.0 s inserted row by row and 0.6 s built (BENCHMARKS.md, ADR 0014).
/// If the transaction rolls back, so does the drop. Unique indexes stay: they are the load's
/// own checks.
#[must_use = "the indexes are gone until `rebuild` runs in the same transaction"]
pub struct SetAside {
    definitions: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct IndexDefinition {
    name: String,
    sql: String,
}

#[derive(sqlx::FromRow)]
struct CacheSize {
    cache_size: i64,
}

#[derive(sqlx::FromRow)]
struct Rows {
    n: i64,
}

impl SetAside {
    /// Sets aside the non-unique indexes of each `(table, incoming rows)` of a load whose rows
    /// are at least as many as the table holds (a rebuild reads every row, old and new);
    /// nothing on PostgreSQL, where dropping an index would lock the table against readers
    /// until the load commits.
    pub async fn indexes(tx: &mut Tx, loads: &[(&'static str, usize)]) -> Result<SetAside, StoreError> {
        let mut definitions = Vec::new();
        if tx.engine() != Engine::Sqlite {
            return Ok(SetAside { definitions });
        }
        for &(table, incoming) in loads.iter().filter(|(_, incoming)| *incoming > 0) {
            // Counting stops at `incoming`: a table of millions is not read to learn it is large.
            let held: Rows = tx
                .fetch_one(&format!("SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table} LIMIT {incoming}) held"), vec![])
                .await?;
            if held.n as usize >= incoming {
                continue;
            }
            let indexes: Vec<IndexDefinition> = tx
                .fetch_all(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL \
                     AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
                    crate::args![table],
                )
                .await?;
            for i in indexes {
                tx.execute(&format!("DROP INDEX \"{}\"", i.name), vec![]).await?;
                definitions.push(i.sql);
            }
        }
        Ok(SetAside { definitions })
    }

    /// Creates the indexes again, as they were defined. SQLite sorts each index's entries in
    /// memory up to the size of the page cache before spilling them to a temporary file, on top
    /// of the cache itself; the cache is held to a quarter while the indexes are built, so that
    /// a million-row load stays within its memory bound (BENCHMARKS.md).
    pub async fn rebuild(self, tx: &mut Tx) -> Result<(), StoreError> {
        if self.definitions.is_empty() {
            return Ok(());
        }
        let cache: CacheSize = tx.fetch_one("PRAGMA cache_size", vec![]).await?;
        tx.execute_script(&format!("PRAGMA cache_size = {}", cache.cache_size / 4)).await?;
        for sql in &self.definitions {
            tx.execute(sql, vec![]).await?;
        }
        tx.execute_script(&format!("PRAGMA cache_size = {}", cache.cache_size)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Db;

    fn statements_cached(tx: &Tx) -> usize {
        use sqlx::Connection;
        match tx {
            Tx::Sqlite { tx, .. } => tx.cached_statements_size(),
            Tx::Postgres(tx) => tx.cached_statements_size(),
        }
    }

    // A million-row import's chunks each end with an insert of a different length; cached, a
    // hundred of them held 90 MiB (BENCHMARKS.md, session 16).
    #[tokio::test]
    async fn full_and_single_row_inserts_stay_prepared_and_a_loads_shorter_last_insert_does_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite:{}", dir.path().join("t.db").display()), None).await.expect("opens");
        db.execute("CREATE TABLE t (a INTEGER NOT NULL, b TEXT NOT NULL)", vec![]).await.expect("table");
        let rows = |n: usize| (0..n).map(|i| crate::args![i as i64, format!("row {i}")]).collect::<Vec<_>>();
        let per_statement = MAX_PARAMS / 2;
        let mut tx = db.begin_bulk().await.expect("begins");
        let before = statements_cached(&tx);
        insert_rows(&mut tx, "t", &["a", "b"], rows(1)).await.expect("one row");
        insert_rows(&mut tx, "t", &["a", "b"], rows(1)).await.expect("one row again");
        assert_eq!(statements_cached(&tx), before + 1, "one single-row statement, kept and reused");
        insert_rows(&mut tx, "t", &["a", "b"], rows(per_statement + 3)).await.expect("a full and a short statement");
        insert_rows(&mut tx, "t", &["a", "b"], rows(per_statement + 7)).await.expect("again, another short one");
        assert_eq!(statements_cached(&tx), before + 2, "the full statement kept, neither short one");
        tx.commit().await.expect("commits");
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        let n: Vec<N> = db.fetch_all("SELECT COUNT(*) AS n FROM t", vec![]).await.expect("counts");
        assert_eq!(n[0].n as usize, 2 + 2 * per_statement + 10, "every row written");
    }
}
