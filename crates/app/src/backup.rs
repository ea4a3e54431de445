//! `touchstone backup` / `restore` (R-OPS-1): an online, consistent snapshot of either engine
//! to a file, and its restore into either engine, refused unless the target is empty or
//! `--force` is given; the restored audit chain is verified before the command succeeds.

use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use touchstone_store::{backup, migrate};

use crate::audit::{self, Change};
use crate::{Actor, App, Error, Result};

#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub rows: u64,
    pub bytes: u64,
}

/// Writes the snapshot to `out` (via a temporary file renamed into place). The backup is a
/// sensitive read: its audit entry is written first, so the backup contains it.
pub async fn backup(app: &App, actor: &Actor, out: &Path) -> Result<BackupSummary> {
    let mut tx = app.db.begin().await?;
    audit::record(app, &mut tx, actor, Change::new("backup", "database", out.display())).await?;
    tx.commit().await?;
    let version = migrate::current_version(&app.db).await?;
    let tmp = out.with_extension("partial");
    let file = std::fs::File::create(&tmp)
        .map_err(|e| Error::field("out", "unwritable", format!("{}: {e}", tmp.display())))?;
    let mut w = BufWriter::new(file);
    let rows = backup::dump(&app.db, version, app.clock.now().as_micros(), &mut w).await?;
    w.flush()?;
    w.get_ref().sync_all()?;
    drop(w);
    std::fs::rename(&tmp, out)?;
    let bytes = std::fs::metadata(out)?.len();
    Ok(BackupSummary { rows, bytes })
}

async fn is_empty(app: &App) -> Result<bool> {
    Ok(touchstone_store::organisations::count(&app.db).await? == 0
        && touchstone_store::audit::head(&app.db).await?.seq == 0)
}

/// Replaces the database's contents with the backup in `input`.
pub async fn restore(app: &App, actor: &Actor, input: &Path, force: bool) -> Result<u64> {
    if !force && !is_empty(app).await? {
        return Err(Error::Conflict {
            code: "database_not_empty",
            message: "the target database holds data; restore into an empty one or pass --force to replace it".into(),
        });
    }
    let file = std::fs::File::open(input)
        .map_err(|e| Error::field("file", "unreadable", format!("{}: {e}", input.display())))?;
    let version = migrate::current_version(&app.db).await?;
    let summary = backup::restore(&app.db, version, &mut BufReader::new(file))
        .await
        .map_err(|e| Error::field("file", "bad_backup", e.to_string()))?;
    audit::verify(app, None).await?;
    let mut tx = app.db.begin().await?;
    audit::record(
        app,
        &mut tx,
        actor,
        Change::new("restore", "database", input.display()).after(serde_json::json!({"rows": summary.rows})),
    )
    .await?;
    tx.commit().await?;
    Ok(summary.rows)
}
