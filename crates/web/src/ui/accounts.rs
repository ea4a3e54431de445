//! Accounts of certification bodies and laboratories on their pages: the certification
//! body's page, and the "accounts" section (list and "create account" form) that both the
//! body's and the laboratory's page show to bureau staff of the record's jurisdiction.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::accounts::{self, AccountInput};
use touchstone_domain::role::{BindingKind, Permission};
use touchstone_store::certificates::BodyRow;
use touchstone_store::users::UserRow;
use uuid::Uuid;

use super::{Alerts, Nav, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm};
use crate::i18n::Tr;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
}

/// The accounts of one record, and whether the actor may open more.
#[derive(Debug, Clone)]
pub struct AccountsSection {
    pub items: Vec<UserRow>,
    pub can_open: bool,
    /// Where the "create account" form posts.
    pub action: String,
    pub form: AccountForm,
}

fn base_path(kind: BindingKind) -> &'static str {
    match kind {
        BindingKind::Laboratory => "/laboratories",
        _ => "/certification-bodies",
    }
}

/// The section for a record; `None` when the actor may not see its accounts (not bureau
/// staff, or the record lies outside the jurisdiction).
pub async fn section(
    state: &AppState,
    auth: &Auth,
    kind: BindingKind,
    id: Uuid,
    form: AccountForm,
) -> WebResult<Option<AccountsSection>> {
    if !auth.actor.can(Permission::ReadStaff) {
        return Ok(None);
    }
    match accounts::list(&state.app, &auth.actor, kind, id).await {
        Ok(items) => Ok(Some(AccountsSection {
            items,
            can_open: auth.actor.can(Permission::ManageSupervisedAccounts),
            action: format!("{}/{id}/accounts", base_path(kind)),
            form,
        })),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Opens the account a page's form asked for. `Ok` carries what the page shows: the notice
/// or the errors, the status and the form to show again.
pub async fn open(
    state: &AppState,
    auth: &Auth,
    kind: BindingKind,
    id: Uuid,
    form: AccountForm,
) -> WebResult<(Alerts, StatusCode, AccountForm)> {
    let input = AccountInput {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
    };
    match accounts::create(&state.app, &auth.actor, kind, id, input).await {
        Ok(u) => {
            let notice = auth.tr.t_args("account-opened", &[("username", u.username)]);
            Ok((Alerts::notice(notice), StatusCode::CREATED, AccountForm::default()))
        }
        Err(e @ Error::Validation(_)) => {
            let status = ErrorInfo::from_error(&e).status;
            Ok((Alerts::from_error(&auth.tr, &e), status, AccountForm { password: String::new(), ..form }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "body.html")]
struct BodyPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    body: BodyRow,
    accounts: Option<AccountsSection>,
    /// The body's own user: a link to the certificates it issued.
    own: bool,
}

async fn body_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    alerts: Alerts,
    status: StatusCode,
    form: AccountForm,
) -> WebResult<Response> {
    let body = touchstone_app::certificates::body(&state.app, &auth.actor, id).await?;
    let accounts = section(state, auth, BindingKind::CertificationBody, id, form).await?;
    let own = auth.actor.bound_to(BindingKind::CertificationBody) == Some(id);
    Ok(render(status, &BodyPage { tr: auth.tr, nav: Nav::of(auth), alerts, body, accounts, own }))
}

pub async fn body(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    body_page(&state, &auth, id, Alerts::default(), StatusCode::OK, AccountForm::default()).await
}

pub async fn create_body_account(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<AccountForm>,
) -> WebResult<Response> {
    let (alerts, status, form) = open(&state, &auth, BindingKind::CertificationBody, id, form).await?;
    body_page(&state, &auth, id, alerts, status, form).await
}
