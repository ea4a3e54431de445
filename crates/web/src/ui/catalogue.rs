//! The catalogue page: the product-category tree and the key-product lists.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use touchstone_domain::catalogue::catalogue;

use super::{Nav, render};
use crate::api::catalogue::{CategoryItem, tree};
use crate::extract::Auth;
use crate::i18n::Tr;

/// One key-product list for display.
pub struct KeyList {
    pub name: String,
    pub year: i32,
    pub region: String,
    pub items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    tr: Tr,
    nav: Nav,
    categories: Vec<CategoryItem>,
    lists: Vec<KeyList>,
}

pub async fn page(auth: Auth) -> Response {
    let tr = auth.tr;
    let lists = catalogue()
        .lists()
        .into_iter()
        .map(|l| {
            let items = catalogue().key_products(l);
            KeyList {
                name: l.to_string(),
                year: items.first().map(|k| k.year).unwrap_or_default(),
                region: items.first().map(|k| tr.region(k.region_code)).unwrap_or_default(),
                items: items.iter().map(|k| (k.category_code.to_string(), k.name_as_listed.to_string())).collect(),
            }
        })
        .collect();
    render(StatusCode::OK, &CataloguePage { tr, nav: Nav::of(&auth), categories: tree(tr.locale.is_english()), lists })
}
