//! The few places where SQLite and PostgreSQL truly differ. Everything else is one query text.

use touchstone_domain::search::Query;

use crate::{Arg, Engine, StoreError, Tx};

/// Serialises writers on a table for the rest of the transaction. SQLite already holds the
/// database write lock (`BEGIN IMMEDIATE`); PostgreSQL takes an explicit table lock.
pub async fn lock_table(tx: &mut Tx, table: &'static str) -> Result<(), StoreError> {
    if tx.engine() == Engine::Postgres {
        tx.execute(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"), vec![]).await?;
    }
    Ok(())
}

/// The suffix that locks the selected rows until the transaction ends (PostgreSQL); SQLite's
/// single writer makes it unnecessary there.
pub fn for_update(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "",
        Engine::Postgres => " FOR UPDATE",
    }
}

/// The query listing a table's columns and declared types, in order: one row per column
/// with `name` and `type_name`.
pub fn columns_query(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "SELECT name, type AS type_name FROM pragma_table_info(?) ORDER BY cid",
        Engine::Postgres => {
            "SELECT column_name::TEXT AS name, data_type::TEXT AS type_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        }
    }
}

/// SQL for the text of the top-level `key` of the JSON object stored as text in `column`
/// (`NULL` when absent): `json_extract` on SQLite, `->>` on PostgreSQL.
pub fn json_text(engine: Engine, column: &str, key: &str) -> String {
    match engine {
        Engine::Sqlite => format!("json_extract({column}, '$.{key}')"),
        Engine::Postgres => format!("(CAST({column} AS jsonb) ->> '{key}')"),
    }
}

/// SQL for a UUID column as the hyphenated lower-case text other tables keep ids in (audit
/// entries' `entity_id`): SQLite stores UUIDs as 16-byte blobs.
pub fn uuid_text(engine: Engine, column: &str) -> String {
    match engine {
        Engine::Sqlite => format!(
            "lower(substr(hex({column}), 1, 8) || '-' || substr(hex({column}), 9, 4) || '-' || substr(hex({column}), 13, 4) \
             || '-' || substr(hex({column}), 17, 4) || '-' || substr(hex({column}), 21, 12))"
        ),
        Engine::Postgres => format!("CAST({column} AS TEXT)"),
    }
}

/// Case-insensitive "contains" for a filter: both engines lower-case ASCII; Chinese text
/// matches as it is.
pub fn contains_pattern(needle: &str) -> String {
    format!("%{}%", escape_like(needle).to_lowercase())
}

/// `text` with the LIKE wildcards and the escape character escaped (`ESCAPE '\\'`).
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// An enterprise full-text search (ADR 0005): FTS5 on SQLite, the GIN-indexed tsvector on
/// PostgreSQL, over the same tokens. Two shapes of the one match, each with one `?` for
/// [`FullText::arg`]: a subquery of ids for pages, a join for counting (ADR 0010).
pub struct FullText {
    engine: Engine,
}

impl FullText {
    pub fn new(engine: Engine) -> FullText {
        FullText { engine }
    }

    /// The query's phrase, as the engine's match expression.
    pub fn arg(&self, query: &Query) -> Arg {
        match self.engine {
            Engine::Sqlite => Arg::from(query.fts5()),
            Engine::Postgres => Arg::from(query.tsquery()),
        }
    }

    /// A subquery selecting the matching enterprises' ids, for `e.id IN (…)`: the engine
    /// collects them once, then sorts them or tests the rows of an index it walks.
    pub fn ids(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => {
                "SELECT s.enterprise_id FROM enterprise_fts JOIN enterprise_search s ON s.rid = enterprise_fts.rowid \
                 WHERE enterprise_fts MATCH ?"
            }
            Engine::Postgres => "SELECT enterprise_id FROM enterprise_search WHERE tsv @@ CAST(? AS tsquery)",
        }
    }

    /// `{column}` is one of the matches, the matches collected before any row is read: few of
    /// them are then looked up by identifier and sorted. SQLite evaluates an `IN` subquery
    /// once into a list; PostgreSQL may instead walk the sort column's index testing every
    /// enterprise against the subquery (a 4-match search read all 103,000: 208 ms instead of
    /// 3), so there the matches are an array it computes first.
    pub fn collected(&self, column: &str) -> String {
        match self.engine {
            Engine::Sqlite => format!("{column} IN ({})", self.ids()),
            Engine::Postgres => format!("{column} = ANY(ARRAY({}))", self.ids()),
        }
    }

    /// `(joins, condition)` that make the matches drive a statement over `enterprises e`:
    /// counting reads the index's matches once instead of collecting them into a list first.
    pub fn join(&self) -> (&'static str, &'static str) {
        match self.engine {
            Engine::Sqlite => (
                " JOIN enterprise_search s ON s.enterprise_id = e.id JOIN enterprise_fts ON enterprise_fts.rowid = s.rid",
                "enterprise_fts MATCH ?",
            ),
            Engine::Postgres => (" JOIN enterprise_search s ON s.enterprise_id = e.id", "s.tsv @@ CAST(? AS tsquery)"),
        }
    }
}

/// `column` as a condition's operand that SQLite will not look up in an index (`+column`); the
/// column itself on PostgreSQL, whose planner weighs such choices by its statistics. For a
/// condition kept for correctness where another one on the same column says better which
/// index entries to read.
pub fn not_an_index_key(engine: Engine, column: &str) -> String {
    match engine {
        Engine::Sqlite => format!("+{column}"),
        Engine::Postgres => column.to_string(),
    }
}

/// ` INDEXED BY {index}` on SQLite, whose planner cannot weigh a `LIMIT` against a sort and
/// would otherwise sort every matching row to return twenty; nothing on PostgreSQL, whose
/// planner does. For a table named in a `FROM` clause, after its alias.
pub fn indexed_by(engine: Engine, index: &str) -> String {
    match engine {
        Engine::Sqlite => format!(" INDEXED BY {index}"),
        Engine::Postgres => String::new(),
    }
}

#[derive(sqlx::FromRow)]
struct Present {
    present: bool,
}

/// Whether the planner has statistics to work from: a row in SQLite's `sqlite_stat1`, or
/// figures PostgreSQL gathered for a table of the schema.
async fn has_statistics(db: &crate::Db) -> Result<bool, StoreError> {
    let ask = |sql: &'static str| async move {
        let p: Option<Present> = db.fetch_optional(sql, vec![]).await?;
        Ok::<bool, StoreError>(p.is_some_and(|p| p.present))
    };
    match db.engine() {
        Engine::Sqlite => Ok(ask("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1') AS present")
            .await?
            && ask("SELECT EXISTS (SELECT 1 FROM sqlite_stat1) AS present").await?),
        Engine::Postgres => {
            ask("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema()) AS present").await
        }
    }
}

/// At start: the statistics are taken only when the database has none yet (a new one). They
/// are kept in the database and refreshed after every bulk load and daily by the sweeper, so a
/// restart does not hold the writer (and keep the server from serving) while `ANALYZE` reads
/// a province's tables — minutes on a database of several gigabytes. Figures an older version
/// left for FTS5's tables are still removed. Whether it took them.
pub async fn ensure_statistics(db: &crate::Db) -> Result<bool, StoreError> {
    if !has_statistics(db).await? {
        refresh_statistics(db).await?;
        return Ok(true);
    }
    if db.engine() == Engine::Sqlite {
        let stale = db
            .fetch_optional::<Present>(
                "SELECT EXISTS (SELECT 1 FROM sqlite_stat1 WHERE tbl LIKE '%\\_fts\\_%' ESCAPE '\\') AS present",
                vec![],
            )
            .await?
            .is_some_and(|p| p.present);
        if stale {
            let mut tx = db.begin().await?;
            tx.execute_script(FORGET_FTS_STATISTICS).await?;
            tx.commit().await?;
        }
    }
    Ok(false)
}

/// Removes the figures SQLite's `ANALYZE` took for FTS5's own tables (see [`refresh_statistics`]).
const FORGET_FTS_STATISTICS: &str = "DELETE FROM sqlite_stat1 WHERE tbl LIKE '%\\_fts\\_%' ESCAPE '\\'; \
     DELETE FROM sqlite_stat4 WHERE tbl LIKE '%\\_fts\\_%' ESCAPE '\\';";

/// Refreshes the planner's statistics, so a province-wide list is read through the index of
/// its sort column and a county's through the region index: SQLite's `ANALYZE` (the bundled
/// library samples value ranges, STAT4), PostgreSQL's `ANALYZE` (autovacuum does it too, but
/// late after a bulk load). Run on a new database at start ([`ensure_statistics`]), after bulk
/// loads and daily by the sweeper.
///
/// On SQLite the tables behind a full-text index keep no statistics: FTS5 plans its own
/// statements, and once a connection has loaded figures for them (an empty database is
/// analysed at start) it merges its segments by scanning them — indexing an import ran three
/// times slower. A connection loads statistics when it opens, so figures left by an older
/// version are removed here and stop mattering at the next start.
pub async fn refresh_statistics(db: &crate::Db) -> Result<(), StoreError> {
    match db.engine() {
        Engine::Sqlite => {
            #[derive(sqlx::FromRow)]
            struct Name {
                name: String,
            }
            let tables: Vec<Name> = db
                .fetch_all(
                    "SELECT t.name FROM sqlite_schema t WHERE t.type = 'table' \
                     AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND t.sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
                     AND NOT EXISTS (SELECT 1 FROM sqlite_schema v WHERE v.type = 'table' \
                         AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND substr(t.name, 1, length(v.name) + 1) = v.name || '_') \
                     ORDER BY t.name",
                    vec![],
                )
                .await?;
            // A table at a time: each `ANALYZE` holds the single writer while it reads its table
            // (seconds for a province's hazards), so other writes wait for one table, not all.
            for t in &tables {
                let mut tx = db.begin().await?;
                tx.execute_script(&analyse(&[t.name.as_str()])).await?;
                tx.commit().await?;
            }
            let mut tx = db.begin().await?;
            tx.execute_script(FORGET_FTS_STATISTICS).await?;
            tx.commit().await?;
            Ok(())
        }
        Engine::Postgres => {
            db.execute("ANALYZE", vec![]).await?;
            Ok(())
        }
    }
}

/// [`refresh_statistics`] for the `tables` a bulk load wrote (ordinary tables, not full-text
/// ones), inside its transaction: the figures commit with the rows they describe, and a load
/// into a province's database does not read its millions of untouched rows again.
pub async fn refresh_statistics_in(tx: &mut Tx, tables: &[&str]) -> Result<(), StoreError> {
    match tx.engine() {
        Engine::Sqlite => tx.execute_script(&format!("{}{FORGET_FTS_STATISTICS}", analyse(tables))).await?,
        Engine::Postgres if !tables.is_empty() => {
            let quoted: Vec<String> = tables.iter().map(|t| quoted(t)).collect();
            tx.execute(&format!("ANALYZE {}", quoted.join(", ")), vec![]).await?;
        }
        Engine::Postgres => {}
    }
    Ok(())
}

/// SQLite's `ANALYZE` of each of `tables`, as one script.
fn analyse(tables: &[&str]) -> String {
    tables.iter().map(|t| format!("ANALYZE {}; ", quoted(t))).collect()
}

/// A table's name quoted as an SQL identifier.
fn quoted(table: &str) -> String {
    format!("\"{}\"", table.replace('"', "\"\""))
}
