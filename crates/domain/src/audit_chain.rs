//! The tamper-evident audit chain (R-AUD-1): each entry's MAC is HMAC-SHA-256 over the RFC 8785
//! canonical JSON of its content and the previous entry's MAC; the chain head and the
//! checkpoints written outside the database are signed with the same key. Pure: the caller
//! supplies the entries in sequence order and the keys.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The MAC the chain starts from (there is no entry 0).
pub const GENESIS_MAC: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A secret key and its id. The id is derived from the key so it cannot be mislabelled.
#[derive(Clone)]
pub struct AuditKey {
    id: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey").field("id", &self.id).finish_non_exhaustive()
    }
}

impl AuditKey {
    /// A key must be at least 32 bytes.
    pub fn new(secret: Vec<u8>) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err(format!("audit key must be at least 32 bytes, got {}", secret.len()));
        }
        let id = hex::encode(&Sha256::digest(&secret)[..8]);
        Ok(Self { id, secret })
    }
    pub fn id(&self) -> &str {
        &self.id
    }
    fn mac_hex(&self, message: &[u8]) -> String {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.secret) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The current key (used for new entries) and every older key still needed to verify.
#[derive(Debug, Clone)]
pub struct KeyRing {
    current: AuditKey,
    all: HashMap<String, AuditKey>,
}

impl KeyRing {
    pub fn new(current: AuditKey, older: Vec<AuditKey>) -> Self {
        let mut all: HashMap<String, AuditKey> = older.into_iter().map(|k| (k.id.clone(), k)).collect();
        all.insert(current.id.clone(), current.clone());
        Self { current, all }
    }
    pub fn current(&self) -> &AuditKey {
        &self.current
    }
    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.all.get(id)
    }
}

/// The content of one audit entry, as stored. `before`/`after` are JSON documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryContent {
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub os_user: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub region_code: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub key_id: String,
    pub prev_mac: String,
}

fn canonical(value: &impl Serialize) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).unwrap_or_default()
}

/// The MAC of an entry under `key`: HMAC-SHA-256 of its canonical JSON (which includes the
/// previous MAC, the sequence number and the key id).
pub fn entry_mac(key: &AuditKey, content: &EntryContent) -> String {
    key.mac_hex(&canonical(content))
}

/// The signature of the chain head row (sequence and MAC of the last entry).
pub fn head_signature(key: &AuditKey, seq: i64, mac: &str) -> String {
    key.mac_hex(&canonical(&serde_json::json!({"kind": "head", "seq": seq, "mac": mac})))
}

/// A checkpoint of the head, written outside the database (a file, a printout, a copy sent
/// to the bureau above).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub mac: String,
    pub at: i64,
    pub key_id: String,
    pub signature: String,
}

impl Checkpoint {
    pub fn sign(key: &AuditKey, seq: i64, mac: &str, at: i64) -> Self {
        let signature = Self::signature_of(key, seq, mac, at);
        Self { seq, mac: mac.to_string(), at, key_id: key.id.clone(), signature }
    }
    fn signature_of(key: &AuditKey, seq: i64, mac: &str, at: i64) -> String {
        key.mac_hex(&canonical(
            &serde_json::json!({"kind": "checkpoint", "seq": seq, "mac": mac, "at": at, "key_id": key.id}),
        ))
    }
    pub fn is_authentic(&self, keys: &KeyRing) -> bool {
        keys.get(&self.key_id).is_some_and(|k| Self::signature_of(k, self.seq, &self.mac, self.at) == self.signature)
    }
}

/// A stored entry: its content and the MAC stored beside it.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub content: EntryContent,
    pub mac: String,
}

/// Why verification failed, naming the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entry {seq}: expected sequence number {expected} (an entry was deleted or inserted)")]
    Gap { seq: i64, expected: i64 },
    #[error("entry {seq}: its previous-MAC link does not match entry {prev} (an entry was deleted or inserted)")]
    BrokenLink { seq: i64, prev: i64 },
    #[error("entry {seq}: signed with unknown key id {key_id}")]
    UnknownKey { seq: i64, key_id: String },
    #[error("entry {seq}: MAC does not match its content (the entry was altered or forged)")]
    BadMac { seq: i64 },
    #[error("chain head says entry {head_seq} but the chain ends at entry {last_seq} (entries were cut off)")]
    HeadMismatch { head_seq: i64, last_seq: i64 },
    #[error("chain head signature is invalid (the head row was altered)")]
    BadHeadSignature,
    #[error("checkpoint signature is invalid (the checkpoint file was altered)")]
    BadCheckpoint,
    #[error("checkpoint covers entry {checkpoint_seq} but the chain ends at entry {last_seq} (the tail was cut off)")]
    TailCut { checkpoint_seq: i64, last_seq: i64 },
    #[error("entry {seq} differs from the checkpoint taken of it (history was rewritten)")]
    CheckpointMismatch { seq: i64 },
}

/// Walks a chain incrementally; feed entries in sequence order, then call `finish`.
#[derive(Debug)]
pub struct Verifier<'k> {
    keys: &'k KeyRing,
    expected_seq: i64,
    prev_mac: String,
    checkpoint: Option<Checkpoint>,
    checkpoint_seen: bool,
}

impl<'k> Verifier<'k> {
    pub fn new(keys: &'k KeyRing, checkpoint: Option<Checkpoint>) -> Result<Self, ChainError> {
        if let Some(c) = &checkpoint
            && !c.is_authentic(keys)
        {
            return Err(ChainError::BadCheckpoint);
        }
        Ok(Self { keys, expected_seq: 1, prev_mac: GENESIS_MAC.to_string(), checkpoint, checkpoint_seen: false })
    }

    pub fn push(&mut self, entry: &StoredEntry) -> Result<(), ChainError> {
        let c = &entry.content;
        if c.seq != self.expected_seq {
            return Err(ChainError::Gap { seq: c.seq, expected: self.expected_seq });
        }
        if c.prev_mac != self.prev_mac {
            return Err(ChainError::BrokenLink { seq: c.seq, prev: c.seq - 1 });
        }
        let key =
            self.keys.get(&c.key_id).ok_or_else(|| ChainError::UnknownKey { seq: c.seq, key_id: c.key_id.clone() })?;
        if entry_mac(key, c) != entry.mac {
            return Err(ChainError::BadMac { seq: c.seq });
        }
        if let Some(cp) = &self.checkpoint
            && cp.seq == c.seq
        {
            if cp.mac != entry.mac {
                return Err(ChainError::CheckpointMismatch { seq: c.seq });
            }
            self.checkpoint_seen = true;
        }
        self.expected_seq += 1;
        self.prev_mac = entry.mac.clone();
        Ok(())
    }

    /// Checks the signed head row against the last entry, and the checkpoint against the end.
    /// Returns the number of entries verified.
    pub fn finish(self, head_seq: i64, head_mac: &str, head_sig: &str) -> Result<i64, ChainError> {
        let last_seq = self.expected_seq - 1;
        if let Some(cp) = &self.checkpoint {
            if cp.seq > last_seq {
                return Err(ChainError::TailCut { checkpoint_seq: cp.seq, last_seq });
            }
            if cp.seq > 0 && !self.checkpoint_seen {
                return Err(ChainError::CheckpointMismatch { seq: cp.seq });
            }
        }
        if head_seq != last_seq || head_mac != self.prev_mac {
            return Err(ChainError::HeadMismatch { head_seq, last_seq });
        }
        let signed_ok = if head_seq == 0 {
            head_sig.is_empty()
        } else {
            self.keys.all.values().any(|k| head_signature(k, head_seq, head_mac) == head_sig)
        };
        if !signed_ok {
            return Err(ChainError::BadHeadSignature);
        }
        Ok(last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::new(AuditKey::new(vec![7u8; 32]).expect("32 bytes"), vec![])
    }

    fn chain(keys: &KeyRing, n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS_MAC.to_string();
        (1..=n)
            .map(|seq| {
                let content = EntryContent {
                    seq,
                    id: format!("id-{seq}"),
                    at: seq * 1000,
                    actor_id: None,
                    actor_name: "system".into(),
                    os_user: Some("root".into()),
                    ip: None,
                    user_agent: None,
                    action: "user.create".into(),
                    entity_type: "user".into(),
                    entity_id: Some(format!("u{seq}")),
                    region_code: Some("360000".into()),
                    before: None,
                    after: Some(serde_json::json!({"name": "张三", "n": seq})),
                    key_id: keys.current().id().to_string(),
                    prev_mac: prev.clone(),
                };
                let mac = entry_mac(keys.current(), &content);
                prev = mac.clone();
                StoredEntry { content, mac }
            })
            .collect()
    }

    fn verify(keys: &KeyRing, entries: &[StoredEntry], cp: Option<Checkpoint>) -> Result<i64, ChainError> {
        let mut v = Verifier::new(keys, cp)?;
        for e in entries {
            v.push(e)?;
        }
        let (seq, mac) = entries.last().map(|e| (e.content.seq, e.mac.clone())).unwrap_or((0, GENESIS_MAC.into()));
        let sig = if seq == 0 { String::new() } else { head_signature(keys.current(), seq, &mac) };
        v.finish(seq, &mac, &sig)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let keys = ring();
        let entries = chain(&keys, 5);
        assert_eq!(verify(&keys, &entries, None), Ok(5));
    }

    #[test]
    fn an_altered_entry_is_named_even_when_its_plain_hash_was_recomputed() {
        let keys = ring();
        let mut entries = chain(&keys, 5);
        entries[2].content.actor_name = "someone else".into();
        entries[2].mac = hex::encode(Sha256::digest(canonical(&entries[2].content)));
        assert_eq!(verify(&keys, &entries, None), Err(ChainError::BadMac { seq: 3 }));
    }

    #[test]
    fn a_deleted_entry_is_named() {
        let keys = ring();
        let mut entries = chain(&keys, 5);
        entries.remove(1);
        assert_eq!(verify(&keys, &entries, None), Err(ChainError::Gap { seq: 3, expected: 2 }));
    }

    #[test]
    fn a_tail_cut_behind_a_checkpoint_is_detected() {
        let keys = ring();
        let entries = chain(&keys, 5);
        let cp = Checkpoint::sign(keys.current(), 5, &entries[4].mac, 99);
        assert_eq!(verify(&keys, &entries[..3], Some(cp)), Err(ChainError::TailCut { checkpoint_seq: 5, last_seq: 3 }));
    }

    #[test]
    fn a_forged_checkpoint_is_refused() {
        let keys = ring();
        let entries = chain(&keys, 2);
        let mut cp = Checkpoint::sign(keys.current(), 2, &entries[1].mac, 99);
        cp.seq = 1;
        assert_eq!(verify(&keys, &entries, Some(cp)), Err(ChainError::BadCheckpoint));
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(AuditKey::new(vec![1u8; 8]).is_err());
    }
}
