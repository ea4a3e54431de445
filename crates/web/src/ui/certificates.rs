//! Certificate pages: the list (with "expiring within 90 days"), registering one, its detail
//! with status history, flags and the status-change form; the certification-body registry.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::certificates::{self, BodyInput, CertificateInput, CertificateView, StatusChange};
use touchstone_domain::certificate::{KINDS, STATUSES};
use touchstone_domain::role::Permission;
use touchstone_store::certificates::{BodyRow, CertificateRow};
use touchstone_store::list::Window;

use super::admin::Choice;
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

fn choices(tr: &Tr, prefix: &str, codes: &[&str]) -> Vec<Choice> {
    codes.iter().map(|c| Choice { value: c.to_string(), label: tr.label(prefix, c) }).collect()
}

#[derive(Template)]
#[template(path = "certificates.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    items: Vec<CertificateRow>,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    export_href: String,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::certificates::{SORTS, filter};
    let f = filter(&state.app, &p)?;
    let page = certificates::list(&state.app, &auth.actor, &f, &p.window(SORTS, false)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-number"), Some("number")),
        (tr.t("col-kind"), None),
        (tr.t("col-issuer"), None),
        (tr.t("col-expires-on"), Some("expires_on")),
        (tr.t("col-status"), Some("status")),
    ];
    let pager = Pager::new("/certificates", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        StatusCode::OK,
        &ListPage {
            tr,
            nav: Nav::of(&auth),
            kinds: choices(&tr, "kind", KINDS),
            statuses: choices(&tr, "cstatus", STATUSES),
            params: p,
            pager,
            items: page.items,
            export_href,
        },
    ))
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::certificates::export(&state, &auth, &p, true).await
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::certificates::export(&state, &auth, &p, false).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CertificateForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    holder_id: String,
    #[serde(default)]
    issuer_body_id: String,
    #[serde(default)]
    issuer_name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    scope_text: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    expires_on: String,
}

#[derive(Template)]
#[template(path = "certificate_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: CertificateForm,
    kinds: Vec<Choice>,
    bodies: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    form: CertificateForm,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let window = Window { sort: "b.name", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
    let bodies = certificates::bodies(&state.app, &auth.actor, None, &window)
        .await?
        .items
        .into_iter()
        .map(|b| Choice { value: b.id.to_string(), label: format!("{} ({})", b.name, b.approval_number) })
        .collect();
    let tr = auth.tr;
    Ok(render(status, &FormPage { tr, nav: Nav::of(auth), alerts, form, kinds: choices(&tr, "kind", KINDS), bodies }))
}

#[derive(Deserialize)]
pub struct NewQuery {
    holder: Option<String>,
}

pub async fn new(State(state): State<AppState>, auth: Auth, Q(q): Q<NewQuery>) -> WebResult<Response> {
    auth.actor.require(Permission::EditEnterprises, "registering certificates")?;
    let form = CertificateForm {
        holder_id: q.holder.unwrap_or_default(),
        kind: "production_licence".into(),
        ..Default::default()
    };
    form_page(&state, &auth, form, Alerts::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<CertificateForm>,
) -> WebResult<Response> {
    let holder_id = match uuid::Uuid::parse_str(form.holder_id.trim()) {
        Ok(id) => id,
        Err(_) => {
            let e = Error::field(
                "holder_id",
                "not_found",
                "open the enterprise's file and register the certificate from there",
            );
            return form_page(&state, &auth, form, Alerts::from_error(&auth.tr, &e), StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let input = CertificateInput {
        number: form.number.clone(),
        kind: form.kind.clone(),
        holder_id,
        issuer_body_id: uuid::Uuid::parse_str(form.issuer_body_id.trim()).ok(),
        issuer_name: form.issuer_name.clone(),
        scope: form.scope.split([' ', ',', '，']).map(String::from).filter(|s| !s.is_empty()).collect(),
        scope_text: Some(form.scope_text.clone()),
        issued_on: form.issued_on.clone(),
        expires_on: form.expires_on.clone(),
    };
    match certificates::create(&state.app, &auth.actor, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/certificates/{}", c.certificate.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            form_page(&state, &auth, form, Alerts::from_error(&auth.tr, &e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    c: CertificateView,
    next_statuses: Vec<Choice>,
    can_edit: bool,
}

fn detail(auth: &Auth, c: CertificateView, alerts: Alerts, status: StatusCode) -> Response {
    let tr = auth.tr;
    let next_statuses = STATUSES
        .iter()
        .filter(|s| touchstone_domain::certificate::can_transition(&c.certificate.status, s))
        .map(|s| Choice { value: s.to_string(), label: tr.label("cstatus", s) })
        .collect();
    render(
        status,
        &DetailPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            can_edit: auth.actor.can(Permission::EditEnterprises),
            c,
            next_statuses,
        },
    )
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let c = certificates::get(&state.app, &auth.actor, id).await?;
    Ok(detail(&auth, c, Alerts::default(), StatusCode::OK))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    version: i64,
}

pub async fn change_status(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<StatusForm>,
) -> WebResult<Response> {
    let input = StatusChange { status: f.status, reason: f.reason, effective_on: f.effective_on, version: f.version };
    match certificates::change_status(&state.app, &auth.actor, id, input).await {
        Ok(c) => Ok(detail(&auth, c, Alerts::notice(auth.tr.t("notice-saved")), StatusCode::OK)),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let c = certificates::get(&state.app, &auth.actor, id).await?;
            let status = ErrorInfo::from_error(&e).status;
            Ok(detail(&auth, c, Alerts::from_error(&auth.tr, &e), status))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "bodies.html")]
struct BodiesPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    params: ListParams,
    pager: Pager,
    items: Vec<BodyRow>,
    form: BodyForm,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BodyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    approval_number: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    scope: String,
}

async fn bodies_page(
    state: &AppState,
    auth: &Auth,
    p: ListParams,
    form: BodyForm,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let window = p.window(&[("name", "b.name"), ("approval_number", "b.approval_number")], false)?;
    let page = certificates::bodies(&state.app, &auth.actor, p.q.as_deref(), &window).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-name"), Some("name")),
        (tr.t("col-approval-number"), Some("approval_number")),
        (tr.t("col-scope"), None),
    ];
    let pager = Pager::new("/certification-bodies", &p, &page, &columns);
    Ok(render(status, &BodiesPage { tr, nav: Nav::of(auth), alerts, params: p, pager, items: page.items, form }))
}

pub async fn bodies(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    bodies_page(&state, &auth, p, BodyForm::default(), Alerts::default(), StatusCode::OK).await
}

pub async fn create_body(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<BodyForm>,
) -> WebResult<Response> {
    let input = BodyInput {
        name: form.name.clone(),
        approval_number: form.approval_number.clone(),
        region_code: form.region_code.clone(),
        scope: form.scope.split([' ', ',', '，']).map(String::from).filter(|s| !s.is_empty()).collect(),
    };
    match certificates::create_body(&state.app, &auth.actor, input).await {
        Ok(_) => Ok(Redirect::to("/certification-bodies").into_response()),
        Err(e @ Error::Validation(_)) => {
            bodies_page(
                &state,
                &auth,
                ListParams::default(),
                form,
                Alerts::from_error(&auth.tr, &e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
