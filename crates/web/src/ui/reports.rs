//! The weekly report page of a campaign (R-REP-1): the table of the regions directly under the
//! chosen region with its totals, a week picker, every figure a link to the records it
//! counts, the export buttons, the submit button for the reader's own region, and which
//! regions below have not submitted the week's report.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;
use touchstone_app::Error;
use touchstone_app::reports::{self, RecordsView, ReportRequest, Submissions, SubmitInput, WeeklyReport};
use touchstone_domain::campaign::IsoWeek;
use touchstone_domain::role::Permission;
use touchstone_domain::time::parse_date;

use super::{Alerts, Nav, render};
use crate::AppState;
use crate::api::reports::ReportParams;
use crate::context::urlencode;
use crate::error::{ErrorInfo, WebResult};
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;

/// One cell as shown: its text and the link to its records.
pub struct CellView {
    pub text: String,
    pub href: String,
}

pub struct RowView {
    pub name: String,
    pub code: String,
    pub cells: Vec<CellView>,
    /// For a region below: whether it submitted this week's report (`None` for the totals
    /// and the region's own records).
    pub submitted: Option<bool>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    r: WeeklyReport,
    headers: Vec<String>,
    rows: Vec<RowView>,
    total: RowView,
    weeks: Vec<String>,
    query: String,
    can_submit: bool,
    submissions: Option<Submissions>,
    as_of_text: String,
}

fn query(req: &ReportRequest) -> String {
    let mut q = format!("region_code={}&week={}", urlencode(&req.region_code), urlencode(&req.week));
    for (k, v) in [("to", &req.to), ("as_of", &req.as_of)] {
        if let Some(v) = v {
            q.push_str(&format!("&{k}={}", urlencode(v)));
        }
    }
    q
}

/// The campaign's weeks up to the last full one, newest first.
fn weeks(start: &str, end: &str, today: Date) -> Vec<String> {
    let (Some(start), Some(end)) = (parse_date(start), parse_date(end)) else { return Vec::new() };
    let mut w = IsoWeek::of(start);
    let last = IsoWeek::of(end.min(today));
    let mut out = Vec::new();
    while w <= last && out.len() < 200 {
        out.push(w.to_string());
        w = w.next();
    }
    out.reverse();
    out
}

async fn page(
    state: &AppState,
    auth: &Auth,
    id: uuid::Uuid,
    p: &ReportParams,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    let req = p.request(state, auth, id);
    let r = reports::weekly(&state.app, &auth.actor, &req).await?;
    let tr = auth.tr;
    let english = tr.locale.is_english();
    let q = query(&req);
    let link = |figure: &str, area: &str, direct: bool| {
        format!(
            "/campaigns/{id}/report/records?{q}&figure={figure}&area={area}{}",
            if direct { "&direct=true" } else { "" }
        )
    };
    let lists: Vec<String> = r.figures.iter().map(|f| f.lists.clone()).collect();
    let submissions = match &r.week {
        Some(w) => Some(reports::submissions(&state.app, &auth.actor, id, &r.region_code, w).await?),
        None => None,
    };
    let view = |row: &touchstone_app::reports::ReportRow, area: &str, direct: bool, submitted: Option<bool>| RowView {
        name: if english { row.region_name_en.clone() } else { row.region_name.clone() },
        code: row.region_code.clone(),
        cells: row
            .cells
            .iter()
            .zip(&lists)
            .map(|(c, l)| CellView { text: c.text.clone(), href: link(l, area, direct) })
            .collect(),
        submitted,
    };
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let submitted = match (&submissions, row.direct) {
                (Some(s), false) => {
                    s.below.iter().find(|b| b.region_code == row.region_code).map(|b| b.submitted.is_some())
                }
                _ => None,
            };
            view(row, &row.region_code, row.direct, submitted)
        })
        .collect();
    let total = view(&r.total, &r.region_code, false, None);
    let today = parse_date(&state.app.clock.now().china_date()).unwrap_or(Date::MIN);
    let campaign = touchstone_app::campaigns::readable(&state.app, &auth.actor, id).await?.ok_or(Error::NotFound)?;
    let own_region = auth.actor.organisation.as_ref().is_some_and(|o| o.region_code == r.region_code);
    // A week that is over and overlaps the campaign (the picker may offer later weeks to read).
    let (starts, ends) = (parse_date(&campaign.starts_on), parse_date(&campaign.ends_on));
    let week_over = r.week.as_deref().and_then(|w| IsoWeek::parse(w).ok()).is_some_and(|w| {
        w.sunday() < today && starts.is_none_or(|s| w.sunday() >= s) && ends.is_none_or(|e| w.monday() <= e)
    });
    let can_submit = auth.actor.can(Permission::ManageCampaigns) && own_region && week_over && r.published.is_none();
    let mut headers = vec![tr.t("col-region")];
    headers.extend(r.figures.iter().map(|f| if english { f.label_en.clone() } else { f.label.clone() }));
    let as_of_text = tr.time(r.as_of);
    Ok(render(
        status,
        &ReportPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            weeks: weeks(&campaign.starts_on, &campaign.ends_on, today),
            headers,
            rows,
            total,
            query: q,
            can_submit,
            submissions,
            as_of_text,
            r,
        },
    ))
}

pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id, Q(p): Q<ReportParams>) -> WebResult<Response> {
    page(&state, &auth, id, &p, Alerts::default(), StatusCode::OK).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    week: String,
    #[serde(default)]
    note: String,
}

pub async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<SubmitForm>,
) -> WebResult<Response> {
    let input = SubmitInput { week: f.week.clone(), note: Some(f.note).filter(|n| !n.trim().is_empty()) };
    let region = auth.actor.organisation.as_ref().map(|o| o.region_code.clone()).unwrap_or_default();
    match reports::submit(&state.app, &auth.actor, id, input).await {
        Ok(s) => Ok(Redirect::to(&format!(
            "/campaigns/{id}/report?region_code={}&week={}",
            urlencode(&s.region_code),
            urlencode(&s.week)
        ))
        .into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let p = ReportParams { region_code: Some(region), week: Some(f.week), ..ReportParams::default() };
            let status = ErrorInfo::from_error(&e).status;
            page(&state, &auth, id, &p, Alerts::from_error(&auth.tr, &e), status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "report_records.html")]
struct RecordsPage {
    tr: Tr,
    nav: Nav,
    v: RecordsView,
    label: String,
    back: String,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn records(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    Q(p): Q<ReportParams>,
) -> WebResult<Response> {
    let req = p.request(&state, &auth, id);
    let v = reports::records(&state.app, &auth.actor, &req, &p.records()).await?;
    let tr = auth.tr;
    let label = if tr.locale.is_english() { v.label_en.clone() } else { v.label.clone() };
    let back = format!("/campaigns/{id}/report?{}", query(&req));
    let here = |page: i64| {
        format!(
            "/campaigns/{id}/report/records?{}&figure={}&area={}{}&page={page}",
            query(&req),
            urlencode(&v.figure),
            urlencode(&v.area),
            if v.direct { "&direct=true" } else { "" }
        )
    };
    let prev = (v.page > 1).then(|| here(v.page - 1));
    let next = (v.page * v.per_page < v.total).then(|| here(v.page + 1));
    Ok(render(StatusCode::OK, &RecordsPage { tr, nav: Nav::of(&auth), v, label, back, prev, next }))
}
