//! The hazard ledger over JSON (R-HAZ-1…3): record, list, read with history, take a step of
//! the lifecycle, count what is still open at a cut-off date (动态清零).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use touchstone_app::hazards::{self, HazardInput, HazardView, StepInput};
use touchstone_store::hazards::{HazardFilter, HazardListRow};
use touchstone_store::list::Window;

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::export::ExportSpec;
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] = &[
    ("found_on", "h.found_on"),
    ("deadline", "h.deadline"),
    ("number", "h.number"),
    ("status", "h.status"),
    ("level", "h.level"),
    ("enterprise", "e.name"),
];

/// The filter a list's query parameters ask for.
pub fn filter(state: &AppState, auth: &Auth, p: &ListParams) -> WebResult<HazardFilter> {
    let today = hazards::today_text(&state.app);
    let review_by = p.flag("review_late", &p.review_late)?.filter(|x| *x).map(|_| {
        let days = state.app.config.hazards.review_days + 1;
        state.app.clock.now().plus_seconds(-days * 86_400).china_date()
    });
    Ok(HazardFilter {
        text: p.text(&p.q),
        region_code: p.text(&p.region_code),
        status: p.text(&p.status),
        level: p.text(&p.level),
        source: p.text(&p.source),
        campaign_id: p.uuid("campaign_id", &p.campaign_id)?,
        enterprise_id: p.uuid("enterprise_id", &p.enterprise_id)?,
        source_id: p.uuid("source_id", &p.source_id)?,
        overdue_on: p.flag("overdue", &p.overdue)?.filter(|x| *x).map(|_| today),
        review_due_by: review_by,
        escalated_to: match p.flag("escalated_to_me", &p.escalated_to_me)? {
            Some(true) => Some(auth.actor.organisation.as_ref().map(|o| o.id).unwrap_or_else(uuid::Uuid::nil)),
            _ => None,
        },
        found_from: p.text(&p.from),
        found_to: p.text(&p.to),
    })
}

/// The ledger of the jurisdiction (an enterprise's users: their own hazards), filtered.
#[utoipa::path(get, path = "/api/v1/hazards", tag = "hazards", params(ListParams),
    responses((status = 200, body = Page<HazardListRow>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<HazardListRow>>> {
    let f = filter(&state, &auth, &p)?;
    Ok(Json(hazards::list(&state.app, &auth.actor, &f, &p.window(SORTS, true)?).await?.into()))
}

/// Record a hazard found at an enterprise of the jurisdiction.
#[utoipa::path(post, path = "/api/v1/hazards", tag = "hazards", request_body = HazardInput,
    responses((status = 201, body = HazardView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<HazardInput>,
) -> WebResult<(StatusCode, Json<HazardView>)> {
    Ok((StatusCode::CREATED, Json(hazards::create(&state.app, &auth.actor, body).await?)))
}

/// One hazard with its history and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/hazards/{id}", tag = "hazards", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = HazardView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<HazardView>> {
    Ok(Json(hazards::get(&state.app, &auth.actor, id).await?))
}

/// Take one step: an illegal one is refused naming the allowed ones (422, field `action`);
/// closing needs an officer who neither found the hazard nor submitted its evidence (403).
#[utoipa::path(post, path = "/api/v1/hazards/{id}/steps", tag = "hazards", params(("id" = uuid::Uuid, Path)), request_body = StepInput,
    responses((status = 200, body = HazardView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<StepInput>,
) -> WebResult<Json<HazardView>> {
    Ok(Json(hazards::step(&state.app, &auth.actor, id, body).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ZeroingParams {
    /// A region of the jurisdiction (with every region under it).
    pub region_code: String,
    /// The cut-off date D, `YYYY-MM-DD`: hazards found before D and open at its start.
    pub cutoff: String,
    /// Only the hazards of this campaign.
    pub campaign_id: Option<uuid::Uuid>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Zeroing {
    pub region_code: String,
    pub cutoff: String,
    pub campaign_id: Option<uuid::Uuid>,
    /// Hazards found before the cut-off and still open at its start.
    pub open: i64,
}

/// 动态清零 (R-HAZ-3): how many hazards found before the cut-off are still open at its start.
#[utoipa::path(get, path = "/api/v1/hazards/open-at-cutoff", tag = "hazards", params(ZeroingParams),
    responses((status = 200, body = Zeroing), (status = 422, body = ErrorBody)))]
pub async fn open_at_cutoff(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ZeroingParams>,
) -> WebResult<Json<Zeroing>> {
    let open = hazards::open_at_cutoff(&state.app, &auth.actor, &p.region_code, p.campaign_id, &p.cutoff).await?;
    Ok(Json(Zeroing { region_code: p.region_code, cutoff: p.cutoff, campaign_id: p.campaign_id, open }))
}

/// Every hazard the filter matches, as CSV or XLSX (an audited, streamed export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<axum::response::Response> {
    let tr = auth.tr;
    let columns = [
        "number",
        "enterprise",
        "region",
        "source",
        "level",
        "description",
        "provisions-breached",
        "found-on",
        "deadline",
        "hazard-status",
    ];
    let spec = ExportSpec::new(auth, "hazards", "hazard", xlsx, &columns);
    let list = |app: touchstone_app::App, actor: touchstone_app::Actor, f: HazardFilter, w: Window| async move {
        hazards::list(&app, &actor, &f, &w).await
    };
    let row = move |r: HazardListRow| {
        let h = r.hazard;
        vec![
            h.number,
            r.enterprise_name,
            tr.region(&h.region_code),
            tr.label("hsource", &h.source),
            tr.label("hlevel", &h.level),
            h.description,
            h.legal_basis,
            h.found_on,
            h.deadline,
            tr.label("hstatus", &h.status),
        ]
    };
    let f = filter(state, auth, p)?;
    crate::export::export(state, auth, p, spec, p.window(SORTS, true)?, f, list, row).await
}
