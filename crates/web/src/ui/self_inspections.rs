//! Self-inspection pages (R-SELF-1, R-SELF-2), made for an enterprise's user on a phone: the
//! list with its filters and exports, starting one (for a campaign covering the enterprise's
//! region, or none), and the checklist as one card per item — saved as a draft, submitted
//! once, then read-only with the hazards it raised. Officers read them.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use touchstone_app::Error;
use touchstone_app::self_inspections::{self, Answer, FillInput, SelfInspectionView, StartInput};
use touchstone_store::self_inspections::SelfInspectionListRow;

use super::admin::Choice;
use super::inspections::{campaign_choices, choices};
use super::pairs::{Pairs, reindex};
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::export::ExportSpec;
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

const STATUSES: &[&str] = &["draft", "submitted"];

#[derive(Template)]
#[template(path = "self_inspections.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    params: ListParams,
    pager: Pager,
    items: Vec<SelfInspectionListRow>,
    statuses: Vec<Choice>,
    campaigns: Vec<Choice>,
    /// The reader is an enterprise's user: the start form shows.
    can_start: bool,
    export_href: String,
}

async fn list_page(
    state: &AppState,
    auth: &Auth,
    p: ListParams,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    use crate::api::inspections::{SELF_SORTS, self_filter};
    let f = self_filter(&p)?;
    let page = self_inspections::list(&state.app, &auth.actor, &f, &p.window(SELF_SORTS, true)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-number"), Some("number")),
        (tr.t("col-enterprise"), Some("enterprise")),
        (tr.t("col-self-status"), None),
        (tr.t("col-submitted-on"), Some("submitted_on")),
        (tr.t("col-major-risk"), None),
        (tr.t("col-updated-at"), Some("updated_at")),
    ];
    let pager = Pager::new("/self-inspections", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        status,
        &ListPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            statuses: choices(&tr, "sstatus", STATUSES),
            campaigns: campaign_choices(state, auth).await,
            can_start: auth.actor.own_enterprise().is_some(),
            params: p,
            pager,
            items: page.items,
            export_href,
        },
    ))
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    list_page(&state, &auth, p, Alerts::default(), StatusCode::OK).await
}

async fn export_as(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<Response> {
    use crate::api::inspections::{SELF_SORTS, self_filter};
    use touchstone_store::list::Window;
    use touchstone_store::self_inspections::SelfInspectionFilter;
    let tr = auth.tr;
    let columns = ["number", "enterprise", "region", "self-status", "submitted-on", "responsible-person", "major-risk"];
    let spec = ExportSpec::new(auth, "self-inspections", "self_inspection", xlsx, &columns);
    let list = |app: touchstone_app::App, actor: touchstone_app::Actor, f: SelfInspectionFilter, w: Window| async move {
        self_inspections::list(&app, &actor, &f, &w).await
    };
    let row = move |r: SelfInspectionListRow| {
        let s = r.self_inspection;
        vec![
            s.number,
            r.enterprise_name,
            tr.region(&s.region_code),
            tr.label("sstatus", &s.status),
            s.submitted_on.unwrap_or_default(),
            s.responsible_person.unwrap_or_default(),
            s.major_risk.unwrap_or_default(),
        ]
    };
    let f = self_filter(p)?;
    crate::export::export(state, auth, p, spec, p.window(SELF_SORTS, true)?, f, list, row).await
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    export_as(&state, &auth, &p, false).await
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    export_as(&state, &auth, &p, true).await
}

/// Starts the enterprise's self-inspection (or opens the draft it has for the campaign).
pub async fn start(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = Pairs(form);
    let campaign_id = match form.opt("campaign_id").map(|c| uuid::Uuid::parse_str(&c)) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            let e = Error::field("campaign_id", "invalid_id", "choose a campaign from the list");
            let alerts = Alerts::from_error(&auth.tr, &e);
            return list_page(&state, &auth, ListParams::default(), alerts, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match self_inspections::start(&state.app, &auth.actor, StartInput { campaign_id }).await {
        Ok(v) => Ok(Redirect::to(&format!("/self-inspections/{}", v.self_inspection.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            let alerts = Alerts::from_error(&auth.tr, &e);
            list_page(&state, &auth, ListParams::default(), alerts, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One checklist item as the form shows it, with what was answered or typed.
#[derive(Debug, Clone)]
pub struct LineForm {
    pub index: usize,
    pub code: &'static str,
    pub question: &'static str,
    pub legal_basis: &'static str,
    pub severity: &'static str,
    pub result: String,
    pub note: String,
    pub plan: String,
    pub deadline: String,
    /// Submitting was refused with this item unanswered.
    pub unanswered: bool,
}

impl LineForm {
    /// The form's (and the API's) name of one of this item's fields.
    pub fn field(&self, name: &str) -> String {
        format!("answers[{}].{name}", self.index)
    }
}

#[derive(Template)]
#[template(path = "self_inspection.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    v: SelfInspectionView,
    lines: Vec<LineForm>,
    major_risk: String,
    responsible_person: String,
    results: Vec<Choice>,
}

/// The lines as stored.
fn stored_lines(tr: &Tr, v: &SelfInspectionView) -> Vec<LineForm> {
    v.lines
        .iter()
        .enumerate()
        .map(|(index, l)| {
            let a = l.answer.clone().unwrap_or_default();
            LineForm {
                index,
                code: l.code,
                question: if tr.locale.is_english() { l.question_en } else { l.question },
                legal_basis: l.legal_basis,
                severity: l.severity,
                result: a.result,
                note: a.note.unwrap_or_default(),
                plan: a.plan.unwrap_or_default(),
                deadline: a.deadline.unwrap_or_default(),
                unanswered: false,
            }
        })
        .collect()
}

fn detail(
    auth: &Auth,
    v: SelfInspectionView,
    lines: Vec<LineForm>,
    typed: Option<(String, String)>,
    alerts: Alerts,
    status: StatusCode,
) -> Response {
    let tr = auth.tr;
    let (major_risk, responsible_person) = typed.unwrap_or_else(|| {
        (
            v.self_inspection.major_risk.clone().unwrap_or_default(),
            v.self_inspection.responsible_person.clone().unwrap_or_default(),
        )
    });
    render(
        status,
        &DetailPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            lines,
            major_risk,
            responsible_person,
            results: choices(&tr, "iresult", touchstone_app::self_inspections::RESULTS),
            v,
        },
    )
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let v = self_inspections::get(&state.app, &auth.actor, id).await?;
    let lines = stored_lines(&auth.tr, &v);
    Ok(detail(&auth, v, lines, None, Alerts::default(), StatusCode::OK))
}

/// Saves the draft (`action=save`) or submits it (`action=submit`); a refusal re-renders the
/// form as typed with each error beside its item.
pub async fn fill(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = Pairs(form);
    let v = self_inspections::get(&state.app, &auth.actor, id).await?;
    let mut lines = stored_lines(&auth.tr, &v);
    let mut answers = Vec::new();
    let mut rows = Vec::new();
    for l in lines.iter_mut() {
        l.result = form.at("answers", l.index, "result");
        l.note = form.at("answers", l.index, "note");
        l.plan = form.at("answers", l.index, "plan");
        l.deadline = form.at("answers", l.index, "deadline");
        if l.result.is_empty() {
            continue;
        }
        let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        answers.push(Answer {
            item: l.code.to_string(),
            result: l.result.clone(),
            note: opt(&l.note),
            plan: opt(&l.plan),
            deadline: opt(&l.deadline),
        });
        rows.push(l.index);
    }
    let major_risk = form.raw("major_risk");
    let responsible_person = form.get("responsible_person");
    let input = FillInput {
        answers,
        major_risk: Some(major_risk.clone()),
        responsible_person: Some(responsible_person.clone()),
        submit: form.get("action") == "submit",
        version: form.get("version").parse().unwrap_or(0),
    };
    match self_inspections::fill(&state.app, &auth.actor, id, input).await {
        Ok(v) => Ok(Redirect::to(&format!("/self-inspections/{}", v.self_inspection.id)).into_response()),
        Err(e @ Error::Validation(_)) => {
            let e = reindex(e, "answers", &rows);
            let alerts = Alerts::from_error(&auth.tr, &e);
            if alerts.fields.iter().any(|(f, _)| f == "answers") {
                for l in lines.iter_mut().filter(|l| l.result.is_empty()) {
                    l.unanswered = true;
                }
            }
            let typed = Some((major_risk, responsible_person));
            Ok(detail(&auth, v, lines, typed, alerts, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e @ (Error::Conflict { .. } | Error::Forbidden(_))) => {
            let status = ErrorInfo::from_error(&e).status;
            let alerts = Alerts::from_error(&auth.tr, &e);
            let v = self_inspections::get(&state.app, &auth.actor, id).await?;
            let lines = stored_lines(&auth.tr, &v);
            Ok(detail(&auth, v, lines, None, alerts, status))
        }
        Err(e) => Err(e.into()),
    }
}
