//! The laboratory registry (issue 4, for R-SC-1 and R-SC-3): test institutions with their
//! CNAS accreditation number, optional CMA number, approved test scope (product categories
//! and the standards or parameters as written) and status. Every regulator reads it; bureau
//! administrators register and edit the laboratories of their jurisdiction; a laboratory's
//! own users read their own record.

use serde::Deserialize;
use touchstone_domain::ValidationErrors;
use touchstone_domain::laboratory::{self as rules, STATUSES};
use touchstone_domain::region::RegionCode;
use touchstone_domain::role::{BindingKind, Permission};
use touchstone_store::laboratories::{self as store, LaboratoryFilter, LaboratoryRow};
use touchstone_store::list::{Page, Window};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::certificates::{check_categories, codes};
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

/// A laboratory as an administrator registers or edits it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LaboratoryInput {
    pub name: String,
    /// CNAS accreditation number, such as `CNAS L1234` (the prefix is optional).
    pub accreditation_number: String,
    /// CMA certificate number, if the laboratory has one.
    pub cma_number: Option<String>,
    pub region_code: String,
    /// Product-category codes the laboratory is approved to test.
    #[serde(default)]
    pub scope: Vec<String>,
    /// Standards and parameters of the approved scope, as written.
    pub scope_text: Option<String>,
    /// `active`, `suspended` or `revoked`; `active` when registering.
    pub status: Option<String>,
    /// The version read, for an edit.
    pub version: Option<i64>,
}

fn blank(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Checks every field, naming each one broken; returns the row's own fields filled into
/// `row` (identity and version columns are the caller's).
fn validate(actor: &Actor, input: &LaboratoryInput, row: &mut LaboratoryRow) -> Result<()> {
    let mut errors = ValidationErrors::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "invalid_length", "1–200 characters");
    }
    let accreditation = rules::accreditation_number(&input.accreditation_number);
    if accreditation.is_none() {
        errors.add("accreditation_number", "invalid_format", "a CNAS number such as CNAS L1234");
    }
    let cma = blank(&input.cma_number);
    let cma_number = cma.as_deref().map(rules::cma_number);
    if cma_number == Some(None) {
        errors.add("cma_number", "invalid_format", "8–20 letters and digits");
    }
    match RegionCode::parse(input.region_code.trim()) {
        Ok(r) if actor.regions.contains(r.as_str()) => row.region_code = r.as_str().to_string(),
        Ok(_) => errors.add("region_code", "outside_jurisdiction", "the region is outside your jurisdiction"),
        Err(e) => errors.add("region_code", "invalid_region", e.to_string()),
    }
    let scope = codes(&input.scope);
    check_categories(&mut errors, "scope", &scope);
    let scope_text = blank(&input.scope_text);
    if scope_text.as_ref().is_some_and(|t| t.chars().count() > 2000) {
        errors.add("scope_text", "too_long", "at most 2000 characters");
    }
    let status = blank(&input.status).unwrap_or_else(|| row.status.clone());
    if !STATUSES.contains(&status.as_str()) {
        errors.add("status", "invalid_choice", STATUSES.join(", "));
    }
    errors.into_result()?;
    row.name = name.to_string();
    row.accreditation_number = accreditation.unwrap_or_default();
    row.cma_number = cma_number.flatten();
    row.scope = scope.join(" ");
    row.scope_text = scope_text;
    row.status = status;
    Ok(())
}

fn taken(e: touchstone_store::StoreError) -> Error {
    if e.is_unique_violation() {
        Error::field("accreditation_number", "taken", "a laboratory with this accreditation number is registered")
    } else {
        e.into()
    }
}

/// Registers a laboratory of the jurisdiction.
pub async fn create(app: &App, actor: &Actor, input: LaboratoryInput) -> Result<LaboratoryRow> {
    actor.require(Permission::ManageOrganisations, "registering laboratories")?;
    let now = app.clock.now().as_micros();
    let mut row = LaboratoryRow {
        id: Uuid::now_v7(),
        name: String::new(),
        accreditation_number: String::new(),
        cma_number: None,
        region_code: String::new(),
        scope: String::new(),
        scope_text: None,
        status: "active".into(),
        version: 1,
        created_at: now,
        created_by: actor.username.clone(),
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    validate(actor, &input, &mut row)?;
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &row).await.map_err(taken)?;
    let change = Change::new("laboratory.create", "laboratory", row.id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(&row)).await?;
    tx.commit().await?;
    Ok(row)
}

/// Edits a laboratory of the jurisdiction; `version` must be the one read. A laboratory
/// outside the jurisdiction answers as if it did not exist.
pub async fn update(app: &App, actor: &Actor, id: Uuid, input: LaboratoryInput) -> Result<LaboratoryRow> {
    actor.require(Permission::ManageOrganisations, "editing laboratories")?;
    let Some(version) = input.version else {
        return Err(Error::field("version", "required", "the version you read"));
    };
    let mut tx = app.db.begin().await?;
    let before = store::get_for_update(&mut tx, id)
        .await?
        .filter(|l| actor.regions.contains(&l.region_code))
        .ok_or(Error::NotFound)?;
    if before.version != version {
        return Err(stale(&before.updated_by, before.updated_at));
    }
    let mut row = before.clone();
    validate(actor, &input, &mut row)?;
    row.version += 1;
    row.updated_at = app.clock.now().as_micros();
    row.updated_by = actor.username.clone();
    if !store::update(&mut tx, &row, before.version).await.map_err(taken)? {
        return Err(stale(&before.updated_by, before.updated_at));
    }
    let change = Change::new("laboratory.update", "laboratory", id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.before(&before).after(&row)).await?;
    tx.commit().await?;
    Ok(row)
}

/// One laboratory: any regulator reads the registry; a laboratory's own users their own.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<LaboratoryRow> {
    if actor.bound_to(BindingKind::Laboratory) != Some(id) {
        actor.require(Permission::ReadEnterprises, "reading laboratories")?;
    }
    store::get(&app.db, id).await?.ok_or(Error::NotFound)
}

pub async fn list(app: &App, actor: &Actor, filter: &LaboratoryFilter, window: &Window) -> Result<Page<LaboratoryRow>> {
    actor.require(Permission::ReadEnterprises, "reading laboratories")?;
    Ok(store::list(&app.db, filter, window).await?)
}

/// Whether the actor may change this laboratory (and open its accounts): for the pages.
pub fn in_jurisdiction(actor: &Actor, lab: &LaboratoryRow) -> bool {
    actor.regions.contains(&lab.region_code)
}
