//! Official documents over JSON (R-INSP-3, R-HAZ-2): issue 现场检查笔录, 责令限期整改通知书 and
//! 整改复查意见书 from an inspection or a hazard, read one, download its PDF, list an
//! enterprise's.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use touchstone_app::Error;
use touchstone_app::documents::{self, DocumentView, IssueInput};

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] = &[("issued_at", "d.issued_at"), ("number", "d.number"), ("kind", "d.kind")];

fn issued(i: documents::Issued) -> (StatusCode, Json<DocumentView>) {
    (if i.created { StatusCode::CREATED } else { StatusCode::OK }, Json(i.view))
}

/// Issue the 现场检查笔录 (`inspection_record`) of a completed inspection, or the
/// 责令限期整改通知书 (`rectification_order`) for the hazards it found that are still open:
/// 201 with the new document, 200 with the one already issued when nothing it prints has
/// changed. A character no font has is 422 naming the field (`enterprise.name`).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/documents", tag = "documents", params(("id" = uuid::Uuid, Path)),
    request_body = IssueInput,
    responses((status = 201, body = DocumentView), (status = 200, body = DocumentView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_for_inspection(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<IssueInput>,
) -> WebResult<(StatusCode, Json<DocumentView>)> {
    Ok(issued(documents::issue_for_inspection(&state.app, &auth.actor, id, &body).await?))
}

/// Issue the 责令限期整改通知书 (`rectification_order`) for one open hazard, or the
/// 整改复查意见书 (`review_opinion`) of its latest review (passed: 予以销号; failed: 退回整改).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/documents", tag = "documents", params(("id" = uuid::Uuid, Path)),
    request_body = IssueInput,
    responses((status = 201, body = DocumentView), (status = 200, body = DocumentView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_for_hazard(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<IssueInput>,
) -> WebResult<(StatusCode, Json<DocumentView>)> {
    Ok(issued(documents::issue_for_hazard(&state.app, &auth.actor, id, &body).await?))
}

/// One document: number, kind, subject, the PDF's SHA-256 and where to download it.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = DocumentView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<DocumentView>> {
    Ok(Json(documents::get(&state.app, &auth.actor, id).await?))
}

/// The document's PDF, streamed from the enterprise's file.
#[utoipa::path(get, path = "/api/v1/documents/{id}/pdf", tag = "documents", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn pdf(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let (view, path) = documents::pdf(&state.app, &auth.actor, id).await?;
    let file = tokio::fs::File::open(&path).await.map_err(Error::from)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(&format!("{}.pdf", view.document.kind), &view.file_name)),
            (header::CONTENT_LENGTH, view.size_bytes.to_string()),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response())
}

/// The documents issued to an enterprise, newest first.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/documents", tag = "documents", params(("id" = uuid::Uuid, Path), ListParams),
    responses((status = 200, body = Page<DocumentView>), (status = 404, body = ErrorBody)))]
pub async fn of_enterprise(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<DocumentView>>> {
    Ok(Json(documents::of_enterprise(&state.app, &auth.actor, id, &p.window(SORTS, true)?).await?.into()))
}

/// `inline` with an ASCII `filename` for old clients and the Chinese name as RFC 5987's
/// `filename*=UTF-8''…` (percent-encoded UTF-8, only attr-chars left as they are).
pub fn content_disposition(ascii: &str, name: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_file_name_is_percent_encoded_as_rfc_5987_says() {
        assert_eq!(
            content_disposition("inspection_record.pdf", "笔录 (1).pdf"),
            "inline; filename=\"inspection_record.pdf\"; filename*=UTF-8''%E7%AC%94%E5%BD%95%20%281%29.pdf"
        );
    }
}
