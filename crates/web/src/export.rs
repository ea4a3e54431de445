//! Exports of any filtered list as CSV or XLSX, streamed: the list is read page by page through
//! its use case, the pages cut from one streamed query (`touchstone_store::stream`), and each
//! page goes out as it is read, so neither memory nor the cost of a page grows with the list. CSV is written
//! into the response body page by page; XLSX goes through rust_xlsxwriter's constant-memory
//! worksheet into a temporary file that is then streamed back. The export's audit entry (a
//! sensitive read, R-AUD-1) is written before the first byte, with the number of rows.

use std::future::Future;
use std::io::{Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt};
use tokio::sync::mpsc;
use touchstone_app::{Actor, App};
use touchstone_store::list::{Page, Window};
use touchstone_store::stream::ListStream;

use crate::AppState;
use crate::error::WebResult;
use crate::extract::Auth;
use crate::listing::ListParams;

/// The most rows one export holds (an XLSX sheet holds 1,048,576).
pub const MAX_EXPORT_ROWS: usize = 1_000_000;

/// The longest text an XLSX cell holds; longer values are cut there.
const MAX_CELL_CHARS: usize = 32_767;

/// Exports running at once: each holds a read connection for as long as it streams (SQLite
/// has four); the next waits for one to finish.
static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Rows of one page, or why reading the list stopped.
pub type Batch = Result<Vec<Vec<String>>, String>;

/// One export: the file name's stem, the audit entity type, the format and the header row.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub stem: &'static str,
    pub entity_type: &'static str,
    pub xlsx: bool,
    pub header: Vec<String>,
}

impl ExportSpec {
    /// The header from column keys, each `col-<key>` in the user's language.
    pub fn new(auth: &Auth, stem: &'static str, entity_type: &'static str, xlsx: bool, columns: &[&str]) -> Self {
        let header = columns.iter().map(|k| auth.tr.t(&format!("col-{k}"))).collect();
        ExportSpec { stem, entity_type, xlsx, header }
    }
}

/// Streams every item of a filtered list: `list(app, actor, filter, window)` is one page of
/// the list as its API answers it, `row` turns an item into cells. Errors before the first
/// page (a bad filter, no permission) are ordinary error responses; the audit entry is
/// written once the first page is read.
#[allow(clippy::too_many_arguments)]
pub async fn export<T, Fl, L, Fut, R>(
    state: &AppState,
    auth: &Auth,
    params: &ListParams,
    spec: ExportSpec,
    mut window: Window,
    filter: Fl,
    list: L,
    row: R,
) -> WebResult<Response>
where
    T: Send + 'static,
    Fl: Clone + Send + Sync + 'static,
    L: Fn(App, Actor, Fl, Window) -> Fut + Send + 'static,
    Fut: Future<Output = touchstone_app::Result<Page<T>>> + Send + 'static,
    R: FnMut(T) -> Vec<String> + Send + 'static,
{
    window.page = 1;
    window.per_page = Window::MAX_PER_PAGE;
    let permit = RUNNING.acquire().await.map_err(|e| touchstone_app::Error::Internal(e.to_string()))?;
    let (app, actor) = (state.app.clone(), auth.actor.clone());
    let stream = ListStream::new();
    let first = stream.scope(list(app.clone(), actor.clone(), filter.clone(), window.clone())).await?;
    let rows = first.total.clamp(0, MAX_EXPORT_ROWS as i64);
    touchstone_app::audit::record_export(
        &state.app,
        &auth.actor,
        spec.entity_type,
        serde_json::json!({"filter": params.query_string(&[]), "rows": rows, "format": if spec.xlsx { "xlsx" } else { "csv" }}),
    )
    .await?;
    let (tx, rx) = mpsc::channel::<Batch>(2);
    let fetch = move |w: Window| stream.scope(list(app.clone(), actor.clone(), filter.clone(), w));
    tokio::spawn(async move {
        feed(first, window, fetch, row, tx).await;
        drop(permit);
    });
    let dir = state.app.config.server.data_dir.join("exports");
    Ok(respond(spec.stem, spec.xlsx, spec.header, rx, dir))
}

/// A table already in memory (a short report, such as an import's errors) through the same
/// writers; XLSX temporary files go to the system's temporary directory.
pub fn table(stem: &str, xlsx: bool, header: Vec<String>, rows: Vec<Vec<String>>) -> Response {
    let (tx, rx) = mpsc::channel::<Batch>(1);
    // The channel is empty: the one batch fits without waiting.
    let _ = tx.try_send(Ok(rows));
    respond(stem, xlsx, header, rx, std::env::temp_dir())
}

fn respond(stem: &str, xlsx: bool, header: Vec<String>, rx: mpsc::Receiver<Batch>, dir: PathBuf) -> Response {
    let (body, content_type, ext) = if xlsx {
        (xlsx_body(header, rx, dir), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
    } else {
        (csv_body(header, rx), "text/csv; charset=utf-8", "csv")
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{stem}.{ext}\"")),
        ],
        body,
    )
        .into_response()
}

/// Sends the first page and every following one until the list (or `MAX_EXPORT_ROWS`) ends,
/// the reader goes away, or a page fails.
async fn feed<T, F, Fut, R>(first: Page<T>, mut window: Window, mut fetch: F, mut row: R, tx: mpsc::Sender<Batch>)
where
    F: FnMut(Window) -> Fut,
    Fut: Future<Output = touchstone_app::Result<Page<T>>>,
    R: FnMut(T) -> Vec<String>,
{
    let mut page = first;
    let mut sent = 0usize;
    loop {
        let last = page.items.len() < window.per_page as usize;
        let batch: Vec<Vec<String>> = page.items.into_iter().take(MAX_EXPORT_ROWS - sent).map(&mut row).collect();
        sent += batch.len();
        if tx.send(Ok(batch)).await.is_err() || last || sent >= MAX_EXPORT_ROWS {
            return;
        }
        window.page += 1;
        page = match fetch(window.clone()).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, page = window.page, "export stopped: reading a page failed");
                let _ = tx.send(Err(e.to_string())).await;
                return;
            }
        };
    }
}

/// One CSV record (CRLF-terminated): formulas neutralised, fields quoted when needed.
pub fn csv_record(fields: &[String], out: &mut String) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // A leading = + - @ would run as a formula in spreadsheet software.
        let f = if f.starts_with(['=', '+', '-', '@']) { format!("'{f}") } else { f.clone() };
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&f);
        }
    }
    out.push_str("\r\n");
}

/// A CSV body (UTF-8 with BOM, so spreadsheet software reads Chinese): the header, then one
/// chunk per batch as it arrives.
pub fn csv_body(header: Vec<String>, rx: mpsc::Receiver<Batch>) -> Body {
    let mut head = String::from("\u{feff}");
    csv_record(&header, &mut head);
    let rest = futures::stream::unfold(rx, |mut rx| async move {
        let chunk = match rx.recv().await? {
            Ok(rows) => {
                let mut out = String::with_capacity(rows.len() * 128);
                for r in &rows {
                    csv_record(r, &mut out);
                }
                Ok(Bytes::from(out))
            }
            Err(e) => Err(std::io::Error::other(e)),
        };
        Some((chunk, rx))
    });
    Body::from_stream(futures::stream::once(async move { Ok(Bytes::from(head)) }).chain(rest))
}

/// Sets its flag when dropped: the body went away before the workbook was finished.
struct Cancel(Arc<AtomicBool>);

impl Drop for Cancel {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn cell(v: &str) -> &str {
    match v.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &v[..i],
        None => v,
    }
}

/// Writes the header and every batch into a constant-memory worksheet (temporary files in
/// `dir`), saves the workbook to an unnamed temporary file there and returns it rewound.
fn write_workbook(
    header: &[String],
    rx: &mut mpsc::Receiver<Batch>,
    dir: &std::path::Path,
    cancelled: &AtomicBool,
) -> Result<std::fs::File, String> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| format!("writing the workbook: {e}");
    let io = |e: std::io::Error| format!("writing the workbook: {e}");
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_tempdir(dir).map_err(xlsx)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = wb.add_worksheet_with_constant_memory().map_err(xlsx)?;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, cell(h), &bold).map_err(xlsx)?;
    }
    let mut r: u32 = 1;
    while let Some(batch) = rx.blocking_recv() {
        if cancelled.load(Ordering::Relaxed) {
            return Err("the download was cancelled".into());
        }
        for values in batch? {
            for (c, v) in values.iter().enumerate() {
                sheet.write_string(r, c as u16, cell(v)).map_err(xlsx)?;
            }
            r += 1;
        }
    }
    let mut file = tempfile::tempfile_in(dir).map_err(io)?;
    wb.save_to_writer(&mut file).map_err(xlsx)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(file)
}

/// An XLSX body: the workbook is built on a blocking thread as batches arrive (constant
/// memory), then its file is streamed. Dropping the body early stops the build.
pub fn xlsx_body(header: Vec<String>, mut rx: mpsc::Receiver<Batch>, dir: PathBuf) -> Body {
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = cancelled.clone();
    let built = tokio::task::spawn_blocking(move || write_workbook(&header, &mut rx, &dir, &flag));
    let guard = Cancel(cancelled);
    let file = futures::stream::once(async move {
        let _guard = guard;
        match built.await {
            Ok(Ok(file)) => Ok(tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file))),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "export stopped");
                Err(std::io::Error::other(e))
            }
            Err(e) => Err(std::io::Error::other(e)),
        }
    });
    Body::from_stream(file.try_flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_neutralise_formulas_and_quote_separators() {
        let mut out = String::new();
        csv_record(&["=SUM(A1)".into(), "a,b".into(), "say \"hi\"".into(), "南昌".into()], &mut out);
        assert_eq!(out, "'=SUM(A1),\"a,b\",\"say \"\"hi\"\"\",南昌\r\n");
    }

    #[test]
    fn a_cell_is_cut_at_the_xlsx_limit_on_a_character_boundary() {
        let long = "字".repeat(MAX_CELL_CHARS + 5);
        assert_eq!(cell(&long).chars().count(), MAX_CELL_CHARS);
        assert_eq!(cell("short"), "short");
    }

    #[tokio::test]
    async fn an_xlsx_body_streams_a_workbook_of_every_batch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (tx, rx) = mpsc::channel::<Batch>(2);
        let body = xlsx_body(vec!["a".into(), "b".into()], rx, dir.path().to_path_buf());
        tokio::spawn(async move {
            for i in 0..3 {
                let rows = (0..500).map(|j| vec![format!("{i}-{j}"), "x".into()]).collect();
                tx.send(Ok(rows)).await.expect("send");
            }
        });
        let bytes: Vec<u8> = body
            .into_data_stream()
            .try_fold(Vec::new(), |mut v, b| async move {
                v.extend_from_slice(&b);
                Ok(v)
            })
            .await
            .expect("body");
        assert!(bytes.starts_with(b"PK\x03\x04"), "a zip file");
        let path = dir.path().join("out.xlsx");
        std::fs::write(&path, &bytes).expect("write");
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("opens");
        let range = wb.worksheet_range("Sheet1").expect("sheet");
        assert_eq!(range.height(), 1 + 1500);
    }

    #[tokio::test]
    async fn a_failed_page_ends_a_csv_body_with_an_error() {
        let (tx, rx) = mpsc::channel::<Batch>(2);
        let body = csv_body(vec!["h".into()], rx);
        tx.send(Ok(vec![vec!["1".into()]])).await.expect("send");
        tx.send(Err("database gone".into())).await.expect("send");
        drop(tx);
        let chunks: Vec<Result<Bytes, axum::Error>> = body.into_data_stream().collect().await;
        assert_eq!(chunks.len(), 3);
        assert!(chunks[2].is_err());
    }
}
