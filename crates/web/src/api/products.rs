//! Products on the enterprise file over JSON (R-ENT-3, R-CAT-1): list and add an
//! enterprise's products, read one with its history, edit it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::products::{self, ProductInput, ProductView};
use touchstone_store::products::ProductRow;

use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id};

/// An enterprise's products by name and model; 404 outside the jurisdiction.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/products", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ProductRow>), (status = 404, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<Vec<ProductRow>>> {
    Ok(Json(products::of_enterprise(&state.app, &auth.actor, id).await?))
}

/// Add a product to an enterprise of the jurisdiction (officers) or to one's own enterprise.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/products", tag = "enterprises", params(("id" = uuid::Uuid, Path)), request_body = ProductInput,
    responses((status = 201, body = ProductView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<ProductInput>,
) -> WebResult<(StatusCode, Json<ProductView>)> {
    Ok((StatusCode::CREATED, Json(products::create(&state.app, &auth.actor, id, body).await?)))
}

/// One product with its enterprise and its change history.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<ProductView>> {
    Ok(Json(products::get(&state.app, &auth.actor, id).await?))
}

/// Edit a product; `version` must be the one read.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "enterprises", params(("id" = uuid::Uuid, Path)), request_body = ProductInput,
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<ProductInput>,
) -> WebResult<Json<ProductView>> {
    Ok(Json(products::update(&state.app, &auth.actor, id, body).await?))
}
