//! Accounts for the supervised: an officer issues a one-time activation code for an
//! enterprise of the jurisdiction (printed on a notice handed to it); the enterprise claims
//! its account with its credit code and that code. Guessing is throttled per address.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use touchstone_domain::role::{Permission, Role};
use touchstone_domain::uscc::Uscc;
use touchstone_store::activation::{self as store, ActivationRow};
use touchstone_store::enterprises::{self as enterprise_store, EnterpriseRow, Visibility};
use touchstone_store::sessions;
use touchstone_store::users::UserRow;
use uuid::Uuid;

use crate::actor::Origin;
use crate::audit::{self, Change};
use crate::users::{self, NewUser};
use crate::{Actor, App, Error, Result};

/// Days an activation code stays usable.
pub const VALID_DAYS: i64 = 30;
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

fn normalise(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

fn hash(code: &str) -> String {
    crate::auth::token_hash(&normalise(code))
}

/// A freshly issued code, shown once (on the printable notice).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Issued {
    pub code: String,
    pub expires_at: i64,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub uscc: String,
}

/// Issues a code for an enterprise of the jurisdiction; earlier unused codes stop working.
pub async fn issue(app: &App, actor: &Actor, enterprise_id: Uuid) -> Result<Issued> {
    actor.require(Permission::EditEnterprises, "issuing activation codes")?;
    let e = enterprise_store::get(&app.db, &Visibility { regions: &actor.regions, own: None }, enterprise_id)
        .await?
        .ok_or(Error::NotFound)?;
    let code = new_code();
    let now = app.clock.now();
    let row = ActivationRow {
        id: Uuid::now_v7(),
        code_hash: hash(&code),
        enterprise_id,
        region_code: e.region_code.clone(),
        issued_by: actor.username.clone(),
        issued_at: now.as_micros(),
        expires_at: now.plus_seconds(VALID_DAYS * 86_400).as_micros(),
        used_at: None,
        used_by: None,
    };
    let mut tx = app.db.begin().await?;
    store::retire_unused(&mut tx, enterprise_id, now.as_micros()).await?;
    store::insert(&mut tx, &row).await?;
    let change =
        Change::new("enterprise.activation_code", "enterprise", enterprise_id).region(e.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(serde_json::json!({"expires_at": row.expires_at}))).await?;
    tx.commit().await?;
    Ok(Issued { code, expires_at: row.expires_at, enterprise_id, enterprise_name: e.name, uscc: e.uscc })
}

/// What an enterprise sends to claim its account.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Claim {
    pub uscc: String,
    pub code: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

/// Creates the enterprise's account when the code is right; wrong attempts count against the
/// address like failed sign-ins.
pub async fn claim(app: &App, input: Claim, origin: Origin) -> Result<UserRow> {
    let now = app.clock.now().as_micros();
    let sec = &app.config.security;
    let key = format!("activation:{}", origin.ip.as_deref().unwrap_or("unknown"));
    let window = sec.address_window_minutes * 60 * 1_000_000;
    if let Some(t) = sessions::throttle(&app.db, &key).await?
        && t.window_start >= now - window
        && t.failures >= sec.address_failures_per_window
    {
        return Err(Error::TooManyAttempts { retry_after_seconds: (t.window_start + window - now) / 1_000_000 + 1 });
    }
    let refuse = || {
        Error::field(
            "code",
            "invalid_activation",
            "the credit code and activation code do not match an unused, unexpired code",
        )
    };
    let uscc = Uscc::parse(&input.uscc).map_err(|e| Error::field("uscc", e.rule(), e.to_string()))?;
    let mut tx = app.db.begin().await?;
    let found = store::find_for_claim(&mut tx, &hash(&input.code)).await?;
    let enterprise = match &found {
        Some(a) if a.expires_at > now => enterprise_store::get(
            &app.db,
            &Visibility { regions: &touchstone_domain::jurisdiction::Scope::Everything, own: None },
            a.enterprise_id,
        )
        .await?
        .filter(|e| e.uscc == uscc.as_str()),
        _ => None,
    };
    let (Some(code), Some(enterprise)) = (found, enterprise) else {
        sessions::record_failure(&mut tx, &key, now, now - window).await?;
        tx.commit().await?;
        return Err(refuse());
    };
    let mut system = Actor::system(None);
    system.username = input.username.trim().to_lowercase();
    system.origin = origin;
    let new_user = enterprise_account(&enterprise, input.username, input.display_name, input.password);
    let row = users::prepare(app, &Actor::system(None), new_user, &[]).await?;
    open_account(app, &mut tx, &system, &enterprise, &row, "enterprise.account_claimed").await?;
    store::mark_used(&mut tx, code.id, now, row.id).await?;
    tx.commit().await?;
    Ok(row)
}

/// The account an enterprise's own user asks for, bound to the enterprise (the claim and a
/// confirmed self-registration both open it).
pub(crate) fn enterprise_account(
    enterprise: &EnterpriseRow,
    username: String,
    display_name: String,
    password: String,
) -> NewUser {
    NewUser {
        username,
        display_name,
        role: Role::EnterpriseUser.code().into(),
        binding_id: Some(enterprise.id),
        region_code: Some(enterprise.region_code.clone()),
        password,
        ..NewUser::default()
    }
}

/// Writes an enterprise's new account in `tx` with its audit entries: the user's creation,
/// and `action` with the user name on the enterprise's file.
pub(crate) async fn open_account(
    app: &App,
    tx: &mut touchstone_store::Tx,
    actor: &Actor,
    enterprise: &EnterpriseRow,
    row: &UserRow,
    action: &'static str,
) -> Result<()> {
    users::insert_row(app, tx, actor, row).await?;
    let change = Change::new(action, "enterprise", enterprise.id).region(enterprise.region_code.clone(), None);
    audit::record(app, tx, actor, change.after(serde_json::json!({"username": row.username}))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_compare_without_dashes_or_case() {
        let c = new_code();
        assert_eq!(c.len(), 19);
        assert_eq!(c.matches('-').count(), 3);
        assert_eq!(hash(&c), hash(&c.to_lowercase().replace('-', " ")));
    }
}
