//! Legacy archive imports (R-ENT-6, ADR 0008): what an archive already brought (the merge
//! keys of its establishments, inspections and findings), and the bulk writes of a new import
//! — archived inspections, hazards with their events, historic enforcement records — in
//! multi-row statements. No rules here: `domain::archive` and the app decide.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Arg, Db, StoreError, Tx, args};

/// An establishment an archive brought, by its key in that archive.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KnownEstablishment {
    pub external_id: String,
    pub enterprise_id: Uuid,
    pub region_code: String,
}

/// The establishments `source` brought before, with their enterprise's region.
pub async fn establishments(db: &Db, source: &str) -> Result<Vec<KnownEstablishment>, StoreError> {
    db.fetch_all(
        "SELECT a.external_id, a.enterprise_id, e.region_code FROM archive_establishments a \
         JOIN enterprises e ON e.id = a.enterprise_id WHERE a.source = ?",
        args![source],
    )
    .await
}

/// An archived inspection by its key in its archive.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KnownInspection {
    pub external_id: String,
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub region_code: String,
    pub inspected_on: String,
}

/// The inspections `source` brought before.
pub async fn inspections(db: &Db, source: &str) -> Result<Vec<KnownInspection>, StoreError> {
    db.fetch_all(
        "SELECT external_id, id, enterprise_id, region_code, inspected_on FROM inspections WHERE archived = ? AND archive_source = ? \
         AND external_id IS NOT NULL",
        args![true, source],
    )
    .await
}

/// A finding an archive brought: its inspection's key and its own.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KnownFinding {
    pub inspection: String,
    pub finding: String,
}

/// The findings `source` brought before.
pub async fn findings(db: &Db, source: &str) -> Result<Vec<KnownFinding>, StoreError> {
    db.fetch_all(
        "SELECT i.external_id AS inspection, h.external_id AS finding FROM hazards h \
         JOIN inspections i ON i.id = h.source_id \
         WHERE h.source = 'archive' AND h.external_id IS NOT NULL AND i.archive_source = ?",
        args![source],
    )
    .await
}

/// Parameters per statement, as in `bulk::insert_rows`.
const MAX_PARAMS: usize = 4_000;

/// A column and what every row gives it: a parameter (`?`), or one SQL literal for all rows
/// (constants are written once in the statement's text, not bound row by row).
type Column = (&'static str, &'static str);

/// Multi-row inserts of `rows`, converted to parameters a statement at a time (so that the
/// parameters of a whole archive never sit in memory together); `to_args` pushes one row's
/// parameters, one per `?` column, in order.
async fn insert_templated<T: Send>(
    tx: &mut Tx,
    table: &str,
    columns: &[Column],
    rows: Vec<T>,
    to_args: impl Fn(T, &mut Vec<Arg>) + Send,
) -> Result<u64, StoreError> {
    let params = columns.iter().filter(|(_, v)| *v == "?").count().max(1);
    let per_statement = (MAX_PARAMS / params).max(1);
    let one = format!("({})", columns.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(", "));
    let head =
        format!("INSERT INTO {table} ({}) VALUES ", columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "));
    let mut rows = rows.into_iter();
    let mut written = 0;
    loop {
        let mut args = Vec::with_capacity(per_statement * params);
        let mut count = 0;
        for r in rows.by_ref().take(per_statement) {
            to_args(r, &mut args);
            count += 1;
        }
        if count == 0 {
            return Ok(written);
        }
        debug_assert_eq!(args.len(), count * params);
        let sql = format!("{head}{}", vec![one.as_str(); count].join(", "));
        written += tx.execute(&sql, args).await?;
    }
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// How many numbers of the series `prefix` `table` holds (call after locking the table), as
/// `numbers::next` counts them.
pub async fn numbers_taken(tx: &mut Tx, table: &'static str, prefix: &str) -> Result<i64, StoreError> {
    let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let c: Count = tx
        .fetch_one(
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE number LIKE ? ESCAPE '\\'"),
            args![format!("{escaped}%")],
        )
        .await?;
    Ok(c.n)
}

/// The archive key of an enterprise an import registered or linked.
#[derive(Debug, Clone)]
pub struct EstablishmentRow {
    pub enterprise_id: Uuid,
    pub source: String,
    pub external_id: String,
    pub credit_code_missing: bool,
    pub establishment_type: Option<String>,
    pub job_id: Uuid,
    pub created_at: i64,
}

pub async fn insert_establishments(tx: &mut Tx, rows: Vec<EstablishmentRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 7] = [
        ("enterprise_id", "?"),
        ("source", "?"),
        ("external_id", "?"),
        ("credit_code_missing", "?"),
        ("establishment_type", "?"),
        ("job_id", "?"),
        ("created_at", "?"),
    ];
    insert_templated(tx, "archive_establishments", &COLUMNS, rows, |r, a| {
        a.extend(args![
            r.enterprise_id,
            r.source,
            r.external_id,
            r.credit_code_missing,
            r.establishment_type,
            r.job_id,
            r.created_at
        ])
    })
    .await
}

/// An archived inspection: completed, marked archived, with its source and key.
#[derive(Debug, Clone)]
pub struct InspectionRow {
    pub id: Uuid,
    pub number: String,
    pub enterprise_id: Uuid,
    pub region_code: String,
    pub archive_source: String,
    pub external_id: String,
    pub archive_result: Option<String>,
    pub place: String,
    pub inspected_on: String,
    /// The inspection date's start in the bureau's zone.
    pub completed_at: i64,
    pub created_at: i64,
    pub updated_by: String,
}

pub async fn insert_inspections(tx: &mut Tx, rows: Vec<InspectionRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 27] = [
        ("id", "?"),
        ("number", "?"),
        ("enterprise_id", "?"),
        ("region_code", "?"),
        ("kind", "'routine'"),
        ("status", "'completed'"),
        ("archived", "TRUE"),
        ("archive_source", "?"),
        ("external_id", "?"),
        ("archive_result", "?"),
        ("notice", "'none'"),
        ("officers", "'[]'"),
        ("experts", "'[]'"),
        ("staff_present", "''"),
        ("place", "?"),
        ("inspected_on", "?"),
        ("checklist", "'[]'"),
        ("findings", "''"),
        ("measures", "''"),
        ("feedback", "''"),
        ("attachment_ids", "''"),
        ("completed_on", "?"),
        ("completed_at", "?"),
        ("version", "1"),
        ("created_at", "?"),
        ("updated_at", "?"),
        ("updated_by", "?"),
    ];
    insert_templated(tx, "inspections", &COLUMNS, rows, |r, a| {
        a.extend([
            Arg::from(r.id),
            Arg::from(r.number),
            Arg::from(r.enterprise_id),
            Arg::from(r.region_code),
            Arg::from(r.archive_source),
            Arg::from(r.external_id),
            Arg::from(r.archive_result),
            Arg::from(r.place),
            Arg::from(r.inspected_on.clone()),
            Arg::from(r.inspected_on),
            Arg::from(r.completed_at),
            Arg::from(r.created_at),
            Arg::from(r.created_at),
            Arg::from(r.updated_by),
        ])
    })
    .await
}

/// An archived finding as a hazard, with what its two events need.
#[derive(Debug, Clone)]
pub struct HazardRow {
    pub id: Uuid,
    pub number: String,
    pub enterprise_id: Uuid,
    pub region_code: String,
    /// The inspection it was found in.
    pub inspection_id: Uuid,
    pub external_id: String,
    pub level: &'static str,
    pub description: String,
    pub found_on: String,
    pub deadline: String,
    pub responsible_person: String,
    pub found_by_names: String,
    /// `open` or `closed`.
    pub status: &'static str,
    pub escalation_due_on: Option<String>,
    pub closed_because: Option<&'static str>,
    pub created_at: i64,
    pub updated_by: String,
}

pub async fn insert_hazards(tx: &mut Tx, rows: Vec<HazardRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 26] = [
        ("id", "?"),
        ("number", "?"),
        ("enterprise_id", "?"),
        ("region_code", "?"),
        ("source", "'archive'"),
        ("source_id", "?"),
        ("external_id", "?"),
        ("level", "?"),
        ("description", "?"),
        ("found_on", "?"),
        ("deadline", "?"),
        ("original_deadline", "?"),
        ("responsible_person", "?"),
        ("found_by", "''"),
        ("found_by_names", "?"),
        ("status", "?"),
        ("extensions_granted", "0"),
        ("escalations", "0"),
        ("escalation_due_on", "?"),
        ("referred_to_case", "FALSE"),
        ("closed_because", "?"),
        ("closed_on", "?"),
        ("version", "1"),
        ("created_at", "?"),
        ("updated_at", "?"),
        ("updated_by", "?"),
    ];
    insert_templated(tx, "hazards", &COLUMNS, rows, |r, a| {
        let closed_on = r.closed_because.map(|_| r.found_on.clone());
        a.extend([
            Arg::from(r.id),
            Arg::from(r.number),
            Arg::from(r.enterprise_id),
            Arg::from(r.region_code),
            Arg::from(r.inspection_id),
            Arg::from(r.external_id),
            Arg::from(r.level),
            Arg::from(r.description),
            Arg::from(r.found_on),
            Arg::from(r.deadline.clone()),
            Arg::from(r.deadline),
            Arg::from(r.responsible_person),
            Arg::from(r.found_by_names),
            Arg::from(r.status),
            Arg::from(r.escalation_due_on),
            Arg::from(r.closed_because),
            Arg::from(closed_on),
            Arg::from(r.created_at),
            Arg::from(r.created_at),
            Arg::from(r.updated_by),
        ])
    })
    .await
}

/// One event of a hazard's history as an import writes it.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub hazard_id: Uuid,
    pub seq: i64,
    pub action: &'static str,
    pub from_status: Option<&'static str>,
    pub to_status: &'static str,
    pub at: i64,
    pub on_date: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub note: Option<String>,
}

pub async fn insert_events(tx: &mut Tx, rows: Vec<EventRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 12] = [
        ("id", "?"),
        ("hazard_id", "?"),
        ("seq", "?"),
        ("action", "?"),
        ("from_status", "?"),
        ("to_status", "?"),
        ("at", "?"),
        ("on_date", "?"),
        ("actor_id", "?"),
        ("actor_name", "?"),
        ("on_behalf", "FALSE"),
        ("note", "?"),
    ];
    insert_templated(tx, "hazard_events", &COLUMNS, rows, |r, a| {
        a.extend([
            Arg::from(Uuid::now_v7()),
            Arg::from(r.hazard_id),
            Arg::from(r.seq),
            Arg::from(r.action),
            Arg::from(r.from_status),
            Arg::from(r.to_status),
            Arg::from(r.at),
            Arg::from(r.on_date),
            Arg::from(r.actor_id),
            Arg::from(r.actor_name),
            Arg::from(r.note),
        ])
    })
    .await
}

/// A historic enforcement record on a finding (action, court outcome, fine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EnforcementRow {
    pub id: Uuid,
    pub hazard_id: Uuid,
    /// The action taken, as the archive wrote it (`Notice to Comply`, `Ticket`, `Summons` …).
    pub action: Option<String>,
    /// The court outcome, as written (`Conviction - Fined` …).
    pub outcome: Option<String>,
    /// The fine in minor units (cents, fen).
    pub fine_minor: Option<i64>,
    /// ISO 4217 code of the fine.
    pub currency: Option<String>,
    /// The date of the inspection it followed.
    pub decided_on: String,
    /// `archive`.
    pub source: String,
    pub job_id: Option<Uuid>,
    pub created_at: i64,
}

pub async fn insert_enforcement(tx: &mut Tx, rows: Vec<EnforcementRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 10] = [
        ("id", "?"),
        ("hazard_id", "?"),
        ("action", "?"),
        ("outcome", "?"),
        ("fine_minor", "?"),
        ("currency", "?"),
        ("decided_on", "?"),
        ("source", "?"),
        ("job_id", "?"),
        ("created_at", "?"),
    ];
    insert_templated(tx, "hazard_enforcement_records", &COLUMNS, rows, |r, a| {
        a.extend(args![
            r.id,
            r.hazard_id,
            r.action,
            r.outcome,
            r.fine_minor,
            r.currency,
            r.decided_on,
            r.source,
            r.job_id,
            r.created_at
        ])
    })
    .await
}

/// The enforcement records of one finding, oldest first.
pub async fn enforcement(db: &Db, hazard_id: Uuid) -> Result<Vec<EnforcementRow>, StoreError> {
    db.fetch_all(
        "SELECT id, hazard_id, action, outcome, fine_minor, currency, decided_on, source, job_id, created_at \
         FROM hazard_enforcement_records WHERE hazard_id = ? ORDER BY decided_on, id",
        args![hazard_id],
    )
    .await
}

/// An enterprise's archive origin, when an archive brought it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OriginRow {
    pub source: String,
    pub external_id: String,
    pub credit_code_missing: bool,
    pub establishment_type: Option<String>,
}

/// The establishment has its credit code now: the flag is cleared, its source and external id
/// stay (a re-run of the archive still finds it by them).
pub async fn credit_code_completed(tx: &mut Tx, enterprise_id: Uuid) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE archive_establishments SET credit_code_missing = ? WHERE enterprise_id = ?",
        args![false, enterprise_id],
    )
    .await?;
    Ok(())
}

pub async fn origin(db: &Db, enterprise_id: Uuid) -> Result<Option<OriginRow>, StoreError> {
    db.fetch_optional(
        "SELECT source, external_id, credit_code_missing, establishment_type FROM archive_establishments \
         WHERE enterprise_id = ?",
        args![enterprise_id],
    )
    .await
}
