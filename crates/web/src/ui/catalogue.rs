//! The catalogue page: the product-category tree and the key-product lists (R-CAT-2) — the
//! shipped ones and those regions define — with the form that defines a list for the bureau's
//! region, and each region list's page (rename, add and remove categories).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::key_products::{self, ItemInput, KeyList, ListInput, ListUpdate};
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::role::Permission;

use super::admin::Choice;
use super::{Alerts, Nav, render};
use crate::AppState;
use crate::api::catalogue::{CategoryItem, tree};
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm};
use crate::i18n::Tr;

/// One entry of a list for display.
pub struct KeyEntry {
    pub code: String,
    pub category: String,
    pub note: String,
}

/// One key-product list for display.
pub struct KeyListDisplay {
    pub id: String,
    pub shipped: bool,
    pub name: String,
    pub year: i64,
    pub region: String,
    pub campaign: String,
    /// The extended shipped list, as "region · year".
    pub extends: String,
    pub editable: bool,
    pub version: i64,
    pub items: Vec<KeyEntry>,
}

impl KeyListDisplay {
    fn of(tr: &Tr, l: KeyList) -> KeyListDisplay {
        let extends = l
            .extends_list
            .as_deref()
            .and_then(|name| key_products::shipped().into_iter().find(|s| s.id == name))
            .map(|s| format!("{} · {}", tr.region(&s.region_code), s.year))
            .unwrap_or_default();
        KeyListDisplay {
            name: if l.shipped { format!("{} · {}", tr.region(&l.region_code), l.year) } else { l.name },
            region: tr.region(&l.region_code),
            campaign: l.campaign.unwrap_or_default(),
            extends,
            editable: l.editable,
            version: l.version.unwrap_or_default(),
            items: l
                .items
                .into_iter()
                .map(|i| KeyEntry {
                    category: tr.category(&i.category_code),
                    code: i.category_code,
                    note: i.note.unwrap_or_default(),
                })
                .collect(),
            id: l.id,
            shipped: l.shipped,
            year: l.year,
        }
    }
}

/// The "define a list" form's fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    extends_list: String,
    #[serde(default)]
    region_code: String,
    /// Category codes separated by spaces or commas.
    #[serde(default)]
    categories: String,
}

fn codes(text: &str) -> Vec<String> {
    text.split([' ', ',', '，', ';', '；', '、']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    categories: Vec<CategoryItem>,
    lists: Vec<KeyListDisplay>,
    can_define: bool,
    form: ListForm,
    shipped: Vec<Choice>,
}

async fn catalogue_page(
    state: &AppState,
    auth: &Auth,
    form: ListForm,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let tr = auth.tr;
    let lists = key_products::lists(&state.app, &auth.actor).await?;
    let shipped =
        catalogue().lists().into_iter().map(|l| Choice { value: l.to_string(), label: l.to_string() }).collect();
    Ok(render(
        status,
        &CataloguePage {
            tr,
            nav: Nav::of(auth),
            alerts,
            categories: tree(tr.locale.is_english()),
            lists: lists.into_iter().map(|l| KeyListDisplay::of(&tr, l)).collect(),
            can_define: auth.actor.can(Permission::ManageKeyProducts),
            form,
            shipped,
        },
    ))
}

pub async fn page(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    let form = ListForm {
        year: state.app.clock.now().china_date().chars().take(4).collect(),
        region_code: auth.actor.organisation.as_ref().map(|o| o.region_code.clone()).unwrap_or_default(),
        ..ListForm::default()
    };
    catalogue_page(&state, &auth, form, Alerts::default(), StatusCode::OK).await
}

/// Defines a list; a bad form is shown again with its errors.
pub async fn create_list(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<ListForm>,
) -> WebResult<Response> {
    let input = ListInput {
        name: form.name.clone(),
        year: form.year.trim().parse().unwrap_or(0),
        campaign: Some(form.campaign.clone()),
        extends_list: Some(form.extends_list.clone()),
        region_code: Some(form.region_code.clone()),
        items: codes(&form.categories).into_iter().map(|c| ItemInput { category_code: c, note: None }).collect(),
    };
    match key_products::create(&state.app, &auth.actor, input).await {
        Ok(l) => Ok(Redirect::to(&format!("/catalogue/lists/{}", l.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            let alerts = Alerts::from_error(&auth.tr, &e);
            catalogue_page(&state, &auth, form, alerts, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "key_list.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    list: KeyListDisplay,
    categories: Vec<CategoryItem>,
}

async fn list_page_with(
    state: &AppState,
    auth: &Auth,
    id: uuid::Uuid,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let tr = auth.tr;
    let list = key_products::get(&state.app, &auth.actor, id).await?;
    Ok(render(
        status,
        &ListPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            list: KeyListDisplay::of(&tr, list),
            categories: tree(tr.locale.is_english()),
        },
    ))
}

pub async fn list_page(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    list_page_with(&state, &auth, id, Alerts::default(), StatusCode::OK).await
}

/// After a change: back to the list's page, or the page again with the error.
async fn answer(
    state: &AppState,
    auth: &Auth,
    id: uuid::Uuid,
    result: touchstone_app::Result<KeyList>,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/catalogue/lists/{id}")).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            list_page_with(state, auth, id, Alerts::from_error(&auth.tr, &e), status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    version: i64,
}

pub async fn update_list(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<UpdateForm>,
) -> WebResult<Response> {
    let input = ListUpdate { name: form.name, campaign: Some(form.campaign), version: form.version };
    let result = key_products::update(&state.app, &auth.actor, id, input).await;
    answer(&state, &auth, id, result).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    category_code: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: i64,
}

pub async fn add_item(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<ItemForm>,
) -> WebResult<Response> {
    let input = ItemInput { category_code: form.category_code, note: Some(form.note) };
    let result = key_products::add_item(&state.app, &auth.actor, id, input, form.version).await;
    answer(&state, &auth, id, result).await
}

pub async fn remove_item(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<ItemForm>,
) -> WebResult<Response> {
    let result = key_products::remove_item(&state.app, &auth.actor, id, &form.category_code, form.version).await;
    answer(&state, &auth, id, result).await
}
