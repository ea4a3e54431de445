//! Importing enterprises: upsert by credit code with the registration form's rules; a changed
//! enterprise keeps its history in `enterprise_changes`; one registered in another
//! jurisdiction is a row error.

use std::collections::HashMap;

use touchstone_store::Tx;
use touchstone_store::enterprises::{self as ent_store, ContactRow, EnterpriseRow, NewEnterprise};
use touchstone_store::imports::{self as store, ChangeRow, ImportErrorRow};
use touchstone_store::search::Doc;
use uuid::Uuid;

use super::{Cells, Importer, Kind, Plan, cell, code_of, error_row, moved, optional_cell, split_list};
use crate::enterprises::{ContactInput, EnterpriseInput, snapshot, validate};
use crate::tabular::Aliases;
use crate::{Actor, App, Error, Result};

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

/// A record as the input the registration form would send.
fn input_of(r: &Cells) -> EnterpriseInput {
    let get = |k: &str| cell(r, k);
    let opt = |k: &str| optional_cell(r, k);
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
    // Several contacts share the three columns, separated by `|` in the same order.
    let part = |k: &str, i: usize| get(k).split('|').nth(i).unwrap_or("").trim().to_string();
    let count = ["contact_name", "contact_position", "contact_phone"]
        .iter()
        .map(|k| get(k).split('|').count())
        .max()
        .unwrap_or(0);
    let contacts: Vec<ContactInput> = (0..count)
        .map(|i| ContactInput {
            name: part("contact_name", i),
            position: part("contact_position", i),
            phone: part("contact_phone", i),
        })
        .filter(|c| !(c.name.is_empty() && c.phone.is_empty()))
        .collect();
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
        contacts,
        version: None,
    }
}

/// A validated enterprise with its contacts and categories, and once prepared for writing
/// as new, its search row and its history's record.
pub(crate) struct Staged {
    row: EnterpriseRow,
    contacts: Vec<ContactRow>,
    categories: Vec<String>,
    prepared: Option<(Doc, String)>,
}

impl Staged {
    /// The search row and the history's record (JSON) of a new enterprise.
    fn prepared(&self) -> (Doc, String) {
        self.prepared.clone().unwrap_or_else(|| {
            (
                ent_store::search_doc(&self.row, &self.categories),
                snapshot(&self.row, &self.contacts, &self.categories).to_string(),
            )
        })
    }
}

/// An update: the version read, the snapshots before and after, and the new record.
pub(crate) type Update = (i64, serde_json::Value, Staged, serde_json::Value);

pub(crate) struct Enterprises;

/// New enterprises written per round of multi-row statements.
const INSERT_CHUNK: usize = 2_000;

impl Importer for Enterprises {
    const KIND: Kind = Kind::Enterprises;
    const ACTION: &'static str = "import.enterprises";
    const ALIASES: &'static Aliases = ALIASES;
    const REQUIRED: &'static [&'static str] = &["uscc", "name", "legal_representative", "address", "region_code"];
    const KEY: (&'static str, &'static str) = ("uscc", "credit code");
    const BULK_TABLES: &'static [&'static str] =
        &["enterprises", "enterprise_contacts", "enterprise_categories", "enterprise_changes"];
    type Staged = Staged;
    type Insert = Staged;
    type Update = Update;

    fn stage(actor: &Actor, cells: &Cells, _today: &str, now: i64) -> Result<(String, Staged)> {
        let (row, contacts, categories) = validate(actor, &input_of(cells), None, now)?;
        Ok((row.uscc.clone(), Staged { row, contacts, categories, prepared: None }))
    }

    fn prepare(staged: &mut Staged) {
        staged.prepared = Some(staged.prepared());
    }

    async fn plan(
        app: &App,
        actor: &Actor,
        job: Uuid,
        staged: Vec<(usize, Staged)>,
        errors: &mut Vec<ImportErrorRow>,
    ) -> Result<Plan<Staged, Update>> {
        // Insert or update: decided against what is registered now.
        let codes: Vec<String> = staged.iter().map(|(_, s)| s.row.uscc.clone()).collect();
        let existing: HashMap<String, EnterpriseRow> =
            ent_store::by_usccs(&app.db, &codes).await?.into_iter().map(|e| (e.uscc.clone(), e)).collect();
        let mut plan = Plan::default();
        for (line, s) in staged {
            match existing.get(&s.row.uscc) {
                None => plan.inserts.push(s),
                Some(current) if !actor.regions.contains(&current.region_code) => {
                    errors.push(error_row(job, line, "uscc", &s.row.uscc, "registered in another jurisdiction".into()));
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
                        plan.unchanged += 1;
                    } else {
                        plan.updates.push((
                            current.version,
                            before,
                            Staged { row, contacts, categories: s.categories, prepared: None },
                            after,
                        ));
                    }
                }
            }
        }
        Ok(plan)
    }

    async fn apply(app: &App, tx: &mut Tx, actor: &Actor, job: Uuid, plan: &Plan<Staged, Update>) -> Result<()> {
        let at = app.clock.now().as_micros();
        // New enterprises in multi-row statements, a chunk at a time (memory stays bounded).
        for chunk in plan.inserts.chunks(INSERT_CHUNK) {
            let records: Vec<NewEnterprise> =
                chunk.iter().map(|s| (s.row.clone(), s.contacts.clone(), s.categories.clone())).collect();
            let (docs, afters): (Vec<Doc>, Vec<String>) = chunk.iter().map(Staged::prepared).unzip();
            ent_store::insert_many_indexed(tx, &records, docs).await.map_err(|e| {
                if e.is_unique_violation() {
                    moved("an enterprise of this file", "was registered")
                } else {
                    Error::from(e)
                }
            })?;
            let changes: Vec<ChangeRow> =
                chunk.iter().zip(afters).map(|(s, after)| change_row(s.row.id, at, actor, job, None, after)).collect();
            store::insert_changes(tx, &changes).await?;
        }
        for (expected, before, s, after) in &plan.updates {
            if !ent_store::update(tx, &s.row, *expected).await? {
                return Err(moved(&s.row.uscc, "changed"));
            }
            ent_store::replace_contacts(tx, s.row.id, &s.contacts).await?;
            ent_store::replace_categories(tx, s.row.id, &s.categories).await?;
            let before = Some(before.to_string());
            store::insert_change(tx, &change_row(s.row.id, at, actor, job, before, after.to_string())).await?;
        }
        Ok(())
    }
}

/// The history row an import leaves on one enterprise.
fn change_row(
    enterprise_id: Uuid,
    at: i64,
    actor: &Actor,
    job: Uuid,
    before_json: Option<String>,
    after_json: String,
) -> ChangeRow {
    ChangeRow {
        id: Uuid::now_v7(),
        enterprise_id,
        at,
        actor_name: actor.username.clone(),
        action: "enterprise.import".into(),
        before_json,
        after_json: Some(after_json),
        job_id: Some(job),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_words_in_a_record_become_the_form_codes() {
        let cells: Cells =
            [("uscc", "x"), ("scale", "中型"), ("status", "停产"), ("roles", "生产、网销"), ("contact_name", "")]
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect();
        let input = input_of(&cells);
        assert_eq!(input.scale, "medium");
        assert_eq!(input.status, "suspended");
        assert_eq!(input.roles, vec!["producer", "online_seller"]);
        assert!(input.contacts.is_empty(), "no contact without a name or phone");
    }
}
