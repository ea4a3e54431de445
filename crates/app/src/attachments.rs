//! Attachments on the enterprise file (R-ENT-3): photos, documents, audio and video, checked
//! by their content (not their name), stored once per content under `<data>/files/` by
//! SHA-256, the hash recorded in the audit entry.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use touchstone_domain::role::Permission;
use touchstone_store::attachments::{self as store, AttachmentRow};
use touchstone_store::enterprises::{self as enterprise_store, Visibility};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::{Actor, App, Error, Result};

/// Largest attachment accepted.
pub const MAX_BYTES: u64 = 200 * 1024 * 1024;

/// The content type of a file by its first bytes; `None` for kinds not accepted.
pub fn sniff(head: &[u8], file_name: &str) -> Option<&'static str> {
    let ext = Path::new(file_name).extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        Some(if ext == "m4a" { "audio/mp4" } else { "video/mp4" })
    } else if starts(b"ID3") || starts(b"\xFF\xFB") || starts(b"\xFF\xF3") {
        Some("audio/mpeg")
    } else if starts(b"RIFF") && head.len() >= 12 && &head[8..12] == b"WAVE" {
        Some("audio/wav")
    } else if starts(b"PK\x03\x04") {
        match ext.as_str() {
            "docx" => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            _ => Some("application/zip"),
        }
    } else if ext == "txt" && std::str::from_utf8(head).is_ok() {
        Some("text/plain; charset=utf-8")
    } else {
        None
    }
}

pub(crate) fn store_path(app: &App, sha256: &str) -> PathBuf {
    app.config.server.data_dir.join("files").join(&sha256[..2]).join(sha256)
}

/// Puts bytes made by the application itself (a rendered document) in the content-addressed
/// store, synced to disk; their SHA-256 (hex). The caller records the attachment row.
pub(crate) fn store_bytes(app: &App, bytes: &[u8]) -> Result<String> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let target = store_path(app, &sha256);
    if !target.exists() {
        let dir = target.parent().ok_or_else(|| Error::Internal("attachment store has no directory".into()))?;
        std::fs::create_dir_all(dir)?;
        // Written beside the target and renamed, so a reader never sees half a file.
        let temp = dir.join(format!(".{sha256}.{}", Uuid::now_v7()));
        std::fs::write(&temp, bytes)?;
        std::fs::File::open(&temp)?.sync_all()?;
        std::fs::rename(&temp, &target)?;
    }
    Ok(sha256)
}

/// Adds the uploaded file at `temp` (removed afterwards) to an enterprise's file.
pub async fn add(
    app: &App,
    actor: &Actor,
    enterprise_id: Uuid,
    temp: &Path,
    file_name: &str,
    note: Option<String>,
) -> Result<AttachmentRow> {
    let result = add_inner(app, actor, enterprise_id, temp, file_name, note).await;
    let _ = std::fs::remove_file(temp);
    result
}

async fn add_inner(
    app: &App,
    actor: &Actor,
    enterprise_id: Uuid,
    temp: &Path,
    file_name: &str,
    note: Option<String>,
) -> Result<AttachmentRow> {
    actor.require(Permission::EditEnterprises, "adding attachments")?;
    let e = enterprise_store::get(&app.db, &Visibility { regions: &actor.regions, own: None }, enterprise_id)
        .await?
        .ok_or(Error::NotFound)?;
    let file_name: String =
        Path::new(file_name).file_name().and_then(|n| n.to_str()).unwrap_or("file").chars().take(200).collect();
    let (sha256, size, head) = {
        let mut f = std::fs::File::open(temp)?;
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if head.len() < 512 {
                head.extend_from_slice(&buf[..n.min(512 - head.len())]);
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        (hex::encode(hasher.finalize()), size, head)
    };
    if size == 0 {
        return Err(Error::field("file", "empty", "the file is empty"));
    }
    let content_type = sniff(&head, &file_name).ok_or_else(|| {
        Error::field(
            "file",
            "unsupported_type",
            "photos (JPEG, PNG), PDF, Word/Excel, MP4 video, MP3/WAV audio, ZIP or plain text",
        )
    })?;
    let target = store_path(app, &sha256);
    if !target.exists() {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(temp, &target)?;
        std::fs::File::open(&target)?.sync_all()?;
    }
    let row = AttachmentRow {
        id: Uuid::now_v7(),
        enterprise_id,
        region_code: e.region_code.clone(),
        file_name,
        content_type: content_type.to_string(),
        size_bytes: size as i64,
        sha256,
        note: note.map(|n| n.trim().chars().take(500).collect::<String>()).filter(|n| !n.is_empty()),
        uploaded_by: actor.username.clone(),
        uploaded_at: app.clock.now().as_micros(),
    };
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &row).await?;
    let change = Change::new("enterprise.attachment", "enterprise", enterprise_id).region(e.region_code.clone(), None);
    audit::record(
        app,
        &mut tx,
        actor,
        change.after(serde_json::json!({"file": row.file_name, "sha256": row.sha256, "size": row.size_bytes})),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn list(app: &App, actor: &Actor, enterprise_id: Uuid) -> Result<Vec<AttachmentRow>> {
    crate::enterprises::get(app, actor, enterprise_id).await?;
    Ok(store::of_enterprise(&app.db, enterprise_id).await?)
}

/// An attachment and where its bytes are, if the actor may see its enterprise.
pub async fn content(app: &App, actor: &Actor, id: Uuid) -> Result<(AttachmentRow, PathBuf)> {
    if actor.own_enterprise().is_none() {
        actor.require(Permission::ReadEnterprises, "reading attachments")?;
    }
    let row = store::get(&app.db, &actor.regions, actor.own_enterprise(), id).await?.ok_or(Error::NotFound)?;
    let path = store_path(app, &row.sha256);
    if !path.exists() {
        return Err(Error::Internal(format!("attachment {id}: file {} is missing from the store", row.sha256)));
    }
    Ok((row, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_content_not_their_name() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest", "photo.png"), Some("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.7", "x.exe"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00", "report.pdf"), None, "an executable named .pdf is refused");
        assert_eq!(sniff(b"\x00\x00\x00\x18ftypmp42", "clip.mp4"), Some("video/mp4"));
        assert_eq!(sniff("现场检查记录".as_bytes(), "note.txt"), Some("text/plain; charset=utf-8"));
    }
}
