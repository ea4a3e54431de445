//! The enterprise ledger over JSON: list and search, register, read (masked), unmask
//! (audited), edit, history; an enterprise's own users replace their contacts.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use touchstone_app::enterprises::{self, ContactInput, CreditCodeInput, EnterpriseInput, EnterpriseView, HistoryEntry};
use touchstone_app::timeline::{Timeline, TimelineFilter};
use touchstone_app::{Actor, App};
use touchstone_store::enterprises::{EnterpriseFilter, EnterpriseRow};
use touchstone_store::list::Window;

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::export::ExportSpec;
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] = &[
    ("name", "e.name"),
    ("uscc", "e.uscc"),
    ("region_code", "e.region_code"),
    ("status", "e.status"),
    ("updated_at", "e.updated_at"),
];

pub fn filter(p: &ListParams) -> WebResult<EnterpriseFilter> {
    let region_code = p
        .text(&p.region_code)
        .map(|r| touchstone_domain::region::RegionCode::parse(&r).map(|c| c.as_str().to_string()))
        .transpose()
        .map_err(|e| touchstone_app::Error::field("region_code", "invalid_region", e.to_string()))?;
    let choice = |field: &str, v: Option<String>, allowed: &[&str]| -> WebResult<Option<String>> {
        match v {
            Some(x) if !allowed.contains(&x.as_str()) => {
                Err(touchstone_app::Error::field(field, "invalid_choice", allowed.join(", ")).into())
            }
            other => Ok(other),
        }
    };
    use touchstone_domain::enterprise::{ROLES, SCALES, STATUSES};
    Ok(EnterpriseFilter {
        text: p.text(&p.q),
        region_code,
        status: choice("status", p.text(&p.status), STATUSES)?,
        scale: choice("scale", p.text(&p.scale), SCALES)?,
        category_code: p.text(&p.category),
        role: choice("role", p.text(&p.role), ROLES)?,
    })
}

/// Enterprises of the jurisdiction: search by name (any Chinese substring), credit code,
/// legal representative or address; filter by region, status, scale, role, category.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "enterprises", params(ListParams),
    responses((status = 200, body = Page<EnterpriseRow>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<EnterpriseRow>>> {
    Ok(Json(enterprises::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?.into()))
}

/// Every enterprise the filter matches, as CSV or XLSX with personal data masked (an audited,
/// streamed export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<Response> {
    let tr = auth.tr;
    let columns =
        ["uscc", "name", "legal-representative", "phone", "address", "region", "scale", "status", "industrial-park"];
    let spec = ExportSpec::new(auth, "enterprises", "enterprise", xlsx, &columns);
    let list = |app: App, actor: Actor, f: EnterpriseFilter, w: Window| async move {
        enterprises::list(&app, &actor, &f, &w).await
    };
    let row = move |e: EnterpriseRow| {
        vec![
            e.uscc,
            e.name,
            e.legal_representative,
            e.legal_rep_phone.unwrap_or_default(),
            e.address,
            tr.region(&e.region_code),
            tr.label("scale", &e.scale),
            tr.label("status", &e.status),
            e.industrial_park.unwrap_or_default(),
        ]
    };
    crate::export::export(state, auth, p, spec, p.window(SORTS, false)?, filter(p)?, list, row).await
}

/// Register an enterprise in the jurisdiction (officers, inspectors, administrators).
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "enterprises", request_body = EnterpriseInput,
    responses((status = 201, body = EnterpriseView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<EnterpriseInput>,
) -> WebResult<(StatusCode, Json<EnterpriseView>)> {
    Ok((StatusCode::CREATED, Json(enterprises::create(&state.app, &auth.actor, body).await?)))
}

/// One enterprise with personal data masked; 404 outside the jurisdiction.
#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = EnterpriseView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<EnterpriseView>> {
    Ok(Json(enterprises::get(&state.app, &auth.actor, id).await?))
}

/// The same, with personal data unmasked; recorded in the audit log (R-PRIV-1).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/unmask", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = EnterpriseView), (status = 404, body = ErrorBody)))]
pub async fn unmask(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<EnterpriseView>> {
    Ok(Json(enterprises::get_unmasked(&state.app, &auth.actor, id).await?))
}

/// Edit an enterprise; `version` must be the one read.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}", tag = "enterprises", params(("id" = uuid::Uuid, Path)), request_body = EnterpriseInput,
    responses((status = 200, body = EnterpriseView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<EnterpriseInput>,
) -> WebResult<Json<EnterpriseView>> {
    Ok(Json(enterprises::update(&state.app, &auth.actor, id, body).await?))
}

/// Give an establishment an archive brought without a credit code its real code (ADR 0008);
/// `version` must be the one read.
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/credit-code", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    request_body = CreditCodeInput,
    responses((status = 200, body = EnterpriseView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_credit_code(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<CreditCodeInput>,
) -> WebResult<Json<EnterpriseView>> {
    Ok(Json(enterprises::complete_credit_code(&state.app, &auth.actor, id, body).await?))
}

/// Every change of the record, newest first, as field differences (R-ENT-4).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/history", tag = "enterprises", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
pub async fn history(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(enterprises::history(&state.app, &auth.actor, id).await?))
}

/// An enterprise's own user replaces its contacts.
#[utoipa::path(put, path = "/api/v1/me/enterprise/contacts", tag = "enterprises", request_body = Vec<ContactInput>,
    responses((status = 200, body = EnterpriseView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn own_contacts(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<Vec<ContactInput>>,
) -> WebResult<Json<EnterpriseView>> {
    Ok(Json(enterprises::update_own_contacts(&state.app, &auth.actor, body).await?))
}

/// The timeline's filter, as the query string documents it (kinds may also repeat).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Kinds to show, comma-separated or repeated: change, certificate_status, attachment,
    /// inspection, hazard, risk; all when absent.
    pub kind: Option<String>,
    /// From this date, YYYY-MM-DD, China time.
    pub from: Option<String>,
    /// Up to and including this date, YYYY-MM-DD.
    pub to: Option<String>,
}

/// The timeline filter of a query string: `kind` (repeated or comma-separated), `from`, `to`.
pub fn timeline_filter(query: Option<&str>) -> WebResult<TimelineFilter> {
    let (mut kinds, mut from, mut to) = (Vec::new(), None, None);
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "kind" => kinds.push(v.into_owned()),
            "from" => from = Some(v.into_owned()),
            "to" => to = Some(v.into_owned()),
            _ => {}
        }
    }
    Ok(TimelineFilter::parse(&kinds, from.as_deref(), to.as_deref())?)
}

/// The enterprise file as one timeline of dated events, newest first: changes of the record,
/// certificate status changes, attachments (and the kinds later capabilities add), filtered by
/// kind and date range (R-ENT-3).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/timeline", tag = "enterprises", params(("id" = uuid::Uuid, Path), TimelineQuery),
    responses((status = 200, body = Timeline), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    RawQuery(query): RawQuery,
) -> WebResult<Json<Timeline>> {
    let filter = timeline_filter(query.as_deref())?;
    Ok(Json(touchstone_app::timeline::of_enterprise(&state.app, &auth.actor, id, &filter).await?))
}
