//! Legacy archive imports (R-ENT-6, ADR 0008): what an archive already brought (the merge
//! keys of its establishments, inspections and findings), and the bulk writes of a new import
//! — archived inspections, hazards with their events, historic enforcement records — in
//! multi-row statements. No rules here: `domain::archive` and the app decide.

use crate::list::Count;
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

/// What every row of a load gives a column.
#[derive(Debug, Clone, Copy)]
enum Value {
    /// A parameter of its own: the row's next one.
    Row,
    /// The load's `n`th shared parameter (from 0): one value for every row (who, when, which
    /// source), bound once per statement rather than once per row.
    Shared(usize),
    /// One SQL literal for every row, written in the statement's text.
    Sql(&'static str),
}

type Column = (&'static str, Value);

/// Multi-row inserts of `rows`, converted to parameters a statement at a time (so that the
/// parameters of a whole archive never sit in memory together); `to_args` pushes one row's
/// parameters, one per [`Value::Row`] column, in order. The `shared` parameters come first,
/// in a one-row subquery every row is joined to (numbered parameters would be simpler, but
/// sqlx looks each one's name up in a list as long as the statement, per parameter).
async fn insert_templated<T: Send>(
    tx: &mut Tx,
    table: &str,
    columns: &[Column],
    shared: Vec<Arg>,
    rows: Vec<T>,
    to_args: impl Fn(T, &mut Vec<Arg>) + Send,
) -> Result<u64, StoreError> {
    let params = columns.iter().filter(|(_, v)| matches!(v, Value::Row)).count().max(1);
    let per_statement = (crate::bulk::MAX_PARAMS / params).max(1);
    let mut row_column = 0;
    let select: Vec<String> = columns
        .iter()
        .map(|(_, value)| match value {
            Value::Row => {
                row_column += 1;
                format!("v.column{row_column}")
            }
            Value::Shared(n) => format!("s.s{n}"),
            Value::Sql(literal) => literal.to_string(),
        })
        .collect();
    let head = format!(
        "{} {table} ({}) SELECT {} FROM (SELECT {}) AS s, (VALUES ",
        tx.insert_into(),
        columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", "),
        select.join(", "),
        if shared.is_empty() {
            "1 AS s0".to_string()
        } else {
            (0..shared.len()).map(|n| format!("? AS s{n}")).collect::<Vec<_>>().join(", ")
        }
    );
    let one = format!("({})", vec!["?"; params].join(", "));
    let mut rows = rows.into_iter();
    // The next statement and its parameters, or none when the rows are used up.
    let mut next_statement = || {
        let mut args = Vec::with_capacity(shared.len() + per_statement * params);
        args.extend(shared.iter().cloned());
        let mut count = 0;
        for r in rows.by_ref().take(per_statement) {
            to_args(r, &mut args);
            count += 1;
        }
        debug_assert_eq!(args.len(), shared.len() + count * params);
        (count > 0).then(|| (format!("{head}{}) AS v", vec![one.as_str(); count].join(", ")), args, count))
    };
    let mut written = 0;
    let mut statement = next_statement();
    while let Some((sql, args, count)) = statement {
        // The next statement's parameters are made while the database runs this one (the
        // future polled first hands its statement to the connection's thread, then waits).
        let (done, following) =
            tokio::join!(crate::bulk::execute_rows(tx, &sql, args, count, per_statement), async { next_statement() });
        written += done?;
        statement = following;
    }
    Ok(written)
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

/// What every record of one archive import shares, bound once per statement rather than
/// once per row.
#[derive(Debug, Clone)]
pub struct Load {
    /// The archive (the mapping's `source`).
    pub source: String,
    /// When the import ran (µs since the epoch).
    pub at: i64,
    /// The importing user's name (`updated_by`), and id and display name (the events' actor).
    pub username: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    /// Who found the findings, as their hazards record it.
    pub finder: String,
}

impl Load {
    /// The shared parameters, in the order [`Value::Shared`] numbers them.
    fn shared(&self) -> Vec<Arg> {
        args![&self.source, self.at, &self.username, self.actor_id, &self.actor_name, &self.finder]
    }
}

const SOURCE: Value = Value::Shared(0);
const AT: Value = Value::Shared(1);
const USERNAME: Value = Value::Shared(2);
const ACTOR_ID: Value = Value::Shared(3);
const ACTOR_NAME: Value = Value::Shared(4);
const FINDER: Value = Value::Shared(5);

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
        ("enterprise_id", Value::Row),
        ("source", Value::Row),
        ("external_id", Value::Row),
        ("credit_code_missing", Value::Row),
        ("establishment_type", Value::Row),
        ("job_id", Value::Row),
        ("created_at", Value::Row),
    ];
    insert_templated(tx, "archive_establishments", &COLUMNS, Vec::new(), rows, |r, a| {
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
    pub external_id: String,
    pub archive_result: Option<String>,
    pub place: String,
    pub inspected_on: String,
    /// The inspection date's start in the bureau's zone.
    pub completed_at: i64,
}

pub async fn insert_inspections(tx: &mut Tx, load: &Load, rows: Vec<InspectionRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 27] = [
        ("id", Value::Row),
        ("number", Value::Row),
        ("enterprise_id", Value::Row),
        ("region_code", Value::Row),
        ("kind", Value::Sql("'routine'")),
        ("status", Value::Sql("'completed'")),
        ("archived", Value::Sql("TRUE")),
        ("archive_source", SOURCE),
        ("external_id", Value::Row),
        ("archive_result", Value::Row),
        ("notice", Value::Sql("'none'")),
        ("officers", Value::Sql("'[]'")),
        ("experts", Value::Sql("'[]'")),
        ("staff_present", Value::Sql("''")),
        ("place", Value::Row),
        ("inspected_on", Value::Row),
        ("checklist", Value::Sql("'[]'")),
        ("findings", Value::Sql("''")),
        ("measures", Value::Sql("''")),
        ("feedback", Value::Sql("''")),
        ("attachment_ids", Value::Sql("''")),
        ("completed_on", Value::Row),
        ("completed_at", Value::Row),
        ("version", Value::Sql("1")),
        ("created_at", AT),
        ("updated_at", AT),
        ("updated_by", USERNAME),
    ];
    insert_templated(tx, "inspections", &COLUMNS, load.shared(), rows, |r, a| {
        a.extend([
            Arg::from(r.id),
            Arg::from(r.number),
            Arg::from(r.enterprise_id),
            Arg::from(r.region_code),
            Arg::from(r.external_id),
            Arg::from(r.archive_result),
            Arg::from(r.place),
            Arg::from(r.inspected_on.clone()),
            Arg::from(r.inspected_on),
            Arg::from(r.completed_at),
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
    /// `open` or `closed`.
    pub status: &'static str,
    pub escalation_due_on: Option<String>,
    pub closed_because: Option<&'static str>,
}

pub async fn insert_hazards(tx: &mut Tx, load: &Load, rows: Vec<HazardRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 27] = [
        ("id", Value::Row),
        ("number", Value::Row),
        ("enterprise_id", Value::Row),
        ("region_code", Value::Row),
        ("source", Value::Sql("'archive'")),
        ("source_id", Value::Row),
        ("external_id", Value::Row),
        ("level", Value::Row),
        ("description", Value::Row),
        ("found_on", Value::Row),
        ("deadline", Value::Row),
        ("original_deadline", Value::Row),
        ("responsible_person", Value::Sql("''")),
        ("found_by", Value::Sql("''")),
        ("found_by_names", FINDER),
        ("status", Value::Row),
        ("extensions_granted", Value::Sql("0")),
        ("escalations", Value::Sql("0")),
        ("escalation_due_on", Value::Row),
        ("referred_to_case", Value::Sql("FALSE")),
        ("closed_because", Value::Row),
        ("closed_on", Value::Row),
        ("version", Value::Sql("1")),
        ("created_at", AT),
        ("updated_at", AT),
        ("state_changed_at", AT),
        ("updated_by", USERNAME),
    ];
    insert_templated(tx, "hazards", &COLUMNS, load.shared(), rows, |r, a| {
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
            Arg::from(r.status),
            Arg::from(r.escalation_due_on),
            Arg::from(r.closed_because),
            Arg::from(closed_on),
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
    pub note: Option<String>,
}

pub async fn insert_events(tx: &mut Tx, load: &Load, rows: Vec<EventRow>) -> Result<u64, StoreError> {
    const COLUMNS: [Column; 12] = [
        ("id", Value::Row),
        ("hazard_id", Value::Row),
        ("seq", Value::Row),
        ("action", Value::Row),
        ("from_status", Value::Row),
        ("to_status", Value::Row),
        ("at", Value::Row),
        ("on_date", Value::Row),
        ("actor_id", ACTOR_ID),
        ("actor_name", ACTOR_NAME),
        ("on_behalf", Value::Sql("FALSE")),
        ("note", Value::Row),
    ];
    insert_templated(tx, "hazard_events", &COLUMNS, load.shared(), rows, |r, a| {
        a.extend([
            Arg::from(Uuid::now_v7()),
            Arg::from(r.hazard_id),
            Arg::from(r.seq),
            Arg::from(r.action),
            Arg::from(r.from_status),
            Arg::from(r.to_status),
            Arg::from(r.at),
            Arg::from(r.on_date),
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
        ("id", Value::Row),
        ("hazard_id", Value::Row),
        ("action", Value::Row),
        ("outcome", Value::Row),
        ("fine_minor", Value::Row),
        ("currency", Value::Row),
        ("decided_on", Value::Row),
        ("source", Value::Row),
        ("job_id", Value::Row),
        ("created_at", Value::Row),
    ];
    insert_templated(tx, "hazard_enforcement_records", &COLUMNS, Vec::new(), rows, |r, a| {
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
