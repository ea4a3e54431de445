//! Inspection plan pages (R-INSP-1): the list with filters and exports, setting a plan up —
//! its targets typed as credit codes (or ids), one a line, each line's problem named — and a
//! plan with its targets, which are inspected and a link to record the next.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use touchstone_app::Error;
use touchstone_app::inspections::{self, KINDS, PlanInput, PlanView};
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_domain::{FieldError, ValidationErrors};
use touchstone_store::inspections::PlanRow;
use uuid::Uuid;

use super::admin::Choice;
use super::inspections::{campaign_choices, choices};
use super::pairs::Pairs;
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::error::WebResult;
use crate::export::ExportSpec;
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

#[derive(Template)]
#[template(path = "inspection_plans.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    items: Vec<PlanRow>,
    kinds: Vec<Choice>,
    campaigns: Vec<Choice>,
    can_plan: bool,
    export_href: String,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::inspections::{PLAN_SORTS, plan_filter};
    let f = plan_filter(&p)?;
    let page = inspections::list_plans(&state.app, &auth.actor, &f, &p.window(PLAN_SORTS, true)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-number"), Some("number")),
        (tr.t("col-name"), Some("name")),
        (tr.t("col-insp-kind"), Some("kind")),
        (tr.t("col-region"), None),
        (tr.t("col-plan-period"), Some("starts_on")),
    ];
    let pager = Pager::new("/inspection-plans", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        StatusCode::OK,
        &ListPage {
            tr,
            nav: Nav::of(&auth),
            kinds: choices(&tr, "ikind", KINDS),
            campaigns: campaign_choices(&state, &auth).await,
            can_plan: auth.actor.can(Permission::ManageCampaigns),
            params: p,
            pager,
            items: page.items,
            export_href,
        },
    ))
}

async fn export_as(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<Response> {
    use crate::api::inspections::{PLAN_SORTS, plan_filter};
    use touchstone_store::inspections::PlanFilter;
    use touchstone_store::list::Window;
    let tr = auth.tr;
    let columns =
        ["number", "name", "insp-kind", "region", "starts-on", "ends-on", "full-coverage", "departments", "note"];
    let spec = ExportSpec::new(auth, "inspection-plans", "inspection_plan", xlsx, &columns);
    let list = |app: touchstone_app::App, actor: touchstone_app::Actor, f: PlanFilter, w: Window| async move {
        inspections::list_plans(&app, &actor, &f, &w).await
    };
    let row = move |r: PlanRow| {
        vec![
            r.number,
            r.name,
            tr.label("ikind", &r.kind),
            tr.region(&r.region_code),
            r.starts_on,
            r.ends_on,
            if r.full_coverage { tr.t("yes") } else { String::new() },
            r.departments,
            r.note,
        ]
    };
    let f = plan_filter(p)?;
    crate::export::export(state, auth, p, spec, p.window(PLAN_SORTS, true)?, f, list, row).await
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    export_as(&state, &auth, &p, false).await
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    export_as(&state, &auth, &p, true).await
}

/// The plan form as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanForm {
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub campaign_id: String,
    pub full_coverage: bool,
    pub targets: String,
    pub starts_on: String,
    pub ends_on: String,
    pub departments: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "inspection_plan_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: PlanForm,
    kinds: Vec<Choice>,
    regions: Vec<Choice>,
    campaigns: Vec<Choice>,
}

/// The regions a plan or a campaign may cover: the jurisdiction's roots and everything under them.
pub(super) fn region_choices(auth: &Auth) -> Vec<Choice> {
    auth.actor
        .jurisdiction
        .iter()
        .flat_map(|root| regions().descendants_and_self(root))
        .map(|code| Choice { value: code.to_string(), label: format!("{} {}", code, auth.tr.region(code)) })
        .collect()
}

async fn form_page(state: &AppState, auth: &Auth, form: PlanForm, alerts: Alerts, status: StatusCode) -> Response {
    let tr = auth.tr;
    render(
        status,
        &FormPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            form,
            kinds: choices(&tr, "ikind", KINDS),
            regions: region_choices(auth),
            campaigns: campaign_choices(state, auth).await,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    campaign_id: Option<String>,
}

pub async fn new(State(state): State<AppState>, auth: Auth, Q(q): Q<NewQuery>) -> WebResult<Response> {
    auth.actor.require(Permission::ManageCampaigns, "setting up inspection plans")?;
    let form = PlanForm {
        kind: "routine".into(),
        region_code: auth.actor.jurisdiction.first().cloned().unwrap_or_default(),
        campaign_id: q.campaign_id.unwrap_or_default(),
        ..Default::default()
    };
    Ok(form_page(&state, &auth, form, Alerts::default(), StatusCode::OK).await)
}

/// Sets the plan up; each target line is a credit code or an id of an enterprise of the
/// jurisdiction. A line that names none is refused by its number, and nothing is created.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    auth.actor.require(Permission::ManageCampaigns, "setting up inspection plans")?;
    let p = Pairs(form);
    let form = PlanForm {
        name: p.get("name"),
        kind: p.get("kind"),
        region_code: p.get("region_code"),
        campaign_id: p.get("campaign_id"),
        full_coverage: !p.get("full_coverage").is_empty(),
        targets: p.raw("targets"),
        starts_on: p.get("starts_on"),
        ends_on: p.get("ends_on"),
        departments: p.get("departments"),
        note: p.raw("note"),
    };
    let tr = auth.tr;
    let mut line_errors = ValidationErrors::new();
    // Each line's enterprise, or the nil id for a line that names none: the use case then
    // refuses the plan, and still reports what else is wrong with it.
    let mut lines: Vec<(usize, String, Uuid)> = Vec::new();
    for (n, line) in form.targets.lines().enumerate() {
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let id = inspections::resolve_enterprise(&state.app, &auth.actor, text).await?;
        if id.is_none() {
            let message = tr.t_args("plan-target-line", &[("line", (n + 1).to_string()), ("text", text.to_string())]);
            line_errors.0.push(FieldError::new("targets", "target_line", message));
        }
        lines.push((n + 1, text.to_string(), id.unwrap_or(Uuid::nil())));
    }
    let campaign_id = match form.campaign_id.as_str() {
        "" => None,
        c => Some(Uuid::parse_str(c).unwrap_or(Uuid::nil())),
    };
    let input = PlanInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        region_code: form.region_code.clone(),
        campaign_id,
        full_coverage: form.full_coverage,
        targets: lines.iter().map(|(_, _, id)| *id).collect(),
        starts_on: form.starts_on.clone(),
        ends_on: form.ends_on.clone(),
        departments: form.departments.clone(),
        note: form.note.clone(),
    };
    match inspections::create_plan(&state.app, &auth.actor, input).await {
        Ok(plan) => Ok(Redirect::to(&format!("/inspection-plans/{}", plan.plan.id)).into_response()),
        Err(Error::Validation(ValidationErrors(fields))) => {
            // `targets[i]` is the i-th non-blank line: name it by its line number.
            let mut all = line_errors;
            for f in fields {
                let line = f
                    .field
                    .strip_prefix("targets[")
                    .and_then(|r| r.strip_suffix(']'))
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| lines.get(i));
                match line {
                    Some((_, _, id)) if id.is_nil() => {}
                    Some((n, text, _)) => {
                        let args = [("line", n.to_string()), ("text", text.clone())];
                        let message = tr.t_args("plan-target-outside", &args);
                        all.0.push(FieldError::new("targets", "target_line", message));
                    }
                    None => all.0.push(f),
                }
            }
            let alerts = Alerts::from_error(&tr, &Error::Validation(all));
            Ok(form_page(&state, &auth, form, alerts, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "inspection_plan.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    p: PlanView,
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let p = inspections::get_plan(&state.app, &auth.actor, id).await?;
    Ok(render(StatusCode::OK, &DetailPage { tr: auth.tr, nav: Nav::of(&auth), p }))
}
