//! Bulk import of enterprises (R-ENT-5) from CSV (UTF-8, BOM, GBK) or XLSX with Chinese or
//! English headers. Every row is read and validated first, without holding the writer; then
//! one transaction applies inserts and updates (upsert by credit code; an unchanged row is
//! left alone, a changed one keeps its history), records the per-row errors and writes one
//! audit entry for the whole import. An interruption leaves the database as it was; a second
//! run of the same file changes nothing and says so. `strict` refuses the file on any bad row.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};
use touchstone_domain::role::Permission;
use touchstone_store::enterprises::{self as ent_store, ContactRow, EnterpriseRow};
use touchstone_store::imports::{self as store, ChangeRow, ImportErrorRow, JobRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::enterprises::{ContactInput, EnterpriseInput, snapshot, validate};
use crate::tabular::{self, Aliases, Record};
use crate::{Actor, App, Error, Result};

/// Largest import file accepted.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

const ALIASES: &Aliases = &[
    ("uscc", &["uscc", "credit_code", "统一社会信用代码", "社会信用代码", "信用代码"]),
    ("name", &["name", "企业名称", "名称", "单位名称"]),
    ("legal_representative", &["legal_representative", "法定代表人", "法人"]),
    ("legal_rep_id_number", &["legal_rep_id_number", "法定代表人身份证号", "身份证号"]),
    ("legal_rep_phone", &["legal_rep_phone", "法定代表人电话", "联系电话"]),
    ("address", &["address", "地址", "住所", "生产地址"]),
    ("region_code", &["region_code", "行政区划代码", "区划代码"]),
    ("latitude", &["latitude", "纬度"]),
    ("longitude", &["longitude", "经度"]),
    ("industry_code", &["industry_code", "行业代码"]),
    ("scale", &["scale", "规模", "企业规模"]),
    ("status", &["status", "状态", "经营状态"]),
    ("roles", &["roles", "经营类型"]),
    ("industrial_park", &["industrial_park", "所在园区", "园区"]),
    ("categories", &["categories", "产品类别"]),
    ("contact_name", &["contact_name", "联系人"]),
    ("contact_position", &["contact_position", "联系人职务"]),
    ("contact_phone", &["contact_phone", "联系人电话"]),
];

const REQUIRED: &[&str] = &["uscc", "name", "legal_representative", "address", "region_code"];

fn code_of(value: &str, table: &[(&str, &str)]) -> String {
    let v = value.trim();
    table.iter().find(|(zh, _)| *zh == v).map(|(_, code)| code.to_string()).unwrap_or_else(|| v.to_lowercase())
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(['|', ',', '，', ';', '；', '、', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// A record as the input the registration form would send.
fn input_of(r: &HashMap<&'static str, String>) -> EnterpriseInput {
    let get = |k: &str| r.get(k).cloned().unwrap_or_default();
    let opt = |k: &str| r.get(k).cloned().filter(|s| !s.trim().is_empty());
    let roles = split_list(&get("roles"))
        .iter()
        .map(|x| {
            code_of(
                x,
                &[
                    ("生产", "producer"),
                    ("生产企业", "producer"),
                    ("销售", "distributor"),
                    ("销售企业", "distributor"),
                    ("网络销售", "online_seller"),
                    ("网销", "online_seller"),
                ],
            )
        })
        .collect::<Vec<_>>();
    let contact =
        ContactInput { name: get("contact_name"), position: get("contact_position"), phone: get("contact_phone") };
    EnterpriseInput {
        uscc: get("uscc"),
        name: get("name"),
        legal_representative: get("legal_representative"),
        legal_rep_id_number: opt("legal_rep_id_number"),
        legal_rep_phone: opt("legal_rep_phone"),
        address: get("address"),
        region_code: get("region_code"),
        latitude: opt("latitude"),
        longitude: opt("longitude"),
        industry_code: opt("industry_code"),
        scale: code_of(
            &opt("scale").unwrap_or_else(|| "small".into()),
            &[("大型", "large"), ("中型", "medium"), ("小型", "small"), ("微型", "micro")],
        ),
        status: code_of(
            &opt("status").unwrap_or_else(|| "operating".into()),
            &[
                ("在营", "operating"),
                ("存续", "operating"),
                ("停产", "suspended"),
                ("关闭", "closed"),
                ("注销", "closed"),
            ],
        ),
        roles: if roles.is_empty() { vec!["producer".into()] } else { roles },
        industrial_park: opt("industrial_park"),
        categories: split_list(&get("categories")),
        contacts: if contact.name.trim().is_empty() && contact.phone.trim().is_empty() {
            Vec::new()
        } else {
            vec![contact]
        },
        version: None,
    }
}

/// The counts and outcome of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub job: JobRow,
    pub errors: Vec<ImportErrorRow>,
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::field("file", "unreadable", format!("{}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Registers a job for a file (status `queued`), so a page can follow it.
pub async fn create_job(app: &App, actor: &Actor, path: &Path, file_name: &str, strict: bool) -> Result<JobRow> {
    actor.require(Permission::EditEnterprises, "importing enterprises")?;
    let now = app.clock.now().as_micros();
    let job = JobRow {
        id: Uuid::now_v7(),
        kind: "enterprises".into(),
        file_name: file_name.chars().take(200).collect(),
        file_sha256: sha256_file(path)?,
        strict,
        status: "queued".into(),
        message: None,
        total_rows: 0,
        processed_rows: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        error_rows: 0,
        organisation_id: actor.organisation.as_ref().map(|o| o.id),
        region_code: actor.organisation.as_ref().map(|o| o.region_code.clone()),
        created_by: actor.username.clone(),
        created_at: now,
        updated_at: now,
    };
    store::insert_job(&app.db, &job).await?;
    Ok(job)
}

/// A validated row waiting to be applied.
struct Staged {
    row: EnterpriseRow,
    contacts: Vec<ContactRow>,
    categories: Vec<String>,
}

fn error_row(job: Uuid, row: usize, field: &str, value: &str, reason: String) -> ImportErrorRow {
    ImportErrorRow {
        id: Uuid::now_v7(),
        job_id: job,
        row_number: row as i64,
        field: field.into(),
        value: value.chars().take(200).collect(),
        reason,
    }
}

/// Runs a queued job to its end. `progress(processed, total)` is called as rows are validated.
pub async fn run(
    app: &App,
    actor: &Actor,
    mut job: JobRow,
    path: &Path,
    progress: &(dyn Fn(i64, i64) + Sync),
) -> Result<Outcome> {
    let result = run_inner(app, actor, &mut job, path, progress).await;
    if let Err(e) = &result {
        // A bad file or a failure leaves nothing but the job's message behind.
        job.status = if matches!(e, Error::Validation(_)) { "refused".into() } else { "failed".into() };
        job.message = Some(e.to_string());
        job.updated_at = app.clock.now().as_micros();
        let mut tx = app.db.begin().await?;
        store::finish(&mut tx, &job).await?;
        tx.commit().await?;
    }
    result
}

async fn run_inner(
    app: &App,
    actor: &Actor,
    job: &mut JobRow,
    path: &Path,
    progress: &(dyn Fn(i64, i64) + Sync),
) -> Result<Outcome> {
    actor.require(Permission::EditEnterprises, "importing enterprises")?;
    let sheets = tabular::read(path, ALIASES, MAX_FILE_BYTES)?;
    let records: Vec<&Record> = sheets.iter().flat_map(|s| s.records.iter()).collect();
    if let Some(sheet) = sheets.first() {
        let missing: Vec<&str> = REQUIRED.iter().filter(|f| !sheet.fields.contains(f)).copied().collect();
        if !missing.is_empty() {
            return Err(Error::field(
                "file",
                "missing_columns",
                format!("missing required columns: {}", missing.join(", ")),
            ));
        }
    }
    if records.is_empty() {
        return Err(Error::field("file", "empty", "the file has no data rows"));
    }
    let total = records.len() as i64;
    job.total_rows = total;
    store::set_progress(&app.db, job.id, "validating", 0, total, app.clock.now().as_micros()).await?;
    let now = app.clock.now().as_micros();
    let mut errors = Vec::new();
    let mut staged: Vec<(usize, Staged)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, (line, record)) in records.iter().enumerate() {
        let input = input_of(record);
        match validate(actor, &input, None, now) {
            Ok((row, contacts, categories)) => {
                if let Some(first) = seen.get(&row.uscc) {
                    errors.push(error_row(
                        job.id,
                        *line,
                        "uscc",
                        &row.uscc,
                        format!("the same credit code as row {first}"),
                    ));
                } else {
                    seen.insert(row.uscc.clone(), *line);
                    staged.push((*line, Staged { row, contacts, categories }));
                }
            }
            Err(Error::Validation(v)) => {
                for f in v.0 {
                    let value = record.get(f.field.as_str()).cloned().unwrap_or_default();
                    errors.push(error_row(job.id, *line, &f.field, &value, f.message));
                }
            }
            Err(e) => return Err(e),
        }
        if (i + 1) % 1000 == 0 || i + 1 == records.len() {
            progress(i as i64 + 1, total);
            store::set_progress(&app.db, job.id, "validating", i as i64 + 1, total, app.clock.now().as_micros())
                .await?;
        }
    }
    // Insert or update: decided against what is registered now.
    let codes: Vec<String> = staged.iter().map(|(_, s)| s.row.uscc.clone()).collect();
    let existing: HashMap<String, EnterpriseRow> =
        ent_store::by_usccs(&app.db, &codes).await?.into_iter().map(|e| (e.uscc.clone(), e)).collect();
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut unchanged = 0i64;
    for (line, s) in staged {
        match existing.get(&s.row.uscc) {
            None => inserts.push(s),
            Some(current) if !actor.regions.contains(&current.region_code) => {
                errors.push(error_row(job.id, line, "uscc", &s.row.uscc, "registered in another jurisdiction".into()));
            }
            Some(current) => {
                let old_contacts = ent_store::contacts(&app.db, current.id).await?;
                let old_categories = ent_store::categories(&app.db, current.id).await?;
                let before = snapshot(current, &old_contacts, &old_categories);
                let mut row = s.row;
                row.id = current.id;
                row.created_at = current.created_at;
                row.version = current.version + 1;
                let contacts: Vec<ContactRow> =
                    s.contacts.into_iter().map(|c| ContactRow { enterprise_id: current.id, ..c }).collect();
                let after = snapshot(&row, &contacts, &s.categories);
                if before == after {
                    unchanged += 1;
                } else {
                    updates.push((current.version, before, Staged { row, contacts, categories: s.categories }, after));
                }
            }
        }
    }
    errors.sort_by_key(|e| e.row_number);
    job.error_rows = errors.iter().map(|e| e.row_number).collect::<std::collections::BTreeSet<_>>().len() as i64;
    job.processed_rows = total;
    job.updated_at = app.clock.now().as_micros();
    if job.strict && !errors.is_empty() {
        job.status = "refused".into();
        job.message = Some(format!("{} rows have errors; with strict checking nothing was imported", job.error_rows));
        let mut tx = app.db.begin().await?;
        for e in &errors {
            store::insert_error(&mut tx, e).await?;
        }
        store::finish(&mut tx, job).await?;
        tx.commit().await?;
        return Ok(Outcome { job: job.clone(), errors });
    }
    store::set_progress(&app.db, job.id, "applying", total, total, job.updated_at).await?;
    let mut tx = app.db.begin().await?;
    let at = app.clock.now().as_micros();
    for s in &inserts {
        ent_store::insert(&mut tx, &s.row).await.map_err(|e| {
            if e.is_unique_violation() {
                Error::Conflict {
                    code: "import_conflict",
                    message: format!("{} was registered while the import ran; run it again", s.row.uscc),
                }
            } else {
                e.into()
            }
        })?;
        ent_store::replace_contacts(&mut tx, s.row.id, &s.contacts).await?;
        ent_store::replace_categories(&mut tx, s.row.id, &s.categories).await?;
        let after = snapshot(&s.row, &s.contacts, &s.categories);
        store::insert_change(&mut tx, &change_row(s.row.id, at, actor, job.id, None, &after)).await?;
    }
    for (expected, before, s, after) in &updates {
        if !ent_store::update(&mut tx, &s.row, *expected).await? {
            return Err(Error::Conflict {
                code: "import_conflict",
                message: format!("{} changed while the import ran; run it again", s.row.uscc),
            });
        }
        ent_store::replace_contacts(&mut tx, s.row.id, &s.contacts).await?;
        ent_store::replace_categories(&mut tx, s.row.id, &s.categories).await?;
        store::insert_change(&mut tx, &change_row(s.row.id, at, actor, job.id, Some(before), after)).await?;
    }
    for e in &errors {
        store::insert_error(&mut tx, e).await?;
    }
    job.inserted = inserts.len() as i64;
    job.updated = updates.len() as i64;
    job.unchanged = unchanged;
    job.status = "done".into();
    job.message = Some(if job.inserted + job.updated == 0 {
        "nothing changed: every valid row matches what is registered".to_string()
    } else {
        format!(
            "{} inserted, {} updated, {} unchanged, {} rows with errors",
            job.inserted, job.updated, job.unchanged, job.error_rows
        )
    });
    job.updated_at = app.clock.now().as_micros();
    store::finish(&mut tx, job).await?;
    let mut change = Change::new("import.enterprises", "import_job", job.id);
    if let Some(org) = &actor.organisation {
        change = change.region(org.region_code.clone(), Some(org.id));
    }
    let summary = serde_json::json!({"file": job.file_name, "sha256": job.file_sha256, "rows": total, "inserted": job.inserted,
        "updated": job.updated, "unchanged": job.unchanged, "error_rows": job.error_rows, "strict": job.strict});
    audit::record(app, &mut tx, actor, change.after(summary)).await?;
    tx.commit().await?;
    Ok(Outcome { job: job.clone(), errors })
}

/// The history row an import leaves on one enterprise.
fn change_row(
    enterprise_id: Uuid,
    at: i64,
    actor: &Actor,
    job: Uuid,
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> ChangeRow {
    ChangeRow {
        id: Uuid::now_v7(),
        enterprise_id,
        at,
        actor_name: actor.username.clone(),
        action: "enterprise.import".into(),
        before_json: before.map(|b| b.to_string()),
        after_json: Some(after.to_string()),
        job_id: Some(job),
    }
}

/// A job the actor started or that belongs to a bureau they oversee.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<Outcome> {
    let job = store::get(&app.db, &actor.bureaus, &actor.username, id).await?.ok_or(Error::NotFound)?;
    let errors = store::errors(&app.db, id, 100_000).await?;
    Ok(Outcome { job, errors })
}

pub async fn list(
    app: &App,
    actor: &Actor,
    window: &touchstone_store::list::Window,
) -> Result<touchstone_store::list::Page<JobRow>> {
    actor.require(Permission::EditEnterprises, "importing enterprises")?;
    Ok(store::list(&app.db, &actor.bureaus, &actor.username, window).await?)
}

/// The error report as CSV text (UTF-8 with BOM): row, field, value, reason.
pub fn errors_csv(errors: &[ImportErrorRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["row", "field", "value", "reason"]);
    for e in errors {
        let _ = w.write_record([e.row_number.to_string(), e.field.clone(), e.value.clone(), e.reason.clone()]);
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}
