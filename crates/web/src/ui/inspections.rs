//! On-site inspection record pages (R-INSP-3), made for inspectors on a phone in the field:
//! the list with filters and exports, the record's form (a draft saved as often as wanted,
//! completed by at least two officers) with the checklist that applies to the enterprise,
//! repeatable findings and photos from the camera, and the completed record read-only with
//! the hazards it raised. The form works as a plain POST; `static/offline.js` keeps it on the
//! phone and sends it through the JSON API when the connection allows.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::inspections::{
    self, CheckResult, Finding, InspectionInput, InspectionView, KINDS, NOTICES, Officer,
};
use touchstone_domain::checklist;
use touchstone_domain::role::Permission;
use touchstone_store::campaigns::CampaignFilter;
use touchstone_store::inspections::InspectionListRow;
use touchstone_store::list::Window;
use uuid::Uuid;

use super::admin::Choice;
use super::pairs::{self, Pairs, Upload, reindex};
use super::{Alerts, Nav, Pager, render};
use crate::AppState;
use crate::error::{ErrorInfo, WebResult};
use crate::export::ExportSpec;
use crate::extract::{Auth, Id, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

const STATUSES: &[&str] = &["draft", "completed"];

/// Choices of codes labelled `<prefix>-<code>`.
pub(super) fn choices(tr: &Tr, prefix: &str, codes: &[&str]) -> Vec<Choice> {
    codes.iter().map(|c| Choice { value: c.to_string(), label: tr.label(prefix, c) }).collect()
}

/// The campaigns a list may be filtered by, or a record belong to: those the reader reads
/// (an enterprise's user: those covering the enterprise). Empty when none can be read.
pub(super) async fn campaign_choices(state: &AppState, auth: &Auth) -> Vec<Choice> {
    let rows = if auth.actor.own_enterprise().is_some() {
        touchstone_app::self_inspections::campaigns_open_to(&state.app, &auth.actor).await.unwrap_or_default()
    } else if auth.actor.can(Permission::ReadEnterprises) {
        let window = Window { sort: "c.starts_on", descending: true, page: 1, per_page: Window::MAX_PER_PAGE };
        touchstone_app::campaigns::list(&state.app, &auth.actor, &CampaignFilter::default(), &window)
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    rows.into_iter().map(|c| Choice { value: c.id.to_string(), label: format!("{} {}", c.number, c.name) }).collect()
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    params: ListParams,
    pager: Pager,
    items: Vec<InspectionListRow>,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    campaigns: Vec<Choice>,
    export_href: String,
}

async fn list_page(
    state: &AppState,
    auth: &Auth,
    p: ListParams,
    alerts: Alerts,
    status: StatusCode,
) -> WebResult<Response> {
    use crate::api::inspections::{SORTS, filter};
    let f = filter(&p)?;
    let page = inspections::list(&state.app, &auth.actor, &f, &p.window(SORTS, true)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-number"), Some("number")),
        (tr.t("col-enterprise"), Some("enterprise")),
        (tr.t("col-insp-kind"), Some("kind")),
        (tr.t("col-insp-status"), Some("status")),
        (tr.t("col-inspected-on"), Some("inspected_on")),
        (tr.t("col-place"), None),
    ];
    let pager = Pager::new("/inspections", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        status,
        &ListPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            statuses: choices(&tr, "istatus", STATUSES),
            kinds: choices(&tr, "ikind", KINDS),
            campaigns: campaign_choices(state, auth).await,
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
    use crate::api::inspections::{SORTS, filter};
    use touchstone_store::inspections::InspectionFilter;
    let tr = auth.tr;
    let columns = [
        "number",
        "enterprise",
        "region",
        "insp-kind",
        "insp-status",
        "inspected-on",
        "place",
        "officers",
        "findings",
        "completed-on",
        "archived",
    ];
    let spec = ExportSpec::new(auth, "inspections", "inspection", xlsx, &columns);
    let list = |app: touchstone_app::App, actor: touchstone_app::Actor, f: InspectionFilter, w: Window| async move {
        inspections::list(&app, &actor, &f, &w).await
    };
    let row = move |r: InspectionListRow| {
        let i = r.inspection;
        let officers: Vec<Officer> = serde_json::from_str(&i.officers).unwrap_or_default();
        let findings: Vec<Finding> = serde_json::from_str(&i.findings).unwrap_or_default();
        vec![
            i.number,
            r.enterprise_name,
            tr.region(&i.region_code),
            tr.label("ikind", &i.kind),
            tr.label("istatus", &i.status),
            i.inspected_on,
            i.place,
            officers.into_iter().map(|o| o.name).collect::<Vec<_>>().join("、"),
            findings.len().to_string(),
            i.completed_on.unwrap_or_default(),
            if i.archived { tr.t("yes") } else { String::new() },
        ]
    };
    let f = filter(p)?;
    crate::export::export(state, auth, p, spec, p.window(SORTS, true)?, f, list, row).await
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    export_as(&state, &auth, &p, false).await
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    export_as(&state, &auth, &p, true).await
}

/// One checklist item on the form.
#[derive(Debug, Clone, Default)]
pub struct CheckLine {
    pub index: usize,
    pub code: String,
    pub question: String,
    pub legal_basis: String,
    pub severity: String,
    pub result: String,
    pub note: String,
}

impl CheckLine {
    fn of(tr: &Tr, index: usize, code: &str, result: String, note: String) -> CheckLine {
        let item = checklist::item(code);
        CheckLine {
            index,
            code: code.to_string(),
            question: item
                .map(|i| if tr.locale.is_english() { i.question_en } else { i.question })
                .unwrap_or("")
                .into(),
            legal_basis: item.map(|i| i.legal_basis).unwrap_or("").into(),
            severity: item.map(|i| i.severity.code()).unwrap_or("general").into(),
            result,
            note,
        }
    }
    /// The form's (and the API's) name of one of this item's fields.
    pub fn field(&self, name: &str) -> String {
        format!("checklist[{}].{name}", self.index)
    }
}

/// One finding row on the form (`index` is `__i__` in the row the script copies).
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub index: String,
    pub description: String,
    pub level: String,
    pub category_code: String,
    pub legal_basis: String,
    pub deadline: String,
    pub corrected: bool,
    pub correction_note: String,
}

impl FindingRow {
    fn blank(index: String) -> FindingRow {
        FindingRow {
            index,
            description: String::new(),
            level: "general".into(),
            category_code: String::new(),
            legal_basis: String::new(),
            deadline: String::new(),
            corrected: false,
            correction_note: String::new(),
        }
    }
    fn is_blank(&self) -> bool {
        !self.corrected
            && [&self.description, &self.category_code, &self.legal_basis, &self.deadline, &self.correction_note]
                .iter()
                .all(|s| s.trim().is_empty())
    }
    pub fn field(&self, name: &str) -> String {
        format!("findings[{}].{name}", self.index)
    }
}

/// A photo or document attached to the record.
#[derive(Debug, Clone)]
pub struct Photo {
    pub id: String,
    pub name: String,
}

/// Everything the record's form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct RecordForm {
    pub enterprise_id: String,
    pub plan_id: String,
    pub campaign_id: String,
    pub kind: String,
    pub notice: String,
    pub notice_note: String,
    pub officers: Vec<String>,
    pub experts: String,
    pub staff_present: String,
    pub place: String,
    pub started_at: String,
    pub ended_at: String,
    pub inspected_on: String,
    pub lines: Vec<CheckLine>,
    pub findings: Vec<FindingRow>,
    pub measures: String,
    pub feedback: String,
    pub photos: Vec<Photo>,
    pub client_key: String,
    pub version: String,
}

impl RecordForm {
    fn from_pairs(tr: &Tr, p: &Pairs) -> RecordForm {
        let lines = p
            .indices("checklist")
            .into_iter()
            .map(|i| {
                CheckLine::of(
                    tr,
                    i,
                    &p.at("checklist", i, "item"),
                    p.at("checklist", i, "result"),
                    p.at("checklist", i, "note"),
                )
            })
            .collect();
        let findings = p
            .indices("findings")
            .into_iter()
            .map(|i| FindingRow {
                index: i.to_string(),
                description: p.at("findings", i, "description"),
                level: p.at("findings", i, "level"),
                category_code: p.at("findings", i, "category_code"),
                legal_basis: p.at("findings", i, "legal_basis"),
                deadline: p.at("findings", i, "deadline"),
                corrected: !p.at("findings", i, "corrected_on_spot").is_empty(),
                correction_note: p.at("findings", i, "correction_note"),
            })
            .collect();
        let names = p.all("attachment_names");
        let photos = p
            .all("attachment_ids")
            .into_iter()
            .enumerate()
            .map(|(i, id)| Photo { name: names.get(i).cloned().unwrap_or_else(|| id.clone()), id })
            .collect();
        RecordForm {
            enterprise_id: p.get("enterprise_id"),
            plan_id: p.get("plan_id"),
            campaign_id: p.get("campaign_id"),
            kind: p.get("kind"),
            notice: p.get("notice"),
            notice_note: p.get("notice_note"),
            officers: p.all("officers"),
            experts: p.raw("experts"),
            staff_present: p.get("staff_present"),
            place: p.get("place"),
            started_at: p.get("started_at"),
            ended_at: p.get("ended_at"),
            inspected_on: p.get("inspected_on"),
            lines,
            findings,
            measures: p.raw("measures"),
            feedback: p.raw("feedback"),
            photos,
            client_key: p.get("client_key"),
            version: p.get("version"),
        }
    }

    /// The record as the use case takes it; the form rows each checklist answer and each
    /// finding came from (their errors are renamed back to them).
    fn input(&self, enterprise_id: Uuid, complete: bool) -> (InspectionInput, Vec<usize>, Vec<usize>) {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let id = |s: &str| Uuid::parse_str(s.trim()).ok();
        let mut check_rows = Vec::new();
        let mut checklist = Vec::new();
        for l in self.lines.iter().filter(|l| !l.result.is_empty()) {
            checklist.push(CheckResult { item: l.code.clone(), result: l.result.clone(), note: opt(&l.note) });
            check_rows.push(l.index);
        }
        let mut finding_rows = Vec::new();
        let mut findings = Vec::new();
        for f in self.findings.iter().filter(|f| !f.is_blank()) {
            findings.push(Finding {
                description: f.description.clone(),
                level: f.level.clone(),
                category_code: opt(&f.category_code),
                legal_basis: opt(&f.legal_basis),
                deadline: opt(&f.deadline),
                corrected_on_spot: f.corrected,
                correction_note: opt(&f.correction_note),
            });
            finding_rows.push(f.index.parse().unwrap_or(0));
        }
        let input = InspectionInput {
            plan_id: id(&self.plan_id),
            campaign_id: id(&self.campaign_id),
            enterprise_id,
            kind: opt(&self.kind),
            notice: self.notice.clone(),
            notice_note: opt(&self.notice_note),
            officers: self.officers.iter().filter_map(|o| id(o)).collect(),
            experts: self.experts.lines().map(str::trim).filter(|e| !e.is_empty()).map(String::from).collect(),
            staff_present: self.staff_present.clone(),
            place: self.place.clone(),
            started_at: opt(&self.started_at),
            ended_at: opt(&self.ended_at),
            inspected_on: opt(&self.inspected_on),
            checklist,
            findings,
            measures: self.measures.clone(),
            feedback: self.feedback.clone(),
            attachment_ids: self.photos.iter().filter_map(|p| id(&p.id)).collect(),
            client_key: opt(&self.client_key),
            complete,
            version: self.version.trim().parse().ok(),
        };
        (input, check_rows, finding_rows)
    }

    /// Whether the officer `id` is ticked.
    pub fn has_officer(&self, id: &str) -> bool {
        self.officers.iter().any(|o| o == id)
    }

    /// At least one blank finding row to type into.
    fn with_blank_finding(mut self) -> RecordForm {
        if self.findings.iter().all(|f| !f.is_blank()) {
            let next = self.findings.iter().filter_map(|f| f.index.parse::<usize>().ok()).max().map_or(0, |m| m + 1);
            self.findings.push(FindingRow::blank(next.to_string()));
        }
        self
    }
}

/// The form of a stored draft.
async fn stored_form(state: &AppState, auth: &Auth, v: &InspectionView) -> RecordForm {
    let i = &v.inspection;
    let tr = &auth.tr;
    let mut codes: Vec<String> =
        touchstone_app::self_inspections::checklist_for_enterprise(&state.app, &auth.actor, i.enterprise_id)
            .await
            .map(|items| items.into_iter().map(|it| it.code.to_string()).collect())
            .unwrap_or_default();
    for r in &v.checklist_results {
        if !codes.contains(&r.item) {
            codes.push(r.item.clone());
        }
    }
    let lines = codes
        .iter()
        .enumerate()
        .map(|(index, code)| {
            let answer = v.checklist_results.iter().find(|r| &r.item == code);
            CheckLine::of(
                tr,
                index,
                code,
                answer.map(|a| a.result.clone()).unwrap_or_default(),
                answer.and_then(|a| a.note.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let findings = v
        .finding_list
        .iter()
        .enumerate()
        .map(|(index, f)| FindingRow {
            index: index.to_string(),
            description: f.description.clone(),
            level: f.level.clone(),
            category_code: f.category_code.clone().unwrap_or_default(),
            legal_basis: f.legal_basis.clone().unwrap_or_default(),
            deadline: f.deadline.clone().unwrap_or_default(),
            corrected: f.corrected_on_spot,
            correction_note: f.correction_note.clone().unwrap_or_default(),
        })
        .collect();
    RecordForm {
        enterprise_id: i.enterprise_id.to_string(),
        plan_id: i.plan_id.map(|p| p.to_string()).unwrap_or_default(),
        campaign_id: i.campaign_id.map(|c| c.to_string()).unwrap_or_default(),
        kind: i.kind.clone(),
        notice: i.notice.clone(),
        notice_note: i.notice_note.clone().unwrap_or_default(),
        officers: v.officer_list.iter().map(|o| o.user_id.to_string()).collect(),
        experts: v.expert_list.join("\n"),
        staff_present: i.staff_present.clone(),
        place: i.place.clone(),
        started_at: i.started_at.clone().unwrap_or_default(),
        ended_at: i.ended_at.clone().unwrap_or_default(),
        inspected_on: i.inspected_on.clone(),
        lines,
        findings,
        measures: i.measures.clone(),
        feedback: i.feedback.clone(),
        photos: photos(state, auth, i.enterprise_id, &i.attachment_ids).await,
        client_key: i.client_key.clone().unwrap_or_default(),
        version: i.version.to_string(),
    }
}

/// The attachments named by `ids` (space-separated) with their file names.
async fn photos(state: &AppState, auth: &Auth, enterprise_id: Uuid, ids: &str) -> Vec<Photo> {
    let on_file = touchstone_app::attachments::list(&state.app, &auth.actor, enterprise_id).await.unwrap_or_default();
    ids.split_whitespace()
        .map(|id| Photo {
            id: id.to_string(),
            name: on_file
                .iter()
                .find(|a| a.id.to_string() == id)
                .map(|a| a.file_name.clone())
                .unwrap_or_else(|| id.into()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "inspection_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    /// The stored record being edited (none for a new one) and its number.
    record_id: Option<Uuid>,
    number: String,
    enterprise_name: String,
    plan_name: String,
    /// The plan's campaign, fixed; otherwise the campaigns to choose from.
    campaign_name: String,
    campaigns: Vec<Choice>,
    form: RecordForm,
    me: String,
    colleagues: Vec<Choice>,
    kinds: Vec<Choice>,
    notices: Vec<Choice>,
    results: Vec<Choice>,
    levels: Vec<Choice>,
    /// The row the script copies for another finding (index `__i__`).
    blank_finding: Vec<FindingRow>,
    draft_key: String,
    page: String,
}

struct Context {
    record_id: Option<Uuid>,
    number: String,
    enterprise_name: String,
    plan_name: String,
    campaign_name: String,
    /// Officers already on the record (kept as choices even if not of the reader's bureau).
    named: Vec<Officer>,
}

async fn form_page(
    state: &AppState,
    auth: &Auth,
    cx: Context,
    form: RecordForm,
    alerts: Alerts,
    status: StatusCode,
) -> Response {
    let tr = auth.tr;
    let mut colleagues: Vec<Choice> = inspections::colleagues(&state.app, &auth.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|o| Choice { value: o.user_id.to_string(), label: o.name })
        .collect();
    for o in cx.named.iter().filter(|o| Some(o.user_id) != auth.actor.user_id) {
        if !colleagues.iter().any(|c| c.value == o.user_id.to_string()) {
            colleagues.push(Choice { value: o.user_id.to_string(), label: o.name.clone() });
        }
    }
    let campaigns = if cx.record_id.is_none() && form.plan_id.is_empty() {
        campaign_choices(state, auth).await
    } else {
        Vec::new()
    };
    // The phone keeps the draft under this key; its page is where to come back to it.
    let (draft_key, page) = match cx.record_id {
        Some(id) => (id.to_string(), format!("/inspections/{id}")),
        None => (
            format!("new-{}-{}", form.enterprise_id, form.plan_id),
            format!("/inspections/new?enterprise_id={}&plan_id={}", form.enterprise_id, form.plan_id),
        ),
    };
    let levels = choices(&tr, "hlevel", &touchstone_domain::hazard::Level::codes());
    render(
        status,
        &FormPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            record_id: cx.record_id,
            number: cx.number,
            enterprise_name: cx.enterprise_name,
            plan_name: cx.plan_name,
            campaign_name: cx.campaign_name,
            campaigns,
            me: auth.actor.display_name.clone(),
            colleagues,
            kinds: choices(&tr, "ikind", KINDS),
            notices: choices(&tr, "inotice", NOTICES),
            results: choices(&tr, "iresult", inspections::RESULTS),
            levels,
            blank_finding: vec![FindingRow::blank("__i__".into())],
            draft_key,
            page,
            form: form.with_blank_finding(),
        },
    )
}

#[derive(Deserialize)]
pub struct NewQuery {
    enterprise_id: Option<String>,
    plan_id: Option<String>,
}

/// The context of a new record at `enterprise` under `plan`: their names, the campaign.
async fn new_context(
    state: &AppState,
    auth: &Auth,
    enterprise: Uuid,
    plan: Option<Uuid>,
) -> WebResult<(Context, RecordForm)> {
    let e = touchstone_app::enterprises::get(&state.app, &auth.actor, enterprise).await?;
    let mut form = RecordForm {
        enterprise_id: enterprise.to_string(),
        notice: "none".into(),
        kind: "routine".into(),
        ..Default::default()
    };
    let mut cx = Context {
        record_id: None,
        number: String::new(),
        enterprise_name: e.enterprise.name,
        plan_name: String::new(),
        campaign_name: String::new(),
        named: Vec::new(),
    };
    if let Some(plan) = plan {
        let p = inspections::get_plan(&state.app, &auth.actor, plan).await?;
        form.plan_id = plan.to_string();
        form.kind = p.plan.kind.clone();
        form.campaign_id = p.plan.campaign_id.map(|c| c.to_string()).unwrap_or_default();
        cx.plan_name = format!("{} {}", p.plan.number, p.plan.name);
        cx.campaign_name = p.campaign_name.unwrap_or_default();
    }
    Ok((cx, form))
}

pub async fn new(State(state): State<AppState>, auth: Auth, Q(q): Q<NewQuery>) -> WebResult<Response> {
    auth.actor.require(Permission::RecordHazards, "recording inspections")?;
    let named = q.enterprise_id.as_deref().unwrap_or("").trim().to_string();
    // An id (from the enterprise's file or a plan) is found or not found; a credit code as
    // typed is looked up, and the list says when it names no enterprise.
    let found = match Uuid::parse_str(&named) {
        Ok(id) => Some(id),
        Err(_) => inspections::resolve_enterprise(&state.app, &auth.actor, &named).await?,
    };
    let enterprise = match found {
        Some(id) => id,
        None => {
            let e = Error::field(
                "enterprise_id",
                "not_found",
                "no such enterprise in your jurisdiction: type its credit code",
            );
            let alerts = Alerts::from_error(&auth.tr, &e);
            return list_page(&state, &auth, ListParams::default(), alerts, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let plan = match q.plan_id.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(Uuid::parse_str(p).map_err(|_| Error::NotFound)?),
    };
    let (cx, mut form) = new_context(&state, &auth, enterprise, plan).await?;
    let items = touchstone_app::self_inspections::checklist_for_enterprise(&state.app, &auth.actor, enterprise).await?;
    form.lines = items
        .iter()
        .enumerate()
        .map(|(i, it)| CheckLine::of(&auth.tr, i, it.code, String::new(), String::new()))
        .collect();
    form.inspected_on = touchstone_app::hazards::today_text(&state.app);
    form.client_key = Uuid::new_v4().to_string();
    Ok(form_page(&state, &auth, cx, form, Alerts::default(), StatusCode::OK).await)
}

/// Creates the record from the form (a draft, or completed at once).
pub async fn create(State(state): State<AppState>, auth: Auth, req: Request) -> WebResult<Response> {
    auth.actor.require(Permission::RecordHazards, "recording inspections")?;
    let (p, uploads) = pairs::read(&state, req, "photo", touchstone_app::attachments::MAX_BYTES).await?;
    let form = RecordForm::from_pairs(&auth.tr, &p);
    let found = match Uuid::parse_str(form.enterprise_id.trim()) {
        Ok(enterprise) => {
            let plan = Uuid::parse_str(form.plan_id.trim()).ok();
            new_context(&state, &auth, enterprise, plan).await.map(|(cx, _)| (enterprise, cx))
        }
        Err(_) => Err(Error::field(
            "enterprise_id",
            "not_found",
            "open the enterprise's file and record the inspection from there",
        )
        .into()),
    };
    let (enterprise, cx) = match found {
        Ok(found) => found,
        Err(e) => {
            pairs::discard(uploads);
            return Err(e);
        }
    };
    submit(&state, &auth, cx, enterprise, form, uploads, p.get("action") == "complete").await
}

/// Saves the draft from the form, or completes it.
pub async fn save(State(state): State<AppState>, auth: Auth, Id(id): Id, req: Request) -> WebResult<Response> {
    let v = inspections::get(&state.app, &auth.actor, id).await?;
    let (p, uploads) = pairs::read(&state, req, "photo", touchstone_app::attachments::MAX_BYTES).await?;
    let mut form = RecordForm::from_pairs(&auth.tr, &p);
    form.enterprise_id = v.inspection.enterprise_id.to_string();
    let cx = record_context(&v);
    submit(&state, &auth, cx, v.inspection.enterprise_id, form, uploads, p.get("action") == "complete").await
}

fn record_context(v: &InspectionView) -> Context {
    Context {
        record_id: Some(v.inspection.id),
        number: v.inspection.number.clone(),
        enterprise_name: v.enterprise_name.clone(),
        plan_name: v.plan_name.clone().unwrap_or_default(),
        campaign_name: v.campaign_name.clone().unwrap_or_default(),
        named: v.officer_list.clone(),
    }
}

/// Attaches the photos sent with the form to the enterprise's file, then writes the record;
/// a refusal re-renders the form as typed (the photos attached) with each error in place.
async fn submit(
    state: &AppState,
    auth: &Auth,
    cx: Context,
    enterprise: Uuid,
    mut form: RecordForm,
    uploads: Vec<Upload>,
    complete: bool,
) -> WebResult<Response> {
    let mut photo_errors = Vec::new();
    let mut uploads = uploads.into_iter();
    while let Some(u) = uploads.next() {
        match touchstone_app::attachments::add(&state.app, &auth.actor, enterprise, &u.path, &u.file_name, None).await {
            Ok(a) => form.photos.push(Photo { id: a.id.to_string(), name: a.file_name }),
            Err(e @ Error::Validation(_)) => photo_errors.push(e),
            Err(e) => {
                pairs::discard(uploads.collect());
                return Err(e.into());
            }
        }
    }
    let (input, check_rows, finding_rows) = form.input(enterprise, complete);
    let result = if photo_errors.is_empty() {
        match cx.record_id {
            None => inspections::create(&state.app, &auth.actor, input).await,
            Some(id) => inspections::save(&state.app, &auth.actor, id, input).await,
        }
    } else {
        Err(photo_errors.remove(0))
    };
    match result {
        Ok(v) => Ok(Redirect::to(&format!("/inspections/{}", v.inspection.id)).into_response()),
        Err(e @ Error::Conflict { code: "already_completed", .. }) => Err(e.into()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            let e = reindex(reindex(e, "checklist", &check_rows), "findings", &finding_rows);
            let alerts = Alerts::from_error(&auth.tr, &e);
            Ok(form_page(state, auth, cx, form, alerts, status).await)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    v: InspectionView,
    lines: Vec<CheckLine>,
    photos: Vec<Photo>,
}

/// The record: its form while it is a draft the reader may edit, read-only otherwise.
pub async fn show(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let v = inspections::get(&state.app, &auth.actor, id).await?;
    if v.editable {
        let form = stored_form(&state, &auth, &v).await;
        let cx = record_context(&v);
        return Ok(form_page(&state, &auth, cx, form, Alerts::default(), StatusCode::OK).await);
    }
    let lines = v
        .checklist_results
        .iter()
        .enumerate()
        .map(|(i, r)| CheckLine::of(&auth.tr, i, &r.item, r.result.clone(), r.note.clone().unwrap_or_default()))
        .collect();
    let photos = photos(&state, &auth, v.inspection.enterprise_id, &v.inspection.attachment_ids).await;
    Ok(render(StatusCode::OK, &DetailPage { tr: auth.tr, nav: Nav::of(&auth), v, lines, photos }))
}
