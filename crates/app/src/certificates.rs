//! Certificates and certification bodies (R-CERT-1, R-CERT-2, R-CERT-4): registering them,
//! status changes with their history, automatic expiry, and the consistency flags the ledger
//! can raise on its own — a required licence or CCC certificate missing, a number that does
//! not exist or belongs to another holder, a body issuing outside its approved scope, and
//! certificates expiring within 90 days.

use serde::{Deserialize, Serialize};
use touchstone_domain::ValidationErrors;
use touchstone_domain::catalogue::catalogue;
use touchstone_domain::certificate::{self as rules, KINDS, STATUSES};
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::region::RegionCode;
use touchstone_domain::role::{BindingKind, Permission};
use touchstone_store::certificates::{self as store, BodyRow, CertificateFilter, CertificateRow, StatusChangeRow};
use touchstone_store::enterprises::{self as enterprise_store, EnterpriseRow, Visibility};
use touchstone_store::list::{Page, Window};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

/// Days before expiry a certificate is flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

fn visibility(actor: &Actor) -> Visibility<'_> {
    Visibility { regions: &actor.regions, own: actor.own_enterprise() }
}

pub(crate) fn codes(list: &[String]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().flat_map(|s| s.split_whitespace()).map(String::from).collect();
    v.sort();
    v.dedup();
    v
}

pub(crate) fn check_categories(errors: &mut ValidationErrors, field: &str, list: &[String]) {
    if list.is_empty() {
        errors.add(field, "required", "at least one product category");
    }
    if let Some(c) = list.iter().find(|c| catalogue().get(c).is_none()) {
        errors.add(field, "invalid_choice", format!("unknown product category {c:?}"));
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BodyInput {
    pub name: String,
    pub approval_number: String,
    pub region_code: String,
    /// Product-category codes the body is approved to certify.
    pub scope: Vec<String>,
}

/// Registers a certification body (administrators).
pub async fn create_body(app: &App, actor: &Actor, input: BodyInput) -> Result<BodyRow> {
    actor.require(Permission::ManageOrganisations, "registering certification bodies")?;
    let mut errors = ValidationErrors::new();
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "invalid_length", "1–200 characters");
    }
    let approval = input.approval_number.trim().to_uppercase();
    if approval.is_empty() || approval.len() > 40 {
        errors.add("approval_number", "invalid_length", "1–40 characters");
    }
    if let Err(e) = RegionCode::parse(input.region_code.trim()) {
        errors.add("region_code", "invalid_region", e.to_string());
    }
    let scope = codes(&input.scope);
    check_categories(&mut errors, "scope", &scope);
    errors.into_result()?;
    let now = app.clock.now().as_micros();
    let row = BodyRow {
        id: Uuid::now_v7(),
        name,
        approval_number: approval,
        region_code: input.region_code.trim().to_string(),
        scope: scope.join(" "),
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    let mut tx = app.db.begin().await?;
    store::insert_body(&mut tx, &row).await.map_err(|e| {
        if e.is_unique_violation() {
            Error::field("approval_number", "taken", "a body with this approval number exists")
        } else {
            e.into()
        }
    })?;
    audit::record(
        app,
        &mut tx,
        actor,
        Change::new("certification_body.create", "certification_body", row.id).after(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn bodies(app: &App, actor: &Actor, text: Option<&str>, window: &Window) -> Result<Page<BodyRow>> {
    actor.require(Permission::ReadEnterprises, "reading certification bodies")?;
    Ok(store::bodies(&app.db, text, window).await?)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CertificateInput {
    pub number: String,
    /// production_licence, ccc, quality_management, environmental_management,
    /// occupational_health_safety or other.
    pub kind: String,
    pub holder_id: Uuid,
    /// The registered certification body that issued it, if any (licences are issued by a bureau).
    pub issuer_body_id: Option<Uuid>,
    /// The issuer's name as printed (required when there is no registered body).
    #[serde(default)]
    pub issuer_name: String,
    /// Product-category codes covered.
    pub scope: Vec<String>,
    pub scope_text: Option<String>,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
}

/// A certificate with its holder, issuer, history and flags.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    #[serde(flatten)]
    pub certificate: CertificateRow,
    pub holder_name: String,
    pub holder_uscc: String,
    pub history: Vec<StatusChangeRow>,
    pub flags: Vec<Flag>,
}

/// A consistency finding (R-CERT-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Flag {
    /// `missing_certificate`, `outside_body_scope`, `expiring_soon`, `expired`.
    pub code: String,
    /// What it concerns: a category code, a certificate number, a date.
    pub subject: String,
}

pub(crate) fn today(app: &App) -> String {
    app.clock.now().china_date()
}

/// A certificate's own fields after the checks every registration path shares (the form, the
/// API and an import): number, kind, issuer, scope and dates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checked {
    pub number: String,
    pub kind: String,
    pub issuer_name: String,
    pub scope: Vec<String>,
    pub scope_text: Option<String>,
    pub issued_on: String,
    pub expires_on: String,
}

/// The fields as given, before checking.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    pub number: &'a str,
    pub kind: &'a str,
    pub issuer_name: &'a str,
    pub scope: &'a [String],
    pub scope_text: Option<&'a str>,
    pub issued_on: &'a str,
    pub expires_on: &'a str,
}

/// Checks a certificate's own fields, adding each broken rule to `errors`; `None` when any broke.
pub(crate) fn check_fields(errors: &mut ValidationErrors, f: Fields) -> Option<Checked> {
    let before = errors.0.len();
    let number = f.number.trim().to_uppercase();
    if number.is_empty()
        || number.len() > 60
        || !number.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '(' | ')'))
    {
        errors.add("number", "invalid_format", "1–60 letters, digits and - / ( )");
    }
    if !KINDS.contains(&f.kind) {
        errors.add("kind", "invalid_choice", KINDS.join(", "));
    }
    let issuer_name = f.issuer_name.trim().to_string();
    if issuer_name.is_empty() {
        errors.add("issuer_name", "required", "the issuer as printed on the certificate");
    } else if issuer_name.chars().count() > 200 {
        errors.add("issuer_name", "too_long", "at most 200 characters");
    }
    let scope = codes(f.scope);
    check_categories(errors, "scope", &scope);
    let issued = rules::parse_date(f.issued_on);
    let expires = rules::parse_date(f.expires_on);
    if issued.is_none() {
        errors.add("issued_on", "invalid_date", "a date like 2026-11-23");
    }
    if expires.is_none() {
        errors.add("expires_on", "invalid_date", "a date like 2026-11-23");
    }
    if let (Some(i), Some(e)) = (&issued, &expires)
        && e <= i
    {
        errors.add("expires_on", "before_issue", "the expiry date must come after the issue date");
    }
    if errors.0.len() > before {
        return None;
    }
    Some(Checked {
        number,
        kind: f.kind.to_string(),
        issuer_name,
        scope,
        scope_text: f.scope_text.map(str::trim).filter(|s| !s.is_empty()).map(String::from),
        issued_on: issued?,
        expires_on: expires?,
    })
}

/// The status a certificate is stored with: `valid` (or the one given) becomes `expired` once
/// the expiry date has passed.
pub(crate) fn effective_status(given: &str, expires_on: &str, today: &str) -> String {
    if given == "valid" && expires_on < today { "expired".into() } else { given.into() }
}

/// A new certificate row for `holder` from checked fields.
pub(crate) fn new_row(
    c: Checked,
    holder: &EnterpriseRow,
    issuer_body_id: Option<Uuid>,
    status: String,
    actor: &Actor,
    now: i64,
) -> CertificateRow {
    CertificateRow {
        id: Uuid::now_v7(),
        number: c.number,
        kind: c.kind,
        holder_id: holder.id,
        issuer_body_id,
        issuer_name: c.issuer_name,
        region_code: holder.region_code.clone(),
        scope: c.scope.join(" "),
        scope_text: c.scope_text,
        issued_on: c.issued_on,
        expires_on: c.expires_on,
        status,
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: actor.username.clone(),
    }
}

/// The history row of a status change (or of the first status, with `from` empty).
pub(crate) fn status_change(
    c: &CertificateRow,
    from: Option<String>,
    reason: &str,
    effective_on: String,
    actor: &Actor,
    now: i64,
) -> StatusChangeRow {
    StatusChangeRow {
        id: Uuid::now_v7(),
        certificate_id: c.id,
        from_status: from,
        to_status: c.status.clone(),
        reason: reason.into(),
        effective_on,
        changed_at: now,
        changed_by: actor.username.clone(),
    }
}

/// Registers a certificate for an enterprise of the jurisdiction.
pub async fn create(app: &App, actor: &Actor, input: CertificateInput) -> Result<CertificateView> {
    actor.require(Permission::EditEnterprises, "registering certificates")?;
    let mut errors = ValidationErrors::new();
    let holder = enterprise_store::get(&app.db, &visibility(actor), input.holder_id).await?;
    if holder.is_none() {
        errors.add("holder_id", "not_found", "no such enterprise in your jurisdiction");
    }
    let body = match input.issuer_body_id {
        Some(id) => match store::body(&app.db, id).await? {
            Some(b) => Some(b),
            None => {
                errors.add("issuer_body_id", "not_found", "no such certification body");
                None
            }
        },
        None => None,
    };
    let issuer_name = body.as_ref().map(|b| b.name.clone()).unwrap_or_else(|| input.issuer_name.clone());
    let checked = check_fields(
        &mut errors,
        Fields {
            number: &input.number,
            kind: &input.kind,
            issuer_name: &issuer_name,
            scope: &input.scope,
            scope_text: input.scope_text.as_deref(),
            issued_on: &input.issued_on,
            expires_on: &input.expires_on,
        },
    );
    if store::by_number(&app.db, &input.number.trim().to_uppercase()).await?.is_some() {
        errors.add("number", "taken", "a certificate with this number is registered");
    }
    errors.into_result()?;
    let (Some(holder), Some(checked)) = (holder, checked) else {
        return Err(Error::Internal("validated certificate lacks holder or fields".into()));
    };
    let now = app.clock.now().as_micros();
    let status = effective_status("valid", &checked.expires_on, &today(app));
    let row = new_row(checked, &holder, body.map(|b| b.id), status, actor, now);
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &row).await.map_err(|e| {
        if e.is_unique_violation() {
            Error::field("number", "taken", "a certificate with this number is registered")
        } else {
            e.into()
        }
    })?;
    let history = status_change(&row, None, "registered", row.issued_on.clone(), actor, now);
    store::insert_history(&mut tx, &history).await?;
    let change =
        Change::new("certificate.create", "certificate", row.id).region(row.region_code.clone(), None).after(&row);
    audit::record(app, &mut tx, actor, change).await?;
    // The holder's file shows the certificate in its history too.
    let on_file = Change::new("certificate.create", "enterprise", holder.id).region(holder.region_code.clone(), None);
    audit::record(app, &mut tx, actor, on_file.after(serde_json::json!({"certificate": row.number, "kind": row.kind})))
        .await?;
    tx.commit().await?;
    view(app, row).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub status: String,
    pub reason: String,
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub effective_on: String,
    pub version: i64,
}

/// Moves a certificate to a new status (only legal transitions), recording who, when, why.
pub async fn change_status(app: &App, actor: &Actor, id: Uuid, input: StatusChange) -> Result<CertificateView> {
    actor.require(Permission::EditEnterprises, "changing certificates")?;
    let v = visibility(actor);
    let current = store::get(&app.db, &v, id).await?.ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    if !STATUSES.contains(&input.status.as_str()) {
        errors.add("status", "invalid_choice", STATUSES.join(", "));
    } else if !rules::can_transition(&current.status, &input.status) {
        errors.add(
            "status",
            "illegal_transition",
            format!("a {} certificate cannot become {}", current.status, input.status),
        );
    }
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.add("reason", "invalid_length", "1–500 characters");
    }
    let effective_on =
        if input.effective_on.trim().is_empty() { Some(today(app)) } else { rules::parse_date(&input.effective_on) };
    if effective_on.is_none() {
        errors.add("effective_on", "invalid_date", "a date like 2026-11-23");
    }
    errors.into_result()?;
    let mut tx = app.db.begin().await?;
    let locked = store::get_for_update(&mut tx, &v, id).await?.ok_or(Error::NotFound)?;
    if locked.version != input.version {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    let now = app.clock.now().as_micros();
    let row = CertificateRow {
        status: input.status.clone(),
        version: locked.version + 1,
        updated_at: now,
        updated_by: actor.username.clone(),
        ..locked.clone()
    };
    store::set_status(&mut tx, &row, locked.version).await?;
    let h = status_change(&row, Some(locked.status.clone()), &reason, effective_on.unwrap_or_default(), actor, now);
    store::insert_history(&mut tx, &h).await?;
    let change = Change::new("certificate.status", "certificate", id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.before(serde_json::json!({"status": locked.status})).after(&h)).await?;
    tx.commit().await?;
    view(app, row).await
}

/// Flags of one certificate: issued outside its body's approved scope; expiring or expired.
async fn certificate_flags(app: &App, c: &CertificateRow) -> Result<Vec<Flag>> {
    let mut flags = Vec::new();
    if let Some(body_id) = c.issuer_body_id
        && let Some(body) = store::body(&app.db, body_id).await?
    {
        let approved: Vec<String> = body.scope.split_whitespace().map(String::from).collect();
        for cat in c.scope.split_whitespace() {
            if !rules::scope_covers(&approved, cat) {
                flags.push(Flag { code: "outside_body_scope".into(), subject: cat.into() });
            }
        }
    }
    if c.status == "valid"
        && let Some(days) = rules::days_until(&today(app), &c.expires_on)
        && days <= EXPIRY_WARNING_DAYS
    {
        flags.push(Flag { code: "expiring_soon".into(), subject: c.expires_on.clone() });
    }
    Ok(flags)
}

async fn view(app: &App, c: CertificateRow) -> Result<CertificateView> {
    let holder = enterprise_store::get(
        &app.db,
        &Visibility { regions: &touchstone_domain::jurisdiction::Scope::Everything, own: None },
        c.holder_id,
    )
    .await?;
    let flags = certificate_flags(app, &c).await?;
    Ok(CertificateView {
        holder_name: holder.as_ref().map(|h| h.name.clone()).unwrap_or_default(),
        holder_uscc: holder.map(|h| h.uscc).unwrap_or_default(),
        history: store::history(&app.db, c.id).await?,
        flags,
        certificate: c,
    })
}

fn can_read(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() || actor.bound_to(BindingKind::CertificationBody).is_some() {
        Ok(())
    } else {
        actor.require(Permission::ReadEnterprises, "reading certificates")
    }
}

/// One certificate: regulators in their regions, an enterprise its own, a certification
/// body's users only those it issued (R-CERT-3).
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<CertificateView> {
    can_read(actor)?;
    let c = match actor.bound_to(BindingKind::CertificationBody) {
        Some(body) => store::get(&app.db, &Visibility { regions: &Scope::Everything, own: None }, id)
            .await?
            .filter(|c| c.issuer_body_id == Some(body)),
        None => store::get(&app.db, &visibility(actor), id).await?,
    };
    view(app, c.ok_or(Error::NotFound)?).await
}

pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &CertificateFilter,
    window: &Window,
) -> Result<Page<CertificateRow>> {
    can_read(actor)?;
    if let Some(body) = actor.bound_to(BindingKind::CertificationBody) {
        let issued = CertificateFilter { issuer_body_id: Some(body), ..filter.clone() };
        let v = Visibility { regions: &Scope::Everything, own: None };
        return Ok(store::list(&app.db, &v, &issued, window).await?);
    }
    Ok(store::list(&app.db, &visibility(actor), filter, window).await?)
}

/// One certification body: any regulator reads the registry; a body's own users their own.
pub async fn body(app: &App, actor: &Actor, id: Uuid) -> Result<BodyRow> {
    if actor.bound_to(BindingKind::CertificationBody) != Some(id) {
        actor.require(Permission::ReadEnterprises, "reading certification bodies")?;
    }
    store::body(&app.db, id).await?.ok_or(Error::NotFound)
}

/// The date `EXPIRY_WARNING_DAYS` from today, for the "expiring soon" list.
pub fn warning_horizon(app: &App) -> String {
    app.clock.now().plus_seconds(EXPIRY_WARNING_DAYS * 86_400).china_date()
}

/// What a certificate number claimed by an enterprise turns out to be (forged / transferred
/// certificates, R-CERT-4). Says nothing about another holder beyond the fact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NumberCheck {
    /// `ok`, `not_found`, `other_holder` or `not_valid`.
    pub result: String,
    pub status: Option<String>,
}

pub async fn check_number(app: &App, actor: &Actor, number: &str, uscc: &str) -> Result<NumberCheck> {
    actor.require(Permission::ReadEnterprises, "checking certificates")?;
    let uscc = touchstone_domain::uscc::Uscc::parse(uscc).map_err(|e| Error::field("uscc", e.rule(), e.to_string()))?;
    let number = number.trim().to_uppercase();
    if number.is_empty() {
        return Err(Error::field("number", "required", "the certificate number to check"));
    }
    let Some(c) = store::by_number(&app.db, &number).await? else {
        return Ok(NumberCheck { result: "not_found".into(), status: None });
    };
    let holder = enterprise_store::id_by_uscc(&app.db, uscc.as_str()).await?;
    Ok(if holder != Some(c.holder_id) {
        NumberCheck { result: "other_holder".into(), status: None }
    } else if c.status != "valid" {
        NumberCheck { result: "not_valid".into(), status: Some(c.status) }
    } else {
        NumberCheck { result: "ok".into(), status: Some(c.status) }
    })
}

/// The flags on an enterprise's file: for each category it produces that needs a production
/// licence or CCC, a valid certificate of that kind covering it; and its certificates' flags.
pub async fn enterprise_flags(
    app: &App,
    e: &EnterpriseRow,
    categories: &[String],
    certificates: &[CertificateRow],
) -> Result<Vec<Flag>> {
    let mut flags = Vec::new();
    if e.is_producer && e.status == "operating" {
        for code in categories {
            let Some(cat) = catalogue().get(code) else { continue };
            for kind in rules::required_kinds(cat.licence_required, cat.ccc_required) {
                let covered = certificates.iter().any(|c| {
                    c.kind == kind
                        && c.status == "valid"
                        && rules::scope_covers(&c.scope.split_whitespace().map(String::from).collect::<Vec<_>>(), code)
                });
                if !covered {
                    flags.push(Flag { code: format!("missing_{kind}"), subject: code.clone() });
                }
            }
        }
    }
    for c in certificates {
        for f in certificate_flags(app, c).await? {
            flags.push(Flag { code: f.code, subject: format!("{} {}", c.number, f.subject) });
        }
    }
    Ok(flags)
}

/// Expires every valid or suspended certificate whose expiry date has passed (the daily
/// sweep), each with its history row and audit entry. Returns how many expired.
pub async fn expire_due(app: &App) -> Result<usize> {
    let today = today(app);
    let system = Actor::system(None);
    let mut expired = 0;
    loop {
        let due = store::past_expiry(&app.db, &today, 500).await?;
        if due.is_empty() {
            return Ok(expired);
        }
        let mut tx = app.db.begin().await?;
        for c in &due {
            let now = app.clock.now().as_micros();
            let row = CertificateRow {
                status: "expired".into(),
                version: c.version + 1,
                updated_at: now,
                updated_by: "system".into(),
                ..c.clone()
            };
            if !store::set_status(&mut tx, &row, c.version).await? {
                continue;
            }
            let h =
                status_change(&row, Some(c.status.clone()), "expiry date passed", c.expires_on.clone(), &system, now);
            store::insert_history(&mut tx, &h).await?;
            let change = Change::new("certificate.status", "certificate", c.id).region(c.region_code.clone(), None);
            audit::record(app, &mut tx, &system, change.before(serde_json::json!({"status": c.status})).after(&h))
                .await?;
            expired += 1;
        }
        tx.commit().await?;
    }
}
