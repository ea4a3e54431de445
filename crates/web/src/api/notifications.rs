//! The caller's in-app notifications over JSON (R-NOTE-1): the list with the unread count,
//! and marking read.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::notifications::{self, Inbox};

use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Auth, Id, Q};
use crate::listing::ListParams;

/// The caller's notifications, newest first (`unread=true` for unread ones only).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "account", params(ListParams),
    responses((status = 200, body = Inbox), (status = 422, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Json<Inbox>> {
    let unread = p.flag("unread", &p.unread)?.unwrap_or(false);
    let window = p.window(&[("created_at", "n.created_at")], true)?;
    Ok(Json(notifications::inbox(&state.app, &auth.actor, unread, &window).await?))
}

/// Mark one notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "account", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn read(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<StatusCode> {
    notifications::mark_read(&state.app, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark every notification read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "account",
    responses((status = 204)))]
pub async fn read_all(State(state): State<AppState>, auth: Auth) -> WebResult<StatusCode> {
    notifications::mark_all_read(&state.app, &auth.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
