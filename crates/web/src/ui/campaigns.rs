//! Special campaign pages: the list with the form launching a shipped template, the form
//! launching a campaign by hand (or a template adapted first), and a campaign's detail with
//! its stages, regional progress (lagging regions marked) and the supervision actions, with
//! the form recording one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::campaigns::{
    self, ACTION_KINDS, ActionInput, CampaignInput, CampaignView, FromTemplate, MILESTONE_KINDS, MilestoneInput,
};
use touchstone_domain::role::Permission;
use touchstone_store::campaigns::CampaignRow;

use super::admin::Choice;
use super::inspection_plans::region_choices;
use super::inspections::choices;
use super::pairs::{Pairs, reindex};
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::api::catalogue::{CategoryItem, tree};
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

/// One stage or report row of the campaign form, as typed. A row counts when it is ticked
/// or has a date; the others are the form's spare rows.
#[derive(Debug, Clone, Default)]
pub struct MilestoneForm {
    pub kind: String,
    pub name: String,
    pub starts_on: String,
    pub due_on: String,
    pub include: bool,
    /// The row's errors, joined.
    pub error: String,
}

impl MilestoneForm {
    fn counts(&self) -> bool {
        self.include || !self.starts_on.is_empty() || !self.due_on.is_empty()
    }
}

/// The campaign form as typed.
#[derive(Debug, Clone, Default)]
pub struct CampaignForm {
    pub template: String,
    pub name: String,
    pub issuing_authority: String,
    pub region_code: String,
    pub starts_on: String,
    pub ends_on: String,
    pub key_products: Vec<String>,
    pub key_objects: String,
    pub key_problems: String,
    pub targets: String,
    pub milestones: Vec<MilestoneForm>,
}

/// Spare stage rows under a template's own.
const SPARE_ROWS: usize = 2;

impl CampaignForm {
    /// A blank form: a row for each kind of stage and report, named, without dates.
    fn blank(region_code: String) -> CampaignForm {
        let milestones = MILESTONE_KINDS
            .iter()
            .map(|k| MilestoneForm {
                kind: k.to_string(),
                name: campaigns::milestone_name(k).into(),
                ..Default::default()
            })
            .collect();
        CampaignForm { region_code, milestones, ..Default::default() }
    }

    /// A template's campaign to adapt: its stages ticked, and spare rows below them.
    fn of(input: CampaignInput) -> CampaignForm {
        let mut milestones: Vec<MilestoneForm> = input
            .milestones
            .into_iter()
            .map(|m| MilestoneForm {
                kind: m.kind,
                name: m.name,
                starts_on: m.starts_on.unwrap_or_default(),
                due_on: m.due_on.unwrap_or_default(),
                include: true,
                error: String::new(),
            })
            .collect();
        milestones.extend((0..SPARE_ROWS).map(|_| MilestoneForm::default()));
        CampaignForm {
            template: input.template.unwrap_or_default(),
            name: input.name,
            issuing_authority: input.issuing_authority.unwrap_or_default(),
            region_code: input.region_code,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            key_products: input.key_products,
            key_objects: input.key_objects,
            key_problems: input.key_problems,
            targets: input.targets,
            milestones,
        }
    }

    /// The form has `code` ticked as a key product.
    pub fn has_key_product(&self, code: &str) -> bool {
        self.key_products.iter().any(|c| c == code)
    }

    fn read(p: &Pairs) -> CampaignForm {
        let milestones = p
            .indices("milestones")
            .into_iter()
            .map(|i| MilestoneForm {
                kind: p.at("milestones", i, "kind"),
                name: p.at("milestones", i, "name"),
                starts_on: p.at("milestones", i, "starts_on"),
                due_on: p.at("milestones", i, "due_on"),
                include: !p.at("milestones", i, "include").is_empty(),
                error: String::new(),
            })
            .collect();
        CampaignForm {
            template: p.get("template"),
            name: p.get("name"),
            issuing_authority: p.get("issuing_authority"),
            region_code: p.get("region_code"),
            starts_on: p.get("starts_on"),
            ends_on: p.get("ends_on"),
            key_products: p.all("key_products"),
            key_objects: p.raw("key_objects"),
            key_problems: p.raw("key_problems"),
            targets: p.raw("targets"),
            milestones,
        }
    }

    /// What the use case is given, and the form row each stage it sees came from.
    fn input(&self) -> (CampaignInput, Vec<usize>) {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let rows: Vec<usize> = (0..self.milestones.len()).filter(|i| self.milestones[*i].counts()).collect();
        let milestones = rows
            .iter()
            .map(|i| {
                let m = &self.milestones[*i];
                MilestoneInput {
                    kind: m.kind.clone(),
                    name: m.name.clone(),
                    starts_on: opt(&m.starts_on),
                    due_on: opt(&m.due_on),
                }
            })
            .collect();
        let input = CampaignInput {
            name: self.name.clone(),
            template: opt(&self.template),
            issuing_authority: opt(&self.issuing_authority),
            region_code: self.region_code.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            key_products: self.key_products.clone(),
            key_objects: self.key_objects.clone(),
            key_problems: self.key_problems.clone(),
            targets: self.targets.clone(),
            milestones,
        };
        (input, rows)
    }

    /// Puts each stage row's errors on the row.
    fn mark_rows(&mut self, alerts: &Alerts) {
        for (i, m) in self.milestones.iter_mut().enumerate() {
            let prefix = format!("milestones[{i}]");
            m.error = alerts
                .fields
                .iter()
                .filter(|(f, _)| f.starts_with(&prefix))
                .map(|(_, message)| message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
        }
    }
}

#[derive(Template)]
#[template(path = "campaign_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: CampaignForm,
    regions: Vec<Choice>,
    categories: Vec<CategoryItem>,
    kinds: Vec<Choice>,
}

fn form_page(auth: &Auth, mut form: CampaignForm, alerts: Alerts, status: StatusCode) -> Response {
    let tr = auth.tr;
    form.mark_rows(&alerts);
    render(
        status,
        &FormPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            form,
            regions: region_choices(auth),
            categories: tree(tr.locale.is_english()),
            kinds: choices(&tr, "milestone", MILESTONE_KINDS),
        },
    )
}

/// The campaign form: blank, or a shipped template run in a year to adapt before launching.
pub async fn new(State(state): State<AppState>, auth: Auth, Q(q): Q<TemplateForm>) -> WebResult<Response> {
    auth.actor.require(Permission::ManageCampaigns, "launching campaigns")?;
    let own_region = auth.actor.jurisdiction.first().cloned().unwrap_or_default();
    if q.template.trim().is_empty() {
        return Ok(form_page(&auth, CampaignForm::blank(own_region), Alerts::default(), StatusCode::OK));
    }
    let Ok(year) = q.year.trim().parse::<i32>() else {
        let e = Error::field("year", "invalid", "a year such as 2026");
        let status = ErrorInfo::from_error(&e).status;
        return list_page(&state, &auth, ListParams::default(), q, Alerts::from_error(&auth.tr, &e), status).await;
    };
    let input = FromTemplate { template: q.template.clone(), year, region_code: None };
    match campaigns::template_input(input) {
        Ok(mut input) => {
            // The template's own region when it is the reader's; otherwise the reader's.
            if !auth.actor.regions.contains(&input.region_code) {
                input.region_code = own_region;
            }
            Ok(form_page(&auth, CampaignForm::of(input), Alerts::default(), StatusCode::OK))
        }
        Err(e @ Error::Validation(_)) => {
            let status = ErrorInfo::from_error(&e).status;
            list_page(&state, &auth, ListParams::default(), q, Alerts::from_error(&auth.tr, &e), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Launches the campaign as typed; a bad form is shown again with each error by its field or
/// stage row, and nothing is created.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    auth.actor.require(Permission::ManageCampaigns, "launching campaigns")?;
    let form = CampaignForm::read(&Pairs(form));
    let (input, rows) = form.input();
    match campaigns::create(&state.app, &auth.actor, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/campaigns/{}", c.campaign.id)).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let e = reindex(e, "milestones", &rows);
            let status = ErrorInfo::from_error(&e).status;
            Ok(form_page(&auth, form, Alerts::from_error(&auth.tr, &e), status))
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
    let kinds = choices(&tr, "caction", ACTION_KINDS);
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
