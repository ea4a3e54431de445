//! Hazard ledger pages: the filtered list with exports, recording a hazard at an enterprise,
//! and a hazard's detail with its history and the one form that takes the next step.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::hazards::{self, HazardInput, HazardView, RECORDED_SOURCES, StepInput};
use touchstone_app::similar::{self, PromoteInput, SimilarQuery, Suggestions};
use touchstone_domain::hazard::{Level, Source, Status};
use touchstone_domain::role::Permission;
use touchstone_store::hazards::HazardListRow;
use touchstone_store::similar::SampleRow;

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
#[template(path = "hazards.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    items: Vec<HazardListRow>,
    overdue: Vec<bool>,
    statuses: Vec<Choice>,
    levels: Vec<Choice>,
    sources: Vec<Choice>,
    export_href: String,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::hazards::{SORTS, filter};
    let f = filter(&state, &auth, &p)?;
    let page = hazards::list(&state.app, &auth.actor, &f, &p.window(SORTS, true)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-hazard-number"), Some("number")),
        (tr.t("col-enterprise"), Some("enterprise")),
        (tr.t("col-level"), Some("level")),
        (tr.t("col-found-on"), Some("found_on")),
        (tr.t("col-deadline"), Some("deadline")),
        (tr.t("col-hazard-status"), Some("status")),
    ];
    let pager = Pager::new("/hazards", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    let today = hazards::today_text(&state.app);
    let overdue = page
        .items
        .iter()
        .map(|r| {
            Status::parse(&r.hazard.status).is_some_and(|s| s.is_open()) && r.hazard.deadline.as_str() < today.as_str()
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            tr,
            nav: Nav::of(&auth),
            statuses: choices(&tr, "hstatus", &Status::codes()),
            levels: choices(&tr, "hlevel", &Level::codes()),
            sources: choices(&tr, "hsource", &Source::codes()),
            params: p,
            pager,
            items: page.items,
            overdue,
            export_href,
        },
    ))
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::hazards::export(&state, &auth, &p, true).await
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::hazards::export(&state, &auth, &p, false).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HazardForm {
    #[serde(default)]
    enterprise_id: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    category_code: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    found_on: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    responsible_person: String,
    #[serde(default)]
    corrected_on_spot: Option<String>,
    #[serde(default)]
    correction_note: String,
}

#[derive(Template)]
#[template(path = "hazard_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: HazardForm,
    sources: Vec<Choice>,
    levels: Vec<Choice>,
}

fn form_page(auth: &Auth, form: HazardForm, alerts: Alerts, status: StatusCode) -> Response {
    let tr = auth.tr;
    let sources: Vec<&str> = RECORDED_SOURCES.iter().map(|s| s.code()).collect();
    render(
        status,
        &FormPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            form,
            sources: choices(&tr, "hsource", &sources),
            levels: choices(&tr, "hlevel", &Level::codes()),
        },
    )
}

#[derive(Deserialize)]
pub struct NewQuery {
    enterprise_id: Option<String>,
}

pub async fn new(auth: Auth, Q(q): Q<NewQuery>) -> WebResult<Response> {
    auth.actor.require(Permission::RecordHazards, "recording hazards")?;
    let form = HazardForm {
        enterprise_id: q.enterprise_id.unwrap_or_default(),
        source: "inspection".into(),
        level: "general".into(),
        ..Default::default()
    };
    Ok(form_page(&auth, form, Alerts::default(), StatusCode::OK))
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<HazardForm>,
) -> WebResult<Response> {
    auth.actor.require(Permission::RecordHazards, "recording hazards")?;
    let enterprise_id = match uuid::Uuid::parse_str(form.enterprise_id.trim()) {
        Ok(id) => id,
        Err(_) => {
            let e = Error::field(
                "enterprise_id",
                "not_found",
                "open the enterprise's file and record the hazard from there",
            );
            return Ok(form_page(&auth, form, Alerts::from_error(&auth.tr, &e), StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let input = HazardInput {
        enterprise_id,
        source: form.source.clone(),
        category_code: opt(&form.category_code),
        product: opt(&form.product),
        level: form.level.clone(),
        description: form.description.clone(),
        legal_basis: opt(&form.legal_basis),
        found_on: opt(&form.found_on),
        deadline: opt(&form.deadline),
        responsible_person: form.responsible_person.clone(),
        corrected_on_spot: form.corrected_on_spot.is_some(),
        correction_note: opt(&form.correction_note),
        ..Default::default()
    };
    match hazards::create(&state.app, &auth.actor, input).await {
        Ok(h) => Ok(Redirect::to(&format!("/hazards/{}", h.hazard.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            Ok(form_page(&auth, form, Alerts::from_error(&auth.tr, &e), StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "hazard.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    h: HazardView,
    actions: Vec<Choice>,
    escalated_to: String,
    similar: Suggestions,
    /// The reader may promote it to the sample bank (an officer; not voided; not yet there).
    may_promote: bool,
}

async fn detail(state: &AppState, auth: &Auth, h: HazardView, alerts: Alerts, status: StatusCode) -> Response {
    let tr = auth.tr;
    let actions =
        h.allowed_actions.iter().map(|a| Choice { value: a.clone(), label: tr.label("haction", a) }).collect();
    let escalated_to = match h.hazard.escalated_to {
        Some(id) => touchstone_store::organisations::find(&state.app.db, id)
            .await
            .ok()
            .flatten()
            .map(|o| o.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let probe = SimilarQuery {
        description: h.hazard.description.clone(),
        category_code: h.hazard.category_code.clone(),
        product: h.hazard.product.clone(),
        hazard_id: Some(h.hazard.id),
    };
    let similar = similar::suggest(&state.app, &auth.actor, &probe)
        .await
        .unwrap_or(Suggestions { ledger: Vec::new(), samples: Vec::new() });
    let promoted = touchstone_store::similar::sample_of(&state.app.db, h.hazard.id).await.ok().flatten().is_some();
    let may_promote = auth.actor.can(Permission::RecordHazards)
        && auth.actor.own_enterprise().is_none()
        && h.hazard.status != "voided"
        && !promoted;
    render(status, &DetailPage { tr, nav: Nav::of(auth), alerts, h, actions, escalated_to, similar, may_promote })
}

#[derive(Template)]
#[template(path = "hazard_similar.html")]
struct SimilarFragment {
    tr: Tr,
    similar: Suggestions,
}

/// The suggestions panel of the hazard form, refreshed as the officer types (htmx).
pub async fn similar_fragment(State(state): State<AppState>, auth: Auth, Q(q): Q<SimilarQuery>) -> WebResult<Response> {
    let similar = similar::suggest(&state.app, &auth.actor, &q).await?;
    Ok(render(StatusCode::OK, &SimilarFragment { tr: auth.tr, similar }))
}

#[derive(Deserialize)]
pub struct PromoteForm {
    #[serde(default)]
    description: String,
}

/// Promotes the hazard to the shared sample bank.
pub async fn promote(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<PromoteForm>,
) -> WebResult<Response> {
    match similar::promote(&state.app, &auth.actor, id, PromoteInput { description: opt(&f.description) }).await {
        Ok(_) => Ok(Redirect::to(&format!("/hazards/{id}")).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let h = hazards::get(&state.app, &auth.actor, id).await?;
            let status = ErrorInfo::from_error(&e).status;
            Ok(detail(&state, &auth, h, Alerts::from_error(&auth.tr, &e), status).await)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "hazard_samples.html")]
struct SamplesPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    items: Vec<SampleRow>,
}

/// The sample bank of typical hazards, shared by every bureau.
pub async fn samples(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::similar::SORTS;
    let page =
        similar::samples(&state.app, &auth.actor, p.q.as_deref(), p.category.as_deref(), &p.window(SORTS, true)?)
            .await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-description"), None),
        (tr.t("col-level"), Some("level")),
        (tr.t("col-category-code"), Some("category")),
        (tr.t("col-promoted-by"), None),
        (tr.t("col-time"), Some("created_at")),
    ];
    let pager = Pager::new("/hazard-samples", &p, &page, &columns);
    Ok(render(StatusCode::OK, &SamplesPage { tr, nav: Nav::of(&auth), params: p, pager, items: page.items }))
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let h = hazards::get(&state.app, &auth.actor, id).await?;
    Ok(detail(&state, &auth, h, Alerts::default(), StatusCode::OK).await)
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    version: i64,
}

pub async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<StepForm>,
) -> WebResult<Response> {
    let input = StepInput {
        action: f.action,
        note: opt(&f.note),
        deadline: opt(&f.deadline),
        attachment_ids: Vec::new(),
        version: f.version,
    };
    match hazards::step(&state.app, &auth.actor, id, input).await {
        Ok(h) => Ok(Redirect::to(&format!("/hazards/{}", h.hazard.id)).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. } | Error::Duty { .. })) => {
            let h = hazards::get(&state.app, &auth.actor, id).await?;
            let status = ErrorInfo::from_error(&e).status;
            Ok(detail(&state, &auth, h, Alerts::from_error(&auth.tr, &e), status).await)
        }
        Err(e) => Err(e.into()),
    }
}
