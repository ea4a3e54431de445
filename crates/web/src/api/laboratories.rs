//! The laboratory registry over JSON: list (filter, sort, page), register, read, edit; and the
//! CSV / XLSX export the pages share.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use touchstone_app::laboratories::{self, LaboratoryInput};
use touchstone_app::{Actor, App};
use touchstone_store::laboratories::{LaboratoryFilter, LaboratoryRow};
use touchstone_store::list::Window;

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::export::{self as streaming, ExportSpec};
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] = &[
    ("name", "l.name"),
    ("accreditation_number", "l.accreditation_number"),
    ("region_code", "l.region_code"),
    ("status", "l.status"),
    ("updated_at", "l.updated_at"),
];

pub fn filter(p: &ListParams) -> WebResult<LaboratoryFilter> {
    let region_code = p
        .text(&p.region_code)
        .map(|r| touchstone_domain::region::RegionCode::parse(&r).map(|c| c.as_str().to_string()))
        .transpose()
        .map_err(|e| touchstone_app::Error::field("region_code", "invalid_region", e.to_string()))?;
    let status = p.text(&p.status);
    if let Some(s) = &status
        && !touchstone_domain::laboratory::STATUSES.contains(&s.as_str())
    {
        return Err(touchstone_app::Error::field(
            "status",
            "invalid_choice",
            touchstone_domain::laboratory::STATUSES.join(", "),
        )
        .into());
    }
    Ok(LaboratoryFilter { text: p.text(&p.q), status, region_code, category: p.text(&p.category) })
}

/// Registered laboratories: search by name or accreditation number; filter by status, region
/// (and below) and product category of the approved scope.
#[utoipa::path(get, path = "/api/v1/laboratories", tag = "laboratories", params(ListParams),
    responses((status = 200, body = Page<LaboratoryRow>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<LaboratoryRow>>> {
    Ok(Json(laboratories::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?.into()))
}

/// Every laboratory the filter matches, as CSV or XLSX (an audited, streamed export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<Response> {
    let tr = auth.tr;
    let columns = ["name", "accreditation-number", "cma-number", "region", "scope", "scope-text", "status"];
    let spec = ExportSpec::new(auth, "laboratories", "laboratory", xlsx, &columns);
    let list = |app: App, actor: Actor, f: LaboratoryFilter, w: Window| async move {
        laboratories::list(&app, &actor, &f, &w).await
    };
    let row = move |l: LaboratoryRow| {
        vec![
            l.name,
            l.accreditation_number,
            l.cma_number.unwrap_or_default(),
            tr.region(&l.region_code),
            l.scope.split_whitespace().map(|c| tr.category(c)).collect::<Vec<_>>().join("、"),
            l.scope_text.unwrap_or_default(),
            tr.label("lstatus", &l.status),
        ]
    };
    streaming::export(state, auth, p, spec, p.window(SORTS, false)?, filter(p)?, list, row).await
}

/// Register a laboratory of the jurisdiction (administrators).
#[utoipa::path(post, path = "/api/v1/laboratories", tag = "laboratories", request_body = LaboratoryInput,
    responses((status = 201, body = LaboratoryRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<LaboratoryInput>,
) -> WebResult<(StatusCode, Json<LaboratoryRow>)> {
    Ok((StatusCode::CREATED, Json(laboratories::create(&state.app, &auth.actor, body).await?)))
}

/// One laboratory (a laboratory's own users: their own only).
#[utoipa::path(get, path = "/api/v1/laboratories/{id}", tag = "laboratories", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = LaboratoryRow), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<LaboratoryRow>> {
    Ok(Json(laboratories::get(&state.app, &auth.actor, id).await?))
}

/// Edit a laboratory of the jurisdiction, its status included; `version` must be the one read.
#[utoipa::path(put, path = "/api/v1/laboratories/{id}", tag = "laboratories", params(("id" = uuid::Uuid, Path)), request_body = LaboratoryInput,
    responses((status = 200, body = LaboratoryRow), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<LaboratoryInput>,
) -> WebResult<Json<LaboratoryRow>> {
    Ok(Json(laboratories::update(&state.app, &auth.actor, id, body).await?))
}
