//! One connection type for both engines. SQL is written once with `?` placeholders; the
//! PostgreSQL path renumbers them to `$n`. Values bind through `Arg`, rows decode into one
//! `sqlx::FromRow` struct on both engines. The only dialect code lives in `dialect`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{AssertSqlSafe, FromRow, PgPool, SqlitePool};
use uuid::Uuid;

use crate::StoreError;

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Result<Engine, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "database URL must start with sqlite: or postgres://, got {:?}",
                url.split(':').next().unwrap_or("")
            )))
        }
    }
}

/// A value to bind. Nulls carry their type so PostgreSQL can infer the parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    I64(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Uuid(Option<Uuid>),
}

macro_rules! arg_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                Arg::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Arg {
                Arg::$variant(v.map($conv))
            }
        }
    };
}
arg_from!(i64, I64, |v| v);
arg_from!(bool, Bool, |v| v);
arg_from!(Uuid, Uuid, |v| v);
arg_from!(String, Text, |v| v);
arg_from!(&str, Text, |v: &str| v.to_string());
arg_from!(&String, Text, |v: &String| v.clone());

/// Builds a `Vec<Arg>` from values of mixed types.
#[macro_export]
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::Arg::from($v)),*] };
}

/// A row type that decodes on both engines.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// Rewrites `?` placeholders to `$1, $2, …` outside string literals.
pub fn renumber_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_string = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                in_string = !in_string;
                out.push(ch);
            }
            '?' if !in_string => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(ch),
        }
    }
    out
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Uuid(v) => q.bind(v),
            };
        }
        q
    }};
}

macro_rules! run {
    ($conn:expr, $engine:ident, $sql:expr, $args:expr, $method:ident, $ty:ty) => {{
        let sql = match stringify!($engine) {
            "Postgres" => renumber_placeholders($sql),
            _ => $sql.to_string(),
        };
        bind_all!(sqlx::query_as::<_, $ty>(AssertSqlSafe(sql)), $args).$method($conn).await
    }};
}

macro_rules! exec {
    ($conn:expr, $engine:ident, $sql:expr, $args:expr) => {
        exec!($conn, $engine, $sql, $args, true)
    };
    // `persistent`: whether the prepared statement stays in the connection's cache.
    ($conn:expr, $engine:ident, $sql:expr, $args:expr, $persistent:expr) => {{
        let sql = match stringify!($engine) {
            "Postgres" => renumber_placeholders($sql),
            _ => $sql.to_string(),
        };
        bind_all!(sqlx::query(AssertSqlSafe(sql)).persistent($persistent), $args)
            .execute($conn)
            .await
            .map(|r| r.rows_affected())
    }};
}

/// Connection pools for one database. SQLite has one writer connection (every write
/// transaction is `BEGIN IMMEDIATE`) and a read pool; PostgreSQL has a pool and optionally
/// a replica pool for reads.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite { writer: SqlitePool, reader: SqlitePool },
    Postgres { primary: PgPool, replica: Option<PgPool> },
}

/// The SQLite writer's page cache, as `cache_size` takes it (negative: KiB).
const WRITER_CACHE_KIB: i64 = -64 * 1024;

/// The page size of a new SQLite database (an existing one keeps the size it was made with):
/// 16 KiB rather than SQLite's 4 KiB. A bulk load's transaction writes a fraction of the
/// pages and WAL frames for the same rows and builds its indexes with shallower trees, and a
/// report's index scans read a quarter of the pages (ADR 0015, BENCHMARKS.md).
const PAGE_SIZE: u32 = 16 * 1024;

/// How much of the SQLite file a reader maps (`mmap_size`): address space, not memory, so
/// all of any real database. The bundled library's own cap is raised to match in
/// `.cargo/config.toml` (its default, 2 GiB, would leave a province's indexes unmapped).
const READER_MMAP_BYTES: i64 = 1 << 40;

/// Makes the SQLite writer as the pool opened it before it goes back: foreign-key checks on
/// again (a bulk load's transaction turned them off, [`Db::begin_bulk`]). Returns whether it
/// can go back at all: not if sqlx still counts a transaction on it once the dropped
/// transaction's `ROLLBACK` has run (the `PRAGMA` waits for it, as any statement would).
/// SQLite ends a transaction by itself after some errors (a full disk, an I/O error); sqlx's
/// `ROLLBACK` then fails and it keeps counting the transaction (transact-rs/sqlx#4031), so
/// every later `BEGIN` on the connection would fail. The pool opens a new one instead.
async fn restore_writer(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    sqlx::raw_sql("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
    let usable = !conn.is_in_transaction();
    if !usable {
        tracing::warn!("the SQLite writer's transaction ended without sqlx: the connection is replaced");
    }
    Ok(usable)
}

/// An open write transaction on either engine.
pub enum Tx {
    /// `bulk`: begun by [`Db::begin_bulk`].
    Sqlite {
        tx: sqlx::Transaction<'static, sqlx::Sqlite>,
        bulk: bool,
    },
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tx::Sqlite { bulk: false, .. } => "Tx::Sqlite",
            Tx::Sqlite { bulk: true, .. } => "Tx::Sqlite (bulk)",
            Tx::Postgres(_) => "Tx::Postgres",
        })
    }
}

impl Db {
    /// Opens (and for SQLite creates) the database at `url`; `read_url` names a PostgreSQL
    /// replica for reads.
    pub async fn connect(url: &str, read_url: Option<&str>) -> Result<Db, StoreError> {
        match Engine::of_url(url)? {
            Engine::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("bad SQLite URL: {e}")))?
                    .create_if_missing(true)
                    .page_size(PAGE_SIZE)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                // The one writer keeps a large page cache: a bulk import's transaction touches
                // the credit-code index and the search index all over, and with SQLite's 2 MB
                // default every page it revisits is read back from the WAL (ADR 0004).
                // A write waits up to half a minute for the writer (a province-scale import
                // holds it longer); then it is answered "busy, try again" (`app::Error::Busy`).
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_release(|conn, _| Box::pin(restore_writer(conn)))
                    .connect_with(opts.clone().pragma("cache_size", WRITER_CACHE_KIB.to_string()))
                    .await?;
                // Readers map the whole file into memory rather than copying each page with
                // `pread` into a small private cache: a province's report scans hundreds of
                // megabytes of index on four connections at once, and the copies and the page
                // cache's shared lock were half its time (BENCHMARKS.md, ADR 0011).
                let reader = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts.read_only(true).pragma("mmap_size", READER_MMAP_BYTES.to_string()))
                    .await?;
                Ok(Db::Sqlite { writer, reader })
            }
            Engine::Postgres => {
                // No JIT: the report's statements carry correlated subqueries that the planner
                // prices high, so PostgreSQL compiled each one with LLVM — 1.4 s of a 1.6 s
                // statement — to save milliseconds of execution (BENCHMARKS.md, ADR 0011).
                // Every execution planned for its own values: after five runs of a prepared
                // statement PostgreSQL may keep a generic plan, which guesses a region range
                // and a search phrase blind — a one-match search then hashed all 103,000
                // enterprises, 29 ms instead of 2 (BENCHMARKS.md, ADR 0013).
                let connect = |u: &str| -> Result<PgConnectOptions, StoreError> {
                    PgConnectOptions::from_str(u)
                        .map(|o| o.options([("jit", "off"), ("plan_cache_mode", "force_custom_plan")]))
                        .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))
                };
                let primary = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(connect(url)?)
                    .await?;
                let replica = match read_url {
                    Some(r) => Some(PgPoolOptions::new().max_connections(16).connect_with(connect(r)?).await?),
                    None => None,
                };
                Ok(Db::Postgres { primary, replica })
            }
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite { .. } => Engine::Sqlite,
            Db::Postgres { .. } => Engine::Postgres,
        }
    }

    /// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite (takes the writer lock now,
    /// so no transaction fails half-way with SQLITE_BUSY).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        match self {
            Db::Sqlite { writer, .. } => {
                Ok(Tx::Sqlite { tx: writer.begin_with("BEGIN IMMEDIATE").await?, bulk: false })
            }
            Db::Postgres { primary, .. } => Ok(Tx::Postgres(primary.begin().await?)),
        }
    }

    /// Starts a bulk load's write transaction (imports, generation): as [`Db::begin`], but on
    /// SQLite without the engine's foreign-key checks, and with multi-row inserts that stop
    /// at a failing row instead of undoing the statement's earlier rows ([`Tx::insert_into`]).
    /// Both are per-row work a bulk load does not need, and together they spared SQLite a
    /// statement journal of every page each statement touched (ADR 0016). In exchange its
    /// writer gives the transaction up at the first error, and writes only references to rows
    /// it wrote itself or found inside the transaction (or that nothing deletes). The checks
    /// come back before the writer serves anyone else (`restore_writer`). PostgreSQL checks
    /// everything as usual.
    pub async fn begin_bulk(&self) -> Result<Tx, StoreError> {
        match self {
            Db::Sqlite { writer, .. } => Ok(Tx::Sqlite {
                tx: writer.begin_with("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE").await?,
                bulk: true,
            }),
            Db::Postgres { .. } => self.begin().await,
        }
    }

    /// Keeps (`true`) or stops keeping the SQLite writer's temporary storage in memory; nothing
    /// on PostgreSQL. A bulk load of many multi-row statements in one transaction (the archive
    /// import) turns it on around its transaction: each statement keeps a journal to undo just
    /// itself, which SQLite otherwise writes to a temporary file past 64 KiB (ADR 0012). Not
    /// for loads whose temporary tables grow with the file (the million-row enterprise import).
    /// Call outside a transaction: SQLite drops the connection's temporary tables on a change.
    pub async fn set_temp_in_memory(&self, on: bool) -> Result<(), StoreError> {
        if let Db::Sqlite { writer, .. } = self {
            let value = if on { "MEMORY" } else { "DEFAULT" };
            sqlx::query(AssertSqlSafe(format!("PRAGMA temp_store = {value}"))).execute(writer).await?;
        }
        Ok(())
    }

    pub async fn fetch_all<T: Row>(&self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>, StoreError> {
        Ok(match self {
            Db::Sqlite { reader, .. } => run!(reader, Sqlite, sql, args, fetch_all, T)?,
            Db::Postgres { primary, replica } => {
                run!(replica.as_ref().unwrap_or(primary), Postgres, sql, args, fetch_all, T)?
            }
        })
    }

    pub async fn fetch_optional<T: Row>(&self, sql: &str, args: Vec<Arg>) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Db::Sqlite { reader, .. } => run!(reader, Sqlite, sql, args, fetch_optional, T)?,
            Db::Postgres { primary, replica } => {
                run!(replica.as_ref().unwrap_or(primary), Postgres, sql, args, fetch_optional, T)?
            }
        })
    }

    /// Runs `sql` on a read connection and sends its rows down a channel of `capacity` as the
    /// database produces them: a whole list in one query, one sort, constant memory. Dropping
    /// the receiver stops the query and frees the connection.
    pub fn stream<T: Row + 'static>(
        &self,
        sql: String,
        args: Vec<Arg>,
        capacity: usize,
    ) -> tokio::sync::mpsc::Receiver<Result<T, StoreError>> {
        use futures::StreamExt;
        let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
        let db = self.clone();
        macro_rules! pump {
            ($pool:expr, $sql:expr) => {{
                let mut rows = bind_all!(sqlx::query_as::<_, T>(AssertSqlSafe($sql)), args).fetch($pool);
                while let Some(row) = rows.next().await {
                    if tx.send(row.map_err(StoreError::from)).await.is_err() {
                        break;
                    }
                }
            }};
        }
        tokio::spawn(async move {
            match &db {
                Db::Sqlite { reader, .. } => pump!(reader, sql),
                Db::Postgres { primary, replica } => {
                    pump!(replica.as_ref().unwrap_or(primary), renumber_placeholders(&sql))
                }
            }
        });
        rx
    }

    /// Reads from the primary (never the replica): for reads that must see the latest write.
    pub async fn fetch_optional_primary<T: Row>(&self, sql: &str, args: Vec<Arg>) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Db::Sqlite { reader, .. } => run!(reader, Sqlite, sql, args, fetch_optional, T)?,
            Db::Postgres { primary, .. } => run!(primary, Postgres, sql, args, fetch_optional, T)?,
        })
    }

    /// Runs one statement outside any explicit transaction (on the writer for SQLite).
    pub async fn execute(&self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(match self {
            Db::Sqlite { writer, .. } => exec!(writer, Sqlite, sql, args)?,
            Db::Postgres { primary, .. } => exec!(primary, Postgres, sql, args)?,
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { writer, reader } => {
                writer.close().await;
                reader.close().await;
            }
            Db::Postgres { primary, replica } => {
                primary.close().await;
                if let Some(r) = replica {
                    r.close().await;
                }
            }
        }
    }
}

impl Tx {
    pub fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite { .. } => Engine::Sqlite,
            Tx::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn fetch_all<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite { tx, .. } => run!(&mut **tx, Sqlite, sql, args, fetch_all, T)?,
            Tx::Postgres(tx) => run!(&mut **tx, Postgres, sql, args, fetch_all, T)?,
        })
    }

    pub async fn fetch_optional<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<T>, StoreError> {
        Ok(match self {
            Tx::Sqlite { tx, .. } => run!(&mut **tx, Sqlite, sql, args, fetch_optional, T)?,
            Tx::Postgres(tx) => run!(&mut **tx, Postgres, sql, args, fetch_optional, T)?,
        })
    }

    pub async fn fetch_one<T: Row>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T, StoreError> {
        Ok(match self {
            Tx::Sqlite { tx, .. } => run!(&mut **tx, Sqlite, sql, args, fetch_one, T)?,
            Tx::Postgres(tx) => run!(&mut **tx, Postgres, sql, args, fetch_one, T)?,
        })
    }

    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite { tx, .. } => exec!(&mut **tx, Sqlite, sql, args)?,
            Tx::Postgres(tx) => exec!(&mut **tx, Postgres, sql, args)?,
        })
    }

    /// [`Tx::execute`] for a statement seldom run twice, such as a bulk load's last and
    /// shorter multi-row insert: prepared for this execution alone and not kept in the
    /// connection's statement cache, where a hundred such statements of thousands of
    /// parameters each held 90 MiB of a million-row import (BENCHMARKS.md, session 16).
    pub async fn execute_once(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite { tx, .. } => exec!(&mut **tx, Sqlite, sql, args, false)?,
            Tx::Postgres(tx) => exec!(&mut **tx, Postgres, sql, args, false)?,
        })
    }

    /// Runs a multi-statement script without parameters (migrations).
    pub async fn execute_script(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite { tx, .. } => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_string())).execute(&mut **tx).await?;
            }
            Tx::Postgres(tx) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_string())).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    /// How a multi-row insert begins: `INSERT OR FAIL INTO` in a bulk transaction on SQLite
    /// ([`Db::begin_bulk`]), `INSERT INTO` otherwise.
    pub fn insert_into(&self) -> &'static str {
        match self {
            Tx::Sqlite { bulk: true, .. } => "INSERT OR FAIL INTO",
            _ => "INSERT INTO",
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite { tx, .. } => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_for_postgres_but_not_inside_literals() {
        assert_eq!(
            renumber_placeholders("SELECT a FROM t WHERE b = ? AND c = '?' AND d = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $2"
        );
    }

    #[tokio::test]
    async fn a_write_refused_because_another_holds_sqlite_is_busy() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().expect("temp dir");
        let opts = SqliteConnectOptions::from_str(&format!("sqlite:{}", dir.path().join("t.db").display()))
            .expect("url")
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::ZERO);
        let mut holder = sqlx::SqliteConnection::connect_with(&opts).await.expect("opens");
        let mut other = sqlx::SqliteConnection::connect_with(&opts).await.expect("opens");
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut holder).await.expect("table");
        sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.expect("holds the writer");
        let refused = sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.expect_err("locked");
        assert!(StoreError::from(refused).is_busy());
        assert!(StoreError::Sqlx(sqlx::Error::PoolTimedOut).is_busy());
        let missing = sqlx::query("SELECT * FROM missing").execute(&mut holder).await.expect_err("no table");
        assert!(!StoreError::from(missing).is_busy(), "other database errors are not busy");
    }

    // ADR 0011: `.cargo/config.toml` builds the bundled SQLite for a server's readers.
    #[tokio::test]
    async fn the_bundled_sqlite_keeps_a_cache_per_connection_and_maps_a_whole_province() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite:{}", dir.path().join("t.db").display()), None).await.expect("opens");
        let Db::Sqlite { reader, .. } = &db else { unreachable!("a sqlite: URL opens SQLite") };
        let options: Vec<String> =
            sqlx::query_scalar("PRAGMA compile_options").fetch_all(reader).await.expect("compile options");
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "one page cache shared by every connection behind one lock: {options:?}"
        );
        assert!(options.iter().any(|o| o == "MAX_MMAP_SIZE=1099511627776"), "{options:?}");
        let mapped: i64 = sqlx::query_scalar("PRAGMA mmap_size").fetch_one(reader).await.expect("mmap_size");
        assert_eq!(mapped, READER_MMAP_BYTES, "a reader maps as much as it asked for");
    }

    // ADR 0012: a bulk load keeps the writer's statement journals in memory, then stops.
    #[tokio::test]
    async fn the_writer_keeps_temporary_storage_in_memory_only_while_asked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite:{}", dir.path().join("t.db").display()), None).await.expect("opens");
        let Db::Sqlite { writer, .. } = &db else { unreachable!("a sqlite: URL opens SQLite") };
        let temp_store =
            || async { sqlx::query_scalar::<_, i64>("PRAGMA temp_store").fetch_one(writer).await.expect("temp_store") };
        assert_eq!(temp_store().await, 0, "files by default");
        db.set_temp_in_memory(true).await.expect("on");
        assert_eq!(temp_store().await, 2, "memory");
        db.set_temp_in_memory(false).await.expect("off");
        assert_eq!(temp_store().await, 0, "files again");
    }

    // SQLite rolls a whole transaction back by itself after some errors (a full disk, an I/O
    // error, a statement journal it cannot write); sqlx's own `ROLLBACK` then fails and it
    // keeps counting the transaction as open (transact-rs/sqlx#4031), so every later `BEGIN`
    // on the one writer connection failed until a restart.
    #[tokio::test]
    async fn a_writer_whose_transaction_sqlite_ended_by_itself_is_replaced_and_the_next_write_succeeds() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite:{}", dir.path().join("t.db").display()), None).await.expect("opens");
        db.execute("CREATE TABLE t (n INTEGER NOT NULL)", vec![]).await.expect("table");
        let mut tx = db.begin().await.expect("begins");
        tx.execute("INSERT INTO t (n) VALUES (1)", vec![]).await.expect("inserts");
        // What SQLite does on such an error: the transaction ends under sqlx's feet.
        tx.execute("ROLLBACK", vec![]).await.expect("SQLite ends the transaction");
        drop(tx);
        let mut tx = db.begin().await.expect("the writer begins again");
        tx.execute("INSERT INTO t (n) VALUES (2)", vec![]).await.expect("inserts");
        tx.commit().await.expect("commits");
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        let rows: Vec<N> = db.fetch_all("SELECT n FROM t ORDER BY n", vec![]).await.expect("reads");
        assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), vec![2], "only the committed write");
    }

    // ADR 0016: a bulk load's transaction runs without the engine's foreign-key checks, and
    // every other write — the next one on the same single writer included — has them.
    #[tokio::test]
    async fn a_bulk_transaction_skips_foreign_key_checks_and_the_writes_after_it_have_them_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite:{}", dir.path().join("t.db").display()), None).await.expect("opens");
        db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)", vec![]).await.expect("parent");
        db.execute("CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent(id))", vec![])
            .await
            .expect("child");
        let orphan = "INSERT INTO child (parent_id) VALUES (7)";

        let mut tx = db.begin().await.expect("begins");
        assert_eq!(tx.insert_into(), "INSERT INTO");
        let refused = tx.execute(orphan, vec![]).await.expect_err("an ordinary write is checked");
        assert!(refused.to_string().contains("FOREIGN KEY"), "{refused}");
        drop(tx);

        for ends in ["commit", "rollback"] {
            let mut tx = db.begin_bulk().await.expect("a bulk load begins");
            assert_eq!(tx.insert_into(), "INSERT OR FAIL INTO");
            tx.execute(orphan, vec![]).await.expect("the bulk load's own references are not checked");
            match ends {
                "commit" => tx.commit().await.expect("commits"),
                _ => drop(tx),
            }
            let mut tx = db.begin().await.expect("the writer begins again");
            let refused = tx.execute(orphan, vec![]).await.expect_err("checked again");
            assert!(refused.to_string().contains("FOREIGN KEY"), "after a {ends}: {refused}");
        }
    }

    #[test]
    fn an_unknown_url_scheme_is_a_clear_error() {
        let err = Engine::of_url("mysql://x").expect_err("mysql is not supported");
        assert!(err.to_string().contains("sqlite: or postgres://"));
    }
}
