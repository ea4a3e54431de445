//! Accounts for the supervised over JSON: issue an activation code; claim an account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::activation::{self, Claim, Issued};
use touchstone_store::users::UserRow;

use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Ctx, Id};

/// Issue a one-time activation code for an enterprise of the jurisdiction (shown once).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/activation-code", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 201, body = Issued), (status = 404, body = ErrorBody)))]
pub async fn issue(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<(StatusCode, Json<Issued>)> {
    Ok((StatusCode::CREATED, Json(activation::issue(&state.app, &auth.actor, id).await?)))
}

/// Claim an enterprise account with the credit code and activation code (no sign-in needed).
#[utoipa::path(post, path = "/api/v1/activate", tag = "enterprises", request_body = Claim, security(()),
    responses((status = 201, body = UserRow), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(body): ApiJson<Claim>,
) -> WebResult<(StatusCode, Json<UserRow>)> {
    Ok((StatusCode::CREATED, Json(activation::claim(&state.app, body, ctx.origin).await?)))
}
