//! The GB/T 2260 region table, for pickers: children of a region (provinces by default).

use axum::Json;
use serde::{Deserialize, Serialize};
use touchstone_app::Error;
use touchstone_domain::region::{RegionCode, regions};

use crate::error::{ErrorBody, WebResult};
use crate::extract::{Auth, Q};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegionQuery {
    /// Parent region code; omit for the provinces.
    pub parent: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegionItem {
    pub code: String,
    pub name: String,
    pub level: String,
}

/// Regions under `parent`, named in the user's language.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(RegionQuery),
    responses((status = 200, body = Vec<RegionItem>), (status = 422, body = ErrorBody)))]
pub async fn list(auth: Auth, Q(q): Q<RegionQuery>) -> WebResult<Json<Vec<RegionItem>>> {
    let table = regions();
    let en = auth.tr.locale.is_english();
    let item = |r: &touchstone_domain::region::Region| RegionItem {
        code: r.code.to_string(),
        name: if en { r.name_en.to_string() } else { r.name.to_string() },
        level: format!("{:?}", r.level).to_lowercase(),
    };
    let items = match q.parent.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => table.provinces().into_iter().map(item).collect(),
        Some(p) => {
            let code = RegionCode::parse(p).map_err(|e| Error::field("parent", "invalid_region", e.to_string()))?;
            table.children(code.as_str()).iter().filter_map(|c| table.get(c)).map(item).collect()
        }
    };
    Ok(Json(items))
}
