//! Enterprise self-registration over JSON: the public request, and the officers' list,
//! detail, audited unmask, confirmation and rejection.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::registrations::{
    self, Confirmation, Received, RegistrationInput, RegistrationView, Rejection, STATUSES,
};
use touchstone_store::registrations::{RegistrationFilter, RegistrationRow};

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Ctx, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] =
    &[("created_at", "r.created_at"), ("company_name", "r.company_name"), ("status", "r.status")];

pub fn filter(p: &ListParams) -> WebResult<RegistrationFilter> {
    let status = p.text(&p.status);
    if let Some(s) = &status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(touchstone_app::Error::field("status", "invalid_choice", STATUSES.join(", ")).into());
    }
    Ok(RegistrationFilter { text: p.text(&p.q), status })
}

/// Ask for an enterprise account (no sign-in): an officer of the jurisdiction confirms or
/// rejects it. The answer is the same whether or not the credit code is registered.
#[utoipa::path(post, path = "/api/v1/registrations", tag = "enterprises", request_body = RegistrationInput, security(()),
    responses((status = 202, body = Received), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(body): ApiJson<RegistrationInput>,
) -> WebResult<(StatusCode, Json<Received>)> {
    Ok((StatusCode::ACCEPTED, Json(registrations::submit(&state.app, body, ctx.origin).await?)))
}

/// Requests of the jurisdiction, newest first; phone numbers masked.
#[utoipa::path(get, path = "/api/v1/registrations", tag = "enterprises", params(ListParams),
    responses((status = 200, body = Page<RegistrationRow>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<RegistrationRow>>> {
    Ok(Json(registrations::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, true)?).await?.into()))
}

/// One request of the jurisdiction, with the registered enterprise it would bind to.
#[utoipa::path(get, path = "/api/v1/registrations/{id}", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = RegistrationView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<RegistrationView>> {
    Ok(Json(registrations::get(&state.app, &auth.actor, id).await?))
}

/// The same with the applicant's phone unmasked; recorded in the audit log (R-PRIV-1).
#[utoipa::path(post, path = "/api/v1/registrations/{id}/unmask", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = RegistrationView), (status = 404, body = ErrorBody)))]
pub async fn unmask(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<RegistrationView>> {
    Ok(Json(registrations::get_unmasked(&state.app, &auth.actor, id).await?))
}

/// Confirm a request: opens the enterprise's account (the enterprise must be registered).
#[utoipa::path(post, path = "/api/v1/registrations/{id}/confirm", tag = "enterprises", params(("id" = uuid::Uuid, Path)), request_body = Confirmation,
    responses((status = 200, body = RegistrationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<Confirmation>,
) -> WebResult<Json<RegistrationView>> {
    Ok(Json(registrations::confirm(&state.app, &auth.actor, id, body).await?))
}

/// Reject a request with the reason the applicant is given.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/reject", tag = "enterprises", params(("id" = uuid::Uuid, Path)), request_body = Rejection,
    responses((status = 200, body = RegistrationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<Rejection>,
) -> WebResult<Json<RegistrationView>> {
    Ok(Json(registrations::reject(&state.app, &auth.actor, id, body).await?))
}
