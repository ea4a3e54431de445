//! Similar hazards over JSON (R-HAZ-4): suggestions while writing a hazard, promoting a hazard
//! to the shared sample bank, and the bank itself.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::similar::{self, PromoteInput, SimilarQuery, Suggestions};
use touchstone_store::similar::SampleRow;

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] =
    &[("created_at", "s.created_at"), ("level", "s.level"), ("category", "s.category_code")];

/// Similar past hazards of your jurisdiction and of the shared bank, most similar first.
#[utoipa::path(get, path = "/api/v1/hazards/similar", tag = "hazards", params(SimilarQuery),
    responses((status = 200, body = Suggestions), (status = 422, body = ErrorBody)))]
pub async fn suggest(State(state): State<AppState>, auth: Auth, Q(q): Q<SimilarQuery>) -> WebResult<Json<Suggestions>> {
    Ok(Json(similar::suggest(&state.app, &auth.actor, &q).await?))
}

/// Promote a hazard to the shared sample bank (its enterprise's details removed).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/promote", tag = "hazards", params(("id" = uuid::Uuid, Path)), request_body = PromoteInput,
    responses((status = 201, body = SampleRow), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<PromoteInput>,
) -> WebResult<(StatusCode, Json<SampleRow>)> {
    Ok((StatusCode::CREATED, Json(similar::promote(&state.app, &auth.actor, id, body).await?)))
}

/// The sample bank of typical hazards, shared by every bureau (filters `q`, `category`).
#[utoipa::path(get, path = "/api/v1/hazard-samples", tag = "hazards", params(ListParams),
    responses((status = 200, body = Page<SampleRow>)))]
pub async fn samples(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<SampleRow>>> {
    let w = p.window(SORTS, true)?;
    Ok(Json(similar::samples(&state.app, &auth.actor, p.q.as_deref(), p.category.as_deref(), &w).await?.into()))
}
