//! Users of the actor's bureaus: list, read, create, edit, lock, unlock, reset.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use touchstone_app::users::{self, NewUser, UserUpdate};
use touchstone_app::{Actor, App};
use touchstone_store::list::Window;
use touchstone_store::users::{UserFilter, UserRow};

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::export::ExportSpec;
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] = &[
    ("username", "u.username"),
    ("display_name", "u.display_name"),
    ("role", "u.role"),
    ("created_at", "u.created_at"),
    ("last_login_at", "u.last_login_at"),
];

pub fn filter(p: &ListParams) -> WebResult<UserFilter> {
    Ok(UserFilter {
        text: p.text(&p.q),
        role: p.text(&p.role),
        organisation_id: p.uuid("organisation_id", &p.organisation_id)?,
        locked: p.flag("locked", &p.locked)?,
    })
}

/// Users in the actor's bureau subtree, filtered, sorted, paginated.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListParams),
    responses((status = 200, body = Page<UserRow>), (status = 422, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Json<Page<UserRow>>> {
    let page = users::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?;
    Ok(Json(page.into()))
}

/// Every user the filter matches, as CSV or XLSX (an audited, streamed export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<Response> {
    let tr = auth.tr;
    let columns =
        ["username", "display-name", "role", "department", "officer-number", "region", "locked", "last-login"];
    let spec = ExportSpec::new(auth, "users", "user", xlsx, &columns);
    let list =
        |app: App, actor: Actor, f: UserFilter, w: Window| async move { users::list(&app, &actor, &f, &w).await };
    let row = move |u: UserRow| {
        vec![
            u.username,
            u.display_name,
            tr.label("role", &u.role),
            u.department.map(|d| tr.label("department", &d)).unwrap_or_default(),
            u.officer_number.unwrap_or_default(),
            tr.region(&u.region_code),
            if u.locked { tr.t("yes") } else { tr.t("no") },
            tr.opt_time(u.last_login_at),
        ]
    };
    crate::export::export(state, auth, p, spec, p.window(SORTS, false)?, filter(p)?, list, row).await
}

/// One user; 404 when absent or outside the actor's jurisdiction.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = UserRow), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<UserRow>> {
    Ok(Json(users::get(&state.app, &auth.actor, id).await?))
}

/// Create a user in one of the actor's bureaus (administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, auth: Auth, ApiJson(body): ApiJson<NewUser>) -> WebResult<Response> {
    let u = users::create(&state.app, &auth.actor, body).await?;
    Ok((StatusCode::CREATED, Json(u)).into_response())
}

/// Edit a user; `version` must be the one read (409 otherwise, naming who changed it).
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = uuid::Uuid, Path)), request_body = UserUpdate,
    responses((status = 200, body = UserRow), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<UserUpdate>,
) -> WebResult<Json<UserRow>> {
    Ok(Json(users::update(&state.app, &auth.actor, id, body).await?))
}

/// Lock an account (its sessions end).
#[utoipa::path(post, path = "/api/v1/users/{id}/lock", tag = "users", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = UserRow), (status = 404, body = ErrorBody)))]
pub async fn lock(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<UserRow>> {
    Ok(Json(users::lock(&state.app, &auth.actor, id).await?))
}

/// Unlock an account (also clears an automatic lockout).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = UserRow), (status = 404, body = ErrorBody)))]
pub async fn unlock(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<UserRow>> {
    Ok(Json(users::unlock(&state.app, &auth.actor, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    /// A temporary password meeting the policy; the user must change it at next sign-in.
    pub password: String,
}

/// Set a temporary password.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", params(("id" = uuid::Uuid, Path)), request_body = PasswordReset,
    responses((status = 200, body = UserRow), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<PasswordReset>,
) -> WebResult<Json<UserRow>> {
    Ok(Json(users::reset_password(&state.app, &auth.actor, id, &body.password).await?))
}

/// Clear the user's second factor (lost device).
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-second-factor", tag = "users", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = UserRow), (status = 404, body = ErrorBody)))]
pub async fn reset_second_factor(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<UserRow>> {
    Ok(Json(users::reset_second_factor(&state.app, &auth.actor, id).await?))
}
