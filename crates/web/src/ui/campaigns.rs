//! Special campaign pages: the list with the form launching a shipped template, and a
//! campaign's detail with its stages, regional progress (lagging regions marked) and the
//! supervision actions, with the form recording one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::campaigns::{self, ACTION_KINDS, ActionInput, CampaignView, FromTemplate};
use touchstone_domain::role::Permission;
use touchstone_store::campaigns::CampaignRow;

use super::admin::Choice;
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    template: String,
    #[serde(default)]
    year: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    params: ListParams,
    pager: Pager,
    items: Vec<CampaignRow>,
    can_launch: bool,
    templates: Vec<Choice>,
    form: TemplateForm,
}

async fn list_page(
    state: &AppState,
    auth: &Auth,
    p: ListParams,
    form: TemplateForm,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    use crate::api::campaigns::{SORTS, filter};
    let page = campaigns::list(&state.app, &auth.actor, &filter(&p), &p.window(SORTS, true)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-campaign-number"), Some("number")),
        (tr.t("col-name"), Some("name")),
        (tr.t("col-region"), None),
        (tr.t("col-starts-on"), Some("starts_on")),
        (tr.t("col-ends-on"), Some("ends_on")),
    ];
    let pager = Pager::new("/campaigns", &p, &page, &columns);
    let templates = touchstone_domain::campaign::templates()
        .iter()
        .map(|t| Choice { value: t.id.to_string(), label: format!("{} ({})", t.title, t.id) })
        .collect();
    Ok(render(
        status,
        &ListPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            params: p,
            pager,
            items: page.items,
            can_launch: auth.actor.can(Permission::ManageCampaigns),
            templates,
            form,
        },
    ))
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    let form = TemplateForm { year: state.app.clock.now().china_date()[..4].to_string(), ..Default::default() };
    list_page(&state, &auth, p, form, Alerts::default(), StatusCode::OK).await
}

pub async fn from_template(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<TemplateForm>,
) -> WebResult<Response> {
    let year = match form.year.trim().parse::<i32>() {
        Ok(y) => y,
        Err(_) => {
            let e = Error::field("year", "invalid", "a year such as 2026");
            return list_page(
                &state,
                &auth,
                ListParams::default(),
                form,
                Alerts::from_error(&auth.tr, &e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let input = FromTemplate { template: form.template.clone(), year, region_code: None };
    match campaigns::from_template(&state.app, &auth.actor, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/campaigns/{}", c.campaign.id)).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            list_page(&state, &auth, ListParams::default(), form, Alerts::from_error(&auth.tr, &e), status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    c: CampaignView,
    kinds: Vec<Choice>,
    regions: Vec<Choice>,
}

fn detail(auth: &Auth, c: CampaignView, alerts: Alerts, status: StatusCode) -> Response {
    let tr = auth.tr;
    let kinds = ACTION_KINDS.iter().map(|k| Choice { value: k.to_string(), label: tr.label("caction", k) }).collect();
    let regions = c
        .progress
        .iter()
        .filter(|r| r.region_code != c.campaign.region_code)
        .map(|r| Choice { value: r.region_code.clone(), label: r.region_name.clone() })
        .collect();
    render(status, &DetailPage { tr, nav: Nav::of(auth), alerts, c, kinds, regions })
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let c = campaigns::get(&state.app, &auth.actor, id).await?;
    Ok(detail(&auth, c, Alerts::default(), StatusCode::OK))
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    taken_on: String,
}

pub async fn take_action(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<ActionForm>,
) -> WebResult<Response> {
    let opt = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    };
    let input = ActionInput {
        region_code: f.region_code.clone(),
        kind: f.kind.clone(),
        note: f.note.clone(),
        document_number: opt(&f.document_number),
        taken_on: opt(&f.taken_on),
    };
    match campaigns::take_action(&state.app, &auth.actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/campaigns/{id}")).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let c = campaigns::get(&state.app, &auth.actor, id).await?;
            let status = ErrorInfo::from_error(&e).status;
            Ok(detail(&auth, c, Alerts::from_error(&auth.tr, &e), status))
        }
        Err(e) => Err(e.into()),
    }
}
