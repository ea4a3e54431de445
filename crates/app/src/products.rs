//! Products on the enterprise file (R-ENT-3, R-CAT-1): what an enterprise makes or sells, one
//! per name and model, each in a catalogue category. Officers add and edit them within their
//! jurisdiction, an enterprise's own users their own; every change is audited and kept as
//! history; the enterprise's visibility decides who sees them.

use serde::{Deserialize, Serialize};
use touchstone_domain::ValidationErrors;
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::role::Permission;
use touchstone_store::enterprises::{self as enterprise_store, Visibility};
use touchstone_store::products::{self as store, ProductRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::enterprises::HistoryEntry;
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

/// Production statuses, as stored.
pub const STATUSES: &[&str] = &["in_production", "stopped"];

fn in_production() -> String {
    "in_production".into()
}

/// A product as an officer or the enterprise enters it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
pub struct ProductInput {
    /// Catalogue code of the product category.
    pub category_code: String,
    pub name: String,
    /// Brand or trademark.
    #[serde(default)]
    pub brand: Option<String>,
    /// Model or specification.
    #[serde(default)]
    pub model: Option<String>,
    /// Executive standard, e.g. `GB/T 5023.3-2008`.
    #[serde(default)]
    pub standard: Option<String>,
    /// Annual output as text, e.g. `12000 km` or `3 万台`.
    #[serde(default)]
    pub annual_output: Option<String>,
    /// `in_production` (default) or `stopped`.
    #[serde(default = "in_production")]
    pub status: String,
    /// The version read, for an edit.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A product with its enterprise and history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProductView {
    #[serde(flatten)]
    pub product: ProductRow,
    pub enterprise_name: String,
    pub enterprise_uscc: String,
    pub history: Vec<HistoryEntry>,
}

fn visibility(actor: &Actor) -> Visibility<'_> {
    Visibility { regions: &actor.regions, own: actor.own_enterprise() }
}

fn optional(errors: &mut ValidationErrors, field: &str, value: &Option<String>, max: usize) -> Option<String> {
    let v = value.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > max {
        errors.add(field, "too_long", format!("at most {max} characters"));
    }
    Some(v.to_string())
}

/// Validates an input for `enterprise_id` against an optional existing row; the row to store.
pub(crate) fn validate(
    actor: &Actor,
    enterprise_id: Uuid,
    input: &ProductInput,
    existing: Option<&ProductRow>,
    now: i64,
) -> Result<ProductRow> {
    let mut errors = ValidationErrors::new();
    let category_code = input.category_code.trim().to_string();
    if category_code.is_empty() {
        errors.add("category_code", "required", "the product category");
    } else if catalogue().get(&category_code).is_none() {
        errors.add("category_code", "invalid_choice", format!("unknown product category {category_code:?}"));
    }
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "required", "required");
    } else if name.chars().count() > 200 {
        errors.add("name", "too_long", "at most 200 characters");
    }
    let brand = optional(&mut errors, "brand", &input.brand, 100);
    let model = optional(&mut errors, "model", &input.model, 100).unwrap_or_default();
    let standard = optional(&mut errors, "standard", &input.standard, 100);
    let annual_output = optional(&mut errors, "annual_output", &input.annual_output, 100);
    if !STATUSES.contains(&input.status.as_str()) {
        errors.add("status", "invalid_choice", STATUSES.join(", "));
    }
    errors.into_result()?;
    Ok(ProductRow {
        id: existing.map(|p| p.id).unwrap_or_else(Uuid::now_v7),
        enterprise_id,
        category_code,
        name,
        brand,
        model,
        standard,
        annual_output,
        status: input.status.clone(),
        version: existing.map(|p| p.version + 1).unwrap_or(1),
        created_at: existing.map(|p| p.created_at).unwrap_or(now),
        updated_at: now,
        updated_by: actor.username.clone(),
    })
}

/// Regulators need the right to edit enterprises; an enterprise's own users edit their own.
fn require_edit(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() {
        Ok(())
    } else {
        actor.require(Permission::EditEnterprises, "editing products")
    }
}

fn can_read(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() {
        Ok(())
    } else {
        actor.require(Permission::ReadEnterprises, "reading products")
    }
}

fn taken(e: touchstone_store::StoreError) -> Error {
    if e.is_unique_violation() {
        Error::field("name", "taken", "the enterprise already has a product with this name and model")
    } else {
        e.into()
    }
}

/// Adds a product to an enterprise of the jurisdiction (or to the actor's own enterprise).
pub async fn create(app: &App, actor: &Actor, enterprise_id: Uuid, input: ProductInput) -> Result<ProductView> {
    require_edit(actor)?;
    let enterprise = enterprise_store::get(&app.db, &visibility(actor), enterprise_id).await?.ok_or(Error::NotFound)?;
    let row = validate(actor, enterprise.id, &input, None, app.clock.now().as_micros())?;
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &row).await.map_err(taken)?;
    let change = Change::new("product.create", "product", row.id).region(enterprise.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(audit::record_fields(&row))).await?;
    tx.commit().await?;
    view(app, row).await
}

/// Edits a product; `version` must be the one read.
pub async fn update(app: &App, actor: &Actor, id: Uuid, input: ProductInput) -> Result<ProductView> {
    require_edit(actor)?;
    let v = visibility(actor);
    let current = store::get(&app.db, &v, id).await?.ok_or(Error::NotFound)?;
    let expected = input.version.ok_or_else(|| Error::field("version", "required", "the version you read"))?;
    let row = validate(actor, current.enterprise_id, &input, Some(&current), app.clock.now().as_micros())?;
    let region = enterprise_store::get(&app.db, &v, current.enterprise_id)
        .await?
        .map(|e| e.region_code)
        .ok_or(Error::NotFound)?;
    let mut tx = app.db.begin().await?;
    let locked = store::get_for_update(&mut tx, &v, id).await?.ok_or(Error::NotFound)?;
    if locked.version != expected {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    let row = ProductRow { version: locked.version + 1, ..row };
    if !store::update(&mut tx, &row, expected).await.map_err(taken)? {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    let change = Change::new("product.update", "product", id).region(region, None);
    audit::record(app, &mut tx, actor, change.before(audit::record_fields(&locked)).after(audit::record_fields(&row)))
        .await?;
    tx.commit().await?;
    view(app, row).await
}

async fn view(app: &App, p: ProductRow) -> Result<ProductView> {
    let everything = touchstone_domain::jurisdiction::Scope::Everything;
    let e = enterprise_store::get(&app.db, &Visibility { regions: &everything, own: None }, p.enterprise_id).await?;
    let mut history = crate::enterprises::chain_history(app, "product", p.id).await?;
    for c in touchstone_store::imports::record_changes(&app.db, "product", p.id).await? {
        history.push(HistoryEntry::of_change(c.at, c.actor_name, c.action, &c.before_json, &c.after_json));
    }
    history.sort_by(|a, b| b.at.cmp(&a.at).then(b.seq.cmp(&a.seq)));
    Ok(ProductView {
        enterprise_name: e.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
        enterprise_uscc: e.map(|e| e.uscc).unwrap_or_default(),
        history,
        product: p,
    })
}

/// One product with its history; 404 when its enterprise is not visible.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<ProductView> {
    can_read(actor)?;
    let p = store::get(&app.db, &visibility(actor), id).await?.ok_or(Error::NotFound)?;
    view(app, p).await
}

/// The products of one enterprise, by name and model; 404 when it is not visible.
pub async fn of_enterprise(app: &App, actor: &Actor, enterprise_id: Uuid) -> Result<Vec<ProductRow>> {
    can_read(actor)?;
    enterprise_store::get(&app.db, &visibility(actor), enterprise_id).await?.ok_or(Error::NotFound)?;
    Ok(store::of_enterprise(&app.db, enterprise_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProductInput {
        ProductInput {
            category_code: "04.01".into(),
            name: " 聚氯乙烯绝缘电缆 ".into(),
            model: Some("BV 2.5".into()),
            brand: Some("  ".into()),
            status: "in_production".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_product_is_trimmed_and_blank_optional_fields_are_empty() {
        let p = validate(&Actor::system(None), Uuid::nil(), &input(), None, 7).expect("valid");
        assert_eq!(p.name, "聚氯乙烯绝缘电缆");
        assert_eq!(p.brand, None);
        assert_eq!(p.model, "BV 2.5");
        assert_eq!((p.version, p.created_at), (1, 7));
    }

    #[test]
    fn an_unknown_category_and_status_are_named_by_field() {
        let bad = ProductInput { category_code: "99.99".into(), status: "open".into(), ..input() };
        let Err(Error::Validation(v)) = validate(&Actor::system(None), Uuid::nil(), &bad, None, 0) else {
            panic!("invalid")
        };
        let fields: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["category_code", "status"]);
    }
}
