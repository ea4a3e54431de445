//! Who is asking: the signed-in user (or the system account) with role, bureau, jurisdiction
//! and request origin. Built once per request; every use case takes it.

use serde::Serialize;
use touchstone_domain::jurisdiction::{BureauScope, Scope};
use touchstone_domain::region::RegionCode;
use touchstone_domain::role::{BindingKind, Permission, Role};
use touchstone_store::organisations::{self, OrganisationRow};
use touchstone_store::users::UserRow;
use uuid::Uuid;

use crate::{App, Error, Result};

/// Where a request came from, for the audit entry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The operating-system user, for CLI work.
    pub os_user: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub username: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub organisation: Option<OrganisationRow>,
    /// Jurisdiction roots of the actor's bureau.
    pub jurisdiction: Vec<String>,
    #[serde(skip)]
    pub regions: Scope,
    #[serde(skip)]
    pub bureaus: BureauScope,
    pub locale: Option<String>,
    /// For supervised-side users: the record they are bound to.
    pub binding: Option<(BindingKind, Uuid)>,
    pub origin: Origin,
}

pub const SYSTEM_USERNAME: &str = "system";

impl Actor {
    /// What this actor reads: records of its region scope, and its own enterprise's.
    pub fn visibility(&self) -> touchstone_store::enterprises::Visibility<'_> {
        touchstone_store::enterprises::Visibility { regions: &self.regions, own: self.own_enterprise() }
    }

    /// What this actor acts on as an officer: its region scope only, never through an
    /// enterprise binding.
    pub fn officer_visibility(&self) -> touchstone_store::enterprises::Visibility<'_> {
        touchstone_store::enterprises::Visibility { regions: &self.regions, own: None }
    }

    /// The built-in system account used by the CLI: every region, recorded with the OS user.
    pub fn system(os_user: Option<String>) -> Actor {
        Actor {
            user_id: None,
            username: SYSTEM_USERNAME.into(),
            display_name: "system".into(),
            role: None,
            organisation: None,
            jurisdiction: Vec::new(),
            regions: Scope::Everything,
            bureaus: BureauScope::Everything,
            locale: None,
            binding: None,
            origin: Origin { os_user, ..Origin::default() },
        }
    }

    /// The actor for a user row: bureau staff get their bureau's jurisdiction and subtree;
    /// supervised-side users get nothing regional.
    pub async fn for_user(app: &App, user: &UserRow, origin: Origin) -> Result<Actor> {
        let role =
            Role::parse(&user.role).ok_or_else(|| Error::Internal(format!("user {} has unknown role", user.id)))?;
        let (organisation, jurisdiction, regions, bureaus) = match (role.is_regulator(), user.organisation_id) {
            (true, Some(org_id)) => {
                let org = organisations::find(&app.db, org_id).await?.ok_or(Error::Unauthenticated)?;
                let roots = organisations::jurisdiction(&app.db, org_id).await?;
                let codes: Vec<RegionCode> = roots.iter().filter_map(|c| RegionCode::parse(c).ok()).collect();
                let scope = Scope::from_roots(codes.iter());
                (Some(org), roots, scope, BureauScope::Subtree(org_id))
            }
            _ => (None, Vec::new(), Scope::Nothing, BureauScope::Nothing),
        };
        Ok(Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: Some(role),
            organisation,
            jurisdiction,
            regions,
            bureaus,
            locale: user.locale.clone(),
            binding: user.binding_kind.as_deref().and_then(BindingKind::parse).zip(user.binding_id),
            origin,
        })
    }

    /// The enterprise this actor is bound to, for an enterprise's own users.
    pub fn own_enterprise(&self) -> Option<Uuid> {
        match self.binding {
            Some((BindingKind::Enterprise, id)) => Some(id),
            _ => None,
        }
    }

    /// The record of `kind` this actor is bound to (a certification body's or a laboratory's users).
    pub fn bound_to(&self, kind: BindingKind) -> Option<Uuid> {
        self.binding.filter(|(k, _)| *k == kind).map(|(_, id)| id)
    }

    pub fn is_system(&self) -> bool {
        self.user_id.is_none()
    }

    /// The system account may do everything; users by their role.
    pub fn can(&self, permission: Permission) -> bool {
        self.is_system() || self.role.is_some_and(|r| r.can(permission))
    }

    pub fn require(&self, permission: Permission, what: &'static str) -> Result<()> {
        if self.can(permission) { Ok(()) } else { Err(Error::Forbidden(what)) }
    }

    /// `code` as a region of the actor's jurisdiction; otherwise why not is added to `errors`
    /// (field `region_code`: not a GB/T 2260 code, or outside) and the answer is empty.
    pub fn region_in_jurisdiction(&self, errors: &mut touchstone_domain::ValidationErrors, code: &str) -> String {
        match RegionCode::parse(code.trim()) {
            Ok(r) if self.regions.contains(r.as_str()) => r.as_str().to_string(),
            Ok(_) => {
                errors.add("region_code", "outside_jurisdiction", "the region is outside your jurisdiction");
                String::new()
            }
            Err(e) => {
                errors.add("region_code", "invalid_region", e.to_string());
                String::new()
            }
        }
    }
}
