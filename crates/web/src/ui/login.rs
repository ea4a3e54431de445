//! Sign-in pages: password, then the second factor where the account has one (or setting it
//! up where the role requires one), then home. Each step rotates the session id.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::auth::{self, NextStep};

use super::{Alerts, Nav, render, safe_next};
use crate::AppState;
use crate::api::auth::{clear_session_cookie, session_cookie};
use crate::error::WebResult;
use crate::extract::{Ctx, PageForm, PendingSession, Q};
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    username: String,
    next: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn page(Ctx(ctx): Ctx, Q(q): Q<LoginQuery>) -> Response {
    let tr = Tr::new(ctx.locale);
    render(
        StatusCode::OK,
        &LoginPage {
            tr,
            nav: Nav::anonymous(&ctx.path),
            alerts: Alerts::default(),
            username: String::new(),
            next: safe_next(q.next.as_deref()),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(State(state): State<AppState>, Ctx(ctx): Ctx, PageForm(form): PageForm<LoginForm>) -> Response {
    let tr = Tr::new(ctx.locale);
    let next = safe_next(form.next.as_deref());
    match auth::sign_in(&state.app, &form.username, &form.password, ctx.origin.clone(), ctx.session_token.as_deref())
        .await
    {
        Ok(signed) => {
            let to = match signed.next {
                NextStep::Done => next,
                NextStep::SecondFactor => format!("/login/second-factor?next={}", crate::context::urlencode(&next)),
                NextStep::EnrolSecondFactor => "/account/second-factor".to_string(),
            };
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &signed.session_token));
            res
        }
        Err(e) => {
            let status = crate::error::ErrorInfo::from_error(&e).status;
            let page = LoginPage {
                tr,
                nav: Nav::anonymous(&ctx.path),
                alerts: Alerts::from_error(&tr, &e),
                username: form.username,
                next,
            };
            render(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    next: String,
}

pub async fn second_factor_page(s: PendingSession, Q(q): Q<LoginQuery>) -> Response {
    render(
        StatusCode::OK,
        &SecondFactorPage {
            tr: s.tr,
            nav: Nav::anonymous(&s.ctx.path),
            alerts: Alerts::default(),
            next: safe_next(q.next.as_deref()),
        },
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    s: PendingSession,
    PageForm(form): PageForm<CodeForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    match auth::second_factor(&state.app, &s.token, &form.code, s.ctx.origin.clone()).await {
        Ok(token) => {
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &token));
            res
        }
        Err(Error::AccountLocked { until }) => {
            let e = Error::AccountLocked { until };
            let page = LoginPage {
                tr: s.tr,
                nav: Nav::anonymous("/login"),
                alerts: Alerts::from_error(&s.tr, &e),
                username: s.session.user.username,
                next,
            };
            let mut res = render(StatusCode::FORBIDDEN, &page);
            res.headers_mut().insert(header::SET_COOKIE, clear_session_cookie(&state));
            res
        }
        Err(e) => {
            let status = crate::error::ErrorInfo::from_error(&e).status;
            render(
                status,
                &SecondFactorPage {
                    tr: s.tr,
                    nav: Nav::anonymous(&s.ctx.path),
                    alerts: Alerts::from_error(&s.tr, &e),
                    next,
                },
            )
        }
    }
}

pub async fn logout(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    if let Some(t) = &ctx.session_token {
        auth::sign_out(&state.app, t).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(header::SET_COOKIE, clear_session_cookie(&state));
    Ok(res)
}
