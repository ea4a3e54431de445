//! The enterprise ledger pages: the list with search and filters, the enterprise file (一企一档)
//! with masked personal data, an audited "show personal data" action and the change
//! history, and the register / edit form.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_app::enterprises::{self, ContactInput, EnterpriseInput, EnterpriseView};
use touchstone_app::timeline::Timeline;
use touchstone_domain::enterprise::{ROLES, SCALES, STATUSES};
use touchstone_domain::role::Permission;
use touchstone_store::enterprises::EnterpriseRow;

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
#[template(path = "enterprises.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    params: ListParams,
    pager: Pager,
    items: Vec<EnterpriseRow>,
    statuses: Vec<Choice>,
    scales: Vec<Choice>,
    roles: Vec<Choice>,
    can_edit: bool,
    export_href: String,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    use crate::api::enterprises::{SORTS, filter};
    let page = enterprises::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?;
    let tr = auth.tr;
    let columns = [
        (tr.t("col-name"), Some("name")),
        (tr.t("col-uscc"), Some("uscc")),
        (tr.t("col-legal-representative"), None),
        (tr.t("col-region"), Some("region_code")),
        (tr.t("col-status"), Some("status")),
    ];
    let pager = Pager::new("/enterprises", &p, &page, &columns);
    let export_href = format!("?{}", p.query_string(&[]));
    Ok(render(
        StatusCode::OK,
        &ListPage {
            tr,
            nav: Nav::of(&auth),
            statuses: choices(&tr, "status", STATUSES),
            scales: choices(&tr, "scale", SCALES),
            roles: choices(&tr, "enterprise-role", ROLES),
            can_edit: auth.actor.can(Permission::EditEnterprises),
            params: p,
            pager,
            items: page.items,
            export_href,
        },
    ))
}

pub async fn export_xlsx(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::enterprises::export(&state, &auth, &p, true).await
}

pub async fn export(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    crate::api::enterprises::export(&state, &auth, &p, false).await
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct FilePage {
    tr: Tr,
    nav: Nav,
    e: EnterpriseView,
    timeline: Timeline,
    timeline_kinds: Vec<KindChoice>,
    timeline_from: String,
    timeline_to: String,
    attachments: Vec<touchstone_store::attachments::AttachmentRow>,
    can_edit: bool,
    can_unmask: bool,
    /// Officers of the jurisdiction, or the enterprise's own users.
    can_edit_products: bool,
    coordinates: String,
}

/// A kind of timeline event in the page's filter.
pub struct KindChoice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

/// The date a filter parameter names, as given (the form shows it back).
fn query_value(query: Option<&str>, key: &str) -> String {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn file_page(state: &AppState, auth: &Auth, e: EnterpriseView, query: Option<String>) -> WebResult<Response> {
    let query = query.as_deref();
    let filter = crate::api::enterprises::timeline_filter(query)?;
    let timeline = touchstone_app::timeline::of_enterprise(&state.app, &auth.actor, e.enterprise.id, &filter).await?;
    let timeline_kinds = touchstone_app::timeline::available_kinds()
        .into_iter()
        .map(|k| KindChoice {
            value: k,
            label: auth.tr.label("tkind", k),
            checked: filter.kinds.iter().any(|f| f == k),
        })
        .collect();
    let attachments = touchstone_app::attachments::list(&state.app, &auth.actor, e.enterprise.id).await?;
    let coordinates = match (e.enterprise.latitude_e6, e.enterprise.longitude_e6) {
        (Some(a), Some(b)) => touchstone_domain::enterprise::Coordinates::display(a, b),
        _ => "—".into(),
    };
    Ok(render(
        StatusCode::OK,
        &FilePage {
            tr: auth.tr,
            nav: Nav::of(auth),
            can_edit: auth.actor.can(Permission::EditEnterprises),
            can_unmask: e.masked && auth.actor.can(Permission::UnmaskPersonalData),
            can_edit_products: super::products::can_edit(auth, e.enterprise.id),
            e,
            timeline,
            timeline_kinds,
            timeline_from: query_value(query, "from"),
            timeline_to: query_value(query, "to"),
            attachments,
            coordinates,
        },
    ))
}

pub async fn file(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    RawQuery(query): RawQuery,
) -> WebResult<Response> {
    let e = enterprises::get(&state.app, &auth.actor, id).await?;
    file_page(&state, &auth, e, query).await
}

pub async fn unmask(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    let e = enterprises::get_unmasked(&state.app, &auth.actor, id).await?;
    file_page(&state, &auth, e, None).await
}

/// The form's fields: flat, three contact rows, one checkbox per role.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnterpriseForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    legal_rep_id_number: String,
    #[serde(default)]
    legal_rep_phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    industry_code: String,
    #[serde(default)]
    scale: String,
    #[serde(default)]
    status: String,
    role_producer: Option<String>,
    role_distributor: Option<String>,
    role_online_seller: Option<String>,
    #[serde(default)]
    industrial_park: String,
    #[serde(default)]
    categories: String,
    #[serde(default)]
    contact_name_0: String,
    #[serde(default)]
    contact_position_0: String,
    #[serde(default)]
    contact_phone_0: String,
    #[serde(default)]
    contact_name_1: String,
    #[serde(default)]
    contact_position_1: String,
    #[serde(default)]
    contact_phone_1: String,
    #[serde(default)]
    contact_name_2: String,
    #[serde(default)]
    contact_position_2: String,
    #[serde(default)]
    contact_phone_2: String,
    version: Option<i64>,
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.trim().is_empty())
}

impl EnterpriseForm {
    fn input(&self) -> EnterpriseInput {
        let roles = [
            (&self.role_producer, "producer"),
            (&self.role_distributor, "distributor"),
            (&self.role_online_seller, "online_seller"),
        ]
        .into_iter()
        .filter(|(on, _)| on.is_some())
        .map(|(_, r)| r.to_string())
        .collect();
        EnterpriseInput {
            uscc: self.uscc.clone(),
            name: self.name.clone(),
            legal_representative: self.legal_representative.clone(),
            legal_rep_id_number: some(&self.legal_rep_id_number),
            legal_rep_phone: some(&self.legal_rep_phone),
            address: self.address.clone(),
            region_code: self.region_code.clone(),
            latitude: some(&self.latitude),
            longitude: some(&self.longitude),
            industry_code: some(&self.industry_code),
            scale: self.scale.clone(),
            status: self.status.clone(),
            roles,
            industrial_park: some(&self.industrial_park),
            categories: self
                .categories
                .split([' ', ',', '，', ';'])
                .map(String::from)
                .filter(|s| !s.is_empty())
                .collect(),
            contacts: self.contacts(),
            version: self.version,
        }
    }

    fn contacts(&self) -> Vec<ContactInput> {
        [
            (&self.contact_name_0, &self.contact_position_0, &self.contact_phone_0),
            (&self.contact_name_1, &self.contact_position_1, &self.contact_phone_1),
            (&self.contact_name_2, &self.contact_position_2, &self.contact_phone_2),
        ]
        .into_iter()
        .map(|(n, p, ph)| ContactInput { name: n.clone(), position: p.clone(), phone: ph.clone() })
        .collect()
    }

    fn of(v: &EnterpriseView) -> EnterpriseForm {
        let e = &v.enterprise;
        let c = |i: usize| v.contacts.get(i).cloned();
        let field = |i: usize, f: fn(&touchstone_store::enterprises::ContactRow) -> String| {
            c(i).map(|x| f(&x)).unwrap_or_default()
        };
        EnterpriseForm {
            uscc: e.uscc.clone(),
            name: e.name.clone(),
            legal_representative: e.legal_representative.clone(),
            legal_rep_id_number: e.legal_rep_id_number.clone().unwrap_or_default(),
            legal_rep_phone: e.legal_rep_phone.clone().unwrap_or_default(),
            address: e.address.clone(),
            region_code: e.region_code.clone(),
            latitude: e.latitude_e6.map(|v| format!("{:.6}", v as f64 / 1e6)).unwrap_or_default(),
            longitude: e.longitude_e6.map(|v| format!("{:.6}", v as f64 / 1e6)).unwrap_or_default(),
            industry_code: e.industry_code.clone().unwrap_or_default(),
            scale: e.scale.clone(),
            status: e.status.clone(),
            role_producer: e.is_producer.then(|| "on".into()),
            role_distributor: e.is_distributor.then(|| "on".into()),
            role_online_seller: e.is_online_seller.then(|| "on".into()),
            industrial_park: e.industrial_park.clone().unwrap_or_default(),
            categories: v.categories.join(" "),
            contact_name_0: field(0, |c| c.name.clone()),
            contact_position_0: field(0, |c| c.position.clone()),
            contact_phone_0: field(0, |c| c.phone.clone()),
            contact_name_1: field(1, |c| c.name.clone()),
            contact_position_1: field(1, |c| c.position.clone()),
            contact_phone_1: field(1, |c| c.phone.clone()),
            contact_name_2: field(2, |c| c.name.clone()),
            contact_position_2: field(2, |c| c.position.clone()),
            contact_phone_2: field(2, |c| c.phone.clone()),
            version: Some(e.version),
        }
    }
}

#[derive(Template)]
#[template(path = "enterprise_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    form: EnterpriseForm,
    action: String,
    editing: bool,
    statuses: Vec<Choice>,
    scales: Vec<Choice>,
}

fn form_page(
    auth: &Auth,
    form: EnterpriseForm,
    action: String,
    editing: bool,
    alerts: Alerts,
    status: StatusCode,
) -> Response {
    let tr = auth.tr;
    render(
        status,
        &FormPage {
            tr,
            nav: Nav::of(auth),
            alerts,
            form,
            action,
            editing,
            statuses: choices(&tr, "status", STATUSES),
            scales: choices(&tr, "scale", SCALES),
        },
    )
}

/// Fields a link may fill in advance (a self-registration's credit code, name and region).
#[derive(Debug, Default, Deserialize)]
pub struct Prefill {
    uscc: Option<String>,
    name: Option<String>,
    region_code: Option<String>,
}

pub async fn new(auth: Auth, Q(prefill): Q<Prefill>) -> WebResult<Response> {
    auth.actor.require(Permission::EditEnterprises, "registering enterprises")?;
    let region = auth.actor.jurisdiction.first().cloned().unwrap_or_default();
    let form = EnterpriseForm {
        scale: "small".into(),
        status: "operating".into(),
        role_producer: Some("on".into()),
        uscc: prefill.uscc.unwrap_or_default(),
        name: prefill.name.unwrap_or_default(),
        region_code: prefill.region_code.unwrap_or(region),
        ..Default::default()
    };
    Ok(form_page(&auth, form, "/enterprises".into(), false, Alerts::default(), StatusCode::OK))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    PageForm(form): PageForm<EnterpriseForm>,
) -> WebResult<Response> {
    match enterprises::create(&state.app, &auth.actor, form.input()).await {
        Ok(e) => Ok(Redirect::to(&format!("/enterprises/{}", e.enterprise.id)).into_response()),
        Err(e @ Error::Validation(_)) => Ok(form_page(
            &auth,
            form,
            "/enterprises".into(),
            false,
            Alerts::from_error(&auth.tr, &e),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn edit(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    auth.actor.require(Permission::EditEnterprises, "editing enterprises")?;
    // The form carries the real personal data so saving does not overwrite it with a mask.
    let e = enterprises::get_unmasked(&state.app, &auth.actor, id).await?;
    Ok(form_page(
        &auth,
        EnterpriseForm::of(&e),
        format!("/enterprises/{id}/edit"),
        true,
        Alerts::default(),
        StatusCode::OK,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<EnterpriseForm>,
) -> WebResult<Response> {
    match enterprises::update(&state.app, &auth.actor, id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{id}")).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            Ok(form_page(
                &auth,
                form,
                format!("/enterprises/{id}/edit"),
                true,
                Alerts::from_error(&auth.tr, &e),
                status,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Completing an archived establishment's credit code (ADR 0008): the form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreditCodeForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    version: String,
}

#[derive(Template)]
#[template(path = "enterprise_credit_code.html")]
struct CreditCodePage {
    tr: Tr,
    nav: Nav,
    alerts: Alerts,
    e: EnterpriseRow,
    form: CreditCodeForm,
}

fn credit_code_page(
    auth: &Auth,
    e: EnterpriseRow,
    form: CreditCodeForm,
    alerts: Alerts,
    status: StatusCode,
) -> Response {
    render(status, &CreditCodePage { tr: auth.tr, nav: Nav::of(auth), alerts, e, form })
}

pub async fn credit_code(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Response> {
    auth.actor.require(Permission::EditEnterprises, "editing enterprises")?;
    let e = enterprises::get(&state.app, &auth.actor, id).await?.enterprise;
    let form = CreditCodeForm { uscc: String::new(), version: e.version.to_string() };
    Ok(credit_code_page(&auth, e, form, Alerts::default(), StatusCode::OK))
}

/// Gives the establishment its credit code; a bad or taken code is shown on the form again.
pub async fn complete_credit_code(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(form): PageForm<CreditCodeForm>,
) -> WebResult<Response> {
    let input = enterprises::CreditCodeInput { uscc: form.uscc.clone(), version: form.version.trim().parse().ok() };
    match enterprises::complete_credit_code(&state.app, &auth.actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{id}")).into_response()),
        Err(e @ (Error::Validation(_) | Error::Conflict { .. })) => {
            let status = ErrorInfo::from_error(&e).status;
            let current = enterprises::get(&state.app, &auth.actor, id).await?.enterprise;
            Ok(credit_code_page(&auth, current, form, Alerts::from_error(&auth.tr, &e), status))
        }
        Err(e) => Err(e.into()),
    }
}
