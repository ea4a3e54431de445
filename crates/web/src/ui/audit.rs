//! The audit log viewer: filter by actor, entity, action and date; sort; page; export.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use touchstone_store::audit::AuditRow;

use super::{Nav, Pager, render};
use crate::AppState;
use crate::error::WebResult;
use crate::extract::{Auth, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    entries: Vec<AuditRow>,
    export_href: String,
}

pub async fn page(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::audit::{SORTS, filter};
    let page = touchstone_app::audit::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, true)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-seq"), Some("seq")),
        (tr.t("col-time"), Some("at")),
        (tr.t("col-actor"), Some("actor")),
        (tr.t("col-action"), Some("action")),
        (tr.t("col-entity-type"), None),
        (tr.t("col-ip"), None),
        (tr.t("col-changes"), None),
    ];
    let pager = Pager::new("/admin/audit", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        StatusCode::OK,
        &AuditPage { tr, nav: Nav::of(&auth), params: p, pager, entries: page.items, export_href },
    ))
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::audit::export(&state, &auth, &p, true).await
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::audit::export(&state, &auth, &p, false).await
}
