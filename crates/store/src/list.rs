//! Paginated, filtered, sorted lists: the parameters every table page and API list shares.

use serde::Serialize;

use crate::{Arg, Db, Row, StoreError};

/// A page of a list, with the total the filter matched — counted up to `COUNT_CAP`: past it
/// `total` is `COUNT_CAP` and `total_is_lower_bound` says there are more.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub total_is_lower_bound: bool,
    pub page: i64,
    pub per_page: i64,
}

/// Most rows a list counts. Counting a province's hundred thousand enterprises for every page
/// would cost more than the page itself; past this the page says "10,000+" and the officer
/// narrows the filter (exports still write every row).
pub const COUNT_CAP: i64 = 10_000;

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// How many matches make a large list's page walk its sort column's index instead of sorting
/// them all (ADR 0010): at a 2,000th of two million hazards, five pages of twenty are found
/// within about 200,000 index entries; fewer matches are found through the filters' own
/// indexes and sorted.
pub const WALK_SORT_INDEX_FROM: i64 = 2_000;

/// Where a list starts and how it is ordered. `sort` is a column the caller whitelisted.
#[derive(Debug, Clone)]
pub struct Window {
    pub sort: &'static str,
    pub descending: bool,
    pub page: i64,
    pub per_page: i64,
}

impl Window {
    pub const MAX_PER_PAGE: i64 = 500;
    /// Unbounded window for exports (streamed in pages by the caller).
    pub fn order_sql(&self, tiebreak: &str) -> String {
        format!(" ORDER BY {} {}, {tiebreak}", self.sort, if self.descending { "DESC" } else { "ASC" })
    }
}

/// A `COUNT(*) AS n`.
#[derive(sqlx::FromRow)]
pub(crate) struct Count {
    pub(crate) n: i64,
}

/// `SELECT COUNT(*) {from_where}`.
pub(crate) async fn count(db: &Db, from_where: &str, args: Vec<Arg>) -> Result<i64, StoreError> {
    let count: Option<Count> = db.fetch_optional(&format!("SELECT COUNT(*) AS n {from_where}"), args).await?;
    Ok(count.map(|c| c.n).unwrap_or(0))
}

/// Runs `SELECT {columns} {from_where}` for one page and counts `{from_where}` up to
/// `COUNT_CAP` for the total, with the same arguments. Inside `stream::ListStream::scope` (a whole-list
/// read) the page is the next rows of one streamed query instead.
pub async fn fetch_page<T: Row + 'static>(
    db: &Db,
    columns: &str,
    from_where: &str,
    args: Vec<Arg>,
    window: &Window,
    tiebreak: &str,
) -> Result<Page<T>, StoreError> {
    if let Some(stream) = crate::stream::ListStream::current() {
        return stream.next_page(db, columns, from_where, args, window, tiebreak).await;
    }
    fetch_planned_page(db, columns, from_where, |_| PageFrom::Rows(from_where.to_string()), args, window, tiebreak)
        .await
}

/// Where a planned page's rows are read from (see [`fetch_planned_page`]).
pub enum PageFrom {
    /// `FROM … WHERE …`: the rows are read, sorted and cut to the window in one statement.
    Rows(String),
    /// The window is cut from the filters' matches on `key` alone (`FROM {table} WHERE
    /// {filters}`), then the chosen rows are read through `FROM {table}{joins}`. Sorting a few
    /// thousand matches then moves their keys, not their whole rows each joined first (a
    /// county's 1,804 open hazards, page 3: 17 ms → 4 ms on SQLite).
    KeysFirst { table: &'static str, joins: &'static str, filters: String, key: &'static str },
}

impl PageFrom {
    /// The one-statement `FROM … WHERE …`, for a whole-list read.
    fn into_rows(self) -> String {
        match self {
            PageFrom::Rows(from_where) => from_where,
            PageFrom::KeysFirst { table, joins, filters, .. } => format!("FROM {table}{joins} WHERE {filters}"),
        }
    }
}

/// [`fetch_page`] for a large table: the total is counted on `count_from_where` (the filters
/// alone, without the joins the columns need), and the page read from `page_from(total)`,
/// which may choose its plan knowing how many rows match — walking the sort column's index
/// when matches are plentiful, so twenty rows are found without sorting them all, or else
/// choosing the page's keys before reading its rows. Inside a whole-list read (`stream`) the
/// page is `page_from(0)`'s next rows.
pub async fn fetch_planned_page<T: Row + 'static>(
    db: &Db,
    columns: &str,
    count_from_where: &str,
    page_from: impl FnOnce(i64) -> PageFrom,
    args: Vec<Arg>,
    window: &Window,
    tiebreak: &str,
) -> Result<Page<T>, StoreError> {
    if let Some(stream) = crate::stream::ListStream::current() {
        return stream.next_page(db, columns, &page_from(0).into_rows(), args, window, tiebreak).await;
    }
    let per_page = window.per_page.clamp(1, Window::MAX_PER_PAGE);
    let page = window.page.max(1);
    let capped: Option<Count> = db
        .fetch_optional(
            &format!("SELECT COUNT(*) AS n FROM (SELECT 1 AS one {count_from_where} LIMIT {}) capped", COUNT_CAP + 1),
            args.clone(),
        )
        .await?;
    let counted = capped.map(|c| c.n).unwrap_or(0);
    let order = window.order_sql(tiebreak);
    let cut = format!("LIMIT {per_page} OFFSET {}", (page - 1) * per_page);
    let sql = match page_from(counted) {
        PageFrom::Rows(from_where) => format!("SELECT {columns} {from_where}{order} {cut}"),
        PageFrom::KeysFirst { table, joins, filters, key } => format!(
            "SELECT {columns} FROM {table}{joins} WHERE {key} IN (SELECT {key} FROM {table} WHERE {filters}{order} {cut}){order}"
        ),
    };
    let items = db.fetch_all(&sql, args).await?;
    Ok(Page { items, total: counted.min(COUNT_CAP), total_is_lower_bound: counted > COUNT_CAP, page, per_page })
}
