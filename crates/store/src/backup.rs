//! Online, consistent logical backup and restore for both engines: every table is read in
//! one snapshot transaction and written as JSON lines, which restore into either engine
//! (so a backup also moves a SQLite deployment to PostgreSQL).

use std::io::{BufRead, Write};

use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Row as _};
use uuid::Uuid;

use crate::{Arg, Db, Engine, StoreError, Tx, args};

/// Tables in the order restore inserts them (parents before children).
pub const TABLES: &[&str] = &[
    "organisations",
    "organisation_regions",
    "users",
    "sessions",
    "api_tokens",
    "login_throttle",
    "audit_entries",
    "audit_head",
    "leases",
    "sweep_runs",
    "enterprises",
    "enterprise_contacts",
    "enterprise_categories",
    "certification_bodies",
    "certificates",
    "certificate_status_history",
    "import_jobs",
    "import_errors",
    "enterprise_changes",
    "activation_codes",
    "attachments",
    "products",
    "record_changes",
    "laboratories",
    "enterprise_registrations",
    "key_product_lists",
    "key_product_list_items",
    "campaigns",
    "campaign_milestones",
    "campaign_actions",
    "hazards",
    "hazard_events",
    "notifications",
    "notification_reads",
    "self_inspections",
    "inspection_plans",
    "inspection_plan_targets",
    "inspections",
    "archive_establishments",
    "hazard_enforcement_records",
    "weekly_reports",
    "hazard_samples",
    "documents",
];

/// Self-references restored in a second pass (inserted as NULL first).
const SECOND_PASS: &[(&str, &str)] = &[("organisations", "parent_id")];

pub const FORMAT: &str = "touchstone-backup";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Uuid,
    Int,
    Text,
    Bool,
}

#[derive(sqlx::FromRow)]
struct ColumnInfo {
    name: String,
    type_name: String,
}

fn col_type(table: &str, c: &ColumnInfo) -> Result<ColType, StoreError> {
    match c.type_name.to_ascii_lowercase().as_str() {
        "uuid" => Ok(ColType::Uuid),
        "bigint" | "integer" => Ok(ColType::Int),
        "text" => Ok(ColType::Text),
        "boolean" => Ok(ColType::Bool),
        other => Err(StoreError::Data(format!("{table}.{}: column type {other} is not supported by backup", c.name))),
    }
}

async fn columns(db: &Db, table: &str) -> Result<Vec<(String, ColType)>, StoreError> {
    let rows: Vec<ColumnInfo> = db.fetch_all(crate::dialect::columns_query(db.engine()), args![table]).await?;
    if rows.is_empty() {
        return Err(StoreError::Data(format!("table {table} does not exist")));
    }
    rows.iter().map(|c| Ok((c.name.clone(), col_type(table, c)?))).collect()
}

macro_rules! decode {
    ($row:expr, $i:expr, $t:expr) => {
        match $t {
            ColType::Uuid => $row.try_get::<Option<Uuid>, _>($i)?.map(|u| json!(u.to_string())).unwrap_or(Value::Null),
            ColType::Int => $row.try_get::<Option<i64>, _>($i)?.map(|v| json!(v)).unwrap_or(Value::Null),
            ColType::Text => $row.try_get::<Option<String>, _>($i)?.map(|v| json!(v)).unwrap_or(Value::Null),
            ColType::Bool => $row.try_get::<Option<bool>, _>($i)?.map(|v| json!(v)).unwrap_or(Value::Null),
        }
    };
}

/// Writes a consistent snapshot of the whole database to `out`. Returns the row count.
pub async fn dump(db: &Db, schema_version: i64, created_at: i64, out: &mut dyn Write) -> Result<u64, StoreError> {
    let io = |e: std::io::Error| StoreError::Data(format!("writing the backup: {e}"));
    let mut layouts = Vec::new();
    for t in TABLES {
        layouts.push((*t, columns(db, t).await?));
    }
    let header = json!({"format": FORMAT, "version": 1, "schema_version": schema_version,
        "engine": match db.engine() { Engine::Sqlite => "sqlite", Engine::Postgres => "postgres" }, "created_at": created_at});
    writeln!(out, "{header}").map_err(io)?;
    let mut total = 0u64;
    macro_rules! snapshot {
        ($pool:expr, $begin:expr) => {{
            let mut conn = $pool.acquire().await?;
            sqlx::raw_sql($begin).execute(&mut *conn).await?;
            for (table, cols) in &layouts {
                let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
                writeln!(out, "{}", json!({"table": table, "columns": names})).map_err(io)?;
                let sql = format!("SELECT {} FROM {table} ORDER BY {}", names.join(", "), names[0]);
                let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
                for row in rows {
                    let mut values = Vec::with_capacity(cols.len());
                    for (i, (_, t)) in cols.iter().enumerate() {
                        values.push(decode!(row, i, *t));
                    }
                    writeln!(out, "{}", json!({ "row": values })).map_err(io)?;
                    total += 1;
                }
            }
            sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
        }};
    }
    match db {
        Db::Sqlite { reader, .. } => snapshot!(reader, "BEGIN"),
        Db::Postgres { primary, .. } => snapshot!(primary, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
    }
    writeln!(out, "{}", json!({"end": true, "rows": total})).map_err(io)?;
    Ok(total)
}

fn to_arg(table: &str, column: &str, t: ColType, v: &Value) -> Result<Arg, StoreError> {
    let bad = || StoreError::Data(format!("{table}.{column}: value {v} does not fit the column"));
    Ok(match (t, v) {
        (ColType::Uuid, Value::Null) => Arg::Uuid(None),
        (ColType::Uuid, Value::String(s)) => Arg::Uuid(Some(Uuid::parse_str(s).map_err(|_| bad())?)),
        (ColType::Int, Value::Null) => Arg::I64(None),
        (ColType::Int, Value::Number(n)) => Arg::I64(Some(n.as_i64().ok_or_else(bad)?)),
        (ColType::Text, Value::Null) => Arg::Text(None),
        (ColType::Text, Value::String(s)) => Arg::Text(Some(s.clone())),
        (ColType::Bool, Value::Null) => Arg::Bool(None),
        (ColType::Bool, Value::Bool(b)) => Arg::Bool(Some(*b)),
        _ => return Err(bad()),
    })
}

/// What a backup file held.
#[derive(Debug, Clone)]
pub struct RestoreSummary {
    pub rows: u64,
    pub schema_version: i64,
}

/// Replaces every row of the (migrated) database with the backup's, in one transaction:
/// a bad or truncated file changes nothing.
pub async fn restore(db: &Db, schema_version: i64, input: &mut dyn BufRead) -> Result<RestoreSummary, StoreError> {
    let mut lines = input.lines().enumerate();
    let mut next = |what: &str| -> Result<(usize, Value), StoreError> {
        let (n, line) = lines.next().ok_or_else(|| StoreError::Data(format!("backup ends early: expected {what}")))?;
        let line = line.map_err(|e| StoreError::Data(format!("line {}: {e}", n + 1)))?;
        let v: Value =
            serde_json::from_str(&line).map_err(|e| StoreError::Data(format!("line {}: not JSON: {e}", n + 1)))?;
        Ok((n + 1, v))
    };
    let (_, header) = next("the header")?;
    if header["format"] != FORMAT {
        return Err(StoreError::Data("line 1: not a Touchstone backup".into()));
    }
    let file_version = header["schema_version"].as_i64().unwrap_or(-1);
    if file_version != schema_version {
        return Err(StoreError::Data(format!(
            "backup has schema version {file_version}, this database has {schema_version}: restore with the matching release"
        )));
    }
    let mut layouts = std::collections::HashMap::new();
    for t in TABLES {
        layouts.insert(*t, columns(db, t).await?);
    }
    let mut tx = db.begin().await?;
    // Derived indexes are not in the backup: emptied first, rebuilt from the restored ledger.
    tx.execute("DELETE FROM enterprise_search", vec![]).await?;
    for t in TABLES.iter().rev() {
        tx.execute(&format!("DELETE FROM {t}"), vec![]).await?;
    }
    let mut table: Option<(&str, Vec<(String, ColType)>)> = None;
    let mut second_pass: Vec<(String, String, Arg, Arg)> = Vec::new();
    let mut rows = 0u64;
    loop {
        let (n, v) = next("the end marker")?;
        if v.get("end").is_some() {
            if v["rows"].as_u64() != Some(rows) {
                return Err(StoreError::Data(format!(
                    "line {n}: end marker counts {} rows, file has {rows}",
                    v["rows"]
                )));
            }
            break;
        }
        if let Some(name) = v["table"].as_str() {
            let name = TABLES
                .iter()
                .find(|t| **t == name)
                .ok_or_else(|| StoreError::Data(format!("line {n}: unknown table {name}")))?;
            let wanted: Vec<String> = v["columns"]
                .as_array()
                .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect())
                .unwrap_or_default();
            let layout = layouts.get(name).cloned().unwrap_or_default();
            let have: Vec<String> = layout.iter().map(|c| c.0.clone()).collect();
            if wanted != have {
                return Err(StoreError::Data(format!("line {n}: columns of {name} differ from this database's")));
            }
            table = Some((name, layout));
            continue;
        }
        let (name, layout) =
            table.as_ref().ok_or_else(|| StoreError::Data(format!("line {n}: row before any table")))?;
        let values = v["row"].as_array().ok_or_else(|| StoreError::Data(format!("line {n}: expected a row")))?;
        if values.len() != layout.len() {
            return Err(StoreError::Data(format!("line {n}: {} values for {} columns", values.len(), layout.len())));
        }
        let mut args = Vec::with_capacity(layout.len());
        for ((col, t), value) in layout.iter().zip(values) {
            let deferred = SECOND_PASS.iter().any(|(tb, c)| tb == name && c == col);
            let arg = to_arg(name, col, *t, value).map_err(|e| StoreError::Data(format!("line {n}: {e}")))?;
            if deferred && !value.is_null() {
                let key = to_arg(name, &layout[0].0, layout[0].1, &values[0])?;
                second_pass.push((name.to_string(), col.clone(), arg, key));
                args.push(match t {
                    ColType::Uuid => Arg::Uuid(None),
                    ColType::Int => Arg::I64(None),
                    ColType::Text => Arg::Text(None),
                    ColType::Bool => Arg::Bool(None),
                });
            } else {
                args.push(arg);
            }
        }
        let names: Vec<&str> = layout.iter().map(|c| c.0.as_str()).collect();
        let marks = vec!["?"; names.len()].join(", ");
        tx.execute(&format!("INSERT INTO {name} ({}) VALUES ({marks})", names.join(", ")), args).await?;
        rows += 1;
    }
    apply_second_pass(&mut tx, second_pass).await?;
    crate::search::rebuild(&mut tx).await?;
    tx.commit().await?;
    Ok(RestoreSummary { rows, schema_version: file_version })
}

async fn apply_second_pass(tx: &mut Tx, updates: Vec<(String, String, Arg, Arg)>) -> Result<(), StoreError> {
    for (table, column, value, key) in updates {
        tx.execute(&format!("UPDATE {table} SET {column} = ? WHERE id = ?"), vec![value, key]).await?;
    }
    Ok(())
}

#[cfg(test)]
mod table_list_tests {
    /// Tables a backup leaves out because restore rebuilds them from the others.
    const REBUILT: &[&str] = &["enterprise_search"];

    // R-OPS-1: a table a migration adds and the backup forgets would be lost by a restore.
    #[test]
    fn every_table_a_migration_creates_is_backed_up_or_rebuilt_and_in_creation_order() {
        let mut created = Vec::new();
        for (_, _, sql) in crate::migrate::MIGRATIONS {
            for part in sql.split("CREATE TABLE ").skip(1) {
                let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !REBUILT.contains(&name.as_str()) && !created.contains(&name) {
                    created.push(name);
                }
            }
        }
        let listed: Vec<String> = super::TABLES.iter().map(|t| t.to_string()).collect();
        let missing: Vec<&String> = created.iter().filter(|t| !listed.contains(t)).collect();
        assert!(missing.is_empty(), "tables missing from backup::TABLES: {missing:?}");
        let position = |t: &String| created.iter().position(|c| c == t);
        let order: Vec<Option<usize>> = listed.iter().map(position).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "backup::TABLES must follow creation order (foreign keys)");
    }
}
