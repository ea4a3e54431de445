//! User administration, delegated to each bureau for its own staff (R-AUTH-4): create, edit,
//! lock, unlock, reset password or second factor, list — always inside the actor's bureau
//! subtree (or, for supervised-side accounts, the actor's regions).

use serde::{Deserialize, Serialize};
use touchstone_domain::ValidationErrors;
use touchstone_domain::password;
use touchstone_domain::region::RegionCode;
use touchstone_domain::role::{Department, Permission, Role};
use touchstone_store::list::{Page, Window};
use touchstone_store::organisations as orgs;
use touchstone_store::sessions;
use touchstone_store::users::{self as store, UserFilter, UserRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::organisations::stale;
use crate::{Actor, App, Error, Result, passwords};

/// A new account.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub department: Option<String>,
    pub officer_number: Option<String>,
    pub binding_id: Option<Uuid>,
    /// For supervised-side accounts: the region of the bound record.
    pub region_code: Option<String>,
    pub password: String,
}

/// Editable fields of an account.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub department: Option<String>,
    pub officer_number: Option<String>,
    pub version: i64,
}

fn blank_to_none(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && u != crate::actor::SYSTEM_USERNAME
}

/// The role-dependent fields, checked together. Returns (role, organisation, region).
#[allow(clippy::too_many_arguments)]
async fn check_assignment(
    app: &App,
    actor: &Actor,
    errors: &mut ValidationErrors,
    pending: &[orgs::OrganisationRow],
    role: &str,
    organisation_id: Option<Uuid>,
    department: &Option<String>,
    officer_number: &Option<String>,
    binding_id: Option<Uuid>,
    region_code: &Option<String>,
) -> Result<(Option<Role>, Option<orgs::OrganisationRow>, Option<String>)> {
    let Some(role) = Role::parse(role) else {
        errors.add("role", "invalid_choice", format!("unknown role {role:?}"));
        return Ok((None, None, None));
    };
    if let Some(d) = department
        && Department::parse(d).is_none()
    {
        errors.add("department", "invalid_choice", format!("unknown department {d:?}"));
    }
    if role == Role::Officer && department.is_none() {
        errors.add("department", "required", "an officer belongs to a department");
    }
    if role == Role::Inspector {
        match officer_number {
            None => errors.add("officer_number", "required", "an inspector has a law-enforcement officer id"),
            Some(n) if n.len() > 32 || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                errors.add("officer_number", "invalid_format", "letters, digits and - only, at most 32")
            }
            _ => {}
        }
    }
    if role.is_regulator() {
        let Some(org_id) = organisation_id else {
            errors.add("organisation_id", "required", "bureau staff belong to a bureau");
            return Ok((Some(role), None, None));
        };
        let Some(org) = crate::organisations::find_usable(app, actor, org_id, pending).await? else {
            errors.add("organisation_id", "not_found", "no such bureau in your jurisdiction");
            return Ok((Some(role), None, None));
        };
        let region = org.region_code.clone();
        Ok((Some(role), Some(org), Some(region)))
    } else {
        if binding_id.is_none() {
            errors.add("binding_id", "required", "a supervised-side account is bound to one record");
        }
        let region = match region_code.as_deref().map(RegionCode::parse) {
            None => {
                errors.add("region_code", "required", "the region of the bound record");
                None
            }
            Some(Err(e)) => {
                errors.add("region_code", "invalid_region", e.to_string());
                None
            }
            Some(Ok(r)) if !actor.regions.contains(r.as_str()) => {
                errors.add("region_code", "outside_jurisdiction", "the region is outside your jurisdiction");
                None
            }
            Some(Ok(r)) => Some(r.as_str().to_string()),
        };
        Ok((Some(role), None, region))
    }
}

pub async fn create(app: &App, actor: &Actor, input: NewUser) -> Result<UserRow> {
    let row = prepare(app, actor, input, &[]).await?;
    let mut tx = app.db.begin().await?;
    insert_row(app, &mut tx, actor, &row).await?;
    tx.commit().await?;
    Ok(row)
}

/// Validates a new account and builds its row (password hashed) without writing anything.
/// `pending` holds bureaus prepared earlier in the same import.
pub async fn prepare(app: &App, actor: &Actor, input: NewUser, pending: &[orgs::OrganisationRow]) -> Result<UserRow> {
    build(app, actor, input, pending, None).await
}

/// Like `prepare` for a password hashed earlier (a confirmed self-registration, whose
/// password met the policy when it was chosen): every other check is the same.
pub(crate) async fn prepare_hashed(app: &App, actor: &Actor, input: NewUser, hash: String) -> Result<UserRow> {
    build(app, actor, input, &[], Some(hash)).await
}

/// Checks a new user name (format, not taken) and returns it normalised.
pub(crate) async fn check_username(app: &App, errors: &mut ValidationErrors, raw: &str) -> Result<String> {
    let username = raw.trim().to_lowercase();
    if !valid_username(&username) {
        errors.add("username", "invalid_username", "3–64 characters: lower-case letters, digits, . _ -");
    } else if store::find_by_username(&app.db, &username).await?.is_some() {
        errors.add("username", "taken", "this user name is taken");
    }
    Ok(username)
}

async fn build(
    app: &App,
    actor: &Actor,
    input: NewUser,
    pending: &[orgs::OrganisationRow],
    hashed: Option<String>,
) -> Result<UserRow> {
    actor.require(Permission::ManageUsers, "creating users")?;
    let mut errors = ValidationErrors::new();
    let username = check_username(app, &mut errors, &input.username).await?;
    let display_name = input.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        errors.add("display_name", "invalid_length", "1–100 characters");
    }
    let department = blank_to_none(&input.department);
    let officer_number = blank_to_none(&input.officer_number);
    let (role, org, region) = check_assignment(
        app,
        actor,
        &mut errors,
        pending,
        &input.role,
        input.organisation_id,
        &department,
        &officer_number,
        input.binding_id,
        &blank_to_none(&input.region_code),
    )
    .await?;
    if hashed.is_none()
        && let Err(e) = password::check_policy("password", &input.password, &username)
    {
        errors.0.extend(e.0);
    }
    errors.into_result()?;
    let (Some(role), Some(region)) = (role, region) else {
        return Err(Error::Internal("validated assignment lacks role or region".into()));
    };
    let hash = match hashed {
        Some(h) => h,
        None => passwords::hash(&input.password).await?,
    };
    let now = app.clock.now().as_micros();
    let row = UserRow {
        id: Uuid::now_v7(),
        username,
        display_name,
        role: role.code().to_string(),
        organisation_id: org.as_ref().map(|o| o.id),
        department,
        officer_number,
        binding_kind: role.binding_kind().map(|b| b.code().to_string()),
        binding_id: if role.is_regulator() { None } else { input.binding_id },
        region_code: region,
        password_hash: hash,
        password_changed_at: now,
        must_change_password: !actor.is_system(),
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        locale: None,
        locked: false,
        failed_logins: 0,
        locked_until: None,
        last_login_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    Ok(row)
}

/// Inserts a validated row with its audit entry (shared by create and import).
pub(crate) async fn insert_row(app: &App, tx: &mut touchstone_store::Tx, actor: &Actor, row: &UserRow) -> Result<()> {
    store::insert(tx, row).await.map_err(|e| {
        if e.is_unique_violation() { Error::field("username", "taken", "this user name is taken") } else { e.into() }
    })?;
    audit::record(
        app,
        tx,
        actor,
        Change::new("user.create", "user", row.id).region(row.region_code.clone(), row.organisation_id).after(row),
    )
    .await?;
    Ok(())
}

pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<UserRow> {
    actor.require(Permission::ReadStaff, "reading users")?;
    store::get(&app.db, &actor.bureaus, &actor.regions, id).await?.ok_or(Error::NotFound)
}

pub async fn list(app: &App, actor: &Actor, filter: &UserFilter, window: &Window) -> Result<Page<UserRow>> {
    actor.require(Permission::ReadStaff, "reading users")?;
    Ok(store::list(&app.db, &actor.bureaus, &actor.regions, filter, window).await?)
}

/// Loads the user for a change inside `tx`, checks scope and version, applies `change`,
/// writes it with its audit entry. One path for every administrative change.
async fn modify<F>(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    action: &'static str,
    change: F,
) -> Result<UserRow>
where
    F: FnOnce(&mut UserRow) -> Result<bool>,
{
    actor.require(Permission::ManageUsers, "changing users")?;
    let mut tx = app.db.begin().await?;
    let before = store::get_for_update(&mut tx, &actor.bureaus, &actor.regions, id).await?.ok_or(Error::NotFound)?;
    if version.is_some_and(|v| v != before.version) {
        return Err(stale(&before.updated_by, before.updated_at));
    }
    let mut row = before.clone();
    let end_sessions = change(&mut row)?;
    row.version += 1;
    row.updated_at = app.clock.now().as_micros();
    row.updated_by = actor.username.clone();
    if !store::update(&mut tx, &row, before.version).await? {
        return Err(stale(&before.updated_by, before.updated_at));
    }
    if end_sessions {
        sessions::delete_sessions_of_user(&mut tx, id).await?;
    }
    audit::record(
        app,
        &mut tx,
        actor,
        Change::new(action, "user", id)
            .region(row.region_code.clone(), row.organisation_id)
            .before(&before)
            .after(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(app: &App, actor: &Actor, id: Uuid, input: UserUpdate) -> Result<UserRow> {
    actor.require(Permission::ManageUsers, "changing users")?;
    let existing = store::get(&app.db, &actor.bureaus, &actor.regions, id).await?.ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    let display_name = input.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        errors.add("display_name", "invalid_length", "1–100 characters");
    }
    let department = blank_to_none(&input.department);
    let officer_number = blank_to_none(&input.officer_number);
    let existing_role = Role::parse(&existing.role);
    let new_role = Role::parse(&input.role);
    if existing_role.is_some_and(|r| r.is_regulator()) != new_role.is_some_and(|r| r.is_regulator()) {
        errors.add(
            "role",
            "cannot_cross",
            "bureau staff and supervised-side accounts cannot be turned into each other",
        );
    }
    if actor.user_id == Some(id) && new_role != existing_role {
        errors.add("role", "own_account", "you cannot change your own role");
    }
    let (role, org, region) = check_assignment(
        app,
        actor,
        &mut errors,
        &[],
        &input.role,
        input.organisation_id.or(existing.organisation_id),
        &department,
        &officer_number,
        existing.binding_id,
        &Some(existing.region_code.clone()),
    )
    .await?;
    errors.into_result()?;
    modify(app, actor, id, Some(input.version), "user.update", |row| {
        row.display_name = display_name;
        if let Some(r) = role {
            row.role = r.code().to_string();
        }
        if let Some(o) = &org {
            row.organisation_id = Some(o.id);
        }
        if let Some(r) = region {
            row.region_code = r;
        }
        row.department = department;
        row.officer_number = officer_number;
        Ok(false)
    })
    .await
}

pub async fn lock(app: &App, actor: &Actor, id: Uuid) -> Result<UserRow> {
    if actor.user_id == Some(id) {
        return Err(Error::field("id", "own_account", "you cannot lock your own account"));
    }
    modify(app, actor, id, None, "user.lock", |row| {
        row.locked = true;
        Ok(true)
    })
    .await
}

pub async fn unlock(app: &App, actor: &Actor, id: Uuid) -> Result<UserRow> {
    modify(app, actor, id, None, "user.unlock", |row| {
        row.locked = false;
        row.locked_until = None;
        row.failed_logins = 0;
        Ok(false)
    })
    .await
}

/// Sets a temporary password the user must change at next sign-in; ends their sessions.
pub async fn reset_password(app: &App, actor: &Actor, id: Uuid, temporary: &str) -> Result<UserRow> {
    let target = store::get(&app.db, &actor.bureaus, &actor.regions, id).await?.ok_or(Error::NotFound)?;
    password::check_policy("password", temporary, &target.username)?;
    let hash = passwords::hash(temporary).await?;
    let now = app.clock.now().as_micros();
    modify(app, actor, id, None, "user.reset_password", move |row| {
        row.password_hash = hash;
        row.password_changed_at = now;
        row.must_change_password = true;
        row.failed_logins = 0;
        row.locked_until = None;
        Ok(true)
    })
    .await
}

/// Clears a user's second factor (a lost phone); they set it up again at next sign-in.
pub async fn reset_second_factor(app: &App, actor: &Actor, id: Uuid) -> Result<UserRow> {
    modify(app, actor, id, None, "user.reset_second_factor", |row| {
        row.totp_enabled = false;
        row.totp_secret = None;
        row.totp_last_step = None;
        Ok(true)
    })
    .await
}

/// The actor's own language choice.
pub async fn set_locale(app: &App, actor: &Actor, locale: &str) -> Result<()> {
    let Some(id) = actor.user_id else { return Ok(()) };
    if !matches!(locale, "zh-CN" | "en") {
        return Err(Error::field("locale", "invalid_choice", "zh-CN or en"));
    }
    let mut tx = app.db.begin().await?;
    let mut row = store::find_for_update(&mut tx, id).await?.ok_or(Error::NotFound)?;
    if row.locale.as_deref() == Some(locale) {
        return Ok(());
    }
    let v = row.version;
    row.locale = Some(locale.to_string());
    row.version += 1;
    store::update(&mut tx, &row, v).await?;
    audit::record(
        app,
        &mut tx,
        actor,
        Change::new("user.set_locale", "user", id)
            .region(row.region_code.clone(), row.organisation_id)
            .after(serde_json::json!({"locale": locale})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The outcome of an import: rows created, or every bad row with its reason.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub value: String,
    pub reason: String,
}

pub mod import;
