//! The signed-in user's own account: who am I, password, language, second factor, tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use touchstone_app::auth::{self, Enrolment, NewToken};
use touchstone_app::{Error, users};
use touchstone_store::organisations::OrganisationRow;
use touchstone_store::sessions::TokenRow;

use crate::AppState;
use crate::api::auth::CodeRequest;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user_id: Option<uuid::Uuid>,
    pub username: String,
    pub display_name: String,
    pub role: Option<String>,
    pub role_label: Option<String>,
    pub organisation: Option<OrganisationRow>,
    /// Jurisdiction roots (region codes) of the user's bureau.
    pub jurisdiction: Vec<String>,
    pub jurisdiction_names: Vec<String>,
    pub locale: String,
    /// What this user may do.
    pub permissions: Vec<String>,
}

pub fn me_of(auth: &Auth) -> Me {
    use touchstone_domain::role::Permission::*;
    let a = &auth.actor;
    let permissions = [
        (ManageUsers, "manage_users"),
        (ManageOrganisations, "manage_organisations"),
        (ReadStaff, "read_staff"),
        (ReadAudit, "read_audit"),
        (ManageSupervisedAccounts, "manage_supervised_accounts"),
    ]
    .into_iter()
    .filter(|(p, _)| a.can(*p))
    .map(|(_, n)| n.to_string())
    .collect();
    Me {
        user_id: a.user_id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role.map(|r| r.code().to_string()),
        role_label: a.role.map(|r| auth.tr.label("role", r.code())),
        organisation: a.organisation.clone(),
        jurisdiction: a.jurisdiction.clone(),
        jurisdiction_names: a.jurisdiction.iter().map(|c| auth.tr.region(c)).collect(),
        locale: auth.tr.lang().to_string(),
        permissions,
    }
}

/// The signed-in user, their bureau and jurisdiction.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(auth: Auth) -> Json<Me> {
    Json(me_of(&auth))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password (other sessions end).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PasswordChange>,
) -> WebResult<StatusCode> {
    auth::change_password(
        &state.app,
        &auth.actor,
        &body.current_password,
        &body.new_password,
        auth.ctx.session_token.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LocaleChange {
    /// `zh-CN` or `en`.
    pub locale: String,
}

/// Choose the interface language.
#[utoipa::path(post, path = "/api/v1/me/locale", tag = "account", request_body = LocaleChange, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn set_locale(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<LocaleChange>,
) -> WebResult<StatusCode> {
    users::set_locale(&state.app, &auth.actor, &body.locale).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start setting up the TOTP second factor: returns the secret to add to an authenticator.
#[utoipa::path(post, path = "/api/v1/me/second-factor", tag = "account", responses((status = 200, body = Enrolment), (status = 409, body = ErrorBody)))]
pub async fn begin_enrolment(State(state): State<AppState>, auth: Auth) -> WebResult<Json<Enrolment>> {
    let id = auth.actor.user_id.ok_or(Error::NotFound)?;
    Ok(Json(auth::begin_enrolment(&state.app, id).await?))
}

/// Activate the second factor with a code from the authenticator.
#[utoipa::path(post, path = "/api/v1/me/second-factor/confirm", tag = "account", request_body = CodeRequest, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn confirm_enrolment(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CodeRequest>,
) -> WebResult<StatusCode> {
    let id = auth.actor.user_id.ok_or(Error::NotFound)?;
    auth::confirm_enrolment(&state.app, id, &body.code, None, auth.ctx.origin.clone()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One's API tokens (secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "account", responses((status = 200, body = Vec<TokenRow>)))]
pub async fn tokens(State(state): State<AppState>, auth: Auth) -> WebResult<Json<Vec<TokenRow>>> {
    Ok(Json(auth::list_tokens(&state.app, &auth.actor).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub name: String,
}

/// Create an API token scoped like its owner; the secret is in this response only.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "account", request_body = TokenRequest, responses((status = 201, body = NewToken), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<TokenRequest>,
) -> WebResult<(StatusCode, Json<NewToken>)> {
    Ok((StatusCode::CREATED, Json(auth::create_token(&state.app, &auth.actor, &body.name).await?)))
}

/// Revoke one of one's API tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "account", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<StatusCode> {
    auth::revoke_token(&state.app, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
