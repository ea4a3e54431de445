//! Leases: a row per background duty that at most one node holds at a time, taken and
//! renewed by compare-and-set (no advisory locks, which some poolers lack).

use uuid::Uuid;

use crate::{Db, StoreError, args};

/// Takes or renews the lease `name` for `holder` until `expires_at`. True when `holder` now
/// holds it: it was free, expired, or already `holder`'s.
pub async fn acquire(db: &Db, name: &str, holder: &str, now: i64, expires_at: i64) -> Result<bool, StoreError> {
    db.execute(
        "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
        args![name, holder, expires_at],
    )
    .await?;
    let n = db
        .execute(
            "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)",
            args![holder, expires_at, name, holder, now],
        )
        .await?;
    Ok(n == 1)
}

/// Gives the lease up so another node can take it at once (on orderly shutdown).
pub async fn release(db: &Db, name: &str, holder: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", args![name, holder]).await?;
    Ok(())
}

/// Records that `holder` ran `sweep` (the operations log of background work).
pub async fn record_run(db: &Db, sweep: &str, holder: &str, at: i64) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO sweep_runs (id, sweep, holder, at) VALUES (?, ?, ?, ?)",
        args![Uuid::now_v7(), sweep, holder, at],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SweepRun {
    pub sweep: String,
    pub holder: String,
    pub at: i64,
}

pub async fn runs_since(db: &Db, since: i64) -> Result<Vec<SweepRun>, StoreError> {
    db.fetch_all("SELECT sweep, holder, at FROM sweep_runs WHERE at >= ? ORDER BY at", args![since]).await
}
