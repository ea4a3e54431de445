//! Laboratory pages: the registry list (filter, sort, page, export), registering and editing
//! a laboratory, and its page with its accounts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::laboratories::{self, LaboratoryInput};
use touchstone_domain::laboratory::STATUSES;
use touchstone_domain::role::{BindingKind, Permission};
use touchstone_store::laboratories::LaboratoryRow;
use uuid::Uuid;

use super::accounts::{AccountForm, AccountsSection, open, section};
use super::admin::Choice;
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

fn statuses(tr: &Tr) -> Vec<Choice> {
    STATUSES.iter().map(|s| Choice { value: s.to_string(), label: tr.label("lstatus", s) }).collect()
}

#[derive(Template)]
#[template(path = "laboratories.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    items: Vec<LaboratoryRow>,
    statuses: Vec<Choice>,
    can_create: bool,
    export_href: String,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::laboratories::{SORTS, filter};
    let page = laboratories::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-name"), Some("name")),
        (tr.t("col-accreditation-number"), Some("accreditation_number")),
        (tr.t("col-region"), Some("region_code")),
        (tr.t("col-scope"), None),
        (tr.t("col-status"), Some("status")),
    ];
    let pager = Pager::new("/laboratories", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        StatusCode::OK,
        &ListPage {
            tr,
            nav: Nav::of(&auth),
            statuses: statuses(&tr),
            can_create: auth.actor.can(Permission::ManageOrganisations),
            params: p,
            pager,
            items: page.items,
            export_href,
        },
    ))
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::laboratories::export(&state, &auth, &p, false).await
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::laboratories::export(&state, &auth, &p, true).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LaboratoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    accreditation_number: String,
    #[serde(default)]
    cma_number: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    scope_text: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    version: i64,
}

impl LaboratoryForm {
    fn of(l: &LaboratoryRow) -> LaboratoryForm {
        LaboratoryForm {
            name: l.name.clone(),
            accreditation_number: l.accreditation_number.clone(),
            cma_number: l.cma_number.clone().unwrap_or_default(),
            region_code: l.region_code.clone(),
            scope: l.scope.clone(),
            scope_text: l.scope_text.clone().unwrap_or_default(),
            status: l.status.clone(),
            version: l.version,
        }
    }

    fn input(&self, editing: bool) -> LaboratoryInput {
        LaboratoryInput {
            name: self.name.clone(),
            accreditation_number: self.accreditation_number.clone(),
            cma_number: Some(self.cma_number.clone()),
            region_code: self.region_code.clone(),
            scope: self.scope.split([' ', ',', '，', '、']).map(String::from).filter(|s| !s.is_empty()).collect(),
            scope_text: Some(self.scope_text.clone()),
            status: Some(self.status.clone()),
            version: editing.then_some(self.version),
        }
    }
}

#[derive(Template)]
#[template(path = "laboratory_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: LaboratoryForm,
    statuses: Vec<Choice>,
    /// Where the form posts; an edit when it is a laboratory's path.
    action: String,
    editing: bool,
}

fn form_page(auth: &Auth, form: LaboratoryForm, editing: Option<Uuid>, alerts: Alerts, status: StatusCode) -> Response {
    let action = editing.map(|id| format!("/laboratories/{id}/edit")).unwrap_or_else(|| "/laboratories".into());
    let tr = auth.tr;
    render(
        status,
        &FormPage { tr, nav: Nav::of(auth), alerts, form, statuses: statuses(&tr), action, editing: editing.is_some() },
    )
}

pub async fn new(auth: Auth) -> WebResult<Response> {
    auth.actor.require(Permission::ManageOrganisations, "registering laboratories")?;
    let region = auth.actor.jurisdiction.first().cloned().unwrap_or_default();
    let form = LaboratoryForm { region_code: region, status: "active".into(), ..Default::default() };
    Ok(form_page(&auth, form, None, Alerts::default(), StatusCode::OK))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<LaboratoryForm>,
) -> WebResult<Response> {
    match laboratories::create(&state.app, &auth.actor, form.input(false)).await {
        Ok(l) => Ok(Redirect::to(&format!("/laboratories/{}", l.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            Ok(form_page(&auth, form, None, Alerts::from_error(&auth.tr, &e), StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    auth.actor.require(Permission::ManageOrganisations, "editing laboratories")?;
    let l = laboratories::get(&state.app, &auth.actor, id).await?;
    if !laboratories::in_jurisdiction(&auth.actor, &l) {
        return Err(Error::NotFound.into());
    }
    Ok(form_page(&auth, LaboratoryForm::of(&l), Some(id), Alerts::default(), StatusCode::OK))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<LaboratoryForm>,
) -> WebResult<Response> {
    match laboratories::update(&state.app, &auth.actor, id, form.input(true)).await {
        Ok(l) => Ok(Redirect::to(&format!("/laboratories/{}", l.id)).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            Ok(form_page(&auth, form, Some(id), Alerts::from_error(&auth.tr, &e), status))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "laboratory.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    l: LaboratoryRow,
    can_edit: bool,
    accounts: Option<AccountsSection>,
}

async fn detail(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    alerts: Alerts,
    status: StatusCode,
    form: AccountForm,
) -> WebResult<Response> {
    let l = laboratories::get(&state.app, &auth.actor, id).await?;
    let can_edit = auth.actor.can(Permission::ManageOrganisations) && laboratories::in_jurisdiction(&auth.actor, &l);
    let accounts = section(state, auth, BindingKind::Laboratory, id, form).await?;
    Ok(render(status, &DetailPage { tr: auth.tr, nav: Nav::of(auth), alerts, l, can_edit, accounts }))
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    detail(&state, &auth, id, Alerts::default(), StatusCode::OK, AccountForm::default()).await
}

pub async fn create_account(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<AccountForm>,
) -> WebResult<Response> {
    let (alerts, status, form) = open(&state, &auth, BindingKind::Laboratory, id, form).await?;
    detail(&state, &auth, id, alerts, status, form).await
}
