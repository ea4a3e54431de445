//! Signing in and out through the API; the same session cookie the pages use.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use touchstone_app::auth::{self, NextStep};

use crate::AppState;
use crate::context::SESSION_COOKIE;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Ctx};

/// `Set-Cookie` for a session: HttpOnly, SameSite=Lax, Secure unless configured off.
pub fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = if state.app.config.server.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    let secure = if state.app.config.server.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignInResponse {
    /// What to do next: `done`, `second_factor` or `enrol_second_factor`.
    pub next: NextStep,
}

/// Sign in with user name and password. Sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/sign-in", tag = "auth", request_body = SignInRequest,
    responses((status = 200, body = SignInResponse), (status = 401, body = ErrorBody), (status = 403, description = "account locked", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(body): ApiJson<SignInRequest>,
) -> WebResult<Response> {
    let signed =
        auth::sign_in(&state.app, &body.username, &body.password, ctx.origin, ctx.session_token.as_deref()).await?;
    let mut res = Json(SignInResponse { next: signed.next }).into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &signed.session_token));
    Ok(res)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeRequest {
    /// The 6-digit code from the authenticator app.
    pub code: String,
}

/// Complete sign-in with the TOTP code. Rotates the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "auth", request_body = CodeRequest,
    responses((status = 200, body = SignInResponse), (status = 401, body = ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    ApiJson(body): ApiJson<CodeRequest>,
) -> WebResult<Response> {
    let token = ctx.session_token.clone().ok_or(touchstone_app::Error::Unauthenticated)?;
    let new_token = auth::second_factor(&state.app, &token, &body.code, ctx.origin).await?;
    let mut res = Json(SignInResponse { next: NextStep::Done }).into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &new_token));
    Ok(res)
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth", responses((status = 204)))]
pub async fn sign_out(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    if let Some(t) = &ctx.session_token {
        auth::sign_out(&state.app, t).await?;
    }
    let mut res = axum::http::StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, clear_session_cookie(&state));
    Ok(res)
}
