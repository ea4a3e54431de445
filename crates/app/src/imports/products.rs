//! Importing products: upsert by the enterprise's credit code, the product name and model,
//! with the product form's rules; the enterprise must be registered and visible to the actor.
//! A changed product keeps its history in `record_changes`.

use std::collections::HashMap;

use touchstone_domain::ValidationErrors;
use touchstone_store::Tx;
use touchstone_store::imports::{self as store, ImportErrorRow};
use touchstone_store::products::{self as product_store, ProductRow};
use uuid::Uuid;

use super::{
    Cells, Importer, Kind, Plan, Stamp, category_code, cell, code_of, credit_code, gather, moved, optional_cell,
    unknown_holder, visible_enterprises,
};
use crate::audit::record_fields;
use crate::products::{ProductInput, validate};
use crate::tabular::Aliases;
use crate::{Actor, App, Error, Result};

const ALIASES: &Aliases = &[
    ("uscc", &["uscc", "credit_code", "统一社会信用代码", "社会信用代码", "信用代码", "企业信用代码"]),
    ("name", &["name", "product_name", "产品名称", "产品"]),
    ("model", &["model", "specification", "规格型号", "型号规格", "型号", "规格"]),
    ("category_code", &["category_code", "category", "产品类别", "产品类别代码", "产品分类", "类别"]),
    ("brand", &["brand", "trademark", "品牌", "商标", "品牌/商标", "品牌商标"]),
    ("standard", &["standard", "executive_standard", "执行标准", "产品标准", "标准"]),
    ("annual_output", &["annual_output", "年产量", "年产能", "设计产能"]),
    ("status", &["status", "生产状态", "状态"]),
];

const STATUS_WORDS: &[(&str, &str)] = &[
    ("在产", "in_production"),
    ("生产", "in_production"),
    ("生产中", "in_production"),
    ("正常生产", "in_production"),
    ("停产", "stopped"),
    ("已停产", "stopped"),
];

/// A record as the input the product form would send.
fn input_of(cells: &Cells) -> ProductInput {
    ProductInput {
        category_code: category_code(&cell(cells, "category_code")),
        name: cell(cells, "name"),
        brand: optional_cell(cells, "brand"),
        model: optional_cell(cells, "model"),
        standard: optional_cell(cells, "standard"),
        annual_output: optional_cell(cells, "annual_output"),
        status: code_of(&optional_cell(cells, "status").unwrap_or_else(|| "in_production".into()), STATUS_WORDS),
        version: None,
    }
}

/// A validated product and its enterprise's credit code.
pub(crate) struct Staged {
    uscc: String,
    row: ProductRow,
}

/// An update: the version read, the fields before and after, and the new row.
pub(crate) type Update = (i64, serde_json::Value, ProductRow, serde_json::Value);

pub(crate) struct Products;

impl Importer for Products {
    const KIND: Kind = Kind::Products;
    const ACTION: &'static str = "import.products";
    const ALIASES: &'static Aliases = ALIASES;
    const REQUIRED: &'static [&'static str] = &["uscc", "name", "category_code"];
    const KEY: (&'static str, &'static str) = ("name", "credit code, product name and model");
    type Staged = Staged;
    type Insert = ProductRow;
    type Update = Update;

    fn stage(actor: &Actor, cells: &Cells, _today: &str, now: i64) -> Result<(String, Staged)> {
        let mut errors = ValidationErrors::new();
        let uscc = gather(&mut errors, credit_code(&cell(cells, "uscc")))?;
        let row = gather(&mut errors, validate(actor, Uuid::nil(), &input_of(cells), None, now))?;
        errors.into_result()?;
        let (Some(uscc), Some(row)) = (uscc, row) else {
            return Err(Error::Internal("a validated product lacks its fields".into()));
        };
        Ok((format!("{uscc}\u{1f}{}\u{1f}{}", row.name, row.model), Staged { uscc, row }))
    }

    async fn plan(
        app: &App,
        actor: &Actor,
        job: Uuid,
        staged: Vec<(usize, Staged)>,
        errors: &mut Vec<ImportErrorRow>,
    ) -> Result<Plan<ProductRow, Update>> {
        let enterprises = visible_enterprises(app, actor, staged.iter().map(|(_, s)| s.uscc.clone())).await?;
        let ids: Vec<Uuid> = enterprises.values().map(|e| e.id).collect();
        let existing: HashMap<(Uuid, String, String), ProductRow> = product_store::of_enterprises(&app.db, &ids)
            .await?
            .into_iter()
            .map(|p| ((p.enterprise_id, p.name.clone(), p.model.clone()), p))
            .collect();
        let mut plan = Plan::default();
        for (line, s) in staged {
            let Some(enterprise) = enterprises.get(&s.uscc) else {
                errors.push(unknown_holder(job, line, &s.uscc));
                continue;
            };
            let key = (enterprise.id, s.row.name.clone(), s.row.model.clone());
            match existing.get(&key) {
                None => plan.inserts.push(ProductRow { enterprise_id: enterprise.id, ..s.row }),
                Some(current) => {
                    let row = ProductRow {
                        id: current.id,
                        enterprise_id: current.enterprise_id,
                        version: current.version + 1,
                        created_at: current.created_at,
                        ..s.row
                    };
                    let (before, after) = (record_fields(current), record_fields(&row));
                    if before == after {
                        plan.unchanged += 1;
                    } else {
                        plan.updates.push((current.version, before, row, after));
                    }
                }
            }
        }
        Ok(plan)
    }

    async fn apply(app: &App, tx: &mut Tx, actor: &Actor, job: Uuid, plan: &Plan<ProductRow, Update>) -> Result<()> {
        let stamp = Stamp { actor, job, at: app.clock.now().as_micros() };
        for p in &plan.inserts {
            product_store::insert(tx, p)
                .await
                .map_err(|e| if e.is_unique_violation() { moved(&p.name, "was added") } else { Error::from(e) })?;
            let after = record_fields(p);
            store::insert_record_change(tx, &stamp.change("product", p.id, p.enterprise_id, None, &after)).await?;
        }
        for (expected, before, p, after) in &plan.updates {
            if !product_store::update(tx, p, *expected).await? {
                return Err(moved(&p.name, "changed"));
            }
            let change = stamp.change("product", p.id, p.enterprise_id, Some(before), after);
            store::insert_record_change(tx, &change).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(pairs: &[(&'static str, &str)]) -> Cells {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn a_record_with_chinese_words_maps_to_the_product_form() {
        let name = touchstone_domain::catalogue::catalogue().get("04.01").expect("category").name;
        let input = input_of(&cells(&[("category_code", name), ("name", "电缆"), ("status", "停产"), ("brand", " ")]));
        assert_eq!(input.category_code, "04.01");
        assert_eq!(input.status, "stopped");
        assert_eq!(input.brand, None);
        assert_eq!(input_of(&cells(&[])).status, "in_production", "in production unless said otherwise");
    }

    #[test]
    fn a_bad_credit_code_and_a_bad_category_are_both_reported() {
        let record = cells(&[("uscc", "91360121MA35K8R1XX"), ("name", "电缆"), ("category_code", "99")]);
        let Err(Error::Validation(v)) = Products::stage(&Actor::system(None), &record, "2026-01-01", 0) else {
            panic!("invalid")
        };
        let fields: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["uscc", "category_code"]);
    }

    #[test]
    fn the_key_inside_a_file_is_the_enterprise_name_and_model() {
        let code = touchstone_domain::uscc::Uscc::compose("91", "360121", "MA35K8R1").expect("code").to_string();
        let record =
            cells(&[("uscc", &code.to_lowercase()), ("name", " 电缆 "), ("model", "BV"), ("category_code", "04.01")]);
        let (key, staged) = Products::stage(&Actor::system(None), &record, "2026-01-01", 0).expect("valid");
        assert_eq!(key, format!("{code}\u{1f}电缆\u{1f}BV"));
        assert_eq!(staged.uscc, code);
    }
}
