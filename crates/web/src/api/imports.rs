//! Bulk imports over HTTP (R-ENT-5): send the file of enterprises, products or certificates
//! as the request body, then follow the job and fetch its error report as CSV or XLSX.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use futures::StreamExt;
use serde::Deserialize;
use touchstone_app::imports::{self, Kind, Outcome};
use touchstone_store::imports::JobRow;

use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Auth, Id, Q};
use crate::ui::imports::{AsyncChunks, save_upload, start};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// The file's name; its extension (.csv or .xlsx) decides how it is read.
    pub file_name: String,
    /// Refuse the whole file if any row is bad.
    #[serde(default)]
    pub strict: bool,
}

/// A request body as a source of chunks.
pub struct BodyChunks(pub axum::body::BodyDataStream);

impl AsyncChunks for BodyChunks {
    async fn next_chunk(&mut self) -> WebResult<Option<axum::body::Bytes>> {
        match self.0.next().await {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(touchstone_app::Error::field("file", "upload_failed", e.to_string()).into()),
        }
    }
}

/// Saves the request body and starts a job of `kind` on it; answers 202 with the job.
async fn start_import(
    state: &AppState,
    auth: &Auth,
    kind: Kind,
    q: &ImportQuery,
    body: Body,
) -> WebResult<(StatusCode, Json<JobRow>)> {
    let path = save_upload(
        state,
        "imports",
        &q.file_name,
        Some(&["csv", "xlsx"]),
        imports::MAX_FILE_BYTES,
        BodyChunks(body.into_data_stream()),
    )
    .await?;
    let job = imports::create_job(&state.app, &auth.actor, kind, &path, &q.file_name, q.strict).await?;
    start(state, auth.actor.clone(), job.clone(), path);
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Start importing enterprises from the request body (CSV or XLSX bytes); answers 202 with
/// the job to follow at `/api/v1/imports/{id}`.
#[utoipa::path(post, path = "/api/v1/imports/enterprises", tag = "imports", params(ImportQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 202, body = JobRow), (status = 422, body = ErrorBody)))]
pub async fn enterprises(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<ImportQuery>,
    body: Body,
) -> WebResult<(StatusCode, Json<JobRow>)> {
    start_import(&state, &auth, Kind::Enterprises, &q, body).await
}

/// Start importing products (upsert by credit code, product name and model) from the request
/// body; answers 202 with the job to follow at `/api/v1/imports/{id}`.
#[utoipa::path(post, path = "/api/v1/imports/products", tag = "imports", params(ImportQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 202, body = JobRow), (status = 422, body = ErrorBody)))]
pub async fn products(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<ImportQuery>,
    body: Body,
) -> WebResult<(StatusCode, Json<JobRow>)> {
    start_import(&state, &auth, Kind::Products, &q, body).await
}

/// Start importing certificates (upsert by certificate number) from the request body;
/// answers 202 with the job to follow at `/api/v1/imports/{id}`.
#[utoipa::path(post, path = "/api/v1/imports/certificates", tag = "imports", params(ImportQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 202, body = JobRow), (status = 422, body = ErrorBody)))]
pub async fn certificates(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<ImportQuery>,
    body: Body,
) -> WebResult<(StatusCode, Json<JobRow>)> {
    start_import(&state, &auth, Kind::Certificates, &q, body).await
}

/// An import job with its progress, outcome and per-row errors.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Outcome), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<Outcome>> {
    Ok(Json(imports::get(&state.app, &auth.actor, id).await?))
}

/// The per-row error report as XLSX: row, field, value, reason.
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors.xlsx", tag = "imports", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn errors_xlsx(state: State<AppState>, auth: Auth, id: Id) -> WebResult<Response> {
    crate::ui::imports::errors_xlsx(state, auth, id).await
}

/// The per-row error report as CSV (UTF-8 with BOM): row, field, value, reason.
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors.csv", tag = "imports", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
pub async fn errors_csv(state: State<AppState>, auth: Auth, id: Id) -> WebResult<Response> {
    crate::ui::imports::errors_csv(state, auth, id).await
}

/// The parts of an archive upload (R-ENT-6).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ArchiveForm {
    /// The mapping file (TOML, docs/archive-import.md).
    #[schema(format = Binary)]
    mapping: String,
    /// The archive's CSV files, each a part named `file`; their names pick their `[[files]]` entry.
    #[schema(format = Binary)]
    file: Vec<String>,
    /// Any value: refuse the whole archive if any row is bad.
    strict: Option<String>,
}

/// Start importing a legacy archive (R-ENT-6): a multipart form with the mapping (`mapping`),
/// one or more CSV files (`file`) and optionally `strict`; answers 202 with the job to follow
/// at `/api/v1/imports/{id}` (its message has the counts; its errors name file and row).
#[utoipa::path(post, path = "/api/v1/imports/archive", tag = "imports", request_body(content = inline(ArchiveForm), content_type = "multipart/form-data"),
    responses((status = 202, body = JobRow), (status = 422, body = ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    form: axum::extract::Multipart,
) -> WebResult<(StatusCode, Json<JobRow>)> {
    let job = crate::ui::imports::start_archive(&state, &auth, form).await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}
