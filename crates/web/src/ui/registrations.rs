//! Enterprise self-registration pages: the public request form, and for officers the list of
//! requests of the jurisdiction and a request's page where it is confirmed or rejected.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::registrations::{self, Confirmation, RegistrationInput, RegistrationView, Rejection, STATUSES};
use touchstone_domain::role::Permission;
use touchstone_store::registrations::RegistrationRow;
use uuid::Uuid;

use super::admin::Choice;
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::context::urlencode;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Ctx, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: RegisterForm,
    bureaus: Vec<Choice>,
    done: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn register_page(
    state: &AppState,
    ctx: &crate::context::RequestCtx,
    form: RegisterForm,
    alerts: Alerts,
    done: bool,
    status: StatusCode,
) -> WebResult<Response> {
    let tr = Tr::new(ctx.locale);
    let bureaus = registrations::reviewing_bureaus(&state.app)
        .await?
        .into_iter()
        .map(|b| Choice {
            label: if tr.locale.is_english() && !b.name_en.is_empty() { b.name_en } else { b.name },
            value: b.region_code,
        })
        .collect();
    Ok(render(status, &RegisterPage { tr, nav: Nav::anonymous(&ctx.path), alerts, form, bureaus, done }))
}

pub async fn page(State(state): State<AppState>, Ctx(ctx): Ctx) -> WebResult<Response> {
    register_page(&state, &ctx, RegisterForm::default(), Alerts::default(), false, StatusCode::OK).await
}

pub async fn submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    PageForm(form): PageForm<RegisterForm>,
) -> WebResult<Response> {
    let tr = Tr::new(ctx.locale);
    let input = RegistrationInput {
        uscc: form.uscc.clone(),
        company_name: form.company_name.clone(),
        contact_name: form.contact_name.clone(),
        phone: form.phone.clone(),
        region_code: form.region_code.clone(),
        username: form.username.clone(),
        password: form.password.clone(),
    };
    let form = RegisterForm { password: String::new(), ..form };
    match registrations::submit(&state.app, input, ctx.origin.clone()).await {
        Ok(_) => {
            let alerts = Alerts::notice(tr.t("registration-received"));
            register_page(&state, &ctx, form, alerts, true, StatusCode::ACCEPTED).await
        }
        Err(e @ (Error::Validation(_) | Error::TooManyAttempts { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            register_page(&state, &ctx, form, Alerts::from_error(&tr, &e), false, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "registrations.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    items: Vec<RegistrationRow>,
    statuses: Vec<Choice>,
}

fn statuses(tr: &Tr) -> Vec<Choice> {
    STATUSES.iter().map(|s| Choice { value: s.to_string(), label: tr.label("rstatus", s) }).collect()
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::registrations::{SORTS, filter};
    let page = registrations::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, true)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-company-name"), Some("company_name")),
        (tr.t("col-uscc"), None),
        (tr.t("col-contact"), None),
        (tr.t("col-region"), None),
        (tr.t("col-submitted"), Some("created_at")),
        (tr.t("col-status"), Some("status")),
    ];
    let pager = Pager::new("/registrations", &p, &page, &columns);
    Ok(render(
        StatusCode::OK,
        &ListPage { tr, nav: Nav::of(&auth), statuses: statuses(&tr), params: p, pager, items: page.items },
    ))
}

#[derive(Template)]
#[template(path = "registration.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    r: RegistrationView,
    can_unmask: bool,
    /// The enterprise form, filled from the request, for a credit code not in the ledger.
    register_href: String,
}

fn detail(auth: &Auth, r: RegistrationView, alerts: Alerts, status: StatusCode) -> Response {
    let reg = &r.registration;
    let register_href = format!(
        "/enterprises/new?uscc={}&name={}&region_code={}",
        urlencode(&reg.uscc),
        urlencode(&reg.company_name),
        urlencode(&reg.chosen_region_code)
    );
    render(
        status,
        &DetailPage {
            tr: auth.tr,
            nav: Nav::of(auth),
            alerts,
            can_unmask: r.masked && auth.actor.can(Permission::UnmaskPersonalData),
            r,
            register_href,
        },
    )
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let r = registrations::get(&state.app, &auth.actor, id).await?;
    Ok(detail(&auth, r, Alerts::default(), StatusCode::OK))
}

pub async fn unmask(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let r = registrations::get_unmasked(&state.app, &auth.actor, id).await?;
    Ok(detail(&auth, r, Alerts::default(), StatusCode::OK))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i64,
}

async fn decided(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    result: touchstone_app::Result<RegistrationView>,
    notice: &str,
) -> WebResult<Response> {
    match result {
        Ok(r) => Ok(detail(auth, r, Alerts::notice(auth.tr.t(notice)), StatusCode::OK)),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let r = registrations::get(&state.app, &auth.actor, id).await?;
            let status = ErrorInfo::from_error(&e).status;
            Ok(detail(auth, r, Alerts::from_error(&auth.tr, &e), status))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<DecisionForm>,
) -> WebResult<Response> {
    let result = registrations::confirm(&state.app, &auth.actor, id, Confirmation { version: f.version }).await;
    decided(&state, &auth, id, result, "registration-confirmed").await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<DecisionForm>,
) -> WebResult<Response> {
    let input = Rejection { reason: f.reason, version: f.version };
    let result = registrations::reject(&state.app, &auth.actor, id, input).await;
    decided(&state, &auth, id, result, "registration-rejected").await
}
