//! Enterprise self-registration confirmed by an officer (issue 4). An enterprise without an
//! activation code asks for an account on a public page; the request goes to the officers of
//! the registered enterprise's region (or, for a credit code not in the ledger, of the region
//! the applicant chose), who confirm it — opening the account exactly as a claimed activation
//! code does — or reject it with a reason. The public answer is the same whether or not the
//! credit code is registered; submissions are throttled per address like sign-in.

use serde::{Deserialize, Serialize};
use touchstone_domain::ValidationErrors;
use touchstone_domain::enterprise::mask_phone;
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::password;
use touchstone_domain::region::RegionCode;
use touchstone_domain::role::Permission;
use touchstone_domain::uscc::Uscc;
use touchstone_store::enterprises::{self as enterprise_store, EnterpriseRow, Visibility};
use touchstone_store::list::{Page, Window};
use touchstone_store::registrations::{self as store, RegistrationFilter, RegistrationRow};
use touchstone_store::{Tx, sessions};
use uuid::Uuid;

use crate::actor::Origin;
use crate::audit::{self, Change};
use crate::organisations::stale;
use crate::{Actor, App, Error, Result, activation, passwords, users};

/// Statuses of a request, as stored.
pub const STATUSES: &[&str] = &["pending", "confirmed", "rejected"];

/// What an enterprise sends to ask for its account.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    /// The unified social credit code.
    pub uscc: String,
    pub company_name: String,
    pub contact_name: String,
    pub phone: String,
    /// The county (or city) whose bureau should review the request.
    pub region_code: String,
    pub username: String,
    pub password: String,
}

/// The public answer: the same whether or not the credit code is registered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Received {
    pub id: Uuid,
    /// Always `pending`.
    pub status: String,
}

/// A request as an officer reads it: the phone masked unless unmasked for this response,
/// and the registered enterprise it would bind to, if there is one in the jurisdiction.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegistrationView {
    #[serde(flatten)]
    pub registration: RegistrationRow,
    /// The registered enterprise with this credit code, when the officer can see it.
    pub enterprise: Option<EnterpriseRow>,
    pub masked: bool,
}

/// An officer's confirmation: the version read.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Confirmation {
    pub version: i64,
}

/// An officer's rejection, with the reason the applicant is given.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Rejection {
    pub reason: String,
    pub version: i64,
}

fn check_text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        errors.add(field, "invalid_length", format!("1–{max} characters"));
    }
    v.to_string()
}

/// Counts the attempt against the address; refuses when the address made too many.
async fn throttle(app: &App, origin: &Origin) -> Result<()> {
    let now = app.clock.now().as_micros();
    let sec = &app.config.security;
    let key = format!("registration:{}", origin.ip.as_deref().unwrap_or("unknown"));
    let window = sec.address_window_minutes * 60 * 1_000_000;
    if let Some(t) = sessions::throttle(&app.db, &key).await?
        && t.window_start >= now - window
        && t.failures >= sec.address_failures_per_window
    {
        return Err(Error::TooManyAttempts { retry_after_seconds: (t.window_start + window - now) / 1_000_000 + 1 });
    }
    let mut tx = app.db.begin().await?;
    sessions::record_failure(&mut tx, &key, now, now - window).await?;
    tx.commit().await?;
    Ok(())
}

/// Receives a request for an enterprise account (no sign-in). Every field is checked and
/// named when wrong; whether the credit code is registered is never part of the answer.
pub async fn submit(app: &App, input: RegistrationInput, origin: Origin) -> Result<Received> {
    throttle(app, &origin).await?;
    let mut errors = ValidationErrors::new();
    let uscc = match Uscc::parse(&input.uscc) {
        Ok(u) => u.to_string(),
        Err(e) => {
            errors.add("uscc", e.rule(), e.to_string());
            String::new()
        }
    };
    let company_name = check_text(&mut errors, "company_name", &input.company_name, 200);
    let contact_name = check_text(&mut errors, "contact_name", &input.contact_name, 100);
    let phone = input.phone.trim().to_string();
    if !crate::enterprises::valid_phone(&phone) {
        errors.add("phone", "invalid_phone", "7 to 20 digits");
    }
    let chosen = match RegionCode::parse(input.region_code.trim()) {
        Ok(r) => r.as_str().to_string(),
        Err(e) => {
            errors.add("region_code", "invalid_region", e.to_string());
            String::new()
        }
    };
    let username = users::check_username(app, &mut errors, &input.username).await?;
    if !errors.0.iter().any(|e| e.field == "username") && store::username_pending(&app.db, &username).await? {
        errors.add("username", "taken", "this user name is taken");
    }
    if let Err(e) = password::check_policy("password", &input.password, &username) {
        errors.0.extend(e.0);
    }
    errors.into_result()?;
    let password_hash = passwords::hash(&input.password).await?;
    let everything = Scope::Everything;
    let enterprise = match enterprise_store::id_by_uscc(&app.db, &uscc).await? {
        Some(id) => enterprise_store::get(&app.db, &Visibility { regions: &everything, own: None }, id).await?,
        None => None,
    };
    let now = app.clock.now().as_micros();
    let row = RegistrationRow {
        id: Uuid::now_v7(),
        uscc,
        company_name,
        contact_name,
        phone,
        username: username.clone(),
        password_hash,
        region_code: enterprise.as_ref().map(|e| e.region_code.clone()).unwrap_or_else(|| chosen.clone()),
        chosen_region_code: chosen,
        enterprise_id: enterprise.map(|e| e.id),
        status: "pending".into(),
        reason: None,
        decided_by: None,
        decided_at: None,
        user_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: username.clone(),
    };
    let mut applicant = Actor::system(None);
    applicant.username = username;
    applicant.origin = origin;
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &row).await?;
    let change = Change::new("enterprise_registration.submit", "enterprise_registration", row.id)
        .region(row.region_code.clone(), None)
        .after(&row);
    audit::record(app, &mut tx, &applicant, change).await?;
    tx.commit().await?;
    Ok(Received { id: row.id, status: row.status })
}

/// A bureau an applicant can send the request to: its region and names (public facts).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewingBureau {
    pub region_code: String,
    pub name: String,
    pub name_en: String,
}

/// Every bureau's region, one per region, by code: the public page's region choice.
pub async fn reviewing_bureaus(app: &App) -> Result<Vec<ReviewingBureau>> {
    let window = Window { sort: "o.region_code", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
    let page = touchstone_store::organisations::list(
        &app.db,
        &touchstone_domain::jurisdiction::BureauScope::Everything,
        &Default::default(),
        &window,
    )
    .await?;
    let mut out: Vec<ReviewingBureau> = Vec::new();
    for o in page.items {
        if out.last().is_none_or(|b| b.region_code != o.region_code) {
            out.push(ReviewingBureau { region_code: o.region_code, name: o.name, name_en: o.name_en });
        }
    }
    Ok(out)
}

fn can_decide(actor: &Actor) -> Result<()> {
    actor.require(Permission::ManageSupervisedAccounts, "deciding enterprise registrations")
}

/// The registered enterprise with the request's credit code, if the actor can see it.
async fn enterprise_of(app: &App, actor: &Actor, r: &RegistrationRow) -> Result<Option<EnterpriseRow>> {
    let id = match r.enterprise_id {
        Some(id) => Some(id),
        None => enterprise_store::id_by_uscc(&app.db, &r.uscc).await?,
    };
    Ok(match id {
        Some(id) => enterprise_store::get(&app.db, &Visibility { regions: &actor.regions, own: None }, id).await?,
        None => None,
    })
}

async fn view(app: &App, actor: &Actor, mut registration: RegistrationRow, unmasked: bool) -> Result<RegistrationView> {
    if !unmasked {
        registration.phone = mask_phone(&registration.phone);
    }
    let enterprise = enterprise_of(app, actor, &registration).await?;
    Ok(RegistrationView { registration, enterprise, masked: !unmasked })
}

/// Requests of the jurisdiction, phone numbers masked.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &RegistrationFilter,
    window: &Window,
) -> Result<Page<RegistrationRow>> {
    can_decide(actor)?;
    let mut page = store::list(&app.db, &actor.regions, filter, window).await?;
    for r in &mut page.items {
        r.phone = mask_phone(&r.phone);
    }
    Ok(page)
}

/// One request of the jurisdiction; any other answers as if it did not exist.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<RegistrationView> {
    can_decide(actor)?;
    let r = store::get(&app.db, &actor.regions, id).await?.ok_or(Error::NotFound)?;
    view(app, actor, r, false).await
}

/// The same with the applicant's phone unmasked: a sensitive read, audited (R-PRIV-1).
pub async fn get_unmasked(app: &App, actor: &Actor, id: Uuid) -> Result<RegistrationView> {
    can_decide(actor)?;
    actor.require(Permission::UnmaskPersonalData, "seeing personal data")?;
    let r = store::get(&app.db, &actor.regions, id).await?.ok_or(Error::NotFound)?;
    let mut tx = app.db.begin().await?;
    let change = Change::new("enterprise_registration.unmask", "enterprise_registration", id)
        .region(r.region_code.clone(), None)
        .after(serde_json::json!({"fields": ["phone"]}));
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    view(app, actor, r, true).await
}

/// Locks a pending request of the jurisdiction for a decision at the version read.
async fn lock_pending(tx: &mut Tx, actor: &Actor, id: Uuid, version: i64) -> Result<RegistrationRow> {
    let r = store::get_for_update(tx, &actor.regions, id).await?.ok_or(Error::NotFound)?;
    if r.version != version {
        return Err(stale(&r.updated_by, r.updated_at));
    }
    if r.status != "pending" {
        return Err(Error::Conflict {
            code: "already_decided",
            message: format!("this request was {} by {}", r.status, r.decided_by.clone().unwrap_or_default()),
        });
    }
    Ok(r)
}

/// Writes a decided request with its audit entry and commits.
async fn finish(
    app: &App,
    mut tx: Tx,
    actor: &Actor,
    before: &RegistrationRow,
    mut row: RegistrationRow,
    action: &'static str,
) -> Result<RegistrationView> {
    let now = app.clock.now().as_micros();
    row.password_hash = String::new();
    row.decided_by = Some(actor.username.clone());
    row.decided_at = Some(now);
    row.version = before.version + 1;
    row.updated_at = now;
    row.updated_by = actor.username.clone();
    if !store::update(&mut tx, &row, before.version).await? {
        return Err(stale(&before.updated_by, before.updated_at));
    }
    let change = Change::new(action, "enterprise_registration", row.id).region(row.region_code.clone(), None);
    let decided = serde_json::json!({"status": row.status, "reason": row.reason, "enterprise_id": row.enterprise_id, "user_id": row.user_id});
    audit::record(app, &mut tx, actor, change.before(serde_json::json!({"status": before.status})).after(decided))
        .await?;
    tx.commit().await?;
    view(app, actor, row, false).await
}

/// Confirms a request: opens the enterprise's account bound to the registered enterprise,
/// as a claimed activation code does. An unregistered credit code must be registered in the
/// ledger first.
pub async fn confirm(app: &App, actor: &Actor, id: Uuid, input: Confirmation) -> Result<RegistrationView> {
    can_decide(actor)?;
    let mut tx = app.db.begin().await?;
    let before = lock_pending(&mut tx, actor, id, input.version).await?;
    let Some(enterprise) = enterprise_of(app, actor, &before).await? else {
        return Err(if enterprise_store::id_by_uscc(&app.db, &before.uscc).await?.is_some() {
            Error::field(
                "uscc",
                "outside_jurisdiction",
                "the enterprise with this credit code is outside your jurisdiction",
            )
        } else {
            Error::field("uscc", "not_registered", "register the enterprise in the ledger first, then confirm")
        });
    };
    let new_user = activation::enterprise_account(
        &enterprise,
        before.username.clone(),
        before.contact_name.clone(),
        String::new(),
    );
    let mut account = users::prepare_hashed(app, &Actor::system(None), new_user, before.password_hash.clone()).await?;
    account.updated_by = actor.username.clone();
    activation::open_account(app, &mut tx, actor, &enterprise, &account, "enterprise.account_registered").await?;
    let row = RegistrationRow {
        status: "confirmed".into(),
        enterprise_id: Some(enterprise.id),
        region_code: enterprise.region_code.clone(),
        user_id: Some(account.id),
        ..before.clone()
    };
    finish(app, tx, actor, &before, row, "enterprise_registration.confirm").await
}

/// Rejects a request with the reason the applicant is given.
pub async fn reject(app: &App, actor: &Actor, id: Uuid, input: Rejection) -> Result<RegistrationView> {
    can_decide(actor)?;
    let mut tx = app.db.begin().await?;
    let before = lock_pending(&mut tx, actor, id, input.version).await?;
    let mut errors = ValidationErrors::new();
    let reason = check_text(&mut errors, "reason", &input.reason, 500);
    errors.into_result()?;
    let row = RegistrationRow { status: "rejected".into(), reason: Some(reason), ..before.clone() };
    finish(app, tx, actor, &before, row, "enterprise_registration.reject").await
}
