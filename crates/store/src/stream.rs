//! Reading a whole list in one pass (exports). Inside `ListStream::scope`, the first
//! `list::fetch_page` counts the list and runs its query once, without LIMIT, streaming the rows
//! through a bounded channel (`Db::stream`); every later page of the scope takes the next rows
//! from that stream. The database sorts once and memory holds a page or two, however long the
//! list, while each list keeps its own query, filters and jurisdiction and its use case's
//! masking. One list per scope: a different query in the same scope is an error.

use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::Receiver;

use crate::list::{Page, Window};
use crate::{Arg, Db, Row, StoreError};

/// Rows the database may run ahead of the reader.
const AHEAD: usize = 1_000;

#[derive(Default)]
struct State {
    /// The query being streamed.
    sql: Option<String>,
    /// Its rows: a `Receiver<Result<T, StoreError>>` for the list's row type.
    rows: Option<Box<dyn Any + Send>>,
    /// What the filter matched, counted on the first page.
    total: i64,
}

/// Where a whole-list read has got to.
#[derive(Clone, Default)]
pub struct ListStream(Arc<Mutex<State>>);

impl std::fmt::Debug for ListStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListStream")
    }
}

tokio::task_local! {
    static CURRENT: ListStream;
}

impl ListStream {
    pub fn new() -> ListStream {
        ListStream::default()
    }

    /// Runs `page` (one call of a list) so that the list continues where the previous page ended.
    pub fn scope<F: Future>(&self, page: F) -> tokio::task::futures::TaskLocalFuture<ListStream, F> {
        CURRENT.scope(self.clone(), page)
    }

    pub(crate) fn current() -> Option<ListStream> {
        CURRENT.try_with(Clone::clone).ok()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next page of the streamed list: `fetch_page`'s form inside a scope.
    pub(crate) async fn next_page<T: Row + 'static>(
        &self,
        db: &Db,
        columns: &str,
        from_where: &str,
        args: Vec<Arg>,
        window: &Window,
        tiebreak: &str,
    ) -> Result<Page<T>, StoreError> {
        let per_page = window.per_page.clamp(1, Window::MAX_PER_PAGE);
        let sql = format!("SELECT {columns} {from_where}{}", window.order_sql(tiebreak));
        let (running, total) = {
            let mut s = self.state();
            if s.sql.as_ref().is_some_and(|q| *q != sql) {
                return Err(StoreError::Data("one list stream reads one list".into()));
            }
            (s.rows.take(), s.total)
        };
        let (mut rows, total) = match running {
            Some(any) => match any.downcast::<Receiver<Result<T, StoreError>>>() {
                Ok(rx) => (*rx, total),
                Err(_) => return Err(StoreError::Data("one list stream reads one list".into())),
            },
            None => {
                let total = crate::list::count(db, from_where, args.clone()).await?;
                (db.stream::<T>(sql.clone(), args, AHEAD), total)
            }
        };
        let mut items = Vec::with_capacity(per_page as usize);
        while items.len() < per_page as usize {
            match rows.recv().await {
                Some(row) => items.push(row?),
                None => break,
            }
        }
        let mut s = self.state();
        s.sql = Some(sql);
        s.rows = Some(Box::new(rows));
        s.total = total;
        Ok(Page { items, total, total_is_lower_bound: false, page: window.page, per_page })
    }
}
