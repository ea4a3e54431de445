//! Configuration: defaults → TOML file → `TOUCHSTONE_*` environment → command-line flags.
//! Unknown keys are errors; secrets (the audit key, the database URL) may come from files.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: Server,
    pub security: Security,
    pub audit: Audit,
    pub sweeper: Sweeper,
    /// Hazard deadlines, review time and escalation interval (METHODS.md §3).
    pub hazards: touchstone_domain::hazard::Deadlines,
    /// Official documents printed as PDF.
    pub documents: Documents,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Documents {
    /// A directory of extra fonts (TTF, OTF or TTC; not WOFF) for names beyond the built-in
    /// GB2312 subset of Noto Sans SC, preferred over it; empty means `<data_dir>/fonts`. A
    /// missing directory is not an error: the built-in subset alone is used.
    pub font_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Address to listen on.
    pub bind: String,
    /// Directory for the SQLite database, secrets, checkpoints and files.
    pub data_dir: PathBuf,
    /// Database URL; empty means the SQLite file in the data directory.
    pub db: String,
    /// A file holding the database URL (keeps a password out of the config file).
    pub db_file: String,
    /// A PostgreSQL replica for reads; empty for none.
    pub read_db: String,
    /// Mark cookies `Secure` (keep on; browsers accept them on http://localhost too).
    pub cookie_secure: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Failed sign-ins in a row before an account locks.
    pub max_failed_logins: i64,
    pub lockout_minutes: i64,
    /// Failed sign-ins from one address per window before it is throttled.
    pub address_failures_per_window: i64,
    pub address_window_minutes: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Audit {
    /// The HMAC key file (hex); empty means `<data_dir>/secrets/audit.key`, created on first use.
    pub key_file: String,
    /// Retired key files still needed to verify older entries.
    pub old_key_files: Vec<String>,
    /// Where signed checkpoints of the chain head are written; empty means `<data_dir>/checkpoints`.
    pub checkpoint_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Sweeper {
    pub interval_seconds: u64,
    pub lease_seconds: i64,
    /// Hours between automatic checkpoints of the audit chain (at least daily).
    pub checkpoint_hours: i64,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            db: String::new(),
            db_file: String::new(),
            read_db: String::new(),
            cookie_secure: true,
            body_limit_bytes: 1024 * 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for Security {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            max_failed_logins: 5,
            lockout_minutes: 15,
            address_failures_per_window: 50,
            address_window_minutes: 15,
        }
    }
}

impl Default for Sweeper {
    fn default() -> Self {
        Self { interval_seconds: 60, lease_seconds: 30, checkpoint_hours: 24 }
    }
}

/// The sections of the configuration, as environment variables name them.
const SECTIONS: &[&str] = &["server", "security", "audit", "sweeper", "documents"];

/// Values given on the command line, the top layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub db: Option<String>,
    pub read_db: Option<String>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Loads the layers. `file` is the `--config` path, if any.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, String> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            if !f.exists() {
                return Err(format!("config file {} does not exist", f.display()));
            }
            fig = fig.merge(Toml::file(f));
        }
        fig = fig.merge(
            // Only TOUCHSTONE_<SECTION>__<KEY> is configuration; other TOUCHSTONE_* variables
            // (the test harness's, tools') are not, and an unknown key in a section is an error.
            Env::prefixed("TOUCHSTONE_").split("__").filter(|k| {
                let k = k.as_str().to_ascii_lowercase();
                SECTIONS.iter().any(|s| k.starts_with(&format!("{s}__")) || k.starts_with(&format!("{s}.")))
            }),
        );
        let mut cfg: Config = fig.extract().map_err(|e| format!("configuration: {e}"))?;
        if let Some(v) = &overrides.db {
            cfg.server.db = v.clone();
        }
        if let Some(v) = &overrides.read_db {
            cfg.server.read_db = v.clone();
        }
        if let Some(v) = &overrides.bind {
            cfg.server.bind = v.clone();
        }
        if let Some(v) = &overrides.data_dir {
            cfg.server.data_dir = v.clone();
        }
        cfg.check()?;
        Ok(cfg)
    }

    /// Checks values that parse but make no sense.
    pub fn check(&self) -> Result<(), String> {
        if self.server.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!("server.bind: {:?} is not an address like 127.0.0.1:8080", self.server.bind));
        }
        if self.security.session_idle_minutes < 1 || self.security.max_failed_logins < 1 {
            return Err("security: session_idle_minutes and max_failed_logins must be at least 1".into());
        }
        if self.sweeper.checkpoint_hours < 1 || self.sweeper.checkpoint_hours > 24 {
            return Err("sweeper.checkpoint_hours: must be between 1 and 24 (a checkpoint at least daily)".into());
        }
        if self.server.body_limit_bytes < 1024 {
            return Err("server.body_limit_bytes: must be at least 1024".into());
        }
        Ok(())
    }

    /// The database URL: the flag or setting, else the URL in `db_file`, else the SQLite file.
    pub fn database_url(&self) -> Result<String, String> {
        if !self.server.db.is_empty() {
            return Ok(self.server.db.clone());
        }
        if !self.server.db_file.is_empty() {
            return std::fs::read_to_string(&self.server.db_file)
                .map(|s| s.trim().to_string())
                .map_err(|e| format!("server.db_file {}: {e}", self.server.db_file));
        }
        Ok(format!("sqlite:{}", self.server.data_dir.join("touchstone.db").display()))
    }

    pub fn audit_key_path(&self) -> PathBuf {
        if self.audit.key_file.is_empty() {
            self.server.data_dir.join("secrets").join("audit.key")
        } else {
            PathBuf::from(&self.audit.key_file)
        }
    }

    pub fn checkpoint_dir(&self) -> PathBuf {
        if self.audit.checkpoint_dir.is_empty() {
            self.server.data_dir.join("checkpoints")
        } else {
            PathBuf::from(&self.audit.checkpoint_dir)
        }
    }

    /// Where the extra fonts for documents are looked for.
    pub fn font_dir(&self) -> PathBuf {
        if self.documents.font_dir.is_empty() {
            self.server.data_dir.join("fonts")
        } else {
            PathBuf::from(&self.documents.font_dir)
        }
    }

    /// This configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// The defaults as a commented TOML document (`touchstone config print-default`).
    pub fn default_toml() -> String {
        let body = Config::default().to_toml();
        format!(
            "# Touchstone configuration. Layers: these defaults, this file (--config), TOUCHSTONE_* environment\n\
             # variables (TOUCHSTONE_SERVER__BIND=…), then command-line flags. Unknown keys are errors.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_defaults_load_back_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("t.toml");
        std::fs::write(&f, Config::default_toml()).expect("write");
        let cfg = Config::load(Some(&f), &Overrides::default()).expect("loads");
        assert_eq!(cfg, Config::default());
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("t.toml");
        std::fs::write(&f, "[server]\nbindd = \"x\"\n").expect("write");
        let err = Config::load(Some(&f), &Overrides::default()).expect_err("unknown key");
        assert!(err.contains("bindd"), "{err}");
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("t.toml");
        std::fs::write(&f, "[server]\nbind = \"127.0.0.1:9000\"\n").expect("write");
        let o = Overrides { bind: Some("127.0.0.1:9001".into()), ..Overrides::default() };
        assert_eq!(Config::load(Some(&f), &o).expect("loads").server.bind, "127.0.0.1:9001");
    }
}
