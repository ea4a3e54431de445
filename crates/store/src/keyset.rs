//! Keyset paging for reading a whole list (exports). Inside `Keyset::scope`, `list::fetch_page`
//! continues after the last row it returned — rows whose (sort column, tiebreak) come after it —
//! instead of counting and skipping rows with OFFSET, so the last page of a million-row list
//! costs what the first did. Each list keeps its own query, filters and jurisdiction; the only
//! requirement is that one list call reads one page (one `fetch_page`).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, FromRow, Type, TypeInfo, ValueRef};
use uuid::Uuid;

use crate::list::{Page, Window};
use crate::{Arg, Db, Row, StoreError};

/// A value of a sort or tiebreak column, read back as the `Arg` that binds it again; `None`
/// for NULL.
#[derive(Debug, Clone, PartialEq)]
pub struct AnyValue(pub Option<Arg>);

impl Type<Sqlite> for AnyValue {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(_: &SqliteTypeInfo) -> bool {
        true
    }
}

impl<'r> Decode<'r, Sqlite> for AnyValue {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(AnyValue(None));
        }
        let kind = value.type_info().name().to_string();
        Ok(AnyValue(Some(match kind.as_str() {
            "INTEGER" | "BOOLEAN" => Arg::from(<i64 as Decode<Sqlite>>::decode(value)?),
            "BLOB" => Arg::from(<Uuid as Decode<Sqlite>>::decode(value)?),
            "TEXT" => Arg::from(<String as Decode<Sqlite>>::decode(value)?),
            other => return Err(format!("a sort column of type {other} cannot page by key").into()),
        })))
    }
}

impl Type<Postgres> for AnyValue {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }
    fn compatible(_: &PgTypeInfo) -> bool {
        true
    }
}

impl<'r> Decode<'r, Postgres> for AnyValue {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(AnyValue(None));
        }
        let kind = value.type_info().name().to_string();
        Ok(AnyValue(Some(match kind.as_str() {
            "INT8" => Arg::from(<i64 as Decode<Postgres>>::decode(value)?),
            "INT4" => Arg::from(i64::from(<i32 as Decode<Postgres>>::decode(value)?)),
            "BOOL" => Arg::from(<bool as Decode<Postgres>>::decode(value)?),
            "UUID" => Arg::from(<Uuid as Decode<Postgres>>::decode(value)?),
            "TEXT" | "VARCHAR" => Arg::from(<String as Decode<Postgres>>::decode(value)?),
            other => return Err(format!("a sort column of type {other} cannot page by key").into()),
        })))
    }
}

/// A list row with the values of its sort and tiebreak columns.
struct Keyed<T> {
    item: T,
    sort: AnyValue,
    tie: AnyValue,
}

impl<'r, R, T> FromRow<'r, R> for Keyed<T>
where
    R: sqlx::Row,
    T: FromRow<'r, R>,
    AnyValue: Decode<'r, R::Database> + Type<R::Database>,
    &'static str: sqlx::ColumnIndex<R>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Keyed { item: T::from_row(row)?, sort: row.try_get("ks_sort")?, tie: row.try_get("ks_tie")? })
    }
}

#[derive(Debug, Default)]
struct State {
    /// Sort and tiebreak values of the last row read.
    last: Option<(AnyValue, AnyValue)>,
    /// Rows read so far.
    read: i64,
    /// What the filter matched, counted once on the first page.
    total: Option<i64>,
}

/// Where a whole-list read has got to.
#[derive(Debug, Clone, Default)]
pub struct Keyset(Arc<Mutex<State>>);

tokio::task_local! {
    static CURRENT: Keyset;
}

impl Keyset {
    pub fn new() -> Keyset {
        Keyset::default()
    }

    /// Runs `page` (one call of a list) so that the list continues after the previous page.
    pub fn scope<F: Future>(&self, page: F) -> tokio::task::futures::TaskLocalFuture<Keyset, F> {
        CURRENT.scope(self.clone(), page)
    }

    pub(crate) fn current() -> Option<Keyset> {
        CURRENT.try_with(Clone::clone).ok()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next page after the rows already read: `fetch_page`'s keyset form.
    pub(crate) async fn next_page<T: Row>(
        &self,
        db: &Db,
        columns: &str,
        from_where: &str,
        mut args: Vec<Arg>,
        window: &Window,
        tiebreak: &str,
    ) -> Result<Page<T>, StoreError> {
        let per_page = window.per_page.clamp(1, Window::MAX_PER_PAGE);
        let (last, read, counted) = {
            let s = self.state();
            (s.last.clone(), s.read, s.total)
        };
        let total = match counted {
            Some(t) => t,
            None => crate::list::count(db, from_where, args.clone()).await?,
        };
        let (mut after, mut offset) = (String::new(), 0);
        match last {
            Some((AnyValue(Some(sort)), AnyValue(Some(tie)))) => {
                let cond = crate::dialect::after_row(db.engine(), window.sort, window.descending, tiebreak);
                after = format!(" AND ({cond})");
                args.extend([sort.clone(), sort, tie]);
            }
            // A NULL sort value: where NULLs sort differs by engine, so skip the rows read.
            Some(_) => offset = read,
            None => {}
        }
        let sql = format!(
            "SELECT {columns}, {} AS ks_sort, {tiebreak} AS ks_tie {from_where}{after}{} LIMIT {per_page} OFFSET {offset}",
            window.sort,
            window.order_sql(tiebreak)
        );
        let rows: Vec<Keyed<T>> = db.fetch_all(&sql, args).await?;
        let mut s = self.state();
        s.total = Some(total);
        s.read += rows.len() as i64;
        if let Some(r) = rows.last() {
            s.last = Some((r.sort.clone(), r.tie.clone()));
        }
        let items = rows.into_iter().map(|r| r.item).collect();
        Ok(Page { items, total, total_is_lower_bound: false, page: window.page, per_page })
    }
}
