//! Legacy archive import (R-ENT-6, ADR 0008): establishments, inspections, findings and their
//! enforcement history from older ledgers, read through a mapping file. The pipeline is the
//! bulk import's (ADR 0004): the files are read and validated into a staging area without
//! holding the writer, compared with what the archive brought before, then applied in one
//! transaction with one audit entry (the files' SHA-256s, the counts, who). Establishments
//! merge by (source, external id) or credit code, inspections by (source, external id),
//! findings by (inspection, finding key): a second run changes nothing and says so.

mod stage;
mod write;

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha256};
use touchstone_domain::archive::Mapping;
use touchstone_domain::role::Permission;
use touchstone_store::archive as store;
use touchstone_store::imports::{self as jobs, ImportErrorRow, JobRow};
use uuid::Uuid;

pub use stage::ArchiveFile;
use stage::{At, Staged};

use super::{Outcome, sha256_file};
use crate::{Actor, App, Error, Result};

/// The kind an archive's job is recorded as.
pub const KIND: &str = "archive";

/// Reads and validates a mapping file; every problem names its key.
pub fn parse_mapping(text: &str) -> Result<Mapping> {
    Mapping::parse(text).map_err(Error::Validation)
}

/// What an archive import did, by kind of record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub rows: i64,
    pub error_rows: i64,
    pub establishments_new: i64,
    /// New establishments registered without a credit code (flagged).
    pub establishments_without_code: i64,
    /// Establishments found registered by their credit code and linked to the archive.
    pub establishments_linked: i64,
    pub establishments_unchanged: i64,
    pub inspections_new: i64,
    pub inspections_unchanged: i64,
    pub findings_new: i64,
    pub findings_unchanged: i64,
    /// Findings whose severity the mapping ignores.
    pub findings_ignored: i64,
    /// New findings left open for follow-up.
    pub findings_open: i64,
    pub enforcement_records: i64,
    pub fines: i64,
}

impl Counts {
    fn message(&self) -> String {
        if self.establishments_new + self.establishments_linked + self.inspections_new + self.findings_new == 0 {
            return format!(
                "nothing changed: every valid row matches what the archive already brought ({} rows with errors)",
                self.error_rows
            );
        }
        format!(
            "establishments: {} new ({} without a credit code), {} linked by credit code, {} unchanged; \
             inspections: {} new, {} unchanged; findings: {} new ({} open), {} unchanged, {} ignored; \
             enforcement records: {} ({} fines); {} rows with errors",
            self.establishments_new,
            self.establishments_without_code,
            self.establishments_linked,
            self.establishments_unchanged,
            self.inspections_new,
            self.inspections_unchanged,
            self.findings_new,
            self.findings_open,
            self.findings_unchanged,
            self.findings_ignored,
            self.enforcement_records,
            self.fines,
            self.error_rows
        )
    }
}

/// The job, its row errors, and the counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArchiveOutcome {
    #[serde(flatten)]
    pub outcome: Outcome,
    pub counts: Counts,
}

/// Registers the job of an archive import (status `queued`): every file must be one the
/// mapping has an entry for.
pub async fn create_job(
    app: &App,
    actor: &Actor,
    mapping: &Mapping,
    files: &[ArchiveFile],
    strict: bool,
) -> Result<JobRow> {
    actor.require(Permission::EditEnterprises, "importing records")?;
    if files.is_empty() {
        return Err(Error::field("file", "required", "at least one file of the archive"));
    }
    for f in files {
        if mapping.file_for(&f.name).is_none() {
            return Err(Error::field(
                "file",
                "unmapped_file",
                format!("{}: no [[files]] entry of the mapping matches it", f.name),
            ));
        }
    }
    let now = app.clock.now().as_micros();
    let job = JobRow {
        id: Uuid::now_v7(),
        kind: KIND.into(),
        file_name: files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ").chars().take(200).collect(),
        file_sha256: combined_sha256(&file_hashes(files)?),
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
    jobs::insert_job(&app.db, &job).await?;
    Ok(job)
}

fn file_hashes(files: &[ArchiveFile]) -> Result<Vec<(String, String)>> {
    files.iter().map(|f| Ok((f.name.clone(), sha256_file(&f.path)?))).collect()
}

/// One digest for the job row: of the files' names and SHA-256s, in order.
fn combined_sha256(hashes: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (name, sha) in hashes {
        h.update(format!("{name}\t{sha}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

/// Runs a queued archive job to its end; `progress(rows, estimated)` while reading.
pub async fn run(
    app: &App,
    actor: &Actor,
    mut job: JobRow,
    mapping: &Mapping,
    files: &[ArchiveFile],
    progress: &(dyn Fn(i64, i64) + Sync),
) -> Result<ArchiveOutcome> {
    let result = run_job(app, actor, &mut job, mapping, files, progress).await;
    // The writer's temporary storage goes back to files however the job ended. Failing that
    // changes nothing the job did, so it is logged, not reported as the job's outcome.
    if let Err(e) = app.db.set_temp_in_memory(false).await {
        tracing::warn!(job = %job.id, error = %e, "the writer's temporary storage stays in memory");
    }
    if let Err(e) = &result {
        // A bad file or mapping, or a failure, leaves nothing but the job's message behind.
        super::record_failure(app, &mut job, e).await;
    }
    result
}

/// What the plan decided for each staged record.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Staged establishment index → the enterprise it is: `None` for a new one.
    pub establishments: HashMap<usize, Option<Uuid>>,
    /// New establishments linked to an enterprise registered with their credit code.
    pub linked: HashMap<usize, Uuid>,
    /// Staged inspection index → new (true) or already there (false).
    pub new_inspections: Vec<usize>,
    /// Establishments imported before, by key: the enterprise and its region.
    pub known_establishments: HashMap<String, (Uuid, String)>,
    /// Inspections imported before, by key.
    pub known_inspections: HashMap<String, store::KnownInspection>,
    pub new_findings: Vec<usize>,
}

async fn run_job(
    app: &App,
    actor: &Actor,
    job: &mut JobRow,
    mapping: &Mapping,
    files: &[ArchiveFile],
    progress: &(dyn Fn(i64, i64) + Sync),
) -> Result<ArchiveOutcome> {
    actor.require(Permission::EditEnterprises, "importing records")?;
    jobs::set_progress(&app.db, job.id, "validating", 0, 0, app.clock.now().as_micros()).await?;
    let started = std::time::Instant::now();
    let phase = |name: &str| tracing::debug!(job = %job.id, phase = name, ms = started.elapsed().as_millis() as u64, "archive import");
    let staged = {
        let (mapping, regions, files) = (mapping.clone(), actor.regions.clone(), files.to_vec());
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(i64, i64)>();
        let reading = tokio::task::spawn_blocking(move || {
            stage::stage(&mapping, &regions, &files, &move |done, total| {
                let _ = sender.send((done, total));
            })
        });
        while let Some((done, total)) = receiver.recv().await {
            progress(done, total);
        }
        reading.await.map_err(|e| Error::Internal(format!("reading the archive stopped: {e}")))??
    };
    if staged.rows == 0 {
        return Err(Error::field("file", "empty", "the files have no data rows"));
    }
    let rows = staged.rows as i64;
    phase("read and validated");
    progress(rows, rows);
    jobs::set_progress(&app.db, job.id, "validating", rows, rows, app.clock.now().as_micros()).await?;
    let mut problems = staged.problems.clone();
    let (plan, mut counts) = plan(app, actor, mapping, &staged, &mut problems).await?;
    let errors = error_rows(job.id, &staged, problems);
    phase("planned");
    let bad: BTreeSet<(Option<&str>, i64)> = errors.iter().map(|e| (e.file_name.as_deref(), e.row_number)).collect();
    counts.rows = rows;
    counts.error_rows = bad.len() as i64;
    job.total_rows = rows;
    job.processed_rows = rows;
    job.error_rows = counts.error_rows;
    job.updated_at = app.clock.now().as_micros();
    if job.strict && !errors.is_empty() {
        job.status = "refused".into();
        job.message = Some(format!("{} rows have errors; with strict checking nothing was imported", job.error_rows));
        let mut tx = app.db.begin().await?;
        jobs::insert_errors(&mut tx, &errors).await?;
        jobs::finish(&mut tx, job).await?;
        tx.commit().await?;
        return Ok(ArchiveOutcome { outcome: Outcome { job: job.clone(), errors }, counts });
    }
    jobs::set_progress(&app.db, job.id, "applying", rows, rows, job.updated_at).await?;
    app.db.set_temp_in_memory(true).await?;
    let mut tx = app.db.begin_bulk().await?;
    // The files are hashed again while the rows are written: they must be the files the job
    // was created with, from before they were read until after.
    let rehash = {
        let files = files.to_vec();
        tokio::task::spawn_blocking(move || file_hashes(&files))
    };
    write::apply(app, &mut tx, actor, job.id, mapping, &staged, &plan, &mut counts).await?;
    phase("written");
    let hashes = rehash.await.map_err(|e| Error::Internal(format!("hashing the archive stopped: {e}")))??;
    if combined_sha256(&hashes) != job.file_sha256 {
        return Err(Error::Conflict {
            code: "import_conflict",
            message: "a file changed while it was imported; nothing was imported".into(),
        });
    }
    jobs::insert_errors(&mut tx, &errors).await?;
    job.inserted =
        counts.establishments_new + counts.establishments_linked + counts.inspections_new + counts.findings_new;
    job.unchanged = counts.establishments_unchanged + counts.inspections_unchanged + counts.findings_unchanged;
    job.status = "done".into();
    job.message = Some(counts.message());
    job.updated_at = app.clock.now().as_micros();
    jobs::finish(&mut tx, job).await?;
    let mut change = crate::audit::Change::new("import.archive", "import_job", job.id);
    if let Some(org) = &actor.organisation {
        change = change.region(org.region_code.clone(), Some(org.id));
    }
    let files_json: Vec<serde_json::Value> =
        hashes.iter().map(|(name, sha)| serde_json::json!({"file": name, "sha256": sha})).collect();
    let summary = serde_json::json!({"kind": KIND, "source": mapping.source, "files": files_json,
        "strict": job.strict, "counts": counts});
    crate::audit::record(app, &mut tx, actor, change.after(summary)).await?;
    if job.inserted > 0 {
        touchstone_store::dialect::refresh_statistics_in(&mut tx, &write::TABLES).await?;
        phase("statistics taken");
    }
    tx.commit().await?;
    phase("committed");
    Ok(ArchiveOutcome { outcome: Outcome { job: job.clone(), errors }, counts })
}

/// Compares the staged archive with what it brought before (no writer held): which records
/// are new, which merge, and the orphans — an inspection whose establishment, or a finding
/// whose inspection, is neither in the files nor already imported.
async fn plan(
    app: &App,
    actor: &Actor,
    mapping: &Mapping,
    staged: &Staged,
    problems: &mut Vec<stage::Problem>,
) -> Result<(Plan, Counts)> {
    let mut counts = Counts { findings_ignored: staged.ignored as i64, ..Counts::default() };
    let mut plan = Plan::default();
    let known: HashMap<String, (Uuid, String)> = store::establishments(&app.db, &mapping.source)
        .await?
        .into_iter()
        .map(|k| (k.external_id, (k.enterprise_id, k.region_code)))
        .collect();
    let codes: Vec<String> = staged
        .establishments
        .iter()
        .filter(|e| !known.contains_key(&e.external_id))
        .filter_map(|e| e.credit_code.clone())
        .collect();
    let by_code: HashMap<String, touchstone_store::enterprises::EnterpriseRow> =
        touchstone_store::enterprises::by_usccs(&app.db, &codes)
            .await?
            .into_iter()
            .map(|e| (e.uscc.clone(), e))
            .collect();
    // Establishment key → its enterprise (None: new), or refused.
    let mut establishment_of: HashMap<&str, Option<Uuid>> = HashMap::new();
    let mut refused: HashSet<&str> = HashSet::new();
    for (i, e) in staged.establishments.iter().enumerate() {
        let outside = |region: &str| !actor.regions.contains(region);
        let decided = match known.get(&e.external_id) {
            Some((_, region)) if outside(region) => Err(format!(
                "establishment {} was imported before into region {region}, outside your jurisdiction",
                e.external_id
            )),
            Some((id, _)) => {
                counts.establishments_unchanged += 1;
                Ok(Some(*id))
            }
            None => match e.credit_code.as_ref().and_then(|c| by_code.get(c)) {
                Some(ent) if outside(&ent.region_code) => {
                    Err("an enterprise with this credit code is registered in another jurisdiction".to_string())
                }
                Some(ent) => {
                    counts.establishments_linked += 1;
                    plan.linked.insert(i, ent.id);
                    Ok(Some(ent.id))
                }
                None => {
                    counts.establishments_new += 1;
                    if e.credit_code.is_none() {
                        counts.establishments_without_code += 1;
                    }
                    Ok(None)
                }
            },
        };
        match decided {
            Ok(id) => {
                plan.establishments.insert(i, id);
                establishment_of.insert(&e.external_id, id);
            }
            Err(reason) => {
                refused.insert(&e.external_id);
                problems.push(stage::Problem {
                    at: e.at,
                    field: "establishment_id",
                    value: e.external_id.clone(),
                    reason,
                });
            }
        }
    }
    let known_inspections: HashMap<String, store::KnownInspection> =
        store::inspections(&app.db, &mapping.source).await?.into_iter().map(|k| (k.external_id.clone(), k)).collect();
    let mut inspection_ok: HashSet<&str> = HashSet::new();
    for (i, s) in staged.inspections.iter().enumerate() {
        let reason = if refused.contains(s.establishment.as_str()) {
            Some(format!("establishment {} was not imported", s.establishment))
        } else if !establishment_of.contains_key(s.establishment.as_str()) && !known.contains_key(&s.establishment) {
            Some(format!("orphan: no establishment {} in the archive", s.establishment))
        } else {
            None
        };
        if let Some(reason) = reason {
            problems.push(stage::Problem {
                at: s.at,
                field: "establishment_id",
                value: s.establishment.clone(),
                reason,
            });
            continue;
        }
        inspection_ok.insert(&s.external_id);
        if known_inspections.contains_key(&s.external_id) {
            counts.inspections_unchanged += 1;
        } else {
            counts.inspections_new += 1;
            plan.new_inspections.push(i);
        }
    }
    let known_findings: HashSet<(String, String)> =
        store::findings(&app.db, &mapping.source).await?.into_iter().map(|k| (k.inspection, k.finding)).collect();
    let staged_inspections: HashSet<&str> = staged.inspections.iter().map(|s| s.external_id.as_str()).collect();
    for (i, f) in staged.findings.iter().enumerate() {
        if !inspection_ok.contains(f.inspection.as_str()) && !known_inspections.contains_key(&f.inspection) {
            let staged_but_refused = staged_inspections.contains(f.inspection.as_str());
            problems.push(stage::Problem {
                at: f.at,
                field: "inspection_id",
                value: f.inspection.clone(),
                reason: if staged_but_refused {
                    format!("inspection {} was not imported", f.inspection)
                } else {
                    format!("orphan: no inspection {} in the archive", f.inspection)
                },
            });
            continue;
        }
        if known_findings.contains(&(f.inspection.clone(), f.key.clone())) {
            counts.findings_unchanged += 1;
        } else {
            counts.findings_new += 1;
            plan.new_findings.push(i);
        }
    }
    plan.known_inspections = known_inspections;
    plan.known_establishments = known;
    Ok((plan, counts))
}

/// The problems as the job's row errors, each naming its file.
fn error_rows(job: Uuid, staged: &Staged, mut problems: Vec<stage::Problem>) -> Vec<ImportErrorRow> {
    problems.sort_by_key(|p| (p.at.file, p.at.row));
    problems
        .into_iter()
        .map(|p| {
            let At { file, row } = p.at;
            let mut e = super::error_row(job, row as usize, p.field, &p.value, p.reason);
            e.file_name = staged.files.get(file as usize).cloned();
            e
        })
        .collect()
}
