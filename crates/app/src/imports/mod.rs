//! Bulk imports (R-ENT-5) of enterprises, products and certificates from CSV (UTF-8, BOM,
//! GBK) or XLSX with Chinese or English headers (ADR 0004). One pipeline serves every kind:
//! the job row and its progress, reading the file, validating every row without holding the
//! writer (a key repeated inside the file is a row error), strict refusal, then one
//! transaction that applies the kind's plan, stores the row errors and the outcome, and
//! writes one audit entry for the whole import. An interruption leaves the database as it
//! was; a second run of the same file changes nothing and says so. Each kind (one file each)
//! says how its rows map and validate, how they compare with what is registered, and how
//! they are written.

pub mod archive;
pub mod certificates;
pub mod enterprises;
pub mod products;

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use touchstone_domain::ValidationErrors;
use touchstone_domain::role::Permission;
use touchstone_store::Tx;
use touchstone_store::bulk::SetAside;
use touchstone_store::enterprises::EnterpriseRow;
use touchstone_store::imports::{self as store, ImportErrorRow, JobRow, RecordChangeRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::tabular::{self, Aliases};
use crate::{Actor, App, Error, Result};

/// Largest import file accepted.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Enterprises,
    Products,
    Certificates,
}

impl Kind {
    pub const ALL: &[Kind] = &[Kind::Enterprises, Kind::Products, Kind::Certificates];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Enterprises => "enterprises",
            Kind::Products => "products",
            Kind::Certificates => "certificates",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s.trim())
    }
}

/// The counts and outcome of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub job: JobRow,
    pub errors: Vec<ImportErrorRow>,
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::field("file", "unreadable", format!("{}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Registers a job for a file of `kind` (status `queued`), so a page can follow it.
pub async fn create_job(
    app: &App,
    actor: &Actor,
    kind: Kind,
    path: &Path,
    file_name: &str,
    strict: bool,
) -> Result<JobRow> {
    actor.require(Permission::EditEnterprises, "importing records")?;
    let now = app.clock.now().as_micros();
    let job = JobRow {
        id: Uuid::now_v7(),
        kind: kind.as_str().into(),
        file_name: file_name.chars().take(200).collect(),
        file_sha256: sha256_file(path)?,
        strict,
        status: "queued".into(),
        message: None,
        total_rows: 0,
        processed_rows: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        error_rows: 0,
        organisation_id: actor.organisation.as_ref().map(|o| o.id),
        region_code: actor.organisation.as_ref().map(|o| o.region_code.clone()),
        created_by: actor.username.clone(),
        created_at: now,
        updated_at: now,
    };
    store::insert_job(&app.db, &job).await?;
    Ok(job)
}

pub(crate) fn error_row(job: Uuid, row: usize, field: &str, value: &str, reason: String) -> ImportErrorRow {
    ImportErrorRow {
        id: Uuid::now_v7(),
        job_id: job,
        row_number: row as i64,
        field: field.into(),
        value: value.chars().take(200).collect(),
        reason,
        file_name: None,
    }
}

/// The cells of one record by field name.
pub(crate) type Cells = HashMap<&'static str, String>;

/// A cell's text, empty when the column is absent.
pub(crate) fn cell(cells: &Cells, field: &str) -> String {
    cells.get(field).cloned().unwrap_or_default()
}

/// A cell's text, `None` when absent or blank.
pub(crate) fn optional_cell(cells: &Cells, field: &str) -> Option<String> {
    cells.get(field).cloned().filter(|s| !s.trim().is_empty())
}

/// The stored code for a cell written as a Chinese word or as the code itself.
pub(crate) fn code_of(value: &str, table: &[(&str, &str)]) -> String {
    let v = value.trim();
    table.iter().find(|(zh, _)| *zh == v).map(|(_, code)| code.to_string()).unwrap_or_else(|| v.to_lowercase())
}

/// Splits a list cell (`04.01|04.02`, `04.01，04.02`, `04.01 04.02` …).
pub(crate) fn split_list(value: &str) -> Vec<String> {
    value
        .split(['|', ',', '，', ';', '；', '、', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// A category code from a catalogue code or name (`04.01` or its Chinese or English name);
/// anything else as it is, for validation to name.
pub(crate) fn category_code(value: &str) -> String {
    let cat = touchstone_domain::catalogue::catalogue();
    let v = value.trim();
    match cat.get(v) {
        Some(c) => c.code.to_string(),
        None => cat.find_by_name(v).map(|c| c.code.to_string()).unwrap_or_else(|| v.to_string()),
    }
}

/// Category codes from a list cell of codes or catalogue names.
pub(crate) fn category_codes(value: &str) -> Vec<String> {
    split_list(value).iter().map(|c| category_code(c)).collect()
}

/// A date cell as `YYYY-MM-DD` when it is one written another common way (`2024/3/5`,
/// `2024.03.05`, `2024年3月5日`, `20240305`, a spreadsheet's day number, a time after it);
/// otherwise as it is, for validation to name.
pub(crate) fn date_cell(value: &str) -> String {
    let v = value.trim();
    let v = v.split([' ', 'T']).next().unwrap_or(v);
    if let Ok(day) = v.parse::<f64>()
        && (10_000.0..100_000.0).contains(&day)
        && let Ok(epoch) = time::Date::from_calendar_date(1899, time::Month::December, 30)
        && let Some(d) = epoch.checked_add(time::Duration::days(day.trunc() as i64))
    {
        return d.to_string();
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty();
    if v.len() == 8 && digits(v) {
        return format!("{}-{}-{}", &v[..4], &v[4..6], &v[6..]);
    }
    let parts: Vec<&str> = v.split(['-', '/', '.', '年', '月', '日']).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && digits(y) && digits(m) && digits(d) && m.len() <= 2 && d.len() <= 2 => {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => v.to_string(),
    }
}

/// Moves the field errors of a failed step into `errors`; the value when it succeeded.
pub(crate) fn gather<T>(errors: &mut ValidationErrors, result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(Error::Validation(v)) => {
            errors.0.extend(v.0);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The registered enterprises among `codes` that the actor may see, by credit code. A code
/// registered outside the jurisdiction is answered like one not registered at all.
pub(crate) async fn visible_enterprises(
    app: &App,
    actor: &Actor,
    codes: impl Iterator<Item = String>,
) -> Result<HashMap<String, EnterpriseRow>> {
    let mut codes: Vec<String> = codes.collect();
    codes.sort();
    codes.dedup();
    Ok(touchstone_store::enterprises::by_usccs(&app.db, &codes)
        .await?
        .into_iter()
        .filter(|e| actor.regions.contains(&e.region_code) || actor.own_enterprise() == Some(e.id))
        .map(|e| (e.uscc.clone(), e))
        .collect())
}

/// The row error of a credit code no visible enterprise has.
pub(crate) fn unknown_holder(job: Uuid, line: usize, uscc: &str) -> ImportErrorRow {
    error_row(job, line, "uscc", uscc, "no enterprise with this credit code is registered in your jurisdiction".into())
}

/// A credit code as registered, or the error naming the `uscc` field.
pub(crate) fn credit_code(value: &str) -> Result<String> {
    touchstone_domain::uscc::Uscc::parse(value)
        .map(|u| u.to_string())
        .map_err(|e| Error::field("uscc", e.rule(), e.to_string()))
}

/// Inserts, updates and how many rows matched what is registered.
pub(crate) struct Plan<I, U> {
    pub inserts: Vec<I>,
    pub updates: Vec<U>,
    pub unchanged: i64,
}

impl<I, U> Default for Plan<I, U> {
    fn default() -> Self {
        Plan { inserts: Vec::new(), updates: Vec::new(), unchanged: 0 }
    }
}

/// What one kind of import supplies to the shared pipeline.
pub(crate) trait Importer: 'static {
    const KIND: Kind;
    /// The audit action of one import.
    const ACTION: &'static str;
    const ALIASES: &'static Aliases;
    const REQUIRED: &'static [&'static str];
    /// The field named when a record's key repeats an earlier row's, and what the key is.
    const KEY: (&'static str, &'static str);
    /// The tables that receive about one row per inserted record, written in multi-row
    /// statements: a load at least as large as what they hold sets their secondary indexes
    /// aside and builds them again before the commit (`bulk::SetAside`, ADR 0014).
    const BULK_TABLES: &'static [&'static str] = &[];
    /// A validated row, before it is compared with what is registered.
    type Staged: Send + Sync + 'static;
    type Insert: Send + Sync;
    type Update: Send + Sync;

    /// Validates one record without touching the database: its key inside the file and the
    /// staged row, or the field errors (named by import field).
    fn stage(actor: &Actor, cells: &Cells, today: &str, now: i64) -> Result<(String, Self::Staged)>;

    /// Makes, on the reading thread of the second pass, what writing a staged row needs besides
    /// the row itself (its search row, its history), so the writer does not wait for it.
    fn prepare(_staged: &mut Self::Staged) {}

    /// Decides insert, update or unchanged against what is registered now; rows that cannot
    /// be applied (outside the jurisdiction, another holder's number …) become errors.
    async fn plan(
        app: &App,
        actor: &Actor,
        job: Uuid,
        staged: Vec<(usize, Self::Staged)>,
        errors: &mut Vec<ImportErrorRow>,
    ) -> Result<Plan<Self::Insert, Self::Update>>;

    /// Writes the plan inside the import's transaction.
    async fn apply(
        app: &App,
        tx: &mut Tx,
        actor: &Actor,
        job: Uuid,
        plan: &Plan<Self::Insert, Self::Update>,
    ) -> Result<()>;
}

/// The conflict when a record changed between validation and the apply step.
pub(crate) fn moved(what: &str, verb: &str) -> Error {
    Error::Conflict { code: "import_conflict", message: format!("{what} {verb} while the import ran; run it again") }
}

/// Who writes an import's history rows, in which job, and when.
pub(crate) struct Stamp<'a> {
    pub actor: &'a Actor,
    pub job: Uuid,
    pub at: i64,
}

impl Stamp<'_> {
    /// The history row an import leaves on a product or certificate.
    pub(crate) fn change(
        &self,
        entity_type: &str,
        entity_id: Uuid,
        enterprise_id: Uuid,
        before: Option<&serde_json::Value>,
        after: &serde_json::Value,
    ) -> RecordChangeRow {
        RecordChangeRow {
            id: Uuid::now_v7(),
            entity_type: entity_type.into(),
            entity_id,
            enterprise_id,
            at: self.at,
            actor_name: self.actor.username.clone(),
            action: format!("{entity_type}.import"),
            before_json: before.map(|b| b.to_string()),
            after_json: Some(after.to_string()),
            job_id: Some(self.job),
        }
    }
}

/// Runs a queued job to its end. `progress(processed, total)` is called as rows are validated.
pub async fn run(
    app: &App,
    actor: &Actor,
    mut job: JobRow,
    path: &Path,
    progress: &(dyn Fn(i64, i64) + Sync),
) -> Result<Outcome> {
    let result = match Kind::parse(&job.kind) {
        Some(Kind::Enterprises) => run_kind::<enterprises::Enterprises>(app, actor, &mut job, path, progress).await,
        Some(Kind::Products) => run_kind::<products::Products>(app, actor, &mut job, path, progress).await,
        Some(Kind::Certificates) => run_kind::<certificates::Certificates>(app, actor, &mut job, path, progress).await,
        None => Err(Error::Internal(format!("unknown import kind {:?}", job.kind))),
    };
    if let Err(e) = &result {
        record_failure(app, &mut job, e).await;
    }
    result
}

/// Leaves nothing of a refused or failed import but its job's status and message. If even
/// those cannot be written, the import's own error is still the one reported: the second is
/// logged, never put in its place.
pub(crate) async fn record_failure(app: &App, job: &mut JobRow, e: &Error) {
    job.status = if matches!(e, Error::Validation(_)) { "refused".into() } else { "failed".into() };
    job.message = Some(e.to_string());
    job.updated_at = app.clock.now().as_micros();
    let written: Result<()> = async {
        let mut tx = app.db.begin().await?;
        store::finish(&mut tx, job).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(second) = written {
        tracing::error!(job = %job.id, import_error = %e, error = %second, "the failed import's status could not be recorded");
    }
}

/// Opens the file for streaming and checks its header.
fn open<K: Importer>(path: &Path) -> Result<tabular::Stream> {
    let stream = tabular::stream(path, K::ALIASES, MAX_FILE_BYTES)?;
    let missing: Vec<&str> = K::REQUIRED.iter().filter(|f| !stream.fields.contains(f)).copied().collect();
    if !missing.is_empty() {
        return Err(Error::field(
            "file",
            "missing_columns",
            format!("missing required columns: {}", missing.join(", ")),
        ));
    }
    Ok(stream)
}

/// Rows validated, planned and applied together: bounds memory whatever the file's size.
const CHUNK: usize = 2_000;

/// A chunk of the file as the staging thread hands it over: the rows that validated (with
/// their line numbers), the row errors, and how many records it read.
struct Batch<S> {
    rows: Vec<(usize, S)>,
    errors: Vec<ImportErrorRow>,
    read: usize,
}

/// Reads and validates the file on a thread of its own, handing over a chunk at a time, so
/// that parsing and validating the next chunk overlaps the database's work on this one. Without
/// `skip` (the first pass) a key repeated inside the file and every invalid row are row errors;
/// with it (the second pass) the lines in `skip` are passed over and every other row must
/// validate as it did before.
fn stage_batches<K: Importer>(
    stream: tabular::Stream,
    actor: &Actor,
    job: Uuid,
    today: &str,
    now: i64,
    skip: Option<BTreeSet<i64>>,
) -> tokio::sync::mpsc::Receiver<Result<Batch<K::Staged>>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    let (actor, today) = (actor.clone(), today.to_string());
    tokio::task::spawn_blocking(move || {
        let (key_field, key_name) = K::KEY;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut batch = Batch { rows: Vec::with_capacity(CHUNK), errors: Vec::new(), read: 0 };
        let mut records = stream.peekable();
        while let Some(record) = records.next() {
            let step = (|| -> Result<()> {
                let (line, cells) = record?;
                batch.read += 1;
                if let Some(skip) = &skip {
                    if !skip.contains(&(line as i64)) {
                        let (_, mut row) = K::stage(&actor, &cells, &today, now)?;
                        K::prepare(&mut row);
                        batch.rows.push((line, row));
                    }
                    return Ok(());
                }
                match K::stage(&actor, &cells, &today, now) {
                    Ok((key, row)) => match seen.get(&key) {
                        Some(first) => batch.errors.push(error_row(
                            job,
                            line,
                            key_field,
                            &cell(&cells, key_field),
                            format!("the same {key_name} as row {first}"),
                        )),
                        None => {
                            seen.insert(key, line);
                            batch.rows.push((line, row));
                        }
                    },
                    Err(Error::Validation(v)) => {
                        for f in v.0 {
                            let value = cell(&cells, f.field.as_str());
                            batch.errors.push(error_row(job, line, &f.field, &value, f.message));
                        }
                    }
                    Err(e) => return Err(e),
                }
                Ok(())
            })();
            let full = batch.read == CHUNK || records.peek().is_none();
            let out = match step {
                Err(e) => Err(e),
                Ok(()) if full => Ok(std::mem::replace(
                    &mut batch,
                    Batch { rows: Vec::with_capacity(CHUNK), errors: Vec::new(), read: 0 },
                )),
                Ok(()) => continue,
            };
            let failed = out.is_err();
            if sender.blocking_send(out).is_err() || failed {
                return;
            }
        }
    });
    receiver
}

/// The plan of the second pass's next chunk against what is registered now, `None` after the
/// last; a row that no longer applies as it did in the first pass is a conflict.
async fn replan<K: Importer>(
    app: &App,
    actor: &Actor,
    job: Uuid,
    batches: &mut tokio::sync::mpsc::Receiver<Result<Batch<K::Staged>>>,
) -> Result<Option<Plan<K::Insert, K::Update>>> {
    let Some(batch) = batches.recv().await else {
        return Ok(None);
    };
    let mut late = Vec::new();
    let plan = K::plan(app, actor, job, batch?.rows, &mut late).await?;
    if let Some(e) = late.first() {
        return Err(Error::Conflict {
            code: "import_conflict",
            message: format!("row {}: {} changed while the import ran; run it again", e.row_number, e.value),
        });
    }
    Ok(Some(plan))
}

/// The import runs over the file twice, a chunk of rows at a time, so memory does not grow
/// with the file. The first pass validates every row and plans it against what is registered,
/// without holding the writer: row errors, duplicate keys, and the counts. Then (unless strict
/// checking refuses the file) one transaction reads the file again, skips the rows with
/// errors, re-plans each chunk against the registered state and applies it. The file must
/// not change in between: its SHA-256 is checked again before the commit. In both passes a
/// thread reads and validates the next chunk while this one is planned or applied.
async fn run_kind<K: Importer>(
    app: &App,
    actor: &Actor,
    job: &mut JobRow,
    path: &Path,
    progress: &(dyn Fn(i64, i64) + Sync),
) -> Result<Outcome> {
    actor.require(Permission::EditEnterprises, "importing records")?;
    let stream = open::<K>(path)?;
    let estimated = stream.estimated as i64;
    job.total_rows = estimated;
    store::set_progress(&app.db, job.id, "validating", 0, estimated, app.clock.now().as_micros()).await?;
    let now = app.clock.now().as_micros();
    let today = app.clock.now().china_date();
    let mut errors = Vec::new();
    let (mut total, mut planned_inserts, mut planned_updates) = (0usize, 0usize, 0usize);
    let mut batches = stage_batches::<K>(stream, actor, job.id, &today, now, None);
    while let Some(batch) = batches.recv().await {
        let batch = batch?;
        total += batch.read;
        errors.extend(batch.errors);
        let plan = K::plan(app, actor, job.id, batch.rows, &mut errors).await?;
        planned_inserts += plan.inserts.len();
        planned_updates += plan.updates.len();
        let shown = estimated.max(total as i64);
        progress(total as i64, shown);
        store::set_progress(&app.db, job.id, "validating", total as i64, shown, app.clock.now().as_micros()).await?;
    }
    if total == 0 {
        return Err(Error::field("file", "empty", "the file has no data rows"));
    }
    let total = total as i64;
    progress(total, total);
    errors.sort_by_key(|e| e.row_number);
    let bad_lines: BTreeSet<i64> = errors.iter().map(|e| e.row_number).collect();
    job.total_rows = total;
    job.error_rows = bad_lines.len() as i64;
    job.processed_rows = total;
    job.updated_at = app.clock.now().as_micros();
    if job.strict && !errors.is_empty() {
        job.status = "refused".into();
        job.message = Some(format!("{} rows have errors; with strict checking nothing was imported", job.error_rows));
        let mut tx = app.db.begin().await?;
        store::insert_errors(&mut tx, &errors).await?;
        store::finish(&mut tx, job).await?;
        tx.commit().await?;
        return Ok(Outcome { job: job.clone(), errors });
    }
    store::set_progress(&app.db, job.id, "applying", total, total, job.updated_at).await?;
    let mut batches = stage_batches::<K>(open::<K>(path)?, actor, job.id, &today, now, Some(bad_lines));
    // Unchecked references (`begin_bulk`): each chunk is planned while this transaction holds
    // the writer, so what it found registered stays so until the commit.
    let mut tx = app.db.begin_bulk().await?;
    // Only a load of new records alone: an update finds its contacts and history through the
    // very indexes that would be set aside.
    let loads: Vec<(&'static str, usize)> = match planned_updates {
        0 => K::BULK_TABLES.iter().map(|t| (*t, planned_inserts)).collect(),
        _ => Vec::new(),
    };
    let indexes = SetAside::indexes(&mut tx, &loads).await?;
    touchstone_store::search::begin_bulk(&mut tx).await?;
    let (mut inserted, mut updated, mut unchanged) = (0i64, 0i64, 0i64);
    // The next chunk is planned (registered state read, rows prepared) while this one is written.
    let mut next = replan::<K>(app, actor, job.id, &mut batches).await?;
    while let Some(plan) = next {
        let (applied, following) =
            tokio::join!(K::apply(app, &mut tx, actor, job.id, &plan), replan::<K>(app, actor, job.id, &mut batches));
        applied?;
        next = following?;
        inserted += plan.inserts.len() as i64;
        updated += plan.updates.len() as i64;
        unchanged += plan.unchanged;
    }
    // The file has been read to its end: it is hashed again while the indexes are built.
    let rehash = {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || sha256_file(&path))
    };
    indexes.rebuild(&mut tx).await?;
    touchstone_store::search::end_bulk(&mut tx).await?;
    let rehashed = rehash.await.map_err(|e| Error::Internal(format!("hashing the file stopped: {e}")))??;
    if rehashed != job.file_sha256 {
        return Err(Error::Conflict {
            code: "import_conflict",
            message: "the file changed while it was imported; nothing was imported".into(),
        });
    }
    store::insert_errors(&mut tx, &errors).await?;
    job.inserted = inserted;
    job.updated = updated;
    job.unchanged = unchanged;
    job.status = "done".into();
    job.message = Some(if job.inserted + job.updated == 0 {
        "nothing changed: every valid row matches what is registered".to_string()
    } else {
        format!(
            "{} inserted, {} updated, {} unchanged, {} rows with errors",
            job.inserted, job.updated, job.unchanged, job.error_rows
        )
    });
    job.updated_at = app.clock.now().as_micros();
    store::finish(&mut tx, job).await?;
    let mut change = Change::new(K::ACTION, "import_job", job.id);
    if let Some(org) = &actor.organisation {
        change = change.region(org.region_code.clone(), Some(org.id));
    }
    let summary = serde_json::json!({"kind": K::KIND.as_str(), "file": job.file_name, "sha256": job.file_sha256,
        "rows": total, "inserted": job.inserted, "updated": job.updated, "unchanged": job.unchanged,
        "error_rows": job.error_rows, "strict": job.strict});
    audit::record(app, &mut tx, actor, change.after(summary)).await?;
    tx.commit().await?;
    if job.inserted + job.updated > 0 {
        touchstone_store::dialect::refresh_statistics(&app.db).await?;
    }
    Ok(Outcome { job: job.clone(), errors })
}

/// A job the actor started or that belongs to a bureau they oversee.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<Outcome> {
    let job = store::get(&app.db, &actor.bureaus, &actor.username, id).await?.ok_or(Error::NotFound)?;
    let errors = store::errors(&app.db, id, 100_000).await?;
    Ok(Outcome { job, errors })
}

pub async fn list(
    app: &App,
    actor: &Actor,
    window: &touchstone_store::list::Window,
) -> Result<touchstone_store::list::Page<JobRow>> {
    actor.require(Permission::EditEnterprises, "importing records")?;
    Ok(store::list(&app.db, &actor.bureaus, &actor.username, window).await?)
}

/// The error report's header and rows: row, field, value, reason (for CSV and XLSX).
/// An archive's report (several files) starts with the file.
pub fn error_table(errors: &[ImportErrorRow]) -> (Vec<String>, Vec<Vec<String>>) {
    let with_file = errors.iter().any(|e| e.file_name.is_some());
    let mut header = ["row", "field", "value", "reason"].map(String::from).to_vec();
    if with_file {
        header.insert(0, "file".into());
    }
    let rows = errors
        .iter()
        .map(|e| {
            let mut r = vec![e.row_number.to_string(), e.field.clone(), e.value.clone(), e.reason.clone()];
            if with_file {
                r.insert(0, e.file_name.clone().unwrap_or_default());
            }
            r
        })
        .collect();
    (header, rows)
}

/// The error report as CSV text (UTF-8 with BOM): row, field, value, reason.
pub fn errors_csv(errors: &[ImportErrorRow]) -> String {
    let (header, rows) = error_table(errors);
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Kind::parse("users"), None);
    }

    #[test]
    fn list_cells_split_on_chinese_and_ascii_separators_and_names_become_codes() {
        assert_eq!(split_list("04.01，04.02、 04.03|"), vec!["04.01", "04.02", "04.03"]);
        let cat = touchstone_domain::catalogue::catalogue();
        let name = cat.get("04.01").expect("category").name;
        assert_eq!(category_codes(&format!("{name}|04.02")), vec!["04.01", "04.02"]);
        assert_eq!(code_of(" 停产 ", &[("停产", "stopped")]), "stopped");
        assert_eq!(code_of("Stopped", &[("停产", "stopped")]), "stopped");
        assert_eq!(category_code(name), "04.01");
        assert_eq!(category_code("没有的类别"), "没有的类别", "left for validation to name");
    }

    #[test]
    fn dates_written_the_usual_ways_become_iso_dates() {
        for v in ["2024-03-05", "2024/3/5", "2024.03.05", "2024年3月5日", "20240305", "45356", "2024-03-05 00:00:00"]
        {
            assert_eq!(date_cell(v), "2024-03-05", "{v}");
        }
        assert_eq!(date_cell("明年"), "明年");
        assert_eq!(date_cell("2024-13-45"), "2024-13-45", "validation names an impossible date");
    }
}
