//! Administration pages: the bureau's staff and the bureaus reporting to it. Each bureau
//! administers its own staff; everything outside the bureau's subtree is "not found".

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::organisations::{self, OrganisationInput, OrganisationUpdate, OrganisationView};
use touchstone_app::users::{self, NewUser, UserUpdate};
use touchstone_app::{Error, Result as AppResult};
use touchstone_domain::role::{Department, Permission, Role};
use touchstone_store::list::Window;
use touchstone_store::organisations::{OrganisationFilter, OrganisationRow};
use touchstone_store::users::UserRow;
use uuid::Uuid;

use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

/// A choice in a select box.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

fn role_choices(tr: &Tr) -> Vec<Choice> {
    Role::ALL
        .iter()
        .filter(|r| r.is_regulator())
        .map(|r| Choice { value: r.code().into(), label: tr.label("role", r.code()) })
        .collect()
}

fn department_choices(tr: &Tr) -> Vec<Choice> {
    Department::ALL.iter().map(|d| Choice { value: d.code().into(), label: tr.label("department", d.code()) }).collect()
}

/// Bureaus the actor may assign staff to: their own first, then those reporting to it.
async fn bureau_choices(state: &AppState, auth: &Auth) -> AppResult<Vec<Choice>> {
    let window = Window { sort: "o.code", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
    let page = organisations::list(&state.app, &auth.actor, &OrganisationFilter::default(), &window).await?;
    let own = auth.actor.organisation.as_ref().map(|o| o.id);
    let mut items = page.items;
    items.sort_by_key(|o| (Some(o.id) != own, o.code.clone()));
    Ok(items
        .into_iter()
        .map(|o| Choice { value: o.id.to_string(), label: format!("{} ({})", o.name, o.code) })
        .collect())
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    users: Vec<UserRow>,
    roles: Vec<Choice>,
    export_href: String,
}

pub async fn users(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::users::{SORTS, filter};
    let page = users::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-username"), Some("username")),
        (tr.t("col-display-name"), Some("display_name")),
        (tr.t("col-role"), Some("role")),
        (tr.t("col-region"), None),
        (tr.t("col-locked"), None),
        (tr.t("col-last-login"), Some("last_login_at")),
    ];
    let pager = Pager::new("/admin/users", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        StatusCode::OK,
        &UsersPage {
            tr,
            nav: Nav::of(&auth),
            roles: role_choices(&tr),
            params: p,
            pager,
            users: page.items,
            export_href,
        },
    ))
}

pub async fn export_users_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::users::export(&state, &auth, &p, true).await
}

pub async fn export_users(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::users::export(&state, &auth, &p, false).await
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: UserForm,
    roles: Vec<Choice>,
    departments: Vec<Choice>,
    bureaus: Vec<Choice>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organisation_id: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub officer_number: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub version: i64,
}

async fn user_form_page(
    state: &AppState,
    auth: &Auth,
    form: UserForm,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let tr = auth.tr;
    let bureaus = bureau_choices(state, auth).await?;
    Ok(render(
        status,
        &UserFormPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            form,
            roles: role_choices(&tr),
            departments: department_choices(&tr),
            bureaus,
        },
    ))
}

pub async fn new_user(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    auth.actor.require(Permission::ManageUsers, "creating users")?;
    let form = UserForm { role: "officer".into(), ..UserForm::default() };
    user_form_page(&state, &auth, form, Alerts::default(), StatusCode::OK).await
}

fn parse_org(v: &str) -> AppResult<Option<Uuid>> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(v.trim())
        .map(Some)
        .map_err(|_| Error::field("organisation_id", "invalid_id", "choose a bureau from the list"))
}

pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<UserForm>,
) -> WebResult<Response> {
    let result = async {
        let input = NewUser {
            username: form.username.clone(),
            display_name: form.display_name.clone(),
            role: form.role.clone(),
            organisation_id: parse_org(&form.organisation_id)?,
            department: Some(form.department.clone()),
            officer_number: Some(form.officer_number.clone()),
            binding_id: None,
            region_code: None,
            password: form.password.clone(),
        };
        users::create(&state.app, &auth.actor, input).await
    }
    .await;
    match result {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users/{}", u.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            let alerts = Alerts::from_error(&auth.tr, &e);
            user_form_page(
                &state,
                &auth,
                UserForm { password: String::new(), ..form },
                alerts,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "user_detail.html")]
struct UserDetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    user: UserRow,
    bureau: Option<OrganisationRow>,
    form: UserForm,
    roles: Vec<Choice>,
    departments: Vec<Choice>,
    bureaus: Vec<Choice>,
}

async fn user_detail(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    alerts: Alerts,
    form: Option<UserForm>,
    status: StatusCode,
) -> WebResult<Response> {
    let user = users::get(&state.app, &auth.actor, id).await?;
    let bureau = match user.organisation_id {
        Some(o) => touchstone_store::organisations::find(&state.app.db, o).await?,
        None => None,
    };
    let form = form.unwrap_or_else(|| UserForm {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role.clone(),
        organisation_id: user.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        department: user.department.clone().unwrap_or_default(),
        officer_number: user.officer_number.clone().unwrap_or_default(),
        password: String::new(),
        version: user.version,
    });
    let tr = auth.tr;
    let bureaus = if auth.actor.can(Permission::ManageUsers) { bureau_choices(state, auth).await? } else { Vec::new() };
    Ok(render(
        status,
        &UserDetailPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            user,
            bureau,
            form,
            roles: role_choices(&tr),
            departments: department_choices(&tr),
            bureaus,
        },
    ))
}

pub async fn user(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    user_detail(&state, &auth, id, Alerts::default(), None, StatusCode::OK).await
}

pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<UserForm>,
) -> WebResult<Response> {
    let result = async {
        let input = UserUpdate {
            display_name: form.display_name.clone(),
            role: form.role.clone(),
            organisation_id: parse_org(&form.organisation_id)?,
            department: Some(form.department.clone()),
            officer_number: Some(form.officer_number.clone()),
            version: form.version,
        };
        users::update(&state.app, &auth.actor, id, input).await
    }
    .await;
    match result {
        Ok(_) => user_detail(&state, &auth, id, Alerts::notice(auth.tr.t("notice-saved")), None, StatusCode::OK).await,
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            user_detail(&state, &auth, id, Alerts::from_error(&auth.tr, &e), Some(form), status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    password: String,
}

pub async fn user_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(String, String)>,
    PageForm(form): PageForm<ActionForm>,
) -> WebResult<Response> {
    let id = Uuid::parse_str(&id).map_err(|_| Error::NotFound)?;
    let result = match action.as_str() {
        "lock" => users::lock(&state.app, &auth.actor, id).await,
        "unlock" => users::unlock(&state.app, &auth.actor, id).await,
        "reset-password" => users::reset_password(&state.app, &auth.actor, id, &form.password).await,
        "reset-second-factor" => users::reset_second_factor(&state.app, &auth.actor, id).await,
        _ => return Err(Error::NotFound.into()),
    };
    match result {
        Ok(_) => user_detail(&state, &auth, id, Alerts::notice(auth.tr.t("notice-saved")), None, StatusCode::OK).await,
        Err(e @ Error::Validation(_)) => {
            let status = ErrorInfo::from_error(&e).status;
            user_detail(&state, &auth, id, Alerts::from_error(&auth.tr, &e), None, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    organisations: Vec<OrganisationRow>,
    export_href: String,
}

pub async fn organisations(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::organisations::{SORTS, filter};
    let page = organisations::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?;
    let tr = auth.tr;
    let columns =
        [(tr.t("col-code"), Some("code")), (tr.t("col-name"), Some("name")), (tr.t("col-region"), Some("region_code"))];
    let pager = Pager::new("/admin/organisations", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        StatusCode::OK,
        &OrganisationsPage { tr, nav: Nav::of(&auth), params: p, pager, organisations: page.items, export_href },
    ))
}

pub async fn export_organisations_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Response> {
    crate::api::organisations::export(&state, &auth, &p, true).await
}

pub async fn export_organisations(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Response> {
    crate::api::organisations::export(&state, &auth, &p, false).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub region_code: String,
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub jurisdiction: String,
    #[serde(default)]
    pub version: i64,
}

#[derive(Template)]
#[template(path = "organisation_form.html")]
struct OrganisationFormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: OrganisationForm,
    bureaus: Vec<Choice>,
    existing: Option<OrganisationView>,
    can_manage: bool,
}

async fn organisation_page(
    state: &AppState,
    auth: &Auth,
    form: OrganisationForm,
    existing: Option<OrganisationView>,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let bureaus = bureau_choices(state, auth).await?;
    let can_manage = auth.actor.can(Permission::ManageOrganisations);
    Ok(render(
        status,
        &OrganisationFormPage { tr: auth.tr, nav: Nav::of(auth), alerts, form, bureaus, existing, can_manage },
    ))
}

fn split_codes(s: &str) -> Vec<String> {
    s.split([' ', ',', ';', '，', '\n']).map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
}

pub async fn new_organisation(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    auth.actor.require(Permission::ManageOrganisations, "creating bureaus")?;
    let form = OrganisationForm {
        parent_id: auth.actor.organisation.as_ref().map(|o| o.id.to_string()).unwrap_or_default(),
        ..OrganisationForm::default()
    };
    organisation_page(&state, &auth, form, None, Alerts::default(), StatusCode::OK).await
}

fn parse_parent(v: &str) -> AppResult<Option<Uuid>> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(v.trim())
        .map(Some)
        .map_err(|_| Error::field("parent_id", "invalid_id", "choose a bureau from the list"))
}

pub async fn create_organisation(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<OrganisationForm>,
) -> WebResult<Response> {
    let result = async {
        let input = OrganisationInput {
            code: form.code.clone(),
            name: form.name.clone(),
            name_en: form.name_en.clone(),
            region_code: form.region_code.clone(),
            parent_id: parse_parent(&form.parent_id)?,
            jurisdiction: split_codes(&form.jurisdiction),
        };
        organisations::create(&state.app, &auth.actor, input).await
    }
    .await;
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/admin/organisations/{}", o.organisation.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            let alerts = Alerts::from_error(&auth.tr, &e);
            organisation_page(&state, &auth, form, None, alerts, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

fn form_of(v: &OrganisationView) -> OrganisationForm {
    let o = &v.organisation;
    OrganisationForm {
        code: o.code.clone(),
        name: o.name.clone(),
        name_en: o.name_en.clone(),
        region_code: o.region_code.clone(),
        parent_id: o.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        jurisdiction: v.jurisdiction.join(" "),
        version: o.version,
    }
}

pub async fn organisation(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let v = organisations::get(&state.app, &auth.actor, id).await?;
    organisation_page(&state, &auth, form_of(&v), Some(v), Alerts::default(), StatusCode::OK).await
}

pub async fn update_organisation(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<OrganisationForm>,
) -> WebResult<Response> {
    let result = async {
        let input = OrganisationUpdate {
            name: form.name.clone(),
            name_en: form.name_en.clone(),
            parent_id: parse_parent(&form.parent_id)?,
            jurisdiction: split_codes(&form.jurisdiction),
            version: form.version,
        };
        organisations::update(&state.app, &auth.actor, id, input).await
    }
    .await;
    match result {
        Ok(v) => {
            organisation_page(
                &state,
                &auth,
                form_of(&v),
                Some(v),
                Alerts::notice(auth.tr.t("notice-saved")),
                StatusCode::OK,
            )
            .await
        }
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let existing = organisations::get(&state.app, &auth.actor, id).await?;
            let status = ErrorInfo::from_error(&e).status;
            organisation_page(&state, &auth, form, Some(existing), Alerts::from_error(&auth.tr, &e), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One role as the roles page shows it.
#[derive(Debug, Clone)]
pub struct RoleRow {
    pub code: &'static str,
    pub label: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub second_factor: bool,
    pub users: i64,
    pub users_href: String,
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    tr: Tr,
    nav: Nav,
    roles: Vec<RoleRow>,
}

/// The roles, what each may do, and how many of the actor's staff hold each.
pub async fn roles(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    auth.actor.require(Permission::ReadStaff, "reading roles")?;
    let tr = auth.tr;
    let window = Window { sort: "u.username", descending: false, page: 1, per_page: 1 };
    let mut rows = Vec::new();
    for role in Role::ALL {
        let filter = touchstone_store::users::UserFilter { role: Some(role.code().into()), ..Default::default() };
        let users = users::list(&state.app, &auth.actor, &filter, &window).await?.total;
        let permissions = [
            (Permission::ManageUsers, "manage_users"),
            (Permission::ManageOrganisations, "manage_organisations"),
            (Permission::ReadStaff, "read_staff"),
            (Permission::ReadAudit, "read_audit"),
            (Permission::ManageSupervisedAccounts, "manage_supervised_accounts"),
            (Permission::ManageKeyProducts, "manage_key_products"),
        ]
        .into_iter()
        .filter(|(p, _)| role.can(*p))
        .map(|(_, code)| tr.label("permission", code))
        .collect();
        rows.push(RoleRow {
            code: role.code(),
            label: tr.label("role", role.code()),
            description: tr.label("role-desc", role.code()),
            permissions,
            second_factor: role.requires_second_factor(),
            users,
            users_href: format!("/admin/users?role={}", role.code()),
        });
    }
    Ok(render(StatusCode::OK, &RolesPage { tr, nav: Nav::of(&auth), roles: rows }))
}
