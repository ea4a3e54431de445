//! Signing in and staying signed in (R-AUTH-2, R-AUTH-4): password check with per-account
//! lockout and per-address throttling kept in the database, TOTP second factor, server-side
//! sessions with idle and absolute expiry (rotated at every sign-in step), API tokens.

use base64::Engine as _;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};
use touchstone_domain::password;
use touchstone_domain::role::Role;
use touchstone_store::sessions::{self, SessionRow, TokenRow};
use touchstone_store::users::{self, UserRow};
use uuid::Uuid;

use crate::actor::Origin;
use crate::audit::{self, Change};
use crate::{Actor, App, Error, Result, passwords};

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a secret token, the only form stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What the user must do after the password was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Signed in.
    Done,
    /// Enter the TOTP code.
    SecondFactor,
    /// The role requires a second factor the user has not set up yet.
    EnrolSecondFactor,
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session_token: String,
    pub next: NextStep,
    pub user: UserRow,
}

fn user_origin_change(user: &UserRow, action: &'static str) -> Change {
    Change::new(action, "user", user.id).region(user.region_code.clone(), user.organisation_id)
}

fn actor_for_audit(user: &UserRow, origin: &Origin) -> Actor {
    let mut a = Actor::system(None);
    a.user_id = Some(user.id);
    a.username = user.username.clone();
    a.origin = origin.clone();
    a
}

/// Checks user name and password. Failures count against the account (it locks after
/// `max_failed_logins`) and against the address (throttled after too many in a window).
pub async fn sign_in(
    app: &App,
    username: &str,
    password: &str,
    origin: Origin,
    previous_session: Option<&str>,
) -> Result<SignedIn> {
    let now = app.clock.now().as_micros();
    let sec = &app.config.security;
    let address_key = format!("address:{}", origin.ip.as_deref().unwrap_or("unknown"));
    let window = sec.address_window_minutes * 60 * 1_000_000;
    if let Some(t) = sessions::throttle(&app.db, &address_key).await?
        && t.window_start >= now - window
        && t.failures >= sec.address_failures_per_window
    {
        return Err(Error::TooManyAttempts { retry_after_seconds: (t.window_start + window - now) / 1_000_000 + 1 });
    }
    let username = username.trim();
    let Some(user) = users::find_by_username(&app.db, username).await? else {
        passwords::verify_decoy(password).await;
        let mut tx = app.db.begin().await?;
        sessions::record_failure(&mut tx, &address_key, now, now - window).await?;
        tx.commit().await?;
        return Err(Error::InvalidCredentials);
    };
    if user.locked {
        return Err(Error::AccountLocked { until: None });
    }
    if let Some(until) = user.locked_until
        && until > now
    {
        return Err(Error::AccountLocked { until: Some(until) });
    }
    let ok = passwords::verify(&user.password_hash, password).await;
    let mut tx = app.db.begin().await?;
    let mut fresh = users::find_for_update(&mut tx, user.id).await?.ok_or(Error::InvalidCredentials)?;
    let audit_actor = actor_for_audit(&fresh, &origin);
    if !ok {
        sessions::record_failure(&mut tx, &address_key, now, now - window).await?;
        fresh.failed_logins += 1;
        let locks = fresh.failed_logins >= sec.max_failed_logins;
        if locks {
            fresh.locked_until = Some(now + sec.lockout_minutes * 60 * 1_000_000);
            fresh.failed_logins = 0;
        }
        let v = fresh.version;
        fresh.version += 1;
        users::update(&mut tx, &fresh, v).await?;
        let action = if locks { "user.locked_out" } else { "auth.sign_in_failed" };
        audit::record(app, &mut tx, &audit_actor, user_origin_change(&fresh, action)).await?;
        tx.commit().await?;
        return Err(if locks { Error::AccountLocked { until: fresh.locked_until } } else { Error::InvalidCredentials });
    }
    let role = Role::parse(&fresh.role).ok_or_else(|| Error::Internal("unknown role".into()))?;
    let next = if fresh.totp_enabled {
        NextStep::SecondFactor
    } else if role.requires_second_factor() {
        NextStep::EnrolSecondFactor
    } else {
        NextStep::Done
    };
    if fresh.failed_logins != 0 || fresh.locked_until.is_some() || next == NextStep::Done {
        fresh.failed_logins = 0;
        fresh.locked_until = None;
        if next == NextStep::Done {
            fresh.last_login_at = Some(now);
        }
        let v = fresh.version;
        fresh.version += 1;
        users::update(&mut tx, &fresh, v).await?;
    }
    if let Some(old) = previous_session {
        sessions::delete_session(&mut tx, &token_hash(old)).await?;
    }
    let token = new_session(app, &mut tx, &fresh, next == NextStep::Done, &origin).await?;
    let action = if next == NextStep::Done { "auth.signed_in" } else { "auth.password_accepted" };
    audit::record(app, &mut tx, &audit_actor, user_origin_change(&fresh, action)).await?;
    tx.commit().await?;
    Ok(SignedIn { session_token: token, next, user: fresh })
}

async fn new_session(
    app: &App,
    tx: &mut touchstone_store::Tx,
    user: &UserRow,
    passed: bool,
    origin: &Origin,
) -> Result<String> {
    let now = app.clock.now().as_micros();
    let token = random_token("");
    sessions::insert_session(
        tx,
        &SessionRow {
            id_hash: token_hash(&token),
            user_id: user.id,
            second_factor_passed: passed,
            created_at: now,
            last_seen_at: now,
            expires_at: now + app.config.security.session_absolute_hours * 3600 * 1_000_000,
            ip: origin.ip.clone(),
            user_agent: origin.user_agent.clone(),
        },
    )
    .await?;
    Ok(token)
}

/// A live session: its user and whether the second factor was passed.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub user: UserRow,
    pub second_factor_passed: bool,
}

/// Resolves a session cookie; expired or idle sessions are refused (and removed).
pub async fn session(app: &App, token: &str) -> Result<LiveSession> {
    let now = app.clock.now().as_micros();
    let hash = token_hash(token);
    let s = sessions::find_session(&app.db, &hash).await?.ok_or(Error::Unauthenticated)?;
    let idle_limit = app.config.security.session_idle_minutes * 60 * 1_000_000;
    if s.expires_at < now || s.last_seen_at + idle_limit < now {
        let mut tx = app.db.begin().await?;
        sessions::delete_session(&mut tx, &hash).await?;
        tx.commit().await?;
        return Err(Error::Unauthenticated);
    }
    let user = users::find(&app.db, s.user_id).await?.ok_or(Error::Unauthenticated)?;
    if user.locked || user.locked_until.is_some_and(|u| u > now) {
        return Err(Error::Unauthenticated);
    }
    // Touch at most once a minute: idle timeout needs minutes, not every request's write.
    if now - s.last_seen_at > 60 * 1_000_000 {
        sessions::touch_session(&app.db, &hash, now).await?;
    }
    Ok(LiveSession { user, second_factor_passed: s.second_factor_passed })
}

pub async fn sign_out(app: &App, token: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    sessions::delete_session(&mut tx, &token_hash(token)).await?;
    tx.commit().await?;
    Ok(())
}

fn totp_for(user: &UserRow, secret_base32: &str) -> Result<TOTP> {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|_| Error::Internal("stored TOTP secret is not base32".into()))?;
    Ok(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, secret, Some("Touchstone".into()), user.username.clone()))
}

/// Checks a 6-digit code against the secret, one step of clock drift either way, never
/// accepting a step already used. Returns the step matched.
fn check_code(totp: &TOTP, code: &str, now_seconds: i64, last_step: Option<i64>) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let step = now_seconds / 30;
    (step - 1..=step + 1).find(|s| last_step.is_none_or(|l| *s > l) && totp.generate((*s * 30) as u64) == code)
}

/// The current code for a secret (the demo prints it; tests use it).
pub fn current_code(secret_base32: &str, now_seconds: i64) -> Option<String> {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_string()).to_bytes().ok()?;
    let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, secret, None, String::new());
    Some(totp.generate(now_seconds as u64))
}

/// Completes a sign-in with the TOTP code; the session id is rotated.
pub async fn second_factor(app: &App, token: &str, code: &str, origin: Origin) -> Result<String> {
    let live = session(app, token).await?;
    let secret = live.user.totp_secret.clone().filter(|_| live.user.totp_enabled).ok_or(Error::Unauthenticated)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut user = users::find_for_update(&mut tx, live.user.id).await?.ok_or(Error::Unauthenticated)?;
    let audit_actor = actor_for_audit(&user, &origin);
    let Some(step) = check_code(&totp_for(&user, &secret)?, code, now.as_seconds(), user.totp_last_step) else {
        user.failed_logins += 1;
        let locks = user.failed_logins >= app.config.security.max_failed_logins;
        if locks {
            user.locked_until = Some(now.as_micros() + app.config.security.lockout_minutes * 60 * 1_000_000);
            user.failed_logins = 0;
            sessions::delete_session(&mut tx, &token_hash(token)).await?;
        }
        let v = user.version;
        user.version += 1;
        users::update(&mut tx, &user, v).await?;
        let action = if locks { "user.locked_out" } else { "auth.second_factor_failed" };
        audit::record(app, &mut tx, &audit_actor, user_origin_change(&user, action)).await?;
        tx.commit().await?;
        return Err(if locks { Error::AccountLocked { until: user.locked_until } } else { Error::InvalidSecondFactor });
    };
    user.totp_last_step = Some(step);
    user.failed_logins = 0;
    user.last_login_at = Some(now.as_micros());
    let v = user.version;
    user.version += 1;
    users::update(&mut tx, &user, v).await?;
    sessions::delete_session(&mut tx, &token_hash(token)).await?;
    let new_token = new_session(app, &mut tx, &user, true, &origin).await?;
    audit::record(app, &mut tx, &audit_actor, user_origin_change(&user, "auth.signed_in")).await?;
    tx.commit().await?;
    Ok(new_token)
}

/// A pending TOTP secret for the user to add to an authenticator app.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
}

/// Starts (or restarts) setting up the second factor: stores a new, not yet active secret.
pub async fn begin_enrolment(app: &App, user_id: Uuid) -> Result<Enrolment> {
    let mut tx = app.db.begin().await?;
    let mut user = users::find_for_update(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
    if user.totp_enabled {
        return Err(Error::Conflict {
            code: "second_factor_active",
            message: "the second factor is already set up".into(),
        });
    }
    let secret = totp_rs::Secret::generate_secret().to_encoded().to_string();
    user.totp_secret = Some(secret.clone());
    let v = user.version;
    user.version += 1;
    users::update(&mut tx, &user, v).await?;
    tx.commit().await?;
    let url = totp_for(&user, &secret)?.get_url();
    Ok(Enrolment { secret, otpauth_url: url })
}

/// Activates the pending secret when the code matches; the session becomes fully signed in
/// (rotated). Returns the new session token when a session was given.
pub async fn confirm_enrolment(
    app: &App,
    user_id: Uuid,
    code: &str,
    token: Option<&str>,
    origin: Origin,
) -> Result<Option<String>> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let mut user = users::find_for_update(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
    let secret = user
        .totp_secret
        .clone()
        .filter(|_| !user.totp_enabled)
        .ok_or_else(|| Error::field("code", "no_pending_enrolment", "start setting up the second factor first"))?;
    let step = check_code(&totp_for(&user, &secret)?, code, now.as_seconds(), None)
        .ok_or_else(|| Error::field("code", "invalid_code", "the code does not match; check the device clock"))?;
    let before = serde_json::json!({"totp_enabled": false});
    user.totp_enabled = true;
    user.totp_last_step = Some(step);
    if token.is_some() {
        user.last_login_at = Some(now.as_micros());
    }
    let v = user.version;
    user.version += 1;
    users::update(&mut tx, &user, v).await?;
    let new_token = match token {
        Some(t) => {
            sessions::delete_session(&mut tx, &token_hash(t)).await?;
            Some(new_session(app, &mut tx, &user, true, &origin).await?)
        }
        None => None,
    };
    let audit_actor = actor_for_audit(&user, &origin);
    audit::record(
        app,
        &mut tx,
        &audit_actor,
        user_origin_change(&user, "user.second_factor_enabled")
            .before(before)
            .after(serde_json::json!({"totp_enabled": true})),
    )
    .await?;
    tx.commit().await?;
    Ok(new_token)
}

/// Changes the actor's own password after checking the current one; ends every other
/// session of the user (the one given in `keep_session` stays).
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<()> {
    let user_id = actor.user_id.ok_or(Error::Forbidden("the system account has no password"))?;
    let user = users::find(&app.db, user_id).await?.ok_or(Error::NotFound)?;
    if !passwords::verify(&user.password_hash, current).await {
        return Err(Error::field("current_password", "wrong_password", "the current password is wrong"));
    }
    password::check_policy("new_password", new, &user.username)?;
    if current == new {
        return Err(Error::field(
            "new_password",
            "password_unchanged",
            "choose a password different from the current one",
        ));
    }
    let hash = passwords::hash(new).await?;
    let now = app.clock.now().as_micros();
    let mut tx = app.db.begin().await?;
    let mut user = users::find_for_update(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
    user.password_hash = hash;
    user.password_changed_at = now;
    user.must_change_password = false;
    let v = user.version;
    user.version += 1;
    user.updated_at = now;
    user.updated_by = actor.username.clone();
    users::update(&mut tx, &user, v).await?;
    sessions::delete_other_sessions(&mut tx, user_id, keep_session.map(token_hash).as_deref()).await?;
    audit::record(app, &mut tx, actor, user_origin_change(&user, "user.password_changed")).await?;
    tx.commit().await?;
    Ok(())
}

/// A new API token; the secret is shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub token: TokenRow,
    pub secret: String,
}

pub async fn create_token(app: &App, actor: &Actor, name: &str) -> Result<NewToken> {
    let user_id = actor.user_id.ok_or(Error::Forbidden("the system account has no tokens"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::field("name", "invalid_length", "give the token a name of 1 to 100 characters"));
    }
    let secret = random_token("ts_");
    let now = app.clock.now().as_micros();
    let token = TokenRow {
        id: Uuid::now_v7(),
        user_id,
        name: name.to_string(),
        prefix: secret.chars().take(10).collect(),
        token_hash: token_hash(&secret),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = app.db.begin().await?;
    sessions::insert_token(&mut tx, &token).await?;
    audit::record(app, &mut tx, actor, Change::new("api_token.create", "api_token", token.id).after(&token)).await?;
    tx.commit().await?;
    Ok(NewToken { token, secret })
}

pub async fn revoke_token(app: &App, actor: &Actor, id: Uuid) -> Result<()> {
    let user_id = actor.user_id.ok_or(Error::NotFound)?;
    let mut tx = app.db.begin().await?;
    if !sessions::revoke_token(&mut tx, user_id, id, app.clock.now().as_micros()).await? {
        return Err(Error::NotFound);
    }
    audit::record(app, &mut tx, actor, Change::new("api_token.revoke", "api_token", id)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_tokens(app: &App, actor: &Actor) -> Result<Vec<TokenRow>> {
    let user_id = actor.user_id.ok_or(Error::NotFound)?;
    Ok(sessions::tokens_of_user(&app.db, user_id).await?)
}

/// Resolves a bearer token to its owner (scoped exactly like the owner).
pub async fn token_user(app: &App, secret: &str) -> Result<UserRow> {
    let t = sessions::find_token_by_hash(&app.db, &token_hash(secret)).await?.ok_or(Error::Unauthenticated)?;
    if t.revoked_at.is_some() {
        return Err(Error::Unauthenticated);
    }
    let user = users::find(&app.db, t.user_id).await?.ok_or(Error::Unauthenticated)?;
    let now = app.clock.now().as_micros();
    if user.locked || user.locked_until.is_some_and(|u| u > now) {
        return Err(Error::Unauthenticated);
    }
    if t.last_used_at.is_none_or(|l| now - l > 60 * 1_000_000) {
        sessions::mark_token_used(&app.db, t.id, now).await?;
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_totp_code_is_accepted_once_within_one_step_of_drift() {
        let secret = totp_rs::Secret::generate_secret().to_encoded().to_string();
        let bytes = totp_rs::Secret::Encoded(secret.clone()).to_bytes().expect("base32");
        let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new());
        let now = 1_700_000_000;
        let code = current_code(&secret, now).expect("code");
        let step = check_code(&totp, &code, now + 25, None).expect("accepted within drift");
        assert_eq!(check_code(&totp, &code, now, Some(step)), None, "replay refused");
        assert_eq!(check_code(&totp, "12345", now, None), None);
        assert_eq!(check_code(&totp, &code, now + 120, None), None, "too old");
    }
}
