//! Accounts for certification bodies and laboratories, opened by the bureau (issue 4): an
//! administrator or officer creates a user bound to a body or laboratory of the
//! jurisdiction; the record's page lists its accounts. The new user changes the temporary
//! password at first sign-in.

use serde::Deserialize;
use touchstone_domain::role::{BindingKind, Permission, Role};
use touchstone_store::users::{self as user_store, UserRow};
use uuid::Uuid;

use crate::users::{self, NewUser};
use crate::{Actor, App, Error, Result};

/// The account to open for a body or laboratory.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    /// A temporary password the user must change at first sign-in.
    pub password: String,
}

/// The record an account is bound to: its region decides who may open accounts for it.
async fn record_region(app: &App, kind: BindingKind, id: Uuid) -> Result<Option<String>> {
    Ok(match kind {
        BindingKind::CertificationBody => {
            touchstone_store::certificates::body(&app.db, id).await?.map(|b| b.region_code)
        }
        BindingKind::Laboratory => touchstone_store::laboratories::get(&app.db, id).await?.map(|l| l.region_code),
        BindingKind::Enterprise => None,
    })
}

/// The region of a body or laboratory inside the actor's jurisdiction; anything else is not found.
async fn region_in_jurisdiction(app: &App, actor: &Actor, kind: BindingKind, id: Uuid) -> Result<String> {
    record_region(app, kind, id).await?.filter(|r| actor.regions.contains(r)).ok_or(Error::NotFound)
}

fn role_for(kind: BindingKind) -> Role {
    match kind {
        BindingKind::CertificationBody => Role::CertificationBodyUser,
        BindingKind::Laboratory => Role::LaboratoryUser,
        BindingKind::Enterprise => Role::EnterpriseUser,
    }
}

/// Opens an account bound to a certification body or laboratory of the jurisdiction, with
/// its audit entry in the same transaction.
pub async fn create(app: &App, actor: &Actor, kind: BindingKind, id: Uuid, input: AccountInput) -> Result<UserRow> {
    actor.require(Permission::ManageSupervisedAccounts, "opening accounts for the supervised")?;
    if kind == BindingKind::Enterprise {
        return Err(Error::Forbidden("enterprises claim or register their own accounts"));
    }
    let region = region_in_jurisdiction(app, actor, kind, id).await?;
    let new_user = NewUser {
        username: input.username,
        display_name: input.display_name,
        role: role_for(kind).code().into(),
        binding_id: Some(id),
        region_code: Some(region),
        password: input.password,
        ..NewUser::default()
    };
    // The checks and the row are user administration's; the permission and the record's
    // jurisdiction were checked above, so it runs as the system and the row is the actor's.
    let mut row = users::prepare(app, &Actor::system(None), new_user, &[]).await?;
    row.must_change_password = true;
    row.updated_by = actor.username.clone();
    let mut tx = app.db.begin().await?;
    users::insert_row(app, &mut tx, actor, &row).await?;
    tx.commit().await?;
    Ok(row)
}

/// The accounts of a body or laboratory of the jurisdiction.
pub async fn list(app: &App, actor: &Actor, kind: BindingKind, id: Uuid) -> Result<Vec<UserRow>> {
    actor.require(Permission::ReadStaff, "reading accounts")?;
    region_in_jurisdiction(app, actor, kind, id).await?;
    Ok(user_store::bound_to(&app.db, kind.code(), id).await?)
}
