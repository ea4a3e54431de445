//! Schema migrations, run at start and by `touchstone migrate`. Landed migrations are
//! never edited; add a new file instead.

use crate::{Db, StoreError, args};

/// (version, name, SQL) in order.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "enterprises", include_str!("../migrations/0002_enterprises.sql")),
    (3, "certificates", include_str!("../migrations/0003_certificates.sql")),
    (4, "imports", include_str!("../migrations/0004_imports.sql")),
    (5, "activation", include_str!("../migrations/0005_activation.sql")),
    (6, "attachments", include_str!("../migrations/0006_attachments.sql")),
    (7, "search", include_str!("../migrations/0007_search.sql")),
    (8, "products", include_str!("../migrations/0008_products.sql")),
    (9, "laboratories", include_str!("../migrations/0009_laboratories.sql")),
    (10, "key_product_lists", include_str!("../migrations/0010_key_product_lists.sql")),
    (11, "campaigns_hazards", include_str!("../migrations/0011_campaigns_hazards.sql")),
    (12, "inspections", include_str!("../migrations/0012_inspections.sql")),
    (13, "archive", include_str!("../migrations/0013_archive.sql")),
    (14, "weekly_reports", include_str!("../migrations/0014_weekly_reports.sql")),
    (15, "hazard_samples", include_str!("../migrations/0015_hazard_samples.sql")),
    (16, "documents", include_str!("../migrations/0016_documents.sql")),
    (17, "report_indexes", include_str!("../migrations/0017_report_indexes.sql")),
    (18, "hazard_legal_basis", include_str!("../migrations/0018_hazard_legal_basis.sql")),
    (19, "live_hazard_indexes", include_str!("../migrations/0019_live_hazard_indexes.sql")),
    (20, "hazard_list_indexes", include_str!("../migrations/0020_hazard_list_indexes.sql")),
    (21, "enterprise_list_indexes", include_str!("../migrations/0021_enterprise_list_indexes.sql")),
    (22, "partial_campaign_indexes", include_str!("../migrations/0022_partial_campaign_indexes.sql")),
    (23, "hazard_state_changed_at", include_str!("../migrations/0023_hazard_state_changed_at.sql")),
];

#[derive(sqlx::FromRow)]
struct Version {
    version: i64,
}

/// Applies every migration not yet applied, each in its own transaction. Returns how many ran.
pub async fn run(db: &Db, now_micros: i64) -> Result<usize, StoreError> {
    let mut tx = db.begin().await?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        vec![],
    )
    .await?;
    tx.commit().await?;
    let mut applied = 0;
    for (version, name, sql) in MIGRATIONS {
        let mut tx = db.begin().await?;
        crate::dialect::lock_table(&mut tx, "schema_migrations").await?;
        // Re-read inside the write transaction so two nodes starting together never both apply.
        let done: Option<Version> =
            tx.fetch_optional("SELECT version FROM schema_migrations WHERE version = ?", args![*version]).await?;
        if done.is_none() {
            tx.execute_script(&for_engine(sql, tx.engine())).await?;
            if *name == "search" {
                // The index is derived: fill it for enterprises registered before it existed.
                crate::search::rebuild(&mut tx).await?;
            }
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                args![*version, *name, now_micros],
            )
            .await?;
            applied += 1;
        }
        tx.commit().await?;
    }
    Ok(applied)
}

/// The part of a migration for `engine`. A line `-- engine: sqlite` or `-- engine: postgres`
/// starts a section only that engine runs (where the two truly differ, such as full-text
/// indexes); `-- engine: all` returns to the shared text.
fn for_engine(sql: &str, engine: crate::Engine) -> String {
    let mut keep = true;
    let mut out = String::with_capacity(sql.len());
    for line in sql.lines() {
        match line.trim().strip_prefix("-- engine:").map(str::trim) {
            Some("sqlite") => keep = engine == crate::Engine::Sqlite,
            Some("postgres") => keep = engine == crate::Engine::Postgres,
            Some(_) => keep = true,
            None if keep => {
                out.push_str(line);
                out.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The newest migration version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// The newest version applied to `db`.
pub async fn current_version(db: &Db) -> Result<i64, StoreError> {
    let v: Option<Version> = db
        .fetch_optional_primary("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations", vec![])
        .await
        .unwrap_or(None);
    Ok(v.map(|v| v.version).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    #[test]
    fn an_engine_section_runs_only_on_its_engine() {
        let sql = "CREATE TABLE a (x TEXT);\n-- engine: sqlite\nCREATE TABLE s (x TEXT);\n-- engine: postgres\nCREATE TABLE p (x TEXT);\n-- engine: all\nCREATE TABLE b (x TEXT);\n";
        assert_eq!(
            for_engine(sql, Engine::Sqlite),
            "CREATE TABLE a (x TEXT);\nCREATE TABLE s (x TEXT);\nCREATE TABLE b (x TEXT);\n"
        );
        assert_eq!(
            for_engine(sql, Engine::Postgres),
            "CREATE TABLE a (x TEXT);\nCREATE TABLE p (x TEXT);\nCREATE TABLE b (x TEXT);\n"
        );
    }
}
