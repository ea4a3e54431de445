//! Touchstone's use cases. Each takes the `Actor`, works through the `App` (database, clock,
//! audit keys, settings) and returns what both the JSON API and the pages render:
//! authorize → validate → one transaction holding the change and its audit entry.

pub mod accounts;
pub mod activation;
pub mod actor;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod campaigns;
pub mod certificates;
pub mod config;
pub mod demo;
pub mod documents;
pub mod enterprises;
pub mod error;
pub mod generate;
pub mod generate_campaign;
pub mod hazards;
pub mod imports;
mod input;
pub mod inspections;
pub mod key_products;
pub mod laboratories;
pub mod notifications;
pub mod organisations;
pub mod passwords;
pub mod products;
pub mod registrations;
pub mod reports;
pub mod secrets;
pub mod self_inspections;
pub mod similar;
pub mod sweeper;
pub mod tabular;
pub mod timeline;
pub mod users;

use std::sync::Arc;

pub use actor::Actor;
pub use error::{Error, Result};
use touchstone_domain::audit_chain::KeyRing;
use touchstone_domain::time::{Clock, SystemClock};
use touchstone_store::Db;

/// Everything a use case needs besides the actor and its input.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<KeyRing>,
    pub config: Arc<config::Config>,
    /// Renders official documents to PDF: fonts parsed once at start (`documents.font_dir`).
    pub renderer: Arc<touchstone_pdf::Renderer>,
}

impl App {
    /// Today in the bureau's zone (METHODS §1).
    pub fn today(&self) -> time::Date {
        touchstone_domain::time::parse_date(&self.clock.now().china_date()).unwrap_or(time::Date::MIN)
    }

    /// Opens the configured database, runs migrations and loads (creating if needed) the audit key.
    pub async fn open(config: config::Config) -> Result<App> {
        Self::open_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(config: config::Config, clock: Arc<dyn Clock>) -> Result<App> {
        let url = config.database_url().map_err(Error::Internal)?;
        if url.starts_with("sqlite:") {
            std::fs::create_dir_all(&config.server.data_dir)?;
        }
        let read = (!config.server.read_db.is_empty()).then_some(config.server.read_db.as_str());
        let db = Db::connect(&url, read).await.map_err(|e| Error::Internal(format!("opening the database: {e}")))?;
        touchstone_store::migrate::run(&db, clock.now().as_micros())
            .await
            .map_err(|e| Error::Internal(format!("migrating the database: {e}")))?;
        touchstone_store::dialect::ensure_statistics(&db)
            .await
            .map_err(|e| Error::Internal(format!("taking the planner's statistics: {e}")))?;
        let keys = secrets::load_key_ring(&config)?;
        let font_dir = config.font_dir();
        let renderer = touchstone_pdf::Renderer::new(Some(&font_dir))
            .map_err(|e| Error::Internal(format!("documents.font_dir {}: {e}", font_dir.display())))?;
        Ok(App { db, clock, keys: Arc::new(keys), config: Arc::new(config), renderer: Arc::new(renderer) })
    }
}
