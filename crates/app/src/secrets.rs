//! The audit key, kept outside the database in a file (hex). Created with 256 random bits on
//! first use, readable only by its owner.

use std::io::Write;
use std::path::Path;

use rand::RngCore;
use touchstone_domain::audit_chain::{AuditKey, KeyRing};

use crate::config::Config;
use crate::{Error, Result};

fn read_key(path: &Path) -> Result<AuditKey> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Internal(format!("audit key {}: {e}", path.display())))?;
    let bytes = hex::decode(text.trim())
        .map_err(|_| Error::Internal(format!("audit key {}: not hexadecimal", path.display())))?;
    AuditKey::new(bytes).map_err(|e| Error::Internal(format!("audit key {}: {e}", path.display())))
}

fn create_key(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(mut f) => {
            writeln!(f, "{}", hex::encode(bytes))?;
            f.sync_all()?;
            Ok(())
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Loads the current key (creating it when absent) and the retired ones.
pub fn load_key_ring(config: &Config) -> Result<KeyRing> {
    let path = config.audit_key_path();
    if !path.exists() {
        create_key(&path)?;
    }
    let current = read_key(&path)?;
    let older = config.audit.old_key_files.iter().map(|p| read_key(Path::new(p))).collect::<Result<Vec<_>>>()?;
    Ok(KeyRing::new(current, older))
}
