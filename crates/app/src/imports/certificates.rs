//! Importing certificates: upsert by certificate number with the registration form's checks
//! (`crate::certificates::check_fields`); the holder is found by credit code and must be
//! visible to the actor; a number registered to another holder is refused (R-CERT-4). An
//! issuer written as a registered body's name or approval number links that body. A status
//! change must be a legal one and enters the status history; other changes keep their
//! history in `record_changes`.

use std::collections::HashMap;

use touchstone_domain::ValidationErrors;
use touchstone_domain::certificate::{STATUSES, can_transition};
use touchstone_store::Tx;
use touchstone_store::certificates::{self as cert_store, BodyRow, CertificateRow};
use touchstone_store::imports::{self as store, ImportErrorRow};
use touchstone_store::list::Window;
use uuid::Uuid;

use super::{
    Cells, Importer, Kind, Plan, Stamp, category_codes, cell, code_of, credit_code, date_cell, error_row, gather,
    moved, optional_cell, unknown_holder, visible_enterprises,
};
use crate::audit::record_fields;
use crate::certificates::{Checked, Fields, check_fields, effective_status, new_row, status_change};
use crate::tabular::Aliases;
use crate::{Actor, App, Error, Result};

const ALIASES: &Aliases = &[
    (
        "uscc",
        &["uscc", "credit_code", "holder_uscc", "统一社会信用代码", "社会信用代码", "信用代码", "持证企业信用代码"],
    ),
    ("number", &["number", "certificate_number", "证书编号", "证书号", "证号"]),
    ("kind", &["kind", "type", "证书类型", "证书种类", "证书类别"]),
    ("issuer_name", &["issuer_name", "issuer", "发证机关", "发证机构", "认证机构", "发证单位"]),
    ("scope", &["scope", "categories", "产品类别", "范围类别", "获证产品类别"]),
    ("scope_text", &["scope_text", "认证范围", "许可范围", "范围说明", "产品单元"]),
    ("issued_on", &["issued_on", "issue_date", "发证日期", "颁发日期", "签发日期"]),
    ("expires_on", &["expires_on", "expiry_date", "有效期至", "有效期截止", "截止日期", "到期日期"]),
    ("status", &["status", "证书状态", "状态"]),
];

const KIND_WORDS: &[(&str, &str)] = &[
    ("生产许可证", "production_licence"),
    ("工业产品生产许可证", "production_licence"),
    ("全国工业产品生产许可证", "production_licence"),
    ("3C", "ccc"),
    ("CCC认证", "ccc"),
    ("强制性产品认证", "ccc"),
    ("质量管理体系", "quality_management"),
    ("质量管理体系认证", "quality_management"),
    ("环境管理体系", "environmental_management"),
    ("环境管理体系认证", "environmental_management"),
    ("职业健康安全管理体系", "occupational_health_safety"),
    ("职业健康安全管理体系认证", "occupational_health_safety"),
    ("其他", "other"),
    ("其它", "other"),
];

const STATUS_WORDS: &[(&str, &str)] = &[
    ("有效", "valid"),
    ("暂停", "suspended"),
    ("撤销", "revoked"),
    ("注销", "cancelled"),
    ("撤回", "withdrawn"),
    ("过期", "expired"),
    ("失效", "expired"),
    ("已过期", "expired"),
];

/// A checked certificate, its holder's credit code, and its status: the one given (expired
/// when its date has passed), or `None` to keep a registered certificate's status.
pub(crate) struct Staged {
    uscc: String,
    checked: Checked,
    status: Option<String>,
    new_status: String,
}

/// An update: the version read, the status before, the fields before and after, the new row.
pub(crate) type Update = (i64, String, serde_json::Value, CertificateRow, serde_json::Value);

pub(crate) struct Certificates;

/// Every registered certification body by name and by approval number.
async fn bodies(app: &App) -> Result<HashMap<String, BodyRow>> {
    let mut out = HashMap::new();
    let mut window = Window { sort: "b.name", descending: false, page: 1, per_page: Window::MAX_PER_PAGE };
    loop {
        let page = cert_store::bodies(&app.db, None, &window).await?;
        let done = page.items.len() < window.per_page as usize;
        for b in page.items {
            out.insert(b.approval_number.clone(), b.clone());
            out.insert(b.name.clone(), b);
        }
        if done {
            return Ok(out);
        }
        window.page += 1;
    }
}

impl Importer for Certificates {
    const KIND: Kind = Kind::Certificates;
    const ACTION: &'static str = "import.certificates";
    const ALIASES: &'static Aliases = ALIASES;
    const REQUIRED: &'static [&'static str] =
        &["uscc", "number", "kind", "issuer_name", "scope", "issued_on", "expires_on"];
    const KEY: (&'static str, &'static str) = ("number", "certificate number");
    type Staged = Staged;
    type Insert = CertificateRow;
    type Update = Update;

    fn stage(_actor: &Actor, cells: &Cells, today: &str, _now: i64) -> Result<(String, Staged)> {
        let mut errors = ValidationErrors::new();
        let uscc = gather(&mut errors, credit_code(&cell(cells, "uscc")))?;
        let kind = code_of(&cell(cells, "kind"), KIND_WORDS);
        let status = optional_cell(cells, "status").map(|s| code_of(&s, STATUS_WORDS));
        if let Some(s) = &status
            && !STATUSES.contains(&s.as_str())
        {
            errors.add("status", "invalid_choice", STATUSES.join(", "));
        }
        let scope_text = optional_cell(cells, "scope_text");
        let checked = check_fields(
            &mut errors,
            Fields {
                number: &cell(cells, "number"),
                kind: &kind,
                issuer_name: &cell(cells, "issuer_name"),
                scope: &category_codes(&cell(cells, "scope")),
                scope_text: scope_text.as_deref(),
                issued_on: &date_cell(&cell(cells, "issued_on")),
                expires_on: &date_cell(&cell(cells, "expires_on")),
            },
        );
        errors.into_result()?;
        let (Some(uscc), Some(checked)) = (uscc, checked) else {
            return Err(Error::Internal("a validated certificate lacks its fields".into()));
        };
        let status = status.map(|s| effective_status(&s, &checked.expires_on, today));
        let new_status = status.clone().unwrap_or_else(|| effective_status("valid", &checked.expires_on, today));
        Ok((checked.number.clone(), Staged { uscc, checked, status, new_status }))
    }

    async fn plan(
        app: &App,
        actor: &Actor,
        job: Uuid,
        staged: Vec<(usize, Staged)>,
        errors: &mut Vec<ImportErrorRow>,
    ) -> Result<Plan<CertificateRow, Update>> {
        let holders = visible_enterprises(app, actor, staged.iter().map(|(_, s)| s.uscc.clone())).await?;
        let numbers: Vec<String> = staged.iter().map(|(_, s)| s.checked.number.clone()).collect();
        let existing: HashMap<String, CertificateRow> =
            cert_store::by_numbers(&app.db, &numbers).await?.into_iter().map(|c| (c.number.clone(), c)).collect();
        let bodies = bodies(app).await?;
        let now = app.clock.now().as_micros();
        let mut plan = Plan::default();
        for (line, s) in staged {
            let Some(holder) = holders.get(&s.uscc) else {
                errors.push(unknown_holder(job, line, &s.uscc));
                continue;
            };
            let body = bodies.get(&s.checked.issuer_name);
            let mut checked = s.checked;
            if let Some(b) = body {
                checked.issuer_name = b.name.clone();
            }
            let Some(current) = existing.get(&checked.number) else {
                plan.inserts.push(new_row(checked, holder, body.map(|b| b.id), s.new_status, actor, now));
                continue;
            };
            if current.holder_id != holder.id {
                let reason = "the certificate number is registered to another enterprise".to_string();
                errors.push(error_row(job, line, "number", &checked.number, reason));
                continue;
            }
            let status = s.status.unwrap_or_else(|| current.status.clone());
            if status != current.status && !can_transition(&current.status, &status) {
                let reason = format!("a {} certificate cannot become {status}", current.status);
                errors.push(error_row(job, line, "status", &status, reason));
                continue;
            }
            let fresh = new_row(checked, holder, body.map(|b| b.id), status, actor, now);
            let row = CertificateRow {
                id: current.id,
                version: current.version + 1,
                created_at: current.created_at,
                region_code: current.region_code.clone(),
                ..fresh
            };
            let (before, after) = (record_fields(current), record_fields(&row));
            if before == after {
                plan.unchanged += 1;
            } else {
                plan.updates.push((current.version, current.status.clone(), before, row, after));
            }
        }
        Ok(plan)
    }

    async fn apply(
        app: &App,
        tx: &mut Tx,
        actor: &Actor,
        job: Uuid,
        plan: &Plan<CertificateRow, Update>,
    ) -> Result<()> {
        let stamp = Stamp { actor, job, at: app.clock.now().as_micros() };
        let at = stamp.at;
        let today = crate::certificates::today(app);
        for c in &plan.inserts {
            cert_store::insert(tx, c).await.map_err(|e| {
                if e.is_unique_violation() { moved(&c.number, "was registered") } else { Error::from(e) }
            })?;
            cert_store::insert_history(tx, &status_change(c, None, "imported", c.issued_on.clone(), actor, at)).await?;
            let after = record_fields(c);
            let change = stamp.change("certificate", c.id, c.holder_id, None, &after);
            store::insert_record_change(tx, &change).await?;
        }
        for (expected, from, before, c, after) in &plan.updates {
            if !cert_store::update(tx, c, *expected).await? {
                return Err(moved(&c.number, "changed"));
            }
            if *from != c.status {
                let h = status_change(c, Some(from.clone()), "imported", today.clone(), actor, at);
                cert_store::insert_history(tx, &h).await?;
            }
            let change = stamp.change("certificate", c.id, c.holder_id, Some(before), after);
            store::insert_record_change(tx, &change).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pairs: &[(&'static str, &str)]) -> Cells {
        let code = touchstone_domain::uscc::Uscc::compose("91", "360121", "MA35K8R1").expect("code").to_string();
        let mut c: Cells = [
            ("uscc", code.as_str()),
            ("number", "xk06-001-00001"),
            ("kind", "工业产品生产许可证"),
            ("issuer_name", "江西省市场监督管理局"),
            ("scope", "04.01"),
            ("issued_on", "2024/1/2"),
            ("expires_on", "2029年1月1日"),
        ]
        .iter()
        .map(|(k, v)| (*k, v.to_string()))
        .collect();
        for (k, v) in pairs {
            c.insert(k, v.to_string());
        }
        c
    }

    fn stage(r: &Cells) -> Result<(String, Staged)> {
        Certificates::stage(&Actor::system(None), r, "2026-01-01", 0)
    }

    #[test]
    fn a_record_in_chinese_words_and_dates_maps_to_a_checked_certificate() {
        let (key, s) = stage(&record(&[])).expect("valid");
        assert_eq!(key, "XK06-001-00001");
        assert_eq!(s.checked.kind, "production_licence");
        assert_eq!((s.checked.issued_on.as_str(), s.checked.expires_on.as_str()), ("2024-01-02", "2029-01-01"));
        assert_eq!((s.status, s.new_status.as_str()), (None, "valid"));
    }

    #[test]
    fn a_past_expiry_makes_a_valid_certificate_expired_and_a_bad_status_is_named() {
        let (_, s) = stage(&record(&[("expires_on", "2025-12-31"), ("status", "有效")])).expect("valid");
        assert_eq!(s.status.as_deref(), Some("expired"));
        let Err(Error::Validation(v)) =
            stage(&record(&[("status", "作废了"), ("kind", "驾照"), ("expires_on", "2023-01-01")]))
        else {
            panic!("invalid")
        };
        let fields: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["status", "kind", "expires_on"]);
    }
}
