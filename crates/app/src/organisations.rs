//! Bureaus and their jurisdictions (R-AUTH-1): an administrator creates bureaus under their
//! own, sets each one's jurisdiction (regions inside their own) and edits names. The bureau
//! tree is the reporting line; it may differ from region nesting (省直管县, 赣江新区).

use serde::{Deserialize, Serialize};
use touchstone_domain::ValidationErrors;
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::region::{RegionCode, regions};
use touchstone_domain::role::Permission;
use touchstone_store::list::{Page, Window};
use touchstone_store::organisations::{self as store, OrganisationFilter, OrganisationRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::{Actor, App, Error, Result};

/// A bureau with its jurisdiction roots and their names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    #[serde(flatten)]
    pub organisation: OrganisationRow,
    pub jurisdiction: Vec<String>,
    pub region_name: String,
    pub parent_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct OrganisationInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub region_code: String,
    pub parent_id: Option<Uuid>,
    /// Region codes; empty means the bureau's own region and everything under it.
    #[serde(default)]
    pub jurisdiction: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct OrganisationUpdate {
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub parent_id: Option<Uuid>,
    #[serde(default)]
    pub jurisdiction: Vec<String>,
    pub version: i64,
}

fn check_text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.add(field, "required", "required");
    } else if n > max {
        errors.add(field, "too_long", format!("at most {max} characters"));
    }
}

/// Parses jurisdiction codes, each inside the actor's own jurisdiction.
fn parse_jurisdiction(errors: &mut ValidationErrors, actor: &Actor, own_region: &str, codes: &[String]) -> Vec<String> {
    let wanted: Vec<String> = if codes.iter().all(|c| c.trim().is_empty()) {
        vec![own_region.to_string()]
    } else {
        codes.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
    };
    let mut out = Vec::new();
    for c in wanted {
        match RegionCode::parse(&c) {
            Ok(code) => {
                if !actor.regions.covers(&Scope::from_roots([&code])) {
                    errors.add("jurisdiction", "outside_jurisdiction", format!("{c} is outside your jurisdiction"));
                } else if !out.contains(&c) {
                    out.push(c);
                }
            }
            Err(e) => errors.add("jurisdiction", "invalid_region", e.to_string()),
        }
    }
    out.sort();
    out
}

pub async fn view(app: &App, o: OrganisationRow) -> Result<OrganisationView> {
    let jurisdiction = store::jurisdiction(&app.db, o.id).await?;
    let parent_name = match o.parent_id {
        Some(p) => store::find(&app.db, p).await?.map(|p| p.name),
        None => None,
    };
    let region_name = regions().path_name(&o.region_code, false);
    Ok(OrganisationView { organisation: o, jurisdiction, region_name, parent_name })
}

pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<OrganisationView> {
    actor.require(Permission::ReadStaff, "reading bureaus")?;
    let o = store::get(&app.db, &actor.bureaus, id).await?.ok_or(Error::NotFound)?;
    view(app, o).await
}

pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &OrganisationFilter,
    window: &Window,
) -> Result<Page<OrganisationRow>> {
    actor.require(Permission::ReadStaff, "reading bureaus")?;
    Ok(store::list(&app.db, &actor.bureaus, filter, window).await?)
}

/// Creates a bureau under one the actor administers (or a root, for the system account).
pub async fn create(app: &App, actor: &Actor, input: OrganisationInput) -> Result<OrganisationView> {
    let (row, jurisdiction) = prepare(app, actor, input, &[]).await?;
    let mut tx = app.db.begin().await?;
    insert_prepared(app, &mut tx, actor, &row, &jurisdiction).await?;
    tx.commit().await?;
    view(app, row).await
}

/// Finds a bureau the actor may use as a parent: in the database inside the bureau scope,
/// or among `pending` rows prepared earlier in the same import.
pub async fn find_usable(
    app: &App,
    actor: &Actor,
    id: Uuid,
    pending: &[OrganisationRow],
) -> Result<Option<OrganisationRow>> {
    if let Some(p) = pending.iter().find(|p| p.id == id) {
        return Ok(Some(p.clone()));
    }
    Ok(store::get(&app.db, &actor.bureaus, id).await?)
}

/// Validates a new bureau and builds its row and jurisdiction without writing anything.
pub async fn prepare(
    app: &App,
    actor: &Actor,
    input: OrganisationInput,
    pending: &[OrganisationRow],
) -> Result<(OrganisationRow, Vec<String>)> {
    actor.require(Permission::ManageOrganisations, "creating bureaus")?;
    let mut errors = ValidationErrors::new();
    check_text(&mut errors, "code", &input.code, 40);
    check_text(&mut errors, "name", &input.name, 100);
    if input.name_en.chars().count() > 200 {
        errors.add("name_en", "too_long", "at most 200 characters");
    }
    if !input.code.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        errors.add("code", "invalid_bureau_code", "letters, digits, - and _ only");
    }
    let region = match RegionCode::parse(input.region_code.trim()) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.add("region_code", "invalid_region", e.to_string());
            None
        }
    };
    if let Some(r) = &region
        && !actor.regions.contains(r.as_str())
    {
        errors.add("region_code", "outside_jurisdiction", "the region is outside your jurisdiction");
    }
    let parent = match input.parent_id {
        Some(p) => match find_usable(app, actor, p, pending).await? {
            Some(p) => Some(p),
            None => {
                errors.add("parent_id", "not_found", "no such bureau in your jurisdiction");
                None
            }
        },
        None if actor.is_system() => None,
        None => actor.organisation.clone(),
    };
    let own_region = region.as_ref().map(|r| r.as_str().to_string()).unwrap_or_default();
    let jurisdiction = parse_jurisdiction(&mut errors, actor, &own_region, &input.jurisdiction);
    let code = input.code.trim().to_string();
    if store::find_by_code(&app.db, &code).await?.is_some() || pending.iter().any(|p| p.code == code) {
        errors.add("code", "taken", "another bureau has this code");
    }
    errors.into_result()?;
    let now = app.clock.now().as_micros();
    let row = OrganisationRow {
        id: Uuid::now_v7(),
        code,
        name: input.name.trim().to_string(),
        name_en: input.name_en.trim().to_string(),
        region_code: own_region,
        parent_id: parent.map(|p| p.id),
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    Ok((row, jurisdiction))
}

/// Writes a prepared bureau and its audit entry in `tx`.
pub async fn insert_prepared(
    app: &App,
    tx: &mut touchstone_store::Tx,
    actor: &Actor,
    row: &OrganisationRow,
    jurisdiction: &[String],
) -> Result<()> {
    store::insert(tx, row).await.map_err(|e| {
        if e.is_unique_violation() { Error::field("code", "taken", "another bureau has this code") } else { e.into() }
    })?;
    store::set_jurisdiction(tx, row.id, jurisdiction).await?;
    let after = serde_json::json!({"organisation": row, "jurisdiction": jurisdiction});
    let change =
        Change::new("organisation.create", "organisation", row.id).region(row.region_code.clone(), Some(row.id));
    audit::record(app, tx, actor, change.after(after)).await?;
    Ok(())
}

/// Edits a bureau (name, reporting line, jurisdiction) with optimistic locking.
pub async fn update(app: &App, actor: &Actor, id: Uuid, input: OrganisationUpdate) -> Result<OrganisationView> {
    actor.require(Permission::ManageOrganisations, "editing bureaus")?;
    let current = store::get(&app.db, &actor.bureaus, id).await?.ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    check_text(&mut errors, "name", &input.name, 100);
    let parent_id = match input.parent_id {
        Some(p) if p == id => {
            errors.add("parent_id", "cycle", "a bureau cannot report to itself");
            current.parent_id
        }
        Some(p) => {
            if store::get(&app.db, &actor.bureaus, p).await?.is_none() {
                errors.add("parent_id", "not_found", "no such bureau in your jurisdiction");
            } else if store::get(&app.db, &touchstone_domain::jurisdiction::BureauScope::Subtree(id), p)
                .await?
                .is_some()
            {
                errors.add("parent_id", "cycle", "a bureau cannot report to one that reports to it");
            }
            Some(p)
        }
        None => current.parent_id,
    };
    // An administrator may not move or widen their own bureau.
    if actor.organisation.as_ref().is_some_and(|o| o.id == id) && parent_id != current.parent_id {
        errors.add("parent_id", "own_bureau", "the bureau above sets your own reporting line");
    }
    let jurisdiction = parse_jurisdiction(&mut errors, actor, &current.region_code, &input.jurisdiction);
    errors.into_result()?;
    let before_j = store::jurisdiction(&app.db, id).await?;
    if actor.organisation.as_ref().is_some_and(|o| o.id == id) && jurisdiction != before_j {
        return Err(Error::field("jurisdiction", "own_bureau", "the bureau above sets your own jurisdiction"));
    }
    let mut tx = app.db.begin().await?;
    let locked = store::get_for_update(&mut tx, &actor.bureaus, id).await?.ok_or(Error::NotFound)?;
    if locked.version != input.version {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    let mut row = locked.clone();
    row.name = input.name.trim().to_string();
    row.name_en = input.name_en.trim().to_string();
    row.parent_id = parent_id;
    row.version += 1;
    row.updated_at = app.clock.now().as_micros();
    row.updated_by = actor.username.clone();
    if !store::update(&mut tx, &row, input.version).await? {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    store::set_jurisdiction(&mut tx, id, &jurisdiction).await?;
    let before = serde_json::json!({"organisation": &locked, "jurisdiction": before_j});
    let after = serde_json::json!({"organisation": &row, "jurisdiction": &jurisdiction});
    audit::record(
        app,
        &mut tx,
        actor,
        Change::new("organisation.update", "organisation", id)
            .region(row.region_code.clone(), Some(id))
            .before(before)
            .after(after),
    )
    .await?;
    tx.commit().await?;
    view(app, row).await
}

/// The 409 for a stale write, naming who changed the record and when.
pub fn stale(by: &str, at: i64) -> Error {
    let when = touchstone_domain::time::Timestamp::from_micros(at).to_china_local();
    Error::Conflict {
        code: "stale_version",
        message: format!("changed by {by} at {when}; reload and apply your change again"),
    }
}
