//! Bulk import pages (R-ENT-5): choose what the file holds (enterprises, products or
//! certificates) — or send a legacy archive with its mapping (R-ENT-6) — upload it (streamed to disk with a size limit), follow the job's progress —
//! kept in the database, so a reload or another tab finds it — read the per-row error report
//! and download it as CSV or XLSX.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use tokio::io::AsyncWriteExt;
use touchstone_app::imports::{self, Kind, MAX_FILE_BYTES};
use touchstone_app::{Actor, Error};
use touchstone_store::imports::{ImportErrorRow, JobRow};
use touchstone_store::list::Window;

use super::{Nav, render};
use crate::AppState;
use crate::error::WebResult;
use crate::extract::{Auth, Id};
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "imports.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    jobs: Vec<JobRow>,
    kinds: Vec<&'static str>,
}

pub async fn list(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    let window = Window { sort: "j.created_at", descending: true, page: 1, per_page: 50 };
    let jobs = imports::list(&state.app, &auth.actor, &window).await?.items;
    let kinds = Kind::ALL.iter().map(|k| k.as_str()).collect();
    Ok(render(StatusCode::OK, &ListPage { tr: auth.tr, nav: Nav::of(&auth), jobs, kinds }))
}

/// Streams an upload into `<data>/<subdir>/` with a size limit; returns its path. With
/// `extensions`, only names ending in one of them are accepted.
pub async fn save_upload(
    state: &AppState,
    subdir: &str,
    name: &str,
    extensions: Option<&[&str]>,
    max_bytes: u64,
    mut next: impl AsyncChunks,
) -> WebResult<std::path::PathBuf> {
    let ext = std::path::Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    if let Some(allowed) = extensions
        && !allowed.contains(&ext.as_str())
    {
        return Err(Error::field("file", "unsupported_type", format!("a {} file", allowed.join(" or "))).into());
    }
    let dir = state.app.config.server.data_dir.join(subdir);
    tokio::fs::create_dir_all(&dir).await.map_err(Error::from)?;
    let path = dir.join(format!("{}.{}", uuid::Uuid::now_v7(), if ext.is_empty() { "bin" } else { ext.as_str() }));
    let mut file = tokio::fs::File::create(&path).await.map_err(Error::from)?;
    let mut size = 0u64;
    while let Some(chunk) = next.next_chunk().await? {
        size += chunk.len() as u64;
        if size > max_bytes {
            drop(file);
            let _ = tokio::fs::remove_file(&path).await;
            return Err(Error::field("file", "too_large", format!("at most {} MiB", max_bytes / 1024 / 1024)).into());
        }
        file.write_all(&chunk).await.map_err(Error::from)?;
    }
    file.sync_all().await.map_err(Error::from)?;
    Ok(path)
}

/// A source of upload chunks (a multipart field, or a raw request body).
pub trait AsyncChunks {
    fn next_chunk(&mut self) -> impl std::future::Future<Output = WebResult<Option<axum::body::Bytes>>> + Send;
}

/// A multipart form field as a source of chunks.
pub struct Field<'a>(pub axum::extract::multipart::Field<'a>);

impl AsyncChunks for Field<'_> {
    async fn next_chunk(&mut self) -> WebResult<Option<axum::body::Bytes>> {
        self.0.chunk().await.map_err(|e| Error::field("file", "upload_failed", e.body_text()).into())
    }
}

/// Starts the job in the background; its progress and outcome go to the database.
pub fn start(state: &AppState, actor: Actor, job: JobRow, path: std::path::PathBuf) {
    let app = state.app.clone();
    tokio::spawn(async move {
        if let Err(e) = imports::run(&app, &actor, job, &path, &|_, _| {}).await {
            tracing::warn!(error = %e, "import ended with an error");
        }
        let _ = tokio::fs::remove_file(&path).await;
    });
}

pub async fn upload(State(state): State<AppState>, auth: Auth, mut form: Multipart) -> WebResult<Response> {
    let mut strict = false;
    let mut kind = Kind::Enterprises;
    let mut saved = None;
    while let Some(field) = form.next_field().await.map_err(|e| Error::field("file", "upload_failed", e.body_text()))? {
        match field.name() {
            Some("strict") => strict = true,
            Some("kind") => {
                let text = field.text().await.map_err(|e| Error::field("kind", "upload_failed", e.body_text()))?;
                kind = Kind::parse(&text)
                    .ok_or_else(|| Error::field("kind", "invalid_choice", "enterprises, products or certificates"))?;
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_string();
                saved = Some((
                    save_upload(&state, "imports", &name, Some(&["csv", "xlsx"]), MAX_FILE_BYTES, Field(field)).await?,
                    name,
                ));
            }
            _ => {}
        }
    }
    let (path, name) = saved.ok_or_else(|| Error::field("file", "required", "choose a file"))?;
    let job = imports::create_job(&state.app, &auth.actor, kind, &path, &name, strict).await?;
    let id = job.id;
    start(&state, auth.actor.clone(), job, path);
    Ok(Redirect::to(&format!("/imports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "import.html")]
struct JobPage {
    tr: Tr,
    nav: Nav,
    job: JobRow,
    errors: Vec<ImportErrorRow>,
    more_errors: usize,
    running: bool,
    percent: i64,
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let outcome = imports::get(&state.app, &auth.actor, id).await?;
    let running = matches!(outcome.job.status.as_str(), "queued" | "validating" | "applying");
    let percent =
        if outcome.job.total_rows > 0 { outcome.job.processed_rows * 100 / outcome.job.total_rows } else { 0 };
    let more_errors = outcome.errors.len().saturating_sub(200);
    let errors = outcome.errors.into_iter().take(200).collect();
    Ok(render(
        StatusCode::OK,
        &JobPage { tr: auth.tr, nav: Nav::of(&auth), job: outcome.job, errors, more_errors, running, percent },
    ))
}

pub async fn errors_csv(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let outcome = imports::get(&state.app, &auth.actor, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"import-{id}-errors.csv\"")),
        ],
        imports::errors_csv(&outcome.errors),
    )
        .into_response())
}

/// The per-row error report as an XLSX workbook.
pub async fn errors_xlsx(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let outcome = imports::get(&state.app, &auth.actor, id).await?;
    let (header, rows) = imports::error_table(&outcome.errors);
    Ok(crate::listing::xlsx_response(&format!("import-{id}-errors.xlsx"), header, rows))
}

/// Largest mapping file accepted.
const MAX_MAPPING_BYTES: usize = 1024 * 1024;

/// Reads an archive upload (R-ENT-6: a `mapping` part, `file` parts, optionally `strict`),
/// saves the files, registers the job and starts it in the background; the uploads are
/// removed when it ends or is refused.
pub async fn start_archive(state: &AppState, auth: &Auth, mut form: Multipart) -> WebResult<JobRow> {
    use touchstone_app::imports::archive::{self as archive_import, ArchiveFile};
    let mut strict = false;
    let mut mapping = None;
    let mut files: Vec<ArchiveFile> = Vec::new();
    let cleanup = |files: &[ArchiveFile]| {
        for f in files {
            let _ = std::fs::remove_file(&f.path);
        }
    };
    let read = async {
        while let Some(field) =
            form.next_field().await.map_err(|e| Error::field("file", "upload_failed", e.body_text()))?
        {
            match field.name() {
                Some("strict") => strict = true,
                Some("mapping") => {
                    let bytes =
                        field.bytes().await.map_err(|e| Error::field("mapping", "upload_failed", e.body_text()))?;
                    if bytes.len() > MAX_MAPPING_BYTES {
                        return Err(Error::field("mapping", "too_large", "at most 1 MiB").into());
                    }
                    mapping = Some(String::from_utf8_lossy(&bytes).into_owned());
                }
                Some("file") => {
                    let name = field.file_name().unwrap_or("archive.csv").to_string();
                    if name.is_empty() {
                        continue;
                    }
                    let path = save_upload(
                        state,
                        "imports",
                        &name,
                        Some(&["csv", "txt", "tsv"]),
                        MAX_FILE_BYTES,
                        Field(field),
                    )
                    .await?;
                    files.push(ArchiveFile { path, name });
                }
                _ => {}
            }
        }
        let text = mapping.take().filter(|m| !m.trim().is_empty());
        let text = text.ok_or_else(|| Error::field("mapping", "required", "the mapping file"))?;
        let mapping = archive_import::parse_mapping(&text)?;
        let job = archive_import::create_job(&state.app, &auth.actor, &mapping, &files, strict).await?;
        WebResult::Ok((mapping, job))
    };
    let (mapping, job) = match read.await {
        Ok(v) => v,
        Err(e) => {
            cleanup(&files);
            return Err(e);
        }
    };
    let (app, actor, queued) = (state.app.clone(), auth.actor.clone(), job.clone());
    tokio::spawn(async move {
        if let Err(e) = archive_import::run(&app, &actor, queued, &mapping, &files, &|_, _| {}).await {
            tracing::warn!(error = %e, "archive import ended with an error");
        }
        cleanup(&files);
    });
    Ok(job)
}

/// The archive form of the imports page: starts the job and shows it.
pub async fn upload_archive(State(state): State<AppState>, auth: Auth, form: Multipart) -> WebResult<Response> {
    let job = start_archive(&state, &auth, form).await?;
    Ok(Redirect::to(&format!("/imports/{}", job.id)).into_response())
}
