//! `touchstone import archive`: a legacy archive (R-ENT-6) read through a mapping file, with
//! a progress line, the per-row error report, and strict refusal.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use touchstone_app::imports::archive::{self, ArchiveFile};

use crate::DbOpts;

/// What an archive import reads.
#[derive(Args)]
pub struct ArchiveArgs {
    #[command(flatten)]
    db: DbOpts,
    /// The mapping file (TOML): the files and their roles, columns, date formats, value maps,
    /// the default region and the source's name (docs/archive-import.md).
    #[arg(long)]
    mapping: PathBuf,
    /// The archive's CSV files: one row per finding, or linked tables.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write the per-row error report (file, row, field, value, reason) to this CSV file.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Refuse the whole archive if any row is bad.
    #[arg(long)]
    strict: bool,
}

pub async fn import(a: ArchiveArgs) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(&a.mapping).with_context(|| format!("reading the mapping {}", a.mapping.display()))?;
    let mapping = archive::parse_mapping(&text).map_err(|e| anyhow!("{}: {e}", a.mapping.display()))?;
    let app = crate::open(&a.db).await?;
    let who = crate::actor(&app, &a.db).await?;
    let files: Vec<ArchiveFile> = a
        .files
        .iter()
        .map(|p| ArchiveFile {
            path: p.clone(),
            name: p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        })
        .collect();
    let job = archive::create_job(&app, &who, &mapping, &files, a.strict).await.map_err(|e| anyhow!("{e}"))?;
    let progress = |done: i64, total: i64| eprint!("\rread {done} of about {total} rows");
    let started = std::time::Instant::now();
    let outcome = archive::run(&app, &who, job, &mapping, &files, &progress).await.map_err(|e| anyhow!("{e}"))?;
    eprintln!();
    let errors = &outcome.outcome.errors;
    if let Some(path) = &a.errors {
        std::fs::write(path, touchstone_app::imports::errors_csv(errors))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    for e in errors.iter().take(20) {
        eprintln!(
            "{} row {}: {} {:?}: {}",
            e.file_name.as_deref().unwrap_or(""),
            e.row_number,
            e.field,
            e.value,
            e.reason
        );
    }
    if errors.len() > 20 {
        eprintln!(
            "… {} more problems{}",
            errors.len() - 20,
            if a.errors.is_some() { " in the error report" } else { "; use --errors FILE for all" }
        );
    }
    let job = &outcome.outcome.job;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} rows in {seconds:.2} s ({:.0} rows/s)",
        outcome.counts.rows,
        outcome.counts.rows as f64 / seconds.max(1e-9)
    );
    println!("{}", job.message.clone().unwrap_or_default());
    Ok(if job.status == "done" { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
