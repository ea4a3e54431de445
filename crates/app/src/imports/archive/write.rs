//! Writing a planned archive import inside its one transaction, in multi-row statements:
//! new establishments (enterprises under their credit code or a placeholder, with their
//! archive key, history row and search row), archived inspections, findings as hazards with
//! their `record` and closing events (so "as of" reports rebuild them), and the enforcement
//! records. Nothing per row is audited or notified: the import's one audit entry covers it.
//! A table the import at least doubles has its secondary indexes set aside while its rows go
//! in and built again before the transaction ends (`bulk::SetAside`, SQLite only).

use std::collections::HashMap;

use time::Date;
use touchstone_domain::archive::{Disposition, Mapping, placeholder_code};
use touchstone_domain::hazard::{Action, ClosedBecause, Status};
use touchstone_domain::time::Timestamp;
use touchstone_store::Tx;
use touchstone_store::archive::{
    self as store, EnforcementRow, EstablishmentRow, EventRow, HazardRow, InspectionRow, Load,
};
use touchstone_store::bulk::SetAside;
use touchstone_store::enterprises::{EnterpriseRow, NewEnterprise};
use touchstone_store::imports::ChangeRow;
use uuid::Uuid;

use super::stage::Staged;
use super::{Counts, Plan};
use crate::{Actor, App, Error, Result};

/// The tables an import writes (their planner statistics are refreshed after it).
pub(crate) const TABLES: [&str; 10] = [
    "enterprises",
    "enterprise_changes",
    "enterprise_search",
    "archive_establishments",
    "inspections",
    "hazards",
    "hazard_events",
    "hazard_enforcement_records",
    "import_jobs",
    "import_errors",
];

/// Enterprises written per round of multi-row statements.
const CHUNK: usize = 2_000;

/// The action of the event that closes an archived finding as archived.
pub const EVENT_ARCHIVE: &str = "archive";

/// Numbers of a series handed out in order, counting what the table holds once per series.
struct Series {
    table: &'static str,
    width: usize,
    next: HashMap<String, i64>,
}

impl Series {
    async fn number(&mut self, tx: &mut Tx, prefix: String) -> Result<String> {
        let n = match self.next.get_mut(&prefix) {
            Some(n) => n,
            None => {
                let taken = store::numbers_taken(tx, self.table, &prefix).await?;
                self.next.entry(prefix.clone()).or_insert(taken)
            }
        };
        *n += 1;
        Ok(format!("{prefix}{:0w$}", *n, w = self.width))
    }
}

/// The start of a date in the bureau's zone, as events record it.
fn micros_of(date: Date) -> i64 {
    Timestamp::parse_china_date(&date.to_string()).map(Timestamp::as_micros).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    job: Uuid,
    mapping: &Mapping,
    staged: &Staged,
    plan: &Plan,
    counts: &mut Counts,
) -> Result<()> {
    let now = app.clock.now().as_micros();
    let started = std::time::Instant::now();
    let step =
        |name: &str| tracing::debug!(step = name, ms = started.elapsed().as_millis() as u64, "archive import written");
    touchstone_store::search::begin_bulk(tx).await?;
    touchstone_store::dialect::lock_table(tx, "inspections").await?;
    touchstone_store::dialect::lock_table(tx, "hazards").await?;

    // Establishments: the enterprise (and region, address) each key stands for.
    let mut enterprise_of: HashMap<&str, (Uuid, &str, &str)> = HashMap::new();
    for (key, (id, region)) in &plan.known_establishments {
        enterprise_of.insert(key, (*id, region, ""));
    }
    // The enterprises found before the transaction must still be there: the transaction
    // writes references to them unchecked (`begin_bulk`).
    let mut found_before: Vec<Uuid> = enterprise_of.values().map(|(id, _, _)| *id).collect();
    found_before.extend(plan.linked.values());
    found_before.sort_unstable();
    found_before.dedup();
    if touchstone_store::enterprises::count_registered(tx, &found_before).await? != found_before.len() {
        return Err(super::super::moved("an enterprise of this archive", "was removed"));
    }
    let mut new_enterprises: Vec<NewEnterprise> = Vec::new();
    let mut keys = Vec::new();
    for (i, e) in staged.establishments.iter().enumerate() {
        let Some(decided) = plan.establishments.get(&i) else { continue };
        let id = match decided {
            Some(id) if !plan.linked.contains_key(&i) => *id,
            Some(id) => {
                keys.push(archive_key(mapping, job, now, *id, e, false));
                *id
            }
            None => {
                let id = Uuid::now_v7();
                let row = EnterpriseRow {
                    id,
                    uscc: e.credit_code.clone().unwrap_or_else(|| placeholder_code(&mapping.source, &e.external_id)),
                    name: e.name.clone(),
                    legal_representative: String::new(),
                    legal_rep_id_number: None,
                    legal_rep_phone: None,
                    address: e.address.clone(),
                    region_code: e.region.clone(),
                    latitude_e6: e.latitude,
                    longitude_e6: e.longitude,
                    industry_code: None,
                    scale: "small".into(),
                    status: "operating".into(),
                    is_producer: false,
                    is_distributor: false,
                    is_online_seller: false,
                    industrial_park: None,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    updated_by: actor.username.clone(),
                };
                new_enterprises.push((row, Vec::new(), Vec::new()));
                keys.push(archive_key(mapping, job, now, id, e, e.credit_code.is_none()));
                id
            }
        };
        enterprise_of.insert(&e.external_id, (id, &e.region, &e.address));
    }
    // The establishments are written while the inspections and findings are staged: the one
    // keeps SQLite's thread busy, the other this one (the staging yields now and then, so that
    // each written statement is followed by the next at once).
    let (written, staged_records) = tokio::join!(
        write_establishments(tx, actor, job, now, new_enterprises, keys),
        stage_records(app, mapping, job, now, staged, plan, &enterprise_of, counts),
    );
    written?;
    let Records { mut inspections, mut hazards, events, records } = staged_records?;
    step("establishments written, inspections and findings staged");
    // Each series numbered in the order staged, after what the table holds.
    let mut numbers = Series { table: "inspections", width: 6, next: HashMap::new() };
    for s in &mut inspections {
        s.number = numbers.number(tx, std::mem::take(&mut s.number)).await?;
    }
    let mut numbers = Series { table: "hazards", width: 6, next: HashMap::new() };
    for h in &mut hazards {
        h.number = numbers.number(tx, std::mem::take(&mut h.number)).await?;
    }
    step("numbered");
    let indexes = SetAside::indexes(
        tx,
        &[
            ("inspections", inspections.len()),
            ("hazards", hazards.len()),
            ("hazard_events", events.len()),
            ("hazard_enforcement_records", records.len()),
        ],
    )
    .await?;
    let load = Load {
        source: mapping.source.clone(),
        at: now,
        username: actor.username.clone(),
        actor_id: actor.user_id,
        actor_name: actor.display_name.clone(),
        finder: format!("{} (archive)", mapping.source),
    };
    store::insert_inspections(tx, &load, inspections).await.map_err(unique("an inspection of this archive"))?;
    step("inspections");
    store::insert_hazards(tx, &load, hazards).await.map_err(unique("a finding of this archive"))?;
    step("hazards");
    store::insert_events(tx, &load, events).await?;
    step("hazard events");
    store::insert_enforcement(tx, records).await?;
    step("enforcement records");
    indexes.rebuild(tx).await?;
    step("indexes rebuilt");
    touchstone_store::search::end_bulk(tx).await?;
    step("search index");
    Ok(())
}

/// Writes the new establishments: their enterprises (with search rows), history rows and
/// archive keys.
async fn write_establishments(
    tx: &mut Tx,
    actor: &Actor,
    job: Uuid,
    now: i64,
    new_enterprises: Vec<NewEnterprise>,
    keys: Vec<EstablishmentRow>,
) -> Result<()> {
    for chunk in new_enterprises.chunks(CHUNK) {
        touchstone_store::enterprises::insert_many(tx, chunk).await.map_err(|e| {
            if e.is_unique_violation() {
                super::super::moved("an establishment of this archive", "was registered")
            } else {
                Error::from(e)
            }
        })?;
        let changes: Vec<ChangeRow> = chunk
            .iter()
            .map(|(row, _, _)| ChangeRow {
                id: Uuid::now_v7(),
                enterprise_id: row.id,
                at: now,
                actor_name: actor.username.clone(),
                action: "enterprise.archive_import".into(),
                before_json: None,
                after_json: Some(crate::enterprises::snapshot(row, &[], &[]).to_string()),
                job_id: Some(job),
            })
            .collect();
        touchstone_store::imports::insert_changes(tx, &changes).await?;
    }
    store::insert_establishments(tx, keys).await.map_err(unique("an establishment of this archive"))?;
    Ok(())
}

/// The rows of the new inspections and findings, each numbered with its series' prefix alone
/// (the numbers follow what the table holds, so they are given inside the transaction).
struct Records {
    inspections: Vec<InspectionRow>,
    hazards: Vec<HazardRow>,
    events: Vec<EventRow>,
    records: Vec<EnforcementRow>,
}

/// Stages the new inspections and findings as rows, without the database.
#[allow(clippy::too_many_arguments)]
async fn stage_records<'a>(
    app: &App,
    mapping: &Mapping,
    job: Uuid,
    now: i64,
    staged: &'a Staged,
    plan: &'a Plan,
    enterprise_of: &HashMap<&'a str, (Uuid, &'a str, &'a str)>,
    counts: &mut Counts,
) -> Result<Records> {
    // Inspections.
    let mut inspection_of: HashMap<&str, (Uuid, Uuid, String, Date)> = HashMap::new();
    for (key, k) in &plan.known_inspections {
        if let Some(date) = touchstone_domain::time::parse_date(&k.inspected_on) {
            inspection_of.insert(key, (k.id, k.enterprise_id, k.region_code.clone(), date));
        }
    }
    let mut inspections = Vec::with_capacity(plan.new_inspections.len());
    for (n, &i) in plan.new_inspections.iter().enumerate() {
        yield_every_thousand(n).await;
        let s = &staged.inspections[i];
        let Some(&(enterprise_id, region, address)) = enterprise_of.get(s.establishment.as_str()) else {
            return Err(Error::Internal(format!("planned inspection {} lacks its establishment", s.external_id)));
        };
        let id = Uuid::now_v7();
        let number = format!("XC-{region}-{}-", s.date.year());
        inspection_of.insert(&s.external_id, (id, enterprise_id, region.to_string(), s.date));
        inspections.push(InspectionRow {
            id,
            number,
            enterprise_id,
            region_code: region.to_string(),
            external_id: s.external_id.clone(),
            archive_result: s.result.clone(),
            place: address.to_string(),
            inspected_on: s.date.to_string(),
            completed_at: micros_of(s.date),
        });
    }

    // Findings: hazards, their events, their enforcement records.
    let deadlines = &app.config.hazards;
    let mut hazards = Vec::with_capacity(plan.new_findings.len());
    let mut events = Vec::with_capacity(plan.new_findings.len() * 2);
    let mut records = Vec::new();
    for (n, &i) in plan.new_findings.iter().enumerate() {
        yield_every_thousand(n).await;
        let f = &staged.findings[i];
        let Some((inspection_id, enterprise_id, region, date)) = inspection_of.get(f.inspection.as_str()) else {
            return Err(Error::Internal(format!("planned finding {} lacks its inspection", f.key)));
        };
        let id = Uuid::now_v7();
        let number = format!("YH-{region}-{}-", date.year());
        let (status, closed_because, deadline, escalation_due_on) = match f.disposition {
            Disposition::Open => {
                let deadline = deadlines.default_deadline(f.level, *date);
                counts.findings_open += 1;
                (Status::Open, None, deadline, Some(crate::hazards::next_escalation(deadlines, deadline, 0)))
            }
            Disposition::Archived => (Status::Closed, Some(ClosedBecause::Archived), *date, None),
            Disposition::CorrectedOnSpot => (Status::Closed, Some(ClosedBecause::CorrectedOnSpot), *date, None),
        };
        let at = micros_of(*date);
        let event = |seq: i64, action: &'static str, from: Option<Status>, to: Status, note: Option<String>| EventRow {
            hazard_id: id,
            seq,
            action,
            from_status: from.map(Status::code),
            to_status: to.code(),
            at,
            on_date: date.to_string(),
            note,
        };
        events.push(event(1, crate::hazards::EVENT_RECORD, None, Status::Open, None));
        match closed_because {
            Some(ClosedBecause::CorrectedOnSpot) => {
                events.push(event(2, Action::CorrectOnSpot.code(), Some(Status::Open), status, f.action.clone()))
            }
            Some(_) => events.push(event(2, EVENT_ARCHIVE, Some(Status::Open), status, f.action.clone())),
            None => {}
        }
        if f.action.is_some() || f.outcome.is_some() || f.fine.is_some() {
            counts.enforcement_records += 1;
            counts.fines += i64::from(f.fine.is_some_and(|c| c > 0));
            records.push(EnforcementRow {
                id: Uuid::now_v7(),
                hazard_id: id,
                action: f.action.clone(),
                outcome: f.outcome.clone(),
                fine_minor: f.fine,
                currency: f.fine.map(|_| mapping.currency.clone()),
                decided_on: date.to_string(),
                source: "archive".into(),
                job_id: Some(job),
                created_at: now,
            });
        }
        hazards.push(HazardRow {
            id,
            number,
            enterprise_id: *enterprise_id,
            region_code: region.clone(),
            inspection_id: *inspection_id,
            external_id: f.key.clone(),
            level: f.level.code(),
            description: f.description.clone(),
            found_on: date.to_string(),
            deadline: deadline.to_string(),
            status: status.code(),
            escalation_due_on,
            closed_because: closed_because.map(ClosedBecause::code),
        });
    }
    Ok(Records { inspections, hazards, events, records })
}

/// Every thousandth item, gives the task's other work its turn (see `apply`).
async fn yield_every_thousand(n: usize) {
    if n % 1_000 == 999 {
        tokio::task::yield_now().await;
    }
}

fn archive_key(
    mapping: &Mapping,
    job: Uuid,
    now: i64,
    enterprise_id: Uuid,
    e: &super::stage::Establishment,
    missing: bool,
) -> EstablishmentRow {
    EstablishmentRow {
        enterprise_id,
        source: mapping.source.clone(),
        external_id: e.external_id.clone(),
        credit_code_missing: missing,
        establishment_type: e.establishment_type.clone(),
        job_id: job,
        created_at: now,
    }
}

/// A unique violation means another import wrote the same records meanwhile.
fn unique(what: &'static str) -> impl Fn(touchstone_store::StoreError) -> Error {
    move |e| if e.is_unique_violation() { super::super::moved(what, "was imported") } else { Error::from(e) }
}
