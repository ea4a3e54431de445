//! Accounts for the supervised: the officer's printable activation notice, and the public
//! page where an enterprise claims its account.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::activation::{self, Claim, Issued};

use super::{Alerts, Nav, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Ctx, Id, PageForm};
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "activation_notice.html")]
struct NoticePage {
    tr: Tr,
    nav: Nav,
    issued: Issued,
    expires: String,
}

pub async fn issue(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let issued = activation::issue(&state.app, &auth.actor, id).await?;
    let expires = touchstone_domain::time::Timestamp::from_micros(issued.expires_at).china_date();
    Ok(render(StatusCode::OK, &NoticePage { tr: auth.tr, nav: Nav::of(&auth), issued, expires }))
}

#[derive(Template)]
#[template(path = "activate.html")]
struct ClaimPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: ClaimForm,
    done: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

pub async fn page(Ctx(ctx): Ctx) -> Response {
    let tr = Tr::new(ctx.locale);
    render(
        StatusCode::OK,
        &ClaimPage {
            tr,
            nav: Nav::anonymous(&ctx.path),
            alerts: Alerts::default(),
            form: ClaimForm::default(),
            done: false,
        },
    )
}

pub async fn submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    PageForm(form): PageForm<ClaimForm>,
) -> WebResult<Response> {
    let tr = Tr::new(ctx.locale);
    let claim = Claim {
        uscc: form.uscc.clone(),
        code: form.code.clone(),
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
    };
    match activation::claim(&state.app, claim, ctx.origin.clone()).await {
        Ok(_) => Ok(render(
            StatusCode::CREATED,
            &ClaimPage {
                tr,
                nav: Nav::anonymous(&ctx.path),
                alerts: Alerts::notice(tr.t("activation-done")),
                form,
                done: true,
            },
        )),
        Err(e @ (Error::Validation(_) | Error::TooManyAttempts { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            let form = ClaimForm { password: String::new(), code: String::new(), ..form };
            Ok(render(
                status,
                &ClaimPage {
                    tr,
                    nav: Nav::anonymous(&ctx.path),
                    alerts: Alerts::from_error(&tr, &e),
                    form,
                    done: false,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}
