//! The product catalogue (R-CAT-1) and key-product lists (R-CAT-2): the shipped reference
//! data from the seeds, the same for every bureau, and the lists regions add (read in and
//! above the jurisdiction, changed in it), with the effective key products of a region.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use touchstone_app::key_products::{self, ItemInput, KeyList, ListInput, ListUpdate};
use touchstone_domain::catalogue::catalogue;

use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{ApiJson, Auth, Id, Q};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryItem {
    pub code: String,
    pub parent: Option<String>,
    pub name: String,
    pub hazard_level: u8,
    pub licence_required: bool,
    pub ccc_required: bool,
    pub standards: Vec<String>,
    pub sources: Vec<String>,
    pub depth: usize,
}

/// The category tree in depth-first order, named in the user's language.
pub fn tree(english: bool) -> Vec<CategoryItem> {
    fn walk(code: Option<&str>, depth: usize, english: bool, out: &mut Vec<CategoryItem>) {
        for c in catalogue().children(code) {
            out.push(CategoryItem {
                code: c.code.to_string(),
                parent: c.parent.map(String::from),
                name: if english { c.name_en } else { c.name }.to_string(),
                hazard_level: c.hazard_level,
                licence_required: c.licence_required,
                ccc_required: c.ccc_required,
                standards: c.standards.iter().map(|s| s.to_string()).collect(),
                sources: c.sources.iter().map(|s| s.to_string()).collect(),
                depth,
            });
            walk(Some(c.code), depth + 1, english, out);
        }
    }
    let mut out = Vec::new();
    walk(None, 0, english, &mut out);
    out
}

/// Every product category with hazard level, licence and CCC requirements and mandatory standards.
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue", responses((status = 200, body = Vec<CategoryItem>)))]
pub async fn categories(auth: Auth) -> Json<Vec<CategoryItem>> {
    Json(tree(auth.tr.locale.is_english()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct KeyProductQuery {
    /// The list, e.g. `jiangxi-2022`; omit for the names of all lists.
    pub list: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyProductItem {
    pub list: String,
    pub year: i32,
    pub region_code: String,
    pub category_code: String,
    pub name_as_listed: String,
    pub source: String,
}

/// Key-product lists per year and region (seed 004: Jiangxi 2022; seed 001: Guizhou).
#[utoipa::path(get, path = "/api/v1/key-products", tag = "catalogue", params(KeyProductQuery),
    responses((status = 200, body = Vec<KeyProductItem>), (status = 404, body = ErrorBody)))]
pub async fn key_products(_auth: Auth, Q(q): Q<KeyProductQuery>) -> WebResult<Json<Vec<KeyProductItem>>> {
    let lists: Vec<&str> = match q.list.as_deref() {
        Some(l) if catalogue().lists().contains(&l) => vec![l],
        Some(_) => return Err(touchstone_app::Error::NotFound.into()),
        None => catalogue().lists(),
    };
    Ok(Json(
        lists
            .into_iter()
            .flat_map(|l| catalogue().key_products(l))
            .map(|k| KeyProductItem {
                list: k.list.into(),
                year: k.year,
                region_code: k.region_code.into(),
                category_code: k.category_code.into(),
                name_as_listed: k.name_as_listed.into(),
                source: k.source.into(),
            })
            .collect(),
    ))
}

/// Every key-product list the caller reads: the shipped ones, then those of its jurisdiction
/// and of the regions above it (newest year first). `editable` says which it may change.
#[utoipa::path(get, path = "/api/v1/key-product-lists", tag = "catalogue",
    responses((status = 200, body = Vec<KeyList>)))]
pub async fn lists(State(state): State<AppState>, auth: Auth) -> WebResult<Json<Vec<KeyList>>> {
    Ok(Json(key_products::lists(&state.app, &auth.actor).await?))
}

/// Define a key-product list for a region of the jurisdiction (officers, administrators),
/// optionally extending a shipped list of the same year.
#[utoipa::path(post, path = "/api/v1/key-product-lists", tag = "catalogue", request_body = ListInput,
    responses((status = 201, body = KeyList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_list(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ListInput>,
) -> WebResult<(StatusCode, Json<KeyList>)> {
    Ok((StatusCode::CREATED, Json(key_products::create(&state.app, &auth.actor, body).await?)))
}

/// One list a region defined; 404 when it is neither in nor above the jurisdiction.
#[utoipa::path(get, path = "/api/v1/key-product-lists/{id}", tag = "catalogue", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = KeyList), (status = 404, body = ErrorBody)))]
pub async fn get_list(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<KeyList>> {
    Ok(Json(key_products::get(&state.app, &auth.actor, id).await?))
}

/// Rename a list or change its campaign; `version` must be the one read. A list of a region
/// above the jurisdiction answers 403.
#[utoipa::path(put, path = "/api/v1/key-product-lists/{id}", tag = "catalogue", params(("id" = uuid::Uuid, Path)), request_body = ListUpdate,
    responses((status = 200, body = KeyList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_list(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<ListUpdate>,
) -> WebResult<Json<KeyList>> {
    Ok(Json(key_products::update(&state.app, &auth.actor, id, body).await?))
}

/// A category to add, with the list's version read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewItem {
    pub category_code: String,
    pub note: Option<String>,
    pub version: i64,
}

/// Add a catalogue category to a list.
#[utoipa::path(post, path = "/api/v1/key-product-lists/{id}/items", tag = "catalogue", params(("id" = uuid::Uuid, Path)), request_body = NewItem,
    responses((status = 200, body = KeyList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_item(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<NewItem>,
) -> WebResult<Json<KeyList>> {
    let input = ItemInput { category_code: body.category_code, note: body.note };
    Ok(Json(key_products::add_item(&state.app, &auth.actor, id, input, body.version).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// The list's version read.
    pub version: i64,
}

/// Remove a category from a list.
#[utoipa::path(delete, path = "/api/v1/key-product-lists/{id}/items/{code}", tag = "catalogue",
    params(("id" = uuid::Uuid, Path), ("code" = String, Path, description = "The category code"), VersionQuery),
    responses((status = 200, body = KeyList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_item(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path((id, code)): axum::extract::Path<(String, String)>,
    Q(q): Q<VersionQuery>,
) -> WebResult<Json<KeyList>> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| touchstone_app::Error::NotFound)?;
    Ok(Json(key_products::remove_item(&state.app, &auth.actor, id, &code, q.version).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EffectiveQuery {
    /// A region of the caller's jurisdiction.
    pub region_code: String,
    pub year: i64,
}

/// The key products of a region in a year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EffectiveKeyProducts {
    pub region_code: String,
    pub year: i64,
    /// Category codes, sorted.
    pub categories: Vec<String>,
}

/// The categories that are key products in a region of the jurisdiction in a year: the shipped
/// lists and the lists of the region and the regions above it.
#[utoipa::path(get, path = "/api/v1/key-products/effective", tag = "catalogue", params(EffectiveQuery),
    responses((status = 200, body = EffectiveKeyProducts), (status = 422, body = ErrorBody)))]
pub async fn effective(
    State(state): State<AppState>,
    auth: Auth,
    Q(q): Q<EffectiveQuery>,
) -> WebResult<Json<EffectiveKeyProducts>> {
    let region = touchstone_domain::region::RegionCode::parse(q.region_code.trim())
        .map_err(|e| touchstone_app::Error::field("region_code", "invalid_region", e.to_string()))?;
    if !auth.actor.can(touchstone_domain::role::Permission::ReadEnterprises)
        || !auth.actor.regions.contains(region.as_str())
    {
        return Err(touchstone_app::Error::field(
            "region_code",
            "outside_jurisdiction",
            "the region is outside your jurisdiction",
        )
        .into());
    }
    let categories = key_products::effective_key_products(&state.app, region.as_str(), q.year).await?;
    Ok(Json(EffectiveKeyProducts { region_code: region.as_str().to_string(), year: q.year, categories }))
}
