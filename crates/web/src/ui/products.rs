//! Product pages on the enterprise file (R-ENT-3, R-CAT-1): add a product to an enterprise,
//! read one with its history, and edit it — officers within their jurisdiction, an
//! enterprise's own users for their own products.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::products::{self, ProductInput, ProductView, STATUSES};
use touchstone_domain::role::Permission;
use touchstone_store::products::ProductRow;

use super::admin::Choice;
use super::{Alerts, Nav, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm};
use crate::i18n::Tr;

/// The form's fields, all text.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    category_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    brand: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    standard: String,
    #[serde(default)]
    annual_output: String,
    #[serde(default)]
    status: String,
    version: Option<i64>,
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.trim().is_empty())
}

impl ProductForm {
    fn input(&self) -> ProductInput {
        ProductInput {
            category_code: self.category_code.clone(),
            name: self.name.clone(),
            brand: some(&self.brand),
            model: some(&self.model),
            standard: some(&self.standard),
            annual_output: some(&self.annual_output),
            status: self.status.clone(),
            version: self.version,
        }
    }

    fn of(p: &ProductRow) -> ProductForm {
        ProductForm {
            category_code: p.category_code.clone(),
            name: p.name.clone(),
            brand: p.brand.clone().unwrap_or_default(),
            model: p.model.clone(),
            standard: p.standard.clone().unwrap_or_default(),
            annual_output: p.annual_output.clone().unwrap_or_default(),
            status: p.status.clone(),
            version: Some(p.version),
        }
    }
}

fn statuses(tr: &Tr) -> Vec<Choice> {
    STATUSES.iter().map(|s| Choice { value: s.to_string(), label: tr.label("status", s) }).collect()
}

/// Whether the actor may add or edit products of `enterprise_id`.
pub fn can_edit(auth: &Auth, enterprise_id: uuid::Uuid) -> bool {
    auth.actor.can(Permission::EditEnterprises) || auth.actor.own_enterprise() == Some(enterprise_id)
}

#[derive(Template)]
#[template(path = "product_form.html")]
struct NewPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: ProductForm,
    enterprise_id: uuid::Uuid,
    enterprise_name: String,
    statuses: Vec<Choice>,
}

async fn new_page(
    state: &AppState,
    auth: &Auth,
    enterprise_id: uuid::Uuid,
    form: ProductForm,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let e = touchstone_app::enterprises::get(&state.app, &auth.actor, enterprise_id).await?;
    if !can_edit(auth, enterprise_id) {
        return Err(Error::Forbidden("editing products").into());
    }
    let tr = auth.tr;
    let page = NewPage {
        tr,
        nav: Nav::of(auth),
        alerts,
        form,
        enterprise_id,
        enterprise_name: e.enterprise.name,
        statuses: statuses(&tr),
    };
    Ok(render(status, &page))
}

pub async fn new(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let form = ProductForm { status: "in_production".into(), ..Default::default() };
    new_page(&state, &auth, id, form, Alerts::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<ProductForm>,
) -> WebResult<Response> {
    match products::create(&state.app, &auth.actor, id, form.input()).await {
        Ok(p) => Ok(Redirect::to(&format!("/products/{}", p.product.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            let alerts = Alerts::from_error(&auth.tr, &e);
            new_page(&state, &auth, id, form, alerts, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "product.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    p: ProductView,
    form: ProductForm,
    can_edit: bool,
    statuses: Vec<Choice>,
}

fn detail(auth: &Auth, p: ProductView, form: Option<ProductForm>, alerts: Alerts, status: StatusCode) -> Response {
    let tr = auth.tr;
    let form = form.unwrap_or_else(|| ProductForm::of(&p.product));
    let can_edit = can_edit(auth, p.product.enterprise_id);
    render(status, &DetailPage { tr, nav: Nav::of(auth), alerts, p, form, can_edit, statuses: statuses(&tr) })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let p = products::get(&state.app, &auth.actor, id).await?;
    Ok(detail(&auth, p, None, Alerts::default(), StatusCode::OK))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<ProductForm>,
) -> WebResult<Response> {
    match products::update(&state.app, &auth.actor, id, form.input()).await {
        Ok(p) => Ok(detail(&auth, p, None, Alerts::notice(auth.tr.t("notice-saved")), StatusCode::OK)),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let p = products::get(&state.app, &auth.actor, id).await?;
            let status = ErrorInfo::from_error(&e).status;
            Ok(detail(&auth, p, Some(form), Alerts::from_error(&auth.tr, &e), status))
        }
        Err(e) => Err(e.into()),
    }
}
