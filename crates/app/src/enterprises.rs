//! The enterprise ledger's use cases (R-ENT-1..4, R-PRIV-1): register and edit enterprises
//! inside the jurisdiction, an enterprise's own users editing their contacts, lists and
//! search, the change history as field diffs read from the audit chain, and unmasking
//! personal data as an audited sensitive read.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use touchstone_domain::ValidationErrors;
use touchstone_domain::enterprise::{self as rules, Coordinates};
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_domain::uscc::Uscc;
use touchstone_store::audit::AuditFilter;
use touchstone_store::enterprises::{self as store, ContactRow, EnterpriseFilter, EnterpriseRow, Visibility};
use touchstone_store::list::{Page, Window};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::organisations::stale;
use crate::{Actor, App, Error, Result};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    pub name: String,
    #[serde(default)]
    pub position: String,
    pub phone: String,
}

/// An enterprise as an officer registers or edits it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EnterpriseInput {
    pub uscc: String,
    pub name: String,
    pub legal_representative: String,
    pub legal_rep_id_number: Option<String>,
    pub legal_rep_phone: Option<String>,
    pub address: String,
    pub region_code: String,
    /// Decimal degrees, both or neither.
    pub latitude: Option<String>,
    pub longitude: Option<String>,
    pub industry_code: Option<String>,
    pub scale: String,
    pub status: String,
    /// Any of `producer`, `distributor`, `online_seller`.
    #[serde(default)]
    pub roles: Vec<String>,
    pub industrial_park: Option<String>,
    /// Product-category codes the enterprise makes or sells.
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    /// The version read, for an edit.
    pub version: Option<i64>,
}

/// An enterprise as a user sees it: personal data masked unless unmasked for this response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseView {
    #[serde(flatten)]
    pub enterprise: EnterpriseRow,
    pub region_name: String,
    pub roles: Vec<String>,
    pub categories: Vec<String>,
    pub contacts: Vec<ContactRow>,
    pub certificates: Vec<touchstone_store::certificates::CertificateRow>,
    /// What the enterprise makes or sells, by name and model.
    pub products: Vec<touchstone_store::products::ProductRow>,
    /// Consistency flags (R-CERT-4): missing required certificates, certificates expiring.
    pub flags: Vec<crate::certificates::Flag>,
    /// Whether personal data in this view is masked.
    pub masked: bool,
}

fn blank(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn check_len(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.add(field, "required", "required");
    } else if n > max {
        errors.add(field, "too_long", format!("at most {max} characters"));
    }
}

pub(crate) fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')'))
}

/// Masks the personal data of a row and its contacts (R-PRIV-1).
pub fn mask(e: &mut EnterpriseRow, contacts: &mut [ContactRow]) {
    e.legal_rep_id_number = e.legal_rep_id_number.as_deref().map(rules::mask_id_number);
    e.legal_rep_phone = e.legal_rep_phone.as_deref().map(rules::mask_phone);
    for c in contacts {
        c.phone = rules::mask_phone(&c.phone);
    }
}

fn visibility(actor: &Actor) -> Visibility<'_> {
    Visibility { regions: &actor.regions, own: actor.own_enterprise() }
}

fn roles_of(e: &EnterpriseRow) -> Vec<String> {
    [(e.is_producer, "producer"), (e.is_distributor, "distributor"), (e.is_online_seller, "online_seller")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, r)| r.to_string())
        .collect()
}

/// Validates an input against an optional existing row; returns the new row, contacts and
/// categories.
pub(crate) fn validate(
    actor: &Actor,
    input: &EnterpriseInput,
    existing: Option<&EnterpriseRow>,
    now: i64,
) -> Result<(EnterpriseRow, Vec<ContactRow>, Vec<String>)> {
    let mut errors = ValidationErrors::new();
    let uscc = match existing {
        Some(e) => {
            // The code as registered — a credit code, or an archive's placeholder, which only
            // `complete_credit_code` replaces — or blank.
            let code = input.uscc.trim();
            if !code.is_empty()
                && code != e.uscc
                && Uscc::parse(code).map(|u| u.to_string()).as_deref() != Ok(e.uscc.as_str())
            {
                errors.add("uscc", "immutable", "the credit code of a registered enterprise cannot change");
            }
            e.uscc.clone()
        }
        None => match Uscc::parse(&input.uscc) {
            Ok(u) => u.to_string(),
            Err(e) => {
                errors.add("uscc", e.rule(), e.to_string());
                String::new()
            }
        },
    };
    check_len(&mut errors, "name", &input.name, 200);
    check_len(&mut errors, "legal_representative", &input.legal_representative, 50);
    check_len(&mut errors, "address", &input.address, 300);
    let region = actor.region_in_jurisdiction(&mut errors, &input.region_code);
    let id_number = blank(&input.legal_rep_id_number).map(|s| s.to_uppercase());
    if let Some(n) = &id_number
        && !rules::valid_id_number(n)
    {
        errors.add("legal_rep_id_number", "invalid_id_number", "18 characters with a valid check character (GB 11643)");
    }
    let phone = blank(&input.legal_rep_phone);
    if let Some(p) = &phone
        && !valid_phone(p)
    {
        errors.add("legal_rep_phone", "invalid_phone", "7 to 20 digits");
    }
    let coordinates = match (blank(&input.latitude), blank(&input.longitude)) {
        (None, None) => None,
        (Some(lat), Some(lon)) => match Coordinates::parse(&lat, &lon) {
            Some(c) => Some(c),
            None => {
                errors.add("latitude", "invalid_coordinates", "decimal degrees: latitude −90…90, longitude −180…180");
                None
            }
        },
        _ => {
            errors.add("latitude", "invalid_coordinates", "give both latitude and longitude, or neither");
            None
        }
    };
    if !rules::SCALES.contains(&input.scale.as_str()) {
        errors.add("scale", "invalid_choice", rules::SCALES.join(", "));
    }
    if !rules::STATUSES.contains(&input.status.as_str()) {
        errors.add("status", "invalid_choice", rules::STATUSES.join(", "));
    }
    if input.roles.is_empty() {
        errors.add("roles", "required", "producer, distributor or online seller");
    }
    if let Some(r) = input.roles.iter().find(|r| !rules::ROLES.contains(&r.as_str())) {
        errors.add("roles", "invalid_choice", format!("unknown role {r:?}"));
    }
    let industry_code = blank(&input.industry_code);
    if let Some(c) = &industry_code
        && (c.len() > 5
            || !c.chars().next().is_some_and(|f| f.is_ascii_uppercase())
            || !c[1..].chars().all(|d| d.is_ascii_digit()))
    {
        errors.add("industry_code", "invalid_format", "a GB/T 4754 code such as C3831");
    }
    let mut categories: Vec<String> =
        input.categories.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
    categories.sort();
    categories.dedup();
    if let Some(c) = categories.iter().find(|c| touchstone_domain::catalogue::catalogue().get(c).is_none()) {
        errors.add("categories", "invalid_choice", format!("unknown product category {c:?}"));
    }
    let mut contacts = Vec::new();
    for (i, c) in input.contacts.iter().enumerate() {
        if c.name.trim().is_empty() && c.phone.trim().is_empty() {
            continue;
        }
        if c.name.trim().is_empty() || c.name.chars().count() > 50 {
            errors.add(&format!("contacts[{i}].name"), "invalid_length", "1–50 characters");
        }
        if !valid_phone(c.phone.trim()) {
            errors.add(&format!("contacts[{i}].phone"), "invalid_phone", "7 to 20 digits");
        }
        contacts.push(ContactRow {
            id: Uuid::now_v7(),
            enterprise_id: Uuid::nil(),
            name: c.name.trim().to_string(),
            position: c.position.trim().chars().take(50).collect(),
            phone: c.phone.trim().to_string(),
            sort_order: i as i64,
        });
    }
    errors.into_result()?;
    let id = existing.map(|e| e.id).unwrap_or_else(Uuid::now_v7);
    for c in &mut contacts {
        c.enterprise_id = id;
    }
    let row = EnterpriseRow {
        id,
        uscc,
        name: input.name.trim().to_string(),
        legal_representative: input.legal_representative.trim().to_string(),
        legal_rep_id_number: id_number,
        legal_rep_phone: phone,
        address: input.address.trim().to_string(),
        region_code: region,
        latitude_e6: coordinates.map(|c| c.latitude_e6),
        longitude_e6: coordinates.map(|c| c.longitude_e6),
        industry_code,
        scale: input.scale.clone(),
        status: input.status.clone(),
        is_producer: input.roles.iter().any(|r| r == "producer"),
        is_distributor: input.roles.iter().any(|r| r == "distributor"),
        is_online_seller: input.roles.iter().any(|r| r == "online_seller"),
        industrial_park: blank(&input.industrial_park),
        version: existing.map(|e| e.version + 1).unwrap_or(1),
        created_at: existing.map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
        updated_by: actor.username.clone(),
    };
    Ok((row, contacts, categories))
}

/// The whole record for the audit entry's before/after.
pub(crate) fn snapshot(e: &EnterpriseRow, contacts: &[ContactRow], categories: &[String]) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("version");
        o.remove("updated_at");
        o.remove("updated_by");
        o.remove("created_at");
        o.insert(
            "contacts".into(),
            Value::Array(
                contacts
                    .iter()
                    .map(|c| serde_json::json!({"name": c.name, "position": c.position, "phone": c.phone}))
                    .collect(),
            ),
        );
        o.insert("categories".into(), serde_json::json!(categories));
    }
    v
}

pub async fn create(app: &App, actor: &Actor, input: EnterpriseInput) -> Result<EnterpriseView> {
    actor.require(Permission::EditEnterprises, "registering enterprises")?;
    let (row, contacts, categories) = validate(actor, &input, None, app.clock.now().as_micros())?;
    if store::id_by_uscc(&app.db, &row.uscc).await?.is_some() {
        return Err(Error::field("uscc", "taken", "an enterprise with this credit code is already registered"));
    }
    let mut tx = app.db.begin().await?;
    store::insert(&mut tx, &row).await.map_err(|e| {
        if e.is_unique_violation() {
            Error::field("uscc", "taken", "an enterprise with this credit code is already registered")
        } else {
            e.into()
        }
    })?;
    store::replace_contacts(&mut tx, row.id, &contacts).await?;
    store::replace_categories(&mut tx, row.id, &categories).await?;
    let change = Change::new("enterprise.create", "enterprise", row.id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.after(snapshot(&row, &contacts, &categories))).await?;
    tx.commit().await?;
    view(app, row, false).await
}

pub async fn update(app: &App, actor: &Actor, id: Uuid, input: EnterpriseInput) -> Result<EnterpriseView> {
    actor.require(Permission::EditEnterprises, "editing enterprises")?;
    let v = visibility(actor);
    let current = store::get(&app.db, &v, id).await?.ok_or(Error::NotFound)?;
    let expected = input.version.ok_or_else(|| Error::field("version", "required", "the version you read"))?;
    let (row, contacts, categories) = validate(actor, &input, Some(&current), app.clock.now().as_micros())?;
    let mut tx = app.db.begin().await?;
    let locked = store::get_for_update(&mut tx, &v, id).await?.ok_or(Error::NotFound)?;
    if locked.version != expected {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    let before = snapshot(&locked, &store::contacts(&app.db, id).await?, &store::categories(&app.db, id).await?);
    let row = EnterpriseRow { version: locked.version + 1, ..row };
    if !store::update(&mut tx, &row, expected).await? {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    store::replace_contacts(&mut tx, id, &contacts).await?;
    store::replace_categories(&mut tx, id, &categories).await?;
    let after = snapshot(&row, &contacts, &categories);
    let change = Change::new("enterprise.update", "enterprise", id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.before(before).after(after)).await?;
    tx.commit().await?;
    view(app, row, false).await
}

/// The real credit code of an establishment an archive brought without one (ADR 0008).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CreditCodeInput {
    pub uscc: String,
    /// The version you read.
    pub version: Option<i64>,
}

/// Completes an archived establishment registered under a placeholder (`archive:…`): it gets
/// its real credit code, validated like any other, and its "credit code missing" flag is
/// cleared, with the change in its history and the audit chain. Its source and external id
/// stay, so a re-run of the archive still finds it. A code another enterprise holds is refused
/// naming that enterprise: the two files are not merged here.
pub async fn complete_credit_code(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: CreditCodeInput,
) -> Result<EnterpriseView> {
    actor.require(Permission::EditEnterprises, "editing enterprises")?;
    let v = visibility(actor);
    let current = store::get(&app.db, &v, id).await?.ok_or(Error::NotFound)?;
    let expected = input.version.ok_or_else(|| Error::field("version", "required", "the version you read"))?;
    if !touchstone_domain::archive::is_placeholder_code(&current.uscc) {
        return Err(Error::field("uscc", "immutable", "the credit code of a registered enterprise cannot change"));
    }
    let uscc = Uscc::parse(&input.uscc).map_err(|e| Error::field("uscc", e.rule(), e.to_string()))?.to_string();
    // The message is the enterprise holding the code (its name, when the reader sees it).
    let taken = |holder: Option<&EnterpriseRow>| {
        let by = holder.map(|h| h.name.clone()).unwrap_or_else(|| "another enterprise".into());
        Error::field("uscc", "registered_elsewhere", by)
    };
    if let Some(other) = store::id_by_uscc(&app.db, &uscc).await? {
        return Err(taken(store::get(&app.db, &v, other).await?.as_ref()));
    }
    let mut tx = app.db.begin().await?;
    let locked = store::get_for_update(&mut tx, &v, id).await?.ok_or(Error::NotFound)?;
    if locked.version != expected {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    let (contacts, categories) = (store::contacts(&app.db, id).await?, store::categories(&app.db, id).await?);
    let before = snapshot(&locked, &contacts, &categories);
    let row = EnterpriseRow {
        uscc,
        version: locked.version + 1,
        updated_at: app.clock.now().as_micros(),
        updated_by: actor.username.clone(),
        ..locked.clone()
    };
    let set = store::set_uscc(&mut tx, &row, expected)
        .await
        .map_err(|e| if e.is_unique_violation() { taken(None) } else { e.into() })?;
    if !set {
        return Err(stale(&locked.updated_by, locked.updated_at));
    }
    touchstone_store::archive::credit_code_completed(&mut tx, id).await?;
    touchstone_store::search::refresh(&mut tx, &[id]).await?;
    let change = Change::new("enterprise.complete_credit_code", "enterprise", id).region(row.region_code.clone(), None);
    audit::record(app, &mut tx, actor, change.before(before).after(snapshot(&row, &contacts, &categories))).await?;
    tx.commit().await?;
    view(app, row, false).await
}

/// An enterprise's own user replaces its contacts (the only thing they edit).
pub async fn update_own_contacts(app: &App, actor: &Actor, contacts: Vec<ContactInput>) -> Result<EnterpriseView> {
    let id =
        actor.own_enterprise().ok_or(Error::Forbidden("only an enterprise's own users edit its contacts this way"))?;
    let current = store::get(&app.db, &visibility(actor), id).await?.ok_or(Error::NotFound)?;
    let input = EnterpriseInput { contacts, ..input_of(&current, &store::categories(&app.db, id).await?) };
    // Validate contacts with the record's own region in scope.
    let mut scoped = actor.clone();
    scoped.regions =
        touchstone_domain::jurisdiction::Scope::Regions([current.region_code.clone()].into_iter().collect());
    let (_, contacts, _) = validate(&scoped, &input, Some(&current), app.clock.now().as_micros())?;
    let mut tx = app.db.begin().await?;
    let before = store::contacts(&app.db, id).await?;
    store::replace_contacts(&mut tx, id, &contacts).await?;
    let strip = |cs: &[ContactRow]| {
        cs.iter()
            .map(|c| serde_json::json!({"name": c.name, "position": c.position, "phone": c.phone}))
            .collect::<Vec<_>>()
    };
    let change = Change::new("enterprise.contacts", "enterprise", id).region(current.region_code.clone(), None);
    audit::record(
        app,
        &mut tx,
        actor,
        change
            .before(serde_json::json!({"contacts": strip(&before)}))
            .after(serde_json::json!({"contacts": strip(&contacts)})),
    )
    .await?;
    tx.commit().await?;
    view(app, current, true).await.map(|mut v| {
        v.masked = false;
        v
    })
}

/// The input that reproduces a stored record (edit forms start from it).
pub fn input_of(e: &EnterpriseRow, categories: &[String]) -> EnterpriseInput {
    EnterpriseInput {
        uscc: e.uscc.clone(),
        name: e.name.clone(),
        legal_representative: e.legal_representative.clone(),
        legal_rep_id_number: e.legal_rep_id_number.clone(),
        legal_rep_phone: e.legal_rep_phone.clone(),
        address: e.address.clone(),
        region_code: e.region_code.clone(),
        latitude: e.latitude_e6.map(|v| format!("{:.6}", v as f64 / 1e6)),
        longitude: e.longitude_e6.map(|v| format!("{:.6}", v as f64 / 1e6)),
        industry_code: e.industry_code.clone(),
        scale: e.scale.clone(),
        status: e.status.clone(),
        roles: roles_of(e),
        industrial_park: e.industrial_park.clone(),
        categories: categories.to_vec(),
        contacts: Vec::new(),
        version: Some(e.version),
    }
}

async fn view(app: &App, mut e: EnterpriseRow, unmasked: bool) -> Result<EnterpriseView> {
    let mut contacts = store::contacts(&app.db, e.id).await?;
    let categories = store::categories(&app.db, e.id).await?;
    let certificates = touchstone_store::certificates::of_holder(&app.db, e.id).await?;
    let products = touchstone_store::products::of_enterprise(&app.db, e.id).await?;
    let flags = crate::certificates::enterprise_flags(app, &e, &categories, &certificates).await?;
    if !unmasked {
        mask(&mut e, &mut contacts);
    }
    Ok(EnterpriseView {
        certificates,
        products,
        flags,
        region_name: regions().path_name(&e.region_code, false),
        roles: roles_of(&e),
        enterprise: e,
        categories,
        contacts,
        masked: !unmasked,
    })
}

fn can_read(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() {
        Ok(())
    } else {
        actor.require(Permission::ReadEnterprises, "reading enterprises")
    }
}

/// One enterprise, masked; its own users see their own data unmasked.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<EnterpriseView> {
    can_read(actor)?;
    let e = store::get(&app.db, &visibility(actor), id).await?.ok_or(Error::NotFound)?;
    let own = actor.own_enterprise() == Some(id);
    view(app, e, own).await
}

/// The same, unmasked: a sensitive read written to the audit log first (R-PRIV-1).
pub async fn get_unmasked(app: &App, actor: &Actor, id: Uuid) -> Result<EnterpriseView> {
    if actor.own_enterprise() != Some(id) {
        actor.require(Permission::UnmaskPersonalData, "seeing personal data")?;
    }
    let e = store::get(&app.db, &visibility(actor), id).await?.ok_or(Error::NotFound)?;
    let mut tx = app.db.begin().await?;
    let change = Change::new("enterprise.unmask", "enterprise", id).region(e.region_code.clone(), None);
    audit::record(
        app,
        &mut tx,
        actor,
        change.after(serde_json::json!({"fields": ["legal_rep_id_number", "legal_rep_phone", "contacts.phone"]})),
    )
    .await?;
    tx.commit().await?;
    view(app, e, true).await
}

pub async fn list(app: &App, actor: &Actor, filter: &EnterpriseFilter, window: &Window) -> Result<Page<EnterpriseRow>> {
    can_read(actor)?;
    let mut page = store::list(&app.db, &visibility(actor), filter, window).await?;
    for e in &mut page.items {
        mask(e, &mut []);
    }
    Ok(page)
}

/// One field that changed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// One change of the record (R-ENT-4).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub changes: Vec<FieldChange>,
}

fn masked_value(field: &str, v: &Value) -> Value {
    match (field, v) {
        ("legal_rep_id_number", Value::String(s)) => Value::String(rules::mask_id_number(s)),
        ("legal_rep_phone", Value::String(s)) => Value::String(rules::mask_phone(s)),
        ("contacts", Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    if let Some(Value::String(p)) = c.get("phone").cloned() {
                        c["phone"] = Value::String(rules::mask_phone(&p));
                    }
                    c
                })
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// Field-by-field differences between two snapshots, personal data masked.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| k.as_str() != "id" && b.get(*k) != a.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            before: masked_value(k, b.get(k).unwrap_or(&Value::Null)),
            after: masked_value(k, a.get(k).unwrap_or(&Value::Null)),
        })
        .collect()
}

impl HistoryEntry {
    /// An entry from a change a bulk path recorded beside its one audit entry.
    pub(crate) fn of_change(
        at: i64,
        actor: String,
        action: String,
        before: &Option<String>,
        after: &Option<String>,
    ) -> HistoryEntry {
        HistoryEntry { seq: 0, at, actor, action, changes: diff(&parse_json(before), &parse_json(after)) }
    }
}

fn parse_json(t: &Option<String>) -> Value {
    t.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null)
}

/// A record's changes read from the audit chain, newest first (sensitive reads left out).
pub(crate) async fn chain_history(app: &App, entity_type: &str, id: Uuid) -> Result<Vec<HistoryEntry>> {
    let filter =
        AuditFilter { entity_type: Some(entity_type.into()), entity_id: Some(id.to_string()), ..Default::default() };
    let window = Window { sort: "a.seq", descending: true, page: 1, per_page: Window::MAX_PER_PAGE };
    let everything = touchstone_domain::jurisdiction::Scope::Everything;
    let entries = touchstone_store::audit::list(
        &app.db,
        &touchstone_domain::jurisdiction::BureauScope::Nothing,
        &everything,
        &filter,
        &window,
    )
    .await?;
    Ok(entries
        .items
        .into_iter()
        .filter(|e| e.action != "enterprise.unmask")
        .map(|e| HistoryEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor_name,
            action: e.action,
            changes: diff(&parse_json(&e.before_json), &parse_json(&e.after_json)),
        })
        .collect())
}

/// The record's changes, newest first, read from the audit chain.
pub async fn history(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<HistoryEntry>> {
    can_read(actor)?;
    store::get(&app.db, &visibility(actor), id).await?.ok_or(Error::NotFound)?;
    let mut out = chain_history(app, "enterprise", id).await?;
    // Bulk paths record their per-enterprise changes beside one audit entry per import.
    for c in touchstone_store::imports::changes(&app.db, id).await? {
        out.push(HistoryEntry::of_change(c.at, c.actor_name, c.action, &c.before_json, &c.after_json));
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then(b.seq.cmp(&a.seq)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_names_changed_fields_and_masks_personal_data() {
        let before = serde_json::json!({"name": "甲厂", "legal_rep_phone": "13812345678", "address": "同一地址"});
        let after =
            serde_json::json!({"name": "甲厂有限公司", "legal_rep_phone": "13900001111", "address": "同一地址"});
        let d = diff(&before, &after);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].field, "legal_rep_phone");
        assert_eq!(d[0].before, "138****5678");
        assert_eq!(d[1].field, "name");
    }
}
