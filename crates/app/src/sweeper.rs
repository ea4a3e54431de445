//! Background sweeps on exactly one node at a time (R-NF-2): each round the node tries to
//! take or renew the `sweeper` lease; only the holder sweeps — expired sessions, and the
//! audit checkpoint when the last one is older than `checkpoint_hours`, certificates past
//! their expiry date, and the hazard ledger's reminders, escalations and late reviews.

use std::time::Duration;

use touchstone_store::{leases, sessions};

use crate::{App, Result, audit};

pub const LEASE: &str = "sweeper";

/// A name for this node that no other process shares.
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "node".into());
    format!("{host}-{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// One round: returns whether this node held the lease and swept.
pub async fn round(app: &App, node: &str) -> Result<bool> {
    let now = app.clock.now();
    let lease_until = now.plus_seconds(app.config.sweeper.lease_seconds);
    if !leases::acquire(&app.db, LEASE, node, now.as_micros(), lease_until.as_micros()).await? {
        return Ok(false);
    }
    let idle_floor = now.as_micros() - app.config.security.session_idle_minutes * 60 * 1_000_000;
    sessions::delete_expired(&app.db, now.as_micros(), idle_floor).await?;
    // An import whose process died stays "running" in its job row: after six quiet hours
    // it is marked failed (its transaction never committed, so nothing was imported).
    touchstone_store::imports::fail_stale(&app.db, now.plus_seconds(-6 * 3600).as_micros(), now.as_micros()).await?;
    let expired = crate::certificates::expire_due(app).await?;
    if expired > 0 {
        tracing::info!(expired, "certificates past their expiry date expired");
    }
    let hazards = crate::hazards::sweep(app).await?;
    if hazards != crate::hazards::Swept::default() {
        tracing::info!(?hazards, "hazard reminders, escalations and late reviews sent");
    }
    let reminded = crate::reports::remind_due(app).await?;
    if reminded > 0 {
        tracing::info!(reminded, "weekly report reminders sent");
    }
    let due = audit::last_checkpoint_at(app)
        .is_none_or(|at| now.as_micros() - at >= app.config.sweeper.checkpoint_hours * 3600 * 1_000_000);
    if due {
        let (path, cp) = audit::checkpoint(app).await?;
        tracing::info!(seq = cp.seq, path = %path.display(), "audit checkpoint written");
        touchstone_store::dialect::refresh_statistics(&app.db).await?;
    }
    leases::record_run(&app.db, LEASE, node, now.as_micros()).await?;
    Ok(true)
}

/// Runs rounds until `shutdown` resolves, then gives the lease up.
pub async fn run(app: App, node: String, shutdown: impl std::future::Future<Output = ()>) {
    let interval = Duration::from_secs(app.config.sweeper.interval_seconds.max(1));
    tokio::pin!(shutdown);
    loop {
        match round(&app, &node).await {
            Ok(true) => tracing::debug!(node, "swept"),
            Ok(false) => tracing::debug!(node, "another node holds the sweeper lease"),
            Err(e) => tracing::warn!(node, error = %e, "sweep failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = &mut shutdown => break,
        }
    }
    if let Err(e) = leases::release(&app.db, LEASE, &node).await {
        tracing::warn!(error = %e, "could not release the sweeper lease");
    }
}
