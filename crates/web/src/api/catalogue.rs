//! The product catalogue (R-CAT-1) and key-product lists (R-CAT-2): shipped reference data
//! from the seeds, the same for every bureau.

use axum::Json;
use serde::{Deserialize, Serialize};
use touchstone_domain::catalogue::catalogue;

use crate::error::{ErrorBody, WebResult};
use crate::extract::{Auth, Q};

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
