//! The account page: password, second factor, API tokens.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::auth::{self, Enrolment};
use touchstone_store::sessions::TokenRow;

use super::{Alerts, Nav, render};
use crate::AppState;
use crate::api::auth::session_cookie;
use crate::error::WebResult;
use crate::extract::{Auth, Id, PageForm, PendingSession};
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    username: String,
    totp_enabled: bool,
    must_change_password: bool,
    tokens: Vec<TokenRow>,
    new_secret: Option<String>,
}

async fn account_page(
    state: &AppState,
    auth: &Auth,
    alerts: Alerts,
    new_secret: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let id = auth.actor.user_id.ok_or(touchstone_app::Error::NotFound)?;
    let user = touchstone_store::users::find(&state.app.db, id).await?.ok_or(touchstone_app::Error::NotFound)?;
    let tokens = auth::list_tokens(&state.app, &auth.actor).await?;
    Ok(render(
        status,
        &AccountPage {
            tr: auth.tr,
            nav: Nav::of(auth),
            alerts,
            username: user.username,
            totp_enabled: user.totp_enabled,
            must_change_password: user.must_change_password,
            tokens,
            new_secret,
        },
    ))
}

pub async fn page(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    account_page(&state, &auth, Alerts::default(), None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(f): PageForm<PasswordForm>,
) -> WebResult<Response> {
    let result = if f.new_password != f.confirm_password {
        Err(touchstone_app::Error::field("confirm_password", "mismatch", "the two new passwords differ"))
    } else {
        auth::change_password(
            &state.app,
            &auth.actor,
            &f.current_password,
            &f.new_password,
            auth.ctx.session_token.as_deref(),
        )
        .await
    };
    match result {
        Ok(()) => {
            account_page(&state, &auth, Alerts::notice(auth.tr.t("notice-password-changed")), None, StatusCode::OK)
                .await
        }
        Err(e) => {
            let status = crate::error::ErrorInfo::from_error(&e).status;
            account_page(&state, &auth, Alerts::from_error(&auth.tr, &e), None, status).await
        }
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(f): PageForm<TokenForm>,
) -> WebResult<Response> {
    match auth::create_token(&state.app, &auth.actor, &f.name).await {
        Ok(t) => {
            account_page(
                &state,
                &auth,
                Alerts::notice(auth.tr.t("notice-token-created")),
                Some(t.secret),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let status = crate::error::ErrorInfo::from_error(&e).status;
            account_page(&state, &auth, Alerts::from_error(&auth.tr, &e), None, status).await
        }
    }
}

pub async fn revoke_token(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    auth::revoke_token(&state.app, &auth.actor, id).await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    enrolment: Option<Enrolment>,
    qr_svg: String,
    active: bool,
}

fn qr(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default()
}

/// Set up the second factor (reachable half-signed-in when the role requires one).
pub async fn enrol_page(State(state): State<AppState>, s: PendingSession) -> WebResult<Response> {
    let nav = Nav::anonymous(&s.ctx.path);
    if s.session.user.totp_enabled {
        return Ok(render(
            StatusCode::OK,
            &EnrolPage {
                tr: s.tr,
                nav,
                alerts: Alerts::default(),
                enrolment: None,
                qr_svg: String::new(),
                active: true,
            },
        ));
    }
    let e = auth::begin_enrolment(&state.app, s.session.user.id).await?;
    let qr_svg = qr(&e.otpauth_url);
    Ok(render(
        StatusCode::OK,
        &EnrolPage { tr: s.tr, nav, alerts: Alerts::default(), enrolment: Some(e), qr_svg, active: false },
    ))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn enrol_submit(
    State(state): State<AppState>,
    s: PendingSession,
    PageForm(f): PageForm<CodeForm>,
) -> WebResult<Response> {
    match auth::confirm_enrolment(&state.app, s.session.user.id, &f.code, Some(&s.token), s.ctx.origin.clone()).await {
        Ok(token) => {
            let mut res = Redirect::to("/").into_response();
            if let Some(t) = token {
                res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &t));
            }
            Ok(res)
        }
        Err(e) => {
            let status = crate::error::ErrorInfo::from_error(&e).status;
            let user = touchstone_store::users::find(&state.app.db, s.session.user.id)
                .await?
                .ok_or(touchstone_app::Error::NotFound)?;
            let secret = user.totp_secret.unwrap_or_default();
            let url = format!("otpauth://totp/Touchstone:{}?secret={secret}&issuer=Touchstone", user.username);
            let qr_svg = qr(&url);
            let enrolment = Some(Enrolment { secret, otpauth_url: url });
            Ok(render(
                status,
                &EnrolPage {
                    tr: s.tr,
                    nav: Nav::anonymous(&s.ctx.path),
                    alerts: Alerts::from_error(&s.tr, &e),
                    enrolment,
                    qr_svg,
                    active: false,
                },
            ))
        }
    }
}
