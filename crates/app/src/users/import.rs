//! Importing the organisation chart and officers from CSV (UTF-8, with or without BOM) or
//! XLSX, headers in Chinese or English. Every row is validated first with the same rules as
//! the forms; any bad row refuses the whole file and is reported (row, field, value,
//! reason); otherwise everything is written in one transaction.

use std::collections::HashMap;
use std::path::Path;

use touchstone_store::organisations as orgs;
use uuid::Uuid;

use super::{ImportReport, NewUser, RowError, insert_row, prepare};
use crate::organisations::{self as organisations, OrganisationInput};
use crate::{Actor, App, Error, Result};

/// Largest import file accepted.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// Column names accepted for each field (English and Chinese).
const ALIASES: &tabular::Aliases = &[
    ("kind", &["kind", "类型"]),
    ("code", &["code", "bureau_code", "单位代码", "机构代码"]),
    ("name", &["name", "单位名称", "机构名称"]),
    ("name_en", &["name_en", "英文名称"]),
    ("region_code", &["region_code", "区划代码", "行政区划代码"]),
    ("parent_code", &["parent_code", "上级单位代码", "上级机构代码"]),
    ("jurisdiction", &["jurisdiction", "管辖区划"]),
    ("username", &["username", "用户名", "账号"]),
    ("display_name", &["display_name", "姓名"]),
    ("role", &["role", "角色"]),
    ("organisation_code", &["organisation_code", "organization_code", "所属单位代码"]),
    ("department", &["department", "科室", "处室"]),
    ("officer_number", &["officer_number", "执法证号"]),
    ("password", &["password", "初始密码"]),
];

/// Role names officers type in Chinese, mapped to codes.
fn role_code(v: &str) -> String {
    match v.trim() {
        "管理员" => "administrator",
        "监管人员" | "科室人员" => "officer",
        "执法人员" | "检查人员" => "inspector",
        "法制审核人员" | "法制审核" => "legal_reviewer",
        other => other,
    }
    .to_string()
}

fn department_code(v: &str) -> String {
    match v.trim() {
        "质量监督科" | "质量监督" => "quality_supervision",
        "许可监督科" | "许可监督" => "licence_supervision",
        "认证监督科" | "认证监督" => "certification_supervision",
        "执法稽查" | "稽查" => "enforcement",
        "信用监管" | "信用" => "credit",
        other => other,
    }
    .to_string()
}

use crate::tabular::{self, Record};

fn read_table(path: &Path) -> Result<Vec<(String, Vec<Record>)>> {
    Ok(tabular::read(path, ALIASES, MAX_FILE_BYTES)?.into_iter().map(|s| (s.name, s.records)).collect())
}

fn get(row: &HashMap<&'static str, String>, k: &str) -> String {
    row.get(k).cloned().unwrap_or_default()
}

fn is_org_row(row: &HashMap<&'static str, String>) -> bool {
    match row.get("kind").map(|k| k.trim().to_lowercase()) {
        Some(k) if !k.is_empty() => matches!(k.as_str(), "organisation" | "organization" | "bureau" | "单位" | "机构"),
        _ => !row.contains_key("username"),
    }
}

fn push_errors(report: &mut ImportReport, line: usize, row: &HashMap<&'static str, String>, e: Error) {
    match e {
        Error::Validation(v) => {
            for f in v.0 {
                let value = row.get(f.field.as_str()).cloned().unwrap_or_default();
                let value = if f.field == "password" { "***".into() } else { value };
                report.errors.push(RowError { row: line, field: f.field, value, reason: f.message });
            }
        }
        other => report.errors.push(RowError {
            row: line,
            field: String::new(),
            value: String::new(),
            reason: other.to_string(),
        }),
    }
}

/// Imports bureaus and users from `path`. With any bad row nothing is written and the
/// report lists every problem; otherwise the report counts what was created.
pub async fn import_file(app: &App, actor: &Actor, path: &Path) -> Result<ImportReport> {
    let sheets = read_table(path)?;
    let mut report = ImportReport { created: 0, errors: Vec::new() };
    let mut pending_orgs: Vec<(orgs::OrganisationRow, Vec<String>)> = Vec::new();
    let mut pending_users = Vec::new();
    let mut codes: HashMap<String, Uuid> = HashMap::new();
    let rows: Vec<&Record> = sheets.iter().flat_map(|(_, r)| r.iter()).collect();
    if rows.is_empty() {
        return Err(Error::field("file", "empty", "the file has no data rows"));
    }
    // Bureaus first (users name them by code), in file order so parents come first.
    for (line, row) in rows.iter().filter(|(_, r)| is_org_row(r)) {
        let parent_code = get(row, "parent_code");
        let parent_id = if parent_code.is_empty() {
            None
        } else if let Some(id) = codes.get(&parent_code) {
            Some(*id)
        } else {
            match orgs::find_by_code(&app.db, &parent_code).await? {
                Some(o) => Some(o.id),
                None => {
                    report.errors.push(RowError {
                        row: *line,
                        field: "parent_code".into(),
                        value: parent_code,
                        reason: "no such bureau".into(),
                    });
                    continue;
                }
            }
        };
        let input = OrganisationInput {
            code: get(row, "code"),
            name: get(row, "name"),
            name_en: get(row, "name_en"),
            region_code: get(row, "region_code"),
            parent_id,
            jurisdiction: get(row, "jurisdiction").split([' ', ',', ';', '，']).map(String::from).collect(),
        };
        let prepared: Vec<orgs::OrganisationRow> = pending_orgs.iter().map(|p| p.0.clone()).collect();
        match organisations::prepare(app, actor, input, &prepared).await {
            Ok((o, j)) => {
                codes.insert(o.code.clone(), o.id);
                pending_orgs.push((o, j));
            }
            Err(e) => push_errors(&mut report, *line, row, e),
        }
    }
    let prepared: Vec<orgs::OrganisationRow> = pending_orgs.iter().map(|p| p.0.clone()).collect();
    let mut usernames = std::collections::HashSet::new();
    for (line, row) in rows.iter().filter(|(_, r)| !is_org_row(r)) {
        let org_code = get(row, "organisation_code");
        let organisation_id = match codes.get(&org_code) {
            Some(id) => Some(*id),
            None if org_code.is_empty() => None,
            None => orgs::find_by_code(&app.db, &org_code).await?.map(|o| o.id).or_else(|| {
                report.errors.push(RowError {
                    row: *line,
                    field: "organisation_code".into(),
                    value: org_code.clone(),
                    reason: "no such bureau".into(),
                });
                None
            }),
        };
        let username = get(row, "username").to_lowercase();
        if !usernames.insert(username.clone()) {
            report.errors.push(RowError {
                row: *line,
                field: "username".into(),
                value: username,
                reason: "appears twice in the file".into(),
            });
            continue;
        }
        let input = NewUser {
            username,
            display_name: get(row, "display_name"),
            role: role_code(&get(row, "role")),
            organisation_id,
            department: Some(department_code(&get(row, "department"))),
            officer_number: Some(get(row, "officer_number")),
            binding_id: None,
            region_code: None,
            password: get(row, "password"),
        };
        match prepare(app, actor, input, &prepared).await {
            Ok(u) => pending_users.push(u),
            Err(e) => push_errors(&mut report, *line, row, e),
        }
    }
    if !report.errors.is_empty() {
        report.errors.sort_by_key(|e| e.row);
        return Ok(report);
    }
    let mut tx = app.db.begin().await?;
    for (o, j) in &pending_orgs {
        organisations::insert_prepared(app, &mut tx, actor, o, j).await?;
    }
    for u in &pending_users {
        insert_row(app, &mut tx, actor, u).await?;
    }
    tx.commit().await?;
    report.created = pending_orgs.len() + pending_users.len();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_name_the_same_fields() {
        let sheet =
            tabular::parse_csv("\u{feff}Username,所属单位代码,something else\nzhang,JX-1,x\n", ALIASES).expect("csv");
        assert_eq!(sheet.fields, vec!["username", "organisation_code"]);
    }

    #[test]
    fn an_xlsx_workbook_reads_every_sheet_skipping_blank_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("chart.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let bureaus = wb.add_worksheet();
        bureaus.set_name("单位").expect("name");
        for (c, h) in ["单位代码", "单位名称", "区划代码", "上级单位代码"].iter().enumerate() {
            bureaus.write_string(0, c as u16, *h).expect("header");
        }
        for (c, v) in ["JX-360121-A", "南昌县局第一分局", "360121", "JX-360121"].iter().enumerate() {
            bureaus.write_string(1, c as u16, *v).expect("cell");
        }
        let people = wb.add_worksheet();
        people.set_name("人员").expect("name");
        for (c, h) in ["用户名", "姓名", "角色"].iter().enumerate() {
            people.write_string(0, c as u16, *h).expect("header");
        }
        people.write_string(1, 0, "ncx.a1").expect("cell");
        people.write_string(1, 1, "甲").expect("cell");
        people.write_string(1, 2, "监管人员").expect("cell");
        people.write_string(3, 0, "ncx.a2").expect("cell");
        wb.save(&path).expect("saved");
        let sheets = read_table(&path).expect("reads");
        assert_eq!(sheets.len(), 2);
        assert_eq!(sheets[0].1[0].1["region_code"], "360121");
        assert!(is_org_row(&sheets[0].1[0].1));
        let people = &sheets[1].1;
        assert_eq!(people.len(), 2, "the blank row 3 is skipped");
        assert_eq!((people[1].0, people[1].1["username"].as_str()), (4, "ncx.a2"));
        assert!(!is_org_row(&people[0].1));
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("broken.xlsx");
        std::fs::write(&path, b"PK\x03\x04 not really a zip").expect("write");
        let err = read_table(&path).expect_err("broken");
        assert_eq!(err.code(), "validation_failed");
        let txt = dir.path().join("people.txt");
        std::fs::write(&txt, "x").expect("write");
        assert!(matches!(read_table(&txt), Err(Error::Validation(v)) if v.0[0].code == "unsupported_type"));
    }

    #[test]
    fn a_csv_with_a_bom_reads_its_rows_with_line_numbers() {
        let rows =
            tabular::parse_csv("\u{feff}用户名,姓名\nzhang.san,张三\nli.si,李四\n", ALIASES).expect("csv").records;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        assert_eq!(rows[1].1["display_name"], "李四");
    }
}
