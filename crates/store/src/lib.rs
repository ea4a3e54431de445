//! Persistence for SQLite and PostgreSQL behind one API: connection and transactions
//! (`db`), migrations, and the queries of each table family. Every query of regional data
//! takes the actor's `Scope` and applies it in SQL (R-AUTH-1). No business rules here.

pub mod activation;
pub mod archive;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod campaigns;
pub mod certificates;
pub mod db;
pub mod dialect;
pub mod documents;
pub mod enterprises;
pub mod hazards;
pub mod imports;
pub mod inspections;
pub mod key_products;
pub mod laboratories;
pub mod leases;
pub mod list;
pub mod migrate;
pub mod notifications;
pub mod numbers;
pub mod organisations;
pub mod products;
pub mod registrations;
pub mod reports;
pub mod scope;
pub mod search;
pub mod self_inspections;
pub mod sessions;
pub mod similar;
pub mod stream;
pub mod timeline;
pub mod users;

pub use db::{Arg, Db, Engine, Row, Tx};

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("configuration: {0}")]
    Config(String),
    #[error("data: {0}")]
    Data(String),
}

impl StoreError {
    /// True when the database could not be had in time: no connection came free (SQLite's one
    /// writer held by a long import) or SQLite stayed locked past its busy timeout.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Sqlx(sqlx::Error::PoolTimedOut) => true,
            StoreError::Sqlx(sqlx::Error::Database(e)) => {
                // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes (the low byte).
                e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                    && e.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6))
            }
            _ => false,
        }
    }

    /// True when the error is a unique-constraint violation (a duplicate key).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}
