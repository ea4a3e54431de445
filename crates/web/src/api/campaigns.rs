//! Special campaigns over JSON (R-CAMP-1, R-CAMP-2): launch one (by hand or from a shipped
//! template), list and read them with their schedule and regional progress, record a
//! supervision action on a region.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::campaigns::{self, ActionInput, CampaignInput, CampaignView, FromTemplate};
use touchstone_store::campaigns::{ActionRow, CampaignFilter, CampaignRow};

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] =
    &[("starts_on", "c.starts_on"), ("name", "c.name"), ("number", "c.number"), ("ends_on", "c.ends_on")];

pub fn filter(p: &ListParams) -> CampaignFilter {
    CampaignFilter { text: p.text(&p.q), status: p.text(&p.status), running_on: p.text(&p.to) }
}

/// Campaigns of the jurisdiction and those published to it from above.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(ListParams),
    responses((status = 200, body = Page<CampaignRow>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<CampaignRow>>> {
    Ok(Json(campaigns::list(&state.app, &auth.actor, &filter(&p), &p.window(SORTS, true)?).await?.into()))
}

/// Launch a campaign for a region of the jurisdiction.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignInput,
    responses((status = 201, body = CampaignView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CampaignInput>,
) -> WebResult<(StatusCode, Json<CampaignView>)> {
    Ok((StatusCode::CREATED, Json(campaigns::create(&state.app, &auth.actor, body).await?)))
}

/// Launch a shipped template (Jiangxi 2022, seed 004; Guizhou, seed 001) with its dates moved
/// to `year`.
#[utoipa::path(post, path = "/api/v1/campaigns/from-template", tag = "campaigns", request_body = FromTemplate,
    responses((status = 201, body = CampaignView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn from_template(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<FromTemplate>,
) -> WebResult<(StatusCode, Json<CampaignView>)> {
    Ok((StatusCode::CREATED, Json(campaigns::from_template(&state.app, &auth.actor, body).await?)))
}

/// One campaign with its stages, reporting schedule, actions and the progress of its regions.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<CampaignView>> {
    Ok(Json(campaigns::get(&state.app, &auth.actor, id).await?))
}

/// Record a supervision action (reminder, interview, notice, listed supervision) on a region.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/actions", tag = "campaigns", params(("id" = uuid::Uuid, Path)), request_body = ActionInput,
    responses((status = 201, body = ActionRow), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_action(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<ActionInput>,
) -> WebResult<(StatusCode, Json<ActionRow>)> {
    Ok((StatusCode::CREATED, Json(campaigns::take_action(&state.app, &auth.actor, id, body).await?)))
}
