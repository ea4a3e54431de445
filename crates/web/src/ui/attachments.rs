//! Attachments on the enterprise file: upload (streamed to disk, size-limited, checked by
//! content) and download.

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use touchstone_app::Error;
use touchstone_app::attachments::{self, MAX_BYTES};

use super::imports::{Field, save_upload};
use crate::AppState;
use crate::error::WebResult;
use crate::extract::{Auth, Id};

pub async fn upload(State(state): State<AppState>, auth: Auth, Id(id): Id, mut form: Multipart) -> WebResult<Response> {
    let mut note = None;
    let mut saved = None;
    while let Some(field) = form.next_field().await.map_err(|e| Error::field("file", "upload_failed", e.body_text()))? {
        match field.name() {
            Some("note") => note = field.text().await.ok(),
            Some("file") => {
                let name = field.file_name().unwrap_or("file").to_string();
                saved = Some((save_upload(&state, "uploads", &name, None, MAX_BYTES, Field(field)).await?, name));
            }
            _ => {}
        }
    }
    let (path, name) = saved.ok_or_else(|| Error::field("file", "required", "choose a file"))?;
    attachments::add(&state.app, &auth.actor, id, &path, &name, note).await?;
    Ok(Redirect::to(&format!("/enterprises/{id}#enterprise-attachments")).into_response())
}

/// The bytes, streamed, with the stored content type (never sniffed by the browser).
pub async fn download(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let (row, path) = attachments::content(&state.app, &auth.actor, id).await?;
    let file = tokio::fs::File::open(&path).await.map_err(Error::from)?;
    let encoded: String = url::form_urlencoded::byte_serialize(row.file_name.as_bytes()).collect();
    Ok((
        [
            (header::CONTENT_TYPE, row.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{encoded}")),
            (header::CONTENT_LENGTH, row.size_bytes.to_string()),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response())
}
