//! On-site inspections and enterprises' self-inspections over JSON (R-INSP-1, R-INSP-3,
//! R-SELF-1, R-SELF-2): plans, inspection records (drafts re-sent by a phone land once),
//! self-inspections started, saved and submitted by the enterprise.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::inspections::{self, InspectionInput, InspectionView, PlanInput, PlanView};
use touchstone_app::self_inspections::{self, FillInput, SelfInspectionView, StartInput};
use touchstone_store::inspections::{InspectionFilter, InspectionListRow, PlanFilter, PlanRow};
use touchstone_store::self_inspections::{SelfInspectionFilter, SelfInspectionListRow};

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const PLAN_SORTS: &[(&str, &str)] =
    &[("starts_on", "p.starts_on"), ("number", "p.number"), ("name", "p.name"), ("kind", "p.kind")];
pub const SORTS: &[(&str, &str)] = &[
    ("inspected_on", "i.inspected_on"),
    ("number", "i.number"),
    ("status", "i.status"),
    ("kind", "i.kind"),
    ("enterprise", "e.name"),
];
pub const SELF_SORTS: &[(&str, &str)] = &[
    ("updated_at", "s.updated_at"),
    ("submitted_on", "s.submitted_on"),
    ("number", "s.number"),
    ("enterprise", "e.name"),
];

pub fn plan_filter(p: &ListParams) -> WebResult<PlanFilter> {
    Ok(PlanFilter { text: p.text(&p.q), kind: p.text(&p.kind), campaign_id: p.uuid("campaign_id", &p.campaign_id)? })
}

pub fn filter(p: &ListParams) -> WebResult<InspectionFilter> {
    Ok(InspectionFilter {
        text: p.text(&p.q),
        region_code: p.text(&p.region_code),
        status: p.text(&p.status),
        kind: p.text(&p.kind),
        campaign_id: p.uuid("campaign_id", &p.campaign_id)?,
        plan_id: p.uuid("plan_id", &p.plan_id)?,
        enterprise_id: p.uuid("enterprise_id", &p.enterprise_id)?,
        archived: p.flag("archived", &p.archived)?,
        inspected_from: p.text(&p.from),
        inspected_to: p.text(&p.to),
    })
}

pub fn self_filter(p: &ListParams) -> WebResult<SelfInspectionFilter> {
    Ok(SelfInspectionFilter {
        text: p.text(&p.q),
        region_code: p.text(&p.region_code),
        status: p.text(&p.status),
        campaign_id: p.uuid("campaign_id", &p.campaign_id)?,
        enterprise_id: p.uuid("enterprise_id", &p.enterprise_id)?,
        submitted_from: p.text(&p.from),
        submitted_to: p.text(&p.to),
        major_risk: p.flag("major_risk", &p.major_risk)?.unwrap_or(false),
    })
}

/// Inspection plans of the jurisdiction and those set up above it.
#[utoipa::path(get, path = "/api/v1/inspection-plans", tag = "inspections", params(ListParams),
    responses((status = 200, body = Page<PlanRow>), (status = 422, body = ErrorBody)))]
pub async fn list_plans(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<PlanRow>>> {
    let f = plan_filter(&p)?;
    Ok(Json(inspections::list_plans(&state.app, &auth.actor, &f, &p.window(PLAN_SORTS, true)?).await?.into()))
}

/// Set up an inspection plan: listed targets or full coverage of a campaign's targets.
#[utoipa::path(post, path = "/api/v1/inspection-plans", tag = "inspections", request_body = PlanInput,
    responses((status = 201, body = PlanView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_plan(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PlanInput>,
) -> WebResult<(StatusCode, Json<PlanView>)> {
    Ok((StatusCode::CREATED, Json(inspections::create_plan(&state.app, &auth.actor, body).await?)))
}

/// A plan with its targets and which of them have been inspected.
#[utoipa::path(get, path = "/api/v1/inspection-plans/{id}", tag = "inspections", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
pub async fn get_plan(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<PlanView>> {
    Ok(Json(inspections::get_plan(&state.app, &auth.actor, id).await?))
}

/// Inspection records of the jurisdiction (an enterprise's users: their completed ones).
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections", params(ListParams),
    responses((status = 200, body = Page<InspectionListRow>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<InspectionListRow>>> {
    let f = filter(&p)?;
    Ok(Json(inspections::list(&state.app, &auth.actor, &f, &p.window(SORTS, true)?).await?.into()))
}

/// Create an inspection record, as a draft or completed (at least two officers). The same
/// `client_key` sent again returns the record it created.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections", request_body = InspectionInput,
    responses((status = 201, body = InspectionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<InspectionInput>,
) -> WebResult<(StatusCode, Json<InspectionView>)> {
    Ok((StatusCode::CREATED, Json(inspections::create(&state.app, &auth.actor, body).await?)))
}

/// One inspection record with the hazards it raised.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = InspectionView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<InspectionView>> {
    Ok(Json(inspections::get(&state.app, &auth.actor, id).await?))
}

/// Save the draft again (send `version`), or complete it (`complete: true`).
#[utoipa::path(put, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = uuid::Uuid, Path)), request_body = InspectionInput,
    responses((status = 200, body = InspectionView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<InspectionInput>,
) -> WebResult<Json<InspectionView>> {
    Ok(Json(inspections::save(&state.app, &auth.actor, id, body).await?))
}

/// Self-inspections of the jurisdiction (an enterprise's users: their own).
#[utoipa::path(get, path = "/api/v1/self-inspections", tag = "inspections", params(ListParams),
    responses((status = 200, body = Page<SelfInspectionListRow>), (status = 422, body = ErrorBody)))]
pub async fn list_self(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<SelfInspectionListRow>>> {
    let f = self_filter(&p)?;
    Ok(Json(self_inspections::list(&state.app, &auth.actor, &f, &p.window(SELF_SORTS, true)?).await?.into()))
}

/// Start the enterprise's self-inspection (or get the draft it already has for the campaign).
#[utoipa::path(post, path = "/api/v1/self-inspections", tag = "inspections", request_body = StartInput,
    responses((status = 201, body = SelfInspectionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_self(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<StartInput>,
) -> WebResult<(StatusCode, Json<SelfInspectionView>)> {
    Ok((StatusCode::CREATED, Json(self_inspections::start(&state.app, &auth.actor, body).await?)))
}

/// A self-inspection with its checklist and the hazards it raised.
#[utoipa::path(get, path = "/api/v1/self-inspections/{id}", tag = "inspections", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = SelfInspectionView), (status = 404, body = ErrorBody)))]
pub async fn get_self(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<SelfInspectionView>> {
    Ok(Json(self_inspections::get(&state.app, &auth.actor, id).await?))
}

/// Save the draft's answers, or submit them (`submit: true`): failed items become hazards.
#[utoipa::path(put, path = "/api/v1/self-inspections/{id}", tag = "inspections", params(("id" = uuid::Uuid, Path)), request_body = FillInput,
    responses((status = 200, body = SelfInspectionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fill_self(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<FillInput>,
) -> WebResult<Json<SelfInspectionView>> {
    Ok(Json(self_inspections::fill(&state.app, &auth.actor, id, body).await?))
}
