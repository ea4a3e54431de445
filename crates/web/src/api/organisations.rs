//! Bureaus of the actor's subtree: list, read, create, edit (with jurisdiction).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use touchstone_app::organisations::{self, OrganisationInput, OrganisationUpdate, OrganisationView};
use touchstone_app::{Actor, App};
use touchstone_store::list::Window;
use touchstone_store::organisations::{OrganisationFilter, OrganisationRow};

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::export::ExportSpec;
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] =
    &[("code", "o.code"), ("name", "o.name"), ("region_code", "o.region_code"), ("updated_at", "o.updated_at")];

pub fn filter(p: &ListParams) -> WebResult<OrganisationFilter> {
    let region_code = p
        .text(&p.region_code)
        .map(|r| touchstone_domain::region::RegionCode::parse(&r).map(|c| c.as_str().to_string()))
        .transpose()
        .map_err(|e| touchstone_app::Error::field("region_code", "invalid_region", e.to_string()))?;
    Ok(OrganisationFilter { text: p.text(&p.q), region_code })
}

/// Bureaus reporting to the actor's bureau (and itself).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(ListParams),
    responses((status = 200, body = Page<OrganisationRow>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<OrganisationRow>>> {
    Ok(Json(organisations::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, false)?).await?.into()))
}

/// One bureau with its jurisdiction; 404 when outside the actor's subtree.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = OrganisationView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<OrganisationView>> {
    Ok(Json(organisations::get(&state.app, &auth.actor, id).await?))
}

/// Create a bureau reporting to one of the actor's (administrators).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = OrganisationInput,
    responses((status = 201, body = OrganisationView), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<OrganisationInput>,
) -> WebResult<(StatusCode, Json<OrganisationView>)> {
    Ok((StatusCode::CREATED, Json(organisations::create(&state.app, &auth.actor, body).await?)))
}

/// Edit a bureau's names, reporting line and jurisdiction (optimistic locking by `version`).
#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)), request_body = OrganisationUpdate,
    responses((status = 200, body = OrganisationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<OrganisationUpdate>,
) -> WebResult<Json<OrganisationView>> {
    Ok(Json(organisations::update(&state.app, &auth.actor, id, body).await?))
}

/// Every bureau the filter matches, as CSV or XLSX (an audited, streamed export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<axum::response::Response> {
    let tr = auth.tr;
    let spec = ExportSpec::new(auth, "bureaus", "organisation", xlsx, &["code", "name", "region", "region-code"]);
    let list = |app: App, actor: Actor, f: OrganisationFilter, w: Window| async move {
        organisations::list(&app, &actor, &f, &w).await
    };
    let row = move |o: OrganisationRow| {
        let name = if tr.locale.is_english() && !o.name_en.is_empty() { o.name_en } else { o.name };
        vec![o.code, name, tr.region(&o.region_code), o.region_code]
    };
    crate::export::export(state, auth, p, spec, p.window(SORTS, false)?, filter(p)?, list, row).await
}
