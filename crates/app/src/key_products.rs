//! Key-product lists per year / campaign / region (R-CAT-2). The shipped lists (seed 004:
//! Jiangxi 2022; seed 001: Guizhou) are reference data every bureau reads; a bureau's
//! officers and administrators add lists for regions of their jurisdiction, optionally
//! extending a shipped one (Nanchang adding two categories to Jiangxi 2022). A bureau reads
//! the lists of its jurisdiction and inherits those of the regions above it (R-AUTH-1: what
//! bureaus above publish to it); it changes only those of its jurisdiction. Every change is
//! one transaction with its audit entry, under optimistic locking. `effective_key_products`
//! is what campaigns ask: the categories that are key products for a region in a year.

use serde::{Deserialize, Serialize};
use touchstone_domain::ValidationErrors;
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_store::key_products::{self as store, KeyItemRow, KeyListRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

/// Years a list may be defined for.
pub const YEARS: std::ops::RangeInclusive<i64> = 2000..=2100;

/// A new list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ListInput {
    pub name: String,
    pub year: i64,
    /// The campaign or document it belongs to (free text).
    pub campaign: Option<String>,
    /// A shipped list this one adds to, e.g. `jiangxi-2022` (same year, the region or one above).
    pub extends_list: Option<String>,
    /// The region it applies to (with every region below); the bureau's own region when empty.
    pub region_code: Option<String>,
    /// Categories to start with.
    #[serde(default)]
    pub items: Vec<ItemInput>,
}

/// Renaming a list or changing its campaign; `version` is the one read.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ListUpdate {
    pub name: String,
    pub campaign: Option<String>,
    pub version: i64,
}

/// A category added to a list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    pub category_code: String,
    pub note: Option<String>,
}

/// One entry of a list: a catalogue category, with the name the source lists it under (shipped
/// lists) or the bureau's note.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KeyItem {
    pub category_code: String,
    pub note: Option<String>,
}

/// A key-product list as readers see it: shipped or defined by a region.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    /// `jiangxi-2022` for a shipped list; the UUID of a list a region defined.
    pub id: String,
    pub shipped: bool,
    pub name: String,
    pub year: i64,
    pub region_code: String,
    pub campaign: Option<String>,
    pub extends_list: Option<String>,
    /// The source document of a shipped list, e.g. `seed004`.
    pub source: Option<String>,
    /// The version to send back with a change (lists a region defined).
    pub version: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: Option<i64>,
    /// Whether the actor may change it (its region is in the actor's jurisdiction).
    pub editable: bool,
    /// The list's own entries (an extending list adds these to the extended list's).
    pub items: Vec<KeyItem>,
}

/// The shipped lists, in file order.
pub fn shipped() -> Vec<KeyList> {
    let cat = catalogue();
    cat.lists()
        .into_iter()
        .map(|name| {
            let entries = cat.key_products(name);
            let first = entries.first();
            KeyList {
                id: name.to_string(),
                shipped: true,
                name: name.to_string(),
                year: first.map(|k| i64::from(k.year)).unwrap_or_default(),
                region_code: first.map(|k| k.region_code.to_string()).unwrap_or_default(),
                campaign: None,
                extends_list: None,
                source: first.map(|k| k.source.to_string()),
                version: None,
                created_by: None,
                created_at: None,
                editable: false,
                items: entries
                    .iter()
                    .map(|k| KeyItem { category_code: k.category_code.into(), note: Some(k.name_as_listed.into()) })
                    .collect(),
            }
        })
        .collect()
}

/// The regions above the actor's jurisdiction, whose lists it inherits.
pub(crate) fn inherited(actor: &Actor) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for root in &actor.jurisdiction {
        for code in regions().ancestors(root) {
            if !actor.regions.contains(code) && !out.iter().any(|c| c == code) {
                out.push(code.to_string());
            }
        }
    }
    out
}

fn may_read(actor: &Actor) -> bool {
    actor.can(Permission::ReadEnterprises)
}

fn view(actor: &Actor, row: KeyListRow, items: Vec<KeyItemRow>) -> KeyList {
    KeyList {
        id: row.id.to_string(),
        shipped: false,
        editable: actor.can(Permission::ManageKeyProducts) && actor.regions.contains(&row.region_code),
        name: row.name,
        year: row.year,
        region_code: row.region_code,
        campaign: row.campaign,
        extends_list: row.extends_list,
        source: None,
        version: Some(row.version),
        created_by: Some(row.created_by),
        created_at: Some(row.created_at),
        items: items.into_iter().map(|i| KeyItem { category_code: i.category_code, note: i.note }).collect(),
    }
}

/// Every list the actor reads: the shipped ones, then those of its jurisdiction and of the
/// regions above it, newest year first.
pub async fn lists(app: &App, actor: &Actor) -> Result<Vec<KeyList>> {
    let mut out = shipped();
    if !may_read(actor) {
        return Ok(out);
    }
    let rows = store::list(&app.db, &actor.regions, &inherited(actor)).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut items = store::items_of(&app.db, &ids).await?;
    for row in rows {
        let (mine, rest): (Vec<KeyItemRow>, Vec<KeyItemRow>) = items.into_iter().partition(|i| i.list_id == row.id);
        items = rest;
        out.push(view(actor, row, mine));
    }
    Ok(out)
}

/// One list the actor reads; 404 when absent or neither in nor above its jurisdiction.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<KeyList> {
    if !may_read(actor) {
        return Err(Error::NotFound);
    }
    let row = store::get(&app.db, &actor.regions, &inherited(actor), id).await?.ok_or(Error::NotFound)?;
    let items = store::items(&app.db, id).await?;
    Ok(view(actor, row, items))
}

fn text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize, required: bool) -> Option<String> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 && required {
        errors.add(field, "required", "required");
    } else if n > max {
        errors.add(field, "too_long", format!("at most {max} characters"));
    }
    (n > 0).then(|| v.to_string())
}

/// Checks one entry for `list`; `None` (with the error recorded) when it cannot be added.
fn item(
    errors: &mut ValidationErrors,
    field: &str,
    input: &ItemInput,
    extends: Option<&str>,
    present: &[String],
) -> Option<(String, Option<String>)> {
    let code = input.category_code.trim();
    let note = text(errors, &format!("{field}.note"), input.note.as_deref().unwrap_or(""), 200, false);
    let field = format!("{field}.category_code");
    if catalogue().get(code).is_none() {
        errors.add(&field, "invalid_choice", format!("unknown product category {code:?}"));
        return None;
    }
    if let Some(list) = extends
        && catalogue().key_products(list).iter().any(|k| k.category_code == code)
    {
        errors.add(&field, "already_listed", format!("{code} is already on {list}"));
        return None;
    }
    if present.iter().any(|c| c == code) {
        errors.add(&field, "already_listed", format!("{code} is already on this list"));
        return None;
    }
    Some((code.to_string(), note))
}

/// The region a new list applies to: the one given, else the bureau's own (or its first
/// jurisdiction root); it must lie in the jurisdiction.
fn region_of(errors: &mut ValidationErrors, actor: &Actor, input: Option<&str>) -> String {
    let wanted = match input.map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => r.to_string(),
        None => actor
            .organisation
            .as_ref()
            .map(|o| o.region_code.clone())
            .filter(|r| actor.regions.contains(r))
            .or_else(|| actor.jurisdiction.first().cloned())
            .unwrap_or_default(),
    };
    actor.region_in_jurisdiction(errors, &wanted)
}

/// Checks that `list` is a shipped list of `year` for `region` or a region above it.
fn check_extends(errors: &mut ValidationErrors, list: &str, year: i64, region: &str) {
    let entries = catalogue().key_products(list);
    let Some(first) = entries.first() else {
        errors.add("extends_list", "invalid_choice", format!("no shipped list {list:?}"));
        return;
    };
    if i64::from(first.year) != year {
        errors.add("extends_list", "other_year", format!("{list} is the list of {}", first.year));
    } else if !region.is_empty() && !regions().is_within(region, first.region_code) {
        errors.add("extends_list", "other_region", format!("{list} does not cover region {region}"));
    }
}

/// Defines a list for a region of the actor's jurisdiction.
pub async fn create(app: &App, actor: &Actor, input: ListInput) -> Result<KeyList> {
    actor.require(Permission::ManageKeyProducts, "defining key-product lists")?;
    let mut errors = ValidationErrors::new();
    let name = text(&mut errors, "name", &input.name, 100, true);
    if !YEARS.contains(&input.year) {
        errors.add("year", "out_of_range", format!("a year from {} to {}", YEARS.start(), YEARS.end()));
    }
    let campaign = text(&mut errors, "campaign", input.campaign.as_deref().unwrap_or(""), 200, false);
    let region = region_of(&mut errors, actor, input.region_code.as_deref());
    let extends = input.extends_list.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    if let Some(list) = &extends {
        check_extends(&mut errors, list, input.year, &region);
    }
    let mut codes: Vec<(String, Option<String>)> = Vec::new();
    for (i, it) in input.items.iter().enumerate() {
        let present: Vec<String> = codes.iter().map(|c| c.0.clone()).collect();
        if let Some(entry) = item(&mut errors, &format!("items[{i}]"), it, extends.as_deref(), &present) {
            codes.push(entry);
        }
    }
    errors.into_result()?;
    let now = app.clock.now().as_micros();
    let row = KeyListRow {
        id: Uuid::now_v7(),
        name: name.unwrap_or_default(),
        year: input.year,
        campaign,
        extends_list: extends,
        region_code: region,
        organisation_id: actor.organisation.as_ref().map(|o| o.id),
        version: 1,
        created_by: actor.username.clone(),
        created_at: now,
        updated_by: actor.username.clone(),
        updated_at: now,
    };
    let items: Vec<KeyItemRow> = codes
        .into_iter()
        .map(|(category_code, note)| KeyItemRow {
            id: Uuid::now_v7(),
            list_id: row.id,
            category_code,
            note,
            added_by: actor.username.clone(),
            added_at: now,
        })
        .collect();
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &row).await?;
    for i in &items {
        store::insert_item(&mut tx, i).await?;
    }
    let after = serde_json::json!({"list": row, "items": items.iter().map(|i| &i.category_code).collect::<Vec<_>>()});
    audit::record(app, &mut tx, actor, change("key_product_list.create", &row).after(after)).await?;
    tx.commit().await?;
    Ok(view(actor, row, items))
}

fn change(action: &'static str, row: &KeyListRow) -> Change {
    Change::new(action, "key_product_list", row.id).region(row.region_code.clone(), row.organisation_id)
}

/// Locks a list the actor may change: 404 when it cannot read it, 403 when it is inherited from
/// a region above, 409 when `version` is not the stored one.
async fn lock(app: &App, actor: &Actor, tx: &mut touchstone_store::Tx, id: Uuid, version: i64) -> Result<KeyListRow> {
    actor.require(Permission::ManageKeyProducts, "changing key-product lists")?;
    let Some(row) = store::get_for_update(tx, &actor.regions, id).await? else {
        // Readable but not in the jurisdiction: a list of a region above.
        get(app, actor, id).await?;
        return Err(Error::Forbidden("changing the key-product list of a region above your jurisdiction"));
    };
    if row.version != version {
        return Err(stale(&row.updated_by, row.updated_at));
    }
    Ok(row)
}

/// Bumps the version of a locked list and writes it.
async fn touch(app: &App, actor: &Actor, tx: &mut touchstone_store::Tx, row: &KeyListRow) -> Result<KeyListRow> {
    let next = KeyListRow {
        version: row.version + 1,
        updated_by: actor.username.clone(),
        updated_at: app.clock.now().as_micros(),
        ..row.clone()
    };
    if !store::update(tx, &next, row.version).await? {
        return Err(stale(&row.updated_by, row.updated_at));
    }
    Ok(next)
}

/// Renames a list or changes its campaign.
pub async fn update(app: &App, actor: &Actor, id: Uuid, input: ListUpdate) -> Result<KeyList> {
    actor.require(Permission::ManageKeyProducts, "changing key-product lists")?;
    let mut errors = ValidationErrors::new();
    let name = text(&mut errors, "name", &input.name, 100, true);
    let campaign = text(&mut errors, "campaign", input.campaign.as_deref().unwrap_or(""), 200, false);
    errors.into_result()?;
    let mut tx = app.db.begin().await?;
    let row = lock(app, actor, &mut tx, id, input.version).await?;
    let edited = KeyListRow { name: name.unwrap_or_default(), campaign, ..row.clone() };
    let next = touch(app, actor, &mut tx, &edited).await?;
    let before = serde_json::json!({"name": row.name, "campaign": row.campaign});
    let after = serde_json::json!({"name": next.name, "campaign": next.campaign});
    audit::record(app, &mut tx, actor, change("key_product_list.update", &next).before(before).after(after)).await?;
    tx.commit().await?;
    let items = store::items(&app.db, id).await?;
    Ok(view(actor, next, items))
}

/// Adds a category to a list; `version` is the list's version read.
pub async fn add_item(app: &App, actor: &Actor, id: Uuid, input: ItemInput, version: i64) -> Result<KeyList> {
    actor.require(Permission::ManageKeyProducts, "changing key-product lists")?;
    let mut tx = app.db.begin().await?;
    let row = lock(app, actor, &mut tx, id, version).await?;
    let present: Vec<String> = store::items(&app.db, id).await?.into_iter().map(|i| i.category_code).collect();
    let mut errors = ValidationErrors::new();
    let entry = item(&mut errors, "item", &input, row.extends_list.as_deref(), &present);
    errors.into_result()?;
    let Some((category_code, note)) = entry else {
        return Err(Error::Internal("validated item missing".into()));
    };
    let next = touch(app, actor, &mut tx, &row).await?;
    let it = KeyItemRow {
        id: Uuid::now_v7(),
        list_id: id,
        category_code,
        note,
        added_by: actor.username.clone(),
        added_at: next.updated_at,
    };
    store::insert_item(&mut tx, &it).await.map_err(|e| {
        if e.is_unique_violation() {
            Error::field("item.category_code", "already_listed", "the category is already on this list")
        } else {
            e.into()
        }
    })?;
    audit::record(app, &mut tx, actor, change("key_product_list.add_item", &next).after(&it)).await?;
    tx.commit().await?;
    let items = store::items(&app.db, id).await?;
    Ok(view(actor, next, items))
}

/// Removes a category from a list; `version` is the list's version read.
pub async fn remove_item(app: &App, actor: &Actor, id: Uuid, category_code: &str, version: i64) -> Result<KeyList> {
    actor.require(Permission::ManageKeyProducts, "changing key-product lists")?;
    let mut tx = app.db.begin().await?;
    let row = lock(app, actor, &mut tx, id, version).await?;
    let Some(removed) = store::delete_item(&mut tx, id, category_code.trim()).await? else {
        return Err(Error::field("category_code", "not_listed", format!("{category_code:?} is not on this list")));
    };
    let next = touch(app, actor, &mut tx, &row).await?;
    audit::record(app, &mut tx, actor, change("key_product_list.remove_item", &next).before(&removed)).await?;
    tx.commit().await?;
    let items = store::items(&app.db, id).await?;
    Ok(view(actor, next, items))
}

/// The product categories that are key products in `region` in `year`: every shipped list of
/// that year for the region or a region above it, and every list those regions defined for
/// the year with the shipped list it extends. Codes sorted, each once. Campaigns call this;
/// it reads no jurisdiction (the caller decides whose region it asks about).
pub async fn effective_key_products(app: &App, region: &str, year: i64) -> Result<Vec<String>> {
    let mut chain: Vec<String> = vec![region.to_string()];
    chain.extend(regions().ancestors(region).into_iter().map(String::from));
    let cat = catalogue();
    let mut codes: Vec<String> = Vec::new();
    let add_shipped = |list: &str, codes: &mut Vec<String>| {
        codes.extend(cat.key_products(list).into_iter().map(|k| k.category_code.to_string()));
    };
    for list in cat.lists() {
        let entries = cat.key_products(list);
        if entries.first().is_some_and(|k| i64::from(k.year) == year && chain.iter().any(|c| c == k.region_code)) {
            add_shipped(list, &mut codes);
        }
    }
    let rows = store::of_regions(&app.db, &chain, year).await?;
    for r in &rows {
        if let Some(list) = &r.extends_list {
            add_shipped(list, &mut codes);
        }
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    codes.extend(store::items_of(&app.db, &ids).await?.into_iter().map(|i| i.category_code));
    codes.sort();
    codes.dedup();
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lists_are_jiangxi_2022_and_guizhou_2023_read_only() {
        let lists = shipped();
        assert_eq!(lists.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), ["jiangxi-2022", "guizhou-2023"]);
        assert!(lists.iter().all(|l| l.shipped && !l.editable));
        assert_eq!(lists[0].items.len(), 11);
        assert_eq!((lists[0].year, lists[0].region_code.as_str()), (2022, "360000"));
    }

    #[test]
    fn a_list_extends_only_a_shipped_list_of_its_year_covering_its_region() {
        let mut e = ValidationErrors::new();
        check_extends(&mut e, "jiangxi-2022", 2022, "360100");
        assert!(e.0.is_empty());
        for (list, year, region, code) in [
            ("jiangxi-2022", 2023, "360100", "other_year"),
            ("guizhou-2023", 2023, "360100", "other_region"),
            ("nowhere-2022", 2022, "360100", "invalid_choice"),
        ] {
            let mut e = ValidationErrors::new();
            check_extends(&mut e, list, year, region);
            assert_eq!(e.0.first().map(|f| f.code.as_str()), Some(code), "{list} {year} {region}");
        }
    }
}
