//! Accounts of certification bodies and laboratories over JSON: read a body, list a body's or
//! laboratory's accounts, open one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::accounts::{self, AccountInput};
use touchstone_domain::role::BindingKind;
use touchstone_store::certificates::BodyRow;
use touchstone_store::users::UserRow;

use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id};

/// One certification body (a body's own users: their own only).
#[utoipa::path(get, path = "/api/v1/certification-bodies/{id}", tag = "certificates", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = BodyRow), (status = 404, body = ErrorBody)))]
pub async fn body(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<BodyRow>> {
    Ok(Json(touchstone_app::certificates::body(&state.app, &auth.actor, id).await?))
}

/// The accounts of a certification body of the jurisdiction.
#[utoipa::path(get, path = "/api/v1/certification-bodies/{id}/accounts", tag = "accounts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<UserRow>), (status = 404, body = ErrorBody)))]
pub async fn body_accounts(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<Vec<UserRow>>> {
    Ok(Json(accounts::list(&state.app, &auth.actor, BindingKind::CertificationBody, id).await?))
}

/// Open an account bound to a certification body of the jurisdiction (temporary password).
#[utoipa::path(post, path = "/api/v1/certification-bodies/{id}/accounts", tag = "accounts", params(("id" = uuid::Uuid, Path)), request_body = AccountInput,
    responses((status = 201, body = UserRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_body_account(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<AccountInput>,
) -> WebResult<(StatusCode, Json<UserRow>)> {
    let row = accounts::create(&state.app, &auth.actor, BindingKind::CertificationBody, id, input).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// The accounts of a laboratory of the jurisdiction.
#[utoipa::path(get, path = "/api/v1/laboratories/{id}/accounts", tag = "accounts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<UserRow>), (status = 404, body = ErrorBody)))]
pub async fn laboratory_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> WebResult<Json<Vec<UserRow>>> {
    Ok(Json(accounts::list(&state.app, &auth.actor, BindingKind::Laboratory, id).await?))
}

/// Open an account bound to a laboratory of the jurisdiction (temporary password).
#[utoipa::path(post, path = "/api/v1/laboratories/{id}/accounts", tag = "accounts", params(("id" = uuid::Uuid, Path)), request_body = AccountInput,
    responses((status = 201, body = UserRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_laboratory_account(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<AccountInput>,
) -> WebResult<(StatusCode, Json<UserRow>)> {
    let row = accounts::create(&state.app, &auth.actor, BindingKind::Laboratory, id, input).await?;
    Ok((StatusCode::CREATED, Json(row)))
}
