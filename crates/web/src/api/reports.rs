//! The weekly campaign statistics report over HTTP (R-REP-1, R-HAZ-3): the table as JSON or
//! as a CSV, XLSX or PDF file, the records behind a figure, submitting a week's report and
//! the submission status of the regions below.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use touchstone_app::reports::{
    self, Format, RecordsRequest, RecordsView, ReportRequest, Submissions, SubmitInput, WeeklyReport,
};
use touchstone_domain::campaign::week_reported_on;
use touchstone_store::reports::SubmissionRow;

use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id, Q};

/// Which report: the region (by default the caller's bureau's), the week (by default the
/// last full one) or `cumulative`, and the moment of knowledge.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// A region of the jurisdiction; its rows are the regions directly under it.
    pub region_code: Option<String>,
    /// `2022-W18` or `cumulative`.
    pub week: Option<String>,
    /// For `cumulative`: the last day, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// As known at this moment: microseconds, or RFC 3339; now by default.
    pub as_of: Option<String>,
    /// `json` (default), `csv`, `xlsx` or `pdf`.
    pub format: Option<String>,
    /// Drill-down: a figure's code.
    pub figure: Option<String>,
    /// Drill-down: the row's region.
    pub area: Option<String>,
    /// Drill-down: only the records of `area` itself.
    pub direct: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// Drill-down: also the records that differ from the published version.
    pub compare: Option<bool>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

impl ReportParams {
    /// The request these parameters name, with the defaults filled in.
    pub fn request(&self, state: &AppState, auth: &Auth, campaign_id: uuid::Uuid) -> ReportRequest {
        let today = touchstone_domain::time::parse_date(&state.app.clock.now().china_date());
        ReportRequest {
            campaign_id,
            region_code: text(&self.region_code)
                .or_else(|| auth.actor.organisation.as_ref().map(|o| o.region_code.clone()))
                .unwrap_or_default(),
            week: text(&self.week).or_else(|| today.map(|d| week_reported_on(d).to_string())).unwrap_or_default(),
            to: text(&self.to),
            as_of: text(&self.as_of),
        }
    }

    pub fn records(&self) -> RecordsRequest {
        RecordsRequest {
            figure: text(&self.figure).unwrap_or_default(),
            area: text(&self.area),
            direct: self.direct.unwrap_or(false),
            page: self.page,
            per_page: self.per_page,
            compare: self.compare.unwrap_or(false),
        }
    }
}

/// A report file as a download.
pub async fn file(state: &AppState, auth: &Auth, req: &ReportRequest, format: Format) -> WebResult<Response> {
    let f = reports::export(&state.app, &auth.actor, req, format, auth.tr.locale.is_english()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.file_name)),
        ],
        f.bytes,
    )
        .into_response())
}

/// The campaign's statistics table for a region and a week (or cumulatively), as known at a
/// moment: JSON, or a CSV, XLSX or PDF file (an audited export). A week its region submitted
/// carries the published version and which figures now differ from it.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/weekly-report", tag = "reports",
    params(("id" = uuid::Uuid, Path), ReportParams),
    responses((status = 200, body = WeeklyReport), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn weekly(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    Q(p): Q<ReportParams>,
) -> WebResult<Response> {
    let req = p.request(&state, &auth, id);
    match text(&p.format).as_deref().unwrap_or("json") {
        "json" => Ok(Json(reports::weekly(&state.app, &auth.actor, &req).await?).into_response()),
        other => match Format::parse(other) {
            Some(f) => file(&state, &auth, &req, f).await,
            None => Err(touchstone_app::Error::field("format", "invalid_choice", "json, csv, xlsx or pdf").into()),
        },
    }
}

/// The records one figure of the report counts (the same predicates), a page at a time;
/// with `compare=true`, also those that entered or left it since the published version.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/weekly-report/records", tag = "reports",
    params(("id" = uuid::Uuid, Path), ReportParams),
    responses((status = 200, body = RecordsView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn records(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    Q(p): Q<ReportParams>,
) -> WebResult<Json<RecordsView>> {
    let req = p.request(&state, &auth, id);
    Ok(Json(reports::records(&state.app, &auth.actor, &req, &p.records()).await?))
}

/// Submit the caller's bureau's own weekly report for a week that has ended (once).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/weekly-reports", tag = "reports",
    params(("id" = uuid::Uuid, Path)), request_body = SubmitInput,
    responses((status = 201, body = SubmissionRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<SubmitInput>,
) -> WebResult<(StatusCode, Json<SubmissionRow>)> {
    Ok((StatusCode::CREATED, Json(reports::submit(&state.app, &auth.actor, id, body).await?)))
}

/// Who has submitted a week's report: the region itself and each region directly under it.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/weekly-reports", tag = "reports",
    params(("id" = uuid::Uuid, Path), ReportParams),
    responses((status = 200, body = Submissions), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submissions(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    Q(p): Q<ReportParams>,
) -> WebResult<Json<Submissions>> {
    let req = p.request(&state, &auth, id);
    Ok(Json(reports::submissions(&state.app, &auth.actor, id, &req.region_code, &req.week).await?))
}
