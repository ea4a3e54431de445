//! The audit log (R-AUD-1): `record` appends an entry inside the caller's transaction and
//! moves the signed head with it; `verify` walks the chain against the head and the last
//! checkpoint; `checkpoint` writes a signed copy of the head outside the database.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use touchstone_domain::audit_chain::{self, Checkpoint, EntryContent, StoredEntry, Verifier};
use touchstone_domain::role::Permission;
use touchstone_store::audit::{self as store, AuditFilter, AuditRow};
use touchstone_store::list::{Page, Window};
use touchstone_store::{StoreError, Tx};
use uuid::Uuid;

use crate::{Actor, App, Error, Result};

/// What changed (or what sensitive thing was read).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: Option<String>,
    pub region_code: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: impl ToString) -> Self {
        Self { action, entity_type, entity_id: Some(entity_id.to_string()), ..Self::default() }
    }
    pub fn region(mut self, region: impl Into<String>, organisation: Option<Uuid>) -> Self {
        self.region_code = Some(region.into());
        self.organisation_id = organisation;
        self
    }
    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }
    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// A record's fields for an entry's before/after, without the bookkeeping columns (version,
/// created and updated at and by) that every change moves.
pub fn record_fields(row: &impl Serialize) -> Value {
    let mut v = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        for k in ["version", "created_at", "updated_at", "updated_by"] {
            o.remove(k);
        }
    }
    v
}

/// Appends the entry for `change` by `actor` in `tx`. Call it in the transaction that makes
/// the change, so both commit or neither does.
pub async fn record(app: &App, tx: &mut Tx, actor: &Actor, change: Change) -> Result<i64> {
    let head = store::lock_head(tx).await?;
    let key = app.keys.current();
    let content = EntryContent {
        seq: head.seq + 1,
        id: Uuid::now_v7().to_string(),
        at: app.clock.now().as_micros(),
        actor_id: actor.user_id.map(|u| u.to_string()),
        actor_name: actor.username.clone(),
        os_user: actor.origin.os_user.clone(),
        ip: actor.origin.ip.clone(),
        user_agent: actor.origin.user_agent.clone(),
        action: change.action.to_string(),
        entity_type: change.entity_type.to_string(),
        entity_id: change.entity_id,
        region_code: change.region_code,
        before: change.before,
        after: change.after,
        key_id: key.id().to_string(),
        prev_mac: head.mac,
    };
    let mac = audit_chain::entry_mac(key, &content);
    let row = to_row(&content, change.organisation_id, &mac)?;
    store::insert(tx, &row).await?;
    store::set_head(tx, content.seq, &mac, &audit_chain::head_signature(key, content.seq, &mac)).await?;
    Ok(content.seq)
}

fn to_row(c: &EntryContent, organisation_id: Option<Uuid>, mac: &str) -> Result<AuditRow> {
    let parse = |s: &str| Uuid::parse_str(s).map_err(|e| Error::Internal(e.to_string()));
    Ok(AuditRow {
        seq: c.seq,
        id: parse(&c.id)?,
        at: c.at,
        actor_id: c.actor_id.as_deref().map(parse).transpose()?,
        actor_name: c.actor_name.clone(),
        os_user: c.os_user.clone(),
        ip: c.ip.clone(),
        user_agent: c.user_agent.clone(),
        action: c.action.clone(),
        entity_type: c.entity_type.clone(),
        entity_id: c.entity_id.clone(),
        region_code: c.region_code.clone(),
        organisation_id,
        before_json: c.before.as_ref().map(Value::to_string),
        after_json: c.after.as_ref().map(Value::to_string),
        key_id: c.key_id.clone(),
        prev_mac: c.prev_mac.clone(),
        mac: mac.to_string(),
    })
}

fn parse_json(seq: i64, field: &str, text: &Option<String>) -> std::result::Result<Option<Value>, StoreError> {
    text.as_deref()
        .map(|t| {
            serde_json::from_str(t).map_err(|_| StoreError::Data(format!("entry {seq}: {field} is not JSON (altered)")))
        })
        .transpose()
}

fn to_stored(r: AuditRow) -> std::result::Result<StoredEntry, StoreError> {
    Ok(StoredEntry {
        content: EntryContent {
            seq: r.seq,
            id: r.id.to_string(),
            at: r.at,
            actor_id: r.actor_id.map(|u| u.to_string()),
            actor_name: r.actor_name,
            os_user: r.os_user,
            ip: r.ip,
            user_agent: r.user_agent,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            region_code: r.region_code,
            before: parse_json(r.seq, "before", &r.before_json)?,
            after: parse_json(r.seq, "after", &r.after_json)?,
            key_id: r.key_id,
            prev_mac: r.prev_mac,
        },
        mac: r.mac,
    })
}

/// The outcome of a verification that found the chain intact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verified {
    pub entries: i64,
    pub checkpoint_seq: Option<i64>,
}

/// Walks the whole chain. Fails naming the first bad entry, a head that does not match,
/// or a tail cut off behind the latest checkpoint.
pub async fn verify(app: &App, checkpoint: Option<Checkpoint>) -> Result<Verified> {
    let checkpoint_seq = checkpoint.as_ref().map(|c| c.seq);
    let mut verifier = Verifier::new(&app.keys, checkpoint)
        .map_err(|e| Error::Conflict { code: "audit_chain_broken", message: e.to_string() })?;
    let mut failure: Option<String> = None;
    store::scan(&app.db, |row| {
        if failure.is_none() {
            let entry = to_stored(row)?;
            if let Err(e) = verifier.push(&entry) {
                failure = Some(e.to_string());
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| Error::Conflict { code: "audit_chain_broken", message: e.to_string() })?;
    if let Some(message) = failure {
        return Err(Error::Conflict { code: "audit_chain_broken", message });
    }
    let head = store::head(&app.db).await?;
    let entries = verifier
        .finish(head.seq, &head.mac, &head.signature)
        .map_err(|e| Error::Conflict { code: "audit_chain_broken", message: e.to_string() })?;
    Ok(Verified { entries, checkpoint_seq })
}

/// Writes a signed checkpoint of the current head to the checkpoint directory (and
/// `latest.json` beside it). Returns the file written.
pub async fn checkpoint(app: &App) -> Result<(PathBuf, Checkpoint)> {
    let head = store::head(&app.db).await?;
    let cp = Checkpoint::sign(app.keys.current(), head.seq, &head.mac, app.clock.now().as_micros());
    let dir = app.config.checkpoint_dir();
    std::fs::create_dir_all(&dir)?;
    let json = serde_json::to_string_pretty(&cp).map_err(|e| Error::Internal(e.to_string()))?;
    let path = dir.join(format!("checkpoint-{:012}-{}.json", cp.seq, cp.at));
    write_durably(&path, &json)?;
    write_durably(&dir.join("latest.json"), &json)?;
    Ok((path, cp))
}

fn write_durably(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The latest checkpoint in the configured directory, if any.
pub fn latest_checkpoint(app: &App) -> Result<Option<Checkpoint>> {
    read_checkpoint(&app.config.checkpoint_dir().join("latest.json"))
}

pub fn read_checkpoint(path: &Path) -> Result<Option<Checkpoint>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path)?;
    serde_json::from_str(&text).map(Some).map_err(|e| Error::Conflict {
        code: "audit_checkpoint_unreadable",
        message: format!("{}: {e}", path.display()),
    })
}

/// When the last checkpoint was written (for the daily sweep).
pub fn last_checkpoint_at(app: &App) -> Option<i64> {
    latest_checkpoint(app).ok().flatten().map(|c| c.at)
}

/// Entries the actor may read, filtered; personal data inside before/after is masked
/// (R-PRIV-1: reading it unmasked is the audited unmask of the record itself).
pub async fn list(app: &App, actor: &Actor, filter: &AuditFilter, window: &Window) -> Result<Page<AuditRow>> {
    actor.require(Permission::ReadAudit, "reading the audit log")?;
    let mut page = store::list(&app.db, &actor.bureaus, &actor.regions, filter, window).await?;
    for row in &mut page.items {
        row.before_json = row.before_json.as_deref().map(mask_personal_json);
        row.after_json = row.after_json.as_deref().map(mask_personal_json);
    }
    Ok(page)
}

/// Masks identity numbers and phone numbers anywhere in a JSON document.
pub fn mask_personal_json(text: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    match (k.as_str(), &x) {
                        ("legal_rep_id_number", Value::String(s)) => {
                            *x = Value::String(touchstone_domain::enterprise::mask_id_number(s))
                        }
                        ("legal_rep_phone" | "phone", Value::String(s)) => {
                            *x = Value::String(touchstone_domain::enterprise::mask_phone(s))
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => text.to_string(),
    }
}

/// Records that `actor` exported something: exports are sensitive reads (R-AUD-1).
pub async fn record_export(app: &App, actor: &Actor, entity_type: &'static str, description: Value) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let mut change = Change::new("export", entity_type, "list").after(description);
    if let Some(org) = &actor.organisation {
        change = change.region(org.region_code.clone(), Some(org.id));
    }
    record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_in_audit_documents_is_masked_for_display() {
        let text = r#"{"name":"甲厂","legal_rep_phone":"13812345678","contacts":[{"name":"李","phone":"13900001111"}],"legal_rep_id_number":"11010519491231002X"}"#;
        let masked = mask_personal_json(text);
        assert!(
            masked.contains("138****5678") && masked.contains("139****1111") && masked.contains("1101**********002X"),
            "{masked}"
        );
        assert!(!masked.contains("13812345678"));
        assert_eq!(mask_personal_json("not json"), "not json");
    }
}
