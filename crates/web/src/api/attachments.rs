//! Attachments over JSON: upload as the request body, list, download.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use touchstone_app::attachments::{self, MAX_BYTES};
use touchstone_store::attachments::AttachmentRow;

use crate::AppState;
use crate::api::imports::BodyChunks;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Auth, Id, Q};
use crate::ui::imports::save_upload;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name as it should be shown.
    pub file_name: String,
    pub note: Option<String>,
}

/// Attach a photo, document, audio or video record to an enterprise's file (request body =
/// the file; checked by content; at most 200 MiB).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/attachments", tag = "enterprises", params(("id" = uuid::Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentRow), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    Q(q): Q<UploadQuery>,
    body: Body,
) -> WebResult<(StatusCode, Json<AttachmentRow>)> {
    let path =
        save_upload(&state, "uploads", &q.file_name, None, MAX_BYTES, BodyChunks(body.into_data_stream())).await?;
    Ok((StatusCode::CREATED, Json(attachments::add(&state.app, &auth.actor, id, &path, &q.file_name, q.note).await?)))
}

/// The attachments of an enterprise's file, newest first.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/attachments", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<AttachmentRow>), (status = 404, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<Vec<AttachmentRow>>> {
    Ok(Json(attachments::list(&state.app, &auth.actor, id).await?))
}
